//! The queue file under faults (F51-F59, F62): concurrent claims, the one authoritative copy,
//! broken, truncated, hostile and huge files. A file `wt` cannot use is an exit 2 naming the
//! line, and is never rewritten or committed; nothing from the file is ever executed.

use crate::common::oracle::Snapshot;
use crate::common::{write_file, Env};
use crate::faults_mod::*;
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
fn f51_parallel_claims_from_four_lanes_take_four_different_tasks() {
    let env = Env::with_config(&format!(
        "[project]\nworktree_root = \"../lanes\"\n\n[[role]]\nname = \"A-backend\"\nlanes = 4\n{}",
        queue_table()
    ));
    env.write(QUEUE, &tasks(6));
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    let children: Vec<_> = (1..=4)
        .map(|n| {
            spawn(
                &env,
                &env.main,
                &[
                    "--wait",
                    "60",
                    "queue",
                    "claim",
                    &format!("A-backend-{n}"),
                    "--owner",
                    &format!("agent-{n}"),
                ],
            )
        })
        .collect();
    for c in children {
        finish(c).ok();
    }
    let text = fs::read_to_string(queue_path(&env)).unwrap();
    assert_eq!(text.matches("status: in_progress").count(), 4, "{text}");
    for n in 1..=4 {
        assert_eq!(
            text.matches(&format!("branch: agent/A-backend-{n}\n"))
                .count(),
            1,
            "{text}"
        );
    }
    // One commit per claim on the remote, and the file there is the one here.
    let log = env.git_at(&env.origin, &["log", "--format=%s", "master", "--", QUEUE]);
    assert_eq!(log.matches("in_progress").count(), 4, "{log}");
    assert_eq!(
        env.git_at(&env.origin, &["show", &format!("master:{QUEUE}")]),
        text.trim_end()
    );
    env.wt(&["queue", "validate"]).ok();
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
    // why: the tab ends the plain scalar `T-1` of the line above; the parser reports it there.
    refused_everywhere(&env, 4, "tab");
}

#[test]
fn f53_conflict_markers_are_refused_with_their_line() {
    let env = queue_only("", QUEUE_TEXT);
    let text = QUEUE_TEXT.replacen(
        "    status: todo\n",
        "<<<<<<< HEAD\n    status: todo\n=======\n    status: in_progress\n>>>>>>> theirs\n",
        1,
    );
    replace_queue(&env, text.as_bytes());
    refused_everywhere(&env, 7, "");
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
fn f54_a_truncated_file_is_refused_not_rewritten() {
    let env = queue_only("", QUEUE_TEXT);
    // A writer killed mid-write: `status: todo` cut to `status: to` (a plain scalar that any
    // YAML parser accepts) and the rest of the file gone.
    let cut = QUEUE_TEXT.find("status: todo").unwrap() + "status: to".len();
    replace_queue(&env, &QUEUE_TEXT.as_bytes()[..cut]);
    refused_everywhere(&env, 7, "status");
    // wt's own writes are atomic: after a claim no temp file is left beside the queue.
    let env = queue_only("", QUEUE_TEXT);
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    let names: Vec<String> = fs::read_dir(&env.main)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".git"))
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["README.md", "lanes.toml", QUEUE]);
}

#[test]
fn f55_duplicate_ids_and_duplicate_keys_are_refused() {
    let env = queue_only("", QUEUE_TEXT);
    let dup = QUEUE_TEXT.replacen("id: T-2", "id: T-1", 1);
    replace_queue(&env, dup.as_bytes());
    let before = Snapshot::take(&env, &[&env.main]).with_file(&queue_path(&env));
    let r = env.wt(&["queue", "validate"]);
    assert!(r.code == 1 || r.code == 2, "{r:?}");
    assert!(
        r.stderr.contains("T-1") && r.stderr.contains("duplicate"),
        "{r:?}"
    );
    let r = env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]);
    assert_ne!(r.code, 0, "{r:?}");
    before.assert_unchanged(&env);
    let twice = QUEUE_TEXT.replacen(
        "    status: todo\n",
        "    status: todo\n    status: done\n",
        1,
    );
    replace_queue(&env, twice.as_bytes());
    refused_everywhere(&env, 8, "status");
}

#[test]
fn f56_cycles_self_and_unknown_dependencies_are_named() {
    let text = tasks(4)
        .replacen(
            "title: task 1\n",
            "title: task 1\n    depends_on: [T-2]\n",
            1,
        )
        .replacen(
            "title: task 2\n",
            "title: task 2\n    depends_on: [T-1]\n",
            1,
        )
        .replacen(
            "title: task 3\n",
            "title: task 3\n    depends_on: [T-3]\n",
            1,
        )
        .replacen(
            "title: task 4\n",
            "title: task 4\n    depends_on: [T-99]\n",
            1,
        );
    let env = queue_only("", &text);
    let before = Snapshot::take(&env, &[&env.main]).with_file(&queue_path(&env));
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("dependency cycle: T-1 -> T-2 -> T-1")
        .stdout_has("T-3 depends on itself")
        .stdout_has("T-4 depends on unknown task T-99");
    for task in ["T-1", "T-3", "T-4"] {
        let r = env.wt(&["queue", "claim", LANE, "--owner", "agent-a", "--task", task]);
        assert_ne!(r.code, 0, "claimed {task}: {r:?}");
    }
    before.assert_unchanged(&env);
}

#[test]
fn f57_a_misspelled_field_is_an_error_not_ignored() {
    let env = queue_only("", QUEUE_TEXT);
    let typo = QUEUE_TEXT.replacen("depends_on: [T-1]", "dependson: [T-1]", 1);
    replace_queue(&env, typo.as_bytes());
    refused_everywhere(&env, 16, "dependson");
}

#[test]
fn f58_yaml_bombs_and_deep_nesting_are_refused_quickly() {
    let env = queue_only("", QUEUE_TEXT);
    let mut bomb =
        String::from("version: 1\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for (i, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    bomb.push_str("tasks: *i\n");
    replace_queue(&env, bomb.as_bytes());
    refused_everywhere(&env, 2, "");
    let deep = format!(
        "version: 1\ntasks: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    replace_queue(&env, deep.as_bytes());
    refused_everywhere(&env, 2, "");
}

#[test]
fn f58_a_file_over_the_size_cap_is_refused_before_parsing() {
    let env = queue_only("", QUEUE_TEXT);
    let mut big = QUEUE_TEXT.to_string();
    big.push_str(&format!("# {}\n", "x".repeat(9 * 1024 * 1024)));
    replace_queue(&env, big.as_bytes());
    let before = Snapshot::take(&env, &[&env.main]).with_file(&queue_path(&env));
    env.wt(&["queue", "show"]).code(2).stderr_has("limit");
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"])
        .code(2)
        .stderr_has("limit");
    before.assert_unchanged(&env);
}

#[test]
fn f58_a_hundred_thousand_tasks_work() {
    let mut text = String::with_capacity(7 << 20);
    text.push_str("version: 1\ntasks:\n");
    for i in 1..=100_000 {
        text.push_str(&format!(
            "  - id: T-{i}\n    title: t\n    role: A-backend\n    status: done\n"
        ));
    }
    text.push_str("  - id: LAST-1\n    title: the one left\n    role: A-backend\n    status: todo\n    acceptance_checks: [\"true\"]\n");
    assert!(text.len() < 8 << 20, "{} bytes", text.len());
    let env = queue_only("\ncommit = false\n", &text);
    // why: one command (the claim reads, plans, edits and re-reads the file): the debug build
    // the tests use parses 6 MB in about a second.
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"])
        .ok()
        .stderr_has("LAST-1 claimed");
    let after = fs::read_to_string(queue_path(&env)).unwrap();
    assert!(
        after.starts_with(&text[..text.len() - 200]),
        "only the claimed task changed"
    );
    assert_eq!(after.matches("status: done").count(), 100_000);
}

#[test]
fn f59_non_utf8_bytes_are_refused_with_their_line() {
    let env = queue_only("", QUEUE_TEXT);
    let mut bytes = QUEUE_TEXT.as_bytes().to_vec();
    let at = QUEUE_TEXT.find("Second slice").unwrap();
    bytes.splice(at..at, [0xff, 0xfe]);
    replace_queue(&env, &bytes);
    refused_everywhere(&env, 13, "UTF-8");
}

#[test]
fn f62_shell_in_queue_values_is_refused_and_never_run() {
    // Delegate mode passes ids and owners to the team's command: they must never carry shell.
    let set_status = r#"set_status = ["sh", "-c", "echo ran {task} {owner} >> \"$T/calls\""]"#;
    let env = queue_only(set_status, QUEUE_TEXT);
    let t = t(&env);
    for owner in [
        "$(touch PWNED-owner)",
        "`touch PWNED-tick`",
        "a;touch PWNED-semi",
        "-x",
    ] {
        env.wt_with(
            &env.main,
            &["queue", "claim", LANE, "--owner", owner],
            &[("T", &t)],
        )
        .code(2);
    }
    for id in ["T-1;touch PWNED-id", "$(touch PWNED-id2)"] {
        let r = env.wt_with(
            &env.main,
            &["queue", "claim", LANE, "--owner", "a", "--task", id],
            &[("T", &t)],
        );
        assert!(r.code == 1 || r.code == 2, "{r:?}");
    }
    assert!(
        !env.base_dir().join("calls").exists(),
        "the command never ran"
    );
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
