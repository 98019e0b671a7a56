//! [`Report`]: what one stream or document held, in counts that are safe to
//! log, and [`Policy`]: the exfiltration verdict drawn from it.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::engine::Sink;
use crate::error::BuildError;
use crate::finding::{Confidence, Finding, Kind, RecordFormat};
use crate::notice::Notice;

/// Distinct identifiers counted exactly per kind. Each is kept as a 64-bit
/// keyed hash (8 bytes plus set overhead), so a report holds at most about
/// 3 × 4096 × 16 bytes ≈ 200 KiB however large the input. Past this the
/// count is a lower bound and [`Report::distinct_saturated`] says so; a
/// policy may not use a distinct threshold above it.
pub const MAX_DISTINCT_TRACKED: usize = 4096;

/// Counts of what a scan found, for a verdict and for logs. Never holds an
/// identifier in clear: distinct identifiers are counted through a hash
/// keyed with random keys per report, so the hashes cannot be looked up
/// against a list of numbers.
///
/// A report is a [`Sink`]: pass it (or wrap another sink with
/// [`Report::tee`]) to a scan or a stream.
///
/// # Example
///
/// ```
/// use caldicott_core::{Engine, Kind, Policy, Report, Verdict};
///
/// let engine = Engine::default();
/// let mut report = Report::new();
/// let csv = "nhs_number\n7573562667\n7573562667\n";
/// engine.scan_into(csv.as_bytes(), &mut report);
/// assert_eq!(report.findings(), 2);
/// assert_eq!(report.distinct(Kind::NhsNumber), 1);
/// assert_eq!(Policy::default().verdict(&report), Verdict::Allow);
/// ```
#[derive(Debug)]
pub struct Report {
    counts: BTreeMap<(Kind, Confidence, bool), u64>,
    distinct: BTreeMap<Kind, HashSet<u64>>,
    saturated: bool,
    keys: RandomState,
    /// Distinct counting considers findings at or above this confidence
    /// (the policy's view); see [`Report::for_policy`].
    min_confidence: Confidence,
    /// Whether synthetic numbers are distinct-counted.
    count_synthetic: bool,
    /// Clinical records per format.
    records: BTreeMap<RecordFormat, u64>,
    /// Notices per source and limit (bounded: both are `&'static str`
    /// names from a fixed set).
    notices: BTreeMap<(&'static str, &'static str), u64>,
}

impl Default for Report {
    fn default() -> Report {
        Report::new()
    }
}

impl Report {
    /// An empty report that counts distinct identifiers at `medium`
    /// confidence and above, excluding synthetic numbers, as the default
    /// [`Policy`] does.
    pub fn new() -> Report {
        Report::for_policy(&Policy::default())
    }

    /// An empty report counting what `policy` decides on: every finding
    /// is counted, but only those the policy considers (its
    /// `min_confidence`, and synthetic numbers only if `count_synthetic`)
    /// are counted as distinct identifiers. Use the same policy for
    /// [`Policy::verdict`].
    pub fn for_policy(policy: &Policy) -> Report {
        Report {
            counts: BTreeMap::new(),
            distinct: BTreeMap::new(),
            saturated: false,
            keys: RandomState::new(),
            min_confidence: policy.min_confidence,
            count_synthetic: policy.count_synthetic,
            records: BTreeMap::new(),
            notices: BTreeMap::new(),
        }
    }

    /// Adds one finding.
    pub fn add(&mut self, f: &Finding) {
        *self
            .counts
            .entry((f.kind, f.confidence, f.synthetic))
            .or_insert(0) += 1;
        if let Some(format) = f.format {
            *self.records.entry(format).or_insert(0) += 1;
            return;
        }
        if f.confidence < self.min_confidence
            || (f.synthetic && !self.count_synthetic)
        {
            return;
        }
        let set = self.distinct.entry(f.kind).or_default();
        let hash = self.keys.hash_one(f.value());
        if set.len() < MAX_DISTINCT_TRACKED {
            set.insert(hash);
        } else if !set.contains(&hash) {
            self.saturated = true;
        }
    }

    /// Wraps `inner` so that every finding goes to this report and then to
    /// `inner`.
    pub fn tee<'a>(&'a mut self, inner: &'a mut dyn Sink) -> Tee<'a> {
        Tee { report: self, inner }
    }

    /// All findings added.
    pub fn findings(&self) -> u64 {
        self.counts.values().sum::<u64>()
    }

    /// Findings of `kind` at `confidence` (synthetic ones included).
    pub fn count(&self, kind: Kind, confidence: Confidence) -> u64 {
        [false, true]
            .iter()
            .filter_map(|&s| self.counts.get(&(kind, confidence, s)))
            .sum()
    }

    /// Synthetic (9xx) findings.
    pub fn synthetic(&self) -> u64 {
        self.counts.iter().filter(|((_, _, s), _)| *s).map(|(_, n)| n).sum()
    }

    /// Distinct identifiers of `kind` that count towards the verdict
    /// (a lower bound once [`distinct_saturated`](Report::distinct_saturated)).
    pub fn distinct(&self, kind: Kind) -> u64 {
        self.distinct.get(&kind).map_or(0, |s| s.len() as u64)
    }

    /// Distinct health identifiers (NHS, CHI and H&C numbers together)
    /// that count towards the verdict.
    pub fn distinct_total(&self) -> u64 {
        self.distinct
            .iter()
            .filter(|(k, _)| k.is_health_identifier())
            .map(|(_, s)| s.len() as u64)
            .sum()
    }

    /// Clinical records of `format` (spec §5).
    pub fn records(&self, format: RecordFormat) -> u64 {
        self.records.get(&format).copied().unwrap_or(0)
    }

    /// Clinical records of every format.
    pub fn records_total(&self) -> u64 {
        self.records.values().sum()
    }

    /// Records a [`Notice`]: a limit reached or a structure abandoned.
    pub fn add_notice(&mut self, notice: &Notice) {
        *self.notices.entry((notice.source, notice.limit)).or_insert(0) += 1;
    }

    /// Notices received: limits reached, structures abandoned.
    pub fn notices(&self) -> u64 {
        self.notices.values().sum()
    }

    /// Whether more than [`MAX_DISTINCT_TRACKED`] distinct identifiers of
    /// some kind were seen, so distinct counts are lower bounds.
    pub fn distinct_saturated(&self) -> bool {
        self.saturated
    }
}

/// Serialises as counts only: `findings`, `synthetic`, `by_kind` (kind →
/// confidence → count), `distinct` (kind → count), `distinct_saturated`.
impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut by_kind: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        for (&(kind, conf, _), &n) in &self.counts {
            if n > 0 {
                *by_kind
                    .entry(kind.as_str())
                    .or_default()
                    .entry(conf.as_str())
                    .or_default() += n;
            }
        }
        let distinct: BTreeMap<&str, u64> = self
            .distinct
            .iter()
            .map(|(k, set)| (k.as_str(), set.len() as u64))
            .collect();
        let records: BTreeMap<&str, u64> =
            self.records.iter().map(|(f, n)| (f.as_str(), *n)).collect();
        let notices: BTreeMap<String, u64> = self
            .notices
            .iter()
            .map(|((source, limit), n)| (format!("{source}:{limit}"), *n))
            .collect();
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("findings", &self.findings())?;
        m.serialize_entry("synthetic", &self.synthetic())?;
        m.serialize_entry("by_kind", &by_kind)?;
        m.serialize_entry("distinct", &distinct)?;
        m.serialize_entry("distinct_saturated", &self.saturated)?;
        m.serialize_entry("records", &records)?;
        m.serialize_entry("notices", &notices)?;
        m.end()
    }
}

impl Sink for Report {
    fn finding(&mut self, finding: Finding) -> bool {
        self.add(&finding);
        true
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.add_notice(&notice);
        true
    }
}

/// A sink that feeds a [`Report`] and passes each finding on; made by
/// [`Report::tee`].
pub struct Tee<'a> {
    report: &'a mut Report,
    inner: &'a mut dyn Sink,
}

impl fmt::Debug for Tee<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tee").field("report", &self.report).finish()
    }
}

impl Sink for Tee<'_> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.report.add(&finding);
        self.inner.finding(finding)
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.report.add_notice(&notice);
        self.inner.notice(notice)
    }
}

/// What to do with the data a report describes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Let it through.
    Allow,
    /// Let it through and tell someone.
    Alert,
    /// Stop it.
    Block,
}

impl Verdict {
    /// `allow`, `alert` or `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Alert => "alert",
            Verdict::Block => "block",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// When a verdict is reached: distinct identifiers or clinical records at
/// or above a count, or any notice. Unset fields never trigger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Distinct health identifiers (NHS, CHI, H&C numbers) together.
    pub distinct: Option<u64>,
    /// Distinct identifiers of one kind (any kind: `nino`, `postcode`…).
    pub distinct_by_kind: BTreeMap<Kind, u64>,
    /// Clinical records of every format together.
    pub records: Option<u64>,
    /// Set to `true` to reach this verdict on any [`Notice`]: an input the
    /// engine could not fully inspect (a limit reached, a structure
    /// abandoned).
    pub on_notice: bool,
}

impl Thresholds {
    fn reached(&self, report: &Report) -> bool {
        self.distinct.is_some_and(|n| report.distinct_total() >= n)
            || self
                .distinct_by_kind
                .iter()
                .any(|(&k, &n)| report.distinct(k) >= n)
            || self.records.is_some_and(|n| report.records_total() >= n)
            || (self.on_notice && report.notices() > 0)
    }
}

/// Turns a [`Report`] into a [`Verdict`]. Deserialisable from TOML or JSON;
/// unknown fields are errors.
///
/// # The default policy, and why
///
/// * Only findings at `medium` confidence or above count, and synthetic
///   (9xx) numbers do not: test data is not a breach.
/// * Identifiers are counted **distinct**, so one patient's number repeated
///   through a letter counts once.
/// * `alert` at 2 distinct identifiers: one number in a referral or an
///   email to a GP is everyday clinical work; a second patient in the same
///   message is worth a look.
/// * `block` at 10 distinct identifiers: a list of ten patients leaving
///   through a proxy is a bulk disclosure. Purview's built-in DLP templates
///   separate "low volume" and "high volume" by an instance count in the
///   same way, and Snort's sensitive-data preprocessor alerts on a
///   per-session count; counting distinct values rather than instances
///   keeps repetition from tripping the block.
/// * Clinical records (an HL7 message, a FHIR Patient, a CSV row with an
///   identifier…) count the same way: `alert` at 2, `block` at 10. A
///   record carries a patient's data even when its identifier was not
///   recognised.
/// * Notices (an input not fully inspected) do not change the verdict by
///   default; set `on_notice = true` under `[alert]` or `[block]` for a
///   fail-closed policy.
///
/// ```toml
/// min_confidence = "medium"
/// count_synthetic = false
/// [alert]
/// distinct = 2
/// records = 2
/// [block]
/// distinct = 10
/// records = 10
/// distinct_by_kind = { chi_number = 5 }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A name, shown in verdict output (and the ICAP block page).
    pub name: String,
    /// Findings below this confidence do not count.
    pub min_confidence: Confidence,
    /// Whether synthetic (9xx) numbers count.
    pub count_synthetic: bool,
    /// When to alert.
    pub alert: Thresholds,
    /// When to block; checked before `alert`.
    pub block: Thresholds,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            name: "default".to_string(),
            min_confidence: Confidence::Medium,
            count_synthetic: false,
            alert: Thresholds {
                distinct: Some(2),
                records: Some(2),
                ..Thresholds::default()
            },
            block: Thresholds {
                distinct: Some(10),
                records: Some(10),
                ..Thresholds::default()
            },
        }
    }
}

impl Policy {
    /// Checks the policy's limits. Call it after deserialising a policy.
    ///
    /// # Errors
    ///
    /// A threshold of 0 (it would fire on empty input) or above
    /// [`MAX_DISTINCT_TRACKED`] (it could never be decided exactly).
    pub fn validate(&self) -> Result<(), BuildError> {
        for (which, t) in [("alert", &self.alert), ("block", &self.block)] {
            let all = t
                .distinct
                .into_iter()
                .chain(t.distinct_by_kind.values().copied());
            for n in all {
                if n == 0 || n > MAX_DISTINCT_TRACKED as u64 {
                    return Err(BuildError::policy_threshold(
                        which,
                        n,
                        MAX_DISTINCT_TRACKED as u64,
                    ));
                }
            }
            // Records are counted exactly, however many: only 0 is wrong.
            if t.records == Some(0) {
                return Err(BuildError::policy_threshold(which, 0, u64::MAX));
            }
        }
        Ok(())
    }

    /// The verdict for `report`: `block` if a block threshold is reached,
    /// else `alert` if an alert threshold is, else `allow`.
    pub fn verdict(&self, report: &Report) -> Verdict {
        if self.block.reached(report) {
            Verdict::Block
        } else if self.alert.reached(report) {
            Verdict::Alert
        } else {
            Verdict::Allow
        }
    }
}
