//! Numbers wrapped across a line break (spec §2): a soft wrap in a letter
//! (`NHS number 943 476` / `5919`), a quoted reply (`> 943 476` /
//! `> 5919`), a hard wrap of a long line (`9434765` / `919`). The plain
//! scan sees two short digit runs; joined again, they are a number.
//!
//! An [`Unwrap`] follower watches a text layer's line breaks. When a line
//! ends with a digit and the next line, after an optional quote prefix of
//! `>`, spaces and tabs, starts with one, the end of the one line and the
//! start of the next are joined into a short *candidate* and scanned
//! one-shot with the engine, as a layer named `unwrap`:
//!
//! - the candidate is the last [`BEFORE`] bytes of the line (no further
//!   back than its start), a joiner, and the first [`AFTER`] bytes of the
//!   next line after the quote prefix (no further than its end);
//! - the joiner is what the break stands for: when either side shows a
//!   grouped number (`943 476` before, or `476 5919` after) the break
//!   replaced its separator, and the candidate is joined with that
//!   separator (a space, or a `-` or `.` for numbers grouped that way);
//!   otherwise the break cut a run of digits and the sides are joined
//!   with nothing (`9434765` + `919`);
//! - only a candidate whose digits on the two sides of the break add up
//!   to 10 (counting a run of digits and single separators: `943 476`
//!   and `5919`) is scanned: the health identifiers are 10 digits long,
//!   and a longer run across the break is not one (spec §2, boundaries).
//!   Companion identifiers split across lines are not looked for;
//! - where a side was cut short of its line, the byte beyond the cut is
//!   kept, so that the engine judges the number's boundaries as in the
//!   text, and a finding that reaches into that byte is not reported.
//!
//! # What is reported
//!
//! Only findings whose span straddles the break (at least one byte of it
//! before the joiner and one after): anything else lies on one line and
//! the plain scan of the text found it already. A wrapped number is a
//! weaker form (spec §2), so its confidence is lowered one level by
//! [`weaker`]: high becomes medium, medium becomes low, and a low finding
//! is dropped (a checksum alone, in a joined guess, is not enough).
//! Clinical records are never reported from a candidate. Offsets are in
//! the candidate; the layer's `start` is, in the input, where the
//! candidate starts.
//!
//! # Cost
//!
//! The follower is handed the line feeds between a digit and a digit (or
//! a quote prefix) by [`Masks::wrap_breaks`], 64 bytes at a time; only those cost
//! more than a mask: a candidate of at most [`BEFORE`] +
//! [`AFTER`] + 3 bytes, on the stack, and a one-shot scan only when its
//! digits add up to an identifier's. Its state is bounded: the layer's
//! last [`RECENT`] bytes and one candidate being completed.

use std::sync::Arc;

use crate::layer::{child_info, Ctx, Info};
use crate::prefilter::Masks;
use caldicott_core::{Confidence, Kind};

/// Bytes of the line before the break in a candidate: 32. Fourteen hold
/// the widest split of a number (a 3-3-4 number less its last digit,
/// plus a separator); the rest hold a context keyword on the same line
/// (`NHS number ` is 11 bytes), so that a wrapped number's confidence is
/// the engine's own lowered one level, not lowered again for the context
/// the cut lost.
pub(crate) const BEFORE: usize = 32;

/// Bytes of the next line in a candidate, after its quote prefix: 14,
/// the widest rest of a split number (`476 5919` and more) with room for
/// a separator.
pub(crate) const AFTER: usize = 14;

/// Longest quote prefix (`>`, spaces and tabs) skipped at the start of
/// the next line: 16 bytes, a reply quoted eight deep (`> > > > … `). A
/// line that starts with more is not the rest of a wrapped number.
pub(crate) const MAX_QUOTE_PREFIX: usize = 16;

/// The layer's last bytes kept across pushes: a whole [`BEFORE`] window,
/// the byte beyond it and a CR before the break.
const RECENT: usize = BEFORE + 2;

/// The confidence a finding keeps when it was only visible in a weaker
/// form (a number wrapped across a line break, or URL-encoded): one level
/// lower, and `None` (not reported) for a low one.
pub(crate) fn weaker(confidence: Confidence) -> Option<Confidence> {
    match confidence {
        Confidence::High => Some(Confidence::Medium),
        Confidence::Medium => Some(Confidence::Low),
        Confidence::Low => None,
    }
}

/// Digits in a health identifier (NHS, CHI and H&C numbers): a wrapped
/// number's digits on the two sides of the break add up to this.
const ID_DIGITS: usize = 10;

/// Digits in the run of digits and single separators (space, `-`, `.`,
/// tab) that `bytes` ends with (`ref 943 476` gives 6).
fn digits_at_end(bytes: &[u8]) -> usize {
    digits_in_run(bytes.iter().rev())
}

/// Digits in the run of digits and single separators that `bytes` starts
/// with (`476 5919, seen` gives 7).
fn digits_at_start(bytes: &[u8]) -> usize {
    digits_in_run(bytes.iter())
}

/// Digits in the run of digits and single separators at the start of
/// `bytes`, read in the order given.
fn digits_in_run<'a>(bytes: impl Iterator<Item = &'a u8>) -> usize {
    let mut digits = 0;
    let mut after_digit = false;
    for &b in bytes {
        if b.is_ascii_digit() {
            digits += 1;
            after_digit = true;
        } else if after_digit && (is_group_separator(b) || b == b'\t') {
            after_digit = false;
        } else {
            break;
        }
    }
    digits
}

/// Separators a grouped number may use on either side of a break.
fn is_group_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.')
}

/// The separator before the trailing digit run of `line` when that run
/// is the last group of a grouped number (`… 943 476` gives a space).
fn separator_before(line: &[u8]) -> Option<u8> {
    let run = line.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let rest = line.get(..line.len().checked_sub(run)?)?;
    match rest {
        [.., d, s] if d.is_ascii_digit() && is_group_separator(*s) => Some(*s),
        _ => None,
    }
}

/// The separator after the leading digit run of `line` when that run is
/// the first group of a grouped number (`476 5919 …` gives a space).
fn separator_after(line: &[u8]) -> Option<u8> {
    let run = line.iter().take_while(|b| b.is_ascii_digit()).count();
    match line.get(run..)? {
        [s, d, ..] if d.is_ascii_digit() && is_group_separator(*s) => Some(*s),
        _ => None,
    }
}

/// A few bytes on the stack: the follower's buffers are small and
/// bounded, and a break after a digit should not cost an allocation.
#[derive(Clone, Copy, Debug)]
struct Small<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Small<N> {
    /// Empty.
    const EMPTY: Small<N> = Small { bytes: [0; N], len: 0 };

    /// The bytes held.
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// Appends what fits of `more`.
    fn extend(&mut self, more: &[u8]) {
        let room = self.bytes.get_mut(self.len..).unwrap_or_default();
        let n = room.len().min(more.len());
        room[..n].copy_from_slice(&more[..n]);
        self.len += n;
    }
}

impl<const N: usize> Default for Small<N> {
    fn default() -> Small<N> {
        Small::EMPTY
    }
}

/// The end of a line before a break, as a candidate keeps it: the byte
/// beyond the cut (when cut), then at most [`BEFORE`] bytes.
type Before = Small<{ BEFORE + 1 }>;

/// The start of the next line, from its first digit: at most [`AFTER`]
/// bytes and the one beyond.
type After = Small<{ AFTER + 1 }>;

/// A candidate whose next line is still arriving.
#[derive(Debug)]
struct Pending {
    /// Layer offset of `before`'s first byte.
    start: u64,
    before: Before,
    /// 1 when `before` starts with the byte beyond the cut.
    lead: usize,
    /// Quote-prefix bytes skipped so far.
    prefix: usize,
    after: After,
}

/// Follows line breaks in a text layer and scans the numbers wrapped
/// across them (see the [module docs](self)).
#[derive(Debug, Default)]
pub(crate) struct Unwrap {
    /// The layer's last bytes (at most [`RECENT`]) before the current
    /// push.
    recent: Small<RECENT>,
    /// The candidate being completed.
    pending: Option<Pending>,
}

impl Unwrap {
    /// The next bytes of the text layer (masked in `masks`), starting at
    /// layer offset `start`; `info` is the text layer's.
    pub(crate) fn feed(
        &mut self,
        bytes: &[u8],
        masks: &Masks,
        start: u64,
        info: &Info,
        ctx: &mut Ctx<'_>,
    ) {
        if ctx.stopped || bytes.is_empty() {
            return;
        }
        // A candidate from the last push is complete, or dropped, by the
        // end of its next line at the latest: before any break below.
        self.advance(bytes, info, ctx);
        for q in masks.wrap_breaks(bytes) {
            if ctx.stopped {
                return;
            }
            let digit_before = match self.byte_before(bytes, q, 1) {
                Some(b'\r') => self.byte_before(bytes, q, 2),
                b => b,
            }
            .is_some_and(|b| b.is_ascii_digit());
            // Most lines after a digit start with neither a digit nor a
            // quote prefix: one look spares building a candidate.
            let next_may_continue = bytes.get(q + 1).is_none_or(|&b| {
                b.is_ascii_digit() || matches!(b, b'>' | b' ' | b'\t')
            });
            if digit_before && next_may_continue {
                self.begin(bytes, q, start);
                self.advance(&bytes[q + 1..], info, ctx);
            }
        }
        self.remember(bytes);
    }

    /// The layer has ended: a candidate whose next line started is
    /// complete.
    pub(crate) fn finish(&mut self, info: &Info, ctx: &mut Ctx<'_>) {
        if let Some(p) = self.pending.take() {
            if p.after.len > 0 && !ctx.stopped {
                emit(&p, info, ctx);
            }
        }
        self.recent = Small::EMPTY;
    }

    /// The byte `back` bytes before `bytes[q]`, from the last push when
    /// it is not in this one.
    fn byte_before(&self, bytes: &[u8], q: usize, back: usize) -> Option<u8> {
        match q.checked_sub(back) {
            Some(k) => bytes.get(k).copied(),
            None => {
                let recent = self.recent.as_slice();
                let k = recent.len().checked_sub(back - q)?;
                recent.get(k).copied()
            }
        }
    }

    /// Starts a candidate at the line break `bytes[q]`, which follows a
    /// digit (and maybe a CR), unless the digits before it are already
    /// too many for an identifier.
    fn begin(&mut self, bytes: &[u8], q: usize, start: u64) {
        // The last RECENT bytes before the break.
        let here = &bytes[q.saturating_sub(RECENT)..q];
        let recent = self.recent.as_slice();
        let back = &recent[recent.len().saturating_sub(RECENT - here.len())..];
        let mut t = Small::<RECENT>::EMPTY;
        t.extend(back);
        t.extend(here);
        let t_start = (start + q as u64).saturating_sub(t.len as u64);
        let mut t = t.as_slice();
        if let [rest @ .., b'\r'] = t {
            t = rest;
        }
        let w0 = t.len().saturating_sub(BEFORE);
        let line = t
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |k| k + 1);
        // From the line's start if it is in reach; otherwise from the
        // cut, with the byte beyond it.
        let (s, lead) =
            if line >= w0 || w0 == 0 { (line, 0) } else { (w0 - 1, 1) };
        let kept = t.get(s..).unwrap_or_default();
        if digits_at_end(kept.get(lead..).unwrap_or_default()) >= ID_DIGITS {
            self.pending = None;
            return;
        }
        let mut before = Before::EMPTY;
        before.extend(kept);
        self.pending = Some(Pending {
            start: t_start + s as u64,
            before,
            lead,
            prefix: 0,
            after: After::EMPTY,
        });
    }

    /// Feeds the pending candidate the next bytes of the layer until it is
    /// complete (emitted) or dropped.
    fn advance(&mut self, bytes: &[u8], info: &Info, ctx: &mut Ctx<'_>) {
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        let mut done = false;
        for &b in bytes {
            if p.after.len == 0 {
                if matches!(b, b'>' | b' ' | b'\t') {
                    p.prefix += 1;
                    if p.prefix > MAX_QUOTE_PREFIX {
                        self.pending = None;
                        return;
                    }
                } else if b.is_ascii_digit() {
                    p.after.extend(&[b]);
                } else {
                    // A blank line, or one that does not start with a
                    // digit: no wrapped number.
                    self.pending = None;
                    return;
                }
            } else if b == b'\r' || b == b'\n' {
                done = true;
                break;
            } else {
                p.after.extend(&[b]);
                if p.after.len > AFTER {
                    done = true;
                    break;
                }
            }
        }
        if done {
            if let Some(p) = self.pending.take() {
                emit(&p, info, ctx);
            }
        }
    }

    /// Keeps the layer's last bytes for the next push.
    fn remember(&mut self, bytes: &[u8]) {
        let keep = RECENT.saturating_sub(bytes.len()).min(self.recent.len);
        let mut next = Small::<RECENT>::EMPTY;
        next.extend(&self.recent.as_slice()[self.recent.len - keep..]);
        next.extend(&bytes[bytes.len().saturating_sub(RECENT)..]);
        self.recent = next;
    }
}

/// Scans a complete candidate and reports what straddles its break.
fn emit(p: &Pending, info: &Info, ctx: &mut Ctx<'_>) {
    let before = p.before.as_slice();
    let all_after = p.after.as_slice();
    let line = before.get(p.lead..).unwrap_or_default();
    let (after, beyond) = match all_after.get(..AFTER) {
        Some(a) if all_after.len() > AFTER => (a, 1),
        _ => (all_after, 0),
    };
    // Cheap first: the engine is only asked when the digits on the two
    // sides make one identifier. Most digit-to-digit breaks are tables
    // and logs (a row ending in an amount, the next starting with an id
    // or a date), and their runs add up to something else.
    if digits_at_end(line) + digits_at_start(all_after) != ID_DIGITS {
        return;
    }
    let joiner = separator_before(line).or_else(|| separator_after(after));
    let mut text = Vec::with_capacity(before.len() + 1 + all_after.len());
    text.extend_from_slice(before);
    let joint = text.len();
    text.extend(joiner);
    let joint_end = text.len();
    text.extend_from_slice(all_after);
    let end = text.len() - beyond;
    let mut layer: Info = None;
    for mut f in ctx.engine.scan(&text) {
        let straddles = f.start < joint as u64 && f.end > joint_end as u64;
        let inside = f.start >= p.lead as u64 && f.end <= end as u64;
        if !straddles || !inside || f.kind == Kind::ClinicalRecord {
            continue;
        }
        let Some(c) = weaker(f.confidence) else {
            continue;
        };
        f.confidence = c;
        if layer.is_none() {
            let start = info.as_ref().map_or(p.start, |i| i.start);
            layer = child_info(info, "unwrap", start);
        }
        let Some(layer) = &layer else {
            return;
        };
        if !ctx.sink.finding(f.in_layer(Arc::clone(layer), 0)) {
            ctx.stopped = true;
            return;
        }
    }
}
