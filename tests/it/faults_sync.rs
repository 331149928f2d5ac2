//! `wt sync` driven into the catalog's sync faults (F27-F37, F45-F49): each refusal or failure
//! leaves every commit reachable, the lane's status (ignored files included), the refs and the
//! remote as they were, exits with SPEC's code and names the fix.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::{hook, is_ancestor, remote_rev, rev_at};
use crate::common::{write_file, Env};
use std::fs;

fn lane_ref() -> String {
    format!("refs/heads/{BRANCH}")
}

/// The lane's own admin dir under `.git/worktrees`.
fn admin(env: &Env) -> std::path::PathBuf {
    let dir = env.lane(LANE);
    let gd = env.git_at(&dir, &["rev-parse", "--absolute-git-dir"]);
    std::path::PathBuf::from(gd)
}

#[test]
fn f27_rebase_conflict_mid_sync_restores_everything() {
    // The first lane commit applies, the second conflicts: the abort must take the branch back
    // past the commit that did apply, and leave ignored files, untracked files and the stash be.
    let env = world1("");
    let dir = env.lane(LANE);
    env.commit_file(&dir, ".gitignore", "*.log\n", "ignore logs");
    let head = env.commit_file(&dir, "README.md", "lane readme\n", "lane edits readme");
    move_base(&env, "README.md", "base readme\n");
    write(&dir.join("debug.log"), "ignored, precious to someone\n");
    write(&dir.join("notes.txt"), "untracked\n");
    write(&dir.join("cmd/a.go"), "stashed change\n");
    env.git_at(&dir, &["stash", "-q"]);
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(4)
        .stderr_has("conflict: README.md")
        .stderr_has("could not apply")
        .stderr_has("lane edits readme")
        .stderr_has("the rebase was aborted and the lane is as it was")
        .stderr_has("wt sync --keep-conflict A-backend");
    before.assert_unchanged(&env);
    assert_eq!(rev_at(&env, &dir, "HEAD"), head);
    assert_eq!(env.git_at(&dir, &["stash", "list"]).lines().count(), 1);
    assert_no_half_state(&env);
}

#[test]
fn f28_nothing_is_pushed_while_a_rebase_is_stopped() {
    // git would push the old tip and say "Everything up-to-date" (G4.11); the rebase here is
    // stopped by a failing `exec` with a clean tree.
    let env = world1("");
    let dir = env.lane(LANE);
    env.commit_file(&dir, "cmd/b.go", "b\n", "second lane commit");
    move_base(&env, "other.txt", "x\n");
    let r = env.git_run(&dir, &["rebase", "-q", "-x", "false", "HEAD~1"]);
    assert_ne!(r.code, 0, "the exec stops the rebase");
    let before = Snapshot::take(&env, &[&dir]);
    for cmd in ["sync", "merge"] {
        env.wt(&[cmd, LANE])
            .code(1)
            .stderr_has("rebase is in progress")
            .stderr_has("rebase --abort");
        before.assert_unchanged(&env);
    }
    assert_eq!(remote_rev(&env, &lane_ref()), "", "never pushed");
}

#[test]
fn f29_staged_changes_are_refused_even_with_autostash_configured() {
    // A user's rebase.autoStash would stash silently and could leave a conflicting stash behind
    // with exit 0 (G5.2).
    let env = world1("");
    let dir = env.lane(LANE);
    env.git(&["config", "rebase.autoStash", "true"]);
    move_base(&env, "cmd/a.go", "base wants this\n");
    write(&dir.join("cmd/new.go"), "staged only\n");
    env.git_at(&dir, &["add", "cmd/new.go"]);
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("A-backend has uncommitted changes (1 staged, 0 unstaged)")
        .stderr_has("cmd/new.go")
        .stderr_has("commit them");
    before.assert_unchanged(&env);
    assert_eq!(env.git_at(&dir, &["stash", "list"]), "", "nothing stashed");
}

#[test]
fn f30_an_ignored_file_that_base_now_tracks_is_not_overwritten() {
    // git overwrites ignored files without a word when a checkout brings a tracked file to
    // their path; a lane's `.env` would be replaced by base's.
    let env = world1("");
    let dir = env.lane(LANE);
    env.commit_file(&dir, ".gitignore", ".env\n", "ignore .env");
    write(&dir.join(".env"), "SECRET=mine\n");
    let other = env.second_clone("other");
    write_file(&other.join(".env"), "SECRET=template\n");
    env.git_at(&other, &["add", "-f", ".env"]);
    env.git_at(&other, &["commit", "-q", "-m", "track a template .env"]);
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has(".env")
        .stderr_has("would overwrite");
    before.assert_unchanged(&env);
    assert_eq!(
        fs::read_to_string(dir.join(".env")).unwrap(),
        "SECRET=mine\n"
    );
}

#[test]
fn f34_a_lane_branch_someone_else_created_on_the_remote_is_kept() {
    // No remote-tracking ref existed before the fetch: the branch must not be taken as absent
    // (a lease of "" would refuse too, but wt must say why and push nothing).
    let env = world1("");
    let other = env.second_clone("other");
    env.git_at(&other, &["switch", "-q", "-c", BRANCH]);
    let theirs = env.commit_file(&other, "cmd/theirs.go", "t\n", "their early push");
    env.git_at(&other, &["push", "-q", "origin", BRANCH]);
    let dir = env.lane(LANE);
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("someone else pushed")
        .stderr_has("their early push");
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    assert_eq!(remote_rev(&env, &lane_ref()), theirs);
    assert_eq!(env.status_of(&dir), "");
}

#[test]
fn f36_a_detached_head_is_refused_by_sync_and_merge() {
    let env = world1("");
    let dir = env.lane(LANE);
    env.git_at(&dir, &["checkout", "-q", "--detach"]);
    env.commit_file(&dir, "cmd/d.go", "d\n", "commit on a detached head");
    move_base(&env, "other.txt", "x\n");
    let before = Snapshot::take(&env, &[&dir]);
    for cmd in ["sync", "merge"] {
        env.wt(&[cmd, LANE])
            .code(1)
            .stderr_has("detached")
            .stderr_has(&format!("switch {BRANCH}"));
        before.assert_unchanged(&env);
    }
}

#[test]
fn f37_a_lane_on_another_branch_is_refused_and_that_branch_kept() {
    let env = world1("");
    let dir = env.lane(LANE);
    env.git_at(&dir, &["switch", "-q", "-c", "other"]);
    let work = env.commit_file(&dir, "cmd/o.go", "o\n", "work on other");
    move_base(&env, "other.txt", "x\n");
    let before = Snapshot::take(&env, &[&dir]);
    for cmd in ["sync", "merge"] {
        env.wt(&[cmd, LANE])
            .code(1)
            .stderr_has("on other, not")
            .stderr_has(&format!("switch {BRANCH}"));
        before.assert_unchanged(&env);
    }
    // Teardown judges the lane branch, never `other`: whatever it decides, nothing is lost.
    let _ = env.wt(&["teardown", LANE]);
    before.assert_nothing_lost(&env);
    assert_eq!(env.rev("other"), work);
}

#[test]
fn f45_a_stale_index_lock_in_the_lane_is_reported_and_kept() {
    let env = world1("");
    let dir = env.lane(LANE);
    move_base(&env, "other.txt", "x\n");
    let lock = admin(&env).join("index.lock");
    fs::write(&lock, "").unwrap();
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("index.lock")
        .stderr_has("no git process");
    before.assert_unchanged(&env);
    assert!(lock.exists(), "wt never deletes a lock it did not take");
    fs::remove_file(&lock).unwrap();
    env.wt(&["sync", LANE]).ok();
}

#[test]
fn f46_a_stale_lock_on_the_lane_branch_is_refused_before_rebasing() {
    // With `refs/heads/<branch>.lock` present git rebases, cannot update the branch, and its
    // `rebase --abort` then exits 0 leaving the lane detached with a staged revert (observed).
    let env = world1("");
    let dir = env.lane(LANE);
    move_base(&env, "other.txt", "x\n");
    let lock = env.main.join(".git/refs/heads/agent/A-backend.lock");
    fs::write(&lock, "").unwrap();
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("A-backend.lock")
        .stderr_has("no git process");
    before.assert_unchanged(&env);
    assert_eq!(
        env.git_at(&dir, &["symbolic-ref", "HEAD"]),
        lane_ref(),
        "still on the lane branch"
    );
    assert!(lock.exists());
    fs::remove_file(&lock).unwrap();
    env.wt(&["sync", LANE]).ok();
    assert_no_half_state(&env);
}

#[test]
fn f46_a_stale_lock_on_a_remote_tracking_ref_fails_the_fetch_and_changes_nothing() {
    let env = world1("");
    let dir = env.lane(LANE);
    move_base(&env, "other.txt", "x\n");
    let lock = env.main.join(".git/refs/remotes/origin/master.lock");
    fs::write(&lock, "").unwrap();
    let before = Snapshot::take(&env, &[&dir]);
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("cannot fetch origin; nothing was changed")
        .stderr_has("master.lock");
    before.assert_unchanged(&env);
    assert!(lock.exists());
}

#[test]
fn f48_parallel_syncs_of_different_lanes_serialize_and_all_land() {
    let env = Env::new();
    crate::common::world::setup_lanes(&env);
    let lanes = ["A-backend", "B-ui-1", "B-ui-2"];
    for (i, lane) in lanes.iter().enumerate() {
        env.commit_file(
            &env.lane(lane),
            &format!("web/{i}.js"),
            "x\n",
            &format!("work of {lane}"),
        );
    }
    move_base(&env, "other.txt", "x\n");
    let before = Snapshot::take(&env, &[]);
    let children: Vec<_> = lanes
        .iter()
        .map(|l| spawn(&env, &env.main, &["--wait", "60", "sync", l]))
        .collect();
    for child in children {
        finish(child).ok();
    }
    let base = remote_rev(&env, "refs/heads/master");
    for lane in lanes {
        let branch = format!("agent/{lane}");
        let tip = env.rev(&branch);
        assert_eq!(remote_rev(&env, &format!("refs/heads/{branch}")), tip);
        assert!(is_ancestor(&env, &env.main, &base, &tip), "{lane} rebased");
        assert_eq!(env.status_of(&env.lane(lane)), "");
    }
    // The lanes' old commits were rebased; their content is on the new tips, and base's
    // commits are all still there.
    assert!(is_ancestor(
        &env,
        &env.main,
        "origin/master",
        "agent/B-ui-2"
    ));
    drop(before);
    assert_no_half_state(&env);
}

#[test]
fn f49_a_human_commit_while_sync_pushes_is_kept_and_a_second_wt_exits_5() {
    let env = Env::new();
    crate::common::world::setup_lanes(&env);
    let dir = env.lane(LANE);
    env.commit_file(&dir, "cmd/a.go", "a\n", "lane work");
    move_base(&env, "other.txt", "x\n");
    pause_hook(
        &env,
        "pre-push",
        r#"read l ls r rs && [ "$r" = "refs/heads/agent/A-backend" ]"#,
        "push",
    );
    let mut wt = spawn(&env, &env.main, &["sync", LANE]);
    wait_paused(&env, &mut wt, "push");
    // wt holds the lock: another mutating wt gives up at once with --wait 0.
    let b = env.lane("B-ui-1");
    let b_before = Snapshot::take(&env, &[&b]);
    env.wt(&["--wait", "0", "sync", "B-ui-1"])
        .code(5)
        .stderr_has("another wt holds the repository lock")
        .stderr_has("sync");
    b_before.assert_nothing_lost(&env);
    assert_eq!(env.status_of(&b), "");
    // A human commits in the lane between wt's rebase and its push.
    let human = env.commit_file(&dir, "cmd/human.go", "h\n", "human commit mid-sync");
    release(&env);
    let r = finish(wt);
    r.ok().stderr_has("pushed agent/A-backend");
    assert_eq!(
        env.rev(BRANCH),
        human,
        "the human commit stays on the branch"
    );
    let pushed = remote_rev(&env, &lane_ref());
    assert_ne!(
        pushed, human,
        "wt pushed the tip it rebased, not a later one"
    );
    assert!(is_ancestor(&env, &env.main, &pushed, &human));
    // The next sync pushes the human commit with a lease on what wt pushed (with `T` set, so the
    // pre-push hook sees the release marker and lets this push through).
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .ok();
    assert_eq!(remote_rev(&env, &lane_ref()), human);
    assert_no_half_state(&env);
}

#[test]
fn f50_an_abort_that_exits_0_without_restoring_is_caught() {
    // A conflict, and the branch's ref lock appearing while the rebase runs (another git): git's
    // `rebase --abort` then exits 0 yet leaves the lane detached (observed). wt checks where the
    // lane is after the abort instead of trusting the exit code, and loses nothing.
    let env = world1("");
    let dir = env.lane(LANE);
    let head = env.commit_file(&dir, "README.md", "lane readme\n", "lane edits readme");
    move_base(&env, "README.md", "base readme\n");
    hook(
        &env,
        "post-checkout",
        r#"if [ -d "$(git rev-parse --git-path rebase-merge)" ]; then
  touch "$(git rev-parse --git-common-dir)/refs/heads/agent/A-backend.lock"
fi"#,
    );
    let before = Snapshot::take(&env, &[]);
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("after aborting the rebase, A-backend is not back at")
        .stderr_has(&format!("reflog {BRANCH}"));
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    assert_eq!(env.rev(BRANCH), head, "the branch never moved");
}
