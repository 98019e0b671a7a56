//! Context keywords: the words near an identifier that corroborate it.
//!
//! One aho-corasick automaton holds every keyword, ASCII case-insensitive.
//! A keyword counts only as a whole word: the bytes directly before and
//! after it must not be ASCII letters (digits may touch it, so the `NHS` of
//! `NHS7573562667` counts).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The default context keywords (spec §3), any of which raises a valid
/// identifier to `high` confidence.
pub const DEFAULT_KEYWORDS: &[&str] = &[
    "NHS",
    "NHS no",
    "NHS number",
    "national health service",
    "health authority",
    "patient",
    "patient id",
    "patient no",
    "patient number",
    "hospital number",
    "MRN",
    "CHI",
    "H&C",
    "health and care number",
    "DOB",
    "D.O.B",
    "date of birth",
    "GP",
];

/// Keywords that say a number is a Scottish CHI number. A Modulus-10-only
/// CHI number is reported only when one of these is in the window.
pub const CHI_KEYWORDS: &[&str] =
    &["CHI", "CHI no", "CHI number", "community health index"];

/// The compiled keyword set.
#[derive(Clone, Debug)]
pub(crate) struct Keywords {
    automaton: AhoCorasick,
    /// For each pattern id, whether it is a CHI keyword.
    is_chi: Vec<bool>,
    /// Length of the longest keyword, in bytes.
    max_len: usize,
}

/// What a search of one window found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Corroboration {
    /// Some keyword lies wholly in the window.
    pub(crate) any: bool,
    /// A CHI keyword lies wholly in the window.
    pub(crate) chi: bool,
}

/// Remembers what earlier searches of the same input found, so that dense
/// input (a CSV column of numbers) does not search the same bytes again for
/// every candidate. Positions are absolute stream offsets.
///
/// Candidates arrive in increasing `start` order, so their windows' starts
/// and ends increase too. Everything before `searched_end` has been
/// searched; `last_any` / `last_chi` are the keyword occurrences with the
/// greatest start found so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memo {
    searched_end: u64,
    last_any: Option<(u64, u64)>,
    last_chi: Option<(u64, u64)>,
}

impl Keywords {
    pub(crate) fn new(
        extra: &[String],
    ) -> Result<Keywords, aho_corasick::BuildError> {
        let mut words: Vec<&str> = DEFAULT_KEYWORDS.to_vec();
        words.extend(extra.iter().map(String::as_str));
        let mut is_chi: Vec<bool> = words
            .iter()
            .map(|w| CHI_KEYWORDS.iter().any(|c| c.eq_ignore_ascii_case(w)))
            .collect();
        // CHI keywords not in the default list are added as CHI-only.
        for c in CHI_KEYWORDS {
            if !words.iter().any(|w| w.eq_ignore_ascii_case(c)) {
                words.push(c);
                is_chi.push(true);
            }
        }
        let max_len = words.iter().map(|w| w.len()).max().unwrap_or(0);
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)?;
        Ok(Keywords { automaton, is_chi, max_len })
    }

    /// Searches for keywords lying wholly in `hay[ws..we]`, where `hay`
    /// starts at absolute offset `base`. `hay` must hold the byte before
    /// `ws` and the byte at `we` when they exist in the input.
    pub(crate) fn corroborate(
        &self,
        hay: &[u8],
        base: u64,
        ws: usize,
        we: usize,
        memo: &mut Memo,
    ) -> Corroboration {
        let (abs_ws, abs_we) = (base + ws as u64, base + we as u64);
        let overlap = self.max_len.saturating_sub(1) as u64;
        let resume = memo.searched_end.saturating_sub(overlap).max(abs_ws);
        if resume < abs_we {
            // `resume >= abs_ws >= base`, so this cannot underflow.
            let from = (resume - base) as usize;
            for m in self.automaton.find_overlapping_iter(&hay[from..we]) {
                let (s, e) = (from + m.start(), from + m.end());
                if !is_whole_word(hay, s, e) {
                    continue;
                }
                let span = (base + s as u64, base + e as u64);
                if memo.last_any.is_none_or(|(ls, _)| ls <= span.0) {
                    memo.last_any = Some(span);
                }
                if self.is_chi[m.pattern().as_usize()]
                    && memo.last_chi.is_none_or(|(ls, _)| ls <= span.0)
                {
                    memo.last_chi = Some(span);
                }
            }
            memo.searched_end = memo.searched_end.max(abs_we);
        }
        let inside = |kw: Option<(u64, u64)>| {
            kw.is_some_and(|(s, e)| s >= abs_ws && e <= abs_we)
        };
        Corroboration {
            any: inside(memo.last_any),
            chi: inside(memo.last_chi),
        }
    }
}

/// Whether `hay[s..e]` has no ASCII letter directly on either side.
fn is_whole_word(hay: &[u8], s: usize, e: usize) -> bool {
    let before = s.checked_sub(1).and_then(|i| hay.get(i));
    let after = hay.get(e);
    !before.is_some_and(u8::is_ascii_alphabetic)
        && !after.is_some_and(u8::is_ascii_alphabetic)
}
