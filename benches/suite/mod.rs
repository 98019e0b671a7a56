//! The criterion groups, shared by the `throughput` and `ci` benchmarks
//! (each includes this file as `mod suite`). Every benchmark asserts its
//! finding count inside the timed closure.

use std::hint::black_box;

use caldicott_benches::{corpus, Detectors, Mode, Shape, CHUNKS};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Group `shape`: one-shot scans of every shape in `shapes`, all
/// detectors, `len` bytes each. Ids are `shape/<name>`.
pub(crate) fn shapes(c: &mut Criterion, len: usize, shapes: &[Shape]) {
    let set = Detectors::All;
    let engine = set.engine();
    let mut group = c.benchmark_group("shape");
    for &shape in shapes {
        let corpus = corpus(shape, len);
        let expected = set.expected(&corpus.planted);
        group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
        group.bench_function(shape.name(), |b| {
            b.iter(|| {
                let n = Mode::OneShot.count(&engine, black_box(&corpus.bytes));
                assert_eq!(n, expected, "{shape}: wrong finding count");
                n
            })
        });
    }
    group.finish();
}

/// Group `chunking/<shape>`: one-shot against streams at 64 KiB and 4 KiB
/// chunks, NHS-family detectors. Ids are `chunking/<shape>/<mode>`.
pub(crate) fn chunking(c: &mut Criterion, len: usize, shape: Shape) {
    let set = Detectors::NhsFamily;
    let engine = set.engine();
    let corpus = corpus(shape, len);
    let expected = set.expected(&corpus.planted);
    let mut group = c.benchmark_group(format!("chunking/{shape}"));
    group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
    let modes = [Mode::OneShot].into_iter().chain(CHUNKS.map(Mode::Stream));
    for mode in modes {
        group.bench_function(mode.name(), |b| {
            b.iter(|| {
                let n = mode.count(&engine, black_box(&corpus.bytes));
                assert_eq!(n, expected, "{shape} {mode:?}: wrong count");
                n
            })
        });
    }
    group.finish();
}

/// Group `detectors/<shape>`: one-shot scans with each detector set in
/// `sets`. Ids are `detectors/<shape>/<set>`.
pub(crate) fn detectors(
    c: &mut Criterion,
    len: usize,
    shape: Shape,
    sets: &[Detectors],
) {
    let corpus = corpus(shape, len);
    let mut group = c.benchmark_group(format!("detectors/{shape}"));
    group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
    for &set in sets {
        let engine = set.engine();
        let expected = set.expected(&corpus.planted);
        group.bench_with_input(
            BenchmarkId::from_parameter(set.name()),
            &corpus.bytes,
            |b, bytes| {
                b.iter(|| {
                    let n = Mode::OneShot.count(&engine, black_box(bytes));
                    assert_eq!(n, expected, "{shape} {set:?}: wrong count");
                    n
                })
            },
        );
    }
    group.finish();
}
