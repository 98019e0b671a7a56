//! Runs every case of the shared tables (tests/data/*.toml) through the
//! one-shot scanner, the stream at every split point, the stream with
//! 1-byte and other small chunks, with filler padding on both sides (so
//! cases cross chunk and alignment edges), and the oracle.

use caldicott_core::Engine;
use caldicott_testkit::table::{shared_tables, TestCase};

use crate::oracle;
use crate::util::{plain, stream_chunks, stream_split, Plain};

/// Bytes of filler tried on each side of every haystack. The filler `~` is
/// neither a digit, a letter, nor a separator, so it changes no verdict.
const MAX_PAD: usize = 20;

fn expected(case: &TestCase, shift: u64) -> Vec<Plain> {
    case.expect
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                e.start as u64 + shift,
                e.end as u64 + shift,
                e.confidence.clone(),
                e.synthetic,
            )
        })
        .collect()
}

fn cases() -> Vec<TestCase> {
    let cases = shared_tables().unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.len() >= 50, "only {} table cases", cases.len());
    cases
}

fn check(case: &TestCase, what: &str, want: &[Plain], got: &[Plain]) {
    assert_eq!(
        want,
        got,
        "\ncase {} ({}) via {what}\nhaystack: {:?}\n",
        case.name,
        case.file,
        String::from_utf8_lossy(&case.haystack)
    );
}

#[test]
fn one_shot() {
    let engine = Engine::default();
    for case in cases() {
        let got = plain(&engine.scan(&case.haystack));
        check(&case, "scan", &expected(&case, 0), &got);
    }
}

#[test]
fn oracle_agrees_with_tables() {
    for case in cases() {
        let got = oracle::scan(&case.haystack, 300, 100);
        check(&case, "oracle", &expected(&case, 0), &got);
    }
}

#[test]
fn stream_every_split_point() {
    let engine = Engine::default();
    for case in cases() {
        let want = expected(&case, 0);
        for at in 0..=case.haystack.len() {
            let got = plain(&stream_split(&engine, &case.haystack, at));
            check(&case, &format!("split at {at}"), &want, &got);
        }
    }
}

#[test]
fn stream_small_chunks() {
    let engine = Engine::default();
    for case in cases() {
        let want = expected(&case, 0);
        for sizes in [&[1][..], &[2], &[3], &[7, 1, 13], &[64], &[500, 1]] {
            let got = plain(&stream_chunks(&engine, &case.haystack, sizes));
            check(&case, &format!("chunks {sizes:?}"), &want, &got);
        }
    }
}

#[test]
fn padded_both_sides() {
    let engine = Engine::default();
    for case in cases() {
        for pad in 0..=MAX_PAD {
            let mut hay = vec![b'~'; pad];
            hay.extend_from_slice(&case.haystack);
            hay.extend(std::iter::repeat_n(b'~', pad));
            let want = expected(&case, pad as u64);
            check(
                &case,
                &format!("pad {pad}"),
                &want,
                &plain(&engine.scan(&hay)),
            );
            let got = plain(&stream_chunks(&engine, &hay, &[1]));
            check(&case, &format!("pad {pad}, 1-byte chunks"), &want, &got);
        }
    }
}

/// Large chunks take the stream's in-place path; a long filler prefix puts
/// each case in the middle of one. Structured cases (csv.toml) depend on
/// the input's first line, so they get filler after them only.
#[test]
fn inside_large_chunks() {
    let engine = Engine::default();
    for case in cases() {
        let pad = if case.file == "csv.toml" { 0 } else { 5000 };
        let mut hay = vec![b'~'; pad];
        hay.extend_from_slice(&case.haystack);
        hay.extend(std::iter::repeat_n(b'~', 5000));
        let want = expected(&case, pad as u64);
        for sizes in [&[4096][..], &[3000, 7000], &[hay.len()]] {
            let got = plain(&stream_chunks(&engine, &hay, sizes));
            check(&case, &format!("large chunks {sizes:?}"), &want, &got);
        }
    }
}
