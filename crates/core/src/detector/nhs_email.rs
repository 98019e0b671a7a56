//! NHSmail addresses: e-mail addresses at `nhs.net`.
//!
//! NHSmail is the NHS's shared e-mail service; an address at `nhs.net`
//! names a member of staff or a team, and a document carrying one is
//! usually NHS correspondence. Only the domain `nhs.net` itself is
//! recognised (not `nhs.network`, not `nhs.net.example.com`).
//!
//! The local part is the run of bytes from `A–Z a–z 0–9 . _ % + -` that
//! ends at the `@`: 1 to 64 bytes (RFC 5321's limit), not starting or
//! ending with `.`.

/// Most bytes in a local part (RFC 5321, section 4.5.3.1.1).
pub const NHS_EMAIL_MAX_LOCAL: usize = 64;

/// Bytes [`at`] reads before `p`: a local part of up to
/// [`NHS_EMAIL_MAX_LOCAL`] bytes, and one more byte to tell that the run
/// of local-part bytes does not go on (a longer run is not an address).
pub const NHS_EMAIL_LOOKBEHIND: usize = NHS_EMAIL_MAX_LOCAL + 1;

/// Bytes [`at`] reads from `p` onward: the `@`, the domain `nhs.net`, the
/// byte after it and the byte after that (a `.` followed by a letter or
/// digit continues the domain).
pub const NHS_EMAIL_LOOKAHEAD: usize = 1 + DOMAIN.len() + 2;

/// The NHSmail domain, lower case (matched in any ASCII case).
const DOMAIN: &[u8] = b"nhs.net";

/// The span `[start, end)` of the NHSmail address whose `@` is `hay[p]`,
/// or `None`.
///
/// After the `@` comes `nhs.net` (any ASCII case), then the end of `hay`
/// or a byte that is not an ASCII letter, digit or `-`, and not a `.`
/// followed by an ASCII letter or digit (so `x@nhs.net.` at the end of a
/// sentence is an address, `x@nhs.net.evil.com` and `x@nhs.network` are
/// not). Before the `@` comes the local part: walking back from `p`, the
/// run of bytes in `A–Z a–z 0–9 . _ % + -`, 1 to
/// [`NHS_EMAIL_MAX_LOCAL`] bytes long (a longer run gives `None`), not
/// starting or ending with `.`. Reads only
/// `hay[p - NHS_EMAIL_LOOKBEHIND..p + NHS_EMAIL_LOOKAHEAD]` (clipped to
/// `hay`) and never panics, whatever `p` is.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::nhs_email;
/// let hay = b"Email jane.doe1@nhs.net.";
/// assert_eq!(nhs_email::at(hay, 15), Some((6, 23)));
/// assert_eq!(nhs_email::at(b"x@nhs.net.evil.com", 1), None);
/// assert_eq!(nhs_email::at(b"x@nhs.network", 1), None);
/// ```
pub fn at(hay: &[u8], p: usize) -> Option<(usize, usize)> {
    if hay.get(p) != Some(&b'@') {
        return None;
    }
    // From here `p < hay.len() <= isize::MAX`: `p + 10` cannot overflow.
    let end = p + 1 + DOMAIN.len();
    if !hay.get(p + 1..end)?.eq_ignore_ascii_case(DOMAIN) {
        return None;
    }
    let domain_ends = match hay.get(end) {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'-' => false,
        Some(b'.') => !hay.get(end + 1).is_some_and(u8::is_ascii_alphanumeric),
        _ => true,
    };
    if !domain_ends {
        return None;
    }
    let mut start = p;
    while start > 0
        && p - start <= NHS_EMAIL_MAX_LOCAL
        && hay.get(start - 1).is_some_and(|&b| local_byte(b))
    {
        start -= 1;
    }
    let local = hay.get(start..p)?;
    let ok = (1..=NHS_EMAIL_MAX_LOCAL).contains(&local.len())
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.');
    ok.then_some((start, end))
}

/// Whether `b` may appear in a local part: `A–Z a–z 0–9 . _ % + -`.
fn local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"a.@ -";

    /// The address at the first `@` of `hay`, as a string.
    fn address(hay: &str) -> Option<&str> {
        let p = hay.find('@').unwrap();
        at(hay.as_bytes(), p).map(|(s, e)| &hay[s..e])
    }

    #[test]
    fn addresses() {
        assert_eq!(address("jane.doe@nhs.net"), Some("jane.doe@nhs.net"));
        assert_eq!(address("JANE.DOE@NHS.NET"), Some("JANE.DOE@NHS.NET"));
        assert_eq!(address("a@Nhs.Net"), Some("a@Nhs.Net"));
        assert_eq!(address("j.doe1@nhs.net"), Some("j.doe1@nhs.net"));
        assert_eq!(
            address("team_x+y%z-1@nhs.net"),
            Some("team_x+y%z-1@nhs.net")
        );
        assert_eq!(address("a.b.c@nhs.net"), Some("a.b.c@nhs.net"));
    }

    #[test]
    fn in_text() {
        assert_eq!(
            address("Contact: jane.doe@nhs.net for results"),
            Some("jane.doe@nhs.net")
        );
        assert_eq!(address("<jane.doe@nhs.net>"), Some("jane.doe@nhs.net"));
        assert_eq!(address("mailto:jane@nhs.net"), Some("jane@nhs.net"));
        assert_eq!(address("\"jane@nhs.net\","), Some("jane@nhs.net"));
        assert_eq!(address("(jane@nhs.net)"), Some("jane@nhs.net"));
        assert_eq!(address("to jane@nhs.net;bob"), Some("jane@nhs.net"));
        assert_eq!(address("é jane@nhs.net"), Some("jane@nhs.net"));
        assert_eq!(address("éjane@nhs.net"), Some("jane@nhs.net"));
    }

    #[test]
    fn end_of_the_domain() {
        for ok in [
            "x@nhs.net",
            "x@nhs.net.",
            "x@nhs.net. Thanks",
            "x@nhs.net..",
            "x@nhs.net.-",
            "x@nhs.net,",
            "x@nhs.net>",
            "x@nhs.net/",
            "x@nhs.net_",
            "x@nhs.net\n",
            "x@nhs.net?subject=1",
        ] {
            assert_eq!(address(ok), Some("x@nhs.net"), "{ok}");
        }
        for bad in [
            "x@nhs.network",
            "x@nhs.netx",
            "x@nhs.net1",
            "x@nhs.net-x",
            "x@nhs.net-",
            "x@nhs.net.evil.com",
            "x@nhs.net.uk",
            "x@nhs.net.1",
            "x@nhs.ne",
            "x@nhs.nett",
            "x@nhs",
            "x@",
            "x@nhs-net",
            "x@nhs.org",
            "x@nhs.uk",
            "x@mail.nhs.net",
            "x@ nhs.net",
        ] {
            assert_eq!(address(bad), None, "{bad}");
        }
    }

    #[test]
    fn local_part() {
        for bad in [
            "@nhs.net",
            " @nhs.net",
            ".x@nhs.net",
            "x.@nhs.net",
            "a b.@nhs.net",
            " .x@nhs.net",
            ".@nhs.net",
        ] {
            assert_eq!(address(bad), None, "{bad}");
        }
        // The run stops at the first byte outside the set.
        assert_eq!(address("a b@nhs.net"), Some("b@nhs.net"));
        assert_eq!(address("a!b@nhs.net"), Some("b@nhs.net"));
        assert_eq!(address("a:.b@nhs.net"), None);
    }

    #[test]
    fn local_part_length() {
        let local = "a".repeat(NHS_EMAIL_MAX_LOCAL);
        let hay = format!("{local}@nhs.net");
        assert_eq!(address(&hay), Some(hay.as_str()));
        let hay = format!(" {local}@nhs.net");
        assert_eq!(address(&hay), Some(&hay[1..]));
        let long = "a".repeat(NHS_EMAIL_MAX_LOCAL + 1);
        let hay = format!("{long}@nhs.net");
        assert_eq!(address(&hay), None);
        let hay = format!("{}@nhs.net", "a".repeat(500));
        assert_eq!(address(&hay), None);
    }

    #[test]
    fn only_at_the_at_sign() {
        let hay = b"to x@nhs.net";
        for p in 0..=hay.len() + 2 {
            let want = (p == 4).then_some((3, 12));
            assert_eq!(at(hay, p), want, "p = {p}");
        }
    }

    #[test]
    fn never_panics_on_any_position() {
        for hay in [&b""[..], b"@", b"@nhs.net", b"x@nhs.ne", b"x@nhs.net."] {
            for p in (0..hay.len() + 3).chain([usize::MAX]) {
                let _ = at(hay, p);
            }
        }
        assert_eq!(at(b"@", 0), None);
        assert_eq!(at(b"@nhs.net", 0), None);
    }

    /// `at` gives the same answer when everything outside
    /// `[p - NHS_EMAIL_LOOKBEHIND, p + NHS_EMAIL_LOOKAHEAD)` is cut off or
    /// replaced.
    fn assert_window_bound(hay: &[u8]) {
        for p in 0..=hay.len() {
            let want = at(hay, p);
            let lo = p.saturating_sub(NHS_EMAIL_LOOKBEHIND);
            let hi = (p + NHS_EMAIL_LOOKAHEAD).min(hay.len());
            let cut = at(&hay[lo..hi], p - lo).map(|(s, e)| (s + lo, e + lo));
            assert_eq!(cut, want, "cut, p = {p}");
            for &fill in FILL {
                let mut h = vec![fill; hay.len()];
                h[lo..hi].copy_from_slice(&hay[lo..hi]);
                assert_eq!(at(&h, p), want, "fill {fill}, p = {p}");
            }
        }
    }

    #[test]
    fn reads_only_within_the_window() {
        for n in NHS_EMAIL_MAX_LOCAL - 2..=NHS_EMAIL_MAX_LOCAL + 2 {
            for pre in ["", " ", "x", "."] {
                for post in ["", ".", ".x", "-", " ", "x"] {
                    let hay = format!("{pre}{}@nhs.net{post}", "a".repeat(n));
                    assert_window_bound(hay.as_bytes());
                }
            }
        }
        assert_window_bound(b"Email jane.doe@nhs.net or bob@NHS.NET.");
    }

    #[test]
    fn the_window_bound_is_tight() {
        // A 65-byte run: the 65th byte before `@` is read.
        let hay = format!("{}@nhs.net", "a".repeat(NHS_EMAIL_LOOKBEHIND));
        let p = NHS_EMAIL_LOOKBEHIND;
        assert_eq!(at(hay.as_bytes(), p), None);
        assert_eq!(at(&hay.as_bytes()[1..], p - 1), Some((0, p - 1 + 8)));
        // The byte after a `.` after the domain is read.
        let hay = b"x@nhs.net.x";
        assert_eq!(at(hay, 1), None);
        assert_eq!(at(&hay[..1 + NHS_EMAIL_LOOKAHEAD - 1], 1), Some((0, 9)));
    }

    /// Seeds near NHSmail addresses, each with one to three random bytes
    /// replaced, inserted or deleted (a fixed xorshift, so failures
    /// reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 3] =
        [b"jane.doe@nhs.net", b"x@nhs.net.", b"a@nhs.network"];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"ahnset.@-_ ";

    #[test]
    fn near_misses_keep_the_window_bound() {
        crate::detector::near_misses(
            &NEAR_MISS_SEEDS,
            NEAR_MISS_BYTES,
            200,
            assert_window_bound,
        );
    }
}
