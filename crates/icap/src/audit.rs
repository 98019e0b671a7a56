//! The audit log: one JSON line per decision, and the reference ids that
//! tie a block page to its line.

use std::fmt;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use caldicott_core::{Confidence, Kind, Report, Verdict};
use serde::Serialize;

use crate::{MASK_DIGIT_RUN, MAX_AUDIT_URL};

/// Where decisions are logged: one JSON object per line, written whole
/// under a lock (lines from concurrent connections never interleave) and
/// flushed at once.
///
/// # The line
///
/// ```json
/// {"time":"2024-03-05T14:07:09.123Z","ref":"4F2A-9C1B-77D0-E3A5",
///  "client":"127.0.0.1:50312","client_ip":"10.1.2.3",
///  "icap_method":"REQMOD","http_method":"POST",
///  "url":"http://upload.example/form?mrn=**********",
///  "http_status":null,"verdict":"block","answer":"403 page",
///  "policy":"default","problem":null,"on_error":null,
///  "body_bytes":1234,"early":false,
///  "report":{"findings":12,"synthetic":0,"by_kind":{"nhs_number":{"medium":12}},
///            "distinct":{"nhs_number":12},"distinct_saturated":false,
///            "records":{},"notices":{}},
///  "findings":[{"kind":"nhs_number","confidence":"medium",
///               "masked":"*** *** 2667","synthetic":false}],
///  "findings_omitted":0,"notices":[],"notices_omitted":0}
/// ```
///
/// * `client` is the proxy's address; `client_ip` the user's, from
///   Squid's `X-Client-IP` (`adaptation_send_client_ip on`), when sent.
/// * `url` is the encapsulated request's target with every run of
///   [`MASK_DIGIT_RUN`] or more digits in its path and query masked (runs
///   may be split by a space, `+`, `-`, `.` or their percent encodings,
///   as a grouped NHS number is): query strings carry identifiers
///   (`?nhs=…`). Cut at [`MAX_AUDIT_URL`] characters.
/// * `verdict` is the policy's; `answer` what was sent: `204`, `echo`
///   (the message returned unchanged), `403 page`, or `500` (fail-open
///   when the message could neither be passed by 204 nor kept to echo).
/// * `problem` says why the message was not fully inspected or could not
///   be kept (a decoding limit, the echo limit, an I/O error), and
///   `on_error` what that made the server do.
/// * `early`: the `block` verdict was reached on the preview alone; the
///   rest of the body was still read (so that the proxy's client has
///   sent it all when the page arrives), but not scanned. Decoding layers
///   take their input in whole 4 KiB steps, so a preview is scanned once
///   it and the HTTP head fill one (the advertised `Preview: 4096` does).
/// * `report` holds counts only; `findings` their masked form (at most
///   [`crate::MAX_AUDIT_FINDINGS`]), never a full value.
pub struct AuditLog {
    out: Mutex<Box<dyn Write + Send>>,
    name: String,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog").field("to", &self.name).finish()
    }
}

impl AuditLog {
    /// Lines go to standard output.
    pub fn stdout() -> AuditLog {
        AuditLog::writer("stdout", io::stdout())
    }

    /// Lines are appended to the file at `path`, created if missing.
    ///
    /// # Errors
    ///
    /// The file cannot be opened for appending.
    pub fn file(path: &Path) -> io::Result<AuditLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog::writer(&path.display().to_string(), file))
    }

    /// Lines go to `out` (tests keep them in memory). `name` is shown by
    /// `Debug` and in error messages.
    pub fn writer(name: &str, out: impl Write + Send + 'static) -> AuditLog {
        AuditLog { out: Mutex::new(Box::new(out)), name: name.to_string() }
    }

    /// Writes one line. A failure is reported on stderr and the decision
    /// stands: the proxy has already been answered.
    pub(crate) fn write(&self, line: &Line<'_>) {
        let mut bytes = match serde_json::to_vec(line) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("caldicott-icap: audit line not serialised: {e}");
                return;
            }
        };
        bytes.push(b'\n');
        // A panic elsewhere while holding the lock leaves the writer
        // usable: lines are written whole or not at all.
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = out.write_all(&bytes).and_then(|()| out.flush()) {
            eprintln!(
                "caldicott-icap: audit log {}: write failed: {e}",
                self.name
            );
        }
    }
}

/// One decision, as logged. See [`AuditLog`].
#[derive(Serialize)]
pub(crate) struct Line<'a> {
    pub(crate) time: String,
    #[serde(rename = "ref")]
    pub(crate) reference: &'a str,
    pub(crate) client: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_ip: Option<IpAddr>,
    pub(crate) icap_method: &'static str,
    pub(crate) http_method: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) http_status: Option<u16>,
    pub(crate) verdict: Verdict,
    pub(crate) answer: &'static str,
    pub(crate) policy: &'a str,
    pub(crate) problem: Option<&'a str>,
    pub(crate) on_error: Option<&'static str>,
    pub(crate) body_bytes: u64,
    pub(crate) early: bool,
    pub(crate) report: &'a Report,
    pub(crate) findings: &'a [AuditFinding],
    pub(crate) findings_omitted: u64,
    pub(crate) notices: &'a [AuditNotice],
    pub(crate) notices_omitted: u64,
}

/// A finding as logged: masked, never the value.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AuditFinding {
    pub(crate) kind: Kind,
    pub(crate) confidence: Confidence,
    pub(crate) masked: String,
    pub(crate) synthetic: bool,
    /// The decoding layers it was found through (`gzip > base64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) layers: Option<String>,
}

/// A notice as logged.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AuditNotice {
    pub(crate) source: &'static str,
    pub(crate) limit: &'static str,
    pub(crate) message: String,
}

/// Reference ids for block pages and audit lines: a process-wide counter
/// hashed with random keys, so ids are unique in practice and say nothing
/// (not the time, not how many requests came before).
pub(crate) struct RefIds {
    keys: RandomState,
    next: AtomicU64,
}

impl RefIds {
    pub(crate) fn new() -> RefIds {
        RefIds { keys: RandomState::new(), next: AtomicU64::new(0) }
    }

    /// The next id: 16 hex digits in four groups (`4F2A-9C1B-77D0-E3A5`),
    /// easy to read out to a helpdesk.
    pub(crate) fn next(&self) -> String {
        let h = self.keys.hash_one(self.next.fetch_add(1, Ordering::Relaxed));
        format!(
            "{:04X}-{:04X}-{:04X}-{:04X}",
            h >> 48,
            (h >> 32) & 0xffff,
            (h >> 16) & 0xffff,
            h & 0xffff
        )
    }
}

/// Length of a separator that may join two digit groups of one number
/// at the start of `b`: a space, `+`, `-`, `.`, or the percent encoding
/// of a space, `-`, `.` or a no-break space. `0` if none.
fn separator_len(b: &[u8]) -> usize {
    match b {
        [b' ' | b'+' | b'-' | b'.', ..] => 1,
        [b'%', b'C' | b'c', b'2', b'%', b'A' | b'a', b'0', ..] => 6,
        [b'%', b'2', b'0' | b'D' | b'd' | b'E' | b'e', ..] => 3,
        _ => 0,
    }
}

/// `url` for the audit log: the scheme and authority as they are; in the
/// path and query every digit of a run holding [`MASK_DIGIT_RUN`] or more
/// digits (groups joined by single separators count as one run) replaced
/// by `*`; then cut at [`MAX_AUDIT_URL`] characters.
pub(crate) fn mask_url(url: &str) -> String {
    let b = url.as_bytes();
    // Keep `scheme://authority`; mask from the path on.
    let keep = match url.find("://") {
        Some(i) => {
            let rest = &b[i + 3..];
            i + 3
                + rest
                    .iter()
                    .position(|&c| matches!(c, b'/' | b'?' | b'#'))
                    .unwrap_or(rest.len())
        }
        None => 0,
    };
    let mut out = b[..keep].to_vec();
    let mut i = keep;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        // The run's digit groups, and the separators between them.
        let (start, mut j, mut digits) = (i, i, 0);
        let mut groups = Vec::new();
        loop {
            let group = j;
            while j < b.len() && b[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            }
            groups.push(group..j);
            let sep = separator_len(&b[j..]);
            if sep > 0 && b.get(j + sep).is_some_and(u8::is_ascii_digit) {
                j += sep;
            } else {
                break;
            }
        }
        if digits >= MASK_DIGIT_RUN {
            let mut at = start;
            for g in groups {
                out.extend_from_slice(&b[at..g.start]);
                out.extend(std::iter::repeat_n(b'*', g.len()));
                at = g.end;
            }
        } else {
            out.extend_from_slice(&b[start..j]);
        }
        i = j;
    }
    // Only ASCII digits were replaced by ASCII, so this stays UTF-8.
    let masked = String::from_utf8_lossy(&out).into_owned();
    match masked.char_indices().nth(MAX_AUDIT_URL) {
        Some((cut, _)) => format!("{}…", &masked[..cut]),
        None => masked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_runs_in_path_and_query_are_masked() {
        let cases = [
            (
                "http://h.example:8080/p/7573562667?nhs=757+356+2667&page=12",
                "http://h.example:8080/p/**********?nhs=***+***+****&page=12",
            ),
            ("/a?x=943%20476%205919", "/a?x=***%20***%20****"),
            ("/a?dob=1970-01-31&y=2024", "/a?dob=****-**-**&y=2024"),
            ("/a?n=12345&m=123456", "/a?n=12345&m=******"),
            ("/v1.2.3/x", "/v1.2.3/x"),
            ("http://10.0.0.1:3128/", "http://10.0.0.1:3128/"),
            ("/nino/QQ123456C", "/nino/QQ******C"),
        ];
        for (url, want) in cases {
            assert_eq!(mask_url(url), want, "{url}");
        }
    }

    #[test]
    fn urls_are_cut() {
        let long = format!("/{}", "a".repeat(MAX_AUDIT_URL * 2));
        let masked = mask_url(&long);
        assert_eq!(masked.chars().count(), MAX_AUDIT_URL + 1);
        assert!(masked.ends_with('…'));
    }

    #[test]
    fn reference_ids_differ_and_have_the_documented_shape() {
        let ids = RefIds::new();
        let (a, b) = (ids.next(), ids.next());
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(
            a.split('-')
                .all(|g| g.len() == 4
                    && g.chars().all(|c| c.is_ascii_hexdigit()))
        );
    }
}
