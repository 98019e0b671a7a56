//! [`Inspection`]: one HTTP message streamed through the decoding layers
//! into a [`Report`], as its bytes arrive.

use caldicott_core::{Engine, Finding, Notice, Policy, Report, Sink, Verdict};
use caldicott_decode::{Decoder, DecodingStream, Limits};

use crate::audit::{AuditFinding, AuditNotice};
use crate::http::HttpHead;
use crate::{MAX_AUDIT_FINDINGS, MAX_AUDIT_NOTICES};

/// The notices that mean part of a message went unscanned: the decoding
/// limits (the fields of [`Limits`]). A structure abandoned as malformed
/// (a JSON body that stops being JSON) loses nothing, since the rest is
/// still scanned as text, so those notices are only counted; the policy's
/// `on_notice` can still block on them.
pub(crate) const UNINSPECTED_LIMITS: [&str; 4] =
    ["max_depth", "max_decoded_bytes", "max_expansion_ratio", "max_parts"];

/// A gzip stream of `NHS number 943 476 5919 for the referral` (a
/// synthetic number), for [`HttpSupport::probe`].
const PROBE_GZIP: [u8; 60] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xf3, 0xf3,
    0x08, 0x56, 0xc8, 0x2b, 0xcd, 0x4d, 0x4a, 0x2d, 0x52, 0xb0, 0x34, 0x31,
    0x56, 0x30, 0x31, 0x37, 0x53, 0x30, 0xb5, 0x34, 0xb4, 0x54, 0x48, 0xcb,
    0x2f, 0x52, 0x28, 0xc9, 0x48, 0x55, 0x28, 0x4a, 0x4d, 0x4b, 0x2d, 0x2a,
    0x4a, 0xcc, 0x01, 0x00, 0xa3, 0x1f, 0xa4, 0x95, 0x28, 0x00, 0x00, 0x00,
];

/// What the decoding crate does with an HTTP message, asked once at
/// start-up by [`HttpSupport::probe`].
///
/// * With an HTTP layer (`bodies`), each message is scanned whole
///   (headers, then body) so that `Content-Encoding`, multipart
///   boundaries and form encodings declared in the headers apply.
/// * Without one, the body is scanned as an input of its own, so that it
///   is still recognised by its own first bytes (gzip, zlib, CSV, JSON,
///   HL7…) instead of being text after the headers.
/// * Unless the HTTP layer also scans the headers' text (`heads`), the
///   headers are scanned as an input of their own: identifiers travel in
///   URLs (`?nhs=…`) and cookies. Both go into one report, whose distinct
///   counts do not depend on how the message was split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HttpSupport {
    /// A body behind `Content-Encoding: gzip` headers is decoded.
    pub(crate) bodies: bool,
    /// An identifier in a request line is found when the message is
    /// scanned whole.
    pub(crate) heads: bool,
}

impl HttpSupport {
    /// Asks a decoder with `limits` (and the default engine, so that the
    /// configured kinds do not matter) with two small messages holding a
    /// synthetic number: one in a gzip body, one in the URL.
    pub(crate) fn probe(limits: &Limits) -> HttpSupport {
        let decoder = Decoder::with_limits(Engine::default(), limits.clone());
        let mut gzipped = format!(
            "POST /probe HTTP/1.1\r\nHost: probe.invalid\r\n\
             Content-Type: text/plain\r\nContent-Encoding: gzip\r\n\
             Content-Length: {}\r\n\r\n",
            PROBE_GZIP.len()
        )
        .into_bytes();
        gzipped.extend_from_slice(&PROBE_GZIP);
        let bodies = !decoder.scan(&gzipped).is_empty();
        let in_url = b"POST /probe?nhs=9434765919 HTTP/1.1\r\n\
                       Host: probe.invalid\r\nContent-Length: 5\r\n\r\nhello";
        let heads = bodies && !decoder.scan(in_url).is_empty();
        HttpSupport { bodies, heads }
    }
}

/// What a message's scan keeps for the audit line, beside the report:
/// masked findings and notices (bounded), and whether a decoding limit
/// left part of the message unscanned.
#[derive(Default)]
pub(crate) struct Kept {
    pub(crate) findings: Vec<AuditFinding>,
    pub(crate) findings_omitted: u64,
    pub(crate) notices: Vec<AuditNotice>,
    pub(crate) notices_omitted: u64,
    /// The first notice of an [`UNINSPECTED_LIMITS`] limit.
    pub(crate) uninspected: Option<String>,
}

impl Sink for Kept {
    fn finding(&mut self, f: Finding) -> bool {
        if self.findings.len() < MAX_AUDIT_FINDINGS {
            self.findings.push(AuditFinding {
                kind: f.kind,
                confidence: f.confidence,
                masked: f.masked(),
                synthetic: f.synthetic,
                layers: f.layer.as_ref().map(|l| l.path.clone()),
            });
        } else {
            self.findings_omitted += 1;
        }
        true
    }

    fn notice(&mut self, n: Notice) -> bool {
        if self.uninspected.is_none() && UNINSPECTED_LIMITS.contains(&n.limit)
        {
            self.uninspected = Some(format!(
                "not fully inspected: {} ({})",
                n.message, n.limit
            ));
        }
        if self.notices.len() < MAX_AUDIT_NOTICES {
            self.notices.push(AuditNotice {
                source: n.source,
                limit: n.limit,
                message: n.message,
            });
        } else {
            self.notices_omitted += 1;
        }
        true
    }
}

/// One message being scanned: the HTTP head first, then the body as it
/// arrives, never buffered; the verdict at any point.
pub(crate) struct Inspection<'p> {
    policy: &'p Policy,
    stream: DecodingStream,
    /// The body is re-chunked into the stream (see [`HttpHead::framed`]).
    rechunk: bool,
    /// The head's `Content-Length`, when the body follows it raw.
    expected_len: Option<u64>,
    pub(crate) report: Report,
    pub(crate) kept: Kept,
    pub(crate) body_bytes: u64,
    /// Something went wrong inside (a stream refused input).
    error: Option<String>,
    /// A `block` verdict was reached: the rest need not be scanned.
    blocked: bool,
}

impl<'p> Inspection<'p> {
    /// Starts scanning a message whose head (the one the message is
    /// about: the request for REQMOD, the response for RESPMOD) is
    /// `head`. `http`: see [`HttpSupport`].
    pub(crate) fn new(
        decoder: &Decoder,
        policy: &'p Policy,
        http: HttpSupport,
        head: Option<&HttpHead>,
        has_body: bool,
    ) -> Inspection<'p> {
        let mut this = Inspection {
            policy,
            stream: decoder.stream(),
            rechunk: false,
            expected_len: None,
            report: Report::for_policy(policy),
            kept: Kept::default(),
            body_bytes: 0,
            error: None,
            blocked: false,
        };
        let Some(head) = head else {
            return this;
        };
        if !http.heads {
            let mut stream = decoder.stream();
            let mut sink = this.report.tee(&mut this.kept);
            let r = stream
                .push(&head.bytes, &mut sink)
                .and_then(|()| stream.finish(&mut sink));
            if let Err(e) = r {
                this.error = Some(format!("scanning the headers: {e}"));
            }
        }
        if http.bodies {
            let prefix = if has_body {
                let (prefix, rechunk) = head.framed();
                this.rechunk = rechunk;
                this.expected_len =
                    if rechunk { None } else { head.content_length };
                prefix
            } else {
                head.bytes.clone()
            };
            this.push(&prefix);
        }
        this.check();
        this
    }

    fn push(&mut self, bytes: &[u8]) {
        let mut sink = self.report.tee(&mut self.kept);
        if let Err(e) = self.stream.push(bytes, &mut sink) {
            if self.error.is_none() {
                self.error = Some(format!("scanning the message: {e}"));
            }
        }
    }

    fn check(&mut self) {
        if self.policy.verdict(&self.report) == Verdict::Block {
            self.blocked = true;
        }
    }

    /// The next bytes of the body. Once the verdict is `block`, the rest
    /// is only counted.
    pub(crate) fn body(&mut self, data: &[u8]) {
        self.body_bytes += data.len() as u64;
        if self.blocked || data.is_empty() {
            return;
        }
        if self.rechunk {
            self.push(format!("{:x}\r\n", data.len()).as_bytes());
            self.push(data);
            self.push(b"\r\n");
        } else {
            self.push(data);
        }
        self.check();
    }

    /// The body has ended: every layer is finished and reported.
    pub(crate) fn finish(&mut self) {
        if self.blocked {
            return;
        }
        if self.rechunk {
            self.push(b"0\r\n\r\n");
        }
        let mut sink = self.report.tee(&mut self.kept);
        if let Err(e) = self.stream.finish(&mut sink) {
            if self.error.is_none() {
                self.error = Some(format!("finishing the scan: {e}"));
            }
        }
        self.check();
    }

    /// Whether a `block` verdict has been reached.
    pub(crate) fn blocked(&self) -> bool {
        self.blocked
    }

    /// The policy's verdict on what was scanned.
    pub(crate) fn verdict(&self) -> Verdict {
        self.policy.verdict(&self.report)
    }

    /// Why the message was not fully inspected, if it was not: a decoding
    /// limit, an internal error, or a body whose length contradicts its
    /// `Content-Length` (the HTTP layer would then have scanned a
    /// different message from the one the proxy forwards).
    pub(crate) fn problem(&self) -> Option<String> {
        if let Some(u) = &self.kept.uninspected {
            return Some(u.clone());
        }
        if let Some(e) = &self.error {
            return Some(format!("internal error: {e}"));
        }
        match self.expected_len {
            Some(n) if n != self.body_bytes && !self.blocked => Some(format!(
                "the body has {} bytes but its Content-Length says {n}",
                self.body_bytes
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_probe_is_the_gzip_of_a_synthetic_letter() {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&PROBE_GZIP[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "NHS number 943 476 5919 for the referral");
        // Alone, the decoder finds it (so the probe tests only whether
        // the headers in front are understood).
        assert_eq!(Decoder::new(Engine::default()).scan(&PROBE_GZIP).len(), 1);
    }

    fn head(bytes: &[u8]) -> HttpHead {
        HttpHead::parse(bytes).unwrap()
    }

    #[test]
    fn headers_and_body_count_in_one_report_either_way() {
        let decoder = Decoder::new(Engine::default());
        let policy = Policy::default();
        let h = head(
            b"POST /up?nhs=7573562667 HTTP/1.1\r\nContent-Length: 26\r\n\r\n",
        );
        let modes = [(false, false), (true, false), (true, true)];
        for (bodies, heads) in modes {
            let http = HttpSupport { bodies, heads };
            let mut i =
                Inspection::new(&decoder, &policy, http, Some(&h), true);
            i.body(b"second patient 6135720104");
            i.body(b"\n");
            i.finish();
            assert_eq!(i.report.distinct_total(), 2, "{http:?}");
            assert_eq!(i.verdict(), Verdict::Alert);
            assert_eq!(i.problem(), None);
        }
    }

    #[test]
    fn a_length_mismatch_is_a_problem_when_the_message_is_scanned_whole() {
        let decoder = Decoder::new(Engine::default());
        let policy = Policy::default();
        let h = head(b"POST /up HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
        let http = HttpSupport { bodies: true, heads: true };
        let mut i = Inspection::new(&decoder, &policy, http, Some(&h), true);
        i.body(b"four");
        i.finish();
        assert!(i.problem().unwrap().contains("Content-Length says 3"));
    }
}
