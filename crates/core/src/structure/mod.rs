//! Structure awareness: trackers that follow the shape of the input (a CSV
//! export's columns, later HL7 segments and FHIR fields) byte by byte, so
//! that a candidate can be judged by the field it sits in.
//!
//! Every tracker is a byte-sequential state machine with bounded state: the
//! scan advances it to each candidate's start and to the end of each
//! region, always in input order, so its answers never depend on chunking.

pub(crate) mod csv;

/// What the field around a candidate says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldRole {
    /// No structure, or a field that says nothing.
    None,
    /// A field named for a health identifier (a CSV column headed "NHS
    /// Number"): corroborates any valid number in it.
    Identifier {
        /// The field names a CHI number, which is also CHI context for a
        /// Modulus-10-only number.
        chi: bool,
    },
    /// A field that says its value is something else (an order id, a
    /// timestamp, an ISBN, a phone number): demotes a valid number to
    /// `low`.
    Other,
}
