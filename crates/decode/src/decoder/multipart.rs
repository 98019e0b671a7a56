//! Multipart bodies (RFC 2046 §5.1; RFC 7578 `multipart/form-data`):
//! a body split by a boundary line into parts, each with its own headers.
//!
//! [`Splitter`] finds the boundaries as the body streams past, holding
//! back only what may be the start of a boundary line. [`Parts`] turns
//! its parts into child layers: the part's headers as text (a file name
//! can hold an identifier), then its content with its
//! `Content-Transfer-Encoding` undone, as a layer that sniffs (a gzip'd
//! CSV upload is `multipart:export.csv.gz > gzip`). A part that is itself
//! multipart is handed on whole, headers and body, so its layer decodes it
//! as a `mime` entity: nesting is bounded by the depth limit like every
//! other layer.
//!
//! The `multipart` decoder takes a layer that starts with a boundary line
//! ([`is_multipart`]): an HTTP form upload's body, whose boundary its
//! first line gives. Mail bodies are split by the `mime` decoder, which
//! knows the boundary from the headers and allows a preamble.

use memchr::memchr;

use super::mime::{
    decode_words, file_name, go, header, headers_text, label, parse_headers,
    trim_end, Deferred, Header, HeaderReader, Params, Step, Transfer,
    MAX_HEADER_BYTES,
};
use super::{DecodeError, Decoder, Output};
use crate::sniff::SNIFF_LEN;

/// Longest boundary (RFC 2046 §5.1.1: 1 to 70 characters). It bounds what
/// the splitter holds back; a longer one is malformed.
pub(crate) const MAX_BOUNDARY_LEN: usize = 70;

/// Spaces and tabs allowed after a boundary on its line ("transport
/// padding", which mail relays may add). More than this and the line is
/// not a boundary line: it is content.
const MAX_DELIM_PADDING: usize = 256;

/// Longest first line of a `multipart` layer: `--`, the boundary, padding
/// and the line break.
const MAX_FIRST_LINE: usize = 2 + MAX_BOUNDARY_LEN + MAX_DELIM_PADDING + 2;

/// Whether `b` may be in a boundary (RFC 2046 `bchars`, without the space,
/// which a boundary seldom has and text often does).
fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"'()+_,-./:=?".contains(&b)
}

/// Whether a layer starting with `head` is a multipart body: `--`, a
/// boundary with a letter or digit in it, and at the end of that line a
/// part's headers (`Content-…`) or the blank line of a part without any.
/// A boundary longer than `head` is taken on its first bytes.
pub(crate) fn is_multipart(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"--") else { return false };
    let end = rest
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(rest.len());
    let boundary = &rest[..end];
    if boundary.is_empty()
        || !boundary.iter().all(|&b| is_bchar(b))
        || !boundary.iter().any(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    if end == rest.len() {
        // The line goes on past the head: a long boundary, unless this is
        // the whole layer.
        return head.len() >= SNIFF_LEN;
    }
    let after = &rest[end..];
    let after = after.strip_prefix(b"\r").unwrap_or(after);
    let Some(next) = after.strip_prefix(b"\n") else { return false };
    if next.is_empty() {
        return head.len() >= SNIFF_LEN;
    }
    if next.starts_with(b"\r\n") || next.starts_with(b"\n") {
        return true;
    }
    let want = b"content-";
    let n = next.len().min(want.len());
    next[..n].eq_ignore_ascii_case(&want[..n])
}

/// What a [`Splitter`] finds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// Bytes before the first boundary.
    Preamble(&'a [u8]),
    /// A part starts; its header block.
    Start(&'a [u8]),
    /// Bytes of the current part's body.
    Data(&'a [u8]),
    /// The current part has ended.
    End,
    /// Bytes after the closing boundary.
    Epilogue(&'a [u8]),
}

/// Where the splitter is in the body.
#[derive(Debug)]
enum Section {
    /// Before the first boundary line.
    Preamble,
    /// A part's header block.
    Headers(HeaderReader),
    /// A part's content.
    Body,
    /// After the closing boundary.
    Epilogue,
}

/// Where the splitter is in a line of the preamble or a part's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Inside a line: not a boundary.
    Mid,
    /// At the start of a line, with this many bytes of `--boundary`
    /// matched (held back).
    LineStart(usize),
    /// After a whole `--boundary` at the start of a line: the rest of the
    /// line (in `after`) says whether it is a boundary line.
    AfterDelim,
}

/// Where a [`Splitter`] sends what it finds.
pub(crate) type Events<'f> =
    dyn FnMut(Event<'_>) -> Result<(), DecodeError> + 'f;

/// Splits a multipart body at its boundary lines. It holds back at most a
/// line break, a partial `--boundary` and its padding, and one part's
/// header block ([`MAX_HEADER_BYTES`]).
#[derive(Debug)]
pub(crate) struct Splitter {
    /// `--` and the boundary.
    delim: Vec<u8>,
    /// Where in the body.
    section: Section,
    /// Where in a line of the preamble or a part's content.
    phase: Phase,
    /// The line break before a possible boundary: it belongs to the
    /// boundary if one follows, to the content if not.
    eol: &'static [u8],
    /// A CR at the end of the last push, inside a line.
    pending_cr: bool,
    /// What follows a `--boundary` on its line: `-`, or padding and a CR.
    after: Vec<u8>,
    /// Content of this push, handed on in one event (a part's lines are
    /// not worth an event each).
    out: Vec<u8>,
}

impl Splitter {
    /// A splitter at the start of a body with `boundary`.
    pub(crate) fn new(boundary: &[u8]) -> Splitter {
        let mut delim = b"--".to_vec();
        delim.extend_from_slice(boundary);
        Splitter {
            delim,
            section: Section::Preamble,
            phase: Phase::LineStart(0),
            eol: b"",
            pending_cr: false,
            after: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Content bytes of the preamble or the current part, held until
    /// [`flush`](Splitter::flush).
    fn emit(&mut self, bytes: &[u8]) {
        if matches!(self.section, Section::Preamble | Section::Body) {
            self.out.extend_from_slice(bytes);
        }
    }

    /// Hands on the content held, before the section changes and at the
    /// end of a push.
    fn flush(&mut self, f: &mut Events<'_>) -> Result<(), DecodeError> {
        let r = match self.section {
            _ if self.out.is_empty() => Ok(()),
            Section::Preamble => f(Event::Preamble(&self.out)),
            Section::Body => f(Event::Data(&self.out)),
            Section::Headers(_) | Section::Epilogue => Ok(()),
        };
        self.out.clear();
        r
    }

    /// The next bytes of the body.
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        f: &mut Events<'_>,
    ) -> Result<(), DecodeError> {
        self.run(input, f)?;
        self.flush(f)
    }

    /// Splits `input`; content is held in `out`.
    fn run(
        &mut self,
        input: &[u8],
        f: &mut Events<'_>,
    ) -> Result<(), DecodeError> {
        let mut rest = input;
        while !rest.is_empty() {
            match &mut self.section {
                Section::Epilogue => return f(Event::Epilogue(rest)),
                Section::Headers(reader) => match reader.push(rest) {
                    Step::More => return Ok(()),
                    Step::Overflow { .. } => {
                        return Err(DecodeError::Malformed(format!(
                            "a part's headers are longer than \
                             {MAX_HEADER_BYTES} bytes (MAX_HEADER_BYTES)"
                        )))
                    }
                    Step::Done { used, carry } => {
                        let block = reader.block();
                        f(Event::Start(&block))?;
                        self.section = Section::Body;
                        self.phase = Phase::LineStart(0);
                        self.eol = b"";
                        self.pending_cr = false;
                        // The first body line, read as a header: one line,
                        // so this goes no deeper.
                        self.run(&carry, f)?;
                        rest = &rest[used..];
                    }
                },
                Section::Preamble | Section::Body => {
                    let n = self.step(rest, f)?;
                    rest = &rest[n..];
                }
            }
        }
        Ok(())
    }

    /// One step through the preamble or a body: returns the bytes used.
    fn step(
        &mut self,
        rest: &[u8],
        f: &mut Events<'_>,
    ) -> Result<usize, DecodeError> {
        match self.phase {
            Phase::Mid => {
                if self.pending_cr {
                    self.pending_cr = false;
                    if rest.first() == Some(&b'\n') {
                        self.eol = b"\r\n";
                        self.phase = Phase::LineStart(0);
                        return Ok(1);
                    }
                    self.emit(b"\r");
                }
                match memchr(b'\n', rest) {
                    None => {
                        let cr = rest.last() == Some(&b'\r');
                        let content = &rest[..rest.len() - usize::from(cr)];
                        self.emit(content);
                        self.pending_cr = cr;
                        Ok(rest.len())
                    }
                    Some(p) => {
                        let cr = p > 0 && rest[p - 1] == b'\r';
                        self.emit(&rest[..p - usize::from(cr)]);
                        self.eol = if cr { b"\r\n" } else { b"\n" };
                        self.phase = Phase::LineStart(0);
                        Ok(p + 1)
                    }
                }
            }
            Phase::LineStart(m) => {
                let want = &self.delim[m..];
                let n = want.len().min(rest.len());
                if rest[..n] == want[..n] {
                    if m + n == self.delim.len() {
                        self.after.clear();
                        self.phase = Phase::AfterDelim;
                    } else {
                        self.phase = Phase::LineStart(m + n);
                    }
                    Ok(n)
                } else {
                    self.not_delimiter(m);
                    Ok(0)
                }
            }
            Phase::AfterDelim => {
                let b = rest[0];
                let padding_only = !self.after.contains(&b'\r');
                if self.after == b"-" {
                    if b == b'-' {
                        self.close(f)?;
                        return Ok(1);
                    }
                } else if self.after.is_empty() && b == b'-' {
                    self.after.push(b);
                    return Ok(1);
                } else if b == b'\n' {
                    self.next_part(f)?;
                    return Ok(1);
                } else if padding_only
                    && (b == b'\r'
                        || (matches!(b, b' ' | b'\t')
                            && self.after.len() < MAX_DELIM_PADDING))
                {
                    self.after.push(b);
                    return Ok(1);
                }
                let m = self.delim.len();
                self.not_delimiter(m);
                Ok(0)
            }
        }
    }

    /// The line that started with `m` bytes of `--boundary` (and what is
    /// in `after`) is content after all.
    fn not_delimiter(&mut self, m: usize) {
        self.emit(self.eol);
        let delim = std::mem::take(&mut self.delim);
        self.emit(&delim[..m]);
        self.delim = delim;
        let mut after = std::mem::take(&mut self.after);
        if after.last() == Some(&b'\r') {
            after.pop();
            self.pending_cr = true;
        }
        self.emit(&after);
        after.clear();
        self.after = after;
        self.eol = b"";
        self.phase = Phase::Mid;
    }

    /// A boundary line: the current part (if any) ends and the next
    /// starts.
    fn next_part(&mut self, f: &mut Events<'_>) -> Result<(), DecodeError> {
        self.flush(f)?;
        if matches!(self.section, Section::Body) {
            f(Event::End)?;
        }
        self.section = Section::Headers(HeaderReader::new());
        self.reset();
        Ok(())
    }

    /// The closing boundary: the last part ends.
    fn close(&mut self, f: &mut Events<'_>) -> Result<(), DecodeError> {
        self.flush(f)?;
        if matches!(self.section, Section::Body) {
            f(Event::End)?;
        }
        self.section = Section::Epilogue;
        self.reset();
        Ok(())
    }

    /// Back to the start of a line, nothing held.
    fn reset(&mut self) {
        self.after.clear();
        self.eol = b"";
        self.pending_cr = false;
        self.phase = Phase::LineStart(0);
    }

    /// The body has ended. An error if it ended before its closing
    /// boundary (the last part was still given all it had).
    pub(crate) fn finish(
        &mut self,
        f: &mut Events<'_>,
    ) -> Result<(), DecodeError> {
        let in_body = match &mut self.section {
            Section::Epilogue => return Ok(()),
            Section::Headers(reader) => {
                let (block, carry) = reader.finish();
                if !block.is_empty() || !carry.is_empty() {
                    f(Event::Start(&block))?;
                    f(Event::Data(&carry))?;
                    f(Event::End)?;
                }
                false
            }
            Section::Preamble | Section::Body => true,
        };
        if in_body {
            match self.phase {
                Phase::Mid => {
                    if self.pending_cr {
                        self.emit(b"\r");
                    }
                }
                Phase::LineStart(m) => {
                    self.emit(self.eol);
                    let delim = std::mem::take(&mut self.delim);
                    self.emit(&delim[..m]);
                    self.delim = delim;
                }
                Phase::AfterDelim => {
                    if self.after == b"-" {
                        let m = self.delim.len();
                        self.not_delimiter(m);
                    }
                }
            }
            self.flush(f)?;
            if matches!(self.section, Section::Preamble) {
                return Err(DecodeError::Malformed(
                    "multipart body without a boundary line: scanned as text"
                        .to_string(),
                ));
            }
            f(Event::End)?;
        }
        self.section = Section::Epilogue;
        Err(DecodeError::Malformed(
            "multipart body ends without its closing boundary (the last \
             part may be cut short)"
                .to_string(),
        ))
    }
}

/// How parts are named in layer paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naming {
    /// Form uploads: the file name, else the field name, else the content
    /// type (`multipart:export.csv`, `multipart:nhs`).
    Form,
    /// Mail: the file name, else the content type (`mime:report.pdf`,
    /// `mime:text/plain`).
    Mail,
}

/// The part being decoded.
#[derive(Debug)]
enum Current {
    /// Between parts.
    Idle,
    /// A part's content, through its transfer decoding.
    Part {
        /// The part's name, for notices.
        label: String,
        /// Its transfer decoding.
        transfer: Transfer,
    },
    /// A part whose transfer decoding failed (already noted): the rest of
    /// it is skipped.
    Skip,
}

/// The parts of a multipart body, as child layers.
#[derive(Debug)]
pub(crate) struct Parts {
    /// Finds the parts.
    splitter: Splitter,
    /// How they are named.
    naming: Naming,
    /// The part being decoded.
    current: Current,
    /// Whether the preamble and epilogue have text (and so a part).
    preamble: bool,
    epilogue: bool,
}

impl Parts {
    /// The parts of a body with `boundary`.
    pub(crate) fn new(boundary: &[u8], naming: Naming) -> Parts {
        Parts {
            splitter: Splitter::new(boundary),
            naming,
            current: Current::Idle,
            preamble: false,
            epilogue: false,
        }
    }

    /// The next bytes of the body. A part that cannot be decoded is
    /// noted in `deferred` and skipped.
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
        deferred: &mut Deferred,
    ) -> Result<(), DecodeError> {
        let Parts { splitter, naming, current, preamble, epilogue } = self;
        let mut handle = |ev: Event<'_>| {
            on_event(ev, *naming, current, (preamble, epilogue), out, deferred)
        };
        splitter.push(input, &mut handle)
    }

    /// The body has ended: the last part is finished. An error if the
    /// closing boundary is missing.
    pub(crate) fn finish(
        &mut self,
        out: &mut dyn Output,
        deferred: &mut Deferred,
    ) -> Result<(), DecodeError> {
        let Parts { splitter, naming, current, preamble, epilogue } = self;
        let mut handle = |ev: Event<'_>| {
            on_event(ev, *naming, current, (preamble, epilogue), out, deferred)
        };
        splitter.finish(&mut handle)
    }
}

/// Turns a splitter event into parts and data.
fn on_event(
    ev: Event<'_>,
    naming: Naming,
    current: &mut Current,
    tails: (&mut bool, &mut bool),
    out: &mut dyn Output,
    deferred: &mut Deferred,
) -> Result<(), DecodeError> {
    match ev {
        Event::Preamble(bytes) => text_tail(tails.0, "preamble", bytes, out),
        Event::Epilogue(bytes) => text_tail(tails.1, "epilogue", bytes, out),
        Event::Start(block) => start_part(block, naming, current, out),
        Event::Data(bytes) => {
            let Current::Part { label, transfer } = current else {
                return Ok(());
            };
            match transfer.push(bytes, out) {
                Err(DecodeError::Malformed(why)) => {
                    deferred.add(format!("part `{label}`: {why}"));
                    *current = Current::Skip;
                    Ok(())
                }
                r => r,
            }
        }
        Event::End => {
            let Current::Part { label, mut transfer } =
                std::mem::replace(current, Current::Idle)
            else {
                return Ok(());
            };
            match transfer.finish(out) {
                Err(DecodeError::Malformed(why)) => {
                    deferred.add(format!("part `{label}`: {why}"));
                    Ok(())
                }
                r => r,
            }
        }
    }
}

/// Preamble or epilogue bytes: scanned as text once they have more than
/// white space (the usual "This is a multi-part message" is scanned too:
/// text a mail reader hides is where data is hidden).
fn text_tail(
    started: &mut bool,
    name: &str,
    bytes: &[u8],
    out: &mut dyn Output,
) -> Result<(), DecodeError> {
    let bytes = if *started {
        bytes
    } else {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        &bytes[start..]
    };
    if bytes.is_empty() {
        return Ok(());
    }
    if !*started {
        *started = true;
        go(out.part(name, true))?;
    }
    go(out.data(bytes))
}

/// A part starts: its name, its headers as text, and the decoding of its
/// content.
fn start_part(
    block: &[u8],
    naming: Naming,
    current: &mut Current,
    out: &mut dyn Output,
) -> Result<(), DecodeError> {
    let headers = parse_headers(block);
    let ctype =
        Params::parse(header(&headers, "content-type").unwrap_or_default());
    let disposition = Params::parse(
        header(&headers, "content-disposition").unwrap_or_default(),
    );
    let media = Some(ctype.value.clone()).filter(|v| !v.is_empty());
    let name = match naming {
        Naming::Form => file_name(&disposition, &ctype)
            .or_else(|| {
                disposition.get("name").map(|n| decode_words(n.as_bytes()))
            })
            .or(media),
        Naming::Mail => file_name(&disposition, &ctype)
            .or(media)
            .or_else(|| Some("text/plain".to_string())),
    };
    let label = label(&name.unwrap_or_default());
    if ctype.value.starts_with("multipart/") {
        // Headers and body together are a MIME entity: its layer sniffs
        // as `mime` (Content-Type first) and splits it.
        go(out.part(&label, false))?;
        go(out.data(&entity_head(&headers)))?;
        *current = Current::Part { label, transfer: Transfer::Identity };
        return Ok(());
    }
    if !headers.is_empty() {
        go(out.part(&label, true))?;
        go(out.data(&headers_text(&headers)))?;
    }
    go(out.part(&label, false))?;
    let transfer =
        Transfer::new(header(&headers, "content-transfer-encoding"));
    *current = Current::Part { label, transfer };
    Ok(())
}

/// A nested multipart's header block, `Content-Type` first (the `mime`
/// signature), then the blank line.
fn entity_head(headers: &[Header]) -> Vec<u8> {
    let mut head = Vec::new();
    let is_ct = |h: &&Header| h.name.eq_ignore_ascii_case("content-type");
    for h in headers
        .iter()
        .filter(is_ct)
        .chain(headers.iter().filter(|h| !is_ct(h)))
    {
        head.extend_from_slice(h.name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(&h.value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// The state of a `multipart` layer.
#[derive(Debug)]
enum State {
    /// Reading the first line, `--boundary`.
    First(Vec<u8>),
    /// Splitting.
    Parts(Box<Parts>),
    /// Not a multipart body after all (no valid boundary line): the layer
    /// is scanned as text (a part was started).
    Text,
}

/// The `multipart` decoder: a body that starts with its boundary line.
#[derive(Debug)]
pub(crate) struct Multipart {
    /// Where the decoder is in the body.
    state: State,
    /// Problems reported when the body ends (decoding went on).
    deferred: Deferred,
}

impl Multipart {
    /// A decoder at the start of a body.
    pub(crate) fn new() -> Multipart {
        Multipart {
            state: State::First(Vec::new()),
            deferred: Deferred::default(),
        }
    }

    /// The first line is not a boundary line: notes why and scans the
    /// layer as text.
    fn as_text(
        &mut self,
        why: String,
        first: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        self.deferred.add(why);
        self.state = State::Text;
        go(out.part("", true))?;
        go(out.data(first))
    }
}

impl Decoder for Multipart {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let first = match &mut self.state {
            State::Text => return go(input.is_empty() || out.data(input)),
            State::Parts(parts) => {
                return parts.push(input, out, &mut self.deferred)
            }
            State::First(first) => first,
        };
        let Some(p) = memchr(b'\n', input) else {
            if first.len() + input.len() > MAX_FIRST_LINE {
                let mut all = std::mem::take(first);
                all.extend_from_slice(input);
                return self.as_text(too_long(), &all, out);
            }
            first.extend_from_slice(input);
            return Ok(());
        };
        let mut line = std::mem::take(first);
        line.extend_from_slice(&input[..=p]);
        if line.len() > MAX_FIRST_LINE {
            self.as_text(too_long(), &line, out)?;
            return go(out.data(&input[p + 1..]));
        }
        let boundary = trim_end(line.get(2..).unwrap_or_default());
        if boundary.len() > MAX_BOUNDARY_LEN {
            self.as_text(too_long(), &line, out)?;
            return go(out.data(&input[p + 1..]));
        }
        if boundary.is_empty() {
            self.as_text("empty multipart boundary".to_string(), &line, out)?;
            return go(out.data(&input[p + 1..]));
        }
        let mut parts = Box::new(Parts::new(boundary, Naming::Form));
        parts.push(&line, out, &mut self.deferred)?;
        parts.push(&input[p + 1..], out, &mut self.deferred)?;
        self.state = State::Parts(parts);
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        match &mut self.state {
            State::Text => {}
            State::First(first) => {
                let first = std::mem::take(first);
                self.as_text(
                    "the body ends inside its first boundary line".to_string(),
                    &first,
                    out,
                )?;
            }
            State::Parts(parts) => {
                if let Err(e) = parts.finish(out, &mut self.deferred) {
                    return match e {
                        DecodeError::Malformed(why) => {
                            Err(self.deferred.fail(why))
                        }
                        stopped => Err(stopped),
                    };
                }
            }
        }
        self.deferred.finish()
    }
}

/// Why a first line too long for a boundary line is text.
fn too_long() -> String {
    format!(
        "the first line is not a boundary line of at most {MAX_BOUNDARY_LEN} \
         bytes (MAX_BOUNDARY_LEN): scanned as text"
    )
}
