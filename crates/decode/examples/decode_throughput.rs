//! One-shot scan throughput through the decoding layers, against the bare
//! engine on the same bytes (the cost of looking for encodings in plain
//! traffic, and the speed of decoding a gzip'd input).
//!
//! ```text
//! cargo run --release -p caldicott-decode --example decode_throughput -- FILE [RUNS]
//! ```
//!
//! Prints the median of RUNS (default 5) scans of FILE's bytes by the bare
//! engine and by the decoder. When FILE is a capture of HTTP/1.1 messages
//! framed by `Content-Length` (as `gen-bench-corpus web` writes them), it
//! also times the engine scanning each message's head and body as inputs
//! of their own: what the decoder scans, without the decoding.

use std::time::Instant;

use caldicott_core::Engine;
use caldicott_decode::Decoder;

/// A scan to time: the input's bytes in, the number of findings out.
type Scan<'a> = &'a dyn Fn(&[u8]) -> usize;

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
    let parts = http_parts(&bytes);
    let whole = |b: &[u8]| engine.scan(b).len();
    let decoded = |b: &[u8]| decoder.scan(b).len();
    let per_part = |_: &[u8]| parts.iter().map(|p| engine.scan(p).len()).sum();
    let mut timed: Vec<(String, Scan<'_>)> = vec![
        ("Engine::scan".into(), &whole),
        ("Decoder::scan".into(), &decoded),
    ];
    if parts.len() > 1 {
        let name =
            format!("Engine::scan of each of {} HTTP parts", parts.len());
        timed.push((name, &per_part));
    }
    for (name, f) in timed {
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

/// The heads and bodies of the HTTP/1.1 messages `bytes` holds, framed by
/// `Content-Length` (a body without one is empty); one part, the whole
/// input, when it does not start like a message or is framed otherwise.
fn http_parts(bytes: &[u8]) -> Vec<&[u8]> {
    let starts_like_http = [&b"HTTP/1."[..], b"GET ", b"POST ", b"PUT "]
        .iter()
        .any(|p| bytes.starts_with(p));
    if !starts_like_http {
        return vec![bytes];
    }
    let mut parts = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
            parts.push(rest);
            break;
        };
        let (head, after) = rest.split_at(end + 4);
        let text = String::from_utf8_lossy(head);
        if text.to_ascii_lowercase().contains("transfer-encoding") {
            return vec![bytes];
        }
        let len = text
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0)
            .min(after.len());
        parts.push(head);
        if len > 0 {
            parts.push(&after[..len]);
        }
        rest = &after[len..];
    }
    parts
}
