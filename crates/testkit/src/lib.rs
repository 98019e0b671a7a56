/*!
The Caldicott test kit: the shared test tables, a seeded identifier
generator and a corpus generator.

This crate does not depend on `caldicott-core`, in the way `regex-test` does
not depend on `regex`: the engine, the command-line tool and (later) the
Python bindings all load the same tables through it, and the generator is an
oracle that shares no code with the engine.

# Overview

* [`table`]: the test-table format, [`parse_table`], [`load_dir`] and
  [`shared_tables`] (the files in `tests/data/`).
* [`gen`]: [`IdGen`], a SplitMix64 generator of valid NHS, synthetic NHS,
  H&C and CHI numbers, Modulus-10-only CHI numbers and checksum failures;
  [`mod11_valid`] and [`mod10_valid`] written plainly.
* [`bench_corpora`]: seeded corpora by input shape for the benchmarks.
* [`corpus`]: [`mixed_text`], realistic mixed text with sparse planted
  identifiers, for benchmarks and end-to-end tests.
* [`labelled`]: [`labelled_corpus`](labelled::labelled_corpus), documents
  of every structured format (letters, logs, JSON, CSV, HL7, FHIR, CDA,
  DICOM) with planted identifiers, hard confounders and ground-truth
  labels, for precision and recall per kind (`gen-labelled DIR SEED N`
  writes them out).

Two binaries come with it: `gen-ids KIND COUNT SEED` prints identifiers
(KIND is `nhs`, `synthetic`, `hc`, `chi`, `chi10`, `bad-KIND` for a failed
checksum or `prefix:DIGITS` for a Mod 11 valid number in any range; the
tables' numbers were made with it, and each table names its commands at the
top) and `gen-corpus SIZE SEED` streams a corpus of any size to standard
output.

# The table format

A table file is TOML holding an array of `[[test]]` tables:

```toml
# Numbers: 9434765919 (synthetic, Mod 11 checked) and the output of
#   cargo run -p caldicott-testkit --bin gen-ids -- nhs 12 1
[[test]]
name = "nhs-contiguous-010"
haystack = "NHS number ⟦9434765919⟧ on file"
expect = [ { kind = "nhs_number", confidence = "high", synthetic = true } ]
note = "a synthetic number next to a keyword"
```

Each `[[test]]` has these fields:

* `name` (string, required): the case's name, unique across **all** files
  (the loader checks). By convention `<topic>-<what>-NNN`, numbered in
  steps of 10 so that cases can be inserted in order.
* `haystack` (string, required): the input to scan, with every expected
  finding wrapped in the markers `⟦` (U+27E6) and `⟧` (U+27E7). The markers
  are removed before scanning; the `i`-th marked span, as byte offsets into
  the stripped haystack (end exclusive), is the span of the `i`-th entry of
  `expect`. Markers may not nest or be empty, and the number of marked
  spans must equal the length of `expect`. Long haystacks are written out
  in full (TOML has no repetition); a multi-line basic string with `\`
  line continuations keeps them readable.
* `unescape` (boolean, default `false`): when `true`, every `\xNN` in the
  haystack (after TOML's own escapes, so `"\\x00"` in a basic string or
  `'\x00'` in a literal string) becomes the single byte `0xNN`, which lets
  a haystack hold bytes that are not UTF-8. `NN` is exactly two hex digits
  of either case; a `\x` not followed by two hex digits is an error. Any
  other backslash is kept as it is. Markers still apply, and offsets count
  the unescaped bytes.
* `expect` (array, required; `[]` for "no findings"): the expected
  findings, in haystack order. Each is an inline table with
  * `kind` (string, required): `nhs_number`, `chi_number` or `hc_number`;
  * `confidence` (string, required): `low`, `medium` or `high`;
  * `synthetic` (boolean, default `false`): whether the number is in the
    synthetic 900–999 range.
* `note` (string, optional): why the case exists or why it expects what
  it expects. Not part of [`TestCase`].

Unknown fields are errors, so that a misspelt `synthetic` cannot pass
silently. Every error is a [`TableError`] whose message names the file and,
where it is about one case, the case.

A runner compares, for each case, the engine's findings on
[`TestCase::haystack`] with [`TestCase::expect`]: same number, and for each
the same kind, start, end, confidence and synthetic flag.
*/

pub mod bench_corpora;
pub mod corpus;
pub mod gen;
pub mod labelled;
pub mod table;

pub use crate::corpus::{mixed_text, Corpus};
pub use crate::gen::{mod10_valid, mod11_valid, IdGen, IdKind};
pub use crate::table::{
    load_dir, parse_table, shared_tables, Expected, TableError, TestCase,
};
