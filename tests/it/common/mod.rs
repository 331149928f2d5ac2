//! A sealed test world: a temp HOME with its own git config, a bare `origin`, a main checkout on
//! `master` (in a directory whose name has a space), lanes under a separate root, and the real
//! `wt` binary run with a scrubbed environment. Helpers assert; they never hide a git failure.

#![allow(dead_code)]

pub mod faults;
pub mod oracle;
pub mod queue;
pub mod world;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const DEFAULT_CONFIG: &str = r#"[project]
worktree_root = "../lanes"

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]

[[role]]
name = "B-ui"
lanes = 2
owns = ["web/**"]
"#;

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub origin: PathBuf,
    pub main: PathBuf,
    pub root: PathBuf,
}

/// The outcome of one `wt` or `git` run. Every run's exit code is asserted (`code`, `ok`) or
/// read; a test that truly does not care says why next to a `let _ =`.
#[derive(Debug)]
#[must_use = "assert the exit code (`.ok()`, `.code(n)`) or say why it does not matter"]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Assert the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(
            self.code, want,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}\n--- stdout\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", self.stdout))
    }
}

impl Env {
    /// origin + main checkout with one commit and `DEFAULT_CONFIG` committed and pushed.
    pub fn new() -> Env {
        Env::with_config(DEFAULT_CONFIG)
    }

    pub fn with_config(config: &str) -> Env {
        Env::build("master", Some(config))
    }

    /// A world without a lanes.toml.
    pub fn bare() -> Env {
        Env::build("master", None)
    }

    pub fn build(branch: &str, config: Option<&str>) -> Env {
        let tmp = tempfile::Builder::new()
            .prefix("wt-test")
            .tempdir()
            .expect("temp dir");
        let base = tmp.path().canonicalize().unwrap();
        let home = base.join("home");
        fs::create_dir_all(&home).unwrap();
        fs::write(
            home.join(".gitconfig"),
            format!("[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = {branch}\n[protocol \"file\"]\n\tallow = always\n[advice]\n\tdetachedHead = false\n"),
        )
        .unwrap();
        let env = Env {
            origin: base.join("origin.git"),
            main: base.join("main repo"),
            root: base.join("lanes"),
            home,
            tmp,
        };
        env.git_at(&base, &["init", "-q", "--bare", "-b", branch, "origin.git"]);
        env.git_at(&base, &["clone", "-q", "origin.git", "main repo"]);
        env.write("README.md", "hello\n");
        if let Some(config) = config {
            env.write("lanes.toml", config);
        }
        env.git(&["add", "-A"]);
        env.git(&["commit", "-q", "-m", "initial"]);
        env.git(&["push", "-q", "origin", branch]);
        // why: a clone of an empty repo has no origin/HEAD; set it as a normal clone would.
        env.git(&["remote", "set-head", "origin", branch]);
        env
    }

    /// Takes the repository lock (`.git/wt/lock`) as another program would, until the returned
    /// file is dropped.
    pub fn hold_lock(&self) -> std::fs::File {
        let dir = self.main.join(".git/wt");
        std::fs::create_dir_all(&dir).unwrap();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .unwrap();
        file.lock().unwrap();
        file
    }

    pub fn base_dir(&self) -> PathBuf {
        self.main.parent().unwrap().to_path_buf()
    }

    /// The worktree directory of a lane with the default templates: `{root}/main repo-{lane}`.
    pub fn lane(&self, lane_id: &str) -> PathBuf {
        self.root.join(format!("main repo-{lane_id}"))
    }

    /// Give `cmd` the sealed environment (for make, sh or a pseudo-terminal around `wt`).
    pub fn sealed(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("GIT_")
                || k.starts_with("WT_")
                || k == "WORKTREE_ROOT"
                || k.starts_with("XDG_")
                || k == "NO_COLOR"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env("LC_ALL", "C")
            .env("NO_COLOR", "1")
            .env("WT_NETWORK_TIMEOUT", "20");
    }

    /// Run `wt` in the main checkout.
    pub fn wt(&self, args: &[&str]) -> Run {
        self.wt_in(&self.main, args)
    }

    pub fn wt_in(&self, dir: &Path, args: &[&str]) -> Run {
        self.wt_with(dir, args, &[])
    }

    pub fn wt_with(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.wt_command(dir, args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run wt"))
    }

    /// A `wt` command ready to spawn (for tests that kill it or run several at once).
    pub fn wt_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wt"));
        cmd.args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null());
        self.sealed(&mut cmd);
        cmd
    }

    /// Run git in the main checkout; panics on failure.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        self.git_at(&self.main, args)
    }

    #[track_caller]
    pub fn git_at(&self, dir: &Path, args: &[&str]) -> String {
        let r = self.git_run(dir, args);
        assert_eq!(r.code, 0, "git {args:?} in {}\n{}", dir.display(), r.stderr);
        r.stdout.trim_end().to_string()
    }

    /// Run git without asserting.
    pub fn git_run<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Run {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null());
        self.sealed(&mut cmd);
        Run::from(cmd.output().expect("run git"))
    }

    /// Write a file in the main checkout.
    pub fn write(&self, rel: &str, content: &str) {
        write_file(&self.main.join(rel), content);
    }

    /// Write a file and commit it in `dir`; returns the new HEAD.
    #[track_caller]
    pub fn commit_file(&self, dir: &Path, rel: &str, content: &str, message: &str) -> String {
        write_file(&dir.join(rel), content);
        self.git_at(dir, &["add", "--", rel]);
        self.git_at(dir, &["commit", "-q", "-m", message]);
        self.git_at(dir, &["rev-parse", "HEAD"])
    }

    #[track_caller]
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev])
    }

    /// Every ref of the main repository with its target: for "nothing changed" assertions.
    pub fn refs(&self) -> String {
        self.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
    }

    /// Every ref of the remote.
    pub fn remote_refs(&self) -> String {
        self.git_at(
            &self.origin,
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        )
    }

    /// `git worktree list --porcelain` of the repository.
    pub fn worktrees(&self) -> String {
        self.git(&["worktree", "list", "--porcelain"])
    }

    /// Status of a worktree including ignored files: byte-identical before and after a refusal.
    pub fn status_of(&self, dir: &Path) -> String {
        self.git_at(
            dir,
            &[
                "status",
                "--porcelain=v2",
                "--ignored",
                "--untracked-files=all",
            ],
        )
    }

    /// A second clone of origin, as another machine would have.
    pub fn second_clone(&self, name: &str) -> PathBuf {
        let dir = self.base_dir().join(name);
        self.git_at(&self.base_dir(), &["clone", "-q", "origin.git", name]);
        dir
    }
}

pub fn write_file(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
}

/// Exit code, stdout and stderr of `run` as one text, the test's temp dir replaced by `[TMP]`:
/// what a snapshot of a command's human output holds.
pub fn scrub(env: &Env, run: &Run) -> String {
    let raw = env.tmp.path().to_str().unwrap().to_string();
    let canonical = env.tmp.path().canonicalize().unwrap();
    let canonical = canonical.to_str().unwrap();
    let clean = |s: &str| s.replace(canonical, "[TMP]").replace(&raw, "[TMP]");
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.code,
        clean(&run.stdout),
        clean(&run.stderr)
    )
}

/// A `git` first on PATH that, before each call whose argv contains `trigger` (say
/// `" merge --ff-only "`), notes in its log whether the main checkout's `rel` was already written
/// and staged as git is about to make it (`prepared`: the index differs from HEAD there and the
/// file equals the index) or not (`in-place`: git itself would rewrite the file under readers).
pub struct PreparedShim {
    /// The PATH value that puts the shim first.
    pub path: String,
    pub log: PathBuf,
}

impl PreparedShim {
    pub fn new(env: &Env, trigger: &str, rel: &str) -> PreparedShim {
        let real = Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout;
        let real = String::from_utf8(real).unwrap().trim().to_string();
        let dir = env.base_dir().join("prepared-shim");
        let log = env.base_dir().join("prepared-shim.log");
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let script = format!(
            "#!/bin/sh\ncase \" $* \" in *{trigger}*)\n  if ! {g} diff --cached --quiet -- {rel} && {g} diff --quiet -- {rel}; then echo prepared >> {log}; else echo in-place >> {log}; fi;;\nesac\nexec {g} \"$@\"\n",
            trigger = quote(trigger),
            g = quote(&real),
            rel = quote(rel),
            log = quote(log.to_str().unwrap()),
        );
        write_file(&dir.join("git"), &script);
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.join("git"), fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        PreparedShim { path, log }
    }

    /// One line per triggering call, in order.
    pub fn seen(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}
