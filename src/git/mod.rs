//! The only module that touches git: in-process reads through `git2` (refs, worktree list,
//! ahead/behind), and the `git` binary (`run`) for anything that changes a working tree, moves a
//! ref people watch, fires hooks or talks to a remote. Never prints.

pub mod diff;
pub mod ops;
pub mod repo;
pub mod run;
pub mod status;
pub mod worktrees;

pub use repo::{BaseRef, RepoInfo};
pub use run::{git, GitError};
pub use status::{Dirty, Operation};
pub use worktrees::WorktreeEntry;
