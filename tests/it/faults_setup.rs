//! Setup and repository-level faults the foundation tests leave open (F18, F19, F22-F24, F26,
//! F47): another process's config lock, a moved main checkout, a base that cannot be found, a
//! bare hub, a shallow clone, a repository owned by someone else, parallel setups.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::remote_rev;
use crate::common::{Env, DEFAULT_CONFIG};
use std::fs;

/// Everything under the test's temp dir, for "nothing was created" checks.
fn listing(env: &Env) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.file_name() == ".git" {
                continue;
            }
            out.push(e.path().display().to_string());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&e.path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(env.tmp.path(), &mut out);
    out.sort();
    out
}

#[test]
fn f18_another_process_holding_config_lock_stops_setup_before_any_change() {
    // `git branch --track` would create the branch and then fail to write its upstream.
    let env = Env::with_config(&one_lane_config(""));
    let other = env.second_clone("other");
    env.git_at(&other, &["switch", "-q", "-c", BRANCH]);
    let theirs = env.commit_file(&other, "cmd/r.go", "r\n", "remote lane work");
    env.git_at(&other, &["push", "-q", "origin", BRANCH]);
    env.git(&["fetch", "-q", "origin"]);
    let lock = env.main.join(".git/config.lock");
    fs::write(&lock, "").unwrap();
    let before = (listing(&env), Snapshot::take(&env, &[&env.main]));
    env.wt(&["setup", "--no-fetch", LANE])
        .code(1)
        .stderr_has("config.lock")
        .stderr_has("no git process");
    before.1.assert_identical(&env);
    assert_eq!(listing(&env), before.0);
    assert!(lock.exists(), "never deleted by wt");
    fs::remove_file(&lock).unwrap();
    env.wt(&["setup", LANE])
        .ok()
        .stderr_has("tracking the remote's agent/A-backend");
    assert_eq!(env.rev(BRANCH), theirs);
    assert_eq!(
        env.git(&[
            "rev-parse",
            "--abbrev-ref",
            &format!("{BRANCH}@{{upstream}}")
        ]),
        format!("origin/{BRANCH}")
    );
    assert_no_half_state(&env);
}

#[test]
fn f19_a_moved_main_checkout_is_reported_with_the_repair_command() {
    let env = Env::with_config(
        &one_lane_config("").replace("[project]\n", "[project]\nprefix = \"proj\"\n"),
    );
    env.wt(&["setup", LANE]).ok();
    let lane = env.root.join("proj-A-backend");
    env.commit_file(&lane, "cmd/a.go", "a\n", "lane work");
    let moved = env.base_dir().join("moved main");
    fs::rename(&env.main, &moved).unwrap();
    let remote = env.remote_refs();
    let files = listing(&env);
    for cmd in [&["preflight", LANE][..], &["sync", LANE], &["merge", LANE]] {
        let r = env.wt_in(&moved, cmd);
        assert_eq!(r.code, 1, "{r:?}");
        // why: preflight lists its checks (and their fixes) on stdout.
        assert!(
            format!("{}{}", r.stdout, r.stderr).contains("git worktree repair"),
            "{r:?}"
        );
        assert_eq!(env.remote_refs(), remote);
        assert_eq!(listing(&env), files);
    }
    // The advice works: repair, then sync.
    env.git_at(&moved, &["worktree", "repair", lane.to_str().unwrap()]);
    env.wt_in(&moved, &["sync", LANE]).ok();
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.git_at(&moved, &["rev-parse", BRANCH])
    );
}

#[test]
fn f22_a_base_that_cannot_be_found_is_a_clear_error() {
    let env = Env::build("trunk", Some(&one_lane_config("")));
    env.git(&["remote", "set-head", "origin", "-d"]);
    let before = (listing(&env), Snapshot::take(&env, &[&env.main]));
    let r = env.wt(&["setup", LANE]);
    assert!(r.code == 2 || r.code == 3, "{r:?}");
    r.stderr_has("base");
    assert_eq!(listing(&env), before.0);
    before.1.assert_identical(&env);
    // Naming it in lanes.toml is the fix the message gives.
    env.write(
        "lanes.toml",
        &one_lane_config("").replace("[project]\n", "[project]\nbase = \"trunk\"\n"),
    );
    env.wt(&["setup", LANE]).ok();
    assert_eq!(
        env.git_at(&env.lane(LANE), &["rev-parse", "HEAD"]),
        env.rev("origin/trunk")
    );
}

#[test]
fn f23_a_bare_hub_is_refused_with_what_to_do() {
    let env = Env::with_config(&one_lane_config(""));
    let base = env.base_dir();
    env.git_at(&base, &["clone", "-q", "--bare", "origin.git", "hub.git"]);
    env.git_at(
        &base.join("hub.git"),
        &["worktree", "add", "-q", "../hub-wt", "master"],
    );
    let before = listing(&env);
    for dir in [base.join("hub.git"), base.join("hub-wt")] {
        env.wt_in(&dir, &["setup"])
            .code(2)
            .stderr_has("bare repository")
            .stderr_has("clone it without --bare");
    }
    assert_eq!(listing(&env), before);
}

#[test]
fn f24_a_shallow_clone_missing_the_common_history_is_refused() {
    // After `git fetch --depth 1` the lane's base commit is below the shallow boundary: a
    // rebase would replay base's own first commit and stop on a spurious conflict.
    let env = world1("");
    let other = env.second_clone("other");
    for i in 1..=3 {
        env.commit_file(
            &other,
            "README.md",
            &format!("hello {i}\n"),
            "base edits readme",
        );
    }
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    env.git(&["fetch", "-q", "--depth", "1", "origin"]);
    let lane = env.lane(LANE);
    let before = Snapshot::take(&env, &[&lane]);
    for cmd in ["sync", "merge"] {
        env.wt(&[cmd, LANE])
            .code(1)
            .stderr_has("shallow")
            .stderr_has("fetch --unshallow");
        before.assert_unchanged(&env);
    }
    env.git(&["fetch", "-q", "--unshallow", "origin"]);
    env.wt(&["sync", LANE]).ok();
    assert_no_half_state(&env);
}

#[test]
fn f26_a_repository_owned_by_another_user_is_surfaced_and_never_trusted() {
    // Needs root to give the files away; elsewhere the case cannot be built.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: not root");
        return;
    }
    let env = Env::with_config(&one_lane_config(""));
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&env.main)
        .status()
        .unwrap();
    assert!(chown.success());
    let gitconfig = fs::read(env.home.join(".gitconfig")).unwrap();
    for cmd in [&["status"][..], &["setup"]] {
        env.wt(cmd)
            .code(2)
            .stderr_has("belongs to another user")
            .stderr_has("safe.directory");
    }
    assert_eq!(fs::read(env.home.join(".gitconfig")).unwrap(), gitconfig);
    assert!(!env.root.exists(), "nothing set up");
}

#[test]
fn f47_parallel_setups_of_different_lanes_serialize_and_all_succeed() {
    let env = Env::with_config(DEFAULT_CONFIG);
    let lanes = ["A-backend", "B-ui-1", "B-ui-2"];
    let children: Vec<_> = lanes
        .iter()
        .map(|l| spawn(&env, &env.main, &["--wait", "60", "setup", l]))
        .collect();
    for c in children {
        finish(c).ok();
    }
    for lane in lanes {
        assert_eq!(env.status_of(&env.lane(lane)), "");
        assert_eq!(
            env.git_at(&env.lane(lane), &["symbolic-ref", "--short", "HEAD"]),
            format!("agent/{lane}")
        );
    }
    assert_no_half_state(&env);
    // With --wait 0 a setup that finds the lock taken gives up at once with exit 5.
    let file = env.hold_lock();
    let before = Snapshot::take(&env, &[]);
    env.wt(&["--wait", "0", "setup"])
        .code(5)
        .stderr_has("another wt holds the repository lock");
    before.assert_identical(&env);
    file.unlock().unwrap();
}
