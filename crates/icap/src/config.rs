//! The configuration file ([`FileConfig`]) and the checked, compiled
//! [`Settings`] the server runs with.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use caldicott_core::{Config, Engine, Policy};
use caldicott_decode::{Decoder, Limits};
use serde::{Deserialize, Serialize};

use crate::audit::AuditLog;
use crate::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ECHO_BYTES,
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_PREVIEW, DEFAULT_READ_TIMEOUT,
    HEADER_BYTES_RANGE, MAX_PREVIEW,
};

/// What to answer when the server cannot decide on the whole message:
/// a decoding limit stopped part of it from being inspected (a notice
/// naming one of [`Limits`]' fields: a decompression bomb, too many
/// parts, too deep), the body was too large to keep for an echo, or an
/// internal error (a temporary file could not be written).
///
/// A `block` verdict always blocks, whatever this says: it applies only
/// when the policy alone would let the message through.
///
/// # The default, and why
///
/// `fail-closed`. A data-loss control that passes what it could not
/// inspect is a way round it: wrap the export in a gzip bomb, or make it
/// large enough, and it leaves. A blocked upload shows the user a page
/// with a reference id, and the audit line says which limit was reached,
/// so a false block costs a helpdesk call; a false pass cannot be undone.
/// Squid's own default for an essential service (`bypass=0`) fails closed
/// on ICAP errors for the same reason.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// Let the message through (`204`, or the echo when one can be made)
    /// and log the problem.
    FailOpen,
    /// Block it with the 403 page and log the problem. The default.
    #[default]
    FailClosed,
}

impl OnError {
    /// `fail-open` or `fail-closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnError::FailOpen => "fail-open",
            OnError::FailClosed => "fail-closed",
        }
    }
}

/// The configuration file, TOML. Every key is optional; unknown keys are
/// errors (a typo must not silently keep a default).
///
/// ```toml
/// # What to answer when part of a message could not be inspected or
/// # kept: "fail-closed" (block; the default) or "fail-open" (pass).
/// on_error = "fail-closed"
/// # The audit log: "-" for stdout (the default) or a file, appended to.
/// audit = "/var/log/caldicott-icap/audit.jsonl"
/// # Preview size advertised to the proxy (0: no preview).
/// preview = 4096
/// max_connections = 100
/// # Cap on the ICAP header block and on the encapsulated HTTP headers.
/// max_header_bytes = 65536
/// # Seconds (fractions allowed).
/// idle_timeout = 90
/// read_timeout = 60
/// # Largest body kept to echo back when the proxy did not allow 204,
/// # and where the part beyond 256 KiB is kept (default: the system's
/// # temporary directory).
/// max_echo_bytes = 1073741824
/// spool_dir = "/var/tmp"
///
/// # The policy: this table, or a path to a policy file
/// # (policy = "ward.toml"). Default: `Policy::default()`.
/// [policy]
/// name = "trust-uploads"
/// [policy.block]
/// distinct = 10
/// records = 10
///
/// # The engine (`caldicott_core::Config`): a table or a path.
/// [engine]
/// min_confidence = "low"
///
/// # Decoding limits (`caldicott_decode::Limits`).
/// [decode]
/// max_decoded_bytes = 1073741824
/// ```
///
/// Relative paths (policy, engine, audit, spool_dir) are relative to the
/// configuration file's directory.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// A [`Policy`] table, or the path of a policy file (TOML, or JSON if
    /// it ends in `.json`).
    pub policy: Option<toml::Value>,
    /// An engine [`Config`] table, or the path of a configuration file.
    pub engine: Option<toml::Value>,
    /// Decoding limits.
    pub decode: Limits,
    /// See [`OnError`].
    pub on_error: OnError,
    /// `-` for stdout, or a file to append to.
    pub audit: String,
    /// Preview size advertised in `OPTIONS`; `0` turns previews off.
    pub preview: usize,
    /// Concurrent connections at most.
    pub max_connections: usize,
    /// Bytes of ICAP headers, and of encapsulated HTTP headers, at most.
    pub max_header_bytes: usize,
    /// Seconds a kept-alive connection may wait for its next request.
    pub idle_timeout: f64,
    /// Seconds a request may take to send its headers, and each read of
    /// its body to bring a byte.
    pub read_timeout: f64,
    /// Largest body kept to echo it back when `204` is not allowed.
    pub max_echo_bytes: u64,
    /// Where bodies kept for an echo spill to disk (unnamed files).
    pub spool_dir: Option<PathBuf>,
}

impl Default for FileConfig {
    fn default() -> FileConfig {
        FileConfig {
            policy: None,
            engine: None,
            decode: Limits::default(),
            on_error: OnError::default(),
            audit: "-".to_string(),
            preview: DEFAULT_PREVIEW,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT.as_secs_f64(),
            read_timeout: DEFAULT_READ_TIMEOUT.as_secs_f64(),
            max_echo_bytes: DEFAULT_MAX_ECHO_BYTES,
            spool_dir: None,
        }
    }
}

/// A configuration that could not be read or is out of range. The
/// message names the file and the key.
#[derive(Debug)]
pub struct SettingsError {
    message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SettingsError {}

fn err(message: impl Into<String>) -> SettingsError {
    SettingsError { message: message.into() }
}

/// Everything the server runs with, checked. Build it from a file
/// ([`Settings::from_file`]), or start from [`Settings::new`] and set
/// fields (the tests do, for short timeouts).
#[derive(Debug)]
pub struct Settings {
    /// The engine and decoding limits every message is scanned with.
    pub decoder: Decoder,
    /// The policy giving each message's verdict.
    pub policy: Policy,
    /// See [`OnError`].
    pub on_error: OnError,
    /// Where decisions are logged.
    pub audit: AuditLog,
    /// Preview size advertised (`0`: none).
    pub preview: usize,
    /// Concurrent connections at most; one more is answered `503`.
    pub max_connections: usize,
    /// Bytes of ICAP headers, and of encapsulated HTTP headers, at most.
    pub max_header_bytes: usize,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// How long a request may take to send its headers, and each read of
    /// its body to bring a byte.
    pub read_timeout: Duration,
    /// Largest body kept to echo back when `204` is not allowed.
    pub max_echo_bytes: u64,
    /// Where bodies kept for an echo spill to disk.
    pub spool_dir: PathBuf,
}

impl Default for Settings {
    /// The defaults, logging to stdout.
    fn default() -> Settings {
        Settings::new(AuditLog::stdout())
    }
}

impl Settings {
    /// The defaults (default engine, decoding limits and policy;
    /// fail-closed), logging to `audit`.
    pub fn new(audit: AuditLog) -> Settings {
        Settings {
            decoder: Decoder::new(Engine::default()),
            policy: Policy::default(),
            on_error: OnError::default(),
            audit,
            preview: DEFAULT_PREVIEW,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_echo_bytes: DEFAULT_MAX_ECHO_BYTES,
            spool_dir: std::env::temp_dir(),
        }
    }

    /// Reads a configuration file (TOML; see [`FileConfig`]).
    ///
    /// # Errors
    ///
    /// The file (or a policy or engine file it names) cannot be read or
    /// parsed, a value is out of range, or the audit log cannot be
    /// opened. The message starts with the path.
    pub fn from_file(path: &Path) -> Result<Settings, SettingsError> {
        let text = read_small(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Settings::from_toml(&text, base)
            .map_err(|e| err(format!("{}: {e}", path.display())))
    }

    /// Parses a configuration, resolving relative paths against `base`.
    ///
    /// # Errors
    ///
    /// As [`Settings::from_file`].
    pub fn from_toml(
        text: &str,
        base: &Path,
    ) -> Result<Settings, SettingsError> {
        let file: FileConfig =
            toml::from_str(text).map_err(|e| err(e.to_string()))?;
        Settings::from_config(file, base)
    }

    /// Checks a parsed configuration and builds the engine, decoder,
    /// policy and audit log from it.
    ///
    /// # Errors
    ///
    /// As [`Settings::from_file`].
    pub fn from_config(
        file: FileConfig,
        base: &Path,
    ) -> Result<Settings, SettingsError> {
        let policy = policy(file.policy, base)?;
        let config = engine_config(file.engine, base)?;
        let engine = Engine::new(config)
            .map_err(|e| err(format!("engine: invalid configuration: {e}")))?;
        if file.preview > MAX_PREVIEW {
            return Err(err(format!(
                "preview: {} bytes exceeds the maximum of {MAX_PREVIEW}",
                file.preview
            )));
        }
        if file.max_connections == 0 {
            return Err(err("max_connections: must be at least 1"));
        }
        let (lo, hi) = HEADER_BYTES_RANGE;
        if !(lo..=hi).contains(&file.max_header_bytes) {
            return Err(err(format!(
                "max_header_bytes: {} is outside {lo}..={hi}",
                file.max_header_bytes
            )));
        }
        let idle_timeout = seconds("idle_timeout", file.idle_timeout)?;
        let read_timeout = seconds("read_timeout", file.read_timeout)?;
        let audit = if file.audit == "-" {
            AuditLog::stdout()
        } else {
            let path = base.join(&file.audit);
            AuditLog::file(&path)
                .map_err(|e| err(format!("audit: {}: {e}", path.display())))?
        };
        let spool_dir = match file.spool_dir {
            Some(dir) => base.join(dir),
            None => std::env::temp_dir(),
        };
        Ok(Settings {
            decoder: Decoder::with_limits(engine, file.decode),
            policy,
            on_error: file.on_error,
            audit,
            preview: file.preview,
            max_connections: file.max_connections,
            max_header_bytes: file.max_header_bytes,
            idle_timeout,
            read_timeout,
            max_echo_bytes: file.max_echo_bytes,
            spool_dir,
        })
    }
}

/// Reads a configuration file, refusing anything larger than
/// [`caldicott_io::MAX_CONFIG_FILE_SIZE`] (a wrong path such as a disk
/// image must not be read into memory).
fn read_small(path: &Path) -> Result<String, SettingsError> {
    let fail = |e: std::io::Error| err(format!("{}: {e}", path.display()));
    let len = std::fs::metadata(path).map_err(fail)?.len();
    let max = caldicott_io::MAX_CONFIG_FILE_SIZE;
    if len > max {
        return Err(err(format!(
            "{}: file of {len} bytes exceeds the maximum of {max} bytes",
            path.display()
        )));
    }
    std::fs::read_to_string(path).map_err(fail)
}

/// A timeout in seconds: positive, finite, at most a day.
fn seconds(key: &str, secs: f64) -> Result<Duration, SettingsError> {
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(err(format!(
            "{key}: {secs} seconds is outside (0, 86400]"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The name of a TOML value's type, for error messages.
fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

fn policy(
    value: Option<toml::Value>,
    base: &Path,
) -> Result<Policy, SettingsError> {
    match value {
        None => Ok(Policy::default()),
        Some(toml::Value::String(path)) => {
            caldicott_io::load_policy(&base.join(path))
                .map_err(|e| err(format!("policy: {e}")))
        }
        Some(table @ toml::Value::Table(_)) => {
            let policy: Policy =
                table.try_into().map_err(|e| err(format!("policy: {e}")))?;
            policy.validate().map_err(|e| err(format!("policy: {e}")))?;
            Ok(policy)
        }
        Some(other) => Err(err(format!(
            "policy: expected a table or a file path, found {}",
            type_name(&other)
        ))),
    }
}

fn engine_config(
    value: Option<toml::Value>,
    base: &Path,
) -> Result<Config, SettingsError> {
    match value {
        None => Ok(Config::default()),
        Some(toml::Value::String(path)) => {
            caldicott_io::load_config(&base.join(path))
                .map_err(|e| err(format!("engine: {e}")))
        }
        Some(table @ toml::Value::Table(_)) => {
            table.try_into().map_err(|e| err(format!("engine: {e}")))
        }
        Some(other) => Err(err(format!(
            "engine: expected a table or a file path, found {}",
            type_name(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::from_toml(text, Path::new(".")).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_fail_closed_with_the_default_policy() {
        let s = parse("").unwrap();
        assert_eq!(s.on_error, OnError::FailClosed);
        assert_eq!(s.policy, Policy::default());
        assert_eq!(s.preview, DEFAULT_PREVIEW);
        assert_eq!(s.read_timeout, DEFAULT_READ_TIMEOUT);
    }

    #[test]
    fn tables_and_values_are_read() {
        let s = parse(
            "on_error = \"fail-open\"\nread_timeout = 0.25\npreview = 0\n\
             [policy]\nname = \"ward\"\n[policy.block]\ndistinct = 3\n\
             [engine]\nmin_confidence = \"high\"\n\
             [decode]\nmax_depth = 2\n",
        )
        .unwrap();
        assert_eq!(s.on_error, OnError::FailOpen);
        assert_eq!(s.read_timeout, Duration::from_millis(250));
        assert_eq!(s.preview, 0);
        assert_eq!(s.policy.name, "ward");
        assert_eq!(s.policy.block.distinct, Some(3));
        assert_eq!(
            s.decoder.engine().config().min_confidence,
            caldicott_core::Confidence::High
        );
        assert_eq!(s.decoder.limits().max_depth, 2);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("on_eror = \"fail-open\"", "on_eror"),
            ("on_error = \"fail-sometimes\"", "fail-sometimes"),
            ("[policy.block]\ndistinct = 0", "policy:"),
            ("[engine]\ncontext_before = 99999", "engine:"),
            ("policy = 3", "expected a table or a file path"),
            ("preview = 100000", "preview"),
            ("max_connections = 0", "max_connections"),
            ("max_header_bytes = 10", "max_header_bytes"),
            ("read_timeout = 0", "read_timeout"),
            ("[decode]\nmax_deep = 1", "max_deep"),
            ("policy = \"/nonexistent/policy.toml\"", "policy:"),
        ];
        for (text, needle) in cases {
            let msg = parse(text).unwrap_err();
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
    }

    #[test]
    fn the_shipped_example_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text =
            std::fs::read_to_string(dir.join("caldicott-icap.toml")).unwrap();
        // Log to stdout rather than the example's path.
        text = text
            .lines()
            .filter(|l| !l.starts_with("audit"))
            .collect::<Vec<_>>()
            .join("\n");
        let s = Settings::from_toml(&text, dir).unwrap();
        assert_eq!(s.on_error, OnError::FailClosed);
    }
}
