//! Printing findings: the human and JSON Lines formats.

use std::io::{self, Write};

use caldicott_core::{Finding, Notice, Policy, Report, Verdict};
use caldicott_io::Position;
use serde::Serialize;

use crate::args::Format;

/// Writes findings in the chosen format.
pub(crate) struct Printer {
    pub(crate) format: Format,
    pub(crate) reveal: bool,
}

#[derive(Serialize)]
struct JsonLine<'a, F: Serialize> {
    r#type: &'static str,
    path: &'a str,
    line: u64,
    column: u64,
    #[serde(flatten)]
    finding: F,
}

impl Printer {
    pub(crate) fn write(
        &self,
        out: &mut impl Write,
        path: &str,
        pos: Position,
        f: &Finding,
    ) -> io::Result<()> {
        match self.format {
            Format::Human => {
                write!(
                    out,
                    "{path}:{}:{} {} {} ",
                    pos.line, pos.column, f.kind, f.confidence
                )?;
                if self.reveal {
                    out.write_all(f.value().as_bytes())?;
                } else {
                    out.write_all(f.masked().as_bytes())?;
                }
                if f.synthetic {
                    out.write_all(b" [synthetic]")?;
                }
                if let Some(layer) = &f.layer {
                    write!(out, " [in {} at byte {}]", layer.path, f.start)?;
                }
                out.write_all(b"\n")
            }
            Format::Json => {
                let (line, column) = (pos.line, pos.column);
                if self.reveal {
                    let finding = f.revealed();
                    let j = JsonLine {
                        r#type: "finding",
                        path,
                        line,
                        column,
                        finding,
                    };
                    serde_json::to_writer(&mut *out, &j)?;
                } else {
                    let j = JsonLine {
                        r#type: "finding",
                        path,
                        line,
                        column,
                        finding: f,
                    };
                    serde_json::to_writer(&mut *out, &j)?;
                }
                out.write_all(b"\n")
            }
        }
    }
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    r#type: &'static str,
    path: &'a str,
    #[serde(flatten)]
    notice: &'a Notice,
}

impl Printer {
    /// Writes a notice: something the scan of `path` could not do in full.
    pub(crate) fn write_notice(
        &self,
        out: &mut impl Write,
        path: &str,
        notice: &Notice,
    ) -> io::Result<()> {
        match self.format {
            Format::Human => writeln!(out, "{path}: notice: {notice}"),
            Format::Json => {
                let j = JsonNotice { r#type: "notice", path, notice };
                serde_json::to_writer(&mut *out, &j)?;
                out.write_all(b"\n")
            }
        }
    }
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    r#type: &'static str,
    path: &'a str,
    verdict: Verdict,
    policy: &'a str,
    report: &'a Report,
}

impl Printer {
    /// Writes the verdict line for one input.
    pub(crate) fn write_verdict(
        &self,
        out: &mut impl Write,
        path: &str,
        policy: &Policy,
        report: &Report,
        verdict: Verdict,
    ) -> io::Result<()> {
        match self.format {
            Format::Human => {
                let saturated =
                    if report.distinct_saturated() { "+" } else { "" };
                writeln!(
                    out,
                    "{path}: verdict {verdict} (policy {}; {} findings, {}{} \
                     distinct identifiers counted, {} synthetic, {} \
                     clinical records, {} notices)",
                    policy.name,
                    report.findings(),
                    report.distinct_total(),
                    saturated,
                    report.synthetic(),
                    report.records_total(),
                    report.notices(),
                )
            }
            Format::Json => {
                let j = JsonVerdict {
                    r#type: "verdict",
                    path,
                    verdict,
                    policy: &policy.name,
                    report,
                };
                serde_json::to_writer(&mut *out, &j)?;
                out.write_all(b"\n")
            }
        }
    }
}
