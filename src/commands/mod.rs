//! One file per command. Commands decide what happens; they read and change git through `git`,
//! the queue through `queue`, and speak only through `ctx.ui`.

pub mod check;
pub mod completions;
pub mod demo;
pub mod handoff;
pub mod init;
pub mod merge;
pub mod preflight;
pub mod queue;
pub mod setup;
pub mod status;
pub mod sync;
pub mod teardown;
