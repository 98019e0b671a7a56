//! Reading an engine [`Config`] or a [`Policy`] from a TOML or JSON file.

use std::fmt;
use std::path::Path;

use caldicott_core::{Config, Policy};
use serde::de::DeserializeOwned;

/// Largest configuration file read. A configuration is a few hundred
/// bytes; the limit stops a wrong path (a disk image, `/dev/zero`) from
/// being read into memory.
pub const MAX_CONFIG_FILE_SIZE: u64 = 1 << 20;

/// A configuration or policy file could not be read, parsed or validated.
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    io: Option<std::io::ErrorKind>,
}

impl ConfigError {
    /// The I/O error kind, when the file could not be read at all.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.io
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Parses a configuration from text: JSON if `json` is true, else TOML.
/// Unknown keys are errors.
///
/// # Errors
///
/// The parser's message, naming the offending key or line.
pub fn parse_config(text: &str, json: bool) -> Result<Config, ConfigError> {
    parse(text, json)
}

/// Parses and validates a policy from text: JSON if `json` is true, else
/// TOML.
///
/// # Errors
///
/// The parser's message, or the threshold that is out of range.
pub fn parse_policy(text: &str, json: bool) -> Result<Policy, ConfigError> {
    let policy: Policy = parse(text, json)?;
    policy
        .validate()
        .map_err(|e| ConfigError { message: e.to_string(), io: None })?;
    Ok(policy)
}

fn parse<T: DeserializeOwned>(
    text: &str,
    json: bool,
) -> Result<T, ConfigError> {
    let parsed = if json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        toml::from_str(text).map_err(|e| e.to_string())
    };
    parsed.map_err(|message| ConfigError { message, io: None })
}

/// Reads a configuration file: JSON if its name ends in `.json`, TOML
/// otherwise. Error messages start with the path.
///
/// # Errors
///
/// The file cannot be read, is larger than [`MAX_CONFIG_FILE_SIZE`], or
/// does not parse.
pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    load(path, parse_config)
}

/// Reads and validates a policy file: JSON if its name ends in `.json`,
/// TOML otherwise. Error messages start with the path.
///
/// # Errors
///
/// As [`load_config`], and a threshold out of range.
pub fn load_policy(path: &Path) -> Result<Policy, ConfigError> {
    load(path, parse_policy)
}

fn load<T>(
    path: &Path,
    parse: fn(&str, bool) -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let fail = |message: String, io| ConfigError {
        message: format!("{}: {message}", path.display()),
        io,
    };
    let io_fail = |e: std::io::Error| fail(e.to_string(), Some(e.kind()));
    let len = std::fs::metadata(path).map_err(io_fail)?.len();
    if len > MAX_CONFIG_FILE_SIZE {
        return Err(fail(
            format!(
                "file of {len} bytes exceeds the maximum of \
                 {MAX_CONFIG_FILE_SIZE} bytes"
            ),
            None,
        ));
    }
    let text = std::fs::read_to_string(path).map_err(io_fail)?;
    let json = path.extension().is_some_and(|e| e == "json");
    parse(&text, json).map_err(|e| fail(e.message, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use caldicott_core::{Confidence, Kind};

    #[test]
    fn toml_and_json_parse_the_same_config() {
        let t = parse_config(
            "kinds = [\"hc_number\"]\ncontext_before = 7\n",
            false,
        )
        .unwrap();
        let j = parse_config(
            r#"{"kinds":["hc_number"],"context_before":7}"#,
            true,
        )
        .unwrap();
        assert_eq!(t, j);
        assert_eq!(t.kinds, vec![Kind::HcNumber]);
        assert_eq!(t.min_confidence, Confidence::Low);
    }

    #[test]
    fn policies_parse_and_validate() {
        let p =
            parse_policy("name = \"ward\"\n[block]\ndistinct = 3\n", false)
                .unwrap();
        assert_eq!((p.name.as_str(), p.block.distinct), ("ward", Some(3)));
        let err =
            parse_policy(r#"{"block":{"distinct":0}}"#, true).unwrap_err();
        assert!(err.to_string().contains("block threshold of 0"), "{err}");
    }

    #[test]
    fn errors_name_the_path_and_the_problem() {
        let dir = std::env::temp_dir()
            .join(format!("caldicott-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let typo = dir.join("typo.toml");
        std::fs::write(&typo, "min_confidance = \"high\"\n").unwrap();
        let msg = load_config(&typo).unwrap_err().to_string();
        assert!(msg.starts_with(&typo.display().to_string()), "{msg}");
        assert!(msg.contains("min_confidance"), "{msg}");

        let big = dir.join("big.json");
        std::fs::write(&big, vec![b' '; MAX_CONFIG_FILE_SIZE as usize + 1])
            .unwrap();
        let msg = load_config(&big).unwrap_err().to_string();
        assert!(msg.contains("exceeds the maximum of 1048576 bytes"), "{msg}");

        let missing = load_config(&dir.join("absent.toml")).unwrap_err();
        assert_eq!(missing.io_kind(), Some(std::io::ErrorKind::NotFound));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
