//! The stream contract's delay bound: each finding arrives no later than
//! the push that takes the stream `max_delay` bytes past its end.

use caldicott_core::{Config, Engine};
use caldicott_testkit::corpus::mixed_text;

/// Streams `hay` byte by byte and checks, after every byte, that every
/// finding due by then (its end `max_delay` or more bytes back) has
/// arrived, and that none arrived early; returns how many findings.
fn check_delay(engine: &Engine, hay: &[u8]) -> usize {
    let mut stream = engine.stream();
    let max_delay = stream.max_delay() as u64;
    let all = engine.scan(hay);
    let mut got = Vec::new();
    let mut due = 0;
    for (i, byte) in hay.iter().enumerate() {
        stream.push(std::slice::from_ref(byte), &mut got).unwrap();
        let pushed = i as u64 + 1;
        while due < all.len() && all[due].end + max_delay <= pushed {
            due += 1;
        }
        assert!(
            got.len() >= due,
            "at {pushed}: {} delivered, {due} due",
            got.len()
        );
        assert!(
            got.last().is_none_or(|f| f.end <= pushed),
            "early at {pushed}"
        );
    }
    stream.finish(&mut got).unwrap();
    assert_eq!(got, all);
    all.len()
}

#[test]
fn findings_arrive_within_max_delay() {
    let hay = mixed_text(11, 256 * 1024).bytes;
    let engine = Engine::default();
    assert_eq!(engine.stream().max_delay(), 115);
    assert!(check_delay(&engine, &hay) > 40);
    // Wider windows, a longer delay, the same guarantee.
    let wide =
        Engine::new(Config { context_after: 2000, ..Config::default() })
            .unwrap();
    assert_eq!(wide.stream().max_delay(), 14 + 2001);
    assert!(check_delay(&wide, &hay[..64 * 1024]) > 0);
}
