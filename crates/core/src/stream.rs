//! [`Stream`]: the sans-IO push API.

use std::sync::Arc;

use crate::engine::{Inner, Sink};
use crate::error::StreamError;
use crate::scan::{self, Region, ScanState};

/// Per-stream state for scanning input that arrives in chunks: push bytes
/// in with [`push`](Stream::push), call [`finish`](Stream::finish) at the
/// end, and receive findings with absolute offsets from the start of the
/// stream. The stream does no I/O; the caller reads the bytes (a socket, an
/// ICAP body, a file) and hands them over.
///
/// # Contract
///
/// 1. **Chunking never changes the result.** The findings and
///    [`Notice`](crate::Notice)s of a stream are exactly those of
///    [`Engine::scan_into`](crate::Engine::scan_into) on the concatenated
///    input, in the same order (notices interleaved with findings the same
///    way), whatever the chunk sizes (down to one byte per push, and empty
///    pushes).
/// 2. **Bounded delay.** A finding is delivered by the `push` that brings
///    the stream [`max_delay`](Stream::max_delay) bytes past the finding's
///    end (115 bytes with the default configuration), or by `finish`. A
///    finding made from structure, a `person_name` or a
///    `clinical_record`, is complete only when its field or record is
///    seen to end (a closing tag or quote, the next segment, the end of
///    the input), so it comes `max_delay` bytes after that point instead;
///    findings after it wait for it, to keep the order.
/// 3. **Bounded memory.** A stream holds at most
///    [`max_buffered`](Stream::max_buffered) bytes of input, whatever the
///    length of the stream: `3 × (lookbehind + hold)`, 1,248 bytes with the
///    default configuration and at most [`MAX_STREAM_BUFFER`] bytes with the
///    largest context windows allowed. The `Stream` value itself is 424
///    bytes on 64-bit targets (most of it the structure trackers' fixed
///    state), so a default stream's whole state is about 1.6 KiB, plus
///    what the one tracker that recognised the input's format keeps, each
///    part bounded by a named limit: while the first line is read, up to
///    [`MAX_CSV_HEADER_LEN`](crate::MAX_CSV_HEADER_LEN) bytes of it (and
///    for a CSV, a byte or two per column, at most
///    [`MAX_CSV_COLUMNS`](crate::MAX_CSV_COLUMNS)); for JSON and XML, a
///    stack of at most [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)
///    levels; field values (names, FHIR systems, CDA roots) of at most
///    [`MAX_FIELD_VALUE_LEN`](crate::MAX_FIELD_VALUE_LEN) bytes.
/// 4. **Sticky errors.** After a call returns an error, every later call
///    returns the same error and scans nothing.
///
/// # Memory usage
///
/// Chunks larger than `2 × (lookbehind + hold)` are scanned in place,
/// without copying, except for `lookbehind + hold` bytes from the chunk's
/// head (the seam with the previous chunk) and as many from its tail (kept
/// for the next). Smaller chunks are copied into the stream's buffer.
///
/// # Example
///
/// ```
/// use caldicott_core::Engine;
///
/// let engine = Engine::default();
/// let mut stream = engine.stream();
/// let mut findings = Vec::new();
/// for chunk in [&b"NHS no: 943 4"[..], b"76 5919 ", b"end"] {
///     stream.push(chunk, &mut findings)?;
/// }
/// stream.finish(&mut findings)?;
/// assert_eq!(findings.len(), 1);
/// assert_eq!((findings[0].start, findings[0].end), (8, 20));
/// # Ok::<(), caldicott_core::StreamError>(())
/// ```
#[derive(Debug)]
pub struct Stream {
    engine: Arc<Inner>,
    /// The newest input bytes: history for look-behind plus bytes not yet
    /// scanned.
    buf: Vec<u8>,
    /// Absolute offset of `buf[0]`.
    buf_base: u64,
    /// Bytes pushed so far.
    total: u64,
    /// Candidates starting before this absolute offset have been decided.
    scanned: u64,
    scan: ScanState,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    Failed(StreamError),
}

/// The most input a stream can hold with the largest context windows
/// allowed ([`MAX_CONTEXT_WINDOW`](crate::MAX_CONTEXT_WINDOW) on both
/// sides).
pub const MAX_STREAM_BUFFER: usize = 3
    * (crate::engine::MAX_CONTEXT_WINDOW
        + 1
        + crate::scan::MAX_CANDIDATE_LEN
        + crate::engine::MAX_CONTEXT_WINDOW
        + 1);

impl Stream {
    pub(crate) fn new(engine: Arc<Inner>) -> Stream {
        let capacity = 3 * (engine.lookbehind + engine.hold);
        Stream {
            engine,
            buf: Vec::with_capacity(capacity),
            buf_base: 0,
            total: 0,
            scanned: 0,
            scan: ScanState::default(),
            state: State::Open,
        }
    }

    /// Makes this stream as it was when it was made: ready for a new
    /// input from offset 0, with the same engine and the same structure
    /// setting, and no error; its buffer's allocation is kept. A decoder
    /// that scans many short layers one after another (the bodies of an
    /// HTTP connection, the blobs on a page) reuses one stream this way.
    pub fn reset(&mut self) {
        let no_structure = self.scan.no_structure;
        self.buf.clear();
        self.buf_base = 0;
        self.total = 0;
        self.scanned = 0;
        self.scan = ScanState::default();
        self.scan.no_structure = no_structure;
        self.state = State::Open;
    }

    /// Turns structure off for this stream (see
    /// [`Engine::stream_without_structure`](crate::Engine::stream_without_structure)).
    pub(crate) fn without_structure(&mut self) {
        self.scan.no_structure = true;
    }

    /// Bytes kept between pushes: look-behind for the next candidate plus
    /// the bytes held back for look-ahead.
    fn window(&self) -> usize {
        self.engine.lookbehind + self.engine.hold
    }

    /// How many bytes past a finding's end the stream may need before it
    /// delivers the finding (contract item 2).
    pub fn max_delay(&self) -> usize {
        self.engine.hold
    }

    /// The most input bytes this stream ever holds (contract item 3).
    pub fn max_buffered(&self) -> usize {
        3 * self.window()
    }

    /// Bytes allocated for this stream's input buffer (its capacity, which
    /// is allocated up front). Never more than
    /// [`max_buffered`](Stream::max_buffered).
    pub fn buffered(&self) -> usize {
        self.buf.capacity()
    }

    /// Bytes pushed so far: the absolute offset the next chunk starts at.
    pub fn position(&self) -> u64 {
        self.total
    }

    /// Scans `chunk`, the next bytes of the stream, and hands every finding
    /// that is now decided to `sink`.
    ///
    /// # Errors
    ///
    /// [`StreamError::Finished`] after [`finish`](Stream::finish),
    /// [`StreamError::Stopped`] if the sink returned `false` (now or
    /// earlier). Errors are sticky.
    pub fn push(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<(), StreamError> {
        if let State::Failed(err) = self.state {
            return Err(err);
        }
        let window = self.window();
        let ok = if chunk.len() <= 2 * window {
            self.buf.extend_from_slice(chunk);
            self.total += chunk.len() as u64;
            let ok = self.scan_buf(false, sink);
            self.trim();
            ok
        } else {
            self.push_large(chunk, sink)
        };
        if ok {
            Ok(())
        } else {
            self.fail(StreamError::Stopped)
        }
    }

    /// Scans what is left at the end of the stream and hands the remaining
    /// findings to `sink`. The stream accepts nothing afterwards.
    ///
    /// # Errors
    ///
    /// As for [`push`](Stream::push): a finished stream returns
    /// [`StreamError::Finished`].
    pub fn finish(&mut self, sink: &mut dyn Sink) -> Result<(), StreamError> {
        if let State::Failed(err) = self.state {
            return Err(err);
        }
        let ok = self.scan_buf(true, sink);
        self.buf = Vec::new();
        self.state = State::Failed(StreamError::Finished);
        if ok {
            Ok(())
        } else {
            self.fail(StreamError::Stopped)
        }
    }

    fn fail(&mut self, err: StreamError) -> Result<(), StreamError> {
        self.state = State::Failed(err);
        self.buf = Vec::new();
        Err(err)
    }

    /// Decides the candidates in `buf` that have their look-ahead (all of
    /// them at end of input).
    fn scan_buf(&mut self, eof: bool, sink: &mut dyn Sink) -> bool {
        let limit = if eof {
            self.total
        } else {
            self.total.saturating_sub(self.engine.hold as u64)
        };
        if limit <= self.scanned {
            return true;
        }
        let region = Region { hay: &self.buf, base: self.buf_base, eof };
        let from = (self.scanned - self.buf_base) as usize;
        let to = (limit - self.buf_base) as usize;
        self.scanned = limit;
        scan::scan_region(&self.engine, region, from, to, &mut self.scan, sink)
    }

    /// Drops buffered bytes no later candidate can need.
    fn trim(&mut self) {
        let keep_from =
            self.scanned.saturating_sub(self.engine.lookbehind as u64);
        if keep_from > self.buf_base {
            let cut = (keep_from - self.buf_base) as usize;
            self.buf.drain(..cut);
            self.buf_base = keep_from;
        }
    }

    /// A chunk longer than `2 × window`: scan the seam around its start in
    /// the buffer, the middle in place, and keep its last `window` bytes.
    fn push_large(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> bool {
        let (lookbehind, hold) = (self.engine.lookbehind, self.engine.hold);
        let window = lookbehind + hold;
        let chunk_base = self.total;
        // Seam: every start before `chunk_base + lookbehind` has its
        // look-ahead within the first `window` bytes of the chunk.
        self.buf.extend_from_slice(&chunk[..window]);
        self.total += window as u64;
        let seam_limit = chunk_base + lookbehind as u64;
        let seam_ok = {
            let region =
                Region { hay: &self.buf, base: self.buf_base, eof: false };
            let from = (self.scanned - self.buf_base) as usize;
            let to = (seam_limit - self.buf_base) as usize;
            scan::scan_region(
                &self.engine,
                region,
                from,
                to,
                &mut self.scan,
                sink,
            )
        };
        // Middle: the chunk itself holds every start's context.
        let middle_to = chunk.len() - hold;
        let ok = seam_ok && {
            let region = Region { hay: chunk, base: chunk_base, eof: false };
            scan::scan_region(
                &self.engine,
                region,
                lookbehind,
                middle_to,
                &mut self.scan,
                sink,
            )
        };
        self.total = chunk_base + chunk.len() as u64;
        self.scanned = chunk_base + middle_to as u64;
        self.buf.clear();
        self.buf.extend_from_slice(&chunk[chunk.len() - window..]);
        self.buf_base = self.total - window as u64;
        ok
    }
}
