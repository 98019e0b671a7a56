//! What a scan reports: [`Finding`], its [`Kind`] and [`Confidence`].

use std::fmt;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize as SerializeDerive};

/// The kind of identifier, or of clinical content, a [`Finding`] is.
///
/// The names (`nhs_number`, …) are the ones used in JSON output, in
/// configuration files and in the shared test tables. The first three are
/// the health identifiers (see [`Kind::is_health_identifier`]); the rest
/// are the companion identifiers and clinical content of spec §4–5, which
/// make a document a clinical record.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// NHS number (England, Wales, Isle of Man), including the synthetic
    /// 9xx test range.
    NhsNumber,
    /// Scottish Community Health Index number.
    ChiNumber,
    /// Northern Ireland Health and Care number.
    HcNumber,
    /// UK National Insurance number (`AB123456C`, `AB 12 34 56 C`).
    Nino,
    /// UK postcode (`LS1 4AP`).
    Postcode,
    /// A calendar date next to a date-of-birth keyword, or in a
    /// date-of-birth field (HL7 PID-7, FHIR `birthDate`, a DOB column).
    DateOfBirth,
    /// A SNOMED CT identifier (Verhoeff check) in a coded field or next to
    /// a SNOMED keyword.
    SnomedCt,
    /// An ICD-10 code in a coded field or next to a diagnosis keyword.
    Icd10,
    /// An NHSmail address (`…@nhs.net`).
    NhsEmail,
    /// A person's name, from structure only (HL7 PID-5, FHIR `name`, CDA
    /// `patient/name`, DICOM PatientName, a CSV name column).
    PersonName,
    /// One clinical record (spec §5): an HL7 message with a PID segment, a
    /// FHIR Patient resource, a CDA document, a DICOM file with patient
    /// tags, a CSV row with an identifier. Its span is the record's; its
    /// [`format`](Finding::format) says which.
    ClinicalRecord,
}

impl Kind {
    /// Every kind this version of the engine can detect.
    pub const ALL: [Kind; 11] = [
        Kind::NhsNumber,
        Kind::ChiNumber,
        Kind::HcNumber,
        Kind::Nino,
        Kind::Postcode,
        Kind::DateOfBirth,
        Kind::SnomedCt,
        Kind::Icd10,
        Kind::NhsEmail,
        Kind::PersonName,
        Kind::ClinicalRecord,
    ];

    /// The three 10-digit health identifiers (spec §1).
    pub const HEALTH_IDENTIFIERS: [Kind; 3] =
        [Kind::NhsNumber, Kind::ChiNumber, Kind::HcNumber];

    /// The kind's name as it appears in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NhsNumber => "nhs_number",
            Kind::ChiNumber => "chi_number",
            Kind::HcNumber => "hc_number",
            Kind::Nino => "nino",
            Kind::Postcode => "postcode",
            Kind::DateOfBirth => "date_of_birth",
            Kind::SnomedCt => "snomed_ct",
            Kind::Icd10 => "icd10",
            Kind::NhsEmail => "nhs_email",
            Kind::PersonName => "person_name",
            Kind::ClinicalRecord => "clinical_record",
        }
    }

    /// Whether this is one of the 10-digit health identifiers (NHS, CHI,
    /// H&C numbers), the kinds a policy's `distinct` threshold counts.
    pub fn is_health_identifier(self) -> bool {
        matches!(self, Kind::NhsNumber | Kind::ChiNumber | Kind::HcNumber)
    }

    /// Parses a kind from its name (`nhs_number`, `chi_number`, …, as
    /// [`as_str`](Kind::as_str) gives them).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The format of a clinical record (spec §5), carried by
/// [`Kind::ClinicalRecord`] findings and counted by the
/// [`Report`](crate::Report).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordFormat {
    /// An HL7 v2 message with a PID segment.
    Hl7v2,
    /// A FHIR R4 Patient resource (JSON or XML, alone or in a Bundle).
    Fhir,
    /// An HL7 CDA document with a `recordTarget/patientRole`.
    Cda,
    /// A DICOM Part 10 file with patient tags.
    Dicom,
    /// A CSV or TSV data row holding a health identifier.
    Csv,
}

impl RecordFormat {
    /// Every format.
    pub const ALL: [RecordFormat; 5] = [
        RecordFormat::Hl7v2,
        RecordFormat::Fhir,
        RecordFormat::Cda,
        RecordFormat::Dicom,
        RecordFormat::Csv,
    ];

    /// The format's name as it appears in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordFormat::Hl7v2 => "hl7v2",
            RecordFormat::Fhir => "fhir",
            RecordFormat::Cda => "cda",
            RecordFormat::Dicom => "dicom",
            RecordFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for RecordFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RecordFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How sure the engine is that a finding is a patient identifier.
///
/// Ordered: `Low < Medium < High`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Checksum only: a Modulus-10 CHI number with CHI context.
    Low,
    /// Checksum and allocated range, nothing corroborating.
    Medium,
    /// Checksum, allocated range, and a context keyword in the window.
    High,
}

impl Confidence {
    /// The level's name as it appears in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Parses a level from its name (`low`, `medium`, `high`).
    pub fn from_name(name: &str) -> Option<Confidence> {
        [Confidence::Low, Confidence::Medium, Confidence::High]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Confidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One identifier, or piece of clinical content, found in the scanned
/// bytes.
///
/// A finding never shows the identifier unless asked: its `Debug` output
/// and its serde serialisation carry only the [masked](Finding::masked)
/// rendering. The value is available through [`Finding::value`] and
/// [`Finding::revealed`], which a caller must choose to call.
///
/// # Example
///
/// ```
/// let engine = caldicott_core::Engine::default();
/// let findings = engine.scan(b"NHS number 943 476 5919");
/// let f = &findings[0];
/// assert_eq!(f.masked(), "*** *** 5919");
/// assert_eq!((f.start, f.end), (11, 23));
/// assert!(!format!("{f:?}").contains("943"));
/// assert_eq!(f.value(), "9434765919");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// What was found.
    pub kind: Kind,
    /// Byte offset of the first byte, in the scanned input (absolute from
    /// the start of the stream when streaming).
    pub start: u64,
    /// Byte offset one past the last byte.
    pub end: u64,
    /// How sure the engine is.
    pub confidence: Confidence,
    /// `true` for numbers from ranges that are never issued to patients
    /// (the 9xx test ranges).
    pub synthetic: bool,
    /// For a [`Kind::ClinicalRecord`], the record's format; `None` for
    /// every other kind.
    pub format: Option<RecordFormat>,
    /// For a finding made inside decoded content (a gzip body, a base64
    /// attachment, a zip entry), the layers it was found through and where
    /// they start; `start` and `end` are then offsets within the innermost
    /// decoded layer. `None` for the input as given.
    pub layer: Option<Arc<Layer>>,
    value: Value,
}

/// Where a finding inside decoded content was found: set by a decoding
/// front end (`caldicott-decode`), never by the engine itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, SerializeDerive)]
pub struct Layer {
    /// The layers from the outside in, e.g. `http > gzip > zip:xl/sharedStrings.xml`.
    pub path: String,
    /// Offset in the original input where the outermost decoded layer's
    /// encoded bytes begin (the layers inside a compressed layer have no
    /// offset of their own in the original input).
    pub start: u64,
}

/// A finding's value, kept private so that it is only shown on request.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Value {
    /// The ten digits of a health identifier (no allocation).
    Digits([u8; 10]),
    /// A companion identifier, normalised (a NINO without spaces, a date
    /// as `YYYY-MM-DD`, a name as written).
    Text(Box<str>),
}

/// Shown in place of a value the masking rules hide entirely.
const HIDDEN: &str = "***";

impl Finding {
    pub(crate) fn new(
        kind: Kind,
        start: u64,
        end: u64,
        confidence: Confidence,
        synthetic: bool,
        digits: [u8; 10],
    ) -> Finding {
        let value = Value::Digits(digits);
        Finding {
            kind,
            start,
            end,
            confidence,
            synthetic,
            format: None,
            layer: None,
            value,
        }
    }

    /// A companion identifier (any kind but the health identifiers and
    /// records) with its normalised value; invalid UTF-8 is replaced.
    pub(crate) fn companion(
        kind: Kind,
        start: u64,
        end: u64,
        confidence: Confidence,
        value: &[u8],
    ) -> Finding {
        let text = String::from_utf8_lossy(value).into_owned();
        Finding {
            kind,
            start,
            end,
            confidence,
            synthetic: false,
            format: None,
            layer: None,
            value: Value::Text(text.into_boxed_str()),
        }
    }

    /// A clinical record of `format` spanning `start..end`.
    pub(crate) fn record(
        format: RecordFormat,
        start: u64,
        end: u64,
    ) -> Finding {
        Finding {
            kind: Kind::ClinicalRecord,
            start,
            end,
            confidence: Confidence::High,
            synthetic: false,
            format: Some(format),
            layer: None,
            value: Value::Text(format.as_str().into()),
        }
    }

    /// The value with everything identifying hidden. Health identifiers
    /// keep their last four digits in the 3-3-4 display form
    /// (`*** *** 5919`); a NINO its last three characters (`******56C`);
    /// a postcode its outward code (`LS1 ***`); an NHSmail address its
    /// domain (`***@nhs.net`); a record its format (`hl7v2 record`). Dates
    /// of birth, names and clinical codes are hidden entirely (`***`): a
    /// diagnosis code next to a patient is itself sensitive.
    pub fn masked(&self) -> String {
        let text = match &self.value {
            Value::Digits(d) => {
                let last4 = std::str::from_utf8(&d[6..]).unwrap_or("????");
                return format!("*** *** {last4}");
            }
            Value::Text(t) => t,
        };
        match self.kind {
            Kind::Nino => {
                let keep = text.len().saturating_sub(3);
                let tail = text.get(keep..).unwrap_or("");
                format!("{}{tail}", "*".repeat(keep))
            }
            Kind::Postcode => match text.split_once(' ') {
                Some((outward, _)) => format!("{outward} {HIDDEN}"),
                None => HIDDEN.to_string(),
            },
            Kind::NhsEmail => match text.rsplit_once('@') {
                Some((_, domain)) => format!("{HIDDEN}@{domain}"),
                None => HIDDEN.to_string(),
            },
            Kind::ClinicalRecord => format!("{text} record"),
            _ => HIDDEN.to_string(),
        }
    }

    /// The full value: a health identifier's ten digits without
    /// separators, a companion identifier normalised (a NINO without
    /// spaces, a date as `YYYY-MM-DD`, an email address in lower case, a
    /// name as written), a record's format name.
    ///
    /// This is patient data. Do not log or print it unless the user
    /// explicitly asked for it.
    pub fn value(&self) -> &str {
        match &self.value {
            // The digits are ASCII by construction.
            Value::Digits(d) => std::str::from_utf8(d).unwrap_or(""),
            Value::Text(t) => t,
        }
    }

    /// This finding, found inside the decoded layer `layer`, its offsets
    /// shifted by `shift` (the decoded layer's bytes begin that far into
    /// the stream the finding was made in, for a layer scanned in pieces).
    /// Used by decoding front ends.
    pub fn in_layer(mut self, layer: Arc<Layer>, shift: u64) -> Finding {
        self.start += shift;
        self.end += shift;
        self.layer = Some(layer);
        self
    }

    /// A view of this finding that serialises with an extra `value` field
    /// holding the full identifier. Use only when the caller explicitly
    /// asked to reveal values.
    pub fn revealed(&self) -> Revealed<'_> {
        Revealed(self)
    }

    fn serialize_fields<S: SerializeStruct>(
        &self,
        st: &mut S,
    ) -> Result<(), S::Error> {
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("start", &self.start)?;
        st.serialize_field("end", &self.end)?;
        st.serialize_field("confidence", &self.confidence)?;
        st.serialize_field("synthetic", &self.synthetic)?;
        match self.format {
            Some(format) => st.serialize_field("format", &format)?,
            None => st.skip_field("format")?,
        }
        match &self.layer {
            Some(layer) => {
                st.serialize_field("layers", &layer.path)?;
                st.serialize_field("layer_start", &layer.start)?;
            }
            None => {
                st.skip_field("layers")?;
                st.skip_field("layer_start")?;
            }
        }
        st.serialize_field("masked", &self.masked())
    }
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("kind", &self.kind)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("confidence", &self.confidence)
            .field("synthetic", &self.synthetic)
            .field("format", &self.format)
            .field("layer", &self.layer)
            .field("masked", &self.masked())
            .finish()
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Finding", 9)?;
        self.serialize_fields(&mut st)?;
        st.end()
    }
}

/// A [`Finding`] that serialises with its full `value`; made by
/// [`Finding::revealed`].
#[derive(Clone, Copy, Debug)]
pub struct Revealed<'f>(&'f Finding);

impl Serialize for Revealed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Finding", 10)?;
        self.0.serialize_fields(&mut st)?;
        st.serialize_field("value", self.0.value())?;
        st.end()
    }
}
