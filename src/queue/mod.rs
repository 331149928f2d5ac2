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
//! and commits. Every function here is pure, so each step can be tested on strings. After a
//! rejected push the caller re-reads the file and plans again: a plan is never replayed onto a
//! newer file, so a task claimed meanwhile is refused rather than claimed twice.
//!
//! A lane is identified by its branch: an `in_progress` task with that `branch`, or with the
//! same role and `lane` field, occupies it (see [`rules`]).
//!
//! Parsing reads the plain YAML subset queue files are written in with a fast strict reader
//! and falls back to the full YAML parser (granit-parser, through serde-saphyr) for anything
//! else; both build the same located tree. Anchors, aliases and tags are refused outright.

mod extra;
mod fast;
mod located;
mod near;
mod yaml;

pub mod add;
pub mod archive;
pub mod cache;
pub mod change;
pub mod edit;
pub mod exception;
pub mod family;
pub mod graph;
pub mod lane_work;
pub mod merge_order;
pub mod model;
pub mod parse;
pub mod prose;
pub mod recover;
pub mod rules;
pub mod schema;
pub mod store;
pub mod validate;

pub use edit::{set_fields, set_fields_parsed, set_fields_with};
pub use lane_work::{lane_work, LaneWork};
pub use model::{
    is_valid_branch, is_valid_commit, is_valid_id, is_valid_role, Field, FieldValue, Queue, Status,
    Task, TaskList, QUEUE_VERSION, TASK_FIELDS,
};
pub use parse::{parse, parse_all, parse_with, source_line, Finding, QueueError, MAX_QUEUE_BYTES};
pub use rules::{
    lane_task, plan_claim, plan_done, plan_done_with, plan_set, plan_set_reason, ready,
    unmet_dependencies, validate, Plan, Problem, ProblemKind, RuleError, RuleErrorKind,
};
pub use schema::Schema;
pub use validate::{validate_file, validate_with, Checks, RoleLanes, Severity};

/// The file's text with `plan` applied: fields of one task set, or a new task appended.
pub fn apply_plan(
    src: &str,
    file_label: &str,
    queue: &Queue,
    plan: &Plan,
) -> Result<String, QueueError> {
    match &plan.add {
        Some(task) => add::append(src, file_label, queue, task),
        None => set_fields_parsed(src, file_label, queue, &plan.task_id, &plan.changes),
    }
}

#[cfg(test)]
mod perf {
    use std::time::Instant;

    /// A 5,000-task queue shaped like SPEC section 6, comments included.
    fn queue_text(n: usize) -> String {
        let mut src = String::from("# Agent work queue\nversion: 1\ntasks:\n");
        for i in 0..n {
            let role = ["A-backend", "B-ui", "C-ops"][i % 3];
            let status = if i < n / 2 { "done" } else { "todo" };
            let commit = if i < n / 2 { "3f2a9c1" } else { "null" };
            src.push_str(&format!(
                "  - id: T-{i:05}\n    title: Harden provisioning retries, part {i}\n    role: {role}\n    lane: 1                    # V2 only\n    status: {status}               # todo | in_progress | blocked | done\n    owner: null\n    branch: null\n    depends_on: [T-{:05}, T-{:05}]\n    acceptance_checks: [\"go test ./internal/provision/...\"]\n    blocked_by: null\n    claimed_at: null\n    completed_at: null\n    merged_commit: {commit}\n\n",
                i / 2,
                i / 3
            ));
        }
        src
    }

    /// Run with `cargo test --release --lib queue::perf -- --ignored --nocapture`. Reports the
    /// fastest of several runs, since other processes share the machine.
    #[test]
    #[ignore]
    fn five_thousand_tasks() {
        let src = queue_text(5000);
        let best = |f: &dyn Fn()| {
            (0..15)
                .map(|_| {
                    let started = Instant::now();
                    f();
                    started.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let parse_ready = best(&|| {
            let queue = super::parse(src.as_bytes(), "q.yaml").unwrap();
            assert_eq!(super::ready(&queue, "B-ui", Some(1)).len(), 834);
        });
        let queue = super::parse(src.as_bytes(), "q.yaml").unwrap();
        let claim = best(&|| {
            let now = "2026-03-09T10:00:00Z";
            let plan = super::plan_claim(&queue, "B-ui", Some(1), "agent/B-ui-1", "b", None, now);
            let plan = plan.unwrap();
            super::set_fields(&src, "q.yaml", &plan.task_id, &plan.changes).unwrap();
        });
        let validate = best(&|| {
            super::validate(&queue, &|_| Some(true));
        });
        let baseline = best(&|| {
            let lines = src
                .lines()
                .filter(|l| l.trim_start().starts_with("- id"))
                .count();
            assert!(lines > 1);
        });
        let fast_tree = best(&|| assert!(super::fast::tree(&src).is_some()));
        eprintln!("baseline lines() scan {baseline:?}, fast tree only {fast_tree:?}");
        eprintln!(
            "{} bytes, 5000 tasks: parse+ready {parse_ready:?}, claim (plan, edit, verify) {claim:?}, validate {validate:?}",
            src.len()
        );
    }

    fn perf_file() -> std::path::PathBuf {
        std::env::temp_dir().join("wt-queue-perf-5000.yaml")
    }

    /// For a whole-process figure: run `write_5000` once, then time `read_5000` with
    /// `perf stat -r 20 <test binary> queue::perf::read_5000 --ignored --exact`.
    #[test]
    #[ignore]
    fn write_5000() {
        std::fs::write(perf_file(), queue_text(5000)).unwrap();
    }

    #[test]
    #[ignore]
    fn read_5000() {
        let bytes = std::fs::read(perf_file()).unwrap();
        let queue = super::parse(&bytes, "q.yaml").unwrap();
        assert_eq!(super::ready(&queue, "B-ui", Some(1)).len(), 834);
    }
}
