//! One-shot scan throughput through the decoding layers, against the bare
//! engine on the same bytes (the cost of looking for encodings in plain
//! traffic, and the speed of decoding a gzip'd input).
//!
//! ```text
//! cargo run --release -p caldicott-decode --example decode_throughput -- FILE [RUNS]
//! ```
//!
//! Prints the median of RUNS (default 5) scans of FILE's bytes by the bare
//! engine and by the decoder.

use std::time::Instant;

use caldicott_core::Engine;
use caldicott_decode::Decoder;

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: decode_throughput FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("decode_throughput: {path}: {e}");
            std::process::exit(2);
        }
    };
    let engine = Engine::default();
    let decoder = Decoder::new(engine.clone());
    let mb = bytes.len() as f64 / 1e6;
    for (name, f) in [
        (
            "Engine::scan",
            &(|b: &[u8]| engine.scan(b).len()) as &dyn Fn(&[u8]) -> usize,
        ),
        ("Decoder::scan", &|b: &[u8]| decoder.scan(b).len()),
    ] {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            found = f(&bytes);
            times.push(t.elapsed().as_secs_f64());
        }
        let m = median(times);
        println!(
            "{name}: {path}, {found} findings: median {m:.3} s over {runs} \
             runs = {:.0} MB/s of input",
            mb / m
        );
    }
}
