//! JSON documents: FHIR R4 resources (alone or in a Bundle) and any JSON
//! API body, including JSON Lines (several top-level values separated by
//! whitespace).
//!
//! The input is JSON when its first significant byte (after
//! [`is_leading_filler`] bytes) is `{` or `[`; it stays JSON only while it
//! tokenizes as JSON (strings with their escapes, numbers, `true`, `false`,
//! `null`, objects and arrays, no trailing commas). A minimal streaming
//! tokenizer follows it byte by byte with a stack of the open objects and
//! arrays, at most [`MAX_NESTING_DEPTH`] deep. For each open object it
//! keeps the current key (the first [`MAX_JSON_KEY_LEN`] bytes as written,
//! escapes not decoded), the value of its `system` key, whether its
//! `resourceType` is `Patient`, and where it began.
//!
//! **Roles.** A number inside a string or number value takes the role of
//! the value's key through [`classify_name`] (`nhsNumber` corroborates;
//! `orderId`, `timestamp`, `isbn`, `meetingId` demote; `birthDate` and
//! `dob` are date-of-birth fields, `postalCode` an address field); an
//! array's elements take the role of the array's key. Two FHIR datatypes
//! are judged by their `system` sibling, whether it comes before the value
//! or after it (then it must lie in the candidate's look-ahead, before the
//! object's closing `}`):
//!
//! * an Identifier's `value`: a system containing `nhs-number` corroborates
//!   (NHS), `chi-number` or `/chi` not followed by a letter corroborates as
//!   a CHI number, `hsc`, `hcn` or `health-and-care` corroborates (H&C);
//!   any other system (a visit number, an MRN, `phone`) demotes; a `value`
//!   with no system known has no role;
//! * a Coding's `code` (any object with `code` and `system`, which is what
//!   a FHIR Coding is, wherever it sits): a SNOMED CT (`snomed.info/sct`)
//!   or ICD-10 (`icd-10`, `icd10`) system makes it a coded clinical field.
//!
//! **Findings.** Each Patient resource (an object with `"resourceType":
//! "Patient"`, at any depth, so also in a Bundle's `entry[].resource` or in
//! `contained`) is one `clinical_record` from its `{` to its `}`, reported
//! at the `}`. The strings under a Patient's `name` (`family`, `given`,
//! `text` of each HumanName, as strings or arrays of strings) are each a
//! `person_name`, spanning the string's contents without the quotes, with
//! the value as written. `resourceType` may come after `name`: until the
//! object's resource type is known, at most [`MAX_PENDING_NAMES`] names are
//! held back, then reported when `"resourceType": "Patient"` arrives, or
//! dropped when another resource type arrives or the object closes without
//! one. Names of a Patient's contacts are not the patient's and are not
//! reported.
//!
//! **Malformed input.** An unexpected byte, an unbalanced bracket, a raw
//! newline inside a string or a truncated document stops the tracker with
//! a `malformed` notice, keeping what it already reported: the rest of the
//! input is scanned as plain text. Until the first `:` after an object key
//! the input has not shown itself to be JSON (a log line starting
//! `[INFO]`, a list starting `[1] First item`), so a failure there is "not
//! JSON" and the tracker goes dormant without a notice: a notice can make
//! a fail-closed policy block, and plain text must not. A document cut short (the input ends inside it) still
//! reports each open Patient whose resource type was seen, as a record up
//! to the end of the input (its last byte that is not whitespace between
//! tokens, so that trailing newlines change nothing): a capture of the
//! first bytes of a large Bundle holds those patients all the same. An
//! invalid byte, by contrast, says the input is not JSON, and open records
//! are not reported. Exceeding [`MAX_NESTING_DEPTH`] or
//! [`MAX_PENDING_NAMES`] also stops the tracker, with a notice naming the
//! limit.

use super::{
    classify_name, is_leading_filler, FieldRole, FieldValue, NameRole, Output,
    Tracker, MAX_NESTING_DEPTH,
};
use crate::finding::{Confidence, Finding, Kind, RecordFormat};
use crate::notice::Notice;

/// Longest key compared or classified, in bytes as written. The keys that
/// matter (`resourceType`, `system`, `nhsNumber`, `postalCode`) are short;
/// a longer key is simply one the tracker does not know (no role), so this
/// bounds each open object's memory without giving anything up.
#[allow(unreachable_pub)] // for the crate root to re-export, as CSV's are
pub const MAX_JSON_KEY_LEN: usize = 64;

/// Names held back in one object until its `resourceType` is known. FHIR
/// writes `resourceType` first, and a HumanName has a handful of parts;
/// past this many the tracker stops (with a notice) rather than hold an
/// unbounded list.
#[allow(unreachable_pub)] // for the crate root to re-export, as CSV's are
pub const MAX_PENDING_NAMES: usize = 16;

/// The name notices give as their source.
const SOURCE: &str = "json";

/// Follows a JSON input.
#[derive(Clone, Debug, Default)]
pub(crate) struct JsonTracker {
    /// Offset of the next byte to look at.
    pos: u64,
    /// Whether the input is JSON, and if so where in it the tracker is.
    phase: Phase,
}

/// Where the tracker is in the input. The document's state is boxed, so
/// that a stream over other input carries two words for it.
#[derive(Clone, Debug, Default)]
enum Phase {
    /// Before the first significant byte.
    #[default]
    Start,
    /// Following a JSON input.
    Json(Box<Doc>),
    /// Not JSON, or no longer followed.
    Dormant,
}

/// The state of a JSON input being followed.
#[derive(Clone, Debug)]
struct Doc {
    /// Where the tokenizer is.
    lex: Lex,
    /// The open objects and arrays, outermost first.
    stack: Vec<Frame>,
    /// The input has shown itself to be JSON (an object key and its `:`
    /// were seen): from here on a failure is reported.
    confirmed: bool,
    /// The value of the string being read, when it is a name or a
    /// `resourceType`.
    value: FieldValue,
    /// Where the contents of the string being read began.
    str_start: u64,
    /// One past the last byte seen that was not whitespace between
    /// tokens: where a document cut short ends.
    last: u64,
}

impl Default for Doc {
    fn default() -> Doc {
        Doc {
            lex: Lex::Between,
            stack: Vec::new(),
            confirmed: false,
            value: FieldValue::default(),
            str_start: 0,
            last: 0,
        }
    }
}

/// The tokenizer's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lex {
    /// Between top-level values (before the first, or between JSON
    /// Lines).
    Between,
    /// Expecting a value; `first` right after `[`, where `]` may close.
    Value { first: bool },
    /// Expecting a key; `first` right after `{`, where `}` may close.
    Key { first: bool },
    /// After a key, expecting `:`.
    Colon,
    /// After a value inside a container, expecting `,` or a closing
    /// bracket.
    AfterValue,
    /// Inside a string.
    Str { purpose: Purpose, escape: Escape },
    /// Inside a number.
    Number(Num),
    /// Inside `true`, `false` or `null`: the word and the index of the
    /// next byte expected.
    Literal { word: &'static [u8], at: usize },
    /// Not JSON, or no longer followed.
    Dormant,
}

/// What the string being read is kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// A key: kept in the object's frame.
    Key,
    /// Nothing.
    Skip,
    /// The value of a `system` key: kept in the object's frame.
    System,
    /// The value of a `resourceType` key.
    ResourceType,
    /// A part of a HumanName under `name` in the object at this stack
    /// index, which is or may turn out to be a Patient.
    Name { owner: usize },
}

/// Where the string being read is in an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    /// Not in one.
    None,
    /// After a backslash.
    Backslash,
    /// After `\u`, with this many hex digits to come.
    Unicode(u8),
}

/// Where a number is in the JSON number grammar
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    /// After the leading `-`.
    Minus,
    /// After a leading `0`, which no digit may follow.
    Zero,
    /// In the integer part, after a non-zero first digit.
    Int,
    /// After the decimal point.
    Dot,
    /// In the fraction's digits.
    Frac,
    /// After `e` or `E`.
    E,
    /// After the exponent's sign.
    ESign,
    /// In the exponent's digits.
    Exp,
}

impl Num {
    /// The state after `b`, or `None` when `b` does not continue the
    /// number.
    fn next(self, b: u8) -> Option<Num> {
        use Num::*;
        let digit = b.is_ascii_digit();
        Some(match (self, b) {
            (Minus, b'0') => Zero,
            (Minus, _) if digit => Int,
            (Int, _) if digit => Int,
            (Zero | Int, b'.') => Dot,
            (Dot | Frac, _) if digit => Frac,
            (Zero | Int | Frac, b'e' | b'E') => E,
            (E, b'+' | b'-') => ESign,
            (E | ESign | Exp, _) if digit => Exp,
            _ => return None,
        })
    }

    /// Whether the number may end here.
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::Exp)
    }
}

/// What an object says its resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    /// No `resourceType` string seen (yet).
    Unknown,
    /// `"resourceType": "Patient"`.
    Patient,
    /// Some other resource type.
    Other,
}

/// One open object or array.
#[derive(Clone, Debug)]
struct Frame {
    /// An object (`{`), not an array.
    object: bool,
    /// Offset of the `{` or `[`.
    start: u64,
    /// An object's current key.
    key: Key,
    /// What the object's `resourceType` says.
    resource: Resource,
    /// The value of the object's `system` key.
    system: FieldValue,
    /// A `system` string was seen (its value may still be too long to
    /// keep).
    system_seen: bool,
    /// Names waiting for the object's resource type, at most
    /// [`MAX_PENDING_NAMES`].
    pending: Vec<Finding>,
}

impl Frame {
    /// An object (or array) opened at `start`.
    fn new(object: bool, start: u64) -> Frame {
        Frame {
            object,
            start,
            key: Key::default(),
            resource: Resource::Unknown,
            system: FieldValue::default(),
            system_seen: false,
            pending: Vec::new(),
        }
    }
}

/// A key as written, bounded by [`MAX_JSON_KEY_LEN`].
#[derive(Clone, Debug)]
struct Key {
    /// The key's first bytes.
    bytes: [u8; MAX_JSON_KEY_LEN],
    /// How many of `bytes` are the key's.
    len: usize,
    /// The key was longer than [`MAX_JSON_KEY_LEN`].
    overflowed: bool,
}

impl Default for Key {
    fn default() -> Key {
        Key { bytes: [0; MAX_JSON_KEY_LEN], len: 0, overflowed: false }
    }
}

impl Key {
    /// Starts a new key.
    fn clear(&mut self) {
        self.len = 0;
        self.overflowed = false;
    }

    /// Appends bytes, up to [`MAX_JSON_KEY_LEN`].
    fn extend(&mut self, bytes: &[u8]) {
        let room = MAX_JSON_KEY_LEN - self.len;
        if bytes.len() > room {
            self.overflowed = true;
        }
        let n = bytes.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    /// The key, or `None` when it was longer than [`MAX_JSON_KEY_LEN`].
    fn get(&self) -> Option<&[u8]> {
        (!self.overflowed).then_some(&self.bytes[..self.len])
    }
}

/// JSON's insignificant whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Index of the `"` closing a string whose contents start at `from` in
/// `bytes`, honouring backslash escapes; `None` when it is not there.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Index of the first non-whitespace byte at or after `i`.
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

/// The value of a `"system": "…"` member written after a candidate, in
/// `after` (the candidate's look-ahead), before the closing `}` of the
/// object the candidate is in. `in_string`: the candidate is inside a
/// string, which `after` first finishes.
fn system_ahead(after: &[u8], in_string: bool) -> Option<&[u8]> {
    let mut i = 0;
    if in_string {
        i = string_end(after, 0)? + 1;
    }
    // Objects and arrays opened after the candidate: members inside them
    // are not the candidate's siblings.
    let mut depth = 0usize;
    while let Some(&b) = after.get(i) {
        match b {
            b'"' => {
                let end = string_end(after, i + 1)?;
                let s = &after[i + 1..end];
                i = end + 1;
                if depth > 0 || s != b"system" {
                    continue;
                }
                let colon = skip_ws(after, i);
                if after.get(colon) != Some(&b':') {
                    continue;
                }
                let quote = skip_ws(after, colon + 1);
                if after.get(quote) == Some(&b'"') {
                    let end = string_end(after, quote + 1)?;
                    return Some(&after[quote + 1..end]);
                }
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Whether a Coding `system` is SNOMED CT or ICD-10.
fn is_clinical_system(system: &[u8]) -> bool {
    ["snomed.info/sct", "icd-10", "icd10"]
        .iter()
        .any(|n| super::contains_ci(system, n.as_bytes()))
}

impl Doc {
    /// Index of the object whose current key a value ending the stack
    /// below `end` belongs to: the nearest object at or below `end - 1`,
    /// through any arrays (an array's elements belong to its key).
    fn owner_object(&self, end: usize) -> Option<usize> {
        self.stack.get(..end)?.iter().rposition(|f| f.object)
    }

    /// The current key of the object at `index`, if known.
    fn key_of(&self, index: usize) -> Option<&[u8]> {
        self.stack.get(index)?.key.get()
    }

    /// The object that owns a HumanName holding a string value at the top
    /// of the stack (the value's key is `family`, `given` or `text`, its
    /// object sits under a `name` key), when that object may be a Patient.
    fn name_owner(&self) -> Option<usize> {
        let human = self.owner_object(self.stack.len())?;
        let part = self.key_of(human)?;
        if !matches!(part, b"family" | b"given" | b"text") {
            return None;
        }
        let owner = self.owner_object(human)?;
        let frame = self.stack.get(owner)?;
        (frame.key.get() == Some(b"name") && frame.resource != Resource::Other)
            .then_some(owner)
    }

    /// What a string value starting now is kept for.
    fn value_purpose(&self) -> Purpose {
        if let Some(top) = self.stack.last().filter(|f| f.object) {
            match top.key.get() {
                Some(b"system") => return Purpose::System,
                Some(b"resourceType") => return Purpose::ResourceType,
                _ => {}
            }
        }
        match self.name_owner() {
            Some(owner) => Purpose::Name { owner },
            None => Purpose::Skip,
        }
    }

    /// Keeps the string bytes `bytes` for `purpose`.
    fn collect(&mut self, purpose: Purpose, bytes: &[u8]) {
        match purpose {
            Purpose::Skip => {}
            Purpose::Key => {
                if let Some(top) = self.stack.last_mut() {
                    top.key.extend(bytes);
                }
            }
            Purpose::System => {
                if let Some(top) = self.stack.last_mut() {
                    top.system.extend(bytes);
                }
            }
            Purpose::ResourceType | Purpose::Name { .. } => {
                self.value.extend(bytes);
            }
        }
    }

    /// Stops following the input (not JSON, or no longer followed).
    fn go_dormant(&mut self) {
        self.lex = Lex::Dormant;
        self.stack = Vec::new();
        self.value.clear();
    }

    /// The input stopped being JSON at `at`: says so (once it had shown
    /// itself to be JSON) and stops.
    fn malformed(&mut self, at: u64, what: &str, out: &mut Output) {
        if self.confirmed {
            out.notice(Notice::new(
                at,
                SOURCE,
                "malformed",
                format!(
                    "{what}: the input is no longer followed as JSON and \
                     is scanned as plain text from here"
                ),
            ));
        }
        self.go_dormant();
    }

    /// A value ended: what comes next.
    fn value_done(&mut self) {
        self.lex =
            if self.stack.is_empty() { Lex::Between } else { Lex::AfterValue };
    }

    /// Opens an object (`b` is `{`) or an array at `at`.
    fn open(&mut self, b: u8, at: u64, out: &mut Output) {
        if self.stack.len() >= MAX_NESTING_DEPTH {
            out.notice(Notice::new(
                at,
                SOURCE,
                "MAX_NESTING_DEPTH",
                format!(
                    "JSON nested deeper than {MAX_NESTING_DEPTH} objects \
                     and arrays; the structure is no longer followed"
                ),
            ));
            self.go_dormant();
            return;
        }
        let object = b == b'{';
        self.stack.push(Frame::new(object, at));
        self.lex = if object {
            Lex::Key { first: true }
        } else {
            Lex::Value { first: true }
        };
    }

    /// Closes the innermost object (`b` is `}`) or array at `at`,
    /// reporting a Patient's record.
    fn close(&mut self, b: u8, at: u64, out: &mut Output) {
        let object = b == b'}';
        if self.stack.last().map(|f| f.object) != Some(object) {
            let what = if object { "`}`" } else { "`]`" };
            self.malformed(at, &format!("an unbalanced {what}"), out);
            return;
        }
        if let Some(frame) = self.stack.pop() {
            if frame.resource == Resource::Patient {
                out.findings.push(Finding::record(
                    RecordFormat::Fhir,
                    frame.start,
                    at + 1,
                ));
            }
        }
        self.value_done();
    }

    /// A string value starts at `at` (its opening quote).
    fn start_value_string(&mut self, at: u64) {
        let purpose = self.value_purpose();
        match purpose {
            Purpose::System => {
                if let Some(top) = self.stack.last_mut() {
                    top.system.clear();
                    top.system_seen = true;
                }
            }
            Purpose::ResourceType | Purpose::Name { .. } => self.value.clear(),
            Purpose::Key | Purpose::Skip => {}
        }
        self.str_start = at + 1;
        self.lex = Lex::Str { purpose, escape: Escape::None };
    }

    /// The string being read ends at `at` (its closing quote).
    fn end_string(&mut self, purpose: Purpose, at: u64, out: &mut Output) {
        match purpose {
            Purpose::Key => {
                self.lex = Lex::Colon;
                return;
            }
            Purpose::Skip | Purpose::System => {}
            Purpose::ResourceType => {
                let patient = self.value.get() == Some(b"Patient");
                if let Some(top) = self.stack.last_mut() {
                    if top.resource == Resource::Unknown && patient {
                        top.resource = Resource::Patient;
                        out.findings.append(&mut top.pending);
                    } else if top.resource == Resource::Unknown {
                        top.resource = Resource::Other;
                        top.pending = Vec::new();
                    }
                }
            }
            Purpose::Name { owner } => {
                if !self.name(owner, at, out) {
                    return;
                }
            }
        }
        self.value_done();
    }

    /// A name string under the object at `owner` ended at `at`: reports
    /// it, or holds it until the object's resource type is known. `false`
    /// when the tracker stopped.
    fn name(&mut self, owner: usize, at: u64, out: &mut Output) -> bool {
        let Some(value) = self.value.get() else { return true };
        let found = Finding::companion(
            Kind::PersonName,
            self.str_start,
            at,
            Confidence::High,
            value,
        );
        let Some(frame) = self.stack.get_mut(owner) else { return true };
        match frame.resource {
            Resource::Patient => out.findings.push(found),
            Resource::Other => {}
            Resource::Unknown if frame.pending.len() < MAX_PENDING_NAMES => {
                frame.pending.push(found);
            }
            Resource::Unknown => {
                let start = frame.start;
                out.notice(Notice::new(
                    start,
                    SOURCE,
                    "MAX_PENDING_NAMES",
                    format!(
                        "more than {MAX_PENDING_NAMES} names in a JSON \
                         object before its resourceType; the structure is \
                         no longer followed"
                    ),
                ));
                self.go_dormant();
                return false;
            }
        }
        true
    }

    /// Follows one byte `b` at `at` outside a string's fast path.
    fn byte(&mut self, b: u8, at: u64, out: &mut Output) {
        if !is_ws(b) || matches!(self.lex, Lex::Str { .. }) {
            self.last = at + 1;
        }
        match self.lex {
            Lex::Dormant => {}
            Lex::Between => match b {
                _ if is_ws(b) => {}
                b'{' | b'[' => self.open(b, at, out),
                _ => self.malformed(
                    at,
                    "an unexpected byte after a complete JSON value",
                    out,
                ),
            },
            Lex::Value { first } => match b {
                _ if is_ws(b) => {}
                b'{' | b'[' => self.open(b, at, out),
                b'"' => self.start_value_string(at),
                b'-' => self.lex = Lex::Number(Num::Minus),
                b'0' => self.lex = Lex::Number(Num::Zero),
                b'1'..=b'9' => self.lex = Lex::Number(Num::Int),
                b't' => self.lex = Lex::Literal { word: b"true", at: 1 },
                b'f' => self.lex = Lex::Literal { word: b"false", at: 1 },
                b'n' => self.lex = Lex::Literal { word: b"null", at: 1 },
                b']' if first => self.close(b, at, out),
                _ => self.malformed(at, "an unexpected byte for a value", out),
            },
            Lex::Key { first } => match b {
                _ if is_ws(b) => {}
                b'"' => {
                    if let Some(top) = self.stack.last_mut() {
                        top.key.clear();
                    }
                    self.lex = Lex::Str {
                        purpose: Purpose::Key,
                        escape: Escape::None,
                    };
                }
                b'}' if first => self.close(b, at, out),
                _ => self.malformed(at, "an unexpected byte for a key", out),
            },
            Lex::Colon => match b {
                _ if is_ws(b) => {}
                b':' => {
                    self.confirmed = true;
                    self.lex = Lex::Value { first: false };
                }
                _ => self.malformed(at, "a key without `:`", out),
            },
            Lex::AfterValue => match b {
                _ if is_ws(b) => {}
                b',' => {
                    let object = self.stack.last().is_some_and(|f| f.object);
                    self.lex = if object {
                        Lex::Key { first: false }
                    } else {
                        Lex::Value { first: false }
                    };
                }
                b'}' | b']' => self.close(b, at, out),
                _ => self.malformed(
                    at,
                    "an unexpected byte after a value in an object or array",
                    out,
                ),
            },
            Lex::Number(num) => match num.next(b) {
                Some(next) => self.lex = Lex::Number(next),
                None if num.complete() => {
                    // The byte after a number belongs to what follows it.
                    self.value_done();
                    self.byte(b, at, out);
                }
                None => self.malformed(at, "a malformed number", out),
            },
            Lex::Literal { word, at: i } => {
                if word.get(i) != Some(&b) {
                    self.malformed(at, "a misspelt true, false or null", out);
                } else if i + 1 == word.len() {
                    self.value_done();
                } else {
                    self.lex = Lex::Literal { word, at: i + 1 };
                }
            }
            Lex::Str { purpose, escape } => {
                self.string_byte(purpose, escape, b, at, out);
            }
        }
    }

    /// Follows one byte `b` at `at` inside a string.
    fn string_byte(
        &mut self,
        purpose: Purpose,
        escape: Escape,
        b: u8,
        at: u64,
        out: &mut Output,
    ) {
        let escape = match (escape, b) {
            (Escape::None, b'"') => return self.end_string(purpose, at, out),
            (Escape::None, b'\\') => Escape::Backslash,
            (Escape::None, b'\n') => {
                return self.malformed(at, "a raw newline in a string", out);
            }
            (Escape::None, _) => Escape::None,
            (Escape::Backslash, b'u') => Escape::Unicode(4),
            (
                Escape::Backslash,
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't',
            ) => Escape::None,
            (Escape::Unicode(n), _) if b.is_ascii_hexdigit() => {
                if n > 1 {
                    Escape::Unicode(n - 1)
                } else {
                    Escape::None
                }
            }
            _ => return self.malformed(at, "an invalid escape", out),
        };
        self.collect(purpose, &[b]);
        self.lex = Lex::Str { purpose, escape };
    }

    /// Follows `bytes`, which start at absolute offset `at`.
    fn run(&mut self, bytes: &[u8], at: u64, out: &mut Output) {
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            let here = at + i as u64;
            match self.lex {
                Lex::Dormant => return,
                // Inside a string outside an escape: jump to the next byte
                // that matters.
                Lex::Str { purpose, escape: Escape::None } => {
                    let rest = &bytes[i..];
                    match memchr::memchr3(b'"', b'\\', b'\n', rest) {
                        None => {
                            self.collect(purpose, rest);
                            self.last = here + rest.len() as u64;
                            return;
                        }
                        Some(k) => {
                            self.collect(purpose, &rest[..k]);
                            self.last = here + k as u64 + 1;
                            let (b, here) = (rest[k], here + k as u64);
                            self.string_byte(
                                purpose,
                                Escape::None,
                                b,
                                here,
                                out,
                            );
                            i += k + 1;
                        }
                    }
                }
                _ => {
                    self.byte(b, here, out);
                    i += 1;
                }
            }
        }
    }
}

impl Doc {
    /// The input ended: a document still open was cut short; each open
    /// Patient whose resource type was seen is reported up to the last
    /// significant byte (whitespace after it is not part of it).
    fn finish(&mut self, end: u64, out: &mut Output) {
        if matches!(self.lex, Lex::Between | Lex::Dormant) {
            return;
        }
        if self.confirmed {
            out.notice(Notice::new(
                end,
                SOURCE,
                "malformed",
                format!(
                    "the input ended inside a JSON document ({} open \
                     objects and arrays)",
                    self.stack.len()
                ),
            ));
            for frame in self.stack.iter().rev() {
                if frame.resource == Resource::Patient {
                    out.findings.push(Finding::record(
                        RecordFormat::Fhir,
                        frame.start,
                        self.last.max(frame.start + 1),
                    ));
                }
            }
        }
        self.go_dormant();
    }

    /// The role of the value at the tracker's position: its key's, or for
    /// an Identifier's `value` and a Coding's `code`, its `system`'s.
    fn role(&self, after: &[u8]) -> FieldRole {
        let in_string = match self.lex {
            Lex::Str { purpose: Purpose::Key, .. } => return FieldRole::None,
            Lex::Str { .. } => true,
            Lex::Value { .. } | Lex::Number(_) | Lex::Literal { .. } => false,
            _ => return FieldRole::None,
        };
        let Some(index) = self.owner_object(self.stack.len()) else {
            return FieldRole::None;
        };
        let Some(key) = self.key_of(index) else { return FieldRole::None };
        let direct = index + 1 == self.stack.len();
        if direct && matches!(key, b"value" | b"code") {
            let frame = &self.stack[index];
            let system = if frame.system_seen {
                frame.system.get()
            } else {
                system_ahead(after, in_string)
            };
            if key == b"value" {
                return system
                    .map_or(FieldRole::None, super::identifier_system_role);
            }
            if system.is_some_and(is_clinical_system) {
                return FieldRole::ClinicalCode;
            }
        }
        match classify_name(key) {
            NameRole::Field(role) => role,
            NameRole::PersonName => FieldRole::None,
        }
    }
}

impl Tracker for JsonTracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target` (the scan guarantees it: regions are contiguous
    /// and in order).
    fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        if target <= self.pos {
            return;
        }
        let mut at = self.pos;
        self.pos = target;
        if self.is_dormant() {
            return;
        }
        debug_assert!(at >= base && target - base <= hay.len() as u64);
        let range = usize::try_from(at.saturating_sub(base))
            .ok()
            .zip(usize::try_from(target.saturating_sub(base)).ok());
        let Some(mut bytes) = range.and_then(|(from, to)| hay.get(from..to))
        else {
            // The scan broke its promise: follow nothing rather than guess.
            self.phase = Phase::Dormant;
            return;
        };
        if let Phase::Start = self.phase {
            let filler = bytes
                .iter()
                .zip(at..)
                .take_while(|&(&b, pos)| is_leading_filler(b, pos))
                .count();
            bytes = &bytes[filler..];
            at += filler as u64;
            match bytes.first() {
                None => return,
                Some(b'{' | b'[') => {
                    self.phase = Phase::Json(Box::default());
                }
                // Not JSON: no notice, nothing was followed.
                Some(_) => {
                    self.phase = Phase::Dormant;
                    return;
                }
            }
        }
        if let Phase::Json(doc) = &mut self.phase {
            doc.run(bytes, at, out);
            if doc.lex == Lex::Dormant {
                self.phase = Phase::Dormant;
            }
        }
    }

    fn finish(&mut self, end: u64, out: &mut Output) {
        if let Phase::Json(doc) = &mut self.phase {
            doc.finish(end, out);
            if doc.lex == Lex::Dormant {
                self.phase = Phase::Dormant;
            }
        }
    }

    fn role(&self, after: &[u8]) -> FieldRole {
        match &self.phase {
            Phase::Json(doc) => doc.role(after),
            _ => FieldRole::None,
        }
    }

    fn is_dormant(&self) -> bool {
        matches!(self.phase, Phase::Dormant)
    }

    fn stop_following(&mut self) {
        self.phase = Phase::Dormant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::STRUCTURE_LOOKAHEAD;

    /// A FHIR Patient with an NHS identifier, a name, a birth date and an
    /// address.
    const PATIENT: &str = r#"{
  "resourceType": "Patient",
  "id": "example",
  "identifier": [
    {
      "system": "https://fhir.nhs.uk/Id/nhs-number",
      "value": "9434765919"
    }
  ],
  "name": [
    { "use": "official", "family": "Smith", "given": ["Jane", "Ann"] },
    { "text": "Jane Smith" }
  ],
  "birthDate": "1970-01-01",
  "address": [ { "postalCode": "LS1 4AP" } ]
}"#;

    /// A Bundle of two Patients (one with `resourceType` last) and a
    /// Practitioner, whose names are not patients'.
    const BUNDLE: &str = r#"{"resourceType": "Bundle", "type": "collection",
 "entry": [
  {"resource": {"resourceType": "Patient", "name": [{"family": "Ames"}]}},
  {"resource": {"name": [{"given": ["Bo"]}], "resourceType": "Patient"}},
  {"resource": {"resourceType": "Practitioner",
                "name": [{"family": "Doctor"}]}},
  {"resource": {"name": [{"family": "Nobody"}]}}
 ]}"#;

    /// A JSON API body: an array of orders.
    const ORDERS: &str = r#"[{"orderId": "6699684728", "timestamp": 7237345273,
  "isbn": "7913008261", "meetingId": 6333077658, "total": 12.50e0,
  "paid": true, "note": null, "tags": [], "meta": {}}]"#;

    /// JSON Lines, with escapes and numbers of every shape.
    const LINES: &str = "{\"a\": \"x\\\"y\\\\z\\u00e9\\/\", \"n\": -0.5E+3}\n\
                         {\"b\": [0, -1, 2e5, 3.25, false, null]}\n";

    /// An identifier whose `system` comes after its `value`, and a Coding.
    const VALUE_FIRST: &str = r#"{"identifier": [{"value": "9434765919",
 "system": "https://example.org/visit-number"}],
 "code": {"coding": [{"code": "22298006", "system": "http://snomed.info/sct"}]}}"#;

    const VALID: [&str; 5] = [PATIENT, BUNDLE, ORDERS, LINES, VALUE_FIRST];

    /// Feeds `doc` in pieces ending at `cuts` (increasing), then the rest,
    /// then finishes.
    fn feed(doc: &[u8], cuts: &[usize]) -> Output {
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        for &cut in cuts.iter().chain([&doc.len()]) {
            t.advance(doc, 0, cut as u64, &mut out);
        }
        t.finish(doc.len() as u64, &mut out);
        out
    }

    /// The tracker's role at offset `at` with the bytes from `at` on as
    /// its look-ahead, after reaching `at` in pieces ending at `cuts`.
    fn role_after(doc: &[u8], cuts: &[usize], at: usize) -> FieldRole {
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        for &cut in cuts.iter().filter(|&&c| c < at).chain([&at]) {
            t.advance(doc, 0, cut as u64, &mut out);
        }
        let end = (at + STRUCTURE_LOOKAHEAD).min(doc.len());
        t.role(&doc[at..end])
    }

    /// The role of a candidate `digits` (its first occurrence in `doc`).
    fn role_of(doc: &str, digits: &str) -> FieldRole {
        let at = doc.find(digits).expect("digits in the document");
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        t.advance(doc.as_bytes(), 0, at as u64, &mut out);
        let from = at + digits.len();
        let end = (from + STRUCTURE_LOOKAHEAD).min(doc.len());
        t.role(&doc.as_bytes()[from..end])
    }

    /// A small deterministic generator for split points.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Some split points in `0..=len`, increasing.
    fn random_cuts(len: usize, seed: u64) -> Vec<usize> {
        let mut state = seed;
        let mut cuts: Vec<usize> = (0..(len / 7).max(1))
            .map(|_| (splitmix(&mut state) % (len as u64 + 1)) as usize)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// The person names found: value, start, end.
    fn names(out: &Output) -> Vec<(&str, u64, u64)> {
        out.findings
            .iter()
            .filter(|f| f.kind == Kind::PersonName)
            .map(|f| (f.value(), f.start, f.end))
            .collect()
    }

    /// The records found: start, end (all FHIR).
    fn records(out: &Output) -> Vec<(u64, u64)> {
        out.findings
            .iter()
            .filter(|f| f.kind == Kind::ClinicalRecord)
            .inspect(|f| assert_eq!(f.format, Some(RecordFormat::Fhir)))
            .map(|f| (f.start, f.end))
            .collect()
    }

    /// The limits the notices name.
    fn limits(out: &Output) -> Vec<&str> {
        out.notices.iter().map(|n| n.limit).collect()
    }

    /// Asserts that chunking `doc` any way gives the same output as one
    /// piece, and the same role at every offset.
    fn assert_chunking_invariant(doc: &[u8]) {
        let whole = feed(doc, &[]);
        let bytewise: Vec<usize> = (0..doc.len()).collect();
        let one = feed(doc, &bytewise);
        assert_eq!(whole.findings, one.findings);
        assert_eq!(whole.notices, one.notices);
        for seed in 0..4 {
            let cuts = random_cuts(doc.len(), seed);
            let out = feed(doc, &cuts);
            assert_eq!(whole.findings, out.findings, "cuts {cuts:?}");
            assert_eq!(whole.notices, out.notices, "cuts {cuts:?}");
        }
        // One tracker stepped a byte at a time answers at every offset as a
        // fresh tracker brought there in random pieces does.
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        let cuts = random_cuts(doc.len(), 99);
        for at in 0..=doc.len() {
            t.advance(doc, 0, at as u64, &mut out);
            let end = (at + STRUCTURE_LOOKAHEAD).min(doc.len());
            let role = t.role(&doc[at..end]);
            assert_eq!(role, role_after(doc, &cuts, at), "offset {at}");
        }
    }

    #[test]
    fn valid_documents_give_the_same_answers_however_chunked() {
        for doc in VALID {
            assert_chunking_invariant(doc.as_bytes());
            assert!(feed(doc.as_bytes(), &[]).notices.is_empty(), "{doc}");
        }
    }

    #[test]
    fn a_patient_is_a_record_with_its_names() {
        let out = feed(PATIENT.as_bytes(), &[]);
        assert_eq!(records(&out), vec![(0, PATIENT.len() as u64)]);
        let span = |s: &str| {
            let at = PATIENT.find(&format!("\"{s}\"")).unwrap() as u64 + 1;
            (at, at + s.len() as u64)
        };
        let want: Vec<(&str, u64, u64)> =
            ["Smith", "Jane", "Ann", "Jane Smith"]
                .into_iter()
                .map(|s| (s, span(s).0, span(s).1))
                .collect();
        assert_eq!(names(&out), want);
        assert!(out
            .findings
            .iter()
            .all(|f| f.kind != Kind::PersonName
                || f.confidence == Confidence::High));
        // The record comes at the `}`, after the names.
        assert_eq!(out.findings.last().unwrap().kind, Kind::ClinicalRecord);
    }

    #[test]
    fn a_bundle_has_a_record_per_patient_and_only_patients_names() {
        let out = feed(BUNDLE.as_bytes(), &[]);
        let records = records(&out);
        assert_eq!(records.len(), 2);
        for (start, end) in records {
            let text = &BUNDLE[start as usize..end as usize];
            assert!(text.starts_with('{') && text.ends_with('}'));
            assert!(text.contains("\"Patient\""));
        }
        let got: Vec<&str> = names(&out).iter().map(|n| n.0).collect();
        assert_eq!(got, ["Ames", "Bo"]);
    }

    #[test]
    fn names_wait_for_the_resource_type() {
        let doc =
            r#"{"name": [{"given": ["Bo"]}], "resourceType": "Patient"}"#;
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        let rt = doc.find("\"resourceType").unwrap();
        t.advance(doc.as_bytes(), 0, rt as u64, &mut out);
        assert!(out.findings.is_empty(), "held until the type is known");
        let known = doc.find("Patient\"").unwrap() + "Patient\"".len();
        t.advance(doc.as_bytes(), 0, known as u64, &mut out);
        assert_eq!(names(&out), [("Bo", 22, 24)]);
        t.advance(doc.as_bytes(), 0, doc.len() as u64, &mut out);
        assert_eq!(records(&out), [(0, doc.len() as u64)]);
        // No resource type, or another: nothing.
        for doc in [
            r#"{"name": {"family": "X"}}"#,
            r#"{"name": {"family": "X"}, "resourceType": "Person"}"#,
            r#"{"resourceType": "Person", "name": {"family": "X"}}"#,
            r#"{"resourceType": "Patient", "contact": [{"name": {"family":
                "Kin"}}], "name": "not a HumanName", "text": "Narrative"}"#,
        ] {
            let out = feed(doc.as_bytes(), &[]);
            assert!(names(&out).is_empty(), "{doc}");
        }
    }

    #[test]
    fn empty_and_long_names_are_not_reported() {
        let long = "x".repeat(crate::structure::MAX_FIELD_VALUE_LEN + 1);
        let doc = format!(
            r#"{{"resourceType": "Patient", "name": [{{"family": "",
            "given": ["  ", "{long}", "Al\u00e9"]}}]}}"#
        );
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(
            names(&out).iter().map(|n| n.0).collect::<Vec<_>>(),
            ["Al\\u00e9"],
            "as written, escapes and all"
        );
    }

    #[test]
    fn keys_give_their_roles() {
        use FieldRole::*;
        let doc = r#"{"nhsNumber": "9434765919", "orderId": "6699684728",
            "timestamp": 7237345273, "isbn": "7913008261",
            "meetingId": -6333077658, "birthDate": "1970-01-01",
            "dob": "1970-02-01", "postalCode": "LS1 4AP",
            "chi": ["3009564449"], "note": "2810445230",
            "lastName": "3653249260", "value": 3796625401}"#;
        let cases = [
            ("9434765919", Identifier { chi: false }),
            ("6699684728", Other),
            ("7237345273", Other),
            ("7913008261", Other),
            ("6333077658", Other),
            ("1970-01-01", BirthDate),
            ("1970-02-01", BirthDate),
            ("LS1 4AP", Address),
            ("3009564449", Identifier { chi: true }),
            ("2810445230", None),
            ("3653249260", None),
            ("3796625401", None),
        ];
        for (digits, want) in cases {
            assert_eq!(role_of(doc, digits), want, "{digits}");
        }
        // In a key, between values, at the top level: nothing.
        let doc = r#"{"nhs 9434765919": 1} [9434765919]"#;
        assert_eq!(role_of(doc, "9434765919"), None);
        assert_eq!(role_of(r#"[{"nhs":1}, 9434765919]"#, "9434"), None);
    }

    #[test]
    fn identifier_systems_decide_the_value() {
        use FieldRole::*;
        let systems = [
            ("https://fhir.nhs.uk/Id/nhs-number", Identifier { chi: false }),
            ("https://fhir.nhs.scot/Id/chi-number", Identifier { chi: true }),
            ("https://example.scot/Id/chi", Identifier { chi: true }),
            ("https://example.org/children-visit", Other),
            (
                "https://fhir.hscni.net/Id/hsc-number",
                Identifier { chi: false },
            ),
            ("urn:health-and-care", Identifier { chi: false }),
            ("https://example.org/visit-number", Other),
            ("http://hospital.example/mrn", Other),
            ("phone", Other),
        ];
        for (system, want) in systems {
            let before = format!(
                r#"{{"identifier": [{{"system": "{system}",
                "value": "9434765919"}}]}}"#
            );
            let after = format!(
                r#"{{"identifier": [{{"value": "9434765919", "period":
                {{"system": "x"}}, "system": "{system}"}}]}}"#
            );
            let number = format!(
                r#"{{"identifier": [{{"value": 9434765919,
                "system": "{system}"}}]}}"#
            );
            assert_eq!(role_of(&before, "9434765919"), want, "{before}");
            assert_eq!(role_of(&after, "9434765919"), want, "{after}");
            assert_eq!(role_of(&number, "9434765919"), want, "{number}");
        }
        // No system known, or one after the object's end or beyond the
        // look-ahead: no role.
        let none = [
            r#"{"value": "9434765919"}"#,
            r#"{"identifier": [{"value": "9434765919"},
                {"system": "https://fhir.nhs.uk/Id/nhs-number"}]}"#,
            r#"{"value": "9434765919", "system": ["nhs-number"]}"#,
            r#"{"value": "9434765919", "system": "https://fhir.nhs.uk/Id/nhs-number-which-is-a-very-long-system-cut-short-by-the-lookahead"}"#,
            r#"{"value": "9434765919 \" nhs-number \"", "x": 1,
                                                   "system": "nhs-number"}"#,
        ];
        for doc in none {
            assert_eq!(role_of(doc, "9434765919"), None, "{doc}");
        }
        // A system too long to keep is known but unusable.
        let long = "h".repeat(crate::structure::MAX_FIELD_VALUE_LEN + 1);
        let doc = format!(
            r#"{{"system": "nhs-number{long}", "value": "9434765919"}}"#
        );
        assert_eq!(role_of(&doc, "9434765919"), None);
    }

    #[test]
    fn codings_with_snomed_or_icd10_systems_are_clinical_codes() {
        let sct = "http://snomed.info/sct";
        let icd = "http://hl7.org/fhir/sid/icd-10";
        for (system, want) in [
            (sct, FieldRole::ClinicalCode),
            (icd, FieldRole::ClinicalCode),
            ("http://loinc.org", FieldRole::None),
        ] {
            let before =
                format!(r#"{{"system": "{system}", "code": "2229800611"}}"#);
            let after =
                format!(r#"{{"code": "2229800611", "system": "{system}"}}"#);
            assert_eq!(role_of(&before, "2229800611"), want);
            assert_eq!(role_of(&after, "2229800611"), want);
        }
        assert_eq!(role_of(VALUE_FIRST, "22298006"), FieldRole::ClinicalCode);
        assert_eq!(role_of(VALUE_FIRST, "9434765919"), FieldRole::Other);
    }

    #[test]
    fn keys_past_the_length_limit_are_unknown() {
        let fits = format!("{}nhs", "x".repeat(MAX_JSON_KEY_LEN - 3));
        let long = format!("{}nhs", "x".repeat(MAX_JSON_KEY_LEN - 2));
        let doc = |k: &str| format!(r#"{{"{k}": "9434765919"}}"#);
        assert_eq!(
            role_of(&doc(&fits), "9434765919"),
            FieldRole::Identifier { chi: false }
        );
        assert_eq!(role_of(&doc(&long), "9434765919"), FieldRole::None);
        // Still followed.
        assert!(feed(doc(&long).as_bytes(), &[]).notices.is_empty());
    }

    #[test]
    fn other_inputs_leave_it_dormant_without_a_notice() {
        for doc in [
            "hello {\"nhs\": 1}",
            "9434765919",
            "[INFO] started",
            "[2024-01-01 10:00] ok",
            "{nhs: 1}",
            "",
            " \n\t",
        ] {
            let mut t = JsonTracker::default();
            let mut out = Output::default();
            t.advance(doc.as_bytes(), 0, doc.len() as u64, &mut out);
            let quiet = t.is_dormant() || doc.trim().is_empty();
            assert!(quiet, "{doc:?}");
            if !t.is_dormant() {
                t.finish(doc.len() as u64, &mut out);
            }
            assert!(out.notices.is_empty() && out.findings.is_empty());
        }
        // A byte-order mark and leading whitespace are allowed.
        let doc = "\u{FEFF}\n {\"resourceType\": \"Patient\"}";
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(records(&out), [(5, doc.len() as u64)]);
    }

    #[test]
    fn malformed_json_stops_with_a_notice_and_keeps_what_was_found() {
        let patient = r#"{"resourceType": "Patient", "name": {"text": "A"}}"#;
        for bad in [
            "x",
            "}",
            "]",
            ",",
            "{\"a\": 1,}",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\": 01}",
            "{\"a\": -}",
            "{\"a\": 1.}",
            "{\"a\": 1e}",
            "{\"a\": tru}",
            "{\"a\": nul1}",
            "{\"a\": \"\\x\"}",
            "{\"a\": \"\\u12g4\"}",
            "{\"a\": \"line\nbreak\"}",
            "{\"a\": [1}",
            "{\"a\": {]}",
            "[\"a\" \"b\"]",
        ] {
            let doc = format!("{patient}\n{bad}");
            let out = feed(doc.as_bytes(), &[]);
            assert_eq!(limits(&out), ["malformed"], "{doc}");
            assert_eq!(records(&out).len(), 1, "{doc}");
            assert_eq!(names(&out).len(), 1, "{doc}");
            assert_chunking_invariant(doc.as_bytes());
        }
        // A stray byte inside a Patient: its record is not reported.
        let doc = r#"{"resourceType": "Patient", "id": 1 x}"#;
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(limits(&out), ["malformed"]);
        assert!(records(&out).is_empty());
    }

    #[test]
    fn truncated_documents_report_open_patients_to_the_end() {
        for doc in VALID {
            let doc = doc.as_bytes();
            for len in 0..doc.len() {
                let cut = &doc[..len];
                let out = feed(cut, &[]);
                let bytewise: Vec<usize> = (0..len).collect();
                let one = feed(cut, &bytewise);
                assert_eq!(out.findings, one.findings);
                assert_eq!(out.notices, one.notices);
                assert!(out.notices.len() <= 1);
                for (start, end) in records(&out) {
                    assert!(start < end && end <= len as u64);
                }
            }
        }
        let doc = r#"[{"resourceType": "Patient", "name": [{"family": "Al"#;
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(limits(&out), ["malformed"]);
        assert_eq!(out.notices[0].offset, doc.len() as u64);
        assert_eq!(records(&out), [(1, doc.len() as u64)]);
        assert!(names(&out).is_empty(), "the name never ended");
        // Whitespace after the last token is not part of the record.
        let doc = "[{\"resourceType\": \"Patient\" \n\n";
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(records(&out), [(1, doc.len() as u64 - 3)]);
        // Cut before the resource type: nothing.
        let doc = r#"{"name": [{"family": "Al"}], "resourceTy"#;
        let out = feed(doc.as_bytes(), &[]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn garbage_never_panics_and_chunks_agree() {
        let mut state = 7;
        for round in 0..200 {
            let len = (splitmix(&mut state) % 200) as usize;
            let alphabet = b"{}[]\":,\\u0123456789.eE+-tfnrl aP \n\x00\xff";
            let mut doc: Vec<u8> = (0..len)
                .map(|_| {
                    let i = splitmix(&mut state) as usize % alphabet.len();
                    alphabet[i]
                })
                .collect();
            if round % 2 == 0 {
                doc.insert(0, b'{');
            }
            assert_chunking_invariant(&doc);
        }
    }

    #[test]
    fn nesting_past_the_limit_stops_with_a_notice() {
        let fits = format!(
            "{}{}",
            "[".repeat(MAX_NESTING_DEPTH),
            "]".repeat(MAX_NESTING_DEPTH)
        );
        assert!(feed(fits.as_bytes(), &[]).notices.is_empty());
        let deep =
            format!("{}\"9434765919\"", "[".repeat(MAX_NESTING_DEPTH + 1));
        let mut t = JsonTracker::default();
        let mut out = Output::default();
        t.advance(deep.as_bytes(), 0, deep.len() as u64, &mut out);
        assert!(t.is_dormant());
        assert_eq!(limits(&out), ["MAX_NESTING_DEPTH"]);
        assert_eq!(out.notices[0].offset, MAX_NESTING_DEPTH as u64);
        assert_chunking_invariant(deep.as_bytes());
    }

    #[test]
    fn too_many_names_before_the_resource_type_stop_with_a_notice() {
        let doc = |n: usize| {
            let given = vec!["\"G\""; n].join(", ");
            format!(
                r#"{{"name": [{{"given": [{given}]}}],
                "resourceType": "Patient"}}"#
            )
        };
        let out = feed(doc(MAX_PENDING_NAMES).as_bytes(), &[]);
        assert_eq!(names(&out).len(), MAX_PENDING_NAMES);
        assert!(out.notices.is_empty());
        let out = feed(doc(MAX_PENDING_NAMES + 1).as_bytes(), &[]);
        assert_eq!(limits(&out), ["MAX_PENDING_NAMES"]);
        assert!(out.findings.is_empty());
        assert_chunking_invariant(doc(MAX_PENDING_NAMES + 1).as_bytes());
    }

    #[test]
    fn json_lines_are_followed_value_after_value() {
        let doc = "{\"resourceType\": \"Patient\"}\n\
                   {\"resourceType\": \"Patient\", \"nhsNumber\": \"9434765919\"}\n";
        let out = feed(doc.as_bytes(), &[]);
        assert_eq!(records(&out).len(), 2);
        assert!(out.notices.is_empty());
        assert_eq!(
            role_of(doc, "9434765919"),
            FieldRole::Identifier { chi: false }
        );
        let out = feed(LINES.as_bytes(), &[]);
        assert!(out.notices.is_empty() && out.findings.is_empty());
    }
}
