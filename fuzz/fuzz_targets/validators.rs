//! Fuzz target `validators`: the public validators against a naive oracle.
//! The properties are documented on `caldicott_fuzz::validators`.

#![no_main]

use caldicott_fuzz::{ValidatorCase, MAX_INPUT};
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|case: ValidatorCase| -> Corpus {
    if case.len() > MAX_INPUT {
        return Corpus::Reject;
    }
    caldicott_fuzz::validators(&case);
    Corpus::Keep
});
