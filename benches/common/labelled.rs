//! Precision and recall per kind on the labelled corpus
//! (`caldicott_testkit::labelled`): what structure awareness is worth.
//!
//! A finding counts as reported when its confidence is at least `medium`,
//! the default policy's threshold. It is a true positive when a positive
//! label of its kind has exactly its span; anything else reported is a
//! false positive (a confounder, or something the corpus does not label).

use std::collections::BTreeMap;
use std::fmt;

use caldicott_core::{Confidence, Engine};
use caldicott_testkit::labelled::LabelledDoc;

/// Counts for one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindScore {
    /// Positive labels (what should be reported).
    pub positives: usize,
    /// Reported findings with a matching positive label.
    pub true_positives: usize,
    /// Reported findings without one.
    pub false_positives: usize,
    /// False positives that hit a confounder label (`positive: false`).
    pub confounders_reported: usize,
}

impl KindScore {
    /// Reported findings that were right; 1 when nothing was reported.
    pub fn precision(&self) -> f64 {
        let reported = self.true_positives + self.false_positives;
        if reported == 0 {
            1.0
        } else {
            self.true_positives as f64 / reported as f64
        }
    }

    /// Positive labels that were reported; 1 when there were none.
    pub fn recall(&self) -> f64 {
        if self.positives == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.positives as f64
        }
    }
}

/// Scores per kind name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scores(pub BTreeMap<String, KindScore>);

impl Scores {
    /// The score of `kind` (all zeros when it never appeared).
    pub fn of(&self, kind: &str) -> KindScore {
        self.0.get(kind).copied().unwrap_or_default()
    }

    /// The three health identifiers together.
    pub fn health(&self) -> KindScore {
        let mut total = KindScore::default();
        for kind in ["nhs_number", "chi_number", "hc_number"] {
            let s = self.of(kind);
            total.positives += s.positives;
            total.true_positives += s.true_positives;
            total.false_positives += s.false_positives;
            total.confounders_reported += s.confounders_reported;
        }
        total
    }
}

/// Scans every document with `engine` and scores the findings.
pub fn evaluate(engine: &Engine, docs: &[LabelledDoc]) -> Scores {
    let mut scores: BTreeMap<String, KindScore> = BTreeMap::new();
    for doc in docs {
        for label in doc.labels.iter().filter(|l| l.positive) {
            scores.entry(label.kind.to_string()).or_default().positives += 1;
        }
        for f in engine.scan(&doc.bytes) {
            if f.confidence < Confidence::Medium {
                continue;
            }
            let (start, end) = (f.start as usize, f.end as usize);
            let label = doc.labels.iter().find(|l| {
                l.kind == f.kind.as_str() && l.start == start && l.end == end
            });
            let score = scores.entry(f.kind.to_string()).or_default();
            match label {
                Some(l) if l.positive => score.true_positives += 1,
                Some(_) => {
                    score.false_positives += 1;
                    score.confounders_reported += 1;
                }
                None => score.false_positives += 1,
            }
        }
    }
    Scores(scores)
}

/// A Markdown table comparing two runs, kind by kind.
pub struct Comparison<'a> {
    /// The run without structure awareness.
    pub before: &'a Scores,
    /// The run with it.
    pub after: &'a Scores,
}

impl fmt::Display for Comparison<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| kind | positives | precision before | recall before | \
             precision after | recall after | confounders reported \
             before → after |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|")?;
        let mut kinds: Vec<&String> =
            self.before.0.keys().chain(self.after.0.keys()).collect();
        kinds.sort();
        kinds.dedup();
        let rows = kinds
            .into_iter()
            .map(|k| (k.as_str(), self.before.of(k), self.after.of(k)))
            .chain([(
                "health identifiers",
                self.before.health(),
                self.after.health(),
            )]);
        for (kind, b, a) in rows {
            writeln!(
                f,
                "| {kind} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {} → {} |",
                a.positives,
                b.precision(),
                b.recall(),
                a.precision(),
                a.recall(),
                b.confounders_reported,
                a.confounders_reported
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use caldicott_core::{Config, Engine};
    use caldicott_testkit::labelled::labelled_corpus;

    use super::evaluate;

    /// Structure awareness must remove most hard confounders and lose no
    /// health identifier; each kind found from structure must be found.
    #[test]
    fn structure_raises_precision_without_losing_recall() {
        let docs = labelled_corpus(7, 12);
        let plain =
            Engine::new(Config { structure: false, ..Config::default() })
                .expect("valid");
        let before = evaluate(&plain, &docs);
        let after = evaluate(&Engine::default(), &docs);
        let (b, a) = (before.health(), after.health());
        assert!(b.positives > 100, "{b:?}");
        assert_eq!(a.recall(), 1.0, "{a:?}");
        assert!(a.precision() >= 0.95, "{a:?}");
        assert!(b.precision() < 0.5, "{b:?}: the corpus is not hard");
        for kind in ["person_name", "clinical_record", "date_of_birth"] {
            let s = after.of(kind);
            assert!(s.positives > 0 && s.recall() >= 0.9, "{kind}: {s:?}");
            assert!(s.precision() >= 0.9, "{kind}: {s:?}");
            assert_eq!(
                before.of(kind).true_positives == 0,
                kind != "date_of_birth",
                "{kind}"
            );
        }
    }
}
