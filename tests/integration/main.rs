//! The shared integration tests of the Caldicott engine. One binary; each
//! module holds one kind of test.

// The fuzz targets' property checks, replayed over tests/fuzz-crashes/ and
// fuzz/corpus/.
mod fuzz_regressions;
// The slow, obvious reimplementation of the detection rules in DESIGN.md.
mod oracle;
// Property tests: random haystacks, random chunkings, random windows.
mod prop;
// The stream contract beyond equality: the delivery delay bound.
mod stream;
// The shared tables in tests/data/ through one-shot and every streaming split.
mod tables;
// Helpers shared by the modules above.
mod util;
