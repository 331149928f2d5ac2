//! Integration tests: the real `wt` binary against real git repositories in temp dirs.
//! One test binary (one link step) with a module per command.

mod common;
mod completions;
mod config;
mod conventions;
mod init;
mod pty;
mod setup;
