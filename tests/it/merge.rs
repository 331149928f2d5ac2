//! `wt merge`: fast-forward only, never forced, nothing half-done, exactly once after a crash.

use crate::common::oracle::all_refs;
use crate::common::world::*;
use crate::common::{write_file, Env, DEFAULT_CONFIG};
use std::fs;
use std::path::Path;
use std::process::Child;

fn lane_ref() -> String {
    format!("refs/heads/{BRANCH}")
}

/// No merge commit anywhere on base, local or remote.
#[track_caller]
fn no_merge_commits(env: &Env) {
    assert_eq!(env.git(&["rev-list", "--merges", "master"]), "");
    assert_eq!(
        env.git_at(&env.origin, &["rev-list", "--merges", "master"]),
        ""
    );
}

/// How many commits on remote master have this subject.
fn on_base(env: &Env, subject: &str) -> usize {
    env.git_at(&env.origin, &["log", "--format=%s", "master"])
        .lines()
        .filter(|l| *l == subject)
        .count()
}

#[test]
fn merges_fast_forward_only_and_records_a_handoff() {
    let env = world(&config_with_checks("['true']"));
    let base_before = remote_rev(&env, "refs/heads/master");
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    let tip = env.rev(BRANCH);
    let r = env.wt(&["merge", LANE]);
    r.ok()
        .stderr_has("no claimed task: merged all the same")
        .stdout_has("lane work")
        .stdout_has("cmd/a.go")
        .stdout_has(&format!("master is now {tip}"));
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip);
    assert_eq!(remote_rev(&env, &lane_ref()), tip);
    assert_eq!(env.rev("master"), tip, "local base fast-forwarded");
    assert_eq!(env.rev("origin/master"), tip);
    assert!(is_ancestor(&env, &env.main, &base_before, &tip));
    no_merge_commits(&env);
    // why: base is never checked out in a lane worktree.
    let lane_log = env.git_at(&lane(&env), &["reflog", "--format=%gs", "HEAD"]);
    assert!(!lane_log.contains("to master"), "{lane_log}");
    assert_eq!(
        env.git_at(&lane(&env), &["symbolic-ref", "HEAD"]),
        lane_ref()
    );
    let handoffs = wt_files(&env, "handoffs");
    assert_eq!(handoffs.len(), 1, "{handoffs:?}");
    let name = handoffs[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("A-backend-") && name.ends_with(".md"),
        "{name}"
    );
    let text = fs::read_to_string(&handoffs[0]).unwrap();
    assert!(
        text.contains(&format!("- `{}` lane work", &tip[..7])),
        "{text}"
    );
    assert!(text.contains("- A `cmd/a.go`"), "{text}");
    assert!(text.contains("- `true` -> exit 0"), "{text}");
    assert!(wt_files(&env, "journal").is_empty(), "journal removed");
}

#[test]
fn a_moved_base_is_rebased_onto_and_its_commit_kept() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let moved = move_base(&env, "other", "other.txt", "x\n", "someone else's merge");
    env.wt(&["merge", LANE]).ok();
    let new_base = remote_rev(&env, "refs/heads/master");
    assert_eq!(new_base, env.rev(BRANCH));
    assert!(
        is_ancestor(&env, &env.main, &moved, &new_base),
        "other commit kept"
    );
    assert_eq!(on_base(&env, "lane work"), 1);
    assert_eq!(env.rev("master"), new_base);
    no_merge_commits(&env);
}

#[test]
fn base_moving_during_the_merge_is_retried_and_never_forced() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let other = env.second_clone("other");
    let racer = env.commit_file(&other, "race.txt", "r\n", "racing merge");
    push_other_on_the_lane_push(&env);
    let t = env.base_dir();
    let t = t.to_str().unwrap();
    env.wt_with(&env.main, &["merge", LANE], &[("T", t)])
        .ok()
        .stderr_has("moved while merging; rebasing again (attempt 2 of 4)");
    let new_base = remote_rev(&env, "refs/heads/master");
    assert!(
        is_ancestor(&env, &env.main, &racer, &new_base),
        "never forced"
    );
    assert_eq!(new_base, env.rev(BRANCH));
    assert_eq!(env.rev("master"), new_base);
    assert_eq!(on_base(&env, "lane work"), 1);
    no_merge_commits(&env);
}

#[test]
fn giving_up_after_the_retries_leaves_local_base_behind_not_diverged() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let other = env.second_clone("other");
    env.commit_file(&other, "race.txt", "r\n", "racing merge");
    hook(
        &env,
        "pre-push",
        r#"read local_ref local_sha remote_ref remote_sha
case "$remote_ref" in refs/heads/agent/*)
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
  git -C "$T/other" push -q origin HEAD:master ;;
esac
exit 0"#,
    );
    let local_base = env.rev("master");
    let t = env.base_dir();
    env.wt_with(
        &env.main,
        &["merge", "--retries", "0", LANE],
        &[("T", t.to_str().unwrap())],
    )
    .code(3)
    .stderr_has("kept moving: gave up after 1 attempt(s)");
    assert_eq!(env.rev("master"), local_base, "local base untouched");
    assert!(is_ancestor(&env, &env.main, "master", "origin/master"));
    assert_eq!(on_base(&env, "lane work"), 0);
    assert!(wt_files(&env, "journal").is_empty());
}

#[test]
fn a_failing_check_changes_nothing() {
    let env = world(&config_with_checks("['true', 'exit 7']"));
    let head = lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let before = (all_refs(&env), env.status_of(&lane(&env)));
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("1 of 2 check(s) failed in A-backend")
        .stderr_has("`exit 7`: exit 7");
    assert_eq!((all_refs(&env), env.status_of(&lane(&env))), before);
    assert_eq!(rev_at(&env, &lane(&env), "HEAD"), head);
    assert!(wt_files(&env, "journal").is_empty());
}

#[test]
fn a_failing_check_after_a_rebase_puts_the_lane_back() {
    let env = world(&config_with_checks("['exit 1']"));
    let head = lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let remote = env.remote_refs();
    let master = env.rev("master");
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("was put back at");
    assert_eq!(rev_at(&env, &lane(&env), "HEAD"), head);
    assert_eq!(env.remote_refs(), remote);
    assert_eq!(env.rev("master"), master);
    assert_eq!(env.status_of(&lane(&env)), "");
}

#[test]
fn a_dead_remote_exits_3_with_the_lane_intact() {
    let env = world(DEFAULT_CONFIG);
    let head = lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.git(&["remote", "set-url", "origin", "/nonexistent/origin.git"]);
    let before = (env.refs(), env.status_of(&lane(&env)));
    env.wt(&["merge", LANE])
        .code(3)
        .stderr_has("cannot fetch origin");
    assert_eq!((env.refs(), env.status_of(&lane(&env))), before);
    assert_eq!(rev_at(&env, &lane(&env), "HEAD"), head);
}

#[test]
fn the_main_checkout_must_be_clean_and_on_base() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let before = all_refs(&env);
    env.write("scratch.txt", "mine\n");
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("is not clean")
        .stderr_has("scratch.txt");
    assert_eq!(all_refs(&env), before);
    fs::remove_file(env.main.join("scratch.txt")).unwrap();
    env.git(&["switch", "-q", "-c", "elsewhere"]);
    let before = all_refs(&env);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("is on elsewhere, not on master");
    assert_eq!(all_refs(&env), before);
}

#[test]
fn unpushed_commits_on_local_base_are_refused() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.commit_file(&env.main, "local.txt", "l\n", "local only");
    let remote = env.remote_refs();
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("master has 1 commit(s) that origin/master does not have")
        .stderr_has("local only");
    assert_eq!(env.remote_refs(), remote);
}

#[test]
fn a_dirty_lane_or_a_lane_without_work_is_refused() {
    let env = world(DEFAULT_CONFIG);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("A-backend has nothing to merge");
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    write_file(&lane(&env).join("cmd/a.go"), "uncommitted\n");
    let before = all_refs(&env);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("preflight of A-backend failed");
    assert_eq!(all_refs(&env), before);
}

#[test]
fn a_conflict_exits_4_and_restores_the_lane() {
    let env = world(DEFAULT_CONFIG);
    let head = lane_commit(&env, "README.md", "lane\n", "lane edits readme");
    move_base(&env, "other", "README.md", "base\n", "base edits readme");
    let remote = env.remote_refs();
    env.wt(&["merge", LANE])
        .code(4)
        .stderr_has("conflict: README.md");
    assert_eq!(rev_at(&env, &lane(&env), "HEAD"), head);
    assert_eq!(env.status_of(&lane(&env)), "");
    assert_eq!(env.remote_refs(), remote);
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let env = world(&config_with_checks("['true']"));
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    move_base(&env, "other", "other.txt", "x\n", "base moved");
    let snapshot = |env: &Env| {
        (
            all_refs(env),
            env.status_of(&lane(env)),
            env.status_of(&env.main),
            wt_tree(&env.main.join(".git/wt")),
        )
    };
    let before = snapshot(&env);
    env.wt(&["merge", "--dry-run", LANE])
        .ok()
        .stdout_has("1. take the repository lock")
        .stdout_has("origin/master moved since the last fetch")
        .stdout_has("5. `true` (role)")
        .stdout_has(
            "6. push agent/A-backend to origin with --force-with-lease=refs/heads/agent/A-backend:",
        )
        .stdout_has("7. no claimed task")
        .stderr_has("the merge would go ahead; nothing was changed");
    assert_eq!(snapshot(&env), before);
    let json = env.wt(&["--json", "merge", "--dry-run", LANE]);
    json.ok();
    assert_eq!(json.json()["would_merge"], true);
    env.write("scratch.txt", "x\n");
    env.wt(&["merge", "--dry-run", LANE])
        .code(1)
        .stderr_has("is not clean");
}

/// Every file under `dir` with its content: "no file changed" for wt's own directory.
fn wt_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(wt_tree(&p));
        } else {
            out.push((p.display().to_string(), fs::read(&p).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

#[test]
fn without_a_remote_the_merge_fast_forwards_the_local_base() {
    let env = Env::new();
    env.git(&["remote", "remove", "origin"]);
    setup_lanes(&env);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let moved = env.commit_file(&env.main, "base.txt", "b\n", "local base moved");
    let r = env.wt(&["--json", "merge", LANE]);
    r.ok();
    let tip = env.rev(BRANCH);
    let summary = r.json();
    assert_eq!(summary["base"], "master");
    assert_eq!(summary["base_before"], moved.as_str());
    assert_eq!(summary["base_after"], tip.as_str());
    assert_eq!(summary["commits"][0]["subject"], "lane work");
    assert_eq!(summary["files"][0]["path"], "cmd/a.go");
    assert_eq!(env.rev("master"), tip);
    assert!(is_ancestor(&env, &env.main, &moved, &tip));
    assert_eq!(env.git(&["rev-list", "--merges", "master"]), "");
    assert!(env.main.join("cmd/a.go").exists(), "main checkout updated");
}

/// A check that pauses (until `$T/release` exists) the first time it runs.
fn slow_check_config() -> String {
    let checks = format!(
        r#"['''[ -e "$T/release" ] || {{ {}; }}''']"#,
        pause_point("check", "$$")
    );
    config_with_checks(&checks)
}

/// Spawn `wt merge LANE` with `T` pointing at the test's base dir.
fn spawn_merge(env: &Env) -> Child {
    let mut cmd = env.wt_command(&env.main, &["merge", LANE]);
    cmd.env("T", env.base_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd.spawn().unwrap()
}

fn kill_wt(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

fn release(env: &Env) {
    fs::write(env.base_dir().join("release"), "").unwrap();
}

fn lands_exactly_once(env: &Env) {
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(env, "refs/heads/master"), tip);
    assert_eq!(env.rev("master"), tip);
    assert_eq!(on_base(env, "lane work"), 1);
    no_merge_commits(env);
    assert_eq!(wt_files(env, "handoffs").len(), 1);
    assert!(wt_files(env, "journal").is_empty());
}

#[test]
fn killed_during_a_slow_check_the_rerun_lands_once() {
    let env = world(&slow_check_config());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let remote = env.remote_refs();
    let mut wt = spawn_merge(&env);
    wait_for(&env.base_dir().join("check.started"));
    kill_wt(&mut wt);
    kill_group(&env.base_dir().join("check.pid"));
    assert_eq!(
        env.remote_refs(),
        remote,
        "nothing pushed before the checks passed"
    );
    release(&env);
    env.wt_with(
        &env.main,
        &["merge", LANE],
        &[("T", env.base_dir().to_str().unwrap())],
    )
    .ok();
    lands_exactly_once(&env);
}

#[test]
fn killed_between_the_lane_push_and_the_base_push_the_rerun_lands_once() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let tip = env.rev(BRANCH);
    hook(
        &env,
        "pre-push",
        &format!(
            r#"read local_ref local_sha remote_ref remote_sha
if [ "$remote_ref" = "refs/heads/master" ] && [ ! -e "$T/release" ]; then {}; fi
exit 0"#,
            pause_point("push", "$PPID")
        ),
    );
    let mut wt = spawn_merge(&env);
    wait_for(&env.base_dir().join("push.started"));
    kill_wt(&mut wt);
    kill_group(&env.base_dir().join("push.pid"));
    assert_eq!(
        remote_rev(&env, &lane_ref()),
        tip,
        "the lane push went through"
    );
    assert_ne!(
        remote_rev(&env, "refs/heads/master"),
        tip,
        "the base push did not"
    );
    assert_eq!(
        wt_files(&env, "journal").len(),
        1,
        "the journal is left behind"
    );
    release(&env);
    env.wt_with(
        &env.main,
        &["merge", LANE],
        &[("T", env.base_dir().to_str().unwrap())],
    )
    .ok()
    .stderr_has("never reached origin/master; starting over");
    lands_exactly_once(&env);
}

#[test]
fn killed_after_the_base_push_the_rerun_only_finishes_the_bookkeeping() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let tip = env.rev(BRANCH);
    // why: post-merge runs inside the main checkout's fast-forward, after the base push.
    hook(
        &env,
        "post-merge",
        &format!(
            r#"if [ ! -e "$T/release" ]; then {}; fi"#,
            pause_point("ff", "$PPID")
        ),
    );
    let mut wt = spawn_merge(&env);
    wait_for(&env.base_dir().join("ff.started"));
    kill_wt(&mut wt);
    kill_group(&env.base_dir().join("ff.pid"));
    assert_eq!(
        remote_rev(&env, "refs/heads/master"),
        tip,
        "landed on the remote"
    );
    assert!(wt_files(&env, "handoffs").is_empty());
    release(&env);
    let remote = env.remote_refs();
    env.wt_with(
        &env.main,
        &["merge", LANE],
        &[("T", env.base_dir().to_str().unwrap())],
    )
    .ok()
    .stderr_has("finishing the interrupted merge of A-backend");
    assert_eq!(env.remote_refs(), remote, "nothing pushed again");
    lands_exactly_once(&env);
}

#[test]
fn a_second_mutating_wt_of_the_lane_waits_then_exits_5_while_status_works() {
    let env = world(&slow_check_config());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let mut wt = spawn_merge(&env);
    wait_for(&env.base_dir().join("check.started"));
    // The lane is held while its checks run (other lanes are not: see the next test).
    env.wt(&["--wait", "1", "sync", LANE])
        .code(5)
        .stderr_has("waiting up to 1s for lane A-backend")
        .stderr_has("merge A-backend");
    env.wt(&["status"]).ok();
    release(&env);
    assert!(wt.wait().unwrap().success());
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
}

#[test]
fn checks_hold_their_lane_alone_other_lanes_sync_and_merge_meanwhile() {
    // Lane A's check waits for the test (a release file), never for a clock.
    let env = world(&slow_check_config());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let b = env.lane("B-ui-1");
    env.commit_file(&b, "web/b.js", "b\n", "b work");
    let mut cmd = env.wt_command(&env.main, &["merge", LANE]);
    cmd.env("T", env.base_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let a = cmd.spawn().unwrap();
    wait_for(&env.base_dir().join("check.started"));
    // While A's check runs, B syncs and merges without waiting (`--wait 0`).
    env.wt(&["--wait", "0", "sync", "B-ui-1"]).ok();
    env.wt(&["--wait", "0", "merge", "B-ui-1"]).ok();
    let b_tip = env.rev("agent/B-ui-1");
    assert_eq!(remote_rev(&env, "refs/heads/master"), b_tip);
    // Lane A itself is busy: exit 5 naming it; a sync of every lane skips it.
    env.wt(&["--wait", "0", "sync", LANE])
        .code(5)
        .stderr_has("another wt holds lane A-backend (pid")
        .stderr_has("merge A-backend");
    env.wt(&["--wait", "0", "sync"])
        .ok()
        .stderr_has("A-backend: skipped");
    // Released, A finds base moved under its checks: it rebases, checks again and lands.
    release(&env);
    let out = a.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("rebasing again"), "{stderr}");
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip);
    assert_eq!(env.rev("master"), tip);
    assert!(is_ancestor(&env, &env.main, &b_tip, &tip));
    assert_eq!(on_base(&env, "lane work"), 1);
    assert_eq!(on_base(&env, "b work"), 1);
    no_merge_commits(&env);
}

/// A one-lane world with a pushed queue and a check that counts its runs in `$T/checks.log`,
/// and a pre-push hook that, on the lane's push, moves base once from a second clone by a
/// commit of `racer` (a file path) and nothing else.
fn counted_checks_world(racer: &str) -> Env {
    use crate::common::faults::{one_lane_config, queue_table, QUEUE, QUEUE_TEXT};
    let config = one_lane_config(&format!(
        "checks = ['echo run >> \"$T/checks.log\"']\n{}",
        queue_table()
    ));
    let env = Env::with_config(&config);
    env.write(QUEUE, QUEUE_TEXT);
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", LANE]).ok();
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let other = env.second_clone("other");
    let text = fs::read_to_string(other.join(racer)).unwrap_or_default();
    env.commit_file(&other, racer, &format!("{text}# moved\n"), "racing commit");
    push_other_on_the_lane_push(&env);
    env
}

/// A pre-push hook that, on the lane's push, pushes the clone `$T/other` to master once. The
/// lane push runs just before the base push, so moving base there makes the base push lose the
/// race exactly once.
fn push_other_on_the_lane_push(env: &Env) {
    hook(
        env,
        "pre-push",
        &format!(
            r#"read local_ref local_sha remote_ref remote_sha
if [ "$remote_ref" = "refs/heads/{BRANCH}" ] && [ ! -e "$T/moved" ]; then
  touch "$T/moved"
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
  git -C "$T/other" push -q origin HEAD:master
fi
exit 0"#
        ),
    );
}

fn check_runs(env: &Env) -> usize {
    fs::read_to_string(env.base_dir().join("checks.log"))
        .unwrap_or_default()
        .lines()
        .count()
}

/// Issue 18: with many agents, base moves every second or two, mostly by queue commits (claims,
/// done marks). A move that changes only the queue file leaves the tree the checks passed on
/// unchanged but for it: the retry lands without running the checks again.
#[test]
fn a_base_moved_by_a_queue_commit_alone_does_not_rerun_the_checks() {
    let env = counted_checks_world("queue.yaml");
    let t = env.base_dir();
    env.wt_with(&env.main, &["merge", LANE], &[("T", t.to_str().unwrap())])
        .ok()
        .stderr_has("rebasing again (attempt 2 of 4)")
        .stderr_has("checks: not run again");
    assert_eq!(check_runs(&env), 1);
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
    assert_eq!(on_base(&env, "racing commit"), 1);
    assert_eq!(on_base(&env, "lane work"), 1);
    no_merge_commits(&env);
}

/// Any other file moved on base: the new tree is not the one checked, so the checks run again.
#[test]
fn a_base_moved_by_any_other_file_reruns_the_checks() {
    let env = counted_checks_world("other.txt");
    let t = env.base_dir();
    let r = env.wt_with(&env.main, &["merge", LANE], &[("T", t.to_str().unwrap())]);
    r.ok().stderr_has("rebasing again (attempt 2 of 4)");
    assert!(!r.stderr.contains("not run again"), "{}", r.stderr);
    assert_eq!(check_runs(&env), 2);
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
    no_merge_commits(&env);
}
