//! A located YAML tree: every node knows the bytes it was read from, so parse errors can name a
//! line and edits can replace exactly one value. Two builders produce it: `fast` for the plain
//! subset nearly every queue file is written in, and [`full_tree`] (granit-parser events) for
//! everything else. Both must produce the same tree for the same input; tests compare them.

use std::borrow::Cow;
use std::ops::Range;

use serde_saphyr::granit_parser::{self, Event, Parser, ScalarStyle};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node<'a> {
    /// Scalars: the token, quotes included (block scalars: their text, trailing blanks
    /// trimmed; empty values: an empty range at the `:`). Flow collections: bracket to bracket.
    /// Block collections: first entry's first byte (a sequence's first item, not its dash) to
    /// the last byte of content.
    pub span: Range<usize>,
    pub kind: Kind<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    Scalar(Cow<'a, str>, Style),
    Seq(Vec<Node<'a>>, bool),
    Map(Vec<(Node<'a>, Node<'a>)>, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Single,
    Double,
    /// `|` or `>`: edits replace them from the `:` on, since their span starts at the text.
    Block,
}

/// A syntax error at a byte offset, with the parser's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    /// When the parser reported a position itself (1-based line, 1-based column).
    pub line_col: Option<(usize, usize)>,
    pub message: String,
    pub fix: &'static str,
}

/// Deeper than any queue needs (root, tasks, task, list, item); more is refused rather than
/// walked, so a hostile file cannot make the builder recurse without bound.
const MAX_DEPTH: usize = 8;

impl<'a> Node<'a> {
    pub fn as_scalar(&self) -> Option<(&str, Style)> {
        match &self.kind {
            Kind::Scalar(v, s) => Some((v, *s)),
            _ => None,
        }
    }

    /// A plain `null`, `~` or nothing, per the YAML 1.2 core schema.
    pub fn is_null(&self) -> bool {
        matches!(
            self.as_scalar(),
            Some(("" | "~" | "null" | "Null" | "NULL", Style::Plain))
        )
    }

    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(..) if self.is_null() => "null",
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(..) => "a list",
            Kind::Map(..) => "a mapping",
        }
    }

    pub fn get(&self, key: &str) -> Option<&(Node<'a>, Node<'a>)> {
        match &self.kind {
            Kind::Map(entries, _) => entries
                .iter()
                .find(|(k, _)| k.as_scalar().map(|s| s.0) == Some(key)),
            _ => None,
        }
    }
}

/// Builds the tree with the full YAML parser. Anchors, aliases and tags are refused: a queue
/// never needs them, and refusing aliases outright makes alias bombs impossible rather than
/// merely bounded.
pub(crate) fn full_tree(src: &str) -> Result<Node<'_>, SyntaxError> {
    let opts = granit_parser::options! {
        emit_comments: false,
        flow_nesting_limit: 2 * MAX_DEPTH,
        block_nesting_limit: 2 * MAX_DEPTH,
    };
    let mut b = Builder {
        events: Parser::new_from_str_with_options(src, opts),
        src,
    };
    b.document()
}

struct Builder<'a> {
    events: Parser<'a, granit_parser::StrInput<'a>>,
    src: &'a str,
}

type Spanned<'a> = (Event<'a>, granit_parser::Span);

impl<'a> Builder<'a> {
    /// The next event; comments are not emitted (`emit_comments: false`).
    fn next(&mut self) -> Result<Spanned<'a>, SyntaxError> {
        match self.events.next() {
            None => Err(self.error(self.src.len(), "unexpected end of the file")),
            Some(Err(e)) => Err(scan_error(&e)),
            Some(Ok(ev)) => Ok(ev),
        }
    }

    fn error(&self, offset: usize, message: &str) -> SyntaxError {
        SyntaxError {
            offset,
            line_col: None,
            message: message.to_string(),
            fix: FIX_SYNTAX,
        }
    }

    fn document(&mut self) -> Result<Node<'a>, SyntaxError> {
        let _stream_start = self.next()?;
        let (ev, span) = self.next()?;
        if !matches!(ev, Event::DocumentStart(..)) {
            let mut e = self.error(start(&span), "the file holds no YAML document");
            e.fix = FIX_EMPTY;
            return Err(e);
        }
        let (ev, span) = self.next()?;
        let root = self.node(ev, span, 0)?;
        let _document_end = self.next()?;
        match self.next()? {
            (Event::StreamEnd, _) => Ok(root),
            (_, span) => {
                let mut e = self.error(start(&span), "the file holds more than one YAML document");
                e.fix =
                    "keep one document: remove the second `---` and what follows, or merge the two";
                Err(e)
            }
        }
    }

    fn node(
        &mut self,
        ev: Event<'a>,
        span: granit_parser::Span,
        depth: usize,
    ) -> Result<Node<'a>, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.refuse(
                &span,
                "the YAML is nested too deeply for a queue file",
                FIX_SHAPE,
            ));
        }
        if ev.anchor_id().unwrap_or(0) != 0 || ev.is_alias() {
            return Err(self.refuse(
                &span,
                "anchors and aliases (`&name`, `*name`) are not allowed in the queue file",
                FIX_ALIAS,
            ));
        }
        if ev.tag().is_some() {
            return Err(self.refuse(
                &span,
                "YAML tags (`!name`, `!!type`) are not allowed in the queue file",
                FIX_TAG,
            ));
        }
        match ev {
            Event::Scalar(value, style, ..) => Ok(self.scalar(value, style, &span)),
            Event::SequenceStart(style, ..) => self.seq(&span, is_flow(style), depth),
            Event::MappingStart(style, ..) => self.map(&span, is_flow(style), depth),
            _ => Err(self.error(start(&span), "unexpected YAML structure")),
        }
    }

    fn refuse(&self, span: &granit_parser::Span, message: &str, fix: &'static str) -> SyntaxError {
        let offset = span
            .tag_start
            .and_then(|m| m.byte_offset())
            .unwrap_or(start(span));
        SyntaxError {
            offset,
            line_col: None,
            message: message.to_string(),
            fix,
        }
    }

    fn scalar(
        &self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        span: &granit_parser::Span,
    ) -> Node<'a> {
        let range = span.byte_range().unwrap_or(0..0);
        let (style, range) = match style {
            ScalarStyle::SingleQuoted => (Style::Single, range),
            ScalarStyle::DoubleQuoted => (Style::Double, range),
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let text = &self.src[range.clone()];
                (
                    Style::Block,
                    range.start..range.start + text.trim_end().len(),
                )
            }
            _ => (Style::Plain, range),
        };
        Node {
            span: range,
            kind: Kind::Scalar(value, style),
        }
    }

    fn seq(
        &mut self,
        open: &granit_parser::Span,
        flow: bool,
        depth: usize,
    ) -> Result<Node<'a>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::SequenceEnd) {
                let span = collection_span(
                    flow,
                    open,
                    &span,
                    items.first().map(|n: &Node| n.span.start),
                    items.last().map(|n| n.span.end),
                );
                return Ok(Node {
                    span,
                    kind: Kind::Seq(items, flow),
                });
            }
            items.push(self.node(ev, span, depth + 1)?);
        }
    }

    fn map(
        &mut self,
        open: &granit_parser::Span,
        flow: bool,
        depth: usize,
    ) -> Result<Node<'a>, SyntaxError> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                let first = entries.first().map(|(k, _)| k.span.start);
                let last = entries.last().map(|(k, v)| k.span.end.max(v.span.end));
                let span = collection_span(flow, open, &span, first, last);
                return Ok(Node {
                    span,
                    kind: Kind::Map(entries, flow),
                });
            }
            let key = self.node(ev, span, depth + 1)?;
            let (ev, span) = self.next()?;
            let value = self.node(ev, span, depth + 1)?;
            entries.push((key, value));
        }
    }
}

fn is_flow(style: granit_parser::StructureStyle) -> bool {
    matches!(style, granit_parser::StructureStyle::Flow)
}

fn start(span: &granit_parser::Span) -> usize {
    span.start.byte_offset().unwrap_or(0)
}

/// Flow collections run bracket to bracket. Block ones run from their first child to their last
/// content byte: the parser's own start and end events sit elsewhere (at a dash or at the next
/// token, possibly lines further on), and not consistently so.
fn collection_span(
    flow: bool,
    open: &granit_parser::Span,
    close: &granit_parser::Span,
    first_child: Option<usize>,
    last_child_end: Option<usize>,
) -> Range<usize> {
    match (flow, first_child, last_child_end) {
        (false, Some(first), Some(last)) => first..last,
        _ => start(open)..close.byte_range().map_or(0, |r| r.end),
    }
}

fn scan_error(e: &granit_parser::ScanError) -> SyntaxError {
    let m = e.marker();
    SyntaxError {
        offset: m.byte_offset().unwrap_or(0),
        line_col: Some((m.line().max(1), m.col() + 1)),
        message: format!("YAML syntax error: {}", e.info()),
        fix: FIX_SYNTAX,
    }
}

const FIX_SYNTAX: &str =
    "fix the YAML at this position: indent with spaces only, close every quote and bracket, put a space after each `:`";
const FIX_EMPTY: &str = "the queue file needs `version: 1` and a `tasks:` list";
const FIX_SHAPE: &str =
    "a task's fields hold a string, a number or a list of strings, nothing nested deeper";
const FIX_ALIAS: &str = "write the value out in full instead of using `&anchor` / `*alias`";
const FIX_TAG: &str = "remove the tag; quote the value if it must be read as a string";

/// Maps byte offsets to 1-based lines and columns (columns count characters). A line ends at
/// `\n`, `\r\n` or a lone `\r`, as in YAML.
pub(crate) struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let b = src.as_bytes();
        let mut starts = vec![0];
        for (i, &c) in b.iter().enumerate() {
            let lone_cr = c == b'\r' && b.get(i + 1) != Some(&b'\n');
            if c == b'\n' || lone_cr {
                starts.push(i + 1);
            }
        }
        LineIndex { src, starts }
    }

    /// From line starts already found by a reader that split the same text into lines.
    pub fn from_starts(src: &'a str, starts: Vec<usize>) -> Self {
        LineIndex { src, starts }
    }

    #[cfg(test)]
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let begin = self.starts[line - 1];
        let end = offset.min(self.src.len()).max(begin);
        let col = self
            .src
            .get(begin..end)
            .map_or(end - begin, |s| s.chars().count());
        (line, col + 1)
    }

    /// The text of a 1-based line without its line break ("" past the end).
    pub fn text(&self, line: usize) -> &'a str {
        self.get(line).unwrap_or_default()
    }

    pub fn get(&self, line: usize) -> Option<&'a str> {
        let begin = *self.starts.get(line.wrapping_sub(1))?;
        let end = self.starts.get(line).copied().unwrap_or(self.src.len());
        Some(self.src[begin..end].trim_end_matches(['\n', '\r']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_handles_crlf_and_lone_cr() {
        let idx = LineIndex::new("a\r\nbc\rd\né");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(4), (2, 2));
        assert_eq!(idx.line_col(6), (3, 1));
        assert_eq!(idx.text(2), "bc");
        assert_eq!(idx.text(4), "é");
        assert_eq!(idx.text(9), "");
    }

    #[test]
    fn full_tree_refuses_aliases_anchors_and_tags() {
        for src in ["a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !custom {b: 1}\n"] {
            let e = full_tree(src).unwrap_err();
            assert!(e.message.contains("not allowed"), "{src:?}: {e:?}");
        }
    }

    #[test]
    fn full_tree_spans() {
        let src = "k:\n  - a   # c\n  - \"b\"\nm: [x, 'y']\nt: |\n  text\n\n";
        let root = full_tree(src).unwrap();
        let (_, seq) = root.get("k").unwrap();
        assert_eq!(&src[seq.span.clone()], "a   # c\n  - \"b\"");
        let (_, flow) = root.get("m").unwrap();
        assert_eq!(&src[flow.span.clone()], "[x, 'y']");
        let (_, text) = root.get("t").unwrap();
        assert_eq!(&src[text.span.clone()], "text");
        assert_eq!(text.as_scalar(), Some(("text\n", Style::Block)));
    }
}
