//! gzip, zlib and raw deflate, through `flate2`'s push-based (`write`)
//! decoders.

use std::io::{self, Write};

use flate2::write::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::{DecodeError, Decoder, Output};

/// Which framing around the deflate stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// RFC 1952 gzip, one or more members (`1f 8b`).
    Gzip,
    /// RFC 1950 zlib (`78 9c` and friends).
    Zlib,
    #[allow(dead_code)] // HTTP Content-Encoding: deflate, being added
    /// RFC 1951 raw deflate (HTTP `Content-Encoding: deflate` as some
    /// servers send it).
    Raw,
}

/// Bytes of decoded output handed on at a time: a zip bomb expands by
/// 1000×, so output is passed on (and counted against the limits) in
/// bounded pieces, never accumulated.
const PIECE: usize = 64 * 1024;

/// Collects decoded bytes for the [`Output`], refusing more once it said
/// stop.
struct Sink {
    buf: Vec<u8>,
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // Take at most a piece at a time: the decoder calls again.
        let n = data.len().min(PIECE);
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Inner {
    Gzip(MultiGzDecoder<Sink>),
    Zlib(ZlibDecoder<Sink>),
    Raw(DeflateDecoder<Sink>),
}

/// A gzip, zlib or raw deflate decoder.
pub(crate) struct Flate {
    inner: Inner,
}

impl Flate {
    /// A decoder for `framing`.
    pub(crate) fn new(framing: Framing) -> Flate {
        let sink = Sink { buf: Vec::new() };
        let inner = match framing {
            Framing::Gzip => Inner::Gzip(MultiGzDecoder::new(sink)),
            Framing::Zlib => Inner::Zlib(ZlibDecoder::new(sink)),
            Framing::Raw => Inner::Raw(DeflateDecoder::new(sink)),
        };
        Flate { inner }
    }

    fn sink(&mut self) -> &mut Sink {
        match &mut self.inner {
            Inner::Gzip(d) => d.get_mut(),
            Inner::Zlib(d) => d.get_mut(),
            Inner::Raw(d) => d.get_mut(),
        }
    }

    /// Hands what the decoder produced to `out`.
    fn drain(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let buf = std::mem::take(&mut self.sink().buf);
        let go_on = buf.is_empty() || out.data(&buf);
        let mut buf = buf;
        buf.clear();
        self.sink().buf = buf;
        if go_on {
            Ok(())
        } else {
            Err(DecodeError::Stopped)
        }
    }
}

/// A `flate2` error as a decode error.
fn malformed(e: io::Error) -> DecodeError {
    DecodeError::Malformed(e.to_string())
}

impl Decoder for Flate {
    fn push(
        &mut self,
        mut input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        // Feed in small steps so that output is drained (and limits
        // checked) every PIECE bytes or so, however much one input byte
        // expands.
        while !input.is_empty() {
            let step = &input[..input.len().min(4096)];
            let written = match &mut self.inner {
                Inner::Gzip(d) => d.write(step),
                Inner::Zlib(d) => d.write(step),
                Inner::Raw(d) => d.write(step),
            };
            // What was decoded before an error is handed on first.
            self.drain(out)?;
            let n = written.map_err(malformed)?;
            if n == 0 {
                // The stream ended (a zlib or raw stream's last block):
                // trailing bytes are not part of it.
                break;
            }
            input = &input[n..];
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let r = match &mut self.inner {
            Inner::Gzip(d) => d.try_finish(),
            Inner::Zlib(d) => d.try_finish(),
            Inner::Raw(d) => d.try_finish(),
        };
        self.drain(out)?;
        r.map_err(malformed)
    }
}
