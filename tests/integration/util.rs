//! Converting engine findings to plain tuples, and streaming helpers.

use caldicott_core::{Engine, Finding};

/// A finding as plain data: kind, start, end, confidence, synthetic.
pub(crate) type Plain = (String, u64, u64, String, bool);

/// The plain form of engine findings.
pub(crate) fn plain(findings: &[Finding]) -> Vec<Plain> {
    findings
        .iter()
        .map(|f| {
            (
                f.kind.to_string(),
                f.start,
                f.end,
                f.confidence.to_string(),
                f.synthetic,
            )
        })
        .collect()
}

/// The plain form of the health-identifier findings only: what the
/// oracle, which knows numbers but not structure, is compared with.
pub(crate) fn health(findings: &[Finding]) -> Vec<Plain> {
    let numbers: Vec<Finding> = findings
        .iter()
        .filter(|f| f.kind.is_health_identifier())
        .cloned()
        .collect();
    plain(&numbers)
}

/// Streams `hay` through `engine` in chunks of the given sizes (cycled),
/// then finishes.
pub(crate) fn stream_chunks(
    engine: &Engine,
    hay: &[u8],
    sizes: &[usize],
) -> Vec<Finding> {
    let mut stream = engine.stream();
    let mut out = Vec::new();
    let mut rest = hay;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        stream.push(&rest[..n], &mut out).expect("push");
        rest = &rest[n..];
        i += 1;
    }
    stream.finish(&mut out).expect("finish");
    out
}

/// Streams `hay` split in two at `at`.
pub(crate) fn stream_split(
    engine: &Engine,
    hay: &[u8],
    at: usize,
) -> Vec<Finding> {
    let mut stream = engine.stream();
    let mut out = Vec::new();
    stream.push(&hay[..at], &mut out).expect("push");
    stream.push(b"", &mut out).expect("empty push");
    stream.push(&hay[at..], &mut out).expect("push");
    stream.finish(&mut out).expect("finish");
    out
}
