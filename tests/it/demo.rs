//! `wt demo`: the whole lifecycle in a throwaway world, on a machine with no git identity at all
//! (empty HOME, no system config), unmoved by the user's WORKTREE_ROOT and GIT_DIR.

use crate::common::Run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A `wt` command with a scrubbed environment whose HOME is an empty directory: no `user.name`,
/// no global or system git config, no `EMAIL` for git to fall back on.
fn demo_command(tmp: &Path, args: &[&str]) -> Command {
    let home = tmp.join("home");
    fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wt"));
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("GIT_")
            || k.starts_with("WT_")
            || k.starts_with("XDG_")
            || k == "WORKTREE_ROOT"
            || k == "EMAIL"
            || k == "NO_COLOR"
        {
            cmd.env_remove(&key);
        }
    }
    cmd.args(args)
        .current_dir(tmp)
        .stdin(std::process::Stdio::null())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1")
        .env("WT_NETWORK_TIMEOUT", "20");
    cmd
}

fn run(cmd: &mut Command) -> Run {
    Run::from(cmd.output().expect("run wt demo"))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// The lines of one task's entry in a queue file.
fn task_block<'a>(queue: &'a str, id: &str) -> &'a str {
    let start = queue
        .find(&format!("- id: {id}"))
        .unwrap_or_else(|| panic!("no task {id} in\n{queue}"));
    let rest = &queue[start + 1..];
    let end = rest.find("- id: ").map_or(queue.len(), |e| start + 1 + e);
    &queue[start..end]
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn runs_the_lifecycle_without_a_git_identity_and_leaves_its_traces_on_the_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path().canonicalize().unwrap();
    let elsewhere = tmp.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let dir = tmp.join("the demo");
    let r = run(demo_command(&tmp, &["demo", "the demo"])
        .env("WORKTREE_ROOT", &elsewhere)
        .env("GIT_DIR", tmp.join("no-such-repo")));
    r.ok()
        .stderr_has("$ wt setup\n")
        .stderr_has("$ wt queue claim A-backend --owner agent-a\n")
        .stderr_has("$ git commit -m 'Add a /health endpoint'\n")
        .stderr_has("$ wt sync A-backend\n")
        .stderr_has("rebased 1 commit(s) onto origin/master")
        .stderr_has("$ wt merge A-backend\n")
        .stderr_has("error: teardown of B-ui refused")
        .stderr_has("$ wt teardown A-backend --yes\n")
        .stdout_has("The demo's world is kept in");
    let origin = dir.join("origin.git");
    let main = dir.join("app");

    let log = git(&origin, &["log", "--format=%s|%an", "master"]);
    for subject in [
        "Add a /health endpoint|wt demo",
        "Add a runbook|wt demo",
        "queue: A-API-001 in_progress (agent-a)|wt demo",
        "queue: A-API-001 done (",
    ] {
        assert!(log.contains(subject), "{subject:?} not on master:\n{log}");
    }
    assert_eq!(
        git(&origin, &["rev-list", "--merges", "master"]),
        "",
        "no merge commit"
    );
    let lane_commit = git(
        &origin,
        &["log", "--format=%H", "--grep=health endpoint", "master"],
    );

    let queue = git(&origin, &["show", "master:queue.yaml"]);
    let done = task_block(&queue, "A-API-001");
    assert!(done.contains("status: done"), "{done}");
    assert!(done.contains("owner: agent-a"), "{done}");
    assert!(
        // why: a commit id that YAML could read as a number (`0b…`, `1234e5…`) is written quoted.
        done.contains(&format!("merged_commit: {lane_commit}"))
            || done.contains(&format!("merged_commit: \"{lane_commit}\"")),
        "{done}\n{lane_commit}"
    );
    assert!(
        task_block(&queue, "B-UI-001").contains("status: todo"),
        "{queue}"
    );

    let handoffs = entries(&main.join(".git/wt/handoffs"));
    assert_eq!(handoffs.len(), 1, "{handoffs:?}");
    let handoff = fs::read_to_string(&handoffs[0]).unwrap();
    assert!(handoff.contains("- task_id: A-API-001"), "{handoff}");
    assert!(handoff.contains("- status: done"), "{handoff}");
    assert!(handoff.contains("Add a /health endpoint"), "{handoff}");

    // The finished lane is torn down, the one with a task left is kept.
    assert!(!dir.join("app-A-backend").exists());
    assert!(dir.join("app-B-ui").join("README.md").exists());
    let worktrees = git(&main, &["worktree", "list", "--porcelain"]);
    assert!(!worktrees.contains("agent/A-backend"), "{worktrees}");
    assert!(
        worktrees.contains("branch refs/heads/agent/B-ui"),
        "{worktrees}"
    );
    assert_eq!(git(&main, &["branch", "--list", "agent/A-backend"]), "");

    // The user's WORKTREE_ROOT got nothing, and git in the demo's world answers for itself.
    assert!(entries(&elsewhere).is_empty(), "{:?}", entries(&elsewhere));
    assert_eq!(git(&main, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&main, &["rev-parse", "master"]),
        git(&origin, &["rev-parse", "master"])
    );
}

#[test]
fn quiet_prints_only_the_summary_and_keeps_a_temporary_world() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path().canonicalize().unwrap();
    let tmpdir = tmp.join("tmp");
    fs::create_dir_all(&tmpdir).unwrap();
    let r = run(demo_command(&tmp, &["demo", "--quiet"]).env("TMPDIR", &tmpdir));
    r.ok();
    assert_eq!(r.stderr, "", "--quiet leaves stderr empty");
    assert!(r.stdout.starts_with("Done in "), "{}", r.stdout);
    let kept = entries(&tmpdir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let name = kept[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("wt-demo-"), "{name}");
    assert!(
        r.stdout.contains(&format!("kept in {}", kept[0].display())),
        "{}",
        r.stdout
    );
    assert!(kept[0].join("origin.git").is_dir());
    assert!(kept[0].join("app/queue.yaml").is_file());
}

#[test]
fn refuses_a_dir_that_is_not_empty_or_not_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path().canonicalize().unwrap();
    let full = tmp.join("full");
    fs::create_dir_all(&full).unwrap();
    fs::write(full.join("keep.txt"), "mine\n").unwrap();
    run(&mut demo_command(&tmp, &["demo", "full"]))
        .code(1)
        .stderr_has("is not empty");
    assert_eq!(entries(&full), vec![full.join("keep.txt")]);
    assert_eq!(fs::read_to_string(full.join("keep.txt")).unwrap(), "mine\n");

    fs::write(tmp.join("file"), "x").unwrap();
    run(&mut demo_command(&tmp, &["demo", "file"]))
        .code(1)
        .stderr_has("is not a directory");
    assert_eq!(fs::read_to_string(tmp.join("file")).unwrap(), "x");
}
