//! `wt`: one persistent worktree and branch per role lane, kept rebased, merged fast-forward only,
//! with a dependency-gated task queue.
//!
//! Layering: `commands` decide; `git`, `config`, `queue` and `policy` never print; `ui` is the only
//! code that writes to the terminal. `error` holds the one error type, rendered once by `ui`.
//! `process` is the one place child processes are started (git and check commands alike).

pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod git;
pub mod lane;
pub mod policy;
pub mod queue;
pub mod sys;
pub mod templates;
pub mod ui;
