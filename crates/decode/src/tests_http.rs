//! HTTP messages, multipart bodies, mail (MIME) and quoted-printable: each
//! alone and nested, chunked every way, malformed, and at their limits.

use std::io::Write;

use base64::Engine as _;
use caldicott_core::{Engine, Finding};
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;

use crate::decoder::brotli::Brotli;
use crate::decoder::http::{is_http, MAX_HTTP_HEADER_BYTES};
use crate::decoder::mime::{decode_words, is_mime, Params, MAX_HEADER_BYTES};
use crate::decoder::multipart::{is_multipart, MAX_BOUNDARY_LEN};
use crate::decoder::{DecodeError, Decoder as _, Output};
use crate::{Collected, Decoder, Limits};

/// A letter with a synthetic NHS number, at offset 11..23.
const LETTER: &[u8] = b"NHS number 943 476 5919 for the referral, seen today.";

/// A CSV export with two synthetic NHS numbers.
const CSV: &[u8] = b"id,nhs_number,clinic\n1,943 476 5919,cardiology\n\
                     2,9990000018,renal\n";

/// A browser's form boundary.
const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

/// `data`, gzip'd.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `data` in base64, in 76-character lines as MIME writes it.
fn b64_lines(data: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: Vec<&str> = s
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join("\r\n")
}

/// (kind, start, end, path) of each finding.
fn plain(found: &[Finding]) -> Vec<(String, u64, u64, String)> {
    found
        .iter()
        .map(|f| {
            let path =
                f.layer.as_ref().map_or(String::new(), |l| l.path.clone());
            (f.kind.to_string(), f.start, f.end, path)
        })
        .collect()
}

/// What the engine finds in `content`, as if found at `path`.
fn expect(content: &[u8], path: &str) -> Vec<(String, u64, u64, String)> {
    Engine::default()
        .scan(content)
        .iter()
        .map(|f| (f.kind.to_string(), f.start, f.end, path.to_string()))
        .collect()
}

/// NHS-number findings only, (start, end, path).
fn nhs(found: &[Finding]) -> Vec<(u64, u64, String)> {
    plain(found)
        .into_iter()
        .filter(|(k, ..)| k == "nhs_number")
        .map(|(_, s, e, p)| (s, e, p))
        .collect()
}

/// Scans `input` with the default limits.
fn scan(input: &[u8]) -> Collected {
    scan_with(Limits::default(), input)
}

/// Scans `input` with `limits`.
fn scan_with(limits: Limits, input: &[u8]) -> Collected {
    let mut c = Collected::default();
    Decoder::with_limits(Engine::default(), limits).scan_into(input, &mut c);
    c
}

/// The notices' limit names and messages.
fn notices(c: &Collected) -> Vec<(&'static str, String)> {
    c.notices.iter().map(|n| (n.limit, n.message.clone())).collect()
}

/// Every split point (for small inputs) and a few chunkings give what the
/// one-shot scan gives, notices included.
fn assert_chunking_invariant(input: &[u8]) {
    let decoder = Decoder::new(Engine::default());
    let mut whole = Collected::default();
    decoder.scan_into(input, &mut whole);
    for sizes in crate::tests::chunkings(input.len(), 200) {
        let got = crate::tests::streamed(&decoder, input, &sizes);
        assert_eq!(plain(&got.findings), plain(&whole.findings), "{sizes:?}");
        assert_eq!(got.notices, whole.notices, "{sizes:?}");
    }
}

/// A form upload: a text field and a gzip'd CSV file.
fn upload() -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"note\"\r\n\r\n\
         see attached\r\n\
         --{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"export.csv.gz\"\r\n\
         Content-Type: application/gzip\r\n\r\n"
    )
    .into_bytes();
    body.extend(gzip(CSV));
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut msg = format!(
        "POST /upload HTTP/1.1\r\nHost: example.org\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    msg.extend(body);
    msg
}

#[test]
fn a_multipart_upload_of_a_gzipped_csv() {
    let msg = upload();
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        plain(&got.findings),
        expect(CSV, "http > multipart:export.csv.gz > gzip")
    );
    assert_eq!(nhs(&got.findings).len(), 2);
    assert_chunking_invariant(&msg);
}

/// A response body in chunks, with an extension and a trailer.
fn chunked(headers: &str, body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut msg = format!(
        "HTTP/1.1 200 OK\r\n{headers}Transfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        let ext = if i == 1 { ";name=\"x\"" } else { "" };
        msg.extend(format!("{n:x}{ext}\r\n").as_bytes());
        msg.extend(&rest[..n]);
        msg.extend(b"\r\n");
        rest = &rest[n..];
        i += 1;
    }
    msg.extend(b"0\r\nX-Checksum: abc\r\n\r\n");
    msg
}

#[test]
fn a_chunked_gzip_response() {
    let msg = chunked(
        "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
        &gzip(LETTER),
        &[10, 7, 100],
    );
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 23, "http > gzip".to_string())]);
    assert_chunking_invariant(&msg);
    // Upper-case hex, bare LF line ends: tolerated.
    let msg = b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n\
                1A\nNHS number 943 476 5919 ok\n0\n\n";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_chunking_invariant(msg);
}

#[test]
fn a_form_post_is_percent_decoded() {
    let body = "nhs=943+476+5919&alt=943%20476%205919&x=%zz";
    let msg = format!(
        "POST /submit HTTP/1.1\r\nHost: example.org\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let got = scan(msg.as_bytes());
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [(4, 16, "http:form".to_string()), (21, 33, "http:form".to_string())]
    );
    // Raw, neither is found.
    assert!(Engine::default().scan(body.as_bytes()).is_empty());
    assert_chunking_invariant(msg.as_bytes());
}

#[test]
fn a_query_string_is_decoded_in_the_head() {
    let msg = b"GET /search?nhs=943+476+5919&q=a%2Fb HTTP/1.1\r\n\
                Host: example.org\r\nCookie: patient=9990000018\r\n\r\n";
    let got = scan(msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [(16, 28, "http".to_string()), (80, 90, "http".to_string())]
    );
    assert_chunking_invariant(msg);
}

#[test]
fn pipelined_messages_are_each_decoded() {
    let form = "nhs=943+476+5919";
    let gz = gzip(LETTER);
    let mut stream = format!(
        "GET /a?id=9990000018 HTTP/1.1\r\nHost: h\r\n\r\n\
         POST /f HTTP/1.1\r\nHost: h\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{form}\r\n\
         PUT /g HTTP/1.1\r\nContent-Encoding: gzip\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        form.len(),
        gz.len()
    )
    .into_bytes();
    stream.extend(&gz);
    stream.extend(b"\r\n0\r\n\r\nDELETE /x/9990000026 HTTP/1.1\r\n\r\n");
    let got = scan(&stream);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    let paths: Vec<String> =
        nhs(&got.findings).into_iter().map(|f| f.2).collect();
    assert_eq!(paths, ["http", "http:form", "http > gzip", "http"]);
    assert_chunking_invariant(&stream);
}

#[test]
fn responses_without_bodies_and_to_the_end() {
    // 100 Continue and 304 have no body; the last response runs to the
    // end of the stream.
    let stream = b"HTTP/1.1 100 Continue\r\n\r\n\
                   HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n\
                   HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n\
                   NHS number 943 476 5919 for the referral.";
    let got = scan(stream);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    assert_chunking_invariant(stream);
}

#[test]
fn deflate_bodies_raw_and_zlib() {
    let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
    raw.write_all(LETTER).unwrap();
    let raw = raw.finish().unwrap();
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
    zlib.write_all(LETTER).unwrap();
    let zlib = zlib.finish().unwrap();
    for body in [raw, zlib] {
        let mut msg = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        msg.extend(&body);
        let got = scan(&msg);
        assert!(got.notices.is_empty(), "{:?}", notices(&got));
        assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
        assert_chunking_invariant(&msg);
    }
}

/// `data`, brotli'd (quality 5, a 4 MiB window).
fn br(data: &[u8]) -> Vec<u8> {
    let mut e = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
    e.write_all(data).unwrap();
    e.into_inner()
}

/// A response with `headers` and `body`, its Content-Length given.
fn response(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut msg = format!(
        "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    msg.extend(body);
    msg
}

/// The letter, then `lines` lines of pseudo-random words (which
/// compress about 2:1, so the brotli body spans several of the
/// decoder's 4 KiB input blocks), then the CSV.
fn long_letter(lines: usize) -> Vec<u8> {
    let mut rng = Rng(0x2545_f491);
    let mut text = LETTER.to_vec();
    text.push(b'\n');
    for _ in 0..lines {
        for _ in 0..8 {
            for _ in 0..=rng.below(8) {
                text.push(b'a' + rng.below(26) as u8);
            }
            text.push(b' ');
        }
        text.push(b'\n');
    }
    text.extend(CSV);
    text
}

#[test]
fn brotli_bodies_in_a_response_and_a_request() {
    let msg = response(
        "Content-Type: text/csv\r\nContent-Encoding: br\r\n",
        &br(CSV),
    );
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(plain(&got.findings), expect(CSV, "http"));
    assert_eq!(nhs(&got.findings).len(), 2);
    assert_chunking_invariant(&msg);
    // Raw, the body shows no number.
    assert!(Engine::default().scan(&br(CSV)).is_empty());

    let body = br(LETTER);
    let mut msg = format!(
        "POST /letters HTTP/1.1\r\nHost: example.org\r\n\
         Content-Type: text/plain\r\nContent-Encoding: br\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    msg.extend(&body);
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    assert_chunking_invariant(&msg);
}

#[test]
fn a_chunked_brotli_response() {
    let msg = chunked(
        "Content-Type: text/csv\r\nContent-Encoding: br\r\n",
        &br(CSV),
        &[10, 7, 100],
    );
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(plain(&got.findings), expect(CSV, "http"));
    assert_chunking_invariant(&msg);
    // A body of several 4 KiB blocks, in chunks that straddle them.
    let text = long_letter(2000);
    let body = br(&text);
    assert!(body.len() > 3 * 4096, "{}", body.len());
    let msg = chunked("Content-Encoding: br\r\n", &body, &[1000, 3333]);
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(plain(&got.findings), expect(&text, "http"));
    assert_eq!(nhs(&got.findings).len(), 3);
    assert_chunking_invariant(&msg);
}

#[test]
fn brotli_under_gzip_and_other_codings() {
    // gzip first, then br: brotli is undone here, gzip by its layer.
    let msg = response("Content-Encoding: gzip, br\r\n", &br(&gzip(LETTER)));
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 23, "http > gzip".to_string())]);
    assert_chunking_invariant(&msg);
    // br under gzip cannot be sniffed: noted, not decoded.
    let msg = response("Content-Encoding: br, gzip\r\n", &gzip(&br(LETTER)));
    let got = scan(&msg);
    assert!(nhs(&got.findings).is_empty());
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].1.contains("unsupported content encoding `br, gzip`"),
        "{}",
        n[0].1
    );
}

#[test]
fn truncated_and_corrupt_brotli_keep_what_came_before() {
    let text = long_letter(2000);
    let body = br(&text);
    let headers = "Content-Type: text/plain\r\nContent-Encoding: br\r\n";
    // Cut in the middle, the letter is found and the CSV at the end is
    // not; cut by a byte, only the empty last meta-block is lost.
    for (cut, found) in [(body.len() / 2, 1), (body.len() - 1, 3)] {
        let msg = response(headers, &body[..cut]);
        let got = scan(&msg);
        let nhs = nhs(&got.findings);
        assert_eq!(nhs.len(), found, "{nhs:?}");
        assert_eq!(nhs[0], (11, 23, "http".to_string()));
        let n = notices(&got);
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0].0, "malformed");
        assert!(
            n[0].1.contains("br body: the brotli stream is cut short"),
            "{}",
            n[0].1
        );
        assert_chunking_invariant(&msg);
    }
    // Corrupt from the middle on: the letter is found, the damage noted.
    // (Brotli has no checksum: damage that still decodes, a changed
    // literal, goes unnoticed, as it would in a browser.)
    let mut bad = body.clone();
    let half = bad.len() / 2;
    bad[half..].fill(0x0f);
    let msg = response(headers, &bad);
    let got = scan(&msg);
    assert_eq!(nhs(&got.findings)[0], (11, 23, "http".to_string()));
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, "malformed");
    assert!(n[0].1.contains("br body: corrupt brotli data"), "{}", n[0].1);
    assert_chunking_invariant(&msg);
    // Not brotli at all.
    let msg = response(headers, b"NHS number 943 476 5919, not compressed");
    let got = scan(&msg);
    assert!(nhs(&got.findings).is_empty());
    assert!(notices(&got)[0].1.contains("br body: "), "{:?}", notices(&got));
    // Bytes after the end of the stream.
    let mut extra = br(LETTER);
    extra.extend(b"trailing");
    let msg = response(headers, &extra);
    let got = scan(&msg);
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    assert!(
        notices(&got)[0].1.contains("after the end of the brotli stream"),
        "{:?}",
        notices(&got)
    );
    assert_chunking_invariant(&msg);
}

#[test]
fn corrupt_brotli_decodes_the_same_however_chunked() {
    let body = br(&long_letter(300));
    let msg = response("Content-Encoding: br\r\n", &body);
    let start = msg.len() - body.len();
    let mut rng = Rng(0x0bad_5eed);
    for _ in 0..40 {
        let mut bad = msg.clone();
        let at = start + rng.below(body.len());
        bad[at] ^= 1 << rng.below(8);
        assert_chunking_invariant(&bad);
    }
    // And every cut and a few hundred corruptions are survived.
    for cut in 0..msg.len() {
        let _ = scan(&msg[..cut]);
    }
    for _ in 0..300 {
        let mut bad = msg.clone();
        for _ in 0..=rng.below(4) {
            let at = start + rng.below(body.len());
            bad[at] = rng.next() as u8;
        }
        let _ = scan(&bad);
    }
}

#[test]
fn a_brotli_bomb_stops_with_a_notice_and_keeps_findings() {
    // The letter, then 200 MB of zeros: far past 1,000×.
    let mut e = brotli::CompressorWriter::new(Vec::new(), 1 << 16, 1, 24);
    e.write_all(LETTER).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.into_inner();
    assert!(bomb.len() < 300_000, "{}", bomb.len());
    let msg = response("Content-Encoding: br\r\n", &bomb);
    let decoder = Decoder::new(Engine::default());
    let mut got = Collected::default();
    let mut stream = decoder.stream();
    stream.push(&msg, &mut got).unwrap();
    stream.finish(&mut got).unwrap();
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["max_expansion_ratio"]);
    // It stopped near the limit: 100× the 64 KiB floor, plus one piece.
    assert!(
        stream.decoded_bytes() <= 100 * 64 * 1024 + (1 << 20),
        "{}",
        stream.decoded_bytes()
    );
    // Where it stops does not depend on the chunking.
    assert_chunking_invariant(&msg);
}

#[test]
fn a_large_window_brotli_stream_is_refused() {
    // Large-window brotli (windows to 1 GiB) is not RFC 7932 and no HTTP
    // server sends it: decoding it would allow a 1 GiB ring buffer.
    let params = brotli::enc::BrotliEncoderParams {
        large_window: true,
        lgwin: 26,
        quality: 5,
        ..Default::default()
    };
    let mut e =
        brotli::CompressorWriter::with_params(Vec::new(), 4096, &params);
    e.write_all(LETTER).unwrap();
    let body = e.into_inner();
    let got = scan(&response("Content-Encoding: br\r\n", &body));
    assert!(nhs(&got.findings).is_empty(), "{:?}", nhs(&got.findings));
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].1.contains("br body: corrupt brotli data (format window bits)"),
        "{}",
        n[0].1
    );
}

/// An [`Output`] that counts what it is handed and refuses more past
/// `max` bytes.
struct Counting {
    total: usize,
    largest: usize,
    max: usize,
}

impl Output for Counting {
    fn data(&mut self, bytes: &[u8]) -> bool {
        self.total += bytes.len();
        self.largest = self.largest.max(bytes.len());
        self.total <= self.max
    }

    fn part(&mut self, _: &str, _: bool) -> bool {
        unreachable!("brotli has one part")
    }
}

#[test]
fn the_brotli_decoder_hands_on_bounded_pieces_and_stops() {
    // 64 MiB of zeros from a few hundred bytes: one push of all of it.
    let mut e = brotli::CompressorWriter::new(Vec::new(), 1 << 16, 1, 24);
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.into_inner();
    let mut out = Counting { total: 0, largest: 0, max: 10 << 20 };
    let mut d = Brotli::new();
    assert_eq!(d.push(&bomb, &mut out), Err(DecodeError::Stopped));
    assert!(out.largest <= 64 * 1024, "{}", out.largest);
    assert!(out.total <= (10 << 20) + 64 * 1024, "{}", out.total);
    // Whole, it decodes to every byte, whatever the pushes.
    for step in [1, 4095, 4097, bomb.len()] {
        let mut out = Counting { total: 0, largest: 0, max: usize::MAX };
        let mut d = Brotli::new();
        for chunk in bomb.chunks(step) {
            d.push(chunk, &mut out).unwrap();
        }
        d.finish(&mut out).unwrap();
        assert_eq!(out.total, 64 << 20, "step {step}");
    }
    // Nothing at all is a cut-short stream.
    let mut out = Counting { total: 0, largest: 0, max: usize::MAX };
    assert!(matches!(
        Brotli::new().finish(&mut out),
        Err(DecodeError::Malformed(why)) if why.contains("cut short")
    ));
}

#[test]
fn an_unsupported_encoding_is_noted_and_the_next_message_decoded() {
    let stream = b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\
                   Content-Length: 9\r\n\r\n\x28\xb5\x2f\xfd\x00\x58\x00\x00\x00\
                   HTTP/1.1 200 OK\r\nContent-Length: 53\r\n\r\n\
                   NHS number 943 476 5919 for the referral, seen today.";
    let got = scan(stream);
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, "malformed");
    assert!(
        n[0].1.contains("unsupported content encoding `zstd`"),
        "{}",
        n[0].1
    );
    assert_chunking_invariant(stream);
}

#[test]
fn a_truncated_chunked_body_keeps_what_came_before() {
    let full = chunked("", LETTER, &[30]);
    // Cut inside the second chunk.
    let cut = &full[..full.len() - 20];
    let got = scan(cut);
    assert_eq!(nhs(&got.findings), [(11, 23, "http".to_string())]);
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].1.contains("cut short"), "{}", n[0].1);
    assert_chunking_invariant(cut);
}

#[test]
fn a_chunk_size_past_64_bits_is_malformed() {
    let msg = b"HTTP/1.1 200 OK\r\nX-Patient: 9990000018\r\n\
                Transfer-Encoding: chunked\r\n\r\n\
                1a\r\nNHS number 943 476 5919 ok\r\n\
                ffffffffffffffffff\r\nmore";
    let got = scan(msg);
    // The two numbers in the http layer, then the rest of the layer from
    // the start of the 4 KiB step-block the decoder gave up in scanned as
    // text (the whole message here), so both are there once more, outside
    // any layer. Nothing is lost; a little may be seen twice.
    assert_eq!(
        nhs(&got.findings),
        [
            (28, 38, "http".to_string()),
            (11, 23, "http".to_string()),
            (28, 38, String::new()),
            (85, 97, String::new())
        ],
        "{:?}",
        plain(&got.findings)
    );
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, "malformed");
    assert!(n[0].1.contains("does not fit in 64 bits"), "{}", n[0].1);
    assert_chunking_invariant(msg);
    // Sixteen digits fit (and the body is simply cut short).
    let msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                ffffffffffffffff\r\nNHS 943 476 5919";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings).len(), 1);
    assert!(notices(&got)[0].1.contains("cut short"));
    // Not hex at all.
    let got =
        scan(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    assert!(notices(&got)[0].1.contains("invalid chunk-size line `zz`"));
}

#[test]
fn a_long_chunk_line_is_malformed() {
    let mut msg =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
    msg.extend(std::iter::repeat_n(b'x', 5000));
    msg.extend(b"\r\nhello\r\n0\r\n\r\n");
    let got = scan(&msg);
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].1.contains("MAX_CHUNK_LINE"), "{}", n[0].1);
}

#[test]
fn a_short_content_length_body_is_noted() {
    let msg = b"POST /p HTTP/1.1\r\nContent-Length: 500\r\n\r\n\
                NHS number 943 476 5919 then the connection dropped";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings).len(), 1);
    let n = notices(&got);
    assert!(n[0].1.contains("short of its Content-Length"), "{}", n[0].1);
    assert_chunking_invariant(msg);
    let got = scan(
        b"POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    );
    assert!(notices(&got)[0].1.contains("conflicting Content-Length"));
}

#[test]
fn headers_longer_than_the_limit_are_scanned_as_text() {
    let mut msg =
        b"GET /p HTTP/1.1\r\nX-Patient: 943 476 5919\r\nX-Pad: ".to_vec();
    msg.extend(std::iter::repeat_n(b'a', MAX_HTTP_HEADER_BYTES));
    msg.extend(b"\r\nX-Other: 9990000018\r\n\r\n");
    let got = scan(&msg);
    assert_eq!(
        nhs(&got.findings),
        [(28, 40, "http".to_string()), (65_596, 65_606, "http".to_string())]
    );
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].1.contains("MAX_HTTP_HEADER_BYTES"), "{}", n[0].1);
    assert_chunking_invariant(&msg);
}

#[test]
fn text_that_is_not_http_after_all() {
    // Sniffed as a request, but the second line is not a header.
    let text = b"GET /index.html is what the log says\nNHS 943 476 5919\n\n";
    let got = scan(text);
    assert_eq!(nhs(&got.findings), [(41, 53, "http".to_string())]);
    let n = notices(&got);
    assert!(n[0].1.contains("not an HTTP message"), "{}", n[0].1);
    // A stream that ends inside its head.
    let got = scan(b"GET /p?nhs=9434765919 HTTP/1.1\r\nHost: h");
    assert_eq!(nhs(&got.findings).len(), 1);
    assert!(notices(&got)[0].1.contains("ends inside its headers"));
}

/// A form body with `n` small text fields.
fn many_fields(n: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv{i}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

#[test]
fn multipart_part_count_is_limited() {
    let limits = Limits { max_parts: 5, ..Limits::default() };
    let got = scan_with(limits, &many_fields(10));
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, "max_parts");
    assert!(scan(&many_fields(10)).notices.is_empty());
}

#[test]
fn multipart_without_its_closing_boundary() {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"nhs\"\r\n\r\n\
         943 476 5919\r\n--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"letter\"\r\n\r\n\
         NHS number 943 476 5919 for the referral, and then"
    );
    let got = scan(body.as_bytes());
    assert_eq!(
        nhs(&got.findings),
        [
            (0, 12, "multipart:nhs".to_string()),
            (11, 23, "multipart:letter".to_string())
        ]
    );
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].1.contains("without its closing boundary"), "{}", n[0].1);
    assert_chunking_invariant(body.as_bytes());
}

#[test]
fn a_boundary_longer_than_the_limit_is_scanned_as_text() {
    let b = "x".repeat(MAX_BOUNDARY_LEN + 1);
    let body = format!(
        "--{b}\r\nContent-Type: text/plain\r\n\r\nNHS 943 476 5919\r\n--{b}--\r\n"
    );
    let got = scan(body.as_bytes());
    assert_eq!(nhs(&got.findings).len(), 1);
    let n = notices(&got);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].1.contains("MAX_BOUNDARY_LEN"), "{}", n[0].1);
    assert_chunking_invariant(body.as_bytes());
    // At the limit it is split.
    let b = "x".repeat(MAX_BOUNDARY_LEN);
    let body = format!(
        "--{b}\r\nContent-Type: text/plain\r\n\r\nNHS 943 476 5919\r\n--{b}--\r\n"
    );
    let got = scan(body.as_bytes());
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [(4, 16, "multipart:text/plain".to_string())]
    );
}

#[test]
fn multipart_boundaries_are_found_only_whole_and_at_line_starts() {
    // The boundary inside a line, a longer boundary, `--boundary` with
    // other text after it: all content.
    let body: &[u8] =
        b"--b1\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\
         x --b1 y\r\n--b1x\r\n--b1 z\r\n--b1-\r\nNHS 943 476 5919\r\n--b1  \r\n\
         Content-Disposition: form-data; name=\"u\"\r\n\r\n\
         --b1--\r\nepilogue 9990000018\r\n";
    let got = scan(body);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [
            (36, 48, "multipart:t".to_string()),
            (9, 19, "multipart:epilogue".to_string())
        ]
    );
    assert_chunking_invariant(body);
}

/// A mail message: an encoded subject, a quoted-printable text part, a
/// base64 CSV and a base64 gzip'd CSV.
fn mail() -> Vec<u8> {
    format!(
        "Return-Path: <clinic@example.org>\r\n\
         From: Clinic <clinic@example.org>\r\n\
         To: records@example.org\r\n\
         Subject: =?UTF-8?B?{}?=\r\n \
         =?ISO-8859-1?Q?Ren=E9e_Smith?=\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed;\r\n\tboundary=\"=_outer 42\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n\
         --=_outer 42\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n\
         Please see the list. The first patient, NHS 943 476 59=\r\n\
         19, is urgent. caf=C3=A9\r\n\
         --=_outer 42\r\n\
         Content-Type: text/csv; name=\"export.csv\"\r\n\
         Content-Disposition: attachment; filename=\"export.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n\
         {}\r\n\
         --=_outer 42\r\n\
         Content-Type: application/gzip\r\n\
         Content-Disposition: attachment;\r\n filename*=UTF-8''export%20(2).csv.gz\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n\
         {}\r\n\
         --=_outer 42--\r\n",
        base64::engine::general_purpose::STANDARD.encode("Referral for Zoë Smith, NHS 943 476 5919,"),
        b64_lines(CSV),
        b64_lines(&gzip(CSV)),
    )
    .into_bytes()
}

#[test]
fn a_mail_with_attachments() {
    let msg = mail();
    let got = scan(&msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    let found = nhs(&got.findings);
    let paths: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mime",
            "mime:text/plain",
            "mime:export.csv",
            "mime:export.csv",
            "mime:export (2).csv.gz > gzip",
            "mime:export (2).csv.gz > gzip",
        ]
    );
    // The subject, decoded: "Subject: Referral for Zoë Smith, NHS 943 …".
    let subject = found[0].clone();
    let text = "Return-Path: <clinic@example.org>\nFrom: Clinic <clinic@example.org>\n\
                To: records@example.org\nSubject: Referral for Zoë Smith, NHS ";
    assert_eq!(subject.0, text.len() as u64);
    // The QP number, joined across the soft line break.
    let body = "Please see the list. The first patient, NHS ";
    assert_eq!(found[1].0, body.len() as u64);
    // The CSVs, as the engine scans them.
    let csv: Vec<_> = plain(&got.findings)
        .into_iter()
        .filter(|f| f.3 == "mime:export.csv")
        .collect();
    assert_eq!(csv, expect(CSV, "mime:export.csv"));
    assert_chunking_invariant(&msg);
}

#[test]
fn a_quoted_printable_mail_body() {
    let msg = b"From: a@example.org\nSubject: results\n\
                Content-Transfer-Encoding: quoted-printable\n\n\
                NHS number 943 476 59=\n19 for the referral=2C seen today.\n";
    let got = scan(msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 23, "mime:text/plain".to_string())]);
    assert_chunking_invariant(msg);
}

#[test]
fn encoded_words_in_a_subject() {
    let msg =
        b"Subject: =?iso-8859-1?q?Ren=E9e_Smith_NHS_943_476_5919?=\r\n\r\nhi";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings), [(26, 38, "mime".to_string())]);
    assert_chunking_invariant(msg);
    assert_eq!(
        decode_words(b"=?UTF-8?B?Wm/Dqw==?= =?UTF-8?Q?_Smith?= (x) =?bad?="),
        "Zoë Smith (x) =?bad?="
    );
    // A character split between two words comes out whole.
    assert_eq!(decode_words(b"=?utf-8?q?Zo=C3?= =?utf-8?q?=AB?="), "Zoë");
    assert_eq!(decode_words(b"=?ISO-8859-1*en?Q?Ren=E9e?="), "Renée");
    let p = Params::parse(
        b"attachment; filename*0*=UTF-8''a%20; filename*1=b.csv",
    );
    assert_eq!(p.get("filename"), Some("a b.csv"));
    let p = Params::parse(br#"form-data; name="a;b"; filename="c \"d\".txt""#);
    assert_eq!(
        (p.get("name"), p.get("filename")),
        (Some("a;b"), Some("c \"d\".txt"))
    );
}

#[test]
fn nested_multipart_mail() {
    let msg = b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n\
                --outer\r\n\
                Content-Type: multipart/alternative; boundary=inner\r\n\r\n\
                --inner\r\nContent-Type: text/plain\r\n\r\nNHS 943 476 5919\r\n\
                --inner\r\nContent-Type: text/html\r\n\r\n<p>NHS 9990000018</p>\r\n\
                --inner--\r\n\
                --outer\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; \
                filename=\"notes_9990000026.txt\"\r\n\r\nnotes\r\n\
                --outer--\r\n";
    let got = scan(msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [
            (
                4,
                16,
                "mime:multipart/alternative > mime:text/plain".to_string()
            ),
            (7, 17, "mime:multipart/alternative > mime:text/html".to_string()),
            (74, 84, "mime:notes_9990000026.txt".to_string()),
        ]
    );
    assert_chunking_invariant(msg);
    // Nesting is bounded by the depth limit like any layer.
    let limits = Limits { max_depth: 1, ..Limits::default() };
    let got = scan_with(limits, msg);
    assert!(
        notices(&got).iter().any(|n| n.0 == "max_depth"),
        "{:?}",
        notices(&got)
    );
}

#[test]
fn mail_limits_and_damage() {
    // A multipart mail cut short: the parts so far are scanned.
    let msg = mail();
    let cut = &msg[..msg.len() - 60];
    let got = scan(cut);
    assert!(nhs(&got.findings).len() >= 4, "{:?}", nhs(&got.findings));
    let n = notices(&got);
    assert!(n.iter().any(|n| n.1.contains("closing boundary")), "{n:?}");
    // Headers past the limit: what was read and the rest are scanned as
    // text.
    let mut long = b"Subject: NHS 943 476 5919\r\nX-Pad: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', MAX_HEADER_BYTES));
    long.extend(b"\r\n\r\nNHS 9990000018");
    let got = scan(&long);
    assert_eq!(nhs(&got.findings).len(), 2);
    assert!(notices(&got)[0].1.contains("MAX_HEADER_BYTES"));
    // A corrupt base64 part is skipped with a notice; the next is decoded.
    let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                Content-Transfer-Encoding: base64\r\n\r\n!!!!\r\n--b\r\n\r\n\
                NHS 943 476 5919\r\n--b--\r\n";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings).len(), 1);
    assert!(notices(&got)[0].1.contains("base64"), "{:?}", notices(&got));
    assert_chunking_invariant(msg);
    // No boundary parameter: one part.
    let msg = b"Content-Type: multipart/mixed\r\n\r\nNHS 943 476 5919";
    let got = scan(msg);
    assert_eq!(nhs(&got.findings).len(), 1);
    assert!(notices(&got)[0].1.contains("without a boundary"));
}

#[test]
fn a_letter_starting_with_a_header_is_still_scanned() {
    // `To:` makes it a mail; the second line is not a header, so the body
    // starts there.
    let letter = b"To: Dr Jones\nRe: NHS 943 476 5919\nDear Dr Jones, patient 9990000018.";
    let got = scan(letter);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(
        nhs(&got.findings),
        [
            (21, 33, "mime".to_string()),
            (23, 33, "mime:text/plain".to_string())
        ]
    );
    assert_chunking_invariant(letter);
}

#[test]
fn signatures() {
    for yes in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"POST /upload?x=1 HTTP/1.1",
        b"OPTIONS * HTTP/1.1",
        b"GET http://example.org/ HTTP/1.1",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.0 404 Not Found",
    ] {
        assert!(is_http(yes), "{}", String::from_utf8_lossy(yes));
    }
    for no in [
        &b"GET it done"[..],
        b"GET",
        b"get / HTTP/1.1",
        b"HTTP/2 200",
        b"HTTP/1.1 OK",
        b"POSTAL /x",
    ] {
        assert!(!is_http(no), "{}", String::from_utf8_lossy(no));
    }
    for yes in [
        &b"From: a@b"[..],
        b"subject: hi",
        b"X-Mailer: x",
        b"Content-Type: text/plain",
        b"Delivered-To: x",
        b"Message-ID: <x>",
    ] {
        assert!(is_mime(yes), "{}", String::from_utf8_lossy(yes));
    }
    for no in [
        &b"Fromage: x"[..],
        b"X-: y",
        b"From : x",
        b"Dear Sir: x",
        b"To",
        b"Subject",
    ] {
        assert!(!is_mime(no), "{}", String::from_utf8_lossy(no));
    }
    for yes in [
        &b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition"[..],
        b"--abc\r\nContent-Type: text/plain\r\n",
        b"--abc\r\n\r\nhello",
        b"--------------------------d74496d66958873e\r\n",
    ] {
        assert!(is_multipart(yes), "{}", String::from_utf8_lossy(yes));
    }
    for no in [
        &b"-- a comment"[..],
        b"----------------------------------------",
        b"--abc\r\nhello there, world",
        b"--abc",
        b"--config=/etc/x.conf is the flag",
    ] {
        assert!(!is_multipart(no), "{}", String::from_utf8_lossy(no));
    }
}

#[test]
fn dashed_and_header_like_text_is_scanned() {
    let text = b"----------------------------------------\nNHS 943 476 5919\n";
    assert_eq!(nhs(&scan(text).findings), [(45, 57, String::new())]);
}

#[test]
fn the_decoded_total_stops_an_http_layer() {
    let limits = Limits { max_decoded_bytes: 100, ..Limits::default() };
    let got = scan_with(limits, &upload());
    assert_eq!(
        got.notices.iter().map(|n| n.limit).collect::<Vec<_>>(),
        ["max_decoded_bytes"]
    );
}

#[test]
fn every_cut_and_corruption_is_survived() {
    let mut inputs = vec![
        upload(),
        mail(),
        chunked("Content-Encoding: gzip\r\n", &gzip(LETTER), &[9]),
        many_fields(3),
    ];
    inputs.push(b"POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                   Content-Length: 12\r\n\r\na=%4&b=%&c=%".to_vec());
    for input in &inputs {
        for cut in 0..input.len() {
            let _ = scan(&input[..cut]);
        }
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..200 {
            let mut bad = input.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % bad.len();
                bad[at] = (seed >> 8) as u8;
            }
            let _ = scan(&bad);
        }
    }
}

/// A sink that asks to stop at the first finding.
#[derive(Default)]
struct StopAtFirst {
    findings: usize,
}

impl caldicott_core::Sink for StopAtFirst {
    fn finding(&mut self, _: Finding) -> bool {
        self.findings += 1;
        false
    }

    fn notice(&mut self, _: caldicott_core::Notice) -> bool {
        true
    }
}

#[test]
fn a_stop_is_prompt_in_every_container() {
    for input in [upload(), mail(), many_fields(3)] {
        for step in [1, 64, input.len()] {
            let mut sink = StopAtFirst::default();
            let mut stream = Decoder::new(Engine::default()).stream();
            let stopped = input
                .chunks(step)
                .any(|chunk| stream.push(chunk, &mut sink).is_err())
                || stream.finish(&mut sink).is_err();
            assert!(stopped || sink.findings == 0, "step {step}");
            assert!(sink.findings <= 1, "step {step}: {}", sink.findings);
        }
    }
}

/// A small xorshift generator: reproducible corruption without a
/// dependency.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }
}

#[test]
fn corrupted_messages_decode_the_same_however_chunked() {
    // No gzip inside: how far a corrupt gzip header decodes depends on
    // flate2's buffering, which is the gzip layer's business.
    let form = String::from_utf8_lossy(&many_fields(2))
        .replace("v1", "NHS 943 476 5919")
        .into_bytes();
    let mut upload =
        format!("POST /u HTTP/1.1\r\nContent-Length: {}\r\n\r\n", form.len())
            .into_bytes();
    upload.extend(&form);
    let inputs = [
        upload,
        chunked("Content-Type: text/plain\r\n", LETTER, &[9]),
        b"POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 30\r\n\r\nnhs=943+476+5919&a=%4&b=%&c=%"
            .to_vec(),
        b"From: a@example.org\nSubject: =?utf-8?q?NHS_943?= 476 5919\n\
          Content-Type: multipart/mixed; boundary=b\n\npre\n--b\n\
          Content-Transfer-Encoding: quoted-printable\n\nNHS 943 476 59=\n19\n\
          --b\nContent-Transfer-Encoding: base64\n\n\
          TkhTIG51bWJlciA5NDMgNDc2IDU5MTkgZm9yIHRoZSByZWZlcnJhbA==\n\
          --b--\nepi 9990000018\n"
            .to_vec(),
    ];
    let decoder = Decoder::new(Engine::default());
    let mut rng = Rng(0x1234_5678);
    for input in &inputs {
        for _ in 0..300 {
            let mut bad = input.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bad.len());
                match rng.below(4) {
                    0 => bad[at] = rng.next() as u8,
                    1 => bad[at] = b"\r\n-=%:;\"?"[rng.below(9)],
                    2 => bad.truncate(at.max(1)),
                    _ => bad.insert(at, bad[at]),
                }
            }
            let mut whole = Collected::default();
            decoder.scan_into(&bad, &mut whole);
            let sizes = [1 + rng.below(5), 1 + rng.below(50)];
            let mut got = Collected::default();
            let mut stream = decoder.stream();
            let (mut pos, mut i) = (0, 0);
            while pos < bad.len() {
                let n = sizes[i % 2].min(bad.len() - pos);
                stream.push(&bad[pos..pos + n], &mut got).unwrap();
                pos += n;
                i += 1;
            }
            stream.finish(&mut got).unwrap();
            let input = String::from_utf8_lossy(&bad);
            assert_eq!(
                plain(&got.findings),
                plain(&whole.findings),
                "{input:?}"
            );
            assert_eq!(got.notices, whole.notices, "{input:?}");
        }
    }
}

#[test]
fn trailer_fields_are_scanned() {
    let msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                5\r\nhello\r\n0\r\nX-Patient: 9990000018\r\n\r\n";
    let got = scan(msg);
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    assert_eq!(nhs(&got.findings), [(11, 21, "http:trailer".to_string())]);
    assert_chunking_invariant(msg);
}

#[test]
fn too_many_header_fields_are_scanned_as_text() {
    let mut msg = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..1100 {
        msg.extend(format!("X-{i}: a\r\n").as_bytes());
    }
    msg.extend(b"X-Patient: 943 476 5919\r\n\r\n");
    let got = scan(&msg);
    assert_eq!(nhs(&got.findings).len(), 1);
    let n = notices(&got);
    assert!(n[0].1.contains("MAX_HTTP_HEADERS"), "{n:?}");
}

#[test]
fn boundary_padding_is_bounded() {
    // Padding after a boundary is allowed up to a point; past it, the
    // line is content.
    let pad = " ".repeat(300);
    let body = format!(
        "--b1\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\
         NHS 943 476 5919\r\n--b1{pad}\r\nstill the same part 9990000018\r\n--b1   \r\n\
         Content-Disposition: form-data; name=\"u\"\r\n\r\nu\r\n--b1--"
    );
    let got = scan(body.as_bytes());
    assert!(got.notices.is_empty(), "{:?}", notices(&got));
    let parts: Vec<String> =
        nhs(&got.findings).into_iter().map(|f| f.2).collect();
    assert_eq!(parts, ["multipart:t", "multipart:t"]);
    assert_chunking_invariant(body.as_bytes());
}
