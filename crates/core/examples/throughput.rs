//! Measures one-shot scan throughput on one core over a generated mixed
//! text corpus (the figure quoted in the project notes).
//!
//! ```text
//! cargo run --release -p caldicott-core --example throughput -- [MIB] [RUNS]
//! ```
//!
//! Prints the median of RUNS scans (default 256 MiB, 7 runs). Criterion
//! benchmarks for regression tracking live in `benches/`.

use std::time::Instant;

use caldicott_core::Engine;

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let corpus = caldicott_testkit::corpus::mixed_text(1, mib << 20);
    let engine = Engine::default();
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = engine.scan(&corpus.bytes).len();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let mb = corpus.bytes.len() as f64 / 1e6;
    println!(
        "{mib} MiB mixed text, {} planted, {found} findings: median {:.3} s \
         over {runs} runs = {:.0} MB/s (min {:.3} s, max {:.3} s)",
        corpus.planted,
        median,
        mb / median,
        times[0],
        times[times.len() - 1],
    );
}
