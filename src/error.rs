//! The one error type of `wt`: a kind that decides the exit code, a one-line message, optional
//! detail lines (git's own words, a config excerpt) and hints that name the next command to run.
//! Rendering happens in `ui`, never here.

use std::fmt;

/// What went wrong, as far as the exit code is concerned (SPEC section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A check or a safety rule said no; nothing changed.
    Refused,
    /// Bad usage, config or queue file; nothing changed.
    Usage,
    /// A git or remote operation failed.
    Git,
    /// A rebase stopped on a conflict.
    Conflict,
    /// Another `wt` holds the repository lock.
    Busy,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Refused => 1,
            Kind::Usage => 2,
            Kind::Git => 3,
            Kind::Conflict => 4,
            Kind::Busy => 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    /// Lines shown indented under the message: git's stderr, a source excerpt, a list of paths.
    pub details: Vec<String>,
    /// What to do next, each shown as `hint: ...`.
    pub hints: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            details: Vec::new(),
            hints: Vec::new(),
        }
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn git(message: impl Into<String>) -> Self {
        Self::new(Kind::Git, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, message)
    }
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(Kind::Busy, message)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }
    pub fn details<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.details.extend(lines.into_iter().map(Into::into));
        self
    }
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::git(format!("I/O error: {e}"))
    }
}
