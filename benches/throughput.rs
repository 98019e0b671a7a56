//! The full benchmark suite: scan throughput by input shape, by delivery
//! (one-shot, streams at 64 KiB and 4 KiB chunks), by detector set, and
//! with and without the decoding layers, on
//! 4 MiB generated corpora (seed `caldicott_benches::SEED`).
//!
//! ```text
//! cargo bench -p caldicott-benches --bench throughput
//! cargo bench -p caldicott-benches --bench throughput -- shape/csv
//! ```
//!
//! Takes about 5 minutes with criterion's default timing. Every benchmark
//! asserts its finding count inside the timed closure. For a quick check
//! use the `ci` benchmark instead.

use caldicott_benches::{Detectors, Shape, FULL_LEN};
use criterion::Criterion;

mod suite;

fn by_shape(c: &mut Criterion) {
    suite::shapes(c, FULL_LEN, &Shape::ALL);
}

fn by_chunking(c: &mut Criterion) {
    for shape in [Shape::Web, Shape::Csv, Shape::Hl7] {
        suite::chunking(c, FULL_LEN, shape);
    }
}

fn by_detectors(c: &mut Criterion) {
    for shape in [Shape::Web, Shape::Csv] {
        suite::detectors(c, FULL_LEN, shape, &Detectors::SETS);
    }
}

fn by_decoding(c: &mut Criterion) {
    suite::decoding(c, FULL_LEN, &Shape::ALL);
}

/// Runs the suite (what `criterion_group!` and `criterion_main!` expand
/// to, written out so it can be documented).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    by_shape(&mut c);
    by_chunking(&mut c);
    by_detectors(&mut c);
    by_decoding(&mut c);
    c.final_summary();
}
