//! Seeded corpora of the input shapes the benchmarks in `benches/` measure.
//!
//! Each [`Shape`] is a kind of traffic a patient-data scanner meets, and
//! [`Shape::generate`] makes exactly `len` bytes of it, deterministically per
//! seed, together with a count of what was planted ([`Planted`]). Nothing is
//! checked in: the benchmarks make their corpora in process.
//!
//! | shape | what | identifiers |
//! |---|---|---|
//! | [`Shape::Web`] | HTTP requests and responses, HTML, JSON and text bodies | about one per [`WEB_GAP`] bytes |
//! | [`Shape::NoHit`] | the same traffic | none (checksum-failing decoys only) |
//! | [`Shape::Rare`] | the same traffic | about one per [`RARE_GAP`] bytes |
//! | [`Shape::Dense`] | a ward list, one patient per line | one per line (~70 bytes) |
//! | [`Shape::Csv`] | a patient CSV export dense with numbers | most rows |
//! | [`Shape::Hl7`] | an HL7 v2 ADT/ORU feed in MLLP framing | PID-3 of most messages |
//! | [`Shape::Fhir`] | FHIR R4 searchset bundles, pretty-printed JSON | every `Patient` |
//! | [`Shape::Binary`] | random bytes | about one per [`BINARY_GAP`] bytes |
//!
//! Every shape except [`Shape::Binary`] also carries *decoys*: numbers of
//! the right shape whose check digit fails both Modulus 11 and Modulus 10
//! (typos), which a scanner must reject. Planted identifiers are written
//! contiguous or grouped 3-3-4 (space, hyphen, dot, tab or no-break space,
//! as fits the format), always bounded so that the rules of `DESIGN.md` make
//! each a finding: the byte before a planted number is never a digit, a
//! separator after a digit, or part of a dialling prefix, and the bytes
//! after never continue it.
//!
//! The filler is built to hold no identifier of its own: every digit run in
//! it is at most nine digits long or at least eleven (13-digit millisecond
//! timestamps, 14-digit HL7 timestamps, 11-digit phone numbers), and it
//! never writes three digit groups 3-3-4 with one separator (phone numbers
//! are 3-4-4, 4-3-4 or 5-6; prose numbers have at most three digits; random
//! tokens have at most eight digits in a row). So
//! an engine reporting every kind at every confidence should report exactly
//! [`Planted::total`] findings, and with only some kinds enabled
//! [`Planted::of`] for each; the benchmarks assert that.
//!
//! ```
//! use caldicott_testkit::bench_corpora::Shape;
//!
//! let web = Shape::Web.generate(1, 256 * 1024);
//! assert_eq!(web.bytes.len(), 256 * 1024);
//! assert!(web.planted.total() > 0);
//! assert_eq!(Shape::Web.generate(1, 256 * 1024).bytes, web.bytes);
//! assert_eq!(Shape::NoHit.generate(1, 64 * 1024).planted.total(), 0);
//! ```

use crate::corpus::{
    CAPITALISED, CHI_KEYS, HC_KEYS, MONTHS, NHS_KEYS, PLAIN_KEYS, SURNAMES,
    WORDS,
};
use crate::gen::{IdGen, IdKind};

/// The mean distance in bytes between identifiers in [`Shape::Web`].
pub const WEB_GAP: usize = 16 * 1024;

/// The mean distance in bytes between identifiers in [`Shape::Rare`].
pub const RARE_GAP: usize = 256 * 1024;

/// The mean distance in bytes between decoys in the web shapes.
pub const DECOY_GAP: usize = 8 * 1024;

/// The mean distance in bytes between identifiers in [`Shape::Binary`].
pub const BINARY_GAP: usize = 64 * 1024;

/// An input shape: the kind of bytes a corpus holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// HTTP/1.1 requests and responses with HTML, JSON and plain-text
    /// bodies (markup, CSS classes, URLs, cookies, ETags, UUIDs, prices,
    /// phone numbers), with an identifier about every [`WEB_GAP`] bytes.
    Web,
    /// [`Shape::Web`] traffic with no identifier at all, only decoys: the
    /// cost of looking when there is nothing to find.
    NoHit,
    /// [`Shape::Web`] traffic with an identifier about every [`RARE_GAP`]
    /// bytes.
    Rare,
    /// A ward list: one patient per line, each with an identifier (some
    /// Modulus 10 CHI numbers after a `CHI` keyword) or a decoy.
    Dense,
    /// A CSV export of patient rows: dates, 13-digit millisecond
    /// timestamps, prices, phone numbers, postcodes, hospital numbers, and
    /// an identifier in most rows.
    Csv,
    /// An HL7 v2 feed: ADT and ORU messages in MLLP framing (`0x0B` …
    /// `0x1C 0x0D`), `\r`-terminated segments, the identifier in PID-3
    /// (`9434765919^^^NHS^NH`), OBX results, 14-digit timestamps.
    Hl7,
    /// FHIR R4 `searchset` bundles, pretty-printed JSON, mixing `Patient`
    /// resources (identifier under `https://fhir.nhs.uk/Id/nhs-number` and
    /// the CHI and H&C systems) with `Observation` and `Encounter`
    /// resources.
    Fhir,
    /// Uniformly random bytes with an identifier embedded about every
    /// [`BINARY_GAP`] bytes, each between fixed delimiters.
    Binary,
}

impl Shape {
    /// Every shape, in the order the benchmarks report them.
    pub const ALL: [Shape; 8] = [
        Shape::Web,
        Shape::NoHit,
        Shape::Rare,
        Shape::Dense,
        Shape::Csv,
        Shape::Hl7,
        Shape::Fhir,
        Shape::Binary,
    ];

    /// The shape's short name, used in benchmark ids and on the command
    /// line: `web`, `no-hit`, `rare`, `dense`, `csv`, `hl7`, `fhir`,
    /// `binary`.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Web => "web",
            Shape::NoHit => "no-hit",
            Shape::Rare => "rare",
            Shape::Dense => "dense",
            Shape::Csv => "csv",
            Shape::Hl7 => "hl7",
            Shape::Fhir => "fhir",
            Shape::Binary => "binary",
        }
    }

    /// The shape with the given [`name`](Shape::name).
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Exactly `len` bytes of this shape, deterministic per `seed`.
    ///
    /// Records (messages, rows, bundles) are never cut: when the next one
    /// would not fit, the rest is padded (with a line of `=` for text, with
    /// random bytes for [`Shape::Binary`]).
    pub fn generate(self, seed: u64, len: usize) -> BenchCorpus {
        let mut w = W::new(seed, len);
        match self {
            Shape::Web => web(&mut w, len, Some(WEB_GAP)),
            Shape::NoHit => web(&mut w, len, None),
            Shape::Rare => web(&mut w, len, Some(RARE_GAP)),
            Shape::Dense => w.fill(len, W::ward_line),
            Shape::Csv => {
                w.s(CSV_HEADER);
                w.commit(len);
                w.fill(len, W::csv_row);
            }
            Shape::Hl7 => w.fill(len, W::hl7_message),
            Shape::Fhir => w.fill(len, W::fhir_bundle),
            Shape::Binary => binary(&mut w, len),
        }
        w.pad(len, self == Shape::Binary);
        BenchCorpus { shape: self, seed, bytes: w.out, planted: w.planted }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A generated corpus: its bytes and what was planted in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchCorpus {
    /// The shape it was made as.
    pub shape: Shape,
    /// The seed it was made from.
    pub seed: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// What was planted in `bytes`.
    pub planted: Planted,
}

/// How many identifiers of each kind, and how many decoys, a corpus holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Planted {
    /// NHS numbers in an issued range.
    pub nhs: usize,
    /// Synthetic (`999`) NHS numbers.
    pub synthetic: usize,
    /// Northern Ireland H&C numbers.
    pub hc: usize,
    /// Modulus 11 CHI numbers.
    pub chi: usize,
    /// Modulus 10 CHI numbers, each directly after a CHI keyword (so a
    /// low-confidence finding).
    pub chi10: usize,
    /// Decoys: identifier-shaped numbers failing both checksums, which are
    /// not findings.
    pub decoys: usize,
}

impl Planted {
    /// Every planted identifier (decoys excluded): the number of findings
    /// an engine reporting all kinds at every confidence should give.
    pub fn total(&self) -> usize {
        self.nhs + self.synthetic + self.hc + self.chi + self.chi10
    }

    /// How many identifiers of the generator's kind `kind` were planted.
    /// An engine's `nhs_number` count is `of(Nhs) + of(Synthetic)`, its
    /// `chi_number` count `of(Chi) + of(Chi10)`.
    pub fn of(&self, kind: IdKind) -> usize {
        match kind {
            IdKind::Nhs => self.nhs,
            IdKind::Synthetic => self.synthetic,
            IdKind::Hc => self.hc,
            IdKind::Chi => self.chi,
            IdKind::Chi10 => self.chi10,
        }
    }

    fn count(&mut self, kind: IdKind) {
        match kind {
            IdKind::Nhs => self.nhs += 1,
            IdKind::Synthetic => self.synthetic += 1,
            IdKind::Hc => self.hc += 1,
            IdKind::Chi => self.chi += 1,
            IdKind::Chi10 => self.chi10 += 1,
        }
    }

    fn add(&mut self, o: &Planted) {
        self.nhs += o.nhs;
        self.synthetic += o.synthetic;
        self.hc += o.hc;
        self.chi += o.chi;
        self.chi10 += o.chi10;
        self.decoys += o.decoys;
    }
}

/// How an identifier is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Contiguous,
    /// Grouped 3-3-4 with this separator.
    Grouped(&'static str),
}

const NBSP: &str = "\u{a0}";

/// The generator's state: finished output, the record being built, and the
/// counts of both.
struct W {
    rng: IdGen,
    out: Vec<u8>,
    rec: Vec<u8>,
    planted: Planted,
    rec_planted: Planted,
}

impl W {
    fn new(seed: u64, len: usize) -> W {
        W {
            rng: IdGen::new(seed),
            out: Vec::with_capacity(len),
            rec: Vec::with_capacity(16 * 1024),
            planted: Planted::default(),
            rec_planted: Planted::default(),
        }
    }

    /// Moves the record into the output if it fits; otherwise drops it.
    fn commit(&mut self, len: usize) -> bool {
        let fits = self.out.len() + self.rec.len() <= len;
        if fits {
            self.out.extend_from_slice(&self.rec);
            self.planted.add(&self.rec_planted);
        }
        self.rec.clear();
        self.rec_planted = Planted::default();
        fits
    }

    /// Builds records with `record` until one does not fit.
    fn fill(&mut self, len: usize, record: fn(&mut W)) {
        loop {
            record(self);
            if !self.commit(len) {
                break;
            }
        }
    }

    /// Pads the output to `len` bytes.
    fn pad(&mut self, len: usize, random: bool) {
        if random {
            while self.out.len() < len {
                let x = self.rng.next_u64().to_le_bytes();
                let n = (len - self.out.len()).min(8);
                self.out.extend_from_slice(&x[..n]);
            }
        } else if self.out.len() < len {
            self.out.resize(len - 1, b'=');
            self.out.push(b'\n');
        }
    }

    /// The absolute position the record's next byte will have.
    fn pos(&self) -> usize {
        self.out.len() + self.rec.len()
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.below(list.len() as u64) as usize]
    }

    fn s(&mut self, s: &str) {
        self.rec.extend_from_slice(s.as_bytes());
    }

    fn word(&mut self, list: &[&str]) {
        let w = self.pick(list);
        self.s(w);
    }

    /// Writes `a` or `b`, each half the time.
    fn either(&mut self, a: &str, b: &str) {
        let s = if self.chance(1, 2) { a } else { b };
        self.s(s);
    }

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.rng.chance(num, den)
    }

    /// `n` (below 10^18) in decimal, at least `width` digits.
    fn num(&mut self, n: u64, width: usize) {
        let digits = n.to_string();
        for _ in digits.len()..width {
            self.rec.push(b'0');
        }
        self.s(&digits);
    }

    /// A random number in `lo..=hi`, written at least `width` wide.
    fn rnum(&mut self, lo: u64, hi: u64, width: usize) {
        let n = self.rng.range(lo, hi);
        self.num(n, width);
    }

    /// `n` characters from `alphabet`, never more than eight digits in a
    /// row (so never an identifier-length digit run).
    fn token(&mut self, alphabet: &[u8], n: usize) {
        let mut digits = 0;
        for _ in 0..n {
            let mut c =
                alphabet[self.rng.below(alphabet.len() as u64) as usize];
            if c.is_ascii_digit() {
                digits += 1;
                if digits > 8 {
                    c = b'a' + self.rng.below(6) as u8;
                    digits = 0;
                }
            } else {
                digits = 0;
            }
            self.rec.push(c);
        }
    }

    fn hex(&mut self, n: usize) {
        self.token(b"0123456789abcdef", n);
    }

    fn b64(&mut self, n: usize) {
        self.token(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            n,
        );
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

    fn dmy(&mut self, sep: &str) {
        self.rnum(1, 28, 2);
        self.s(sep);
        self.rnum(1, 12, 2);
        self.s(sep);
        self.rnum(1930, 2024, 4);
    }

    fn iso_date(&mut self) {
        self.rnum(1930, 2024, 4);
        self.s("-");
        self.rnum(1, 12, 2);
        self.s("-");
        self.rnum(1, 28, 2);
    }

    fn clock(&mut self) {
        self.rnum(0, 23, 2);
        self.s(":");
        self.rnum(0, 59, 2);
        self.s(":");
        self.rnum(0, 59, 2);
    }

    fn iso_time(&mut self) {
        self.s("2024-");
        self.rnum(1, 12, 2);
        self.s("-");
        self.rnum(1, 28, 2);
        self.s("T");
        self.clock();
        self.s(".");
        self.rnum(0, 999, 3);
        self.s("Z");
    }

    /// A 14-digit HL7 timestamp, `YYYYMMDDHHMMSS`.
    fn hl7_ts(&mut self) {
        self.s("2024");
        self.rnum(1, 12, 2);
        self.rnum(1, 28, 2);
        self.rnum(0, 23, 2);
        self.rnum(0, 59, 2);
        self.rnum(0, 59, 2);
    }

    /// A 13-digit millisecond Unix timestamp (2023–2024).
    fn epoch_ms(&mut self) {
        self.rnum(1_672_531_200_000, 1_735_689_599_999, 13);
    }

    fn price(&mut self) {
        self.rnum(0, 4999, 1);
        self.s(".");
        self.rnum(0, 99, 2);
    }

    /// A UK phone number in an Ofcom drama range, never 3-3-4.
    fn phone(&mut self) {
        match self.rng.below(4) {
            0 => self.s("0113 496 0"),
            1 => self.s("07700 900"),
            2 => self.s("020 7946 0"),
            _ => self.s("0161 496 0"),
        }
        self.rnum(0, 999, 3);
    }

    fn postcode(&mut self) {
        self.word(POSTCODE_AREAS);
        self.rnum(1, 28, 1);
        self.s(" ");
        self.rnum(1, 9, 1);
        self.token(b"ABDEFGHJLNPQRSTUWXYZ", 2);
    }

    fn prose(&mut self, min: u64, max: u64) {
        self.word(CAPITALISED);
        let n = self.rng.range(min, max);
        for _ in 0..n {
            self.s(" ");
            if self.chance(1, 14) {
                self.rnum(1, 999, 1);
            } else {
                self.word(WORDS);
            }
        }
        self.s(".");
    }

    /// A random written form; `tab` and `nbsp` allow those separators.
    fn form(&mut self, tab: bool, nbsp: bool) -> Form {
        match self.rng.below(20) {
            0..=8 => Form::Contiguous,
            9..=13 => Form::Grouped(" "),
            14..=16 => Form::Grouped("-"),
            17 => Form::Grouped("."),
            18 if tab => Form::Grouped("\t"),
            19 if nbsp => Form::Grouped(NBSP),
            _ => Form::Grouped(" "),
        }
    }

    fn write_id(&mut self, id: &str, form: Form) {
        match form {
            Form::Contiguous => self.s(id),
            Form::Grouped(sep) => {
                self.s(&id[..3]);
                self.s(sep);
                self.s(&id[3..6]);
                self.s(sep);
                self.s(&id[6..]);
            }
        }
    }

    /// Writes an identifier of `kind` in `form` and counts it.
    fn id(&mut self, kind: IdKind, form: Form) {
        let id = self.rng.generate(kind);
        self.write_id(&id, form);
        self.rec_planted.count(kind);
    }

    /// Writes a decoy: an identifier of `kind` with a check digit that
    /// fails both checksums.
    fn decoy(&mut self, kind: IdKind, form: Form) {
        let valid = self.rng.generate(kind);
        let bad = self.rng.invalid_checksum(&valid);
        self.write_id(&bad, form);
        self.rec_planted.decoys += 1;
    }

    /// A kind drawn with weights nhs 50, synthetic 20, chi 15, hc 15 (%).
    fn mixed_kind(&mut self) -> IdKind {
        match self.rng.below(20) {
            0..=9 => IdKind::Nhs,
            10..=13 => IdKind::Synthetic,
            14..=16 => IdKind::Chi,
            _ => IdKind::Hc,
        }
    }

    /// A context phrase for `kind`, or (half the time) a neutral one.
    fn key(&mut self, kind: IdKind) -> &'static str {
        if self.chance(1, 2) {
            return self.pick(PLAIN_KEYS);
        }
        self.pick(match kind {
            IdKind::Hc => HC_KEYS,
            IdKind::Chi | IdKind::Chi10 => CHI_KEYS,
            IdKind::Nhs | IdKind::Synthetic => NHS_KEYS,
        })
    }
}

// ---------------------------------------------------------------- web

/// Web traffic with an identifier about every `gap` bytes (none when
/// `None`) and a decoy about every [`DECOY_GAP`] bytes.
fn web(w: &mut W, len: usize, gap: Option<usize>) {
    let mut sched = Sched {
        next_id: gap.map(|g| w.rng.below(2 * g as u64) as usize),
        gap,
        next_decoy: w.rng.below(2 * DECOY_GAP as u64) as usize,
    };
    loop {
        match w.rng.below(10) {
            0..=4 => w.http_response(&mut sched, Body::Html),
            5..=6 => w.http_response(&mut sched, Body::Json),
            7 => w.http_response(&mut sched, Body::Text),
            _ => w.http_request(&mut sched),
        }
        if !w.commit(len) {
            break;
        }
    }
}

/// When the next identifier and decoy are due, as absolute positions.
struct Sched {
    next_id: Option<usize>,
    gap: Option<usize>,
    next_decoy: usize,
}

/// What the next element of a body should carry.
enum Due {
    Id,
    Decoy,
    Nothing,
}

impl Sched {
    fn due(&mut self, w: &mut W) -> Due {
        let pos = w.pos();
        if let (Some(next), Some(gap)) = (self.next_id, self.gap) {
            if pos >= next {
                self.next_id =
                    Some(pos + w.rng.below(2 * gap as u64) as usize);
                return Due::Id;
            }
        }
        if pos >= self.next_decoy {
            self.next_decoy = pos + w.rng.below(2 * DECOY_GAP as u64) as usize;
            return Due::Decoy;
        }
        Due::Nothing
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    Html,
    Json,
    Text,
}

impl W {
    /// Writes an identifier (or a decoy) in a random form.
    fn plant(&mut self, due: &Due, tab: bool, nbsp: bool) {
        let kind = self.mixed_kind();
        let form = self.form(tab, nbsp);
        match due {
            Due::Decoy => self.decoy(kind, form),
            _ => self.id(kind, form),
        }
    }

    fn http_response(&mut self, sched: &mut Sched, body: Body) {
        // The body first, then the headers with its exact length in front.
        let elements = self.rng.range(4, 40);
        let ctype = match body {
            Body::Html => {
                self.s("<!doctype html>\n<html lang=\"en\"><head><title>");
                self.word(CAPITALISED);
                self.s(" | Patient portal</title>\n<link rel=\"stylesheet\" \
                        href=\"/static/app.");
                self.hex(8);
                self.s(
                    ".css\">\n</head>\n<body>\n<main class=\"container\">\n",
                );
                for _ in 0..elements {
                    match sched.due(self) {
                        Due::Nothing => self.html_element(),
                        due => self.html_plant(&due),
                    }
                }
                self.s("</main>\n<script src=\"/static/app.");
                self.hex(8);
                self.s(".js\" integrity=\"sha384-");
                self.b64(64);
                self.s("\"></script>\n</body></html>\n");
                "text/html; charset=utf-8"
            }
            Body::Json => {
                self.json_body(sched, elements);
                "application/json"
            }
            Body::Text => {
                for _ in 0..elements {
                    match sched.due(self) {
                        Due::Nothing => self.prose(8, 30),
                        due => {
                            let kind = self.mixed_kind();
                            let key = self.key(kind);
                            self.s(key);
                            self.plant(&due, true, false);
                            self.s(" noted.");
                        }
                    }
                    self.s("\n");
                }
                "text/plain; charset=utf-8"
            }
        };
        let body = std::mem::take(&mut self.rec);
        self.s("HTTP/1.1 200 OK\r\nDate: ");
        self.word(DAYS);
        self.s(", ");
        self.rnum(1, 28, 2);
        self.s(" ");
        self.word(MONTHS);
        self.s(" 2024 ");
        self.clock();
        self.s(" GMT\r\nServer: nginx\r\nContent-Type: ");
        self.s(ctype);
        self.s("\r\nContent-Length: ");
        self.num(body.len() as u64, 1);
        self.s("\r\nCache-Control: private, max-age=");
        self.rnum(0, 86_400, 1);
        self.s("\r\nETag: W/\"");
        self.hex(24);
        self.s("\"\r\nSet-Cookie: sid=");
        self.b64(32);
        self.s("; Path=/; Secure; HttpOnly; SameSite=Lax\r\nX-Request-Id: ");
        self.uuid();
        self.s("\r\n\r\n");
        self.rec.extend_from_slice(&body);
    }

    fn http_request(&mut self, sched: &mut Sched) {
        let post = self.chance(1, 3);
        let mut body = Vec::new();
        if post {
            let items = self.rng.range(1, 6);
            let head = std::mem::take(&mut self.rec);
            self.json_body(sched, items);
            body = std::mem::replace(&mut self.rec, head);
        }
        self.s(if post { "POST /api/v2/" } else { "GET /api/v2/" });
        self.word(RESOURCES);
        if !post {
            self.s("?page=");
            self.rnum(1, 500, 1);
            self.s("&size=50&sort=updated&since=2024-");
            self.rnum(1, 12, 2);
            self.s("-");
            self.rnum(1, 28, 2);
        }
        self.s(" HTTP/1.1\r\nHost: portal.example.nhs.uk\r\nUser-Agent: ");
        self.word(AGENTS);
        self.s("\r\nAccept: application/json, text/plain, */*\r\n\
                Accept-Language: en-GB,en;q=0.9\r\nCookie: sid=");
        self.b64(32);
        self.s("; _ga=GA1.2.");
        self.rnum(100_000_000, 999_999_999, 9);
        self.s(".");
        self.rnum(100_000_000, 999_999_999, 9);
        self.s("\r\nX-Correlation-Id: ");
        self.uuid();
        if post {
            self.s("\r\nContent-Type: application/json\r\nContent-Length: ");
            self.num(body.len() as u64, 1);
        }
        self.s("\r\n\r\n");
        self.rec.extend_from_slice(&body);
    }

    fn html_element(&mut self) {
        match self.rng.below(8) {
            0..=2 => {
                self.s("<p class=\"lead\">");
                self.prose(10, 40);
                self.s("</p>\n");
            }
            3 => {
                self.s("<ul class=\"nav\">\n");
                for _ in 0..self.rng.range(2, 6) {
                    self.s("  <li><a href=\"/clinics/");
                    self.rnum(1, 99_999, 1);
                    self.s("/appointments?page=");
                    self.rnum(1, 40, 1);
                    self.s("&amp;sort=date\">");
                    self.word(CAPITALISED);
                    self.s(" ");
                    self.word(WORDS);
                    self.s("</a></li>\n");
                }
                self.s("</ul>\n");
            }
            4 => {
                self.s("<table class=\"table\">\n");
                for _ in 0..self.rng.range(2, 8) {
                    self.s("<tr><td>");
                    self.word(SURNAMES);
                    self.s("</td><td>");
                    self.dmy("/");
                    self.s("</td><td>&pound;");
                    self.price();
                    self.s("</td><td>Ward ");
                    self.rnum(1, 40, 1);
                    self.s(", bed ");
                    self.rnum(1, 30, 1);
                    self.s("</td></tr>\n");
                }
                self.s("</table>\n");
            }
            5 => {
                self.s("<img src=\"/img/");
                self.hex(16);
                self.s(".webp\" width=\"");
                self.rnum(16, 1920, 1);
                self.s("\" height=\"");
                self.rnum(16, 1080, 1);
                self.s("\" alt=\"");
                self.word(WORDS);
                self.s("\" loading=\"lazy\">\n");
            }
            6 => {
                self.s("<div class=\"col-md-");
                self.rnum(1, 12, 1);
                self.s(" mt-");
                self.rnum(0, 5, 1);
                self.s("\" style=\"color:#");
                self.hex(6);
                self.s(";width:");
                self.rnum(1, 100, 1);
                self.s("%\" data-id=\"");
                self.rnum(1, 99_999_999, 1);
                self.s("\">");
                self.prose(3, 10);
                self.s("</div>\n");
            }
            _ => {
                self.s("<p class=\"contact\">Call ");
                self.word(SURNAMES);
                self.s(" on ");
                self.phone();
                self.s(" or ");
                self.phone();
                self.s(" between 09:00 and 17:00.</p>\n");
            }
        }
    }

    fn html_plant(&mut self, due: &Due) {
        match self.rng.below(4) {
            0 => {
                self.s("<tr><td>NHS number</td><td>");
                self.plant(due, false, true);
                self.s("</td></tr>\n");
            }
            1 => {
                self.s("<input type=\"hidden\" name=\"patient_ref\" value=\"");
                self.plant(due, false, false);
                self.s("\">\n");
            }
            2 => {
                self.s("<p>Letter for ");
                self.word(SURNAMES);
                self.s(", ");
                let kind = self.mixed_kind();
                let key = self.key(kind);
                self.s(key);
                self.plant(due, false, true);
                self.s(", sent to the surgery.</p>\n");
            }
            _ => {
                self.s("<span class=\"ref\">");
                self.plant(due, false, true);
                self.s("</span>\n");
            }
        }
    }

    fn json_body(&mut self, sched: &mut Sched, items: u64) {
        self.s("{\"data\":[");
        for i in 0..items {
            if i > 0 {
                self.s(",");
            }
            self.s("{\"id\":");
            self.rnum(1, 999_999_999, 1);
            self.s(",\"uuid\":\"");
            self.uuid();
            self.s("\",\"name\":\"");
            self.word(SURNAMES);
            self.s("\",\"updated\":\"");
            self.iso_time();
            self.s("\",\"score\":");
            self.rnum(0, 99, 1);
            self.s(".");
            self.rnum(0, 999, 1);
            self.s(",\"tags\":[\"");
            self.word(WORDS);
            self.s("\",\"");
            self.word(WORDS);
            self.s("\"]");
            match sched.due(self) {
                Due::Nothing => {
                    self.s(",\"phone\":\"");
                    self.phone();
                    self.s("\"");
                }
                due => {
                    self.s(",\"patient\":{\"nhsNumber\":\"");
                    self.plant(&due, false, false);
                    self.s("\",\"verified\":true}");
                }
            }
            self.s("}");
        }
        self.s("],\"page\":");
        self.rnum(1, 500, 1);
        self.s(",\"total\":");
        self.rnum(1, 99_999, 1);
        self.s("}\n");
    }
}

// ---------------------------------------------------------------- dense

impl W {
    /// `Surname, Forename | DOB dd/mm/yyyy | <id> | Ward n bed n`.
    fn ward_line(&mut self) {
        self.word(SURNAMES);
        self.s(", ");
        self.word(FORENAMES);
        self.s(" | DOB ");
        self.dmy("/");
        self.s(" | ");
        let form = self.form(true, true);
        match self.rng.below(20) {
            0..=2 => {
                let kind = self.mixed_kind();
                let key = self.key(kind);
                self.s(key);
                self.decoy(kind, form);
            }
            3 => {
                self.s("CHI ");
                self.id(IdKind::Chi10, form);
            }
            _ => {
                let kind = self.mixed_kind();
                let key = self.key(kind);
                self.s(key);
                self.id(kind, form);
            }
        }
        self.s(" | Ward ");
        self.rnum(1, 40, 1);
        self.s(" bed ");
        self.rnum(1, 30, 1);
        self.s("\n");
    }
}

// ---------------------------------------------------------------- csv

const CSV_HEADER: &str = "row_id,surname,forename,date_of_birth,sex,\
                          nhs_number,other_id,postcode,phone,admitted_ms,\
                          length_of_stay,cost_gbp,ward\n";

impl W {
    fn csv_row(&mut self) {
        self.rnum(1, 9_999_999, 1);
        self.s(",");
        self.word(SURNAMES);
        self.s(",");
        self.word(FORENAMES);
        self.s(",");
        if self.chance(1, 2) {
            self.dmy("/");
        } else {
            self.iso_date();
        }
        self.either(",F,", ",M,");
        let kind =
            if self.chance(1, 5) { IdKind::Synthetic } else { IdKind::Nhs };
        match self.rng.below(25) {
            0 => {}
            1..=2 => self.decoy(kind, Form::Contiguous),
            3..=5 => {
                self.s("\"");
                let form = self.form(true, true);
                self.id(kind, form);
                self.s("\"");
            }
            _ => self.id(kind, Form::Contiguous),
        }
        self.s(",");
        match self.rng.below(10) {
            0 => self.id(IdKind::Chi, Form::Contiguous),
            1 => self.id(IdKind::Hc, Form::Contiguous),
            2..=6 => {
                self.s("RXH");
                self.rnum(0, 9_999_999, 7);
            }
            _ => {}
        }
        self.s(",");
        self.postcode();
        self.s(",");
        self.phone();
        self.s(",");
        self.epoch_ms();
        self.s(",");
        self.rnum(0, 60, 1);
        self.s(",");
        self.price();
        self.s(",");
        self.word(WARDS);
        self.s("\n");
    }
}

// ---------------------------------------------------------------- hl7

impl W {
    fn hl7_message(&mut self) {
        let adt = self.chance(2, 3);
        self.s("\x0bMSH|^~\\&|PAS|RXH01|EPR|RXH01|");
        self.hl7_ts();
        self.s("||");
        self.s(if adt { "ADT^A0" } else { "ORU^R01^ORU_R01" });
        if adt {
            self.rnum(1, 8, 1);
        }
        self.s("|MSG");
        self.rnum(0, 99_999_999, 8);
        self.s("|P|2.4\rEVN|A01|");
        self.hl7_ts();
        self.s("\rPID|1||");
        let kind = match self.rng.below(20) {
            0..=12 => IdKind::Nhs,
            13..=14 => IdKind::Synthetic,
            15..=17 => IdKind::Chi,
            _ => IdKind::Hc,
        };
        let form = if self.chance(1, 10) {
            Form::Grouped(" ")
        } else {
            Form::Contiguous
        };
        let authority = match kind {
            IdKind::Chi | IdKind::Chi10 => "^^^CHI^NI",
            IdKind::Hc => "^^^HSCNI^NI",
            IdKind::Nhs | IdKind::Synthetic => "^^^NHS^NH",
        };
        if self.chance(1, 20) {
            self.decoy(kind, form);
        } else {
            self.id(kind, form);
        }
        self.s(authority);
        self.s("~RXH");
        self.rnum(0, 9_999_999, 7);
        self.s("^^^RXH^MR||");
        self.word(SURNAMES_UPPER);
        self.s("^");
        self.word(FORENAMES_UPPER);
        self.s("^^^");
        self.either("MR", "MS");
        self.s("||");
        self.rnum(1930, 2024, 4);
        self.rnum(1, 12, 2);
        self.rnum(1, 28, 2);
        self.either("|F|||", "|M|||");
        self.rnum(1, 200, 1);
        self.s(" ");
        self.word(STREETS);
        self.s("^^");
        self.word(TOWNS);
        self.s("^^");
        self.postcode();
        self.s("^GBR||");
        if self.chance(1, 2) {
            self.s("0113");
            self.rnum(4_960_000, 4_960_999, 7);
        } else {
            self.phone();
        }
        self.s("^PRN^PH\rPV1|1|I|WARD");
        self.rnum(1, 40, 1);
        self.s("^BED");
        self.rnum(1, 30, 1);
        self.s("^RXH01||||C");
        self.rnum(0, 9_999_999, 7);
        self.s("^");
        self.word(SURNAMES_UPPER);
        self.s("^");
        self.word(FORENAMES_UPPER);
        self.s("^^^DR|||||||||||V");
        self.rnum(0, 9_999_999, 7);
        self.s("\r");
        if self.chance(1, 3) {
            self.s("NK1|1|");
            self.word(SURNAMES_UPPER);
            self.s("^");
            self.word(FORENAMES_UPPER);
            self.s("|SPO^Spouse|||");
            self.phone();
            self.s("\r");
        }
        if !adt {
            self.s("OBR|1|");
            self.rnum(0, 99_999_999, 8);
            self.s("|");
            self.rnum(0, 99_999_999, 8);
            self.s("|58410-2^CBC panel^LN|||");
            self.hl7_ts();
            self.s("\r");
            for i in 1..=self.rng.range(2, 8) {
                let (code, name, unit, lo, hi) =
                    OBX_TESTS[self.rng.below(OBX_TESTS.len() as u64) as usize];
                self.s("OBX|");
                self.num(i, 1);
                self.s("|NM|");
                self.s(code);
                self.s("^");
                self.s(name);
                self.s("^LN||");
                self.rnum(lo, hi, 1);
                self.s("|");
                self.s(unit);
                self.s("|");
                self.num(lo, 1);
                self.s("-");
                self.num(hi, 1);
                self.s("|N|||F|||");
                self.hl7_ts();
                self.s("\r");
            }
        }
        self.s("\x1c\r");
    }
}

// ---------------------------------------------------------------- fhir

impl W {
    fn fhir_bundle(&mut self) {
        let entries = self.rng.range(2, 12);
        self.s("{\n  \"resourceType\": \"Bundle\",\n  \"id\": \"");
        self.uuid();
        self.s("\",\n  \"meta\": { \"lastUpdated\": \"");
        self.iso_time();
        self.s("\" },\n  \"type\": \"searchset\",\n  \"total\": ");
        self.num(entries, 1);
        self.s(",\n  \"link\": [ { \"relation\": \"self\", \"url\": \
                \"https://fhir.example.nhs.uk/R4/Patient?_count=");
        self.num(entries, 1);
        self.s("&_page=");
        self.rnum(1, 400, 1);
        self.s("\" } ],\n  \"entry\": [\n");
        for i in 0..entries {
            if i > 0 {
                self.s(",\n");
            }
            self.s("    {\n      \"fullUrl\": \"urn:uuid:");
            self.uuid();
            self.s("\",\n      \"resource\": {\n");
            match self.rng.below(5) {
                0..=1 => self.fhir_patient(),
                2..=3 => self.fhir_observation(),
                _ => self.fhir_encounter(),
            }
            self.s("      }\n    }");
        }
        self.s("\n  ]\n}\n");
    }

    fn fhir_patient(&mut self) {
        self.s("        \"resourceType\": \"Patient\",\n        \"id\": \"");
        self.uuid();
        self.s("\",\n        \"identifier\": [\n          {\n");
        let kind = match self.rng.below(10) {
            0..=5 => IdKind::Nhs,
            6 => IdKind::Synthetic,
            7..=8 => IdKind::Chi,
            _ => IdKind::Hc,
        };
        self.s("            \"system\": \"");
        self.s(match kind {
            IdKind::Chi | IdKind::Chi10 => "https://fhir.nhs.scot/Id/chi",
            IdKind::Hc => "https://fhir.hscni.net/Id/hcn",
            IdKind::Nhs | IdKind::Synthetic => {
                "https://fhir.nhs.uk/Id/nhs-number"
            }
        });
        self.s("\",\n            \"value\": \"");
        if self.chance(1, 25) {
            self.decoy(kind, Form::Contiguous);
        } else {
            self.id(kind, Form::Contiguous);
        }
        self.s("\"\n          }\n        ],\n        \"name\": [ { \
                \"use\": \"official\", \"family\": \"");
        self.word(SURNAMES);
        self.s("\", \"given\": [ \"");
        self.word(FORENAMES);
        self.s("\" ] } ],\n        \"gender\": \"");
        self.either("female", "male");
        self.s("\",\n        \"birthDate\": \"");
        self.iso_date();
        self.s("\",\n        \"telecom\": [ { \"system\": \"phone\", \
                \"value\": \"");
        self.phone();
        self.s("\", \"use\": \"home\" } ],\n        \"address\": [ { \
                \"line\": [ \"");
        self.rnum(1, 200, 1);
        self.s(" ");
        self.word(STREETS);
        self.s("\" ], \"city\": \"");
        self.word(TOWNS);
        self.s("\", \"postalCode\": \"");
        self.postcode();
        self.s("\" } ]\n");
    }

    fn fhir_observation(&mut self) {
        let (code, name, unit, lo, hi) =
            OBX_TESTS[self.rng.below(OBX_TESTS.len() as u64) as usize];
        self.s(
            "        \"resourceType\": \"Observation\",\n        \"id\": \"",
        );
        self.uuid();
        self.s("\",\n        \"status\": \"final\",\n        \"code\": { \
                \"coding\": [ { \"system\": \"http://loinc.org\", \
                \"code\": \"");
        self.s(code);
        self.s("\", \"display\": \"");
        self.s(name);
        self.s("\" } ] },\n        \"subject\": { \"reference\": \
                \"urn:uuid:");
        self.uuid();
        self.s("\" },\n        \"effectiveDateTime\": \"");
        self.iso_time();
        self.s("\",\n        \"valueQuantity\": { \"value\": ");
        self.rnum(lo, hi, 1);
        self.s(".");
        self.rnum(0, 9, 1);
        self.s(", \"unit\": \"");
        self.s(unit);
        self.s("\", \"system\": \"http://unitsofmeasure.org\" }\n");
    }

    fn fhir_encounter(&mut self) {
        self.s("        \"resourceType\": \"Encounter\",\n        \"id\": \"");
        self.uuid();
        self.s(
            "\",\n        \"status\": \"finished\",\n        \"class\": { \
                \"code\": \"AMB\" },\n        \"period\": { \"start\": \"",
        );
        self.iso_time();
        self.s("\", \"end\": \"");
        self.iso_time();
        self.s("\" },\n        \"serviceProvider\": { \"display\": \"");
        self.word(TOWNS);
        self.s(
            " General Hospital\" },\n        \"reasonCode\": [ { \"text\": \"",
        );
        self.prose(3, 8);
        self.s("\" } ]\n");
    }
}

// ---------------------------------------------------------------- binary

fn binary(w: &mut W, len: usize) {
    loop {
        // Random bytes, then (one time in 16) an embedded identifier: on
        // average one per 16 * 4 KiB = BINARY_GAP bytes.
        let n = w.rng.range(1024, 7 * 1024) as usize;
        while w.rec.len() < n {
            let x = w.rng.next_u64().to_le_bytes();
            w.rec.extend_from_slice(&x);
        }
        if w.chance(4096, BINARY_GAP as u64) {
            let kind = w.mixed_kind();
            let form = w.form(true, true);
            match w.rng.below(3) {
                0 => {
                    w.s("\n(NHS No ");
                    w.id(kind, form);
                    w.s(") Tj\n");
                }
                1 => {
                    w.s("\0patient_id\0");
                    w.id(kind, form);
                    w.s("\0");
                }
                _ => {
                    w.s("\r\n<ref>");
                    w.id(kind, form);
                    w.s("</ref>\r\n");
                }
            }
        }
        if !w.commit(len) {
            break;
        }
    }
}

// ---------------------------------------------------------------- words

const SURNAMES_UPPER: &[&str] = &[
    "SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "PATEL",
    "KHAN", "MURRAY", "CAMPBELL", "KELLY", "EVANS", "WALKER",
];

const FORENAMES: &[&str] = &[
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia",
    "Jack", "Grace", "Mohammed", "Sophie", "Aisha", "Thomas", "Eilidh",
];

const FORENAMES_UPPER: &[&str] = &[
    "OLIVER", "AMELIA", "GEORGE", "ISLA", "HARRY", "AVA", "NOAH", "MIA",
    "JACK", "GRACE", "MOHAMMED", "SOPHIE",
];

const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "Queen Street",
];

const TOWNS: &[&str] = &[
    "Leeds",
    "Glasgow",
    "Belfast",
    "Cardiff",
    "Manchester",
    "Bristol",
    "Dundee",
    "Derry",
    "Norwich",
    "York",
];

const POSTCODE_AREAS: &[&str] =
    &["LS", "G", "BT", "CF", "M", "BS", "DD", "NR", "YO", "EH"];

const WARDS: &[&str] =
    &["Ward 7", "AMU", "ICU", "Maternity", "Oncology", "Day Surgery"];

const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const RESOURCES: &[&str] = &[
    "appointments",
    "referrals",
    "patients/search",
    "results",
    "messages",
    "documents",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, \
     like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 \
     (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "python-requests/2.32.3",
    "curl/8.8.0",
];

/// LOINC code, name, unit and a plausible range.
const OBX_TESTS: &[(&str, &str, &str, u64, u64)] = &[
    ("8867-4", "Heart rate", "/min", 40, 160),
    ("718-7", "Hemoglobin", "g/L", 80, 180),
    ("6690-2", "WBC", "10*9/L", 2, 20),
    ("2160-0", "Creatinine", "umol/L", 40, 400),
    ("8480-6", "Systolic BP", "mm[Hg]", 80, 200),
    ("2345-7", "Glucose", "mmol/L", 3, 25),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::tests::digit_runs;
    use crate::gen::{mod10_valid, mod11_valid};

    /// The ten digits of every identifier-shaped number: a run of exactly
    /// ten digits, or runs of 3, 3 and 4 digits joined by one separator
    /// used twice. Ignores the boundary rules, which the generator keeps
    /// away from.
    fn shaped(b: &[u8]) -> Vec<Vec<u8>> {
        let runs = digit_runs(b);
        let mut out = Vec::new();
        for &(s, e) in &runs {
            if e - s == 10 {
                out.push(b[s..e].to_vec());
            }
        }
        let seps: [&[u8]; 5] = [b" ", b"-", b".", b"\t", NBSP.as_bytes()];
        for w in runs.windows(3) {
            let [(s0, e0), (s1, e1), (s2, e2)] = [w[0], w[1], w[2]];
            if (e0 - s0, e1 - s1, e2 - s2) != (3, 3, 4) {
                continue;
            }
            let (g1, g2) = (&b[e0..s1], &b[e1..s2]);
            if g1 == g2 && seps.contains(&g1) {
                let mut d = b[s0..e0].to_vec();
                d.extend_from_slice(&b[s1..e1]);
                d.extend_from_slice(&b[s2..e2]);
                out.push(d);
            }
        }
        out
    }

    #[test]
    fn exact_length_and_deterministic() {
        for shape in Shape::ALL {
            for len in [0, 1, 100, 5000, 100_000] {
                let a = shape.generate(3, len);
                assert_eq!(a.bytes.len(), len, "{shape}");
                assert_eq!(a, shape.generate(3, len), "{shape}");
            }
            assert_ne!(
                shape.generate(1, 50_000).bytes,
                shape.generate(2, 50_000).bytes,
                "{shape}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for shape in Shape::ALL {
            assert_eq!(Shape::from_name(shape.name()), Some(shape));
        }
        assert_eq!(Shape::from_name("html"), None);
    }

    /// Every identifier-shaped number is one that was planted: as many
    /// pass a checksum as were planted, and the rest are the decoys.
    #[test]
    fn shaped_numbers_are_exactly_the_planted_ones() {
        for shape in Shape::ALL {
            for seed in [1, 2, 3] {
                let c = shape.generate(seed, 1 << 20);
                let shaped = shaped(&c.bytes);
                let valid = shaped
                    .iter()
                    .filter(|d| mod11_valid(d) || mod10_valid(d))
                    .count();
                assert_eq!(valid, c.planted.total(), "{shape} seed {seed}");
                assert_eq!(
                    shaped.len() - valid,
                    c.planted.decoys,
                    "{shape} seed {seed}"
                );
            }
        }
    }

    #[test]
    fn densities() {
        let mib = 4 << 20;
        let per = |shape: Shape| {
            let c = shape.generate(7, mib);
            (c.planted, mib / c.planted.total().max(1))
        };
        let (p, gap) = per(Shape::Web);
        assert!(gap > WEB_GAP / 2 && gap < WEB_GAP * 2, "web: {gap}");
        assert!(p.nhs > 0 && p.synthetic > 0 && p.hc > 0 && p.chi > 0);
        assert!(p.decoys > 0);
        let (p, _) = per(Shape::NoHit);
        assert_eq!(p.total(), 0);
        assert!(p.decoys > mib / DECOY_GAP / 2);
        let (_, gap) = per(Shape::Rare);
        assert!(gap > RARE_GAP / 2 && gap < RARE_GAP * 2, "rare: {gap}");
        let (p, gap) = per(Shape::Dense);
        assert!(gap < 100 && p.chi10 > 0, "dense: {gap}");
        let (_, gap) = per(Shape::Csv);
        assert!(gap < 200, "csv: {gap}");
        let (_, gap) = per(Shape::Hl7);
        assert!(gap < 2000, "hl7: {gap}");
        let (_, gap) = per(Shape::Fhir);
        assert!(gap < 8000, "fhir: {gap}");
        let (_, gap) = per(Shape::Binary);
        assert!(gap > BINARY_GAP / 2 && gap < BINARY_GAP * 2, "binary: {gap}");
    }

    #[test]
    fn text_shapes_are_utf8() {
        for shape in Shape::ALL {
            if matches!(shape, Shape::Binary | Shape::Hl7) {
                continue;
            }
            let c = shape.generate(5, 1 << 18);
            assert!(std::str::from_utf8(&c.bytes).is_ok(), "{shape}");
        }
    }
}
