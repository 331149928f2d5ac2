//! A strict reader for the plain subset of YAML that queue files are written in: block mappings
//! and sequences indented with spaces, one-line scalars (plain, 'single', "double"), one-line
//! flow lists of scalars, comments, an optional leading `---`. It exists because the full
//! parser reads about 7 MB/s, too slow for a 5,000-task queue within the 50 ms budget.
//!
//! It never reports an error: at the first byte it is not certain about it returns `None`,
//! and the caller uses the full parser, which then either accepts the file or names the fault.
//! Whatever it does accept must build exactly the tree the full parser builds (tested).

use std::borrow::Cow;

use super::yaml::{Kind, Node, Style};

/// The tree and the byte offset where each line starts (the reader visits every line once,
/// so it collects them for error and task line numbers at no extra pass).
pub(crate) fn tree(src: &str) -> Option<(Node<'_>, Vec<usize>)> {
    read(src, None)
}

/// Like [`tree`], but hands each item of the top-level `tasks` block sequence to `sink` (with
/// its 1-based line) instead of keeping it, so a large queue is never held twice in memory.
/// The returned tree's `tasks` sequence is then empty. `sink` returns false to give up.
pub(crate) fn stream<'a>(
    src: &'a str,
    sink: &mut dyn FnMut(Node<'a>, usize) -> bool,
) -> Option<Node<'a>> {
    read(src, Some(sink)).map(|(root, _)| root)
}

/// The item of a block sequence whose first key starts at byte `at` (`- id: ...`), read alone
/// exactly as [`stream`] read it within the whole file: an item ends where its indentation
/// does, so nothing before its line or after it takes part. `None` when `at` is not such a key.
pub(crate) fn item_at(src: &str, at: usize) -> Option<Node<'_>> {
    let line_start = src.as_bytes()[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let mut r = Reader {
        src,
        b: src.as_bytes(),
        pos: line_start,
        peeked: None,
        bail: false,
        // why: a document marker after the item must end the read, as it would mid-file.
        seen_content: true,
        line_starts: Vec::new(),
        sink: None,
        stream_next_seq: false,
    };
    let l = r.peek()?;
    if l.content >= at || !is_dash(r.b, l) {
        return None;
    }
    r.consume();
    let item = r.seq_item(l)?;
    (item.span.start == at && !r.bail).then_some(item)
}

fn read<'a, 's>(
    src: &'a str,
    sink: Option<&'s mut dyn FnMut(Node<'a>, usize) -> bool>,
) -> Option<(Node<'a>, Vec<usize>)> {
    if !plain_bytes(src.as_bytes()) {
        return None;
    }
    let mut r = Reader {
        src,
        b: src.as_bytes(),
        pos: 0,
        peeked: None,
        bail: false,
        seen_content: false,
        line_starts: Vec::with_capacity(src.len() / 24 + 1),
        sink,
        stream_next_seq: false,
    };
    r.line_starts.push(0);
    let first = r.peek()?;
    if first.indent != 0 {
        return None;
    }
    let root = r.block_map(0)?;
    (r.peek().is_none() && !r.bail).then_some((root, r.line_starts))
}

/// Tabs, control characters, lone CRs, a byte-order mark and the non-characters YAML forbids
/// all send the file to the full parser, which knows their exact rules.
fn plain_bytes(b: &[u8]) -> bool {
    // why: whole chunks of printable ASCII are checked without branches (the compiler
    // vectorizes the fold); only chunks holding anything else take the exact path.
    b.chunks(64).enumerate().all(|(n, chunk)| {
        let ascii = chunk.iter().fold(true, |ok, &c| {
            ok & ((b' '..=b'~').contains(&c) | (c == b'\n'))
        });
        ascii || exact_bytes(b, n * 64, n * 64 + chunk.len())
    })
}

fn exact_bytes(b: &[u8], start: usize, end: usize) -> bool {
    (start..end).all(|i| match b[i] {
        b'\n' | b' '..=b'~' => true,
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        0xC2 => !b.get(i + 1).is_some_and(|c| (0x80..=0x9F).contains(c)),
        0xEF => !matches!(
            b.get(i + 1..i + 3),
            Some([0xBB, 0xBF] | [0xBF, 0xBE] | [0xBF, 0xBF])
        ),
        0x80..=0xFF => true,
        _ => false,
    })
}

#[derive(Debug, Clone, Copy)]
struct Line {
    indent: usize,
    /// First byte after the indentation.
    content: usize,
    /// End of the line, before `\r\n` or `\n`.
    end: usize,
    /// Start of the following line.
    next: usize,
}

struct Reader<'a, 's> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    peeked: Option<Line>,
    /// Set when a document marker shows up where this reader does not handle one.
    bail: bool,
    seen_content: bool,
    line_starts: Vec<usize>,
    sink: Option<&'s mut dyn FnMut(Node<'a>, usize) -> bool>,
    /// Set while reading the value of the top-level `tasks` key, when streaming.
    stream_next_seq: bool,
}

impl<'a> Reader<'a, '_> {
    /// The next line holding content, skipping blank and comment-only lines.
    fn peek(&mut self) -> Option<Line> {
        if self.peeked.is_none() {
            self.peeked = self.scan_line();
        }
        self.peeked
    }

    fn consume(&mut self) {
        if let Some(l) = self.peeked.take() {
            self.pos = l.next;
        }
    }

    fn scan_line(&mut self) -> Option<Line> {
        while self.pos < self.b.len() && !self.bail {
            let line = self.raw_line(self.pos);
            if line.content == line.end || self.b[line.content] == b'#' {
                self.pos = line.next;
                continue;
            }
            if line.indent == 0 && self.is_marker(line) {
                self.document_marker(line);
                continue;
            }
            self.seen_content = true;
            return Some(line);
        }
        None
    }

    fn raw_line(&mut self, start: usize) -> Line {
        let nl = find_newline(self.b, start);
        let next = nl.map_or(self.b.len(), |i| i + 1);
        if nl.is_some() {
            self.line_starts.push(next);
        }
        let mut end = nl.unwrap_or(self.b.len());
        if end > start && self.b[end - 1] == b'\r' {
            end -= 1;
        }
        let indent = self.b[start..end]
            .iter()
            .take_while(|&&c| c == b' ')
            .count();
        Line {
            indent,
            content: start + indent,
            end,
            next,
        }
    }

    fn is_marker(&self, l: Line) -> bool {
        let text = &self.b[l.content..l.end];
        let dashes_or_dots = text.starts_with(b"---") || text.starts_with(b"...");
        text[0] == b'%' || (dashes_or_dots && (text.len() == 3 || text[3] == b' '))
    }

    /// Only a bare `---` before any content is accepted; anything else is the full parser's job.
    fn document_marker(&mut self, l: Line) {
        let text = &self.b[l.content..l.end];
        let rest = trim_spaces(text.get(3..).unwrap_or_default());
        let bare_start = text.starts_with(b"---") && (rest.is_empty() || rest[0] == b'#');
        if self.seen_content || !bare_start {
            self.bail = true;
        }
        self.pos = l.next;
    }

    fn block_map(&mut self, indent: usize) -> Option<Node<'a>> {
        let first = self.peek()?;
        let mut entries = Vec::with_capacity(16);
        self.stream_next_seq = false;
        self.consume();
        entries.push(self.entry(first, first.content, indent)?);
        self.more_entries(indent, &mut entries)?;
        Some(map_node(entries))
    }

    fn more_entries(
        &mut self,
        indent: usize,
        entries: &mut Vec<(Node<'a>, Node<'a>)>,
    ) -> Option<()> {
        while let Some(l) = self.peek() {
            if l.indent < indent || (l.indent == indent && is_dash(self.b, l)) {
                break;
            }
            if l.indent > indent {
                return None;
            }
            self.consume();
            entries.push(self.entry(l, l.content, indent)?);
        }
        Some(())
    }

    /// One `key: value` starting at `at`; a value on later lines is read here too.
    fn entry(&mut self, l: Line, at: usize, indent: usize) -> Option<(Node<'a>, Node<'a>)> {
        let colon = self.key_end(at, l.end)?;
        let key = Node {
            span: at..colon,
            kind: Kind::Scalar(Cow::Borrowed(&self.src[at..colon]), Style::Plain),
        };
        let rest = skip_spaces(self.b, colon + 1, l.end);
        let value = if rest == l.end || self.b[rest] == b'#' {
            self.stream_next_seq =
                self.sink.is_some() && indent == 0 && &self.src[at..colon] == "tasks";
            let value = self.nested_value(indent, colon);
            self.stream_next_seq = false;
            value?
        } else {
            self.inline_value(rest, l.end)?
        };
        Some((key, value))
    }

    /// Where a plain key ends (at its `:`), if `at` starts one.
    fn key_end(&self, at: usize, end: usize) -> Option<usize> {
        let b = self.b;
        if !(b[at].is_ascii_alphanumeric() || b[at] == b'_') {
            return None;
        }
        // why: keys are read once per line; a table lookup per byte beats four comparisons.
        let run = b[at..end].iter().position(|&c| !KEY_BYTE[usize::from(c)]);
        let i = run.map_or(end, |n| at + n);
        let spaced = i + 1 == end || b.get(i + 1) == Some(&b' ');
        (i < end && b[i] == b':' && spaced).then_some(i)
    }

    /// The value of a `key:` with nothing after it on its line: a deeper block, a sequence at
    /// the key's own indentation (YAML allows that for sequences only), or null.
    fn nested_value(&mut self, indent: usize, colon: usize) -> Option<Node<'a>> {
        let empty = Node {
            span: colon..colon,
            kind: Kind::Scalar(Cow::Borrowed("~"), Style::Plain),
        };
        let Some(l) = self.peek() else {
            return Some(empty);
        };
        let dash = is_dash(self.b, l);
        if l.indent > indent {
            return if dash {
                self.block_seq(l.indent)
            } else {
                self.block_map(l.indent)
            };
        }
        if l.indent == indent && dash {
            return self.block_seq(indent);
        }
        Some(empty)
    }

    fn block_seq(&mut self, indent: usize) -> Option<Node<'a>> {
        let streaming = std::mem::take(&mut self.stream_next_seq);
        let mut items = Vec::new();
        let mut span: Option<std::ops::Range<usize>> = None;
        while let Some(l) = self.peek() {
            if l.indent < indent || (l.indent == indent && !is_dash(self.b, l)) {
                break;
            }
            if l.indent > indent {
                return None;
            }
            self.consume();
            let item = self.seq_item(l)?;
            let start = span.as_ref().map_or(item.span.start, |s| s.start);
            span = Some(start..item.span.end);
            if streaming {
                self.give(item)?;
            } else {
                items.push(item);
            }
        }
        Some(Node {
            span: span?,
            kind: Kind::Seq(items, false),
        })
    }

    fn give(&mut self, item: Node<'a>) -> Option<()> {
        let line = self.line_starts.partition_point(|&s| s <= item.span.start);
        let sink = self.sink.as_mut()?;
        sink(item, line).then_some(())
    }

    fn seq_item(&mut self, l: Line) -> Option<Node<'a>> {
        let at = skip_spaces(self.b, l.content + 1, l.end);
        if at == l.end
            || self.b[at] == b'#'
            || (self.b[at] == b'-' && is_dash_at(self.b, at, l.end))
        {
            return None;
        }
        if self.key_end(at, l.end).is_none() {
            return self.inline_value(at, l.end);
        }
        let indent = at - (l.content - l.indent);
        let mut entries = Vec::with_capacity(16);
        entries.push(self.entry(l, at, indent)?);
        self.more_entries(indent, &mut entries)?;
        Some(map_node(entries))
    }

    /// A value that sits on the key's line. Anything but a plain, quoted or flow-list scalar
    /// (anchors, tags, block scalars, flow mappings) is left to the full parser.
    fn inline_value(&mut self, at: usize, end: usize) -> Option<Node<'a>> {
        let (node, after) = match self.b[at] {
            b'[' => self.flow_seq(at, end)?,
            b'"' => double_quoted(self.src, at, end)?,
            b'\'' => single_quoted(self.src, at, end)?,
            b'{' | b'|' | b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}'
            | b'?' | b':' => return None,
            b'-' if is_dash_at(self.b, at, end) => return None,
            _ => return self.plain(at, end),
        };
        let rest = skip_spaces(self.b, after, end);
        let clean = rest == end || (self.b[rest] == b'#' && rest > after);
        clean.then_some(node)
    }

    fn plain(&self, at: usize, end: usize) -> Option<Node<'a>> {
        let b = self.b;
        let mut stop = end;
        // why: most values hold neither `#` nor `:`; one scan finds the first, and only from
        // there are the bytes looked at again.
        let first = b[at..end]
            .iter()
            .position(|&c| c == b'#' || c == b':')
            .map_or(end, |n| at + n);
        for i in first..end {
            if b[i] == b'#' && i > at && b[i - 1] == b' ' {
                stop = i;
                break;
            }
            if b[i] == b':' && (i + 1 == end || b[i + 1] == b' ') {
                return None;
            }
        }
        let text = self.src[at..stop].trim_end_matches(' ');
        let span = at..at + text.len();
        Some(Node {
            span,
            kind: Kind::Scalar(Cow::Borrowed(text), Style::Plain),
        })
    }

    fn flow_seq(&self, open: usize, end: usize) -> Option<(Node<'a>, usize)> {
        let mut items = Vec::new();
        let mut i = skip_spaces(self.b, open + 1, end);
        if i < end && self.b[i] == b']' {
            return Some((
                Node {
                    span: open..i + 1,
                    kind: Kind::Seq(items, true),
                },
                i + 1,
            ));
        }
        loop {
            let (item, after) = self.flow_item(i, end)?;
            items.push(item);
            i = skip_spaces(self.b, after, end);
            match self.b.get(i) {
                Some(b',') if i < end => i = skip_spaces(self.b, i + 1, end),
                Some(b']') if i < end => {
                    return Some((
                        Node {
                            span: open..i + 1,
                            kind: Kind::Seq(items, true),
                        },
                        i + 1,
                    ))
                }
                _ => return None,
            }
        }
    }

    fn flow_item(&self, at: usize, end: usize) -> Option<(Node<'a>, usize)> {
        let b = self.b;
        match b.get(at).filter(|_| at < end)? {
            b'"' => return double_quoted(self.src, at, end),
            b'\'' => return single_quoted(self.src, at, end),
            c if b"[]{},#&*!|>%@`?:".contains(c) => return None,
            b'-' if is_dash_at(b, at, end) => return None,
            _ => {}
        }
        let mut i = at;
        while i < end && !matches!(b[i], b',' | b']') {
            if matches!(b[i], b'[' | b'{' | b'}' | b'#' | b':') {
                return None;
            }
            i += 1;
        }
        let text = self.src[at..i].trim_end_matches(' ');
        let span = at..at + text.len();
        Some((
            Node {
                span: span.clone(),
                kind: Kind::Scalar(Cow::Borrowed(text), Style::Plain),
            },
            span.end,
        ))
    }
}

/// Bytes a plain key may hold after its first: `[A-Za-z0-9_.-]`.
static KEY_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
        c += 1;
    }
    t
};

fn map_node<'a>(entries: Vec<(Node<'a>, Node<'a>)>) -> Node<'a> {
    let start = entries.first().map_or(0, |(k, _)| k.span.start);
    let end = entries
        .last()
        .map_or(0, |(k, v)| k.span.end.max(v.span.end));
    Node {
        span: start..end,
        kind: Kind::Map(entries, false),
    }
}

/// The next `\n` at or after `start`, tested eight bytes at a time: finding line ends is the
/// reader's single largest cost.
fn find_newline(b: &[u8], start: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = start;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        // why: the classic zero-byte test; its lowest flagged byte is always a true match.
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == b'\n').map(|p| i + p)
}

fn is_dash(b: &[u8], l: Line) -> bool {
    is_dash_at(b, l.content, l.end)
}

/// A `-` that starts a sequence entry rather than a scalar like `-1`.
fn is_dash_at(b: &[u8], at: usize, end: usize) -> bool {
    b[at] == b'-' && (at + 1 == end || b[at + 1] == b' ')
}

fn skip_spaces(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && b[i] == b' ' {
        i += 1;
    }
    i
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    let start = b.iter().take_while(|&&c| c == b' ').count();
    &b[start..]
}

fn single_quoted(src: &str, open: usize, end: usize) -> Option<(Node<'_>, usize)> {
    let b = src.as_bytes();
    let mut i = open + 1;
    let mut owned: Option<String> = None;
    let mut chunk = i;
    loop {
        let q = i + b[i..end].iter().position(|&c| c == b'\'')?;
        if b.get(q + 1) == Some(&b'\'') && q + 1 < end {
            owned
                .get_or_insert_with(String::new)
                .push_str(&src[chunk..=q]);
            i = q + 2;
            chunk = i;
            continue;
        }
        let value = match owned {
            Some(mut s) => {
                s.push_str(&src[chunk..q]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&src[open + 1..q]),
        };
        return Some((
            Node {
                span: open..q + 1,
                kind: Kind::Scalar(value, Style::Single),
            },
            q + 1,
        ));
    }
}

fn double_quoted(src: &str, open: usize, end: usize) -> Option<(Node<'_>, usize)> {
    let b = src.as_bytes();
    let mut i = open + 1;
    let mut owned: Option<String> = None;
    let mut chunk = i;
    while i < end {
        match b[i] {
            b'"' => {
                let value = match owned {
                    Some(mut s) => {
                        s.push_str(&src[chunk..i]);
                        Cow::Owned(s)
                    }
                    None => Cow::Borrowed(&src[open + 1..i]),
                };
                return Some((
                    Node {
                        span: open..i + 1,
                        kind: Kind::Scalar(value, Style::Double),
                    },
                    i + 1,
                ));
            }
            b'\\' => {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&src[chunk..i]);
                i = unescape(src, i + 1, end, s)?;
                chunk = i;
            }
            _ => i += 1,
        }
    }
    None
}

/// Appends the character an escape stands for; returns the index after the escape.
fn unescape(src: &str, at: usize, end: usize, out: &mut String) -> Option<usize> {
    let b = src.as_bytes();
    let c = *b.get(at).filter(|_| at < end)?;
    let simple = match c {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0B',
        b'f' => '\x0C',
        b'r' => '\r',
        b'e' => '\x1B',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{A0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex_escape(src, at + 1, 2, end, out),
        b'u' => return hex_escape(src, at + 1, 4, end, out),
        b'U' => return hex_escape(src, at + 1, 8, end, out),
        _ => return None,
    };
    out.push(simple);
    Some(at + 1)
}

fn hex_escape(src: &str, at: usize, digits: usize, end: usize, out: &mut String) -> Option<usize> {
    let hex = src.get(at..at + digits).filter(|_| at + digits <= end)?;
    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    // why: surrogate halves are legal JSON-style escapes but need pairing; leave them to the
    // full parser rather than decode them here.
    out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
    Some(at + digits)
}

#[cfg(test)]
mod tests {
    use super::super::yaml::{full_tree, LineIndex};
    use super::*;

    /// Whatever the fast reader accepts must equal what the full parser builds, spans included.
    fn same_as_full(src: &str) -> bool {
        let fast = tree(src);
        if let Some((f, starts)) = &fast {
            let full = full_tree(src)
                .unwrap_or_else(|e| panic!("fast accepted what full refuses: {src:?}: {e:?}"));
            assert_eq!(f, &full, "trees differ for {src:?}");
            assert_eq!(
                starts,
                LineIndex::new(src).starts(),
                "line starts differ for {src:?}"
            );
        }
        fast.is_some()
    }

    /// Each task item read alone from its first key is the node the whole-file read gave.
    #[test]
    fn an_item_read_alone_is_the_item_read_in_place() {
        let docs: [&'static str; 3] = [
            "version: 1\ntasks:\n  - id: A\n    title: x\n  - id: B\n    depends_on:\n      - A\n    notes: n # c\n\n  # gap\n  - id: C\nafter: 1\n",
            "tasks:\n- id: A\n  acceptance_checks: [a, b]\n- id: B\n  x:\n    - 1\n",
            "tasks:\r\n  -   id: A\r\n      title: wide\r\n  - id: B\r\n",
        ];
        for src in docs {
            let mut items: Vec<Node<'_>> = Vec::new();
            let mut sink = |node: Node<'static>, _line: usize| {
                items.push(node);
                true
            };
            stream(src, &mut sink);
            assert!(items.len() >= 2, "{src:?}");
            for item in &items {
                assert_eq!(
                    item_at(src, item.span.start).as_ref(),
                    Some(item),
                    "{src:?}"
                );
            }
            assert!(
                item_at(src, items[0].span.start + 1).is_none(),
                "not a key start"
            );
            assert!(item_at(src, 0).is_none(), "not an item");
        }
        let marker = "tasks:\n  - id: A\n---\nx: 1\n";
        assert!(item_at(marker, marker.find("id").unwrap()).is_none());
    }

    #[test]
    fn accepts_the_common_subset_exactly_as_the_full_parser() {
        let accepted = [
            "version: 1\ntasks:\n  - id: A\n    title: x\n",
            "---\nversion: 1 # c\ntasks: []\n",
            "# head\n\nversion: 1\ntasks:\n- id: A\n  depends_on: [a, \"b\", 'c''d']\n  owner:\n  x: ~\n",
            "a:\r\n  - id: B\r\n    status: todo   # trailing\r\n\r\n    # inner\r\n    notes: \"q\\\"\\u00e9\\x41\\n\"\r\n",
            "a:\n  b:\n    - x\n    - y # c\n  c: plain text, with [brackets] and a#hash\n",
            "a:\n- x\n- y\nb: -1\nc: 'it''s'\nd: []\ne: [ ]\nf: [a , b ]\n",
            "id: é ü\nnotes: \"tab\\there\"\n",
            "tasks:\n  -   id: A\n      title: t\n  - status: todo\n    id: B\n",
            "a: x\n",
            "a:\n",
            "a: x\n\n\n",
            "a: x",
            "a:\n  - x",
        ];
        for src in accepted {
            assert!(same_as_full(src), "fast reader refused {src:?}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        let refused = [
            "a: |\n  text\n",
            "a: &x 1\n",
            "a: *x\n",
            "a: !!str 1\n",
            "a: {b: 1}\n",
            "a:\tb\n",
            "\u{FEFF}a: 1\n",
            "a: x\n---\nb: 1\n",
            "a: b: c\n",
            "a: b:\n",
            "a: multi\n  line\n",
            "a: \"multi\n  line\"\n",
            "a: [x,\n  y]\n",
            "a: [x, [y]]\n",
            "a: [x,]\n",
            "a: [x: y]\n",
            "- a\n",
            "  a: 1\n",
            "a:\n  -\n    b: 1\n",
            "a:\n  - - x\n",
            "? a\n: b\n",
            "\"a\": 1\n",
            "a b: 1\n",
            "a:b\n",
            "a: 1\n  b: 2\n",
            "a: \"x\"y\n",
            "a: \"\\q\"\n",
            "a: 'x'#c\n",
            "a: x\r\rb: y\n",
            "a: \u{85}\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "",
            "# only a comment\n",
            "a:\n  b: 1\n c: 2\n",
        ];
        for src in refused {
            assert!(!same_as_full(src), "fast reader accepted {src:?}");
        }
    }

    #[test]
    fn find_newline_matches_a_plain_search() {
        let text = b"0123456789\nabcdefgh\n\n\x8a\x0b\n0123456789abcdefghij";
        for start in 0..text.len() {
            let want = text[start..]
                .iter()
                .position(|&c| c == b'\n')
                .map(|p| start + p);
            assert_eq!(find_newline(text, start), want, "from {start}");
        }
    }

    #[test]
    fn generated_documents_match_the_full_parser() {
        let values = [
            "x",
            "\"a b\"",
            "'q'",
            "[a, b]",
            "[]",
            "-3",
            "~",
            "a#b",
            "\"\\u00e9\"",
            "é",
        ];
        let mut n_accepted = 0;
        for (i, v) in values.iter().enumerate() {
            for w in values {
                let src = format!("version: 1\ntasks:\n  - id: T{i}\n    a: {v}   # c\n    b:\n    c: {w}\n  - c: {w}\n");
                n_accepted += usize::from(same_as_full(&src));
                let crlf = src.replace('\n', "\r\n");
                n_accepted += usize::from(same_as_full(&crlf));
            }
        }
        assert_eq!(n_accepted, 2 * values.len() * values.len());
    }
}
