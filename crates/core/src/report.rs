//! [`Report`]: what one stream or document held, in counts that are safe to
//! log, and [`Policy`]: the exfiltration verdict drawn from it.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::engine::Sink;
use crate::error::BuildError;
use crate::finding::{Confidence, Finding, Kind};

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
        }
    }

    /// Adds one finding.
    pub fn add(&mut self, f: &Finding) {
        *self
            .counts
            .entry((f.kind, f.confidence, f.synthetic))
            .or_insert(0) += 1;
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

    /// Distinct identifiers of every kind that count towards the verdict.
    pub fn distinct_total(&self) -> u64 {
        self.distinct.values().map(|s| s.len() as u64).sum()
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
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("findings", &self.findings())?;
        m.serialize_entry("synthetic", &self.synthetic())?;
        m.serialize_entry("by_kind", &by_kind)?;
        m.serialize_entry("distinct", &distinct)?;
        m.serialize_entry("distinct_saturated", &self.saturated)?;
        m.end()
    }
}

impl Sink for Report {
    fn finding(&mut self, finding: Finding) -> bool {
        self.add(&finding);
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

/// When a verdict is reached: distinct identifiers at or above a count,
/// in total or for one kind. Unset fields never trigger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Distinct identifiers of all kinds together.
    pub distinct: Option<u64>,
    /// Distinct identifiers of one kind.
    pub distinct_by_kind: BTreeMap<Kind, u64>,
}

impl Thresholds {
    fn reached(&self, report: &Report) -> bool {
        self.distinct.is_some_and(|n| report.distinct_total() >= n)
            || self
                .distinct_by_kind
                .iter()
                .any(|(&k, &n)| report.distinct(k) >= n)
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
///
/// ```toml
/// min_confidence = "medium"
/// count_synthetic = false
/// [alert]
/// distinct = 2
/// [block]
/// distinct = 10
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
            alert: Thresholds { distinct: Some(2), ..Thresholds::default() },
            block: Thresholds { distinct: Some(10), ..Thresholds::default() },
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
