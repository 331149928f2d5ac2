//! The queue tests' world: a queue for the default roles at `doc/queue.yaml`, committed and
//! pushed; helpers to edit it by hand, read it back and check the commits `wt` makes to it.

use super::oracle::Snapshot;
use super::{write_file, Env, DEFAULT_CONFIG};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the tests keep the queue, relative to the main checkout.
pub const Q: &str = "doc/queue.yaml";

/// Every field a task has in `--json` output, in order: the library's own list, so that a field
/// added to the model is checked in the output at once.
pub use wt::queue::model::TASK_FIELDS as FIELDS;

/// A queue for the default roles. `{BASE}` becomes the initial commit, so A-0 is done on base.
/// A-1 is ready for A-backend; A-2 waits on A-1. B-1 is pinned to lane 2 of B-ui; B-2 and B-3
/// suit either lane.
pub const QUEUE: &str = r#"version: 1
tasks:
  - id: A-0
    title: Done already
    role: A-backend
    status: done
    acceptance_checks: ["true"]
    merged_commit: "{BASE}"
  - id: A-1
    title: First backend slice
    role: A-backend
    status: todo
    depends_on: [A-0]
    acceptance_checks: ["true"]
  - id: A-2
    title: Second backend slice
    role: A-backend
    status: todo
    depends_on: [A-1]
    acceptance_checks: ["true"]
  - id: B-1
    title: Lane two only
    role: B-ui
    lane: 2
    status: todo
    acceptance_checks: ["true"]
  - id: B-2
    title: Any lane
    role: B-ui
    status: todo
    acceptance_checks: ["true"]
  - id: B-3
    title: Any lane too
    role: B-ui
    status: todo
    acceptance_checks: ["true"]
"#;

/// The default test config with a `[queue]` table; `opts` adds lines to it.
pub fn config(opts: &str) -> String {
    format!("{DEFAULT_CONFIG}\n[queue]\npath = \"{Q}\"\n{opts}\n")
}

/// A world whose queue (`queue`, with `{BASE}` filled in) is committed on master and pushed.
pub fn qenv(opts: &str, queue: &str) -> Env {
    let env = Env::with_config(&config(opts));
    put_queue(&env, &env.main, queue);
    env
}

/// Commit `queue` as the queue file in `dir` and push it, as a person editing it by hand would.
pub fn put_queue(env: &Env, dir: &Path, queue: &str) {
    let text = queue.replace(
        "{BASE}",
        &env.git_at(dir, &["rev-list", "--max-parents=0", "HEAD"]),
    );
    write_file(&dir.join(Q), &text);
    commit_queue(env, dir, "queue by hand");
}

pub fn commit_queue(env: &Env, dir: &Path, msg: &str) {
    env.git_at(dir, &["add", "--", Q]);
    env.git_at(dir, &["commit", "-q", "-m", msg]);
    env.git_at(dir, &["push", "-q", "origin", "HEAD:master"]);
}

pub fn queue_bytes(dir: &Path) -> Vec<u8> {
    fs::read(dir.join(Q)).unwrap()
}

pub fn queue_text(env: &Env) -> String {
    String::from_utf8(queue_bytes(&env.main)).unwrap()
}

/// Everything a queue refusal must leave as it was: the queue file byte for byte, every ref
/// (remote-tracking ones included), the remote's refs and the main checkout's status. Assert
/// with `assert_identical_after(env, what)`.
pub fn queue_snapshot(env: &Env) -> Snapshot {
    Snapshot::take(env, &[&env.main]).with_file(&env.main.join(Q))
}

/// Subjects of `rev` in `dir`, newest first.
pub fn subjects(env: &Env, dir: &Path, rev: &str) -> Vec<String> {
    env.git_at(dir, &["log", "--format=%s", rev])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The remote's master.
pub fn origin_master(env: &Env) -> String {
    env.git_at(&env.origin, &["rev-parse", "refs/heads/master"])
}

/// Assert that master moved from `before` by exactly one commit with `subject` that changes only
/// the queue file, that origin has it, and that the main checkout is clean.
#[track_caller]
pub fn one_queue_commit(env: &Env, before: &str, subject: &str) -> String {
    let head = env.rev("master");
    let new: Vec<String> = env
        .git(&["rev-list", &format!("{before}..{head}")])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(new.len(), 1, "one new commit on master: {new:?}");
    assert_eq!(env.rev(&format!("{head}^")), before, "on top of base");
    assert_eq!(env.git(&["log", "-1", "--format=%s", &head]), subject);
    assert_eq!(
        env.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", &head]),
        Q,
        "the commit changes only the queue file"
    );
    assert_eq!(
        origin_master(env),
        head,
        "pushed: remote master == local master"
    );
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "",
        "main checkout clean"
    );
    head
}

/// One task as `wt queue show ID --json` prints it.
pub fn task(env: &Env, id: &str) -> Value {
    let r = env.wt(&["queue", "show", id, "--json"]);
    r.ok();
    let v = r.json();
    let tasks = v["tasks"].as_array().expect("tasks array");
    assert_eq!(tasks.len(), 1, "{v}");
    tasks[0].clone()
}

/// Ids of a `{"tasks": [...]}` document, asserting every task has every field.
#[track_caller]
pub fn ids(v: &Value) -> Vec<String> {
    let obj = v.as_object().expect("an object");
    assert!(obj.contains_key("tasks"), "{v}");
    v["tasks"]
        .as_array()
        .expect("tasks array")
        .iter()
        .map(|t| {
            let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
            for f in FIELDS {
                assert!(keys.contains(f), "task lacks `{f}`: {t}");
            }
            t["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Every file named `name` anywhere under `dir`.
pub fn find_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_name() == name {
                found.push(p.clone());
            }
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p);
            }
        }
    }
    found
}

/// The status of task `id`, as `wt queue show` reports it.
pub fn task_status(env: &Env, id: &str) -> String {
    let r = env.wt(&["queue", "show", id, "--json"]);
    r.ok();
    r.json()["tasks"][0]["status"].as_str().unwrap().to_string()
}

/// Set up each lane and make one commit in it: `(lane, file, message)`, the file holding the
/// message.
pub fn lanes_with_work(env: &Env, lanes: &[(&str, &str, &str)]) {
    for (lane, file, msg) in lanes {
        env.wt(&["setup", lane]).ok();
        env.commit_file(&env.lane(lane), file, &format!("{msg}\n"), msg);
    }
}

/// S-2 (B-ui lane 2) and S-1 (B-ui lane 1), both in progress, children of P with merge_order
/// 2 and 1, listed out of order: the tail of the V2 family queues.
pub const CHILDREN_OF_P: &str = r#"  - id: S-2
    title: Second child
    role: B-ui
    lane: 2
    parent_id: P
    merge_order: 2
    status: in_progress
    owner: b2
    branch: agent/B-ui-2
    acceptance_checks: ["true"]
  - id: S-1
    title: First child
    role: B-ui
    lane: 1
    parent_id: P
    merge_order: 1
    status: in_progress
    owner: b1
    branch: agent/B-ui-1
    acceptance_checks: ["true"]
"#;
