//! The one error type of `wt`: a kind that decides the exit code, a one-line message, optional
//! detail lines (git's own words, a config excerpt), hints that name the next command to run,
//! and the cause it came from (`source`). Rendering happens in `ui`, never here.

use std::fmt;
use std::sync::Arc;

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
    /// Reading or writing a file or directory failed (wt's own records, the queue file).
    Io,
    /// A bug in wt: a state its own code should never reach.
    Internal,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Refused => 1,
            Kind::Usage => 2,
            Kind::Git => 3,
            Kind::Conflict => 4,
            Kind::Busy => 5,
            // why: SPEC section 3 has one code for "an operation failed, state as before or as
            // the message says"; a failed write or a bug is that, not bad usage.
            Kind::Io | Kind::Internal => 3,
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
    /// The error this one was made from, shown as `caused by:` lines.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            details: Vec::new(),
            hints: Vec::new(),
            source: None,
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
    /// A file operation failed: `message` says which file and what wt was doing.
    pub fn io(message: impl Into<String>, cause: std::io::Error) -> Self {
        Self::new(Kind::Io, message).caused_by(cause)
    }
    /// A state wt's own code should never reach; the message asks for a bug report.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            Kind::Internal,
            format!("internal error: {}", message.into()),
        )
        .hint("this is a bug in wt; please report it with the command you ran")
    }
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(cause));
        self
    }
    /// The chain of causes, outermost first.
    pub fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|e| e as _);
        while let Some(e) = next {
            out.push(e.to_string());
            next = e.source();
        }
        out
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(format!("I/O error: {e}"), e)
    }
}
