//! Hostile input (F20, F21, F60, F61, F63): names in lanes.toml that would escape the worktree
//! root, smuggle options or shell, or carry bytes that are not text; a config with conflict
//! markers; symlinks where lanes live; paths with newlines and non-UTF-8 bytes; unknown lanes;
//! a lane that edits the config judging it. Config errors are exit 2 naming `lanes.toml:LINE:`,
//! nothing is created, and nothing is ever executed.

use crate::common::faults::*;
use crate::common::oracle::Snapshot;
use crate::common::world::remote_rev;
use crate::common::{write_file, Env};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;

/// Everything under the test's temp dir except `.git` internals: nothing may appear anywhere.
fn tree(env: &Env) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_name() == ".git" || p.extension() == Some(OsStr::new("git")) {
                continue;
            }
            out.push(p.display().to_string());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(env.tmp.path(), &mut out);
    out.sort();
    out
}

/// `wt setup` (and `status`) on `config` refuse with exit 2 at `lanes.toml:line:` saying
/// `needle`, and change nothing anywhere.
#[track_caller]
fn config_refused(config: &[u8], line: usize, needle: &str) {
    let env = Env::bare();
    fs::write(env.main.join("lanes.toml"), config).unwrap();
    let before = (tree(&env), Snapshot::take(&env, &[&env.main]));
    for cmd in [&["setup"][..], &["status"], &["sync"]] {
        let r = env.wt(cmd);
        r.code(2)
            .stderr_has(&format!("lanes.toml:{line}:"))
            .stderr_has(needle);
        assert!(
            !r.stderr.contains('\u{1b}'),
            "a raw escape reached the terminal: {:?}",
            r.stderr
        );
    }
    assert_eq!(tree(&env), before.0);
    before.1.assert_identical(&env);
    assert_no_pwned(&env);
}

#[test]
fn f61_hostile_role_names_are_config_errors_naming_the_line() {
    for name in [
        "../../../outside-root",
        "a/b",
        "a b",
        "a..b",
        "$(touch PWNED)",
        "`touch PWNED`",
        "a;touch PWNED",
        "-x",
        "--upload-pack=touch PWNED",
        "r\u{f4}le",
        "\u{1b}]0;PWNED\u{7}title",
        "",
        &"a".repeat(41),
    ] {
        let config = format!(
            "[project]\nworktree_root = \"../lanes\"\n\n[[role]]\nname = {}\n",
            toml_string(name)
        );
        config_refused(config.as_bytes(), 5, "role name");
    }
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn f61_hostile_templates_remotes_and_bases_are_config_errors() {
    for (line, needle) in [
        ("prefix = \"../evil\"", "plain directory name"),
        (
            "dir_template = \"{role}/../../escape\"",
            "one plain path component",
        ),
        (
            "branch_template = \"agent/{role}/../x\"",
            "invalid branch name",
        ),
        ("branch_template = \"-{role}\"", "invalid branch name"),
        (
            "remote = \"--upload-pack=touch PWNED\"",
            "not a valid remote name",
        ),
        ("base = \"--output=PWNED\"", "not a valid branch name"),
    ] {
        let config = format!("[project]\n{line}\n\n[[role]]\nname = \"A\"\n");
        let env = Env::bare();
        fs::write(env.main.join("lanes.toml"), &config).unwrap();
        let before = tree(&env);
        env.wt(&["setup"])
            .code(2)
            .stderr_has("lanes.toml:")
            .stderr_has(needle);
        assert_eq!(tree(&env), before, "{line}");
        assert_no_pwned(&env);
    }
}

#[test]
fn f61_shell_in_a_valid_prefix_is_a_name_never_a_command() {
    let env = Env::with_config("[project]\nprefix = \"$(touch PWNED)`touch PWNED2`\"\nworktree_root = \"../lanes\"\n\n[[role]]\nname = \"A\"\n");
    env.wt(&["setup"]).ok();
    let lane = env.root.join("$(touch PWNED)`touch PWNED2`-A");
    assert!(lane.join("README.md").exists());
    env.commit_file(&lane, "a.txt", "a\n", "lane work");
    env.wt(&["sync", "A"]).ok();
    env.wt(&["merge", "A"]).ok();
    env.wt(&["teardown", "A"]).ok();
    assert!(!lane.exists());
    // The names are files' names, not commands.
    let pwned: Vec<String> = tree(&env)
        .into_iter()
        .filter(|p| p.ends_with("/PWNED") || p.ends_with("/PWNED2"))
        .collect();
    assert!(pwned.is_empty(), "{pwned:?}");
}

#[test]
fn f61_a_non_utf8_config_names_its_line() {
    let mut config = b"[project]\nworktree_root = \"../lanes\"\n\n[[role]]\nname = \"A".to_vec();
    config.extend_from_slice(&[0xff, 0xfe]);
    config.extend_from_slice(b"\"\n");
    config_refused(&config, 5, "not UTF-8");
}

#[test]
fn f61_a_config_with_conflict_markers_names_the_marker_line() {
    let config = "[project]\nworktree_root = \"../lanes\"\n\n[[role]]\n<<<<<<< HEAD\nname = \"A\"\n=======\nname = \"B\"\n>>>>>>> theirs\n";
    config_refused(config.as_bytes(), 5, "");
}

#[test]
fn f60_an_unknown_lane_is_exit_2_and_runs_no_git() {
    let env = world1("");
    let trace = env.base_dir().join("trace");
    let before = Snapshot::take(&env, &[&env.lane(LANE), &env.main]);
    for cmd in [
        "setup",
        "sync",
        "merge",
        "teardown",
        "preflight",
        "check",
        "handoff",
    ] {
        env.wt_with(
            &env.main,
            &[cmd, "nope"],
            &[("GIT_TRACE", trace.to_str().unwrap())],
        )
        .code(2)
        .stderr_has("no lane `nope`")
        .stderr_has("A-backend");
        assert!(
            fs::read_to_string(&trace).unwrap_or_default().is_empty(),
            "`wt {cmd} nope` ran git"
        );
    }
    before.assert_identical(&env);
}

#[test]
fn f20_a_lane_path_turned_into_a_symlink_is_never_followed() {
    // The lane's directory moved away and a symlink to it planted at the lane path: git would
    // follow it, and `worktree remove` would delete the target (G17.8).
    let env = world1("");
    let lane = env.lane(LANE);
    let moved = env.base_dir().join("moved lane");
    fs::rename(&lane, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &lane).unwrap();
    write_file(&moved.join("notes.txt"), "precious\n");
    let before = (tree(&env), Snapshot::take(&env, &[&moved]));
    for cmd in ["sync", "merge", "teardown"] {
        let r = env.wt(&[cmd, LANE]);
        r.code(1).stderr_has("symlink");
        before.1.assert_unchanged(&env);
        assert_eq!(tree(&env), before.0, "after wt {cmd}");
    }
    env.wt(&["setup", LANE]).code(1).stderr_has("symlink");
    env.wt(&["preflight", LANE])
        .code(1)
        .stdout_has("is a symlink");
    before.1.assert_unchanged(&env);
    assert!(fs::symlink_metadata(&lane).unwrap().is_symlink());
    assert_eq!(
        fs::read_to_string(moved.join("notes.txt")).unwrap(),
        "precious\n"
    );
}

#[test]
fn f21_a_worktree_root_with_a_newline_and_non_utf8_bytes_works() {
    let env = Env::with_config(&one_lane_config("").replace("worktree_root = \"../lanes\"\n", ""));
    let mut name = b"lanes\nwith newline ".to_vec();
    name.extend_from_slice(&[0xff, 0xfe]);
    let root = env.base_dir().join(OsStr::from_bytes(&name));
    let mut setup = env.wt_command(&env.main, &["setup", LANE]);
    setup.env("WORKTREE_ROOT", &root);
    crate::common::Run::from(setup.output().unwrap()).ok();
    let lane = root.join("main repo-A-backend");
    assert!(lane.join("README.md").exists());
    env.commit_file(&lane, "cmd/a.go", "a\n", "lane work");
    move_base(&env, "other.txt", "x\n");
    let mut status = env.wt_command(&env.main, &["status", "--json", LANE]);
    status.env("WORKTREE_ROOT", &root);
    let status = crate::common::Run::from(status.output().unwrap());
    status.ok();
    assert_eq!(status.json()[0]["exists"], true, "{}", status.stdout);
    for args in [&["preflight", LANE][..], &["sync", LANE], &["merge", LANE]] {
        let mut cmd = env.wt_command(&env.main, args);
        cmd.env("WORKTREE_ROOT", &root);
        crate::common::Run::from(cmd.output().unwrap()).ok();
    }
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev(BRANCH));
    let mut cmd = env.wt_command(&env.main, &["teardown", LANE]);
    cmd.env("WORKTREE_ROOT", &root);
    crate::common::Run::from(cmd.output().unwrap()).ok();
    assert!(!lane.exists());
}

#[test]
fn f63_a_lane_that_edits_lanes_toml_is_refused_and_its_checks_never_run() {
    let env = world1("");
    let lane = env.lane(LANE);
    let evil = format!(
        "{}\nchecks = ['touch \"$T/PWNED\"']\n",
        fs::read_to_string(lane.join("lanes.toml")).unwrap()
    );
    env.commit_file(&lane, "lanes.toml", &evil, "loosen my own checks");
    let before = Snapshot::take(&env, &[&lane, &env.main]);
    let t = t(&env);
    env.wt_with(&env.main, &["merge", LANE], &[("T", &t)])
        .code(1)
        .stderr_has("lanes.toml is protected");
    before.assert_unchanged(&env);
    for dir in [&env.main, &lane] {
        env.wt_with(dir, &["check", LANE], &[("T", &t)]).ok();
    }
    assert_no_pwned(&env);
}

#[test]
fn a_stderr_nobody_reads_is_no_reason_to_panic() {
    // `wt ... 2>&1 | head -1`: the reader is gone, writes to stderr fail with EPIPE. The error
    // still decides the exit code, not a panic (101).
    use std::os::fd::{FromRawFd, OwnedFd};
    let env = world1("");
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created by pipe() and are owned here only.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let mut cmd = env.wt_command(&env.main, &["sync", "nope"]);
    cmd.stderr(std::process::Stdio::from(write));
    let status = cmd.status().unwrap();
    assert_eq!(status.code(), Some(2));
}
