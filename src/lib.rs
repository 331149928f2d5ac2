//! `wt`: one persistent worktree and branch per role lane, kept rebased, merged fast-forward only,
//! with a dependency-gated task queue.
//!
//! Layering: `commands` decide; `git`, `config`, `queue` and `policy` never print; `ui` is the only
//! code that writes to the terminal. `error` holds the one error type, rendered once by `ui`.

pub mod error;
pub mod policy;
pub mod queue;
