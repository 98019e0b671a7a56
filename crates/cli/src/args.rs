//! Command-line flags, and turning them into [`Settings`].

use std::io;
use std::path::PathBuf;

/// The names `--kinds` accepts: every [`Kind`], by its name.
const KIND_NAMES: [&str; 11] = [
    "nhs_number",
    "chi_number",
    "hc_number",
    "nino",
    "postcode",
    "date_of_birth",
    "snomed_ct",
    "icd10",
    "nhs_email",
    "person_name",
    "clinical_record",
];

use caldicott_core::{Confidence, Config, Engine, Kind, Policy};
use caldicott_decode::Decoder;
use clap::{Parser, Subcommand, ValueEnum};

/// Finds UK patient identifiers (NHS, CHI and H&C numbers) in files,
/// directories and stdin.
#[derive(Debug, Parser)]
#[command(name = "caldicott", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan files, directories (recursively, in parallel) or stdin.
    ///
    /// Exit status: 0 nothing found, 1 something found, 2 an error. With
    /// --policy or --verdict: 0 allow, 1 alert, 3 block, 2 an error.
    Scan(ScanArgs),
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// `path:line:column kind confidence masked`, one finding per line.
    Human,
    /// One JSON object per finding per line (JSON Lines).
    Json,
}

/// Flags of `caldicott scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScanArgs {
    /// Files or directories to scan; `-` or nothing for stdin.
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Print the full identifier (`value` in JSON). Off by default: the
    /// output is then as sensitive as the data.
    #[arg(long)]
    pub(crate) reveal: bool,
    /// Engine configuration file, TOML (or JSON if it ends in `.json`).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Report only findings at or above this confidence.
    #[arg(long, value_name = "LEVEL", value_parser = ["low", "medium", "high"])]
    pub(crate) min_confidence: Option<String>,
    /// Report only these kinds (comma-separated): nhs_number, chi_number,
    /// hc_number, nino, postcode, date_of_birth, snomed_ct, icd10,
    /// nhs_email, person_name, clinical_record.
    #[arg(long, value_delimiter = ',', value_name = "KIND",
          value_parser = KIND_NAMES)]
    pub(crate) kinds: Vec<String>,
    /// Scan the bytes as they are: do not decode gzip, base64 and the
    /// other layers first.
    #[arg(long)]
    pub(crate) no_decode: bool,
    /// Decide a verdict (allow, alert, block) per input with this policy
    /// file (TOML, or JSON if it ends in `.json`). Prints a verdict line
    /// per input; the exit status becomes the worst verdict: 0 allow,
    /// 1 alert, 3 block (2 still means an error).
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// As `--policy`, with the default policy.
    #[arg(long, conflicts_with = "policy")]
    pub(crate) verdict: bool,
    /// Threads for directory scans (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub(crate) threads: Option<usize>,
}

/// Everything a scan needs, checked.
pub(crate) struct Settings {
    pub(crate) engine: Engine,
    /// The decoding layers over the engine, unless `--no-decode`.
    pub(crate) decoder: Option<Decoder>,
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) format: Format,
    pub(crate) reveal: bool,
    pub(crate) threads: usize,
    /// The policy, when verdicts were asked for.
    pub(crate) policy: Option<Policy>,
}

impl ScanArgs {
    /// Reads the configuration file, applies the flags over it and
    /// compiles the engine.
    pub(crate) fn settings(&self) -> io::Result<Settings> {
        let mut config = match &self.config {
            Some(path) => caldicott_io::load_config(path).map_err(|e| {
                let kind = e.io_kind().unwrap_or(io::ErrorKind::InvalidInput);
                io::Error::new(kind, e.to_string())
            })?,
            None => Config::default(),
        };
        if let Some(level) = &self.min_confidence {
            config.min_confidence =
                Confidence::from_name(level).unwrap_or(Confidence::Low);
        }
        if !self.kinds.is_empty() {
            config.kinds =
                self.kinds.iter().filter_map(|k| Kind::from_name(k)).collect();
        }
        let engine = Engine::new(config)
            .map_err(|e| invalid(format!("invalid configuration: {e}")))?;
        let threads = self.threads.unwrap_or(0);
        let policy = match &self.policy {
            Some(path) => {
                Some(caldicott_io::load_policy(path).map_err(|e| {
                    let kind =
                        e.io_kind().unwrap_or(io::ErrorKind::InvalidInput);
                    io::Error::new(kind, e.to_string())
                })?)
            }
            None if self.verdict => Some(Policy::default()),
            None => None,
        };
        let decoder = (!self.no_decode).then(|| Decoder::new(engine.clone()));
        Ok(Settings {
            engine,
            decoder,
            paths: self.paths.clone(),
            format: self.format,
            reveal: self.reveal,
            threads,
            policy,
        })
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use caldicott_core::Kind;

    use super::KIND_NAMES;

    #[test]
    fn kind_names_are_every_kind() {
        let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(all, KIND_NAMES);
    }
}
