//! The decoders: one file per encoding. Each is a push-based, sans-IO
//! transform from encoded bytes to decoded bytes (or, for containers, to a
//! sequence of named parts), so a layer can be decoded as it streams past.

pub(crate) mod base64;
pub(crate) mod brotli;
pub(crate) mod flate;
pub(crate) mod http;
pub(crate) mod mime;
pub(crate) mod multipart;
pub(crate) mod office;
pub(crate) mod pdf;
pub(crate) mod percent;
pub(crate) mod qp;
pub(crate) mod utf16;
pub(crate) mod zip;

/// Why a decoder stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The encoded bytes are not valid (a truncated gzip member, a corrupt
    /// deflate stream, a zip with a lying directory): the message says
    /// what.
    Malformed(String),
    /// The output refused more bytes (a limit was reached; the output has
    /// already said which).
    Stopped,
}

/// Where a decoder puts what it decodes.
// `part` and raw deflate are used by the container decoders being added.
#[allow(dead_code)]
pub(crate) trait Output {
    /// Decoded bytes of the current part. Returns `false` when no more are
    /// wanted (a limit was reached): the decoder must stop and return
    /// [`DecodeError::Stopped`].
    fn data(&mut self, bytes: &[u8]) -> bool;

    /// A container (HTTP, multipart, MIME, zip) starts a new part: the
    /// bytes that follow belong to it, as a child layer named
    /// `decoder:label` (`zip:xl/sharedStrings.xml`), or just `decoder` when
    /// `label` is empty (an HTTP body: `http > gzip`). With `text`, the
    /// part is scanned as text without looking for an encoding at its
    /// start (HTTP and MIME headers, which would otherwise look like a
    /// MIME message). Single-stream decoders never call this; their output
    /// is one part named by the decoder. Returns `false` when no more
    /// parts are wanted (the limit on parts; already reported).
    fn part(&mut self, label: &str, text: bool) -> bool;
}

/// A push-based decoder.
pub(crate) trait Decoder: Send {
    /// Decodes the next encoded bytes.
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError>;

    /// The encoded input has ended: flush, and check that it ended where
    /// the encoding allows (a gzip member must be complete).
    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError>;
}
