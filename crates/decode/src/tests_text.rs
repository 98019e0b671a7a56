//! The text decoders: UTF-16 layers, URL-encoded tokens and numbers
//! wrapped across a line break, each alone, nested, chunked every way,
//! and against malformed input.

use std::io::Write;

use base64::Engine as _;
use caldicott_core::{Confidence, Engine, Finding, Kind, RecordFormat};
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::decoder::percent::{decode, is_encoded};
use crate::decoder::utf16::{Endian, Utf16};
use crate::decoder::{DecodeError, Decoder as _, Output};
use crate::unwrap::weaker;
use crate::{Collected, Decoder, Limits, MAX_URL_TOKEN};

/// A letter with a synthetic NHS number, at offset 11..23.
const LETTER: &str = "NHS number 943 476 5919 for the referral, seen today.";

/// (kind, start, end, confidence, path, layer start) of a finding.
type Row = (String, u64, u64, String, String, u64);

fn row(f: &Finding) -> Row {
    let (path, start) = f
        .layer
        .as_ref()
        .map_or((String::new(), 0), |l| (l.path.clone(), l.start));
    (f.kind.to_string(), f.start, f.end, f.confidence.to_string(), path, start)
}

/// The rows of `found`, sorted: findings from different layers come out
/// in an order that depends on where the chunks fall.
fn rows(found: &[Finding]) -> Vec<Row> {
    let mut r: Vec<Row> = found.iter().map(row).collect();
    r.sort();
    r
}

/// The rows of the health-identifier findings only.
fn ids(found: &[Finding]) -> Vec<Row> {
    let only: Vec<Finding> = found
        .iter()
        .filter(|f| f.kind.is_health_identifier())
        .cloned()
        .collect();
    rows(&only)
}

fn id(conf: &str, start: u64, end: u64, path: &str, at: u64) -> Row {
    ("nhs_number".into(), start, end, conf.into(), path.into(), at)
}

fn scan(input: &[u8]) -> Collected {
    let mut c = Collected::default();
    Decoder::new(Engine::default()).scan_into(input, &mut c);
    c
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `text` in UTF-16, with a byte-order mark when `bom`.
fn utf16(text: &str, endian: Endian, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xfeff).into_iter().chain(text.encode_utf16());
    for u in units {
        out.extend(match endian {
            Endian::Little => u.to_le_bytes(),
            Endian::Big => u.to_be_bytes(),
        });
    }
    out
}

/// Every split point (for inputs up to 300 bytes, otherwise a spread of
/// them) and a few chunkings give what the one-shot scan gives, notices
/// included; findings compared sorted.
fn assert_chunking_invariant(input: &[u8]) {
    let decoder = Decoder::new(Engine::default());
    let mut whole = Collected::default();
    decoder.scan_into(input, &mut whole);
    for sizes in crate::tests::chunkings(input.len(), 300) {
        let got = crate::tests::streamed(&decoder, input, &sizes);
        assert_eq!(rows(&got.findings), rows(&whole.findings), "{sizes:?}");
        assert_eq!(got.notices, whole.notices, "{sizes:?}");
    }
}

// ---------------------------------------------------------------- UTF-16

/// Collects a decoder's output.
#[derive(Default)]
struct Bytes(Vec<u8>);

impl Output for Bytes {
    fn data(&mut self, bytes: &[u8]) -> bool {
        self.0.extend_from_slice(bytes);
        true
    }

    fn part(&mut self, _label: &str, _text: bool) -> bool {
        true
    }
}

/// What a UTF-16 decoder makes of `input` pushed `size` bytes at a time,
/// and how it finished.
fn utf16_decode(
    input: &[u8],
    endian: Endian,
    size: usize,
) -> (String, Result<(), DecodeError>) {
    let mut d = Utf16::new(endian, false);
    let mut out = Bytes::default();
    for chunk in input.chunks(size) {
        d.push(chunk, &mut out).unwrap();
    }
    let end = d.finish(&mut out);
    (String::from_utf8(out.0).expect("the decoder writes UTF-8"), end)
}

#[test]
fn utf16_with_a_bom_is_decoded_either_endian() {
    for endian in [Endian::Little, Endian::Big] {
        let input = utf16(LETTER, endian, true);
        let got = scan(&input);
        assert_eq!(ids(&got.findings), [id("high", 11, 23, "utf16", 0)]);
        assert!(got.notices.is_empty(), "{:?}", got.notices);
        assert_chunking_invariant(&input);
    }
}

#[test]
fn utf16_without_a_bom_is_recognised_by_its_nuls() {
    for endian in [Endian::Little, Endian::Big] {
        let input = utf16(LETTER, endian, false);
        assert_eq!(
            ids(&scan(&input).findings),
            [id("high", 11, 23, "utf16", 0)]
        );
        assert_chunking_invariant(&input);
        // Layers shorter than SNIFF_LEN are judged on what there is.
        let short = utf16("9434765919", endian, false);
        assert_eq!(short.len(), 20);
        assert_eq!(
            ids(&scan(&short).findings),
            [id("medium", 0, 10, "utf16", 0)]
        );
    }
    // A quarter of the head may be other characters (accents, symbols);
    // more than that and it is not taken for UTF-16.
    let accented = "Pâtiënt ré: NHS 943 476 5919, né à Zürich, vu";
    let input = utf16(accented, Endian::Little, false);
    assert_eq!(ids(&scan(&input).findings).len(), 1);
    assert!(Utf16::sniff(&utf16("éééééé ab", Endian::Little, false)[..18])
        .is_none());
    assert!(Utf16::sniff(&utf16("ab", Endian::Little, false)).is_none());
}

#[test]
fn ascii_text_and_binary_are_not_utf16() {
    for head in [
        &b"NHS number 943 476 5919 for the referral"[..32],
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"9\x00\x00\x004\x00\x00\x003\x00\x00\x004\x00\x00\x00",
        b"",
    ] {
        assert!(Utf16::sniff(head).is_none(), "{head:?}");
    }
    let text = b"NHS 943 476 5919 and 999 000 0018, both on file today.";
    assert_eq!(ids(&scan(text).findings), ids(&Engine::default().scan(text)));
}

#[test]
fn utf16_csv_export_keeps_its_header_structure() {
    // What Excel writes as "Unicode text" (tab-separated) and what a
    // Windows tool writes as a UTF-16 CSV: a BOM, CRLF line ends.
    for sep in [",", "\t"] {
        let csv = format!(
            "nhs_number{sep}surname{sep}postcode\r\n\
             9434765919{sep}Smith{sep}LS1 4AP\r\n\
             9990000018{sep}Jones{sep}M1 1AE\r\n"
        );
        let input = utf16(&csv, Endian::Little, true);
        let got = scan(&input);
        let plain = Engine::default().scan(csv.as_bytes());
        assert_eq!(
            rows(&got.findings)
                .into_iter()
                .map(|r| (r.0, r.1, r.2, r.3))
                .collect::<Vec<_>>(),
            rows(&plain)
                .into_iter()
                .map(|r| (r.0, r.1, r.2, r.3))
                .collect::<Vec<_>>(),
            "{sep:?}: the decoded layer scans as the text does"
        );
        let numbers: Vec<&Finding> = got
            .findings
            .iter()
            .filter(|f| f.kind == Kind::NhsNumber)
            .collect();
        assert_eq!(numbers.len(), 2, "{sep:?}");
        assert!(numbers.iter().all(|f| f.confidence == Confidence::High));
        let records = got
            .findings
            .iter()
            .filter(|f| f.format == Some(RecordFormat::Csv))
            .count();
        assert_eq!(records, 2, "{sep:?}: one record per data row");
        assert!(got
            .findings
            .iter()
            .all(|f| f.layer.as_ref().unwrap().path == "utf16"));
        assert_chunking_invariant(&input);
    }
}

#[test]
fn utf16_surrogates_split_anywhere_and_unpaired_ones_are_replaced() {
    let text = "😀 NHS 943 476 5919 𝄞 ok";
    for endian in [Endian::Little, Endian::Big] {
        let input = utf16(text, endian, false);
        for size in 1..=input.len() {
            assert_eq!(
                utf16_decode(&input, endian, size),
                (text.to_string(), Ok(())),
                "{size}"
            );
        }
        assert_chunking_invariant(&input);
    }
    let le = |units: &[u16]| -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    };
    // A lone high surrogate, a lone low one, and a high one at the end.
    let units = [0x41, 0xd83d, 0x42, 0xde00, 0x43, 0xd83d];
    for size in 1..=12 {
        assert_eq!(
            utf16_decode(&le(&units), Endian::Little, size),
            ("A\u{fffd}B\u{fffd}C\u{fffd}".to_string(), Ok(())),
            "{size}"
        );
    }
}

#[test]
fn utf16_cut_mid_character_reports_and_keeps_findings() {
    let mut input = utf16(LETTER, Endian::Little, true);
    input.pop();
    let got = scan(&input);
    assert_eq!(ids(&got.findings), [id("high", 11, 23, "utf16", 0)]);
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["malformed"]);
    assert!(got.notices[0].message.contains("utf16"));
    assert_chunking_invariant(&input);
    let (text, end) = utf16_decode(b"A\x00B", Endian::Little, 1);
    assert_eq!(text, "A\u{fffd}");
    assert!(matches!(end, Err(DecodeError::Malformed(_))));
}

#[test]
fn utf16_nests_in_gzip_and_base64() {
    let doc = utf16(LETTER, Endian::Little, true);
    let got = scan(&gzip(&doc));
    assert_eq!(ids(&got.findings), [id("high", 11, 23, "gzip > utf16", 0)]);
    let json = format!("{{\"file\": \"{}\"}}", b64(&doc));
    let got = scan(json.as_bytes());
    assert_eq!(ids(&got.findings), [id("high", 11, 23, "base64 > utf16", 10)]);
    assert_chunking_invariant(json.as_bytes());
}

#[test]
fn utf16_decoding_stops_when_told() {
    struct Refuse;
    impl Output for Refuse {
        fn data(&mut self, _bytes: &[u8]) -> bool {
            false
        }
        fn part(&mut self, _label: &str, _text: bool) -> bool {
            false
        }
    }
    let mut d = Utf16::new(Endian::Little, true);
    let input = utf16(LETTER, Endian::Little, true);
    assert_eq!(d.push(&input, &mut Refuse), Err(DecodeError::Stopped));
    // And a decoded-bytes limit reached inside it is a notice.
    let limits = Limits { max_decoded_bytes: 20, ..Limits::default() };
    let mut got = Collected::default();
    Decoder::with_limits(Engine::default(), limits)
        .scan_into(&input, &mut got);
    assert_eq!(
        got.notices.iter().map(|n| n.limit).collect::<Vec<_>>(),
        ["max_decoded_bytes"]
    );
}

#[test]
fn noise_never_panics() {
    // Every byte value, pseudo-random runs, NUL-interleaved noise.
    let noise: Vec<u8> =
        (0..20_000u32).map(|i| (i.wrapping_mul(7919) % 251) as u8).collect();
    let mut interleaved = Vec::new();
    for (i, b) in noise.iter().enumerate() {
        interleaved.push(if i % 2 == 0 { b % 95 + 32 } else { 0 });
        if i % 97 == 0 {
            interleaved.extend_from_slice(b"\xd8\x3d%4\n9+1\r\n> 5");
        }
    }
    for input in [noise, interleaved] {
        let _ = scan(&input);
        let _ = scan(&gzip(&input));
        assert_chunking_invariant(&input[..600]);
    }
}

// ------------------------------------------------------------------- URL

#[test]
fn percent_decoding_rules() {
    // Decoded when an escape (or `+`) makes a digit or an `@`, or sits
    // next to a digit.
    for yes in [
        &b"943%20476"[..],
        b"943+476+5919",
        b"%39",
        b"jo%40nhs.net",
        b"%2C9434765919",
        b"x%2B44",
        b"file=%2FTkhTIG51bWJlciA5NDMgNDc2IDU5MTkgZm9yIHRoZSByZWZlcnJhbA",
    ] {
        assert!(is_encoded(yes), "{:?}", String::from_utf8_lossy(yes));
    }
    // Not decoded: escapes among letters (most of a log's), stray `%`.
    for no in [
        &b"q=blood%20test%20results&page=2"[..],
        b"next=%2Fhome%2Fpatients%2Flist",
        b"100%",
        b"%zz%2",
        b"C++",
        b"a+b",
        b"q=NHS+9434765919",
        b"+44",
        b"[12/Mar/2025:10:16:07",
        b"+0000]",
        b"1+",
        b"%4",
        b"",
    ] {
        assert!(!is_encoded(no), "{:?}", String::from_utf8_lossy(no));
    }
    assert_eq!(decode(b"943%20476+5919%2B%zz%"), b"943 476 5919+%zz%");
    assert_eq!(decode(b"%39%34%3"), b"94%3");
    assert_eq!(decode(b"%e2%82%AC"), "€".as_bytes());
}

#[test]
fn url_encoded_separators_are_found_a_level_lower() {
    // A log line (a line starting `GET ` would be an HTTP message, whose
    // target the http layer decodes itself).
    let url = b"log: GET https://x.example/?nhs=943%20476%205919&a=1 HTTP/1.1";
    let got = scan(url);
    // In the `url` layer, which starts where the token does; `nhs` is a
    // keyword (high), lowered one level.
    assert_eq!(ids(&got.findings), [id("medium", 23, 35, "url", 9)]);
    assert!(got.notices.is_empty());
    assert_chunking_invariant(url);

    let form = b"q=943+476+5919";
    assert_eq!(ids(&scan(form).findings), [id("low", 2, 14, "url", 0)]);
    assert_chunking_invariant(form);

    let all = b"see /lookup?patient%20nhs=%39%34%33%34%37%36%35%39%31%39 ok";
    assert_eq!(ids(&scan(all).findings), [id("medium", 20, 30, "url", 4)]);
    assert_chunking_invariant(all);
}

#[test]
fn url_tokens_that_are_not_encoded_are_left_alone() {
    for text in [
        &b"discount 100% off, 50%% more, C++ and a+b, 1+ x, %zz%4"[..],
        b"NHS 943 476 5919 100%",
        b"%",
        b"+",
        b"9+",
        b"%4",
    ] {
        let got = scan(text);
        assert!(
            got.findings.iter().all(|f| f.layer.is_none()),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert!(got.notices.is_empty());
        assert_chunking_invariant(text);
    }
}

#[test]
fn url_findings_the_plain_scan_has_are_not_reported_twice() {
    for text in [
        &b"log: GET /p?nhs=9434765919&name=Jo%20Smith HTTP/1.1"[..],
        b"q=9434765919%20smith",
        b"q=943-476-5919&x=%41",
    ] {
        let got = scan(text);
        assert_eq!(
            ids(&got.findings),
            ids(&Engine::default().scan(text)),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(ids(&got.findings).len(), 1);
        assert_chunking_invariant(text);
    }
    // Only the encoded one of two numbers in a token is the url layer's.
    let two = b"a=9990000018&b=943%20476%205919";
    let got = ids(&scan(two).findings);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got.iter().filter(|r| r.4 == "url").count(), 1);
}

#[test]
fn long_url_tokens_are_skipped_quietly() {
    // A token one byte over the limit is not decoded (and says nothing:
    // long tokens are ordinary traffic); one at the limit is.
    let tail = "&nhs=943%20476%205919";
    for (len, found) in [(MAX_URL_TOKEN, 1), (MAX_URL_TOKEN + 1, 0)] {
        let token =
            "x=".to_string() + &"a".repeat(len - 2 - tail.len()) + tail;
        assert_eq!(token.len(), len);
        for text in [format!("pre {token} post"), token.clone()] {
            let got = scan(text.as_bytes());
            assert_eq!(ids(&got.findings).len(), found, "{len}");
            assert!(got.notices.is_empty());
            assert_chunking_invariant(text.as_bytes());
        }
    }
}

#[test]
fn url_tokens_in_nested_layers_and_mixed_with_base64() {
    let log = b"10.0.0.1 - - \"GET /r?nhs=943%20476%205919 HTTP/1.1\" 200";
    let got = scan(&gzip(log));
    assert_eq!(ids(&got.findings), [id("medium", 7, 19, "gzip > url", 0)]);
    // A base64 blob inside a query parameter, its `+/=` escaped.
    let blob = b64(LETTER.as_bytes())
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let text = format!("https://x.example/upload?file={blob}&t=1");
    let got = scan(text.as_bytes());
    assert_eq!(
        ids(&got.findings),
        [id("high", 14, 26, "base64", 25)],
        "found once, as the base64 follower found it"
    );
    assert_chunking_invariant(text.as_bytes());
    // An escape at the blob's start (`/…` is `%2F…`) leaves the follower
    // a misaligned run (`2F…`): only the `url` layer's base64 finds the
    // letter.
    let data = [&b"\xfc"[..], LETTER.as_bytes()].concat();
    let blob = b64(&data);
    assert!(blob.starts_with('/'), "{blob}");
    let text = format!(
        "https://x.example/upload?file={}&t=1",
        blob.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D")
    );
    let got = scan(text.as_bytes());
    assert_eq!(ids(&got.findings), [id("high", 15, 27, "url > base64", 0)]);
    assert_chunking_invariant(text.as_bytes());
}

#[test]
fn the_decoded_total_limits_url_decoding_with_a_notice() {
    // 14 decoded bytes, then 14 more would pass 20.
    let limits = Limits { max_decoded_bytes: 20, ..Limits::default() };
    let text = b"a=%31%32%33%34%35%36%37%38%39%30%31%32 q=943+476+5919 c=%31";
    let mut got = Collected::default();
    Decoder::with_limits(Engine::default(), limits).scan_into(text, &mut got);
    assert!(got.findings.is_empty());
    assert_eq!(
        got.notices.iter().map(|n| (n.limit, n.source)).collect::<Vec<_>>(),
        [("max_decoded_bytes", "url")],
        "said once"
    );
}

// ---------------------------------------------------------------- unwrap

#[test]
fn weaker_lowers_one_level_and_drops_low() {
    assert_eq!(weaker(Confidence::High), Some(Confidence::Medium));
    assert_eq!(weaker(Confidence::Medium), Some(Confidence::Low));
    assert_eq!(weaker(Confidence::Low), None);
}

#[test]
fn a_number_wrapped_in_a_letter_is_found_a_level_lower() {
    let text = b"Dear Dr Smith, re NHS number 943 476\n5919, seen today.";
    let got = scan(text);
    assert!(Engine::default().scan(text).is_empty());
    // The candidate is the byte beyond the cut, the line's last 32
    // bytes (from offset 4) and the next line's first 14 and one more,
    // joined by a space: `r` + `e NHS number 943 476` + ` ` + `5919, seen
    // toda` + `y`.
    assert_eq!(ids(&got.findings), [id("medium", 26, 38, "unwrap", 3)]);
    assert!(got.notices.is_empty());
    assert_chunking_invariant(text);
    // Short, at the start of the input.
    let text = b"NHS number 943 476\n5919";
    assert_eq!(ids(&scan(text).findings), [id("medium", 11, 23, "unwrap", 0)]);
    assert_chunking_invariant(text);
}

#[test]
fn wrapped_numbers_in_quoted_replies_crlf_and_hard_wraps() {
    for (text, want) in [
        (
            &b"> Patient 943 476\n> 5919 was seen"[..],
            id("medium", 10, 22, "unwrap", 0),
        ),
        (
            b"On Monday you wrote:\r\n> > NHS 943 476\r\n> > 5919\r\n",
            id("medium", 8, 20, "unwrap", 22),
        ),
        (b"NHS 943 476\r\n5919\r\n", id("medium", 4, 16, "unwrap", 0)),
        (b"NHS 943-476\n5919", id("medium", 4, 16, "unwrap", 0)),
        (b"NHS 943\n476 5919", id("medium", 4, 16, "unwrap", 0)),
        (b"ref 9434765\n919 end", id("low", 4, 14, "unwrap", 0)),
        (b"9434765\n\t 919", id("low", 0, 10, "unwrap", 0)),
    ] {
        let got = scan(text);
        assert_eq!(
            ids(&got.findings),
            [want],
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_chunking_invariant(text);
    }
}

#[test]
fn unwrapping_never_reports_twice_or_joins_what_is_not_a_wrap() {
    for text in [
        // A number on one line, digits on the next: the plain scan's.
        &b"NHS 943 476 5919\n12 items"[..],
        b"NHS 9434765919\n2024-01-01 next",
        b"NHS 943 476 5919\r\n9990000018\r\n",
        // Not a wrap: a blank line, a line starting with a letter, a
        // quote prefix too long to be one, a longer run of digits.
        b"NHS 943 476\n\n5919",
        b"NHS 943 476\nx5919",
        b"NHS 943 476\n>>>>>>>>>>>>>>>>>5919",
        b"NHS 943\n47659191",
        b"tel +44 743 476\n5919",
    ] {
        let got = scan(text);
        assert_eq!(
            rows(&got.findings),
            rows(&Engine::default().scan(text)),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_chunking_invariant(text);
    }
}

#[test]
fn unwrapping_works_in_nested_layers_and_long_lines() {
    let text =
        format!("{}\nNHS number 943 476\n5919 end", "words ".repeat(40));
    let got = scan(text.as_bytes());
    assert_eq!(ids(&got.findings), [id("medium", 11, 23, "unwrap", 241)]);
    assert_chunking_invariant(text.as_bytes());
    // A long line before the break: the candidate starts 32 bytes back.
    let long = format!("{} NHS 943 476\n5919", "x".repeat(100));
    let got = scan(long.as_bytes());
    assert_eq!(ids(&got.findings), [id("medium", 26, 38, "unwrap", 79)]);
    assert_chunking_invariant(long.as_bytes());
    let json = format!("{{\"note\": \"{}\"}}", b64(text.as_bytes()));
    let got = scan(json.as_bytes());
    assert_eq!(
        ids(&got.findings),
        [id("medium", 11, 23, "base64 > unwrap", 10)]
    );
    assert_chunking_invariant(json.as_bytes());
    let doc = utf16("NHS 943 476\r\n5919\r\n", Endian::Little, true);
    assert_eq!(
        ids(&scan(&doc).findings),
        [id("medium", 4, 16, "utf16 > unwrap", 0)]
    );
}

#[test]
fn a_mixed_message_finds_each_form_once() {
    // Plain, base64, URL-encoded and wrapped, in one text.
    let text = format!(
        "From: a@example.org\r\n\r\nPatient NHS 999 000 0026 today.\r\n\
         Link: https://x.example/p?nhs=999%20000%200018\r\n\
         > Their NHS 943 476\r\n> 5919\r\nAttached: {}\r\n",
        b64(LETTER.as_bytes())
    );
    let got = scan(text.as_bytes());
    let paths: Vec<String> =
        ids(&got.findings).into_iter().map(|r| r.4).collect();
    // The text is an email (it starts with a header), so every layer is
    // inside its MIME body part.
    let mut want = vec![
        "mime:text/plain",
        "mime:text/plain > base64",
        "mime:text/plain > unwrap",
        "mime:text/plain > url",
    ];
    want.sort();
    let mut paths = paths;
    paths.sort();
    assert_eq!(paths, want);
    assert_chunking_invariant(text.as_bytes());
}

#[test]
fn every_wrap_of_a_number_is_found_once() {
    let breaks = ["\n", "\r\n", "\n> ", "\r\n>> ", "\n\t"];
    let mut cases = Vec::new();
    // A contiguous number cut after each of its first nine digits.
    for k in 1..10 {
        for br in breaks {
            cases.push(format!(
                "NHS no. {}{br}{} on file",
                &"9434765919"[..k],
                &"9434765919"[k..]
            ));
        }
    }
    // A grouped number whose first or second separator is the break.
    for sep in [" ", "-", "."] {
        for br in breaks {
            cases.push(format!("NHS no. 943{br}476{sep}5919 on file"));
            cases.push(format!("NHS no. 943{sep}476{br}5919 on file"));
        }
    }
    for text in &cases {
        let got = scan(text.as_bytes());
        let found = ids(&got.findings);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        assert_eq!(found[0].4, "unwrap", "{text:?}");
        assert_eq!(found[0].3, "medium", "{text:?}: `NHS no.` is context");
    }
    for text in cases.iter().step_by(7) {
        assert_chunking_invariant(text.as_bytes());
    }
}

#[test]
fn random_text_over_a_hostile_alphabet_is_chunking_invariant() {
    // Digits, breaks, quote prefixes, escapes, plus signs, hex and
    // base64 letters: every follower's state machine, in small inputs.
    let alphabet = b"0123456789999\n\n\r> %%++2041Ffz=/ \tNHS";
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..150 {
        let len = 20 + (next() % 100) as usize;
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        assert_chunking_invariant(&text);
    }
}

#[test]
fn url_encoded_forms_the_plain_scan_misses() {
    // An NHSmail address with its `@` escaped is the url layer's; the
    // number after a `+` (a form's space) the plain scan finds already,
    // and it is reported once.
    let text =
        b"log: GET /login?user=jo.bloggs%40nhs.net&q=NHS+9434765919 HTTP/1.1";
    let got = scan(text);
    let mut kinds: Vec<(String, String)> = got
        .findings
        .iter()
        .map(|f| {
            let path = f.layer.as_ref().map_or("", |l| l.path.as_str());
            (f.kind.to_string(), path.to_string())
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("nhs_email".to_string(), "url".to_string()),
            ("nhs_number".to_string(), String::new())
        ]
    );
    assert_chunking_invariant(text);
}

/// `is_encoded`, the slow way: decode the whole token, marking what each
/// byte came from (0 kept, 1 escape, 2 plus), then apply the rules.
fn is_encoded_oracle(token: &[u8]) -> bool {
    let hex = |b: Option<&u8>| {
        b.and_then(|&b| char::from(b).to_digit(16)).map(|d| d as u8)
    };
    let mut out: Vec<(u8, u8)> = Vec::new();
    let mut i = 0;
    while i < token.len() {
        match (token[i], hex(token.get(i + 1)), hex(token.get(i + 2))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l, 1));
                i += 3;
                continue;
            }
            (b'+', ..) => out.push((b' ', 2)),
            (b, ..) => out.push((b, 0)),
        }
        i += 1;
    }
    let digit =
        |k: usize| out.get(k).is_some_and(|&(b, _)| b.is_ascii_digit());
    let b64 = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
    };
    (0..out.len()).any(|k| {
        let (b, made) = out[k];
        let around = (k > 0 && digit(k - 1)) || digit(k + 1);
        match made {
            1 => {
                if b.is_ascii_digit() || b == b'@' || around {
                    return true;
                }
                // In a long base64 run?
                let (mut lo, mut hi) = (k, k);
                while lo > 0 && b64(out[lo - 1].0) {
                    lo -= 1;
                }
                while hi < out.len() && b64(out[hi].0) {
                    hi += 1;
                }
                b64(b) && hi - lo >= crate::MIN_BASE64_RUN
            }
            2 => k > 0 && digit(k - 1) && digit(k + 1),
            _ => false,
        }
    })
}

#[test]
fn is_encoded_agrees_with_a_slow_oracle() {
    let alphabet = b"%%%++0123456789aFfz2B3D@.=/-_ ";
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..20_000 {
        let len = if n % 10 == 0 { 40 + next() % 40 } else { next() % 12 };
        let token: Vec<u8> = (0..len)
            .map(|_| {
                // Long tokens are mostly base64 letters, to make runs.
                if n % 10 == 0 && next() % 8 != 0 {
                    b"QUJDRGVmZ2g0NTY3"[(next() % 16) as usize]
                } else {
                    alphabet[(next() % alphabet.len() as u64) as usize]
                }
            })
            .collect();
        assert_eq!(
            is_encoded(&token),
            is_encoded_oracle(&token),
            "{:?}",
            String::from_utf8_lossy(&token)
        );
    }
}
