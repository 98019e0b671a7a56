//! Fuzz target `stream_vs_slice`: streaming equals one-shot under any configuration and chunking.
//! The properties are documented on `caldicott_fuzz::stream_vs_slice`.

#![no_main]

use caldicott_fuzz::{StreamCase, MAX_INPUT};
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|case: StreamCase| -> Corpus {
    if case.len() > MAX_INPUT {
        return Corpus::Reject;
    }
    caldicott_fuzz::stream_vs_slice(&case);
    Corpus::Keep
});
