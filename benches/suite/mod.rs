//! The criterion groups, shared by the `throughput` and `ci` benchmarks
//! (each includes this file as `mod suite`). Every benchmark asserts its
//! finding count inside the timed closure.

use std::hint::black_box;

use caldicott_benches::{corpus, Detectors, Mode, Shape, CHUNKS};
use caldicott_decode::Decoder;
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

/// Group `decoding/<shape>`: the cost of looking for encoded content in
/// plain traffic. One-shot scans with every detector, by the bare
/// `Engine::scan` (`engine`) and by `Decoder::scan` (`decoder`: sniffing,
/// the text followers' masks, base64, URL and wrapped-number followers).
/// The corpora hold no encoded identifiers, so both must report the
/// planted health identifiers exactly; ids are `decoding/<shape>/engine`
/// and `decoding/<shape>/decoder`.
pub(crate) fn decoding(c: &mut Criterion, len: usize, shapes: &[Shape]) {
    let set = Detectors::All;
    let engine = set.engine();
    let decoder = Decoder::new(engine.clone());
    for &shape in shapes {
        let corpus = corpus(shape, len);
        let expected = set.expected(&corpus.planted);
        let mut group = c.benchmark_group(format!("decoding/{shape}"));
        group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
        group.bench_function("engine", |b| {
            b.iter(|| {
                let n = Mode::OneShot.count(&engine, black_box(&corpus.bytes));
                assert_eq!(n, expected, "{shape} engine: wrong count");
                n
            })
        });
        group.bench_function("decoder", |b| {
            b.iter(|| {
                let found = decoder.scan(black_box(&corpus.bytes));
                let n = found
                    .iter()
                    .filter(|f| f.kind.is_health_identifier())
                    .count();
                assert_eq!(n, expected, "{shape} decoder: wrong count");
                n
            })
        });
        group.finish();
    }
}
