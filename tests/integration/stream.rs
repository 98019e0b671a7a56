//! The stream contract's delay bound: each finding arrives no later than
//! the push that takes the stream `max_delay` bytes past its end.

use caldicott_core::{Config, Engine, FnSink};
use caldicott_testkit::corpus::mixed_text;

fn check_delay(engine: &Engine, hay: &[u8]) -> usize {
    let mut stream = engine.stream();
    let max_delay = stream.max_delay() as u64;
    let mut delivered = 0;
    for (i, byte) in hay.iter().enumerate() {
        let pushed = i as u64 + 1;
        let mut sink = FnSink(|f: caldicott_core::Finding| {
            // Never early: the stream must have seen the whole finding.
            assert!(f.end <= pushed, "{f:?} delivered at {pushed}");
            delivered += 1;
            true
        });
        stream.push(std::slice::from_ref(byte), &mut sink).unwrap();
    }
    // Everything whose end is `max_delay` bytes behind the input's end
    // must already have been delivered before `finish`.
    let due = engine
        .scan(hay)
        .iter()
        .filter(|f| f.end + max_delay <= hay.len() as u64)
        .count();
    assert!(delivered >= due, "{delivered} delivered, {due} due");
    delivered
}

#[test]
fn findings_arrive_within_max_delay() {
    let hay = mixed_text(11, 256 * 1024).bytes;
    let engine = Engine::default();
    assert_eq!(engine.stream().max_delay(), 115);
    // Check the bound at every prefix length by streaming byte by byte and
    // asking, after each byte, that all findings due by then have arrived.
    let mut stream = engine.stream();
    let max_delay = stream.max_delay() as u64;
    let all = engine.scan(&hay);
    assert!(all.len() > 40, "{}", all.len());
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
        assert!(got.iter().all(|f| f.end <= pushed));
    }
    stream.finish(&mut got).unwrap();
    assert_eq!(got, all);
    // Wider windows, a longer delay, the same guarantee.
    let wide =
        Engine::new(Config { context_after: 2000, ..Config::default() })
            .unwrap();
    assert_eq!(wide.stream().max_delay(), 14 + 2001);
    assert!(check_delay(&wide, &hay[..64 * 1024]) > 0);
}
