//! Errors that point at a byte of a config file: `lanes.toml:12:9`, the line itself, a caret
//! under the column, and a fix.

use crate::error::Error;
use std::ops::Range;
use std::path::Path;

pub struct Source<'a> {
    pub label: String,
    pub text: &'a str,
}

impl<'a> Source<'a> {
    pub fn new(path: &Path, text: &'a str) -> Source<'a> {
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Source { label, text }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// A usage error at `span`: `lanes.toml:7:1: message`, the source line, a caret, and a fix.
    pub fn error(&self, span: Option<Range<usize>>, message: &str, fix: &str) -> Error {
        let Some(span) = span else {
            return Error::usage(format!("{}: {message}", self.label)).hint(fix.to_string());
        };
        let (line, col) = self.line_col(span.start);
        let text = printable(self.text.lines().nth(line - 1).unwrap_or(""));
        let caret = format!("{}^", " ".repeat(col.saturating_sub(1)));
        Error::usage(format!("{}:{line}:{col}: {message}", self.label))
            .detail(format!("{line:>4} | {text}"))
            .detail(format!("     | {caret}"))
            .hint(fix.to_string())
    }
}

/// A source line safe to print: control characters (a hostile file may hold terminal escape
/// sequences) are shown escaped, not sent to the terminal.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => " ".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_columns_from_one() {
        let s = Source {
            label: "x".into(),
            text: "ab\ncd\n",
        };
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (2, 2));
    }
}
