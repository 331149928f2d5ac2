//! `wt`: one persistent worktree and branch per role lane, kept rebased, merged fast-forward only,
//! with a dependency-gated task queue.
//!
//! Layering, top to bottom (a layer uses only the ones below it; `tests/it/layering.rs` checks
//! the rules that can be checked on the source):
//! - `cli` parses argv; `commands` holds one private module per command: parse its arguments,
//!   call `lane`/`queue`/`config`, hand a report to `ui`. No command imports another.
//! - `lane` is the lifecycle of one lane as a library (state, setup, rebase, push, checks,
//!   preflight, policy facts, merge, teardown, handoff, its claimed task). It returns data and
//!   reports progress through `sys::events::Events`; it never prints and never sees `Context`.
//!   `queue` is the task queue: model, byte-exact edits, rules, and its commit-and-push store.
//! - Doors: `git` is the only code that uses git2 or runs the `git` binary; `config` reads
//!   lanes.toml; `policy` judges a branch from plain data; `sys` holds processes, the lock, the
//!   parallel runner, atomic writes, the clock.
//! - `ui` is the only code that writes to the terminal; `error` holds the one error type (its
//!   kind decides the exit code), rendered once by `ui`.

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
