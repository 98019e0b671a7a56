//! The `caldicott` binary end to end: the shared tables, both output
//! formats, exit codes, stdin, directories, unreadable inputs, masking.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use caldicott_core::Engine;
use caldicott_testkit::table::shared_tables;
use serde_json::Value;

fn caldicott(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_caldicott"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn caldicott");
    // The binary may exit before reading stdin (a bad flag, file paths
    // only): a broken pipe here is not the test's business.
    let written = child.stdin.take().unwrap().write_all(stdin);
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    path.to_string_lossy().into_owned()
}

/// (kind, start, end, confidence, synthetic) of a JSON finding.
fn key(v: &Value) -> (String, u64, u64, String, bool) {
    (
        v["kind"].as_str().unwrap().to_string(),
        v["start"].as_u64().unwrap(),
        v["end"].as_u64().unwrap(),
        v["confidence"].as_str().unwrap().to_string(),
        v["synthetic"].as_bool().unwrap(),
    )
}

/// Line and column (1-based, bytes) of `offset`, counted naively.
fn line_col(data: &[u8], offset: usize) -> (u64, u64) {
    let before = &data[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start =
        before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line as u64, (offset - line_start + 1) as u64)
}

#[test]
fn shared_tables_through_the_cli() {
    let cases = shared_tables().unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.len() >= 50, "only {} table cases", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let mut want: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        let path =
            write(dir.path(), &format!("case{i:04}.txt"), &case.haystack);
        let expected = case
            .expect
            .iter()
            .map(|e| {
                let k = (
                    e.kind.clone(),
                    e.start as u64,
                    e.end as u64,
                    e.confidence.clone(),
                    e.synthetic,
                );
                let (line, col) = line_col(&case.haystack, e.start);
                (k, line, col, case.name.clone())
            })
            .collect::<Vec<_>>();
        want.insert(path, expected);
    }
    let out = caldicott(
        &["scan", "--format", "json", dir.path().to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut got: BTreeMap<String, Vec<_>> =
        want.keys().map(|k| (k.clone(), vec![])).collect();
    for v in json_lines(&out).into_iter().filter(|v| v["type"] == "finding") {
        let path = v["path"].as_str().unwrap().to_string();
        let entry = (
            key(&v),
            v["line"].as_u64().unwrap(),
            v["column"].as_u64().unwrap(),
        );
        got.get_mut(&path).expect("a path we wrote").push(entry);
    }
    for (path, expected) in want {
        // Table order: by start, an enclosing record before what it holds.
        let mut got = got[&path].clone();
        got.sort_by_key(|((kind, start, end, ..), ..)| {
            (*start, std::cmp::Reverse(*end), kind.clone())
        });
        let got = &got;
        let expected: Vec<_> =
            expected.iter().map(|(k, l, c, _)| (k.clone(), *l, *c)).collect();
        assert_eq!(&expected, got, "{path}");
    }
}

#[test]
fn human_format_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let found =
        write(dir.path(), "found.txt", b"first line\nNHS no: 943 476 5919\n");
    let clean =
        write(dir.path(), "clean.txt", b"nothing here 020 7946 0018\n");

    let out = caldicott(&["scan", &found], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{found}:2:9 nhs_number high *** *** 5919 [synthetic]\n")
    );
    assert_eq!(stderr(&out), "");

    let out = caldicott(&["scan", &clean], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn stdin_with_dash_or_no_path() {
    let input = b"x\r\npatient 9990000018\n";
    for args in [&["scan"][..], &["scan", "-"]] {
        let out = caldicott(args, input);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stdout(&out),
            "<stdin>:2:9 nhs_number high *** *** 0018 [synthetic]\n"
        );
    }
    let out = caldicott(&["scan", "-"], b"no numbers");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn directories_are_walked_recursively() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.txt", b"9434765919");
    let b =
        write(dir.path(), "sub/deeper/b.bin", b"\x00\xff 943-476-5919 \x00");
    write(dir.path(), "sub/c.txt", b"no identifiers");
    let out = caldicott(
        &["scan", "--format", "json", dir.path().to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let mut paths: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, vec![a, b]);
}

#[test]
fn unreadable_input_is_named_and_the_rest_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.txt", b"9434765919");
    // A dangling symlink cannot be opened, even by root.
    let bad = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("missing-target"), &bad)
        .unwrap();
    let missing = dir.path().join("no-such-file");
    let out = caldicott(
        &["scan", missing.to_str().unwrap(), dir.path().to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:", missing.display())), "{err}");
    assert!(err.contains(&format!("{}:", bad.display())), "{err}");
    assert!(
        stdout(&out).starts_with(&format!("{good}:1:1 nhs_number")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn no_full_identifier_without_reveal() {
    let mut gen = caldicott_testkit::gen::IdGen::new(7);
    let ids: Vec<String> = (0..30).map(|_| gen.nhs()).collect();
    let mut data = String::new();
    for id in &ids {
        data.push_str(&format!(
            "NHS {id} and {} {} {}\n",
            &id[..3],
            &id[3..6],
            &id[6..]
        ));
    }
    for format in ["human", "json"] {
        let out = caldicott(&["scan", "--format", format], data.as_bytes());
        assert_eq!(out.status.code(), Some(1));
        let text = stdout(&out) + &stderr(&out);
        assert_eq!(text.lines().count(), 60, "{format}");
        for id in &ids {
            assert!(!text.contains(id.as_str()), "{format} leaks {id}");
            assert!(
                !text.contains(&id[..6]),
                "{format} leaks a prefix of {id}"
            );
            assert!(text.contains(&format!("*** *** {}", &id[6..])));
        }
    }
    let out =
        caldicott(&["scan", "--format", "json", "--reveal"], data.as_bytes());
    assert!(stderr(&out)
        .contains("warning: --reveal prints full patient identifiers"));
    let values: Vec<String> = json_lines(&out)
        .iter()
        .map(|v| v["value"].as_str().unwrap().to_string())
        .collect();
    let doubled: Vec<String> =
        ids.iter().flat_map(|i| [i.clone(), i.clone()]).collect();
    assert_eq!(values, doubled);
}

#[test]
fn config_file_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    // Far enough apart that the keyword corroborates only the second.
    let data =
        format!("ref 9434765919\n{}\nNHS 9990000018\n", "~".repeat(200));
    let data = data.as_bytes();
    let toml =
        write(dir.path(), "policy.toml", b"min_confidence = \"high\"\n");
    let out = caldicott(&["scan", "--config", &toml], data);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    let json =
        write(dir.path(), "policy.json", br#"{"kinds": ["chi_number"]}"#);
    let out = caldicott(&["scan", "--config", &json], data);
    assert_eq!(out.status.code(), Some(0));
    let out = caldicott(&["scan", "--min-confidence", "high"], data);
    assert_eq!(stdout(&out).lines().count(), 1);

    let bad = write(dir.path(), "bad.toml", b"context_before = 99999\n");
    let out = caldicott(&["scan", "--config", &bad], data);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("context_before of 99999 bytes exceeds the maximum"),
        "{}",
        stderr(&out)
    );
    let typo = write(dir.path(), "typo.toml", b"min_confidance = \"high\"\n");
    let out = caldicott(&["scan", "--config", &typo], data);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("min_confidance"), "{}", stderr(&out));
}

/// A file much larger than the CLI's read size, with identifiers across
/// every read boundary: the CLI's findings, lines and columns equal the
/// one-shot scan of the same bytes.
#[test]
fn large_file_matches_one_shot_scan() {
    let corpus = caldicott_testkit::corpus::mixed_text(3, 3 * 1024 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.txt", &corpus.bytes);
    let out = caldicott(&["scan", "--format", "json", &path], b"");
    let got: Vec<_> = json_lines(&out)
        .iter()
        .map(|v| {
            (
                key(v),
                v["line"].as_u64().unwrap(),
                v["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<_> = Engine::default()
        .scan(&corpus.bytes)
        .iter()
        .map(|f| {
            let k = (
                f.kind.to_string(),
                f.start,
                f.end,
                f.confidence.to_string(),
                f.synthetic,
            );
            let (l, c) = line_col(&corpus.bytes, f.start as usize);
            (k, l, c)
        })
        .collect();
    assert!(want.len() > 200, "{}", want.len());
    assert_eq!(want, got);
}

fn generated_nhs(n: usize, seed: u64) -> Vec<String> {
    let mut gen = caldicott_testkit::gen::IdGen::new(seed);
    let mut ids: Vec<String> = Vec::new();
    while ids.len() < n {
        let id = gen.nhs();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[test]
fn verdicts_per_input_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let ids = generated_nhs(12, 99);
    let one =
        write(dir.path(), "one.txt", format!("NHS {}\n", ids[0]).as_bytes());
    let two = write(
        dir.path(),
        "two.txt",
        format!("{}\n{}\n", ids[0], ids[1]).as_bytes(),
    );
    let bulk = write(
        dir.path(),
        "bulk.csv",
        format!("nhs_number,note\n{},\n", ids.join(",\n")).as_bytes(),
    );
    let test_data = write(
        dir.path(),
        "synthetic.txt",
        b"9990000018 9990000026 9434765919\n",
    );

    let out = caldicott(&["scan", "--verdict", &one], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).ends_with(&format!(
        "{one}: verdict allow (policy default; 1 findings, 1 distinct identifiers counted, 0 synthetic, 0 clinical records, 0 notices)\n"
    )), "{}", stdout(&out));
    assert_eq!(
        caldicott(&["scan", "--verdict", &two], b"").status.code(),
        Some(1)
    );
    assert_eq!(
        caldicott(&["scan", "--verdict", &test_data], b"").status.code(),
        Some(0)
    );
    let out = caldicott(&["scan", "--verdict", &bulk, &one], b"");
    assert_eq!(out.status.code(), Some(3), "the worst verdict wins");
    let text = stdout(&out);
    assert!(text.contains(&format!("{bulk}: verdict block")), "{text}");
    for id in &ids {
        assert!(!text.contains(id.as_str()));
    }

    let out =
        caldicott(&["scan", "--verdict", "--format", "json", &bulk], b"");
    let lines = json_lines(&out);
    // Each row: its number, then the row as a clinical record.
    assert_eq!(lines.len(), 25);
    assert!(lines[..24].iter().all(|v| v["type"] == "finding"));
    for pair in lines[..24].chunks(2) {
        assert_eq!(pair[0]["kind"], "nhs_number");
        assert_eq!(pair[1]["kind"], "clinical_record");
        assert_eq!(pair[1]["format"], "csv");
        assert_eq!(pair[1]["masked"], "csv record");
        assert_eq!(pair[0]["line"], pair[1]["line"]);
        assert_eq!(pair[1]["column"], 1);
    }
    let v = &lines[24];
    assert_eq!(
        (v["type"].as_str(), v["verdict"].as_str(), v["policy"].as_str()),
        (Some("verdict"), Some("block"), Some("default"))
    );
    assert_eq!(v["report"]["distinct"]["nhs_number"], 12);
    assert_eq!(v["report"]["by_kind"]["nhs_number"]["high"], 12);
    assert_eq!(v["report"]["records"]["csv"], 12);
}

#[test]
fn notices_are_printed_and_counted() {
    // An unclosed quote running past MAX_CSV_QUOTED_CELL: the CSV tracker
    // gives up on the columns, and says so.
    let mut data = b"nhs_number,order_id\n\"".to_vec();
    data.extend(std::iter::repeat_n(
        b'x',
        caldicott_core::MAX_CSV_QUOTED_CELL + 1,
    ));
    let out = caldicott(&["scan", "--verdict", "--format", "json"], &data);
    let lines = json_lines(&out);
    let notice = lines.iter().find(|v| v["type"] == "notice").unwrap();
    assert_eq!(notice["source"], "csv");
    assert_eq!(notice["limit"], "MAX_CSV_QUOTED_CELL");
    assert_eq!(notice["offset"], 20);
    assert_eq!(notice["path"], "<stdin>");
    let verdict = lines.last().unwrap();
    assert_eq!(verdict["report"]["notices"]["csv:MAX_CSV_QUOTED_CELL"], 1);
    let out = caldicott(&["scan"], &data);
    assert!(
        stdout(&out).starts_with("<stdin>: notice: csv at byte 20: "),
        "{}",
        stdout(&out)
    );
    let strict = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(strict.path(), b"[block]\non_notice = true\n").unwrap();
    let out = caldicott(
        &["scan", "--policy", strict.path().to_str().unwrap()],
        &data,
    );
    assert_eq!(out.status.code(), Some(3), "fail closed on a notice");
}

#[test]
fn policy_files() {
    let dir = tempfile::tempdir().unwrap();
    let ids = generated_nhs(2, 5);
    let data = format!("{} {}\n", ids[0], ids[1]);
    let strict = write(
        dir.path(),
        "strict.toml",
        b"name = \"strict\"\n[block]\ndistinct = 2\n",
    );
    let out = caldicott(&["scan", "--policy", &strict], data.as_bytes());
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("<stdin>: verdict block (policy strict;"),
        "{}",
        stdout(&out)
    );
    let synth = write(
        dir.path(),
        "synth.json",
        br#"{"count_synthetic": true, "block": {"distinct": 2}}"#,
    );
    let out =
        caldicott(&["scan", "--policy", &synth], b"9990000018 9990000026");
    assert_eq!(out.status.code(), Some(3));
    let bad = write(dir.path(), "bad.toml", b"[block]\ndistinct = 0\n");
    let out = caldicott(&["scan", "--policy", &bad], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("block threshold of 0"), "{}", stderr(&out));
}

#[test]
fn directory_walks_skip_fifos_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.txt", b"9434765919");
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Were the FIFO opened, the scan would block for ever on it.
    let out = caldicott(&["scan", dir.path().to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with(&format!("{good}:1:1")));
    assert!(
        stderr(&out).contains("pipe: skipped: not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verdict_and_policy_flags_conflict() {
    let out = caldicott(&["scan", "--verdict", "--policy", "p.toml"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
}
