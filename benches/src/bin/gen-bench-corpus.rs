//! `gen-bench-corpus SHAPE SIZE SEED FILE`: writes a benchmark corpus to
//! FILE and prints what was planted as one JSON line.
//!
//! SHAPE is a `caldicott_testkit::bench_corpora::Shape` name (`web`,
//! `no-hit`, `rare`, `dense`, `csv`, `hl7`, `fhir`, `binary`) or `mixed`
//! for the test kit's `corpus::mixed_text` (the corpus of
//! `caldicott-testkit`'s `gen-corpus`, generated in 1 MiB blocks). SIZE is
//! bytes, optionally with a `K`, `M` or `G` suffix (binary multiples).
//!
//! The JSON line has `shape`, `seed`, `bytes`, `planted` (the findings an
//! engine reporting every kind must give) and, for the shapes, the count
//! per kind and the decoys.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use caldicott_benches::Shape;
use caldicott_testkit::corpus::write_mixed_text;

const USAGE: &str = "usage: gen-bench-corpus SHAPE SIZE SEED FILE\n  \
                     SHAPE: web no-hit rare dense csv hl7 fhir binary mixed";

fn main() -> ExitCode {
    caldicott_benches::finish_main("gen-bench-corpus", USAGE, run())
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [shape, size, seed, path] = args.as_slice() else {
        return Err("expected four arguments".into());
    };
    let size = parse_size(size)?;
    let seed: u64 =
        seed.parse().map_err(|_| format!("SEED `{seed}` is not a number"))?;
    let file =
        std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = BufWriter::new(file);
    let io = |e: std::io::Error| format!("{path}: {e}");
    let line = if shape == "mixed" {
        let planted =
            write_mixed_text(&mut out, seed, size as u64).map_err(io)?;
        format!(
            "{{\"shape\": \"mixed\", \"seed\": {seed}, \"bytes\": {size}, \
             \"planted\": {planted}}}"
        )
    } else {
        let shape = Shape::from_name(shape)
            .ok_or_else(|| format!("unknown SHAPE `{shape}`"))?;
        let c = shape.generate(seed, size);
        out.write_all(&c.bytes).map_err(io)?;
        let p = c.planted;
        format!(
            "{{\"shape\": \"{shape}\", \"seed\": {seed}, \"bytes\": {size}, \
             \"planted\": {}, \"nhs\": {}, \"synthetic\": {}, \"hc\": {}, \
             \"chi\": {}, \"chi10\": {}, \"decoys\": {}}}",
            p.total(),
            p.nhs,
            p.synthetic,
            p.hc,
            p.chi,
            p.chi10,
            p.decoys
        )
    };
    out.flush().map_err(io)?;
    Ok(line)
}

fn parse_size(s: &str) -> Result<usize, String> {
    let n = caldicott_testkit::corpus::parse_size(s)?;
    usize::try_from(n).map_err(|_| format!("SIZE `{s}` is too large"))
}
