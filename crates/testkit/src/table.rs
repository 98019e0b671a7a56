//! The shared test-table format and its loader.
//!
//! See the [crate documentation](crate) for the format, field by field.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// The kinds an expectation may name.
pub const KINDS: &[&str] = &[
    "nhs_number",
    "chi_number",
    "hc_number",
    "nino",
    "postcode",
    "date_of_birth",
    "snomed_ct",
    "icd10",
    "nhs_email",
    "person_name",
    "clinical_record",
];

/// The confidences an expectation may name.
pub const CONFIDENCES: &[&str] = &["low", "medium", "high"];

/// The marker that opens an expected finding in a haystack (U+27E6).
pub const OPEN: char = '\u{27E6}';

/// The marker that closes an expected finding in a haystack (U+27E7).
pub const CLOSE: char = '\u{27E7}';

/// One test: a haystack and the findings expected in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    /// The file the case came from (its file name, e.g. `forms.toml`).
    pub file: String,
    /// The case's name, unique across all files.
    pub name: String,
    /// The haystack with the markers removed and, for `unescape = true`,
    /// the `\xNN` escapes replaced by their bytes.
    pub haystack: Vec<u8>,
    /// The expected findings, in haystack order.
    pub expect: Vec<Expected>,
}

impl TestCase {
    /// The bytes of the haystack that `expected` covers.
    ///
    /// Returns an empty slice when the span lies outside the haystack
    /// (which never happens for an `Expected` parsed with this case).
    pub fn span<'a>(&'a self, expected: &Expected) -> &'a [u8] {
        self.haystack.get(expected.start..expected.end).unwrap_or(&[])
    }
}

/// One expected finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// One of [`KINDS`]: `nhs_number`, `person_name`, `clinical_record`…
    pub kind: String,
    /// Byte offset of the first byte of the finding in the haystack.
    pub start: usize,
    /// Byte offset one past the last byte of the finding.
    pub end: usize,
    /// `low`, `medium` or `high`.
    pub confidence: String,
    /// Whether the number is in the synthetic (9xx) range.
    pub synthetic: bool,
}

/// Why a table could not be loaded: the file, the case (when the problem
/// is in one case) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    file: String,
    case: Option<String>,
    message: String,
}

impl TableError {
    fn file(file: &str, message: impl Into<String>) -> TableError {
        TableError {
            file: file.to_string(),
            case: None,
            message: message.into(),
        }
    }

    fn case(file: &str, case: &str, message: impl Into<String>) -> TableError {
        TableError {
            file: file.to_string(),
            case: Some(case.to_string()),
            message: message.into(),
        }
    }

    /// The file (or directory) the error is about.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The name of the case the error is about, if it is about one case.
    pub fn case_name(&self) -> Option<&str> {
        self.case.as_deref()
    }

    /// What is wrong, without the file and case.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(case) => {
                write!(f, "{}: test `{}`: {}", self.file, case, self.message)
            }
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TableError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    test: Vec<RawTest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    haystack: String,
    expect: Vec<RawExpected>,
    #[serde(default)]
    unescape: bool,
    // Free text for readers; kept out of `TestCase`.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpected {
    kind: String,
    confidence: String,
    #[serde(default)]
    synthetic: bool,
}

/// Parses one table file. `file_name` is used in errors and in
/// [`TestCase::file`].
///
/// Fails when the TOML does not parse, has unknown fields, or a case has an
/// empty or repeated name, an unknown kind or confidence, unbalanced,
/// or empty markers, a bad `\x` escape (with `unescape = true`) or
/// a number of marked spans different from the number of expectations.
pub fn parse_table(
    file_name: &str,
    toml_src: &str,
) -> Result<Vec<TestCase>, TableError> {
    let raw: RawFile = toml::from_str(toml_src)
        .map_err(|e| TableError::file(file_name, e.to_string().trim_end()))?;
    let mut seen = HashMap::new();
    let mut cases = Vec::with_capacity(raw.test.len());
    for (index, t) in raw.test.into_iter().enumerate() {
        if t.name.trim().is_empty() {
            return Err(TableError::file(
                file_name,
                format!("test number {} has an empty name", index + 1),
            ));
        }
        if seen.insert(t.name.clone(), index).is_some() {
            return Err(TableError::case(
                file_name,
                &t.name,
                "name used twice in this file",
            ));
        }
        let err = |m: String| TableError::case(file_name, &t.name, m);
        let (haystack, spans) =
            strip_markers(&t.haystack, t.unescape).map_err(err)?;
        if spans.len() != t.expect.len() {
            return Err(err(format!(
                "{} marked span(s) but {} expectation(s)",
                spans.len(),
                t.expect.len()
            )));
        }
        let mut expect = Vec::with_capacity(spans.len());
        for ((start, end), e) in spans.into_iter().zip(t.expect) {
            if !KINDS.contains(&e.kind.as_str()) {
                return Err(err(format!(
                    "unknown kind `{}` (expected one of {})",
                    e.kind,
                    KINDS.join(", ")
                )));
            }
            if !CONFIDENCES.contains(&e.confidence.as_str()) {
                return Err(err(format!(
                    "unknown confidence `{}` (expected one of {})",
                    e.confidence,
                    CONFIDENCES.join(", ")
                )));
            }
            expect.push(Expected {
                kind: e.kind,
                start,
                end,
                confidence: e.confidence,
                synthetic: e.synthetic,
            });
        }
        cases.push(TestCase {
            file: file_name.to_string(),
            name: t.name,
            haystack,
            expect,
        });
    }
    Ok(cases)
}

/// A marked span: start and end byte offsets, end exclusive.
type Span = (usize, usize);

/// Removes the markers (and, when asked, the `\xNN` escapes) from a
/// haystack, returning the bytes and the marked spans.
fn strip_markers(
    src: &str,
    unescape: bool,
) -> Result<(Vec<u8>, Vec<Span>), String> {
    let mut out = Vec::with_capacity(src.len());
    let mut spans = Vec::new();
    // Markers nest (a record around the identifiers in it); spans are
    // listed in the order their markers open.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut chars = src.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            OPEN => {
                open.push((out.len(), spans.len()));
                spans.push((out.len(), out.len()));
            }
            CLOSE => {
                let Some((start, index)) = open.pop() else {
                    return Err(format!(
                        "`{CLOSE}` without `{OPEN}` at haystack byte {at}"
                    ));
                };
                if start == out.len() {
                    return Err(format!("empty marked span at byte {at}"));
                }
                spans[index] = (start, out.len());
            }
            '\\' if unescape && src[at + 1..].starts_with('x') => {
                let hex = src.get(at + 2..at + 4).unwrap_or("");
                let byte = (hex.len() == 2
                    && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u8::from_str_radix(hex, 16).ok())
                .flatten()
                .ok_or_else(|| {
                    format!(
                        "bad escape at haystack byte {at}: `\\x` must be \
                         followed by two hex digits"
                    )
                })?;
                out.push(byte);
                // Skip the `x` and the two hex digits (all ASCII).
                chars.nth(2);
            }
            _ => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    if !open.is_empty() {
        return Err(format!("`{OPEN}` is never closed"));
    }
    Ok((out, spans))
}

/// Loads every `*.toml` file in `dir`, in file-name order, and checks that
/// test names are unique across all of them.
pub fn load_dir(dir: &Path) -> Result<Vec<TestCase>, TableError> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| TableError::file(&shown, format!("cannot list: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            TableError::file(&shown, format!("cannot list: {e}"))
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut all: Vec<TestCase> = Vec::new();
    let mut owner: HashMap<String, String> = HashMap::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let src = std::fs::read_to_string(&path).map_err(|e| {
            TableError::file(&path.display().to_string(), e.to_string())
        })?;
        for case in parse_table(&name, &src)? {
            if let Some(first) = owner.get(&case.name) {
                return Err(TableError::case(
                    &name,
                    &case.name,
                    format!("name already used in {first}"),
                ));
            }
            owner.insert(case.name.clone(), name.clone());
            all.push(case);
        }
    }
    Ok(all)
}

/// The directory holding the shared tables (`tests/data` in the workspace).
pub const SHARED_TABLES_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");

/// Loads the shared tables from [`SHARED_TABLES_DIR`].
pub fn shared_tables() -> Result<Vec<TestCase>, TableError> {
    load_dir(Path::new(SHARED_TABLES_DIR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Result<TestCase, TableError> {
        parse_table("t.toml", src).map(|mut v| v.remove(0))
    }

    #[test]
    fn markers_give_byte_spans() {
        let case = one(r#"
[[test]]
name = "m-010"
haystack = "é ⟦9434765919⟧ and ⟦943 476 5919⟧"
expect = [
  { kind = "nhs_number", confidence = "medium", synthetic = true },
  { kind = "nhs_number", confidence = "high" },
]
"#)
        .unwrap();
        assert_eq!(case.file, "t.toml");
        assert_eq!(case.haystack, "é 9434765919 and 943 476 5919".as_bytes());
        // `é` is two bytes.
        assert_eq!((case.expect[0].start, case.expect[0].end), (3, 13));
        assert_eq!((case.expect[1].start, case.expect[1].end), (18, 30));
        assert_eq!(case.span(&case.expect[1]), b"943 476 5919");
        assert!(case.expect[0].synthetic);
        assert!(!case.expect[1].synthetic);
        assert_eq!(case.expect[1].confidence, "high");
    }

    #[test]
    fn unescape_gives_raw_bytes() {
        let case = one(r#"
[[test]]
name = "u-010"
haystack = "\\xFF⟦943\\xc2\\xa0476\\xC2\\xA05919⟧\\x00 \\y"
unescape = true
expect = [ { kind = "nhs_number", confidence = "medium" } ]
"#)
        .unwrap();
        let mut want = vec![0xFF];
        want.extend_from_slice(b"943\xC2\xA0476\xC2\xA05919\x00 \\y");
        assert_eq!(case.haystack, want);
        assert_eq!((case.expect[0].start, case.expect[0].end), (1, 15));
    }

    #[test]
    fn nested_markers_list_spans_as_they_open() {
        let case =
            one("[[test]]\nname = \"n-010\"\nhaystack = 'a⟦b⟦cd⟧e⟧⟦f⟧'\n\
             expect = [{kind = 'clinical_record', confidence = 'high'}, \
             {kind = 'nhs_number', confidence = 'high'}, \
             {kind = 'nino', confidence = 'medium'}]\n")
            .unwrap();
        let spans: Vec<_> =
            case.expect.iter().map(|e| (e.start, e.end)).collect();
        assert_eq!(spans, [(1, 5), (2, 4), (5, 6)]);
        assert_eq!(case.expect[0].kind, "clinical_record");
    }

    #[test]
    fn no_unescape_keeps_backslashes() {
        let case = one(
            "[[test]]\nname = \"u-020\"\nhaystack = '\\x41'\nexpect = []\n",
        )
        .unwrap();
        assert_eq!(case.haystack, b"\\x41");
    }

    #[test]
    fn errors_name_file_and_case() {
        let cases = [
            (
                "haystack = '⟦1⟧ ⟦2⟧'\nexpect = [{kind = 'nhs_number', \
                 confidence = 'low'}]",
                "2 marked span(s) but 1 expectation(s)",
            ),
            ("haystack = '⟦1'\nexpect = []", "never closed"),
            ("haystack = '1⟧'\nexpect = []", "without"),
            ("haystack = '⟦⟦1⟧⟧'\nexpect = []", "2 marked span(s)"),
            ("haystack = '⟦⟧'\nexpect = []", "empty marked span"),
            (
                "haystack = '⟦1⟧'\nexpect = [{kind = 'nhs', \
                 confidence = 'low'}]",
                "unknown kind `nhs`",
            ),
            (
                "haystack = '⟦1⟧'\nexpect = [{kind = 'nhs_number', \
                 confidence = 'certain'}]",
                "unknown confidence `certain`",
            ),
            ("haystack = '\\x4'\nunescape = true\nexpect = []", "bad escape"),
            ("haystack = '\\xZZ'\nunescape = true\nexpect = []", "bad escape"),
        ];
        for (body, want) in cases {
            let src = format!("[[test]]\nname = \"bad-010\"\n{body}\n");
            let err = one(&src).unwrap_err();
            assert_eq!(err.file_name(), "t.toml");
            assert_eq!(err.case_name(), Some("bad-010"));
            let shown = err.to_string();
            assert!(shown.starts_with("t.toml: test `bad-010`: "), "{shown}");
            assert!(shown.contains(want), "{shown} lacks {want}");
        }
    }

    #[test]
    fn toml_and_schema_errors() {
        let err = parse_table("x.toml", "[[test]\n").unwrap_err();
        assert!(err.to_string().starts_with("x.toml: "), "{err}");
        // `expect` is required, unknown fields are rejected.
        for src in [
            "[[test]]\nname = 'a'\nhaystack = ''\n",
            "[[test]]\nname = 'a'\nhaystack = ''\nexpect = []\nexpected = 1\n",
            "[[test]]\nname = 'a'\nhaystack = ''\nexpect = [{kind = \
             'nhs_number', confidence = 'low', synth = true}]\n",
        ] {
            let err = parse_table("x.toml", src).unwrap_err();
            assert_eq!(err.file_name(), "x.toml");
        }
        let err = parse_table(
            "x.toml",
            "[[test]]\nname = ' '\nhaystack = ''\nexpect = []\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("empty name"), "{err}");
        assert_eq!(parse_table("x.toml", "").unwrap(), vec![]);
    }

    #[test]
    fn duplicate_names() {
        let case = "[[test]]\nname = 'dup-010'\nhaystack = ''\nexpect = []\n";
        let err = parse_table("x.toml", &format!("{case}{case}")).unwrap_err();
        assert_eq!(err.case_name(), Some("dup-010"));
        assert!(err.to_string().contains("used twice"), "{err}");

        let dir = std::env::temp_dir()
            .join(format!("caldicott-testkit-dup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.toml"), case).unwrap();
        std::fs::write(dir.join("b.toml"), case).unwrap();
        std::fs::write(dir.join("ignored.txt"), "not toml").unwrap();
        let err = load_dir(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            err.to_string(),
            "b.toml: test `dup-010`: name already used in a.toml"
        );
    }

    #[test]
    fn load_dir_missing_is_an_error() {
        let err = load_dir(Path::new("/nonexistent/caldicott")).unwrap_err();
        assert!(err.to_string().contains("cannot list"), "{err}");
    }
}
