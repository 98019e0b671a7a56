//! [`Server`]: the listener, a thread per connection under a cap, and the
//! request loop of each connection: read, scan as it arrives, decide,
//! answer, log.

use std::io::{self, BufWriter, Read, Write};
use std::net::{
    IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs,
};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use caldicott_core::Verdict;

use crate::audit::{self, Line, RefIds};
use crate::config::{OnError, Settings};
use crate::http::HttpHead;
use crate::inspect::{HttpSupport, Inspection};
use crate::protocol::{
    write_chunk, write_last_chunk, Failure, Input, Method, Request, Response,
    Status,
};
use crate::spool::Spool;
use crate::{OPTIONS_TTL, READ_BUFFER_SIZE};

/// How long a connection refused as overloaded, or closed after an
/// error, may take to take our answer; the thread (or the accept loop)
/// does not wait longer for a client that does not read.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// After an error answer, how long unread request bytes are drained
/// before the socket closes (a "lingering close"): closing with unread
/// data makes the kernel send a reset, which can destroy the answer
/// before the client reads it.
const LINGER: Duration = Duration::from_millis(250);

/// Bytes drained at most during [`LINGER`].
const LINGER_BYTES: usize = 1 << 20;

/// What the server shares between connections.
struct Shared {
    settings: Settings,
    istag: String,
    http: HttpSupport,
    refs: RefIds,
    active: AtomicUsize,
}

/// A bound ICAP server. [`Server::run`] serves until the process ends.
///
/// # Example
///
/// ```no_run
/// use caldicott_icap::{Server, Settings};
///
/// let server = Server::bind("127.0.0.1:1344", Settings::default())?;
/// eprintln!("listening on {}", server.local_addr()?);
/// server.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listener", &self.listener)
            .field("istag", &self.shared.istag)
            .finish_non_exhaustive()
    }
}

/// FNV-1a over `bytes` (a stable hash: the ISTag must not change between
/// runs with the same settings, so no randomly keyed hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The ISTag: a quoted string of 28 bytes (RFC 3507 §4.7 allows 32)
/// derived from the version and everything that changes answers — the
/// policy, the engine configuration, the decoding limits and `on_error`
/// — so that a proxy caching adapted responses knows when they may
/// differ, and a restart with the same settings keeps it.
fn istag(settings: &Settings) -> String {
    let described = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "policy": settings.policy,
        "engine": settings.decoder.engine().config(),
        "decode": settings.decoder.limits(),
        "on_error": settings.on_error,
    });
    format!("\"caldicott-{:016x}\"", fnv1a(described.to_string().as_bytes()))
}

impl Server {
    /// Binds `addr` and prepares to serve with `settings`.
    ///
    /// # Errors
    ///
    /// The address cannot be bound.
    pub fn bind(
        addr: impl ToSocketAddrs,
        settings: Settings,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let http = HttpSupport::probe(settings.decoder.limits());
        let shared = Shared {
            istag: istag(&settings),
            settings,
            http,
            refs: RefIds::new(),
            active: AtomicUsize::new(0),
        };
        Ok(Server { listener, shared: Arc::new(shared) })
    }

    /// The address bound (with the port chosen when binding port 0).
    ///
    /// # Errors
    ///
    /// As [`TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The ISTag sent with every answer.
    pub fn istag(&self) -> &str {
        &self.shared.istag
    }

    /// How HTTP messages are scanned, for the start-up line: whole
    /// (headers then body, so that `Content-Encoding` and multipart
    /// headers apply) when the decoding crate has an HTTP layer; else the
    /// headers and the body as two inputs into one report. See
    /// `HttpSupport` in the source.
    pub fn message_scanning(&self) -> &'static str {
        match (self.shared.http.bodies, self.shared.http.heads) {
            (true, true) => "HTTP messages scanned whole",
            (true, false) => {
                "HTTP messages scanned whole, and their headers alone"
            }
            (false, _) => "HTTP headers and bodies scanned as two inputs",
        }
    }

    /// Accepts connections until the process ends, each served by a
    /// thread of its own. A connection beyond `max_connections` is
    /// answered `503 Service Overloaded` and closed.
    ///
    /// # Errors
    ///
    /// None in practice: accept errors (a file-descriptor limit reached)
    /// are reported on stderr and accepting goes on after a pause.
    pub fn run(self) -> io::Result<()> {
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("caldicott-icap: accept: {e}");
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let Some(permit) = Permit::acquire(&self.shared) else {
                refuse_overloaded(&self.shared, stream);
                continue;
            };
            let shared = Arc::clone(&self.shared);
            let spawned = thread::Builder::new()
                .name("icap-connection".to_string())
                .spawn(move || {
                    let _permit = permit;
                    serve(&shared, stream, peer);
                });
            if let Err(e) = spawned {
                eprintln!("caldicott-icap: {peer}: no thread: {e}; closed");
            }
        }
    }
}

/// One of `max_connections` slots, given back when dropped (also when
/// the connection's thread panics).
struct Permit(Arc<Shared>);

impl Permit {
    fn acquire(shared: &Arc<Shared>) -> Option<Permit> {
        let max = shared.settings.max_connections;
        let mut n = shared.active.load(Ordering::Acquire);
        loop {
            if n >= max {
                return None;
            }
            match shared.active.compare_exchange_weak(
                n,
                n + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Permit(Arc::clone(shared))),
                Err(now) => n = now,
            }
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An error answer: `status`, `Connection: close`, and the reason in
/// `X-Caldicott-Error` (our words, never the request's bytes).
fn error_response(shared: &Shared, status: Status, reason: &str) -> Vec<u8> {
    let mut r = Response::new(status, &shared.istag);
    r.header("Connection", "close")
        .header("X-Caldicott-Error", reason)
        .header("Encapsulated", "null-body=0");
    r.finish()
}

/// Answers a connection beyond the cap with `503` without reading its
/// request, on the accepting thread (so never more than a moment).
fn refuse_overloaded(shared: &Shared, mut stream: TcpStream) {
    let max = shared.settings.max_connections;
    let reason = format!("{max} connections already open (max_connections)");
    let _ = stream.set_write_timeout(Some(CLOSE_WRITE_TIMEOUT));
    let _ =
        stream.write_all(&error_response(shared, Status::Overloaded, &reason));
    let _ = stream.shutdown(Shutdown::Write);
    // Take what already arrived, without waiting, so that closing does
    // not reset the connection under the answer.
    if stream.set_nonblocking(true).is_ok() {
        let mut buf = [0; 4096];
        let mut drained = 0;
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            drained += n;
            if drained > 64 * 1024 {
                break;
            }
        }
    }
}

/// Serves one connection; a panic in it closes this connection only.
fn serve(shared: &Shared, stream: TcpStream, peer: SocketAddr) {
    let backup = stream.try_clone().ok();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Connection::new(shared, stream, peer).and_then(Connection::run)
    }));
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("caldicott-icap: {peer}: {e}"),
        Err(_) => {
            eprintln!(
                "caldicott-icap: {peer}: internal error (panic); connection \
                 closed"
            );
            if let Some(mut s) = backup {
                let _ = s.set_write_timeout(Some(CLOSE_WRITE_TIMEOUT));
                let _ = s.write_all(&error_response(
                    shared,
                    Status::ServerError,
                    "internal error",
                ));
            }
        }
    }
}

/// What to do after a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Next {
    KeepAlive,
    Close,
}

/// What a REQMOD or RESPMOD is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// `204 No Content`: use the original.
    NoContent,
    /// The original message, returned unchanged.
    Echo,
    /// The 403 page.
    Block,
    /// `500`: fail-open, but the message can be neither 204'd nor echoed.
    Error,
}

impl Answer {
    fn as_str(self) -> &'static str {
        match self {
            Answer::NoContent => "204",
            Answer::Echo => "echo",
            Answer::Block => "403 page",
            Answer::Error => "500",
        }
    }
}

struct Connection<'s> {
    shared: &'s Shared,
    input: Input,
    out: BufWriter<TcpStream>,
    peer: SocketAddr,
}

impl<'s> Connection<'s> {
    fn new(
        shared: &'s Shared,
        stream: TcpStream,
        peer: SocketAddr,
    ) -> io::Result<Connection<'s>> {
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(shared.settings.read_timeout))?;
        let out = BufWriter::with_capacity(
            READ_BUFFER_SIZE + 64,
            stream.try_clone()?,
        );
        Ok(Connection { shared, input: Input::new(stream), out, peer })
    }

    /// Serves requests until the client closes, stays idle, asks to
    /// close, or sends something that cannot be served.
    fn run(mut self) -> io::Result<()> {
        loop {
            let idle = self.shared.settings.idle_timeout;
            match self.input.wait_for_request(idle) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(Failure::Io(e)) => return Err(e),
                Err(_) => return Ok(()),
            }
            match self.request() {
                Ok(Next::KeepAlive) => {}
                Ok(Next::Close) => return Ok(()),
                Err(failure) => {
                    self.fail(failure);
                    return Ok(());
                }
            }
        }
    }

    /// Answers a failed request (when it deserves an answer) and closes.
    fn fail(&mut self, failure: Failure) {
        let (status, reason) = match failure {
            Failure::Refuse { status, reason } => (status, reason),
            Failure::Timeout => (
                Status::RequestTimeout,
                "the request stalled for longer than read_timeout".to_string(),
            ),
            Failure::Closed | Failure::Io(_) => return,
        };
        eprintln!(
            "caldicott-icap: {}: {} ({reason}); connection closed",
            self.peer,
            status.line()
        );
        let answer = error_response(self.shared, status, &reason);
        let _ =
            self.out.get_ref().set_write_timeout(Some(CLOSE_WRITE_TIMEOUT));
        if self.out.write_all(&answer).and_then(|()| self.out.flush()).is_ok()
        {
            let _ = self.out.get_ref().shutdown(Shutdown::Write);
            self.linger();
        }
    }

    /// Drains what the client still sends, briefly (see [`LINGER`]).
    fn linger(&mut self) {
        let stream = self.out.get_ref();
        let until = Instant::now() + LINGER;
        let mut buf = [0; 4096];
        let mut drained = 0;
        let mut reader: &TcpStream = stream;
        while drained < LINGER_BYTES {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || reader.set_read_timeout(Some(left)).is_err() {
                return;
            }
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => drained += n,
            }
        }
    }

    /// Reads, serves and answers one request.
    fn request(&mut self) -> Result<Next, Failure> {
        let settings = &self.shared.settings;
        let deadline = Instant::now() + settings.read_timeout;
        let head =
            self.input.read_head(settings.max_header_bytes, deadline)?;
        let req = Request::parse(&head)?;
        let next =
            if req.wants_close() { Next::Close } else { Next::KeepAlive };
        match req.method {
            Method::Options => {
                let enc = req.encapsulated()?;
                if enc.has_body() || enc.header_len() > 0 {
                    return Err(Failure::bad(
                        "OPTIONS with an encapsulated body is not supported",
                    ));
                }
                self.options(next)?;
            }
            Method::Reqmod | Method::Respmod => {
                self.modify(&req, deadline, next)?;
            }
        }
        Ok(next)
    }

    /// Answers `OPTIONS`.
    fn options(&mut self, next: Next) -> Result<(), Failure> {
        let s = &self.shared.settings;
        let mut r = Response::new(Status::Ok, &self.shared.istag);
        r.header("Methods", "REQMOD, RESPMOD")
            .header(
                "Service",
                concat!(
                    "Caldicott patient-data DLP ",
                    env!("CARGO_PKG_VERSION")
                ),
            )
            .header("Max-Connections", &s.max_connections.to_string())
            .header("Options-TTL", &OPTIONS_TTL.to_string())
            .header("Allow", "204");
        // Squid makes whichever list holds `*` the default, so only one
        // may: previews for everything, or complete bodies for
        // everything.
        if s.preview > 0 {
            r.header("Preview", &s.preview.to_string())
                .header("Transfer-Preview", "*");
        } else {
            r.header("Transfer-Complete", "*");
        }
        r.header("Encapsulated", "null-body=0");
        if next == Next::Close {
            r.header("Connection", "close");
        }
        self.out.write_all(&r.finish())?;
        self.out.flush()?;
        Ok(())
    }

    /// Serves a REQMOD or RESPMOD: reads the encapsulated headers, streams
    /// the body through the scan (answering a preview with `100
    /// Continue`; once the verdict is `block`, the rest is only read),
    /// decides, answers and logs.
    fn modify(
        &mut self,
        req: &Request,
        deadline: Instant,
        next: Next,
    ) -> Result<(), Failure> {
        let shared = self.shared;
        let settings = &shared.settings;
        let enc = req.encapsulated()?;
        let header_len = enc.header_len();
        if header_len > settings.max_header_bytes {
            return Err(Failure::bad(format!(
                "the encapsulated HTTP headers ({header_len} bytes) exceed \
                 max_header_bytes ({} bytes)",
                settings.max_header_bytes
            )));
        }
        let preview = req.preview()?;
        let http = self.input.read_exact(header_len, deadline)?;
        let (req_range, res_range) = enc.sections();
        let req_head =
            req_range.map(|r| HttpHead::parse(&http[r])).transpose()?;
        let res_head =
            res_range.map(|r| HttpHead::parse(&http[r])).transpose()?;
        if req_head.as_ref().is_some_and(|h| h.method.is_none()) {
            return Err(Failure::bad("req-hdr is not an HTTP request"));
        }
        if res_head.as_ref().is_some_and(|h| h.status.is_none()) {
            return Err(Failure::bad("res-hdr is not an HTTP response"));
        }
        let subject = match req.method {
            Method::Respmod => res_head.as_ref(),
            _ => req_head.as_ref(),
        };
        let has_body = enc.has_body();
        let allow_204 = req.allows_204();
        let mut insp = Inspection::new(
            &settings.decoder,
            &settings.policy,
            shared.http,
            subject,
            has_body,
        );
        // The body is kept only if it may have to be echoed back.
        let mut spool = if has_body && !allow_204 {
            Spool::new(settings.max_echo_bytes, &settings.spool_dir)
        } else {
            Spool::off()
        };
        // Whether the whole message arrived within the preview (then 204
        // is allowed whatever `Allow` says; RFC 3507 §4.5).
        let mut within_preview = preview.is_some();
        let mut early = false;
        if has_body {
            self.input.set_timeout(settings.read_timeout)?;
            let max_trailer = settings.max_header_bytes;
            let ieof = read_body(
                &mut self.input,
                max_trailer,
                &mut insp,
                &mut spool,
            )?;
            if preview.is_some() && !ieof {
                within_preview = false;
                // Even when the preview alone already reaches `block`, the
                // rest is asked for and read (counted, not scanned) before
                // the answer. RFC 3507 allows answering at once, but Squid
                // 5 (Debian 12's 5.7) then sends the block page to its
                // client while still receiving the client's body, goes on
                // reading that connection as body, and never answers the
                // client's next request on it (tests/e2e/squid).
                early = insp.blocked();
                let cont =
                    format!("ICAP/1.0 {}\r\n\r\n", Status::Continue.line());
                self.out.write_all(cont.as_bytes())?;
                self.out.flush()?;
                read_body(
                    &mut self.input,
                    max_trailer,
                    &mut insp,
                    &mut spool,
                )?;
            }
        }
        insp.finish();

        let can_204 = allow_204 || within_preview;
        let verdict = insp.verdict();
        let mut problem = insp.problem();
        if problem.is_none() && !can_204 {
            problem = spool.problem();
        }
        let answer = decide(
            verdict,
            problem.is_some(),
            settings.on_error,
            can_204,
            !has_body || spool.is_whole(),
        );
        let reference = shared.refs.next();
        let close = next == Next::Close;
        match answer {
            Answer::NoContent => {
                let mut r = self.decision_head(
                    Status::NoContent,
                    verdict,
                    &reference,
                    close,
                );
                r.header("Encapsulated", "null-body=0");
                self.out.write_all(&r.finish())?;
            }
            Answer::Echo => {
                let section = match req.method {
                    Method::Respmod => res_head.as_ref().map(|h| &h.bytes),
                    _ => req_head.as_ref().map(|h| &h.bytes),
                };
                self.echo(
                    req.method, section, has_body, &mut spool, verdict,
                    &reference, close,
                )?;
            }
            Answer::Block => {
                let policy_reason = verdict == Verdict::Block;
                self.block(
                    req.method,
                    policy_reason,
                    verdict,
                    &reference,
                    close,
                )?;
            }
            Answer::Error => {
                let mut r = self.decision_head(
                    Status::ServerError,
                    verdict,
                    &reference,
                    close,
                );
                r.header(
                    "X-Caldicott-Error",
                    "the message could not be kept to be returned",
                )
                .header("Encapsulated", "null-body=0");
                self.out.write_all(&r.finish())?;
            }
        }
        self.out.flush()?;

        let line = Line {
            time: crate::time::now_rfc3339(),
            reference: &reference,
            client: self.peer.to_string(),
            client_ip: req
                .header("X-Client-IP")
                .and_then(|v| v.parse::<IpAddr>().ok()),
            icap_method: req.method.as_str(),
            http_method: req_head.as_ref().and_then(|h| h.method.clone()),
            url: req_head
                .as_ref()
                .and_then(|h| h.target.as_deref())
                .map(audit::mask_url),
            http_status: res_head.as_ref().and_then(|h| h.status),
            verdict,
            answer: answer.as_str(),
            policy: &settings.policy.name,
            problem: problem.as_deref(),
            on_error: problem.as_ref().map(|_| settings.on_error.as_str()),
            body_bytes: insp.body_bytes,
            early,
            report: &insp.report,
            findings: &insp.kept.findings,
            findings_omitted: insp.kept.findings_omitted,
            notices: &insp.kept.notices,
            notices_omitted: insp.kept.notices_omitted,
        };
        settings.audit.write(&line);
        Ok(())
    }

    /// The head of an answer to a REQMOD or RESPMOD, with the verdict and
    /// reference id (for the proxy's logs: `%adapt::<last_h`).
    fn decision_head(
        &self,
        status: Status,
        verdict: Verdict,
        reference: &str,
        close: bool,
    ) -> Response {
        let mut r = Response::new(status, &self.shared.istag);
        r.header("X-Caldicott-Verdict", verdict.as_str())
            .header("X-Caldicott-Reference", reference);
        if close {
            r.header("Connection", "close");
        }
        r
    }

    /// Returns the original message unchanged: its HTTP head as received
    /// and its kept body.
    #[allow(clippy::too_many_arguments)]
    fn echo(
        &mut self,
        method: Method,
        section: Option<&Vec<u8>>,
        has_body: bool,
        spool: &mut Spool,
        verdict: Verdict,
        reference: &str,
        close: bool,
    ) -> Result<(), Failure> {
        let (hdr, body) = match method {
            Method::Respmod => ("res-hdr", "res-body"),
            _ => ("req-hdr", "req-body"),
        };
        let body = if has_body { body } else { "null-body" };
        let len = section.map_or(0, Vec::len);
        let encapsulated = match section {
            Some(_) => format!("{hdr}=0, {body}={len}"),
            None => format!("{body}=0"),
        };
        let mut r = self.decision_head(Status::Ok, verdict, reference, close);
        r.header("Encapsulated", &encapsulated);
        self.out.write_all(&r.finish())?;
        if let Some(section) = section {
            self.out.write_all(section)?;
        }
        if has_body {
            let out = &mut self.out;
            spool.replay(&mut |piece| write_chunk(out, piece))?;
            write_last_chunk(&mut self.out)?;
        }
        Ok(())
    }

    /// Answers with an HTTP 403 and the block page.
    fn block(
        &mut self,
        method: Method,
        by_policy: bool,
        verdict: Verdict,
        reference: &str,
        close: bool,
    ) -> Result<(), Failure> {
        let policy = &self.shared.settings.policy.name;
        let page = block_page(method, by_policy, policy, reference);
        let head = format!(
            "HTTP/1.1 403 Forbidden\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\n\
             Cache-Control: no-store\r\n\
             X-Caldicott-Reference: {reference}\r\n\r\n",
            page.len()
        );
        let mut r = self.decision_head(Status::Ok, verdict, reference, close);
        r.header(
            "Encapsulated",
            &format!("res-hdr=0, res-body={}", head.len()),
        );
        self.out.write_all(&r.finish())?;
        self.out.write_all(head.as_bytes())?;
        write_chunk(&mut self.out, page.as_bytes())?;
        write_last_chunk(&mut self.out)?;
        Ok(())
    }
}

/// The answer to a REQMOD or RESPMOD: `block` always blocks; a problem
/// (a part not inspected, a body not kept) blocks when failing closed;
/// otherwise the message passes, by `204` when allowed, else by an echo
/// when the message was kept, else (fail-open with nothing to echo) as a
/// `500`.
fn decide(
    verdict: Verdict,
    problem: bool,
    on_error: OnError,
    can_204: bool,
    can_echo: bool,
) -> Answer {
    let fail_closed = problem && on_error == OnError::FailClosed;
    if verdict == Verdict::Block || fail_closed {
        Answer::Block
    } else if can_204 {
        Answer::NoContent
    } else if can_echo {
        Answer::Echo
    } else {
        Answer::Error
    }
}

/// Reads chunks into the scan, and into the spool while the body may
/// still have to be echoed (once the verdict is `block`, it will not).
fn read_body(
    input: &mut Input,
    max_trailer: usize,
    insp: &mut Inspection<'_>,
    spool: &mut Spool,
) -> Result<bool, Failure> {
    input.read_chunks(max_trailer, &mut |data| {
        insp.body(data);
        if insp.blocked() {
            spool.release();
        } else {
            spool.keep(data);
        }
    })
}

/// Escapes text for HTML.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The block page: what was stopped and why, the policy's name and the
/// reference id. Nothing from the request appears in it.
fn block_page(
    method: Method,
    by_policy: bool,
    policy: &str,
    reference: &str,
) -> String {
    let what = match method {
        Method::Respmod => "download",
        _ => "upload",
    };
    let why = if by_policy {
        format!(
            "it appears to contain patient-identifiable data (policy \
             <b>{}</b>)",
            escape_html(policy)
        )
    } else {
        format!(
            "it could not be fully checked for patient-identifiable data \
             (policy <b>{}</b>)",
            escape_html(policy)
        )
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Blocked: patient data</title></head>\n<body>\
         <h1>This {what} was blocked</h1>\n\
         <p>The {what} was stopped because {why}.</p>\n\
         <p>If you need to send it, or think this is a mistake, contact \
         your Caldicott Guardian or IT service desk and quote reference \
         <b>{reference}</b>.</p>\n</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_istag_is_stable_quoted_short_and_follows_the_policy() {
        let a = istag(&Settings::default());
        assert_eq!(a, istag(&Settings::default()));
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert!(a.len() <= 32, "{a}");
        let mut s = Settings::default();
        s.policy.name = "other".to_string();
        assert_ne!(a, istag(&s));
    }

    #[test]
    fn decisions() {
        use OnError::{FailClosed, FailOpen};
        use Verdict::{Alert, Allow, Block};
        let cases = [
            // verdict, problem, on_error, 204, echo => answer
            ((Block, false, FailOpen, true, true), Answer::Block),
            ((Alert, false, FailClosed, true, true), Answer::NoContent),
            ((Allow, false, FailClosed, false, true), Answer::Echo),
            ((Allow, true, FailClosed, true, true), Answer::Block),
            ((Allow, true, FailOpen, true, true), Answer::NoContent),
            ((Alert, true, FailOpen, false, true), Answer::Echo),
            ((Allow, true, FailOpen, false, false), Answer::Error),
        ];
        for ((v, p, o, n, e), want) in cases {
            assert!(decide(v, p, o, n, e) == want, "{v:?} {p} {o:?} {n} {e}");
        }
    }

    #[test]
    fn the_block_page_escapes_the_policy_name() {
        let page = block_page(Method::Reqmod, true, "<ward & co>", "REF");
        assert!(page.contains("&lt;ward &amp; co&gt;"));
        assert!(page.contains("upload") && page.contains("REF"));
        let page = block_page(Method::Respmod, false, "p", "REF");
        assert!(page.contains("download") && page.contains("fully checked"));
    }
}
