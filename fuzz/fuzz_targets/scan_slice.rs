//! Fuzz target `scan_slice`: one-shot scan of arbitrary bytes.
//! The properties are documented on `caldicott_fuzz::scan_slice`.

#![no_main]

use caldicott_fuzz::{ScanCase, MAX_INPUT};
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|case: ScanCase| -> Corpus {
    if case.len() > MAX_INPUT {
        return Corpus::Reject;
    }
    caldicott_fuzz::scan_slice(&case);
    Corpus::Keep
});
