//! HL7 v2 messages: the field a number sits in says what it is. A number
//! in PID-3 (the patient identifier list) whose assigning authority is
//! `NHS` or whose identifier type is `NH` is an NHS number whatever the
//! words around it; a number in MSH-10 (the message control id), PV1-19
//! (the visit number) or an order number field is something else.
//!
//! The input is HL7 when its first significant bytes (after
//! [`is_leading_filler`]) are `MSH` (or a batch header, `FHS` or `BHS`),
//! a field separator and the encoding characters (MSH-2: component,
//! repetition, escape and subcomponent separators, usually `^~\&`), which
//! are read, not assumed. Segments end at `\r`, `\n` or `\r\n`; blank
//! segments, whitespace between segments and the MLLP framing bytes (0x0B
//! before a message, 0x1C and `\r` after it) are skipped. Every `MSH`
//! starts a new message and re-declares the separators.
//!
//! Roles: in PID-2, PID-3, PID-4 and MRG-1 (CX identifier lists) a number
//! in component 1 is corroborated when the same repetition's authority
//! (component 4) starts with `NHS`, is `CHI`, `HSC` or `HC`, or has the
//! NHS number OID as its universal id, or its type (component 5) is `NH`,
//! `NHS`, `CHI`, `HSC` or `HC`; any other authority or type (`MR`, `PI`
//! hospital numbers) demotes it. Demoted too: MSH-10, PID-13, PID-14,
//! PID-18, PID-19, NK1-5, NK1-6, PV1-19, PV1-50, ORC-2, ORC-3, OBR-2 and
//! OBR-3. PID-7 is a birth date; PID-11 and NK1-4 are addresses; DG1-3,
//! PRB-3 and OBX-3 are coded clinical fields.
//!
//! The tracker follows the segment id, the field (MSH-1 is the field
//! separator itself, so the first field after `MSH|` is MSH-2) and the
//! component. It reports each PID-5 repetition (family, given and middle
//! names) as a `person_name`, and each message with a PID segment as a
//! `clinical_record` spanning the message, from the `M` of `MSH` to the
//! end of its last segment. A segment id that is not three upper-case
//! letters or digits, or a header with bad encoding characters, is
//! malformed: the tracker reports the open message, says so in a notice
//! and goes dormant, leaving plain-text scanning.

use super::{
    is_leading_filler, FieldRole, FieldValue, Output, Tracker,
    STRUCTURE_LOOKAHEAD,
};
use crate::finding::{Confidence, Finding, Kind, RecordFormat};
use crate::notice::Notice;

/// Longest segment followed, in bytes. Real segments are tens to a few
/// thousand bytes; an OBX carrying a base64 document can reach hundreds of
/// kilobytes. A longer stretch without a segment terminator is not an HL7
/// segment (a binary file or a text file that happened to start with
/// `MSH`), and following it would give the fields of a segment that is no
/// longer there roles over megabytes of input: past the limit the tracker
/// stops (with a notice), reporting the message so far, and the rest is
/// scanned as plain text.
#[allow(unreachable_pub)] // for re-export at the crate root
pub const MAX_HL7_SEGMENT_LEN: usize = 1 << 20;

/// Most encoding characters MSH-2 holds: component, repetition, escape,
/// subcomponent and (from v2.7) truncation. More is not a header.
const MAX_ENCODING_CHARS: usize = 5;

/// The notices' source.
const SOURCE: &str = "hl7v2";

/// Segments that declare the separators (the message header and the file
/// and batch headers): a field separator and MSH-2 follow the id.
const HEADERS: [[u8; 3]; 3] = [*b"MSH", *b"FHS", *b"BHS"];

/// Batch and file trailers: they end the message before them.
const TRAILERS: [[u8; 3]; 2] = [*b"BTS", *b"FTS"];

/// The OID of the NHS number (England and Wales) as an assigning
/// authority's universal id (CX-4.2).
const NHS_OID: &[u8] = b"2.16.840.1.113883.2.1.4.1";

/// Whether `b` ends a segment: CR, LF, or an MLLP framing byte (0x0B
/// starts a block, 0x1C ends one; neither is ever message content).
fn is_segment_end(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | 0x0B | 0x1C)
}

/// Whether `b` may stand between segments: whitespace and MLLP framing.
fn is_filler(b: u8) -> bool {
    is_segment_end(b) || matches!(b, b' ' | b'\t')
}

/// Whether `b` can be a field separator or an encoding character.
fn is_separator(b: u8) -> bool {
    b.is_ascii_punctuation()
}

/// What a byte means inside a segment's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Field content (the escape and subcomponent characters included).
    Content,
    /// The field separator.
    Field,
    /// The component separator.
    Component,
    /// The repetition separator.
    Repetition,
    /// A segment terminator (see [`is_segment_end`]).
    End,
}

/// The separators declared by the last header segment.
#[derive(Clone, Copy, Debug)]
struct Separators {
    field: u8,
    component: u8,
    repetition: Option<u8>,
    subcomponent: Option<u8>,
}

/// An open message.
#[derive(Clone, Copy, Debug)]
struct Message {
    /// Offset of the `M` of its `MSH`.
    start: u64,
    /// End of its last segment (exclusive of the terminator).
    end: u64,
    /// It has a PID segment: it is a clinical record.
    has_pid: bool,
}

/// Where the tracker is within the segment structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Between segments: skipping terminators, whitespace, MLLP bytes.
    Between,
    /// Reading a segment id (`id_len` bytes read so far).
    Id,
    /// Reading a header's encoding characters (MSH-2).
    Encoding {
        /// The field separator the header declared (MSH-1).
        field_sep: u8,
        /// The encoding characters so far.
        chars: [u8; MAX_ENCODING_CHARS],
        /// How many of `chars` are read.
        len: usize,
    },
    /// In a segment's fields.
    Fields,
}

/// A PID-5 repetition being read: its family, given and middle names.
#[derive(Clone, Debug, Default)]
struct Name {
    /// The current component, as written.
    part: FieldValue,
    /// Span of the current component without surrounding whitespace.
    part_span: Option<(u64, u64)>,
    /// The non-empty components so far, joined by single spaces.
    value: FieldValue,
    /// Span from the first to the last non-empty component so far.
    span: Option<(u64, u64)>,
    /// A component was longer than the value limit: not a name.
    too_long: bool,
}

impl Name {
    /// Takes the component bytes `bytes` at absolute offset `at`.
    fn take(&mut self, bytes: &[u8], at: u64) {
        if bytes.is_empty() {
            return;
        }
        self.part.extend(bytes);
        let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
        let last = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
        if let (Some(f), Some(l)) = (first, last) {
            let (f, l) = (at + f as u64, at + l as u64 + 1);
            self.part_span = Some(match self.part_span {
                Some((s, _)) => (s, l),
                None => (f, l),
            });
        }
    }

    /// Ends the current component, adding it to the name when non-empty.
    fn end_part(&mut self) {
        if let Some((s, e)) = self.part_span {
            // The component has non-blank bytes, so `get` is `None` only
            // when it overflowed.
            match self.part.get() {
                Some(v) => {
                    if self.span.is_some() {
                        self.value.extend(b" ");
                    }
                    self.value.extend(v);
                    self.span = Some((self.span.map_or(s, |x| x.0), e));
                }
                None => self.too_long = true,
            }
        }
        self.part.clear();
        self.part_span = None;
    }

    /// Ends the repetition: reports the name, if any, and starts anew.
    fn end(&mut self, out: &mut Output) {
        self.end_part();
        if let (Some(value), Some((s, e)), false) =
            (self.value.get(), self.span, self.too_long)
        {
            out.findings.push(Finding::companion(
                Kind::PersonName,
                s,
                e,
                Confidence::High,
                value,
            ));
        }
        self.value.clear();
        self.span = None;
        self.too_long = false;
    }
}

/// Following the segments of an input recognised as HL7.
#[derive(Clone, Debug)]
struct Live {
    /// The separators in force (set when a header's MSH-2 ends).
    seps: Separators,
    /// What each byte means inside fields, for `seps`.
    classes: [Class; 256],
    phase: Phase,
    /// Offset of the current segment's first id byte.
    seg_start: u64,
    /// The current segment's id.
    seg_id: [u8; 3],
    /// Bytes of `seg_id` read (in [`Phase::Id`]).
    id_len: usize,
    /// The current field's index (HL7 numbering: MSH-2 is the encoding
    /// characters). Saturates; high indices have no role.
    field: u32,
    /// The current component's index, from 1. Saturates.
    component: u32,
    /// The open message, from its `MSH`.
    message: Option<Message>,
    /// The PID-5 repetition being read.
    name: Name,
}

/// What the tracker is doing.
#[derive(Clone, Debug)]
enum State {
    /// Before the first segment's field separator: reading leading
    /// filler and the first segment's id, which must be a header's.
    Start {
        /// The id bytes read so far (the last `len` bytes before the
        /// tracker's position: filler is skipped only before the first).
        id: [u8; 3],
        /// How many.
        len: u8,
    },
    /// Following an HL7 input.
    Live(Box<Live>),
    /// Not HL7, malformed, or past a limit: nothing more to do.
    Dormant,
}

/// Follows an HL7 v2 input: segments, fields, components.
#[derive(Clone, Debug)]
pub(crate) struct Hl7Tracker {
    /// Offset of the next byte to look at.
    pos: u64,
    state: State,
}

impl Default for Hl7Tracker {
    fn default() -> Hl7Tracker {
        Hl7Tracker { pos: 0, state: State::Start { id: [0; 3], len: 0 } }
    }
}

/// What a field's index gives numbers in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// No role.
    None,
    /// The same role for the whole field.
    Fixed(FieldRole),
    /// A CX patient identifier list: the role of a number in component 1
    /// depends on the authority and type after it.
    Cx,
}

/// The slot of field `field` of segment `id`.
fn slot(id: &[u8; 3], field: u32) -> Slot {
    use FieldRole::{Address, BirthDate, ClinicalCode, Other};
    match (id, field) {
        // Patient identifier lists (and MRG-1, the prior one).
        (b"PID", 2..=4) | (b"MRG", 1) => Slot::Cx,
        (b"PID", 7) => Slot::Fixed(BirthDate),
        (b"PID", 11) | (b"NK1", 4) => Slot::Fixed(Address),
        // Phones, the account number, the SSN; next of kin's phones.
        (b"PID", 13 | 14 | 18 | 19) | (b"NK1", 5 | 6) => Slot::Fixed(Other),
        // The message control id; visit numbers; placer and filler order
        // numbers.
        (b"MSH", 10) | (b"PV1", 19 | 50) | (b"ORC" | b"OBR", 2 | 3) => {
            Slot::Fixed(Other)
        }
        (b"DG1" | b"PRB" | b"OBX", 3) => Slot::Fixed(ClinicalCode),
        _ => Slot::None,
    }
}

/// The role of a number in component 1 of a CX repetition, judged by the
/// assigning authority (component 4) and identifier type (component 5)
/// in `after`, the bytes after the number. When `after` ends inside the
/// repetition (the look-ahead is shorter than the repetition) a component
/// not seen whole says nothing.
fn cx_role(after: &[u8], seps: &Separators) -> FieldRole {
    let ends = |b: u8| {
        b == seps.field || Some(b) == seps.repetition || is_segment_end(b)
    };
    // The repetition is wholly in `after` when it ends there, or when the
    // input does (the look-ahead is shorter only at the end of input).
    let (rest, whole) = match after.iter().position(|&b| ends(b)) {
        Some(k) => (&after[..k], true),
        None => (after, after.len() < STRUCTURE_LOOKAHEAD),
    };
    let mut parts = rest.split(|&b| b == seps.component).skip(3);
    let authority = parts.next().unwrap_or(&[]);
    let kind = parts.next();
    let kind_whole = whole || parts.next().is_some();
    let authority_whole = whole || kind.is_some();
    let kind = kind.unwrap_or(&[]).trim_ascii();

    let sub = seps.subcomponent;
    let mut subs = authority.split(|&b| Some(b) == sub);
    let namespace = subs.next().unwrap_or(&[]).trim_ascii();
    let oid = subs.next();
    let namespace_whole = authority_whole || oid.is_some();
    let oid_whole = authority_whole || subs.next().is_some();
    let oid = oid.unwrap_or(&[]).trim_ascii();
    let eq = |v: &[u8], names: &[&[u8]]| {
        names.iter().any(|n| v.eq_ignore_ascii_case(n))
    };
    // An authority starting with NHS decides even when cut short.
    let nhs = (namespace.len() >= 3
        && namespace[..3].eq_ignore_ascii_case(b"NHS"))
        || (oid_whole && oid == NHS_OID)
        || (kind_whole && eq(kind, &[b"NH", b"NHS"]));
    let chi = (namespace_whole && eq(namespace, &[b"CHI"]))
        || (kind_whole && eq(kind, &[b"CHI"]));
    // H&C numbers: HSC or HSCNI (Health and Social Care Northern
    // Ireland) or HC (health card).
    let hc_names: &[&[u8]] = &[b"HSC", b"HSCNI", b"HC"];
    let hc = (namespace_whole && eq(namespace, hc_names))
        || (kind_whole && eq(kind, hc_names));
    if chi {
        FieldRole::Identifier { chi: true }
    } else if nhs || hc {
        FieldRole::Identifier { chi: false }
    } else if kind_whole
        && !(authority.trim_ascii().is_empty() && kind.is_empty())
    {
        FieldRole::Other
    } else {
        FieldRole::None
    }
}

impl Live {
    /// Starts following at a header segment `id` at `start` whose field
    /// separator is `field_sep`.
    fn new(id: [u8; 3], start: u64, field_sep: u8) -> Live {
        let seps = Separators {
            field: field_sep,
            component: field_sep,
            repetition: None,
            subcomponent: None,
        };
        Live {
            seps,
            classes: [Class::Content; 256],
            phase: Phase::Encoding {
                field_sep,
                chars: [0; MAX_ENCODING_CHARS],
                len: 0,
            },
            seg_start: start,
            seg_id: id,
            id_len: 3,
            field: 2,
            component: 1,
            message: (id == *b"MSH").then_some(Message {
                start,
                end: start,
                has_pid: false,
            }),
            name: Name::default(),
        }
    }

    /// Follows `bytes` at absolute offset `at`; `false` when the tracker
    /// has gone dormant (malformed input or a limit).
    fn run(&mut self, bytes: &[u8], at: u64, out: &mut Output) -> bool {
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let o = at + i as u64;
            match self.phase {
                Phase::Between => {
                    if is_filler(b) {
                        i += 1;
                    } else {
                        self.phase = Phase::Id;
                        self.seg_start = o;
                        self.id_len = 0;
                    }
                }
                Phase::Id => {
                    if !self.id_byte(b, o, out) {
                        return false;
                    }
                    i += 1;
                }
                Phase::Encoding { .. } => {
                    if !self.encoding_byte(b, o, out) {
                        return false;
                    }
                    i += 1;
                }
                Phase::Fields => {
                    let limit = self
                        .seg_start
                        .saturating_add(MAX_HL7_SEGMENT_LEN as u64);
                    if o >= limit {
                        if self.classes[usize::from(b)] != Class::End {
                            self.too_long(limit, out);
                            return false;
                        }
                        self.special(b, o, out);
                        i += 1;
                        continue;
                    }
                    // `limit > o >= at`: the bytes before the limit.
                    let room =
                        usize::try_from(limit - at).unwrap_or(usize::MAX);
                    let stop = bytes.len().min(room);
                    let rest = bytes.get(i..stop).unwrap_or(&[]);
                    let run = rest
                        .iter()
                        .position(|&c| {
                            self.classes[usize::from(c)] != Class::Content
                        })
                        .unwrap_or(rest.len());
                    if self.in_name_component() {
                        self.name.take(&rest[..run], o);
                    }
                    i += run;
                    if let Some(&c) = rest.get(run) {
                        self.special(c, at + i as u64, out);
                        i += 1;
                    }
                }
            }
        }
        true
    }

    /// Whether the tracker is in PID-5, the patient name.
    fn in_name_field(&self) -> bool {
        self.seg_id == *b"PID" && self.field == 5
    }

    /// Whether the tracker is in a PID-5 component that is part of the
    /// reported name (family, given, middle).
    fn in_name_component(&self) -> bool {
        self.in_name_field() && (1..=3).contains(&self.component)
    }

    /// Handles a separator or terminator `b` at `o` inside the fields.
    fn special(&mut self, b: u8, o: u64, out: &mut Output) {
        match self.classes[usize::from(b)] {
            Class::Content => {}
            Class::Field => {
                self.end_repetition(out);
                self.field = self.field.saturating_add(1);
                self.component = 1;
            }
            Class::Repetition => {
                self.end_repetition(out);
                self.component = 1;
            }
            Class::Component => {
                if self.in_name_component() {
                    self.name.end_part();
                }
                self.component = self.component.saturating_add(1);
            }
            Class::End => {
                self.end_repetition(out);
                self.end_segment(o);
            }
        }
    }

    /// Ends a field repetition: a PID-5 one is a name.
    fn end_repetition(&mut self, out: &mut Output) {
        if self.in_name_field() {
            self.name.end(out);
        }
    }

    /// Ends the current segment at its terminator's offset `o`.
    fn end_segment(&mut self, o: u64) {
        self.phase = Phase::Between;
        if let Some(m) = &mut self.message {
            m.end = o;
        }
    }

    /// Reads a byte of a segment id, or the byte after it.
    fn id_byte(&mut self, b: u8, o: u64, out: &mut Output) -> bool {
        if self.id_len < 3 {
            if b.is_ascii_uppercase() || b.is_ascii_digit() {
                self.seg_id[self.id_len] = b;
                self.id_len += 1;
                return true;
            }
            return self.malformed(
                self.seg_start,
                format!(
                    "a segment id is not three upper-case letters or \
                     digits (byte {b:#04x} at {o})"
                ),
                out,
            );
        }
        let id = self.seg_id;
        if HEADERS.contains(&id) {
            self.close_message(out);
            if id == *b"MSH" {
                self.message = Some(Message {
                    start: self.seg_start,
                    end: o,
                    has_pid: false,
                });
            }
            if !is_separator(b) {
                return self.malformed(
                    self.seg_start,
                    format!(
                        "a header segment has no field separator (byte \
                         {b:#04x} at {o})"
                    ),
                    out,
                );
            }
            self.phase = Phase::Encoding {
                field_sep: b,
                chars: [0; MAX_ENCODING_CHARS],
                len: 0,
            };
            return true;
        }
        if TRAILERS.contains(&id) {
            self.close_message(out);
        }
        if b != self.seps.field && !is_segment_end(b) {
            return self.malformed(
                self.seg_start,
                format!(
                    "a segment id is followed by byte {b:#04x} at {o}, not \
                     the field separator"
                ),
                out,
            );
        }
        if id == *b"PID" {
            if let Some(m) = &mut self.message {
                m.has_pid = true;
            }
        }
        if b == self.seps.field {
            self.phase = Phase::Fields;
            self.field = 1;
            self.component = 1;
        } else {
            self.end_segment(o);
        }
        true
    }

    /// Reads a byte of a header's encoding characters (MSH-2), or the
    /// byte that ends them.
    fn encoding_byte(&mut self, b: u8, o: u64, out: &mut Output) -> bool {
        let Phase::Encoding { field_sep, chars, len } = &mut self.phase else {
            return true;
        };
        let field_sep = *field_sep;
        if b == field_sep || is_segment_end(b) {
            let (chars, len) = (*chars, *len);
            if len == 0 {
                return self.malformed(
                    self.seg_start,
                    format!(
                        "a header segment has no encoding characters ({o})"
                    ),
                    out,
                );
            }
            self.set_separators(field_sep, &chars[..len]);
            if b == field_sep {
                self.phase = Phase::Fields;
                self.field = 3;
                self.component = 1;
            } else {
                self.end_segment(o);
            }
            return true;
        }
        if *len == MAX_ENCODING_CHARS
            || !is_separator(b)
            || chars[..*len].contains(&b)
        {
            return self.malformed(
                self.seg_start,
                format!(
                    "a header's encoding characters are not up to \
                     {MAX_ENCODING_CHARS} distinct punctuation characters \
                     (byte {b:#04x} at {o})"
                ),
                out,
            );
        }
        chars[*len] = b;
        *len += 1;
        true
    }

    /// Puts a header's separators in force: `field` and the encoding
    /// characters `chars` (component, repetition, escape, subcomponent).
    fn set_separators(&mut self, field: u8, chars: &[u8]) {
        let at = |i: usize| chars.get(i).copied();
        self.seps = Separators {
            field,
            component: at(0).unwrap_or(field),
            repetition: at(1),
            subcomponent: at(3),
        };
        self.classes = [Class::Content; 256];
        for b in [b'\r', b'\n', 0x0B, 0x1C] {
            self.classes[usize::from(b)] = Class::End;
        }
        self.classes[usize::from(field)] = Class::Field;
        self.classes[usize::from(self.seps.component)] = Class::Component;
        if let Some(r) = self.seps.repetition {
            self.classes[usize::from(r)] = Class::Repetition;
        }
    }

    /// Ends the open message, reporting it when it has a PID segment.
    fn close_message(&mut self, out: &mut Output) {
        if let Some(m) = self.message.take() {
            if m.has_pid {
                out.findings.push(Finding::record(
                    RecordFormat::Hl7v2,
                    m.start,
                    m.end.max(m.start),
                ));
            }
        }
    }

    /// The input stopped being HL7 at `offset`: reports the open message
    /// and says so. Returns `false` (the tracker goes dormant).
    fn malformed(
        &mut self,
        offset: u64,
        message: String,
        out: &mut Output,
    ) -> bool {
        self.close_message(out);
        out.notice(Notice::new(offset, SOURCE, "malformed", message));
        false
    }

    /// The current segment ran to `limit` without ending: reports the
    /// open message (up to the limit) and says so; the tracker goes
    /// dormant.
    fn too_long(&mut self, limit: u64, out: &mut Output) {
        if let Some(m) = &mut self.message {
            m.end = limit;
        }
        self.close_message(out);
        out.notice(Notice::new(
            self.seg_start,
            SOURCE,
            "MAX_HL7_SEGMENT_LEN",
            format!(
                "a segment ran past {MAX_HL7_SEGMENT_LEN} bytes without a \
                 terminator; HL7 fields are no longer followed"
            ),
        ));
    }
}

impl Hl7Tracker {
    /// Reads leading filler and the first segment's id and field
    /// separator from `bytes` at `at`; returns how many bytes it used (the
    /// state is then [`State::Live`] or [`State::Dormant`], or all of
    /// `bytes` were used).
    fn start(&mut self, bytes: &[u8], at: u64) -> usize {
        for (k, &b) in bytes.iter().enumerate() {
            let o = at + k as u64;
            let State::Start { id, len } = &mut self.state else {
                return k;
            };
            if *len == 0 && is_leading_filler(b, o) {
                continue;
            }
            let n = usize::from(*len);
            if n < 3 {
                id[n] = b;
                *len += 1;
                if !HEADERS.iter().any(|h| h.starts_with(&id[..=n])) {
                    self.state = State::Dormant;
                    return k + 1;
                }
                continue;
            }
            // The id is the three bytes before this one.
            self.state = if is_separator(b) {
                State::Live(Box::new(Live::new(*id, o - 3, b)))
            } else {
                State::Dormant
            };
            return k + 1;
        }
        bytes.len()
    }
}

impl Tracker for Hl7Tracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target` (the scan guarantees it).
    fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        if target <= self.pos || matches!(self.state, State::Dormant) {
            self.pos = self.pos.max(target);
            return;
        }
        let range = self.pos.checked_sub(base).and_then(|from| {
            let from = usize::try_from(from).ok()?;
            let to = usize::try_from(target - base).ok()?;
            hay.get(from..to)
        });
        let Some(bytes) = range else {
            debug_assert!(false, "hay does not hold the bytes to follow");
            self.state = State::Dormant;
            return;
        };
        let at = self.pos;
        self.pos = target;
        let mut used = 0;
        if matches!(self.state, State::Start { .. }) {
            used = self.start(bytes, at);
        }
        if let State::Live(live) = &mut self.state {
            let rest = bytes.get(used..).unwrap_or(&[]);
            if !live.run(rest, at + used as u64, out) {
                self.state = State::Dormant;
            }
        }
    }

    /// The input ended at `end`: the open segment ends there (as if a
    /// terminator followed it, so that a trailing newline changes
    /// nothing), and so does the open message.
    fn finish(&mut self, end: u64, out: &mut Output) {
        if let State::Live(live) = &mut self.state {
            if live.run(b"\n", end, out) {
                live.close_message(out);
            } else {
                self.state = State::Dormant;
            }
        }
    }

    /// The role of the field at the tracker's position.
    fn role(&self, after: &[u8]) -> FieldRole {
        let State::Live(live) = &self.state else {
            return FieldRole::None;
        };
        if live.phase != Phase::Fields {
            return FieldRole::None;
        }
        match slot(&live.seg_id, live.field) {
            Slot::Fixed(role) => role,
            Slot::Cx if live.component == 1 => cx_role(after, &live.seps),
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
    use crate::structure::MAX_FIELD_VALUE_LEN;
    use crate::{Engine, Finding};

    /// An ADT^A01 with the NHS number in PID-3, a hospital number in a
    /// second repetition, a name, a date of birth and an address.
    const A01: &[u8] = b"MSH|^~\\&|SENDAPP|SENDFAC|RECAPP|RECFAC|\
        20240101120000||ADT^A01|MSG00001|P|2.4\r\
        EVN|A01|20240101120000\r\
        PID|1||6169489243^^^NHS^NH~RX1234567^^^RX1^MR||SMITH^JOHN^PAUL^^MR~\
        SMYTH^JON||19800101|M|||1 HIGH STREET^^LEEDS^^LS1 4AP||01132 496000\r\
        PV1|1|I|WARD1^^^RX1||||||||||||||||4050364883\r";

    /// Two messages in one batch file, `\n` separated, MLLP framed, with
    /// other separators and a message without PID.
    const BATCH: &[u8] = b"\x0bFHS|^~\\&|APP\r\nBHS|^~\\&|APP\r\n\
        MSH#*@!$#A#B#C#D#20240101##ORU*R01#7702282045#P#2.5\n\
        PID#1##9990000018***NHS$2.16.840.1.113883.2.1.4.1$ISO*NH#\
        #JONES*ANN**#\n\
        OBX#1#CE#22298006*Myocardial infarction*SCT\n\x1c\r\
        \x0bMSH|^~\\&|A|B|C|D|20240101||ACK|ACK1|P|2.4\r\
        MSA|AA|MSG00001\r\x1c\r\
        BTS|2\rFTS|1\r";

    /// The valid documents every consistency test runs.
    const DOCS: [&[u8]; 2] = [A01, BATCH];

    /// A tracker's outputs and its role answers at the offsets it stopped
    /// at (each with the look-ahead the scan would give it).
    type Run = (Vec<Finding>, Vec<Notice>, Vec<(usize, FieldRole)>);

    /// Follows `doc`, stopping at each of `cuts` (increasing, inside the
    /// document) and at its end, handing the tracker only the bytes it has
    /// not seen.
    fn feed(doc: &[u8], cuts: &[usize]) -> Run {
        let mut t = Hl7Tracker::default();
        let mut out = Output::default();
        let mut roles = Vec::new();
        let mut prev = 0;
        for &cut in cuts.iter().chain([&doc.len()]) {
            if cut > prev {
                t.advance(&doc[prev..cut], prev as u64, cut as u64, &mut out);
                prev = cut;
            }
            roles.push((cut, t.role(after(doc, cut))));
        }
        t.finish(doc.len() as u64, &mut out);
        (out.findings, out.notices, roles)
    }

    /// The look-ahead the scan gives a candidate ending at `at`.
    fn after(doc: &[u8], at: usize) -> &[u8] {
        &doc[at..(at + STRUCTURE_LOOKAHEAD).min(doc.len())]
    }

    /// The role at every offset, each from a fresh tracker given the
    /// document up to that offset in one call.
    fn roles_whole(doc: &[u8]) -> Vec<(usize, FieldRole)> {
        (0..=doc.len())
            .map(|i| {
                let mut t = Hl7Tracker::default();
                let mut out = Output::default();
                t.advance(doc, 0, i as u64, &mut out);
                (i, t.role(after(doc, i)))
            })
            .collect()
    }

    /// A SplitMix64 step, for reproducible random split points.
    fn next(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Asserts that `doc` gives the same outputs whole, one byte at a
    /// time and at random split points, and the same role at every
    /// offset whichever way it was fed.
    fn assert_chunking_invariant(doc: &[u8]) {
        let whole = feed(doc, &[]);
        let every: Vec<usize> = (1..doc.len()).collect();
        let bytes = feed(doc, &every);
        assert_eq!(whole.0, bytes.0, "findings, {:?}", doc);
        assert_eq!(whole.1, bytes.1, "notices");
        let reference = roles_whole(doc);
        assert_eq!(&bytes.2[..], &reference[1..], "roles");
        let mut seed = doc.len() as u64;
        for _ in 0..20 {
            let mut cuts: Vec<usize> = (0..4)
                .map(|_| (next(&mut seed) % doc.len() as u64) as usize)
                .filter(|&c| c > 0)
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            let run = feed(doc, &cuts);
            assert_eq!(whole.0, run.0, "findings, cuts {cuts:?}");
            assert_eq!(whole.1, run.1, "notices, cuts {cuts:?}");
            for (at, role) in run.2 {
                assert_eq!(reference[at], (at, role), "cuts {cuts:?}");
            }
        }
    }

    /// Spans and values of the tracker's findings.
    fn summary(found: &[Finding]) -> Vec<(Kind, u64, u64, String)> {
        let mut s: Vec<_> = found
            .iter()
            .map(|f| (f.kind, f.start, f.end, f.value().to_string()))
            .collect();
        s.sort_by_key(|x| (x.1, x.2));
        s
    }

    fn find(doc: &[u8], needle: &[u8]) -> u64 {
        doc.windows(needle.len()).position(|w| w == needle).unwrap() as u64
    }

    #[test]
    fn every_chunking_agrees() {
        for doc in DOCS {
            assert_chunking_invariant(doc);
        }
    }

    #[test]
    fn names_and_record_of_an_a01() {
        let (found, notices, _) = feed(A01, &[]);
        assert!(notices.is_empty());
        let name = find(A01, b"SMITH");
        let alias = find(A01, b"SMYTH");
        let end = find(A01, b"\rPV1")
            + b"\rPV1|1|I|WARD1^^^RX1||||||||||||||||4050364883".len() as u64;
        assert_eq!(
            summary(&found),
            vec![
                (Kind::ClinicalRecord, 0, end, "hl7v2".to_string()),
                (
                    Kind::PersonName,
                    name,
                    name + b"SMITH^JOHN^PAUL".len() as u64,
                    "SMITH JOHN PAUL".to_string()
                ),
                (
                    Kind::PersonName,
                    alias,
                    alias + b"SMYTH^JON".len() as u64,
                    "SMYTH JON".to_string()
                ),
            ]
        );
    }

    #[test]
    fn roles_through_the_engine() {
        let engine = Engine::default();
        let found = engine.scan(A01);
        let of = |needle: &[u8]| {
            let at = find(A01, needle);
            found.iter().find(|f| f.start == at).map(|f| f.confidence)
        };
        // PID-3 with authority NHS: high. PV1-19, the visit number: low,
        // though `NHS` is within the keyword window.
        assert_eq!(of(b"6169489243"), Some(Confidence::High));
        assert_eq!(of(b"4050364883"), Some(Confidence::Low));
        let found = engine.scan(BATCH);
        let at = find(BATCH, b"9990000018");
        let f = found.iter().find(|f| f.start == at).unwrap();
        assert_eq!(f.confidence, Confidence::High);
        // MSH-10, the message control id: demoted.
        let at = find(BATCH, b"7702282045");
        let f = found.iter().find(|f| f.start == at).unwrap();
        assert_eq!(f.confidence, Confidence::Low);
    }

    #[test]
    fn batch_records_and_names() {
        let (found, notices, _) = feed(BATCH, &[]);
        assert!(notices.is_empty(), "{notices:?}");
        let msh = find(BATCH, b"MSH#");
        let end = find(BATCH, b"SCT\n") + 3;
        let name = find(BATCH, b"JONES");
        assert_eq!(
            summary(&found),
            vec![
                (Kind::ClinicalRecord, msh, end, "hl7v2".to_string()),
                (Kind::PersonName, name, name + 9, "JONES ANN".to_string()),
            ],
            "the ACK has no PID: no record"
        );
    }

    /// The separators of the A01.
    fn standard() -> Separators {
        Separators {
            field: b'|',
            component: b'^',
            repetition: Some(b'~'),
            subcomponent: Some(b'&'),
        }
    }

    #[test]
    fn cx_authority_and_type() {
        let s = standard();
        let id = FieldRole::Identifier { chi: false };
        let chi = FieldRole::Identifier { chi: true };
        let cases: [(&[u8], FieldRole); 17] = [
            (b"^^^NHS^NH|", id),
            (b"^^^RX1^NH|", id),
            (b"^^^NHS|", id),
            (b"^^^nhs&2.16&ISO^PI|", id),
            (b"^^^&2.16.840.1.113883.2.1.4.1&ISO^PI~", id),
            (b"^^^CHI^PI\r", chi),
            (b"^^^SCOT^CHI\r", chi),
            (b"^^^HSC^PI\n", id),
            (b"^^^HC|", id),
            (b"^^^RX1^MR~", FieldRole::Other),
            (b"^^^RX1|", FieldRole::Other),
            (b"^^^^PI", FieldRole::Other),
            (b"|", FieldRole::None),
            (b"^^^^~", FieldRole::None),
            (b"", FieldRole::None),
            // The repetition ends before the authority.
            (b"~^^^NHS^NH|", FieldRole::None),
            (b"^^^CHIEF^MR|", FieldRole::Other),
        ];
        for (after, want) in cases {
            assert_eq!(
                cx_role(after, &s),
                want,
                "{:?}",
                String::from_utf8_lossy(after)
            );
        }
    }

    #[test]
    fn cx_look_ahead_cut_inside_the_repetition() {
        let s = standard();
        let pad = |head: &[u8]| {
            let mut v = head.to_vec();
            v.resize(STRUCTURE_LOOKAHEAD, b'x');
            v
        };
        // Authority and type whole before the cut: decided.
        assert_eq!(cx_role(&pad(b"^^^RX1^MR^"), &s), FieldRole::Other);
        // The cut falls in the type: not decided by the authority alone.
        assert_eq!(cx_role(&pad(b"^^^RX1^"), &s), FieldRole::None);
        // A partial authority that already starts with NHS decides.
        assert_eq!(
            cx_role(&pad(b"^^^NHS&"), &s),
            FieldRole::Identifier { chi: false }
        );
        // Shorter than the look-ahead: the input ended, all is seen.
        assert_eq!(cx_role(b"^^^RX1", &s), FieldRole::Other);
    }

    #[test]
    fn field_numbering() {
        // MSH-10 is after nine field separators (MSH-1 is the first).
        let doc = b"MSH|^~\\&|3|4|5|6|7|8|9|X|11\rPID|1|2|3|4|5|6|X|8\r";
        let roles = roles_whole(doc);
        let at = |needle: &[u8]| roles[find(doc, needle) as usize].1;
        assert_eq!(at(b"X|11"), FieldRole::Other);
        assert_eq!(at(b"9|X"), FieldRole::None);
        assert_eq!(at(b"11\r"), FieldRole::None);
        assert_eq!(at(b"X|8"), FieldRole::BirthDate);
        assert_eq!(at(b"6|X"), FieldRole::None);
    }

    #[test]
    fn fixed_roles() {
        let doc = b"MSH|^~\\&|A\r\
            PID|||||||||||a^^^^p||t|t|||||s\rNK1||||a|t|t\r\
            PV1|||||||||||||||||||v|||||||||||||||||||||||||||||||w\r\
            ORC||p|f\rOBR||p|f\rDG1|||c\rPRB|||c\rOBX|||c\r";
        let roles = roles_whole(doc);
        let mut seen = Vec::new();
        for (i, &b) in doc.iter().enumerate() {
            if b.is_ascii_lowercase() {
                seen.push((b, roles[i].1));
            }
        }
        use FieldRole::*;
        assert_eq!(
            seen,
            vec![
                (b'a', Address),
                (b'p', Address),
                (b't', Other),
                (b't', Other),
                (b's', Other),
                (b'a', Address),
                (b't', Other),
                (b't', Other),
                (b'v', Other),
                (b'w', Other),
                (b'p', Other),
                (b'f', Other),
                (b'p', Other),
                (b'f', Other),
                (b'c', ClinicalCode),
                (b'c', ClinicalCode),
                (b'c', ClinicalCode),
            ]
        );
    }

    #[test]
    fn crlf_and_blank_segments() {
        let doc =
            b"\r\n  \x0bMSH|^~\\&|A\r\n\r\n  \r\nPID|1||x||DOE^J\r\n\r\n  \n";
        let (found, notices, _) = feed(doc, &[]);
        assert!(notices.is_empty());
        let msh = find(doc, b"MSH");
        let end = find(doc, b"DOE^J") + 5;
        assert_eq!(
            summary(&found),
            vec![
                (Kind::ClinicalRecord, msh, end, "hl7v2".to_string()),
                (Kind::PersonName, end - 5, end, "DOE J".to_string()),
            ]
        );
        assert_chunking_invariant(doc);
    }

    #[test]
    fn name_components_and_blanks() {
        let doc = b"MSH|^~\\&|A\rPID|||||^ Ann ^^JR^DR~ ~&x^^Lee~\
            SMITH^^^III\r";
        let (found, _, _) = feed(doc, &[]);
        let names: Vec<_> = summary(&found)
            .into_iter()
            .filter(|f| f.0 == Kind::PersonName)
            .map(|f| (f.3, doc[f.1 as usize..f.2 as usize].to_vec()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Ann".to_string(), b"Ann".to_vec()),
                ("&x Lee".to_string(), b"&x^^Lee".to_vec()),
                ("SMITH".to_string(), b"SMITH".to_vec()),
            ]
        );
    }

    #[test]
    fn long_name_is_not_reported() {
        let mut doc = b"MSH|^~\\&|A\rPID|||||".to_vec();
        doc.extend(std::iter::repeat_n(b'A', MAX_FIELD_VALUE_LEN + 1));
        doc.extend_from_slice(b"^BOB~LEE^ANN\r");
        let (found, _, _) = feed(&doc, &[]);
        let names: Vec<_> = found
            .iter()
            .filter(|f| f.kind == Kind::PersonName)
            .map(|f| f.value().to_string())
            .collect();
        assert_eq!(names, vec!["LEE ANN".to_string()]);
    }

    #[test]
    fn not_hl7_is_dormant_from_the_first_significant_byte() {
        for doc in [
            &b"hello MSH|^~\\&|"[..],
            b"PID|1||6169489243^^^NHS^NH\r",
            b"  \n MSX|^~\\&|",
            b"MSH ^~\\&|",
            b"MSHA|",
        ] {
            let sig = doc
                .iter()
                .enumerate()
                .position(|(i, &b)| !is_leading_filler(b, i as u64))
                .unwrap();
            let mut t = Hl7Tracker::default();
            let mut out = Output::default();
            let first_bad = (sig..doc.len())
                .find(|&i| {
                    let mut t = Hl7Tracker::default();
                    t.advance(doc, 0, i as u64 + 1, &mut Output::default());
                    t.is_dormant()
                })
                .unwrap();
            assert!(first_bad <= sig + 3, "{doc:?}");
            t.advance(doc, 0, doc.len() as u64, &mut out);
            t.finish(doc.len() as u64, &mut out);
            assert!(t.is_dormant());
            assert!(out.findings.is_empty() && out.notices.is_empty());
        }
    }

    #[test]
    fn a_bad_segment_id_keeps_the_record_and_goes_dormant() {
        let doc = b"MSH|^~\\&|A\rPID|1||x\rThe end. 6169489243 here\r";
        let (found, notices, _) = feed(doc, &[]);
        let end = find(doc, b"x\rThe") + 1;
        assert_eq!(
            summary(&found),
            vec![(Kind::ClinicalRecord, 0, end, "hl7v2".to_string())]
        );
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].limit, "malformed");
        assert_eq!(notices[0].offset, end + 1);
        let mut t = Hl7Tracker::default();
        t.advance(doc, 0, doc.len() as u64, &mut Output::default());
        assert!(t.is_dormant());
        assert_chunking_invariant(doc);
    }

    #[test]
    fn bad_headers_are_malformed() {
        for doc in [
            &b"MSH|garbage|A\rPID|1\r"[..],
            b"MSH||A\r",
            b"MSH|^~\\&^|A\r",
            b"MSH|^~\\&#!|A\r",
            b"MSH|\r",
            b"MSH|^~\\&|A\rMSH\rPID|1\r",
            b"MSH|^~\\&|A\rMSHx^~\\&|\r",
            b"MSH|^~\\&|A\rPIDx\r",
            b"MSH|^~\\&|A\rpid|1\r",
            b"MSH|^~\\&|A\rPI|1\r",
        ] {
            let (found, notices, _) = feed(doc, &[]);
            assert!(found.is_empty(), "{doc:?}");
            assert_eq!(notices.len(), 1, "{doc:?}");
            assert_eq!(notices[0].limit, "malformed");
            assert_eq!(notices[0].source, "hl7v2");
            assert_chunking_invariant(doc);
        }
    }

    #[test]
    fn truncated_at_every_offset() {
        let pid = find(A01, b"PID") as usize;
        for doc in DOCS {
            for len in 0..=doc.len() {
                let cut = &doc[..len];
                if len > 0 {
                    assert_chunking_invariant(cut);
                }
                let (found, _, _) = feed(cut, &[]);
                let records =
                    found.iter().filter(|f| f.kind == Kind::ClinicalRecord);
                if doc == A01 {
                    // A record once the PID segment's id is whole.
                    assert_eq!(records.count(), usize::from(len >= pid + 3));
                }
                // The output is the same as with a newline after the cut.
                let mut padded = cut.to_vec();
                padded.push(b'\n');
                let (p_found, p_notices, _) = feed(&padded, &[]);
                let (found, notices, _) = feed(cut, &[]);
                assert_eq!(found, p_found, "cut at {len}");
                assert_eq!(notices, p_notices, "cut at {len}");
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 1;
        for doc in DOCS {
            for _ in 0..200 {
                let mut v = doc.to_vec();
                for _ in 0..1 + next(&mut seed) % 4 {
                    let at = (next(&mut seed) % v.len() as u64) as usize;
                    v[at] = next(&mut seed) as u8;
                }
                assert_chunking_invariant(&v);
            }
        }
        for b in 0..=255u8 {
            let mut v = b"MSH|^~\\&|A\rPID|1||".to_vec();
            v.push(b);
            v.extend_from_slice(b"6169489243^^^NHS^NH|");
            v.push(b);
            assert_chunking_invariant(&v);
        }
    }

    #[test]
    fn segment_length_limit() {
        let head = b"MSH|^~\\&|A\rPID|1||";
        let seg = find(head, b"PID") as usize;
        for extra in [0, 1] {
            let mut doc = head.to_vec();
            doc.resize(seg + MAX_HL7_SEGMENT_LEN + extra, b'x');
            doc.extend_from_slice(b"\rPV1|1\r");
            let cuts = [seg + 7, seg + MAX_HL7_SEGMENT_LEN - 1, doc.len() - 3];
            for cuts in [&[][..], &cuts] {
                let (found, notices, _) = feed(&doc, cuts);
                let record = found
                    .iter()
                    .find(|f| f.kind == Kind::ClinicalRecord)
                    .map(|f| f.end);
                if extra == 0 {
                    assert!(notices.is_empty());
                    assert_eq!(record, Some(doc.len() as u64 - 1));
                } else {
                    assert_eq!(notices.len(), 1);
                    assert_eq!(notices[0].limit, "MAX_HL7_SEGMENT_LEN");
                    assert_eq!(notices[0].offset, seg as u64);
                    let limit = (seg + MAX_HL7_SEGMENT_LEN) as u64;
                    assert_eq!(record, Some(limit));
                }
            }
        }
        // One byte at a time across the limit.
        let mut doc = head.to_vec();
        doc.resize(seg + MAX_HL7_SEGMENT_LEN + 1, b'x');
        let mut t = Hl7Tracker::default();
        let mut out = Output::default();
        for i in 1..=doc.len() {
            t.advance(&doc[i - 1..i], i as u64 - 1, i as u64, &mut out);
            let past = i > seg + MAX_HL7_SEGMENT_LEN;
            assert_eq!(t.is_dormant(), past, "at {i}");
        }
        assert_eq!(out.notices.len(), 1);
    }

    #[test]
    fn high_field_indices_have_no_role() {
        let mut doc = b"MSH|^~\\&|A\rPID".to_vec();
        doc.extend(std::iter::repeat_n(b'|', 10_000));
        doc.push(b'x');
        let roles = roles_whole(&doc);
        assert_eq!(roles[doc.len() - 1].1, FieldRole::None);
    }

    #[test]
    fn inline_state_is_small() {
        // Every scan holds a tracker; the segment state is boxed only
        // once the input is HL7.
        assert!(std::mem::size_of::<Hl7Tracker>() <= 24);
    }
}
