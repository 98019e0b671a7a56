//! Zip archives (and so Office and OpenDocument files), through the `zip`
//! crate: each entry is a part named by its path (`zip:word/document.xml`).
//!
//! A zip is read from its end (the central directory lists the entries
//! and where each starts), so the layer is buffered, up to
//! [`MAX_BUFFERED_ARCHIVE`], and decoded when it ends. Entries are then
//! inflated one at a time and handed on in pieces: a bomb entry stops
//! when the output's limits say so, never after being inflated whole.
//! Office and OpenDocument text entries are handed on as their text
//! (see [`office`]), other entries as they are, except
//! images and other known binary files, which are skipped.

use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

use ::zip::result::ZipError;
use ::zip::ZipArchive;

use super::office::{self, Dialect, EntryError};
use super::{DecodeError, Decoder, Output};

/// Bytes of one archive (or PDF) held in memory to be decoded when it
/// ends. Both formats keep their index at the end, so nothing can be
/// decoded before the whole file is there. 64 MiB holds every Office
/// document and PDF a person writes by hand (a large spreadsheet is a few
/// MB compressed) while keeping a proxy's memory per upload bounded; a
/// larger archive is reported (`malformed`, "over the limit") and not
/// decoded. Decoding it as it streams, from its local headers, was
/// weighed and left out: an entry written with a data descriptor (as
/// streaming zip writers do) has no size up front, Office text
/// extraction needs an entry as a pull reader, and a push-based local
/// header parser is a second zip reader to keep hostile-input safe. (A
/// truncated archive, which is here whole, is read that way: see
/// `recover`.)
pub(crate) const MAX_BUFFERED_ARCHIVE: usize = 64 << 20;

/// Bytes the `zip` crate may read while opening an archive (finding the
/// end of the central directory, then reading the directory). The crate
/// keeps a record of a few hundred bytes for every directory entry of 46
/// bytes or more, so this bounds that memory (to some tens of MB); a real
/// directory is a few KB (tens of entries) to a few hundred KB (an
/// archive of thousands of files). A hostile archive whose directory
/// fails to parse also makes the crate search backwards for another
/// one, and this bounds that search.
const MAX_OPEN_READ: u64 = 8 << 20;

/// Bytes of decoded output handed on at a time.
const PIECE: usize = 64 * 1024;

/// Longest entry path (in characters) kept in a part label: paths are
/// for people reading a finding; a hostile 64 KB name is cut.
const MAX_LABEL_CHARS: usize = 256;

/// Entry name extensions skipped: images, fonts, media and OLE/VBA
/// binaries. Scanning them as text costs time and finds nothing (their
/// bytes are compressed or binary); an embedded document that may hold
/// text (`embeddings/*.xlsx`, a nested zip) is not in this list.
const SKIPPED_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "emf", "wmf", "wdp",
    "bin", "ttf", "otf", "odttf", "fntdata", "mp3", "mp4", "wav", "m4a",
    "avi", "mov",
];

/// Collects bytes until the input ends, refusing more than
/// [`MAX_BUFFERED_ARCHIVE`].
#[derive(Default)]
pub(crate) struct Buffered {
    buf: Vec<u8>,
}

impl Buffered {
    /// Adds `input`; past the limit, the error to return (the layer stops
    /// there: nothing of it is decoded).
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        what: &str,
    ) -> Result<(), DecodeError> {
        if self.buf.len().saturating_add(input.len()) > MAX_BUFFERED_ARCHIVE {
            self.buf = Vec::new();
            return Err(DecodeError::Malformed(format!(
                "{what} over the limit of {} MiB held to be decoded \
                 (MAX_BUFFERED_ARCHIVE); not decoded",
                MAX_BUFFERED_ARCHIVE >> 20
            )));
        }
        self.buf.extend_from_slice(input);
        Ok(())
    }

    /// The bytes, handed over once.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// A zip archive decoder.
#[derive(Default)]
pub(crate) struct Zip {
    input: Buffered,
}

impl Zip {
    /// A decoder for one archive.
    pub(crate) fn new() -> Zip {
        Zip::default()
    }
}

impl Decoder for Zip {
    fn push(
        &mut self,
        input: &[u8],
        _out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        self.input.push(input, "zip archive")
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<(), DecodeError> {
        let buf = self.input.take();
        decode(&buf, out)
    }
}

/// A reader over the buffered archive that fails once `left` is used up
/// (while opening: see [`MAX_OPEN_READ`]).
struct Budgeted<'a> {
    cursor: Cursor<&'a [u8]>,
    left: &'a Cell<u64>,
}

impl Read for Budgeted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left.get();
        if left == 0 {
            return Err(io::Error::other(format!(
                "the central directory needs more than {} MiB read \
                 (MAX_OPEN_READ)",
                MAX_OPEN_READ >> 20
            )));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.cursor.read(&mut buf[..want])?;
        self.left.set(left - n as u64);
        Ok(n)
    }
}

impl Seek for Budgeted<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.cursor.seek(pos)
    }
}

/// Problems with parts of a container (an entry, a page) that did not
/// stop the rest: the first is reported, the rest counted.
#[derive(Default)]
pub(crate) struct Problems {
    first: Option<String>,
    more: usize,
}

impl Problems {
    /// One more problem.
    pub(crate) fn add(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    /// `Malformed` with the first problem, if any.
    pub(crate) fn result(self) -> Result<(), DecodeError> {
        match self.first {
            None => Ok(()),
            Some(first) if self.more == 0 => {
                Err(DecodeError::Malformed(first))
            }
            Some(first) => Err(DecodeError::Malformed(format!(
                "{first} (and {} more problems)",
                self.more
            ))),
        }
    }
}

/// What kind of document the archive is, for text extraction.
fn dialect_of(archive: &ZipArchive<Budgeted<'_>>) -> Option<Dialect> {
    if archive.index_for_name("[Content_Types].xml").is_some() {
        Some(Dialect::Ooxml)
    } else if archive.index_for_name("content.xml").is_some()
        && archive.index_for_name("META-INF/manifest.xml").is_some()
    {
        Some(Dialect::Odf)
    } else {
        None
    }
}

/// An entry name as a part label: control characters and `>` (which
/// separates layers in a path) replaced, cut at [`MAX_LABEL_CHARS`].
fn label(name: &str) -> String {
    let mut s: String = name
        .chars()
        .take(MAX_LABEL_CHARS)
        .map(|c| if c.is_control() || c == '>' { '?' } else { c })
        .collect();
    if name.chars().nth(MAX_LABEL_CHARS).is_some() {
        s.push('…');
    }
    s
}

/// Whether an entry is skipped for its extension.
fn skipped(name: &str) -> bool {
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) if !ext.contains('/') => ext,
        _ => return false,
    };
    SKIPPED_EXTENSIONS.iter().any(|s| s.eq_ignore_ascii_case(ext))
}

/// A `zip` crate error about one entry, in words.
fn entry_error(name: &str, e: &ZipError) -> String {
    let why = match e {
        ZipError::UnsupportedArchive(m)
            if *m == ZipError::PASSWORD_REQUIRED =>
        {
            "encrypted (no password to decrypt it)".to_string()
        }
        ZipError::UnsupportedArchive(m) => {
            format!("unsupported ({})", m.to_lowercase())
        }
        e => e.to_string(),
    };
    format!("entry {}: {why}", label(name))
}

/// Decodes a whole archive: every entry in directory order, or, when
/// the central directory cannot be read (a truncated archive), the
/// entries found by reading local headers from the start.
fn decode(buf: &[u8], out: &mut dyn Output) -> Result<(), DecodeError> {
    let left = Cell::new(MAX_OPEN_READ);
    let reader = Budgeted { cursor: Cursor::new(buf), left: &left };
    let mut archive = match ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(e) => return recover(buf, &e, out),
    };
    // Entries are read without a budget: the output's limits stop them.
    left.set(u64::MAX);
    let mut entries = Entries::new(buf, dialect_of(&archive));
    for i in 0..archive.len() {
        let name = archive.name_for_index(i).unwrap_or("?").to_string();
        // The raw entry first: its header, without inflating anything.
        let (is_dir, encrypted) = match archive.by_index_raw(i) {
            Ok(f) => (f.is_dir(), f.encrypted()),
            Err(e) => {
                entries.problems.add(entry_error(&name, &e));
                continue;
            }
        };
        if is_dir || skipped(&name) {
            continue;
        }
        if encrypted {
            let e = ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED);
            entries.problems.add(entry_error(&name, &e));
            continue;
        }
        match archive.by_index(i) {
            Ok(mut file) => {
                let size = file.size();
                entries.entry(&name, size, &mut file, out)?;
            }
            Err(e) => entries.problems.add(entry_error(&name, &e)),
        }
    }
    entries.problems.result()
}

/// An archive whose central directory cannot be read (`why`): its
/// entries are read from their local headers, in order, until one cannot
/// be (the truncation, or an entry whose size is only in a data
/// descriptor after it); then the archive is reported malformed.
fn recover(
    buf: &[u8],
    why: &ZipError,
    out: &mut dyn Output,
) -> Result<(), DecodeError> {
    let mut cursor = Cursor::new(buf);
    let mut entries = Entries::new(buf, None);
    let mut read = 0usize;
    let end = loop {
        let mut file = match ::zip::read::read_zipfile_from_stream(&mut cursor)
        {
            Ok(Some(file)) => file,
            Ok(None) => break "at the central directory".to_string(),
            Err(e) => break format!("then: {e}"),
        };
        let name = file.name().to_string();
        read += 1;
        // Office and OpenDocument files start with these entries.
        if name == "[Content_Types].xml" {
            entries.dialect = Some(Dialect::Ooxml);
        } else if name == "mimetype" {
            entries.dialect = Some(Dialect::Odf);
        }
        if file.is_dir() || skipped(&name) {
            continue;
        }
        let size = file.size();
        entries.entry(&name, size, &mut file, out)?;
    };
    Err(DecodeError::Malformed(format!(
        "cannot read the central directory ({why}): truncated, or not a \
         zip archive; {read} entries read from their local headers, {end}"
    )))
}

/// What decoding an archive's entries needs.
struct Entries {
    /// The document family, for text extraction.
    dialect: Option<Dialect>,
    /// Inflated Office XML the archive may still read. Office text is
    /// handed on shorter than the XML it comes from, so the output's
    /// expansion limit cannot see an XML bomb: inflated XML is held to
    /// the default ratio here (the layer's configured limits are not
    /// visible to a decoder), with the same floor as the layer's.
    xml_budget: u64,
    problems: Problems,
    piece: Vec<u8>,
}

impl Entries {
    fn new(buf: &[u8], dialect: Option<Dialect>) -> Entries {
        Entries {
            dialect,
            xml_budget: (buf.len() as u64)
                .max(office::XML_RATIO_FLOOR)
                .saturating_mul(crate::DEFAULT_MAX_EXPANSION_RATIO),
            problems: Problems::default(),
            piece: vec![0u8; PIECE],
        }
    }

    /// One entry, as a part: its text or its bytes. A broken entry (or
    /// one whose size is not the `size` its header says) is a problem
    /// noted for later; the output's refusal or an XML bomb stops the
    /// archive.
    fn entry(
        &mut self,
        name: &str,
        size: u64,
        file: &mut impl Read,
        out: &mut dyn Output,
    ) -> Result<(), DecodeError> {
        let kind = self.dialect.filter(|d| d.extracts(name));
        if !out.part(&label(name), kind.is_some()) {
            return Err(DecodeError::Stopped);
        }
        let mut file = Counted { inner: file, n: 0 };
        let read = match kind {
            Some(d) => {
                office::extract(&mut file, d, out, &mut self.xml_budget)
            }
            None => copy(&mut file, &mut self.piece, out),
        };
        match read {
            Ok(()) if file.n != size => {
                self.problems.add(format!(
                    "entry {}: {} bytes, where the archive says {size}",
                    label(name),
                    file.n
                ));
                Ok(())
            }
            Ok(()) => Ok(()),
            Err(EntryError::Stopped) => Err(DecodeError::Stopped),
            Err(EntryError::Bomb(why)) => Err(DecodeError::Malformed(
                format!("entry {}: {why}", label(name)),
            )),
            Err(EntryError::Bad(why)) => {
                self.problems.add(format!("entry {}: {why}", label(name)));
                Ok(())
            }
        }
    }
}

/// A reader that counts what it read.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// Hands an entry on as it is, a piece at a time.
fn copy(
    file: &mut impl Read,
    piece: &mut [u8],
    out: &mut dyn Output,
) -> Result<(), EntryError> {
    loop {
        let n = match file.read(piece) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(EntryError::Bad(e.to_string())),
        };
        if !out.data(&piece[..n]) {
            return Err(EntryError::Stopped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cleaned_and_cut() {
        assert_eq!(label("xl/sharedStrings.xml"), "xl/sharedStrings.xml");
        assert_eq!(label("a>b\n"), "a?b?");
        let long = "x".repeat(1000);
        assert_eq!(label(&long).chars().count(), MAX_LABEL_CHARS + 1);
    }

    #[test]
    fn binary_extensions_are_skipped() {
        assert!(skipped("word/media/image1.PNG"));
        assert!(skipped("xl/vbaProject.bin"));
        assert!(!skipped("word/document.xml"));
        assert!(!skipped("a.png/readme"));
        assert!(!skipped("README"));
    }
}
