//! `caldicott-icap`: an ICAP server that lets a proxy such as Squid block
//! uploads (and downloads) carrying UK patient data.
//!
//! The binary is thin: it parses flags, reads the configuration file into
//! [`caldicott_icap::Settings`], binds, and serves with
//! [`caldicott_icap::Server`]. Exit status 2 when the configuration cannot
//! be read or the address cannot be bound.

use std::path::PathBuf;
use std::process::ExitCode;

use caldicott_icap::{Server, Settings, DEFAULT_LISTEN, SERVICE_PATH};
use clap::Parser;

/// An ICAP (RFC 3507) server that blocks uploads carrying UK patient data
/// (NHS, CHI and H&C numbers, clinical records) for a proxy such as Squid.
///
/// Squid: icap_service caldicott reqmod_precache
/// icap://127.0.0.1:1344/caldicott bypass=0
///
/// Every decision is logged as one JSON line (to stdout unless the
/// configuration names a file); start-up and errors go to stderr.
#[derive(Debug, Parser)]
#[command(name = "caldicott-icap", version)]
struct Args {
    /// Address and port to listen on (port 0: any free port, printed at
    /// start-up).
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// Configuration file (TOML): policy, engine, decode limits,
    /// on_error, audit log, preview, timeouts, max_connections,
    /// max_header_bytes, max_echo_bytes. Defaults without it: the default
    /// policy, fail-closed, audit to stdout.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = match &args.config {
        Some(path) => match Settings::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("caldicott-icap: {e}");
                return ExitCode::from(2);
            }
        },
        None => Settings::default(),
    };
    let (on_error, policy) =
        (settings.on_error.as_str(), settings.policy.name.clone());
    let server = match Server::bind(&args.listen, settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("caldicott-icap: {}: {e}", args.listen);
            return ExitCode::from(2);
        }
    };
    let addr = match server.local_addr() {
        Ok(a) => a.to_string(),
        Err(_) => args.listen.clone(),
    };
    eprintln!(
        "caldicott-icap: listening on icap://{addr}{SERVICE_PATH} \
         (ISTag {}, policy {policy}, {on_error}, {})",
        server.istag(),
        server.message_scanning(),
    );
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("caldicott-icap: {e}");
            ExitCode::from(2)
        }
    }
}
