//! Interrupted runs (F16, F17, F31, F43): `wt setup`, `wt sync` and `wt merge` killed with
//! SIGKILL or sent SIGINT at a pause point (a slow checkout filter, a git hook, a slow check),
//! then run again. The rerun finishes the job exactly once and leaves no lock, no journal, no
//! locked or half-made worktree and no rebase behind. The SIGKILL tests of a merge's check and
//! pushes are in `merge.rs` (`killed_*`); these add setup, sync, and SIGINT for all three.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::{config_with_checks, is_ancestor, remote_rev, wt_files};
use crate::common::Env;
use std::process::Child;

/// How a test interrupts `wt`.
#[derive(Clone, Copy, Debug)]
enum Stop {
    /// `kill -9` of wt alone; its git children live on in their own process group, which the
    /// test then kills too (the worst case: nothing finishes).
    Kill,
    /// SIGINT, as Ctrl-C: wt kills its children's groups and exits 130.
    Interrupt,
}

/// Interrupt `wt` while it waits at the pause point `marker`, and check what is left running.
fn stop(env: &Env, mut wt: Child, marker: &str, how: Stop) {
    let paused = wait_paused(env, &mut wt, marker);
    match how {
        Stop::Kill => {
            signal(wt.id(), "-KILL");
            let r = finish(wt);
            assert_eq!(r.code, -1, "killed by a signal");
            kill_group_of(&paused);
        }
        Stop::Interrupt => {
            signal(wt.id(), "-INT");
            let r = finish(wt);
            r.code(130);
        }
    }
    // Nothing wt started is left running.
    assert_nothing_left_running(env);
}

/// A file whose checkout pauses (a smudge filter) until `$T/release` exists.
fn slow_checkout(env: &Env) {
    env.write(".gitattributes", "slow.txt filter=slow\n");
    env.write("slow.txt", "slow\n");
    env.git(&["add", ".gitattributes", "slow.txt"]);
    env.git(&["commit", "-q", "-m", "a file that is slow to check out"]);
    env.git(&["push", "-q", "origin", "master"]);
    let pause = crate::common::world::pause_point("checkout", "$$");
    env.git(&[
        "config",
        "filter.slow.smudge",
        &format!(r#"if [ ! -e "$T/release" ]; then {pause}; fi; cat"#),
    ]);
}

fn setup_interrupted(how: Stop) {
    let env = Env::with_config(&one_lane_config(""));
    slow_checkout(&env);
    let before = Snapshot::take(&env, &[&env.main]);
    let wt = spawn(&env, &env.main, &["setup", LANE]);
    stop(&env, wt, "checkout", how);
    before.assert_nothing_lost(&env);
    release(&env);
    env.wt_with(&env.main, &["setup", LANE], &[("T", &t(&env))])
        .ok();
    let lane = env.lane(LANE);
    assert_eq!(
        std::fs::read_to_string(lane.join("slow.txt")).unwrap(),
        "slow\n"
    );
    assert_eq!(env.status_of(&lane), "");
    assert_eq!(
        env.git_at(&lane, &["symbolic-ref", "HEAD"]),
        format!("refs/heads/{BRANCH}")
    );
    assert_eq!(env.worktrees().matches("worktree ").count(), 2, "one lane");
    assert_no_half_state(&env);
    env.wt(&["setup", LANE])
        .ok()
        .stderr_has("nothing to do: 1 lane(s) already set up");
}

#[test]
fn f16_setup_killed_mid_checkout_is_repaired_by_the_rerun() {
    setup_interrupted(Stop::Kill);
}

#[test]
fn f17_setup_interrupted_mid_checkout_is_repaired_by_the_rerun() {
    setup_interrupted(Stop::Interrupt);
}

/// Lane work, base moved, and a hook that pauses `wt sync` at `marker`.
fn sync_world(hook_name: &str, condition: &str, marker: &str) -> Env {
    let env = world1("");
    env.commit_file(&env.lane(LANE), "cmd/b.go", "b\n", "second lane commit");
    move_base(&env, "other.txt", "x\n");
    pause_hook(&env, hook_name, condition, marker);
    env
}

/// The rerun synced the lane exactly once: rebased onto base, pushed, both lane commits once.
fn synced_once(env: &Env, before: &Snapshot) {
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(env, &format!("refs/heads/{BRANCH}")), tip);
    assert!(is_ancestor(env, &env.main, "origin/master", &tip));
    let subjects = env.git(&["log", "--format=%s", "origin/master..agent/A-backend"]);
    assert_eq!(subjects, "second lane commit\nlane work");
    assert_eq!(env.status_of(&env.lane(LANE)), "");
    before.assert_only_rebased_away(env, BRANCH);
    assert_no_half_state(env);
}

fn sync_interrupted_mid_rebase(how: Stop) {
    // why: post-checkout runs when the rebase has detached onto base, rebase-merge in place.
    let env = sync_world(
        "post-checkout",
        r#"[ -d "$(git rev-parse --git-path rebase-merge)" ]"#,
        "rebase",
    );
    let lane = env.lane(LANE);
    let before = Snapshot::take(&env, &[&lane]);
    let wt = spawn(&env, &env.main, &["sync", LANE]);
    stop(&env, wt, "rebase", how);
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    release(&env);
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("interrupted")
        .stderr_has("rebased 2 commit(s)");
    synced_once(&env, &before);
}

#[test]
fn f31_sync_killed_mid_rebase_the_rerun_restores_and_finishes() {
    sync_interrupted_mid_rebase(Stop::Kill);
}

#[test]
fn f31_sync_interrupted_mid_rebase_the_rerun_restores_and_finishes() {
    sync_interrupted_mid_rebase(Stop::Interrupt);
}

fn sync_interrupted_at_the_push(how: Stop) {
    let env = sync_world(
        "pre-push",
        r#"read l ls r rs && [ "$r" = "refs/heads/agent/A-backend" ]"#,
        "push",
    );
    let before = Snapshot::take(&env, &[]);
    let wt = spawn(&env, &env.main, &["sync", LANE]);
    stop(&env, wt, "push", how);
    before.assert_remote_unchanged(&env);
    release(&env);
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("pushed agent/A-backend");
    synced_once(&env, &before);
}

#[test]
fn f31_sync_killed_at_the_push_the_rerun_pushes_once() {
    sync_interrupted_at_the_push(Stop::Kill);
}

#[test]
fn f31_sync_interrupted_at_the_push_the_rerun_pushes_once() {
    sync_interrupted_at_the_push(Stop::Interrupt);
}

/// The rerun landed the lane on base exactly once, with its handoff, and cleaned up.
fn merged_once(env: &Env) {
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(env, "refs/heads/master"), tip);
    assert_eq!(env.rev("master"), tip);
    let subjects = env.git_at(&env.origin, &["log", "--format=%s", "master"]);
    assert_eq!(subjects.matches("lane work").count(), 1, "{subjects}");
    assert_eq!(env.git(&["rev-list", "--merges", "master"]), "");
    assert_eq!(wt_files(env, "handoffs").len(), 1);
    assert_no_half_state(env);
}

#[test]
fn f43_merge_interrupted_during_a_slow_check_the_rerun_lands_once() {
    let checks = format!(
        r#"['''[ -e "$T/release" ] || {{ {}; }}''']"#,
        crate::common::world::pause_point("check", "$$")
    );
    let env = Env::with_config(&config_with_checks(&checks));
    env.wt(&["setup", LANE]).ok();
    env.commit_file(&env.lane(LANE), "cmd/a.go", "a\n", "lane work");
    let before = Snapshot::take(&env, &[&env.lane(LANE)]);
    let wt = spawn(&env, &env.main, &["merge", LANE]);
    stop(&env, wt, "check", Stop::Interrupt);
    before.assert_unchanged(&env);
    release(&env);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok();
    merged_once(&env);
}

#[test]
fn f43_merge_interrupted_between_the_lane_push_and_the_base_push_the_rerun_lands_once() {
    let env = world1("");
    pause_hook(
        &env,
        "pre-push",
        r#"read l ls r rs && [ "$r" = "refs/heads/master" ]"#,
        "push",
    );
    let wt = spawn(&env, &env.main, &["merge", LANE]);
    stop(&env, wt, "push", Stop::Interrupt);
    assert_ne!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
    release(&env);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok();
    merged_once(&env);
}

#[test]
fn f43_merge_interrupted_after_the_base_push_the_rerun_only_finishes() {
    let env = world1("");
    // why: post-merge runs in the main checkout's fast-forward, after the base push landed.
    pause_hook(&env, "post-merge", "true", "ff");
    let wt = spawn(&env, &env.main, &["merge", LANE]);
    stop(&env, wt, "ff", Stop::Interrupt);
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip, "landed");
    release(&env);
    let remote = env.remote_refs();
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("finishing the interrupted merge of A-backend");
    assert_eq!(env.remote_refs(), remote, "nothing pushed again");
    merged_once(&env);
}

#[test]
fn f31_merge_killed_mid_rebase_the_rerun_restores_and_lands_once() {
    let env = world1("");
    move_base(&env, "other.txt", "x\n");
    pause_hook(
        &env,
        "post-checkout",
        r#"[ -d "$(git rev-parse --git-path rebase-merge)" ]"#,
        "rebase",
    );
    let before = Snapshot::take(&env, &[&env.lane(LANE)]);
    let wt = spawn(&env, &env.main, &["merge", LANE]);
    stop(&env, wt, "rebase", Stop::Kill);
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    release(&env);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("interrupted");
    merged_once(&env);
}

/// An agent commits in a lane whose rebase an interrupted wt left in progress (HEAD is detached
/// there and `git commit` works): aborting would drop that commit, so the rerun refuses and
/// names it with the commands that keep it; after them, the rerun syncs with every commit kept.
#[test]
fn a_commit_made_on_a_rebase_left_by_a_killed_sync_is_never_dropped() {
    let env = sync_world(
        "post-checkout",
        r#"[ -d "$(git rev-parse --git-path rebase-merge)" ]"#,
        "rebase",
    );
    let lane = env.lane(LANE);
    let wt = spawn(&env, &env.main, &["sync", LANE]);
    stop(&env, wt, "rebase", Stop::Kill);
    release(&env);
    let made = env.commit_file(&lane, "cmd/c.go", "c\n", "made during the stop");
    let before = Snapshot::take(&env, &[&lane]);

    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .code(1)
        .stderr_has("1 commit(s) were made on top of it")
        .stderr_has("made during the stop")
        .stderr_has(" rebase --abort`")
        .stderr_has(&format!(" cherry-pick {made}`"));
    before.assert_identical(&env);
    assert_eq!(env.git_at(&lane, &["rev-parse", "HEAD"]), made);

    // The hint's two commands, as an agent would run them.
    env.git_at(&lane, &["rebase", "--abort"]);
    env.git_at(&lane, &["cherry-pick", &made]);
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .ok();
    let subjects = env.git(&["log", "--format=%s", "origin/master..agent/A-backend"]);
    assert!(subjects.contains("made during the stop"), "{subjects}");
    assert!(subjects.contains("second lane commit"), "{subjects}");
    assert!(subjects.contains("lane work"), "{subjects}");
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.rev(BRANCH)
    );
    assert_no_half_state(&env);
}
