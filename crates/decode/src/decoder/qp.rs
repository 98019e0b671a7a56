//! Quoted-printable (RFC 2045 §6.7): `=XX` escapes and soft line breaks
//! (`=` at the end of a line), as MIME parts and HTTP multipart parts
//! declare it with `Content-Transfer-Encoding: quoted-printable`. Never
//! sniffed from content (too much text has `=` in it): only applied where
//! a header says so.
//!
//! A soft line break is removed, so a number wrapped at 76 characters
//! (`943 476 59=` + line break + `19`) is whole again. Malformed escapes
//! (`=G1`, a lone `=`) are kept as they are, as RFC 2045 advises.

use memchr::memchr;

use super::{DecodeError, Decoder, Output};

/// Spaces and tabs held between a `=` and the line break that may follow
/// it (trailing "transport padding" a mail relay added). RFC 2045 lines
/// are at most 76 characters, so more padding than this is not a soft
/// break: the `=` and the spaces are kept as text.
const MAX_QP_PADDING: usize = 76;

/// The value of a hexadecimal digit (either case: RFC 2045 asks for upper
/// case, but lower case is common and unambiguous).
pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Where a decoder is inside an escape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// Not in an escape.
    None,
    /// After `=`, followed by this many spaces or tabs (0 to
    /// [`MAX_QP_PADDING`]).
    Eq(usize),
    /// After `=` and one hex digit.
    Hex(u8),
    /// After `=`, padding and CR: a soft break if LF follows.
    EqCr(usize),
}

/// A streaming quoted-printable decoder. Its state is an escape in
/// progress: at most `=`, [`MAX_QP_PADDING`] spaces and a CR.
#[derive(Debug)]
pub(crate) struct Qp {
    /// The escape in progress.
    pending: Pending,
    /// Decoded bytes of the current push, handed on once per push.
    buf: Vec<u8>,
    /// The padding bytes after a pending `=` (spaces and tabs, as seen).
    padding: Vec<u8>,
}

impl Qp {
    /// A decoder.
    pub(crate) fn new() -> Qp {
        Qp { pending: Pending::None, buf: Vec::new(), padding: Vec::new() }
    }

    /// Gives up on the escape in progress: its bytes are text.
    fn unwind(&mut self) {
        match self.pending {
            Pending::None => {}
            Pending::Eq(_) => {
                self.buf.push(b'=');
                self.buf.extend_from_slice(&self.padding);
            }
            Pending::Hex(d) => {
                self.buf.push(b'=');
                self.buf.push(hex_digit(d));
            }
            Pending::EqCr(_) => {
                self.buf.push(b'=');
                self.buf.extend_from_slice(&self.padding);
                self.buf.push(b'\r');
            }
        }
        self.padding.clear();
        self.pending = Pending::None;
    }

    /// Decodes `input` into `buf`.
    fn decode(&mut self, input: &[u8]) {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.pending {
                Pending::None => {
                    // Copy up to the next `=` in one go.
                    let rest = &input[i..];
                    match memchr(b'=', rest) {
                        None => {
                            self.buf.extend_from_slice(rest);
                            return;
                        }
                        Some(p) => {
                            self.buf.extend_from_slice(&rest[..p]);
                            self.pending = Pending::Eq(0);
                            i += p + 1;
                        }
                    }
                    continue;
                }
                Pending::Eq(pad) => match b {
                    b'\n' => {
                        // A soft line break: nothing comes out.
                        self.padding.clear();
                        self.pending = Pending::None;
                    }
                    b'\r' => self.pending = Pending::EqCr(pad),
                    b' ' | b'\t' if pad < MAX_QP_PADDING => {
                        self.padding.push(b);
                        self.pending = Pending::Eq(pad + 1);
                    }
                    _ => match hex_val(b) {
                        Some(d) if pad == 0 => self.pending = Pending::Hex(d),
                        _ => {
                            self.unwind();
                            // Look at `b` again, as text.
                            continue;
                        }
                    },
                },
                Pending::Hex(hi) => match hex_val(b) {
                    Some(lo) => {
                        self.buf.push(hi << 4 | lo);
                        self.pending = Pending::None;
                    }
                    None => {
                        self.unwind();
                        continue;
                    }
                },
                Pending::EqCr(_) => {
                    if b == b'\n' {
                        self.padding.clear();
                        self.pending = Pending::None;
                    } else {
                        self.unwind();
                        continue;
                    }
                }
            }
            i += 1;
        }
    }

    /// Hands `buf` to `out`.
    fn flush(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let go_on = self.buf.is_empty() || out.data(&self.buf);
        self.buf.clear();
        if go_on {
            Ok(())
        } else {
            Err(DecodeError::Stopped)
        }
    }
}

/// The upper-case hexadecimal digit for `d` (below 16).
fn hex_digit(d: u8) -> u8 {
    b"0123456789ABCDEF"[usize::from(d & 0x0f)]
}

impl Decoder for Qp {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        self.decode(input);
        self.flush(out)
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        // A `=` at the very end is a soft break with no line after it.
        if !matches!(self.pending, Pending::Eq(_) | Pending::EqCr(_)) {
            self.unwind();
        }
        self.pending = Pending::None;
        self.padding.clear();
        self.flush(out)
    }
}

/// Decodes the "Q" encoding of an RFC 2047 encoded-word: quoted-printable
/// where `_` stands for a space.
pub(crate) fn decode_q(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = input.get(i + 1).copied().and_then(hex_val);
                let lo = input.get(i + 2).copied().and_then(hex_val);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Escapes, soft breaks and the Q encoding, pushed in every chunking.
#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what a decoder hands on.
    #[derive(Default)]
    struct Bytes(Vec<u8>);

    impl Output for Bytes {
        fn data(&mut self, bytes: &[u8]) -> bool {
            self.0.extend_from_slice(bytes);
            true
        }

        fn part(&mut self, _label: &str, _text: bool) -> bool {
            true
        }
    }

    /// Decodes `input` pushed `step` bytes at a time.
    fn decode(input: &[u8], step: usize) -> Vec<u8> {
        let mut qp = Qp::new();
        let mut out = Bytes::default();
        for chunk in input.chunks(step) {
            qp.push(chunk, &mut out).unwrap();
        }
        qp.finish(&mut out).unwrap();
        out.0
    }

    #[test]
    fn escapes_and_soft_breaks() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"NHS 943 476 59=\r\n19 ok", b"NHS 943 476 5919 ok"),
            (b"NHS 943 476 59=\n19", b"NHS 943 476 5919"),
            (b"caf=C3=A9 =3D x", "café = x".as_bytes()),
            (b"lower =c3=a9", "lower é".as_bytes()),
            (b"padded=  \r\nline", b"paddedline"),
            (b"hard\r\nbreak", b"hard\r\nbreak"),
            (b"bad =G1 =4 end=", b"bad =G1 =4 end"),
            (b"a=\rb", b"a=\rb"),
            (b"= x", b"= x"),
            (b"", b""),
        ];
        for &(input, want) in cases {
            for step in [1, 2, 3, input.len().max(1)] {
                assert_eq!(
                    decode(input, step),
                    want,
                    "{:?} by {step}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn too_much_padding_is_text() {
        let mut input = b"x=".to_vec();
        input.extend(std::iter::repeat_n(b' ', MAX_QP_PADDING + 1));
        input.extend_from_slice(b"\ny");
        let want = input.clone();
        assert_eq!(decode(&input, 1), want);
        assert_eq!(decode(&input, 1000), want);
    }

    #[test]
    fn q_encoding() {
        assert_eq!(decode_q(b"Ren=E9e_Smith=2"), b"Ren\xe9e Smith=2");
        assert_eq!(decode_q(b"="), b"=");
    }
}
