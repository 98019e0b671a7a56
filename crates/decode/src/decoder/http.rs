//! HTTP/1.x messages (RFC 9112): requests or responses, one after another
//! on a connection (keep-alive and pipelining), as a proxy or a capture
//! sees them.
//!
//! Each message is two parts. Its start line and header fields are text
//! (an identifier in a query string or a cookie is found under `http`; a
//! request target is percent-decoded first, so `?nhs=943+476+5919` is
//! found). Its body, de-chunked, is a layer that sniffs, so a gzip body is
//! `http > gzip` and a form upload `http > multipart:export.csv`; a
//! `deflate` body (not sniffable when raw) is inflated here, and so is a
//! `br` (brotli) body, which has no signature to sniff: both are found
//! under `http`. An `application/x-www-form-urlencoded` body is
//! percent-decoded as text (`http:form`). The start line and headers are
//! parsed with `httparse`, and so are chunk sizes; the framing
//! (Content-Length, chunked, to the end) follows RFC 9112 §6.3.
//!
//! Not decoded: bodies in encodings other than gzip, deflate and br
//! (`zstd`, `compress`: a notice says so), deflate or br under another
//! coding, and a response to a HEAD request that declares a length, which
//! a one-way stream cannot tell from others.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use super::brotli::Brotli;
use super::flate::{Flate, Framing as Deflate};
use super::mime::{go, percent_decode, trim_end, Deferred, Params};
use super::qp::hex_val;
use super::{DecodeError, Decoder, Output};

/// Bytes of one message's start line and header fields. Servers cap
/// these at 8–64 KiB (nginx 8 KiB per line, Node.js 16 KiB, Apache 8 KiB
/// per field): a longer head is not a real request. What was read is
/// scanned as text, and so is the rest of the stream, with a notice.
pub(crate) const MAX_HTTP_HEADER_BYTES: usize = 64 * 1024;

/// Header fields in one head (httparse needs room for each). Real heads
/// have tens; 1,024 short fields still fit in [`MAX_HTTP_HEADER_BYTES`].
const MAX_HTTP_HEADERS: usize = 1024;

/// Bytes in a chunk-size line (hex digits and chunk extensions) or a
/// trailer line. Servers allow about 4 KiB of extensions (Node.js 16 KiB
/// for the whole line); a longer line is malformed.
const MAX_CHUNK_LINE: usize = 4096;

/// Request methods in the [`is_http`] signature.
const METHODS: [&[u8]; 7] =
    [b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE ", b"HEAD ", b"OPTIONS "];

/// Whether a layer starting with `head` is an HTTP/1.x message: a request
/// line (a method and a target: `/…`, `*` or an absolute URL) or a status
/// line.
pub(crate) fn is_http(head: &[u8]) -> bool {
    for method in METHODS {
        if let Some(target) = head.strip_prefix(method) {
            return matches!(target.first(), Some(b'/' | b'*'))
                || target.starts_with(b"http://")
                || target.starts_with(b"https://");
        }
    }
    (head.starts_with(b"HTTP/1.1 ") || head.starts_with(b"HTTP/1.0 "))
        && head.get(9).is_some_and(u8::is_ascii_digit)
}

/// How a message's body is delimited.
#[derive(Debug)]
enum Framing {
    /// This many bytes are left (Content-Length).
    Length(u64),
    /// Chunked transfer coding.
    Chunked(Chunk),
    /// To the end of the stream (a response without a length).
    ToEnd,
}

/// Where a chunked body is.
#[derive(Debug)]
enum Chunk {
    /// Reading a chunk-size line.
    Size,
    /// This many bytes of chunk data are left.
    Data(u64),
    /// Reading the line break after chunk data.
    DataEnd,
    /// Reading trailer fields, after the last chunk.
    Trailer,
}

/// What becomes of a body.
enum Body {
    /// Passed on: the body layer sniffs it (gzip, multipart, …).
    Raw,
    /// Inflated here: the first two bytes say zlib or raw deflate.
    Deflate {
        /// The body's first bytes, until there are two.
        head: Vec<u8>,
        /// The inflater, once the framing is known.
        flate: Option<Box<Flate>>,
    },
    /// Brotli, decoded here (it has no signature to sniff).
    Brotli(Box<Brotli>),
    /// Percent-decoded as text.
    Form(Form),
    /// Not decoded (an unsupported encoding, or a decoding failed: noted).
    Skip,
    /// The body has ended.
    Ended,
}

impl Body {
    /// The body's coding, for notices about it.
    fn coding(&self) -> &'static str {
        match self {
            Body::Deflate { .. } => "deflate",
            Body::Brotli(_) => "br",
            Body::Form(_) => "form",
            Body::Raw | Body::Skip | Body::Ended => "the",
        }
    }
}

/// A message whose body is being read.
struct Message {
    /// How the body is delimited, and how far it has got.
    framing: Framing,
    /// What becomes of the body's bytes.
    body: Body,
    /// The body's part has been started.
    started: bool,
    /// A chunk-size or trailer line being read.
    line: Vec<u8>,
    /// Trailer fields, scanned as text at the end of the message.
    trailers: Vec<u8>,
}

impl Message {
    /// Bytes of the body, after de-chunking.
    fn data(
        &mut self,
        bytes: &[u8],
        out: &mut dyn Output,
        deferred: &mut Deferred,
    ) -> Result<(), DecodeError> {
        if bytes.is_empty() || matches!(self.body, Body::Skip | Body::Ended) {
            return Ok(());
        }
        if !self.started {
            self.started = true;
            let form = matches!(self.body, Body::Form(_));
            go(out.part(if form { "form" } else { "" }, form))?;
        }
        let coding = self.body.coding();
        let result = match &mut self.body {
            Body::Skip | Body::Ended => Ok(()),
            Body::Raw => go(out.data(bytes)),
            Body::Brotli(d) => d.push(bytes, out),
            Body::Form(form) => form.push(bytes, out),
            Body::Deflate { head, flate } => match flate {
                Some(d) => d.push(bytes, out),
                None => {
                    let take = (2 - head.len().min(2)).min(bytes.len());
                    head.extend_from_slice(&bytes[..take]);
                    if head.len() < 2 {
                        return Ok(());
                    }
                    let framing = if is_zlib(head) {
                        Deflate::Zlib
                    } else {
                        Deflate::Raw
                    };
                    let mut d = Box::new(Flate::new(framing));
                    let first = std::mem::take(head);
                    let r = d
                        .push(&first, out)
                        .and_then(|()| d.push(&bytes[take..], out));
                    *flate = Some(d);
                    r
                }
            },
        };
        match result {
            Err(DecodeError::Malformed(why)) => {
                deferred.add(format!("{coding} body: {why}"));
                self.body = Body::Skip;
                Ok(())
            }
            r => r,
        }
    }

    /// The body has ended: flushes its decoding.
    fn end(
        &mut self,
        out: &mut dyn Output,
        deferred: &mut Deferred,
    ) -> Result<(), DecodeError> {
        let body = std::mem::replace(&mut self.body, Body::Ended);
        let coding = body.coding();
        let result = match body {
            Body::Deflate { head, flate } => {
                let mut d = match flate {
                    Some(d) => d,
                    None if head.is_empty() => return Ok(()),
                    None => Box::new(Flate::new(Deflate::Raw)),
                };
                d.push(&head, out).and_then(|()| d.finish(out))
            }
            // An empty body is no stream at all, not a truncated one.
            Body::Brotli(mut d) if self.started => d.finish(out),
            Body::Form(mut form) => form.finish(out),
            Body::Brotli(_) | Body::Raw | Body::Skip | Body::Ended => Ok(()),
        };
        match result {
            Err(DecodeError::Malformed(why)) => {
                deferred.add(format!("{coding} body: {why}"));
                Ok(())
            }
            r => r,
        }
    }
}

/// Whether a deflate body starts with a zlib header (RFC 1950: method 8,
/// header check).
fn is_zlib(head: &[u8]) -> bool {
    match head {
        [a, b, ..] => {
            a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0
        }
        _ => false,
    }
}

/// Where a form decoder is inside a `%XX` escape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    /// Not in an escape.
    None,
    /// After `%`.
    Pct,
    /// After `%` and this hex digit.
    Hex(u8),
}

/// Decodes an `application/x-www-form-urlencoded` body: `+` is a space,
/// `%XX` a byte, and `&` between fields a line break (so each field reads
/// as a line of text; an encoded `%26` stays `&`).
#[derive(Debug)]
struct Form {
    /// An escape in progress (at most `%` and one digit).
    escape: Escape,
    /// Decoded bytes of the current push, handed on once per push.
    buf: Vec<u8>,
}

impl Form {
    /// A decoder at the start of a body.
    fn new() -> Form {
        Form { escape: Escape::None, buf: Vec::new() }
    }

    /// Decodes the next bytes of the body.
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.escape {
                Escape::None => match b {
                    b'%' => self.escape = Escape::Pct,
                    b'+' => self.buf.push(b' '),
                    b'&' => self.buf.push(b'\n'),
                    _ => self.buf.push(b),
                },
                Escape::Pct => {
                    if hex_val(b).is_some() {
                        self.escape = Escape::Hex(b);
                    } else {
                        self.buf.push(b'%');
                        self.escape = Escape::None;
                        continue;
                    }
                }
                Escape::Hex(h) => {
                    self.escape = Escape::None;
                    match (hex_val(h), hex_val(b)) {
                        (Some(hi), Some(lo)) => self.buf.push(hi << 4 | lo),
                        _ => {
                            self.buf.extend_from_slice(&[b'%', h]);
                            continue;
                        }
                    }
                }
            }
            i += 1;
        }
        let go_on = self.buf.is_empty() || out.data(&self.buf);
        self.buf.clear();
        go(go_on)
    }

    /// The body has ended: an unfinished escape is text.
    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        match std::mem::replace(&mut self.escape, Escape::None) {
            Escape::None => Ok(()),
            Escape::Pct => go(out.data(b"%")),
            Escape::Hex(h) => go(out.data(&[b'%', h])),
        }
    }
}

/// What a message's head says about its body.
#[derive(Debug, Default)]
struct Head {
    /// A response's status code.
    status: Option<u16>,
    /// A request's target.
    target: Option<String>,
    /// Content-Length values.
    content_length: Vec<String>,
    /// Transfer-Encoding codings, lower case, in order.
    transfer: Vec<String>,
    /// Content-Encoding codings, lower case, in order.
    content: Vec<String>,
    /// Content-Type.
    content_type: Params,
}

/// Parses a head (start line, fields, blank line) with `httparse`.
fn parse_head(buf: &[u8]) -> Result<Head, String> {
    let lines = memchr::memchr_iter(b'\n', buf).count();
    let mut fields = vec![httparse::EMPTY_HEADER; lines.min(MAX_HTTP_HEADERS)];
    let mut config = httparse::ParserConfig::default();
    config
        .allow_multiple_spaces_in_request_line_delimiters(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true)
        .ignore_invalid_headers_in_requests(true)
        .ignore_invalid_headers_in_responses(true);
    let mut head = Head::default();
    let parsed = if buf.starts_with(b"HTTP/") {
        let mut res = httparse::Response::new(&mut fields);
        let r = config.parse_response(&mut res, buf);
        head.status = res.code;
        r.map(|s| (s, res.headers.to_vec()))
    } else {
        let mut req = httparse::Request::new(&mut fields);
        let r = config.parse_request(&mut req, buf);
        head.target = req.path.map(str::to_string);
        r.map(|s| (s, req.headers.to_vec()))
    };
    let fields = match parsed {
        Ok((httparse::Status::Complete(_), fields)) => fields,
        Ok((httparse::Status::Partial, _)) => {
            return Err("an incomplete head".to_string())
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(format!(
                "more than {MAX_HTTP_HEADERS} header fields (MAX_HTTP_HEADERS)"
            ))
        }
        Err(e) => return Err(e.to_string()),
    };
    let tokens = |v: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(v)
            .split(',')
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|t| !t.is_empty())
            .collect()
    };
    for f in &fields {
        let name = f.name;
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length
                .push(String::from_utf8_lossy(f.value).into_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.transfer.extend(tokens(f.value));
        } else if name.eq_ignore_ascii_case("content-encoding") {
            head.content.extend(tokens(f.value));
        } else if name.eq_ignore_ascii_case("content-type") {
            head.content_type = Params::parse(f.value);
        }
    }
    Ok(head)
}

impl Head {
    /// How the body is delimited (RFC 9112 §6.3).
    fn framing(&self) -> Result<Framing, String> {
        if let Some(code) = self.status {
            if code == 101 {
                // Switching protocols: what follows is not HTTP/1.
                return Ok(Framing::ToEnd);
            }
            if (100..200).contains(&code) || code == 204 || code == 304 {
                return Ok(Framing::Length(0));
            }
        }
        if let Some((last, inner)) = self.transfer.split_last() {
            if last == "chunked" {
                if inner.iter().any(|c| c == "chunked") {
                    return Err("chunked applied twice".to_string());
                }
                return Ok(Framing::Chunked(Chunk::Size));
            }
            if self.status.is_some() {
                return Ok(Framing::ToEnd);
            }
            return Err(
                "a request whose Transfer-Encoding does not end in chunked \
                 has no length"
                    .to_string(),
            );
        }
        let mut length = None;
        for value in &self.content_length {
            for v in value.split(',') {
                let v = v.trim();
                let n = v
                    .parse::<u64>()
                    .ok()
                    .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        format!(
                            "invalid Content-Length `{}`",
                            show(v.as_bytes())
                        )
                    })?;
                if length.is_some_and(|l| l != n) {
                    return Err(
                        "conflicting Content-Length values".to_string()
                    );
                }
                length = Some(n);
            }
        }
        match length {
            Some(n) => Ok(Framing::Length(n)),
            None if self.status.is_some() => Ok(Framing::ToEnd),
            None => Ok(Framing::Length(0)),
        }
    }

    /// What becomes of the body, and the codings if they are not
    /// supported. Codings apply content first, then transfer (but
    /// chunked): the last is the outermost. gzip is left to the body
    /// layer's sniffing (so gzip inside gzip works); deflate and br,
    /// which cannot be sniffed, only as the outermost.
    fn body(&self) -> (Body, Option<String>) {
        let transfer = match self.transfer.split_last() {
            Some((last, inner)) if last == "chunked" => inner,
            _ => &self.transfer[..],
        };
        let codings: Vec<&str> = self
            .content
            .iter()
            .chain(transfer)
            .map(String::as_str)
            .filter(|c| *c != "identity")
            .collect();
        let gzip = |c: &str| c == "gzip" || c == "x-gzip";
        if let Some((last, inner)) = codings.split_last() {
            if inner.iter().all(|c| gzip(c)) {
                if gzip(last) {
                    return (Body::Raw, None);
                }
                if *last == "deflate" {
                    return (
                        Body::Deflate { head: Vec::new(), flate: None },
                        None,
                    );
                }
                if *last == "br" {
                    return (Body::Brotli(Box::new(Brotli::new())), None);
                }
            }
            return (Body::Skip, Some(codings.join(", ")));
        }
        if self.content_type.value == "application/x-www-form-urlencoded" {
            return (Body::Form(Form::new()), None);
        }
        (Body::Raw, None)
    }
}

/// At most 40 bytes of `b`, escaped, for a notice.
fn show(b: &[u8]) -> String {
    let cut = &b[..b.len().min(40)];
    let more = if b.len() > cut.len() { "…" } else { "" };
    format!("{}{more}", cut.escape_ascii())
}

/// The head as it is scanned: a request target with `%XX` escapes
/// decoded (and `+` as a space in its query), so an identifier written
/// into a URL is found.
fn scan_text<'b>(buf: &'b [u8], target: Option<&str>) -> Cow<'b, [u8]> {
    let Some(target) = target else { return Cow::Borrowed(buf) };
    if !target.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(buf);
    }
    let line_end = memchr(b'\n', buf).unwrap_or(buf.len());
    let Some(at) = memmem::find(&buf[..line_end], target.as_bytes()) else {
        return Cow::Borrowed(buf);
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut text = buf[..at].to_vec();
    text.extend(percent_decode(path.as_bytes(), false));
    if let Some(q) = query {
        text.push(b'?');
        text.extend(percent_decode(q.as_bytes(), true));
    }
    text.extend_from_slice(&buf[at + target.len()..]);
    Cow::Owned(text)
}

/// Reads a line into `line` (at most `max` bytes): the bytes of `input`
/// used and whether the line is complete. `Err` if it is too long.
fn read_line(
    line: &mut Vec<u8>,
    input: &[u8],
    max: usize,
) -> Result<(usize, bool), ()> {
    let (n, complete) = match memchr(b'\n', input) {
        Some(p) => (p + 1, true),
        None => (input.len(), false),
    };
    if line.len() + n > max {
        return Err(());
    }
    line.extend_from_slice(&input[..n]);
    Ok((n, complete))
}

/// The size in a chunk-size line (extensions allowed, CRLF or LF).
fn chunk_size(line: &[u8]) -> Result<u64, String> {
    let content = trim_end(line);
    let mut norm = content.to_vec();
    norm.extend_from_slice(b"\r\n");
    let digits = content.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits > 0 {
        if let Ok(httparse::Status::Complete((_, size))) =
            httparse::parse_chunk_size(&norm)
        {
            return Ok(size);
        }
    }
    if digits > 16 {
        return Err(format!(
            "chunk size `{}` does not fit in 64 bits",
            show(&content[..digits])
        ));
    }
    Err(format!("invalid chunk-size line `{}`", show(content)))
}

/// Where the decoder is in the stream.
enum State {
    /// Reading a head (the bytes so far; leading blank lines skipped).
    Head(Vec<u8>),
    /// Reading a body.
    Body(Box<Message>),
    /// Scanning the rest as text (a part was started): the stream stopped
    /// being HTTP (noted).
    Text,
}

/// The `http` decoder.
pub(crate) struct Http {
    /// Where the decoder is in the stream.
    state: State,
    /// Problems reported when the stream ends (decoding went on).
    deferred: Deferred,
    /// Messages started, for notices.
    messages: u64,
}

impl Http {
    /// A decoder at the start of a stream.
    pub(crate) fn new() -> Http {
        Http {
            state: State::Head(Vec::new()),
            deferred: Deferred::default(),
            messages: 0,
        }
    }

    /// Reads head bytes: returns the bytes of `input` used.
    fn head(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<usize, DecodeError> {
        let State::Head(buf) = &mut self.state else { return Ok(0) };
        let mut i = 0;
        if buf.is_empty() {
            // Blank lines between messages (RFC 9112 §2.2).
            while i < input.len() && matches!(input[i], b'\r' | b'\n') {
                i += 1;
            }
        }
        while i < input.len() {
            let rest = &input[i..];
            let (n, line_end) = match memchr(b'\n', rest) {
                Some(p) => (p + 1, true),
                None => (rest.len(), false),
            };
            if buf.len() + n > MAX_HTTP_HEADER_BYTES {
                let read = std::mem::take(buf);
                self.deferred.add(format!(
                    "message {}: headers longer than {MAX_HTTP_HEADER_BYTES} \
                     bytes (MAX_HTTP_HEADER_BYTES): the rest is scanned as \
                     text",
                    self.messages + 1
                ));
                self.state = State::Text;
                go(out.part("", true))?;
                go(out.data(&read))?;
                return Ok(i);
            }
            buf.extend_from_slice(&rest[..n]);
            i += n;
            if line_end && (buf.ends_with(b"\n\n") || buf.ends_with(b"\n\r\n"))
            {
                let head = std::mem::take(buf);
                self.start(&head, out)?;
                return Ok(i);
            }
        }
        Ok(i)
    }

    /// A head has been read: scans it and starts the body.
    fn start(
        &mut self,
        buf: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        self.messages += 1;
        let n = self.messages;
        let head = match parse_head(buf) {
            Ok(head) => head,
            Err(why) => {
                self.deferred.add(format!(
                    "message {n} is not an HTTP message ({why}): the rest \
                     is scanned as text"
                ));
                self.state = State::Text;
                go(out.part("", true))?;
                return go(out.data(buf));
            }
        };
        go(out.part("", true))?;
        go(out.data(&scan_text(buf, head.target.as_deref())))?;
        let framing = match head.framing() {
            Ok(f) => f,
            Err(why) => {
                self.state = State::Text;
                return Err(self.deferred.fail(format!("message {n}: {why}")));
            }
        };
        let (body, unsupported) = head.body();
        let empty = matches!(framing, Framing::Length(0));
        if let Some(codings) = unsupported {
            if !empty {
                self.deferred.add(format!(
                    "message {n}: unsupported content encoding `{}`: the \
                     body is not decoded",
                    show(codings.as_bytes())
                ));
            }
        }
        self.state = if empty {
            State::Head(Vec::new())
        } else {
            State::Body(Box::new(Message {
                framing,
                body,
                started: false,
                line: Vec::new(),
                trailers: Vec::new(),
            }))
        };
        Ok(())
    }

    /// Reads body bytes: returns the bytes of `input` used.
    fn body(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<usize, DecodeError> {
        let Http { state, deferred, messages } = self;
        let State::Body(msg) = state else { return Ok(0) };
        let n = *messages;
        let mut ended = false;
        let used = match &mut msg.framing {
            Framing::ToEnd => {
                msg.data(input, out, deferred)?;
                input.len()
            }
            Framing::Length(left) => {
                let take = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                *left -= take as u64;
                ended = *left == 0;
                msg.data(&input[..take], out, deferred)?;
                if ended {
                    msg.end(out, deferred)?;
                }
                take
            }
            Framing::Chunked(Chunk::Data(left)) => {
                let take = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                *left -= take as u64;
                if *left == 0 {
                    msg.framing = Framing::Chunked(Chunk::DataEnd);
                }
                msg.data(&input[..take], out, deferred)?;
                take
            }
            Framing::Chunked(chunk) => {
                let (used, complete) =
                    read_line(&mut msg.line, input, MAX_CHUNK_LINE).map_err(
                        |()| {
                            deferred.fail(format!(
                            "message {n}: a chunk-size or trailer line is \
                             longer than {MAX_CHUNK_LINE} bytes \
                             (MAX_CHUNK_LINE)"
                        ))
                        },
                    )?;
                if !complete {
                    return Ok(used);
                }
                let line = std::mem::take(&mut msg.line);
                match chunk {
                    Chunk::Size => {
                        let size = chunk_size(&line).map_err(|why| {
                            deferred.fail(format!("message {n}: {why}"))
                        })?;
                        if size == 0 {
                            *chunk = Chunk::Trailer;
                            msg.end(out, deferred)?;
                        } else {
                            *chunk = Chunk::Data(size);
                        }
                    }
                    Chunk::DataEnd => {
                        if !trim_end(&line).is_empty() {
                            return Err(deferred.fail(format!(
                                "message {n}: chunk data is not followed by a \
                                 line break (a chunk longer than its size?)"
                            )));
                        }
                        *chunk = Chunk::Size;
                    }
                    Chunk::Trailer => {
                        if trim_end(&line).is_empty() {
                            ended = true;
                            if !msg.trailers.is_empty() {
                                go(out.part("trailer", true))?;
                                go(out.data(&msg.trailers))?;
                            }
                        } else if msg.trailers.len() + line.len()
                            > MAX_HTTP_HEADER_BYTES
                        {
                            return Err(deferred.fail(format!(
                                "message {n}: trailer fields longer than \
                                 {MAX_HTTP_HEADER_BYTES} bytes \
                                 (MAX_HTTP_HEADER_BYTES)"
                            )));
                        } else {
                            msg.trailers.extend_from_slice(&line);
                        }
                    }
                    Chunk::Data(_) => {}
                }
                used
            }
        };
        if ended {
            *state = State::Head(Vec::new());
        }
        Ok(used)
    }
}

impl Decoder for Http {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let mut rest = input;
        while !rest.is_empty() {
            let used = match self.state {
                State::Head(_) => self.head(rest, out)?,
                State::Body(_) => self.body(rest, out)?,
                State::Text => {
                    go(out.data(rest))?;
                    rest.len()
                }
            };
            rest = &rest[used..];
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let n = self.messages;
        match std::mem::replace(&mut self.state, State::Text) {
            State::Text => {}
            State::Head(buf) => {
                if !buf.is_empty() {
                    go(out.part("", true))?;
                    go(out.data(&buf))?;
                    return Err(self.deferred.fail(format!(
                        "message {}: the input ends inside its headers",
                        n + 1
                    )));
                }
            }
            State::Body(mut msg) => {
                msg.end(out, &mut self.deferred)?;
                let why = match msg.framing {
                    Framing::ToEnd => None,
                    Framing::Length(left) => Some(format!(
                        "the body ends {left} bytes short of its Content-Length"
                    )),
                    Framing::Chunked(Chunk::Trailer) => {
                        if !msg.trailers.is_empty() {
                            go(out.part("trailer", true))?;
                            go(out.data(&msg.trailers))?;
                        }
                        Some("the input ends inside the trailer fields".to_string())
                    }
                    Framing::Chunked(_) => Some(
                        "the chunked body is cut short (no last chunk)".to_string(),
                    ),
                };
                if let Some(why) = why {
                    return Err(self
                        .deferred
                        .fail(format!("message {n}: {why}")));
                }
            }
        }
        self.deferred.finish()
    }
}
