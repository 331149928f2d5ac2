//! The only module that touches git: in-process reads through `git2` (refs, worktree list,
//! ahead/behind), and the `git` binary (`run`) for anything that changes a working tree, moves a
//! ref people watch, fires hooks or talks to a remote. Never prints.

pub mod conflict;
pub mod diff;
pub mod lanes;
pub mod ops;
pub mod queue;
pub mod repo;
pub mod reviews;
pub mod run;
pub mod status;
pub mod unpushed;
pub mod worktrees;

pub use repo::{BaseRef, RepoInfo};
pub use run::{git, GitError};
pub use status::{Dirty, Operation};
pub use worktrees::WorktreeEntry;

pub use git2::{Error as ReadError, Oid, Repository};

/// How many hex digits of a commit id people are shown: git's own default abbreviation.
pub const SHORT_SHA: usize = 7;

/// A commit id as people read it (`1a2b3c4`); shorter input is kept whole.
pub fn short_sha(sha: &str) -> String {
    sha.get(..SHORT_SHA).unwrap_or(sha).to_string()
}

/// The short form of `oid`, for messages.
pub fn short(oid: Oid) -> String {
    short_sha(&oid.to_string())
}

/// The id git gives `bytes` as a blob (`git hash-object`): a digest that is the same in every
/// version of wt and of Rust, and that a person can check with git.
pub fn blob_id(bytes: &[u8]) -> String {
    Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_default()
}
