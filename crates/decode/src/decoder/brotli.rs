//! Brotli (RFC 7932), as HTTP `Content-Encoding: br` sends it, through
//! `brotli-decompressor`'s low-level streaming call.
//!
//! Not its `DecompressorWriter`: that writes all a push decodes to its
//! sink before it returns (a few bytes of a bomb are gigabytes) and
//! accepts large-window streams (a 1 GiB window), which are not RFC 7932
//! and which no HTTP server sends. Here the window is at most 16 MiB, and
//! output is handed on in pieces of at most [`PIECE`] bytes, each counted
//! against the limits as it comes, so a bomb stops at the limit.
//!
//! The decoder is fed its input in [`STEP`]-byte blocks aligned to the
//! start of the stream, whatever the pushes: where it flushes decoded
//! bytes depends on where its input runs out, so a corrupt stream gives
//! the same output (and the same findings) however it is chunked.
//!
//! Brotli has no checksum: damage that still decodes (a changed literal)
//! is not noticed, as a browser would not notice it; damage that does not
//! is [`DecodeError::Malformed`] with the decoder's reason. The crate is
//! safe Rust; `catch_unwind` is not used: a mutation fuzz of this decoder
//! (500,000 inputs: bytes changed, inserted and cut, and random bytes,
//! pushed in random steps) found no panic.

use brotli_decompressor::{
    BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc,
};

use super::{DecodeError, Decoder, Output};

/// Bytes of decoded output handed on at a time (as for deflate): a brotli
/// bomb expands by far more than 1000×, so output is passed on (and
/// counted against the limits) in bounded pieces, never accumulated.
const PIECE: usize = 64 * 1024;

/// Encoded bytes fed to the decoder at a time, in blocks aligned to the
/// start of the stream.
const STEP: usize = 4096;

/// The decoder's state, with the standard allocator.
type State = BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>;

/// A brotli decoder.
pub(crate) struct Brotli {
    /// The decoder proper (large: boxed).
    state: Box<State>,
    /// The current [`STEP`]-aligned block's bytes, until it is whole.
    held: Vec<u8>,
    /// The output buffer, [`PIECE`] bytes once decoding has started.
    buf: Vec<u8>,
    /// Decoded bytes so far (the decoder's own count).
    total: usize,
    /// The stream's last meta-block has been decoded.
    ended: bool,
}

impl Brotli {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Brotli {
        // Strict: RFC 7932 windows only (at most 16 MiB).
        let state = State::new_strict(
            StandardAlloc::default(),
            StandardAlloc::default(),
            StandardAlloc::default(),
        );
        Brotli {
            state: Box::new(state),
            held: Vec::new(),
            buf: Vec::new(),
            total: 0,
            ended: false,
        }
    }

    /// Decodes one block of input, handing on what comes out.
    fn feed(
        &mut self,
        block: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        if self.ended {
            return Err(after_end());
        }
        if self.buf.is_empty() {
            self.buf = vec![0; PIECE];
        }
        let (mut avail_in, mut in_at) = (block.len(), 0);
        loop {
            let (mut avail_out, mut out_at) = (PIECE, 0);
            let result = BrotliDecompressStream(
                &mut avail_in,
                &mut in_at,
                block,
                &mut avail_out,
                &mut out_at,
                &mut self.buf,
                &mut self.total,
                &mut self.state,
            );
            // What was decoded before an error is handed on first.
            if out_at > 0 && !out.data(&self.buf[..out_at]) {
                return Err(DecodeError::Stopped);
            }
            match result {
                BrotliResult::NeedsMoreOutput if out_at > 0 => {}
                BrotliResult::NeedsMoreOutput => {
                    return Err(DecodeError::Malformed(
                        "the brotli decoder made no progress".to_string(),
                    ));
                }
                BrotliResult::NeedsMoreInput => return Ok(()),
                BrotliResult::ResultSuccess => {
                    self.ended = true;
                    return if avail_in > 0 {
                        Err(after_end())
                    } else {
                        Ok(())
                    };
                }
                BrotliResult::ResultFailure => {
                    return Err(DecodeError::Malformed(corrupt(&self.state)));
                }
            }
        }
    }
}

/// Bytes follow the stream's last meta-block.
fn after_end() -> DecodeError {
    DecodeError::Malformed(
        "bytes after the end of the brotli stream are not decoded".to_string(),
    )
}

/// Why the decoder failed, from its error code
/// (`BROTLI_DECODER_ERROR_FORMAT_PADDING_1` is `format padding 1`).
fn corrupt(state: &State) -> String {
    let code = format!("{:?}", state.error_code);
    let what = code
        .trim_start_matches("BROTLI_DECODER_ERROR_")
        .replace('_', " ")
        .to_ascii_lowercase();
    format!("corrupt brotli data ({what})")
}

impl Decoder for Brotli {
    fn push(
        &mut self,
        mut input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        while !input.is_empty() {
            if self.held.is_empty() && input.len() >= STEP {
                let (block, rest) = input.split_at(STEP);
                input = rest;
                self.feed(block, out)?;
                continue;
            }
            let take = (STEP - self.held.len()).min(input.len());
            self.held.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.held.len() == STEP {
                let block = std::mem::take(&mut self.held);
                let result = self.feed(&block, out);
                self.held = block;
                self.held.clear();
                result?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let block = std::mem::take(&mut self.held);
        if !block.is_empty() || !self.ended {
            self.feed(&block, out)?;
        }
        if self.ended {
            Ok(())
        } else {
            Err(DecodeError::Malformed(
                "the brotli stream is cut short (no last meta-block)"
                    .to_string(),
            ))
        }
    }
}
