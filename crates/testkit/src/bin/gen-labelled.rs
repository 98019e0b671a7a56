//! `gen-labelled DIR SEED N`: writes N documents of each format of the
//! labelled corpus (`caldicott_testkit::labelled::labelled_corpus(SEED,
//! N)`) into DIR, one file each (`letter-000.txt`, `hl7-003.hl7`,
//! `dicom-001.dcm`, …), and their labels to `DIR/labels.jsonl`: one JSON
//! object a line, in file order,
//!
//! ```text
//! {"file":"hl7-000.hl7","format":"hl7","labels":[{"kind":"nhs_number","start":97,"end":107,"positive":true},…]}
//! ```
//!
//! with byte offsets into the file (end exclusive). It prints the number of
//! positive and negative labels per kind to standard error. DIR is created
//! if needed; files already in it are overwritten. The output depends only
//! on SEED and N.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use caldicott_testkit::labelled::{labelled_corpus, KINDS};

const USAGE: &str = "usage: gen-labelled DIR SEED N";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [dir, seed, n] => match (seed.parse::<u64>(), n.parse::<usize>()) {
            (Ok(seed), Ok(n)) => Ok((dir.clone(), seed, n)),
            (Err(_), _) => Err(format!("SEED `{seed}` is not a number")),
            (_, Err(_)) => Err(format!("N `{n}` is not a number")),
        },
        _ => Err("expected three arguments".to_string()),
    };
    let (dir, seed, n) = match parsed {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("gen-labelled: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match write(Path::new(&dir), seed, n) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-labelled: {dir}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(dir: &Path, seed: u64, n: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut jsonl = String::new();
    let mut counts = [(0usize, 0usize); KINDS.len()];
    let docs = labelled_corpus(seed, n);
    for (i, doc) in docs.iter().enumerate() {
        let format = doc.format;
        let file = format!("{format}-{:03}.{}", i % n, format.extension());
        fs::write(dir.join(&file), &doc.bytes)?;
        write!(jsonl, "{{\"file\":\"{file}\",\"format\":\"{format}\"")
            .and_then(|()| jsonl.write_str(",\"labels\":["))
            .expect("writing to a String");
        for (j, l) in doc.labels.iter().enumerate() {
            let comma = if j > 0 { "," } else { "" };
            let _ = write!(
                jsonl,
                "{comma}{{\"kind\":\"{}\",\"start\":{},\"end\":{},\
                 \"positive\":{}}}",
                l.kind, l.start, l.end, l.positive
            );
            let k = KINDS.iter().position(|&k| k == l.kind).unwrap_or(0);
            if l.positive {
                counts[k].0 += 1;
            } else {
                counts[k].1 += 1;
            }
        }
        jsonl.push_str("]}\n");
    }
    fs::write(dir.join("labels.jsonl"), jsonl)?;
    eprintln!("{} documents; labels per kind:", docs.len());
    for (kind, (pos, neg)) in KINDS.iter().zip(counts) {
        eprintln!("  {kind:<16} {pos:>6} positive {neg:>6} negative");
    }
    Ok(())
}
