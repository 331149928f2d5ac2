//! The task queue: a YAML file of tasks with dependencies, claimed by lanes and marked done by
//! merges (SPEC section 6).
//!
//! Owns: the task model ([`Queue`], [`Task`], [`Status`]); strict parsing with line-and-column
//! errors ([`parse`], [`QueueError`]); surgical edits that change only the bytes of the edited
//! values ([`set_fields`]); the state rules ([`ready`], [`plan_claim`], [`plan_set`],
//! [`plan_done`]) and whole-queue checks ([`validate`]).
//!
//! Must never: print, run git or any process, touch the file system, lock, or decide policy
//! about commits and pushes. The caller reads the file (under the repository lock), calls
//! `parse`, asks `rules` for a [`Plan`], applies it with `set_fields`, then writes atomically
//! and commits. Every function here is pure, so each step can be tested on strings.
//!
//! Parsing reads the plain YAML subset queue files are written in with a fast strict reader
//! and falls back to the full YAML parser (granit-parser, through serde-saphyr) for anything
//! else; both build the same located tree. Anchors, aliases and tags are refused outright.

mod fast;
mod yaml;

pub mod edit;
pub mod model;
pub mod parse;
pub mod rules;

pub use edit::set_fields;
pub use model::{
    is_valid_branch, is_valid_commit, is_valid_id, is_valid_role, FieldValue, Queue, Status, Task,
    TaskList, QUEUE_VERSION, TASK_FIELDS,
};
pub use parse::{parse, source_line, QueueError, MAX_QUEUE_BYTES};
pub use rules::{
    lane_task, plan_claim, plan_done, plan_set, ready, validate, Plan, Problem, ProblemKind,
    RuleError, RuleErrorKind,
};
