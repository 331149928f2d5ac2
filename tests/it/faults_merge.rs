//! `wt merge` driven into the catalog's merge faults (F41-F44): ignored files in the main
//! checkout, a pre-push hook that says no, a crash or a failing status command between landing
//! and marking the task done, a non-bare remote.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::{hook, remote_rev, wt_files};
use crate::common::{write_file, Env};
use std::fs;

#[test]
fn f41_an_ignored_file_in_the_main_checkout_is_never_overwritten() {
    // git's fast-forward replaces ignored files in its way without a word; the merge must stop
    // before anything is pushed.
    let env = Env::with_config(&one_lane_config(""));
    env.commit_file(&env.main, ".gitignore", "local.cfg\n", "ignore local.cfg");
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", LANE]).ok();
    env.write("local.cfg", "mine, not tracked\n");
    let lane = env.lane(LANE);
    write_file(&lane.join("local.cfg"), "the lane's\n");
    env.git_at(&lane, &["add", "-f", "local.cfg"]);
    env.git_at(&lane, &["commit", "-q", "-m", "lane tracks local.cfg"]);
    let before = Snapshot::take(&env, &[&lane, &env.main]);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("would overwrite 1 ignored file(s)")
        .stderr_has("local.cfg")
        .stderr_has("nothing was pushed");
    before.assert_unchanged(&env);
    assert_eq!(
        fs::read_to_string(env.main.join("local.cfg")).unwrap(),
        "mine, not tracked\n"
    );
    assert_no_half_state(&env);
}

#[test]
fn f42_a_pre_push_hook_that_refuses_base_is_surfaced_and_never_bypassed() {
    let env = world1("");
    hook(
        &env,
        "pre-push",
        r#"read l ls r rs
if [ "$r" = "refs/heads/master" ] && [ ! -e "$T/green" ]; then echo "hook: CI is red, no pushes to master" >&2; exit 1; fi
exit 0"#,
    );
    let local_base = env.rev("master");
    let remote_base = remote_rev(&env, "refs/heads/master");
    let before = Snapshot::take(&env, &[&env.lane(LANE), &env.main]);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .code(3)
        .stderr_has("hook: CI is red, no pushes to master");
    before.assert_nothing_lost(&env);
    assert_eq!(remote_rev(&env, "refs/heads/master"), remote_base);
    assert_eq!(env.rev("master"), local_base, "local base untouched");
    assert_eq!(env.status_of(&env.main), "");
    // Once the hook agrees, the rerun lands the work once (never with --no-verify before).
    fs::write(env.base_dir().join("green"), "").unwrap();
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok();
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
    assert_no_half_state(&env);
}

#[test]
fn f42_sync_surfaces_a_pre_push_hook_refusal() {
    let env = world1("");
    hook(
        &env,
        "pre-push",
        r#"echo "hook: lane pushes are frozen" >&2; exit 1"#,
    );
    let before = Snapshot::take(&env, &[&env.lane(LANE)]);
    env.wt(&["sync", LANE])
        .code(3)
        .stderr_has("cannot push agent/A-backend to origin")
        .stderr_has("hook: lane pushes are frozen");
    before.assert_unchanged(&env);
}

/// A queue with T-1 claimed by lane A-backend.
fn claimed_world(extra: &str) -> Env {
    let env = queue_world(QUEUE_TEXT, extra);
    env.wt(&[
        "queue", "claim", LANE, "--owner", "agent-a", "--task", "T-1",
    ])
    .ok();
    env.commit_file(&env.lane(LANE), "cmd/a.go", "a\n", "lane work");
    env
}

/// Subjects of the queue commits on the remote base.
fn queue_commits(env: &Env) -> Vec<String> {
    env.git_at(&env.origin, &["log", "--format=%s", "master", "--", QUEUE])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn f43_killed_between_landing_and_marking_done_the_task_is_marked_once() {
    let env = claimed_world("");
    // why: post-merge runs in the main checkout's fast-forward, after the base push, before
    // the task is marked done.
    pause_hook(&env, "post-merge", "true", "ff");
    let mut wt = spawn(&env, &env.main, &["merge", LANE]);
    let paused = wait_paused(&env, &mut wt, "ff");
    signal(wt.id(), "-KILL");
    // Killed by the signal: no exit code.
    finish(wt).code(-1);
    kill_group_of(&paused);
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip, "landed");
    assert!(fs::read_to_string(queue_path(&env))
        .unwrap()
        .contains("status: in_progress"));
    release(&env);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("finishing the interrupted merge of A-backend")
        .stderr_has("T-1 marked done");
    let done: Vec<String> = queue_commits(&env)
        .into_iter()
        .filter(|s| s.contains("T-1") && s.contains("done"))
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    let text = fs::read_to_string(queue_path(&env)).unwrap();
    // why: a commit id that YAML could read as a number (`0b…`, `1234e5…`) is written quoted.
    assert!(
        text.contains(&format!("merged_commit: {tip}"))
            || text.contains(&format!("merged_commit: \"{tip}\"")),
        "{text}"
    );
    assert_eq!(
        env.git_at(&env.origin, &["log", "--format=%s", "master"])
            .matches("lane work")
            .count(),
        1
    );
    assert_no_half_state(&env);
    // A third run has nothing to do.
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("nothing to merge");
}

#[test]
fn f43_a_failing_status_command_after_landing_is_finished_by_the_rerun_once() {
    // Delegate mode: the team's own status command fails once the work has landed.
    let set_status = r#"set_status = ["sh", "-c", "[ -e \"$T/ok\" ] && echo \"$0 $1\" >> \"$T/calls\"", "{task}", "{status}"]"#;
    // why: in delegate mode the team's command edits the queue; here the claim is already in it.
    let claimed = QUEUE_TEXT.replacen(
        "status: todo\n    owner: null\n    branch: null",
        "status: in_progress\n    owner: agent-a\n    branch: agent/A-backend",
        1,
    );
    let env = queue_world(&claimed, set_status);
    env.commit_file(&env.lane(LANE), "cmd/a.go", "a\n", "lane work");
    let ok = env.base_dir().join("ok");
    let r = env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))]);
    r.code(3)
        .stderr_has("landed on origin/master, but marking T-1 done failed")
        .stderr_has("wt merge A-backend");
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip);
    assert_eq!(wt_files(&env, "journal").len(), 1, "kept for the rerun");
    fs::write(&ok, "").unwrap();
    let remote = env.remote_refs();
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t(&env))])
        .ok()
        .stderr_has("finishing the interrupted merge");
    assert_eq!(env.remote_refs(), remote, "nothing pushed again");
    let calls = fs::read_to_string(env.base_dir().join("calls")).unwrap();
    assert_eq!(calls, "T-1 done\n");
    assert_no_half_state(&env);
}

#[test]
fn f44_a_remote_that_refuses_its_checked_out_base_fails_cleanly() {
    // The harness always uses a bare origin; a non-bare one with base checked out refuses the
    // base push ("branch is currently checked out"): wt must say so and change nothing local.
    let env = world1("");
    let checked_out = env.base_dir().join("checked-out origin");
    env.git_at(
        &env.base_dir(),
        &["clone", "-q", "origin.git", "checked-out origin"],
    );
    env.git(&["remote", "set-url", "origin", checked_out.to_str().unwrap()]);
    env.git(&["fetch", "-q", "origin"]);
    let local_base = env.rev("master");
    let before = Snapshot::take(&env, &[&env.lane(LANE), &env.main]);
    env.wt(&["merge", LANE])
        .code(3)
        .stderr_has("branch is currently checked out");
    before.assert_nothing_lost(&env);
    assert_eq!(env.rev("master"), local_base);
    assert_eq!(
        env.git_at(&checked_out, &["rev-parse", "master"]),
        local_base,
        "the remote's base is unchanged"
    );
    assert!(wt_files(&env, "journal").is_empty());
}
