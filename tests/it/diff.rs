//! `wt::git::diff`, the reader behind the policies, against git's own answer on a branch with
//! every kind of change: nested edits, a file that becomes a directory, a mode change, a symlink
//! retargeted, an exact rename, a kept test moved and edited, an empty file moved, a deletion.

use crate::common::{write_file, Env};
use git2::{Oid, Repository};
use std::collections::BTreeSet;
use wt::git::diff::{self, ChangeKind, ChangedPath};

/// A test file long enough that a one-line edit keeps it similar.
fn test_body(extra: &str) -> String {
    let mut body: String = (0..20).map(|k| format!("func Test{k}(t) {{}}\n")).collect();
    body.push_str(extra);
    body
}

/// master with the base files; `topic` with one commit per kind of change. Returns the env,
/// the merge base and the branch tip.
fn branch() -> (Env, Oid, Oid) {
    let env = Env::bare();
    let files = [
        ("a.txt", "a\n".to_string()),
        ("dir/b.txt", "b\n".to_string()),
        ("dir/sub/c.txt", "c\n".to_string()),
        ("x", "a file that becomes a directory\n".to_string()),
        ("keep/same.txt", "moved as is\n".to_string()),
        ("mode.sh", "echo\n".to_string()),
        ("tests/old_test.go", test_body("")),
        ("empty.txt", String::new()),
    ];
    for (path, body) in &files {
        env.write(path, body);
    }
    std::os::unix::fs::symlink("a.txt", env.main.join("link")).unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "base files"]);
    let base = env.rev("HEAD");
    env.git(&["switch", "-q", "-c", "topic"]);
    let commit = |msg: &str| env.git(&["commit", "-q", "-m", msg]);
    env.commit_file(&env.main, "dir/sub/c.txt", "c2\n", "edit nested");
    env.commit_file(&env.main, "new/d.txt", "d\n", "add");
    env.git(&["rm", "-q", "x"]);
    write_file(&env.main.join("x/inner.txt"), "inner\n");
    env.git(&["add", "-A"]);
    commit("file to directory");
    env.git(&["update-index", "--chmod=+x", "mode.sh"]);
    commit("mode");
    std::fs::create_dir_all(env.main.join("moved")).unwrap();
    env.git(&["mv", "keep/same.txt", "moved/same.txt"]);
    commit("exact rename");
    env.git(&["mv", "tests/old_test.go", "tests/new_test.go"]);
    env.commit_file(
        &env.main,
        "tests/new_test.go",
        &test_body("// moved\n"),
        "move a test",
    );
    env.git(&["mv", "empty.txt", "empty2.txt"]);
    env.git(&["rm", "-q", "a.txt"]);
    commit("move an empty file, delete one");
    std::fs::remove_file(env.main.join("link")).unwrap();
    std::os::unix::fs::symlink("dir/b.txt", env.main.join("link")).unwrap();
    env.git(&["add", "link"]);
    commit("retarget a symlink");
    let tip = env.rev("HEAD");
    (
        env,
        Oid::from_str(&base).unwrap(),
        Oid::from_str(&tip).unwrap(),
    )
}

/// `git diff --name-status -z` lines as (status letter, path, old path of a rename).
fn git_status(env: &Env, args: &[&str]) -> BTreeSet<(char, String, String)> {
    let mut all = vec!["diff", "--name-status", "-z"];
    all.extend_from_slice(args);
    let out = env.git(&all);
    let mut words = out.split('\0').filter(|w| !w.is_empty());
    let mut set = BTreeSet::new();
    while let Some(status) = words.next() {
        let letter = status.chars().next().unwrap();
        let first = words.next().unwrap().to_string();
        if letter == 'R' {
            let second = words.next().unwrap().to_string();
            set.insert(('R', second, first));
        } else {
            set.insert((letter, first, String::new()));
        }
    }
    set
}

fn ours(changes: &[ChangedPath]) -> BTreeSet<(char, String, String)> {
    changes
        .iter()
        .map(|c| match &c.kind {
            ChangeKind::Added => ('A', c.path.clone(), String::new()),
            ChangeKind::Modified => ('M', c.path.clone(), String::new()),
            ChangeKind::Deleted => ('D', c.path.clone(), String::new()),
            ChangeKind::Renamed(from) => ('R', c.path.clone(), from.clone()),
        })
        .collect()
}

/// A rename as git's `--no-renames` shows it: the old path deleted, the new one added.
fn unpaired(set: &BTreeSet<(char, String, String)>) -> BTreeSet<(char, String, String)> {
    set.iter()
        .flat_map(|(s, path, from)| match s {
            'R' => vec![
                ('D', from.clone(), String::new()),
                ('A', path.clone(), String::new()),
            ],
            _ => vec![(*s, path.clone(), String::new())],
        })
        .collect()
}

#[test]
fn net_changes_match_git_diff() {
    let (env, base, tip) = branch();
    let repo = Repository::open(&env.main).unwrap();
    let range = format!("{base}..{tip}");

    let exact = diff::net_changes(&repo, base, tip, &|_| false).unwrap();
    // git's T (type change of the symlink) is a modification here.
    let no_renames: BTreeSet<_> = git_status(&env, &["--no-renames", &range])
        .into_iter()
        .map(|(s, p, f)| (if s == 'T' { 'M' } else { s }, p, f))
        .collect();
    assert_eq!(unpaired(&ours(&exact)), no_renames);
    let renamed: Vec<_> = ours(&exact).into_iter().filter(|c| c.0 == 'R').collect();
    let git_exact: Vec<_> = git_status(&env, &["-M100%", &range])
        .into_iter()
        .filter(|c| c.0 == 'R')
        .collect();
    assert_eq!(
        renamed, git_exact,
        "identical content pairs as git's exact renames"
    );

    let tests = diff::net_changes(&repo, base, tip, &|p| p.starts_with("tests/")).unwrap();
    let moved = ours(&tests);
    assert!(
        moved.contains(&('R', "tests/new_test.go".into(), "tests/old_test.go".into())),
        "{moved:?}"
    );
    assert!(git_status(&env, &["-M", &range]).contains(&(
        'R',
        "tests/new_test.go".into(),
        "tests/old_test.go".into()
    )));
}

#[test]
fn commit_paths_match_git_log() {
    let (env, base, tip) = branch();
    let repo = Repository::open(&env.main).unwrap();
    let commits = diff::branch_commits(&repo, tip, base, &|_| true).unwrap();
    let log = env.git(&[
        "log",
        "--reverse",
        "--no-renames",
        "--name-only",
        "-z",
        "--format=%x01%H",
        &format!("{base}..{tip}"),
    ]);
    let from_git: Vec<(String, Vec<String>)> = log
        .split('\x01')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (sha, paths) = c.split_once('\n').unwrap();
            let paths = paths.split('\0').map(str::trim).filter(|p| !p.is_empty());
            let sha = sha.trim_end_matches('\0').to_string();
            (sha, paths.map(str::to_string).collect())
        })
        .collect();
    let ours: Vec<(String, Vec<String>)> = commits
        .iter()
        .map(|c| (c.sha.to_string(), c.paths.clone()))
        .collect();
    assert_eq!(ours, from_git);

    // Without descending, a commit lists the top-level entries it changed.
    let shallow = diff::branch_commits(&repo, tip, base, &|_| false).unwrap();
    assert_eq!(shallow[0].paths, ["dir/"]);
    assert_eq!(shallow[2].paths, ["x", "x/"]);
    let subjects: Vec<&str> = shallow.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(subjects[0], "edit nested");
    assert_eq!(subjects.len(), 8);
}
