//! `wt status` / `wt list`: the JSON contract field by field, lane selection words, where it can
//! be run from, and a reader that goes away early.

use crate::common::world::head_of;
use crate::common::{write_file, Env};
use serde_json::{json, Value};
use std::fs;
use std::io::Read;
use std::process::Stdio;

fn rows(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["status", "--json"];
    all.extend_from_slice(args);
    let run = env.wt(&all);
    run.ok();
    run.json().as_array().expect("an array").clone()
}

fn lanes_of(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["lane"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_reports_every_field_for_each_kind_of_lane() {
    let env = Env::new();
    env.wt(&["setup"]).ok();
    let a = env.lane("A-backend");
    // A-backend: one commit ahead, then one staged, one unstaged and two untracked entries.
    let ahead = env.commit_file(&a, "cmd/one.txt", "1\n", "lane work");
    write_file(&a.join("cmd/staged.txt"), "s\n");
    env.git_at(&a, &["add", "cmd/staged.txt"]);
    write_file(&a.join("README.md"), "edited\n");
    write_file(&a.join("loose.txt"), "u\n");
    write_file(&a.join("newdir/inner.txt"), "u\n");
    // Base moves on: every lane is one behind.
    env.write("base.txt", "b\n");
    env.git(&["add", "base.txt"]);
    env.git(&["commit", "-q", "-m", "base moves"]);
    env.git(&["push", "-q", "origin", "master"]);
    // B-ui-2 is deleted by hand.
    fs::remove_dir_all(env.lane("B-ui-2")).unwrap();

    let rows = rows(&env, &[]);
    assert_eq!(lanes_of(&rows), ["A-backend", "B-ui-1", "B-ui-2"]);
    let keys = |r: &Value| {
        let mut k: Vec<String> = r.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for r in &rows {
        for key in [
            "lane",
            "role",
            "lane_index",
            "path",
            "branch",
            "exists",
            "head",
            "ahead",
            "behind",
            "dirty",
            "operation",
            "task",
        ] {
            assert!(keys(r).contains(&key.to_string()), "{key} missing in {r}");
        }
    }
    let a_row = &rows[0];
    assert_eq!(a_row["lane"], "A-backend");
    assert_eq!(a_row["role"], "A-backend");
    assert_eq!(a_row["lane_index"], Value::Null);
    assert_eq!(a_row["path"], a.to_str().unwrap());
    assert_eq!(a_row["branch"], "agent/A-backend");
    assert_eq!(a_row["exists"], true);
    assert_eq!(a_row["head"], ahead.as_str());
    assert_eq!(a_row["ahead"], 1);
    assert_eq!(a_row["behind"], 1);
    assert_eq!(
        a_row["dirty"],
        json!({"staged": 1, "unstaged": 1, "untracked": 2, "unmerged": 0})
    );
    assert_eq!(a_row["operation"], Value::Null);
    assert_eq!(a_row["task"], Value::Null);

    let b1 = &rows[1];
    assert_eq!(b1["role"], "B-ui");
    assert_eq!(b1["lane_index"], 1);
    assert_eq!(b1["exists"], true);
    assert_eq!(b1["ahead"], 0);
    assert_eq!(b1["behind"], 1);
    assert_eq!(
        b1["dirty"],
        json!({"staged": 0, "unstaged": 0, "untracked": 0, "unmerged": 0})
    );

    let b2 = &rows[2];
    assert_eq!(b2["lane_index"], 2);
    assert_eq!(b2["path"], env.lane("B-ui-2").to_str().unwrap());
    assert_eq!(b2["branch"], "agent/B-ui-2");
    assert_eq!(b2["exists"], false);
    for key in ["head", "ahead", "behind", "dirty", "operation", "task"] {
        assert_eq!(b2[key], Value::Null, "{key}");
    }

    // The table says the same for people.
    let table = env.wt(&["status"]);
    table.ok().stderr_has("ahead/behind against origin/master");
    let a_line = table.stdout.lines().nth(1).unwrap();
    assert!(
        a_line.contains("1 staged, 1 unstaged, 2 untracked"),
        "{a_line}"
    );
    assert!(table.stdout.lines().nth(3).unwrap().contains("missing"));
}

#[test]
fn a_lane_mid_rebase_reports_the_operation() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let a = env.lane("A-backend");
    env.commit_file(&a, "cmd/one.txt", "1\n", "lane work");
    // why: `-x false` stops the rebase with a clean tree after replaying the commit (F07).
    let r = env.git_run(&a, &["rebase", "-x", "false", "HEAD~1"]);
    assert_ne!(r.code, 0);
    let rows = rows(&env, &["A-backend"]);
    assert_eq!(rows[0]["operation"], "rebase");
    assert_eq!(rows[0]["exists"], true);
    assert_eq!(rows[0]["head"], head_of(&env, &a).as_str());
    assert_eq!(rows[0]["checked_out"], "(detached)");
    let table = env.wt(&["status", "A-backend"]);
    table.ok().stdout_has("rebase");
}

#[test]
fn list_is_an_alias() {
    let env = Env::new();
    env.wt(&["setup"]).ok();
    let a = env.wt(&["status", "--json"]);
    let b = env.wt(&["list", "--json"]);
    assert_eq!(a.ok().stdout, b.ok().stdout);
}

#[test]
fn lane_words_select_lanes() {
    let env = Env::new();
    for words in [
        &["B-ui-2"][..],
        &["B-ui:2"][..],
        &["ROLE=B-ui", "LANE=2"][..],
    ] {
        assert_eq!(lanes_of(&rows(&env, words)), ["B-ui-2"], "{words:?}");
    }
    assert_eq!(lanes_of(&rows(&env, &["B-ui"])), ["B-ui-1", "B-ui-2"]);
    assert_eq!(lanes_of(&rows(&env, &["ROLE=B-ui"])), ["B-ui-1", "B-ui-2"]);
    assert_eq!(
        lanes_of(&rows(&env, &["A-backend", "B-ui:1"])),
        ["A-backend", "B-ui-1"]
    );
}

#[test]
fn an_unknown_lane_is_exit_2_naming_the_lanes() {
    let env = Env::new();
    let run = env.wt(&["status", "C-ops"]);
    run.code(2)
        .stderr_has("no lane `C-ops`")
        .stderr_has("lanes: A-backend, B-ui-1, B-ui-2");
    assert_eq!(run.stdout, "");
    env.wt(&["status", "B-ui-3"])
        .code(2)
        .stderr_has("role B-ui has no lane 3");
}

#[test]
fn runs_from_a_lane_a_subdirectory_and_with_dash_c() {
    let env = Env::new();
    env.wt(&["setup"]).ok();
    let want = env.wt(&["status", "--json"]).ok().stdout.clone();
    let lane = env.lane("B-ui-1");
    let sub = lane.join("web/deep");
    fs::create_dir_all(&sub).unwrap();
    fs::create_dir_all(env.main.join("docs/x")).unwrap();
    // An empty directory is not a change, so every run sees the same state.
    for dir in [&lane, &sub, &env.main.join("docs/x")] {
        assert_eq!(env.wt_in(dir, &["status", "--json"]).ok().stdout, want);
    }
    let elsewhere = env.base_dir();
    assert_eq!(
        env.wt_in(
            &elsewhere,
            &["-C", "lanes/main repo-B-ui-2", "status", "--json"]
        )
        .ok()
        .stdout,
        want
    );
    env.wt_in(&elsewhere, &["status"])
        .code(2)
        .stderr_has("not inside a git repository");
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let env = Env::with_config(&crate::setup::eight_lane_config());
    env.wt(&["setup"]).ok();
    for args in [&["status"][..], &["status", "--json"][..]] {
        let mut child = env
            .wt_command(&env.main, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // why: closed before wt writes its first row (it is still reading eight lanes), so every
        // write fails with EPIPE, as under `wt status | head -0`; a small output would otherwise
        // fit in the pipe buffer and never notice the reader left.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_lane_that_lost_its_git_file_is_not_reported_as_another_repo() {
    // F10: git run inside it would climb to whatever repository holds it.
    let env = Env::with_config("[project]\nworktree_root = \".lanes\"\n\n[[role]]\nname = \"A\"\n");
    env.write(".gitignore", ".lanes/\n");
    env.git(&["add", ".gitignore"]);
    env.git(&["commit", "-q", "-m", "ignore lanes"]);
    env.wt(&["setup", "--no-fetch"]).ok();
    let lane = env.main.join(".lanes/main repo-A");
    env.write("main-only.txt", "m\n");
    fs::remove_file(lane.join(".git")).unwrap();
    let run = env.wt(&["status", "--json"]);
    run.ok().stderr_has("no .git file leading back");
    let row = &run.json()[0];
    assert_eq!(row["exists"], false);
    assert_eq!(row["dirty"], Value::Null);
}

#[test]
fn a_foreign_directory_or_symlink_at_a_lane_path_is_reported_not_read() {
    let env = Env::new();
    write_file(&env.lane("A-backend").join("notes.txt"), "n\n");
    std::os::unix::fs::symlink(env.base_dir(), env.lane("B-ui-1")).unwrap();
    let run = env.wt(&["status", "--json"]);
    run.ok()
        .stderr_has("exists but is not this lane's worktree")
        .stderr_has("is a symlink, never followed");
    let rows = run.json();
    for r in rows.as_array().unwrap() {
        assert_eq!(r["exists"], false);
        assert_eq!(r["dirty"], Value::Null);
    }
}

/// The `git update-index --refresh` calls a `wt` run made (from `GIT_TRACE`).
fn refreshes(env: &Env, args: &[&str]) -> usize {
    let trace = env.base_dir().join(format!("trace-{}", args.join("-")));
    // why: GIT_TRACE appends.
    let _ = fs::remove_file(&trace);
    let run = env.wt_with(&env.main, args, &[("GIT_TRACE", trace.to_str().unwrap())]);
    run.ok();
    fs::read_to_string(&trace)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("git update-index -q --refresh"))
        .count()
}

#[test]
fn a_lane_wt_has_just_written_is_refreshed_while_wt_holds_it() {
    // `wt status` reads with --no-optional-locks and so never writes the index back: after a
    // checkout or rebase, wt refreshes the lane's index itself, or every status would re-hash
    // the files it wrote.
    let env = Env::new();
    assert_eq!(refreshes(&env, &["setup", "A-backend"]), 1);
    let lane = env.lane("A-backend");
    env.commit_file(&lane, "cmd/a.go", "a\n", "lane work");
    write_file(&env.main.join("other.txt"), "x\n");
    env.git(&["add", "other.txt"]);
    env.git(&["commit", "-q", "-m", "base moves"]);
    env.git(&["push", "-q", "origin", "master"]);
    assert_eq!(
        refreshes(&env, &["sync", "A-backend"]),
        1,
        "after the rebase"
    );
    // Nothing written: nothing refreshed.
    assert_eq!(refreshes(&env, &["sync", "A-backend"]), 0);
    assert_eq!(env.status_of(&lane), "");
}

#[test]
fn status_watch_refuses_without_a_terminal() {
    let env = Env::new();
    let run = env.wt(&["status", "--watch"]);
    run.code(2)
        .stderr_has("error: --watch draws on a terminal, and stdout is not one")
        .stderr_has("hint: run `wt status`");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    env.wt(&["status", "--watch", "0"]).code(2);
    env.wt(&["status", "--watch", "soon"]).code(2);
}
