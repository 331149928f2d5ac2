//! The queue file under faults (F51-F58, F62), the cases `queue.rs` and `queue_git.rs` leave
//! open: one task raced for by several lanes, the one authoritative copy, tabs, empty and
//! multi-document files, duplicate ids, deep nesting, shell in the file's values, a claim killed
//! half-way through its commit and push. A file `wt`
//! cannot use is an exit 2 naming the line, and is never rewritten or committed; nothing from
//! the file is ever executed.

use crate::common::faults::*;
use crate::common::oracle::Snapshot;
use crate::common::{write_file, Env};
use std::fs;

/// A world with `text` as the queue, committed and pushed; no lane set up (claims need none).
fn queue_only(config_extra: &str, text: &str) -> Env {
    let env = Env::with_config(&one_lane_config(&format!(
        "{}{config_extra}",
        queue_table()
    )));
    env.write(QUEUE, text);
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    env
}

/// Commit and push `bytes` as the queue file, as a pull or a bad merge would bring it (wt
/// refuses uncommitted edits of the queue before it reads them).
fn replace_queue(env: &Env, bytes: &[u8]) {
    fs::write(queue_path(env), bytes).unwrap();
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "--allow-empty", "-m", "queue replaced"]);
    env.git(&["push", "-q", "origin", "master"]);
}

/// Every command that reads the queue refuses with exit 2 naming `file:line:`; nothing changes.
#[track_caller]
fn refused_everywhere(env: &Env, line: usize, needle: &str) {
    let before = Snapshot::take(env, &[&env.main]).with_file(&queue_path(env));
    let at = format!("{QUEUE}:{line}:");
    for args in [
        &["queue", "claim", LANE, "--owner", "agent-a"][..],
        &["queue", "set", "T-1", "blocked", "--by", "T-2"],
        &["queue", "show"],
        &["queue", "ready", LANE],
        &["queue", "validate"],
    ] {
        env.wt(args).code(2).stderr_has(&at).stderr_has(needle);
        before.assert_unchanged(env);
    }
}

fn tasks(n: usize) -> String {
    let mut s = String::from("version: 1\ntasks:\n");
    for i in 1..=n {
        s.push_str(&format!(
            "  - id: T-{i}\n    title: task {i}\n    role: A-backend\n    status: todo\n    acceptance_checks: [\"true\"]\n"
        ));
    }
    s
}

#[test]
fn f51_racing_claims_of_one_task_succeed_once() {
    let env = Env::with_config(&format!(
        "[project]\nworktree_root = \"../lanes\"\n\n[[role]]\nname = \"A-backend\"\nlanes = 3\n{}",
        queue_table()
    ));
    env.write(QUEUE, &tasks(2));
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    let children: Vec<_> = (1..=3)
        .map(|n| {
            let lane = format!("A-backend-{n}");
            let owner = format!("agent-{n}");
            let args = [
                "--wait", "60", "queue", "claim", &lane, "--owner", &owner, "--task", "T-1",
            ];
            spawn(&env, &env.main, &args)
        })
        .collect();
    let codes: Vec<i32> = children.into_iter().map(|c| finish(c).code).collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| [0, 1].contains(c)), "{codes:?}");
    let text = fs::read_to_string(queue_path(&env)).unwrap();
    assert_eq!(text.matches("status: in_progress").count(), 1, "{text}");
}

#[test]
fn f52_claims_go_to_the_main_checkouts_queue_never_a_lanes_copy() {
    let env = queue_world(QUEUE_TEXT, "");
    let lane = env.lane(LANE);
    // The lane's own copy says T-1 is done: wt must not believe it.
    let copy = lane.join(QUEUE);
    let edited = fs::read_to_string(&copy)
        .unwrap()
        .replacen("status: todo", "status: done", 1);
    write_file(&copy, &edited);
    let lane_status = env.status_of(&lane);
    let r = env.wt_in(&lane, &["--json", "queue", "show", "T-1"]);
    r.ok();
    assert_eq!(r.json()["tasks"][0]["status"], "todo");
    env.wt_in(&lane, &["queue", "claim", LANE, "--owner", "agent-a"])
        .ok()
        .stderr_has("T-1 claimed");
    assert!(fs::read_to_string(queue_path(&env))
        .unwrap()
        .contains("status: in_progress"));
    assert_eq!(
        fs::read_to_string(&copy).unwrap(),
        edited,
        "lane copy untouched"
    );
    assert_eq!(env.status_of(&lane), lane_status);
    let lane_log = env.git_at(&lane, &["log", "--format=%s", BRANCH]);
    assert!(!lane_log.contains("queue:"), "no claim on the lane branch");
}

#[test]
fn f53_tab_indentation_is_refused_with_its_line() {
    let env = queue_only("", QUEUE_TEXT);
    let text = QUEUE_TEXT.replacen("    title: First slice", "\ttitle: First slice", 1);
    replace_queue(&env, text.as_bytes());
    // The parser reports the tab where the structure breaks, on the line above; wt names the
    // tab's own line (issue 17, item 8).
    refused_everywhere(&env, 5, "a tab in the indentation");
}

#[test]
fn f53_an_empty_file_and_two_documents_are_refused() {
    let env = queue_only("", QUEUE_TEXT);
    replace_queue(&env, b"");
    refused_everywhere(&env, 1, "no YAML document");
    replace_queue(&env, format!("{QUEUE_TEXT}---\nversion: 1\n").as_bytes());
    refused_everywhere(&env, 18, "more than one YAML document");
}

#[test]
fn f55_duplicate_task_ids_are_refused() {
    let env = queue_only("", QUEUE_TEXT);
    let dup = QUEUE_TEXT.replacen("id: T-2", "id: T-1", 1);
    replace_queue(&env, dup.as_bytes());
    let before = Snapshot::take(&env, &[&env.main]).with_file(&queue_path(&env));
    for args in [
        &["queue", "claim", LANE, "--owner", "agent-a"][..],
        &["queue", "set", "T-1", "blocked", "--by", "T-2"],
        &["queue", "show"],
        &["queue", "ready", LANE],
    ] {
        env.wt(args)
            .code(2)
            .stderr_has(&format!("{QUEUE}:12:"))
            .stderr_has("duplicate task id `T-1`");
        before.assert_unchanged(&env);
    }
    // validate lists it (with the first line) among every other problem: exit 1.
    env.wt(&["queue", "validate"]).code(1).stdout_has(&format!(
        "{QUEUE}:12: duplicate task id T-1 (first on line 4)"
    ));
    before.assert_unchanged(&env);
}

#[test]
fn f58_deep_nesting_is_refused_without_a_crash() {
    // The bomb and the size cap are in queue.rs (`broken_queue_files_are_refused_...`).
    let env = queue_only("", QUEUE_TEXT);
    let deep = format!(
        "version: 1\ntasks: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    replace_queue(&env, deep.as_bytes());
    refused_everywhere(&env, 2, "");
}

#[test]
fn f62_shell_in_queue_values_is_refused_and_never_run() {
    // Delegate mode passes ids and owners to the team's command: they must never carry shell.
    // Values given on the command line are in queue_git.rs (`owners_and_ids_with_shell_...`).
    let set_status = r#"set_status = ["sh", "-c", "echo ran {task} {owner} >> \"$T/calls\""]"#;
    let env = queue_only(set_status, QUEUE_TEXT);
    let t = t(&env);
    // The same values inside the file are refused when it is read, naming the line.
    for (field, value) in [
        ("id: T-1", "id: \"T-1; touch PWNED-file\""),
        ("owner: null", "owner: \"$(touch PWNED-o)\""),
    ] {
        let text = QUEUE_TEXT.replacen(field, value, 1);
        replace_queue(&env, text.as_bytes());
        let r = env.wt_with(&env.main, &["queue", "show"], &[("T", &t)]);
        r.code(2).stderr_has(&format!("{QUEUE}:"));
    }
    // A title is free text, shown but never run.
    let text = QUEUE_TEXT.replacen(
        "First slice",
        "\"$(touch PWNED-title) `touch PWNED-t2`\"",
        1,
    );
    replace_queue(&env, text.as_bytes());
    env.wt_with(&env.main, &["queue", "show"], &[("T", &t)])
        .ok();
    assert_no_pwned(&env);
}

/// `wt queue claim` killed at a hook of its own commit or push, then run again.
fn claim_killed_at(hook_name: &str, condition: &str) {
    let env = queue_only("", QUEUE_TEXT);
    pause_hook(&env, hook_name, condition, "queue");
    let before = Snapshot::take(&env, &[]);
    let mut wt = spawn(
        &env,
        &env.main,
        &["queue", "claim", LANE, "--owner", "agent-a"],
    );
    let paused = wait_paused(&env, &mut wt, "queue");
    signal(wt.id(), "-KILL");
    // Killed by the signal: no exit code.
    finish(wt).code(-1);
    // why: SIGTERM, so the orphaned git removes its own index.lock as it dies (a SIGKILLed
    // git leaves a stale lock: F45, which wt reports and never deletes).
    signal_group_of(&paused, "-TERM");
    assert_nothing_left_running(&env);
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    release(&env);
    env.wt_with(
        &env.main,
        &["queue", "claim", LANE, "--owner", "agent-a"],
        &[("T", &t(&env))],
    )
    .ok()
    .stderr_has("interrupted queue change")
    .stderr_has("T-1 claimed");
    let log = env.git_at(&env.origin, &["log", "--format=%s", "master", "--", QUEUE]);
    assert_eq!(log.matches("T-1 in_progress").count(), 1, "{log}");
    assert_eq!(env.rev("master"), env.rev("origin/master"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let text = fs::read_to_string(queue_path(&env)).unwrap();
    assert_eq!(text.matches("status: in_progress").count(), 1, "{text}");
    env.wt(&["queue", "validate"]).ok();
    assert!(!env.main.join(".git/wt/queue-pending").exists());
}

#[test]
fn f54_a_claim_killed_before_its_commit_is_undone_and_made_once() {
    // The file is edited and staged, not committed: every later queue command (and wt merge)
    // would refuse the modified file.
    claim_killed_at("pre-commit", "true");
}

#[test]
fn f54_a_claim_killed_before_its_push_is_undone_and_made_once() {
    // Committed on base, not pushed: later commands would refuse base's unpushed commit.
    claim_killed_at("pre-push", "true");
}
