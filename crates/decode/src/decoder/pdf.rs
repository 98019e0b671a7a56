//! PDF documents, through `lopdf`: the text each page shows, as a part
//! named by the page (`pdf:page 1`), scanned as text.
//!
//! A PDF's cross-reference table is at its end, so the layer is buffered
//! (to [`MAX_BUFFERED_ARCHIVE`](super::zip::MAX_BUFFERED_ARCHIVE), as a
//! zip) and decoded when it ends.
//!
//! `lopdf` inflates streams whole, without a limit, and trusts the
//! numbers it reads, so what it decodes is measured here first, with
//! bounded decoders:
//!
//! - before loading ([`prescan`]): the first deflate layer of every
//!   stream in the raw file must inflate within [`prescan_budget`] in
//!   all (this bounds the cross-reference streams `lopdf` inflates while
//!   loading), and a cross-reference stream's field widths must be sane
//!   ([`MAX_XREF_WIDTH`]);
//! - while loading ([`objstm_filter`]): each object stream's whole
//!   filter chain is measured before `lopdf` expands it, and one past
//!   [`MAX_PDF_STREAM`] or the document's budget is emptied;
//! - after loading ([`tame_streams`]): every other stream's filter chain
//!   likewise, before any text is extracted; images are emptied unread
//!   (text extraction never reads them).
//!
//! What is emptied is reported (`malformed`), the rest is still read.
//! `catch_unwind` is not used: a mutation fuzz of `lopdf` through this
//! decoder (classic and object-stream PDFs, 200,000 inputs) found no
//! panic, and what it did find (an allocation abort from a hostile
//! `/W`, which no `catch_unwind` can stop) is checked up front.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, Write};

use lopdf::content::Content;
use lopdf::{
    Dictionary, Document, Encoding, LoadOptions, Object, ObjectId, Stream,
};

use super::zip::{Buffered, Problems};
use super::{DecodeError, Decoder, Output};

/// Decoded bytes one stream may have. A page's content stream is at most
/// a few MB even for dense tables; a font's CMap is KBs. Past this, the
/// stream is emptied (reported), and the rest of the document is read.
const MAX_PDF_STREAM: usize = 16 << 20;

/// Encoded bytes judged against at least this much (the floor of the
/// layer's expansion ratio): a small PDF may compress very well.
const RATIO_FLOOR: u64 = 64 * 1024;

/// How far back from a `stream` keyword its dictionary is looked for,
/// to find a cross-reference stream's field widths. Dictionaries are a
/// few hundred bytes.
const DICT_LOOKBACK: usize = 4096;

/// Least and most first-layer inflated bytes a whole PDF may have before
/// it is loaded: between these, the default expansion ratio over its
/// size. Scanned pages stored as deflated images inflate a long way (a
/// blank A4 page at 300 dpi, 25 MB, deflates to a few KB), hence a floor
/// well above the ratio's; the ceiling bounds the memory `lopdf` may
/// take for its cross-reference streams, and the time spent measuring.
const PRESCAN_FLOOR: u64 = 256 << 20;
/// See [`PRESCAN_FLOOR`].
const PRESCAN_CEILING: u64 = 1 << 30;

/// Text handed on at a time.
const PIECE: usize = 64 * 1024;

/// A PDF decoder.
#[derive(Default)]
pub(crate) struct Pdf {
    input: Buffered,
}

impl Pdf {
    /// A decoder for one document.
    pub(crate) fn new() -> Pdf {
        Pdf::default()
    }
}

impl Decoder for Pdf {
    fn push(
        &mut self,
        input: &[u8],
        _out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        self.input.push(input, "PDF document")
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let buf = self.input.take();
        decode(&buf, out)
    }
}

/// Inflated bytes the whole document may have: the default expansion
/// ratio over its size (a decoder cannot see the configured limits).
fn budget(len: usize) -> u64 {
    (len as u64)
        .max(RATIO_FLOOR)
        .saturating_mul(crate::DEFAULT_MAX_EXPANSION_RATIO)
}

/// Decodes a whole document.
fn decode(buf: &[u8], out: &mut dyn Output) -> Result<(), DecodeError> {
    prescan(buf)?;
    OBJSTM.with(|o| o.set(ObjStm { left: budget(buf.len()), emptied: 0 }));
    let options =
        LoadOptions { filter: Some(objstm_filter), ..LoadOptions::default() };
    let loaded = Document::load_mem_with_options(buf, options);
    let objstm = OBJSTM.with(Cell::take);
    let mut doc = loaded.map_err(|e| {
        DecodeError::Malformed(format!("cannot load the document: {e}"))
    })?;
    let mut problems = Problems::default();
    if objstm.emptied > 0 {
        problems.add(format!(
            "{} object streams decode to more than {} MiB \
             (MAX_PDF_STREAM) or {}× the document; not decoded",
            objstm.emptied,
            MAX_PDF_STREAM >> 20,
            crate::DEFAULT_MAX_EXPANSION_RATIO
        ));
    }
    tame_streams(&mut doc, objstm.left, &mut problems);
    // Pages are listed once: lopdf's `extract_text(&[n])` walks the
    // page tree for every call, which is quadratic in the pages.
    for (n, page) in doc.get_pages() {
        let text = page_text(&doc, page, n, &mut problems);
        if text.is_empty() {
            continue;
        }
        if !out.part(&format!("page {n}"), true) {
            return Err(DecodeError::Stopped);
        }
        for piece in text.as_bytes().chunks(PIECE) {
            if !out.data(piece) {
                return Err(DecodeError::Stopped);
            }
        }
    }
    problems.result()
}

/// The text page `n` (object `page`) shows, as `lopdf`'s
/// `extract_text` makes it (the strings of its text operators in the
/// encoding of the current font; a line break at a new line or the end
/// of a text object), from the page's content streams only.
fn page_text(
    doc: &Document,
    page: ObjectId,
    n: u32,
    problems: &mut Problems,
) -> String {
    let mut text = String::new();
    let fonts = match doc.get_page_fonts(page) {
        Ok(fonts) => fonts,
        Err(e) => {
            problems.add(format!("page {n}: {e}"));
            return text;
        }
    };
    let mut encodings: BTreeMap<Vec<u8>, Encoding<'_>> = BTreeMap::new();
    for (name, font) in fonts {
        match font.get_font_encoding(doc) {
            Ok(encoding) => {
                encodings.insert(name, encoding);
            }
            Err(e) => problems.add(format!("page {n}: font: {e}")),
        }
    }
    let content =
        match doc.get_page_content(page).and_then(|c| Content::decode(&c)) {
            Ok(content) => content,
            Err(e) => {
                problems.add(format!("page {n}: {e}"));
                return text;
            }
        };
    let mut encoding = None;
    let newline = |text: &mut String| {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
    };
    for op in &content.operations {
        let shown = match op.operator.as_str() {
            "Tf" => {
                encoding = op
                    .operands
                    .first()
                    .and_then(|f| f.as_name().ok())
                    .and_then(|f| encodings.get(f));
                continue;
            }
            "T*" | "ET" => {
                newline(&mut text);
                continue;
            }
            "Tj" | "TJ" => &op.operands[..],
            "'" => {
                newline(&mut text);
                &op.operands[..]
            }
            "\"" => {
                newline(&mut text);
                op.operands.get(2..).unwrap_or_default()
            }
            _ => continue,
        };
        if let Some(encoding) = encoding {
            if let Err(e) = show(&mut text, encoding, shown) {
                problems.add(format!("page {n}: {e}"));
            }
        }
    }
    text
}

/// The text of a text operator's operands: strings decoded, a space
/// after an array and for a large negative kerning (a word gap).
fn show(
    text: &mut String,
    encoding: &Encoding<'_>,
    operands: &[Object],
) -> lopdf::Result<()> {
    for operand in operands {
        match operand {
            Object::String(bytes, _) => {
                text.push_str(&Document::decode_text(encoding, bytes)?);
            }
            Object::Array(items) => {
                // One level: TJ's array holds strings and numbers.
                for item in items {
                    match item {
                        Object::String(bytes, _) => {
                            text.push_str(&Document::decode_text(
                                encoding, bytes,
                            )?);
                        }
                        Object::Integer(i) if *i < -100 => text.push(' '),
                        _ => {}
                    }
                }
                text.push(' ');
            }
            Object::Integer(i) if *i < -100 => text.push(' '),
            _ => {}
        }
    }
    Ok(())
}

/// Counts bytes written, failing past a cap.
struct Counter {
    n: usize,
    cap: usize,
    /// The bytes, when kept (to feed the next filter).
    keep: Option<Vec<u8>>,
}

impl Write for Counter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.n = self.n.saturating_add(data.len());
        if self.n > self.cap {
            return Err(io::Error::other("over the cap"));
        }
        if let Some(keep) = &mut self.keep {
            keep.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether a counter went over its cap.
fn over(c: &Counter) -> bool {
    c.n > c.cap
}

/// Inflates `input` as `lopdf` does (zlib, or raw deflate after the
/// two-byte header when zlib yields nothing) into `sink`, stopping at its
/// cap. Errors in the data only end it.
fn inflate(input: &[u8], sink: &mut Counter) {
    let mut zlib = flate2::read::ZlibDecoder::new(input);
    let failed = io::copy(&mut zlib, sink).is_err();
    if failed && sink.n == 0 && !over(sink) && input.len() > 2 {
        let mut raw = flate2::read::DeflateDecoder::new(&input[2..]);
        let _ = io::copy(&mut raw, sink);
    }
}

/// What object streams may still decode to while a document loads, and
/// how many were emptied.
#[derive(Clone, Copy, Default)]
struct ObjStm {
    left: u64,
    emptied: usize,
}

thread_local! {
    /// The [`ObjStm`] budget of the document loading on this thread:
    /// `lopdf`'s load filter is a plain `fn`, so it has no other state.
    /// `lopdf` is built without `rayon`, so it loads on the calling
    /// thread.
    static OBJSTM: Cell<ObjStm> = const { Cell::new(ObjStm { left: 0, emptied: 0 }) };
}

/// `lopdf`'s load filter: sees every object before an object stream is
/// expanded, and empties an object stream that would decode past
/// [`MAX_PDF_STREAM`] or what is left of the document's budget.
fn objstm_filter(
    id: ObjectId,
    object: &mut Object,
) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        if stream.dict.has_type(b"ObjStm") {
            let mut budget = OBJSTM.with(Cell::get);
            let cap = MAX_PDF_STREAM
                .min(usize::try_from(budget.left).unwrap_or(usize::MAX));
            match measure(stream, cap) {
                Ok(n) => budget.left = budget.left.saturating_sub(n as u64),
                Err(_) => {
                    budget.emptied += 1;
                    stream.set_plain_content(Vec::new());
                }
            }
            OBJSTM.with(|o| o.set(budget));
        }
    }
    // lopdf keeps the object it passed (now measured) for objects of the
    // file, and takes the returned one for objects out of an object
    // stream (never streams themselves): a stream is not cloned.
    let kept = match object {
        Object::Stream(_) => Object::Null,
        other => other.clone(),
    };
    Some((id, kept))
}

/// First-layer inflated bytes a whole PDF may have before it is loaded:
/// the default ratio over its size, within [`PRESCAN_FLOOR`] and
/// [`PRESCAN_CEILING`].
fn prescan_budget(len: usize) -> u64 {
    budget(len).clamp(PRESCAN_FLOOR, PRESCAN_CEILING)
}

/// Before loading: the first deflate layer of every stream in the raw
/// file must inflate within [`prescan_budget`], and cross-reference
/// streams must have sane field widths.
fn prescan(buf: &[u8]) -> Result<(), DecodeError> {
    let budget = prescan_budget(buf.len());
    let mut left = budget;
    for at in memchr::memmem::find_iter(buf, b"stream") {
        if buf[..at].ends_with(b"end") {
            continue;
        }
        let rest = &buf[at + 6..];
        let data = if let Some(d) = rest.strip_prefix(b"\r\n") {
            d
        } else if let Some(d) = rest.strip_prefix(b"\n") {
            d
        } else if let Some(d) = rest.strip_prefix(b"\r") {
            d
        } else {
            continue;
        };
        let dict = &buf[at.saturating_sub(DICT_LOOKBACK)..at];
        let dict = match memchr::memmem::rfind(dict, b"obj") {
            Some(o) => &dict[o..],
            None => dict,
        };
        let has = |s: &[u8]| memchr::memmem::find(dict, s).is_some();
        if has(b"/XRef") {
            check_xref_widths(dict)?;
        }
        let cap = usize::try_from(left).unwrap_or(usize::MAX);
        let mut sink = Counter { n: 0, cap, keep: None };
        inflate(data, &mut sink);
        if over(&sink) {
            return Err(DecodeError::Malformed(format!(
                "its streams inflate to more than {} MiB (a \
                 decompression bomb?); not decoded",
                budget >> 20
            )));
        }
        left -= sink.n as u64;
    }
    Ok(())
}

/// Widest field of a cross-reference stream row (`/W`), in bytes: the
/// specification's fields are offsets and generation numbers, 8 bytes
/// at most. `lopdf` allocates a buffer of each width as given (a width
/// of 10^11 aborts the process for want of memory), and with all widths
/// zero reads no bytes per row, so rows count up to the `/Index` given
/// (10^18): both are refused before it loads the document.
const MAX_XREF_WIDTH: u64 = 8;

/// Checks the `/W` array of a cross-reference stream's dictionary text.
fn check_xref_widths(dict: &[u8]) -> Result<(), DecodeError> {
    let bad = |why: &str| {
        Err(DecodeError::Malformed(format!(
            "cross-reference stream with {why}; not decoded"
        )))
    };
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&dict[from..], b"/W") {
        let rest = &dict[from + at + 2..];
        from += at + 2;
        // `/W` itself, not `/Width`: whitespace or `[` follows.
        let rest = match rest.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) if rest[i] == b'[' => &rest[i + 1..],
            _ => continue,
        };
        let end = rest.iter().position(|&b| b == b']').unwrap_or(rest.len());
        let mut sum = 0u64;
        for field in rest[..end].split(|b| b.is_ascii_whitespace()) {
            if field.is_empty() {
                continue;
            }
            let width = std::str::from_utf8(field)
                .ok()
                .and_then(|f| f.parse::<u64>().ok())
                .filter(|&w| w <= MAX_XREF_WIDTH);
            match width {
                Some(w) => sum += w,
                None => return bad("field widths (/W) over 8 bytes"),
            }
        }
        if sum == 0 {
            return bad("rows of no bytes (/W all zero)");
        }
    }
    Ok(())
}

/// Decodes a stream's filter chain as `lopdf` would, within `cap`
/// bytes at every step: the decoded length, or why not.
fn measure(stream: &Stream, cap: usize) -> Result<usize, String> {
    let Ok(filters) = stream.filters() else {
        return Ok(stream.content.len());
    };
    let params =
        stream.dict.get(b"DecodeParms").and_then(Object::as_dict).ok();
    let mut data = stream.content.clone();
    for filter in filters {
        let mut sink = Counter { n: 0, cap, keep: Some(Vec::new()) };
        match filter {
            b"FlateDecode" => inflate(&data, &mut sink),
            b"LZWDecode" => {
                let early = params
                    .and_then(|p| p.get(b"EarlyChange").ok())
                    .and_then(|p| p.as_i64().ok())
                    .is_none_or(|v| v != 0);
                let order = weezl::BitOrder::Msb;
                let mut d = if early {
                    weezl::decode::Decoder::with_tiff_size_switch(order, 8)
                } else {
                    weezl::decode::Decoder::new(order, 8)
                };
                let _ = d.into_stream(&mut sink).decode_all(&data[..]);
            }
            b"ASCII85Decode" => {
                // At most 4× (`z` is four zero bytes): decoded by lopdf.
                let mut dict = Dictionary::new();
                dict.set("Filter", Object::Name(b"ASCII85Decode".to_vec()));
                let one = Stream::new(dict, data).with_compression(false);
                let _ = sink
                    .write(&one.decompressed_content().unwrap_or_default());
            }
            // lopdf decodes nothing else: it stops here too.
            _ => break,
        }
        if over(&sink) {
            return Err(format!("decodes to more than {} MiB", cap >> 20));
        }
        data = sink.keep.unwrap_or_default();
    }
    Ok(data.len())
}

/// Empties the streams text extraction must not decode: images (never
/// needed) and streams over [`MAX_PDF_STREAM`] or the document's budget.
fn tame_streams(doc: &mut Document, budget: u64, problems: &mut Problems) {
    let mut left = budget;
    for (id, object) in doc.objects.iter_mut() {
        let Object::Stream(stream) = object else { continue };
        let image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Image");
        if image {
            stream.set_plain_content(Vec::new());
            continue;
        }
        let cap =
            MAX_PDF_STREAM.min(usize::try_from(left).unwrap_or(usize::MAX));
        match measure(stream, cap) {
            Ok(n) => left = left.saturating_sub(n as u64),
            Err(why) => {
                problems.add(format!(
                    "stream {} {}: {why} (MAX_PDF_STREAM, or {}× the \
                     document); not decoded",
                    id.0,
                    id.1,
                    crate::DEFAULT_MAX_EXPANSION_RATIO
                ));
                stream.set_plain_content(Vec::new());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_follows_chains_within_the_cap() {
        let zeros = vec![0u8; 1 << 20];
        let mut e = flate2::write::ZlibEncoder::new(
            Vec::new(),
            flate2::Compression::best(),
        );
        e.write_all(&zeros).unwrap();
        let once = e.finish().unwrap();
        let mut e = flate2::write::ZlibEncoder::new(
            Vec::new(),
            flate2::Compression::best(),
        );
        e.write_all(&once).unwrap();
        let twice = e.finish().unwrap();
        let mut dict = Dictionary::new();
        dict.set(
            "Filter",
            Object::Array(vec![
                Object::Name(b"FlateDecode".to_vec()),
                Object::Name(b"FlateDecode".to_vec()),
            ]),
        );
        let s = Stream::new(dict, twice).with_compression(false);
        assert_eq!(measure(&s, 2 << 20), Ok(1 << 20));
        assert!(measure(&s, 1 << 19).is_err());
    }
}
