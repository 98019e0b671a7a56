//! Holds nothing: the integration tests live in `integration/`.
