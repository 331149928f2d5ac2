//! `wt merge LANE LANE…` and `--all`: lanes land in the queue's order (dependencies first, then
//! siblings by merge_order, then the order given), each rebased onto the base the previous one
//! produced; a lane that fails is skipped with the lanes that must come after it; a run killed
//! half-way and run again lands each remaining lane once.

use crate::common::queue::{
    lanes_with_work, put_queue, task_status as status_of, CHILDREN_OF_P, Q,
};
use crate::common::world::{remote_rev, wt_files};
use crate::common::{Env, Run};
use std::path::PathBuf;

/// Roles for four lanes; `a_checks` are A-backend's checks (a TOML array).
fn config(a_checks: &str) -> String {
    format!(
        r#"[project]
worktree_root = "../lanes"

[[role]]
name = "A-backend"
owns = ["cmd/**"]
checks = {a_checks}

[[role]]
name = "B-ui"
lanes = 2
owns = ["web/**"]

[[role]]
name = "C-ops"
owns = ["ops/**"]

[queue]
path = "{Q}"
"#
    )
}

/// D (A-backend); E (C-ops) depends on D and was claimed before D was done; S-1 (B-ui-1) and
/// S-2 (B-ui-2) are children of P with merge_order 1 and 2 (`CHILDREN_OF_P`, appended).
const QUEUE: &str = r#"version: 1
tasks:
  - id: P
    title: Parent
    role: B-ui
    status: todo
    acceptance_checks: ["true"]
  - id: D
    title: Dependency
    role: A-backend
    status: in_progress
    owner: a
    branch: agent/A-backend
    acceptance_checks: ["true"]
  - id: E
    title: Claimed by exception
    role: C-ops
    status: todo
    depends_on: [D]
    acceptance_checks: ["true"]
"#;

const LANES: [(&str, &str, &str); 4] = [
    ("C-ops", "ops/e.sh", "E work"),
    ("B-ui-2", "web/s2.js", "S-2 work"),
    ("B-ui-1", "web/s1.js", "S-1 work"),
    ("A-backend", "cmd/d.go", "D work"),
];

/// The wrong order: E before D, S-2 before S-1.
const WRONG: [&str; 4] = ["C-ops", "B-ui-2", "B-ui-1", "A-backend"];

/// An accepted ADR for claiming E before D is done.
pub const ADR: &str = "doc/architecture/adr/0001-e-early.md";
pub const ADR_TEXT: &str = "# 0001: start E before D lands\n\nStatus: accepted\nTask: E\n\n## Reason\n\nOps needs it for the release.\n\n## Rollback plan\n\nRevert E's commits.\n";

fn world(a_checks: &str) -> Env {
    let env = Env::with_config(&config(a_checks));
    env.write(ADR, ADR_TEXT);
    env.git(&["add", ADR]);
    env.git(&["commit", "-q", "-m", "ADR 0001"]);
    put_queue(&env, &env.main, &format!("{QUEUE}{CHILDREN_OF_P}"));
    env.wt(&[
        "queue",
        "claim",
        "C-ops",
        "--owner",
        "c",
        "--task",
        "E",
        "--exception",
        ADR,
    ])
    .ok();
    lanes_with_work(&env, &LANES);
    env
}

/// Subjects of the lane commits on the remote's master, oldest first.
fn landed(env: &Env) -> Vec<String> {
    env.git_at(&env.origin, &["log", "--reverse", "--format=%s", "master"])
        .lines()
        .filter(|s| s.ends_with(" work"))
        .map(str::to_string)
        .collect()
}

fn merge(env: &Env, args: &[&str]) -> Run {
    let mut all = vec!["merge"];
    all.extend_from_slice(args);
    env.wt_with(&env.main, &all, &[("T", env.base_dir().to_str().unwrap())])
}

#[test]
fn lanes_named_in_the_wrong_order_land_in_the_queue_order() {
    let env = world("['true']");
    let mut args = vec!["--json"];
    args.extend(WRONG);
    let r = merge(&env, &args);
    r.ok()
        .stderr_has("merge order: B-ui-1, B-ui-2, A-backend, C-ops");
    assert_eq!(landed(&env), ["S-1 work", "S-2 work", "D work", "E work"]);
    assert_eq!(
        env.git_at(&env.origin, &["rev-list", "--merges", "master"]),
        "",
        "linear"
    );
    for t in ["S-1", "S-2", "D", "E"] {
        assert_eq!(status_of(&env, t), "done", "{t}");
    }
    let v = r.json();
    let lanes: Vec<(&str, &str)> = v["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["lane"].as_str().unwrap(), l["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lanes,
        [
            ("B-ui-1", "merged"),
            ("B-ui-2", "merged"),
            ("A-backend", "merged"),
            ("C-ops", "merged")
        ]
    );
    assert_eq!(v["base_after"], remote_rev(&env, "refs/heads/master"));
    assert_eq!(v["lanes"][3]["exception"], ADR);
    assert_eq!(wt_files(&env, "handoffs").len(), 4);
}

#[test]
fn a_conflicting_child_is_skipped_with_the_sibling_after_it_and_the_rest_lands() {
    let env = world("['true']");
    // Base gets its own web/s1.js: S-1's rebase conflicts.
    let other = env.second_clone("other");
    env.commit_file(&other, "web/s1.js", "base\n", "base s1");
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    let lanes: Vec<(PathBuf, String, String)> = ["B-ui-1", "B-ui-2"]
        .iter()
        .map(|l| {
            let p = env.lane(l);
            let head = env.git_at(&p, &["rev-parse", "HEAD"]);
            let st = env.status_of(&p);
            (p, head, st)
        })
        .collect();
    let r = merge(&env, &["--all", "--json"]);
    r.code(4);
    assert_eq!(landed(&env), ["D work", "E work"]);
    let v = r.json();
    let of = |lane: &str| {
        v["lanes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["lane"] == lane)
            .unwrap()
            .clone()
    };
    assert_eq!(of("B-ui-1")["result"], "skipped");
    assert_eq!(of("B-ui-2")["result"], "skipped");
    let why = of("B-ui-2")["reason"].as_str().unwrap().to_string();
    assert!(
        why.contains("S-2 comes after (merge_order) S-1 (B-ui-1)"),
        "{why}"
    );
    assert_eq!(of("A-backend")["result"], "merged");
    assert_eq!(of("C-ops")["result"], "merged");
    for (path, head, st) in &lanes {
        assert_eq!(
            &env.git_at(path, &["rev-parse", "HEAD"]),
            head,
            "lane as before"
        );
        assert_eq!(&env.status_of(path), st, "lane as before");
    }
    assert_eq!(status_of(&env, "S-1"), "in_progress");
    assert_eq!(status_of(&env, "S-2"), "in_progress");
    assert_eq!(status_of(&env, "E"), "done");
}

#[test]
fn killed_in_a_check_half_way_the_rerun_lands_each_remaining_lane_once() {
    // why: the check kills wt itself (its parent) the first time: no timing, no sleep.
    let env = world(r#"['''[ -e "$T/killed" ] || { touch "$T/killed"; kill -9 $PPID; }''']"#);
    let r = merge(&env, &WRONG);
    assert_eq!(r.code, -1, "killed: {}", r.stderr);
    assert_eq!(
        landed(&env),
        ["S-1 work", "S-2 work"],
        "killed at D's check"
    );
    let r = merge(&env, &WRONG);
    r.ok().stderr_has("B-ui-1: already on base");
    assert_eq!(landed(&env), ["S-1 work", "S-2 work", "D work", "E work"]);
    for t in ["S-1", "S-2", "D", "E"] {
        assert_eq!(status_of(&env, t), "done", "{t}");
    }
    assert_eq!(wt_files(&env, "handoffs").len(), 4, "each handoff once");
    assert!(wt_files(&env, "journal").is_empty());
    let done_commits = env
        .git_at(&env.origin, &["log", "--format=%s", "master"])
        .lines()
        .filter(|s| s.contains(" done ("))
        .count();
    assert_eq!(done_commits, 4, "each task marked done once");
    let _ = std::fs::read(env.main.join(Q));
}
