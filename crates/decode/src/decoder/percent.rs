//! Percent-encoding (URL encoding) inside text: a query string, a form
//! body, a link in a log line. `nhs=943%20476%205919`, `q=943+476+5919`
//! and `%39%34%33…` hide a number from a plain scan; decoded, it is found.
//!
//! Unlike the other decoders, this one does not take a whole layer: a
//! [`UrlTokens`] follower watches a text layer for *URL tokens* (runs of
//! bytes that may appear in a URL: no whitespace, no control bytes, no
//! quotes, no `<>`, at most [`MAX_URL_TOKEN`] bytes) that decoding can
//! change in a way that matters ([`is_encoded`]: an escape that makes a
//! digit or an `@` or stands next to a digit, a `+` between digits, an
//! escape inside a base64 blob), and decodes each such token ([`decode`];
//! `+` is a space, as in forms) into a child layer named `url`. The
//! decoding is written out here (a dozen lines) rather than taken from a
//! crate because the check needs to know which bytes it made.
//!
//! # What is reported
//!
//! The child layer holds the whole decoded token, so the digits in it that
//! were never encoded (`?nhs=9434765919&name=Jo%20Smith`) are there too,
//! and the plain scan of the text has found them already. To report each
//! number once, the raw token is also scanned (one-shot, only for tokens
//! that are decoded), its base64 runs decoded as the text layer's base64
//! follower decodes them, and a finding from the `url` layer (or below)
//! is dropped when the raw token gives one of the same kind and value.
//! What is left was only visible once decoded: a number whose separators
//! (or digits) were encoded, or a blob whose characters were.
//!
//! Spec §2 puts an encoded number with the wrapped ones, found "at a
//! confidence that reflects the weaker form": a finding made in the `url`
//! layer itself is lowered one level by the rule of [`weaker`] (high →
//! medium → low; a low one is dropped). Findings in layers below it (a
//! base64 blob in a query parameter) and clinical records are reported
//! as they are.
//!
//! # Cost
//!
//! Text layers are most of the traffic, so the follower looks only at `%`
//! and `+` (found in the piece's [`Masks`], computed once for all the
//! followers) and at the few bytes around each; a
//! token is only delimited, and then decoded, when one of them tells.
//! Per push it keeps at most the token still open at its end.

use std::sync::Arc;

use caldicott_core::{Finding, Kind, Notice, Sink};
use memchr::memchr2_iter;

use super::base64::Base64;
use super::{Decoder as _, Output};
use crate::layer::{child_info, Ctx, Info, Layer, MIN_BASE64_RUN};
use crate::prefilter::{is_base64, Masks};
use crate::unwrap::weaker;

/// Longest URL token decoded: 8 KiB. Browsers and servers cap a whole URL
/// at about 8 KiB (the common request-line limit), so a query string with
/// an identifier in it fits; longer runs of URL characters are blobs
/// (base64 without line breaks, minified script) that the other followers
/// deal with. A longer token is skipped without a notice: such tokens are
/// ordinary traffic, not a sign of evasion, and its plain text is still
/// scanned as it is.
pub const MAX_URL_TOKEN: usize = 8 * 1024;

/// Which bytes may appear in a URL token: every byte but ASCII whitespace
/// and control bytes, quotes (`"`, `'`, `` ` ``) and `<>`, which end a URL
/// in prose, HTML, JSON and logs. Bytes above ASCII are kept (an IRI, or
/// a URL a browser showed decoded).
const TOKEN: [bool; 256] = {
    let mut t = [true; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c <= b' '
            || c == 0x7f
            || matches!(c, b'"' | b'\'' | b'`' | b'<' | b'>')
        {
            t[b] = false;
        }
        b += 1;
    }
    t
};

/// Whether `b` may be part of a URL token.
fn is_token_byte(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// The value of a hex digit.
fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// What made a decoded byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Made {
    /// It was in the token as it is.
    Kept,
    /// A `%XX` escape.
    Escape,
    /// A `+`, read as a space.
    Plus,
}

/// The bytes `token` decodes to, each with what made it (a `%XX` escape,
/// or a `+` read as a space, as HTML forms and most query strings have
/// it). A `%` not followed by two hex digits stays as it is, as browsers
/// leave it.
fn decoded(token: &[u8]) -> impl Iterator<Item = (u8, Made)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let b = *token.get(i)?;
        if let Some(d) = escape_at(token, i) {
            i += 3;
            return Some((d, Made::Escape));
        }
        i += 1;
        Some(if b == b'+' { (b' ', Made::Plus) } else { (b, Made::Kept) })
    })
}

/// `token` percent-decoded (see [`decoded`]).
pub(crate) fn decode(token: &[u8]) -> Vec<u8> {
    decoded(token).map(|(b, _)| b).collect()
}

/// Whether decoding `token` can show something its raw form does not:
///
/// - an escape that decodes to a digit or an `@` (`%39`, `jo%40nhs.net`)
///   or next to a digit (`943%20476`, `%2C9434765919`);
/// - a `+` between two digits (`943+476+5919`); a `+` elsewhere is
///   ordinary text (`+44 20 …`, `+0000`, `C++`);
/// - an escape inside a run of at least [`MIN_BASE64_RUN`] base64
///   characters (a blob with its `+/=` escaped).
///
/// Identifiers are made of digits, or hold an `@`; an escape among
/// letters (`q=blood%20test%20results`, the common case in a log) cannot
/// make one, and such a token is not decoded at all.
pub(crate) fn is_encoded(token: &[u8]) -> bool {
    // Only the bytes around each `%` and `+` matter: no walk of the
    // whole token unless an escape makes a base64 symbol.
    let mut base64_escape = false;
    for i in memchr2_iter(b'%', b'+', token) {
        match at_sign(token, i) {
            Sign::Telling => return true,
            Sign::Base64 => base64_escape = true,
            Sign::Plain => {}
        }
    }
    base64_escape && escape_in_base64_run(token)
}

/// What a `%` or `+` says of its token.
enum Sign {
    /// It decodes to, or next to, what an identifier is made of.
    Telling,
    /// An escape of a base64 symbol: telling if in a long enough run.
    Base64,
    /// Nothing.
    Plain,
}

/// What the `%` or `+` at `bytes[i]` says (the rules of
/// [`is_encoded`]); it reads `bytes[i - 3..i + 6]` at most.
fn at_sign(bytes: &[u8], i: usize) -> Sign {
    let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
    if bytes.get(i) == Some(&b'+') {
        if digit(decoded_before(bytes, i)) && digit(decoded_at(bytes, i + 1)) {
            return Sign::Telling;
        }
    } else if let Some(d) = escape_at(bytes, i) {
        if d.is_ascii_digit()
            || d == b'@'
            || digit(decoded_before(bytes, i))
            || digit(decoded_at(bytes, i + 3))
        {
            return Sign::Telling;
        }
        if is_base64(d) {
            return Sign::Base64;
        }
    }
    Sign::Plain
}

/// Whether the token around the `%` or `+` at `bytes[i]` may be worth
/// decoding, judged from that sign alone. Bytes `i - 3..i + 6` must be in
/// `bytes`; a delimiter among them reads as a non-digit, as it should.
fn may_be_encoded(bytes: &[u8], i: usize) -> bool {
    !matches!(at_sign(bytes, i), Sign::Plain)
}

/// The byte the escape at `token[i..]` decodes to, if there is one.
fn escape_at(token: &[u8], i: usize) -> Option<u8> {
    if token.get(i) != Some(&b'%') {
        return None;
    }
    let hi = token.get(i + 1).copied().and_then(hex)?;
    let lo = token.get(i + 2).copied().and_then(hex)?;
    Some(hi << 4 | lo)
}

/// The decoded byte that starts at `token[i]`.
fn decoded_at(token: &[u8], i: usize) -> Option<u8> {
    escape_at(token, i)
        .or_else(|| token.get(i).map(|&b| if b == b'+' { b' ' } else { b }))
}

/// The decoded byte that ends just before `token[i]`. (A valid escape
/// ending there was decoded as one: its `%` is not a hex digit, so no
/// escape before it can have taken it.)
fn decoded_before(token: &[u8], i: usize) -> Option<u8> {
    let escape = i.checked_sub(3).and_then(|k| escape_at(token, k));
    escape.or_else(|| decoded_at(token, i.checked_sub(1)?))
}

/// Whether an escape decodes into a run of at least [`MIN_BASE64_RUN`]
/// base64 characters.
fn escape_in_base64_run(token: &[u8]) -> bool {
    let (mut run, mut escaped) = (0, false);
    for (b, made) in decoded(token) {
        if is_base64(b) {
            run += 1;
            escaped |= made == Made::Escape;
            if escaped && run >= MIN_BASE64_RUN {
                return true;
            }
        } else {
            (run, escaped) = (0, false);
        }
    }
    false
}

/// What the follower knows of the token open at the end of the last push.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Open {
    /// None: the last push ended outside a token.
    #[default]
    None,
    /// A token whose bytes so far are in [`UrlTokens::buf`].
    Token,
    /// A token longer than [`MAX_URL_TOKEN`]: skipped to its end.
    Overlong,
}

/// Follows URL tokens in a text layer and decodes the encoded ones into
/// child layers named `url` (see the [module docs](self)).
#[derive(Debug, Default)]
pub(crate) struct UrlTokens {
    open: Open,
    /// Layer offset of the open token's first byte.
    open_start: u64,
    /// The open token's bytes (at most [`MAX_URL_TOKEN`]).
    buf: Vec<u8>,
    /// The decoded-bytes limit was reached: no more tokens are decoded in
    /// this layer (said once, with a notice).
    spent: bool,
}

impl UrlTokens {
    /// The next bytes of the text layer (masked in `masks`), starting at
    /// layer offset `start`; `info` and `depth` are the text layer's.
    pub(crate) fn feed(
        &mut self,
        bytes: &[u8],
        masks: &Masks,
        start: u64,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        if ctx.stopped || self.spent || depth >= ctx.limits.max_depth {
            return;
        }
        let mut i = 0;
        if self.open != Open::None {
            // The token from the last push goes on to the first byte
            // that cannot be in one.
            let end = bytes
                .iter()
                .position(|&b| !is_token_byte(b))
                .unwrap_or(bytes.len());
            if self.open == Open::Token {
                if self.buf.len() + end > MAX_URL_TOKEN {
                    self.open = Open::Overlong;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&bytes[..end]);
                }
            }
            if end == bytes.len() {
                return;
            }
            if self.open == Open::Token {
                let token = std::mem::take(&mut self.buf);
                self.token(&token, self.open_start, info, depth, ctx);
                self.buf = token;
                self.buf.clear();
            }
            self.open = Open::None;
            i = end;
        }
        // `bytes[i]`, when `i > 0`, is the byte that ended the last token
        // looked at: no token below starts before it. `from` is where the
        // search for the next `%` or `+` goes on.
        let mut from = i;
        while let Some(p) = masks.next_url_sign(from) {
            if ctx.stopped || self.spent {
                return;
            }
            // Most escapes are not worth a look at their token (see
            // `is_encoded`): judged here when all the bytes that decide
            // are in this push; near its edges, with the whole token.
            if p >= 3 && p + 6 <= bytes.len() && !may_be_encoded(bytes, p) {
                from = p + 1;
                continue;
            }
            let lo = i.max(p.saturating_sub(MAX_URL_TOKEN));
            let s = bytes[lo..p]
                .iter()
                .rposition(|&b| !is_token_byte(b))
                .map_or(lo, |k| lo + k + 1);
            let e = bytes[p..]
                .iter()
                .position(|&b| !is_token_byte(b))
                .map_or(bytes.len(), |k| p + k);
            // No token boundary within reach behind: longer than the
            // limit.
            let overlong = (s == lo && lo > i) || e - s > MAX_URL_TOKEN;
            if e == bytes.len() {
                self.carry(bytes, s, start, overlong);
                return;
            }
            if !overlong {
                self.token(&bytes[s..e], start + s as u64, info, depth, ctx);
            }
            i = e;
            from = e;
        }
        // No more escapes in this push: keep the token open at its end.
        let lo = i.max(bytes.len().saturating_sub(MAX_URL_TOKEN + 1));
        match bytes[lo..].iter().rposition(|&b| !is_token_byte(b)) {
            Some(k) => self.carry(bytes, lo + k + 1, start, false),
            None => self.carry(bytes, lo, start, lo > i),
        }
    }

    /// Keeps `bytes[s..]`, a token still open at the end of the push.
    fn carry(&mut self, bytes: &[u8], s: usize, start: u64, overlong: bool) {
        let tail = bytes.get(s..).unwrap_or_default();
        if tail.is_empty() {
            return;
        }
        if overlong || tail.len() > MAX_URL_TOKEN {
            self.open = Open::Overlong;
        } else {
            self.open = Open::Token;
            self.open_start = start + s as u64;
            self.buf.clear();
            self.buf.extend_from_slice(tail);
        }
    }

    /// The text layer has ended: a token open at its end is complete.
    pub(crate) fn finish(
        &mut self,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        let open = std::mem::take(&mut self.open);
        if open == Open::Token && !ctx.stopped && !self.spent {
            let token = std::mem::take(&mut self.buf);
            self.token(&token, self.open_start, info, depth, ctx);
        }
        self.buf = Vec::new();
    }

    /// A whole token, at layer offset `at`: decoded and scanned if
    /// encoded.
    fn token(
        &mut self,
        token: &[u8],
        at: u64,
        info: &Info,
        depth: usize,
        ctx: &mut Ctx<'_>,
    ) {
        if !is_encoded(token) {
            return;
        }
        let decoded = decode(token);
        if *ctx.decoded + decoded.len() as u64 > ctx.limits.max_decoded_bytes {
            self.spent = true;
            ctx.follower_spent(info, at, "url", "URL-encoded text is");
            return;
        }
        *ctx.decoded += decoded.len() as u64;
        let mut plain: Vec<(Kind, String)> = ctx
            .engine
            .scan(token)
            .iter()
            .map(|f| (f.kind, f.value().to_string()))
            .collect();
        plain_base64(token, depth, ctx, &mut plain);
        let layer_start = info.as_ref().map_or(at, |i| i.start);
        let child = child_info(info, "url", layer_start);
        let mut sink =
            UrlSink { layer: child.clone(), plain, inner: &mut *ctx.sink };
        let mut sub = Ctx {
            engine: ctx.engine,
            limits: ctx.limits,
            decoded: &mut *ctx.decoded,
            sink: &mut sink,
            stopped: false,
        };
        let mut layer = Layer::new(child, depth + 1);
        layer.push(&decoded, &mut sub);
        layer.finish(&mut sub);
        if sub.stopped {
            ctx.stopped = true;
        }
    }
}

/// Adds to `seen` the kind and value of what the text layer's base64
/// follower finds in `token`'s runs of at least [`MIN_BASE64_RUN`] base64
/// characters: the runs are decoded here again, into throw-away layers
/// whose notices are dropped (the follower's own layers report them) and
/// whose decoded bytes are not counted twice. A base64 blob in a query
/// string is usually escaped (`%2B`, `%2F`, `%3D`): the follower decodes
/// it up to its first escape, the `url` layer all of it, and what both
/// find is reported once.
fn plain_base64(
    token: &[u8],
    depth: usize,
    ctx: &mut Ctx<'_>,
    seen: &mut Vec<(Kind, String)>,
) {
    for run in token
        .split(|&b| !is_base64(b))
        .filter(|run| run.len() >= MIN_BASE64_RUN)
    {
        let mut sink = Seen(seen);
        let mut scratch = *ctx.decoded;
        let mut sub = Ctx {
            engine: ctx.engine,
            limits: ctx.limits,
            decoded: &mut scratch,
            sink: &mut sink,
            stopped: false,
        };
        let mut layer = Layer::new(child_info(&None, "base64", 0), depth + 1);
        let mut decoder = Base64::new();
        let mut out = Feed { layer: &mut layer, ctx: &mut sub };
        // A malformed tail ends the blob, as for the follower.
        let _ = decoder.push(run, &mut out);
        let _ = decoder.finish(&mut out);
        layer.finish(&mut sub);
    }
}

/// Collects the kind and value of findings.
struct Seen<'s>(&'s mut Vec<(Kind, String)>);

impl Sink for Seen<'_> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.0.push((finding.kind, finding.value().to_string()));
        true
    }
}

/// Feeds a decoder's output to one layer, within the decoded-bytes limit.
struct Feed<'l, 'c, 'a> {
    layer: &'l mut Layer,
    ctx: &'c mut Ctx<'a>,
}

impl Output for Feed<'_, '_, '_> {
    fn data(&mut self, bytes: &[u8]) -> bool {
        let n = bytes.len() as u64;
        if *self.ctx.decoded + n > self.ctx.limits.max_decoded_bytes {
            return false;
        }
        *self.ctx.decoded += n;
        self.layer.push(bytes, self.ctx);
        !self.ctx.stopped
    }

    fn part(&mut self, _label: &str, _text: bool) -> bool {
        true
    }
}

/// Passes on a `url` layer's findings: those the raw token shows too
/// (scanned as it is, or in its base64 runs) are dropped, the rest made
/// in the `url` layer itself lowered a level (see the
/// [module docs](self)).
struct UrlSink<'s> {
    /// The `url` layer.
    layer: Info,
    /// Kind and value of each finding in the raw token.
    plain: Vec<(Kind, String)>,
    inner: &'s mut dyn Sink,
}

impl Sink for UrlSink<'_> {
    fn finding(&mut self, mut finding: Finding) -> bool {
        let direct = match (&finding.layer, &self.layer) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let seen = self
            .plain
            .iter()
            .any(|(k, v)| *k == finding.kind && v == finding.value());
        if seen {
            return true;
        }
        if direct && finding.kind != Kind::ClinicalRecord {
            match weaker(finding.confidence) {
                Some(c) => finding.confidence = c,
                None => return true,
            }
        }
        self.inner.finding(finding)
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.inner.notice(notice)
    }
}
