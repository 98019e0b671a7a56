//! `scan-file FILE [--runs N] [--chunk BYTES] [--detectors SET]`: times
//! Caldicott scanning one file held in memory.
//!
//! The file is read whole before timing starts; only the scan is timed.
//! One untimed warm-up run, then N timed runs (default 5). Prints one JSON
//! line (see `caldicott_benches::result_json`) with the median, the MB/s
//! at the median (decimal megabytes) and the finding count.
//!
//! * `--chunk BYTES`: stream the file through `Engine::stream` in chunks
//!   of BYTES instead of one `Engine::scan` call.
//! * `--detectors SET`: `nhs-family` (default), `all`, or one kind
//!   (`nhs_number`, `chi_number`, `hc_number`).
//! * `--tool NAME`: the name printed in the `tool` field.

use std::process::ExitCode;

use caldicott_benches::{result_json, split_args, time_runs, Detectors, Mode};

const USAGE: &str = "usage: scan-file FILE [--runs N] [--chunk BYTES] \
                     [--detectors SET] [--tool NAME]";

fn main() -> ExitCode {
    caldicott_benches::finish_main("scan-file", USAGE, run())
}

fn run() -> Result<String, String> {
    let (positional, options) = split_args(std::env::args().skip(1));
    let [path] = positional.as_slice() else {
        return Err("expected one FILE".into());
    };
    let mut runs = 5;
    let mut mode = Mode::OneShot;
    let mut set = Detectors::NhsFamily;
    let mut tool = None;
    for (name, value) in options {
        let bad = || format!("bad value `{value}` for --{name}");
        match name.as_str() {
            "runs" => runs = value.parse().map_err(|_| bad())?,
            "chunk" => {
                let chunk: usize = value.parse().map_err(|_| bad())?;
                if chunk == 0 {
                    return Err(bad());
                }
                mode = Mode::Stream(chunk);
            }
            "detectors" => {
                set = Detectors::from_name(&value).ok_or_else(bad)?;
            }
            "tool" => tool = Some(value),
            _ => return Err(format!("unknown option --{name}")),
        }
    }
    if runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let engine = set.engine();
    let (timing, count) = time_runs(runs, || mode.count(&engine, &bytes));
    let tool = tool.unwrap_or_else(|| {
        format!("caldicott {} ({})", mode.name(), set.name())
    });
    Ok(result_json(&tool, bytes.len(), &timing, count))
}
