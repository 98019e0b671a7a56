//! The encapsulated HTTP headers: just enough parsing for the audit log
//! (method, URL, status) and to frame the message handed to the decoding
//! stream.

use crate::protocol::Failure;

/// A request or a response head, as received.
#[derive(Debug)]
pub(crate) struct HttpHead {
    /// The bytes as received, through the empty line.
    pub(crate) bytes: Vec<u8>,
    /// A request's method, or `None` for a response.
    pub(crate) method: Option<String>,
    /// A request's target (Squid sends the absolute URL).
    pub(crate) target: Option<String>,
    /// A response's status code.
    pub(crate) status: Option<u16>,
    /// The `Content-Length`, when there is exactly one valid value.
    pub(crate) content_length: Option<u64>,
    /// Whether a `Transfer-Encoding` header is present.
    pub(crate) transfer_encoding: bool,
}

/// Whether `b` may appear in an HTTP token (RFC 9110 `tchar`).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn bad(reason: &str) -> Failure {
    Failure::bad(format!("encapsulated HTTP headers: {reason}"))
}

impl HttpHead {
    /// Parses one encapsulated header section (`req-hdr` or `res-hdr`):
    /// a start line, header lines, an empty line, all ending in CRLF.
    ///
    /// # Errors
    ///
    /// `400`: a section that does not end with an empty line, a start line
    /// that is neither a request line nor a status line, a header line
    /// without a colon or with a bad name.
    pub(crate) fn parse(bytes: &[u8]) -> Result<HttpHead, Failure> {
        if !bytes.ends_with(b"\r\n\r\n") {
            return Err(bad("the section does not end with an empty line"));
        }
        let body = &bytes[..bytes.len() - 4];
        let mut lines = body.split(|&b| b == b'\n').map(|l| {
            // Every line but the last kept its CR; the last lost it above.
            l.strip_suffix(b"\r").unwrap_or(l)
        });
        let start = lines.next().unwrap_or_default();
        let start = std::str::from_utf8(start)
            .map_err(|_| bad("the start line is not UTF-8"))?;
        let mut head = HttpHead {
            bytes: bytes.to_vec(),
            method: None,
            target: None,
            status: None,
            content_length: None,
            transfer_encoding: false,
        };
        let mut parts = start.splitn(3, ' ');
        let (a, b, c) = (parts.next(), parts.next(), parts.next());
        match (a, b, c) {
            (Some(version), Some(code), _) if version.starts_with("HTTP/") => {
                let status = code
                    .parse::<u16>()
                    .ok()
                    .filter(|s| (100..=999).contains(s) && code.len() == 3)
                    .ok_or_else(|| bad("bad status code"))?;
                head.status = Some(status);
            }
            (Some(method), Some(target), Some(version))
                if !method.is_empty()
                    && method.bytes().all(is_tchar)
                    && !target.is_empty()
                    && !target.contains(' ')
                    && version.starts_with("HTTP/") =>
            {
                head.method = Some(method.to_string());
                head.target = Some(target.to_string());
            }
            _ => return Err(bad("bad request or status line")),
        }
        let mut lengths = Vec::new();
        for line in lines {
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| bad("a header line without a colon"))?;
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
                return Err(bad("a bad header name"));
            }
            let value = value.trim_ascii();
            if name.eq_ignore_ascii_case(b"content-length") {
                lengths.push(
                    std::str::from_utf8(value)
                        .ok()
                        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|v| v.parse::<u64>().ok()),
                );
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                head.transfer_encoding = true;
            }
        }
        // One value (or repeats of one value) is a length; anything else
        // is not, and the message is framed by chunking instead.
        if let Some(&Some(first)) = lengths.first() {
            if lengths.iter().all(|l| *l == Some(first)) {
                head.content_length = Some(first);
            }
        }
        Ok(head)
    }

    /// The head to put before the body in the decoding stream, and
    /// whether the body must then be chunked.
    ///
    /// The ICAP body is the HTTP body with its transfer coding removed,
    /// and proxies drop `Transfer-Encoding` (a hop-by-hop header) from
    /// what they encapsulate. So the head is kept as it is when it has a
    /// `Content-Length` and no `Transfer-Encoding` (the body follows
    /// raw); otherwise its `Content-Length` and `Transfer-Encoding`
    /// lines are replaced by `Transfer-Encoding: chunked` and the body is
    /// re-chunked as it streams, so that the message is always framed
    /// the way an HTTP parser expects.
    pub(crate) fn framed(&self) -> (Vec<u8>, bool) {
        if self.content_length.is_some() && !self.transfer_encoding {
            return (self.bytes.clone(), false);
        }
        let mut out = Vec::with_capacity(self.bytes.len() + 28);
        let body = &self.bytes[..self.bytes.len() - 2];
        for line in body.split_inclusive(|&b| b == b'\n') {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            if name.eq_ignore_ascii_case(b"content-length")
                || name.eq_ignore_ascii_case(b"transfer-encoding")
            {
                continue;
            }
            out.extend_from_slice(line);
        }
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        (out, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_parse() {
        let r = HttpHead::parse(
            b"POST http://a.example/up?x=1 HTTP/1.1\r\nHost: a.example\r\n\
              Content-Length: 12\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.method.as_deref(), Some("POST"));
        assert_eq!(r.target.as_deref(), Some("http://a.example/up?x=1"));
        assert_eq!(r.content_length, Some(12));
        assert_eq!(r.framed(), (r.bytes.clone(), false));

        let s = HttpHead::parse(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        assert_eq!(s.status, Some(404));
    }

    #[test]
    fn messages_without_a_length_are_rechunked() {
        let r = HttpHead::parse(
            b"PUT /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\
              Content-Length: 5\r\nX: y\r\n\r\n",
        )
        .unwrap();
        let (head, chunked) = r.framed();
        assert!(chunked);
        assert_eq!(
            head,
            b"PUT /f HTTP/1.1\r\nHost: a\r\nX: y\r\n\
              Transfer-Encoding: chunked\r\n\r\n"
        );
        let two = HttpHead::parse(
            b"PUT /f HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        )
        .unwrap();
        assert_eq!(two.content_length, None);
    }

    #[test]
    fn malformed_heads_are_refused() {
        for bad in [
            &b"POST /x HTTP/1.1\r\nHost: a\r\n"[..],
            b"POST /x\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"POST /x HTTP/1.1\r\nno colon here\r\n\r\n",
            b"POST /x HTTP/1.1\r\nbad name: v\r\n\r\n",
            b"P\xffST /x HTTP/1.1\r\n\r\n",
        ] {
            assert!(HttpHead::parse(bad).is_err(), "{bad:?}");
        }
    }
}
