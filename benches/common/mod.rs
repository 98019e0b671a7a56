//! Shared pieces of Caldicott's benchmarks and timing binaries.
//!
//! The criterion benchmarks (`throughput.rs`, `ci.rs`) and the binaries the
//! comparison harness runs (`scan-file`, `regex-baseline`,
//! `gen-bench-corpus`) all measure the same things the same way:
//!
//! * [`corpus`]: a generated corpus of one [`Shape`] (from
//!   `caldicott_testkit::bench_corpora`), seeded with [`SEED`];
//! * [`Detectors`]: which detectors the engine runs, and how many findings
//!   that set must report on a corpus;
//! * [`Mode`]: how the bytes reach the engine (one call, or a stream in
//!   fixed-size chunks), returning the finding count;
//! * [`RegexBaseline`]: the plain `regex`-crate scanner the comparison
//!   measures against (shape regex plus Modulus 11);
//! * [`time_runs`] and [`Timing`]: medians for the binaries.
//!
//! Every measurement returns a count, and every caller checks it: a
//! benchmark that finds nothing measures nothing.

use std::time::Instant;

pub mod labelled;

use caldicott_core::{Config, Engine, Finding, Kind};
pub use caldicott_testkit::bench_corpora::{BenchCorpus, Planted, Shape};
use caldicott_testkit::IdKind;
use regex::bytes::Regex;

/// The seed of every benchmark corpus.
pub const SEED: u64 = 6;

/// Corpus size of the full criterion suite: 4 MiB, larger than L2, so
/// the scan streams from L3 or memory as it would on real traffic.
pub const FULL_LEN: usize = 4 << 20;

/// Corpus size of the quick CI suite: 1 MiB.
pub const CI_LEN: usize = 1 << 20;

/// The chunk sizes streams are measured at: 64 KiB (the size `caldicott-io`
/// reads) and 4 KiB (a small network read).
pub const CHUNKS: [usize; 2] = [64 << 10, 4 << 10];

/// `len` bytes of `shape` with the benchmark seed [`SEED`].
pub fn corpus(shape: Shape, len: usize) -> BenchCorpus {
    shape.generate(SEED, len)
}

/// Which detectors an engine runs.
///
/// Today the engine has only the NHS family (NHS, CHI and H&C numbers), so
/// [`Detectors::NhsFamily`] and [`Detectors::All`] build the same engine;
/// when more detectors land, `All` grows with [`Config::default`] and the
/// corpora plant their identifiers too, while `NhsFamily` stays the three
/// kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detectors {
    /// NHS, CHI and H&C numbers.
    NhsFamily,
    /// Every default detector ([`Config::default`]).
    All,
    /// One kind only.
    Only(Kind),
}

impl Detectors {
    /// The sets the suites compare: the NHS family, everything, and each
    /// kind alone.
    pub const SETS: [Detectors; 5] = [
        Detectors::NhsFamily,
        Detectors::All,
        Detectors::Only(Kind::NhsNumber),
        Detectors::Only(Kind::ChiNumber),
        Detectors::Only(Kind::HcNumber),
    ];

    /// A short name for benchmark ids: `nhs-family`, `all`, or the kind's
    /// name (`nhs_number`, …).
    pub fn name(self) -> &'static str {
        match self {
            Detectors::NhsFamily => "nhs-family",
            Detectors::All => "all",
            Detectors::Only(kind) => kind.as_str(),
        }
    }

    /// The set with the given [`name`](Detectors::name).
    pub fn from_name(name: &str) -> Option<Detectors> {
        Detectors::SETS.into_iter().find(|d| d.name() == name)
    }

    /// The engine configuration: defaults except for the kinds.
    pub fn config(self) -> Config {
        let kinds = match self {
            Detectors::NhsFamily => {
                vec![Kind::NhsNumber, Kind::ChiNumber, Kind::HcNumber]
            }
            Detectors::All => return Config::default(),
            Detectors::Only(kind) => vec![kind],
        };
        Config { kinds, ..Config::default() }
    }

    /// The compiled engine for [`config`](Detectors::config).
    ///
    /// # Panics
    ///
    /// If the engine rejects the configuration (it never should: only the
    /// kinds differ from the default).
    pub fn engine(self) -> Engine {
        Engine::new(self.config()).expect("benchmark config is valid")
    }

    /// How many health-identifier findings this set must report on a
    /// corpus with `planted` (what [`Mode::count`] counts).
    pub fn expected(self, planted: &Planted) -> usize {
        self.config()
            .kinds
            .iter()
            .filter(|k| k.is_health_identifier())
            .map(|&k| planted_of(planted, k))
            .sum()
    }
}

/// How many findings of `kind` a corpus with `planted` holds (0 for the
/// kinds the corpora do not plant).
fn planted_of(planted: &Planted, kind: Kind) -> usize {
    match kind {
        Kind::NhsNumber => {
            planted.of(IdKind::Nhs) + planted.of(IdKind::Synthetic)
        }
        Kind::ChiNumber => planted.of(IdKind::Chi) + planted.of(IdKind::Chi10),
        Kind::HcNumber => planted.of(IdKind::Hc),
        _ => 0,
    }
}

/// How the bytes reach the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One [`Engine::scan`] over the whole input.
    OneShot,
    /// [`Engine::stream`], the input pushed in chunks of this many bytes,
    /// then `finish`.
    Stream(usize),
}

impl Mode {
    /// `one-shot`, or `stream-64KiB` style for streams.
    pub fn name(self) -> String {
        match self {
            Mode::OneShot => "one-shot".to_string(),
            Mode::Stream(chunk) if chunk % 1024 == 0 => {
                format!("stream-{}KiB", chunk / 1024)
            }
            Mode::Stream(chunk) => format!("stream-{chunk}B"),
        }
    }

    /// Scans `bytes` with `engine` and returns the number of findings.
    ///
    /// # Panics
    ///
    /// If the stream reports an error (it cannot: the sink never stops it
    /// and it is finished once), or the chunk size is 0.
    pub fn count(self, engine: &Engine, bytes: &[u8]) -> usize {
        let health = |f: &Finding| f.kind.is_health_identifier();
        match self {
            Mode::OneShot => {
                engine.scan(bytes).iter().filter(|f| health(f)).count()
            }
            Mode::Stream(chunk) => {
                let mut stream = engine.stream();
                let mut findings = Vec::new();
                for piece in bytes.chunks(chunk) {
                    stream.push(piece, &mut findings).expect("push");
                }
                stream.finish(&mut findings).expect("finish");
                findings.iter().filter(|f| health(f)).count()
            }
        }
    }
}

/// The shape regex of the `regex`-crate baseline, as given in issue 6,
/// with Unicode off so that `\d` and `\b` are ASCII (the scanner's own
/// rules are ASCII; Unicode `\b` makes the `regex` crate fall back to a
/// slower engine on non-ASCII bytes).
pub const SHAPE_REGEX: &str = r"(?-u)\b\d{3}[ -]?\d{3}[ -]?\d{4}\b";

/// The plain baseline: a `regex::bytes::Regex` for the NHS shape, then
/// Modulus 11 on each match's digits. No ranges, context or boundaries
/// beyond `\b`.
#[derive(Clone, Debug)]
pub struct RegexBaseline {
    re: Regex,
}

impl RegexBaseline {
    /// Compiles `pattern` (normally [`SHAPE_REGEX`]).
    ///
    /// # Errors
    ///
    /// If the pattern does not compile.
    pub fn new(pattern: &str) -> Result<RegexBaseline, regex::Error> {
        Ok(RegexBaseline { re: Regex::new(pattern)? })
    }

    /// Matches of the shape regex whose digits pass Modulus 11.
    pub fn count(&self, haystack: &[u8]) -> usize {
        self.re.find_iter(haystack).filter(|m| mod11(m.as_bytes())).count()
    }

    /// Matches of the shape regex, valid or not (what ripgrep counts).
    pub fn count_shapes(&self, haystack: &[u8]) -> usize {
        self.re.find_iter(haystack).count()
    }
}

/// Whether the ASCII digits in `text` (other bytes skipped) are ten digits
/// passing Modulus 11 (weights 10..1, sum divisible by 11), not all one
/// digit.
pub fn mod11(text: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut n = 0u32;
    let mut first = None;
    let mut same = true;
    for &b in text {
        if b.is_ascii_digit() {
            let d = u32::from(b - b'0');
            if n == 10 {
                return false;
            }
            sum += (10 - n) * d;
            n += 1;
            match first {
                None => first = Some(d),
                Some(f) => same &= f == d,
            }
        }
    }
    n == 10 && sum % 11 == 0 && !same
}

/// Wall-clock times of repeated runs, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// One entry per run, sorted ascending.
    pub secs: Vec<f64>,
}

impl Timing {
    /// The median run (the upper median for an even count).
    pub fn median(&self) -> f64 {
        self.secs[self.secs.len() / 2]
    }

    /// The fastest run.
    pub fn min(&self) -> f64 {
        self.secs[0]
    }

    /// The slowest run.
    pub fn max(&self) -> f64 {
        self.secs[self.secs.len() - 1]
    }
}

/// Runs `f` once untimed (warm-up), then `runs` times timed; returns the
/// times and the count of the last run.
///
/// # Panics
///
/// If `runs` is 0, or if a run's count differs from the warm-up's (a
/// scanner must give the same answer every time).
pub fn time_runs(
    runs: usize,
    mut f: impl FnMut() -> usize,
) -> (Timing, usize) {
    assert!(runs > 0, "at least one run");
    let count = f();
    let mut secs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let n = std::hint::black_box(f());
        secs.push(start.elapsed().as_secs_f64());
        assert_eq!(n, count, "count changed between runs");
    }
    secs.sort_by(f64::total_cmp);
    (Timing { secs }, count)
}

/// One JSON object on one line, as the comparison harness reads it:
/// `tool`, `bytes`, `runs`, `median_s`, `min_s`, `max_s`, `mb_per_s`
/// (decimal megabytes per second at the median) and `count`.
pub fn result_json(
    tool: &str,
    bytes: usize,
    t: &Timing,
    count: usize,
) -> String {
    let escaped = tool.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{{\"tool\": \"{escaped}\", \"bytes\": {bytes}, \"runs\": {}, \
         \"median_s\": {:.6}, \"min_s\": {:.6}, \"max_s\": {:.6}, \
         \"mb_per_s\": {:.1}, \"count\": {count}}}",
        t.secs.len(),
        t.median(),
        t.min(),
        t.max(),
        bytes as f64 / 1e6 / t.median(),
    )
}

/// The `main` of the bench binaries: prints `run`'s result line and exits
/// 0, or prints its error with the usage and exits 2.
pub fn finish_main(
    name: &str,
    usage: &str,
    result: Result<String, String>,
) -> std::process::ExitCode {
    match result {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{name}: {msg}\n{usage}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Parses `--name value` style options after positional arguments: returns
/// the positionals and a lookup of the options. A small helper so the
/// binaries need no argument-parsing dependency.
pub fn split_args(
    args: impl Iterator<Item = String>,
) -> (Vec<String>, Vec<(String, String)>) {
    let mut positional = Vec::new();
    let mut options = Vec::new();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        if let Some(name) = a.strip_prefix("--") {
            let value = match args.peek() {
                Some(v) if !v.starts_with("--") => args.next().unwrap(),
                _ => String::new(),
            };
            options.push((name.to_string(), value));
        } else {
            positional.push(a);
        }
    }
    (positional, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEN: usize = 1 << 20;

    /// The corpora's bookkeeping agrees with the engine, for every shape,
    /// several seeds, every detector set and every delivery mode. This is
    /// what the benchmarks assert inside their timed loops.
    #[test]
    fn engine_finds_exactly_what_was_planted() {
        let engines: Vec<_> =
            Detectors::SETS.into_iter().map(|d| (d, d.engine())).collect();
        for shape in Shape::ALL {
            for seed in [SEED, 1, 2] {
                let c = shape.generate(seed, LEN);
                for (set, engine) in &engines {
                    let want = set.expected(&c.planted);
                    let got = Mode::OneShot.count(engine, &c.bytes);
                    assert_eq!(got, want, "{shape} seed {seed} {set:?}");
                }
                let engine = &engines[0].1;
                for chunk in CHUNKS.into_iter().chain([1000, 7]) {
                    let got = Mode::Stream(chunk).count(engine, &c.bytes);
                    assert_eq!(
                        got,
                        c.planted.total(),
                        "{shape} seed {seed} chunk {chunk}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_shape_has_hits_except_no_hit() {
        for shape in Shape::ALL {
            let c = corpus(shape, LEN);
            let hits = c.planted.total();
            assert_eq!(hits == 0, shape == Shape::NoHit, "{shape}: {hits}");
            if shape != Shape::Binary {
                assert!(c.planted.decoys > 0, "{shape}");
            }
        }
    }

    #[test]
    fn baseline_validates_and_matches_its_shape() {
        let b = RegexBaseline::new(SHAPE_REGEX).unwrap();
        let hay = b"x 943 476 5919 y 9434765918 z 943-4765919 \
                    1111111111 12 9434765919";
        assert_eq!(b.count_shapes(hay), 5);
        // 9434765918 fails the checksum; 1111111111 is a placeholder;
        // 943-4765919 is a shape match and valid.
        assert_eq!(b.count(hay), 3);
        assert!(mod11(b"943 476 5919"));
        assert!(!mod11(b"943 476 59190"));
        assert!(!mod11(b"943 476 591"));
    }

    #[test]
    fn names() {
        assert_eq!(Mode::Stream(64 << 10).name(), "stream-64KiB");
        assert_eq!(Mode::Stream(100).name(), "stream-100B");
        for set in Detectors::SETS {
            assert_eq!(Detectors::from_name(set.name()), Some(set));
        }
    }

    #[test]
    fn timing_median_and_json() {
        let mut calls = 0;
        let (t, n) = time_runs(3, || {
            calls += 1;
            7
        });
        assert_eq!((calls, n, t.secs.len()), (4, 7, 3));
        assert!(t.min() <= t.median() && t.median() <= t.max());
        let j = result_json("a \"b\"", 10, &t, 7);
        assert!(j.starts_with("{\"tool\": \"a \\\"b\\\"\", \"bytes\": 10,"));
        assert!(j.ends_with("\"count\": 7}"));
    }

    #[test]
    fn args() {
        let (p, o) = split_args(
            ["f", "--runs", "3", "--quiet", "--x", "1"]
                .into_iter()
                .map(String::from),
        );
        assert_eq!(p, ["f"]);
        assert_eq!(
            o,
            [
                ("runs".into(), "3".into()),
                ("quiet".into(), String::new()),
                ("x".into(), "1".into())
            ]
        );
    }
}
