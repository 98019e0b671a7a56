//! The scan loop over one contiguous region of input.
//!
//! Both the one-shot scan and the stream call [`scan_region`]. It reports
//! the findings whose *start* lies in `from..to`, reading whatever context it
//! needs around them from the region. The caller guarantees the region
//! holds [`lookbehind`] bytes before `from` (or starts at offset 0 of the
//! input) and [`hold`] bytes after every start below `to` (or ends at the end
//! of the input), so a finding's verdict depends only on the input, never on
//! where a region begins or ends. That is what makes streaming results
//! independent of chunking.

use crate::companion::{
    self, Companion, COMPANION_LOOKAHEAD, COMPANION_LOOKBEHIND,
};
use crate::context::Memo;
use crate::detector::{classify, separator_at, Class, Digits};
use crate::engine::{Inner, Sink};
use crate::finding::{Confidence, Finding, Kind};
use crate::structure::{
    label_role, Event, FieldRole, Output, Structure, LABEL_LOOKBEHIND,
    STRUCTURE_LOOKAHEAD,
};

/// Longest candidate in bytes: 3-3-4 digits and two U+00A0 separators of two
/// bytes each.
pub const MAX_CANDIDATE_LEN: usize = 14;

/// Bytes of an alphanumeric run examined on each side of a contiguous
/// candidate to tell whether it sits in a hex token (hash, trace id, UUID).
/// A run of 16 hex characters with a letter is already a hex token, so
/// looking further changes nothing.
pub const HEX_TOKEN_LOOKAROUND: usize = 16;

/// Bytes examined before a candidate for an international dialling prefix:
/// a separator (at most 2 bytes), then at most [`PREFIX_DIGITS`] digits and
/// a `+`, or a `00` group of at most 5 digits with the separator and digit
/// before it (3 bytes) that would make it the end of another number.
const PREFIX_LOOKBEHIND: usize = 11;

/// Digits counted back from a separator when looking for a dialling prefix;
/// a prefix has at most five, so six tell "too long" apart.
const PREFIX_DIGITS: usize = 6;

/// Bytes examined after a candidate for a separator and a digit that would
/// continue it (a U+00A0 separator is two bytes).
const SUFFIX_LOOKAHEAD: usize = 3;

/// Bytes before a candidate's start that deciding it may read, for a
/// configured `context_before`. The `+ 1` is the byte before the window,
/// which decides whether a keyword at the window's edge is a whole word.
pub(crate) fn lookbehind(context_before: usize) -> usize {
    (context_before + 1)
        .max(HEX_TOKEN_LOOKAROUND + 2)
        .max(PREFIX_LOOKBEHIND)
        .max(COMPANION_LOOKBEHIND)
        .max(LABEL_LOOKBEHIND + 1)
}

/// Bytes from a candidate's start that deciding it may read, for a
/// configured `context_after`: the candidate itself and its look-ahead.
pub(crate) fn hold(context_after: usize) -> usize {
    MAX_CANDIDATE_LEN
        + (context_after + 1)
            .max(HEX_TOKEN_LOOKAROUND)
            .max(SUFFIX_LOOKAHEAD)
            .max(STRUCTURE_LOOKAHEAD)
}

// A companion's look-ahead fits in every hold: `hold` never needs to grow
// for it.
const _: () =
    assert!(COMPANION_LOOKAHEAD <= MAX_CANDIDATE_LEN + STRUCTURE_LOOKAHEAD);

/// A contiguous piece of the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region<'h> {
    /// The bytes.
    pub(crate) hay: &'h [u8],
    /// Absolute offset of `hay[0]` in the input.
    pub(crate) base: u64,
    /// Whether `hay` ends where the input ends.
    pub(crate) eof: bool,
}

/// Per-input state carried from one region to the next: the keyword memo
/// and the structure trackers. Bounded; see [`crate::Stream`].
#[derive(Clone, Debug, Default)]
pub(crate) struct ScanState {
    pub(crate) memo: Memo,
    pub(crate) structure: Structure,
    /// What the trackers found, on its way to the sink.
    out: Output,
    /// Companion shapes at the current trigger (kept to reuse the
    /// allocation).
    companions: Vec<Companion>,
    /// Structure is not followed for this input (it starts in the middle
    /// of a document), whatever the configuration says.
    pub(crate) no_structure: bool,
}

impl ScanState {
    /// Whether structure is followed for this input.
    fn structure_on(&self, engine: &Inner) -> bool {
        engine.config.structure && !self.no_structure
    }
}

impl ScanState {
    /// Advances the structure trackers to absolute offset `target` (and
    /// ends them when `eof`), handing what they found to `sink`; `false`
    /// if the sink asked to stop.
    fn advance_structure(
        &mut self,
        engine: &Inner,
        hay: &[u8],
        base: u64,
        target: u64,
        eof: bool,
        sink: &mut dyn Sink,
    ) -> bool {
        if !self.structure_on(engine) {
            return true;
        }
        self.structure.advance(hay, base, target, &mut self.out);
        if eof {
            self.structure.finish(target, &mut self.out);
        }
        self.drain(engine, sink)
    }

    /// Hands the trackers' findings and notices to `sink`, in the order
    /// they were made.
    fn drain(&mut self, engine: &Inner, sink: &mut dyn Sink) -> bool {
        self.out.drain(|event| match event {
            Event::Notice(notice) => sink.notice(notice),
            Event::Finding(f) => {
                !engine.wants(f.kind, f.confidence, f.synthetic)
                    || sink.finding(f)
            }
        })
    }
}

/// A candidate's written form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Contiguous,
    Grouped(&'static [u8]),
}

/// Scans candidates starting in `from..to` of `region`; returns `false` if
/// the sink asked to stop.
///
/// The fast path: most input is not digits, and every written form starts
/// with at least three digits. Blocks of [`BLOCK`] bytes are turned into
/// digit bitmasks (SSE2 on x86_64, a portable loop elsewhere), and only the
/// starts of
/// digit runs of three or more are looked at. [`scan_region_scalar`], the
/// byte-at-a-time loop, finishes the tail and is the fast path's oracle in
/// the tests.
pub(crate) fn scan_region(
    engine: &Inner,
    region: Region<'_>,
    from: usize,
    to: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> bool {
    // The trackers see every byte, in order, whether or not it held a
    // candidate; at the end of the input they report what is still open.
    scan_candidates(engine, region, from, to, state, sink)
        && state.advance_structure(
            engine,
            region.hay,
            region.base,
            region.base + to as u64,
            region.eof && to == region.hay.len(),
            sink,
        )
}

/// The block loop of [`scan_region`], with or without the companion
/// identifiers' triggers.
fn scan_candidates(
    engine: &Inner,
    region: Region<'_>,
    from: usize,
    to: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> bool {
    if engine.companions {
        scan_blocks::<true>(engine, region, from, to, state, sink)
    } else {
        scan_blocks::<false>(engine, region, from, to, state, sink)
    }
}

/// The masks of one block: bit `k` set when byte `k` is a digit, an
/// uppercase letter, a space, an `@`. The last three only with
/// `COMPANIONS`.
#[derive(Clone, Copy, Debug, Default)]
struct Masks {
    digit: u64,
    upper: u64,
    space: u64,
    at: u64,
}

/// The trigger positions of a block: digit runs of three or more (`runs`,
/// their starts) and, with `COMPANIONS`, the companion triggers of
/// [`companion::is_trigger`], all in `all`.
fn triggers<const COMPANIONS: bool>(
    cur: Masks,
    ahead: Masks,
    digit_before: u64,
) -> (u64, u64) {
    let next = |m: u64, a: u64, n: u32| m >> n | a << (64 - n);
    let (d1, d2) =
        (next(cur.digit, ahead.digit, 1), next(cur.digit, ahead.digit, 2));
    let runs = cur.digit & d1 & d2 & !(cur.digit << 1 | digit_before);
    if !COMPANIONS {
        return (runs, runs);
    }
    let (u1, u2) =
        (next(cur.upper, ahead.upper, 1), next(cur.upper, ahead.upper, 2));
    let space2 = next(cur.space, ahead.space, 2);
    let postcode = cur.digit & u1 & u2;
    let nino = cur.upper & u1 & (d2 | space2);
    let icd10 = cur.upper & d1 & d2;
    (runs, runs | postcode | nino | icd10 | cur.at)
}

/// The block loop: masks 64 bytes at a time, then decides each trigger.
fn scan_blocks<const COMPANIONS: bool>(
    engine: &Inner,
    region: Region<'_>,
    from: usize,
    to: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> bool {
    let hay = region.hay;
    debug_assert!(to <= hay.len());
    debug_assert!(region.base == 0 || from >= engine.lookbehind);
    debug_assert!(region.eof || to == 0 || to - 1 + engine.hold <= hay.len());
    let mut i = from;
    let mut next = None;
    let mut digit_before = u64::from(i > 0 && hay[i - 1].is_ascii_digit());
    // Two blocks must be readable: a trigger near the end of one block is
    // told apart by the bytes at the start of the next.
    while i < to && i + 2 * BLOCK <= hay.len() {
        let cur =
            next.unwrap_or_else(|| masks::<COMPANIONS>(&hay[i..i + BLOCK]));
        let ahead = masks::<COMPANIONS>(&hay[i + BLOCK..i + 2 * BLOCK]);
        next = Some(ahead);
        let (runs, mut all) = triggers::<COMPANIONS>(cur, ahead, digit_before);
        digit_before = cur.digit >> 63;
        while all != 0 {
            let k = all.trailing_zeros();
            let p = i + k as usize;
            all &= all - 1;
            if p >= to {
                return true;
            }
            let run = if runs >> k & 1 == 0 {
                0
            } else {
                // The run's length from the masks, unless it reaches past
                // them.
                let in_cur = (!(cur.digit >> k)).trailing_zeros();
                if k + in_cur < 64 {
                    in_cur as usize
                } else {
                    let in_ahead = (!ahead.digit).trailing_zeros();
                    if in_ahead < 64 {
                        (in_cur + in_ahead) as usize
                    } else {
                        digit_run(&hay[p..])
                    }
                }
            };
            if !trigger(engine, region, p, run, state, sink) {
                return false;
            }
        }
        i += BLOCK;
    }
    scan_region_scalar(engine, region, i.min(to), to, state, sink)
}

/// The masks of `block` ([`BLOCK`] bytes).
#[inline]
fn masks<const COMPANIONS: bool>(block: &[u8]) -> Masks {
    if !COMPANIONS {
        return Masks { digit: digit_mask(block), ..Masks::default() };
    }
    all_masks(block)
}

/// The four masks of `block` ([`BLOCK`] bytes; anything else gives zeros):
/// SSE2 on x86_64, the portable loops elsewhere.
#[inline]
fn all_masks(block: &[u8]) -> Masks {
    let Ok(b) = <&[u8; BLOCK]>::try_from(block) else {
        return Masks::default();
    };
    #[cfg(target_arch = "x86_64")]
    let [digit, upper, space, at] = sse2::all_masks(b);
    #[cfg(not(target_arch = "x86_64"))]
    let [digit, upper, space, at] = all_masks_portable(b);
    Masks { digit, upper, space, at }
}

/// The portable masks: the oracle for the SSE2 ones, and the fast path
/// elsewhere.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn all_masks_portable(block: &[u8; BLOCK]) -> [u64; 4] {
    [
        digit_mask_portable(block),
        range_mask(block, b'A', b'Z'),
        range_mask(block, b' ', b' '),
        range_mask(block, b'@', b'@'),
    ]
}

/// Bit `k` set when `block[k]` is in `lo..=hi`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn range_mask(block: &[u8; BLOCK], lo: u8, hi: u8) -> u64 {
    let mut mask = 0u64;
    for (k, &b) in block.iter().enumerate() {
        mask |= u64::from(b.wrapping_sub(lo) <= hi - lo) << k;
    }
    mask
}

/// Decides trigger `p`: the health identifier that a digit run of `run`
/// bytes (0 when `p` is not a run start) may start, then the companion
/// identifiers. `false` if the sink asked to stop.
fn trigger(
    engine: &Inner,
    region: Region<'_>,
    p: usize,
    run: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> bool {
    let mut health_found = false;
    if run == 3 || run == 10 {
        match candidate(engine, region, p, run, state, sink) {
            Decided::Stop => return false,
            Decided::Found => health_found = true,
            Decided::Nothing => {}
        }
    }
    if !engine.companions || !companion::possible(region.hay, p, run) {
        return true;
    }
    let (hay, base) = (region.hay, region.base);
    let mut found = std::mem::take(&mut state.companions);
    companion::at(hay, p, run, health_found, &mut found);
    for c in found.iter_mut().filter(|c| c.kind == Kind::Postcode) {
        // A postcode is the patient's address in a document about a
        // patient: a context keyword in the window raises it to medium.
        let config = &engine.config;
        let ws = if base == 0 {
            p.saturating_sub(config.context_before)
        } else {
            p - config.context_before
        };
        let we = (c.end + config.context_after).min(hay.len());
        let memo = &mut state.memo;
        if engine.keywords.corroborate(hay, base, ws, we, memo).any {
            c.otherwise = Some(Confidence::Medium);
        }
    }
    // Plain text (every tracker dormant): a shape that only a field could
    // make reportable (a date with no keyword) is dropped here.
    if !state.structure_on(engine) || !state.structure.is_live() {
        found.retain(|c| c.otherwise.is_some());
    }
    // The trackers are advanced to `p` before anything found here is
    // handed on, whether or not its field matters: what they completed
    // before `p` (a name, a record) comes first, at every chunking.
    let mut go_on = true;
    if !found.is_empty() {
        go_on = state.advance_structure(
            engine,
            hay,
            base,
            base + p as u64,
            false,
            sink,
        );
    }
    for c in &found {
        if !go_on {
            break;
        }
        let role = if c.needs_role() && state.structure_on(engine) {
            // The look-ahead a stream guarantees: `hold` bytes from `p`.
            let limit = (p + engine.hold).min(hay.len());
            let after_end = (c.end + STRUCTURE_LOOKAHEAD).min(limit);
            state.structure.role(&hay[c.end.min(after_end)..after_end])
        } else {
            FieldRole::None
        };
        if let Some(f) = c.finding(hay, base, role) {
            if engine.wants(f.kind, f.confidence, f.synthetic) {
                go_on = sink.finding(f);
            }
        }
    }
    found.clear();
    state.companions = found;
    go_on
}

/// Bytes per digit bitmask in the fast path.
const BLOCK: usize = 64;

/// Bit `k` set when `block[k]` is an ASCII digit (`block` is [`BLOCK`]
/// bytes; anything else gives 0).
#[inline]
fn digit_mask(block: &[u8]) -> u64 {
    match block.try_into() {
        #[cfg(target_arch = "x86_64")]
        Ok(b) => sse2::digit_mask(b),
        #[cfg(not(target_arch = "x86_64"))]
        Ok(b) => digit_mask_portable(b),
        Err(_) => 0,
    }
}

/// The portable digit mask: the oracle for the SSE2 one, and the fast path
/// elsewhere.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn digit_mask_portable(block: &[u8; BLOCK]) -> u64 {
    let mut mask = 0u64;
    for (k, &b) in block.iter().enumerate() {
        mask |= u64::from(b.wrapping_sub(b'0') < 10) << k;
    }
    mask
}

/// The digit mask with SSE2 compares and movemasks. The compiler does not
/// vectorise the portable loop well (a profile of the web-traffic
/// benchmark put a third of the scan in it); this is the one hand-written
/// piece of the hot path, and the only `unsafe` in the crate.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_set1_epi8, _mm_sub_epi8,
    };

    use super::BLOCK;

    /// Bit `k` set when `block[k]` is an ASCII digit.
    #[inline]
    pub(super) fn digit_mask(block: &[u8; BLOCK]) -> u64 {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU
        // has it, so the target feature the callee enables is present.
        unsafe { digit_mask_sse2(block) }
    }

    /// The four masks of [`super::Masks`]: digits, uppercase letters,
    /// spaces and `@`, from one load per 16 bytes.
    #[inline]
    pub(super) fn all_masks(block: &[u8; BLOCK]) -> [u64; 4] {
        // SAFETY: as for `digit_mask`: SSE2 is in the x86_64 baseline.
        unsafe { all_masks_sse2(block) }
    }

    #[target_feature(enable = "sse2")]
    fn all_masks_sse2(block: &[u8; BLOCK]) -> [u64; 4] {
        let p = block.as_ptr().cast::<__m128i>();
        let zero = _mm_set1_epi8(b'0' as i8);
        let nine = _mm_set1_epi8(9);
        let a = _mm_set1_epi8(b'A' as i8);
        let twenty_five = _mm_set1_epi8(25);
        let space = _mm_set1_epi8(b' ' as i8);
        let at = _mm_set1_epi8(b'@' as i8);
        let mut masks = [0u64; 4];
        for lane in 0..BLOCK / 16 {
            // SAFETY: `block` is BLOCK readable bytes and `lane` < BLOCK/16,
            // so the 16-byte load is in bounds; `loadu` has no alignment
            // requirement.
            let v = unsafe { _mm_loadu_si128(p.add(lane)) };
            let d = _mm_sub_epi8(v, zero);
            let u = _mm_sub_epi8(v, a);
            let found = [
                _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d),
                _mm_cmpeq_epi8(_mm_min_epu8(u, twenty_five), u),
                _mm_cmpeq_epi8(v, space),
                _mm_cmpeq_epi8(v, at),
            ];
            for (mask, f) in masks.iter_mut().zip(found) {
                *mask |= u64::from(_mm_movemask_epi8(f) as u16) << (16 * lane);
            }
        }
        masks
    }

    #[target_feature(enable = "sse2")]
    fn digit_mask_sse2(block: &[u8; BLOCK]) -> u64 {
        let p = block.as_ptr().cast::<__m128i>();
        let zero = _mm_set1_epi8(b'0' as i8);
        let nine = _mm_set1_epi8(9);
        let mut mask = 0u64;
        for lane in 0..BLOCK / 16 {
            // SAFETY: `block` is BLOCK readable bytes and `lane` < BLOCK/16,
            // so the 16-byte load is in bounds; `loadu` has no alignment
            // requirement.
            let v = unsafe { _mm_loadu_si128(p.add(lane)) };
            // b - '0' (wrapping) is at most 9 exactly for digits.
            let d = _mm_sub_epi8(v, zero);
            let m =
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, nine), d));
            mask |= u64::from(m as u16) << (16 * lane);
        }
        mask
    }

    #[cfg(test)]
    mod tests {
        use super::super::{all_masks_portable, digit_mask_portable, BLOCK};

        #[test]
        fn sse2_masks_match_portable_for_every_byte_at_every_lane() {
            for byte in 0..=255u8 {
                for lane in 0..BLOCK {
                    for fill in [b'x', b'5', b'Q', b' ', b'@'] {
                        let mut block = [fill; BLOCK];
                        block[lane] = byte;
                        assert_eq!(
                            super::all_masks(&block),
                            all_masks_portable(&block),
                            "byte {byte:#04x} at lane {lane} in {fill}"
                        );
                    }
                }
            }
        }

        #[test]
        fn sse2_mask_matches_portable_for_every_byte_at_every_lane() {
            for byte in 0..=255u8 {
                for lane in 0..BLOCK {
                    let mut block = [b'x'; BLOCK];
                    block[lane] = byte;
                    assert_eq!(
                        super::digit_mask(&block),
                        digit_mask_portable(&block),
                        "byte {byte:#04x} at lane {lane}"
                    );
                    let mut block = [b'5'; BLOCK];
                    block[lane] = byte;
                    assert_eq!(
                        super::digit_mask(&block),
                        digit_mask_portable(&block)
                    );
                }
            }
        }
    }
}

/// The byte-at-a-time scan loop: the fast path's tail and its oracle.
/// Each position is a trigger when it starts a run of three or more digits
/// or, with companions enabled, passes [`companion::is_trigger`].
pub(crate) fn scan_region_scalar(
    engine: &Inner,
    region: Region<'_>,
    from: usize,
    to: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> bool {
    let hay = region.hay;
    let mut i = from;
    while i < to {
        if !engine.companions {
            // Only digit runs matter: skip to the next digit.
            match hay[i..to].iter().position(u8::is_ascii_digit) {
                None => break,
                Some(off) => i += off,
            }
        }
        let run_start = hay[i].is_ascii_digit()
            && (i == 0 || !hay[i - 1].is_ascii_digit());
        let run = if run_start { digit_run(&hay[i..]) } else { 0 };
        let is_trigger =
            run >= 3 || (engine.companions && companion::is_trigger(hay, i));
        if is_trigger && !trigger(engine, region, i, run, state, sink) {
            return false;
        }
        i += if engine.companions { 1 } else { run.max(1) };
    }
    true
}

/// Length of the run of ASCII digits at the start of `hay`.
#[inline]
fn digit_run(hay: &[u8]) -> usize {
    hay.iter().position(|b| !b.is_ascii_digit()).unwrap_or(hay.len())
}

/// What [`candidate`] decided.
enum Decided {
    /// A health identifier (reported or filtered out by the configuration).
    Found,
    /// Nothing there.
    Nothing,
    /// The sink asked to stop.
    Stop,
}

/// Decides the digit run of length `run` starting at `p`, handing a
/// finding to `sink`.
fn candidate(
    engine: &Inner,
    region: Region<'_>,
    p: usize,
    run: usize,
    state: &mut ScanState,
    sink: &mut dyn Sink,
) -> Decided {
    let hay = region.hay;
    let Some((form, end, digits)) = shape(hay, p, run) else {
        return Decided::Nothing;
    };
    if !boundaries_ok(hay, p, end, form) {
        return Decided::Nothing;
    }
    let class = classify(&digits);
    if class == Class::Invalid {
        return Decided::Nothing;
    }
    let config = &engine.config;
    // The context window, clipped to the input (the region holds it all).
    let ws = if region.base == 0 {
        p.saturating_sub(config.context_before)
    } else {
        p - config.context_before
    };
    let we = (end + config.context_after).min(hay.len());
    let context =
        engine.keywords.corroborate(hay, region.base, ws, we, &mut state.memo);
    let base = region.base;
    if !state.advance_structure(
        engine,
        hay,
        base,
        base + p as u64,
        false,
        sink,
    ) {
        return Decided::Stop;
    }
    let role = if state.structure_on(engine) {
        let after = &hay[end..(end + STRUCTURE_LOOKAHEAD).min(hay.len())];
        match state.structure.role(after) {
            FieldRole::None => label_role(hay, p),
            role => role,
        }
    } else {
        FieldRole::None
    };
    let (kind, confidence, synthetic) = match (class, role) {
        // The field names it: corroborated, whatever the words around.
        (Class::Valid { kind, synthetic }, FieldRole::Identifier { .. }) => {
            (kind, Confidence::High, synthetic)
        }
        // The field says it is something else: demoted.
        (Class::Valid { kind, synthetic }, FieldRole::Other) => {
            (kind, Confidence::Low, synthetic)
        }
        (Class::Valid { kind, synthetic }, _) => {
            let conf = if context.any {
                Confidence::High
            } else {
                Confidence::Medium
            };
            (kind, conf, synthetic)
        }
        (Class::ChiMod10, FieldRole::Identifier { chi: true }) => {
            (crate::Kind::ChiNumber, Confidence::Low, false)
        }
        (Class::ChiMod10, _) if context.chi => {
            (crate::Kind::ChiNumber, Confidence::Low, false)
        }
        _ => return Decided::Nothing,
    };
    if confidence >= Confidence::Medium {
        state.structure.identifier_found();
    }
    if !engine.wants(kind, confidence, synthetic) {
        return Decided::Found;
    }
    let finding = Finding::new(
        kind,
        base + p as u64,
        base + end as u64,
        confidence,
        synthetic,
        digits,
    );
    if sink.finding(finding) {
        Decided::Found
    } else {
        Decided::Stop
    }
}

/// Matches the written forms at `p` (a digit-run start of length `run`).
fn shape(hay: &[u8], p: usize, run: usize) -> Option<(Form, usize, Digits)> {
    let mut d = [0u8; 10];
    if run == 10 {
        d.copy_from_slice(&hay[p..p + 10]);
        return Some((Form::Contiguous, p + 10, d));
    }
    if run != 3 {
        return None;
    }
    let sep = separator_at(hay, p + 3)?;
    let mid = p + 3 + sep.len();
    if digit_run(hay.get(mid..)?) != 3 {
        return None;
    }
    let last = mid + 3 + sep.len();
    if !hay.get(mid + 3..)?.starts_with(sep) {
        return None;
    }
    if digit_run(hay.get(last..)?) != 4 {
        return None;
    }
    d[..3].copy_from_slice(&hay[p..p + 3]);
    d[3..6].copy_from_slice(&hay[mid..mid + 3]);
    d[6..].copy_from_slice(&hay[last..last + 4]);
    Some((Form::Grouped(sep), last + 4, d))
}

/// The boundary rules of DESIGN.md: a candidate must not continue a longer
/// number, be a phone number's subscriber part, or sit in a hex token.
fn boundaries_ok(hay: &[u8], p: usize, end: usize, form: Form) -> bool {
    let digit_at = |i: usize| hay.get(i).is_some_and(u8::is_ascii_digit);
    match form {
        Form::Grouped(sep) => {
            // A separator after a digit group continues the number.
            let before = hay[..p].ends_with(sep)
                && p > sep.len()
                && digit_at(p - sep.len() - 1);
            let after =
                hay[end..].starts_with(sep) && digit_at(end + sep.len());
            !before && !after
        }
        Form::Contiguous => {
            let joined_before =
                p >= 2 && matches!(hay[p - 1], b'-' | b'.') && digit_at(p - 2);
            let joined_after =
                matches!(hay.get(end), Some(b'-' | b'.')) && digit_at(end + 1);
            !joined_before
                && !joined_after
                && !after_dialling_prefix(hay, p)
                && !in_hex_token(hay, p, end)
        }
    }
}

/// Whether the bytes before `p` end with an international dialling prefix:
/// `+` and 1–3 digits, or `00` and 2–3 more digits, then optionally one
/// separator.
fn after_dialling_prefix(hay: &[u8], p: usize) -> bool {
    let mut i = p;
    if let Some(sep) = SEPARATOR_BYTES.iter().find(|s| hay[..i].ends_with(s)) {
        i -= sep.len();
    }
    let digits = hay[..i]
        .iter()
        .rev()
        .take(PREFIX_DIGITS)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let start = i - digits;
    let plus =
        (1..=3).contains(&digits) && start > 0 && hay[start - 1] == b'+';
    // `00` and a country code stand alone: `0018` ending a grouped number
    // (`999 000 0018 9434765919`) is not a dialling prefix.
    let double_zero = (4..=5).contains(&digits)
        && hay[start..].starts_with(b"00")
        && !SEPARATOR_BYTES.iter().any(|s| {
            hay[..start].ends_with(s)
                && start > s.len()
                && hay[start - s.len() - 1].is_ascii_digit()
        });
    // Without a separator, `digits` is 0: the byte before a run start is
    // not a digit.
    plus || double_zero
}

/// The separators, as a slice for suffix tests.
const SEPARATOR_BYTES: [&[u8]; 5] = crate::detector::SEPARATORS;

/// Whether the contiguous candidate `hay[p..end]` sits in a hex token: the
/// hex run around it (looking at most [`HEX_TOKEN_LOOKAROUND`] bytes each
/// way) has a letter and is 16 long, or has a letter and follows `-` and a
/// hex character (a UUID's last group).
fn in_hex_token(hay: &[u8], p: usize, end: usize) -> bool {
    let left = hay[p.saturating_sub(HEX_TOKEN_LOOKAROUND)..p]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    let right = hay[end..]
        .iter()
        .take(HEX_TOKEN_LOOKAROUND)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    let has_letter = hay[p - left..p]
        .iter()
        .chain(&hay[end..end + right])
        .any(u8::is_ascii_alphabetic);
    if !has_letter {
        return false;
    }
    let run_start = p - left;
    let uuid_group = run_start >= 2
        && hay[run_start - 1] == b'-'
        && hay[run_start - 2].is_ascii_hexdigit();
    left + 10 + right >= 16 || uuid_group
}

#[cfg(test)]
mod trigger_tests {
    use super::{masks, triggers, Masks, BLOCK};
    use crate::companion::is_trigger;

    /// The trigger masks against the byte-at-a-time predicate, on blocks
    /// made of the bytes that matter, at every position.
    #[test]
    fn masks_match_the_trigger_predicate() {
        let alphabet = b"0123456789 AZBQ@a-.\n";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let mut hay = [0u8; 2 * BLOCK + 3];
            for b in hay.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = alphabet[(state % alphabet.len() as u64) as usize];
            }
            let cur = masks::<true>(&hay[1..1 + BLOCK]);
            let ahead = masks::<true>(&hay[1 + BLOCK..1 + 2 * BLOCK]);
            let before = u64::from(hay[0].is_ascii_digit());
            let (runs, all) = triggers::<true>(cur, ahead, before);
            for k in 0..BLOCK {
                let p = 1 + k;
                let run_start = hay[p].is_ascii_digit()
                    && !hay[p - 1].is_ascii_digit()
                    && hay[p + 1].is_ascii_digit()
                    && hay[p + 2].is_ascii_digit();
                let want = run_start || is_trigger(&hay, p);
                assert_eq!(all >> k & 1 == 1, want, "{:?} at {k}", hay);
                assert_eq!(runs >> k & 1 == 1, run_start);
            }
            let plain: Masks = masks::<false>(&hay[1..1 + BLOCK]);
            assert_eq!(plain.digit, cur.digit);
        }
    }
}
