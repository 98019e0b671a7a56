//! Checks the shared tables in `tests/data/` against the kit's own oracle:
//! they load, their names follow the convention, every marked span is a
//! well-formed candidate, and every expectation agrees with the checksum,
//! range and date rules.

use caldicott_testkit::gen::valid_ddmmyy;
use caldicott_testkit::table::SHARED_TABLES_DIR;
use caldicott_testkit::{mod10_valid, mod11_valid, shared_tables, TestCase};

/// The ten digits of a well-formed candidate: ten ASCII digits, or 3-3-4
/// digits with one separator (space, `-`, `.`, tab or U+00A0) used twice.
fn candidate_digits(span: &[u8]) -> Option<Vec<u8>> {
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    if span.len() == 10 && digits(span) {
        return Some(span.to_vec());
    }
    for sep in [&b" "[..], b"-", b".", b"\t", b"\xC2\xA0"] {
        let n = sep.len();
        if span.len() != 10 + 2 * n {
            continue;
        }
        let (a, rest) = span.split_at(3);
        let (s1, rest) = rest.split_at(n);
        let (b, rest) = rest.split_at(3);
        let (s2, c) = rest.split_at(n);
        if s1 == sep && s2 == sep && digits(a) && digits(b) && digits(c) {
            return Some([a, b, c].concat());
        }
    }
    None
}

fn first9(d: &[u8]) -> u64 {
    std::str::from_utf8(&d[..9]).unwrap().parse().unwrap()
}

/// The kind and synthetic flag that rule 2 gives a Mod 11 valid number.
fn rule2_kind(d: &[u8]) -> Option<(&'static str, bool)> {
    let n = first9(d);
    if n >= 900_000_000 {
        Some(("nhs_number", true))
    } else if (400_000_000..=499_999_999).contains(&n)
        || (600_000_000..=799_999_999).contains(&n)
    {
        Some(("nhs_number", false))
    } else if (320_000_001..=399_999_999).contains(&n) {
        Some(("hc_number", false))
    } else if valid_ddmmyy(d) {
        Some(("chi_number", false))
    } else {
        None
    }
}

/// Files of structured documents, whose fields may demote a valid number
/// to `low`, and of labels in plain text (`order=`) that do the same.
const STRUCTURED: [&str; 7] = [
    "labels.toml",
    "csv.toml",
    "hl7.toml",
    "fhir_json.toml",
    "fhir_xml.toml",
    "cda.toml",
    "dicom.toml",
];

fn check_case(case: &TestCase) -> Result<(), String> {
    // Only the health identifiers are checked here; the shapes of the
    // companion identifiers are the detectors' own unit tests' business.
    let health = ["nhs_number", "chi_number", "hc_number"];
    for e in case.expect.iter().filter(|e| health.contains(&e.kind.as_str())) {
        let span = case.span(e);
        let shown = String::from_utf8_lossy(span);
        let d = candidate_digits(span)
            .ok_or_else(|| format!("span {shown:?} is not a candidate"))?;
        if d.iter().all(|&x| x == d[0]) {
            return Err(format!("{shown:?} is a repeated-digit placeholder"));
        }
        // `low` is a Modulus-10-only CHI number, or a valid number that a
        // structured field demotes (a CSV column named for order ids).
        let mod10_chi = e.kind == "chi_number"
            && !e.synthetic
            && !mod11_valid(&d)
            && mod10_valid(&d)
            && valid_ddmmyy(&d);
        if e.confidence == "low" && mod10_chi {
            continue;
        }
        if e.confidence == "low" && !STRUCTURED.contains(&case.file.as_str()) {
            return Err(format!(
                "{shown:?}: low needs a Mod-10-only CHI number (or a \
                 demoting field, in a structured file)"
            ));
        }
        {
            if !mod11_valid(&d) {
                return Err(format!("{shown:?} fails Modulus 11"));
            }
            let want = rule2_kind(&d)
                .ok_or_else(|| format!("{shown:?} is in no range"))?;
            if want != (e.kind.as_str(), e.synthetic) {
                return Err(format!(
                    "{shown:?} is {want:?}, expected says ({:?}, {})",
                    e.kind, e.synthetic
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn shared_tables_load_and_agree_with_the_oracle() {
    let cases = shared_tables().unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(msg) = check_case(case) {
            failures.push(format!("{}: {}: {msg}", case.file, case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn names_are_numbered_in_steps_of_ten() {
    let cases = shared_tables().unwrap_or_else(|e| panic!("{e}"));
    for case in &cases {
        let (stem, number) = case.name.rsplit_once('-').unwrap_or(("", ""));
        let ok = !stem.is_empty()
            && stem.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
            })
            && number.len() == 3
            && number.bytes().all(|b| b.is_ascii_digit())
            && number.ends_with('0');
        assert!(ok, "{}: bad name {:?}", case.file, case.name);
    }
}

#[test]
fn every_file_is_present() {
    let cases = shared_tables().unwrap_or_else(|e| panic!("{e}"));
    for file in [
        "boundaries.toml",
        "chi_mod10.toml",
        "chi_number.toml",
        "confounders.toml",
        "context.toml",
        "forms.toml",
        "hc_number.toml",
        "nhs_number.toml",
    ] {
        assert!(
            cases.iter().any(|c| c.file == file),
            "no cases from {file} in {SHARED_TABLES_DIR}"
        );
    }
}
