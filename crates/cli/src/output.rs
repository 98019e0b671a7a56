//! Printing findings: the human and JSON Lines formats.

use std::io::{self, Write};

use caldicott_core::Finding;
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
                out.write_all(b"\n")
            }
            Format::Json => {
                let (line, column) = (pos.line, pos.column);
                if self.reveal {
                    let finding = f.revealed();
                    let j = JsonLine { path, line, column, finding };
                    serde_json::to_writer(&mut *out, &j)?;
                } else {
                    let j = JsonLine { path, line, column, finding: f };
                    serde_json::to_writer(&mut *out, &j)?;
                }
                out.write_all(b"\n")
            }
        }
    }
}
