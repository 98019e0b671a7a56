//! What a layer's first bytes say it is.

use crate::decoder::flate::{Flate, Framing};
use crate::decoder::utf16::Utf16;
use crate::decoder::{http, mime, multipart, Decoder};

/// Bytes a layer's start is held to recognise its format: enough for
/// every magic number and first line tested here. A layer shorter than
/// this is recognised at its end.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const SNIFF_LEN: usize = 32;

/// A whole-layer format: the decoder for the rest of the layer, and its
/// name in layer paths.
pub(crate) struct Format {
    /// The name in a finding's layer path (`gzip`, `zip`, `http`).
    pub(crate) name: &'static str,
    /// The decoder.
    pub(crate) decoder: Box<dyn Decoder>,
}

/// Bytes of `head` (after its first `skip`) that are not printable ASCII
/// or whitespace: compressed data is full of them, text has none.
fn binary_bytes(head: &[u8], skip: usize) -> usize {
    head.iter()
        .skip(skip)
        .filter(|&&b| !(b.is_ascii_graphic() || b.is_ascii_whitespace()))
        .count()
}

/// The format whose signature `head` (the layer's first bytes, all of
/// them when the layer is shorter than [`SNIFF_LEN`]) starts with, or
/// `None` for text.
pub(crate) fn sniff(head: &[u8]) -> Option<Format> {
    let format =
        |name, decoder: Box<dyn Decoder>| Some(Format { name, decoder });
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        return format("gzip", Box::new(Flate::new(Framing::Gzip)));
    }
    // zlib: CM 8 with a 32K window, the header check, no preset
    // dictionary, and binary bytes after it (`x^` is valid text too).
    if head.len() >= 2
        && head[0] == 0x78
        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0
        && head[1] & 0x20 == 0
        && binary_bytes(head, 2) >= 4
    {
        return format("zlib", Box::new(Flate::new(Framing::Zlib)));
    }
    if let Some(utf16) = Utf16::sniff(head) {
        return format("utf16", Box::new(utf16));
    }
    if head.starts_with(b"PK\x03\x04") {
        return format("zip", Box::new(crate::decoder::zip::Zip::new()));
    }
    if head.starts_with(b"%PDF-") {
        return format("pdf", Box::new(crate::decoder::pdf::Pdf::new()));
    }
    if http::is_http(head) {
        return format("http", Box::new(http::Http::new()));
    }
    if multipart::is_multipart(head) {
        return format("multipart", Box::new(multipart::Multipart::new()));
    }
    if mime::is_mime(head) {
        return format("mime", Box::new(mime::Mime::new()));
    }
    None
}
