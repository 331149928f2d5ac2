//! World builders shared by the sync, check, merge, handoff and fault tests: configs with checks, lane commits,
//! moving base from "another machine", and waiting on marker files written by checks and hooks.

#![allow(dead_code)]

use super::{write_file, Env};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const LANE: &str = "A-backend";
pub const BRANCH: &str = "agent/A-backend";

/// The default test config with `checks` (a TOML array, e.g. `['true']`) on A-backend.
pub fn config_with_checks(checks: &str) -> String {
    format!(
        r#"[project]
worktree_root = "../lanes"

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]
checks = {checks}

[[role]]
name = "B-ui"
lanes = 2
owns = ["web/**"]
"#
    )
}

/// A world with its lanes set up.
pub fn world(config: &str) -> Env {
    let env = Env::with_config(config);
    setup_lanes(&env);
    env
}

/// `wt setup`, one lane at a time.
// why: a parallel `wt setup` of several lanes runs concurrent `git worktree add`s, and git 2.47
// sometimes fails one of them reading another's half-made admin dir ("failed to read
// .git/worktrees/<id>/commondir"); that is setup's to fix, not something these tests are about.
pub fn setup_lanes(env: &Env) {
    for lane in ["A-backend", "B-ui-1", "B-ui-2"] {
        env.wt(&["setup", lane]).ok();
    }
}

pub fn lane(env: &Env) -> PathBuf {
    env.lane(LANE)
}

/// Commit a file in lane A-backend; returns the new lane head.
pub fn lane_commit(env: &Env, rel: &str, content: &str, msg: &str) -> String {
    env.commit_file(&lane(env), rel, content, msg)
}

/// Push a commit to origin's master from another clone (named `name`); returns its sha.
pub fn move_base(env: &Env, name: &str, rel: &str, content: &str, msg: &str) -> String {
    let other = env.second_clone(name);
    let sha = env.commit_file(&other, rel, content, msg);
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    sha
}

/// The sha of `refname` on the bare remote; empty when it does not exist.
pub fn remote_rev(env: &Env, refname: &str) -> String {
    let r = env.git_run(&env.origin, &["rev-parse", "--verify", "-q", refname]);
    r.stdout.trim().to_string()
}

pub fn rev_at(env: &Env, dir: &Path, rev: &str) -> String {
    env.git_at(dir, &["rev-parse", rev])
}

pub fn is_ancestor(env: &Env, dir: &Path, a: &str, b: &str) -> bool {
    env.git_run(dir, &["merge-base", "--is-ancestor", a, b])
        .code
        == 0
}

/// Wait until `path` exists (a check or hook reached its pause point).
#[track_caller]
pub fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A shell snippet that pauses until `$T/release` exists, after writing the pid of its process
/// group leader to `$T/<name>.pid` and touching `$T/<name>.started`.
pub fn pause_point(name: &str, pid: &str) -> String {
    format!(
        r#"echo {pid} > "$T/{name}.pid"; touch "$T/{name}.started"; while [ ! -e "$T/release" ]; do sleep 0.05; done"#
    )
}

/// Writes `$T/release` when dropped, so that whatever a test holds at a pause point is let go
/// when the test ends, pass or fail.
pub struct ReleaseOnDrop(pub std::path::PathBuf);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::write(self.0.join("release"), "");
    }
}

/// Kill a process group with SIGKILL.
pub fn kill_group(pid_file: &Path) {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let status = std::process::Command::new("kill")
        .args(["-9", "--", &format!("-{}", pid.trim())])
        .status()
        .unwrap();
    assert!(status.success(), "kill the group of {}", pid.trim());
}

/// Install an executable hook in the main repository.
pub fn hook(env: &Env, name: &str, body: &str) {
    let path = env.main.join(".git/hooks").join(name);
    write_file(&path, &format!("#!/bin/sh\n{body}\n"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Every file under `<main>/.git/wt/<sub>`, for "recorded once" assertions.
pub fn wt_files(env: &Env, sub: &str) -> Vec<PathBuf> {
    let dir = env.main.join(".git/wt").join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// The upstream (`branch.<b>.merge`) of a branch, if it has one.
pub fn upstream_of(env: &Env, branch: &str) -> Option<String> {
    let r = env.git_run(&env.main, &["config", &format!("branch.{branch}.merge")]);
    (r.code == 0).then(|| r.stdout.trim().to_string())
}

/// The admin dir git keeps for the worktree at `dir` (`.git/worktrees/<id>`).
pub fn admin_dir(env: &Env, dir: &Path) -> std::path::PathBuf {
    env.git_at(dir, &["rev-parse", "--path-format=absolute", "--git-dir"])
        .into()
}

pub fn head_of(env: &Env, dir: &Path) -> String {
    env.git_at(dir, &["rev-parse", "HEAD"])
}

/// A command on lane A-backend that must be refused: exit 1, `needle` said, and nothing changed
/// in the lane, the main checkout or the remote.
#[track_caller]
pub fn refused_unchanged(env: &Env, args: &[&str], needle: &str) -> super::Run {
    let snap = super::oracle::Snapshot::take(env, &[&lane(env), &env.main]);
    let r = env.wt(args);
    r.code(1).stderr_has(needle);
    snap.assert_unchanged(env);
    r
}

/// Preflight of lane A-backend (`--json`) has the check `check` at `warn` and lists a violation
/// of `rule`.
#[track_caller]
pub fn assert_preflight_warns(env: &Env, check: &str, rule: &str) {
    let v = env.wt(&["preflight", LANE, "--json"]).json();
    let found = preflight_check(&v, check);
    assert_eq!(found["status"], "warn", "{found}");
    let rules = v["violations"].as_array().unwrap();
    assert!(rules.iter().any(|x| x["rule"] == rule), "no {rule}: {v}");
}

/// The check named `name` in the JSON of `wt preflight LANE --json`.
#[track_caller]
pub fn preflight_check<'v>(v: &'v serde_json::Value, name: &str) -> &'v serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {v}"))
}

/// `wt review A-backend --approve --by BY --completion COMPLETION`, as another lane gives it.
pub fn approve_as(env: &Env, by: &str, completion: &str) -> super::Run {
    env.wt(&[
        "review",
        LANE,
        "--approve",
        "--by",
        by,
        "--completion",
        completion,
    ])
}
