//! `gen-corpus SIZE SEED > file`: writes SIZE bytes of mixed text with
//! planted identifiers to standard output and prints the number planted to
//! standard error.
//!
//! SIZE is a number of bytes, optionally followed by `K`, `M` or `G`
//! (binary multiples: `256M` is 256 MiB). The text is generated one
//! 1 MiB block at a time (see `caldicott_testkit::corpus::
//! write_mixed_text`), so memory use does not grow with SIZE.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use caldicott_testkit::corpus::write_mixed_text;

const USAGE: &str = "usage: gen-corpus SIZE SEED > file\n  \
                     SIZE: bytes, or with a K, M or G suffix (binary)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [size, seed] => {
            caldicott_testkit::corpus::parse_size(size).and_then(|size| {
                let seed = seed
                    .parse::<u64>()
                    .map_err(|_| format!("SEED `{seed}` is not a number"))?;
                Ok((size, seed))
            })
        }
        _ => Err("expected two arguments".to_string()),
    };
    let (size, seed) = match parsed {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("gen-corpus: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match write_mixed_text(&mut out, seed, size).and_then(|n| {
        out.flush()?;
        Ok(n)
    }) {
        Ok(planted) => {
            eprintln!("{planted}");
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
