//! Base64 (RFC 4648, standard or URL-safe alphabet), as MIME writes it:
//! line breaks and spaces between characters are skipped, padding is
//! optional. Decoding uses the `base64` crate on whole 4-character
//! quanta; this file only feeds it across pushes.

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

use super::{DecodeError, Decoder, Output};

/// The engine: standard alphabet, padding accepted or not.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        // A stream cut mid-quantum (a truncated attachment) still gives
        // the bytes its last characters hold.
        .with_decode_allow_trailing_bits(true),
);

/// Characters decoded per call: a multiple of 4.
const BATCH: usize = 4 * 1024;

/// A base64 decoder.
#[derive(Debug, Default)]
pub(crate) struct Base64 {
    /// Characters waiting for a whole quantum (fewer than [`BATCH`]).
    pending: Vec<u8>,
    /// Padding (`=`) was seen: the encoded data has ended.
    ended: bool,
    out: Vec<u8>,
}

impl Base64 {
    /// A decoder.
    pub(crate) fn new() -> Base64 {
        Base64::default()
    }

    /// Decodes the whole quanta of `pending` (all of it at the end).
    fn flush(
        &mut self,
        all: bool,
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let take =
            if all { self.pending.len() } else { self.pending.len() / 4 * 4 };
        if take == 0 {
            return Ok(());
        }
        let mut chunk: Vec<u8> = self.pending.drain(..take).collect();
        if all && chunk.len() % 4 == 1 {
            // One character cannot encode a byte: a truncated quantum.
            chunk.pop();
        }
        self.out.clear();
        ENGINE
            .decode_vec(&chunk, &mut self.out)
            .map_err(|e| DecodeError::Malformed(format!("base64: {e}")))?;
        if self.out.is_empty() || out.data(&self.out) {
            Ok(())
        } else {
            Err(DecodeError::Stopped)
        }
    }
}

impl Decoder for Base64 {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        for &b in input {
            let c = match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => b,
                // The URL-safe alphabet.
                b'-' => b'+',
                b'_' => b'/',
                b'=' => {
                    self.ended = true;
                    continue;
                }
                b'\r' | b'\n' | b' ' | b'\t' => continue,
                other => {
                    return Err(DecodeError::Malformed(format!(
                        "base64: byte {other:#04x} is not in the alphabet"
                    )))
                }
            };
            if self.ended {
                // Data after padding: a second encoded object follows.
                self.flush(true, out)?;
                self.ended = false;
            }
            self.pending.push(c);
            if self.pending.len() >= BATCH {
                self.flush(false, out)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        self.flush(true, out)
    }
}
