//! The decoding layers: each alone, nested, chunked every way, and the
//! limits against bombs and malformed input.

use std::io::Write;

use base64::Engine as _;
use caldicott_core::{Engine, Finding, Notice};
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;

use crate::{Collected, Decoder, Limits};

/// A letter with a synthetic NHS number, at offset 11..23.
const LETTER: &[u8] = b"NHS number 943 476 5919 for the referral, seen today.";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// (kind, start, end, path, layer start) of each finding.
fn plain(found: &[Finding]) -> Vec<(String, u64, u64, String, u64)> {
    found
        .iter()
        .map(|f| {
            let (path, start) = f
                .layer
                .as_ref()
                .map_or((String::new(), 0), |l| (l.path.clone(), l.start));
            (f.kind.to_string(), f.start, f.end, path, start)
        })
        .collect()
}

fn scan(input: &[u8]) -> Collected {
    let mut c = Collected::default();
    Decoder::new(Engine::default()).scan_into(input, &mut c);
    c
}

/// The chunkings the invariance checks try on an input of `len` bytes:
/// one byte at a time, a few odd sizes, and two pieces split at `splits`
/// points spread over the input.
pub(crate) fn chunkings(len: usize, splits: usize) -> Vec<Vec<usize>> {
    let mut all: Vec<Vec<usize>> =
        vec![vec![1], vec![2], vec![3], vec![7, 1, 64], vec![4096]];
    let step = (len / splits.max(1)).max(1);
    all.extend((1..len).step_by(step).map(|at| vec![at, len]));
    all
}

/// `input` pushed through a fresh stream of `decoder` in chunks of
/// `sizes` (cycled), then finished: what came out.
pub(crate) fn streamed(
    decoder: &Decoder,
    input: &[u8],
    sizes: &[usize],
) -> Collected {
    let mut got = Collected::default();
    let mut stream = decoder.stream();
    let (mut pos, mut i) = (0, 0);
    while pos < input.len() {
        let n = sizes[i % sizes.len()].min(input.len() - pos);
        stream.push(&input[pos..pos + n], &mut got).unwrap();
        pos += n;
        i += 1;
    }
    stream.finish(&mut got).unwrap();
    got
}

/// Every split point and a few chunkings give what the one-shot scan
/// gives, notices included.
fn assert_chunking_invariant(decoder: &Decoder, input: &[u8]) {
    let mut whole = Collected::default();
    decoder.scan_into(input, &mut whole);
    for sizes in chunkings(input.len(), 200) {
        let got = streamed(decoder, input, &sizes);
        assert_eq!(plain(&got.findings), plain(&whole.findings), "{sizes:?}");
        assert_eq!(got.notices, whole.notices, "{sizes:?}");
    }
}

#[test]
fn plain_text_is_scanned_as_the_engine_scans_it() {
    let text = b"Patient 943 476 5919 and order=6414882151 \n a,b\n";
    let engine = Engine::default();
    assert_eq!(plain(&scan(text).findings), plain(&engine.scan(text)));
    assert!(scan(text).notices.is_empty());
    // Short inputs (under SNIFF_LEN) too.
    assert_eq!(plain(&scan(b"NHS 9434765919").findings).len(), 1);
    assert!(scan(b"").findings.is_empty());
}

#[test]
fn gzip_and_zlib_are_decoded() {
    for (input, name) in [(gzip(LETTER), "gzip"), (zlib(LETTER), "zlib")] {
        let got = scan(&input);
        assert_eq!(
            plain(&got.findings),
            vec![("nhs_number".into(), 11, 23, name.into(), 0)],
            "{name}"
        );
        assert!(got.notices.is_empty(), "{:?}", got.notices);
        assert_chunking_invariant(&Decoder::new(Engine::default()), &input);
    }
}

#[test]
fn text_starting_like_zlib_is_text() {
    // `x^` is a valid zlib header; the text after it is not compressed.
    let text = b"x^2 + y^2 = r^2, patient NHS 943 476 5919";
    assert_eq!(
        plain(&scan(text).findings),
        plain(&Engine::default().scan(text))
    );
}

#[test]
fn base64_blobs_in_text_json_and_mime_lines() {
    let blob = b64(LETTER);
    let json = format!("{{\"file\": \"{blob}\", \"n\": 1}}");
    let got = scan(json.as_bytes());
    assert_eq!(
        plain(&got.findings),
        vec![("nhs_number".into(), 11, 23, "base64".into(), 10)]
    );
    // MIME wraps at 76 (PEM at 64); here at 64, CRLF.
    let long = b64(&[LETTER, LETTER].concat());
    let wrapped: Vec<String> = long
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into())
        .collect();
    let mime = format!(
        "Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\r\nbye",
        wrapped.join("\r\n")
    );
    let got = scan(mime.as_bytes());
    assert_eq!(got.findings.len(), 2, "{:?}", plain(&got.findings));
    assert!(got
        .findings
        .iter()
        .all(|f| f.layer.as_ref().unwrap().path == "base64"));
    assert_chunking_invariant(
        &Decoder::new(Engine::default()),
        mime.as_bytes(),
    );
    // Runs shorter than MIN_BASE64_RUN are words, not blobs.
    let short = b64(b"NHS 9434765919");
    assert!(scan(short.as_bytes()).findings.is_empty());
}

#[test]
fn layers_nest_and_record_their_path() {
    // A gzip'd letter, base64'd, in JSON.
    let json = format!("{{\"upload\":\"{}\"}}", b64(&gzip(LETTER)));
    let got = scan(json.as_bytes());
    assert_eq!(
        plain(&got.findings),
        vec![("nhs_number".into(), 11, 23, "base64 > gzip".into(), 11)]
    );
    assert_chunking_invariant(
        &Decoder::new(Engine::default()),
        json.as_bytes(),
    );
    // And the JSON itself gzip'd.
    let outer = gzip(json.as_bytes());
    let got = scan(&outer);
    assert_eq!(
        plain(&got.findings),
        vec![("nhs_number".into(), 11, 23, "gzip > base64 > gzip".into(), 0)]
    );
}

#[test]
fn depth_is_limited_and_reported() {
    let mut data = LETTER.to_vec();
    for _ in 0..12 {
        data = gzip(&data);
    }
    let got = scan(&data);
    assert!(got.findings.is_empty());
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert_eq!(got.notices[0].limit, "max_depth");
    let shallow = Decoder::with_limits(
        Engine::default(),
        Limits { max_depth: 20, ..Limits::default() },
    );
    assert_eq!(shallow.scan(&data).len(), 1);
}

#[test]
fn a_gzip_bomb_stops_with_a_notice_and_keeps_findings() {
    // The letter, then 200 MB of zeros: 1,000× and more.
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(LETTER).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 300_000, "{}", bomb.len());
    let decoder = Decoder::new(Engine::default());
    let mut got = Collected::default();
    let mut stream = decoder.stream();
    stream.push(&bomb, &mut got).unwrap();
    stream.finish(&mut got).unwrap();
    assert_eq!(got.findings.len(), 1, "the letter before the zeros");
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["max_expansion_ratio"]);
    // It stopped near the limit: 100× the 64 KiB floor, plus one piece.
    assert!(
        stream.decoded_bytes() <= 100 * 64 * 1024 + (1 << 20),
        "{}",
        stream.decoded_bytes()
    );
}

#[test]
fn the_decoded_total_is_limited() {
    let limits = Limits { max_decoded_bytes: 10, ..Limits::default() };
    let got = {
        let mut c = Collected::default();
        Decoder::with_limits(Engine::default(), limits)
            .scan_into(&gzip(LETTER), &mut c);
        c
    };
    // Nothing is decoded; the gzip's own bytes are then scanned as text
    // (a short gzip stores its text as literal bytes, so the number may be
    // found there, outside any layer).
    assert!(
        got.findings.iter().all(|f| f.layer.is_none()),
        "{:?}",
        plain(&got.findings)
    );
    assert_eq!(
        got.notices.iter().map(|n| n.limit).collect::<Vec<_>>(),
        ["max_decoded_bytes"]
    );
}

#[test]
fn base64_over_the_decoded_limit_is_reported_once() {
    let blob = b64(LETTER);
    let json = format!("{{\"a\": \"{blob}\", \"b\": \"{blob}\"}}");
    let limits = Limits { max_decoded_bytes: 20, ..Limits::default() };
    let mut got = Collected::default();
    Decoder::with_limits(Engine::default(), limits)
        .scan_into(json.as_bytes(), &mut got);
    assert!(got.findings.is_empty(), "{:?}", plain(&got.findings));
    let notices: Vec<_> =
        got.notices.iter().map(|n| (n.source, n.limit, n.offset)).collect();
    assert_eq!(notices, [("base64", "max_decoded_bytes", 7)]);
}

/// Notices from scanning `text` with a decoded-bytes limit of 10: a run
/// that is decoded at all trips it.
fn decoded_at_all(text: &[u8]) -> bool {
    let limits = Limits { max_decoded_bytes: 10, ..Limits::default() };
    let mut got = Collected::default();
    Decoder::with_limits(Engine::default(), limits).scan_into(text, &mut got);
    !got.notices.is_empty()
}

#[test]
fn hex_runs_are_not_decoded_as_base64() {
    let sha256 =
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert!(!decoded_at_all(format!("digest sha256:{sha256} ok").as_bytes()));
    let sha512 = sha256.repeat(2);
    assert!(!decoded_at_all(format!("{sha512}\n").as_bytes()));
    // The same length of base64 that is not all hex digits is decoded.
    let random: Vec<u8> = (0..48u32).map(|i| (i * 37 + 11) as u8).collect();
    assert!(decoded_at_all(format!("x {} y", b64(&random)).as_bytes()));
}

#[test]
fn a_digit_never_starts_a_group_decoded_from_hex_digits() {
    // Why skipping all-hex runs hides no number, NINO or postcode: every
    // 3-byte group decoded from hex-digit characters starts with a byte
    // that is not a digit, a capital or a space, so no three of those in
    // a row come out of such a run.
    let alphabet =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let index = |c: u8| alphabet.iter().position(|&a| a == c).unwrap() as u8;
    for c0 in (0..=255u8).filter(u8::is_ascii_hexdigit) {
        for c1 in (0..=255u8).filter(u8::is_ascii_hexdigit) {
            let first = (index(c0) << 2) | (index(c1) >> 4);
            assert!(
                !(first.is_ascii_digit()
                    || first.is_ascii_uppercase()
                    || first == b' '),
                "{}{}",
                c0 as char,
                c1 as char
            );
        }
    }
}

#[test]
fn hex_looking_padding_cannot_hide_a_blob() {
    // NUL bytes encode to `A`s, which are hex digits: a short run of them
    // is followed by other characters, a long one outgrows MAX_HEX_RUN;
    // either way the blob is decoded and the number found.
    for pad in [30, crate::MAX_HEX_RUN, 2000] {
        let blob = b64(&[&vec![0u8; pad][..], LETTER].concat());
        let text = format!("payload: {blob}\n");
        let got = scan(text.as_bytes());
        assert_eq!(
            plain(&got.findings),
            vec![(
                "nhs_number".into(),
                pad as u64 + 11,
                pad as u64 + 23,
                "base64".into(),
                9
            )],
            "padding {pad}"
        );
        assert_chunking_invariant(
            &Decoder::new(Engine::default()),
            text.as_bytes(),
        );
    }
}

#[test]
fn wrapped_base64_whose_first_lines_look_like_hex_is_decoded_whole() {
    // 120 zero bytes (a preamble) encode to 160 `A`s: the first two
    // 76-character lines are all hex digits.
    let data = [&[0u8; 120][..], LETTER].concat();
    let blob = b64(&data);
    let lines: Vec<&str> = blob
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let text =
        format!("attachment follows\r\n{}\r\n\r\nbye", lines.join("\r\n"));
    let got = scan(text.as_bytes());
    assert_eq!(
        plain(&got.findings),
        vec![("nhs_number".into(), 131, 143, "base64".into(), 20)]
    );
    assert_chunking_invariant(
        &Decoder::new(Engine::default()),
        text.as_bytes(),
    );
    // A hash that ends its line, with a blank line or punctuation after
    // it, is still not decoded.
    let hash =
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert!(!decoded_at_all(format!("{hash}\n\nNext\n").as_bytes()));
    assert!(!decoded_at_all(format!("{hash}\n* next item\n").as_bytes()));
}

#[test]
fn followers_share_the_decoded_limit_the_same_way_however_chunked() {
    // A URL token and a base64 blob in one piece, and room to decode only
    // one of them: which one does not depend on the chunking.
    let limits = Limits { max_decoded_bytes: 72, ..Limits::default() };
    let text = format!(
        "{}q=NHS%20943%20476%205919&x {} b\n",
        " ".repeat(32),
        b64(LETTER)
    );
    assert_chunking_invariant(
        &Decoder::with_limits(Engine::default(), limits.clone()),
        text.as_bytes(),
    );
    let mut got = Collected::default();
    Decoder::with_limits(Engine::default(), limits)
        .scan_into(text.as_bytes(), &mut got);
    assert_eq!(got.findings.len(), 1, "{:?}", plain(&got.findings));
    assert_eq!(got.notices.len(), 1);
}

#[test]
fn truncated_and_corrupt_gzip_report_and_keep_what_decoded() {
    let mut long = LETTER.to_vec();
    long.extend(std::iter::repeat_n(b'.', 100_000));
    let z = gzip(&long);
    for cut in [10, z.len() / 2, z.len() - 4] {
        let got = scan(&z[..cut]);
        let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
        assert_eq!(limits, ["malformed"], "cut at {cut}");
        assert!(
            got.notices[0].message.contains("gzip"),
            "{}",
            got.notices[0].message
        );
        if cut > 100 {
            assert_eq!(got.findings.len(), 1, "cut at {cut}");
        }
    }
    let mut bad = z.clone();
    bad[20] ^= 0xff;
    let got = scan(&bad);
    assert!(got.notices.iter().any(|n| n.limit == "malformed"));
}

#[test]
fn bad_base64_ends_the_blob_quietly() {
    // A long run that is not base64 at all decodes to noise: no finding,
    // no panic.
    let run = "A".repeat(47) + "!" + &"B".repeat(100);
    let got = scan(run.as_bytes());
    assert!(got.findings.is_empty());
    let noise: Vec<u8> =
        (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let _ = scan(&noise);
    let _: Vec<Notice> = scan(&noise).notices;
}

#[test]
fn bytes_after_a_gzip_member_keep_what_was_decoded() {
    // Found by the Python tests: trailing bytes made the write fail before
    // the decoded text was handed on, in one push but not in small ones.
    let mut input = gzip(LETTER);
    input.extend_from_slice(&[b'0'; 30]);
    let got = scan(&input);
    let in_gzip = got.findings.iter().filter(|f| f.layer.is_some()).count();
    assert_eq!(in_gzip, 1, "{:?}", got.notices);
    assert_chunking_invariant(&Decoder::new(Engine::default()), &input);
}

#[test]
fn corrupt_gzip_gives_the_same_answer_however_chunked() {
    let z = gzip(LETTER);
    for at in 3..z.len().min(40) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = z.clone();
            bad[at] ^= flip;
            assert_chunking_invariant(&Decoder::new(Engine::default()), &bad);
        }
    }
}

/// A decoder that gives up (here, an HTTP stream past the limit on parts)
/// leaves the rest of its layer to be scanned as text: every number that
/// plain-text scanning finds is still found, whatever the chunking.
#[test]
fn the_rest_of_a_layer_a_decoder_gave_up_on_is_scanned_as_text() {
    let mut input = Vec::new();
    for i in 0..10 {
        input.extend_from_slice(
            format!(
                "POST /u/{i} HTTP/1.1\r\nContent-Length: 23\r\n\r\nNHS 943 476 5919 ok {i:02}\r\n"
            )
            .as_bytes(),
        );
    }
    let decoder = Decoder::with_limits(
        Engine::default(),
        Limits { max_parts: 4, ..Limits::default() },
    );
    let mut got = Collected::default();
    decoder.scan_into(&input, &mut got);
    assert_eq!(
        got.notices.iter().map(|n| n.limit).collect::<Vec<_>>(),
        ["max_parts"]
    );
    let plain_count = Engine::default().scan(&input).len();
    assert!(
        got.findings.len() >= plain_count,
        "{} < {plain_count}",
        got.findings.len()
    );
    // The last message's number is found, outside the http layer.
    let needle = b"943 476 5919";
    let last =
        input.windows(needle.len()).rposition(|w| w == needle).unwrap() as u64;
    assert!(
        got.findings.iter().any(|f| f.layer.is_none() && f.start == last),
        "{:?}",
        plain(&got.findings)
    );
    assert_chunking_invariant(&decoder, &input);
}
