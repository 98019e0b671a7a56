//! DICOM Part 10 files: the data element that holds a candidate says what
//! it is. A number in PatientID (0010,0020) or OtherPatientIDs
//! (0010,1000) is corroborated; one in an accession number, a study id, a
//! UID, a date or a time is demoted; PatientBirthDate (0010,0030) and
//! PatientAddress (0010,1040) make a date or a postcode in them patient
//! data. PatientName (0010,0010) is reported as a `person_name`, and a
//! file with a patient tag (0010,0010/0020/0030) is one
//! `clinical_record`.
//!
//! A Part 10 file is a 128-byte preamble (any bytes), the magic `DICM`,
//! the file meta group (group 0002, always explicit VR little endian)
//! and the data set, in the encoding its transfer syntax (0002,0010)
//! names. The tracker decides at offset 132: without the magic at 128 it
//! is dormant (leading whitespace does not shift the preamble); with it,
//! the other trackers stop there, whatever the preamble looked like to
//! them (a CSV header, the start of a JSON document), so that one tracker
//! reports on the file. It then
//! walks the data elements header by header, keeping only the values of
//! PatientName and the transfer syntax UID and skipping every other value
//! by its length, across any number of `advance` calls, so gigabytes of
//! pixel data cost a counter.
//!
//! Sequences are walked into rather than skipped: items and delimiters
//! are headers like any other, so a PatientID inside a sequence item has
//! its role too. Encapsulated pixel data (undefined length) is a run of
//! items whose values are skipped up to the sequence delimiter. A
//! sequence of undefined length written as `UN` is implicit VR little
//! endian inside, whatever the file's encoding; a nesting count finds its
//! end. In an implicit VR data set a sequence of defined length cannot be
//! told from any other value without a data dictionary, so its value is
//! skipped (OtherPatientIDsSequence (0010,1002) excepted).
//!
//! The record spans from offset 0 to the end of the last whole data
//! element: bytes after it that do not make an element (a truncated
//! element, trailing padding) are not part of it, so a file and the same
//! file followed by any bytes that are not DICOM give the same findings.
//! It is reported when the file ends, or when the tracker stops following
//! it (a malformed element, a limit reached), so it is never lost.

use super::{FieldRole, Output, Tracker, MAX_FIELD_VALUE_LEN};
use crate::finding::{Confidence, Finding, Kind, RecordFormat};
use crate::notice::Notice;

/// Bytes of the preamble before the magic.
const PREAMBLE_LEN: u64 = 128;

/// The magic after the preamble.
const MAGIC: &[u8; 4] = b"DICM";

/// Offset of the first data element: the preamble and the magic.
pub(crate) const META_START: u64 = PREAMBLE_LEN + MAGIC.len() as u64;

/// Longest element header: tag (4), VR (2), reserved (2), length (4).
const MAX_HEADER_LEN: usize = 12;

/// The value length that says "ends at a delimiter".
const UNDEFINED_LENGTH: u32 = 0xFFFF_FFFF;

/// Transfer syntax UID of implicit VR little endian.
const IMPLICIT_LE_UID: &[u8] = b"1.2.840.10008.1.2";

/// Transfer syntax UID of explicit VR big endian (retired, still read).
const EXPLICIT_BE_UID: &[u8] = b"1.2.840.10008.1.2.2";

/// Transfer syntaxes whose data set is deflate-compressed: Deflated
/// Explicit VR Little Endian and JPIP Referenced Deflate.
const DEFLATED_UIDS: [&[u8]; 2] =
    [b"1.2.840.10008.1.2.1.99", b"1.2.840.10008.1.2.4.95"];

/// Explicit VRs whose header has two reserved bytes and a 4-byte length.
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN",
    b"UR", b"UT", b"UV",
];

/// Explicit VRs whose values are UIDs, dates or times: a number in them is
/// something else.
const OTHER_VRS: [&[u8; 2]; 4] = [b"UI", b"DA", b"DT", b"TM"];

/// (0002,0010) TransferSyntaxUID.
const TRANSFER_SYNTAX: u32 = 0x0002_0010;
/// (0008,0018) SOPInstanceUID.
const SOP_INSTANCE_UID: u32 = 0x0008_0018;
/// (0008,0020) StudyDate: the first of the dates and times up to
/// (0008,0033) ContentTime.
const FIRST_DATE_TIME: u32 = 0x0008_0020;
/// (0008,0033) ContentTime: the last of the dates and times.
const LAST_DATE_TIME: u32 = 0x0008_0033;
/// (0008,0050) AccessionNumber.
const ACCESSION_NUMBER: u32 = 0x0008_0050;
/// (0010,0010) PatientName.
const PATIENT_NAME: u32 = 0x0010_0010;
/// (0010,0020) PatientID.
const PATIENT_ID: u32 = 0x0010_0020;
/// (0010,0030) PatientBirthDate.
const PATIENT_BIRTH_DATE: u32 = 0x0010_0030;
/// (0010,1000) OtherPatientIDs.
const OTHER_PATIENT_IDS: u32 = 0x0010_1000;
/// (0010,1002) OtherPatientIDsSequence.
const OTHER_PATIENT_IDS_SEQUENCE: u32 = 0x0010_1002;
/// (0010,1040) PatientAddress.
const PATIENT_ADDRESS: u32 = 0x0010_1040;
/// (0020,000D) StudyInstanceUID.
const STUDY_INSTANCE_UID: u32 = 0x0020_000D;
/// (0020,000E) SeriesInstanceUID.
const SERIES_INSTANCE_UID: u32 = 0x0020_000E;
/// (0020,0010) StudyID.
const STUDY_ID: u32 = 0x0020_0010;
/// (7FE0,0010) PixelData.
const PIXEL_DATA: u32 = 0x7FE0_0010;
/// (FFFE,E000) Item.
const ITEM: u32 = 0xFFFE_E000;
/// (FFFE,E00D) ItemDelimitationItem.
const ITEM_DELIMITER: u32 = 0xFFFE_E00D;
/// (FFFE,E0DD) SequenceDelimitationItem.
const SEQUENCE_DELIMITER: u32 = 0xFFFE_E0DD;
/// The group of items and delimiters, whose headers have no VR.
const ITEM_GROUP: u16 = 0xFFFE;
/// The file meta group.
const META_GROUP: u16 = 0x0002;

/// The tags whose values make a file a clinical record.
const PATIENT_TAGS: [u32; 3] = [PATIENT_NAME, PATIENT_ID, PATIENT_BIRTH_DATE];

/// How data elements are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// Tag, VR, length; little endian.
    ExplicitLe,
    /// Tag, VR, length; big endian.
    ExplicitBe,
    /// Tag and length, no VR; little endian.
    ImplicitLe,
}

/// What the transfer syntax (0002,0010) says about the data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    /// Elements in this encoding.
    Elements(Encoding),
    /// The data set is deflate-compressed: not followed.
    Deflated,
}

/// A value the tracker keeps while it passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// Skipped.
    Nothing,
    /// PatientName: reported when it ends.
    Name,
    /// The transfer syntax UID: chooses the data set's encoding.
    Syntax,
}

/// Where the tracker is.
#[derive(Clone, Copy, Debug)]
enum State {
    /// Before offset 132: the preamble and the magic.
    Magic,
    /// Reading an element header into `header`.
    Header,
    /// In the value of element `tag`, `remaining` bytes (at least one)
    /// from its end.
    Value {
        /// The element's tag, `group << 16 | element`.
        tag: u32,
        /// Bytes of the value not yet seen; never 0.
        remaining: u64,
        /// What the element says about numbers in it.
        role: FieldRole,
        /// Whether the value is kept.
        keep: Keep,
    },
    /// Not DICOM, or no longer followed.
    Dormant,
}

/// An element header, read.
#[derive(Clone, Copy, Debug)]
struct Element {
    /// `group << 16 | element`.
    tag: u32,
    /// The explicit VR; `None` in implicit VR and for items.
    vr: Option<[u8; 2]>,
    /// The value length, maybe [`UNDEFINED_LENGTH`].
    len: u32,
}

/// What the header bytes read so far give.
#[derive(Clone, Copy, Debug)]
enum Parsed {
    /// The header is this many bytes; fewer are buffered.
    Need(usize),
    /// The whole header.
    Element(Element),
    /// The data set is deflated: not followed.
    Deflated,
    /// Not a DICOM element header.
    Malformed(&'static str),
}

/// Follows a DICOM Part 10 file.
#[derive(Clone, Debug)]
pub(crate) struct DicomTracker {
    /// Offset of the next byte to look at.
    pos: u64,
    /// Where the tracker is in the file.
    state: State,
    /// The header being read.
    header: [u8; MAX_HEADER_LEN],
    /// Bytes of `header` read.
    header_len: usize,
    /// Where the element being read began.
    element_start: u64,
    /// Where the kept value began.
    value_start: u64,
    /// The kept value, at most [`MAX_FIELD_VALUE_LEN`] bytes.
    value: Vec<u8>,
    /// The end of the last whole element: where the record ends.
    clean_end: u64,
    /// The transfer syntax, once (0002,0010) has been read.
    syntax: Option<Syntax>,
    /// The data set's encoding; `None` while in the file meta group.
    encoding: Option<Encoding>,
    /// In encapsulated pixel data: items are fragments, skipped.
    fragments: bool,
    /// Open undefined-length sequences and items inside an undefined-length
    /// `UN` element, which are implicit VR little endian; 0 outside one.
    implicit_depth: u32,
    /// A patient tag with a value has been seen: the file is a record.
    has_patient: bool,
}

impl Default for DicomTracker {
    fn default() -> DicomTracker {
        DicomTracker {
            pos: 0,
            state: State::Magic,
            header: [0; MAX_HEADER_LEN],
            header_len: 0,
            element_start: META_START,
            value_start: 0,
            value: Vec::new(),
            clean_end: META_START,
            syntax: None,
            encoding: None,
            fragments: false,
            implicit_depth: 0,
            has_patient: false,
        }
    }
}

/// `u16` from two bytes in the encoding's byte order.
fn u16_at(b: &[u8; MAX_HEADER_LEN], i: usize, big: bool) -> u16 {
    let v = [b[i], b[i + 1]];
    if big {
        u16::from_be_bytes(v)
    } else {
        u16::from_le_bytes(v)
    }
}

/// `u32` from four bytes in the encoding's byte order.
fn u32_at(b: &[u8; MAX_HEADER_LEN], i: usize, big: bool) -> u32 {
    let v = [b[i], b[i + 1], b[i + 2], b[i + 3]];
    if big {
        u32::from_be_bytes(v)
    } else {
        u32::from_le_bytes(v)
    }
}

/// Whether two bytes can be an explicit VR.
fn is_vr(b: &[u8]) -> bool {
    b.len() == 2 && b.iter().all(u8::is_ascii_uppercase)
}

/// The transfer syntax a UID value (padded with NUL or space) names. UIDs
/// not listed (JPEG and the other compressed syntaxes) encode the data
/// set in explicit VR little endian, pixel data encapsulated.
fn syntax_of(value: &[u8]) -> Syntax {
    let uid = trim_padding(value);
    if uid == IMPLICIT_LE_UID {
        Syntax::Elements(Encoding::ImplicitLe)
    } else if uid == EXPLICIT_BE_UID {
        Syntax::Elements(Encoding::ExplicitBe)
    } else if DEFLATED_UIDS.contains(&uid) {
        Syntax::Deflated
    } else {
        // Explicit VR little endian, and every syntax that compresses
        // only the pixel data.
        Syntax::Elements(Encoding::ExplicitLe)
    }
}

/// Whether `b` pads a DICOM string value.
fn is_padding(b: &u8) -> bool {
    matches!(b, b' ' | 0)
}

/// `value` without leading and trailing padding.
fn trim_padding(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| !is_padding(b));
    let end = value.iter().rposition(|b| !is_padding(b));
    match (start, end) {
        (Some(s), Some(e)) => &value[s..=e],
        _ => &[],
    }
}

/// Whether `b` separates the components (`^`) or the alphabetic,
/// ideographic and phonetic groups (`=`) of a PN value.
fn is_name_separator(b: &u8) -> bool {
    matches!(b, b'^' | b'=')
}

/// A PN value as a name: `(start, end, text)`, the span within `value`
/// from the first to the last byte of a component that is not empty
/// (without padding and without the separators of empty components
/// around), and the components that are not empty, joined by single
/// spaces; `None` when every component is empty.
fn person_name(value: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    let blank = |b: &u8| is_padding(b) || is_name_separator(b);
    let start = value.iter().position(|b| !blank(b))?;
    let end = value.iter().rposition(|b| !blank(b))? + 1;
    let mut text = Vec::with_capacity(end - start);
    for part in value[start..end].split(is_name_separator) {
        let part = trim_padding(part);
        if part.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(b' ');
        }
        text.extend_from_slice(part);
    }
    (!text.is_empty()).then_some((start, end, text))
}

/// What an element says about a number in its value.
fn role_of(tag: u32, vr: Option<[u8; 2]>) -> FieldRole {
    match tag {
        PATIENT_ID | OTHER_PATIENT_IDS => FieldRole::Identifier { chi: false },
        PATIENT_BIRTH_DATE => FieldRole::BirthDate,
        PATIENT_ADDRESS => FieldRole::Address,
        ACCESSION_NUMBER | STUDY_ID | SOP_INSTANCE_UID
        | STUDY_INSTANCE_UID | SERIES_INSTANCE_UID => FieldRole::Other,
        FIRST_DATE_TIME..=LAST_DATE_TIME => FieldRole::Other,
        _ => match vr {
            Some(vr) if OTHER_VRS.contains(&&vr) => FieldRole::Other,
            _ => FieldRole::None,
        },
    }
}

impl DicomTracker {
    /// Whether the tracker has not yet passed the magic: before offset
    /// [`META_START`], with the magic seen so far.
    pub(crate) fn in_preamble(&self) -> bool {
        matches!(self.state, State::Magic)
    }
}

impl DicomTracker {
    /// Reads the header bytes buffered so far.
    fn parse_header(&mut self) -> Parsed {
        let h = &self.header;
        let n = self.header_len;
        if n < 4 {
            return Parsed::Need(4);
        }
        let encoding = match self.encoding {
            _ if self.implicit_depth > 0 => Encoding::ImplicitLe,
            Some(e) => e,
            None if u16_at(h, 0, false) == META_GROUP => Encoding::ExplicitLe,
            // The first element after the meta group: the data set starts.
            None => match self.syntax {
                Some(Syntax::Deflated) => return Parsed::Deflated,
                Some(Syntax::Elements(e)) => {
                    self.encoding = Some(e);
                    e
                }
                // No transfer syntax: explicit VR when a VR is there.
                None if n < 6 => return Parsed::Need(6),
                None => {
                    let e = if is_vr(&h[4..6]) {
                        Encoding::ExplicitLe
                    } else {
                        Encoding::ImplicitLe
                    };
                    self.encoding = Some(e);
                    e
                }
            },
        };
        let big = encoding == Encoding::ExplicitBe;
        let group = u16_at(h, 0, big);
        let tag = u32::from(group) << 16 | u32::from(u16_at(h, 2, big));
        if group == ITEM_GROUP || encoding == Encoding::ImplicitLe {
            if n < 8 {
                return Parsed::Need(8);
            }
            let len = u32_at(h, 4, big);
            return Parsed::Element(Element { tag, vr: None, len });
        }
        if self.fragments {
            return Parsed::Malformed(
                "an element other than an item in encapsulated pixel data",
            );
        }
        if n < 6 {
            return Parsed::Need(6);
        }
        let vr = [h[4], h[5]];
        if !is_vr(&vr) {
            return Parsed::Malformed(
                "an explicit VR that is not two letters",
            );
        }
        if LONG_VRS.contains(&&vr) {
            if n < 12 {
                return Parsed::Need(12);
            }
            let len = u32_at(h, 8, big);
            Parsed::Element(Element { tag, vr: Some(vr), len })
        } else {
            if n < 8 {
                return Parsed::Need(8);
            }
            let len = u32::from(u16_at(h, 6, big));
            Parsed::Element(Element { tag, vr: Some(vr), len })
        }
    }

    /// Acts on a whole element header; the tracker's position is just
    /// after it.
    fn element(&mut self, e: Element, out: &mut Output) {
        let undefined = e.len == UNDEFINED_LENGTH;
        match e.tag {
            ITEM if self.fragments => {
                if undefined {
                    let why = "a pixel data fragment of undefined length";
                    return self.malformed(why, out);
                }
                self.skip(e, FieldRole::None, Keep::Nothing, out);
            }
            // An item's value is data elements: walked into.
            ITEM => {
                if undefined && self.implicit_depth > 0 {
                    self.implicit_depth =
                        self.implicit_depth.saturating_add(1);
                }
                self.whole_element();
            }
            SEQUENCE_DELIMITER if self.fragments => {
                self.fragments = false;
                self.whole_element();
            }
            ITEM_DELIMITER | SEQUENCE_DELIMITER => {
                self.implicit_depth = self.implicit_depth.saturating_sub(1);
                self.whole_element();
            }
            _ if undefined => {
                match e.vr {
                    Some(vr) if &vr == b"SQ" => {}
                    // A sequence in implicit VR little endian.
                    Some(vr) if &vr == b"UN" => self.implicit_depth = 1,
                    None if e.tag != PIXEL_DATA => {
                        if self.implicit_depth > 0 {
                            self.implicit_depth =
                                self.implicit_depth.saturating_add(1);
                        }
                    }
                    // Encapsulated pixel data: fragments to the delimiter.
                    _ => self.fragments = true,
                }
                self.whole_element();
            }
            // A sequence of defined length: its items are walked into.
            OTHER_PATIENT_IDS_SEQUENCE => self.whole_element(),
            _ if e.vr == Some(*b"SQ") => self.whole_element(),
            PATIENT_NAME | TRANSFER_SYNTAX => {
                let keep = if e.tag == PATIENT_NAME {
                    Keep::Name
                } else if self.encoding.is_none() {
                    Keep::Syntax
                } else {
                    Keep::Nothing
                };
                if keep != Keep::Nothing
                    && e.len as usize > MAX_FIELD_VALUE_LEN
                {
                    out.notice(Notice::new(
                        self.element_start,
                        "dicom",
                        "MAX_FIELD_VALUE_LEN",
                        format!(
                            "a {} value of {} bytes is longer than \
                             {MAX_FIELD_VALUE_LEN}; the file is no longer \
                             followed",
                            if keep == Keep::Name {
                                "PatientName"
                            } else {
                                "TransferSyntaxUID"
                            },
                            e.len
                        ),
                    ));
                    return self.stop(out);
                }
                self.skip(e, role_of(e.tag, e.vr), keep, out);
            }
            _ => self.skip(e, role_of(e.tag, e.vr), Keep::Nothing, out),
        }
    }

    /// Passes over the value of `e`, keeping it if asked.
    fn skip(
        &mut self,
        e: Element,
        role: FieldRole,
        keep: Keep,
        out: &mut Output,
    ) {
        self.value.clear();
        self.value_start = self.pos;
        if e.len == 0 {
            self.end_value(e.tag, keep, out);
        } else {
            self.state = State::Value {
                tag: e.tag,
                remaining: u64::from(e.len),
                role,
                keep,
            };
        }
    }

    /// The value of element `tag` ended at the tracker's position.
    fn end_value(&mut self, tag: u32, keep: Keep, out: &mut Output) {
        if PATIENT_TAGS.contains(&tag) && self.pos > self.value_start {
            self.has_patient = true;
        }
        match keep {
            Keep::Nothing => {}
            Keep::Syntax => self.syntax = Some(syntax_of(&self.value)),
            Keep::Name => {
                if let Some((s, e, text)) = person_name(&self.value) {
                    out.findings.push(Finding::companion(
                        Kind::PersonName,
                        self.value_start + s as u64,
                        self.value_start + e as u64,
                        Confidence::High,
                        &text,
                    ));
                }
            }
        }
        self.value.clear();
        self.whole_element();
    }

    /// An element ended (or its header, for one that is walked into) at
    /// the tracker's position: the next header starts.
    fn whole_element(&mut self) {
        self.clean_end = self.pos;
        self.header_len = 0;
        self.state = State::Header;
    }

    /// The element at `element_start` is not DICOM: says so and stops.
    fn malformed(&mut self, why: &str, out: &mut Output) {
        out.notice(Notice::new(
            self.element_start,
            "dicom",
            "malformed",
            format!(
                "{why} at byte {}; the file's data elements are no longer \
                 followed",
                self.element_start
            ),
        ));
        self.stop(out);
    }

    /// Stops following the file, reporting its record up to the end of
    /// the last whole element.
    fn stop(&mut self, out: &mut Output) {
        if self.has_patient {
            out.findings.push(Finding::record(
                RecordFormat::Dicom,
                0,
                self.clean_end,
            ));
            self.has_patient = false;
        }
        self.value = Vec::new();
        self.state = State::Dormant;
    }
}

impl Tracker for DicomTracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target` (the scan guarantees it: regions are contiguous
    /// and in order).
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
        debug_assert!(self.pos >= base);
        let from = (self.pos - base) as usize;
        let to = (target - base) as usize;
        let bytes = &hay[from..to];
        let start = self.pos;
        let mut k = 0;
        // Every state but `Header` needs a byte to go on; a header read to
        // its last byte is acted on at once, so that the role at `target`
        // is the role of the value that starts there, however the bytes
        // came.
        loop {
            self.pos = start + k as u64;
            let left = bytes.len() - k;
            match self.state {
                State::Dormant => break,
                _ if left == 0 && !matches!(self.state, State::Header) => {
                    break
                }
                State::Magic => {
                    // The preamble can be anything; only the magic counts.
                    if self.pos < PREAMBLE_LEN {
                        let skip = (PREAMBLE_LEN - self.pos).min(left as u64);
                        k += skip as usize;
                        continue;
                    }
                    let i = (self.pos - PREAMBLE_LEN) as usize;
                    if MAGIC.get(i) != Some(&bytes[k]) {
                        self.state = State::Dormant;
                        break;
                    }
                    k += 1;
                    if i + 1 == MAGIC.len() {
                        self.pos = META_START;
                        self.whole_element();
                    }
                }
                State::Header => match self.parse_header() {
                    Parsed::Need(_) if left == 0 => break,
                    Parsed::Need(n) => {
                        if self.header_len == 0 {
                            self.element_start = self.pos;
                        }
                        let have = self.header_len;
                        let take = (n - have).min(left);
                        self.header[have..have + take]
                            .copy_from_slice(&bytes[k..k + take]);
                        self.header_len += take;
                        k += take;
                    }
                    Parsed::Element(e) => self.element(e, out),
                    Parsed::Deflated => {
                        out.notice(Notice::new(
                            self.element_start,
                            "dicom",
                            "unsupported",
                            "the data set is deflate-compressed; its data \
                             elements are not followed"
                                .to_string(),
                        ));
                        self.stop(out);
                    }
                    Parsed::Malformed(why) => self.malformed(why, out),
                },
                State::Value { tag, remaining, role, keep } => {
                    let n = remaining.min(left as u64);
                    let end = k + n as usize;
                    if keep != Keep::Nothing {
                        self.value.extend_from_slice(&bytes[k..end]);
                    }
                    k = end;
                    if n == remaining {
                        self.pos = start + k as u64;
                        self.end_value(tag, keep, out);
                    } else {
                        self.state = State::Value {
                            tag,
                            remaining: remaining - n,
                            role,
                            keep,
                        };
                    }
                }
            }
        }
        self.pos = target;
    }

    fn finish(&mut self, end: u64, out: &mut Output) {
        debug_assert!(end >= self.pos);
        match self.state {
            State::Magic | State::Dormant => {}
            State::Header if self.header_len == 0 => self.stop(out),
            State::Header | State::Value { .. } => {
                self.malformed("a data element cut short by the end", out);
            }
        }
        self.state = State::Dormant;
    }

    fn stop_following(&mut self) {
        self.state = State::Dormant;
    }

    /// The role of the value the tracker is in.
    fn role(&self, _after: &[u8]) -> FieldRole {
        match self.state {
            State::Value { role, .. } => role,
            _ => FieldRole::None,
        }
    }

    fn is_dormant(&self) -> bool {
        matches!(self.state, State::Dormant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    /// A synthetic NHS number.
    const NHS: &[u8] = b"9434765919";
    /// A valid NHS-range number from `gen-ids nhs 4 132`.
    const NHS_RANGE: &[u8] = b"7856170905";

    /// Pads a value to even length, as DICOM requires.
    fn even(value: &[u8], pad: u8) -> Vec<u8> {
        let mut v = value.to_vec();
        if v.len() % 2 == 1 {
            v.push(pad);
        }
        v
    }

    /// One explicit VR element; `big` for big endian.
    fn explicit(tag: u32, vr: &[u8; 2], value: &[u8], big: bool) -> Vec<u8> {
        let mut out = tag_bytes(tag, big);
        out.extend_from_slice(vr);
        if LONG_VRS.contains(&vr) {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&len32(value.len() as u32, big));
        } else {
            let len = value.len() as u16;
            out.extend_from_slice(&if big {
                len.to_be_bytes()
            } else {
                len.to_le_bytes()
            });
        }
        out.extend_from_slice(value);
        out
    }

    /// One explicit VR little endian element.
    fn ex(tag: u32, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        explicit(tag, vr, value, false)
    }

    /// One implicit VR little endian element.
    fn im(tag: u32, value: &[u8]) -> Vec<u8> {
        let mut out = tag_bytes(tag, false);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    /// A header with no value: an item, a delimiter, or an element of
    /// undefined length (`vr` `None` for implicit VR and items).
    fn open(tag: u32, vr: Option<&[u8; 2]>, len: u32) -> Vec<u8> {
        let mut out = tag_bytes(tag, false);
        if let Some(vr) = vr {
            out.extend_from_slice(vr);
            out.extend_from_slice(&[0, 0]);
        }
        out.extend_from_slice(&len.to_le_bytes());
        out
    }

    /// A tag's four bytes: group, then element.
    fn tag_bytes(tag: u32, big: bool) -> Vec<u8> {
        let (g, e) = ((tag >> 16) as u16, tag as u16);
        if big {
            [g.to_be_bytes(), e.to_be_bytes()].concat()
        } else {
            [g.to_le_bytes(), e.to_le_bytes()].concat()
        }
    }

    /// A 4-byte length.
    fn len32(len: u32, big: bool) -> [u8; 4] {
        if big {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        }
    }

    /// A Part 10 file: preamble, magic, a meta group naming `syntax`
    /// (none when `None`), then `dataset`.
    fn file(syntax: Option<&[u8]>, dataset: &[u8]) -> Vec<u8> {
        let mut meta = ex(0x0002_0001, b"OB", &[0, 1]);
        if let Some(uid) = syntax {
            meta.extend(ex(TRANSFER_SYNTAX, b"UI", &even(uid, 0)));
        }
        meta.extend(ex(0x0002_0013, b"SH", b"CALDICOTT "));
        // Any preamble: the magic alone counts.
        let mut out: Vec<u8> = (0..128u8).map(|b| b.wrapping_mul(7)).collect();
        out.extend_from_slice(MAGIC);
        out.extend(ex(0x0002_0000, b"UL", &(meta.len() as u32).to_le_bytes()));
        out.extend(meta);
        out.extend_from_slice(dataset);
        out
    }

    /// Patient data elements, explicit VR little endian, in tag order,
    /// with a sequence of undefined length and encapsulated pixel data.
    fn explicit_dataset() -> Vec<u8> {
        let mut d = Vec::new();
        d.extend(ex(0x0008_0018, b"UI", b"1.2.826.0.1.3680043.2.1"));
        d.extend(ex(0x0008_0020, b"DA", b"20240102"));
        d.extend(ex(ACCESSION_NUMBER, b"SH", NHS_RANGE));
        d.extend(ex(PATIENT_NAME, b"PN", &even(b"SMITH^JANE^^DR", b' ')));
        d.extend(ex(PATIENT_ID, b"LO", NHS));
        d.extend(ex(PATIENT_BIRTH_DATE, b"DA", b"19700101"));
        d.extend(open(OTHER_PATIENT_IDS_SEQUENCE, Some(b"SQ"), !0));
        d.extend(open(ITEM, None, !0));
        d.extend(ex(PATIENT_ID, b"LO", NHS_RANGE));
        d.extend(open(ITEM_DELIMITER, None, 0));
        d.extend(open(SEQUENCE_DELIMITER, None, 0));
        d.extend(ex(PATIENT_ADDRESS, b"LO", b"1 HIGH ST LS1 4AP "));
        d.extend(ex(STUDY_ID, b"SH", NHS_RANGE));
        d.extend(open(PIXEL_DATA, Some(b"OB"), !0));
        d.extend(im(ITEM, &[]));
        d.extend(im(ITEM, b"\x10\x00\x20\x00LO\x0A\x00"));
        d.extend(open(SEQUENCE_DELIMITER, None, 0));
        d
    }

    /// The same data set, implicit VR little endian.
    fn implicit_dataset() -> Vec<u8> {
        let mut d = Vec::new();
        d.extend(im(ACCESSION_NUMBER, NHS_RANGE));
        d.extend(im(PATIENT_NAME, b"O'NEIL^MARY"));
        d.extend(im(PATIENT_ID, NHS));
        d.extend(open(0x0010_1002, None, !0));
        d.extend(open(ITEM, None, 18));
        d.extend(im(PATIENT_ID, NHS_RANGE));
        d.extend(open(SEQUENCE_DELIMITER, None, 0));
        d.extend(im(PIXEL_DATA, &[7; 64]));
        d
    }

    /// Every valid document the tests use.
    fn documents() -> Vec<Vec<u8>> {
        let mut big = Vec::new();
        big.extend(explicit(PATIENT_NAME, b"PN", b"ROE^RICHARD ", true));
        big.extend(explicit(PATIENT_ID, b"LO", NHS, true));
        big.extend(explicit(PIXEL_DATA, b"OW", &[1; 6], true));
        let mut un = Vec::new();
        un.extend(open(0x0009_1010, Some(b"UN"), !0));
        un.extend(open(ITEM, None, !0));
        un.extend(im(PATIENT_ID, NHS));
        un.extend(open(ITEM_DELIMITER, None, 0));
        un.extend(open(SEQUENCE_DELIMITER, None, 0));
        un.extend(ex(PATIENT_NAME, b"PN", b"DOE^JOHN"));
        vec![
            file(Some(b"1.2.840.10008.1.2.1"), &explicit_dataset()),
            file(Some(b"1.2.840.10008.1.2.4.50"), &explicit_dataset()),
            file(None, &explicit_dataset()),
            file(Some(b"1.2.840.10008.1.2"), &implicit_dataset()),
            file(None, &implicit_dataset()),
            file(Some(b"1.2.840.10008.1.2.2"), &big),
            file(Some(b"1.2.840.10008.1.2.1"), &un),
            file(Some(b"1.2.840.10008.1.2.1"), &[]),
        ]
    }

    /// What a run of the tracker gave: its findings, its notices, and the
    /// role at each offset it was advanced to.
    #[derive(Debug, PartialEq)]
    struct Run {
        findings: Vec<Finding>,
        notices: Vec<Notice>,
        roles: Vec<(u64, FieldRole)>,
        dormant: bool,
    }

    /// Runs the tracker over `doc`, advancing to each of `stops` (then to
    /// the end) with `hay` holding only the bytes from the previous stop.
    fn run(doc: &[u8], stops: &[usize]) -> Run {
        let mut t = DicomTracker::default();
        let mut out = Output::default();
        let mut roles = Vec::new();
        let mut from = 0;
        for &to in stops.iter().chain([&doc.len()]) {
            if to <= from || to > doc.len() {
                continue;
            }
            t.advance(&doc[from..to], from as u64, to as u64, &mut out);
            roles.push((to as u64, t.role(&[])));
            from = to;
        }
        t.finish(doc.len() as u64, &mut out);
        Run {
            findings: out.findings,
            notices: out.notices,
            roles,
            dormant: t.is_dormant(),
        }
    }

    /// Splits with a SplitMix64 sequence from `seed`, sorted.
    fn random_stops(len: usize, seed: u64) -> Vec<usize> {
        let mut x = seed;
        let mut stops: Vec<usize> = (0..12)
            .map(|_| {
                x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = x;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as usize % (len + 1)
            })
            .collect();
        stops.sort_unstable();
        stops
    }

    /// Checks that `doc` gives the same run whole, byte by byte and at
    /// random split points; returns the byte-by-byte run.
    fn same_every_way(doc: &[u8]) -> Run {
        let every: Vec<usize> = (1..doc.len()).collect();
        let bytes = run(doc, &every);
        let whole = run(doc, &[]);
        assert_eq!(whole.findings, bytes.findings);
        assert_eq!(whole.notices, bytes.notices);
        assert_eq!(whole.dormant, bytes.dormant);
        for seed in 0..20 {
            let stops = random_stops(doc.len(), seed);
            let split = run(doc, &stops);
            assert_eq!(split.findings, bytes.findings, "seed {seed}");
            assert_eq!(split.notices, bytes.notices, "seed {seed}");
            for (at, role) in split.roles {
                let want = bytes.roles.iter().find(|r| r.0 == at);
                assert_eq!(want, Some(&(at, role)), "seed {seed}");
            }
        }
        bytes
    }

    /// The role a run gave for a candidate starting at `at`.
    fn role_at(run: &Run, at: usize) -> FieldRole {
        run.roles
            .iter()
            .find(|r| r.0 == at as u64)
            .map_or(FieldRole::None, |r| r.1)
    }

    /// Where `needle` first is in `hay`.
    fn find(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).position(|w| w == needle).unwrap()
    }

    /// The names a run reported: span and text.
    fn names(run: &Run) -> Vec<(u64, u64, String)> {
        run.findings
            .iter()
            .filter(|f| f.kind == Kind::PersonName)
            .map(|f| (f.start, f.end, f.value().to_string()))
            .collect()
    }

    /// The spans of the records in `findings`.
    fn records(findings: &[Finding]) -> Vec<(u64, u64)> {
        findings
            .iter()
            .filter(|f| f.kind == Kind::ClinicalRecord)
            .map(|f| (f.start, f.end))
            .collect()
    }

    #[test]
    fn every_document_is_the_same_however_it_is_split() {
        for doc in documents() {
            let r = same_every_way(&doc);
            assert!(r.notices.is_empty(), "{:?}", r.notices);
            assert!(r.dormant);
        }
    }

    #[test]
    fn explicit_little_endian_roles_names_and_record() {
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &explicit_dataset());
        let r = same_every_way(&doc);
        let id = FieldRole::Identifier { chi: false };
        let pid = find(&doc, NHS);
        assert_eq!(role_at(&r, pid), id);
        assert_eq!(role_at(&r, pid + 9), id);
        assert_eq!(role_at(&r, pid + 10), FieldRole::None);
        let acc = find(&doc, NHS_RANGE);
        assert_eq!(role_at(&r, acc), FieldRole::Other);
        let nested = acc + 1 + find(&doc[acc + 1..], NHS_RANGE);
        assert_eq!(role_at(&r, nested), id);
        let study = nested + 1 + find(&doc[nested + 1..], NHS_RANGE);
        assert_eq!(role_at(&r, study), FieldRole::Other);
        assert_eq!(role_at(&r, find(&doc, b"1970")), FieldRole::BirthDate);
        assert_eq!(role_at(&r, find(&doc, b"LS1")), FieldRole::Address);
        assert_eq!(role_at(&r, find(&doc, b"2024")), FieldRole::Other);
        assert_eq!(role_at(&r, find(&doc, b"1.2.826")), FieldRole::Other);
        // The fragment that looks like a PatientID header is pixel data.
        let header = b"\x10\x00\x20\x00LO\x0A\x00";
        let frag = doc.windows(8).rposition(|w| w == header).unwrap() + 8;
        assert!(frag > find(&doc, header) + 8);
        assert_eq!(role_at(&r, frag), FieldRole::None);
        let name = find(&doc, b"SMITH") as u64;
        assert_eq!(
            names(&r),
            [(name, name + 14, "SMITH JANE DR".to_string())]
        );
        assert_eq!(records(&r.findings), [(0, doc.len() as u64)]);
    }

    #[test]
    fn implicit_little_endian_roles_names_and_record() {
        let doc = file(Some(b"1.2.840.10008.1.2"), &implicit_dataset());
        let r = same_every_way(&doc);
        let id = FieldRole::Identifier { chi: false };
        assert_eq!(role_at(&r, find(&doc, NHS)), id);
        let acc = find(&doc, NHS_RANGE);
        assert_eq!(role_at(&r, acc), FieldRole::Other);
        let nested = acc + 1 + find(&doc[acc + 1..], NHS_RANGE);
        assert_eq!(role_at(&r, nested), id);
        let name = find(&doc, b"O'NEIL") as u64;
        assert_eq!(names(&r), [(name, name + 11, "O'NEIL MARY".to_string())]);
        assert_eq!(records(&r.findings), [(0, doc.len() as u64)]);
    }

    #[test]
    fn big_endian_and_un_sequences_are_followed() {
        let docs = documents();
        let big = &docs[5];
        let r = same_every_way(big);
        let id = FieldRole::Identifier { chi: false };
        assert_eq!(role_at(&r, find(big, NHS)), id);
        assert_eq!(names(&r)[0].2, "ROE RICHARD");
        assert_eq!(records(&r.findings), [(0, big.len() as u64)]);
        // Inside a UN sequence the elements are implicit VR; after it the
        // file is explicit VR again.
        let un = &docs[6];
        let r = same_every_way(un);
        assert_eq!(role_at(&r, find(un, NHS)), id);
        assert_eq!(names(&r)[0].2, "DOE JOHN");
        assert_eq!(records(&r.findings), [(0, un.len() as u64)]);
    }

    #[test]
    fn a_file_without_patient_tags_is_no_record() {
        let mut d = ex(0x0008_0020, b"DA", b"20240102");
        d.extend(ex(PATIENT_NAME, b"PN", b""));
        let r = same_every_way(&file(Some(b"1.2.840.10008.1.2.1"), &d));
        assert!(r.findings.is_empty());
        assert!(r.notices.is_empty());
    }

    /// A name's expected span and text.
    type Want = Option<(usize, usize, &'static str)>;

    #[test]
    fn person_names_drop_empty_components_and_padding() {
        let cases: [(&[u8], Want); 7] = [
            (b"DOE^JOHN", Some((0, 8, "DOE JOHN"))),
            (b"DOE^^JOHN^^ ", Some((0, 9, "DOE JOHN"))),
            (b"^JOHN", Some((1, 5, "JOHN"))),
            (b" VAN DER BERG^ANNA\0", Some((1, 18, "VAN DER BERG ANNA"))),
            (b"YAMADA^TARO=\xe5\xb1\xb1\xe7\x94\xb0^", Some((0, 18, "x"))),
            (b"^^^^", None),
            (b"  \0", None),
        ];
        for (raw, want) in cases {
            let got = person_name(raw);
            match want {
                None => assert_eq!(got, None),
                Some((s, e, _)) if raw.starts_with(b"YAMADA") => {
                    let (gs, ge, text) = got.unwrap();
                    assert_eq!((gs, ge), (s, e));
                    assert_eq!(
                        String::from_utf8(text).unwrap(),
                        "YAMADA TARO \u{5c71}\u{7530}"
                    );
                }
                Some((s, e, t)) => {
                    assert_eq!(got, Some((s, e, t.as_bytes().to_vec())));
                }
            }
        }
    }

    #[test]
    fn not_dicom_is_dormant_at_the_magic() {
        // Too short to have the magic: dormant at the end, nothing said.
        let short = vec![0u8; 100];
        let r = same_every_way(&short);
        assert!(r.dormant && r.findings.is_empty() && r.notices.is_empty());
        // The magic anywhere but offset 128.
        let mut doc = file(Some(b"1.2.840.10008.1.2.1"), &explicit_dataset());
        doc.insert(0, b' ');
        let r = same_every_way(&doc);
        assert!(r.findings.is_empty() && r.notices.is_empty());
        assert_eq!(r.roles.iter().find(|x| x.1 != FieldRole::None), None);
        let mut t = DicomTracker::default();
        let text = [&b"DICM 9434765919 and text "[..], &[b'.'; 120]].concat();
        t.advance(&text, 0, 128, &mut Output::default());
        assert!(!t.is_dormant(), "undecided before the magic");
        t.advance(&text, 0, 129, &mut Output::default());
        assert!(t.is_dormant());
    }

    /// Every prefix of every document: no panic, the same whole as byte by
    /// byte, and what was reported before the cut is still reported.
    #[test]
    fn truncated_at_every_offset() {
        for doc in documents() {
            let full = run(&doc, &[]);
            for cut in 0..doc.len() {
                let prefix = &doc[..cut];
                let every: Vec<usize> = (1..cut).collect();
                let r = run(prefix, &every);
                let whole = run(prefix, &[]);
                assert_eq!(r.findings, whole.findings, "cut {cut}");
                assert_eq!(r.notices, whole.notices, "cut {cut}");
                assert!(r.dormant);
                if (cut as u64) < META_START {
                    assert!(r.findings.is_empty() && r.notices.is_empty());
                }
                for f in &r.findings {
                    assert!(f.end <= cut as u64);
                    if f.kind == Kind::PersonName {
                        assert!(full.findings.contains(f));
                    }
                }
                // A record ends where an element of the whole file ends.
                for (_, end) in records(&r.findings) {
                    assert!(end as usize <= cut);
                    let more = run(&doc[..end as usize], &[]);
                    assert!(more.notices.is_empty(), "cut {cut}");
                }
            }
        }
    }

    /// Newline padding (what the table runner adds) and bytes that do not
    /// make an element change no finding: the record ends at the last
    /// whole element.
    #[test]
    fn trailing_padding_changes_no_finding() {
        for doc in documents() {
            let want = run(&doc, &[]).findings;
            for pad in [b'\n', b' ', b'x'] {
                for k in 1..40 {
                    let mut padded = doc.clone();
                    padded.extend(std::iter::repeat_n(pad, k));
                    let r = run(&padded, &[]);
                    assert_eq!(r.findings, want, "{pad} x {k}");
                    assert_eq!(r.notices.len(), 1, "{pad} x {k}");
                }
            }
        }
    }

    #[test]
    fn garbage_never_panics_and_is_chunking_independent() {
        let mut x = 0x1234_5678_9ABC_DEF0u64;
        for round in 0..200 {
            let mut doc = file(Some(b"1.2.840.10008.1.2.1"), &[]);
            if round % 2 == 1 {
                doc = file(Some(b"1.2.840.10008.1.2"), &[]);
            }
            for _ in 0..64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Bias towards the bytes that matter: headers and 0xFF.
                let b = match x % 5 {
                    0 => 0xFF,
                    1 => 0,
                    2 => b'A' + (x >> 8) as u8 % 26,
                    _ => (x >> 16) as u8,
                };
                doc.push(b);
            }
            same_every_way(&doc);
        }
    }

    #[test]
    fn malformed_vr_stops_with_the_record_so_far() {
        let mut d = ex(PATIENT_ID, b"LO", NHS);
        let bad = d.len();
        d.extend(ex(PATIENT_NAME, b"pn", b"DOE^JOHN"));
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &d);
        let r = same_every_way(&doc);
        let start = (doc.len() - d.len() + bad) as u64;
        assert_eq!(r.notices.len(), 1);
        assert_eq!(
            (r.notices[0].limit, r.notices[0].offset),
            ("malformed", start)
        );
        assert_eq!(records(&r.findings), [(0, start)]);
        assert!(names(&r).is_empty());
    }

    #[test]
    fn a_cut_value_is_reported_and_not_part_of_the_record() {
        let mut d = ex(PATIENT_ID, b"LO", NHS);
        let cut = d.len();
        d.extend(ex(PATIENT_NAME, b"PN", b"DOE^JOHN"));
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &d);
        let r = same_every_way(&doc[..doc.len() - 2]);
        let start = (doc.len() - d.len() + cut) as u64;
        assert_eq!(r.notices.len(), 1);
        assert_eq!(r.notices[0].offset, start);
        assert_eq!(records(&r.findings), [(0, start)]);
        assert!(names(&r).is_empty());
    }

    #[test]
    fn pixel_data_is_skipped_by_length_without_keeping_it() {
        let mut t = DicomTracker::default();
        let mut out = Output::default();
        let mut doc = file(Some(b"1.2.840.10008.1.2.1"), &[]);
        doc.extend(ex(PATIENT_ID, b"LO", NHS));
        doc.extend(open(PIXEL_DATA, Some(b"OB"), 0xFFFF_FFF0));
        t.advance(&doc, 0, doc.len() as u64, &mut out);
        let chunk = vec![0x39u8; 1 << 20];
        let mut at = doc.len() as u64;
        for _ in 0..64 {
            t.advance(&chunk, at, at + chunk.len() as u64, &mut out);
            at += chunk.len() as u64;
            assert_eq!(t.role(&[]), FieldRole::None);
            assert!(t.value.capacity() <= MAX_FIELD_VALUE_LEN);
        }
        t.finish(at, &mut out);
        assert_eq!(out.notices.len(), 1);
        assert_eq!(records(&out.findings), [(0, doc.len() as u64 - 12)]);
    }

    #[test]
    fn values_past_the_limit_stop_with_a_notice() {
        let long = vec![b'A'; MAX_FIELD_VALUE_LEN + 2];
        let mut d = ex(PATIENT_ID, b"LO", NHS);
        let at = d.len();
        d.extend(ex(PATIENT_NAME, b"PN", &long));
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &d);
        let r = same_every_way(&doc);
        let start = (doc.len() - d.len() + at) as u64;
        assert_eq!(r.notices.len(), 1);
        assert_eq!(r.notices[0].limit, "MAX_FIELD_VALUE_LEN");
        assert_eq!(records(&r.findings), [(0, start)]);
        // At the limit is fine.
        let mut d = ex(PATIENT_ID, b"LO", NHS);
        d.extend(ex(PATIENT_NAME, b"PN", &long[2..]));
        let r = same_every_way(&file(Some(b"1.2.840.10008.1.2.1"), &d));
        assert!(r.notices.is_empty());
        assert_eq!(names(&r).len(), 1);
        // A transfer syntax UID past the limit.
        let doc = file(Some(&long), &ex(PATIENT_ID, b"LO", NHS));
        let r = same_every_way(&doc);
        assert_eq!(r.notices.len(), 1);
        assert_eq!(r.notices[0].limit, "MAX_FIELD_VALUE_LEN");
        assert!(r.findings.is_empty());
    }

    #[test]
    fn deflated_data_sets_are_not_followed() {
        let doc = file(
            Some(b"1.2.840.10008.1.2.1.99"),
            b"\x78\x9c compressed bytes 9434765919",
        );
        let r = same_every_way(&doc);
        assert_eq!(r.notices.len(), 1);
        assert_eq!(r.notices[0].limit, "unsupported");
        assert!(r.findings.is_empty());
        let data_set = find(&doc, b"\x78\x9c") as u64;
        let later = r.roles.iter().filter(|x| x.0 > data_set);
        assert_eq!(later.clone().count(), 30);
        assert!(later.into_iter().all(|x| x.1 == FieldRole::None));
    }

    #[test]
    fn the_engine_judges_numbers_by_their_element() {
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &explicit_dataset());
        let found = Engine::default().scan(&doc);
        let got: Vec<(Kind, u64, Confidence)> =
            found.iter().map(|f| (f.kind, f.start, f.confidence)).collect();
        let acc = find(&doc, NHS_RANGE) as u64;
        let pid = find(&doc, NHS) as u64;
        assert!(got.contains(&(Kind::NhsNumber, acc, Confidence::Low)));
        assert!(got.contains(&(Kind::NhsNumber, pid, Confidence::High)));
        assert!(got.contains(&(Kind::ClinicalRecord, 0, Confidence::High)));
        assert_eq!(
            found.iter().filter(|f| f.kind == Kind::PersonName).count(),
            1
        );
        // The same bytes with no structure: medium, no record.
        let mut plain = doc.clone();
        plain[128] = b'X';
        let found = Engine::default().scan(&plain);
        let numbers = found.iter().filter(|f| f.kind.is_health_identifier());
        assert!(numbers.clone().count() >= 2);
        assert!(numbers
            .into_iter()
            .all(|f| f.confidence == Confidence::Medium));
        assert!(found.iter().all(|f| f.kind != Kind::ClinicalRecord));
    }

    /// A preamble may hold anything, even the start of another format: the
    /// magic makes the file DICOM, and the other trackers stop there, so
    /// that only one tracker reports (in input order, at any chunking).
    #[test]
    fn a_preamble_that_starts_another_format_is_not_followed() {
        let doc = file(Some(b"1.2.840.10008.1.2.1"), &explicit_dataset());
        let want = Engine::default().scan(&doc);
        for start in [
            &b"nhs_number,surname\n"[..],
            b"MSH|^~\\&|A\rPID|1||9434765919^^^NHS^NH\r",
            b"{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"",
            b"<Patient><name><family value=\"",
        ] {
            let mut odd = doc.clone();
            odd[..start.len()].copy_from_slice(start);
            let found = Engine::default().scan(&odd);
            // A record of the other format ends in the preamble.
            let records: Vec<_> = found
                .iter()
                .filter_map(|f| f.format.map(|r| (r, f.end)))
                .filter(|&(r, end)| r == RecordFormat::Dicom || end > 128)
                .collect();
            assert_eq!(
                records,
                [(RecordFormat::Dicom, doc.len() as u64)],
                "{start:?}"
            );
            let late = |f: &&Finding| f.start >= META_START;
            assert!(
                found.iter().filter(late).eq(want.iter().filter(late)),
                "{start:?}"
            );
        }
    }
}
