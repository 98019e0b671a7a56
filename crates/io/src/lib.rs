//! I/O adapters over `caldicott-core`, which does no I/O itself: stream any
//! [`std::io::Read`] through an [`Engine`], in fixed-size reads, and get
//! each finding with its line and column.
//!
//! It also reads engine configurations from TOML or JSON files
//! ([`load_config`]).
//!
//! The CLI and the Python bindings scan files through [`scan_reader`], so
//! a file is never read whole: memory stays at two read buffers plus the
//! stream's own bounded state, whatever the file's size.
//!
//! # Example
//!
//! ```
//! use caldicott_core::Engine;
//!
//! let mut input: &[u8] = b"line one\nNHS 943 476 5919\n";
//! let mut seen = Vec::new();
//! let bytes = caldicott_io::scan_reader(
//!     &Engine::default(),
//!     &mut input,
//!     &mut |f, pos| {
//!         seen.push((f.masked(), pos.line, pos.column));
//!         Ok(())
//!     },
//!     &mut |_notice| Ok(()),
//! )?;
//! assert_eq!(bytes, 26);
//! assert_eq!(seen, vec![("*** *** 5919".to_string(), 2, 5)]);
//! # Ok::<(), std::io::Error>(())
//! ```

#![deny(missing_docs)]

mod config;

use std::io::{self, Read};

pub use crate::config::{
    load_config, load_policy, parse_config, parse_policy, ConfigError,
    MAX_CONFIG_FILE_SIZE,
};

use caldicott_core::{Engine, Finding, Notice, Sink};

/// Bytes per read. It must exceed the stream's delay (`Stream::max_delay`,
/// at most about 4 KiB with the largest context window), so that every
/// finding lies in the current read or the one before it, which is all
/// the line counter keeps.
pub const READ_CHUNK_SIZE: usize = 64 * 1024;

const _: () = assert!(
    READ_CHUNK_SIZE
        > caldicott_core::MAX_CONTEXT_WINDOW
            + caldicott_core::MAX_CANDIDATE_LEN
            + 64
);

/// Where a finding starts, for people: 1-based line and 1-based byte
/// column (as `grep --column` counts). A finding made when a structure
/// ends (a clinical record) whose start lies before the bytes still held
/// (the last two reads, 64 KiB or more) gets the position of its end
/// instead, except that a record starting at offset 0 is at 1:1: lines are
/// counted as the input goes by, never kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number (lines end at `\n`).
    pub line: u64,
    /// 1-based byte offset within the line.
    pub column: u64,
}

/// Streams everything `reader` yields through `engine` and calls
/// `on_finding` with each finding, in order, and its position, and
/// `on_notice` with each [`Notice`] (a limit reached, a structure
/// abandoned). Returns the number of bytes read.
///
/// # Errors
///
/// An error from `on_finding` stops the scan and is returned. A read error
/// ends the scan where it happened: the findings already decided by the
/// bytes read so far are still delivered (those that would need bytes after
/// the error to decide are not), then the read error is returned.
pub fn scan_reader(
    engine: &Engine,
    reader: &mut dyn Read,
    on_finding: &mut dyn FnMut(Finding, Position) -> io::Result<()>,
    on_notice: &mut dyn FnMut(Notice) -> io::Result<()>,
) -> io::Result<u64> {
    scan_reader_with(&mut engine.stream(), reader, on_finding, on_notice)
}

/// What [`scan_reader_with`] pushes the input into: the engine's
/// [`Stream`](caldicott_core::Stream), or a
/// [`DecodingStream`](caldicott_decode::DecodingStream) that decodes
/// layers (gzip, base64, …) first.
pub trait Scanner {
    /// The next chunk of the input.
    ///
    /// # Errors
    ///
    /// When the stream is finished or its sink stopped it.
    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> io::Result<()>;

    /// The end of the input.
    ///
    /// # Errors
    ///
    /// As for [`push`](Scanner::push).
    fn finish(&mut self, sink: &mut dyn Sink) -> io::Result<()>;
}

impl Scanner for caldicott_core::Stream {
    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> io::Result<()> {
        caldicott_core::Stream::push(self, chunk, sink)
            .map_err(io::Error::other)
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> io::Result<()> {
        caldicott_core::Stream::finish(self, sink).map_err(io::Error::other)
    }
}

impl Scanner for caldicott_decode::DecodingStream {
    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> io::Result<()> {
        caldicott_decode::DecodingStream::push(self, chunk, sink)
            .map_err(io::Error::other)
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> io::Result<()> {
        caldicott_decode::DecodingStream::finish(self, sink)
            .map_err(io::Error::other)
    }
}

/// [`scan_reader`] through any [`Scanner`]: with a
/// [`DecodingStream`](caldicott_decode::DecodingStream), findings inside
/// decoded layers come with [`Finding::layer`] set, and their [`Position`]
/// is that of the outermost layer's start in the input.
///
/// # Errors
///
/// As for [`scan_reader`].
pub fn scan_reader_with(
    stream: &mut dyn Scanner,
    reader: &mut dyn Read,
    on_finding: &mut dyn FnMut(Finding, Position) -> io::Result<()>,
    on_notice: &mut dyn FnMut(Notice) -> io::Result<()>,
) -> io::Result<u64> {
    let mut lines = LineCounter::default();
    let (mut prev, mut cur) = (Vec::new(), vec![0u8; READ_CHUNK_SIZE]);
    let (mut prev_base, mut cur_base) = (0u64, 0u64);
    let mut found = Collected::default();
    // The counter as it stood at `prev_base`, the oldest byte still held.
    let mut held = LineCounter::default();
    let mut read_error;
    loop {
        let (n, error) = read_full(reader, &mut cur);
        read_error = error;
        let done = n < READ_CHUNK_SIZE || read_error.is_some();
        // A fresh stream fed by this loop alone cannot be finished or
        // stopped, so these calls do not fail.
        stream.push(&cur[..n], &mut found)?;
        // After a read error the input has not ended, it is cut: `finish`
        // would judge the last bytes as if nothing followed them and could
        // report a number that the unread bytes would have continued.
        if done && read_error.is_none() {
            stream.finish(&mut found)?;
        }
        for n in found.notices.drain(..) {
            on_notice(n)?;
        }
        for f in found.findings.drain(..) {
            // A finding in a decoded layer is placed where its outermost
            // layer starts in the input.
            let here = f.layer.as_ref().map_or(f.start, |l| l.start);
            let pos = if here >= lines.pos {
                lines.advance(&prev, prev_base, here);
                lines.advance(&cur[..n], cur_base, here);
                lines.position(here)
            } else if f.layer.is_some() {
                let mut again = held;
                let at = here.max(prev_base);
                again.advance(&prev, prev_base, at);
                again.advance(&cur[..n], cur_base, at);
                if here < prev_base && here == 0 {
                    Position { line: 1, column: 1 }
                } else {
                    again.position(at)
                }
            } else {
                // A finding made when its structure ended (a record, a
                // name) starts behind the counter: count again from the
                // start of the bytes still held, or, if it began before
                // them, give the position of its end.
                let mut again = held;
                let at = if f.start >= prev_base { f.start } else { f.end };
                again.advance(&prev, prev_base, at);
                again.advance(&cur[..n], cur_base, at);
                if f.start == 0 {
                    Position { line: 1, column: 1 }
                } else {
                    again.position(at)
                }
            };
            on_finding(f, pos)?;
        }
        if done {
            return match read_error {
                Some(e) => Err(e),
                None => Ok(cur_base + n as u64),
            };
        }
        // No later identifier starts before `cur_base` (see
        // READ_CHUNK_SIZE); a record may, and is counted from `held`.
        lines.advance(&prev, prev_base, cur_base);
        held = lines;
        std::mem::swap(&mut prev, &mut cur);
        cur.resize(READ_CHUNK_SIZE, 0);
        prev_base = cur_base;
        cur_base += n as u64;
    }
}

/// Findings and notices from one push, in order of kind.
#[derive(Debug, Default)]
struct Collected {
    findings: Vec<Finding>,
    notices: Vec<Notice>,
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

/// Counts lines as the input goes by, so a finding's line and column can be
/// given without keeping the input.
#[derive(Clone, Copy, Debug, Default)]
struct LineCounter {
    /// Offset up to which newlines have been counted.
    pos: u64,
    /// Newlines before `pos`.
    newlines: u64,
    /// Offset just after the last newline before `pos`.
    line_start: u64,
}

impl LineCounter {
    /// Counts the newlines of `data` (which starts at offset `base`) up to
    /// offset `target`, skipping what was already counted.
    fn advance(&mut self, data: &[u8], base: u64, target: u64) {
        let data_end = base + data.len() as u64;
        let (from, to) = (self.pos.max(base), target.min(data_end));
        if from >= to {
            return;
        }
        let piece = &data[(from - base) as usize..(to - base) as usize];
        self.newlines += memchr::memchr_iter(b'\n', piece).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', piece) {
            self.line_start = from + i as u64 + 1;
        }
        self.pos = to;
    }

    /// The position of `offset`, once counting has reached it.
    fn position(&self, offset: u64) -> Position {
        Position {
            line: self.newlines + 1,
            column: offset - self.line_start + 1,
        }
    }
}

/// Reads until `buf` is full, the input ends or a read fails; returns the
/// bytes read, and the error if one ended it (the bytes before it count).
fn read_full(
    reader: &mut dyn Read,
    buf: &mut [u8],
) -> (usize, Option<io::Error>) {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Some(e)),
        }
    }
    (filled, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that yields `data` a few bytes at a time, then fails.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return if self.fail_at_end {
                    Err(io::Error::other("disk on fire"))
                } else {
                    Ok(0)
                };
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn collect(
        data: &[u8],
        step: usize,
        fail: bool,
    ) -> (Vec<(u64, Position)>, io::Result<u64>) {
        let mut seen = Vec::new();
        let mut r = Trickle { data, step, fail_at_end: fail };
        let result = scan_reader(
            &Engine::default(),
            &mut r,
            &mut |f, p| {
                seen.push((f.start, p));
                Ok(())
            },
            &mut |_| Ok(()),
        );
        (seen, result)
    }

    fn naive_position(data: &[u8], offset: usize) -> Position {
        let before = &data[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let start =
            before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Position { line, column: (offset - start + 1) as u64 }
    }

    #[test]
    fn positions_across_reads_match_naive_counting() {
        let mut data = Vec::new();
        for i in 0..20_000 {
            data.extend_from_slice(format!("row {i}: ").as_bytes());
            if i % 3 == 0 {
                data.extend_from_slice(b"NHS 943 476 5919");
            }
            data.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
        }
        let expected: Vec<(u64, Position)> = Engine::default()
            .scan(&data)
            .iter()
            .map(|f| (f.start, naive_position(&data, f.start as usize)))
            .collect();
        assert!(expected.len() > 6000);
        for step in [1 << 20, 4096, 1000] {
            let (seen, result) = collect(&data, step, false);
            assert_eq!(result.unwrap(), data.len() as u64);
            assert_eq!(seen, expected, "step {step}");
        }
    }

    #[test]
    fn read_error_keeps_findings_then_reports() {
        // Decided before the error: delivered.
        let mut data = b"x 943 476 5919 y".to_vec();
        data.extend(std::iter::repeat_n(b'~', 200));
        let (seen, result) = collect(&data, 3, true);
        assert_eq!(seen.len(), 1);
        assert_eq!(result.unwrap_err().to_string(), "disk on fire");
        // Cut by the error: the unread bytes might continue it, so it is
        // not reported as if the input had ended there.
        let (seen, result) = collect(b"x 943 476 5919", 3, true);
        assert!(seen.is_empty());
        assert_eq!(result.unwrap_err().to_string(), "disk on fire");
    }

    #[test]
    fn callback_error_stops_the_scan() {
        let data = "9434765919\n".repeat(10);
        let mut calls = 0;
        let result = scan_reader(
            &Engine::default(),
            &mut data.as_bytes(),
            &mut |_, _| {
                calls += 1;
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            },
            &mut |_| Ok(()),
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(calls, 1);
    }
}
