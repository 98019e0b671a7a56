//! Zip archives, Office and OpenDocument text, and PDF pages: each alone,
//! nested, chunked every way, and broken or hostile.

use std::io::{Cursor, Write};

use caldicott_core::{Engine, Finding};
use flate2::write::GzEncoder;
use flate2::Compression;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::{Collected, Decoder, Limits};

/// A sentence with a synthetic NHS number at 11..23.
const LETTER: &str = "NHS number 943 476 5919 for the referral, seen today.";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
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

/// The paths of the NHS number findings.
fn nhs_paths(c: &Collected) -> Vec<String> {
    c.findings
        .iter()
        .filter(|f| f.kind.to_string() == "nhs_number")
        .map(|f| f.layer.as_ref().map_or(String::new(), |l| l.path.clone()))
        .collect()
}

fn scan_with(decoder: &Decoder, input: &[u8]) -> Collected {
    let mut c = Collected::default();
    decoder.scan_into(input, &mut c);
    c
}

fn scan(input: &[u8]) -> Collected {
    scan_with(&Decoder::new(Engine::default()), input)
}

/// Pushed byte by byte, in odd chunks and split at many points, the
/// findings and notices are those of the whole input.
fn assert_chunking_invariant(decoder: &Decoder, input: &[u8]) {
    let decoder = decoder.clone();
    let mut whole = Collected::default();
    decoder.scan_into(input, &mut whole);
    for sizes in crate::tests::chunkings(input.len(), 50) {
        let got = crate::tests::streamed(&decoder, input, &sizes);
        assert_eq!(plain(&got.findings), plain(&whole.findings), "{sizes:?}");
        assert_eq!(got.notices, whole.notices, "{sizes:?}");
    }
}

/// A zip of `(path, bytes)` entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

/// A minimal xlsx: the NHS number and a name in the shared strings, a
/// second (contiguous) number as a cell value in the sheet.
fn xlsx() -> Vec<u8> {
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Patients" sheetId="1"/></sheets></workbook>"#;
    let shared = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>NHS number</t></si><si><t>943 476 5919</t></si><si><t>Jane &amp; John Smith</t></si></sst>"#;
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>9990000018</v></c></row></sheetData></worksheet>"#;
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/sharedStrings.xml", shared.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/media/image1.png", b"\x89PNG 9434765919 not scanned"),
    ])
}

/// A docx whose number is split across two runs of one paragraph.
fn docx() -> Vec<u8> {
    let document = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">Patient </w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">NHS number 943 476 </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>5919</w:t></w:r></w:p></w:body></w:document>"#;
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ])
}

#[test]
fn xlsx_text_is_found_by_entry() {
    let input = xlsx();
    let got = scan(&input);
    assert_eq!(
        nhs_paths(&got),
        ["zip:xl/sharedStrings.xml", "zip:xl/worksheets/sheet1.xml"],
        "{:?}",
        plain(&got.findings)
    );
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    // The shared strings' text: one item a line, entities decoded, so the
    // number is at 11..23 ("NHS number\n" is 11 bytes).
    let f = &got.findings[0];
    assert_eq!((f.start, f.end), (11, 23));
    assert_chunking_invariant(&Decoder::new(Engine::default()), &input);
}

#[test]
fn docx_runs_of_a_paragraph_join() {
    let got = scan(&docx());
    assert_eq!(
        nhs_paths(&got),
        ["zip:word/document.xml"],
        "{:?}",
        plain(&got.findings)
    );
    // "Patient \n" then "NHS number " : the number at 20..32.
    assert_eq!((got.findings[0].start, got.findings[0].end), (20, 32));
    // The raw XML would not have had it: the runs are apart there.
    let raw = zip_of(&[(
        "word/document.xml",
        b"<w:t>943 476 </w:t></w:r><w:r><w:t>5919</w:t>",
    )]);
    assert!(nhs_paths(&scan(&raw)).is_empty());
}

#[test]
fn odt_text_is_found() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Referral</text:p><text:p>NHS <text:span>943 476</text:span> 5919</text:p></office:text></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>"#;
    let odt = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
    ]);
    let got = scan(&odt);
    assert_eq!(
        nhs_paths(&got),
        ["zip:content.xml"],
        "{:?}",
        plain(&got.findings)
    );
    // "Referral\nNHS ": the number at 13..25.
    assert_eq!((got.findings[0].start, got.findings[0].end), (13, 25));
    assert!(got.notices.is_empty(), "{:?}", got.notices);
}

#[test]
fn plain_zip_entries_are_scanned_as_they_are() {
    let z = zip_of(&[
        ("notes/a.txt", LETTER.as_bytes()),
        ("empty/", b""),
        ("b.csv", b"id,nhs\n1,9990000026\n"),
    ]);
    let got = scan(&z);
    assert_eq!(nhs_paths(&got), ["zip:notes/a.txt", "zip:b.csv"]);
    assert_eq!((got.findings[0].start, got.findings[0].end), (11, 23));
    assert_chunking_invariant(&Decoder::new(Engine::default()), &z);
    // Stored (not deflated) entries too.
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored);
    w.start_file("s.txt", stored).unwrap();
    w.write_all(LETTER.as_bytes()).unwrap();
    let z = w.finish().unwrap().into_inner();
    assert_eq!(nhs_paths(&scan(&z)), ["zip:s.txt"]);
}

#[test]
fn archives_nest_in_layers_and_layers_in_archives() {
    // A gzip'd xlsx.
    let got = scan(&gzip(&xlsx()));
    assert_eq!(
        nhs_paths(&got),
        [
            "gzip > zip:xl/sharedStrings.xml",
            "gzip > zip:xl/worksheets/sheet1.xml"
        ]
    );
    // A zip in a zip, and a gzip in a zip.
    let inner = zip_of(&[("letter.txt", LETTER.as_bytes())]);
    let outer = zip_of(&[
        ("inner.zip", &inner),
        ("l.txt.gz", &gzip(LETTER.as_bytes())),
    ]);
    let got = scan(&outer);
    assert_eq!(
        nhs_paths(&got),
        ["zip:inner.zip > zip:letter.txt", "zip:l.txt.gz > gzip"]
    );
    assert_chunking_invariant(&Decoder::new(Engine::default()), &outer);
    // Base64 of a docx in JSON.
    use base64::Engine as _;
    let json = format!(
        "{{\"file\":\"{}\"}}",
        base64::engine::general_purpose::STANDARD.encode(docx())
    );
    assert_eq!(
        nhs_paths(&scan(json.as_bytes())),
        ["base64 > zip:word/document.xml"]
    );
}

#[test]
fn many_entries_stop_at_max_parts() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored);
    for i in 0..10_000 {
        w.start_file(format!("f{i}.txt"), options).unwrap();
        w.write_all(if i == 0 { b"NHS 9434765919" } else { b"x" }).unwrap();
    }
    let z = w.finish().unwrap().into_inner();
    let got = scan(&z);
    assert_eq!(nhs_paths(&got), ["zip:f0.txt"]);
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["max_parts"]);
    let small = Decoder::with_limits(
        Engine::default(),
        Limits { max_parts: 3, ..Limits::default() },
    );
    let got = scan_with(&small, &z);
    assert_eq!(got.notices.len(), 1);
    assert!(
        got.notices[0].message.contains("zip"),
        "{}",
        got.notices[0].message
    );
}

#[test]
fn a_zip_bomb_entry_stops_at_the_expansion_limit() {
    // The letter, then 500 MB of zeros, deflated to about 500 KB.
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    w.start_file("bomb.txt", options).unwrap();
    w.write_all(LETTER.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..500 {
        w.write_all(&zeros).unwrap();
    }
    w.start_file("after.txt", options).unwrap();
    w.write_all(b"never 9990000026").unwrap();
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let decoder = Decoder::new(Engine::default());
    let mut got = Collected::default();
    let mut stream = decoder.stream();
    stream.push(&bomb, &mut got).unwrap();
    stream.finish(&mut got).unwrap();
    assert_eq!(
        nhs_paths(&got),
        ["zip:bomb.txt"],
        "the letter before the zeros"
    );
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["max_expansion_ratio"]);
    // Stopped near the limit: 100× the archive, plus a piece or so.
    let cap = 100 * bomb.len() as u64 + (1 << 20);
    assert!(stream.decoded_bytes() <= cap, "{}", stream.decoded_bytes());
}

#[test]
fn an_office_xml_bomb_stops_with_a_notice() {
    // 50 MB of empty tags in the shared strings: no text comes out, so
    // the layer's ratio never sees it; the archive's XML budget does.
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    w.start_file("[Content_Types].xml", options).unwrap();
    w.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    w.start_file("word/document.xml", options).unwrap();
    w.write_all(b"<w:p><w:t>NHS 943 476 5919</w:t></w:p>").unwrap();
    w.start_file("xl/sharedStrings.xml", options).unwrap();
    w.write_all(b"<sst>").unwrap();
    let tags = "<x/>".repeat(1 << 18);
    for _ in 0..50 {
        w.write_all(tags.as_bytes()).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    let got = scan(&bomb);
    assert_eq!(nhs_paths(&got), ["zip:word/document.xml"]);
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert_eq!(got.notices[0].limit, "malformed");
    assert!(
        got.notices[0].message.contains("decompression bomb"),
        "{}",
        got.notices[0].message
    );
    // And one long text run: bounded by MAX_XML_EVENT, the entry given up.
    let run = format!("<sst><si><t>{}</t></si></sst>", "9".repeat(6 << 20));
    let z = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("xl/sharedStrings.xml", run.as_bytes()),
    ]);
    let got = scan(&z);
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("MAX_XML_EVENT"),
        "{}",
        got.notices[0].message
    );
}

/// Offsets of `sig` in `data`.
fn find_all(data: &[u8], sig: &[u8]) -> Vec<usize> {
    data.windows(sig.len())
        .enumerate()
        .filter(|(_, w)| *w == sig)
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_lying_central_directory_is_reported_and_earlier_entries_kept() {
    let z = zip_of(&[
        ("a.txt", LETTER.as_bytes()),
        ("b.txt", b"second 9990000018 entry, a long enough line"),
    ]);
    let central = find_all(&z, b"PK\x01\x02");
    assert_eq!(central.len(), 2);
    let second = central[1];
    // The second entry's local header offset points into the first's data.
    let mut bad = z.clone();
    bad[second + 42] = bad[second + 42].wrapping_add(7);
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt"]);
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert_eq!(got.notices[0].limit, "malformed");
    assert!(
        got.notices[0].message.contains("entry b.txt"),
        "{}",
        got.notices[0].message
    );
    // Its compressed size cut short: the deflate stream ends early.
    let mut bad = z.clone();
    bad[second + 20] = 5;
    bad[second + 21] = 0;
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt"]);
    assert!(
        got.notices[0].message.contains("entry b.txt"),
        "{}",
        got.notices[0].message
    );
    // Its CRC wrong: the data is scanned, the mismatch reported.
    let mut bad = z.clone();
    bad[second + 16] ^= 0xff;
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt", "zip:b.txt"]);
    assert!(
        got.notices[0].message.contains("entry b.txt"),
        "{}",
        got.notices[0].message
    );
    // An uncompressed size that lies (too small).
    let mut bad = z.clone();
    bad[second + 24] = 3;
    bad[second + 25] = 0;
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt", "zip:b.txt"]);
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("where the archive says 3"),
        "{}",
        got.notices[0].message
    );
}

#[test]
fn encrypted_and_unsupported_entries_are_reported() {
    let z = zip_of(&[
        ("a.txt", LETTER.as_bytes()),
        ("b.txt", b"9990000018 secret"),
    ]);
    let central = find_all(&z, b"PK\x01\x02");
    let local = find_all(&z, b"PK\x03\x04");
    // The encryption flag on the second entry.
    let mut bad = z.clone();
    bad[central[1] + 8] |= 1;
    bad[local[1] + 6] |= 1;
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt"]);
    assert!(
        got.notices[0].message.contains("encrypted"),
        "{}",
        got.notices[0].message
    );
    // Method 14 (LZMA), not built in.
    let mut bad = z.clone();
    bad[central[1] + 10] = 14;
    bad[local[1] + 8] = 14;
    let got = scan(&bad);
    assert_eq!(nhs_paths(&got), ["zip:a.txt"]);
    assert!(
        got.notices[0].message.contains("unsupported"),
        "{}",
        got.notices[0].message
    );
}

#[test]
fn a_truncated_zip_keeps_the_entries_before_the_cut() {
    // Filler that deflate cannot shrink much (a linear congruential
    // sequence of letters), so that cuts fall inside b.txt's data.
    let mut long = LETTER.to_string();
    let mut x = 12345u32;
    for _ in 0..3000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        long.push(char::from(b'a' + (x >> 16) as u8 % 26));
    }
    let z = zip_of(&[
        ("a.txt", LETTER.as_bytes()),
        ("b.txt", long.as_bytes()),
        ("c.txt", b"9990000018"),
    ]);
    let local = find_all(&z, b"PK\x03\x04");
    let central = find_all(&z, b"PK\x01\x02")[0];
    let cuts = [
        (10, 0),
        (40, 0),
        (local[1] + 20, 1),
        // Inside b.txt's data: what inflated before the cut (the letter
        // at its start) is scanned.
        (local[1] + 200, 2),
        (local[2] - 5, 2),
        (local[2], 2),
        (central + 10, 3),
        (z.len() - 10, 3),
    ];
    for (cut, want) in cuts {
        let got = scan(&z[..cut]);
        let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
        assert_eq!(limits, ["malformed"], "cut at {cut}");
        assert!(
            got.notices[0].message.contains("central directory"),
            "{}",
            got.notices[0].message
        );
        assert_eq!(
            nhs_paths(&got).len(),
            want,
            "cut at {cut}: {:?}",
            plain(&got.findings)
        );
        if want > 0 {
            assert_eq!(nhs_paths(&got)[0], "zip:a.txt");
        }
    }
    assert_chunking_invariant(
        &Decoder::new(Engine::default()),
        &z[..local[2] + 5],
    );
}

#[test]
fn garbage_after_a_zip_signature_does_not_panic() {
    let mut data = b"PK\x03\x04".to_vec();
    data.extend((0..20_000u32).map(|i| (i * 7919 % 251) as u8));
    let got = scan(&data);
    assert_eq!(got.notices.len(), 1);
    assert_eq!(got.notices[0].limit, "malformed");
    // Every byte of a small xlsx flipped in turn: no panic.
    let x = docx();
    for i in (0..x.len()).step_by(3) {
        let mut bad = x.clone();
        bad[i] ^= 0x5a;
        let _ = scan(&bad);
    }
}

/// A PDF of `pages`, each page's text in one `Tj`, content deflated.
fn pdf_of(pages: &[&str]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Courier",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for text in pages {
        // Saved-and-restored graphics states: something to compress, so
        // that deflate does not store the text as it is.
        let mut operations: Vec<Operation> = (0..100)
            .map(|i| {
                Operation::new(if i % 2 == 0 { "q" } else { "Q" }, vec![])
            })
            .collect();
        operations.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![100.into(), 600.into()]),
            Operation::new("Tj", vec![Object::string_literal(*text)]),
            Operation::new("ET", vec![]),
        ]);
        let content = Content { operations };
        let mut z = flate2::write::ZlibEncoder::new(
            Vec::new(),
            Compression::default(),
        );
        z.write_all(&content.encode().unwrap()).unwrap();
        let stream = Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            z.finish().unwrap(),
        );
        let content_id = doc.add_object(stream.with_compression(false));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc
        .add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_page_text_is_found_by_page() {
    let pdf = pdf_of(&[LETTER, "nothing here", "second 9990000018"]);
    // Compressed: the number is not in the raw bytes.
    assert!(find_all(&pdf, b"5919").is_empty());
    let got = scan(&pdf);
    assert_eq!(
        nhs_paths(&got),
        ["pdf:page 1", "pdf:page 3"],
        "{:?}",
        plain(&got.findings)
    );
    assert_eq!((got.findings[0].start, got.findings[0].end), (11, 23));
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_chunking_invariant(&Decoder::new(Engine::default()), &pdf);
    // In a zip, gzip'd.
    let z = zip_of(&[("referral.pdf.gz", &gzip(&pdf))]);
    assert_eq!(
        nhs_paths(&scan(&z))[0],
        "zip:referral.pdf.gz > gzip > pdf:page 1"
    );
}

#[test]
fn broken_and_truncated_pdfs_are_reported_not_panicked_on() {
    let pdf = pdf_of(&[LETTER]);
    // A broken xref offset: lopdf rebuilds it, or it is reported.
    let at = find_all(&pdf, b"startxref")[0];
    let mut bad = pdf.clone();
    bad[at + 10] = b'9';
    let got = scan(&bad);
    assert!(
        nhs_paths(&got) == ["pdf:page 1"]
            || got.notices.iter().any(|n| n.limit == "malformed"),
        "{:?} {:?}",
        plain(&got.findings),
        got.notices
    );
    // Truncated at many points: never a panic; when not loaded, a notice.
    for cut in (10..pdf.len()).step_by(pdf.len() / 40) {
        let got = scan(&pdf[..cut]);
        if got.findings.is_empty() {
            assert!(
                got.notices.iter().any(|n| n.limit == "malformed"),
                "cut at {cut}: {:?}",
                got.notices
            );
        }
    }
    let got = scan(&pdf[..pdf.len() / 3]);
    assert!(
        got.notices.iter().any(|n| n.message.contains("pdf")),
        "{:?}",
        got.notices
    );
    // Every few bytes flipped: no panic.
    for i in (0..pdf.len()).step_by(2) {
        let mut bad = pdf.clone();
        bad[i] ^= 0x41;
        let _ = scan(&bad);
    }
}

#[test]
fn pdf_object_and_xref_streams_and_hostile_xref_widths() {
    let mut doc = Document::load_mem(&pdf_of(&[LETTER])).unwrap();
    let mut modern = Vec::new();
    doc.save_modern(&mut modern).unwrap();
    assert!(!find_all(&modern, b"/Type/XRef").is_empty());
    let got = scan(&modern);
    assert_eq!(nhs_paths(&got), ["pdf:page 1"]);
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    // Field widths that make lopdf allocate 100 GB (an abort, which no
    // catch_unwind stops), or read no bytes per row: refused up front.
    for widths in [&b"/W [1 99999999999 1]"[..], b"/W[0 0 0]", b"/W [1 2 x]"] {
        let mut bad = modern.clone();
        for w in find_all(&modern, b"/W[").into_iter().rev() {
            let end =
                w + modern[w..].iter().position(|&b| b == b']').unwrap() + 1;
            bad.splice(w..end, widths.iter().copied());
        }
        let got = scan(&bad);
        assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
        assert!(
            got.notices[0].message.contains("/W"),
            "{}",
            got.notices[0].message
        );
    }
}

#[test]
fn pdf_pages_count_as_parts() {
    let texts: Vec<String> =
        (0..1100).map(|i| format!("page text {i}")).collect();
    let mut pages: Vec<&str> = texts.iter().map(String::as_str).collect();
    pages[2] = LETTER;
    let pdf = pdf_of(&pages);
    let got = scan(&pdf);
    assert_eq!(nhs_paths(&got), ["pdf:page 3"]);
    let limits: Vec<&str> = got.notices.iter().map(|n| n.limit).collect();
    assert_eq!(limits, ["max_parts"]);
}

#[test]
fn a_pdf_bomb_is_refused() {
    // A content stream of 300 MB of spaces: deflated, a few hundred KB.
    let mut e =
        flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(b"BT /F1 12 Tf (NHS 943 476 5919) Tj ET ").unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..300 {
        e.write_all(&spaces).unwrap();
    }
    let z = e.finish().unwrap();
    let mut pdf = pdf_of(&["x"]);
    // Append an unreferenced object holding it: still inflated by a
    // reader that inflates everything.
    let obj = format!(
        "\n99 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
        z.len()
    );
    pdf.extend_from_slice(obj.as_bytes());
    pdf.extend_from_slice(&z);
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let got = scan(&pdf);
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("decompression bomb"),
        "{}",
        got.notices[0].message
    );
}

/// A classic PDF of `objects` (numbered from 1, the first the catalog),
/// with its cross-reference table.
fn raw_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    let mut table =
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        table.push_str(&format!("{o:010} 00000 n \n"));
    }
    table.push_str(&format!(
        "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(table.as_bytes());
    pdf
}

/// `data` deflated twice (a chain of two filters).
fn deflate_twice(data: &[u8]) -> Vec<u8> {
    let mut z = Vec::from(data);
    for _ in 0..2 {
        let mut e =
            flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(&z).unwrap();
        z = e.finish().unwrap();
    }
    z
}

#[test]
fn chained_filter_bombs_are_emptied_and_the_rest_read() {
    // 100 MB behind two deflate layers is a few KB: the first layer
    // (all the raw prescan sees) is small. As page 1's content stream and
    // as an object stream, both are measured whole and emptied; page 2
    // is read.
    let mut big = b"BT /F1 12 Tf (NHS 943 476 5919) Tj ET ".to_vec();
    big.resize(100 << 20, b' ');
    let bomb = deflate_twice(&big);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let stream = |dict: &str, data: &[u8]| {
        let mut o =
            format!("<<{dict}/Length {}>>\nstream\n", data.len()).into_bytes();
        o.extend_from_slice(data);
        o.extend_from_slice(b"\nendstream");
        o
    };
    let chain = "/Filter[/FlateDecode/FlateDecode]";
    let pdf = raw_pdf(&[
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[3 0 R 5 0 R]/Count 2/Resources<</Font<</F1 7 0 R>>>>/MediaBox[0 0 595 842]>>".to_vec(),
        b"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>".to_vec(),
        stream(chain, &bomb),
        b"<</Type/Page/Parent 2 0 R/Contents 6 0 R/Resources<</Font<</F1 7 0 R>>>>>>".to_vec(),
        stream("", b"BT /F1 12 Tf (page two 9990000018) Tj ET"),
        b"<</Type/Font/Subtype/Type1/BaseFont/Courier>>".to_vec(),
        stream(&format!("/Type/ObjStm/N 1/First 0{chain}"), &bomb),
    ]);
    let got = scan(&pdf);
    assert_eq!(
        nhs_paths(&got),
        ["pdf:page 2"],
        "{:?} {:?}",
        plain(&got.findings),
        got.notices
    );
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    let message = &got.notices[0].message;
    assert!(
        message.contains("object streams decode to more than 16 MiB"),
        "{message}"
    );
    assert!(message.contains("1 more"), "{message}");
}

#[test]
fn archives_over_the_buffer_limit_are_reported() {
    // Just over the limit, in pushes: one notice, nothing decoded, no
    // more memory than the limit.
    let mut data = zip_of(&[("a.txt", LETTER.as_bytes())]);
    data.resize(crate::decoder::zip::MAX_BUFFERED_ARCHIVE + 1, b' ');
    let decoder = Decoder::new(Engine::default());
    let mut got = Collected::default();
    let mut stream = decoder.stream();
    for chunk in data.chunks(1 << 20) {
        stream.push(chunk, &mut got).unwrap();
    }
    stream.finish(&mut got).unwrap();
    assert!(got.findings.is_empty());
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert!(
        got.notices[0].message.contains("MAX_BUFFERED_ARCHIVE"),
        "{}",
        got.notices[0].message
    );
}

/// A mutation fuzz of the PDF decoder (and so of lopdf) from two seeds,
/// a classic and an object-stream PDF: random bytes, truncations,
/// deleted runs and inserted PDF tokens. Not run by default (tens of
/// seconds); `FUZZ_N` and `FUZZ_SEED` set the count and seed. An input
/// that panics is written to the temporary directory.
#[test]
#[ignore]
fn fuzz_pdf() {
    let classic = pdf_of(&[LETTER, "second 9990000018"]);
    let mut doc = Document::load_mem(&classic).unwrap();
    let mut modern = Vec::new();
    doc.save_modern(&mut modern).unwrap();
    assert_eq!(nhs_paths(&scan(&modern)).len(), 2);
    let tokens: &[&[u8]] = &[
        b"obj",
        b"endobj",
        b"stream",
        b"R",
        b"<<",
        b">>",
        b"[",
        b"]",
        b"(",
        b")",
        b"/Kids",
        b"/Contents",
        b"/Parent",
        b"1 0 R",
        b"-1",
        b"99999999999",
        b"/Filter/FlateDecode",
        b"/Length 0",
        b"xref",
        b"startxref",
    ];
    let bases = [classic, modern];
    mutation_fuzz(&bases, "pdf", 0x9e37_79b9, |d, rnd| {
        for _ in 0..(1 + rnd() % 4) {
            if d.len() < 8 {
                break;
            }
            let at = (rnd() as usize) % d.len();
            match rnd() % 5 {
                0 => d[at] = rnd() as u8,
                1 => d.truncate(at.max(8)),
                2 => {
                    let t = tokens[(rnd() as usize) % tokens.len()];
                    d.splice(at..at, t.iter().copied());
                }
                3 => {
                    let len = (rnd() as usize % 16).min(d.len() - at);
                    d.drain(at..at + len);
                }
                _ => {
                    let b = b"0123456789 "[(rnd() % 11) as usize];
                    d[at] = b;
                }
            }
        }
    });
}

/// A mutation fuzz of the zip decoder (xlsx, docx and a gzip'd xlsx), as
/// [`fuzz_pdf`].
#[test]
#[ignore]
fn fuzz_zip() {
    let bases = [xlsx(), docx(), gzip(&xlsx())];
    mutation_fuzz(&bases, "zip", 0x51ed, |d, rnd| {
        for _ in 0..(1 + rnd() % 4) {
            if d.len() < 8 {
                break;
            }
            let at = (rnd() as usize) % d.len();
            match rnd() % 4 {
                0 => d[at] = rnd() as u8,
                1 => d.truncate(at.max(8)),
                2 => d[at] = [0u8, 0xff, 0x7f, 0x80][(rnd() % 4) as usize],
                _ => {
                    let len = (rnd() as usize % 16).min(d.len() - at);
                    d.drain(at..at + len);
                }
            }
        }
    });
}

/// The mutation-fuzz driver of [`fuzz_pdf`] and [`fuzz_zip`]: `FUZZ_N`
/// inputs (default 20,000), each a copy of one of `bases` changed by
/// `mutate` with a xorshift seeded from `FUZZ_SEED` (default `seed`), and
/// scanned; an input that panics is written to the temporary directory
/// with extension `ext`, and the test fails listing them.
fn mutation_fuzz(
    bases: &[Vec<u8>],
    ext: &str,
    seed: u64,
    mutate: impl Fn(&mut Vec<u8>, &mut dyn FnMut() -> u64),
) {
    let env =
        |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let mut x: u64 = env("FUZZ_SEED").unwrap_or(seed);
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let n: u64 = env("FUZZ_N").unwrap_or(20_000);
    let mut panics = Vec::new();
    for it in 0..n {
        let mut d = bases[(it % bases.len() as u64) as usize].clone();
        mutate(&mut d, &mut rnd);
        let r = std::panic::catch_unwind(|| scan(&d));
        if r.is_err() {
            let path = std::env::temp_dir()
                .join(format!("caldicott-crash{it}.{ext}"));
            std::fs::write(&path, &d).unwrap();
            panics.push(path);
        }
    }
    assert!(panics.is_empty(), "{panics:?}");
}

/// Issue 5's nest: an email with a base64 XLSX attachment. The number in
/// the spreadsheet is found through `mime`, the attachment's base64 and
/// the zip entry, and the whole message gives the same findings however
/// it is chunked.
#[test]
fn an_email_with_a_base64_xlsx_attachment() {
    use base64::Engine as _;
    let attachment = base64::engine::general_purpose::STANDARD.encode(xlsx());
    let wrapped: Vec<&str> = attachment
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mail = format!(
        "From: clinic@example.org\r\nTo: someone@example.com\r\n\
         Subject: list\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
         --b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\
         Content-Disposition: attachment; filename=\"patients.xlsx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        wrapped.join("\r\n")
    );
    let got = scan(mail.as_bytes());
    let paths = nhs_paths(&got);
    assert!(
        paths.contains(
            &"mime:patients.xlsx > zip:xl/sharedStrings.xml".to_string()
        ),
        "{paths:?}"
    );
    assert!(
        paths.contains(
            &"mime:patients.xlsx > zip:xl/worksheets/sheet1.xml".to_string()
        ),
        "{paths:?}"
    );
    assert!(got.notices.is_empty(), "{:?}", got.notices);
    assert_chunking_invariant(
        &Decoder::new(Engine::default()),
        mail.as_bytes(),
    );
}
