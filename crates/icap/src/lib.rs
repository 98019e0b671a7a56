//! `caldicott-icap`: an ICAP server (RFC 3507) that lets a web proxy such
//! as Squid stop uploads (REQMOD) and downloads (RESPMOD) that carry UK
//! patient data, with the same engine and decoding layers as the
//! `caldicott` command.
//!
//! # Overview
//!
//! The proxy sends each HTTP message it wants checked: the encapsulated
//! HTTP headers, then the body in ICAP chunks. The server streams them
//! through a [`caldicott_decode::DecodingStream`] as they arrive (bodies
//! are never buffered whole for scanning), counts what it finds in a
//! [`caldicott_core::Report`] and asks the [`caldicott_core::Policy`] for
//! a verdict at the end of the body:
//!
//! * `allow` and `alert`: the message passes unchanged — `204 No
//!   Content` when the proxy allowed it (`Allow: 204`, or the whole body
//!   fitted in the preview), otherwise the original message echoed back
//!   byte for byte;
//! * `block`: an ICAP `200` carrying an HTTP `403 Forbidden` with a short
//!   HTML page naming the policy and a reference id (never any of the
//!   request's data).
//!
//! Every decision is one JSON line in the audit log ([`AuditLog`]): time,
//! client, ICAP and HTTP method, the URL with long digit runs masked, the
//! verdict, the report's counts, masked findings and notices.
//!
//! ```text
//!  Squid ──ICAP──▶ caldicott-icap ──http head + body──▶ DecodingStream ─▶ Report
//!        ◀─204 / echo / 403 page──────────────────────── Policy::verdict ◀─┘
//! ```
//!
//! # Protocol
//!
//! * `OPTIONS` advertises `Methods: REQMOD, RESPMOD`, a stable quoted
//!   `ISTag` (derived from the version and the policy, engine and decode
//!   settings, so it changes exactly when the answers may), `Allow: 204`,
//!   `Preview` with `Transfer-Preview: *` (or `Transfer-Complete: *` when
//!   the preview is configured off: Squid takes the list holding `*` as
//!   the default, so only one list may hold it), `Options-TTL` and
//!   `Max-Connections`.
//! * `REQMOD` and `RESPMOD` with every legal `Encapsulated` layout
//!   (`req-hdr`, `res-hdr`, `req-body`, `res-body`, `null-body`), chunked
//!   bodies, `Preview` (`0; ieof` ends the body inside the preview; a
//!   preview without it is answered `100 Continue`, even when the preview
//!   alone already reaches a `block` verdict: the rest is then read but
//!   not scanned, and the block page follows. Answering at once, which
//!   RFC 3507 allows, makes Squid 5 stop serving the client connection
//!   the upload came on; see `tests/e2e/squid` in the repository).
//! * Connections are kept alive for any number of requests. A malformed
//!   request is answered `400 Bad Request` and its connection closed;
//!   other connections are unaffected.
//! * The service is [`SERVICE_PATH`]: Squid's `icap_service svc
//!   reqmod_precache icap://127.0.0.1:1344/caldicott bypass=0`.
//!
//! # HTTP messages
//!
//! REQMOD scans the encapsulated request, RESPMOD the response (its
//! `req-hdr` only gives the audit line its method and URL): the headers
//! first, then the body as its ICAP chunks arrive. At start-up the server
//! asks the decoding crate, with two small synthetic messages, whether it
//! reads HTTP. If it does, each message is scanned whole, so that
//! `Content-Encoding`, multipart boundaries and form encodings declared
//! in the headers apply; the ICAP body carries no transfer coding, so a
//! head without a `Content-Length` is given `Transfer-Encoding: chunked`
//! and the body is re-chunked as it streams. If it does not, the headers
//! and the body are scanned as two inputs into one report, so that the
//! body is still recognised by its own first bytes (gzip, zlib, CSV,
//! JSON, HL7…). Either way an identifier in a URL or a header counts.
//!
//! # Configuration
//!
//! See [`FileConfig`] for the TOML file and [`Settings`] for what it
//! becomes. Every limit below is a named constant with its reason; going
//! over one gives a specific error response (or an `on_error` decision),
//! never a panic and never unbounded memory.
//!
//! # When a message cannot be passed on unchanged
//!
//! Squid sends `Allow: 204` only when it kept a copy of the whole body
//! (bodies of known size under 64 KiB); for larger bodies the server must
//! echo the message back. It keeps the body for that: the first
//! [`ECHO_MEMORY_BYTES`] in memory, the rest in an unnamed temporary file,
//! up to `max_echo_bytes` ([`DEFAULT_MAX_ECHO_BYTES`]). Scanning never
//! waits for this copy; it only exists to answer.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod audit;
mod config;
mod http;
mod inspect;
mod protocol;
mod server;
mod spool;
mod time;

use std::time::Duration;

pub use crate::audit::AuditLog;
pub use crate::config::{FileConfig, OnError, Settings, SettingsError};
pub use crate::server::Server;

/// Where the server listens unless told otherwise: loopback, the ICAP
/// port (RFC 3507 §4.2; Squid's default for `icap://`). Loopback because
/// the proxy normally runs on the same host and ICAP carries no
/// authentication.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:1344";

/// The one service this server offers, as the path of the ICAP URI
/// (`icap://host:port/caldicott`). Any other path is `404 ICAP Service
/// Not Found`.
pub const SERVICE_PATH: &str = "/caldicott";

/// Default preview size advertised in `OPTIONS`, in bytes. RFC 3507 §4.5
/// says clients SHOULD support previews of at least 4096 bytes; a body
/// that fits is answered without `100 Continue`, and a preview that
/// already holds a blockable export is blocked before the rest is sent.
pub const DEFAULT_PREVIEW: usize = 4096;

/// Largest preview that may be configured. Squid never previews more
/// than its 64 KiB body buffer (`TheBackupLimit` in its ICAP client), so
/// a larger advertisement would never be used.
pub const MAX_PREVIEW: usize = 64 * 1024;

/// Default cap on concurrent connections (one thread each). Advertised
/// as `Max-Connections` so that Squid queues rather than overloads; a
/// connection beyond it is answered `503` and closed at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

/// Default cap on the ICAP header block, and separately on the
/// encapsulated HTTP headers, in bytes. Squid refuses HTTP headers over
/// 64 KB itself (`request_header_max_size`, `reply_header_max_size`), so
/// anything it forwards fits.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;

/// Smallest and largest `max_header_bytes` accepted: below 1 KiB an
/// ordinary browser request does not fit; above 1 MiB a header block is
/// an attack on memory (each connection may hold one).
pub const HEADER_BYTES_RANGE: (usize, usize) = (1024, 1 << 20);

/// Longest chunk-size line (`1f40; ieof` and its CRLF). Chunk extensions
/// are a few bytes; the limit stops a line without end from growing.
pub const MAX_CHUNK_LINE: usize = 1024;

/// Default idle timeout between two requests on a kept-alive connection.
/// Longer than Squid's `pconn_timeout` (60 s), so that Squid closes its
/// idle ICAP connections first and never writes a request into a
/// connection this server is closing.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Default read timeout inside a request: the ICAP and encapsulated
/// headers must arrive within it from the request's first byte, and each
/// read of the body must bring a byte within it. A minute of silence
/// mid-request means the sender is gone; the connection is answered
/// `408` and closed, and its thread freed for others.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Default `max_echo_bytes`: the largest body kept to be echoed back when
/// the client did not allow `204`. Most of it sits on disk (see
/// [`ECHO_MEMORY_BYTES`]); a gigabyte covers any upload a proxy should
/// see, and a larger one falls to `on_error`.
pub const DEFAULT_MAX_ECHO_BYTES: u64 = 1 << 30;

/// Bytes of a body kept in memory for an echo before the rest goes to an
/// unnamed temporary file, so that memory per connection stays bounded
/// whatever the upload's size. Squid allows `204` below 64 KiB, so only
/// larger bodies are ever kept; 256 KiB keeps the common ones off disk.
pub const ECHO_MEMORY_BYTES: usize = 256 * 1024;

/// Bytes read from a socket at a time, and the most pushed into the
/// decoding stream per call.
pub const READ_BUFFER_SIZE: usize = 64 * 1024;

/// `Options-TTL` advertised, in seconds: how long the proxy may use the
/// `OPTIONS` answer. A restart with a new policy changes the `ISTag` and
/// is seen within five minutes; an `OPTIONS` request every five minutes
/// costs nothing.
pub const OPTIONS_TTL: u64 = 300;

/// Masked findings written per audit line at most; the report's counts
/// cover the rest. A 50,000-row export must not make a 5 MB log line.
pub const MAX_AUDIT_FINDINGS: usize = 100;

/// Notices written per audit line at most (the report counts all).
pub const MAX_AUDIT_NOTICES: usize = 20;

/// Characters of a URL written to the audit log at most.
pub const MAX_AUDIT_URL: usize = 2048;

/// Digit runs this long or longer in a URL's path and query are masked
/// in the audit log: NHS, CHI and H&C numbers have 10 digits, a date of
/// birth 6 or 8, a NINO 6; shorter runs (page numbers, years, ports) stay
/// readable.
pub const MASK_DIGIT_RUN: usize = 6;
