//! The property checks behind the fuzz targets in `fuzz_targets/`.
//!
//! The checks themselves live in the main workspace's
//! `tests/integration/fuzz_regressions.rs`, compiled here as the private
//! module `props`, so that `cargo test` replays crash files and seeds
//! through exactly the checks the fuzzer ran. This crate adds the
//! `Arbitrary` glue: each input type takes *all* the fuzzer's bytes and
//! decodes them with the same function the replay uses, and its `Debug`
//! prints a reproducer (`cargo fuzz fmt <target> <file>` shows it).

use std::fmt;

use caldicott_core::{Config, Policy};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};

#[path = "../../tests/integration/fuzz_regressions.rs"]
mod props;

/// Inputs longer than this are rejected (`Corpus::Reject`): 64 KiB.
pub const MAX_INPUT: usize = props::MAX_INPUT;

/// Implements `Arbitrary` (all the bytes, decoded by `$decode`), `Debug`
/// (the reproducer) and `len` for a wrapper around a `props` input type.
macro_rules! input {
    ($(#[$doc:meta])* $name:ident($inner:ty), $decode:expr $(,)?) => {
        $(#[$doc])*
        pub struct $name($inner, usize);

        impl $name {
            /// Decodes a fuzz input exactly as the replay test does.
            pub fn decode(data: &[u8]) -> $name {
                $name($decode(data), data.len())
            }

            /// The length of the raw input, for the size limit.
            pub fn len(&self) -> usize {
                self.1
            }

            /// Whether the raw input is empty.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
                let n = u.len();
                Ok($name::decode(u.bytes(n)?))
            }

            fn arbitrary_take_rest(
                u: Unstructured<'a>,
            ) -> arbitrary::Result<Self> {
                Ok($name::decode(u.take_rest()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

input!(
    /// `scan_slice`: the haystack.
    ScanCase(props::ScanInput),
    |d: &[u8]| props::ScanInput(d.to_vec()),
);

input!(
    /// `stream_vs_slice`: configuration, chunking and haystack (format:
    /// `StreamInput::decode` in `tests/integration/fuzz_regressions.rs`).
    StreamCase(props::StreamInput),
    props::StreamInput::decode,
);

input!(
    /// `validators`: the text given to every validator.
    ValidatorCase(props::ValidatorInput),
    props::ValidatorInput::decode,
);

input!(
    /// `config`: bytes parsed as a TOML and as a JSON configuration.
    ConfigCase(props::ConfigInput),
    |d: &[u8]| props::ConfigInput(d.to_vec()),
);

/// Target `scan_slice`: one-shot scan of arbitrary bytes, every finding
/// checked (bounds, order, written form, masking, validators).
pub fn scan_slice(case: &ScanCase) {
    props::check_scan_slice(&case.0 .0);
}

/// Target `stream_vs_slice`: stream == one-shot under the decoded
/// configuration and chunking, with the delay, memory and stop contracts.
pub fn stream_vs_slice(case: &StreamCase) {
    props::check_stream_vs_slice(&case.0);
}

/// Target `validators`: the public validators against a naive oracle, and
/// the scanner against the validators.
pub fn validators(case: &ValidatorCase) {
    props::check_validators(&case.0 .0);
}

/// Target `config`: the bytes as a JSON configuration and policy (what
/// the replay test checks) and, when they are UTF-8, through
/// `caldicott_io::parse_config` and `parse_policy` (the CLI's and Python's
/// parsers) as TOML and as JSON, which must agree with `toml` and
/// `serde_json` directly (plus `Policy::validate`). Every configuration
/// that parses is checked by `check_config`, every policy by
/// `check_policy`, and a configuration that serialises to TOML must read
/// back equal.
pub fn config(case: &ConfigCase) {
    let bytes = &case.0 .0;
    props::check_config_bytes(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else { return };

    let json = caldicott_io::parse_config(text, true);
    let direct = serde_json::from_str::<Config>(text);
    match (&json, &direct) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "parse_config JSON vs serde_json"),
        (Err(e), Err(_)) => assert!(!e.to_string().is_empty()),
        _ => panic!("parse_config JSON {json:?} vs serde_json {direct:?}"),
    }

    let parsed = caldicott_io::parse_config(text, false);
    let direct = toml::from_str::<Config>(text);
    match (&parsed, &direct) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "parse_config TOML vs toml"),
        (Err(e), Err(_)) => assert!(!e.to_string().is_empty()),
        _ => panic!("parse_config TOML {parsed:?} vs toml {direct:?}"),
    }
    for json in [true, false] {
        let parsed = caldicott_io::parse_policy(text, json);
        let direct = if json {
            serde_json::from_str::<Policy>(text).map_err(|e| e.to_string())
        } else {
            toml::from_str::<Policy>(text).map_err(|e| e.to_string())
        };
        let direct = direct
            .and_then(|p| p.validate().map(|()| p).map_err(|e| e.to_string()));
        match (&parsed, &direct) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "parse_policy (json: {json})"),
            (Err(e), Err(_)) => assert!(!e.to_string().is_empty()),
            _ => {
                panic!("parse_policy (json: {json}) {parsed:?} vs {direct:?}")
            }
        }
        if let Ok(policy) = parsed {
            props::check_policy(&policy);
        }
    }
    if let Ok(config) = parsed {
        props::check_config(&config);
        if let Ok(again) = toml::to_string(&config) {
            let back: Config = toml::from_str(&again).unwrap_or_else(|e| {
                panic!("TOML round trip of {again:?}: {e}")
            });
            assert_eq!(back, config, "TOML round trip of {again:?}");
        }
    }
}

input!(
    /// `decode_vs_slice`: decoding limits, chunking and input (format:
    /// `DecodeInput::decode` in `tests/integration/fuzz_regressions.rs`).
    DecodeCase(props::DecodeInput),
    props::DecodeInput::decode,
);

/// Target `decode_vs_slice`: a `DecodingStream` equals `Decoder::scan`
/// under the decoded limits and chunking, without a panic, within the
/// decoded-bytes limit.
pub fn decode_vs_slice(case: &DecodeCase) {
    props::check_decode_vs_slice(&case.0);
}
