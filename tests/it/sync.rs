//! `wt sync`: rebase onto the remote base, push with a lease, refuse and restore on every failure.

use crate::common::world::*;
use crate::common::{write_file, Env, DEFAULT_CONFIG};
use std::fs;

#[test]
fn rebases_onto_the_moved_base_and_pushes_the_lane() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    let moved = move_base(&env, "other", "other.txt", "x\n", "base moved");
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("A-backend: rebased 1 commit(s) onto origin/master")
        .stderr_has("pushed agent/A-backend to origin");
    let local = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), local);
    assert!(is_ancestor(&env, &env.main, &moved, &local));
    // why: the lane branch must not start tracking base or anything else.
    let upstream = env.git_run(&env.main, &["config", "branch.agent/A-backend.merge"]);
    assert_eq!(upstream.code, 1, "{}", upstream.stdout);
    assert_eq!(
        rev_at(&env, &lane(&env), "HEAD"),
        local,
        "the worktree is on the rebased branch"
    );
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("up to date with origin/master; origin already has it");
}

#[test]
fn syncing_every_lane_fetches_once() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane a");
    env.commit_file(&env.lane("B-ui-2"), "web/b.js", "b\n", "lane b");
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let trace = env.base_dir().join("trace.txt");
    let trace_s = trace.to_str().unwrap();
    env.wt_with(&env.main, &["sync"], &[("GIT_TRACE", trace_s)])
        .ok();
    let text = fs::read_to_string(&trace).unwrap();
    let fetches = text
        .lines()
        .filter(|l| l.contains("built-in: git fetch"))
        .count();
    assert_eq!(fetches, 1, "{text}");
    for lane_id in ["A-backend", "B-ui-1", "B-ui-2"] {
        let branch = format!("agent/{lane_id}");
        assert_eq!(
            remote_rev(&env, &format!("refs/heads/{branch}")),
            env.rev(&branch),
            "{lane_id} pushed"
        );
    }
}

/// A lane whose rebase conflicts: README.md changed both on base and on the lane, plus an
/// untracked file in the lane that must survive.
fn conflicting_world() -> (Env, String) {
    let env = world(DEFAULT_CONFIG);
    let head = lane_commit(&env, "README.md", "lane version\n", "lane edits readme");
    move_base(
        &env,
        "other",
        "README.md",
        "base version\n",
        "base edits readme",
    );
    write_file(&lane(&env).join("notes.txt"), "my untracked notes\n");
    write_file(&lane(&env).join("cmd/new.go"), "untracked too\n");
    (env, head)
}

#[test]
fn a_conflict_restores_the_lane_exactly_and_exits_4() {
    let (env, head) = conflicting_world();
    let dir = lane(&env);
    let status = env.status_of(&dir);
    let remote = env.remote_refs();
    let index = env.git_at(&dir, &["ls-files", "-s"]);
    env.wt(&["sync", LANE])
        .code(4)
        .stderr_has("conflict: README.md")
        .stderr_has("the rebase was aborted and the lane is as it was");
    assert_eq!(rev_at(&env, &dir, "HEAD"), head);
    assert_eq!(
        env.git_at(&dir, &["symbolic-ref", "HEAD"]),
        format!("refs/heads/{BRANCH}")
    );
    assert_eq!(env.status_of(&dir), status);
    assert_eq!(env.git_at(&dir, &["ls-files", "-s"]), index);
    assert_eq!(
        fs::read_to_string(dir.join("README.md")).unwrap(),
        "lane version\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "my untracked notes\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("cmd/new.go")).unwrap(),
        "untracked too\n"
    );
    let rebase_dir = env.git_at(&dir, &["rev-parse", "--git-path", "rebase-merge"]);
    assert!(!dir.join(rebase_dir).exists(), "no rebase left in progress");
    assert_eq!(env.remote_refs(), remote, "nothing pushed");
}

#[test]
fn keep_conflict_leaves_the_rebase_for_the_user() {
    let (env, _) = conflicting_world();
    let dir = lane(&env);
    let remote = env.remote_refs();
    env.wt(&["sync", "--keep-conflict", LANE])
        .code(4)
        .stderr_has("conflict: README.md")
        .stderr_has("rebase --continue")
        .stderr_has("rebase --abort");
    let rebase_dir = env.git_at(&dir, &["rev-parse", "--git-path", "rebase-merge"]);
    assert!(dir.join(rebase_dir).exists(), "the rebase is in progress");
    assert_eq!(env.remote_refs(), remote, "nothing pushed");
    // A second sync refuses the lane while its rebase is in progress.
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("a rebase is in progress");
}

#[test]
fn a_dirty_lane_is_refused_and_left_alone() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let dir = lane(&env);
    write_file(&dir.join("cmd/a.go"), "edited, not committed\n");
    let before = (env.status_of(&dir), env.refs(), env.remote_refs());
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("A-backend has uncommitted changes");
    assert_eq!((env.status_of(&dir), env.refs(), env.remote_refs()), before);
}

#[test]
fn a_foreign_push_to_the_lane_branch_is_never_overwritten() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&["sync", LANE]).ok();
    let other = env.second_clone("other");
    env.git_at(&other, &["switch", "-q", BRANCH]);
    let foreign = env.commit_file(&other, "cmd/theirs.go", "t\n", "their foreign work");
    env.git_at(&other, &["push", "-q", "origin", BRANCH]);
    let head = lane_commit(&env, "cmd/b.go", "b\n", "more lane work");
    let short = &foreign[..7];
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("someone else pushed")
        .stderr_has(short)
        .stderr_has("their foreign work");
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), foreign);
    assert_eq!(
        rev_at(&env, &lane(&env), "HEAD"),
        head,
        "the lane is untouched"
    );
    // why: once any fetch has renewed the remote-tracking ref, a lease taken from it would
    // overwrite the foreign commit; wt must still refuse.
    env.git(&["fetch", "-q", "origin"]);
    env.wt(&["sync", LANE]).code(3).stderr_has(short);
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), foreign);
}

#[test]
fn a_pushed_tip_rebased_away_is_replaced_with_a_lease() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&["sync", LANE]).ok();
    let old = env.rev(BRANCH);
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("rebased 1 commit(s)");
    let new = env.rev(BRANCH);
    assert_ne!(old, new);
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), new);
}

#[test]
fn sync_of_all_lanes_skips_an_unready_lane_and_syncs_the_rest() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    write_file(&env.lane("B-ui-1").join("README.md"), "dirty\n");
    env.wt(&["sync"])
        .code(1)
        .stderr_has("B-ui-1 has uncommitted changes")
        .stderr_has("A-backend: up to date with origin/master; pushed");
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.rev(BRANCH)
    );
    assert_eq!(remote_rev(&env, "refs/heads/agent/B-ui-1"), "");
}

#[test]
fn a_dead_remote_fails_before_anything_changes() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.git(&["remote", "set-url", "origin", "/nonexistent/origin.git"]);
    let before = (env.refs(), env.status_of(&lane(&env)));
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("cannot fetch origin; nothing was changed");
    assert_eq!((env.refs(), env.status_of(&lane(&env))), before);
}

#[test]
fn without_a_remote_lanes_rebase_onto_the_local_base() {
    let env = Env::new();
    env.git(&["remote", "remove", "origin"]);
    setup_lanes(&env);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let base = env.commit_file(&env.main, "base.txt", "b\n", "local base moved");
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("rebased 1 commit(s) onto master")
        .stderr_has("no remote: nothing to push");
    assert!(is_ancestor(&env, &env.main, &base, BRANCH));
}

#[test]
fn sync_waits_for_the_lock_then_exits_5() {
    let env = world(DEFAULT_CONFIG);
    let file = env.hold_lock();
    env.wt(&["--wait", "1", "sync", LANE])
        .code(5)
        .stderr_has("another wt holds the repository lock");
    env.wt(&["status"]).ok();
    file.unlock().unwrap();
    env.wt(&["sync", LANE]).ok();
}

#[test]
fn an_untracked_file_in_the_way_is_reported_and_nothing_changes() {
    let env = world(DEFAULT_CONFIG);
    let head = lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    move_base(
        &env,
        "other",
        "other.txt",
        "from base\n",
        "base adds other.txt",
    );
    let dir = lane(&env);
    write_file(&dir.join("other.txt"), "mine, untracked\n");
    let status = env.status_of(&dir);
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("git would not start rebasing A-backend")
        .stderr_has("other.txt");
    assert_eq!(env.status_of(&dir), status);
    assert_eq!(rev_at(&env, &dir, "HEAD"), head);
    assert_eq!(
        fs::read_to_string(dir.join("other.txt")).unwrap(),
        "mine, untracked\n"
    );
}

#[test]
fn a_lane_branch_deleted_on_the_remote_is_pushed_again() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&["sync", LANE]).ok();
    env.git_at(&env.origin, &["branch", "-q", "-D", BRANCH]);
    lane_commit(&env, "cmd/b.go", "b\n", "more lane work");
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("pushed agent/A-backend");
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.rev(BRANCH)
    );
}

/// The lanes go out in one push, but each lands or fails on its own: the remote's `update`
/// hook (run once per ref) turns down one lane's branch, and the other lanes are still pushed.
#[test]
fn one_lane_refused_by_the_remote_does_not_hold_back_the_others() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane a");
    env.commit_file(&env.lane("B-ui-1"), "web/1.js", "1\n", "lane b1");
    env.commit_file(&env.lane("B-ui-2"), "web/2.js", "2\n", "lane b2");
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let hook = env.origin.join("hooks").join("update");
    write_file(
        &hook,
        "#!/bin/sh\ncase \"$1\" in refs/heads/agent/B-ui-1) echo 'frozen' >&2; exit 1;; esac\n",
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    let r = env.wt(&["sync", "--json"]);
    r.code(3)
        .stderr_has("origin refused agent/B-ui-1")
        .stderr_has("A-backend: rebased 1 commit(s)");
    for lane_id in ["A-backend", "B-ui-2"] {
        let branch = format!("agent/{lane_id}");
        assert_eq!(
            remote_rev(&env, &format!("refs/heads/{branch}")),
            env.rev(&branch),
            "{lane_id} pushed"
        );
    }
    assert_eq!(remote_rev(&env, "refs/heads/agent/B-ui-1"), "");
    let reports = r.json();
    let statuses: Vec<(&str, &str, bool)> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let lane = l["lane"].as_str().unwrap();
            (
                lane,
                l["status"].as_str().unwrap(),
                l["pushed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("A-backend", "rebased", true),
            ("B-ui-1", "failed", false),
            ("B-ui-2", "rebased", true)
        ],
        "reports keep the lanes' order"
    );
    // why: the refused lane was still rebased locally; a rerun once the remote allows it only
    // pushes.
    fs::remove_file(&hook).unwrap();
    env.wt(&["sync", "B-ui-1"])
        .ok()
        .stderr_has("B-ui-1: up to date with origin/master; pushed agent/B-ui-1 to origin");
}

/// Someone pushes to a lane branch after wt's fetch and before its push: the lease, checked by
/// the remote within the one push, turns that lane down and the others land.
#[test]
fn a_push_racing_the_sync_is_caught_by_that_lane_s_lease() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane a");
    env.commit_file(&env.lane("B-ui-2"), "web/2.js", "2\n", "lane b2");
    env.wt(&["sync"]).ok();
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let other = env.second_clone("racer");
    env.git_at(&other, &["switch", "-q", BRANCH]);
    let foreign = env.commit_file(&other, "cmd/theirs.go", "t\n", "their racing work");
    // why: the race is staged by a hook that runs in the lanes' rebases (after wt's fetch and
    // lease, before its one push): it pushes the foreign commit to A-backend's branch (again,
    // harmlessly, when more than one lane rebases).
    let hook = env.main.join(".git/hooks/post-rewrite");
    let other_q = other.to_str().unwrap();
    write_file(
        &hook,
        &format!(
            "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\ncd '{other_q}' && git push -q origin HEAD:{BRANCH}\nexit 0\n"
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    let r = env.wt(&["sync"]);
    r.code(3)
        .stderr_has("origin/agent/A-backend has 1 commit(s) that A-backend does not have")
        .stderr_has("their racing work")
        .stderr_has("B-ui-2: rebased 1 commit(s)");
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        foreign,
        "the racing push is kept"
    );
    assert_eq!(
        remote_rev(&env, "refs/heads/agent/B-ui-2"),
        env.rev("agent/B-ui-2"),
        "the other lane landed"
    );
}
