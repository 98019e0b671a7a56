//! `caldicott`: scan files, directories and stdin for UK patient identifiers.
//!
//! The binary is thin: it parses flags ([`args`]), reads bytes and pushes
//! them through a `caldicott_core::Stream` ([`scan`]), and prints findings
//! ([`output`]). Exit codes follow grep: 0 nothing found, 1 something
//! found, 2 an error (the other inputs are still scanned). With a policy
//! (`--policy`, `--verdict`) they give the worst verdict instead: 0 allow,
//! 1 alert, 3 block, and 2 still an error.

mod args;
mod output;
mod scan;

use std::io::{self, Write};
use std::process::ExitCode;

use caldicott_core::Verdict;
use clap::Parser;

fn main() -> ExitCode {
    let args = args::Cli::parse();
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`caldicott scan | head`) stops the scan. Exit
            // as a process killed by SIGPIPE would (128 + 13), never 0:
            // something may have been found that was not printed.
            if err.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::from(141);
            }
            eprintln!("caldicott: {err}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: args::Cli) -> io::Result<ExitCode> {
    let args::Command::Scan(scan_args) = cli.command;
    let settings = scan_args.settings()?;
    if settings.reveal {
        eprintln!(
            "caldicott: warning: --reveal prints full patient identifiers; \
             treat this output as patient data"
        );
    }
    let outcome = scan::run(&settings)?;
    io::stdout().flush()?;
    Ok(ExitCode::from(match (outcome.errors, outcome.verdict) {
        (1.., _) => 2,
        (0, Some(Verdict::Block)) => 3,
        (0, Some(Verdict::Alert)) => 1,
        (0, Some(Verdict::Allow)) => 0,
        (0, None) if outcome.findings > 0 => 1,
        (0, None) => 0,
    }))
}
