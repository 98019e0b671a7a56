//! ICAP framing (RFC 3507): reading requests — the header block, the
//! `Encapsulated` sections, chunked bodies with `ieof` — with every read
//! bounded in size and time, and writing responses.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::http::is_tchar;
use crate::{MAX_CHUNK_LINE, READ_BUFFER_SIZE};

/// ICAP status codes this server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Continue,
    Ok,
    NoContent,
    BadRequest,
    NotFound,
    RequestTimeout,
    ServerError,
    NotImplemented,
    Overloaded,
    VersionNotSupported,
}

impl Status {
    /// The status line's code and reason phrase (RFC 3507 §4.3.3).
    pub(crate) fn line(self) -> &'static str {
        match self {
            Status::Continue => "100 Continue",
            Status::Ok => "200 OK",
            Status::NoContent => "204 No Content",
            Status::BadRequest => "400 Bad Request",
            Status::NotFound => "404 ICAP Service Not Found",
            Status::RequestTimeout => "408 Request Timeout",
            Status::ServerError => "500 Server Error",
            Status::NotImplemented => "501 Method Not Implemented",
            Status::Overloaded => "503 Service Overloaded",
            Status::VersionNotSupported => "505 ICAP Version Not Supported",
        }
    }
}

/// Why a request could not be served. Every variant closes the
/// connection; [`Failure::Refuse`] and [`Failure::Timeout`] are answered
/// first.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The peer closed the connection.
    Closed,
    /// Nothing arrived within the read timeout (or the headers did not
    /// all arrive within it).
    Timeout,
    /// A socket error.
    Io(io::Error),
    /// A malformed, over-limit or unsupported request, answered with
    /// `status` and a reason (never any of the request's bytes).
    Refuse { status: Status, reason: String },
}

impl Failure {
    /// `400 Bad Request` with `reason`.
    pub(crate) fn bad(reason: impl Into<String>) -> Failure {
        Failure::Refuse { status: Status::BadRequest, reason: reason.into() }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                Failure::Timeout
            }
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Failure::Closed,
            _ => Failure::Io(e),
        }
    }
}

/// The reading half of a connection: a fixed buffer of
/// [`READ_BUFFER_SIZE`] bytes over the socket.
pub(crate) struct Input {
    stream: TcpStream,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
}

/// Where `needle` starts in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Input {
    pub(crate) fn new(stream: TcpStream) -> Input {
        Input {
            stream,
            buf: vec![0; READ_BUFFER_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
        }
    }

    /// Sets the socket's read timeout for the reads that follow.
    pub(crate) fn set_timeout(&self, t: Duration) -> io::Result<()> {
        self.stream.set_read_timeout(Some(t))
    }

    /// Reads more bytes into the buffer. Before each read, a `deadline`
    /// (headers) caps the socket's timeout at the time left.
    fn fill(&mut self, deadline: Option<Instant>) -> Result<(), Failure> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failure::Timeout);
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => return Err(Failure::Closed),
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits for the first byte of the next request, for at most `idle`.
    /// `false` when the peer closed the connection or stayed silent.
    pub(crate) fn wait_for_request(
        &mut self,
        idle: Duration,
    ) -> Result<bool, Failure> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.set_timeout(idle)?;
        match self.fill(None) {
            Ok(()) => Ok(true),
            Err(Failure::Closed | Failure::Timeout) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The ICAP header block: the request line and headers through the
    /// empty line (`\r\n\r\n`), at most `max` bytes, all in by
    /// `deadline`.
    pub(crate) fn read_head(
        &mut self,
        max: usize,
        deadline: Instant,
    ) -> Result<Vec<u8>, Failure> {
        let mut out = Vec::new();
        loop {
            // Empty lines before a request line are ignored (as RFC 9112
            // §2.2 asks of HTTP servers): some clients end a chunked body
            // with an extra CRLF.
            while out.is_empty()
                && self.pos < self.end
                && matches!(self.buf[self.pos], b'\r' | b'\n')
            {
                self.pos += 1;
            }
            let old = out.len();
            out.extend_from_slice(&self.buf[self.pos..self.end]);
            let from = old.saturating_sub(3);
            if let Some(i) = find(&out[from..], b"\r\n\r\n") {
                let end = from + i + 4;
                self.pos += end - old;
                out.truncate(end);
                if end > max {
                    break;
                }
                return Ok(out);
            }
            self.pos = self.end;
            if out.len() > max {
                break;
            }
            self.fill(Some(deadline))?;
        }
        Err(Failure::bad(format!(
            "the ICAP headers exceed max_header_bytes ({max} bytes)"
        )))
    }

    /// Exactly `n` bytes (the encapsulated HTTP headers), all in by
    /// `deadline`. The caller has checked `n` against its limit.
    pub(crate) fn read_exact(
        &mut self,
        n: usize,
        deadline: Instant,
    ) -> Result<Vec<u8>, Failure> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.pos == self.end {
                self.fill(Some(deadline))?;
            }
            let take = (n - out.len()).min(self.end - self.pos);
            out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
        }
        Ok(out)
    }

    /// One line through its LF, without the line ending (CRLF, or a bare
    /// LF), at most `max` bytes with the ending.
    fn read_line(&mut self, max: usize) -> Result<Vec<u8>, Failure> {
        let mut out = Vec::new();
        loop {
            let avail = &self.buf[self.pos..self.end];
            if let Some(i) = avail.iter().position(|&b| b == b'\n') {
                if out.len() + i + 1 > max {
                    break;
                }
                out.extend_from_slice(&avail[..i]);
                self.pos += i + 1;
                if out.last() == Some(&b'\r') {
                    out.pop();
                }
                return Ok(out);
            }
            out.extend_from_slice(avail);
            self.pos = self.end;
            if out.len() > max {
                break;
            }
            self.fill(None)?;
        }
        Err(Failure::bad(format!(
            "a chunk-size or trailer line longer than {max} bytes"
        )))
    }

    /// The CRLF that ends a chunk's data.
    fn expect_crlf(&mut self) -> Result<(), Failure> {
        while self.end - self.pos < 2 {
            self.fill(None)?;
        }
        if &self.buf[self.pos..self.pos + 2] != b"\r\n" {
            return Err(Failure::bad(
                "chunk data not followed by CRLF (a wrong chunk size?)",
            ));
        }
        self.pos += 2;
        Ok(())
    }

    /// Up to `max` body bytes: what is buffered, or one read's worth.
    fn read_some(&mut self, max: usize) -> Result<&[u8], Failure> {
        if self.pos == self.end {
            self.fill(None)?;
        }
        let take = max.min(self.end - self.pos);
        let start = self.pos;
        self.pos += take;
        Ok(&self.buf[start..start + take])
    }

    /// Reads a chunked body up to and including its last chunk, handing
    /// each piece of data to `data` as it arrives. Returns whether the
    /// last chunk carried `ieof` (the whole body fitted in the preview).
    /// Trailers, if any, are skipped (at most `max_trailer` bytes).
    pub(crate) fn read_chunks(
        &mut self,
        max_trailer: usize,
        data: &mut dyn FnMut(&[u8]),
    ) -> Result<bool, Failure> {
        loop {
            let line = self.read_line(MAX_CHUNK_LINE)?;
            let (size, ieof) = parse_chunk_size(&line)?;
            if size == 0 {
                let mut trailer = 0;
                loop {
                    let line = self.read_line(MAX_CHUNK_LINE)?;
                    if line.is_empty() {
                        return Ok(ieof);
                    }
                    trailer += line.len() + 2;
                    if trailer > max_trailer {
                        return Err(Failure::bad(format!(
                            "chunk trailers exceed max_header_bytes \
                             ({max_trailer} bytes)"
                        )));
                    }
                }
            }
            if ieof {
                return Err(Failure::bad(
                    "ieof on a chunk that is not the last",
                ));
            }
            let mut left = size;
            while left > 0 {
                let piece = self
                    .read_some(usize::try_from(left).unwrap_or(usize::MAX))?;
                left -= piece.len() as u64;
                data(piece);
            }
            self.expect_crlf()?;
        }
    }
}

/// A chunk-size line: hexadecimal size, then optional extensions after
/// `;`. Returns the size and whether an `ieof` extension is present.
pub(crate) fn parse_chunk_size(line: &[u8]) -> Result<(u64, bool), Failure> {
    let bad = || Failure::bad("a chunk size that is not hexadecimal");
    let (size, ext) = match line.iter().position(|&b| b == b';') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    };
    let size = size.trim_ascii();
    if size.is_empty() || size.len() > 16 {
        return Err(bad());
    }
    let size = std::str::from_utf8(size)
        .ok()
        .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|s| u64::from_str_radix(s, 16).ok())
        .ok_or_else(bad)?;
    let ieof = ext.is_some_and(|ext| {
        ext.split(|&b| b == b';')
            .any(|e| e.trim_ascii().eq_ignore_ascii_case(b"ieof"))
    });
    Ok((size, ieof))
}

/// The ICAP methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Options,
    Reqmod,
    Respmod,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Options => "OPTIONS",
            Method::Reqmod => "REQMOD",
            Method::Respmod => "RESPMOD",
        }
    }
}

/// A parsed ICAP request head.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    headers: Vec<(String, String)>,
}

impl Request {
    /// Parses the header block read by [`Input::read_head`].
    ///
    /// # Errors
    ///
    /// `400` for a bad request line or header line, `501` for an
    /// unknown method, `505` for another ICAP version, `404` for another
    /// service than [`crate::SERVICE_PATH`].
    pub(crate) fn parse(head: &[u8]) -> Result<Request, Failure> {
        let head = &head[..head.len() - 4];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let start = lines.next().unwrap_or_default();
        let start = std::str::from_utf8(start)
            .map_err(|_| Failure::bad("the request line is not UTF-8"))?;
        let parts: Vec<&str> = start.split(' ').collect();
        let [method, uri, version] = parts[..] else {
            return Err(Failure::bad("a malformed ICAP request line"));
        };
        if method.is_empty() || !method.bytes().all(is_tchar) {
            return Err(Failure::bad("a malformed ICAP request line"));
        }
        if !version.starts_with("ICAP/") {
            return Err(Failure::bad("a malformed ICAP request line"));
        }
        if version != "ICAP/1.0" {
            return Err(Failure::Refuse {
                status: Status::VersionNotSupported,
                reason: "only ICAP/1.0 is supported".to_string(),
            });
        }
        let method = match method {
            "OPTIONS" => Method::Options,
            "REQMOD" => Method::Reqmod,
            "RESPMOD" => Method::Respmod,
            _ => {
                return Err(Failure::Refuse {
                    status: Status::NotImplemented,
                    reason: "methods: OPTIONS, REQMOD, RESPMOD".to_string(),
                });
            }
        };
        let mut headers = Vec::new();
        for line in lines {
            let colon =
                line.iter().position(|&b| b == b':').ok_or_else(|| {
                    Failure::bad("an ICAP header line without a colon")
                })?;
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
                return Err(Failure::bad("a bad ICAP header name"));
            }
            headers.push((
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(value.trim_ascii()).into_owned(),
            ));
        }
        if service_path(uri)? != crate::SERVICE_PATH {
            return Err(Failure::Refuse {
                status: Status::NotFound,
                reason: format!("the service is {}", crate::SERVICE_PATH),
            });
        }
        Ok(Request { method, headers })
    }

    /// The value of header `name` (the first, if repeated).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a list-valued header holds `item` (every occurrence of the
    /// header is read).
    fn has_item(&self, name: &str, item: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(item))
    }

    /// Whether the client accepts `204 No Content` outside a preview.
    pub(crate) fn allows_204(&self) -> bool {
        self.has_item("Allow", "204")
    }

    /// Whether the client asked for the connection to be closed.
    pub(crate) fn wants_close(&self) -> bool {
        self.has_item("Connection", "close")
    }

    /// The `Preview` size, if any.
    ///
    /// # Errors
    ///
    /// `400` when it is not a number.
    pub(crate) fn preview(&self) -> Result<Option<u64>, Failure> {
        self.header("Preview")
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    Failure::bad("a Preview that is not a number")
                })
            })
            .transpose()
    }

    /// The `Encapsulated` header, checked against the method.
    ///
    /// # Errors
    ///
    /// `400` when it is missing (for REQMOD and RESPMOD) or malformed.
    pub(crate) fn encapsulated(&self) -> Result<Encapsulated, Failure> {
        match self.header("Encapsulated") {
            Some(v) => Encapsulated::parse(v, self.method),
            None if self.method == Method::Options => {
                Ok(Encapsulated::default())
            }
            None => Err(Failure::bad("no Encapsulated header")),
        }
    }
}

/// The path of an ICAP URI (`icap://host:port/path?query` or
/// `/path?query`), without its query.
fn service_path(uri: &str) -> Result<&str, Failure> {
    let path = if let Some(rest) = uri.strip_prefix("icap://") {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else if uri.starts_with('/') {
        uri
    } else {
        return Err(Failure::bad("a malformed ICAP URI"));
    };
    Ok(path.split(['?', '#']).next().unwrap_or(path))
}

/// What the encapsulated body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// `req-body`, `res-body` or `opt-body`: chunked data follows.
    Data,
    /// `null-body`: no body.
    Null,
}

/// The `Encapsulated` header: where each section starts in the ICAP body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Encapsulated {
    pub(crate) req_hdr: Option<usize>,
    pub(crate) res_hdr: Option<usize>,
    /// The body's kind and offset (the length of the header sections).
    pub(crate) body: Option<(BodyKind, usize)>,
}

impl Encapsulated {
    /// Parses `req-hdr=0, res-hdr=137, res-body=296` and checks that the
    /// sections are the ones `method` may carry (RFC 3507 §4.4.1), in
    /// order, the first at 0, none empty, and that exactly one body entry
    /// ends the list.
    fn parse(value: &str, method: Method) -> Result<Encapsulated, Failure> {
        let bad = |why: &str| Failure::bad(format!("Encapsulated: {why}"));
        let mut enc = Encapsulated::default();
        // Order of the entries: req-hdr (0), res-hdr (1), body (2).
        let mut last_rank = None;
        let mut last_offset = None;
        for entry in value.split(',') {
            let (name, offset) = entry
                .trim()
                .split_once('=')
                .ok_or_else(|| bad("an entry without '='"))?;
            let offset: usize = offset
                .trim()
                .parse()
                .map_err(|_| bad("an offset that is not a number"))?;
            let (rank, body) = match (name.trim(), method) {
                ("req-hdr", Method::Reqmod | Method::Respmod) => (0, None),
                ("res-hdr", Method::Respmod) => (1, None),
                ("req-body", Method::Reqmod)
                | ("res-body", Method::Respmod)
                | ("opt-body", Method::Options) => (2, Some(BodyKind::Data)),
                ("null-body", _) => (2, Some(BodyKind::Null)),
                _ => return Err(bad("a section this method cannot carry")),
            };
            if enc.body.is_some() {
                return Err(bad("an entry after the body"));
            }
            if last_rank.is_some_and(|r| rank <= r) {
                return Err(bad("sections out of order or repeated"));
            }
            match last_offset {
                None if offset != 0 => {
                    return Err(bad("the first section is not at offset 0"))
                }
                Some(prev) if offset <= prev => {
                    return Err(bad("an empty or overlapping section"))
                }
                _ => {}
            }
            match (rank, body) {
                (0, _) => enc.req_hdr = Some(offset),
                (1, _) => enc.res_hdr = Some(offset),
                (_, Some(kind)) => enc.body = Some((kind, offset)),
                _ => {}
            }
            last_rank = Some(rank);
            last_offset = Some(offset);
        }
        if enc.body.is_none() {
            return Err(bad("no req-body, res-body or null-body entry"));
        }
        Ok(enc)
    }

    /// Bytes of encapsulated HTTP headers before the body.
    pub(crate) fn header_len(&self) -> usize {
        self.body.map_or(0, |(_, offset)| offset)
    }

    /// Whether chunked body data follows the headers.
    pub(crate) fn has_body(&self) -> bool {
        matches!(self.body, Some((BodyKind::Data, _)))
    }

    /// The byte ranges of the `req-hdr` and `res-hdr` sections.
    pub(crate) fn sections(
        &self,
    ) -> (Option<std::ops::Range<usize>>, Option<std::ops::Range<usize>>) {
        let end = self.header_len();
        let req = self.req_hdr.map(|s| s..self.res_hdr.unwrap_or(end));
        let res = self.res_hdr.map(|s| s..end);
        (req, res)
    }
}

/// An ICAP response head under construction.
pub(crate) struct Response {
    bytes: Vec<u8>,
}

impl Response {
    /// `ICAP/1.0 <status>` with the headers every response carries:
    /// `ISTag`, `Date`, `Server`.
    pub(crate) fn new(status: Status, istag: &str) -> Response {
        let mut r = Response { bytes: Vec::with_capacity(256) };
        r.bytes.extend_from_slice(b"ICAP/1.0 ");
        r.bytes.extend_from_slice(status.line().as_bytes());
        r.bytes.extend_from_slice(b"\r\n");
        r.header("ISTag", istag);
        r.header("Date", &crate::time::now_http());
        r.header(
            "Server",
            concat!("caldicott-icap/", env!("CARGO_PKG_VERSION")),
        );
        r
    }

    /// Adds a header line.
    pub(crate) fn header(&mut self, name: &str, value: &str) -> &mut Self {
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(b": ");
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    /// The head, ended by the empty line.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(b"\r\n");
        self.bytes
    }
}

/// Writes `data` as one chunk (nothing for empty data: a zero-size chunk
/// would end the body).
pub(crate) fn write_chunk(out: &mut dyn Write, data: &[u8]) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    write!(out, "{:x}\r\n", data.len())?;
    out.write_all(data)?;
    out.write_all(b"\r\n")
}

/// Writes the last chunk.
pub(crate) fn write_last_chunk(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"0\r\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(head: &str) -> Result<Request, Failure> {
        Request::parse(head.as_bytes())
    }

    fn status(r: Result<Request, Failure>) -> Option<Status> {
        match r {
            Err(Failure::Refuse { status, .. }) => Some(status),
            _ => None,
        }
    }

    #[test]
    fn request_lines() {
        let ok = "REQMOD icap://127.0.0.1:1344/caldicott ICAP/1.0\r\n\
                  Allow: 204\r\nPreview: 0\r\n\r\n";
        let r = req(ok).unwrap();
        assert_eq!(r.method, Method::Reqmod);
        assert!(r.allows_204());
        assert_eq!(r.preview().unwrap(), Some(0));
        assert!(req("OPTIONS /caldicott?x=1 ICAP/1.0\r\n\r\n").is_ok());
        let cases = [
            ("GET / HTTP/1.1\r\n\r\n", Status::BadRequest),
            ("REQMOD icap://h/caldicott\r\n\r\n", Status::BadRequest),
            (
                "REQMOD  icap://h/caldicott ICAP/1.0\r\n\r\n",
                Status::BadRequest,
            ),
            (
                "FOO icap://h/caldicott ICAP/1.0\r\n\r\n",
                Status::NotImplemented,
            ),
            (
                "OPTIONS icap://h/caldicott ICAP/2.0\r\n\r\n",
                Status::VersionNotSupported,
            ),
            ("OPTIONS icap://h/other ICAP/1.0\r\n\r\n", Status::NotFound),
            ("OPTIONS icap://h ICAP/1.0\r\n\r\n", Status::NotFound),
            (
                "OPTIONS icap://h/caldicott ICAP/1.0\r\nno colon\r\n\r\n",
                Status::BadRequest,
            ),
            (
                "OPTIONS icap://h/caldicott ICAP/1.0\r\n folded: x\r\n\r\n",
                Status::BadRequest,
            ),
        ];
        for (head, want) in cases {
            assert_eq!(status(req(head)), Some(want), "{head:?}");
        }
    }

    #[test]
    fn encapsulated_layouts() {
        let p = Encapsulated::parse;
        let e = p("req-hdr=0, req-body=120", Method::Reqmod).unwrap();
        assert_eq!(e.sections(), (Some(0..120), None));
        assert!(e.has_body());
        let e =
            p("req-hdr=0, res-hdr=50, res-body=90", Method::Respmod).unwrap();
        assert_eq!(e.sections(), (Some(0..50), Some(50..90)));
        let e = p("res-hdr=0, null-body=40", Method::Respmod).unwrap();
        assert_eq!((e.header_len(), e.has_body()), (40, false));
        let e = p("req-body=0", Method::Reqmod).unwrap();
        assert_eq!(e.sections(), (None, None));
        for bad in [
            ("", Method::Reqmod),
            ("req-hdr=0", Method::Reqmod),
            ("req-hdr=5, req-body=9", Method::Reqmod),
            ("req-hdr=0, req-body=0", Method::Reqmod),
            ("res-hdr=0, res-body=10", Method::Reqmod),
            ("req-hdr=0, res-body=10", Method::Reqmod),
            ("res-hdr=0, req-hdr=10, res-body=20", Method::Respmod),
            ("req-hdr=0, null-body=10, req-body=20", Method::Reqmod),
            ("req-hdr=x, null-body=10", Method::Reqmod),
            ("req-hdr", Method::Reqmod),
            ("req-hdr=0, req-hdr=5, null-body=9", Method::Reqmod),
        ] {
            assert!(p(bad.0, bad.1).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn chunk_size_lines() {
        assert_eq!(parse_chunk_size(b"1f40").unwrap(), (0x1f40, false));
        assert_eq!(parse_chunk_size(b"0; ieof").unwrap(), (0, true));
        assert_eq!(parse_chunk_size(b"0;IEOF").unwrap(), (0, true));
        assert_eq!(parse_chunk_size(b"a ; x=1").unwrap(), (10, false));
        for bad in
            [&b""[..], b"g", b"-1", b"0x10", b"12345678901234567", b";ieof"]
        {
            assert!(parse_chunk_size(bad).is_err(), "{bad:?}");
        }
    }
}
