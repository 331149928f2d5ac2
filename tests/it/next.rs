//! `wt next`: each lane's state and the one step that moves it on; running that step's command
//! moves the lane to its next state. `wt status` shows the step's word in its NEXT column.

use crate::common::queue::{qenv, Q};
use crate::common::world::{approve_as, setup_lanes};
use crate::common::{Env, Run};
use serde_json::Value;
use std::process::Command;

/// `wt next LANE --json`, the one object for that lane.
#[track_caller]
fn next(env: &Env, lane: &str) -> Value {
    let r = env.wt(&["next", lane, "--json"]);
    r.ok();
    let v = r.json();
    let all = v.as_array().expect("an array");
    assert_eq!(all.len(), 1, "{v}");
    let one = all[0].clone();
    for key in ["lane", "state", "action", "command", "task", "reason"] {
        assert!(one.get(key).is_some(), "no `{key}` in {one}");
    }
    one
}

/// Assert the state, action and task of a step, returning its command.
#[track_caller]
fn expect(step: &Value, state: &str, action: &str, task: Option<&str>) -> Vec<String> {
    assert_eq!(step["state"], state, "{step}");
    assert_eq!(step["action"], action, "{step}");
    assert_eq!(step["task"].as_str(), task, "{step}");
    step["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

/// Run a step's command as given: `wt …` is the binary under test, `git …` is git.
#[track_caller]
fn run(env: &Env, argv: &[String]) -> Run {
    assert!(!argv.is_empty(), "the step has a command");
    let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
    match argv[0].as_str() {
        "wt" => env.wt(&args),
        "git" => {
            let mut cmd = Command::new("git");
            cmd.args(&args).current_dir(&env.main);
            env.sealed(&mut cmd);
            cmd.env("GIT_EDITOR", "true");
            Run::from(cmd.output().unwrap())
        }
        other => panic!("unexpected program {other}"),
    }
}

const CYCLE: &str = r#"version: 1
tasks:
  - id: A-1
    title: First backend slice
    role: A-backend
    status: todo
    acceptance_checks: ["true"]
  - id: A-2
    title: Second backend slice
    role: A-backend
    status: todo
    depends_on: [A-1]
    acceptance_checks: ["true"]
"#;

#[test]
fn a_lane_walks_its_whole_cycle_by_running_each_command() {
    let env = qenv("", CYCLE);
    let lane = env.lane("A-backend");
    let cmd = expect(&next(&env, "A-backend"), "absent", "setup", Some("A-1"));
    assert_eq!(cmd, ["wt", "setup", "A-backend"]);
    run(&env, &cmd).ok();

    let cmd = expect(&next(&env, "A-backend"), "idle", "claim", Some("A-1"));
    assert_eq!(
        cmd,
        [
            "wt",
            "queue",
            "claim",
            "A-backend",
            "--task",
            "A-1",
            "--owner",
            "A-backend"
        ]
    );
    let with_owner = env.wt(&["next", "A-backend", "--owner", "agent-a", "--json"]);
    with_owner.ok();
    assert_eq!(with_owner.json()[0]["command"][7], "agent-a");
    run(&env, &cmd).ok();

    let step = next(&env, "A-backend");
    assert!(expect(&step, "working", "continue", Some("A-1")).is_empty());
    env.commit_file(&lane, "cmd/a.go", "a\n", "A-1 work");

    // Base moves: the lane is behind and syncs first.
    let other = env.second_clone("other");
    env.commit_file(&other, "other.txt", "o\n", "someone else");
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    env.git(&["fetch", "-q", "origin"]);
    let cmd = expect(&next(&env, "A-backend"), "behind", "sync", Some("A-1"));
    assert_eq!(cmd, ["wt", "sync", "A-backend"]);
    run(&env, &cmd).ok();

    let cmd = expect(&next(&env, "A-backend"), "unchecked", "check", Some("A-1"));
    assert_eq!(cmd, ["wt", "check", "A-backend"]);
    run(&env, &cmd).ok();

    let status = env.wt(&["status", "A-backend", "--json"]);
    status.ok();
    assert_eq!(status.json()[0]["next"], "merge");
    assert_eq!(status.json()[0]["task"], "A-1");
    env.wt(&["status"]).ok().stdout_has("NEXT");

    let cmd = expect(&next(&env, "A-backend"), "checked", "merge", Some("A-1"));
    assert_eq!(cmd, ["wt", "merge", "A-backend"]);
    run(&env, &cmd).ok();

    // A-1 is done, so A-2 is ready.
    let cmd = expect(&next(&env, "A-backend"), "idle", "claim", Some("A-2"));
    run(&env, &cmd).ok();
    env.commit_file(&lane, "cmd/b.go", "b\n", "A-2 work");
    // why: the queue commits of the merge and the claim moved base past the lane.
    let cmd = expect(&next(&env, "A-backend"), "behind", "sync", Some("A-2"));
    run(&env, &cmd).ok();
    let cmd = expect(&next(&env, "A-backend"), "unchecked", "check", Some("A-2"));
    run(&env, &cmd).ok();
    let cmd = expect(&next(&env, "A-backend"), "checked", "merge", Some("A-2"));
    run(&env, &cmd).ok();

    let cmd = expect(&next(&env, "A-backend"), "finished", "teardown", None);
    assert_eq!(cmd, ["wt", "teardown", "A-backend"]);
    run(&env, &cmd).ok();
    let step = next(&env, "A-backend");
    assert!(expect(&step, "absent", "idle", None).is_empty());
}

const WAITS: &str = r#"version: 1
tasks:
  - id: A-1
    title: Contract
    role: A-backend
    status: todo
    acceptance_checks: ["true"]
  - id: B-1
    title: Claimed before its dependency was done
    role: B-ui
    lane: 1
    status: in_progress
    owner: agent-b
    branch: agent/B-ui-1
    depends_on: [A-1]
    acceptance_checks: ["true"]
  - id: B-2
    title: Waits on the contract
    role: B-ui
    lane: 2
    status: todo
    depends_on: [A-1]
    acceptance_checks: ["true"]
"#;

#[test]
fn blocked_waiting_and_conflicted_lanes_say_why_and_how() {
    let env = qenv("", WAITS);
    setup_lanes(&env);

    let step = next(&env, "B-ui-1");
    let cmd = expect(&step, "blocked", "blocked", Some("B-1"));
    assert_eq!(cmd, ["wt", "queue", "set", "B-1", "blocked", "--by", "A-1"]);
    assert!(step["reason"].as_str().unwrap().contains("A-1"), "{step}");
    run(&env, &cmd).ok();
    let step = next(&env, "B-ui-1");
    assert!(expect(&step, "blocked", "blocked", Some("B-1")).is_empty());
    assert!(
        step["reason"]
            .as_str()
            .unwrap()
            .contains("blocked by A-1 (todo)"),
        "{step}"
    );

    let step = next(&env, "B-ui-2");
    assert!(expect(&step, "waiting", "blocked", Some("B-2")).is_empty());
    assert!(
        step["reason"]
            .as_str()
            .unwrap()
            .contains("unmet dependency A-1 (todo)"),
        "{step}"
    );

    // A rebase stopped on a conflict in A-backend: resolve it, then continue.
    let lane = env.lane("A-backend");
    env.commit_file(&lane, "cmd/x.go", "lane\n", "lane side");
    let other = env.second_clone("other");
    env.commit_file(&other, "cmd/x.go", "base\n", "base side");
    env.git_at(&other, &["push", "-q", "origin", "HEAD:master"]);
    env.wt(&["sync", "A-backend", "--keep-conflict"]).code(4);
    let cmd = expect(
        &next(&env, "A-backend"),
        "conflicted",
        "resolve",
        Some("A-1"),
    );
    assert_eq!(cmd[..2], ["git", "-C"]);
    assert_eq!(cmd[3..], ["rebase", "--continue"]);
    std::fs::write(lane.join("cmd/x.go"), "both\n").unwrap();
    env.git_at(&lane, &["add", "cmd/x.go"]);
    run(&env, &cmd).ok();
    expect(&next(&env, "A-backend"), "idle", "claim", Some("A-1"));

    // After A-1 lands, B-1 is taken up again and B-2 can be claimed.
    env.wt(&["queue", "claim", "A-backend", "--owner", "a"])
        .ok();
    env.wt(&["merge", "A-backend"]).ok();
    let cmd = expect(&next(&env, "B-ui-1"), "blocked", "continue", Some("B-1"));
    assert_eq!(cmd, ["wt", "queue", "set", "B-1", "in_progress"]);
    run(&env, &cmd).ok();
    let step = next(&env, "B-ui-1");
    assert!(expect(&step, "working", "continue", Some("B-1")).is_empty());
    expect(&next(&env, "B-ui-2"), "idle", "claim", Some("B-2"));

    // `wt next` changed nothing: the queue file is as the last command left it.
    let before = std::fs::read(env.main.join(Q)).unwrap();
    let refs = env.refs();
    env.wt(&["next", "--json"]).ok();
    assert_eq!(std::fs::read(env.main.join(Q)).unwrap(), before);
    assert_eq!(env.refs(), refs);
}

#[test]
fn a_lane_whose_merge_needs_a_review_is_told_to_get_one_first() {
    let env = qenv("[review]\nrequired = true\n", CYCLE);
    let lane = env.lane("A-backend");
    env.wt(&["setup", "A-backend"]).ok();
    env.wt(&[
        "queue",
        "claim",
        "A-backend",
        "--task",
        "A-1",
        "--owner",
        "agent-a",
    ])
    .ok();
    env.commit_file(&lane, "cmd/a.go", "a\n", "A-1 work");
    env.wt(&["sync", "A-backend"]).ok();
    env.wt(&["check", "A-backend"]).ok();

    let cmd = expect(
        &next(&env, "A-backend"),
        "unreviewed",
        "review",
        Some("A-1"),
    );
    assert_eq!(cmd[..4], ["wt", "review", "A-backend", "--approve"]);
    approve_as(&env, "B-ui-1", "implemented").ok();

    let cmd = expect(&next(&env, "A-backend"), "checked", "merge", Some("A-1"));
    run(&env, &cmd).ok();
}
