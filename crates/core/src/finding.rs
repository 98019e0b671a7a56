//! What a scan reports: [`Finding`], its [`Kind`] and [`Confidence`].

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde::Deserialize;

/// The kind of identifier a [`Finding`] is.
///
/// The names (`nhs_number`, …) are the ones used in JSON output, in
/// configuration files and in the shared test tables.
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
}

impl Kind {
    /// Every kind this version of the engine can detect.
    pub const ALL: [Kind; 3] =
        [Kind::NhsNumber, Kind::ChiNumber, Kind::HcNumber];

    /// The kind's name as it appears in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NhsNumber => "nhs_number",
            Kind::ChiNumber => "chi_number",
            Kind::HcNumber => "hc_number",
        }
    }

    /// Parses a kind from its name (`nhs_number`, `chi_number`,
    /// `hc_number`).
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

/// One identifier found in the scanned bytes.
///
/// A finding never shows the identifier unless asked: its `Debug` output
/// and its serde serialisation carry only the [masked](Finding::masked)
/// rendering. The digits are available through [`Finding::value`] and
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
    digits: [u8; 10],
}

impl Finding {
    pub(crate) fn new(
        kind: Kind,
        start: u64,
        end: u64,
        confidence: Confidence,
        synthetic: bool,
        digits: [u8; 10],
    ) -> Finding {
        Finding { kind, start, end, confidence, synthetic, digits }
    }

    /// The identifier with everything but its last four digits hidden,
    /// always in the 3-3-4 display form: `*** *** 5919`.
    pub fn masked(&self) -> String {
        let last4 = std::str::from_utf8(&self.digits[6..]).unwrap_or("????");
        format!("*** *** {last4}")
    }

    /// The identifier's ten digits, without separators.
    ///
    /// This is the full patient identifier. Do not log or print it unless
    /// the user explicitly asked for it.
    pub fn value(&self) -> &str {
        // The digits are ASCII by construction.
        std::str::from_utf8(&self.digits).unwrap_or("")
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
            .field("masked", &self.masked())
            .finish()
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Finding", 6)?;
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
        let mut st = s.serialize_struct("Finding", 7)?;
        self.0.serialize_fields(&mut st)?;
        st.serialize_field("value", self.0.value())?;
        st.end()
    }
}
