//! Fuzz target `decode_vs_slice`: decoding (gzip, base64, HTTP, MIME, zip,
//! PDF, …) streamed in any chunking equals the one-shot decode, never
//! panics and stays within its limits. The properties are documented on
//! `caldicott_fuzz::decode_vs_slice`.

#![no_main]

use caldicott_fuzz::{DecodeCase, MAX_INPUT};
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|case: DecodeCase| -> Corpus {
    if case.len() > MAX_INPUT {
        return Corpus::Reject;
    }
    caldicott_fuzz::decode_vs_slice(&case);
    Corpus::Keep
});
