//! Reading inputs and pushing them through the engine: stdin, files, and
//! directories walked recursively and scanned in parallel.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;

use caldicott_core::{Report, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::Settings;
use crate::output::Printer;

/// Output buffered per file before it is written to stdout under the lock;
/// keeps each file's lines together without holding a whole file's
/// findings in memory.
const OUTPUT_FLUSH_BYTES: usize = 64 * 1024;

/// What a whole run found.
pub(crate) struct Outcome {
    pub(crate) findings: usize,
    pub(crate) errors: usize,
    /// The worst verdict, when a policy was given.
    pub(crate) verdict: Option<Verdict>,
}

/// Scans every input named in `settings`.
pub(crate) fn run(settings: &Settings) -> io::Result<Outcome> {
    let printer = Printer { format: settings.format, reveal: settings.reveal };
    let stdout = Mutex::new(io::stdout());
    let findings = AtomicUsize::new(0);
    let errors = AtomicUsize::new(0);
    // Verdicts as numbers, so threads can keep the worst with fetch_max.
    let worst = AtomicU8::new(Verdict::Allow as u8);
    let scan_one = |name: &str, reader: &mut dyn Read| -> io::Result<()> {
        let (n, verdict) =
            scan_reader(settings, &printer, name, reader, &stdout)?;
        findings.fetch_add(n, Ordering::Relaxed);
        if let Some(v) = verdict {
            worst.fetch_max(v as u8, Ordering::Relaxed);
        }
        Ok(())
    };
    // Drawn on stderr only when stderr is a terminal and stdout is not
    // (findings written to the same terminal would run into the bar).
    let target = if io::stdout().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr_with_hz(4)
    };
    let progress = ProgressBar::with_draw_target(None, target);
    let note = |path: &Path, what: &str| {
        progress
            .suspend(|| eprintln!("caldicott: {}: {what}", path.display()));
    };
    let report = |path: &Path, err: &io::Error| {
        progress.suspend(|| {
            eprintln!("caldicott: {}: {err}", path.display());
        });
        errors.fetch_add(1, Ordering::Relaxed);
    };

    let stdin_only = settings.paths.is_empty();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut total_bytes = 0;
    for path in &settings.paths {
        if path.as_os_str() == "-" {
            continue;
        }
        total_bytes += collect(path, &mut files, &report, &note);
    }
    if stdin_only || settings.paths.iter().any(|p| p.as_os_str() == "-") {
        let mut stdin = io::stdin().lock();
        propagate_pipe(scan_one("<stdin>", &mut stdin), &report, "<stdin>")?;
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|e| io::Error::other(e.to_string()))?;
    progress.set_length(total_bytes);
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pool.install(|| {
        files.par_iter().try_for_each(|path| {
            let name = path.to_string_lossy();
            let result = File::open(path).and_then(|file| {
                let mut counted = Counted { inner: file, progress: &progress };
                scan_one(&name, &mut counted)
            });
            propagate_pipe(result, &report, path)
        })
    })?;
    progress.finish_and_clear();
    let worst = match worst.into_inner() {
        w if w == Verdict::Block as u8 => Verdict::Block,
        w if w == Verdict::Alert as u8 => Verdict::Alert,
        _ => Verdict::Allow,
    };
    Ok(Outcome {
        findings: findings.into_inner(),
        errors: errors.into_inner(),
        verdict: settings.policy.as_ref().map(|_| worst),
    })
}

/// A broken pipe on stdout ends the run; any other error is reported
/// against its input and the run goes on.
fn propagate_pipe(
    result: io::Result<()>,
    report: &impl Fn(&Path, &io::Error),
    path: impl AsRef<Path>,
) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(e),
        Err(e) => {
            report(path.as_ref(), &e);
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

/// A reader that advances the progress bar by what it reads.
struct Counted<'p, R> {
    inner: R,
    progress: &'p ProgressBar,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// Adds `path` (a file, or every regular file under a directory) to
/// `files`, reporting what cannot be read; returns the files' total size.
fn collect(
    path: &Path,
    files: &mut Vec<PathBuf>,
    report: &impl Fn(&Path, &io::Error),
    note: &impl Fn(&Path, &str),
) -> u64 {
    let mut total = 0;
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                // Follow a symlink to see what it names. Only regular files
                // are scanned: opening a FIFO or a device could block for
                // ever, and a linked directory is not walked (loops).
                match std::fs::metadata(e.path()) {
                    Ok(m) if m.is_file() => {
                        total += m.len();
                        files.push(e.into_path());
                    }
                    Ok(_) => {
                        note(e.path(), "skipped: not a regular file");
                    }
                    Err(err) => report(e.path(), &err),
                }
            }
            Err(err) => {
                let at = err.path().unwrap_or(path).to_path_buf();
                let io = match err.io_error() {
                    Some(e) => io::Error::new(e.kind(), e.to_string()),
                    None => io::Error::other(err.to_string()),
                };
                report(&at, &io);
            }
        }
    }
    total
}

/// Streams one input through the engine and prints its findings (and, with
/// a policy, its verdict); returns how many findings there were and the
/// verdict. Errors writing stdout come back as `Err`; so do errors reading
/// the input, after the findings before them are printed.
fn scan_reader(
    settings: &Settings,
    printer: &Printer,
    name: &str,
    reader: &mut dyn Read,
    stdout: &Mutex<io::Stdout>,
) -> io::Result<(usize, Option<Verdict>)> {
    let mut out: Vec<u8> = Vec::new();
    let mut count = 0;
    let mut report = settings.policy.as_ref().map(Report::for_policy);
    let engine = &settings.engine;
    // Both callbacks write to `out` and the report; they take turns.
    let shared = std::cell::RefCell::new((&mut out, &mut report));
    let mut stream: Box<dyn caldicott_io::Scanner> = match &settings.decoder {
        Some(decoder) => Box::new(decoder.stream()),
        None => Box::new(engine.stream()),
    };
    let result = caldicott_io::scan_reader_with(
        &mut *stream,
        reader,
        &mut |f, pos| {
            let (out, report) = &mut *shared.borrow_mut();
            if let Some(r) = report.as_mut() {
                r.add(&f);
            }
            printer.write(out, name, pos, &f)?;
            count += 1;
            if out.len() >= OUTPUT_FLUSH_BYTES {
                flush(out, stdout)?;
            }
            Ok(())
        },
        &mut |notice| {
            let (out, report) = &mut *shared.borrow_mut();
            if let Some(r) = report.as_mut() {
                r.add_notice(&notice);
            }
            printer.write_notice(out, name, &notice)
        },
    );
    // A read error leaves the verdict undecided: the input was not seen
    // whole, so no verdict line is printed for it.
    let verdict = match (&settings.policy, &report, &result) {
        (Some(policy), Some(report), Ok(_)) => {
            let verdict = policy.verdict(report);
            printer.write_verdict(&mut out, name, policy, report, verdict)?;
            Some(verdict)
        }
        _ => None,
    };
    flush(&mut out, stdout)?;
    result.map(|_| (count, verdict))
}

fn flush(out: &mut Vec<u8>, stdout: &Mutex<io::Stdout>) -> io::Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    let mut lock = stdout.lock().unwrap_or_else(|p| p.into_inner()).lock();
    lock.write_all(out)?;
    lock.flush()?;
    out.clear();
    Ok(())
}
