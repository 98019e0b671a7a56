//! `regex-baseline FILE [--runs N] [--pattern RE] [--shapes-only]`: times
//! the plain `regex`-crate baseline on one file held in memory.
//!
//! The baseline is `caldicott_benches::RegexBaseline`: the NHS shape regex
//! (`caldicott_benches::SHAPE_REGEX` unless `--pattern` is given) with
//! `find_iter`, then Modulus 11 on each match's digits. `--shapes-only`
//! counts the regex matches without the checksum. Timing and output as
//! for `scan-file`: one warm-up, N timed runs (default 5), one JSON line.

use std::process::ExitCode;

use caldicott_benches::{
    result_json, split_args, time_runs, RegexBaseline, SHAPE_REGEX,
};

const USAGE: &str = "usage: regex-baseline FILE [--runs N] [--pattern RE] \
                     [--shapes-only] [--tool NAME]";

fn main() -> ExitCode {
    caldicott_benches::finish_main("regex-baseline", USAGE, run())
}

fn run() -> Result<String, String> {
    let (positional, options) = split_args(std::env::args().skip(1));
    let [path] = positional.as_slice() else {
        return Err("expected one FILE".into());
    };
    let mut runs = 5;
    let mut pattern = SHAPE_REGEX.to_string();
    let mut shapes_only = false;
    let mut tool = None;
    for (name, value) in options {
        let bad = || format!("bad value `{value}` for --{name}");
        match name.as_str() {
            "runs" => runs = value.parse().map_err(|_| bad())?,
            "pattern" => pattern = value,
            "shapes-only" => shapes_only = true,
            "tool" => tool = Some(value),
            _ => return Err(format!("unknown option --{name}")),
        }
    }
    if runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let baseline = RegexBaseline::new(&pattern).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let (timing, count) = time_runs(runs, || {
        if shapes_only {
            baseline.count_shapes(&bytes)
        } else {
            baseline.count(&bytes)
        }
    });
    let tool = tool.unwrap_or_else(|| {
        let what = if shapes_only { "shape only" } else { "+ Modulus 11" };
        format!("regex crate {what}")
    });
    Ok(result_json(&tool, bytes.len(), &timing, count))
}
