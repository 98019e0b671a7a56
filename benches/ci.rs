//! The consolidated CI benchmark: every shape one-shot, web traffic
//! one-shot against streams at 64 KiB and 4 KiB chunks, NHS-family
//! against all detectors, and the engine against the decoder on web and
//! CSV traffic, on 1 MiB corpora (seed
//! `caldicott_benches::SEED`) with short warm-up and measurement times.
//!
//! ```text
//! cargo bench -p caldicott-benches --bench ci
//! ```
//!
//! Runs in well under a minute on the project's 2-core machine (see
//! `benches/README.md` for the measured time). Every benchmark asserts its
//! finding count inside the timed closure, so a wrong answer fails the run.
//! The numbers are for spotting regressions between runs on one machine;
//! the `throughput` benchmark and `benches/compare/run.sh` are the careful
//! measurements.

use std::time::Duration;

use caldicott_benches::{Detectors, Shape, CI_LEN};
use criterion::Criterion;

mod suite;

fn quick() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .sample_size(10)
        .without_plots()
}

fn ci(c: &mut Criterion) {
    suite::shapes(c, CI_LEN, &Shape::ALL);
    suite::chunking(c, CI_LEN, Shape::Web);
    suite::detectors(
        c,
        CI_LEN,
        Shape::Web,
        &[Detectors::NhsFamily, Detectors::All],
    );
    suite::decoding(c, CI_LEN, &[Shape::Web, Shape::Csv]);
}

/// Runs the suite with the quick configuration (what `criterion_group!`
/// and `criterion_main!` expand to, written out so it can be documented).
fn main() {
    let mut c = quick().configure_from_args();
    ci(&mut c);
    c.final_summary();
}
