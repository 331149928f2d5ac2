//! `wt preflight LANE`: each check of SPEC section 5 that exists, its exit code and one-line fix,
//! the JSON shape, make-style words, and that it takes no lock.

use crate::common::oracle::refs_and_worktrees;
use crate::common::{write_file, Env, Run};
use serde_json::Value;
use std::fs;

fn set_up() -> Env {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    env
}

/// The check called `name` in `wt preflight --json` output.
fn check(run: &Run, name: &str) -> Value {
    run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {}", run.stdout))
        .clone()
}

#[track_caller]
fn assert_check(run: &Run, name: &str, status: &str, detail: &str, fix: &str) {
    let c = check(run, name);
    assert_eq!(c["status"], status, "{c}");
    let got_detail = c["detail"].as_str().unwrap();
    assert!(
        got_detail.contains(detail),
        "detail {got_detail:?} lacks {detail:?}"
    );
    let got_fix = c["fix"].as_str().unwrap();
    assert!(got_fix.contains(fix), "fix {got_fix:?} lacks {fix:?}");
}

fn quoted(env: &Env, lane: &str) -> String {
    format!("'{}'", env.lane(lane).display())
}

#[test]
fn a_ready_lane_passes_with_exit_0() {
    let env = set_up();
    let run = env.wt(&["preflight", "A-backend"]);
    run.ok().stderr_has("preflight A-backend");
    for name in [
        "config",
        "lane",
        "worktree",
        "branch",
        "operation",
        "conflicts",
        "clean",
        "base",
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in\n{}", run.stdout));
        assert!(line.starts_with("ok "), "{line}");
    }
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
}

#[test]
fn json_shape() {
    let env = set_up();
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.ok();
    let doc = run.json();
    let mut keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    keys.sort();
    // why: SPEC allows added keys (policy violations), never renamed ones.
    assert_eq!(keys, ["checks", "lane", "ok", "violations"]);
    assert_eq!(doc["lane"], "A-backend");
    assert_eq!(doc["ok"], true);
    for c in doc["checks"].as_array().unwrap() {
        let mut keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["detail", "fix", "name", "status"], "{c}");
        assert!(["ok", "warn", "fail"].contains(&c["status"].as_str().unwrap()));
    }
    assert_check(&run, "worktree", "ok", "main repo-A-backend", "");
}

#[test]
fn make_style_role_word() {
    let env = set_up();
    let run = env.wt(&["preflight", "--json", "ROLE=A-backend"]);
    run.ok();
    assert_eq!(run.json()["lane"], "A-backend");
    let run = env.wt(&["preflight", "--json", "ROLE=B-ui", "LANE=2"]);
    run.code(1);
    assert_eq!(run.json()["lane"], "B-ui-2");
    env.wt(&["preflight", "ROLE=B-ui"])
        .code(2)
        .stderr_has("role B-ui has 2 lanes: name one");
}

#[test]
fn a_missing_worktree_fails_with_the_setup_command() {
    let env = Env::new();
    let run = env.wt(&["preflight", "--json", "B-ui-2"]);
    run.code(1);
    assert_eq!(run.json()["ok"], false);
    assert_check(
        &run,
        "worktree",
        "fail",
        "no worktree at",
        "wt setup B-ui-2",
    );
    let human = env.wt(&["preflight", "B-ui-2"]);
    human
        .code(1)
        .stdout_has("FAIL worktree")
        .stdout_has("fix: wt setup B-ui-2");
}

#[test]
fn wrong_branch_and_detached_head_fail() {
    let env = set_up();
    let a = env.lane("A-backend");
    env.git_at(&a, &["switch", "-q", "-c", "side"]);
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    let fix = format!(
        "git -C {} switch agent/A-backend",
        quoted(&env, "A-backend")
    );
    assert_check(&run, "branch", "fail", "on side, not agent/A-backend", &fix);

    env.git_at(&a, &["switch", "-q", "--detach", "HEAD"]);
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    assert_check(&run, "branch", "fail", "HEAD is detached", &fix);
}

#[test]
fn a_rebase_in_progress_fails_with_the_abort_command() {
    let env = set_up();
    let a = env.lane("A-backend");
    env.commit_file(&a, "cmd/x.txt", "x\n", "work");
    assert_ne!(
        env.git_run(&a, &["rebase", "-x", "false", "HEAD~1"]).code,
        0
    );
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    assert_check(
        &run,
        "operation",
        "fail",
        "a rebase is in progress",
        &format!("git -C {} rebase --abort", quoted(&env, "A-backend")),
    );
    assert_check(&run, "branch", "fail", "while rebasing agent/A-backend", "");
}

#[test]
fn unmerged_paths_fail() {
    let env = set_up();
    let a = env.lane("A-backend");
    env.commit_file(&a, "README.md", "lane\n", "lane edit");
    env.git_at(&a, &["switch", "-q", "-c", "other", "HEAD~1"]);
    env.commit_file(&a, "README.md", "other\n", "other edit");
    env.git_at(&a, &["switch", "-q", "agent/A-backend"]);
    assert_ne!(env.git_run(&a, &["merge", "-q", "other"]).code, 0);
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    assert_check(&run, "conflicts", "fail", "1 unmerged path(s)", "git add");
    assert_check(
        &run,
        "operation",
        "fail",
        "a merge is in progress",
        "merge --abort",
    );
}

#[test]
fn conflict_markers_committed_in_a_changed_file_fail() {
    let env = set_up();
    let a = env.lane("A-backend");
    env.commit_file(
        &a,
        "cmd/resolved.txt",
        "a\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> other\n",
        "bad resolution",
    );
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    assert_check(
        &run,
        "conflicts",
        "fail",
        "conflict markers in cmd/resolved.txt",
        "remove the",
    );
    // Clean otherwise: the tree has nothing uncommitted.
    assert_check(&run, "clean", "ok", "working tree clean", "");
}

#[test]
fn a_dirty_tree_fails_unless_allowed() {
    let env = set_up();
    let a = env.lane("A-backend");
    write_file(&a.join("README.md"), "edited\n");
    write_file(&a.join("new.txt"), "n\n");
    let before = env.status_of(&a);
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.code(1);
    let fix = format!("git -C {} stash -u", quoted(&env, "A-backend"));
    assert_check(
        &run,
        "clean",
        "fail",
        "0 staged, 1 unstaged, 1 untracked",
        &fix,
    );
    let run = env.wt(&["preflight", "--json", "--allow-dirty", "A-backend"]);
    run.ok();
    assert_check(&run, "clean", "warn", "1 unstaged", &fix);
    assert_eq!(run.json()["ok"], true);
    // Preflight reads only.
    assert_eq!(before, env.status_of(&a));
}

#[test]
fn behind_is_a_warning_a_failure_with_strict_and_fetch_updates_it() {
    let env = set_up();
    // Another machine moves base; without a fetch this clone does not know yet.
    let other = env.second_clone("other machine");
    env.commit_file(&other, "o.txt", "o\n", "base moves");
    env.git_at(&other, &["push", "-q", "origin", "master"]);
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    run.ok();
    assert_check(&run, "base", "ok", "up to date with origin/master", "");

    let run = env.wt(&["preflight", "--json", "--fetch", "A-backend"]);
    run.ok();
    assert_check(&run, "fetch", "ok", "fetched origin", "");
    assert_check(
        &run,
        "base",
        "warn",
        "1 commit(s) behind origin/master",
        "wt sync A-backend",
    );
    assert_eq!(
        env.rev("origin/master"),
        env.git_at(&other, &["rev-parse", "HEAD"])
    );

    let run = env.wt(&["preflight", "--json", "--strict", "A-backend"]);
    run.code(1);
    assert_check(
        &run,
        "base",
        "fail",
        "1 commit(s) behind",
        "wt sync A-backend",
    );
}

#[test]
fn a_dead_remote_with_fetch_is_a_failed_check() {
    let env = set_up();
    fs::rename(&env.origin, env.base_dir().join("gone.git")).unwrap();
    let run = env.wt(&["preflight", "--json", "--fetch", "A-backend"]);
    run.code(1);
    assert_check(
        &run,
        "fetch",
        "fail",
        "cannot fetch origin",
        "check the remote",
    );
}

#[test]
fn takes_no_lock() {
    let env = set_up();
    let lock = env.hold_lock();
    let before = refs_and_worktrees(&env);
    let start = std::time::Instant::now();
    env.wt(&["preflight", "--wait", "5", "A-backend"]).ok();
    assert!(start.elapsed() < std::time::Duration::from_secs(4));
    // A command that does take it gives up, proving the lock was really held.
    env.wt(&["setup", "--wait", "0"]).code(5);
    assert_eq!(before, refs_and_worktrees(&env));
    drop(lock);
}
