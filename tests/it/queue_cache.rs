//! What preflight and status show of the queue (the lane's claimed task, whether its
//! dependencies are done, whether the queue is valid) is remembered between runs in
//! `.git/wt/queue-summary.json`. Each test checks that what is shown always follows the queue
//! file, the lanes and the base tip, never a stale memory of them.

use crate::common::queue::{commit_queue, qenv, Q, QUEUE};
use crate::common::{write_file, Env, Run};
use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// Makes the queue file look a minute old: younger files are never remembered (they could
/// change again within the same clock tick).
fn age_queue(env: &Env) {
    let f = fs::File::options()
        .write(true)
        .open(env.main.join(Q))
        .unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
}

fn cache_file(env: &Env) -> PathBuf {
    env.main.join(".git/wt/queue-summary.json")
}

fn check(run: &Run, name: &str) -> (String, String) {
    let v = run.json();
    let c = crate::common::world::preflight_check(&v, name);
    (
        c["status"].as_str().unwrap().to_string(),
        c["detail"].as_str().unwrap().to_string(),
    )
}

fn task_check(env: &Env) -> (String, String) {
    check(&env.wt(&["preflight", "--json", "A-backend"]), "task")
}

fn status_task(env: &Env, lane: &str) -> Value {
    let v = env.wt(&["status", "--json"]).json();
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["lane"] == lane)
        .unwrap()["task"]
        .clone()
}

fn world() -> Env {
    let env = qenv("", QUEUE);
    crate::common::world::setup_lanes(&env);
    age_queue(&env);
    env
}

#[test]
fn preflight_and_status_follow_every_change_of_the_queue() {
    let env = world();
    let none = ("warn".to_string(), "no claimed task".to_string());
    assert_eq!(task_check(&env), none);
    assert!(cache_file(&env).exists(), "an old queue file is remembered");
    assert_eq!(task_check(&env), none, "and read back the same");
    assert_eq!(status_task(&env, "A-backend"), Value::Null);

    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    let claimed = (
        "ok".to_string(),
        "A-1 in_progress, dependencies done".to_string(),
    );
    assert_eq!(task_check(&env), claimed, "a claim just written");
    age_queue(&env);
    assert_eq!(task_check(&env), claimed);
    assert_eq!(status_task(&env, "A-backend"), "A-1");

    // A hand edit in place (same inode): A-0, which A-1 depends on, is reopened.
    let path = env.main.join(Q);
    let text = fs::read_to_string(&path).unwrap();
    let reopened = text.replacen("status: done", "status: todo", 1);
    fs::write(&path, &reopened).unwrap();
    age_queue(&env);
    let (status, detail) = task_check(&env);
    assert_eq!(status, "fail");
    assert!(
        detail.contains("A-1 depends on unfinished A-0 (todo)"),
        "{detail}"
    );
    let run = env.wt(&["preflight", "--json", "A-backend"]);
    let checks = run.json()["checks"].clone();
    let task = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "task");
    assert_eq!(task.unwrap()["fix"], "wt queue set A-1 blocked --by A-0");
    commit_queue(&env, &env.main, "reopen A-0");
    age_queue(&env);
    assert_eq!(task_check(&env).0, "fail");
}

#[test]
fn a_moved_base_tip_is_seen_by_the_validity_check() {
    // A done task whose merged_commit is not on base yet is a problem; once base moves to
    // include it, the problem is gone, with the queue file unchanged.
    let env = world();
    let lane_work = env.commit_file(&env.lane("A-backend"), "cmd/x.go", "x\n", "lane work");
    let text = fs::read_to_string(env.main.join(Q)).unwrap();
    let done_elsewhere = text.replacen(
        "  - id: B-3\n",
        &format!("  - id: C-9\n    title: Merged later\n    role: A-backend\n    status: done\n    acceptance_checks: [\"true\"]\n    merged_commit: \"{lane_work}\"\n  - id: B-3\n"),
        1,
    );
    write_file(&env.main.join(Q), &done_elsewhere);
    commit_queue(&env, &env.main, "record C-9");
    age_queue(&env);
    let queue_check = |env: &Env| check(&env.wt(&["preflight", "--json", "A-backend"]), "queue");
    let (status, detail) = queue_check(&env);
    assert_eq!(status, "fail", "{detail}");
    assert!(detail.contains("C-9"), "{detail}");
    assert_eq!(queue_check(&env).0, "fail", "remembered");
    env.git(&["merge", "-q", "--no-edit", &lane_work]);
    env.git(&["push", "-q", "origin", "HEAD:master"]);
    let (status, detail) = queue_check(&env);
    assert_eq!(status, "ok", "base moved onto C-9's commit: {detail}");
}

#[test]
fn a_damaged_or_foreign_cache_is_recomputed() {
    let env = world();
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    age_queue(&env);
    let claimed = task_check(&env);
    assert_eq!(claimed.0, "ok");
    for junk in ["", "{", "{\"key\":1,\"value\":2}", "\u{0}\u{1}binary"] {
        write_file(&cache_file(&env), junk);
        assert_eq!(task_check(&env), claimed, "{junk:?}");
    }
    // The remembered summary is what is shown while the key matches (which proves it is used
    // and the queue not parsed again).
    let cached = fs::read_to_string(cache_file(&env)).unwrap();
    write_file(&cache_file(&env), &cached.replace("\"A-1\"", "\"A-7\""));
    assert_eq!(task_check(&env).1, "A-7 in_progress, dependencies done");
    // A cache made for other lanes (another lanes.toml) is not used for these.
    let other_lanes = cached.replace("agent/A-backend", "agent/Z-other");
    write_file(&cache_file(&env), &other_lanes);
    assert_eq!(task_check(&env), claimed);
}

/// The tip a remembered summary is filed under (`key.base_tip`), if one is remembered.
fn remembered_tip(env: &Env) -> Option<String> {
    let text = fs::read_to_string(cache_file(env)).ok()?;
    let v: Value = serde_json::from_str(&text).unwrap();
    v["key"]["base_tip"].as_str().map(str::to_string)
}

/// Issue 18: `wt sync` moves base (its fetch) and so makes the remembered summary stale; it
/// works the summary out again while the lanes rebase, so the status that follows reads it.
#[test]
fn sync_leaves_the_summary_of_the_new_base_tip_remembered() {
    let env = world();
    env.wt(&["status", "--json"]).ok();
    let old_tip = env.rev("origin/master");
    assert_eq!(remembered_tip(&env).as_deref(), Some(old_tip.as_str()));

    crate::common::world::move_base(&env, "other", "other.txt", "x\n", "base moved");
    env.wt(&["sync", "A-backend"]).ok();
    let new_tip = env.rev("origin/master");
    assert_ne!(new_tip, old_tip);
    assert_eq!(remembered_tip(&env).as_deref(), Some(new_tip.as_str()));
}

/// The same for `wt setup`: a fresh machine's first status after setup reads a remembered
/// summary.
#[test]
fn setup_leaves_the_summary_remembered() {
    let env = qenv("", QUEUE);
    age_queue(&env);
    assert!(!cache_file(&env).exists());
    env.wt(&["setup", "A-backend"]).ok();
    let tip = env.rev("origin/master");
    assert_eq!(remembered_tip(&env).as_deref(), Some(tip.as_str()));
}

/// Archived tasks satisfy dependencies (issue 13), so the remembered summary follows the archive
/// files too: a claimed task whose dependency leaves the archive is no longer shown as ready.
#[test]
fn an_archive_change_alone_is_seen_by_preflight() {
    let queue = format!(
        "{QUEUE}  - id: C-1\n    title: Needs old work\n    role: A-backend\n    status: in_progress\n    owner: agent-a\n    branch: agent/A-backend\n    depends_on: [OLD-1]\n    acceptance_checks: [\"true\"]\n"
    );
    let env = qenv("archive = [\"doc/archive/*.yaml\"]", &queue);
    let archive = env.main.join("doc/archive/2026.yaml");
    write_file(
        &archive,
        "version: 1\ntasks:\n  - id: OLD-1\n    title: Old\n    role: A-backend\n    status: done\n    acceptance_checks: [\"true\"]\n",
    );
    crate::common::world::setup_lanes(&env);
    age_queue(&env);
    let (status, detail) = task_check(&env);
    assert_eq!(status, "ok", "{detail}");
    assert!(detail.contains("C-1"), "{detail}");
    assert!(cache_file(&env).exists());
    // The archive loses OLD-1; the queue file is untouched.
    write_file(&archive, "version: 1\ntasks: []\n");
    let (status, detail) = task_check(&env);
    assert_ne!(status, "ok", "the dependency is gone: {detail}");
    assert!(detail.contains("OLD-1"), "{detail}");
}
