//! A queue problem located in the file: the line, the column, a printable excerpt with a caret,
//! and the one-line fix. Shared by parsing and editing.

use crate::error::Error;

/// Wider source lines are cropped around the error in [`QueueError::source_line`].
pub(crate) const EXCERPT_CHARS: usize = 120;

/// A queue file that cannot be used as it is, located at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct QueueError {
    pub file: String,
    pub line: usize,
    /// Counted in characters.
    pub column: usize,
    pub message: String,
    /// One line telling the user what to change.
    pub fix: String,
    /// The offending line, safe to print: control characters escaped, long lines cropped.
    pub source_line: String,
    /// 1-based character position of the error within `source_line`.
    pub caret: usize,
}

impl From<QueueError> for Error {
    fn from(e: QueueError) -> Self {
        let gutter = format!("{} | ", e.line);
        let pad = " ".repeat(gutter.len() + e.caret.saturating_sub(1));
        Error::usage(e.to_string())
            .detail(format!("{gutter}{}", e.source_line))
            .detail(format!("{pad}^"))
            .hint(e.fix)
    }
}

pub(crate) fn located(
    file: &str,
    text: &str,
    line: usize,
    column: usize,
    message: String,
    fix: &str,
) -> QueueError {
    let (source_line, caret) = excerpt(text, column);
    QueueError {
        file: file.to_string(),
        line,
        column,
        message,
        fix: fix.to_string(),
        source_line,
        caret,
    }
}

/// A printable window of `text` around `column`, and the column's place in it.
pub(crate) fn excerpt(text: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    let start = column
        .saturating_sub(EXCERPT_CHARS / 2)
        .min(chars.len().saturating_sub(EXCERPT_CHARS));
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    let mut caret = column - start;
    if start > 0 {
        out.push('…');
        caret += 1;
    }
    for (i, &c) in chars[start..end].iter().enumerate() {
        push_printable(&mut out, c);
        if start + i + 1 < column {
            caret += printable_width(c) - 1;
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    (out, caret)
}

fn push_printable(out: &mut String, c: char) {
    match c {
        '\t' => out.push(' '),
        c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
            out.extend(c.escape_unicode())
        }
        c => out.push(c),
    }
}

fn printable_width(c: char) -> usize {
    let mut s = String::new();
    push_printable(&mut s, c);
    s.chars().count()
}

/// A value from the file, quoted for a message: control characters escaped, long ones cut.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::from("`");
    for (i, c) in s.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        push_printable(&mut out, c);
    }
    out.push('`');
    out
}
