//! Realistic-looking mixed text with identifiers planted in it.
//!
//! [`mixed_text`] builds a buffer of lines of the kinds a DLP scanner meets:
//! English-ish prose, JSON log lines, CSV rows, syslog lines, hashes and
//! UUIDs, and contact lines with UK phone numbers. About once per
//! [`MEAN_GAP`] bytes it plants an identifier drawn from
//! [`IdGen`]: an allocated NHS number, a synthetic
//! (`999`) NHS number, an H&C number or a Modulus 11 CHI number, written
//! contiguous or grouped 3-3-4 with a space, hyphen or dot, sometimes after
//! a context keyword (`NHS number: `, `CHI `, …) and sometimes without one.
//!
//! The filler is built so that, under the detection rules of `DESIGN.md`,
//! it holds no identifier of its own: its digit runs are never exactly ten
//! digits long outside hex tokens (millisecond timestamps have 13 digits,
//! order ids 8, phone numbers are 3-4-4, 4-3-4 or 5-6), and the one grouped
//! 3-3-4 number it writes, `+44 161 496 0xxx`, is continued by the dialling
//! code before it. Hex tokens (hashes, trace ids, UUIDs) do contain ten-digit
//! runs now and then; they always have a letter and are at least 16
//! characters long or are the last group of a UUID, so the engine must drop
//! them. An engine scanning the corpus should therefore report exactly
//! [`Corpus::planted`] findings.
//!
//! ```
//! use caldicott_testkit::corpus::mixed_text;
//!
//! let corpus = mixed_text(1, 64 * 1024);
//! assert_eq!(corpus.bytes.len(), 64 * 1024);
//! assert!(corpus.planted > 0);
//! assert_eq!(mixed_text(1, 64 * 1024).bytes, corpus.bytes);
//! ```

use std::io::{self, Write};

use crate::gen::{IdGen, IdKind};

/// The average distance in bytes between two planted identifiers.
pub const MEAN_GAP: usize = 4096;

/// The block size [`write_mixed_text`] generates at a time.
pub const BLOCK_SIZE: usize = 1 << 20;

/// Generated text and the number of identifiers planted in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corpus {
    /// The text: ASCII, lines ending in `\n`.
    pub bytes: Vec<u8>,
    /// How many identifiers were planted in `bytes`. Every one is whole:
    /// a line that would not fit is never cut.
    pub planted: usize,
}

/// Exactly `len` bytes of mixed text, deterministic per `seed`.
///
/// The text is a sequence of whole lines, each ending in `\n`; when the next
/// line would not fit, the rest is padded with a line of `=` (so the last
/// byte is `\n` whenever `len > 0`).
pub fn mixed_text(seed: u64, len: usize) -> Corpus {
    let mut g = Gen {
        rng: IdGen::new(seed),
        out: Vec::with_capacity(len),
        line: Vec::with_capacity(512),
        planted: 0,
    };
    let mut next_plant = g.rng.below(2 * MEAN_GAP as u64) as usize;
    loop {
        g.line.clear();
        let plants = g.out.len() >= next_plant;
        if plants {
            g.planted_line();
        } else {
            g.filler_line();
        }
        if g.out.len() + g.line.len() > len {
            break;
        }
        g.out.extend_from_slice(&g.line);
        if plants {
            g.planted += 1;
            next_plant =
                g.out.len() + g.rng.below(2 * MEAN_GAP as u64) as usize;
        }
    }
    let rest = len - g.out.len();
    if rest > 0 {
        g.out.resize(len - 1, b'=');
        g.out.push(b'\n');
    }
    Corpus { bytes: g.out, planted: g.planted }
}

/// The seed of block `index` of a streamed corpus with seed `seed`.
pub fn block_seed(seed: u64, index: u64) -> u64 {
    IdGen::new(seed.wrapping_add(index.wrapping_mul(0xA076_1D64_78BD_642F)))
        .next_u64()
}

/// Writes `size` bytes of mixed text to `out`, one [`BLOCK_SIZE`] block at
/// a time, and returns the number of identifiers planted.
///
/// Block `i` is `mixed_text(block_seed(seed, i), n)` where `n` is
/// `BLOCK_SIZE` or, for the last block, what is left. Memory use is one
/// block whatever `size` is.
pub fn write_mixed_text<W: Write>(
    out: &mut W,
    seed: u64,
    size: u64,
) -> io::Result<usize> {
    let mut planted = 0;
    let mut left = size;
    let mut index = 0;
    while left > 0 {
        let n = left.min(BLOCK_SIZE as u64);
        let block = mixed_text(block_seed(seed, index), n as usize);
        out.write_all(&block.bytes)?;
        planted += block.planted;
        left -= n;
        index += 1;
    }
    Ok(planted)
}

pub(crate) const WORDS: &[&str] = &[
    "the",
    "clinic",
    "review",
    "was",
    "booked",
    "for",
    "next",
    "week",
    "and",
    "results",
    "are",
    "pending",
    "from",
    "lab",
    "team",
    "please",
    "confirm",
    "address",
    "before",
    "discharge",
    "letter",
    "sent",
    "to",
    "surgery",
    "ward",
    "round",
    "notes",
    "updated",
    "after",
    "call",
    "with",
    "family",
    "medication",
    "chart",
    "checked",
    "by",
    "nurse",
    "on",
    "duty",
    "referral",
    "accepted",
    "waiting",
    "list",
    "moved",
    "appointment",
    "rescheduled",
    "due",
    "transport",
    "delay",
    "outpatient",
    "follow",
    "up",
    "in",
    "six",
    "months",
    "invoice",
    "paid",
    "order",
    "shipped",
    "warehouse",
    "stock",
    "low",
    "customer",
    "asked",
    "about",
    "refund",
    "meeting",
    "moved",
    "room",
    "printer",
    "offline",
    "again",
    "backup",
    "completed",
    "overnight",
];

pub(crate) const CAPITALISED: &[&str] = &[
    "Patient",
    "The",
    "Clinic",
    "Results",
    "Referral",
    "Discharge",
    "Team",
    "Customer",
    "Order",
    "Meeting",
    "Backup",
    "Nurse",
    "Pharmacy",
    "Admin",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson",
    "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker",
    "Khan", "Roberts", "Green", "Hall", "Wood", "Murray", "Campbell", "Kelly",
];

const SERVICES: &[&str] =
    &["api", "worker", "gateway", "auth", "billing", "search", "ingest"];

const MESSAGES: &[&str] = &[
    "request completed",
    "cache miss",
    "retrying upstream",
    "user signed in",
    "job finished",
    "payload accepted",
    "slow query",
    "connection reset by peer",
];

const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];

pub(crate) const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec",
];

const FILES: &[&str] =
    &["report.pdf", "export.csv", "backup.tar.gz", "scan.png", "notes.txt"];

/// Context keywords put before planted identifiers, per kind.
pub(crate) const NHS_KEYS: &[&str] =
    &["NHS number: ", "NHS No. ", "Patient ID ", "nhs no ", "MRN/NHS: "];
pub(crate) const HC_KEYS: &[&str] =
    &["H&C number: ", "health and care number ", "Patient no: "];
pub(crate) const CHI_KEYS: &[&str] =
    &["CHI: ", "CHI number ", "chi no. ", "Patient "];

/// Words without a context keyword put before planted identifiers.
pub(crate) const PLAIN_KEYS: &[&str] =
    &["ref ", "account ", "record ", "id=", "key: ", "value "];

struct Gen {
    rng: IdGen,
    out: Vec<u8>,
    line: Vec<u8>,
    planted: usize,
}

impl Gen {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.below(list.len() as u64) as usize]
    }

    fn s(&mut self, s: &str) {
        self.line.extend_from_slice(s.as_bytes());
    }

    fn word(&mut self, list: &[&str]) {
        let w = self.pick(list);
        self.s(w);
    }

    /// `n` in decimal, at least `width` digits with leading zeros.
    fn num(&mut self, n: u64, width: usize) {
        let mut buf = [b'0'; 20];
        let mut i = buf.len();
        let mut n = n;
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let start = i.min(buf.len() - width.min(buf.len()));
        self.line.extend_from_slice(&buf[start..]);
    }

    /// `n` random hex digits, at least one of them a letter.
    fn hex(&mut self, n: usize) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let start = self.line.len();
        for _ in 0..n {
            let x = self.rng.below(16) as usize;
            self.line.push(HEX[x]);
        }
        if self.line[start..].iter().all(u8::is_ascii_digit) {
            let at = start + self.rng.below(n as u64) as usize;
            self.line[at] = b'a' + self.rng.below(6) as u8;
        }
    }

    fn uuid(&mut self) {
        self.hex(8);
        self.s("-");
        self.hex(4);
        self.s("-4");
        self.hex(3);
        self.s("-a");
        self.hex(3);
        self.s("-");
        self.hex(12);
    }

    fn iso_time(&mut self) {
        self.s("2024-");
        let mm = self.rng.range(1, 12);
        self.num(mm, 2);
        self.s("-");
        let dd = self.rng.range(1, 28);
        self.num(dd, 2);
        self.s("T");
        self.clock();
        self.s(".");
        let ms = self.rng.below(1000);
        self.num(ms, 3);
        self.s("Z");
    }

    fn clock(&mut self) {
        let (h, m, s) =
            (self.rng.below(24), self.rng.below(60), self.rng.below(60));
        self.num(h, 2);
        self.s(":");
        self.num(m, 2);
        self.s(":");
        self.num(s, 2);
    }

    fn slash_date(&mut self) {
        let (d, m) = (self.rng.range(1, 28), self.rng.range(1, 12));
        self.num(d, 2);
        self.s("/");
        self.num(m, 2);
        self.s("/20");
        let y = self.rng.range(10, 25);
        self.num(y, 2);
    }

    fn order_id(&mut self) {
        self.s("ORD-2024");
        let mmdd = self.rng.range(1, 12) * 100 + self.rng.range(1, 28);
        self.num(mmdd, 4);
        self.s("-");
        let n = self.rng.below(100_000);
        self.num(n, 5);
    }

    /// A UK phone number in one of the Ofcom drama ranges.
    fn phone(&mut self) {
        let tail = self.rng.below(1000);
        match self.rng.below(5) {
            0 => self.s("020 7946 0"),
            1 => self.s("07700 900"),
            2 => self.s("0161 496 0"),
            3 => self.s("+44 20 7946 0"),
            // 3-3-4 after a dialling code: continued, so not a candidate.
            _ => self.s("+44 161 496 0"),
        }
        self.num(tail, 3);
    }

    fn filler_line(&mut self) {
        match self.rng.below(20) {
            0..=5 => self.prose(),
            6..=10 => self.json_log(),
            11..=14 => self.csv_row(),
            15..=16 => self.syslog(),
            17 => self.hash_line(),
            18 => self.contact_line(),
            _ => self.uuid_line(),
        }
    }

    fn prose(&mut self) {
        self.word(CAPITALISED);
        let n = self.rng.range(6, 16);
        for _ in 0..n {
            self.s(" ");
            if self.rng.chance(1, 12) {
                let k = self.rng.range(1, 99);
                self.num(k, 1);
            } else {
                self.word(WORDS);
            }
        }
        let join = if self.rng.chance(1, 4) { ", see " } else { " on " };
        self.s(join);
        self.slash_date();
        self.s(".\n");
    }

    fn json_log(&mut self) {
        self.s("{\"ts\":\"");
        self.iso_time();
        self.s("\",\"ts_ms\":17");
        let ms = self.rng.below(100_000_000_000);
        self.num(ms, 11);
        self.s(",\"level\":\"");
        self.word(LEVELS);
        self.s("\",\"svc\":\"");
        self.word(SERVICES);
        self.s("\",\"msg\":\"");
        self.word(MESSAGES);
        self.s("\",\"latency_ms\":");
        let l = self.rng.below(5000);
        self.num(l, 1);
        if self.rng.chance(1, 2) {
            self.s(",\"order\":\"");
            self.order_id();
            self.s("\"");
        }
        self.s(",\"trace_id\":\"");
        self.hex(32);
        self.s("\",\"span_id\":\"");
        self.hex(16);
        self.s("\"}\n");
    }

    fn csv_row(&mut self) {
        let row = self.rng.below(100_000);
        self.num(row, 1);
        self.s(",");
        self.word(SURNAMES);
        self.s(",");
        self.slash_date();
        self.s(",");
        let pounds = self.rng.below(2000);
        self.num(pounds, 1);
        self.s(".");
        let pence = self.rng.below(100);
        self.num(pence, 2);
        self.s(",GBP,");
        match self.rng.below(4) {
            0 => self.phone(),
            1 => self.order_id(),
            2 => {
                // Sort code and account number.
                self.s("20-");
                let (a, b) = (self.rng.below(100), self.rng.below(100));
                self.num(a, 2);
                self.s("-");
                self.num(b, 2);
                self.s(" ");
                let acct = self.rng.below(100_000_000);
                self.num(acct, 8);
            }
            _ => {
                // A test card number, grouped 4-4-4-4.
                self.s("4111 1111 1111 ");
                let last = self.rng.below(10_000);
                self.num(last, 4);
            }
        }
        self.s("\n");
    }

    fn syslog(&mut self) {
        self.word(MONTHS);
        self.s(" ");
        let d = self.rng.range(10, 28);
        self.num(d, 2);
        self.s(" ");
        self.clock();
        self.s(" host");
        let h = self.rng.below(10);
        self.num(h, 2);
        self.s(" sshd[");
        let pid = self.rng.range(1000, 99_999);
        self.num(pid, 1);
        self.s("]: Accepted publickey for deploy from 198.51.100.");
        let ip = self.rng.range(1, 254);
        self.num(ip, 1);
        self.s(" port ");
        let port = self.rng.range(1024, 65_535);
        self.num(port, 1);
        self.s(" ssh2\n");
    }

    fn hash_line(&mut self) {
        if self.rng.chance(1, 2) {
            self.s("commit ");
            self.hex(40);
        } else {
            self.s("sha256:");
            self.hex(64);
            self.s("  ");
            self.word(FILES);
        }
        self.s("\n");
    }

    fn contact_line(&mut self) {
        self.s("Call ");
        self.word(SURNAMES);
        self.s(" on ");
        self.phone();
        self.s(" or ");
        self.phone();
        self.s(" before ");
        self.clock();
        self.s(".\n");
    }

    fn uuid_line(&mut self) {
        self.s("request_id=");
        self.uuid();
        self.s(" user=");
        self.uuid();
        self.s(" status=");
        let status =
            [200, 201, 204, 302, 404, 500][self.rng.below(6) as usize];
        self.num(status, 3);
        self.s("\n");
    }

    /// The identifier, in a random written form.
    fn identifier(&mut self, kind: IdKind, contiguous_only: bool) {
        let id = self.rng.generate(kind);
        let form = if contiguous_only { 0 } else { self.rng.below(4) };
        let sep = match form {
            0 => {
                self.s(&id);
                return;
            }
            1 => " ",
            2 => "-",
            _ => ".",
        };
        self.s(&id[..3]);
        self.s(sep);
        self.s(&id[3..6]);
        self.s(sep);
        self.s(&id[6..]);
    }

    fn planted_line(&mut self) {
        let kind = [IdKind::Nhs, IdKind::Synthetic, IdKind::Hc, IdKind::Chi]
            [self.rng.below(4) as usize];
        let key = if self.rng.chance(1, 2) {
            self.pick(match kind {
                IdKind::Hc => HC_KEYS,
                IdKind::Chi | IdKind::Chi10 => CHI_KEYS,
                IdKind::Nhs | IdKind::Synthetic => NHS_KEYS,
            })
        } else {
            self.pick(PLAIN_KEYS)
        };
        match self.rng.below(5) {
            0 => {
                self.word(CAPITALISED);
                self.s(" letter re ");
                self.s(key);
                self.identifier(kind, false);
                self.s(" dated ");
                self.slash_date();
                self.s(".\n");
            }
            1 => {
                self.s("{\"ts\":\"");
                self.iso_time();
                self.s("\",\"level\":\"INFO\",\"msg\":\"");
                self.s(key);
                self.identifier(kind, false);
                self.s("\",\"svc\":\"");
                self.word(SERVICES);
                self.s("\"}\n");
            }
            2 => {
                let row = self.rng.below(100_000);
                self.num(row, 1);
                self.s(",");
                self.word(SURNAMES);
                self.s(",");
                self.identifier(kind, false);
                self.s(",");
                self.slash_date();
                self.s("\n");
            }
            3 => {
                // Letters and underscores attached: still a finding.
                self.s("uploaded scan_");
                self.identifier(kind, true);
                self.s("_20240803.pdf for ");
                self.s(key);
                self.s("review\n");
            }
            _ => {
                self.s(key);
                self.identifier(kind, false);
                self.s("\n");
            }
        }
    }
}

/// Parses a byte size with an optional `K`, `M` or `G` suffix (powers of
/// 1024), as the corpus generators take it: `256M` is 268,435,456.
///
/// # Errors
///
/// A message naming the text when it is not a size or overflows.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("SIZE `{s}` is not a size");
    let (digits, shift) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 20),
        Some(b'G' | b'g') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).ok_or_else(bad)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn exact_length_and_deterministic() {
        for len in [0, 1, 2, 50, 4096, 100_000] {
            let a = mixed_text(9, len);
            assert_eq!(a.bytes.len(), len);
            assert_eq!(a, mixed_text(9, len));
            if len > 0 {
                assert_eq!(a.bytes.last(), Some(&b'\n'));
            }
        }
        assert_ne!(mixed_text(1, 10_000).bytes, mixed_text(2, 10_000).bytes);
    }

    #[test]
    fn plant_rate_is_sparse() {
        let c = mixed_text(3, 4 << 20);
        let expected = (4 << 20) / MEAN_GAP;
        assert!(
            c.planted > expected * 3 / 4 && c.planted < expected * 5 / 4,
            "{} planted",
            c.planted
        );
        assert!(c.bytes.is_ascii());
    }

    #[test]
    fn streamed_blocks_match_mixed_text() {
        let size = BLOCK_SIZE as u64 + 12_345;
        let mut out = Vec::new();
        let planted = write_mixed_text(&mut out, 5, size).unwrap();
        assert_eq!(out.len() as u64, size);
        let first = mixed_text(block_seed(5, 0), BLOCK_SIZE);
        let second = mixed_text(block_seed(5, 1), 12_345);
        assert_eq!(out[..BLOCK_SIZE], first.bytes[..]);
        assert_eq!(out[BLOCK_SIZE..], second.bytes[..]);
        assert_eq!(planted, first.planted + second.planted);
    }

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("17"), Ok(17));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }

    /// Maximal runs of ASCII digits, as `(start, end)`. Shared with the
    /// bench corpora's tests.
    pub(crate) fn digit_runs(b: &[u8]) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                runs.push((start, i));
            } else {
                i += 1;
            }
        }
        runs
    }

    #[test]
    fn filler_has_no_candidates_outside_hex_and_phones() {
        let mut g = Gen {
            rng: IdGen::new(11),
            out: Vec::new(),
            line: Vec::new(),
            planted: 0,
        };
        let hex_letter =
            |x: Option<&u8>| x.is_some_and(|x| (b'a'..=b'f').contains(x));
        for _ in 0..50_000 {
            g.line.clear();
            g.filler_line();
            let b = &g.line[..];
            let text = String::from_utf8_lossy(b);
            let runs = digit_runs(b);
            for &(s, e) in &runs {
                if e - s == 10 {
                    // Only inside hex tokens, which always touch a letter.
                    assert!(
                        hex_letter(b.get(e)) || hex_letter(b[..s].last()),
                        "{text}"
                    );
                }
            }
            for w in runs.windows(3) {
                let [(s0, e0), (s1, e1), (s2, e2)] = [w[0], w[1], w[2]];
                let grouped = e0 - s0 == 3
                    && e1 - s1 == 3
                    && e2 - s2 == 4
                    && s1 == e0 + 1
                    && s2 == e1 + 1
                    && b[e0] == b[e1]
                    && b" -.\t".contains(&b[e0]);
                if grouped {
                    assert!(b[..s0].ends_with(b"+44 "), "{text}");
                }
            }
        }
    }
}
