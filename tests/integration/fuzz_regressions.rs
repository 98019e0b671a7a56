//! Fuzz regressions: the property checks of the fuzz targets in `fuzz/`,
//! and the replay of every input under `tests/fuzz-crashes/<target>/` and
//! `fuzz/corpus/<target>/` through them.
//!
//! This file is the single copy of the checks. The fuzz package compiles it
//! too (`fuzz/src/lib.rs` includes it with `#[path]`), so what `cargo test`
//! asserts on a crash file is exactly what the fuzzer asserted when it
//! found it. Keep it free of dependencies other than `caldicott_core`,
//! `caldicott_decode`, `serde_json` and `std`, and keep the replay tests in
//! the `replay` module (compiled only under `cfg(test)`).
//!
//! Input formats are decoded here by hand, not with `arbitrary`, so a crash
//! file replays byte for byte under plain `cargo test` whatever version of
//! `arbitrary` the fuzz package resolves. Each format is documented on its
//! `decode` function; missing bytes read as zero, so every byte string is a
//! valid input.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

use caldicott_core::detector::{icd10, nino, postcode, snomed_ct};
use caldicott_core::{
    chi_number, hc_number, nhs_number, Confidence, Config, Engine, Finding,
    FnSink, Kind, Notice, Policy, RecordFormat, Report, Sink, Stream,
    StreamError, Thresholds, Verdict, MAX_CONTEXT_WINDOW,
    MAX_DISTINCT_TRACKED, MAX_EXTRA_KEYWORDS, MAX_KEYWORD_LEN,
    MAX_STREAM_BUFFER,
};
use caldicott_decode::{Collected, Decoder, Limits};

/// Inputs longer than this are rejected by the fuzz targets
/// (`Corpus::Reject`) and must not be checked in.
pub(crate) const MAX_INPUT: usize = 64 * 1024;

/// The separators of a grouped written form (DESIGN.md, "Candidates").
const SEPARATORS: [&str; 5] = [" ", "-", ".", "\t", "\u{a0}"];

/// The engine for [`Config::default`], built once.
fn default_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// The engine for `config`, which must be within every limit. Engines are
/// cached by configuration: building one (the keyword automaton) costs far
/// more than scanning a fuzz input, and most inputs share a configuration
/// with an earlier one.
fn engine_for(config: &Config) -> Engine {
    static CACHE: OnceLock<Mutex<HashMap<String, Engine>>> = OnceLock::new();
    let key = serde_json::to_string(config).expect("a Config serialises");
    let mut cache = CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(engine) = cache.get(&key) {
        return engine.clone();
    }
    let engine = Engine::new(config.clone())
        .unwrap_or_else(|e| panic!("in-limit config rejected: {e}"));
    if cache.len() >= 1024 {
        cache.clear();
    }
    cache.insert(key, engine.clone());
    engine
}

/// Writes `bytes` as the body of a Rust byte-string literal.
fn escape_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

/// A finding's fields, its value included, for comparisons whose failure
/// message must say which finding differs. Only ever printed by a failing
/// fuzz check, whose input is arbitrary bytes, never patient data.
type Plain = (Kind, u64, u64, Confidence, bool, Option<RecordFormat>, String);

/// See [`Plain`].
fn plain(f: &Finding) -> Plain {
    let value = f.value().to_string();
    (f.kind, f.start, f.end, f.confidence, f.synthetic, f.format, value)
}

/// What a scan hands its sink: a finding or a notice, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Finding(Plain),
    Notice(Notice),
}

/// A sink that keeps findings and notices in the order they come (and
/// the findings themselves, for the finding checks).
#[derive(Default)]
struct Events {
    events: Vec<Event>,
    findings: Vec<Finding>,
    notices: Vec<Notice>,
    /// Stop after this many events (0: never).
    stop_after: usize,
}

impl Events {
    fn go_on(&self) -> bool {
        self.stop_after == 0 || self.events.len() < self.stop_after
    }
}

impl Sink for Events {
    fn finding(&mut self, finding: Finding) -> bool {
        self.events.push(Event::Finding(plain(&finding)));
        self.findings.push(finding);
        self.go_on()
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.events.push(Event::Notice(notice.clone()));
        self.notices.push(notice);
        self.go_on()
    }
}

/// Scans `hay` one-shot with `engine`, keeping findings and notices.
fn scan_events(engine: &Engine, hay: &[u8]) -> Events {
    let mut sink = Events::default();
    engine.scan_into(hay, &mut sink);
    sink
}

// ---------------------------------------------------------------------------
// Properties of any set of findings.
// ---------------------------------------------------------------------------

/// Whether `hay` starts like a document a structure tracker follows (JSON,
/// XML, HL7 v2 with a message, batch or file header, DICOM), so that
/// fields may demote numbers.
fn structured(hay: &[u8]) -> bool {
    let body = hay.trim_ascii_start();
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let body = body.trim_ascii_start();
    matches!(body.first(), Some(b'{' | b'[' | b'<' | 0x0B))
        || [&b"MSH"[..], b"FHS", b"BHS"].iter().any(|h| body.starts_with(h))
        || hay.get(128..132) == Some(b"DICM")
        || hay.contains(&0x0B)
}

/// The properties of findings other than health identifiers, whatever
/// the configuration:
///
/// * in bounds, non-empty, never `synthetic`; a record (and nothing else)
///   has a format, confidence `high`, its format's name as value and
///   `<format> record` as masked rendering;
/// * no rendering but [`Finding::value`] shows the value: the JSON has no
///   `value` field, and [`Finding::masked`] is the kind's rule (a NINO its
///   last three characters, a postcode its outward code, an NHSmail
///   address its domain, everything else `***`), which never equals the
///   value (but for a name, which may be `***`); the value of a NINO, a
///   postcode, a date, a code or an address appears in neither `Debug`
///   nor JSON;
/// * each companion's span re-validates with its detector's public
///   function, and its value is the span normalised: a NINO
///   ([`nino::normalise`]), a postcode ([`postcode::is_valid`], the span
///   itself), a SNOMED CT code (a whole digit run, [`snomed_ct::is_valid`],
///   not also a health identifier), an ICD-10 code ([`icd10::at`] on the
///   span alone), an NHSmail address (the span in lower case: a 1–64 byte
///   local part of `A–Z a–z 0–9 . _ % + -` not starting or ending with `.`,
///   `@nhs.net`), a date of birth (a real calendar date as `YYYY-MM-DD`,
///   written from digit to digit with its year in the span); a name is
///   non-empty, without a space at either end.
fn check_other_findings(hay: &[u8], findings: &[&Finding], all: &[Finding]) {
    for (i, &f) in findings.iter().enumerate() {
        let what = format!("{} {i} at {}..{}", f.kind, f.start, f.end);
        assert!(
            f.start < f.end && f.end <= hay.len() as u64,
            "{what}: out of bounds in {} bytes",
            hay.len()
        );
        assert_eq!(
            f.format.is_some(),
            f.kind == Kind::ClinicalRecord,
            "{what}: format {:?}",
            f.format
        );
        assert!(!f.synthetic, "{what}: synthetic");
        let json = serde_json::to_value(f).expect("a finding serialises");
        assert!(json.get("value").is_none(), "{what}: JSON has a value");
        let (start, end) = (f.start as usize, f.end as usize);
        let span = &hay[start..end];
        let value = f.value();
        let masked = f.masked();
        // A kind masked in part keeps something back. A kind masked in
        // full shows `***` whatever its value (which may be `***` too: a
        // name is whatever the field holds).
        if !matches!(f.kind, Kind::ClinicalRecord | Kind::PersonName) {
            assert_ne!(masked, value, "{what}: not masked");
        }
        let ascii = || {
            std::str::from_utf8(span)
                .ok()
                .filter(|t| t.is_ascii())
                .unwrap_or_else(|| {
                    panic!(
                        "{what}: span is not ASCII: {:?}",
                        escape_bytes(span)
                    )
                })
        };
        let whole_word = |s: usize, e: usize| {
            (s == 0 || !hay[s - 1].is_ascii_alphanumeric())
                && hay.get(e).is_none_or(|b| !b.is_ascii_alphanumeric())
        };
        match f.kind {
            Kind::ClinicalRecord => {
                let format = f.format.expect("checked above");
                assert_eq!(value, format.as_str(), "{what}");
                assert_eq!(masked, format!("{format} record"), "{what}");
                assert_eq!(f.confidence, Confidence::High, "{what}");
            }
            Kind::Nino => {
                let text = ascii();
                assert!(nino::is_valid(text), "{what}: {text:?}");
                let norm = nino::normalise(hay, start, end)
                    .unwrap_or_else(|| panic!("{what}: {text:?}"));
                assert_eq!(value.as_bytes(), norm, "{what}: value");
                assert_eq!(masked, format!("******{}", &value[6..]), "{what}");
                assert!(whole_word(start, end), "{what}: boundary");
            }
            Kind::Postcode => {
                let text = ascii();
                assert!(postcode::is_valid(text), "{what}: {text:?}");
                assert_eq!(value, text, "{what}: value");
                let outward =
                    std::str::from_utf8(postcode::outward(span)).unwrap_or("");
                assert_eq!(masked, format!("{outward} ***"), "{what}");
                assert!(whole_word(start, end), "{what}: boundary");
            }
            Kind::SnomedCt => {
                let text = ascii();
                assert!(
                    text.bytes().all(|b| b.is_ascii_digit())
                        && snomed_ct::is_valid(span),
                    "{what}: {text:?}"
                );
                assert_eq!(value, text, "{what}: value");
                assert_eq!(masked, "***", "{what}");
                assert!(
                    (start == 0 || !hay[start - 1].is_ascii_digit())
                        && hay.get(end).is_none_or(|b| !b.is_ascii_digit()),
                    "{what}: not a whole digit run"
                );
                assert!(
                    !all.iter().any(|g| g.kind.is_health_identifier()
                        && g.start == f.start),
                    "{what}: also a health identifier"
                );
            }
            Kind::Icd10 => {
                let text = ascii();
                assert_eq!(
                    icd10::at(span, 0),
                    Some((0, span.len())),
                    "{what}: {text:?}"
                );
                assert_eq!(value, text, "{what}: value");
                assert_eq!(masked, "***", "{what}");
            }
            Kind::NhsEmail => {
                let text = ascii();
                assert_eq!(value, text.to_ascii_lowercase(), "{what}: value");
                let (local, domain) = value
                    .rsplit_once('@')
                    .unwrap_or_else(|| panic!("{what}: no @ in {text:?}"));
                assert_eq!(domain, "nhs.net", "{what}: {text:?}");
                assert!(
                    (1..=64).contains(&local.len())
                        && local.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
                        })
                        && !local.starts_with('.')
                        && !local.ends_with('.'),
                    "{what}: local part of {text:?}"
                );
                assert_eq!(masked, "***@nhs.net", "{what}");
            }
            Kind::DateOfBirth => {
                let text = ascii();
                assert!(
                    iso_date(value),
                    "{what}: value {value:?} of {text:?}"
                );
                assert!(
                    span.first().is_some_and(u8::is_ascii_digit)
                        && span.last().is_some_and(u8::is_ascii_digit),
                    "{what}: {text:?}"
                );
                assert!(
                    text.contains(&value[..4]),
                    "{what}: year of {text:?}"
                );
                assert_eq!(masked, "***", "{what}");
            }
            Kind::PersonName => {
                // Trackers drop the padding around a name (spaces, and
                // for DICOM NUL bytes): what is left is not empty.
                assert!(
                    !value.is_empty()
                        && !value.starts_with(' ')
                        && !value.ends_with(' '),
                    "{what}: name {value:?}"
                );
                assert_eq!(masked, "***", "{what}");
            }
            other => panic!("{what}: unexpected kind {other}"),
        }
        if !matches!(f.kind, Kind::ClinicalRecord | Kind::PersonName) {
            let debug = format!("{f:?}");
            let json = json.to_string();
            assert!(!debug.contains(value), "{what}: Debug reveals the value");
            assert!(!json.contains(value), "{what}: JSON reveals the value");
        }
    }
}

/// Whether `v` is `YYYY-MM-DD`, a real date of the Gregorian calendar.
fn iso_date(v: &str) -> bool {
    let b = v.as_bytes();
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
    else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    };
    (1..=days).contains(&d)
}

/// The formats whose trackers give notices.
const NOTICE_SOURCES: [&str; 5] = ["hl7v2", "json", "xml", "dicom", "csv"];

/// The properties of a scan's notices: each at an offset within the
/// input, from a known tracker, with a limit name and a message, and no
/// notice quoting a finding's value (a notice is safe to log).
pub(crate) fn check_notices(
    hay: &[u8],
    notices: &[Notice],
    findings: &[Finding],
) {
    for (i, n) in notices.iter().enumerate() {
        assert!(
            n.offset <= hay.len() as u64,
            "notice {i} ({n}) past the end of {} bytes",
            hay.len()
        );
        assert!(NOTICE_SOURCES.contains(&n.source), "notice {i}: {n}");
        assert!(
            !n.limit.is_empty() && !n.message.is_empty(),
            "notice {i}: {n}"
        );
        for f in findings {
            let v = f.value();
            if v.len() >= 6
                && !matches!(f.kind, Kind::ClinicalRecord | Kind::PersonName)
            {
                assert!(
                    !n.message.contains(v),
                    "notice {i} quotes {}",
                    f.kind
                );
            }
        }
    }
}

/// Asserts the properties every scan result has, whatever the
/// configuration:
///
/// * spans are in bounds, non-empty, ordered by start and non-overlapping;
/// * each span is a written form (ten digits, or 3-3-4 with one separator
///   used twice) whose digits are [`Finding::value`], not touching another
///   digit on either side;
/// * [`Finding::masked`] is `*** *** ` and the last four digits, and
///   neither `Debug` nor the JSON serialisation contains the value;
/// * the span re-validates with the public validator of its kind, and
///   `synthetic` and `confidence` agree with the validators
///   (`nhs_number::is_synthetic`, `chi_number::is_mod10_only`).
pub(crate) fn check_findings(hay: &[u8], all: &[Finding]) {
    let (findings, others): (Vec<&Finding>, Vec<&Finding>) =
        all.iter().partition(|f| f.kind.is_health_identifier());
    check_other_findings(hay, &others, all);
    for (i, &f) in findings.iter().enumerate() {
        assert!(
            f.start < f.end && f.end <= hay.len() as u64,
            "finding {i} out of bounds: {}..{} in {} bytes",
            f.start,
            f.end,
            hay.len()
        );
        if let Some(prev) = i.checked_sub(1).map(|j| findings[j]) {
            assert!(
                prev.end <= f.start,
                "findings {} ({}..{}) and {i} ({}..{}) overlap or are out \
                 of order",
                i - 1,
                prev.start,
                prev.end,
                f.start,
                f.end
            );
        }
        let (start, end) = (f.start as usize, f.end as usize);
        let span = &hay[start..end];
        let text = std::str::from_utf8(span).unwrap_or_else(|_| {
            panic!("finding {i}: span is not UTF-8: {:?}", escape_bytes(span))
        });
        let value = f.value();
        assert!(
            value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit()),
            "finding {i}: value {value:?} is not ten digits"
        );
        assert_eq!(
            written_form(text).as_deref(),
            Some(value),
            "finding {i}: span {text:?} is not a written form of its value"
        );
        assert!(
            start == 0 || !hay[start - 1].is_ascii_digit(),
            "finding {i}: preceded by a digit"
        );
        assert!(
            hay.get(end).is_none_or(|b| !b.is_ascii_digit()),
            "finding {i}: followed by a digit"
        );

        // Masking: only the last four digits, in every rendering.
        assert_eq!(
            f.masked(),
            format!("*** *** {}", &value[6..]),
            "finding {i}"
        );
        let debug = format!("{f:?}");
        assert!(
            !debug.contains(value),
            "finding {i}: Debug reveals the value"
        );
        let json = serde_json::to_string(f).expect("a finding serialises");
        assert!(!json.contains(value), "finding {i}: JSON reveals the value");

        // The validators agree with the scanner's verdict.
        let (nhs, hc, chi) = (
            nhs_number::is_valid(text),
            hc_number::is_valid(text),
            chi_number::is_valid(text),
        );
        let mod10_only = chi_number::is_mod10_only(text);
        let synthetic = nhs_number::is_synthetic(text);
        let verdict = format!(
            "finding {i} {:?} {:?} synthetic={} on {text:?}: nhs={nhs} \
             hc={hc} chi={chi} mod10_only={mod10_only} \
             is_synthetic={synthetic}",
            f.kind, f.confidence, f.synthetic
        );
        // A Modulus-11-valid number is `low` only when a field demotes it
        // (DESIGN.md, "Structure"), which needs a CSV header line or a
        // structured document, or a label attached to it by a separator
        // ("Labels in plain text").
        let labelled = start > 0 && b" \t:=#.".contains(&hay[start - 1]);
        let demotable = hay.contains(&b'\n') || structured(hay) || labelled;
        match f.kind {
            Kind::NhsNumber => {
                assert!(nhs && !hc && !chi, "{verdict}");
                assert_eq!(f.synthetic, synthetic, "{verdict}");
                assert!(
                    f.confidence != Confidence::Low || demotable,
                    "{verdict}"
                );
            }
            Kind::HcNumber => {
                assert!(hc && !nhs && !chi, "{verdict}");
                assert!(!f.synthetic, "{verdict}");
                assert!(
                    f.confidence != Confidence::Low || demotable,
                    "{verdict}"
                );
            }
            Kind::ChiNumber => {
                assert!(chi && !nhs && !hc, "{verdict}");
                assert!(!f.synthetic, "{verdict}");
                // Modulus-10-only numbers are always `low`; others only
                // when a CSV column demotes them.
                if mod10_only {
                    assert_eq!(f.confidence, Confidence::Low, "{verdict}");
                } else {
                    assert!(
                        f.confidence != Confidence::Low || demotable,
                        "{verdict}"
                    );
                }
            }
            other => panic!("finding {i}: unknown kind {other}"),
        }
    }
}

/// The digits of `text` if it is exactly one written form: ten ASCII
/// digits, or 3-3-4 digit groups joined by one separator used twice.
fn written_form(text: &str) -> Option<String> {
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if text.len() == 10 && all_digits(text) {
        return Some(text.to_string());
    }
    SEPARATORS.iter().find_map(|sep| {
        let parts: Vec<&str> = text.split(sep).collect();
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        (lens == [3, 3, 4] && parts.iter().all(|p| all_digits(p)))
            .then(|| parts.concat())
    })
}

// ---------------------------------------------------------------------------
// Target `scan_slice`: one-shot scan of arbitrary bytes.
// ---------------------------------------------------------------------------

/// Target `scan_slice`: scans `hay` with the default engine, checks
/// [`check_findings`] and [`check_notices`], and checks that a sink
/// stopping after the middle finding receives exactly the findings up to
/// it, and one stopping after the middle event (finding or notice)
/// exactly the events up to it.
///
/// Input format: the bytes are the haystack.
pub(crate) fn check_scan_slice(hay: &[u8]) {
    let engine = default_engine();
    let Events { events, findings, notices, .. } = scan_events(engine, hay);
    check_findings(hay, &findings);
    check_notices(hay, &notices, &findings);
    assert_eq!(engine.scan(hay), findings, "scan vs scan_into");

    if !findings.is_empty() {
        let k = findings.len().div_ceil(2);
        let mut got = Vec::new();
        engine.scan_into(
            hay,
            &mut FnSink(|f| {
                got.push(f);
                got.len() < k
            }),
        );
        assert_eq!(got, findings[..k], "sink stopping after {k}");
    }
    if !events.is_empty() {
        let k = events.len().div_ceil(2);
        let mut sink = Events { stop_after: k, ..Events::default() };
        engine.scan_into(hay, &mut sink);
        assert_eq!(sink.events, events[..k], "sink stopping after event {k}");
    }
}

/// A `scan_slice` input whose `Debug` is a reproducer.
pub(crate) struct ScanInput(pub(crate) Vec<u8>);

impl fmt::Debug for ScanInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "check_scan_slice(b\"{}\");", escape_bytes(&self.0))
    }
}

// ---------------------------------------------------------------------------
// Target `stream_vs_slice`: streaming under any configuration and chunking
// equals the one-shot scan.
// ---------------------------------------------------------------------------

/// A `stream_vs_slice` input: a configuration, a chunking and a haystack.
pub(crate) struct StreamInput {
    /// Always within every limit of `Engine::new`.
    pub(crate) config: Config,
    /// Chunk sizes, used in turn and cycled; 0 is an empty push. Empty:
    /// the haystack in one push.
    pub(crate) chunks: Vec<usize>,
    /// Also run a stream whose sink stops after this many findings
    /// (0: don't).
    pub(crate) stop_after: usize,
    /// The bytes scanned.
    pub(crate) hay: Vec<u8>,
}

/// Context window sizes an even context value picks: the edges of
/// `lookbehind` (`max(before + 1, 18)`) and `hold` (`14 + max(after + 1,
/// 16)`), the defaults, the delay with defaults, and the maximum.
const CONTEXTS: [usize; 16] =
    [0, 1, 2, 3, 15, 16, 17, 18, 19, 50, 100, 115, 300, 1000, 4095, 4096];

/// Reads bytes from the front of a slice; zero once it is exhausted.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    /// `n` chunk sizes, each a u16 LE `v`: by `v >> 14`, 0: `v & 0xF`, 1:
    /// `v & 0xFF`, 2: `v & 0xFFF`, 3: `(v & 0x3FFF) * 4`.
    fn chunk_sizes(&mut self, n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| {
                let v = usize::from(self.u16());
                match v >> 14 {
                    0 => v & 0xF,
                    1 => v & 0xFF,
                    2 => v & 0xFFF,
                    _ => (v & 0x3FFF) * 4,
                }
            })
            .collect()
    }
}

impl StreamInput {
    /// Decodes a fuzz input (every byte string is valid):
    ///
    /// | bytes | meaning |
    /// |---|---|
    /// | 0 | bits 0–2: kinds (bit 0 NHS, 1 CHI, 2 H&C; none set = all); bits 3–4: `min_confidence` (1 medium, 2 high, else low); bit 5: `report_synthetic = false`; bits 6–7: number of extra keywords |
    /// | 1–2 | `context_before`: a u16 LE `v`; odd: `v % 4097`, even: [`CONTEXTS`]`[(v >> 1) % 16]` |
    /// | 3–4 | `context_after`, the same way |
    /// | 5 | `stop_after` |
    /// | 6 | padding: `64 × b` copies of … |
    /// | 7 | … this filler byte, inserted into the haystack at … |
    /// | 8–9 | … this u16 LE offset, mod (haystack length + 1) |
    /// | 10 | number of chunk sizes, mod 17 |
    /// | … | each chunk size a u16 LE `v`: by `v >> 14`, 0: `v & 0xF`, 1: `v & 0xFF`, 2: `v & 0xFFF`, 3: `(v & 0x3FFF) * 4` |
    /// | … | each extra keyword: a length byte `n`, then `n % 64 + 1` bytes (lossy UTF-8, cut to 64 bytes) |
    /// | rest | the haystack |
    ///
    /// The padding lets a short input put a keyword and a number kilobytes
    /// apart, across chunk seams, with the largest context windows. The
    /// table of context sizes keeps most inputs on a few configurations
    /// (engines are cached by configuration) while covering the edges of
    /// the look-behind and hold computations.
    pub(crate) fn decode(data: &[u8]) -> StreamInput {
        let mut r = Reader(data);
        let flags = r.u8();
        let mut kinds: Vec<Kind> = Kind::HEALTH_IDENTIFIERS
            .into_iter()
            .enumerate()
            .filter(|&(i, _)| flags & (1 << i) != 0)
            .map(|(_, k)| k)
            .collect();
        if kinds.is_empty() {
            kinds = Kind::ALL.to_vec();
        }
        let min_confidence = match (flags >> 3) & 3 {
            1 => Confidence::Medium,
            2 => Confidence::High,
            _ => Confidence::Low,
        };
        let report_synthetic = flags & (1 << 5) == 0;
        let n_keywords = usize::from(flags >> 6);
        let mut context = || {
            let v = usize::from(r.u16());
            if v % 2 == 1 {
                v % (MAX_CONTEXT_WINDOW + 1)
            } else {
                CONTEXTS[(v >> 1) % CONTEXTS.len()]
            }
        };
        let context_before = context();
        let context_after = context();
        let stop_after = usize::from(r.u8());
        let pad = usize::from(r.u8()) * 64;
        let fill = r.u8();
        let split = usize::from(r.u16());
        let n_chunks = usize::from(r.u8() % 17);
        let chunks = r.chunk_sizes(n_chunks);
        let extra_keywords = (0..n_keywords)
            .map(|_| {
                let n = usize::from(r.u8()) % MAX_KEYWORD_LEN + 1;
                let mut kw = String::from_utf8_lossy(r.take(n)).into_owned();
                let mut cut = kw.len().min(MAX_KEYWORD_LEN);
                while !kw.is_char_boundary(cut) {
                    cut -= 1;
                }
                kw.truncate(cut);
                kw
            })
            .filter(|kw| !kw.is_empty())
            .collect();
        let config = Config {
            kinds,
            context_before,
            context_after,
            extra_keywords,
            min_confidence,
            report_synthetic,
            structure: true,
        };
        let mut hay = r.0.to_vec();
        let at = split % (hay.len() + 1);
        hay.splice(at..at, std::iter::repeat_n(fill, pad));
        StreamInput { config, chunks, stop_after, hay }
    }
}

impl fmt::Debug for StreamInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(f, "check_stream_vs_slice(&StreamInput {{")?;
        writeln!(f, "    config: Config {{")?;
        writeln!(f, "        kinds: vec!{:?},", c.kinds)?;
        writeln!(f, "        context_before: {},", c.context_before)?;
        writeln!(f, "        context_after: {},", c.context_after)?;
        let kws: Vec<String> =
            c.extra_keywords.iter().map(|k| format!("{k:?}.into()")).collect();
        writeln!(f, "        extra_keywords: vec![{}],", kws.join(", "))?;
        writeln!(
            f,
            "        min_confidence: Confidence::{:?},",
            c.min_confidence
        )?;
        writeln!(f, "        report_synthetic: {},", c.report_synthetic)?;
        writeln!(f, "        structure: {},", c.structure)?;
        writeln!(f, "    }},")?;
        writeln!(f, "    chunks: vec!{:?},", self.chunks)?;
        writeln!(f, "    stop_after: {},", self.stop_after)?;
        writeln!(f, "    hay: b\"{}\".to_vec(),", escape_bytes(&self.hay))?;
        write!(f, "}});")
    }
}

/// Pushes `hay` through `stream` in `chunks`: the sizes in turn, cycled,
/// at least one full cycle, until the haystack is used up (no sizes: one
/// push; all sizes zero: one cycle of empty pushes, then one push of
/// everything). Calls `after_push` with the stream, the sink, the number
/// of pushes and of bytes pushed so far after each push; stops at the
/// first error.
fn push_chunks<S: Sink>(
    stream: &mut Stream,
    hay: &[u8],
    chunks: &[usize],
    sink: &mut S,
    mut after_push: impl FnMut(&Stream, &S, usize, u64),
) -> Result<(), StreamError> {
    let all_zero = chunks.iter().all(|&n| n == 0);
    let mut rest = hay;
    let mut i = 0;
    while !rest.is_empty() || i < chunks.len() {
        let n = match chunks.get(i % chunks.len().max(1)) {
            Some(&n) if !(all_zero && i >= chunks.len()) => n.min(rest.len()),
            _ => rest.len(),
        };
        stream.push(&rest[..n], sink)?;
        rest = &rest[n..];
        i += 1;
        after_push(stream, sink, i, (hay.len() - rest.len()) as u64);
    }
    Ok(())
}

/// Whether findings of `kind` are made by a structure tracker when their
/// field or record ends (names, records), so that they may come later than
/// `max_delay` after their own end (see [`Stream`], contract item 2).
fn from_structure(kind: Kind) -> bool {
    matches!(kind, Kind::PersonName | Kind::ClinicalRecord)
}

/// Target `stream_vs_slice`: for the decoded configuration,
///
/// * the engine builds (the configuration is within every limit);
/// * the one-shot scan has the [`check_findings`] and [`check_notices`]
///   properties, and its findings equal the scan with every kind, `low`
///   and synthetic numbers enabled, filtered by the configuration
///   (filtering never changes other findings), with the same notices;
/// * a stream pushed the chunking gives the same findings and notices, in
///   the same order (interleaved the same way), and after every push: its
///   position is the bytes pushed, what it delivered is a prefix of the
///   one-shot events, nothing delivered ends (or, for a notice, happens)
///   past the position, every finding but a name or a record ending
///   `max_delay` bytes before the position is delivered, and it buffers at
///   most `max_buffered` (≤ `MAX_STREAM_BUFFER`) bytes;
/// * after `finish`, `push` and `finish` return `Finished`;
/// * a sink stopping after `stop_after` findings receives exactly the first
///   `stop_after`, the stream then returns `Stopped`, stickily.
pub(crate) fn check_stream_vs_slice(input: &StreamInput) {
    let config = &input.config;
    let hay = &input.hay[..];
    let engine = engine_for(config);
    let whole = scan_events(&engine, hay);
    let oneshot = &whole.findings;
    check_findings(hay, oneshot);
    check_notices(hay, &whole.notices, oneshot);

    // Filtering is a pure filter, and never changes the notices.
    let everything = scan_events(
        &engine_for(&Config {
            kinds: Kind::ALL.to_vec(),
            min_confidence: Confidence::Low,
            report_synthetic: true,
            ..config.clone()
        }),
        hay,
    );
    let filtered: Vec<Plain> = everything
        .findings
        .iter()
        .filter(|f| {
            config.kinds.contains(&f.kind)
                && f.confidence >= config.min_confidence
                && (config.report_synthetic || !f.synthetic)
        })
        .map(plain)
        .collect();
    assert_eq!(
        oneshot.iter().map(plain).collect::<Vec<_>>(),
        filtered,
        "the configured scan is not the unfiltered scan, filtered"
    );
    assert_eq!(
        whole.notices, everything.notices,
        "the configured scan's notices differ from the unfiltered scan's"
    );

    // Stream == one-shot, with the delay, prefix and memory bounds.
    let mut stream = engine.stream();
    let delay = stream.max_delay() as u64;
    assert!(stream.max_buffered() <= MAX_STREAM_BUFFER);
    // due[j]: the earliest position by which findings j.. must all have
    // been delivered (names and records excepted).
    let mut due = vec![u64::MAX; oneshot.len() + 1];
    for j in (0..oneshot.len()).rev() {
        let f = &oneshot[j];
        let own =
            if from_structure(f.kind) { u64::MAX } else { f.end + delay };
        due[j] = due[j + 1].min(own);
    }
    let mut out = Events::default();
    let mut checked = 0;
    let mut consumed = 0u64;
    let checks = |stream: &Stream, out: &Events, i, pushed| {
        let position = stream.position();
        assert_eq!(position, pushed, "push {i}: position");
        consumed = position;
        assert!(
            stream.buffered() <= stream.max_buffered(),
            "push {i}: buffers {} > max_buffered {}",
            stream.buffered(),
            stream.max_buffered()
        );
        assert!(
            out.events.len() <= whole.events.len(),
            "push {i}: more events than one-shot"
        );
        while checked < out.events.len() {
            assert_eq!(
                out.events[checked], whole.events[checked],
                "push {i}: streamed event {checked} differs from one-shot"
            );
            match &out.events[checked] {
                Event::Finding(f) => assert!(
                    f.2 <= position,
                    "push {i}: finding ending at {} delivered at {position}",
                    f.2
                ),
                Event::Notice(n) => assert!(
                    n.offset <= position,
                    "push {i}: notice at {} delivered at {position}",
                    n.offset
                ),
            }
            checked += 1;
        }
        let n = out.findings.len();
        assert!(
            due[n] > position,
            "push {i} (position {position}): a finding from {n} on ({:?}) \
             not delivered within max_delay {delay}",
            oneshot.iter().skip(n).find(|f| !from_structure(f.kind)
                && f.end + delay <= position)
        );
    };
    push_chunks(&mut stream, hay, &input.chunks, &mut out, checks)
        .expect("a collecting sink never stops the stream");
    assert_eq!(consumed, hay.len() as u64, "position after the last push");
    stream.finish(&mut out).expect("finish");
    assert_eq!(out.events, whole.events, "stream differs from one-shot");
    let before = out.events.len();
    assert_eq!(stream.push(b"1", &mut out), Err(StreamError::Finished));
    assert_eq!(stream.finish(&mut out), Err(StreamError::Finished));
    assert_eq!(out.events.len(), before, "a finished stream delivered more");

    // A sink that stops.
    let k = input.stop_after;
    if k > 0 {
        let mut stream = engine.stream();
        let mut got: Vec<Finding> = Vec::new();
        let result = {
            let mut sink = FnSink(|f: Finding| {
                got.push(f);
                got.len() < k
            });
            push_chunks(
                &mut stream,
                hay,
                &input.chunks,
                &mut sink,
                |_, _, _, _| {},
            )
            .and_then(|()| stream.finish(&mut sink))
        };
        let want = &oneshot[..k.min(oneshot.len())];
        assert_eq!(
            got.iter().map(plain).collect::<Vec<_>>(),
            want.iter().map(plain).collect::<Vec<_>>(),
            "sink stopping after {k}"
        );
        if oneshot.len() >= k {
            assert_eq!(result, Err(StreamError::Stopped), "stop after {k}");
            let mut more: Vec<Finding> = Vec::new();
            assert_eq!(stream.push(hay, &mut more), Err(StreamError::Stopped));
            assert_eq!(stream.finish(&mut more), Err(StreamError::Stopped));
            assert!(more.is_empty(), "a stopped stream delivered more");
        } else {
            assert_eq!(result, Ok(()), "stop after {k}");
        }
    }
}

// ---------------------------------------------------------------------------
// Target `validators`: the public validators against a naive oracle.
// ---------------------------------------------------------------------------

/// A `validators` input: the text given to every validator.
pub(crate) struct ValidatorInput(pub(crate) String);

impl ValidatorInput {
    /// Decodes a fuzz input. An even first byte (or none): the rest as
    /// (lossy) UTF-8. An odd first byte: a number built from the next
    /// bytes: 10 digits (`b % 10`), the two gap separators and then a
    /// prefix and a suffix, each picked by `b % 6` / `b % 8` from
    /// `["", " ", "-", ".", "\t", NBSP]` / `["", " ", "\t", "\n", "\r",
    /// "\x0C", "\x0B", NBSP]`.
    pub(crate) fn decode(data: &[u8]) -> ValidatorInput {
        let mut r = Reader(data);
        if r.u8() % 2 == 0 {
            return ValidatorInput(String::from_utf8_lossy(r.0).into_owned());
        }
        const GAPS: [&str; 6] = ["", " ", "-", ".", "\t", "\u{a0}"];
        const AROUND: [&str; 8] =
            ["", " ", "\t", "\n", "\r", "\x0C", "\x0B", "\u{a0}"];
        let digits: Vec<char> =
            (0..10).map(|_| char::from(b'0' + r.u8() % 10)).collect();
        let gap1 = GAPS[usize::from(r.u8()) % GAPS.len()];
        let gap2 = GAPS[usize::from(r.u8()) % GAPS.len()];
        let before = AROUND[usize::from(r.u8()) % AROUND.len()];
        let after = AROUND[usize::from(r.u8()) % AROUND.len()];
        let d = |a: usize, b: usize| digits[a..b].iter().collect::<String>();
        ValidatorInput(format!(
            "{before}{}{gap1}{}{gap2}{}{after}",
            d(0, 3),
            d(3, 6),
            d(6, 10)
        ))
    }
}

impl fmt::Debug for ValidatorInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "check_validators({:?});", self.0)
    }
}

/// What the oracle says a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Oracle {
    Nhs { synthetic: bool },
    Hc,
    Chi { mod10_only: bool },
    Nothing,
}

/// The naive oracle, written from DESIGN.md and the NHS Data Dictionary
/// without looking at the engine: strip surrounding ASCII whitespace; ten
/// digits, or 3-3-4 groups split by one separator; then the placeholder
/// rule, the published Modulus 11 rule ("11 minus the remainder; 11 is 0,
/// 10 is never issued"), the ranges, and the CHI date and Modulus 10 rules.
fn oracle(text: &str) -> (Option<[u32; 10]>, Oracle) {
    let t =
        text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C'));
    let Some(written) = written_form(t) else {
        return (None, Oracle::Nothing);
    };
    let mut d = [0u32; 10];
    for (slot, c) in d.iter_mut().zip(written.bytes()) {
        *slot = u32::from(c - b'0');
    }
    let number =
        |a: usize, b: usize| d[a..b].iter().fold(0, |n, &x| n * 10 + x);
    if d.iter().all(|&x| x == d[0]) {
        return (Some(d), Oracle::Nothing);
    }
    let weighted: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
    let mod11 = match 11 - weighted % 11 {
        11 => d[9] == 0,
        10 => false,
        check => d[9] == check,
    };
    let (day, month, year) = (number(0, 2), number(2, 4), number(4, 6));
    let days = match month {
        2 if year % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    };
    let date = day >= 1 && day <= days;
    let luhn: u32 = (0..9)
        .map(|i| if i % 2 == 0 { d[i] * 2 } else { d[i] })
        .map(|v| if v > 9 { v - 9 } else { v })
        .sum();
    let mod10 = (10 - luhn % 10) % 10 == d[9];
    let verdict = if mod11 {
        match number(0, 3) {
            900..=999 => Oracle::Nhs { synthetic: true },
            400..=499 | 600..=799 => Oracle::Nhs { synthetic: false },
            _ if (320_000_001..=399_999_999).contains(&number(0, 9)) => {
                Oracle::Hc
            }
            _ if date => Oracle::Chi { mod10_only: false },
            _ => Oracle::Nothing,
        }
    } else if mod10 && date {
        Oracle::Chi { mod10_only: true }
    } else {
        Oracle::Nothing
    };
    (Some(d), verdict)
}

/// Target `validators`: every public validator equals the naive oracle on
/// `text`; and when `text` is a written form, the scanner agrees: scanning
/// it alone gives one `medium` finding of the oracle's kind (none for a
/// Modulus-10-only CHI number), and after `CHI ` one `high` finding (`low`
/// for a Modulus-10-only CHI number).
pub(crate) fn check_validators(text: &str) {
    let (digits, want) = oracle(text);
    let got = (
        nhs_number::is_valid(text),
        nhs_number::is_synthetic(text),
        hc_number::is_valid(text),
        chi_number::is_valid(text),
        chi_number::is_mod10_only(text),
    );
    let expected = (
        matches!(want, Oracle::Nhs { .. }),
        want == Oracle::Nhs { synthetic: true },
        want == Oracle::Hc,
        matches!(want, Oracle::Chi { .. }),
        want == Oracle::Chi { mod10_only: true },
    );
    assert_eq!(
        got, expected,
        "(nhs is_valid, nhs is_synthetic, hc is_valid, chi is_valid, chi \
         is_mod10_only) on {text:?}; oracle: {want:?}"
    );

    if digits.is_none() {
        return;
    }
    let t =
        text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C'));
    let kind = match want {
        Oracle::Nhs { .. } => Some(Kind::NhsNumber),
        Oracle::Hc => Some(Kind::HcNumber),
        Oracle::Chi { .. } => Some(Kind::ChiNumber),
        Oracle::Nothing => None,
    };
    let synthetic = want == Oracle::Nhs { synthetic: true };
    let mod10_only = want == Oracle::Chi { mod10_only: true };
    let engine = default_engine();
    for (prefix, conf) in
        [("", Confidence::Medium), ("CHI ", Confidence::High)]
    {
        let hay = format!("{prefix}{t}");
        let found = engine.scan(hay.as_bytes());
        check_findings(hay.as_bytes(), &found);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.kind, f.start, f.end, f.confidence, f.synthetic))
            .collect();
        let start = prefix.len() as u64;
        let end = hay.len() as u64;
        let want: Vec<_> = match kind {
            Some(_) if mod10_only && prefix.is_empty() => vec![],
            Some(_) if mod10_only => {
                vec![(Kind::ChiNumber, start, end, Confidence::Low, false)]
            }
            Some(kind) => vec![(kind, start, end, conf, synthetic)],
            None => vec![],
        };
        assert_eq!(got, want, "scanning {hay:?}");
    }
}

// ---------------------------------------------------------------------------
// Target `config`: configuration parsing and engine building.
// ---------------------------------------------------------------------------

/// The haystack every engine built by the `config` target scans: keywords,
/// every kind, every written form, a Modulus-10-only CHI number with CHI
/// context, confounders, and (after more than the default 300 bytes
/// without a keyword) a `medium` number.
fn config_haystack() -> String {
    let near = "Patient NHS no: 943 476 5919, alt 6699684728; H&C \
        320\u{a0}000\u{a0}0015?; CHI 1009701234 seen; DOB 0101011237; ts \
        1704067200; +44 7434765919; trace 0af7651916cd43dd8448eb211c80319c; \
        end 999-000-0018";
    format!("{near}{}ref 791-300-8261 ok", " ~".repeat(160))
}

/// A `config` input: the raw bytes, parsed as JSON (and, in the fuzz
/// target, also as TOML).
pub(crate) struct ConfigInput(pub(crate) Vec<u8>);

impl fmt::Debug for ConfigInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "check_config_bytes(b\"{}\");", escape_bytes(&self.0))?;
        match serde_json::from_slice::<Config>(&self.0) {
            Ok(c) => write!(f, "// as JSON: {c:?}"),
            Err(e) => write!(f, "// as JSON: error: {e}"),
        }
    }
}

/// Whether `config` is within every documented limit of `Engine::new`.
fn within_limits(config: &Config) -> bool {
    config.context_before <= MAX_CONTEXT_WINDOW
        && config.context_after <= MAX_CONTEXT_WINDOW
        && !config.kinds.is_empty()
        && config.extra_keywords.len() <= MAX_EXTRA_KEYWORDS
        && config
            .extra_keywords
            .iter()
            .all(|k| !k.is_empty() && k.len() <= MAX_KEYWORD_LEN)
}

/// Checks one parsed configuration: it survives a JSON round trip;
/// `Engine::new` succeeds exactly when it is within the documented limits
/// (never panics); and an engine built from it scans [`config_haystack`]
/// and every extra keyword followed by a number with the
/// [`check_findings`] properties, reporting only the configured kinds,
/// confidences and synthetic numbers, the same streamed in 7-byte chunks.
pub(crate) fn check_config(config: &Config) {
    let json = serde_json::to_string(config).expect("a Config serialises");
    let back: Config = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("JSON round trip of {json}: {e}"));
    assert_eq!(&back, config, "JSON round trip of {json}");

    let engine = match Engine::new(config.clone()) {
        Ok(engine) => engine,
        Err(e) => {
            assert!(!within_limits(config), "in-limit config rejected: {e}");
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert!(within_limits(config), "out-of-limit config accepted");
    assert_eq!(engine.config(), config);

    let mut hay = config_haystack();
    for kw in config.extra_keywords.iter().take(8) {
        hay.push_str(&format!("; {kw} 943 476 5919 "));
    }
    let hay = hay.as_bytes();
    let found = engine.scan(hay);
    check_findings(hay, &found);
    for f in &found {
        assert!(
            config.kinds.contains(&f.kind),
            "kind {} not configured",
            f.kind
        );
        assert!(f.confidence >= config.min_confidence);
        assert!(config.report_synthetic || !f.synthetic);
    }
    let mut stream = engine.stream();
    let mut streamed = Vec::new();
    for chunk in hay.chunks(7) {
        stream.push(chunk, &mut streamed).expect("push");
    }
    stream.finish(&mut streamed).expect("finish");
    assert_eq!(streamed, found, "stream differs from one-shot");
}

/// Target `config` without TOML: `bytes` parsed as a JSON `Config` and as
/// a JSON `Policy` (any outcome is fine), then [`check_config`] and
/// [`check_policy`] on what parses.
pub(crate) fn check_config_bytes(bytes: &[u8]) {
    if let Ok(config) = serde_json::from_slice::<Config>(bytes) {
        check_config(&config);
    }
    if let Ok(policy) = serde_json::from_slice::<Policy>(bytes) {
        check_policy(&policy);
    }
}

/// Ten digits: `prefix` (nine digits) and its Modulus 11 check digit, or
/// `None` when the check digit would be 10.
fn with_check_digit(prefix: u32) -> Option<String> {
    let p = format!("{prefix:09}");
    let sum: u32 = p
        .bytes()
        .zip((2..=10).rev())
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        10 => None,
        11 => Some(format!("{p}0")),
        c => Some(format!("{p}{c}")),
    }
}

/// Whether `t` is reached by distinct counts `total` and `by_kind`.
fn naive_reached(
    t: &Thresholds,
    total: u64,
    by_kind: &HashMap<Kind, u64>,
) -> bool {
    t.distinct.is_some_and(|n| total >= n)
        || t.distinct_by_kind
            .iter()
            .any(|(k, &n)| by_kind.get(k).copied().unwrap_or(0) >= n)
}

/// Checks one parsed policy: it survives a JSON round trip; `validate`
/// accepts it exactly when every threshold is in 1..=`MAX_DISTINCT_TRACKED`;
/// and a valid policy's [`Report`], fed the findings of a haystack of
/// distinct, repeated, synthetic, `low` and other-kind numbers one by one,
/// has the naive counts and gives the naive verdict after every finding,
/// and never serialises an identifier.
pub(crate) fn check_policy(policy: &Policy) {
    let json = serde_json::to_string(policy).expect("a Policy serialises");
    let back: Policy = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("JSON round trip of {json}: {e}"));
    assert_eq!(&back, policy, "JSON round trip of {json}");

    let in_range = [&policy.alert, &policy.block].iter().all(|t| {
        t.distinct
            .iter()
            .chain(t.distinct_by_kind.values())
            .all(|&n| (1..=MAX_DISTINCT_TRACKED as u64).contains(&n))
    });
    match policy.validate() {
        Ok(()) => assert!(in_range, "out-of-range policy validated"),
        Err(e) => {
            assert!(!in_range, "in-range policy rejected: {e}");
            return;
        }
    }

    // Twelve allocated NHS numbers, each twice, and more.
    let mut hay =
        String::from("CHI 1009701234 H&C 320 000 0015 NHS 9434765919 ");
    for prefix in (400_000_000..)
        .step_by(7_654_321)
        .filter_map(with_check_digit)
        .take(12)
    {
        hay.push_str(&format!("{prefix} and {prefix}; "));
    }
    let findings = default_engine().scan(hay.as_bytes());
    check_findings(hay.as_bytes(), &findings);
    assert!(findings.len() >= 27, "the policy haystack lost findings");

    let mut report = Report::for_policy(policy);
    let mut seen: HashMap<Kind, std::collections::HashSet<String>> =
        HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        report.add(f);
        if f.confidence >= policy.min_confidence
            && (policy.count_synthetic || !f.synthetic)
        {
            seen.entry(f.kind).or_default().insert(f.value().to_string());
        }
        let by_kind: HashMap<Kind, u64> =
            seen.iter().map(|(&k, v)| (k, v.len() as u64)).collect();
        let total: u64 = by_kind.values().sum();
        for k in Kind::ALL {
            assert_eq!(
                report.distinct(k),
                by_kind.get(&k).copied().unwrap_or(0)
            );
        }
        assert_eq!(report.distinct_total(), total);
        assert!(!report.distinct_saturated());
        let want = if naive_reached(&policy.block, total, &by_kind) {
            Verdict::Block
        } else if naive_reached(&policy.alert, total, &by_kind) {
            Verdict::Alert
        } else {
            Verdict::Allow
        };
        assert_eq!(policy.verdict(&report), want, "after finding {i}");
        assert_eq!(report.findings(), i as u64 + 1);
    }
    for k in Kind::ALL {
        for c in [Confidence::Low, Confidence::Medium, Confidence::High] {
            let n = findings
                .iter()
                .filter(|f| f.kind == k && f.confidence == c)
                .count();
            assert_eq!(report.count(k, c), n as u64, "count({k}, {c})");
        }
    }
    let synthetic = findings.iter().filter(|f| f.synthetic).count();
    assert_eq!(report.synthetic(), synthetic as u64);
    let json = serde_json::to_string(&report).expect("a Report serialises");
    for f in &findings {
        assert!(!json.contains(f.value()), "the report reveals an identifier");
    }
}

// ---------------------------------------------------------------------------
// Replay.
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// decode_vs_slice
// ---------------------------------------------------------------------------

/// A `decode_vs_slice` input: decoding limits, a chunking and an input for
/// `caldicott_decode`.
pub(crate) struct DecodeInput {
    pub(crate) limits: Limits,
    /// Chunk sizes, used in turn and cycled; 0 is an empty push. Empty:
    /// the input in one push.
    pub(crate) chunks: Vec<usize>,
    /// The bytes decoded and scanned.
    pub(crate) hay: Vec<u8>,
}

/// `max_decoded_bytes` values a limits byte picks from: the default, and
/// sizes that stop every decoder at its first bytes or part way.
const DECODED_LIMITS: [u64; 8] =
    [1 << 30, 0, 16, 100, 1000, 10_000, 100_000, 1_000_000];

impl DecodeInput {
    /// Decodes a fuzz input (every byte string is valid):
    ///
    /// | bytes | meaning |
    /// |---|---|
    /// | 0 | bits 0–2: `max_decoded_bytes`, [`DECODED_LIMITS`]`[b & 7]`; bits 3–4: `max_depth` 8, 0, 1 or 3; bits 5–6: `max_parts` 1024, 0, 1 or 4; bit 7: `max_expansion_ratio` 2 (else 100) |
    /// | 1 | number of chunk sizes, mod 9 |
    /// | … | each chunk size a u16 LE `v`, as for `StreamInput::decode` |
    /// | rest | the input |
    pub(crate) fn decode(data: &[u8]) -> DecodeInput {
        let mut r = Reader(data);
        let b = r.u8();
        let limits = Limits {
            max_decoded_bytes: DECODED_LIMITS[usize::from(b & 7)],
            max_depth: [8, 0, 1, 3][usize::from((b >> 3) & 3)],
            max_parts: [1024, 0, 1, 4][usize::from((b >> 5) & 3)],
            max_expansion_ratio: if b & 0x80 != 0 { 2 } else { 100 },
        };
        let n_chunks = usize::from(r.u8() % 9);
        let chunks = r.chunk_sizes(n_chunks);
        DecodeInput { limits, chunks, hay: r.0.to_vec() }
    }
}

impl fmt::Debug for DecodeInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.limits;
        writeln!(f, "check_decode_vs_slice(&DecodeInput {{")?;
        writeln!(f, "    limits: Limits {{")?;
        writeln!(f, "        max_depth: {},", l.max_depth)?;
        writeln!(f, "        max_decoded_bytes: {},", l.max_decoded_bytes)?;
        writeln!(
            f,
            "        max_expansion_ratio: {},",
            l.max_expansion_ratio
        )?;
        writeln!(f, "        max_parts: {},", l.max_parts)?;
        writeln!(f, "    }},")?;
        writeln!(f, "    chunks: vec!{:?},", self.chunks)?;
        writeln!(f, "    hay: b\"{}\".to_vec(),", escape_bytes(&self.hay))?;
        write!(f, "}});")
    }
}

/// Findings and notices of `collected`, each as its `Debug` form, sorted:
/// what a decoding stream must match, whatever the order in which layers
/// delivered them (DESIGN.md: across layers the interleaving may differ
/// with the chunking).
fn sorted_forms(collected: &Collected) -> (Vec<String>, Vec<String>) {
    let mut findings: Vec<String> =
        collected.findings.iter().map(|f| format!("{f:?}")).collect();
    let mut notices: Vec<String> =
        collected.notices.iter().map(|n| format!("{n:?}")).collect();
    findings.sort();
    notices.sort();
    (findings, notices)
}

/// The `decode_vs_slice` properties, for any input, limits and chunking:
///
/// 1. Decoding never panics (one-shot or streamed).
/// 2. A `DecodingStream` fed in the input's chunks reports the same
///    findings and the same notices as `Decoder::scan_into`.
/// 3. A finding outside any layer lies within the input; one inside a
///    layer names its path, and the layer starts within the input.
/// 4. The decoded total stays within `max_decoded_bytes`.
pub(crate) fn check_decode_vs_slice(input: &DecodeInput) {
    let decoder =
        Decoder::with_limits(default_engine().clone(), input.limits.clone());
    let mut whole = Collected::default();
    decoder.scan_into(&input.hay, &mut whole);

    let mut streamed = Collected::default();
    let mut stream = decoder.stream();
    let mut pos = 0;
    let mut k = 0;
    while pos < input.hay.len() {
        let n = match input.chunks.get(k % input.chunks.len().max(1)) {
            Some(&size) => size.min(input.hay.len() - pos),
            None => input.hay.len(),
        };
        stream
            .push(&input.hay[pos..pos + n], &mut streamed)
            .expect("a push before finish, to a sink that never stops");
        pos += n;
        k += 1;
        if k > input.hay.len() + input.chunks.len() + 1 {
            // Only empty pushes left (every size is 0): the rest at once.
            stream.push(&input.hay[pos..], &mut streamed).expect("the rest");
            pos = input.hay.len();
        }
    }
    stream.finish(&mut streamed).expect("finish once");
    assert!(
        stream.decoded_bytes() <= input.limits.max_decoded_bytes,
        "decoded {} bytes over a limit of {}",
        stream.decoded_bytes(),
        input.limits.max_decoded_bytes
    );
    assert_eq!(
        sorted_forms(&streamed),
        sorted_forms(&whole),
        "a decoding stream in chunks {:?} differs from the one-shot scan",
        input.chunks
    );
    let len = input.hay.len() as u64;
    for f in &whole.findings {
        assert!(f.start < f.end, "{f:?}");
        match &f.layer {
            None => assert!(f.end <= len, "{f:?} past the input's end"),
            Some(layer) => {
                assert!(!layer.path.is_empty(), "{f:?}");
                assert!(layer.start <= len, "{f:?}: layer past the end");
            }
        }
    }
}

#[cfg(test)]
mod replay {
    use std::path::{Path, PathBuf};

    use super::*;

    /// The repository root: the parent of this package (`tests/` in the
    /// main workspace, `fuzz/` in the fuzz package).
    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the package has a parent directory")
            .to_path_buf()
    }

    /// The files of `dir`, sorted, without `README.md` and dot files; none
    /// when it does not exist.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .filter(|p| {
                let name =
                    p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !name.starts_with('.') && name != "README.md"
            })
            .collect();
        files.sort();
        files
    }

    /// Decodes every crash file and seed of `target` and runs `check` on
    /// it; on failure, names the file and prints the input's reproducer.
    /// The seed corpus must not be empty.
    fn replay<T: fmt::Debug>(
        target: &str,
        decode: impl Fn(&[u8]) -> T,
        check: impl Fn(&T),
    ) {
        let crashes = files(&root().join("tests/fuzz-crashes").join(target));
        let seeds = files(&root().join("fuzz/corpus").join(target));
        assert!(!seeds.is_empty(), "no seeds in fuzz/corpus/{target}");
        let mut replayed = 0;
        for path in crashes.iter().chain(&seeds) {
            let bytes = std::fs::read(path).expect("readable input");
            assert!(
                bytes.len() <= MAX_INPUT,
                "{} is too large",
                path.display()
            );
            let input = decode(&bytes);
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    check(&input)
                }));
            if let Err(panic) = outcome {
                eprintln!(
                    "fuzz regression failed: {}\nreproducer:\n{input:?}",
                    path.display()
                );
                std::panic::resume_unwind(panic);
            }
            replayed += 1;
        }
        assert!(replayed > 0, "nothing replayed for {target}");
    }

    #[test]
    fn scan_slice() {
        replay(
            "scan_slice",
            |b| ScanInput(b.to_vec()),
            |i| check_scan_slice(&i.0),
        );
    }

    #[test]
    fn stream_vs_slice() {
        replay("stream_vs_slice", StreamInput::decode, check_stream_vs_slice);
    }

    #[test]
    fn validators() {
        replay("validators", ValidatorInput::decode, |i| {
            check_validators(&i.0)
        });
    }

    #[test]
    fn config() {
        replay(
            "config",
            |b| ConfigInput(b.to_vec()),
            |i| check_config_bytes(&i.0),
        );
    }

    #[test]
    fn decode_vs_slice() {
        replay("decode_vs_slice", DecodeInput::decode, check_decode_vs_slice);
    }

    #[test]
    fn decode_seeds_reach_their_decoders() {
        // Each encoded document's first seed (default limits, one push)
        // finds the number inside a decoded layer: the seeds start the
        // fuzzer inside every decoder, not at its door.
        let dir = root().join("fuzz/corpus/decode_vs_slice");
        let firsts: Vec<PathBuf> = files(&dir)
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with("-0"))
            .collect();
        assert!(firsts.len() >= 10, "{} first seeds", firsts.len());
        for path in firsts {
            let input = DecodeInput::decode(&std::fs::read(&path).unwrap());
            let found =
                Decoder::new(default_engine().clone()).scan(&input.hay);
            assert!(
                found.iter().any(|f| f.layer.is_some()),
                "{}: nothing found inside a layer: {found:?}",
                path.display()
            );
        }
    }

    #[test]
    fn decoders_accept_anything() {
        for data in [&b""[..], b"\x01", b"\xff\xff\xff\xff\xff\xff\xff"] {
            let s = StreamInput::decode(data);
            assert!(Engine::new(s.config).is_ok());
            let _ = ValidatorInput::decode(data);
            let d = DecodeInput::decode(data);
            assert!(d.hay.len() <= data.len());
        }
    }

    #[test]
    fn config_haystack_has_every_kind_and_confidence() {
        let found = default_engine().scan(config_haystack().as_bytes());
        for kind in Kind::HEALTH_IDENTIFIERS {
            assert!(found.iter().any(|f| f.kind == kind), "no {kind}");
        }
        for conf in [Confidence::Low, Confidence::Medium, Confidence::High] {
            assert!(found.iter().any(|f| f.confidence == conf), "no {conf}");
        }
    }

    #[test]
    fn stream_input_format() {
        // As fuzz/make-seeds.py writes it: the default configuration
        // (300 and 100 from the table), 2 × 64 bytes of `x` at offset 1,
        // chunks of 1 and 300, the keyword "ref".
        let data = b"\x40\x18\x00\x14\x00\x00\x02x\x01\x00\x02\x01\x40\
                     \x2c\x81\x02refAB";
        let input = StreamInput::decode(data);
        let want =
            Config { extra_keywords: vec!["ref".into()], ..Config::default() };
        assert_eq!(input.config, want);
        assert_eq!(input.chunks, [1, 300]);
        assert_eq!(input.stop_after, 0);
        assert_eq!(input.hay, [&b"A"[..], &[b'x'; 128], b"B"].concat());
        let odd = StreamInput::decode(b"\x00\x01\x00\x03\x10");
        assert_eq!(
            (odd.config.context_before, odd.config.context_after),
            (1, 4099 % 4097)
        );
        assert_eq!(
            ValidatorInput::decode(b"\x01\x09\x04\x03\x04\x07\x06\x05\x09\x01\x09\x05\x05\x01\x02").0,
            " 943\u{a0}476\u{a0}5919\t"
        );
    }
}
