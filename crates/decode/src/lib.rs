//! Decoding layers for Caldicott: finds patient identifiers inside
//! content that does not show them as text — a gzip body, a base64 blob —
//! by decoding it as it streams past and scanning what comes out with the
//! same [`caldicott_core::Engine`].
//!
//! Like the core, this crate does no I/O: push chunks into a
//! [`DecodingStream`] (or scan a whole input with [`Decoder::scan`]) and
//! findings come out through a [`Sink`]. A finding inside decoded content
//! has [`Finding::layer`](caldicott_core::Finding::layer) set: the layers
//! it was found through (`gzip > base64`) and where the outermost starts
//! in the input; its `start` and `end` are offsets in the innermost
//! decoded layer.
//!
//! # Layers
//!
//! A layer is the input, or what a decoder made of part of it. Each layer's
//! first bytes ([`SNIFF_LEN`]) decide what it is, and a recognised format
//! is decoded whole, its output a layer (or, for a container, a layer per
//! part) of its own:
//!
//! | layer | recognised by | decoded |
//! |---|---|---|
//! | `gzip`, `zlib` | `1f 8b 08`; a zlib header followed by binary bytes | `flate2`, streaming |
//! | `http` | a request line (`POST /…`) or a status line (`HTTP/1.1 200`) | headers scanned as text (the target percent-decoded); the body de-chunked, `Content-Encoding: deflate` inflated and `br` decoded (`brotli-decompressor`, streaming) in place, `gzip` left for the body's own `gzip` layer (`zstd` noted, not decoded), forms percent-decoded (`http:form`) |
//! | `multipart` | `--boundary` and a part header | each part (`multipart:export.csv`), its `Content-Transfer-Encoding` undone |
//! | `mime` | an email header line (`From:`, `Received:`, `MIME-Version:`…) | headers (encoded-words decoded) as text; each body part (`mime:report.pdf`), base64 and quoted-printable undone |
//! | `zip` | `PK\x03\x04` | buffered (to 64 MiB), each entry a part (`zip:xl/sharedStrings.xml`); Office and OpenDocument XML as its text, not its markup |
//! | `pdf` | `%PDF-` | buffered (to 64 MiB), `lopdf`: each page's text (`pdf:page 3`) |
//! | `utf16` | a byte-order mark, or NUL-interleaved ASCII | to UTF-8, streaming |
//!
//! Anything else is scanned as text, and inside text three followers look
//! for content in another form: a run of at least [`MIN_BASE64_RUN`]
//! base64 characters (MIME line breaks allowed) is decoded as a `base64`
//! layer while it lasts; a URL token (to [`MAX_URL_TOKEN`] bytes) whose
//! escapes touch digits or an `@` is percent-decoded as a `url` layer; a
//! number wrapped across a line break (`943 476\n> 5919`) is rejoined as an
//! `unwrap` layer. Findings in `url` and `unwrap` layers are reported one
//! confidence level lower (the weaker form, spec §2). Layers nest, to
//! [`Limits::max_depth`]: `http > multipart:upload.csv.gz > gzip`.
//!
//! # Example
//!
//! ```
//! use caldicott_core::Engine;
//! use caldicott_decode::Decoder;
//!
//! let decoder = Decoder::new(Engine::default());
//! // "NHS number 943 476 5919 for the referral" in base64, in JSON.
//! let body = br#"{"attachment": "TkhTIG51bWJlciA5NDMgNDc2IDU5MTkgZm9yIHRoZSByZWZlcnJhbA=="}"#;
//! let findings = decoder.scan(body);
//! assert_eq!(findings.len(), 1);
//! let layer = findings[0].layer.as_ref().unwrap();
//! assert_eq!(layer.path, "base64");
//! assert_eq!(layer.start, 16); // where the blob starts in `body`
//! assert_eq!((findings[0].start, findings[0].end), (11, 23));
//! ```

#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod decoder;
mod layer;
mod prefilter;
mod sniff;
mod unwrap;

use caldicott_core::{Engine, Finding, Notice, Sink};
use serde::{Deserialize, Serialize};

use crate::layer::{Ctx, Layer};

pub use crate::decoder::percent::MAX_URL_TOKEN;
pub use crate::layer::{MAX_HEX_RUN, MIN_BASE64_RUN};
pub use crate::sniff::SNIFF_LEN;

/// Default [`Limits::max_depth`]: HTTP, gzip, multipart, base64, zip and
/// an entry's own encoding are six; two more leave room, and archives of
/// archives beyond that are a tactic, not a workflow.
pub const DEFAULT_MAX_DEPTH: usize = 8;

/// Default [`Limits::max_decoded_bytes`]: 1 GiB of decoded content per
/// input. A proxy scanning an upload must finish in bounded time; past
/// this, the input is reported as not fully inspected.
pub const DEFAULT_MAX_DECODED_BYTES: u64 = 1 << 30;

/// Default [`Limits::max_expansion_ratio`]: 100×. Text compresses 3–10×,
/// spreadsheets up to about 50×; deflate's ceiling is about 1,032×, which
/// only crafted bombs approach.
pub const DEFAULT_MAX_EXPANSION_RATIO: u64 = 100;

/// Default [`Limits::max_parts`]: 1,024 parts per container (multipart
/// body, MIME message, zip archive). An Office document has tens of
/// entries; a zip of 10,000 entries is an attack on the scanner.
pub const DEFAULT_MAX_PARTS: usize = 1024;

/// How far decoding may go. Deserialisable (the CLI reads it from the
/// configuration file's `[decode]` table); unknown fields are rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Layers nested inside the input at most (the input is depth 0).
    pub max_depth: usize,
    /// Decoded bytes per input, all layers together.
    pub max_decoded_bytes: u64,
    /// Decoded bytes per encoded byte in one layer (judged once the layer
    /// has decoded 64 KiB × the ratio).
    pub max_expansion_ratio: u64,
    /// Parts or entries per container.
    pub max_parts: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_decoded_bytes: DEFAULT_MAX_DECODED_BYTES,
            max_expansion_ratio: DEFAULT_MAX_EXPANSION_RATIO,
            max_parts: DEFAULT_MAX_PARTS,
        }
    }
}

/// An [`Engine`] that decodes layers before it scans.
#[derive(Clone, Debug)]
pub struct Decoder {
    engine: Engine,
    limits: Limits,
}

impl Decoder {
    /// `engine` with the default [`Limits`].
    pub fn new(engine: Engine) -> Decoder {
        Decoder { engine, limits: Limits::default() }
    }

    /// `engine` with `limits`.
    pub fn with_limits(engine: Engine, limits: Limits) -> Decoder {
        Decoder { engine, limits }
    }

    /// The engine that scans every layer.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Scans a whole input, layers and all.
    pub fn scan(&self, input: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_into(input, &mut out);
        out
    }

    /// Scans a whole input, handing findings and notices to `sink`.
    pub fn scan_into(&self, input: &[u8], sink: &mut dyn Sink) {
        let mut stream = self.stream();
        // A fresh stream is neither finished nor stopped: a stop by the
        // sink only ends the scan early, which is what it asked for.
        let _ = stream.push(input, sink);
        let _ = stream.finish(sink);
    }

    /// Starts a stream.
    pub fn stream(&self) -> DecodingStream {
        DecodingStream {
            decoder: self.clone(),
            root: Layer::root(),
            decoded: 0,
            state: StreamState::Open,
        }
    }
}

/// Why a [`DecodingStream`] refuses input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodingStreamError {
    /// `finish` was called.
    Finished,
    /// The sink asked to stop.
    Stopped,
}

impl std::fmt::Display for DecodingStreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DecodingStreamError::Finished => "the stream is finished",
            DecodingStreamError::Stopped => "the sink stopped the stream",
        })
    }
}

impl std::error::Error for DecodingStreamError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamState {
    Open,
    Failed(DecodingStreamError),
}

/// A stream through the decoding layers: push chunks, findings come out
/// as each layer decides them. The findings do not depend on the
/// chunking, as for [`caldicott_core::Stream`]. To keep it so, a decoding
/// layer (gzip, HTTP, MIME…) hands its decoder whole 4 KiB steps, and a
/// text layer's followers (base64 runs, URL tokens, wrapped numbers) see
/// it in 16 KiB pieces, each aligned to the layer's offsets: what is found
/// through them may come out that much after its bytes were pushed (or at
/// `finish`), and each layer holds at most one such step or piece.
pub struct DecodingStream {
    decoder: Decoder,
    root: Layer,
    decoded: u64,
    state: StreamState,
}

impl std::fmt::Debug for DecodingStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodingStream")
            .field("decoded", &self.decoded)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl DecodingStream {
    /// The next bytes of the input.
    ///
    /// # Errors
    ///
    /// After `finish`, or once the sink asked to stop (sticky).
    pub fn push(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<(), DecodingStreamError> {
        self.run(sink, |root, ctx| root.push(chunk, ctx))
    }

    /// The input has ended: every layer is finished and reported.
    ///
    /// # Errors
    ///
    /// As for [`push`](DecodingStream::push).
    pub fn finish(
        &mut self,
        sink: &mut dyn Sink,
    ) -> Result<(), DecodingStreamError> {
        let r = self.run(sink, |root, ctx| root.finish(ctx));
        if r.is_ok() {
            self.state = StreamState::Failed(DecodingStreamError::Finished);
        }
        r
    }

    /// Decoded bytes so far, all layers together.
    pub fn decoded_bytes(&self) -> u64 {
        self.decoded
    }

    fn run(
        &mut self,
        sink: &mut dyn Sink,
        f: impl FnOnce(&mut Layer, &mut Ctx<'_>),
    ) -> Result<(), DecodingStreamError> {
        if let StreamState::Failed(e) = self.state {
            return Err(e);
        }
        let mut ctx = Ctx {
            engine: &self.decoder.engine,
            limits: &self.decoder.limits,
            decoded: &mut self.decoded,
            sink,
            stopped: false,
        };
        f(&mut self.root, &mut ctx);
        if ctx.stopped {
            self.state = StreamState::Failed(DecodingStreamError::Stopped);
            return Err(DecodingStreamError::Stopped);
        }
        Ok(())
    }
}

/// Keeps a sink's notices, for tests and simple callers.
#[derive(Debug, Default)]
pub struct Collected {
    /// Findings, in the order made.
    pub findings: Vec<Finding>,
    /// Notices, in the order made.
    pub notices: Vec<Notice>,
}

impl Sink for Collected {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings.push(finding);
        true
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.notices.push(notice);
        true
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_http;
#[cfg(test)]
mod tests_text;
#[cfg(test)]
mod tests_zip;
