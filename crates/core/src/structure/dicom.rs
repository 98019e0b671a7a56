//! Dicom structure: not written yet; the tracker is always dormant.

use super::{FieldRole, Output, Tracker};

/// Follows a Dicom input.
#[derive(Clone, Debug, Default)]
pub(crate) struct DicomTracker {}

impl Tracker for DicomTracker {
    fn advance(&mut self, _: &[u8], _: u64, _: u64, _: &mut Output) {}

    fn finish(&mut self, _: u64, _: &mut Output) {}

    fn role(&self, _: &[u8]) -> FieldRole {
        FieldRole::None
    }

    fn is_dormant(&self) -> bool {
        true
    }
}
