//! The README's five-minute tour runs as typed: every `sh` block of its "Five-minute tour"
//! section, in order, in one `bash -e`, in a fresh clone at `~/src/gpuas` with a bare `origin`
//! (HOME is the test's own directory, `wt` the binary under test). A command that fails fails the
//! test, with the transcript.

use std::fs;
use std::path::Path;
use std::process::Command;

/// The `sh` blocks of the tour section of README.md, in order.
fn tour_blocks() -> Vec<String> {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("\n## Five-minute tour")
        .expect("a tour section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let section = &rest[..end];
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed sh block in the tour");
    blocks
}

fn git(dir: &Path, args: &[&str], home: &Path) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_five_minute_tour_runs_as_typed_on_a_fresh_repository() {
    let blocks = tour_blocks();
    assert!(blocks.len() >= 4, "the tour lost its commands: {blocks:?}");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    fs::create_dir_all(home.join("src")).unwrap();
    fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Tour\n\temail = tour@example.com\n[init]\n\tdefaultBranch = master\n",
    )
    .unwrap();
    let origin = tmp.path().join("origin.git");
    git(
        tmp.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "master",
            origin.to_str().unwrap(),
        ],
        &home,
    );
    let main = home.join("src/gpuas");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            main.to_str().unwrap(),
        ],
        &home,
    );
    fs::write(main.join("README.md"), "gpuas\n").unwrap();
    git(&main, &["add", "README.md"], &home);
    git(&main, &["commit", "-q", "-m", "first commit"], &home);
    git(&main, &["push", "-q", "origin", "master"], &home);

    let bin = Path::new(env!("CARGO_BIN_EXE_wt")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -ex\n{}", blocks.join("\n"));
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script])
        .current_dir(&home)
        .env("HOME", &home)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("WT_NETWORK_TIMEOUT", "600")
        .env_remove("WORKTREE_ROOT")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("XDG_CONFIG_HOME")
        .stdin(std::process::Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd.output().unwrap();
    let transcript = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the tour stopped:\n{transcript}");
    // It did what it says: the task is done, its work is on the remote's master, and the main
    // checkout is clean.
    let queue = fs::read_to_string(main.join("queue.yaml")).unwrap();
    assert!(queue.contains("status: done"), "{queue}");
    let files = Command::new("git")
        .args(["ls-tree", "--name-only", "master"])
        .current_dir(&origin)
        .output()
        .unwrap();
    let files = String::from_utf8_lossy(&files.stdout);
    assert!(files.lines().any(|f| f == "hello.txt"), "{files}");
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(&main)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "", "{transcript}");
}
