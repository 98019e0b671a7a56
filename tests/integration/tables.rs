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

/// Files whose cases are whole structured documents (a CSV export, an HL7
/// message, a FHIR resource, a DICOM file): recognised from their first
/// bytes, so padded with newlines after them only.
pub(crate) const STRUCTURED_FILES: [&str; 6] = [
    "csv.toml",
    "hl7.toml",
    "fhir_json.toml",
    "fhir_xml.toml",
    "cda.toml",
    "dicom.toml",
];

/// Filler for `case`: `(before, after)`, `pad` bytes each where allowed.
fn filler(case: &TestCase, pad: usize) -> (Vec<u8>, Vec<u8>) {
    if STRUCTURED_FILES.contains(&case.file.as_str()) {
        (Vec::new(), vec![b'\n'; pad])
    } else {
        (vec![b'~'; pad], vec![b'~'; pad])
    }
}

/// Findings in table order: by start, the longer (enclosing) first. The
/// engine reports a record after the identifiers inside it; the tables
/// list spans in the order their markers open.
fn table_order(mut found: Vec<Plain>) -> Vec<Plain> {
    found.sort_by(|a, b| {
        (a.1, std::cmp::Reverse(a.2), &a.0).cmp(&(
            b.1,
            std::cmp::Reverse(b.2),
            &b.0,
        ))
    });
    found
}

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
    let got = table_order(got.to_vec());
    assert_eq!(
        want,
        &got[..],
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
    // The oracle knows CSV headers but not HL7, JSON, XML or DICOM.
    for case in cases().into_iter().filter(|c| {
        c.file == "csv.toml" || !STRUCTURED_FILES.contains(&c.file.as_str())
    }) {
        let got = oracle::scan(&case.haystack, 300, 100);
        let numbers: Vec<Plain> = expected(&case, 0)
            .into_iter()
            .filter(|e| {
                matches!(
                    e.0.as_str(),
                    "nhs_number" | "chi_number" | "hc_number"
                )
            })
            .collect();
        check(&case, "oracle", &numbers, &got);
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
            let (before, after) = filler(&case, pad);
            let mut hay = before.clone();
            hay.extend_from_slice(&case.haystack);
            hay.extend_from_slice(&after);
            let want = expected(&case, before.len() as u64);
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
/// each case in the middle of one. Structured cases depend on the input's
/// first bytes, so they get filler after them only.
#[test]
fn inside_large_chunks() {
    let engine = Engine::default();
    for case in cases() {
        let (before, after) = filler(&case, 5000);
        let mut hay = before.clone();
        hay.extend_from_slice(&case.haystack);
        hay.extend_from_slice(&after);
        let want = expected(&case, before.len() as u64);
        for sizes in [&[4096][..], &[3000, 7000], &[hay.len()]] {
            let got = plain(&stream_chunks(&engine, &hay, sizes));
            check(&case, &format!("large chunks {sizes:?}"), &want, &got);
        }
    }
}
