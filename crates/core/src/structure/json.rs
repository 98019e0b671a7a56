//! Json structure: not written yet; the tracker is always dormant.

use super::{FieldRole, Output, Tracker};

/// Follows a Json input.
#[derive(Clone, Debug, Default)]
pub(crate) struct JsonTracker {}

impl Tracker for JsonTracker {
    fn advance(&mut self, _: &[u8], _: u64, _: u64, _: &mut Output) {}

    fn finish(&mut self, _: u64, _: &mut Output) {}

    fn role(&self, _: &[u8]) -> FieldRole {
        FieldRole::None
    }

    fn is_dormant(&self) -> bool {
        true
    }
}
