//! `gen-ids KIND COUNT SEED`: prints COUNT identifiers of KIND, one a line,
//! drawn from `IdGen::new(SEED)`.
//!
//! KIND is `nhs`, `synthetic`, `hc`, `chi` or `chi10` (a CHI number whose
//! check digit is Modulus 10 and which fails Modulus 11). Two more forms
//! make confounders for the tables:
//!
//! * `bad-KIND`: a number of KIND with its check digit replaced by one
//!   that fails Modulus 11 and Modulus 10 (`IdGen::invalid_checksum`);
//! * `prefix:DIGITS`: a Modulus 11 valid number starting with DIGITS (one
//!   to nine digits), whatever range that is (`IdGen::mod11_with_prefix`).
//!
//! The output depends only on the arguments.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use caldicott_testkit::{IdGen, IdKind};

const USAGE: &str = "usage: gen-ids KIND COUNT SEED\n  \
                     KIND: nhs | synthetic | hc | chi | chi10 \
                     | bad-KIND | prefix:DIGITS";

/// What to print.
enum What {
    Valid(IdKind),
    Bad(IdKind),
    Prefix(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [kind, count, seed] => parse(kind, count, seed),
        _ => Err("expected three arguments".to_string()),
    };
    let (what, count, seed) = match parsed {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("gen-ids: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match print(what, count, seed) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-ids: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(
    kind: &str,
    count: &str,
    seed: &str,
) -> Result<(What, u64, u64), String> {
    let kind = if let Some(digits) = kind.strip_prefix("prefix:") {
        if IdGen::new(0).mod11_with_prefix(digits).is_none() {
            return Err(format!(
                "no Modulus 11 number starts with `{digits}` (give 1-9 digits)"
            ));
        }
        What::Prefix(digits.to_string())
    } else if let Some(kind) = kind.strip_prefix("bad-") {
        What::Bad(kind.parse::<IdKind>().map_err(|e| e.to_string())?)
    } else {
        What::Valid(kind.parse::<IdKind>().map_err(|e| e.to_string())?)
    };
    let count = count
        .parse()
        .map_err(|_| format!("COUNT `{count}` is not a number"))?;
    let seed =
        seed.parse().map_err(|_| format!("SEED `{seed}` is not a number"))?;
    Ok((kind, count, seed))
}

fn print(what: What, count: u64, seed: u64) -> io::Result<()> {
    let mut ids = IdGen::new(seed);
    let mut out = BufWriter::new(io::stdout().lock());
    for _ in 0..count {
        let id = match &what {
            What::Valid(kind) => ids.generate(*kind),
            What::Bad(kind) => {
                let valid = ids.generate(*kind);
                ids.invalid_checksum(&valid)
            }
            // Checked in `parse`; stop rather than loop if it runs dry.
            What::Prefix(digits) => match ids.mod11_with_prefix(digits) {
                Some(id) => id,
                None => break,
            },
        };
        writeln!(out, "{id}")?;
    }
    out.flush()
}
