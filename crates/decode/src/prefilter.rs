//! Where the text followers should look, found 64 bytes at a time.
//!
//! The followers of a text layer (the base64 follower in
//! [`crate::layer`], [`crate::unwrap`]) look at every byte of every text
//! layer, and almost all text holds nothing for them: no base64 blob, no
//! number wrapped across a line. What they need first is where to look.
//! [`Masks::of`] answers that for a piece of the layer in one pass, with
//! bit masks of byte classes (SSE2 compares on x86_64, like the core's
//! trigger masks):
//!
//! - [`Masks::first_long_run`]: where the next run of at least
//!   [`MIN_BASE64_RUN`](crate::MIN_BASE64_RUN) base64 characters starts,
//!   from the alphabet mask and shifts that find a run of set bits;
//! - [`Masks::wrap_breaks`]: the line feeds after a digit, where
//!   [`crate::unwrap`] looks for a wrapped number;
//! - [`Masks::next_url_sign`]: the next `%` or `+`, around which the URL
//!   follower ([`crate::decoder::percent`]) looks for an encoded token.
//!
//! Each has an obvious byte-at-a-time oracle ([`first_long_run_scalar`],
//! [`wrap_breaks_scalar`]) it is tested against, and the SSE2 masks a
//! portable one. Before these, the base64 follower probed one byte in 48
//! and walked the stretch around it, and the wrap follower stopped at
//! every line feed: the decoder's plain-text scan was 1.7 times slower
//! than the engine's (log lines are full of ids, timestamps and hashes,
//! alphabet runs of 10–64 bytes, and of short lines).

/// Bytes per mask.
const BLOCK: usize = 64;

/// Bytes of a text layer masked at a time: 16 KiB. The followers take a
/// long push a piece at a time; a piece's masks (4 KiB) live on the stack
/// and its bytes stay in the CPU's cache between the mask pass and the
/// followers.
pub(crate) const PIECE: usize = 16 * 1024;

/// Whether `b` is in the base64 alphabet (standard or URL-safe, with
/// padding).
pub(crate) fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// The byte classes the followers need of one piece of a text layer (at
/// most [`PIECE`] bytes), a bit per byte, a `u64` per 64 bytes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    /// The piece's length.
    len: usize,
    /// Base64 characters.
    alphabet: Vec<u64>,
    /// Line breaks (LF or CR) after a digit, and any at position 0 or 1,
    /// whose bytes before are in the last piece: where
    /// [`Masks::wrap_breaks`] looks.
    wraps: Vec<u64>,
    /// `%` and `+`.
    url_signs: Vec<u64>,
}

impl Masks {
    /// The masks of `piece`: its first [`PIECE`] bytes.
    #[cfg(test)]
    pub(crate) fn of(piece: &[u8]) -> Masks {
        let mut masks = Masks::default();
        masks.compute(piece);
        masks
    }

    /// The masks of `piece` (at most [`PIECE`] bytes) with the block
    /// masks of one flavour.
    #[cfg(test)]
    fn with(
        piece: &[u8],
        block_masks: impl Fn(&[u8; BLOCK]) -> [u64; 4],
    ) -> Masks {
        let mut masks = Masks::default();
        masks.reset(piece.len());
        fill(piece, &mut masks, block_masks);
        masks
    }

    /// Empties the masks for a piece of `len` bytes.
    fn reset(&mut self, len: usize) {
        let blocks = len.div_ceil(BLOCK);
        self.len = len;
        self.alphabet.clear();
        self.alphabet.resize(blocks, 0);
        self.wraps.clear();
        self.wraps.resize(blocks, 0);
        self.url_signs.clear();
        self.url_signs.resize(blocks, 0);
    }

    /// Makes these the masks of `piece`: its first [`PIECE`] bytes.
    pub(crate) fn compute(&mut self, piece: &[u8]) {
        let piece = &piece[..piece.len().min(PIECE)];
        self.reset(piece.len());
        #[cfg(target_arch = "x86_64")]
        {
            if !avx2::fill_if_available(piece, self) {
                fill(piece, self, sse2::block_masks);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        fill(piece, self, block_masks_portable);
    }

    /// Where, at or after `from`, the first run of base64 characters that
    /// is at least `MIN` bytes long, or that reaches the end of the piece
    /// (it may go on in the next), starts; the piece's length when there is
    /// none. A run that starts at `from` counts from there: the caller
    /// knows the byte before ended any earlier run. `MIN` is 1 to 64 (a
    /// constant, so that the shifts below are too).
    pub(crate) fn first_long_run<const MIN: usize>(
        &self,
        from: usize,
    ) -> usize {
        const { assert!(MIN >= 1 && MIN <= BLOCK) };
        if from >= self.len {
            return self.len;
        }
        // The run that ends at the current block boundary: its start and
        // length (0 when the boundary does not follow an alphabet byte).
        let mut run_start = 0;
        let mut run_len = 0;
        let blocks = self.len.div_ceil(BLOCK);
        for n in from / BLOCK..blocks {
            let at = n * BLOCK;
            let mut mask = self.alphabet[n];
            if n == from / BLOCK {
                mask &= u64::MAX << (from % BLOCK);
            }
            if self.len - at < BLOCK {
                // Past the end counts as alphabet: a run that reaches the
                // end is found, however short; one that starts past it is
                // "none".
                mask |= u64::MAX << (self.len - at);
            }
            if mask == u64::MAX {
                if run_len == 0 {
                    run_start = at;
                }
                run_len += BLOCK;
                if run_len >= MIN {
                    return run_start.min(self.len);
                }
                continue;
            }
            // The run carried in goes on for the block's low set bits.
            let lead = mask.trailing_ones() as usize;
            if lead > 0 && run_len == 0 {
                run_start = at;
            }
            if run_len + lead >= MIN {
                return run_start.min(self.len);
            }
            // A run wholly inside the block (the lead run is too short, and
            // the block has a clear bit, so none reaches its end whole). A
            // run of more than half the block covers its middle bits: when
            // one of those is clear, there is none (the common case, in one
            // test).
            let middle =
                (u64::MAX >> (2 * BLOCK - 2 * MIN).min(63)) << (BLOCK - MIN);
            let may_have_one = 2 * MIN <= BLOCK || mask & middle == middle;
            let long = if may_have_one { runs_at_least(mask, MIN) } else { 0 };
            if long != 0 {
                return (at + long.trailing_zeros() as usize).min(self.len);
            }
            run_len = mask.leading_ones() as usize;
            run_start = at + BLOCK - run_len;
        }
        if run_len > 0 {
            run_start.min(self.len)
        } else {
            self.len
        }
    }

    /// Where the run of base64 characters at `from` ends: the first
    /// position at or after `from` that is not one, or the piece's length.
    pub(crate) fn run_end(&self, from: usize) -> usize {
        let blocks = self.len.div_ceil(BLOCK);
        for n in from / BLOCK..blocks {
            let mut other = !self.alphabet[n];
            if n == from / BLOCK {
                other &= u64::MAX << (from % BLOCK);
            }
            if other != 0 {
                return (n * BLOCK + other.trailing_zeros() as usize)
                    .min(self.len);
            }
        }
        self.len
    }

    /// The line feeds of `piece` (the bytes these are the masks of) where
    /// [`crate::unwrap`] looks for a wrapped number, in order: each line
    /// feed at position 0 or 1 (the bytes before it are in the last piece,
    /// which the caller keeps), and each other line feed that follows a
    /// digit, or a carriage return after a digit.
    pub(crate) fn wrap_breaks<'a>(
        &'a self,
        piece: &'a [u8],
    ) -> impl Iterator<Item = usize> + 'a {
        SetBits::new(&self.wraps).filter_map(move |q| match piece[q] {
            b'\n' => Some(q),
            // A CR after a digit: the line feed after it, if there is one
            // in this piece (if not, the next piece starts with it, and it
            // is taken there, at position 0).
            _ if q >= 1 && piece[q - 1].is_ascii_digit() => {
                (piece.get(q + 1) == Some(&b'\n')).then_some(q + 1)
            }
            _ => None,
        })
    }

    /// The first `%` or `+` at or after `from`.
    pub(crate) fn next_url_sign(&self, from: usize) -> Option<usize> {
        let first = from / BLOCK;
        for (n, &mask) in self.url_signs.iter().enumerate().skip(first) {
            let mut signs = mask;
            if n == first {
                signs &= u64::MAX << (from % BLOCK);
            }
            if signs != 0 {
                return Some(n * BLOCK + signs.trailing_zeros() as usize);
            }
        }
        None
    }
}

/// The positions of the set bits of a sequence of block masks, in order.
pub(crate) struct SetBits<'m> {
    masks: &'m [u64],
    /// The block whose bits are left in `rest`.
    block: usize,
    rest: u64,
}

impl<'m> SetBits<'m> {
    fn new(masks: &'m [u64]) -> SetBits<'m> {
        SetBits { masks, block: 0, rest: masks.first().copied().unwrap_or(0) }
    }
}

impl Iterator for SetBits<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.rest == 0 {
            self.block += 1;
            self.rest = *self.masks.get(self.block)?;
        }
        let k = self.rest.trailing_zeros() as usize;
        self.rest &= self.rest - 1;
        Some(self.block * BLOCK + k)
    }
}

/// Fills `masks` for `piece` (at most [`PIECE`] bytes) with `block_masks`
/// (which gives, for 64 bytes: base64 characters, line breaks, `%` and
/// `+`, digits). Always inlined, so that each SIMD flavour gets a
/// copy compiled with its target features.
#[inline(always)]
fn fill(
    piece: &[u8],
    masks: &mut Masks,
    block_masks: impl Fn(&[u8; BLOCK]) -> [u64; 4],
) {
    let mut last_digit = 0u64;
    for (n, chunk) in piece.chunks(BLOCK).enumerate() {
        let mut padded = [0u8; BLOCK];
        let block = match chunk.first_chunk::<BLOCK>() {
            Some(block) => block,
            None => {
                padded[..chunk.len()].copy_from_slice(chunk);
                &padded
            }
        };
        let [alphabet, line_break, url_sign, digit] = block_masks(block);
        masks.alphabet[n] = alphabet;
        masks.url_signs[n] = url_sign;
        let mut digit_before = (digit << 1) | (last_digit >> 63);
        if n == 0 {
            digit_before |= 0b11;
        }
        masks.wraps[n] = line_break & digit_before;
        last_digit = digit;
    }
}

/// [`Masks::first_long_run`] a byte at a time, on `bytes` (the piece from
/// `from` on): the oracle.
#[cfg(test)]
pub(crate) fn first_long_run_scalar(bytes: &[u8], min: usize) -> usize {
    let mut start = 0;
    let mut len = 0;
    for (k, &b) in bytes.iter().enumerate() {
        if is_base64(b) {
            if len == 0 {
                start = k;
            }
            len += 1;
            if len >= min {
                return start;
            }
        } else {
            len = 0;
        }
    }
    if len > 0 {
        start
    } else {
        bytes.len()
    }
}

/// [`Masks::wrap_breaks`] a byte at a time: the oracle.
#[cfg(test)]
pub(crate) fn wrap_breaks_scalar(bytes: &[u8]) -> Vec<usize> {
    let digit = |k: usize| bytes[k].is_ascii_digit();
    memchr::memchr_iter(b'\n', bytes)
        .filter(|&q| {
            q < 2 || digit(q - 1) || (bytes[q - 1] == b'\r' && digit(q - 2))
        })
        .collect()
}

/// Bit `k` set when bits `k..k + n` of `mask` are all set (`n` ≥ 1):
/// where runs of at least `n` set bits start, and the `n - 1` bits after
/// each such start. Bits beyond 63 count as clear.
fn runs_at_least(mask: u64, n: usize) -> u64 {
    let mut x = mask;
    let mut have = 1;
    while have < n {
        let shift = (n - have).min(have);
        x &= x >> shift;
        have += shift;
    }
    x
}

/// The masks of `block`, in this order: base64 characters, line breaks
/// (LF or CR), `%` and `+`, digits, a byte at a time: the oracle for the SIMD
/// ones, and the path on other CPUs than x86_64.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn block_masks_portable(block: &[u8; BLOCK]) -> [u64; 4] {
    let mut masks = [0u64; 4];
    for (k, &b) in block.iter().enumerate() {
        let found = [
            is_base64(b),
            b == b'\n' || b == b'\r',
            b == b'%' || b == b'+',
            b.is_ascii_digit(),
        ];
        for (mask, f) in masks.iter_mut().zip(found) {
            *mask |= u64::from(f) << k;
        }
    }
    masks
}

/// The masks with SSE2 compares and movemasks (the compiler does not
/// vectorise the portable loop): x86_64 without AVX2. With the AVX2
/// flavour below and core's masks in `scan.rs`, the only `unsafe` in the
/// workspace.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
    };

    use super::BLOCK;

    /// The masks of [`super::block_masks`].
    #[inline]
    pub(super) fn block_masks(block: &[u8; BLOCK]) -> [u64; 4] {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU
        // has it, so the target feature the callee enables is present.
        unsafe { block_masks_sse2(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn block_masks_sse2(block: &[u8; BLOCK]) -> [u64; 4] {
        let p = block.as_ptr().cast::<__m128i>();
        let case = _mm_set1_epi8(0x20);
        let a = _mm_set1_epi8(b'a' as i8);
        let twenty_five = _mm_set1_epi8(25);
        let zero = _mm_set1_epi8(b'0' as i8);
        let nine = _mm_set1_epi8(9);
        let [plus, slash, dash, underscore, equals, lf, cr, percent] =
            [b'+', b'/', b'-', b'_', b'=', b'\n', b'\r', b'%']
                .map(|c| _mm_set1_epi8(c as i8));
        let mut masks = [0u64; 4];
        for lane in 0..BLOCK / 16 {
            // SAFETY: `block` is BLOCK readable bytes and `lane` < BLOCK/16,
            // so the 16-byte load is in bounds; `loadu` has no alignment
            // requirement.
            let v = unsafe { _mm_loadu_si128(p.add(lane)) };
            // Letters: `b | 0x20` is in a..=z exactly for A..=Z and a..=z;
            // `x - lo` (wrapping) is at most `hi - lo` exactly in range.
            let l = _mm_sub_epi8(_mm_or_si128(v, case), a);
            let d = _mm_sub_epi8(v, zero);
            let digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
            let letter = _mm_cmpeq_epi8(_mm_min_epu8(l, twenty_five), l);
            let symbol = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, plus),
                    _mm_cmpeq_epi8(v, slash),
                ),
                _mm_or_si128(
                    _mm_or_si128(
                        _mm_cmpeq_epi8(v, dash),
                        _mm_cmpeq_epi8(v, underscore),
                    ),
                    _mm_cmpeq_epi8(v, equals),
                ),
            );
            let found = [
                _mm_or_si128(_mm_or_si128(letter, digit), symbol),
                _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)),
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, percent),
                    _mm_cmpeq_epi8(v, plus),
                ),
                digit,
            ];
            for (mask, f) in masks.iter_mut().zip(found) {
                *mask |= u64::from(_mm_movemask_epi8(f) as u16) << (16 * lane);
            }
        }
        masks
    }

    #[cfg(test)]
    mod tests {
        use super::super::{block_masks_portable, BLOCK};

        #[test]
        fn sse2_masks_match_portable_for_every_byte_at_every_lane() {
            for byte in 0..=255u8 {
                for lane in 0..BLOCK {
                    for fill in [b' ', b'Q', b'7', b'\n'] {
                        let mut block = [fill; BLOCK];
                        block[lane] = byte;
                        assert_eq!(
                            super::block_masks(&block),
                            block_masks_portable(&block),
                            "byte {byte:#04x} at lane {lane} in {fill}"
                        );
                    }
                }
            }
        }
    }
}

/// The masks with AVX2, 32 bytes at a time, by nibble lookup: each byte's
/// low and high nibbles index two 16-entry tables whose AND gives a byte
/// of class bits (the technique simdjson and base64 decoders use), so
/// that all four masks cost about as much as two compares each. Chosen at
/// run time when the CPU has AVX2; [`Masks::of`] falls back to SSE2.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use core::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setr_epi8,
        _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_slli_epi16,
        _mm256_srli_epi16,
    };

    use super::{Masks, BLOCK};

    /// Class bits: a byte is a base64 character when any of the low five
    /// is set.
    const LETTER_A_TO_O: u8 = 1 << 0;
    const LETTER_P_TO_Z: u8 = 1 << 1;
    const DIGIT_OR_EQUALS: u8 = 1 << 2;
    const PLUS_DASH_SLASH: u8 = 1 << 3;
    const UNDERSCORE: u8 = 1 << 4;
    const LINE_BREAK: u8 = 1 << 5;
    const URL_SIGN: u8 = 1 << 6;
    const DIGIT: u8 = 1 << 7;
    const ALPHABET: u8 = LETTER_A_TO_O
        | LETTER_P_TO_Z
        | DIGIT_OR_EQUALS
        | PLUS_DASH_SLASH
        | UNDERSCORE;

    /// The class bits a low nibble allows.
    const LOW: [u8; 16] = {
        let mut t = [0u8; 16];
        let mut lo = 0;
        while lo < 16 {
            let mut bits = 0;
            if lo >= 1 {
                bits |= LETTER_A_TO_O; // A..O, a..o: 0x41..0x4F, 0x61..0x6F
            }
            if lo <= 0xA {
                bits |= LETTER_P_TO_Z; // P..Z, p..z: 0x50..0x5A, 0x70..0x7A
            }
            if lo <= 9 || lo == 0xD {
                bits |= DIGIT_OR_EQUALS; // 0x30..0x39, `=` 0x3D
            }
            if lo == 0xB || lo == 0xD || lo == 0xF {
                bits |= PLUS_DASH_SLASH; // 0x2B, 0x2D, 0x2F
            }
            if lo == 0xF {
                bits |= UNDERSCORE; // 0x5F
            }
            if lo == 0xA || lo == 0xD {
                bits |= LINE_BREAK; // 0x0A, 0x0D
            }
            if lo == 0x5 || lo == 0xB {
                bits |= URL_SIGN; // `%` 0x25, `+` 0x2B
            }
            if lo <= 9 {
                bits |= DIGIT;
            }
            t[lo] = bits;
            lo += 1;
        }
        t
    };

    /// The class bits a high nibble allows (none for 8..F: no class has
    /// a byte above 0x7F).
    const HIGH: [u8; 16] = {
        let mut t = [0u8; 16];
        t[0x0] = LINE_BREAK;
        t[0x2] = PLUS_DASH_SLASH | URL_SIGN;
        t[0x3] = DIGIT_OR_EQUALS | DIGIT;
        t[0x4] = LETTER_A_TO_O;
        t[0x5] = LETTER_P_TO_Z | UNDERSCORE;
        t[0x6] = LETTER_A_TO_O;
        t[0x7] = LETTER_P_TO_Z;
        t
    };

    /// Fills `masks` for `piece` with AVX2 if this CPU has it (`true`),
    /// else leaves them for the caller (`false`).
    pub(super) fn fill_if_available(piece: &[u8], masks: &mut Masks) -> bool {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return false;
        }
        // SAFETY: the CPU has AVX2 (checked above), the one target
        // feature `fill` enables.
        unsafe { fill(piece, masks) };
        true
    }

    /// Fills `masks` for `piece`, with AVX2.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn fill(piece: &[u8], masks: &mut Masks) {
        super::fill(piece, masks, |block| block_masks(block));
    }

    /// A 32-byte vector of `table` twice (the shuffle looks up within each
    /// 16-byte half).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn table(t: [u8; 16]) -> __m256i {
        let t = t.map(|b| b as i8);
        _mm256_setr_epi8(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10],
            t[11], t[12], t[13], t[14], t[15], t[0], t[1], t[2], t[3], t[4],
            t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14],
            t[15],
        )
    }

    /// The masks of [`super::block_masks_portable`].
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn block_masks(block: &[u8; BLOCK]) -> [u64; 4] {
        let p = block.as_ptr().cast::<__m256i>();
        let (low, high) = (table(LOW), table(HIGH));
        let nibble = _mm256_set1_epi8(0x0F);
        let alphabet = _mm256_set1_epi8(ALPHABET as i8);
        let zero = _mm256_setzero_si256();
        let mut masks = [0u64; 4];
        for half in 0..BLOCK / 32 {
            // SAFETY: `block` is BLOCK readable bytes and `half` < BLOCK/32,
            // so the 32-byte load is in bounds; `loadu` has no alignment
            // requirement.
            let v = unsafe { _mm256_loadu_si256(p.add(half)) };
            let lo = _mm256_and_si256(v, nibble);
            let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
            let class = _mm256_and_si256(
                _mm256_shuffle_epi8(low, lo),
                _mm256_shuffle_epi8(high, hi),
            );
            // Movemask takes each byte's top bit: DIGIT is bit 7, and a
            // 16-bit shift left by k brings a byte's bit 7 - k there
            // (nothing crosses into a byte's top bit from its neighbour).
            let not_alphabet =
                _mm256_cmpeq_epi8(_mm256_and_si256(class, alphabet), zero);
            let found = [
                !(_mm256_movemask_epi8(not_alphabet) as u32),
                _mm256_movemask_epi8(_mm256_slli_epi16(class, 2)) as u32,
                _mm256_movemask_epi8(_mm256_slli_epi16(class, 1)) as u32,
                _mm256_movemask_epi8(class) as u32,
            ];
            for (mask, f) in masks.iter_mut().zip(found) {
                *mask |= u64::from(f) << (32 * half);
            }
        }
        masks
    }

    #[cfg(test)]
    mod tests {
        use super::super::{block_masks_portable, BLOCK};

        #[test]
        fn avx2_masks_match_portable_for_every_byte_at_every_lane() {
            if !std::arch::is_x86_feature_detected!("avx2") {
                eprintln!("no AVX2 on this CPU: the SSE2 masks are used");
                return;
            }
            for byte in 0..=255u8 {
                for lane in 0..BLOCK {
                    for fill in [b' ', b'Q', b'7', b'\n'] {
                        let mut block = [fill; BLOCK];
                        block[lane] = byte;
                        // SAFETY: AVX2 was detected above.
                        let fast = unsafe { super::block_masks(&block) };
                        assert_eq!(
                            fast,
                            block_masks_portable(&block),
                            "byte {byte:#04x} at lane {lane} in {fill}"
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn alphabet_is_base64_standard_and_url_safe() {
        let alphabet: Vec<u8> =
            (0..=255u8).filter(|&b| is_base64(b)).collect();
        assert_eq!(
            alphabet,
            b"+-/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
    }

    #[test]
    fn runs_at_least_marks_where_long_runs_start() {
        assert_eq!(runs_at_least(0b0111_0110, 2), 0b0011_0010);
        assert_eq!(runs_at_least(0b0111_0110, 3), 0b0001_0000);
        assert_eq!(runs_at_least(0b0111_0110, 4), 0);
        assert_eq!(runs_at_least(u64::MAX, 48), u64::MAX >> 47);
        assert_eq!(runs_at_least(u64::MAX << 16, 48), 1 << 16);
        assert_eq!(runs_at_least(u64::MAX << 17, 48), 0);
    }

    /// [`Masks::first_long_run`] for the run lengths the tests try.
    fn fast(masks: &Masks, from: usize, min: usize) -> usize {
        match min {
            1 => masks.first_long_run::<1>(from),
            2 => masks.first_long_run::<2>(from),
            47 => masks.first_long_run::<47>(from),
            48 => masks.first_long_run::<48>(from),
            49 => masks.first_long_run::<49>(from),
            63 => masks.first_long_run::<63>(from),
            64 => masks.first_long_run::<64>(from),
            _ => unreachable!("no instance for {min}"),
        }
    }

    /// Text with alphabet runs of chosen lengths, the separators chosen
    /// from a few non-alphabet bytes.
    fn text_of_runs() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            (0usize..90, prop::sample::select(b" \n.,:\"%\r".to_vec())),
            0..12,
        )
        .prop_map(|runs| {
            let mut text = Vec::new();
            for (k, (len, sep)) in runs.into_iter().enumerate() {
                text.extend((0..len).map(|j| b"aZ09+/-_=7"[(j + k) % 10]));
                text.push(sep);
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn fast_search_agrees_with_the_scalar_oracle(
            text in text_of_runs(),
            cut in 0usize..200,
            from in 0usize..300,
            min in prop::sample::select(vec![1usize, 2, 47, 48, 49, 63, 64]),
        ) {
            let text = &text[cut.min(text.len())..];
            let from = from.min(text.len());
            let masks = Masks::of(text);
            prop_assert_eq!(
                fast(&masks, from, min),
                from + first_long_run_scalar(&text[from..], min)
            );
        }

        #[test]
        fn run_ends_agree_with_the_scalar_oracle(
            text in text_of_runs(),
            from in 0usize..300,
        ) {
            let from = from.min(text.len());
            let expected = text[from..]
                .iter()
                .position(|&b| !is_base64(b))
                .map_or(text.len(), |k| from + k);
            prop_assert_eq!(Masks::of(&text).run_end(from), expected);
        }

        #[test]
        fn wrap_breaks_agree_with_the_scalar_oracle(
            text in prop::collection::vec(
                prop::sample::select(b"0123456789\n\r> \tab".to_vec()),
                0..300,
            ),
        ) {
            let masks = Masks::of(&text);
            let fast: Vec<usize> = masks.wrap_breaks(&text).collect();
            prop_assert_eq!(fast, wrap_breaks_scalar(&text));
        }
    }

    #[test]
    fn every_flavour_fills_the_same_masks() {
        let bytes = b"ab9Z+/=-_\n\r 7%\0\xff>";
        let text: Vec<u8> = (0..PIECE as u32)
            .map(|i| bytes[(i * 7 + i / 13) as usize % bytes.len()])
            .collect();
        for len in [0, 1, 63, 64, 65, 1000, PIECE] {
            let piece = &text[..len];
            let reference = Masks::with(piece, block_masks_portable);
            assert_eq!(Masks::of(piece), reference, "{len}");
            #[cfg(target_arch = "x86_64")]
            assert_eq!(Masks::with(piece, sse2::block_masks), reference);
        }
    }

    proptest! {
        #[test]
        fn url_signs_agree_with_memchr(
            text in prop::collection::vec(
                prop::sample::select(b"%+a9 \n=".to_vec()),
                0..300,
            ),
            from in 0usize..300,
        ) {
            let from = from.min(text.len());
            let expected =
                memchr::memchr2(b'%', b'+', &text[from..]).map(|k| from + k);
            prop_assert_eq!(Masks::of(&text).next_url_sign(from), expected);
        }
    }

    #[test]
    fn a_whole_piece_is_masked() {
        let mut piece = vec![b' '; PIECE];
        piece[PIECE - 50..].fill(b'Q');
        piece[PIECE - 101] = b'4';
        piece[PIECE - 100] = b'\n';
        let masks = Masks::of(&piece);
        assert_eq!(masks.first_long_run::<48>(0), PIECE - 50);
        assert_eq!(
            masks.wrap_breaks(&piece).collect::<Vec<_>>(),
            [PIECE - 100]
        );
        // A run reaching the end is found however short it is.
        assert_eq!(
            Masks::of(&piece[..PIECE - 40]).first_long_run::<48>(0),
            PIECE - 50
        );
    }

    #[test]
    fn wrap_breaks_across_block_edges() {
        // A line feed at every position of three blocks, after a digit,
        // a CR after a digit, a letter or a CR after a letter.
        for q in 2..190 {
            for before in [&b"7"[..], b"7\r", b"x", b"x\r"] {
                let mut text = vec![b'a'; 192];
                text[q - before.len()..q].copy_from_slice(before);
                text[q] = b'\n';
                let expected = wrap_breaks_scalar(&text);
                let found: Vec<usize> =
                    Masks::of(&text).wrap_breaks(&text).collect();
                assert_eq!(found, expected, "{q} {before:?}");
                let hit = before[0] == b'7';
                assert_eq!(expected, if hit { vec![q] } else { vec![] });
            }
        }
    }

    #[test]
    fn runs_crossing_block_boundaries_are_found_whole() {
        for start in 0..130 {
            for len in [1, 47, 48, 64, 65, 130] {
                let mut text = vec![b' '; 260];
                text[start..start + len].fill(b'x');
                let expected = first_long_run_scalar(&text, 48);
                let masks = Masks::of(&text);
                assert_eq!(
                    masks.first_long_run::<48>(0),
                    expected,
                    "{start}+{len}"
                );
                assert_eq!(expected, if len >= 48 { start } else { 260 });
            }
        }
    }
}
