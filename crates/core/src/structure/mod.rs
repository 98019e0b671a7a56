//! Structure awareness: trackers that follow the shape of the input (a CSV
//! export's columns, HL7 v2 segments and fields, JSON and XML element
//! paths, DICOM data elements) byte by byte, so that a candidate can be
//! judged by the field it sits in, and so that names and records, which
//! have no shape of their own, can be found at all.
//!
//! Every tracker is a byte-sequential state machine with bounded state: the
//! scan advances it to each trigger position and to the end of each region,
//! always in input order, so its answers never depend on chunking. A
//! tracker recognises its format from the start of the input (a CSV header
//! line, `{` or `[`, `<`, `MSH`, `DICM` at offset 128); on any other input,
//! or when the input stops making sense as its format, it goes dormant and
//! costs nothing more: malformed structure degrades to plain-text scanning.

pub(crate) mod csv;
pub(crate) mod dicom;
pub(crate) mod hl7;
pub(crate) mod json;
pub(crate) mod xml;

use crate::finding::Finding;
use crate::notice::Notice;

/// Longest field value a tracker keeps to report it (a person's name) or
/// to judge other fields by (a FHIR `system` URI, a CDA `root` OID, an
/// HL7 authority). Names and system URIs are tens of bytes; a longer
/// value is not one of them, and the limit bounds each tracker's memory.
pub const MAX_FIELD_VALUE_LEN: usize = 256;

/// Deepest JSON or XML nesting followed. FHIR Bundles nest about ten
/// levels; past the limit the tracker goes dormant (and says so), so a
/// deeply nested document costs bounded memory.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Bytes after a candidate's end that a tracker may read to judge it: the
/// rest of its field, where the HL7 authority (`^^^NHS^NH`) or a FHIR
/// `system` written after the `value` would be. Part of the scan's
/// look-ahead, so streams see the same bytes as one-shot scans.
pub const STRUCTURE_LOOKAHEAD: usize = 96;

/// What the field around a candidate says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldRole {
    /// No structure, or a field that says nothing.
    None,
    /// A field named for a health identifier (a CSV column headed "NHS
    /// Number", HL7 PID-3 with authority `NHS`, a FHIR identifier with an
    /// NHS system, a CDA id with the NHS OID, DICOM PatientID):
    /// corroborates any valid number in it.
    Identifier {
        /// The field names a CHI number, which is also CHI context for a
        /// Modulus-10-only number.
        chi: bool,
    },
    /// A field that says its value is something else (an order id, a
    /// timestamp, an ISBN, a phone number, an HL7 message control id, a
    /// visit number): demotes a valid number to `low`.
    Other,
    /// A date-of-birth field (HL7 PID-7, FHIR `birthDate`, CDA
    /// `birthTime`, DICOM PatientBirthDate, a DOB column): a date in it is
    /// a `date_of_birth`.
    BirthDate,
    /// An address or postcode field: a postcode in it is patient data.
    Address,
    /// A coded clinical field (a SNOMED CT or ICD-10 coding): a code in it
    /// is reported without a keyword nearby.
    ClinicalCode,
}

/// What a field's name (a CSV header cell, a JSON key, an XML element or
/// attribute name) says about its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRole {
    /// A role for numbers, dates and postcodes in the field.
    Field(FieldRole),
    /// The field holds a person's name: its value is a `person_name`.
    PersonName,
}

/// Normalised names (ASCII letters and digits, lower case) that name a
/// CHI number field.
const CHI_NAMES: [&str; 5] = ["chi", "chino", "chinumber", "chinum", "chiid"];

/// Normalised names that name an H&C number field.
const HC_NAMES: [&str; 5] =
    ["hcn", "hcno", "hcnumber", "hscnumber", "healthandcarenumber"];

/// Parts of normalised names that say a field holds something other than a
/// health identifier.
const OTHER_PARTS: [&str; 12] = [
    "order",
    "invoice",
    "isbn",
    "timestamp",
    "phone",
    "mobile",
    "account",
    "transaction",
    "meeting",
    "epoch",
    "visit",
    "accession",
];

/// Whole normalised names that say the same.
const OTHER_NAMES: [&str; 5] = ["tel", "ts", "time", "telephone", "created"];

/// Whole normalised names of date-of-birth fields.
const BIRTH_NAMES: [&str; 6] = [
    "dob",
    "dateofbirth",
    "birthdate",
    "birthday",
    "patientbirthdate",
    "birthtime",
];

/// Parts of normalised names of address fields.
const ADDRESS_PARTS: [&str; 3] = ["postcode", "postalcode", "address"];

/// Whole normalised names of person-name fields. `name` alone is not one:
/// products and files have names too.
const PERSON_NAMES: [&str; 10] = [
    "surname",
    "forename",
    "forenames",
    "firstname",
    "lastname",
    "givenname",
    "familyname",
    "patientname",
    "fullname",
    "middlename",
];

/// What a field's name says about its values; `raw` is the name as
/// written (`NHS Number`, `orderId`, `date_of_birth`).
pub(crate) fn classify_name(raw: &[u8]) -> NameRole {
    let name: String = raw
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    let name = name.as_str();
    let chi = CHI_NAMES.contains(&name);
    let field = if chi || name.contains("nhs") || HC_NAMES.contains(&name) {
        FieldRole::Identifier { chi }
    } else if OTHER_PARTS.iter().any(|p| name.contains(p))
        || OTHER_NAMES.contains(&name)
    {
        FieldRole::Other
    } else if BIRTH_NAMES.contains(&name) {
        FieldRole::BirthDate
    } else if ADDRESS_PARTS.iter().any(|p| name.contains(p)) {
        FieldRole::Address
    } else if PERSON_NAMES.contains(&name) {
        return NameRole::PersonName;
    } else {
        FieldRole::None
    };
    NameRole::Field(field)
}

/// What a FHIR identifier `system` URI says about the identifier's `value`
/// (JSON and XML alike): `…/nhs-number` an NHS number, `…/chi-number` or a
/// `/chi` path segment (`https://fhir.nhs.scot/Id/chi`) a CHI number,
/// `hsc`, `hcn` or `health-and-care` an H&C number; any other system says
/// the value is something else.
pub(crate) fn identifier_system_role(system: &[u8]) -> FieldRole {
    // `/chi` ends a path segment: `/children-visit` is not a CHI system.
    let chi_path = system.windows(4).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"/chi")
            && !system.get(i + 4).is_some_and(u8::is_ascii_alphabetic)
    });
    if contains_ci(system, b"nhs-number") {
        FieldRole::Identifier { chi: false }
    } else if contains_ci(system, b"chi-number") || chi_path {
        FieldRole::Identifier { chi: true }
    } else if ["hsc", "hcn", "health-and-care"]
        .iter()
        .any(|n| contains_ci(system, n.as_bytes()))
    {
        FieldRole::Identifier { chi: false }
    } else {
        FieldRole::Other
    }
}

/// Whether `hay` contains `needle`, ASCII case-insensitively.
pub(crate) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// Bytes before a candidate read for a label attached to it in plain text
/// (`order=`, `ts=`, `Invoice no. `, `meeting ID is `): three words of up
/// to 16 bytes each and the separators around them.
pub const LABEL_LOOKBEHIND: usize = 60;

/// Longest label word read; a longer run of letters is prose, not a label.
const LABEL_WORD_LEN: usize = 16;

/// Words that only say "the number of the thing named before me":
/// `Order no.`, `Meeting ID:`, `Invoice number`, `the meeting ID is`. At
/// most two are skipped.
const LABEL_FILLERS: [&str; 8] =
    ["no", "number", "num", "nr", "id", "ref", "reference", "is"];

/// The role of a label attached to the candidate at `p` in plain text: the
/// word before it, joined by at most three of `=`, `:`, `#`, `.`, space or
/// tab (skipping up to two filler words such as `no.`, `ID` or `is`),
/// judged by its
/// name as a field name would be. A log's `order=6135720104` or a letter's
/// `Invoice no. 6155477507` is then demoted like an `order_id` column, and
/// `nhs=…` corroborated.
pub(crate) fn label_role(hay: &[u8], p: usize) -> FieldRole {
    let lo = p.saturating_sub(LABEL_LOOKBEHIND);
    let skip_separators = |mut i: usize| {
        let mut n = 0;
        while i > lo
            && n < 3
            && matches!(hay[i - 1], b' ' | b'\t' | b':' | b'=' | b'#' | b'.')
        {
            i -= 1;
            n += 1;
        }
        (i, n)
    };
    let word_before = |end: usize| {
        let mut i = end;
        while i > lo
            && end - i <= LABEL_WORD_LEN
            && (hay[i - 1].is_ascii_alphanumeric() || hay[i - 1] == b'_')
        {
            i -= 1;
        }
        // A word cut by the length limit or the look-behind is not one.
        let whole = i == 0 || !hay[i - 1].is_ascii_alphanumeric();
        (i, &hay[i..end], whole && end - i <= LABEL_WORD_LEN)
    };
    let (end, n) = skip_separators(p);
    if n == 0 {
        return FieldRole::None;
    }
    let (mut start, mut word, mut whole) = word_before(end);
    let is_filler = |w: &[u8]| {
        LABEL_FILLERS.iter().any(|f| w.eq_ignore_ascii_case(f.as_bytes()))
    };
    for _ in 0..2 {
        if !is_filler(word) {
            break;
        }
        let (end, n) = skip_separators(start);
        if n == 0 {
            return FieldRole::None;
        }
        (start, word, whole) = word_before(end);
    }
    if word.is_empty() || !whole {
        return FieldRole::None;
    }
    match classify_name(word) {
        NameRole::Field(role) => role,
        NameRole::PersonName => FieldRole::None,
    }
}

/// Bounded collection of a field's value.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldValue {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl FieldValue {
    /// Starts a new value.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.overflowed = false;
    }

    /// Appends bytes, up to [`MAX_FIELD_VALUE_LEN`].
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        let room = MAX_FIELD_VALUE_LEN - self.bytes.len();
        if bytes.len() > room {
            self.overflowed = true;
        }
        self.bytes.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The value, trimmed of whitespace, or `None` when it was longer than
    /// [`MAX_FIELD_VALUE_LEN`] (not a name or a URI) or is empty.
    pub(crate) fn get(&self) -> Option<&[u8]> {
        let v = self.bytes.trim_ascii();
        (!self.overflowed && !v.is_empty()).then_some(v)
    }
}

/// What every tracker does. The scan calls `advance` with strictly
/// increasing targets, then `finish` once at the end of the input.
pub(crate) trait Tracker {
    /// Follows the bytes from the tracker's position up to absolute offset
    /// `target`, pushing any finding that completes (a name whose field
    /// ended, a record that closed) to `out`. `hay` starts at absolute
    /// offset `base` and holds every byte from the tracker's position to
    /// `target`.
    fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    );

    /// The input ended at absolute offset `end` (the tracker has seen every
    /// byte): report what is still open (an HL7 message, a DICOM file).
    fn finish(&mut self, end: u64, out: &mut Output);

    /// The role of the field at the tracker's position, for a candidate
    /// followed by `after` (up to [`STRUCTURE_LOOKAHEAD`] bytes from the
    /// candidate's end, fewer at the end of the input).
    fn role(&self, after: &[u8]) -> FieldRole;

    /// Whether the tracker has given up on this input (not its format, or
    /// malformed): it will neither report nor judge anything again.
    fn is_dormant(&self) -> bool;

    /// Another tracker has recognised the input: go dormant, silently,
    /// dropping anything still open.
    fn stop_following(&mut self);

    /// The scan found a corroborated or uncorroborated (not demoted)
    /// health identifier at the tracker's position. CSV rows use it to
    /// count records.
    fn identifier_found(&mut self) {}
}

/// Where trackers put what they find: findings, and notices of limits
/// reached. Trackers push findings to `findings` and notices through
/// [`Output::notice`], which remembers where each notice falls among the
/// findings, so that [`Output::drain`] hands both on in the order they
/// were made, however many bytes the trackers were advanced at a time.
#[derive(Clone, Debug, Default)]
pub(crate) struct Output {
    /// Findings, in the order they completed.
    pub(crate) findings: Vec<Finding>,
    /// Limits reached and structure abandoned.
    pub(crate) notices: Vec<Notice>,
    /// For each notice, how many findings came before it.
    notice_after: Vec<usize>,
}

/// A finding or a notice, as [`Output::drain`] hands them on.
#[derive(Debug)]
pub(crate) enum Event {
    Finding(Finding),
    Notice(Notice),
}

impl Output {
    /// Records a notice after the findings made so far.
    pub(crate) fn notice(&mut self, notice: Notice) {
        self.notice_after.push(self.findings.len());
        self.notices.push(notice);
    }

    /// Empties the output, calling `each` with every finding and notice in
    /// the order they were made; stops calling it (but still empties)
    /// once it returns `false`. Returns `false` if it did.
    pub(crate) fn drain(
        &mut self,
        mut each: impl FnMut(Event) -> bool,
    ) -> bool {
        let mut go_on = true;
        let mut findings = self.findings.drain(..);
        let mut taken = 0;
        for (notice, after) in self.notices.drain(..).zip(&self.notice_after) {
            while taken < *after {
                let Some(f) = findings.next() else { break };
                taken += 1;
                go_on = go_on && each(Event::Finding(f));
            }
            go_on = go_on && each(Event::Notice(notice));
        }
        for f in findings {
            go_on = go_on && each(Event::Finding(f));
        }
        self.notice_after.clear();
        go_on
    }
}

/// Whether `b`, at absolute offset `pos`, may come before the first
/// significant byte of a structured input: ASCII whitespace, the MLLP
/// start byte (0x0B) and a UTF-8 byte-order mark at offsets 0–2.
pub(crate) fn is_leading_filler(b: u8, pos: u64) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0B)
        || (pos < 3 && b == [0xEF, 0xBB, 0xBF][pos as usize])
}

/// All the trackers, advanced together.
#[derive(Clone, Debug, Default)]
pub(crate) struct Structure {
    pub(crate) dicom: dicom::DicomTracker,
    pub(crate) hl7: hl7::Hl7Tracker,
    pub(crate) json: json::JsonTracker,
    pub(crate) xml: xml::XmlTracker,
    pub(crate) csv: csv::CsvTracker,
}

impl Structure {
    /// The trackers, most specific format first: the first that has a
    /// role for a field decides it.
    fn trackers(&mut self) -> [&mut dyn Tracker; 5] {
        [
            &mut self.dicom,
            &mut self.hl7,
            &mut self.json,
            &mut self.xml,
            &mut self.csv,
        ]
    }

    /// Advances every live tracker to `target`.
    ///
    /// At most one tracker reports anything at a time, so that what they
    /// report comes out in input order however far each call advances
    /// them: JSON, XML and HL7 v2 are told apart by the first significant
    /// byte, and a CSV header is never such a first line; a DICOM file is
    /// told by its magic at offset 128, after a preamble that may hold
    /// anything, even the start of another format. So every tracker is
    /// first advanced to the end of the magic, and if the input is a DICOM
    /// file the others stop there: a Part 10 file is DICOM, whatever its
    /// preamble says.
    pub(crate) fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        if self.dicom.in_preamble() {
            let magic_end = target.min(dicom::META_START);
            self.advance_live(hay, base, magic_end, out);
            if !self.dicom.in_preamble() && !self.dicom.is_dormant() {
                self.hl7.stop_following();
                self.json.stop_following();
                self.xml.stop_following();
                self.csv.stop_following();
            }
            if magic_end == target {
                return;
            }
        }
        self.advance_live(hay, base, target, out);
    }

    /// Advances every live tracker to `target`, in turn.
    fn advance_live(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        for t in self.trackers() {
            if !t.is_dormant() {
                t.advance(hay, base, target, out);
            }
        }
    }

    /// Ends the input at `end`.
    pub(crate) fn finish(&mut self, end: u64, out: &mut Output) {
        for t in self.trackers() {
            if !t.is_dormant() {
                t.finish(end, out);
            }
        }
    }

    /// The role of the field at the trackers' position.
    pub(crate) fn role(&self, after: &[u8]) -> FieldRole {
        let trackers: [&dyn Tracker; 5] =
            [&self.dicom, &self.hl7, &self.json, &self.xml, &self.csv];
        trackers
            .into_iter()
            .filter(|t| !t.is_dormant())
            .map(|t| t.role(after))
            .find(|r| *r != FieldRole::None)
            .unwrap_or(FieldRole::None)
    }

    /// Whether any tracker still follows the input (is not dormant).
    pub(crate) fn is_live(&self) -> bool {
        let trackers: [&dyn Tracker; 5] =
            [&self.dicom, &self.hl7, &self.json, &self.xml, &self.csv];
        trackers.iter().any(|t| !t.is_dormant())
    }

    /// Tells the trackers a health identifier was found at their position.
    pub(crate) fn identifier_found(&mut self) {
        for t in self.trackers() {
            if !t.is_dormant() {
                t.identifier_found();
            }
        }
    }
}
