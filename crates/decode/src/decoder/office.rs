//! The text of Office Open XML (docx, xlsx, pptx) and OpenDocument (odt,
//! ods, odp) entries, instead of their XML: a number split across two
//! runs of a paragraph (`<w:t>943 476 </w:t>…<w:t>5919</w:t>`) is one
//! number again, and paragraphs, rows and cells do not run together.
//!
//! Extraction streams: `quick-xml` pulls one event (a tag, or a run of
//! text) at a time from the inflating entry through a small buffer, and
//! text goes out in pieces. What it holds is bounded: one event at most
//! [`MAX_XML_EVENT`] bytes, the pending text at most a piece, and the
//! nesting as counters, not a stack.

use std::io::{self, BufReader, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use super::Output;

/// Longest single XML event (a tag with its attributes, or a run of
/// text between tags) read from an entry. A paragraph or cell is far
/// smaller; a longer event is a hostile or broken entry, whose parse
/// would otherwise hold it whole in memory.
pub(crate) const MAX_XML_EVENT: usize = 4 << 20;

/// Inflated XML bytes judged against at least this much archive (the
/// same floor as the layer's expansion ratio): a small document may
/// compress very well.
pub(crate) const XML_RATIO_FLOOR: u64 = 64 * 1024;

/// Text handed on at a time.
const PIECE: usize = 64 * 1024;

/// Which family of formats an archive belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Office Open XML: it has `[Content_Types].xml`.
    Ooxml,
    /// OpenDocument: it has `content.xml` and `META-INF/manifest.xml`.
    Odf,
}

impl Dialect {
    /// Whether the entry at `path` holds document text to extract (other
    /// entries are handed on as they are).
    pub(crate) fn extracts(self, path: &str) -> bool {
        /// `path` is `dir` + one more segment ending in `.xml`.
        fn xml_in(path: &str, dir: &str) -> bool {
            path.strip_prefix(dir).is_some_and(|rest| {
                !rest.contains('/') && rest.ends_with(".xml")
            })
        }
        match self {
            // Word: the body, headers, footers, notes and comments;
            // Excel: shared strings, sheets and comments; PowerPoint:
            // slides, notes and comments.
            Dialect::Ooxml => {
                xml_in(path, "word/")
                    || path == "xl/sharedStrings.xml"
                    || xml_in(path, "xl/worksheets/")
                    || (xml_in(path, "xl/") && path.starts_with("xl/comments"))
                    || xml_in(path, "ppt/slides/")
                    || xml_in(path, "ppt/notesSlides/")
                    || xml_in(path, "ppt/comments/")
            }
            // The body, and the master pages' headers and footers.
            Dialect::Odf => path == "content.xml" || path == "styles.xml",
        }
    }
}

/// Why an entry's text stopped.
#[derive(Debug)]
pub(crate) enum EntryError {
    /// The output refused more.
    Stopped,
    /// The archive's XML inflated past its budget: stop the archive.
    Bomb(String),
    /// This entry is broken (bad XML, a bad deflate stream, an event over
    /// [`MAX_XML_EVENT`]); other entries may be fine.
    Bad(String),
}

/// The entry as `quick-xml` reads it: counts bytes since the last event
/// and against the archive's budget, and fails past either bound.
struct Guard<R> {
    inner: R,
    /// Bytes read since the last event was returned.
    since_event: usize,
    /// Inflated bytes the archive may still read.
    budget: u64,
    /// The budget ran out (as opposed to any other read error).
    bomb: bool,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.since_event = self.since_event.saturating_add(n);
        if self.since_event > MAX_XML_EVENT {
            return Err(io::Error::other(format!(
                "an XML tag or text run over {} MiB (MAX_XML_EVENT)",
                MAX_XML_EVENT >> 20
            )));
        }
        match self.budget.checked_sub(n as u64) {
            Some(left) => self.budget = left,
            None => {
                self.bomb = true;
                return Err(io::Error::other("budget"));
            }
        }
        Ok(n)
    }
}

/// What elements mean to the text, by local name (prefixes vary).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Its text is document text (`w:t`, `a:t`, `v`).
    Text,
    /// Its text is document text, and it ends a paragraph (`text:p`).
    TextLine,
    /// A cell value that is an index into the shared strings: skipped.
    SharedIndex,
    /// Ends a paragraph, row or string item: a line break after it.
    Line,
    /// Ends a cell: a tab after it.
    Cell,
    /// Stands for a tab (`w:tab`, `text:tab`).
    Tab,
    /// Stands for a line break (`w:br`, `text:line-break`).
    Break,
    /// Stands for spaces (`text:s`).
    Space,
    /// Nothing to the text.
    Other,
}

/// The text state of one entry.
struct Text<'o> {
    dialect: Dialect,
    out: &'o mut dyn Output,
    pending: Vec<u8>,
    /// Depth inside elements whose text is document text.
    in_text: u32,
    /// Depth inside skipped values.
    in_skip: u32,
    /// The current spreadsheet cell holds a shared-string index.
    shared_cell: bool,
}

impl Text<'_> {
    fn role(&self, local: &[u8]) -> Role {
        match (self.dialect, local) {
            (Dialect::Ooxml, b"t" | b"delText") => Role::Text,
            (Dialect::Ooxml, b"v") if self.shared_cell => Role::SharedIndex,
            (Dialect::Ooxml, b"v") => Role::Text,
            (Dialect::Ooxml, b"p" | b"tr" | b"row" | b"si") => Role::Line,
            (Dialect::Ooxml, b"tc" | b"c") => Role::Cell,
            (Dialect::Ooxml, b"tab") => Role::Tab,
            (Dialect::Ooxml, b"br" | b"cr") => Role::Break,
            (Dialect::Odf, b"p" | b"h") => Role::TextLine,
            (Dialect::Odf, b"table-row") => Role::Line,
            (Dialect::Odf, b"table-cell" | b"covered-table-cell") => {
                Role::Cell
            }
            (Dialect::Odf, b"tab") => Role::Tab,
            (Dialect::Odf, b"line-break") => Role::Break,
            (Dialect::Odf, b"s") => Role::Space,
            _ => Role::Other,
        }
    }

    fn text(&mut self, bytes: &[u8]) -> Result<(), EntryError> {
        if self.in_text > 0 && self.in_skip == 0 {
            self.push(bytes)?;
        }
        Ok(())
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), EntryError> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PIECE {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), EntryError> {
        if !self.pending.is_empty() {
            if !self.out.data(&self.pending) {
                return Err(EntryError::Stopped);
            }
            self.pending.clear();
        }
        Ok(())
    }

    /// A start tag (`empty`: one that is also its end).
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), EntryError> {
        let local = e.local_name();
        if self.dialect == Dialect::Ooxml && local.as_ref() == b"c" {
            // `<c t="s">`: the value is an index into the shared strings.
            self.shared_cell = matches!(
                e.try_get_attribute("t"),
                Ok(Some(a)) if a.value.as_ref() == b"s"
            );
        }
        match self.role(local.as_ref()) {
            Role::Text | Role::TextLine if !empty => {
                self.in_text = self.in_text.saturating_add(1);
            }
            Role::SharedIndex if !empty => {
                self.in_skip = self.in_skip.saturating_add(1);
            }
            Role::Tab => self.push(b"\t")?,
            Role::Break => self.push(b"\n")?,
            Role::Space => self.push(b" ")?,
            Role::Line | Role::Cell if empty => self.end(local.as_ref())?,
            Role::TextLine if empty => self.push(b"\n")?,
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, local: &[u8]) -> Result<(), EntryError> {
        match self.role(local) {
            Role::Text => self.in_text = self.in_text.saturating_sub(1),
            Role::TextLine => {
                self.in_text = self.in_text.saturating_sub(1);
                self.push(b"\n")?;
            }
            Role::SharedIndex => self.in_skip = self.in_skip.saturating_sub(1),
            Role::Line => self.push(b"\n")?,
            Role::Cell => {
                if local == b"c" {
                    self.shared_cell = false;
                }
                self.push(b"\t")?;
            }
            _ => {}
        }
        Ok(())
    }

    /// An entity or character reference inside text.
    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), EntryError> {
        if self.in_text == 0 || self.in_skip > 0 {
            return Ok(());
        }
        let ch = match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c),
            Ok(None) => match &**r {
                b"lt" => Some('<'),
                b"gt" => Some('>'),
                b"amp" => Some('&'),
                b"quot" => Some('"'),
                b"apos" => Some('\''),
                _ => None,
            },
            Err(_) => None,
        };
        match ch {
            Some(c) => {
                let mut utf8 = [0u8; 4];
                self.push(c.encode_utf8(&mut utf8).as_bytes())
            }
            // Not resolvable: kept as written.
            None => {
                self.push(b"&")?;
                self.push(r)?;
                self.push(b";")
            }
        }
    }
}

/// Hands on the text of an entry's XML. `budget` is the inflated XML
/// the archive may still read, and is reduced by what this entry read.
pub(crate) fn extract(
    entry: &mut impl Read,
    dialect: Dialect,
    out: &mut dyn Output,
    budget: &mut u64,
) -> Result<(), EntryError> {
    let guard =
        Guard { inner: entry, since_event: 0, budget: *budget, bomb: false };
    let mut reader = Reader::from_reader(BufReader::new(guard));
    let config = reader.config_mut();
    // Lenient: a broken tag structure still has text worth scanning.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut text = Text {
        dialect,
        out,
        pending: Vec::new(),
        in_text: 0,
        in_skip: 0,
        shared_cell: false,
    };
    let mut buf = Vec::new();
    let result = loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        reader.get_mut().get_mut().since_event = 0;
        let step = match event {
            Ok(Event::Eof) => break Ok(()),
            Ok(Event::Start(e)) => text.start(&e, false),
            Ok(Event::Empty(e)) => text.start(&e, true),
            Ok(Event::End(e)) => text.end(e.local_name().as_ref()),
            Ok(Event::Text(t)) => text.text(&t),
            Ok(Event::CData(t)) => text.text(&t),
            Ok(Event::GeneralRef(r)) => text.reference(&r),
            Ok(_) => Ok(()),
            Err(e) => {
                let guard = reader.get_mut().get_mut();
                break Err(if guard.bomb {
                    EntryError::Bomb(format!(
                        "Office XML in this archive inflated to more than \
                         {}× the archive (a decompression bomb?); decoding \
                         stopped",
                        crate::DEFAULT_MAX_EXPANSION_RATIO
                    ))
                } else {
                    EntryError::Bad(format!(
                        "bad XML at byte {}: {e}",
                        reader.buffer_position()
                    ))
                });
            }
        };
        if let Err(e) = step {
            break Err(e);
        }
    };
    *budget = reader.get_mut().get_mut().budget;
    // What was extracted before an error is handed on too.
    match (result, text.flush()) {
        (Err(e), _) => Err(e),
        (Ok(()), flushed) => flushed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Grab(Vec<u8>);

    impl Output for Grab {
        fn data(&mut self, bytes: &[u8]) -> bool {
            self.0.extend_from_slice(bytes);
            true
        }

        fn part(&mut self, _: &str, _: bool) -> bool {
            true
        }
    }

    fn text_of(xml: &str, dialect: Dialect) -> String {
        let mut out = Grab(Vec::new());
        let mut budget = 1 << 20;
        extract(&mut xml.as_bytes(), dialect, &mut out, &mut budget).unwrap();
        String::from_utf8(out.0).unwrap()
    }

    #[test]
    fn word_runs_join_paragraphs_break() {
        let xml = r#"<w:document xmlns:w="w"><w:body>
            <w:p><w:r><w:t xml:space="preserve">943 476 </w:t></w:r>
                 <w:r><w:t>5919</w:t></w:r></w:p>
            <w:p><w:r><w:t>A &amp; B&#x20;&lt;x&gt;</w:t><w:tab/><w:t>c</w:t></w:r></w:p>
            </w:body></w:document>"#;
        assert_eq!(
            text_of(xml, Dialect::Ooxml),
            "943 476 5919\nA & B <x>\tc\n"
        );
    }

    #[test]
    fn sheet_cells_and_rows() {
        let xml = r#"<worksheet><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>9434765919</v></c></row>
            <row r="2"><c t="inlineStr"><is><t>Jo</t></is></c><c/></row>
            </sheetData></worksheet>"#;
        assert_eq!(text_of(xml, Dialect::Ooxml), "\t9434765919\t\nJo\t\t\n");
    }

    #[test]
    fn odf_paragraphs_and_spaces() {
        let xml = r#"<office:document-content><office:body><office:text>
            <text:p>NHS <text:span>943</text:span><text:s/>476<text:tab/>5919</text:p>
            <text:h>Title</text:h></office:text></office:body></office:document-content>"#;
        assert_eq!(text_of(xml, Dialect::Odf), "NHS 943 476\t5919\nTitle\n");
    }

    #[test]
    fn entry_paths() {
        assert!(Dialect::Ooxml.extracts("word/document.xml"));
        assert!(Dialect::Ooxml.extracts("word/header1.xml"));
        assert!(!Dialect::Ooxml.extracts("word/_rels/document.xml.rels"));
        assert!(!Dialect::Ooxml.extracts("word/theme/theme1.xml"));
        assert!(Dialect::Ooxml.extracts("xl/worksheets/sheet1.xml"));
        assert!(Dialect::Ooxml.extracts("xl/comments1.xml"));
        assert!(!Dialect::Ooxml.extracts("xl/styles.xml"));
        assert!(Dialect::Ooxml.extracts("ppt/slides/slide3.xml"));
        assert!(Dialect::Odf.extracts("content.xml"));
        assert!(!Dialect::Odf.extracts("meta.xml"));
    }

    #[test]
    fn huge_events_and_budgets_stop() {
        let big = format!(
            "<a><t>{}</t></a>",
            "9".repeat(MAX_XML_EVENT + (64 << 10))
        );
        let mut out = Grab(Vec::new());
        let mut budget = u64::MAX;
        let e = extract(
            &mut big.as_bytes(),
            Dialect::Ooxml,
            &mut out,
            &mut budget,
        );
        assert!(
            matches!(e, Err(EntryError::Bad(ref m)) if m.contains("MAX_XML_EVENT")),
            "{e:?}"
        );
        let mut budget = 1000;
        let xml = "<a/>".repeat(1000);
        let e = extract(
            &mut xml.as_bytes(),
            Dialect::Ooxml,
            &mut out,
            &mut budget,
        );
        assert!(matches!(e, Err(EntryError::Bomb(_))), "{e:?}");
    }
}
