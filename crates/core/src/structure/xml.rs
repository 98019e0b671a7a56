//! XML documents, in particular FHIR R4 resources written as XML and HL7
//! CDA documents.
//!
//! An input whose first significant byte is `<` is followed with a small
//! streaming tokenizer: the XML declaration and other processing
//! instructions, comments, CDATA sections and a DOCTYPE (skipped, internal
//! subset included), start tags with attributes (single or double quoted
//! values), end tags, self-closing tags and text. Namespace prefixes are
//! ignored: elements and attributes are judged by their local names (after
//! the last `:`).
//!
//! Roles for a number (see [`FieldRole`]):
//!
//! * FHIR `<value value="…"/>` in an `<identifier>` is judged by the
//!   identifier's `<system value="…"/>`, written before it or after it
//!   (within the look-ahead, up to `</identifier>`): a system containing
//!   `nhs-number` (`https://fhir.nhs.uk/Id/nhs-number`) or `hsc`/`hcn`
//!   corroborates, `chi-number` corroborates as a CHI number, any other
//!   system demotes, no system says nothing.
//! * CDA `<id root="…" extension="…"/>`: the NHS number OID
//!   `2.16.840.1.113883.2.1.4.1` as `root` (before or after `extension`)
//!   corroborates the extension; any other root demotes it (the OIDs of CHI
//!   and H&C numbers are not known with certainty, so they demote too); a
//!   number in a `root` is an OID or UUID part and is demoted.
//! * Codes: FHIR `<code value="…"/>` in a `<coding>` and CDA
//!   `<code code="…" codeSystem="…"/>` are clinical codes when the system is
//!   SNOMED CT (`http://snomed.info/sct`, `2.16.840.1.113883.6.96`) or
//!   ICD-10 (`http://hl7.org/fhir/sid/icd-10…`, `2.16.840.1.113883.6.3`),
//!   and demoted otherwise (a code is never a patient's number).
//! * A `value` in a `<telecom>` is a phone number or address: demoted.
//! * Everywhere else, an attribute named for something ([`classify_name`]:
//!   `nhsNumber="…"`) gives its role; otherwise the element's local name
//!   does, for its text and its attributes (`<orderId>`, `<nhsNumber>`,
//!   `<birthDate value="…"/>`, `<birthTime value="…"/>`, `<postalCode>`).
//!
//! Findings made here:
//!
//! * `person_name`: in a FHIR `Patient`'s `<name>`, the `value` of each
//!   `<family>`, `<given>` and `<text>`; in a CDA
//!   `recordTarget/patientRole/patient/name`, the text of each `<given>` and
//!   `<family>`; in any XML, the text of an element, or the value of an
//!   attribute, named for a person's name (`<surname>`, `forename="…"`).
//!   The span is the value without surrounding whitespace; the value has
//!   the five predefined and numeric character references decoded and runs
//!   of whitespace made single spaces. Text in CDATA sections is not taken
//!   into names.
//! * `clinical_record`: a FHIR `<Patient>` element at the root or in a
//!   Bundle's `<entry><resource>`, from the `<` of its start tag to the `>`
//!   of its end tag; a root `<ClinicalDocument>` with a
//!   `recordTarget/patientRole`, the whole element. Each is reported at
//!   its end tag.
//!
//! Malformed input (a `<` not starting markup, a bad attribute, an end tag
//! that does not match, input ending inside the document) gives a
//! `malformed` notice and the tracker stops following the input: what was
//! reported stays reported. A record already known to be one when that
//! happens (a `Patient` whose start tag was seen, a `ClinicalDocument`
//! whose `patientRole` was seen) is reported at the end of the input,
//! spanning to its last byte that is not whitespace: its own end is lost.
//!
//! Limits: at most [`MAX_NESTING_DEPTH`] open elements (deeper: a notice
//! naming the limit, and the input is no longer followed, as for malformed
//! input); names are kept to [`MAX_XML_NAME_LEN`] bytes (a longer name has
//! no role, and still matches its end tag); values judged or reported
//! (systems, roots, names) are kept to
//! [`MAX_FIELD_VALUE_LEN`](super::MAX_FIELD_VALUE_LEN) bytes (a longer one
//! is neither a system nor a name). Comments, CDATA sections, processing
//! instructions and DOCTYPEs of any length are skipped in constant memory.
//! The tokenizer is lenient where leniency costs nothing: it accepts
//! attributes not separated by whitespace, `<` and `&` in attribute values,
//! text and further elements after the root element (concatenated
//! documents), and does not check that entity references are declared.

use memchr::memchr;

use super::{
    classify_name, is_leading_filler, FieldRole, FieldValue, NameRole, Output,
    Tracker, MAX_NESTING_DEPTH,
};
use crate::finding::{Confidence, Finding, Kind, RecordFormat};
use crate::notice::Notice;

/// Bytes of an element or attribute name kept. The names this tracker
/// knows (`identifier`, `ClinicalDocument`) and those the field-name rules
/// judges are far shorter, so a longer name has no role ("unknown"); its
/// length and a hash of all its bytes are still kept, so an end tag is
/// matched against its start tag in full and nothing is lost by the limit.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_XML_NAME_LEN: usize = 64;

/// The OID of NHS numbers, as a CDA `id` root.
const NHS_NUMBER_OID: &[u8] = b"2.16.840.1.113883.2.1.4.1";

/// The OID of SNOMED CT, as a CDA `codeSystem`.
const SNOMED_OID: &[u8] = b"2.16.840.1.113883.6.96";

/// The OID of ICD-10, as a CDA `codeSystem`.
const ICD10_OID: &[u8] = b"2.16.840.1.113883.6.3";

/// The FHIR system of SNOMED CT.
const SNOMED_URI: &[u8] = b"http://snomed.info/sct";

/// The FHIR systems of ICD-10 start with this.
const ICD10_URI: &[u8] = b"http://hl7.org/fhir/sid/icd-10";

/// The source named in notices.
const SOURCE: &str = "xml";

/// Whether `b` is XML whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `b` may start an element or attribute name.
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

/// Whether `b` may continue an element or attribute name.
fn is_name_char(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'.' || b == b'-'
}

/// The local part of a qualified name: after the last `:`.
fn local_part(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// An element or attribute name: its first [`MAX_XML_NAME_LEN`] bytes,
/// its full length and a hash of all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Name {
    /// The first bytes; the rest of the array is zero.
    bytes: [u8; MAX_XML_NAME_LEN],
    /// The full length (saturating).
    len: usize,
    /// FNV-1a of every byte, so that long names still compare in full.
    hash: u64,
}

impl Default for Name {
    fn default() -> Name {
        Name {
            bytes: [0; MAX_XML_NAME_LEN],
            len: 0,
            hash: 0xcbf2_9ce4_8422_2325,
        }
    }
}

impl Name {
    /// Adds a byte.
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
        }
        self.len = self.len.saturating_add(1);
        self.hash = (self.hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }

    /// The local name, or `None` when the name is too long to have one.
    fn local(&self) -> Option<&[u8]> {
        self.bytes.get(..self.len).map(local_part)
    }
}

/// The element names this tracker knows, by local name (case matters, as
/// in XML).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Local {
    /// FHIR `Patient`.
    Patient,
    /// FHIR `Bundle`.
    Bundle,
    /// FHIR `entry` (of a Bundle).
    Entry,
    /// FHIR `resource` (of a Bundle entry).
    Resource,
    /// FHIR and CDA `name`.
    Name,
    /// FHIR and CDA `family`.
    Family,
    /// FHIR and CDA `given`.
    Given,
    /// FHIR `text` (of a name).
    Text,
    /// FHIR `identifier`.
    Identifier,
    /// FHIR `system`.
    System,
    /// FHIR `value`.
    Value,
    /// FHIR `coding`.
    Coding,
    /// FHIR and CDA `code`.
    Code,
    /// FHIR and CDA `telecom`.
    Telecom,
    /// CDA `ClinicalDocument`.
    ClinicalDocument,
    /// CDA `recordTarget`.
    RecordTarget,
    /// CDA `patientRole`.
    PatientRole,
    /// CDA `patient`.
    PatientEntity,
    /// CDA `id`.
    Id,
    /// Any other name.
    Other,
}

impl Local {
    /// The known name `local` is, if any.
    fn of(local: Option<&[u8]>) -> Local {
        match local {
            Some(b"Patient") => Local::Patient,
            Some(b"Bundle") => Local::Bundle,
            Some(b"entry") => Local::Entry,
            Some(b"resource") => Local::Resource,
            Some(b"name") => Local::Name,
            Some(b"family") => Local::Family,
            Some(b"given") => Local::Given,
            Some(b"text") => Local::Text,
            Some(b"identifier") => Local::Identifier,
            Some(b"system") => Local::System,
            Some(b"value") => Local::Value,
            Some(b"coding") => Local::Coding,
            Some(b"code") => Local::Code,
            Some(b"telecom") => Local::Telecom,
            Some(b"ClinicalDocument") => Local::ClinicalDocument,
            Some(b"recordTarget") => Local::RecordTarget,
            Some(b"patientRole") => Local::PatientRole,
            Some(b"patient") => Local::PatientEntity,
            Some(b"id") => Local::Id,
            _ => Local::Other,
        }
    }
}

/// The attribute names this tracker knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AttrKind {
    /// `value` (FHIR).
    Value,
    /// `root` (CDA `id`).
    Root,
    /// `extension` (CDA `id`).
    Extension,
    /// `code` (CDA `code`).
    Code,
    /// `codeSystem` (CDA `code`).
    CodeSystem,
    /// Any other name.
    Other,
}

impl AttrKind {
    /// The known attribute `local` is, if any.
    fn of(local: Option<&[u8]>) -> AttrKind {
        match local {
            Some(b"value") => AttrKind::Value,
            Some(b"root") => AttrKind::Root,
            Some(b"extension") => AttrKind::Extension,
            Some(b"code") => AttrKind::Code,
            Some(b"codeSystem") => AttrKind::CodeSystem,
            _ => AttrKind::Other,
        }
    }
}

/// What an identifier system, CDA root or code system names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum System {
    /// None seen.
    Unknown,
    /// NHS numbers (`…/nhs-number`, the NHS number OID).
    Nhs,
    /// CHI numbers (`…/chi-number`, a `/chi` path segment).
    Chi,
    /// H&C numbers (a system containing `hsc`, `hcn` or
    /// `health-and-care`).
    Hc,
    /// SNOMED CT or ICD-10.
    Clinical,
    /// Anything else.
    Other,
}

/// What the system URI or OID `v` names.
fn classify_system(v: &[u8]) -> System {
    if v == NHS_NUMBER_OID {
        return System::Nhs;
    }
    match super::identifier_system_role(v) {
        FieldRole::Identifier { chi: true } => return System::Chi,
        FieldRole::Identifier { chi: false }
            if super::contains_ci(v, b"nhs-number") =>
        {
            return System::Nhs
        }
        FieldRole::Identifier { chi: false } => return System::Hc,
        _ => {}
    }
    if v == SNOMED_OID
        || v == SNOMED_URI
        || v == ICD10_OID
        || v.starts_with(ICD10_URI)
    {
        System::Clinical
    } else {
        System::Other
    }
}

/// The role of an identifier's value under `system`.
fn identifier_role(system: System) -> FieldRole {
    match system {
        System::Unknown => FieldRole::None,
        System::Nhs | System::Hc => FieldRole::Identifier { chi: false },
        System::Chi => FieldRole::Identifier { chi: true },
        System::Clinical | System::Other => FieldRole::Other,
    }
}

/// The role of a code under `system`: a clinical code, or something that
/// is no patient's number.
fn code_role(system: System) -> FieldRole {
    if system == System::Clinical {
        FieldRole::ClinicalCode
    } else {
        FieldRole::Other
    }
}

/// A record an open element is.
#[derive(Clone, Copy, Debug)]
struct Record {
    /// FHIR or CDA.
    format: RecordFormat,
    /// Offset of the `<` of its start tag.
    start: u64,
    /// Whether it is known to be a record yet (a CDA document is one once
    /// its `patientRole` is seen).
    known: bool,
}

/// An open element.
#[derive(Clone, Debug)]
struct Frame {
    /// Its name as written, to match its end tag.
    name: Name,
    /// Its local name, when it is one this tracker knows.
    local: Local,
    /// The role of numbers, dates and postcodes in its text.
    text_role: FieldRole,
    /// The system it names: an identifier's or coding's `system` child,
    /// a CDA `id`'s root, a CDA `code`'s codeSystem.
    system: System,
    /// The record it is, if any.
    record: Option<Record>,
}

/// A value being collected to report or judge: its bytes and the span of
/// its bytes without surrounding whitespace.
#[derive(Clone, Debug, Default)]
struct Collect {
    /// The bytes, bounded.
    value: FieldValue,
    /// From the first to one past the last byte that is not whitespace.
    span: Option<(u64, u64)>,
}

impl Collect {
    /// Takes the literal bytes `bytes` at absolute offset `at`.
    fn take(&mut self, bytes: &[u8], at: u64) {
        if bytes.is_empty() {
            return;
        }
        self.value.extend(bytes);
        let first = bytes.iter().position(|&b| !is_ws(b));
        let last = bytes.iter().rposition(|&b| !is_ws(b));
        if let (Some(f), Some(l)) = (first, last) {
            let (f, l) = (at + f as u64, at + l as u64 + 1);
            self.span = Some(self.span.map_or((f, l), |(s, _)| (s, l)));
        }
    }

    /// Reports the value as a person's name, if there is one.
    fn emit_name(&self, out: &mut Output) {
        if let (Some(value), Some((s, e))) = (self.value.get(), self.span) {
            out.findings.push(Finding::companion(
                Kind::PersonName,
                s,
                e,
                Confidence::High,
                &display_name(value),
            ));
        }
    }
}

/// What an attribute value is collected for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// The `value` of a `<system>`: the parent element's system.
    ParentSystem,
    /// A CDA `root` or `codeSystem`: the element's own system.
    OwnSystem,
    /// A person's name, reported when the value ends.
    PersonName,
}

/// The text of an element being collected as a person's name.
#[derive(Clone, Debug)]
struct TextCollect {
    /// The stack depth of the element (its frame is `stack[depth - 1]`).
    depth: usize,
    /// The text so far.
    collect: Collect,
}

/// Where the tokenizer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lex {
    /// Text between markup.
    Text,
    /// After `<`.
    Open,
    /// After `<!` and the first `n` bytes of the keyword of `Decl`.
    Bang(Decl, u8),
    /// In a comment, after this many `-` (at most 2).
    Comment(u8),
    /// In a CDATA section, after this many `]` (at most 2).
    Cdata(u8),
    /// In a DOCTYPE: the open quote (0 when none) and `[` depth.
    Doctype(u8, u32),
    /// In a processing instruction; whether the last byte was `?`.
    Pi(bool),
    /// Reading a start tag's name.
    StartName,
    /// Reading an end tag's name (after `</`); whether it has begun.
    EndName(bool),
    /// After an end tag's name, before its `>`.
    EndTail,
    /// In a start tag, between attributes.
    InTag,
    /// Reading an attribute's name.
    AttrName,
    /// After an attribute's name, before `=`.
    AttrAfterName,
    /// After `=`, before the quote.
    AttrEq,
    /// In an attribute value quoted with this byte.
    AttrValue(u8),
    /// After the `/` of `/>`.
    SelfClose,
}

/// A markup declaration after `<!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decl {
    /// Not chosen yet.
    Unknown,
    /// `<!--`.
    Comment,
    /// `<![CDATA[`.
    Cdata,
    /// `<!DOCTYPE`.
    Doctype,
}

impl Decl {
    /// The bytes after `<!` that open it.
    fn word(self) -> &'static [u8] {
        match self {
            Decl::Unknown => b"",
            Decl::Comment => b"--",
            Decl::Cdata => b"[CDATA[",
            Decl::Doctype => b"DOCTYPE",
        }
    }
}

/// Why the tracker stops following the input.
#[derive(Debug)]
struct GiveUp {
    /// Where, for the notice.
    offset: u64,
    /// The limit reached, or `malformed`.
    limit: &'static str,
    /// The notice's sentence.
    message: String,
}

/// The input is not well-formed XML at `offset`.
fn malformed(offset: u64, what: &str) -> GiveUp {
    GiveUp {
        offset,
        limit: "malformed",
        message: format!("{what}; XML structure is no longer followed"),
    }
}

/// Following a document.
#[derive(Clone, Debug)]
struct Doc {
    /// Offset of the next byte to look at.
    pos: u64,
    /// One past the last byte seen that is not whitespace: where a record
    /// left open at the end of the input ends.
    last_significant: u64,
    /// Where the tokenizer is.
    lex: Lex,
    /// The open elements, outermost first; at most [`MAX_NESTING_DEPTH`].
    stack: Vec<Frame>,
    /// Offset of the `<` that began the current markup.
    tag_start: u64,
    /// The element name being read.
    name: Name,
    /// The attribute name being read or whose value is being read.
    attr: Name,
    /// What that attribute is.
    attr_kind: AttrKind,
    /// What its name says.
    attr_role: NameRole,
    /// The attribute value being collected, and why.
    value: Option<(Purpose, Collect)>,
    /// An element's text being collected as a person's name.
    text: Option<TextCollect>,
    /// The input has shown itself to be XML (an `xmlns` attribute): from
    /// here on it being malformed is reported. Before, a failure (an HTML
    /// page's `<!doctype html>`, a `<` in prose) is "not XML", dormant
    /// without a notice: a notice can make a fail-closed policy block.
    confirmed: bool,
}

impl Doc {
    /// A document whose first byte is about to be followed.
    fn new() -> Doc {
        Doc {
            pos: 0,
            last_significant: 0,
            lex: Lex::Text,
            stack: Vec::new(),
            tag_start: 0,
            name: Name::default(),
            attr: Name::default(),
            attr_kind: AttrKind::Other,
            attr_role: NameRole::Field(FieldRole::None),
            value: None,
            text: None,
            confirmed: false,
        }
    }

    /// The local name of the element `up` levels above the innermost open
    /// one (0: the innermost).
    fn local_at(&self, up: usize) -> Option<Local> {
        let i = self.stack.len().checked_sub(up + 1)?;
        self.stack.get(i).map(|f| f.local)
    }

    /// Whether the open elements end with `path`.
    fn path_ends_with(&self, path: &[Local]) -> bool {
        self.stack.len() >= path.len()
            && self.stack[self.stack.len() - path.len()..]
                .iter()
                .zip(path)
                .all(|(f, l)| f.local == *l)
    }

    /// Whether the document has been followed to a point where it may
    /// end: no element or markup open.
    fn complete(&self) -> bool {
        self.lex == Lex::Text && self.stack.is_empty()
    }

    /// The records open and known to be records, outermost first.
    fn known_records(&self) -> Vec<(RecordFormat, u64)> {
        self.stack
            .iter()
            .filter_map(|f| f.record)
            .filter(|r| r.known)
            .map(|r| (r.format, r.start))
            .collect()
    }

    /// Follows `bytes`, which start at absolute offset `at`.
    fn run(
        &mut self,
        bytes: &[u8],
        at: u64,
        out: &mut Output,
    ) -> Result<(), GiveUp> {
        let mut i = 0;
        while i < bytes.len() {
            match self.lex {
                Lex::Text => {
                    let rest = &bytes[i..];
                    let n = memchr(b'<', rest).unwrap_or(rest.len());
                    self.text_bytes(&rest[..n], at + i as u64);
                    i += n;
                    if i < bytes.len() {
                        self.tag_start = at + i as u64;
                        self.lex = Lex::Open;
                        i += 1;
                    }
                }
                Lex::AttrValue(q) => {
                    let rest = &bytes[i..];
                    let n = memchr(q, rest).unwrap_or(rest.len());
                    if let Some((_, c)) = &mut self.value {
                        c.take(&rest[..n], at + i as u64);
                    }
                    i += n;
                    if i < bytes.len() {
                        self.end_value(out);
                        self.lex = Lex::InTag;
                        i += 1;
                    }
                }
                _ => {
                    self.byte(bytes[i], at + i as u64, out)?;
                    i += 1;
                }
            }
        }
        Ok(())
    }

    /// Text bytes at `at`, outside markup.
    fn text_bytes(&mut self, bytes: &[u8], at: u64) {
        if let Some(t) = &mut self.text {
            if t.depth == self.stack.len() {
                t.collect.take(bytes, at);
            }
        }
    }

    /// Follows one byte `b` at `here`, in any state but text and attribute
    /// values.
    fn byte(
        &mut self,
        b: u8,
        here: u64,
        out: &mut Output,
    ) -> Result<(), GiveUp> {
        self.lex = match self.lex {
            Lex::Open => match b {
                b'/' => {
                    self.name = Name::default();
                    Lex::EndName(false)
                }
                b'!' => Lex::Bang(Decl::Unknown, 0),
                b'?' => Lex::Pi(false),
                _ if is_name_start(b) => {
                    self.name = Name::default();
                    self.name.push(b);
                    Lex::StartName
                }
                _ => return Err(malformed(here, "a `<` starts no markup")),
            },
            Lex::Bang(Decl::Unknown, _) => match b {
                b'-' => Lex::Bang(Decl::Comment, 1),
                b'[' => Lex::Bang(Decl::Cdata, 1),
                b'D' => Lex::Bang(Decl::Doctype, 1),
                _ => return Err(malformed(here, "unknown `<!` markup")),
            },
            Lex::Bang(decl, n) => {
                let word = decl.word();
                if word.get(usize::from(n)) != Some(&b) {
                    return Err(malformed(here, "unknown `<!` markup"));
                }
                if usize::from(n) + 1 < word.len() {
                    Lex::Bang(decl, n + 1)
                } else {
                    match decl {
                        Decl::Comment => Lex::Comment(0),
                        Decl::Cdata => Lex::Cdata(0),
                        _ => Lex::Doctype(0, 0),
                    }
                }
            }
            Lex::Comment(d) => match b {
                b'-' => Lex::Comment((d + 1).min(2)),
                b'>' if d == 2 => Lex::Text,
                _ => Lex::Comment(0),
            },
            Lex::Cdata(k) => match b {
                b']' => Lex::Cdata((k + 1).min(2)),
                b'>' if k == 2 => Lex::Text,
                _ => Lex::Cdata(0),
            },
            Lex::Doctype(q, depth) => match b {
                _ if q != 0 => Lex::Doctype(if b == q { 0 } else { q }, depth),
                b'"' | b'\'' => Lex::Doctype(b, depth),
                b'[' => Lex::Doctype(0, depth.saturating_add(1)),
                b']' => Lex::Doctype(0, depth.saturating_sub(1)),
                b'>' if depth == 0 => Lex::Text,
                _ => Lex::Doctype(0, depth),
            },
            Lex::Pi(q) => match b {
                b'>' if q => Lex::Text,
                _ => Lex::Pi(b == b'?'),
            },
            Lex::StartName => {
                if is_name_char(b) {
                    self.name.push(b);
                    Lex::StartName
                } else {
                    let next = match b {
                        b'>' => Lex::Text,
                        b'/' => Lex::SelfClose,
                        _ if is_ws(b) => Lex::InTag,
                        _ => {
                            return Err(malformed(here, "a bad element name"))
                        }
                    };
                    self.open_element()?;
                    next
                }
            }
            Lex::EndName(begun) => match b {
                _ if is_name_start(b) || (begun && is_name_char(b)) => {
                    self.name.push(b);
                    Lex::EndName(true)
                }
                b'>' if begun => {
                    self.end_tag(here, out)?;
                    Lex::Text
                }
                _ if begun && is_ws(b) => Lex::EndTail,
                _ => return Err(malformed(here, "a bad end tag")),
            },
            Lex::EndTail => match b {
                b'>' => {
                    self.end_tag(here, out)?;
                    Lex::Text
                }
                _ if is_ws(b) => Lex::EndTail,
                _ => return Err(malformed(here, "a bad end tag")),
            },
            Lex::InTag => match b {
                b'>' => Lex::Text,
                b'/' => Lex::SelfClose,
                _ if is_ws(b) => Lex::InTag,
                _ if is_name_start(b) => {
                    self.attr = Name::default();
                    self.attr.push(b);
                    Lex::AttrName
                }
                _ => return Err(malformed(here, "a bad attribute")),
            },
            Lex::AttrName => match b {
                _ if is_name_char(b) => {
                    self.attr.push(b);
                    Lex::AttrName
                }
                b'=' => {
                    self.attr_named();
                    Lex::AttrEq
                }
                _ if is_ws(b) => {
                    self.attr_named();
                    Lex::AttrAfterName
                }
                _ => {
                    return Err(malformed(here, "an attribute without value"))
                }
            },
            Lex::AttrAfterName => match b {
                b'=' => Lex::AttrEq,
                _ if is_ws(b) => Lex::AttrAfterName,
                _ => {
                    return Err(malformed(here, "an attribute without value"))
                }
            },
            Lex::AttrEq => match b {
                b'"' | b'\'' => {
                    self.begin_value();
                    Lex::AttrValue(b)
                }
                _ if is_ws(b) => Lex::AttrEq,
                _ => {
                    return Err(malformed(here, "an attribute value unquoted"))
                }
            },
            Lex::SelfClose => match b {
                b'>' => {
                    self.close_element(here + 1, out);
                    Lex::Text
                }
                _ => {
                    return Err(malformed(
                        here,
                        "a `/` in a tag not before `>`",
                    ))
                }
            },
            // Handled in `run`.
            Lex::Text | Lex::AttrValue(_) => self.lex,
        };
        Ok(())
    }

    /// The start tag's name has been read: opens the element.
    fn open_element(&mut self) -> Result<(), GiveUp> {
        if self.stack.len() >= MAX_NESTING_DEPTH {
            return Err(GiveUp {
                offset: self.tag_start,
                limit: "MAX_NESTING_DEPTH",
                message: format!(
                    "elements nest deeper than {MAX_NESTING_DEPTH} levels; \
                     XML structure is no longer followed"
                ),
            });
        }
        let local_name = self.name.local();
        let local = Local::of(local_name);
        let role =
            local_name.map_or(NameRole::Field(FieldRole::None), classify_name);
        let text_role = match role {
            NameRole::Field(r) => r,
            NameRole::PersonName => FieldRole::None,
        };
        let record = match local {
            Local::Patient
                if self.stack.is_empty()
                    || self.path_ends_with(&[
                        Local::Bundle,
                        Local::Entry,
                        Local::Resource,
                    ]) =>
            {
                Some(Record {
                    format: RecordFormat::Fhir,
                    start: self.tag_start,
                    known: true,
                })
            }
            Local::ClinicalDocument if self.stack.is_empty() => Some(Record {
                format: RecordFormat::Cda,
                start: self.tag_start,
                known: false,
            }),
            _ => None,
        };
        if local == Local::PatientRole
            && self.stack.len() == 2
            && self.path_ends_with(&[
                Local::ClinicalDocument,
                Local::RecordTarget,
            ])
        {
            if let Some(r) = &mut self.stack[0].record {
                r.known = true;
            }
        }
        let cda_name = matches!(local, Local::Given | Local::Family)
            && self.path_ends_with(&[
                Local::RecordTarget,
                Local::PatientRole,
                Local::PatientEntity,
                Local::Name,
            ]);
        if (cda_name || role == NameRole::PersonName) && self.text.is_none() {
            self.text = Some(TextCollect {
                depth: self.stack.len() + 1,
                collect: Collect::default(),
            });
        }
        self.stack.push(Frame {
            name: self.name,
            local,
            text_role,
            system: System::Unknown,
            record,
        });
        Ok(())
    }

    /// An end tag closes at `here` (its `>`): it must match the innermost
    /// open element.
    fn end_tag(&mut self, here: u64, out: &mut Output) -> Result<(), GiveUp> {
        match self.stack.last() {
            Some(f) if f.name == self.name => {
                self.close_element(here + 1, out);
                Ok(())
            }
            Some(_) => Err(malformed(
                self.tag_start,
                "an end tag does not match its start tag",
            )),
            None => {
                Err(malformed(self.tag_start, "an end tag closes no element"))
            }
        }
    }

    /// Closes the innermost element, whose end tag ends just before `end`.
    fn close_element(&mut self, end: u64, out: &mut Output) {
        if let Some(t) = &self.text {
            if t.depth == self.stack.len() {
                t.collect.emit_name(out);
                self.text = None;
            }
        }
        if let Some(f) = self.stack.pop() {
            if let Some(r) = f.record.filter(|r| r.known) {
                out.findings.push(Finding::record(r.format, r.start, end));
            }
        }
    }

    /// An attribute's name has been read.
    fn attr_named(&mut self) {
        let shown = self.attr.len.min(MAX_XML_NAME_LEN);
        if self.attr.bytes[..shown].starts_with(b"xmlns") {
            self.confirmed = true;
        }
        let local = self.attr.local();
        self.attr_kind = AttrKind::of(local);
        self.attr_role =
            local.map_or(NameRole::Field(FieldRole::None), classify_name);
    }

    /// An attribute's value begins: collects it if it is a system, a root
    /// or a name.
    fn begin_value(&mut self) {
        let top = self.local_at(0);
        let parent = self.local_at(1);
        let grand = self.local_at(2);
        let purpose = match (top, self.attr_kind) {
            (Some(Local::System), AttrKind::Value)
                if matches!(
                    parent,
                    Some(Local::Identifier | Local::Coding | Local::Telecom)
                ) =>
            {
                Some(Purpose::ParentSystem)
            }
            (Some(Local::Id), AttrKind::Root)
            | (Some(Local::Code), AttrKind::CodeSystem) => {
                Some(Purpose::OwnSystem)
            }
            (
                Some(Local::Family | Local::Given | Local::Text),
                AttrKind::Value,
            ) if parent == Some(Local::Name)
                && grand == Some(Local::Patient) =>
            {
                Some(Purpose::PersonName)
            }
            _ if self.attr_role == NameRole::PersonName => {
                Some(Purpose::PersonName)
            }
            _ => None,
        };
        self.value = purpose.map(|p| (p, Collect::default()));
    }

    /// The attribute value being collected has ended.
    fn end_value(&mut self, out: &mut Output) {
        let Some((purpose, c)) = self.value.take() else { return };
        let system = c.value.get().map_or(System::Other, classify_system);
        let up = match purpose {
            Purpose::PersonName => return c.emit_name(out),
            Purpose::ParentSystem => 1,
            Purpose::OwnSystem => 0,
        };
        if let Some(i) = self.stack.len().checked_sub(up + 1) {
            self.stack[i].system = system;
        }
    }

    /// The role of the field at the current position, for a candidate
    /// followed by `after`.
    fn role(&self, after: &[u8]) -> FieldRole {
        match self.lex {
            Lex::Text | Lex::Cdata(_) => {
                self.stack.last().map_or(FieldRole::None, |f| f.text_role)
            }
            Lex::AttrValue(q) => self.attr_role_at(q, after),
            _ => FieldRole::None,
        }
    }

    /// The role of the attribute value being read (quoted with `q`), for a
    /// candidate followed by `after`.
    fn attr_role_at(&self, q: u8, after: &[u8]) -> FieldRole {
        let n = self.stack.len();
        let Some(top) = self.stack.last() else { return FieldRole::None };
        let parent = n.checked_sub(2).and_then(|i| self.stack.get(i));
        let parent_local = parent.map(|p| p.local);
        let known = |s: System, look: fn(&[u8], u8) -> Option<&[u8]>| {
            if s != System::Unknown {
                s
            } else {
                look(after, q).map_or(System::Unknown, classify_system)
            }
        };
        match (top.local, self.attr_kind, parent) {
            (Local::Value, AttrKind::Value, Some(p))
                if p.local == Local::Identifier =>
            {
                identifier_role(known(p.system, look::sibling_system))
            }
            (Local::Code, AttrKind::Value, Some(p))
                if p.local == Local::Coding =>
            {
                code_role(known(p.system, look::sibling_system))
            }
            (Local::Value, AttrKind::Value, _)
                if parent_local == Some(Local::Telecom) =>
            {
                FieldRole::Other
            }
            (Local::Telecom, AttrKind::Value, _) => FieldRole::Other,
            (Local::Id, AttrKind::Extension, _) => {
                match known(top.system, look::root) {
                    System::Nhs => FieldRole::Identifier { chi: false },
                    System::Unknown => FieldRole::None,
                    _ => FieldRole::Other,
                }
            }
            (Local::Id, AttrKind::Root, _) => FieldRole::Other,
            (Local::Code, AttrKind::Code, _) => {
                code_role(known(top.system, look::code_system))
            }
            _ => match self.attr_role {
                NameRole::Field(FieldRole::None) => top.text_role,
                NameRole::Field(r) => r,
                NameRole::PersonName => FieldRole::None,
            },
        }
    }
}

/// Reading the look-ahead: the bytes after a candidate in an attribute
/// value, where a FHIR `system` or a CDA `root` written after the value
/// would be. Only complete values count; anything cut off by the end of
/// the look-ahead is unknown.
mod look {
    use memchr::memchr;

    use super::{is_name_char, is_ws, local_part};

    /// Index of the `>` ending the tag in `b`, quotes honoured; `None`
    /// when not in `b` (or a `<` comes first).
    fn tag_end(b: &[u8]) -> Option<usize> {
        let mut quote = None;
        for (i, &c) in b.iter().enumerate() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'>' => return Some(i),
                    b'<' => return None,
                    _ => {}
                },
            }
        }
        None
    }

    /// The rest of the tag after the current attribute value.
    struct RestOfTag<'a> {
        /// Its remaining attributes: up to the `>`, or all of the
        /// look-ahead when the tag does not end in it.
        attrs: &'a [u8],
        /// When the tag ends in the look-ahead: whether it closed itself,
        /// and the bytes after its `>`.
        end: Option<(bool, &'a [u8])>,
    }

    /// The rest of the tag after the current attribute value (quoted with
    /// `q`).
    fn rest_of_tag(after: &[u8], q: u8) -> Option<RestOfTag<'_>> {
        let close = memchr(q, after)?;
        let rest = after.get(close + 1..)?;
        Some(match tag_end(rest) {
            Some(gt) => {
                let attrs = &rest[..gt];
                let closed = attrs.last() == Some(&b'/');
                RestOfTag { attrs, end: Some((closed, &rest[gt + 1..])) }
            }
            None => RestOfTag { attrs: rest, end: None },
        })
    }

    /// The value of the attribute whose local name is `want` in `attrs`
    /// (the inside of a tag after its name).
    fn attr_value<'a>(attrs: &'a [u8], want: &[u8]) -> Option<&'a [u8]> {
        let mut i = 0;
        loop {
            while attrs.get(i).is_some_and(|&b| is_ws(b) || b == b'/') {
                i += 1;
            }
            let start = i;
            while attrs.get(i).is_some_and(|&b| is_name_char(b)) {
                i += 1;
            }
            if i == start {
                return None;
            }
            let name = &attrs[start..i];
            while attrs.get(i).is_some_and(|&b| is_ws(b)) {
                i += 1;
            }
            if attrs.get(i) != Some(&b'=') {
                return None;
            }
            i += 1;
            while attrs.get(i).is_some_and(|&b| is_ws(b)) {
                i += 1;
            }
            let q = *attrs.get(i).filter(|&&b| b == b'"' || b == b'\'')?;
            let len = memchr(q, attrs.get(i + 1..)?)?;
            let value = &attrs[i + 1..i + 1 + len];
            if local_part(name) == want {
                return Some(value);
            }
            i += len + 2;
        }
    }

    /// A CDA `root` later in the current tag.
    pub(super) fn root(after: &[u8], q: u8) -> Option<&[u8]> {
        attr_value(rest_of_tag(after, q)?.attrs, b"root")
    }

    /// A CDA `codeSystem` later in the current tag.
    pub(super) fn code_system(after: &[u8], q: u8) -> Option<&[u8]> {
        attr_value(rest_of_tag(after, q)?.attrs, b"codeSystem")
    }

    /// The `value` of a `<system>` sibling of the current element, later in
    /// its parent (before the parent's end tag).
    pub(super) fn sibling_system(after: &[u8], q: u8) -> Option<&[u8]> {
        let (closed, mut rest) = rest_of_tag(after, q)?.end?;
        // Depth below the parent: 1 while inside the current element.
        let mut depth: usize = usize::from(!closed);
        loop {
            let lt = memchr(b'<', rest)?;
            rest = rest.get(lt + 1..)?;
            match *rest.first()? {
                b'/' => {
                    depth = depth.checked_sub(1)?;
                    rest = rest.get(memchr(b'>', rest)? + 1..)?;
                }
                b'!' | b'?' => {
                    rest = rest.get(memchr(b'>', rest)? + 1..)?;
                }
                _ => {
                    let n = rest.iter().position(|&b| !is_name_char(b))?;
                    let gt = n + tag_end(&rest[n..])?;
                    let attrs = &rest[n..gt];
                    if depth == 0 && local_part(&rest[..n]) == b"system" {
                        return attr_value(attrs, b"value");
                    }
                    if attrs.last() != Some(&b'/') {
                        depth += 1;
                    }
                    rest = &rest[gt + 1..];
                }
            }
        }
    }
}

/// A person's name as reported: character references decoded, runs of
/// whitespace made one space.
fn display_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'&' {
            if let Some((c, len)) = char_ref(&raw[i..]) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len;
                continue;
            }
        }
        if is_ws(b) {
            if out.last().is_some_and(|&l| l != b' ') {
                out.push(b' ');
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    while out.last() == Some(&b' ') {
        out.pop();
    }
    out
}

/// The character reference at the start of `s` (`&amp;`, `&#39;`,
/// `&#x27;`) and its length in bytes.
fn char_ref(s: &[u8]) -> Option<(char, usize)> {
    // `&#x10FFFF;` is the longest reference decoded.
    let semi = s.iter().take(12).position(|&b| b == b';')?;
    let body = s.get(1..semi)?;
    let c = match body {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"quot" => '"',
        b"apos" => '\'',
        _ => {
            let num = body.strip_prefix(b"#")?;
            let n = match num.strip_prefix(b"x").or(num.strip_prefix(b"X")) {
                Some(hex) => {
                    u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16)
                        .ok()?
                }
                None => std::str::from_utf8(num).ok()?.parse().ok()?,
            };
            char::from_u32(n)?
        }
    };
    Some((c, semi + 1))
}

/// Where the tracker is in the input. Each state that looks at more
/// bytes keeps the offset of the next one; the rest of the state is boxed
/// so that the tracker costs a stream little when the input is not XML.
#[derive(Clone, Debug)]
enum State {
    /// Before the first significant byte, at this offset.
    Start(u64),
    /// Following an XML document.
    Following(Box<Doc>),
    /// Gave up with records open that were known to be records: they are
    /// reported at the end of the input.
    Abandoned(Box<Abandoned>),
    /// Not XML, or given up with nothing open: nothing more to do.
    Dormant,
}

/// Records left open when the tracker gave up, waiting for the end of the
/// input.
#[derive(Clone, Debug)]
struct Abandoned {
    /// Offset of the next byte to look at.
    pos: u64,
    /// One past the last byte seen that is not whitespace.
    last_significant: u64,
    /// The records, outermost first: format and start.
    open: Vec<(RecordFormat, u64)>,
}

impl Abandoned {
    /// Reports the records as ending at the last significant byte.
    fn report(&self, out: &mut Output) {
        for &(format, start) in &self.open {
            let end = self.last_significant.max(start);
            out.findings.push(Finding::record(format, start, end));
        }
    }
}

/// Follows an XML input.
#[derive(Clone, Debug)]
pub(crate) struct XmlTracker {
    /// Where it is, and what it knows.
    state: State,
}

impl Default for XmlTracker {
    fn default() -> XmlTracker {
        XmlTracker { state: State::Start(0) }
    }
}

/// One past the last byte of `bytes` (at absolute offset `at`) that is not
/// whitespace, if any.
fn last_significant(bytes: &[u8], at: u64) -> Option<u64> {
    bytes.iter().rposition(|&b| !is_ws(b)).map(|k| at + k as u64 + 1)
}

impl Tracker for XmlTracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target`.
    fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        let pos = match &self.state {
            State::Start(pos) => *pos,
            State::Following(doc) => doc.pos,
            State::Abandoned(a) => a.pos,
            State::Dormant => return,
        };
        if target <= pos {
            return;
        }
        debug_assert!(pos >= base);
        let range = (pos - base) as usize..(target - base) as usize;
        let Some(mut bytes) = hay.get(range) else {
            debug_assert!(false, "the scan gave too few bytes");
            return;
        };
        let mut at = pos;
        if let State::Start(pos) = &mut self.state {
            *pos = target;
            let first = bytes
                .iter()
                .enumerate()
                .position(|(k, &b)| !is_leading_filler(b, at + k as u64));
            let Some(k) = first else { return };
            if bytes[k] != b'<' {
                self.state = State::Dormant;
                return;
            }
            bytes = &bytes[k..];
            at += k as u64;
            self.state = State::Following(Box::new(Doc::new()));
        }
        match &mut self.state {
            State::Following(doc) => {
                doc.pos = target;
                if let Some(end) = last_significant(bytes, at) {
                    doc.last_significant = end;
                }
                if let Err(why) = doc.run(bytes, at, out) {
                    if doc.confirmed || why.limit != "malformed" {
                        out.notice(Notice::new(
                            why.offset,
                            SOURCE,
                            why.limit,
                            why.message,
                        ));
                    }
                    let open = doc.known_records();
                    self.state = if open.is_empty() {
                        State::Dormant
                    } else {
                        State::Abandoned(Box::new(Abandoned {
                            pos: target,
                            last_significant: doc.last_significant,
                            open,
                        }))
                    };
                }
            }
            State::Abandoned(a) => {
                a.pos = target;
                if let Some(end) = last_significant(bytes, at) {
                    a.last_significant = end;
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, end: u64, out: &mut Output) {
        match std::mem::replace(&mut self.state, State::Dormant) {
            State::Following(doc) if !doc.complete() => {
                if doc.confirmed {
                    out.notice(Notice::new(
                        end,
                        SOURCE,
                        "malformed",
                        format!(
                            "the input ended inside the XML document, {} \
                         elements open",
                            doc.stack.len()
                        ),
                    ));
                }
                let open = Abandoned {
                    pos: end,
                    last_significant: doc.last_significant,
                    open: doc.known_records(),
                };
                open.report(out);
            }
            State::Abandoned(open) => open.report(out),
            _ => {}
        }
    }

    /// The role of the field at the tracker's position.
    fn role(&self, after: &[u8]) -> FieldRole {
        match &self.state {
            State::Following(doc) => doc.role(after),
            _ => FieldRole::None,
        }
    }

    fn is_dormant(&self) -> bool {
        matches!(self.state, State::Dormant)
    }

    fn stop_following(&mut self) {
        self.state = State::Dormant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::STRUCTURE_LOOKAHEAD;

    /// A FHIR Patient with an NHS identifier (system before value), a name
    /// and a birth date.
    const FHIR_PATIENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <!-- a comment -- with dashes > and a bracket -->
  <identifier>
    <system value="https://fhir.nhs.uk/Id/nhs-number"/>
    <value value="9434765919"/>
  </identifier>
  <name>
    <use value="official"/>
    <family value="O&apos;Brien"/>
    <given value=" Mary  Ann "/>
    <text value='Mary O&apos;Brien'/>
  </name>
  <telecom><system value="phone"/><value value="9990000018"/></telecom>
  <birthDate value="1970-01-01"/>
  <address><postalCode value="LS1 4AP"/></address>
</Patient>
"#;

    /// A FHIR Bundle with two Patients, the second with its system after
    /// its value, and a coded Condition.
    const FHIR_BUNDLE: &str = r#"<Bundle xmlns="http://hl7.org/fhir">
  <entry><resource><Patient>
    <identifier><value value="9990000026"/><system value="https://fhir.nhs.uk/Id/chi-number"/></identifier>
  </Patient></resource></entry>
  <entry><resource><Patient>
    <identifier><value value="6699684728"/><system value="https://example.org/mrn"/></identifier>
    <name><given value="Sam"/></name>
  </Patient></resource></entry>
  <entry><resource><Condition><code><coding><system value="http://snomed.info/sct"/><code value="22298006"/></coding></code></Condition></resource></entry>
</Bundle>"#;

    /// A CDA document with the NHS number OID, a patient name and a
    /// DOCTYPE and CDATA.
    const CDA: &str = r#"<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [ <!ENTITY x "y>z"> ]>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <id root="1.2.3" extension="7237345273"/>
  <code code="22298006" codeSystem="2.16.840.1.113883.6.96"/>
  <recordTarget>
    <patientRole>
      <id extension="9434765919" root="2.16.840.1.113883.2.1.4.1"/>
      <addr><postalCode>LS1 4AP</postalCode></addr>
      <patient>
        <name><given> Mary </given><given>Ann</given><family>Smith</family></name>
        <birthTime value="19700101"/>
      </patient>
    </patientRole>
  </recordTarget>
  <component><text><![CDATA[ a <b> 9990000018 ]]></text></component>
</ClinicalDocument>
"#;

    /// Generic XML: roles from element and attribute names.
    const GENERIC: &str =
        "\u{FEFF}\n<order xmlns:x='urn:x'><orderId>6414882151\
        </orderId><x:nhsNumber>7913008261</x:nhsNumber>\
        <patient nhsNumber=\"6333077658\" surname=\"Jones\"/>\
        <Surname>Li</Surname></order>";

    /// Every valid document in these tests.
    fn documents() -> Vec<&'static [u8]> {
        vec![
            FHIR_PATIENT.as_bytes(),
            FHIR_BUNDLE.as_bytes(),
            CDA.as_bytes(),
            GENERIC.as_bytes(),
        ]
    }

    /// The look-ahead the scan would give a candidate starting at `p`:
    /// the bytes after the digit run there.
    fn after_at(hay: &[u8], p: usize) -> &[u8] {
        let run = hay[p..].iter().take_while(|b| b.is_ascii_digit()).count();
        let end = p + run;
        &hay[end..(end + STRUCTURE_LOOKAHEAD).min(hay.len())]
    }

    /// What a run produced: findings, notices, and the role at each stop.
    type Run = (Vec<Finding>, Vec<Notice>, Vec<(usize, FieldRole)>);

    /// Advances a tracker through `stops` (increasing, ending at the
    /// length), giving it only the bytes it has not seen when `sliced`, or
    /// the whole input each time, asking the role at every stop.
    fn run(hay: &[u8], stops: &[usize], sliced: bool) -> Run {
        let mut t = XmlTracker::default();
        let mut out = Output::default();
        let mut roles = Vec::new();
        let mut pos = 0;
        for &stop in stops {
            if sliced {
                t.advance(&hay[pos..stop], pos as u64, stop as u64, &mut out);
            } else {
                t.advance(hay, 0, stop as u64, &mut out);
            }
            pos = stop;
            roles.push((stop, t.role(after_at(hay, stop))));
        }
        if !t.is_dormant() {
            t.finish(hay.len() as u64, &mut out);
        }
        (out.findings, out.notices, roles)
    }

    /// Every offset, one byte at a time.
    fn every(hay: &[u8]) -> Vec<usize> {
        (1..=hay.len()).collect()
    }

    /// A SplitMix64 step.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Random increasing stops ending at `len`.
    fn random_stops(len: usize, seed: u64) -> Vec<usize> {
        let mut s = seed;
        let mut stops: Vec<usize> = (0..(len / 7).max(1))
            .map(|_| (next(&mut s) % (len as u64 + 1)) as usize)
            .filter(|&p| p > 0)
            .collect();
        stops.push(len);
        stops.sort_unstable();
        stops.dedup();
        stops
    }

    /// Checks that `hay` gives the same outputs and roles however it is
    /// split; returns the one-byte-at-a-time run.
    fn consistent(hay: &[u8]) -> Run {
        if hay.is_empty() {
            return run(hay, &[], true);
        }
        let reference = run(hay, &every(hay), true);
        let whole = run(hay, &every(hay), false);
        assert_eq!(reference, whole, "{:?}", String::from_utf8_lossy(hay));
        let once = run(hay, &[hay.len()], true);
        assert_eq!((&reference.0, &reference.1), (&once.0, &once.1));
        for seed in 0..8 {
            let stops = random_stops(hay.len(), seed);
            let split = run(hay, &stops, true);
            assert_eq!((&reference.0, &reference.1), (&split.0, &split.1));
            for (stop, role) in split.2 {
                assert_eq!(reference.2[stop - 1], (stop, role));
            }
        }
        reference
    }

    #[test]
    fn valid_documents_are_the_same_whole_and_byte_by_byte() {
        for doc in documents() {
            let (_, notices, _) = consistent(doc);
            assert!(notices.is_empty(), "{notices:?}");
            // Padded with whitespace after, as the tables are.
            let mut padded = doc.to_vec();
            padded.extend_from_slice(b"\n\n\n");
            let (_, notices, _) = consistent(&padded);
            assert!(notices.is_empty(), "{notices:?}");
        }
    }

    #[test]
    fn table_documents_are_the_same_whole_and_byte_by_byte() {
        let cases = caldicott_testkit::shared_tables().expect("tables load");
        let ours: Vec<_> = cases
            .iter()
            .filter(|c| c.file == "fhir_xml.toml" || c.file == "cda.toml")
            .collect();
        assert!(ours.len() >= 20);
        for case in ours {
            consistent(&case.haystack);
        }
    }

    /// The role the tracker gives a candidate at the first `needle`.
    fn role_at(hay: &str, needle: &str) -> FieldRole {
        let p = hay.find(needle).expect("needle in haystack");
        let hay = hay.as_bytes();
        let mut t = XmlTracker::default();
        t.advance(hay, 0, p as u64, &mut Output::default());
        let end = p + needle.len();
        t.role(&hay[end..(end + STRUCTURE_LOOKAHEAD).min(hay.len())])
    }

    const NHS: FieldRole = FieldRole::Identifier { chi: false };

    #[test]
    fn fhir_identifier_roles() {
        assert_eq!(role_at(FHIR_PATIENT, "9434765919"), NHS);
        assert_eq!(
            role_at(FHIR_BUNDLE, "9990000026"),
            FieldRole::Identifier { chi: true }
        );
        assert_eq!(role_at(FHIR_BUNDLE, "6699684728"), FieldRole::Other);
        let hc = "<Patient><identifier><system value=\"https://fhir.hscni.\
                  net/Id/hcn\"/><value value=\"3653249260\"/></identifier>";
        assert_eq!(role_at(hc, "3653249260"), NHS);
        let none = "<Patient><identifier><value value=\"9434765919\"/>\
                    </identifier><system value=\"x\"/>";
        assert_eq!(role_at(none, "9434765919"), FieldRole::None);
        // A system in a nested coding is not the identifier's.
        let nested = "<identifier><value value=\"9434765919\"><x><system \
                      value=\"https://fhir.nhs.uk/Id/nhs-number\"/></x>\
                      </value></identifier>";
        assert_eq!(role_at(nested, "9434765919"), FieldRole::None);
        // A system cut off by the end of the look-ahead is unknown.
        let far = format!(
            "<identifier><value value=\"9434765919\"/><other>{}</other>\
             <system value=\"https://fhir.nhs.uk/Id/nhs-number\"/>",
            "x".repeat(STRUCTURE_LOOKAHEAD)
        );
        assert_eq!(role_at(&far, "9434765919"), FieldRole::None);
        assert_eq!(role_at(FHIR_PATIENT, "9990000018"), FieldRole::Other);
        assert_eq!(role_at(FHIR_PATIENT, "1970"), FieldRole::BirthDate);
        assert_eq!(role_at(FHIR_PATIENT, "LS1"), FieldRole::Address);
        assert_eq!(role_at(FHIR_BUNDLE, "22298006"), FieldRole::ClinicalCode);
        let loinc = "<coding><code value=\"1234567890\"/><system \
                     value=\"http://loinc.org\"/></coding>";
        assert_eq!(role_at(loinc, "1234567890"), FieldRole::Other);
    }

    #[test]
    fn cda_and_generic_roles() {
        assert_eq!(role_at(CDA, "9434765919"), NHS);
        assert_eq!(role_at(CDA, "7237345273"), FieldRole::Other);
        assert_eq!(role_at(CDA, "22298006"), FieldRole::ClinicalCode);
        assert_eq!(role_at(CDA, "19700101"), FieldRole::BirthDate);
        assert_eq!(role_at(CDA, "LS1"), FieldRole::Address);
        assert_eq!(role_at(CDA, " 9990000018"), FieldRole::None);
        let before =
            "<ClinicalDocument><id root=\"2.16.840.1.113883.2.1.4.1\"\
                      \n extension='9434765919'/>";
        assert_eq!(role_at(before, "9434765919"), NHS);
        let unknown = "<ClinicalDocument><id extension=\"9434765919\"/>";
        assert_eq!(role_at(unknown, "9434765919"), FieldRole::None);
        let icd = "<x><code code=\"1234567890\" codeSystem=\
                   \"2.16.840.1.113883.6.3\"/>";
        assert_eq!(role_at(icd, "1234567890"), FieldRole::ClinicalCode);
        assert_eq!(role_at(GENERIC, "6414882151"), FieldRole::Other);
        assert_eq!(role_at(GENERIC, "7913008261"), NHS);
        assert_eq!(role_at(GENERIC, "6333077658"), NHS);
        assert_eq!(
            role_at("<a><b>9434765919</b>", "9434765919"),
            FieldRole::None
        );
        assert_eq!(role_at("<a/>9434765919", "9434765919"), FieldRole::None);
    }

    /// The findings of a kind, as (start, end, value).
    fn found(hay: &str, kind: Kind) -> Vec<(usize, usize, String)> {
        consistent(hay.as_bytes())
            .0
            .into_iter()
            .filter(|f| f.kind == kind)
            .map(|f| (f.start as usize, f.end as usize, f.value().to_string()))
            .collect()
    }

    /// The span of the first `needle` in `hay`, with its text.
    fn span(hay: &str, needle: &str, value: &str) -> (usize, usize, String) {
        let p = hay.find(needle).expect("needle in haystack");
        (p, p + needle.len(), value.to_string())
    }

    #[test]
    fn person_names() {
        assert_eq!(
            found(FHIR_PATIENT, Kind::PersonName),
            vec![
                span(FHIR_PATIENT, "O&apos;Brien", "O'Brien"),
                span(FHIR_PATIENT, "Mary  Ann", "Mary Ann"),
                span(FHIR_PATIENT, "Mary O&apos;Brien", "Mary O'Brien"),
            ]
        );
        assert_eq!(
            found(FHIR_BUNDLE, Kind::PersonName),
            vec![span(FHIR_BUNDLE, "Sam", "Sam")]
        );
        assert_eq!(
            found(CDA, Kind::PersonName),
            vec![
                span(CDA, "Mary", "Mary"),
                span(CDA, "Ann", "Ann"),
                span(CDA, "Smith", "Smith"),
            ]
        );
        assert_eq!(
            found(GENERIC, Kind::PersonName),
            vec![span(GENERIC, "Jones", "Jones"), span(GENERIC, "Li", "Li")]
        );
        // A name outside a Patient, or outside the CDA patient, is not one.
        let practitioner = "<Practitioner><name><family value=\"Who\"/>\
                            </name></Practitioner>";
        assert!(found(practitioner, Kind::PersonName).is_empty());
        let author = "<ClinicalDocument><author><assignedAuthor><name>\
                      <given>Who</given></name></assignedAuthor></author>\
                      </ClinicalDocument>";
        assert!(found(author, Kind::PersonName).is_empty());
        // Character references, and a name too long to be one.
        assert_eq!(
            display_name(b"A&#32;&#x42;&lt;\n\t c&bogus;"),
            b"A B< c&bogus;"
        );
        let long = format!("<a><surname>{}</surname></a>", "x".repeat(300));
        assert!(found(&long, Kind::PersonName).is_empty());
    }

    #[test]
    fn records() {
        let fhir = FHIR_PATIENT.trim_end();
        let start = fhir.find("<Patient").unwrap();
        assert_eq!(
            found(FHIR_PATIENT, Kind::ClinicalRecord),
            vec![(start, fhir.len(), "fhir".to_string())]
        );
        let records = found(FHIR_BUNDLE, Kind::ClinicalRecord);
        let starts: Vec<usize> =
            FHIR_BUNDLE.match_indices("<Patient>").map(|(i, _)| i).collect();
        let ends: Vec<usize> = FHIR_BUNDLE
            .match_indices("</Patient>")
            .map(|(i, s)| i + s.len())
            .collect();
        assert_eq!(
            records,
            vec![
                (starts[0], ends[0], "fhir".to_string()),
                (starts[1], ends[1], "fhir".to_string())
            ]
        );
        let cda = CDA.trim_end();
        let start = cda.find("<ClinicalDocument").unwrap();
        assert_eq!(
            found(CDA, Kind::ClinicalRecord),
            vec![(start, cda.len(), "cda".to_string())]
        );
        // Without a patientRole, a CDA document is not a record; nor is a
        // Patient that is neither the root nor a Bundle entry.
        let no_patient =
            "<ClinicalDocument><recordTarget/></ClinicalDocument>";
        assert!(found(no_patient, Kind::ClinicalRecord).is_empty());
        let contained = "<Observation><Patient/></Observation>";
        assert!(found(contained, Kind::ClinicalRecord).is_empty());
        assert_eq!(
            found("<Patient/>", Kind::ClinicalRecord),
            vec![(0, 10, "fhir".to_string())]
        );
    }

    #[test]
    fn truncated_documents_at_every_offset() {
        for doc in documents() {
            for len in 0..doc.len() {
                let prefix = &doc[..len];
                let (findings, notices, _) = consistent(prefix);
                let (full, _, _) = run(doc, &[doc.len()], true);
                // Names and records reported in the prefix are reported in
                // the whole document too, except records closed at the end.
                for f in findings.iter().filter(|f| f.kind == Kind::PersonName)
                {
                    assert!(full.contains(f));
                }
                let records =
                    findings.iter().filter(|f| f.kind == Kind::ClinicalRecord);
                for r in records {
                    let trimmed = prefix
                        .iter()
                        .rposition(|&b| !is_ws(b))
                        .map_or(0, |k| k + 1);
                    assert!(full.contains(r) || r.end == trimmed as u64);
                }
                let mut t = XmlTracker::default();
                t.advance(prefix, 0, len as u64, &mut Output::default());
                if let State::Following(d) = &t.state {
                    let reported = d.confirmed && !d.complete();
                    assert_eq!(reported, !notices.is_empty(), "{len}");
                }
            }
        }
    }

    #[test]
    fn truncated_records_end_at_the_end_of_the_input() {
        let cut = CDA.find("<patient>").unwrap();
        let hay = format!("{}\n\n", &CDA[..cut]);
        let (findings, notices, _) = consistent(hay.as_bytes());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].limit, "malformed");
        let start = CDA.find("<ClinicalDocument").unwrap() as u64;
        let end = CDA[..cut].trim_end().len() as u64;
        let records: Vec<(u64, u64)> = findings
            .iter()
            .filter(|f| f.kind == Kind::ClinicalRecord)
            .map(|f| (f.start, f.end))
            .collect();
        assert_eq!(records, vec![(start, end)]);
        // Before the patientRole, the document is not known to be a record.
        let cut = CDA.find("<patientRole>").unwrap();
        let (findings, notices, _) = consistent(&CDA.as_bytes()[..cut]);
        assert_eq!(notices.len(), 1);
        assert!(findings.is_empty());
    }

    #[test]
    fn malformed_input_gives_a_notice_and_stops() {
        // Each malformed input and the offset of its notice: the byte
        // that breaks the syntax, or the `<` of an end tag that does not
        // match.
        let cases: [(&str, u64); 6] = [
            ("<a xmlns='u'><b></a>", 16),
            ("<a xmlns='u'></a></b>", 17),
            ("<a xmlns='u' b></a>", 14),
            ("<a xmlns='u' b=c></a>", 15),
            ("<a xmlns='u'/ ></a>", 13),
            ("<a xmlns='u' x='1'\"></a>", 18),
        ];
        for (hay, offset) in cases {
            let (findings, notices, roles) = consistent(hay.as_bytes());
            assert!(findings.is_empty());
            assert_eq!(notices.len(), 1, "{hay}");
            assert_eq!(notices[0].limit, "malformed");
            assert_eq!(notices[0].offset, offset, "{hay}");
            assert!(roles.iter().all(|(_, r)| *r == FieldRole::None));
        }
        // Before an `xmlns` the input has not shown itself to be XML (an
        // HTML page, a `<` in prose): "not XML", no notice.
        for hay in
            ["<a><b></a>", "< a>", "<!x>", "<1>", "<!doctype html><p>x</p>"]
        {
            let (findings, notices, _) = consistent(hay.as_bytes());
            assert!(findings.is_empty(), "{hay}");
            assert!(notices.is_empty(), "{hay}");
        }
        // A broken Patient is still reported, to the end of the input.
        let hay = "<Patient xmlns=\"http://hl7.org/fhir\"><name></Patient> x ";
        let (findings, notices, _) = consistent(hay.as_bytes());
        assert_eq!(notices.len(), 1);
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.kind, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(Kind::ClinicalRecord, 0, hay.trim_end().len() as u64)]
        );
        // After a malformation the tracker judges nothing more.
        let hay = "<a></b><orderId>6414882151</orderId>";
        assert_eq!(role_at(hay, "6414882151"), FieldRole::None);
        let mut t = XmlTracker::default();
        t.advance(hay.as_bytes(), 0, hay.len() as u64, &mut Output::default());
        assert!(t.is_dormant());
    }

    #[test]
    fn not_xml_is_dormant_from_the_first_byte() {
        for hay in ["NHS 9434765919 <a>", "{\"a\":1}", "\u{FEFF} x<a/>"] {
            let mut t = XmlTracker::default();
            t.advance(
                hay.as_bytes(),
                0,
                hay.len() as u64,
                &mut Output::default(),
            );
            assert!(t.is_dormant(), "{hay}");
        }
        let mut t = XmlTracker::default();
        t.advance(b" \n\x0b", 0, 3, &mut Output::default());
        assert!(!t.is_dormant());
    }

    #[test]
    fn nesting_beyond_the_limit() {
        let ok = format!(
            "{}{}",
            "<a>".repeat(MAX_NESTING_DEPTH),
            "</a>".repeat(MAX_NESTING_DEPTH)
        );
        let (_, notices, _) = consistent(ok.as_bytes());
        assert!(notices.is_empty());
        let deep = format!(
            "<Patient>{}<orderId>6414882151</orderId>",
            "<a>".repeat(MAX_NESTING_DEPTH)
        );
        let (findings, notices, _) = consistent(deep.as_bytes());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].limit, "MAX_NESTING_DEPTH");
        assert_eq!(
            notices[0].offset as usize,
            deep.find("<orderId>").unwrap() - 3
        );
        assert_eq!(role_at(&deep, "6414882151"), FieldRole::None);
        // The Patient was known to be a record: reported at the end.
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.kind, f.start, f.end))
                .collect::<Vec<_>>(),
            vec![(Kind::ClinicalRecord, 0, deep.len() as u64)]
        );
    }

    #[test]
    fn long_names_have_no_role_but_still_match() {
        let long = "nhsNumber".repeat(10);
        let hay = format!("<{long}>9434765919</{long}>");
        let (_, notices, _) = consistent(hay.as_bytes());
        assert!(notices.is_empty());
        assert_eq!(role_at(&hay, "9434765919"), FieldRole::None);
        let other = format!("{long}x");
        let hay = format!("<{long}x xmlns='u'></{long}y>");
        let (_, notices, _) = consistent(hay.as_bytes());
        assert_eq!(notices.len(), 1, "{other}");
        let hay = format!("<{long} xmlns='u'></{long}{long}>");
        let (_, notices, _) = consistent(hay.as_bytes());
        assert_eq!(notices.len(), 1);
    }

    #[test]
    fn random_markup_never_panics_and_is_consistent() {
        let alphabet = b"<>/=\"' abc:!?-[]&;\n9DOCTYPE";
        let mut s = 42;
        for _ in 0..300 {
            let len = (next(&mut s) % 60) as usize;
            let mut hay = vec![b'<'];
            hay.extend((0..len).map(|_| {
                alphabet[(next(&mut s) % alphabet.len() as u64) as usize]
            }));
            consistent(&hay);
            // And with the documents' own bytes shuffled in.
            let doc = documents()[(next(&mut s) % 4) as usize];
            let cut = (next(&mut s) % doc.len() as u64) as usize;
            let mut mixed = doc[..cut].to_vec();
            mixed.extend_from_slice(&hay);
            consistent(&mixed);
        }
    }
}
