//! Measures one-shot scan throughput on one core over a generated mixed
//! text corpus (the figure quoted in the project notes).
//!
//! ```text
//! cargo run --release -p caldicott-core --example throughput -- [MIB|FILE] [RUNS] [SET]
//! ```
//!
//! Prints the median of RUNS scans (default: a generated 256 MiB, 7 runs).
//! SET is `all` (the default configuration), `health` (the NHS, CHI and
//! H&C numbers only: no companion identifiers) or `plain` (every kind,
//! structure awareness off).
//! Given a FILE instead of a size, scans that file's bytes (read into
//! memory first, not timed), so other front ends can be compared on the
//! same buffer. Criterion benchmarks for regression tracking live in
//! `benches/`.

use std::time::Instant;

use caldicott_core::{Config, Engine, Kind};

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "256".to_string());
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let (label, bytes, planted) = match what.parse::<usize>() {
        Ok(mib) => {
            let c = caldicott_testkit::corpus::mixed_text(1, mib << 20);
            (format!("{mib} MiB mixed text"), c.bytes, Some(c.planted))
        }
        Err(_) => match std::fs::read(&what) {
            Ok(b) => (what.clone(), b, None),
            Err(e) => {
                eprintln!("throughput: {what}: {e}");
                std::process::exit(2);
            }
        },
    };
    let config = match args.next().as_deref() {
        None | Some("all") => Config::default(),
        Some("health") => Config {
            kinds: Kind::HEALTH_IDENTIFIERS.to_vec(),
            ..Config::default()
        },
        Some("plain") => Config { structure: false, ..Config::default() },
        Some(other) => {
            eprintln!("throughput: SET is all, health or plain, not {other}");
            std::process::exit(2);
        }
    };
    let engine = Engine::new(config).expect("a valid configuration");
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = engine.scan(&bytes).len();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let mb = bytes.len() as f64 / 1e6;
    let planted = planted.map_or(String::new(), |p| format!(", {p} planted"));
    println!(
        "Rust Engine::scan: {label}{planted}, {found} findings: median \
         {:.3} s over {runs} runs = {:.0} MB/s (min {:.3} s, max {:.3} s)",
        median,
        mb / median,
        times[0],
        times[times.len() - 1],
    );
}
