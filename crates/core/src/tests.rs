//! Unit tests of the public surface that need no test tables.

use crate::*;

#[test]
fn public_types_are_send_sync_unwind_safe() {
    fn check<
        T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe,
    >() {
    }
    check::<Engine>();
    check::<Stream>();
    check::<Finding>();
    check::<Config>();
    check::<BuildError>();
    check::<StreamError>();
}

#[test]
fn finding_serialises_masked_and_reveals_only_on_request() {
    let f = Engine::default().scan(b"NHS 943-476-5919").remove(0);
    let json = serde_json::to_string(&f).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"nhs_number","start":4,"end":16,"confidence":"high","synthetic":true,"masked":"*** *** 5919"}"#
    );
    assert!(!format!("{f:?}").contains("943"));
    let revealed = serde_json::to_value(f.revealed()).unwrap();
    assert_eq!(revealed["value"], "9434765919");
}

#[test]
fn config_deserialises_with_defaults_and_rejects_unknown_fields() {
    let c: Config =
        serde_json::from_str(r#"{"kinds":["chi_number"],"context_after":5}"#)
            .unwrap();
    assert_eq!(c.kinds, vec![Kind::ChiNumber]);
    assert_eq!(c.context_after, 5);
    assert_eq!(c.context_before, DEFAULT_CONTEXT_BEFORE);
    let err = serde_json::from_str::<Config>(r#"{"kinds":[],"typo":1}"#);
    assert!(err.unwrap_err().to_string().contains("typo"));
}

#[test]
fn build_errors_name_the_limit() {
    let too_big =
        Config { context_before: MAX_CONTEXT_WINDOW + 1, ..Config::default() };
    let msg = Engine::new(too_big).unwrap_err().to_string();
    assert_eq!(
        msg,
        "context_before of 4097 bytes exceeds the maximum of 4096 bytes"
    );
    let none = Config { kinds: vec![], ..Config::default() };
    assert_eq!(
        Engine::new(none).unwrap_err().to_string(),
        "no identifier kinds are enabled"
    );
    let long = Config {
        extra_keywords: vec!["x".repeat(MAX_KEYWORD_LEN + 1)],
        ..Config::default()
    };
    assert!(Engine::new(long).unwrap_err().to_string().contains("65 bytes"));
    let empty =
        Config { extra_keywords: vec![String::new()], ..Config::default() };
    assert!(Engine::new(empty).is_err());
}

#[test]
fn extra_keywords_corroborate() {
    let engine = Engine::new(Config {
        extra_keywords: vec!["case ref".into()],
        ..Config::default()
    })
    .unwrap();
    let f = engine.scan(b"Case Ref: 9434765919");
    assert_eq!(f[0].confidence, Confidence::High);
    let f = Engine::default().scan(b"Case Ref: 9434765919");
    assert_eq!(f[0].confidence, Confidence::Medium);
}

#[test]
fn config_filters_kinds_confidence_and_synthetic() {
    let hay = b"9434765919";
    let no_synth = Config { report_synthetic: false, ..Config::default() };
    assert!(Engine::new(no_synth).unwrap().scan(hay).is_empty());
    let chi_only =
        Config { kinds: vec![Kind::ChiNumber], ..Config::default() };
    assert!(Engine::new(chi_only).unwrap().scan(hay).is_empty());
    let high =
        Config { min_confidence: Confidence::High, ..Config::default() };
    assert!(Engine::new(high.clone()).unwrap().scan(hay).is_empty());
    assert_eq!(Engine::new(high).unwrap().scan(b"NHS 9434765919").len(), 1);
}

#[test]
fn stream_errors_are_sticky() {
    let engine = Engine::default();
    let mut s = engine.stream();
    let mut out = Vec::new();
    s.push(b"9434765919 ", &mut out).unwrap();
    s.finish(&mut out).unwrap();
    assert_eq!(out.len(), 1);
    for _ in 0..2 {
        assert_eq!(
            s.push(b"9434765919", &mut out),
            Err(StreamError::Finished)
        );
        assert_eq!(s.finish(&mut out), Err(StreamError::Finished));
    }
    assert_eq!(out.len(), 1);

    let mut s = engine.stream();
    let mut stop = FnSink(|_| false);
    let long = "9434765919 ".repeat(500);
    assert_eq!(s.push(long.as_bytes(), &mut stop), Err(StreamError::Stopped));
    let mut out = Vec::new();
    assert_eq!(s.push(b"x", &mut out), Err(StreamError::Stopped));
    assert_eq!(s.finish(&mut out), Err(StreamError::Stopped));
    assert!(out.is_empty());
}

#[test]
fn a_reset_stream_scans_like_a_new_one() {
    let engine = Engine::default();
    let fresh = |make: fn(&Engine) -> crate::Stream, input: &[u8]| {
        let mut s = make(&engine);
        let mut out = Vec::new();
        s.push(input, &mut out).unwrap();
        s.finish(&mut out).unwrap();
        out
    };
    let csv = b"nhs_number,order_id\n9434765919,6135720104\n";
    let text = b"NHS number 943 476 5919 and 7573562667";
    for make in [Engine::stream, Engine::stream_without_structure] {
        let mut s = make(&engine);
        let mut out = Vec::new();
        // Ended, failed (a stopped sink) or left mid-input: reset makes
        // it new each time.
        s.push(text, &mut out).unwrap();
        s.finish(&mut out).unwrap();
        s.reset();
        assert_eq!(
            s.push(&text.repeat(200), &mut FnSink(|_| false)),
            Err(StreamError::Stopped)
        );
        s.reset();
        s.push(b"9434765", &mut out).unwrap();
        for input in [&csv[..], &text[..]] {
            s.reset();
            let mut again = Vec::new();
            s.push(input, &mut again).unwrap();
            s.finish(&mut again).unwrap();
            assert_eq!(again, fresh(make, input));
        }
    }
    // The structure setting is kept: the CSV's order_id column is judged
    // by its header only with structure on.
    assert_ne!(
        fresh(Engine::stream, csv),
        fresh(Engine::stream_without_structure, csv)
    );
}

#[test]
fn stream_memory_stays_bounded() {
    let engine = Engine::default();
    let mut s = engine.stream();
    let mut count = 0usize;
    let mut sink = FnSink(|_| {
        count += 1;
        true
    });
    let bound = s.max_buffered();
    assert_eq!(bound, 1248);
    assert!(bound <= MAX_STREAM_BUFFER);
    let line = b"NHS 943 476 5919, ";
    for size in [1usize, 7, 100, 5000, 70_000] {
        let chunk: Vec<u8> = line.iter().copied().cycle().take(size).collect();
        for _ in 0..50 {
            s.push(&chunk, &mut sink).unwrap();
            assert!(s.buffered() <= bound, "{} > {bound}", s.buffered());
        }
    }
    s.finish(&mut sink).unwrap();
    assert!(count > 0);
}

#[test]
fn validators_accept_every_written_form() {
    for s in [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "943.476.5919",
        "943\t476\t5919",
        "943\u{a0}476\u{a0}5919",
        " 9434765919 ",
    ] {
        assert!(nhs_number::is_valid(s), "{s:?}");
        assert!(nhs_number::is_synthetic(s), "{s:?}");
    }
    for s in [
        "943 476-5919",
        "94347659190",
        "943 4765 919",
        "",
        "abc",
        "9434765918",
        "4444444444",
        "0000000000",
    ] {
        assert!(!nhs_number::is_valid(s), "{s:?}");
    }
}

/// The block fast path against the byte-at-a-time loop, over inputs dense
/// in digit runs of every length, at every alignment of `from` and `to`.
#[test]
fn fast_path_matches_scalar_loop() {
    use crate::scan::{scan_region, scan_region_scalar, Region, ScanState};

    let engine = Engine::default();
    let inner = engine.inner();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let long_run = [b'7'; 70];
    let pieces: [&[u8]; 27] = [
        &long_run,
        b"9434765919",
        b"943 476 5919",
        b"12",
        b"123",
        b"1234567",
        b" ",
        b"NHS ",
        b"x",
        b"99900000189",
        b"943-476-5919",
        // Companion identifiers and their near misses.
        b"AB123456C",
        b"AB 12 34 56 C",
        b"LS1 4AP",
        b"SW1A 1AA",
        b"j.bloggs@nhs.net",
        b"@",
        b"DOB ",
        b"01/02/1970",
        b"1970-01-01",
        b"19700101",
        b"E11.9 ",
        b"ICD-10 ",
        b"snomed ",
        b"22298006",
        b"AB",
        b"A1",
    ];
    let mut companions = 0;
    for round in 0..300 {
        let mut hay = Vec::new();
        while hay.len() < 300 + round {
            hay.extend_from_slice(pieces[(next() % 27) as usize]);
        }
        let region = Region { hay: &hay, base: 0, eof: true };
        for from in [0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128] {
            for to in [hay.len(), hay.len() - 1, hay.len() / 2] {
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                let (mut m1, mut m2) =
                    (ScanState::default(), ScanState::default());
                scan_region(inner, region, from, to, &mut m1, &mut fast);
                scan_region_scalar(
                    inner, region, from, to, &mut m2, &mut slow,
                );
                assert_eq!(fast, slow, "round {round}, {from}..{to}");
                companions += fast
                    .iter()
                    .filter(|f| !f.kind.is_health_identifier())
                    .count();
            }
        }
    }
    // The inputs exercise the companion triggers, not just digit runs.
    assert!(companions > 1_000, "{companions}");
}

/// The per-stream state figure the docs quote: the struct plus its buffer.
#[test]
fn per_stream_state_is_small() {
    let s = Engine::default().stream();
    let state = std::mem::size_of::<Stream>() + s.max_buffered();
    assert!(
        std::mem::size_of::<Stream>() <= 424,
        "{}",
        std::mem::size_of::<Stream>()
    );
    assert!(state <= 1672, "{state}");
}

fn report_of(policy: &Policy, text: &str) -> Report {
    let mut report = Report::for_policy(policy);
    Engine::default().scan_into(text.as_bytes(), &mut report);
    report
}

/// `n` distinct generated-style numbers from the 9xx range, written out.
fn synthetic_numbers(n: usize) -> Vec<String> {
    (0..)
        .map(|i: u64| format!("999{:06}", i))
        .flat_map(|p| (0..10).map(move |c| format!("{p}{c}")))
        .filter(|s| nhs_number::is_valid(s))
        .take(n)
        .collect()
}

#[test]
fn verdict_thresholds_count_distinct_identifiers() {
    let policy = Policy { count_synthetic: true, ..Policy::default() };
    let ids = synthetic_numbers(12);
    let text = |n: usize| ids[..n].join("\n");
    assert_eq!(policy.verdict(&report_of(&policy, "")), Verdict::Allow);
    assert_eq!(policy.verdict(&report_of(&policy, &text(1))), Verdict::Allow);
    assert_eq!(policy.verdict(&report_of(&policy, &text(2))), Verdict::Alert);
    assert_eq!(policy.verdict(&report_of(&policy, &text(9))), Verdict::Alert);
    assert_eq!(policy.verdict(&report_of(&policy, &text(10))), Verdict::Block);
    // One number fifty times is one patient.
    let repeated = vec![ids[0].as_str(); 50].join("\n");
    let r = report_of(&policy, &repeated);
    assert_eq!((r.findings(), r.distinct(Kind::NhsNumber)), (50, 1));
    assert_eq!(policy.verdict(&r), Verdict::Allow);
}

#[test]
fn synthetic_numbers_are_excluded_by_default() {
    let ids = synthetic_numbers(20).join("\n");
    let r = report_of(&Policy::default(), &ids);
    assert_eq!((r.findings(), r.synthetic(), r.distinct_total()), (20, 20, 0));
    assert_eq!(Policy::default().verdict(&r), Verdict::Allow);
}

#[test]
fn min_confidence_and_per_kind_thresholds() {
    let mut policy = Policy {
        count_synthetic: true,
        min_confidence: Confidence::High,
        ..Policy::default()
    };
    policy.alert = Thresholds::default();
    policy.block = Thresholds {
        distinct: None,
        distinct_by_kind: [(Kind::NhsNumber, 2)].into_iter().collect(),
        ..Thresholds::default()
    };
    let ids = synthetic_numbers(2);
    // Medium confidence (no keyword): counted, but not distinct-counted.
    let r = report_of(&policy, &ids.join(" ~ "));
    assert_eq!(r.count(Kind::NhsNumber, Confidence::Medium), 2);
    assert_eq!(policy.verdict(&r), Verdict::Allow);
    let r = report_of(&policy, &format!("NHS {} {}", ids[0], ids[1]));
    assert_eq!(policy.verdict(&r), Verdict::Block);
}

#[test]
fn distinct_counting_is_bounded_and_says_when_saturated() {
    let policy = Policy { count_synthetic: true, ..Policy::default() };
    let ids = synthetic_numbers(MAX_DISTINCT_TRACKED + 10);
    let r = report_of(&policy, &ids.join("\n"));
    assert_eq!(r.distinct(Kind::NhsNumber), MAX_DISTINCT_TRACKED as u64);
    assert!(r.distinct_saturated());
    assert_eq!(r.findings(), ids.len() as u64);
}

#[test]
fn report_serialises_counts_never_values() {
    let policy = Policy { count_synthetic: true, ..Policy::default() };
    let r = report_of(&policy, "NHS 943 476 5919 and 9990000018, 9434765919");
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        r#"{"findings":3,"synthetic":3,"by_kind":{"nhs_number":{"high":3}},"distinct":{"nhs_number":2},"distinct_saturated":false,"records":{},"notices":{}}"#
    );
    assert!(!json.contains("5919") && !format!("{r:?}").contains("5919"));
}

#[test]
fn policies_parse_and_validate() {
    let p: Policy = serde_json::from_str(
        r#"{"name":"strict","block":{"distinct_by_kind":{"chi_number":1}}}"#,
    )
    .unwrap();
    assert_eq!(p.name, "strict");
    assert_eq!(p.block.distinct_by_kind[&Kind::ChiNumber], 1);
    assert_eq!(p.alert, Policy::default().alert);
    p.validate().unwrap();
    let zero = Policy {
        alert: Thresholds { distinct: Some(0), ..Thresholds::default() },
        ..Policy::default()
    };
    assert_eq!(
        zero.validate().unwrap_err().to_string(),
        "alert threshold of 0 distinct identifiers is outside 1..=4096"
    );
    let big = Policy {
        block: Thresholds { distinct: Some(5000), ..Thresholds::default() },
        ..Policy::default()
    };
    assert!(big.validate().unwrap_err().to_string().contains("5000"));
    assert!(serde_json::from_str::<Policy>(r#"{"blok":{}}"#).is_err());
}

#[test]
fn tee_feeds_the_report_and_the_sink() {
    let engine = Engine::default();
    let mut report = Report::new();
    let mut out = Vec::new();
    let mut stream = engine.stream();
    stream
        .push(b"7573562667 and 7573562667", &mut report.tee(&mut out))
        .unwrap();
    stream.finish(&mut report.tee(&mut out)).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!((report.findings(), report.distinct(Kind::NhsNumber)), (2, 1));
}

#[test]
fn records_count_per_format_and_reach_thresholds() {
    // Synthetic numbers do not count as identifiers by default, but the
    // rows holding them are still records.
    let export = |rows: usize| {
        let mut csv = String::from("nhs_number,surname\n");
        for id in synthetic_numbers(rows) {
            csv.push_str(&format!("{id},Doe\n"));
        }
        csv
    };
    let policy = Policy::default();
    for (rows, verdict) in
        [(1, Verdict::Allow), (2, Verdict::Alert), (10, Verdict::Block)]
    {
        let r = report_of(&policy, &export(rows));
        assert_eq!(r.records(RecordFormat::Csv), rows as u64);
        assert_eq!(r.records_total(), rows as u64);
        assert_eq!(r.distinct_total(), 0, "synthetic numbers do not count");
        assert_eq!(policy.verdict(&r), verdict, "{rows} rows");
    }
    let zero = Policy {
        block: Thresholds { records: Some(0), ..Thresholds::default() },
        ..Policy::default()
    };
    assert!(zero.validate().is_err());
}

#[test]
fn notices_are_counted_and_can_decide_a_verdict() {
    // An unclosed quote longer than MAX_CSV_QUOTED_CELL: the CSV tracker
    // gives up and says so.
    let mut text = String::from("nhs_number,order_id\n\"");
    text.push_str(&"x".repeat(MAX_CSV_QUOTED_CELL + 10));
    let mut notices = Vec::new();
    let mut findings = Vec::new();
    Engine::default().scan_into(
        text.as_bytes(),
        &mut Collect { findings: &mut findings, notices: &mut notices },
    );
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].limit, "MAX_CSV_QUOTED_CELL");
    assert_eq!(notices[0].offset, 20);
    let r = report_of(&Policy::default(), &text);
    assert_eq!(r.notices(), 1);
    assert_eq!(Policy::default().verdict(&r), Verdict::Allow);
    let strict = Policy {
        block: Thresholds { on_notice: true, ..Thresholds::default() },
        ..Policy::default()
    };
    assert_eq!(strict.verdict(&r), Verdict::Block);
}

/// A sink that keeps findings and notices.
struct Collect<'a> {
    findings: &'a mut Vec<Finding>,
    notices: &'a mut Vec<Notice>,
}

impl Sink for Collect<'_> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings.push(finding);
        true
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.notices.push(notice);
        true
    }
}

/// The quoted-cell limit fires at the same byte however the input is
/// chunked, whether the quote closes after the limit or never.
#[test]
fn csv_quoted_cell_limit_does_not_depend_on_chunking() {
    for close in [true, false] {
        let mut text = b"nhs_number,order_id\n6414882151,\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_CSV_QUOTED_CELL + 5));
        if close {
            text.extend_from_slice(b"\",6414882151\n7573562667,x\n");
        }
        let engine = Engine::default();
        let (mut whole, mut whole_notices) = (Vec::new(), Vec::new());
        engine.scan_into(
            &text,
            &mut Collect { findings: &mut whole, notices: &mut whole_notices },
        );
        assert_eq!(whole_notices.len(), 1, "close {close}");
        for size in [1000, 4097, 65_536, 65_560] {
            let (mut found, mut notices) = (Vec::new(), Vec::new());
            let mut sink =
                Collect { findings: &mut found, notices: &mut notices };
            let mut stream = engine.stream();
            for chunk in text.chunks(size) {
                stream.push(chunk, &mut sink).unwrap();
            }
            stream.finish(&mut sink).unwrap();
            assert_eq!(found, whole, "close {close}, chunks of {size}");
            assert_eq!(notices, whole_notices, "close {close}, {size}");
        }
    }
}

/// Found by the Python fuzz target: a NINO right after a CSV row came
/// before the row's record in a one-shot scan but after it in 1-byte
/// chunks. Everything found at a position now comes after what the
/// trackers report before it.
#[test]
fn order_of_records_and_companions_does_not_depend_on_chunking() {
    let input = b"nhs,\n9434765919\nAB 12 34 56 C and more text here\n";
    let engine = Engine::default();
    let whole = engine.scan(input);
    for size in [1, 2, 3, 7, 16] {
        let mut got = Vec::new();
        let mut stream = engine.stream();
        for chunk in input.chunks(size) {
            stream.push(chunk, &mut got).unwrap();
        }
        stream.finish(&mut got).unwrap();
        assert_eq!(got, whole, "chunks of {size}");
    }
    let kinds: Vec<Kind> = whole.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::NhsNumber, Kind::ClinicalRecord, Kind::Nino]);
}
