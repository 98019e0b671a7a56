//! Email messages (RFC 5322 headers, RFC 2045–2047 MIME), and the header
//! handling that HTTP multipart parts share with them: header blocks read
//! line by line, folded lines unfolded, RFC 2047 encoded-words and RFC
//! 2231 parameters decoded, `Content-Transfer-Encoding` undone.
//!
//! The `mime` decoder takes a layer that starts with a mail header
//! ([`is_mime`]). Its headers, unfolded and decoded, are a text part (so a
//! name in an encoded `Subject` is found under `mime`); its body is one
//! part (`mime:text/plain`, `mime:report.pdf`) or, for a multipart body,
//! one part per body part (split by [`Parts`]). Each part's content is
//! decoded from base64 or quoted-printable and is a layer of its own, which
//! sniffs: a gzip'd CSV attachment is `mime:export.csv.gz > gzip`, and a
//! nested multipart is a nested `mime` layer.

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;
use memchr::{memchr, memmem};

use super::base64::Base64;
use super::multipart::{Naming, Parts, MAX_BOUNDARY_LEN};
use super::qp::{decode_q, Qp};
use super::{DecodeError, Decoder, Output};

/// Bytes in one header block (a message's, or a body part's). RFC 5322
/// limits a line to 998 characters; real mail carries a few kilobytes of
/// `Received` and signature headers, and 64 KiB is far beyond any of it.
/// A longer block is held no further: what was read is scanned as text
/// and the rest of a message is scanned as text too, with a notice.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Characters of a part's name (a file name) kept in a layer path; file
/// names beyond this are cut. Paths are for people to read.
pub(crate) const MAX_LABEL_CHARS: usize = 128;

/// Problems a container decoder holds back (a part it could not decode)
/// and reports when it ends, so that the parts after them are still
/// decoded: the first this many are spelled out, the rest counted.
const MAX_DEFERRED: usize = 4;

/// Header names a mail message starts with, in the [`is_mime`] signature
/// (any `X-` header too). Compared without regard to case.
const MAIL_HEADERS: [&[u8]; 10] = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"received",
    b"return-path",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"delivered-to",
];

/// Whether a layer starting with `head` is a mail message (or a MIME body
/// part): its first line is a header (`From:`, `Subject:`, `X-…:`, …).
pub(crate) fn is_mime(head: &[u8]) -> bool {
    let Some(colon) = memchr(b':', head) else { return false };
    let name = &head[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_name_byte(b)) {
        return false;
    }
    MAIL_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
        || (name.len() > 2 && name[..2].eq_ignore_ascii_case(b"x-"))
}

/// Whether `b` may be in a header field name (RFC 5322: printable ASCII
/// but the colon).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_graphic() && b != b':'
}

/// Whether `line` (without its line break) is a header field: a name, a
/// colon (spaces before it are tolerated, as RFC 5322's obsolete syntax
/// does).
fn is_header_line(line: &[u8]) -> bool {
    let Some(colon) = memchr(b':', line) else { return false };
    let name = trim_end(&line[..colon]);
    !name.is_empty() && name.iter().all(|&b| is_name_byte(b))
}

/// `s` without trailing spaces, tabs, CR and LF.
pub(crate) fn trim_end(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |p| p + 1);
    &s[..end]
}

/// `s` without leading spaces and tabs.
fn trim_start(s: &[u8]) -> &[u8] {
    let start =
        s.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(s.len());
    &s[start..]
}

/// How [`HeaderReader::push`] left off.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Every byte was taken; the block goes on.
    More,
    /// The block ended after `used` bytes of the input. `carry` is a line
    /// that is not a header (a body without the blank line before it): it
    /// belongs to the body.
    Done {
        /// Input bytes that were part of the block.
        used: usize,
        /// The first body line, if the block ended at one.
        carry: Vec<u8>,
    },
    /// The block passed [`MAX_HEADER_BYTES`] after `used` bytes of the
    /// input; [`HeaderReader::take`] has what was read.
    Overflow {
        /// Input bytes taken.
        used: usize,
    },
}

/// Reads a header block line by line, to the blank line after it (or a
/// line that is not a header: lenient, as mail readers are), holding at
/// most [`MAX_HEADER_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct HeaderReader {
    /// The block's complete lines, with their line breaks.
    block: Vec<u8>,
    /// The line being read.
    line: Vec<u8>,
}

impl HeaderReader {
    /// A reader at the start of a block.
    pub(crate) fn new() -> HeaderReader {
        HeaderReader::default()
    }

    /// Everything read (the block and the line being read), for a block
    /// that overflowed.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.block);
        all.append(&mut self.line);
        all
    }

    /// Reads the next bytes of the block.
    pub(crate) fn push(&mut self, input: &[u8]) -> Step {
        let mut i = 0;
        while i < input.len() {
            let room = MAX_HEADER_BYTES
                .saturating_sub(self.block.len() + self.line.len());
            let rest = &input[i..];
            let Some(p) = memchr(b'\n', rest) else {
                if rest.len() > room {
                    self.line.extend_from_slice(&rest[..room]);
                    return Step::Overflow { used: i + room };
                }
                self.line.extend_from_slice(rest);
                return Step::More;
            };
            if p + 1 > room {
                self.line.extend_from_slice(&rest[..room]);
                return Step::Overflow { used: i + room };
            }
            self.line.extend_from_slice(&rest[..=p]);
            i += p + 1;
            if let Some(carry) = self.end_line() {
                return Step::Done { used: i, carry };
            }
        }
        Step::More
    }

    /// A complete line is in `line`: adds it to the block, or says the
    /// block has ended (`Some`, with the line if it belongs to the body).
    /// A blank line ends the block with an empty carry.
    fn end_line(&mut self) -> Option<Vec<u8>> {
        let content = trim_end(&self.line);
        if content.is_empty() {
            // The blank line (white space only counts as blank): consumed.
            self.line.clear();
            return Some(Vec::new());
        }
        let folded = matches!(self.line.first(), Some(b' ' | b'\t'))
            && !self.block.is_empty();
        if folded || is_header_line(content) {
            self.block.append(&mut self.line);
            return None;
        }
        Some(std::mem::take(&mut self.line))
    }

    /// The block read (after [`Step::Done`]).
    pub(crate) fn block(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.block)
    }

    /// The block has ended with the input: the block, and the last line
    /// if it is not a header.
    pub(crate) fn finish(&mut self) -> (Vec<u8>, Vec<u8>) {
        let carry = if self.line.is_empty() {
            Vec::new()
        } else {
            self.end_line().unwrap_or_default()
        };
        (std::mem::take(&mut self.block), carry)
    }
}

/// A header field: its name and its value, unfolded, not yet decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The name as written.
    pub(crate) name: String,
    /// The value without the line breaks of folding, trimmed.
    pub(crate) value: Vec<u8>,
}

/// The fields of a header block (as [`HeaderReader`] reads it: its lines
/// are fields or continuations).
pub(crate) fn parse_headers(block: &[u8]) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    for line in block.split_inclusive(|&b| b == b'\n') {
        let content = trim_end(line);
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if let Some(last) = headers.last_mut() {
                // Unfolding removes the line break, not the space.
                last.value.extend_from_slice(content);
            }
            continue;
        }
        let Some(colon) = memchr(b':', content) else { continue };
        let name = trim_end(&content[..colon]);
        headers.push(Header {
            name: String::from_utf8_lossy(name).into_owned(),
            value: trim_start(&content[colon + 1..]).to_vec(),
        });
    }
    headers
}

/// The value of the first field named `name` (any case).
pub(crate) fn header<'h>(
    headers: &'h [Header],
    name: &str,
) -> Option<&'h [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

/// The fields as text to scan: `Name: value` lines, values unfolded and
/// their encoded-words decoded.
pub(crate) fn headers_text(headers: &[Header]) -> Vec<u8> {
    let mut text = Vec::new();
    for h in headers {
        text.extend_from_slice(h.name.as_bytes());
        text.extend_from_slice(b": ");
        text.extend_from_slice(decode_words(&h.value).as_bytes());
        text.push(b'\n');
    }
    text
}

/// A `Content-Type` (or `Content-Disposition`): the value before the
/// parameters, lower-cased, and the parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    /// `multipart/form-data`, `attachment`, ….
    pub(crate) value: String,
    /// Parameters, names lower-cased, values unquoted and decoded.
    pub(crate) params: Vec<(String, String)>,
}

impl Params {
    /// Parses a field value with parameters.
    pub(crate) fn parse(field: &[u8]) -> Params {
        let text = String::from_utf8_lossy(field);
        let mut items = split_params(&text).into_iter();
        let value =
            items.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut raw = Vec::new();
        for item in items {
            let Some((name, v)) = item.split_once('=') else { continue };
            let name = name.trim().to_ascii_lowercase();
            raw.push((name, unquote(v.trim())));
        }
        Params { value, params: merge_2231(raw) }
    }

    /// The parameter named `name` (lower case).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Splits a field value at semicolons outside quoted strings.
fn split_params(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ';' && !quoted {
            items.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    items.push(cur);
    items
}

/// A parameter value without its quotes and backslash escapes.
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"') else { return v.to_string() };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if !escaped && c == '\\' {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// Joins RFC 2231 parameters: `name*=utf-8''a%20b` (extended) and
/// `name*0=…; name*1*=…` (continued) become `name`, decoded; an extended
/// value replaces a plain one of the same name.
fn merge_2231(raw: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut plain: Vec<(String, String)> = Vec::new();
    // (name, section, extended, value)
    let mut sections: Vec<(String, u32, bool, String)> = Vec::new();
    for (name, value) in raw {
        let (base, extended) = match name.strip_suffix('*') {
            Some(b) => (b, true),
            None => (name.as_str(), false),
        };
        let (base, section) = match base.rsplit_once('*') {
            Some((b, n)) if n.bytes().all(|c| c.is_ascii_digit()) => {
                (b, n.parse::<u32>().ok())
            }
            _ => (base, None),
        };
        match (section, extended) {
            (None, false) => plain.push((base.to_string(), value)),
            (section, _) => sections.push((
                base.to_string(),
                section.unwrap_or(0),
                extended,
                value,
            )),
        }
    }
    sections.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut joined: Vec<(String, String)> = Vec::new();
    let mut charset = String::new();
    for (name, section, extended, value) in sections {
        let mut bytes = value.into_bytes();
        if extended {
            if section == 0 {
                // charset'language'percent-encoded
                let mut it = bytes.splitn(3, |&b| b == b'\'');
                let (cs, _, rest) = (it.next(), it.next(), it.next());
                if let (Some(cs), Some(rest)) = (cs, rest) {
                    charset = String::from_utf8_lossy(cs).to_ascii_lowercase();
                    bytes = rest.to_vec();
                }
            }
            bytes = percent_decode(&bytes, false);
        }
        let text = charset_text(&charset, &bytes);
        match joined.last_mut() {
            Some((n, v)) if *n == name && section > 0 => v.push_str(&text),
            _ => joined.push((name, text)),
        }
    }
    for (name, value) in joined {
        plain.retain(|(n, _)| *n != name);
        plain.push((name, value));
    }
    plain
}

/// Decodes `%XX` escapes (and `+` as a space, with `plus`); a `%` not
/// followed by two hex digits is kept.
pub(crate) fn percent_decode(input: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let hi =
                    input.get(i + 1).copied().and_then(super::qp::hex_val);
                let lo =
                    input.get(i + 2).copied().and_then(super::qp::hex_val);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Bytes in `charset` as text. UTF-8 and ASCII are read as UTF-8; the
/// Latin-1 family byte for byte; anything else as UTF-8 when it is valid
/// and byte for byte when not (the digits an identifier is made of are
/// ASCII in every charset mail uses).
fn charset_text(charset: &str, bytes: &[u8]) -> String {
    let latin1 = || bytes.iter().map(|&b| char::from(b)).collect::<String>();
    match charset {
        "iso-8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1"
        | "iso-8859-15" | "windows-1252" | "cp1252" => latin1(),
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) if charset.contains("utf") || charset.is_empty() => {
                String::from_utf8_lossy(bytes).into_owned()
            }
            Err(_) => latin1(),
        },
    }
}

/// Base64 for encoded-words: padding optional.
const WORD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The encoded-word starting at `value[at..]` (`=?charset?B?…?=`): its
/// charset (lower-cased, RFC 2231 language removed), decoded bytes and
/// where it ends.
fn encoded_word(value: &[u8], at: usize) -> Option<(String, Vec<u8>, usize)> {
    let rest = value.get(at..)?.strip_prefix(b"=?")?;
    let q1 = memchr(b'?', rest)?;
    let charset = &rest[..q1];
    if charset.is_empty() || !charset.iter().all(|&b| is_name_byte(b)) {
        return None;
    }
    let enc = *rest.get(q1 + 1)?;
    if rest.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let text_start = q1 + 3;
    let len = memmem::find(rest.get(text_start..)?, b"?=")?;
    let text = &rest[text_start..text_start + len];
    if text.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let bytes = match enc {
        b'B' | b'b' => WORD_BASE64.decode(text).ok()?,
        b'Q' | b'q' => decode_q(text),
        _ => return None,
    };
    let charset = String::from_utf8_lossy(charset).to_ascii_lowercase();
    let charset = charset.split('*').next().unwrap_or_default().to_string();
    // `=?` + charset + `?X?` + text + `?=`
    let end = at + 2 + text_start + len + 2;
    Some((charset, bytes, end))
}

/// A header value with its RFC 2047 encoded-words decoded: adjacent
/// words (only white space between them) are joined, so a multi-byte
/// character split between two words comes out whole.
pub(crate) fn decode_words(value: &[u8]) -> String {
    let mut out = String::new();
    // The charset and bytes of the encoded-words since the last text.
    let mut words: Option<(String, Vec<u8>)> = None;
    let flush = |out: &mut String, words: &mut Option<(String, Vec<u8>)>| {
        if let Some((cs, bytes)) = words.take() {
            out.push_str(&charset_text(&cs, &bytes));
        }
    };
    let mut i = 0;
    while i < value.len() {
        let Some(k) = memmem::find(&value[i..], b"=?") else { break };
        let at = i + k;
        let between = &value[i..at];
        match encoded_word(value, at) {
            Some((cs, bytes, end)) => {
                let only_space =
                    between.iter().all(|b| b.is_ascii_whitespace());
                if !(words.is_some() && only_space) {
                    flush(&mut out, &mut words);
                    out.push_str(&String::from_utf8_lossy(between));
                }
                match &mut words {
                    Some((c, b)) if *c == cs => b.extend_from_slice(&bytes),
                    _ => {
                        flush(&mut out, &mut words);
                        words = Some((cs, bytes));
                    }
                }
                i = end;
            }
            None => {
                flush(&mut out, &mut words);
                out.push_str(&String::from_utf8_lossy(&value[i..at + 2]));
                i = at + 2;
            }
        }
    }
    flush(&mut out, &mut words);
    out.push_str(&String::from_utf8_lossy(value.get(i..).unwrap_or_default()));
    out
}

/// A part's name as a layer path shows it: control characters and `>`
/// (the path separator) replaced, cut at [`MAX_LABEL_CHARS`].
pub(crate) fn label(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| if c.is_control() || c == '>' { '_' } else { c })
        .take(MAX_LABEL_CHARS)
        .collect()
}

/// The file name a part's headers give (`Content-Disposition` filename,
/// else `Content-Type` name), encoded-words decoded.
pub(crate) fn file_name(
    disposition: &Params,
    ctype: &Params,
) -> Option<String> {
    disposition
        .get("filename")
        .or_else(|| ctype.get("name"))
        .filter(|n| !n.trim().is_empty())
        .map(|n| decode_words(n.as_bytes()))
}

/// Problems held back by a container decoder until it ends.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    /// The first [`MAX_DEFERRED`] problems.
    kept: Vec<String>,
    /// How many more there were.
    more: usize,
}

impl Deferred {
    /// Holds back a problem.
    pub(crate) fn add(&mut self, why: String) {
        if self.kept.len() < MAX_DEFERRED {
            self.kept.push(why);
        } else {
            self.more += 1;
        }
    }

    /// The held-back problems and `last` as one error.
    pub(crate) fn fail(&mut self, last: String) -> DecodeError {
        self.add(last);
        match self.finish() {
            Err(e) => e,
            Ok(()) => DecodeError::Malformed(String::new()),
        }
    }

    /// The container has ended: its held-back problems, if any.
    pub(crate) fn finish(&mut self) -> Result<(), DecodeError> {
        if self.kept.is_empty() {
            return Ok(());
        }
        let mut why = std::mem::take(&mut self.kept).join("; ");
        if self.more > 0 {
            why.push_str(&format!("; and {} more", self.more));
        }
        self.more = 0;
        Err(DecodeError::Malformed(why))
    }
}

/// A part's `Content-Transfer-Encoding`, being undone.
#[derive(Debug)]
pub(crate) enum Transfer {
    /// 7bit, 8bit, binary, none or unknown: as it is.
    Identity,
    /// base64.
    Base64(Base64),
    /// quoted-printable.
    Qp(Qp),
}

impl Transfer {
    /// The decoding for a `Content-Transfer-Encoding` value.
    pub(crate) fn new(encoding: Option<&[u8]>) -> Transfer {
        let encoding = encoding.map(trim_end).unwrap_or_default();
        if encoding.eq_ignore_ascii_case(b"base64") {
            Transfer::Base64(Base64::new())
        } else if encoding.eq_ignore_ascii_case(b"quoted-printable") {
            Transfer::Qp(Qp::new())
        } else {
            Transfer::Identity
        }
    }
}

impl Decoder for Transfer {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        match self {
            Transfer::Identity => {
                if input.is_empty() || out.data(input) {
                    Ok(())
                } else {
                    Err(DecodeError::Stopped)
                }
            }
            Transfer::Base64(d) => d.push(input, out),
            Transfer::Qp(d) => d.push(input, out),
        }
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        match self {
            Transfer::Identity => Ok(()),
            Transfer::Base64(d) => d.finish(out),
            Transfer::Qp(d) => d.finish(out),
        }
    }
}

/// `Ok` if `go_on`, else [`DecodeError::Stopped`]: for the `bool` the
/// [`Output`] methods return.
pub(crate) fn go(go_on: bool) -> Result<(), DecodeError> {
    if go_on {
        Ok(())
    } else {
        Err(DecodeError::Stopped)
    }
}

/// What the body of a message is.
enum Body {
    /// Reading the headers.
    Headers(HeaderReader),
    /// A single part, through its transfer decoding; the part is started
    /// at its first byte.
    Single {
        /// The part's name.
        label: String,
        /// Its transfer decoding.
        transfer: Transfer,
        /// Whether the part has been started.
        started: bool,
    },
    /// A multipart body.
    Multi(Box<Parts>),
    /// Scanned as text (a part was started): the headers overflowed.
    Text,
    /// Not decoded: a transfer decoding failed (already noted).
    Skip,
}

/// The `mime` decoder: a mail message or a MIME entity.
pub(crate) struct Mime {
    /// Where the decoder is in the message.
    body: Body,
    /// Problems reported when the message ends (decoding went on).
    deferred: Deferred,
}

impl Mime {
    /// A decoder at the start of a message.
    pub(crate) fn new() -> Mime {
        Mime {
            body: Body::Headers(HeaderReader::new()),
            deferred: Deferred::default(),
        }
    }

    /// The headers have been read: scans them and decides the body.
    fn begin_body(
        &mut self,
        block: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let headers = parse_headers(block);
        if !headers.is_empty() {
            go(out.part("", true))?;
            go(out.data(&headers_text(&headers)))?;
        }
        let ctype = Params::parse(
            header(&headers, "content-type").unwrap_or_default(),
        );
        let media = if ctype.value.is_empty() {
            "text/plain"
        } else {
            ctype.value.as_str()
        };
        if media.starts_with("multipart/") {
            match ctype.get("boundary") {
                Some(b) if !b.is_empty() && b.len() <= MAX_BOUNDARY_LEN => {
                    self.body = Body::Multi(Box::new(Parts::new(
                        b.as_bytes(),
                        Naming::Mail,
                    )));
                    return Ok(());
                }
                Some(b) if !b.is_empty() => self.deferred.add(format!(
                    "multipart boundary of {} bytes is longer than \
                     {MAX_BOUNDARY_LEN} (RFC 2046): the body is scanned as \
                     one part",
                    b.len()
                )),
                _ => self.deferred.add(
                    "multipart body without a boundary parameter: scanned as \
                     one part"
                        .to_string(),
                ),
            }
        }
        let disposition = Params::parse(
            header(&headers, "content-disposition").unwrap_or_default(),
        );
        let name = file_name(&disposition, &ctype)
            .unwrap_or_else(|| media.to_string());
        self.body = Body::Single {
            label: label(&name),
            transfer: Transfer::new(header(
                &headers,
                "content-transfer-encoding",
            )),
            started: false,
        };
        Ok(())
    }

    /// Bytes of the body.
    fn body(
        &mut self,
        bytes: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        if bytes.is_empty() {
            return Ok(());
        }
        match &mut self.body {
            Body::Headers(_) | Body::Skip => Ok(()),
            Body::Text => go(out.data(bytes)),
            Body::Multi(parts) => parts.push(bytes, out, &mut self.deferred),
            Body::Single { label, transfer, started } => {
                if !*started {
                    *started = true;
                    go(out.part(label, false))?;
                }
                match transfer.push(bytes, out) {
                    Err(DecodeError::Malformed(why)) => {
                        self.deferred.add(format!("body `{label}`: {why}"));
                        self.body = Body::Skip;
                        Ok(())
                    }
                    r => r,
                }
            }
        }
    }
}

impl Decoder for Mime {
    fn push(
        &mut self,
        input: &[u8],
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let Body::Headers(reader) = &mut self.body else {
            return self.body(input, out);
        };
        match reader.push(input) {
            Step::More => Ok(()),
            Step::Done { used, carry } => {
                let block = reader.block();
                self.begin_body(&block, out)?;
                self.body(&carry, out)?;
                self.body(&input[used..], out)
            }
            Step::Overflow { used } => {
                let all = reader.take();
                self.deferred.add(format!(
                    "headers longer than {MAX_HEADER_BYTES} bytes \
                     (MAX_HEADER_BYTES): the message is scanned as text"
                ));
                go(out.part("", true))?;
                go(out.data(&all))?;
                self.body = Body::Text;
                self.body(&input[used..], out)
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        if let Body::Headers(reader) = &mut self.body {
            let (block, carry) = reader.finish();
            self.begin_body(&block, out)?;
            self.body(&carry, out)?;
        }
        match &mut self.body {
            Body::Headers(_) | Body::Text | Body::Skip => {}
            Body::Multi(parts) => {
                if let Err(e) = parts.finish(out, &mut self.deferred) {
                    return match e {
                        DecodeError::Malformed(why) => {
                            Err(self.deferred.fail(why))
                        }
                        stopped => Err(stopped),
                    };
                }
            }
            Body::Single { label, transfer, .. } => {
                if let Err(e) = transfer.finish(out) {
                    return match e {
                        DecodeError::Malformed(why) => Err(self
                            .deferred
                            .fail(format!("body `{label}`: {why}"))),
                        stopped => Err(stopped),
                    };
                }
            }
        }
        self.deferred.finish()
    }
}
