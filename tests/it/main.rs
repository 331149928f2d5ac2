//! Integration tests: the real `wt` binary against real git repositories in temp dirs.
//! One test binary (one link step) with a module per command.

mod check;
mod common;
mod completions;
mod config;
mod conventions;
mod demo;
mod diff;
mod exec;
mod faults_fuzz;
mod faults_interrupt;
mod faults_merge;
mod faults_queue;
mod faults_remote;
mod faults_security;
mod faults_setup;
mod faults_sync;
mod handoff;
mod help;
mod init;
mod layering;
mod lock;
mod merge;
mod policy;
mod preflight;
mod pty;
mod queue;
mod queue_cache;
mod queue_git;
mod setup;
mod snapshots_cli;
mod status;
mod sync;
mod team_day;
mod teardown;
