//! Fuzz target `config`: configuration parsing (TOML, JSON) and Engine::new.
//! The properties are documented on `caldicott_fuzz::config`.

#![no_main]

use caldicott_fuzz::{ConfigCase, MAX_INPUT};
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|case: ConfigCase| -> Corpus {
    if case.len() > MAX_INPUT {
        return Corpus::Reject;
    }
    caldicott_fuzz::config(&case);
    Corpus::Keep
});
