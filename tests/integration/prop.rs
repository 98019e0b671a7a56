//! Property tests: random haystacks built from pieces that matter to the
//! rules (planted identifiers in every written form, keywords, separators,
//! digits, hex letters, dialling prefixes), random context windows and
//! random chunkings. The engine must agree with the oracle, and the stream
//! with the one-shot scan.

use caldicott_core::{Config, Engine};
use caldicott_testkit::gen::{IdGen, IdKind};
use proptest::prelude::*;

use crate::oracle;
use crate::util::{health, plain, stream_chunks};

const FORMS: [(&str, &str); 6] = [
    ("", ""),
    (" ", " "),
    ("-", "-"),
    (".", "."),
    ("\t", "\t"),
    ("\u{a0}", "\u{a0}"),
];

const PIECES: &[&str] = &[
    " ",
    "  ",
    "-",
    ".",
    "\t",
    "\n",
    "\u{a0}",
    "+",
    "+44 ",
    "+353 ",
    "+1-",
    "+4420 ",
    "0044 ",
    "00353 ",
    "00",
    "_",
    "~",
    "a",
    "f",
    "E",
    "x",
    "NHS",
    "nhs no",
    "patient",
    "CHI",
    "chi number",
    "GP",
    "GPS",
    "Community Health Index",
    "dob",
    "D.O.B",
    "H&C",
    "order id",
    "1",
    "12",
    "123",
    "2024",
    "0",
    "deadbeef",
    "-ab12",
    ", ",
];

fn piece(seed: u64, choice: u8) -> String {
    let mut g = IdGen::new(seed);
    let kinds = IdKind::ALL;
    match choice % 4 {
        0 | 1 => {
            let kind = kinds[(seed % kinds.len() as u64) as usize];
            let mut id = g.generate(kind);
            if seed % 7 == 0 {
                id = g.invalid_checksum(&id);
            }
            let (s1, s2) = FORMS[(seed / 7 % FORMS.len() as u64) as usize];
            format!("{}{s1}{}{s2}{}", &id[..3], &id[3..6], &id[6..])
        }
        _ => PIECES[(seed % PIECES.len() as u64) as usize].to_string(),
    }
}

fn haystack() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<u64>(), any::<u8>()), 0..40).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(s, c)| piece(s, c))
                .collect::<String>()
                .into_bytes()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_oracle(
        hay in haystack(),
        before in 0usize..60,
        after in 0usize..60,
    ) {
        let config = Config { context_before: before, context_after: after, ..Config::default() };
        let engine = Engine::new(config).unwrap();
        let want = oracle::scan(&hay, before, after);
        prop_assert_eq!(&want, &health(&engine.scan(&hay)), "{:?}", String::from_utf8_lossy(&hay));
    }

    #[test]
    fn stream_matches_one_shot(
        hay in haystack(),
        sizes in prop::collection::vec(1usize..300, 1..8),
        before in 0usize..400,
        after in 0usize..200,
    ) {
        let config = Config { context_before: before, context_after: after, ..Config::default() };
        let engine = Engine::new(config).unwrap();
        let want = plain(&engine.scan(&hay));
        let got = plain(&stream_chunks(&engine, &hay, &sizes));
        prop_assert_eq!(want, got);
    }
}

/// Long random haystacks with dense identifiers, pushed in chunks large
/// enough to take the stream's in-place path.
#[test]
fn stream_matches_one_shot_on_long_inputs() {
    let engine = Engine::default();
    for seed in 0..20u64 {
        let mut g = IdGen::new(seed);
        let mut hay = String::new();
        while hay.len() < 200_000 {
            let s = g.next_u64();
            hay.push_str(&piece(s, (s >> 32) as u8));
        }
        let hay = hay.into_bytes();
        let want = plain(&engine.scan(&hay));
        assert!(want.len() > 100, "seed {seed}: only {} findings", want.len());
        for sizes in [&[4096][..], &[65536], &[1000, 17, 9000, 3], &[1]] {
            let got = plain(&stream_chunks(&engine, &hay, sizes));
            assert_eq!(want, got, "seed {seed}, chunks {sizes:?}");
        }
        if seed < 3 {
            assert_eq!(
                health(&engine.scan(&hay)),
                oracle::scan(&hay, 300, 100),
                "oracle, seed {seed}"
            );
        }
    }
}

const COLUMNS: &[&str] = &[
    "nhs_number",
    "\"NHS Number\"",
    "NEWNHSNO",
    "order_id",
    "timestamp",
    "surname",
    "CHI",
    "hcn",
    "notes",
    "Telephone",
    "dob",
];

fn csv_cell(seed: u64, choice: u8) -> String {
    match choice % 6 {
        0 => String::new(),
        1 => "\"quoted, with\nnewline\"".to_string(),
        2 => "Smith".to_string(),
        _ => piece(seed, 0),
    }
}

/// Random CSV/TSV exports: a header from a list of column names, rows of
/// identifiers, quoted cells holding delimiters and newlines, ragged rows.
fn csv_document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(0..COLUMNS.len(), 1..6),
        0usize..4,
        prop::collection::vec(
            prop::collection::vec((any::<u64>(), any::<u8>()), 0..7),
            0..12,
        ),
        any::<bool>(),
    )
        .prop_map(|(cols, d, rows, crlf)| {
            let delim = [",", "\t", ";", "|"][d];
            let eol = if crlf { "\r\n" } else { "\n" };
            let header: Vec<&str> = cols.iter().map(|&c| COLUMNS[c]).collect();
            let mut doc = header.join(delim) + eol;
            for row in rows {
                let cells: Vec<String> =
                    row.into_iter().map(|(s, c)| csv_cell(s, c)).collect();
                doc += &(cells.join(delim) + eol);
            }
            doc.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn csv_engine_matches_oracle_and_stream(
        hay in csv_document(),
        sizes in prop::collection::vec(1usize..200, 1..6),
    ) {
        let engine = Engine::default();
        let want = oracle::scan(&hay, 300, 100);
        let found = engine.scan(&hay);
        prop_assert_eq!(&want, &health(&found), "{:?}", String::from_utf8_lossy(&hay));
        prop_assert_eq!(plain(&found), plain(&stream_chunks(&engine, &hay, &sizes)));
    }
}
