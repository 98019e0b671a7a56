//! UTF-16 text (little or big endian), as Windows tools write it: a
//! "Unicode text" export from Excel, a PowerShell redirect, a `.reg` file.
//! Scanned as it is, its digits are NUL-interleaved (`9\0 4\0 3\0 …`) and
//! nothing is found; decoded to UTF-8, the text layer underneath is
//! scanned from its start (so a CSV header row is seen as one).
//!
//! The decoding is the standard library's [`char::decode_utf16`]; this file
//! only carries a split code unit (one byte) and a high surrogate across
//! pushes, so the output does not depend on how the input is chunked.
//! Unpaired surrogates become U+FFFD, as the standard decoder gives them.

use super::{DecodeError, Decoder, Output};

/// Code-unit pairs in a full [`SNIFF_LEN`](crate::SNIFF_LEN) head.
const HEAD_UNITS: usize = crate::SNIFF_LEN / 2;

/// Of the head's code units, how many (out of [`HEAD_UNITS`]) must be
/// printable ASCII or whitespace with a zero high byte to take a layer
/// without a byte-order mark for UTF-16: 12 of 16. Text in a Latin script
/// is nearly all ASCII; a quarter is left for accented letters, symbols
/// and the odd non-Latin word. ASCII text never has a NUL, so it never
/// gets near.
const MIN_ASCII_UNITS: usize = 12;

/// Fewest code units a layer shorter than [`SNIFF_LEN`](crate::SNIFF_LEN)
/// needs to be judged UTF-16 without a byte-order mark: 4 characters.
/// Below that, a few NULs among binary bytes would pass.
const MIN_SHORT_UNITS: usize = 4;

/// Decoded bytes gathered before they are handed on: enough to keep the
/// calls to the output few, small enough to stay in cache.
const OUT_BATCH: usize = 8 * 1024;

/// Byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endian {
    /// Low byte first (`FF FE`): what Windows writes.
    Little,
    /// High byte first (`FE FF`).
    Big,
}

/// Whether a code unit is printable ASCII or ASCII whitespace.
fn is_ascii_text(unit: u16) -> bool {
    u8::try_from(unit)
        .is_ok_and(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

/// How many of `head`'s code units, read in `endian` order, are
/// printable ASCII or whitespace.
fn ascii_units(head: &[u8], endian: Endian) -> usize {
    head.chunks_exact(2)
        .filter(|p| is_ascii_text(unit(p[0], p[1], endian)))
        .count()
}

/// The code unit of the bytes `a`, `b` (in stream order).
fn unit(a: u8, b: u8, endian: Endian) -> u16 {
    match endian {
        Endian::Little => u16::from_le_bytes([a, b]),
        Endian::Big => u16::from_be_bytes([a, b]),
    }
}

/// A UTF-16 decoder whose output is UTF-8.
#[derive(Debug)]
pub(crate) struct Utf16 {
    endian: Endian,
    /// Bytes still to skip at the start: the byte-order mark.
    skip: u8,
    /// The first byte of a code unit split across pushes.
    odd: Option<u8>,
    /// A high surrogate whose low half is in the next push.
    high: Option<u16>,
    /// Code units of the current push (reused).
    units: Vec<u16>,
    /// UTF-8 not yet handed on (fewer than [`OUT_BATCH`] bytes between
    /// calls).
    out: Vec<u8>,
}

impl Utf16 {
    /// A decoder for `endian`, skipping a byte-order mark when `bom`.
    pub(crate) fn new(endian: Endian, bom: bool) -> Utf16 {
        Utf16 {
            endian,
            skip: if bom { 2 } else { 0 },
            odd: None,
            high: None,
            units: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The decoder for a layer whose first bytes are `head` (at most
    /// [`SNIFF_LEN`](crate::SNIFF_LEN), all of the layer when shorter), if
    /// it is UTF-16: a byte-order mark (`FF FE` little endian, `FE FF` big
    /// endian), or, without one, NUL-interleaved ASCII: at least
    /// [`MIN_ASCII_UNITS`] of the 16 code units (three quarters of a
    /// shorter layer's, and at least [`MIN_SHORT_UNITS`]) are printable
    /// ASCII or whitespace read in one byte order.
    pub(crate) fn sniff(head: &[u8]) -> Option<Utf16> {
        if head.starts_with(&[0xff, 0xfe]) {
            return Some(Utf16::new(Endian::Little, true));
        }
        if head.starts_with(&[0xfe, 0xff]) {
            return Some(Utf16::new(Endian::Big, true));
        }
        let units = head.len() / 2;
        let need = if units >= HEAD_UNITS {
            MIN_ASCII_UNITS
        } else if units >= MIN_SHORT_UNITS {
            // Three quarters, rounded up, as 12 is of 16.
            (units * 3).div_ceil(4)
        } else {
            return None;
        };
        [Endian::Little, Endian::Big]
            .into_iter()
            .find(|&e| ascii_units(head, e) >= need)
            .map(|e| Utf16::new(e, false))
    }

    /// Decodes `self.units` (all of them when `last`; otherwise a final
    /// high surrogate waits for its pair) into `self.out`.
    fn decode_units(&mut self, last: bool) {
        if !last {
            if let Some(&u) = self.units.last() {
                if (0xd800..0xdc00).contains(&u) {
                    self.high = Some(u);
                    self.units.pop();
                }
            }
        }
        let mut buf = [0u8; 4];
        for c in char::decode_utf16(self.units.iter().copied()) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        self.units.clear();
    }

    /// Hands the decoded bytes on.
    fn flush(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let ok = out.data(&self.out);
        self.out.clear();
        if ok {
            Ok(())
        } else {
            Err(DecodeError::Stopped)
        }
    }
}

impl Decoder for Utf16 {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let mut input = input;
        while self.skip > 0 {
            let Some((_, rest)) = input.split_first() else {
                return Ok(());
            };
            input = rest;
            self.skip -= 1;
        }
        // Decode in batches so that the buffers stay small however large
        // the push.
        for batch in input.chunks(OUT_BATCH) {
            let mut bytes = batch;
            self.units.extend(self.high.take());
            if let Some(a) = self.odd.take() {
                match bytes.split_first() {
                    Some((&b, rest)) => {
                        self.units.push(unit(a, b, self.endian));
                        bytes = rest;
                    }
                    None => self.odd = Some(a),
                }
            }
            let pairs = bytes.chunks_exact(2);
            self.odd = pairs.remainder().first().copied();
            let endian = self.endian;
            self.units.extend(pairs.map(|p| unit(p[0], p[1], endian)));
            self.decode_units(false);
            if self.out.len() >= OUT_BATCH {
                self.flush(out)?;
            }
        }
        self.flush(out)
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        self.units.extend(self.high.take());
        self.decode_units(true);
        if self.odd.take().is_some() {
            // Half a code unit: the text was cut short.
            self.out.extend_from_slice("\u{fffd}".as_bytes());
            self.flush(out)?;
            return Err(DecodeError::Malformed(
                "utf16: the text ends in half a character (an odd number \
                 of bytes)"
                    .to_string(),
            ));
        }
        self.flush(out)
    }
}
