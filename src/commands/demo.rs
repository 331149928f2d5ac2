//! `wt demo [DIR]`: a newcomer's first command. It builds a throwaway world (a bare `origin.git`,
//! a main checkout `app` with two roles in `lanes.toml` and a task queue) and takes one task
//! through the whole lifecycle, narrating each step as the command a person would type followed
//! by that command's real output.
//!
//! Every `wt` step runs the real binary as a child (`-C` the demo's main checkout, stdin closed),
//! never the command functions in-process: what the demo shows is then exactly what the user
//! will see when they type the command themselves, and a step cannot lean on state the parent
//! process happens to hold. The demo never reads the user's lanes or repository; its children
//! get a fixed git identity and lose `WORKTREE_ROOT`, so neither a machine without `user.name`
//! nor the user's own lane root can change what happens in the world.

use crate::context::Context;
use crate::error::{Error, Kind, Result};
use crate::git::run;
use crate::sys::process::{self, Capture, Outcome, Spec};
use crate::sys::quote::quote_path as quote;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to build the demo (new or empty; default: a new temporary directory, kept for you
    /// to look at).
    pub dir: Option<PathBuf>,
}

/// The environment of every child the demo starts.
// why: a fresh machine has no user.name, and the demo must not commit as (or fail for lack of)
// the user; the variables beat any config file. GIT_CONFIG_COUNT (git 2.31+) turns off commit
// signing for this run only: a user's `commit.gpgsign = true` would otherwise ask for a key that
// the demo identity does not have, and no config file is touched.
const CHILD_ENV: &[(&str, &str)] = &[
    ("GIT_AUTHOR_NAME", "wt demo"),
    ("GIT_AUTHOR_EMAIL", "demo@wt.invalid"),
    ("GIT_COMMITTER_NAME", "wt demo"),
    ("GIT_COMMITTER_EMAIL", "demo@wt.invalid"),
    ("GIT_CONFIG_COUNT", "1"),
    ("GIT_CONFIG_KEY_0", "commit.gpgsign"),
    ("GIT_CONFIG_VALUE_0", "false"),
];

/// Removed from the environment of the `wt` children (git's own `GIT_DIR` and friends are
/// removed for every child by `process`).
// why: an exported WORKTREE_ROOT overrides lanes.toml and would put the demo's lanes in the
// user's real lane directory.
const CHILD_ENV_REMOVE: &[&str] = &["WORKTREE_ROOT"];

const MAIN: &str = "app";
const OTHER: &str = "other-machine";
const LANE_A: &str = "A-backend";
const LANE_B: &str = "B-ui";
const TASK_A: &str = "A-API-001";

const README_MD: &str = "# app\n\nThe project of `wt demo`: a backend in cmd/, a web UI in web/.\n";

const MAIN_GO: &str = "package main\n\nfunc main() {}\n";

const INDEX_HTML: &str = "<h1>app</h1>\n";

const LANES_TOML: &str = r#"# Two roles, one lane each: A-backend may change cmd/, B-ui may change web/.
[project]
worktree_root = ".."   # the lanes live beside this checkout, inside the demo directory

[queue]
path = "queue.yaml"

[[role]]
name = "A-backend"
owns = ["cmd/**"]
checks = ["test -f README.md"]

[[role]]
name = "B-ui"
owns = ["web/**"]
checks = ["test -f README.md"]
"#;

const QUEUE_YAML: &str = r#"# The task queue: `wt queue` and `wt merge` edit it in place, one commit on master per change.
version: 1
tasks:
  - id: A-API-001
    title: Add a /health endpoint
    role: A-backend
    status: todo
    owner: null
    branch: null
    depends_on: []
    acceptance_checks: ["test -f cmd/health.go"]
    blocked_by: null
    claimed_at: null
    completed_at: null
    merged_commit: null
  - id: B-UI-001
    title: Show the service's health on the dashboard
    role: B-ui
    status: todo
    owner: null
    branch: null
    depends_on: [A-API-001]
    acceptance_checks: ["test -f web/health.html"]
    blocked_by: null
    claimed_at: null
    completed_at: null
    merged_commit: null
"#;

const HEALTH_GO: &str = r#"package main

import "net/http"

func health(w http.ResponseWriter, _ *http.Request) {
	w.Write([]byte("ok\n"))
}
"#;

const RUNBOOK_MD: &str = "# Runbook\n\nRestart the service with `make restart`.\n";

pub fn run(ctx: &Context, args: DemoArgs) -> Result<u8> {
    let started = Instant::now();
    let exe = this_binary()?;
    let root = prepare_dir(ctx, args.dir)?;
    let mut demo = Demo::new(ctx, exe, root);
    demo.build_world()
        .and_then(|()| demo.lifecycle())
        .map_err(|e| {
            e.hint(format!(
                "the demo's world is kept in {} for a look",
                quote(&demo.root)
            ))
        })?;
    demo.summary(started.elapsed());
    Ok(0)
}

/// The running `wt`, to be run again for every step.
fn this_binary() -> Result<String> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::git(format!("cannot find the running wt binary: {e}")))?;
    // why: process::Spec takes the program as text; a non-UTF-8 build path is refused up front
    // rather than run under a lossy name.
    exe.to_str().map(str::to_string).ok_or_else(|| {
        Error::usage(format!(
            "the path of the wt binary is not UTF-8: {}",
            exe.display()
        ))
    })
}

/// The directory to build in: DIR (new, or an empty directory), else a new temporary directory
/// that is kept. Canonical, so that the paths narrated are the ones `wt` itself prints.
fn prepare_dir(ctx: &Context, dir: Option<PathBuf>) -> Result<PathBuf> {
    let dir = match dir {
        None => tempfile::Builder::new()
            .prefix("wt-demo-")
            .tempdir()
            .map_err(|e| Error::git(format!("cannot create a temporary directory: {e}")))?
            .keep(),
        Some(dir) => {
            let dir = ctx.cwd().join(dir);
            match fs::metadata(&dir) {
                Ok(meta) if !meta.is_dir() => {
                    return Err(Error::refused(format!(
                        "{} exists and is not a directory",
                        dir.display()
                    ))
                    .hint("name a new or empty directory, or run `wt demo` without one"));
                }
                Ok(_) => {
                    let empty = fs::read_dir(&dir)?.next().is_none();
                    if !empty {
                        return Err(Error::refused(format!("{} is not empty", dir.display()))
                            .hint(
                                "wt demo builds its world only in a new or empty directory: \
                                 name another one, or leave DIR out for a temporary one",
                            ));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    fs::create_dir_all(&dir)
                        .map_err(|e| Error::git(format!("cannot create {}: {e}", dir.display())))?;
                }
                Err(e) => return Err(Error::git(format!("cannot read {}: {e}", dir.display()))),
            }
            dir
        }
    };
    Ok(dir.canonicalize()?)
}

struct Demo<'a> {
    ctx: &'a Context,
    /// The running `wt`, run again for every step.
    exe: String,
    /// The demo directory; `main` and `origin.git` are in it, and so are the lanes.
    root: PathBuf,
    main: PathBuf,
    /// Where the narration's shell is, so that a `cd` is shown whenever a step runs elsewhere.
    here: Option<PathBuf>,
    section: u32,
}

impl<'a> Demo<'a> {
    fn new(ctx: &'a Context, exe: String, root: PathBuf) -> Demo<'a> {
        Demo {
            ctx,
            exe,
            main: root.join(MAIN),
            root,
            here: None,
            section: 0,
        }
    }

    /// The bare remote and the main checkout with the project, lanes.toml and the queue,
    /// committed and pushed. Not narrated command by command: it stands for a project that
    /// already exists.
    fn build_world(&mut self) -> Result<()> {
        let ui = &self.ctx.ui;
        ui.step("wt demo: one task's trip through the lanes of a throwaway project");
        ui.status(&format!("Building the world in {}:", self.root.display()));
        ui.status("  origin.git   a bare repository: the shared remote everyone pushes to");
        ui.status("  app/         the main checkout, on master: README.md, cmd/, web/,");
        ui.status("               lanes.toml (two roles) and queue.yaml (two tasks; B-UI-001");
        ui.status("               can start only when A-API-001 is done)");
        let root = self.root.clone();
        let main = self.main.clone();
        self.git_silent(
            &root,
            &["init", "-q", "--bare", "-b", "master", "origin.git"],
        )?;
        // why: cloning (rather than init + remote add) gives the main checkout the remote and
        // the upstream of master exactly as a user's clone has them.
        self.git_silent(&root, &["clone", "-q", "origin.git", MAIN])?;
        for (rel, text) in [
            ("README.md", README_MD),
            ("cmd/main.go", MAIN_GO),
            ("web/index.html", INDEX_HTML),
            ("lanes.toml", LANES_TOML),
            ("queue.yaml", QUEUE_YAML),
        ] {
            write(&main.join(rel), text)?;
        }
        self.git_silent(&main, &["add", "-A"])?;
        self.git_silent(
            &main,
            &[
                "commit",
                "-q",
                "-m",
                "Start the app, its lanes and its queue",
            ],
        )?;
        self.git_silent(&main, &["push", "-q", "-u", "origin", "master"])?;
        // why: a clone of an empty repository has no origin/HEAD; a normal clone has one.
        self.git_silent(&main, &["remote", "set-head", "origin", "master"])?;
        self.blank();
        self.show_file(&main, "lanes.toml")
    }

    fn lifecycle(&mut self) -> Result<()> {
        let main = self.main.clone();
        let lane_a = self.root.join(format!("{MAIN}-{LANE_A}"));
        let other = self.root.join(OTHER);

        self.section(
            "Set up the lanes",
            "one worktree and one branch per role, beside the main checkout",
        );
        self.wt(&["setup"], 0)?;
        self.wt(&["status"], 0)?;

        self.section(
            "Find work",
            "a task is ready when every task it depends on is done",
        );
        self.wt(&["queue", "ready", LANE_A], 0)?;
        self.wt(&["queue", "ready", LANE_B], 0)?;

        self.section(
            "Claim the task",
            "the queue change is committed on master and pushed: other machines see the claim",
        );
        self.wt(&["queue", "claim", LANE_A, "--owner", "agent-a"], 0)?;

        self.section(
            "Work in the lane",
            "the agent (or you) works in the lane's worktree with plain git",
        );
        self.write_file(&lane_a, "cmd/health.go", HEALTH_GO)?;
        self.git_shown(&lane_a, &["add", "cmd/health.go"])?;
        self.git_shown(&lane_a, &["commit", "-m", "Add a /health endpoint"])?;

        self.section(
            "Preflight",
            "is the lane fit for work? (it is behind master by the claim's commit: a warning)",
        );
        self.wt(&["preflight", LANE_A], 0)?;

        self.section(
            "Meanwhile, on another machine",
            "someone else pushes to master, so the lane's base moves again",
        );
        let root = self.root.clone();
        self.git_shown(&root, &["clone", "-q", "origin.git", OTHER])?;
        self.write_file(&other, "RUNBOOK.md", RUNBOOK_MD)?;
        self.git_shown(&other, &["add", "RUNBOOK.md"])?;
        self.git_shown(&other, &["commit", "-q", "-m", "Add a runbook"])?;
        self.git_shown(&other, &["push", "origin", "master"])?;

        self.section(
            "Sync",
            "fetch, rebase the lane onto the new master, push the lane branch with a lease",
        );
        self.wt(&["sync", LANE_A], 0)?;
        self.wt(&["status", LANE_A], 0)?;

        self.section(
            "Check",
            "the role's checks and the task's acceptance checks, run in the lane and recorded",
        );
        self.wt(&["check", LANE_A], 0)?;

        self.section(
            "Merge",
            "rebase, policies, checks, fast-forward master (never a merge commit), task done",
        );
        self.wt(&["merge", LANE_A], 0)?;

        self.section(
            "The queue after the merge",
            "A-API-001 is done, so B-UI-001 is ready for the B-ui lane",
        );
        self.wt(&["queue", "show"], 0)?;
        self.wt(&["queue", "ready", LANE_B], 0)?;

        self.section(
            "The handoff",
            "the merge recorded the playbook's handoff report beside the repository",
        );
        let handoff = recorded_handoff(&main)?;
        self.show_file(&main, &handoff)?;

        self.section(
            "Teardown",
            "only when nothing would be lost: B-ui has a task to do, A-backend's work is on master",
        );
        self.wt(&["teardown", LANE_B], 1)?;
        // why: on a terminal teardown asks first; --yes answers as the demo has no one to ask.
        self.wt(&["teardown", LANE_A, "--yes"], 0)?;
        self.wt(&["status"], 0)?;
        Ok(())
    }

    /// The result on stdout (shown under --quiet too): where the world is and what to try.
    fn summary(&self, took: Duration) {
        let root = quote(&self.root);
        let main = quote(&self.main);
        let lane_b = format!("cd ../{MAIN}-{LANE_B}");
        let remove = format!("rm -rf {root}");
        let tries: [(&str, &str); 8] = [
            (&format!("cd {main}"), ""),
            ("wt status", "A-backend is gone, B-ui is behind master"),
            (
                "wt queue claim B-ui --owner agent-b",
                "B-UI-001 is ready now",
            ),
            (&lane_b, "add web/health.html there and commit it"),
            (
                "wt merge B-ui",
                "rebase, check, fast-forward master, B-UI-001 done",
            ),
            ("wt setup A-backend", "bring the torn-down lane back"),
            (
                "git -C ../origin.git log --oneline",
                "what master went through",
            ),
            (&remove, "when you are done"),
        ];
        let width = tries.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        let mut lines = vec![format!(
            "Done in {:.1} s. The demo's world is kept in {root}. Try:",
            took.as_secs_f64()
        )];
        for (command, what) in tries {
            let line = format!("  {command:<width$}  {what}");
            lines.push(line.trim_end().to_string());
        }
        if !runs_as_wt_on_path() {
            lines.push(format!(
                "(`wt` above is {}; `cargo install --path .` puts it on your PATH)",
                self.exe
            ));
        }
        if std::env::var_os("WORKTREE_ROOT").is_some_and(|v| !v.is_empty()) {
            lines.push(
                "(your WORKTREE_ROOT is set and overrides lanes.toml: unset it in the demo's \
                 world, or wt looks for the lanes there)"
                    .to_string(),
            );
        }
        self.ctx.ui.report(&Summary {
            dir: &self.root,
            main: &self.main,
            seconds: took.as_secs_f64(),
            lines,
        });
    }

    fn section(&mut self, title: &str, why: &str) {
        self.section += 1;
        self.blank();
        let ui = &self.ctx.ui;
        ui.step(&format!("{}. {title}", self.section));
        ui.status(&ui.style().dim(&format!("   {why}")));
    }

    fn blank(&self) {
        self.ctx.ui.status("");
    }

    /// Show a command as typed at a prompt, after a `cd` when it runs somewhere else.
    fn command(&mut self, dir: &Path, line: &str) {
        let ui = &self.ctx.ui;
        let prompt = |text: &str| {
            ui.status(&format!(
                "{} {}",
                ui.style().dim("$"),
                ui.style().bold(text)
            ))
        };
        match &self.here {
            None => prompt(&format!("cd {}", quote(dir))),
            Some(here) if here != dir => prompt(&format!("cd {}", quote(&relative(here, dir)))),
            Some(_) => {}
        }
        self.here = Some(dir.to_path_buf());
        prompt(line);
    }

    /// Run `wt ARGS` in the main checkout as a child and show its output; `expect` is the exit
    /// code this step should have (the refused teardown exits 1).
    fn wt(&mut self, args: &[&str], expect: i32) -> Result<()> {
        let main = self.main.clone();
        self.command(&main, &format!("wt {}", shell_line(args)));
        let ui = &self.ctx.ui;
        let quiet = ui.quiet();
        // why: the child's output is either shown as it comes (its stdout joins our stderr, so
        // the demo's stdout stays the summary alone) or, under --quiet, kept for an error report.
        let (capture, color) = match (quiet, ui.style().enabled()) {
            (true, _) => (Capture::Both, "never"),
            (false, true) => (Capture::Stream, "always"),
            (false, false) => (Capture::Stream, "never"),
        };
        let mut argv: Vec<OsString> = vec![
            "-C".into(),
            main.clone().into(),
            "--color".into(),
            color.into(),
        ];
        argv.extend(args.iter().map(OsString::from));
        let spec = Spec {
            program: &self.exe,
            args: argv,
            dir: &main,
            env: child_env(),
            env_remove: CHILD_ENV_REMOVE,
            capture,
            timeout: None,
        };
        let out = match process::run(spec) {
            Ok(Outcome::Finished(out)) => out,
            Ok(Outcome::TimedOut) => {
                return Err(Error::git(format!(
                    "`wt {}` did not finish",
                    shell_line(args)
                )))
            }
            Err(e) => return Err(Error::git(format!("cannot run {}: {e}", self.exe))),
        };
        let code = out.status.code().unwrap_or(-1);
        if code == expect {
            return Ok(());
        }
        let mut err = Error::new(
            kind_of(code),
            format!(
                "the demo stopped: `wt {}` exited with {code}, not {expect}",
                shell_line(args)
            ),
        );
        if capture == Capture::Both {
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            err = err.details(text.lines().map(str::to_string));
        }
        Err(err)
    }

    /// A narrated git command: shown, run with the demo's identity, its output shown.
    fn git_shown(&mut self, dir: &Path, args: &[&str]) -> Result<()> {
        self.command(dir, &format!("git {}", shell_line(args)));
        let out = self.git_run(dir, args)?;
        for text in [out.stdout_str(), out.stderr] {
            for line in text.lines() {
                self.ctx.ui.status(line);
            }
        }
        Ok(())
    }

    /// A git command of the world building, not shown.
    fn git_silent(&self, dir: &Path, args: &[&str]) -> Result<()> {
        self.git_run(dir, args).map(|_| ())
    }

    fn git_run(&self, dir: &Path, args: &[&str]) -> Result<run::GitOutput> {
        run::as_typed(dir, args, CHILD_ENV)
            .map_err(|e| e.context(format!("the demo's git failed in {}", dir.display())))
    }

    /// Write a file as the narration shows it: a here-document.
    fn write_file(&mut self, dir: &Path, rel: &str, text: &str) -> Result<()> {
        self.command(dir, &format!("cat > {rel} <<'EOF'"));
        for line in text.lines() {
            self.ctx.ui.status(line);
        }
        self.ctx.ui.status("EOF");
        write(&dir.join(rel), text)
    }

    fn show_file(&mut self, dir: &Path, rel: &str) -> Result<()> {
        self.command(dir, &format!("cat {rel}"));
        let path = dir.join(rel);
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::git(format!("cannot read {}: {e}", path.display())))?;
        for line in text.lines() {
            self.ctx.ui.status(line);
        }
        Ok(())
    }
}

/// Words as they would be typed: each quoted only when the shell needs it.
fn shell_line(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| quote(Path::new(w))).collect();
    quoted.join(" ")
}

fn child_env() -> Vec<(String, OsString)> {
    CHILD_ENV
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect()
}

/// The exit code of a failed step, passed on as the demo's own.
fn kind_of(code: i32) -> Kind {
    match code {
        1 => Kind::Refused,
        2 => Kind::Usage,
        4 => Kind::Conflict,
        5 => Kind::Busy,
        _ => Kind::Git,
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text).map_err(|e| Error::git(format!("cannot write {}: {e}", path.display())))
}

/// The handoff `wt merge` recorded for the demo's task, relative to the main checkout.
fn recorded_handoff(main: &Path) -> Result<String> {
    let dir = main.join(".git/wt/handoffs");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| Error::git(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{TASK_A}-")) && n.ends_with(".md"))
        .collect();
    names.sort();
    names
        .pop()
        .map(|n| format!(".git/wt/handoffs/{n}"))
        .ok_or_else(|| Error::git(format!("wt merge recorded no handoff in {}", dir.display())))
}

/// `to` as a `cd` from `from` would name it (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for c in &to[common..] {
        path.push(c);
    }
    path
}

/// Whether `wt` on PATH is this binary, so that the summary's commands run what just ran.
fn runs_as_wt_on_path() -> bool {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return false;
    };
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join("wt"))
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .is_some_and(|p| p == me)
}

/// Where the demo's world is, and what to try in it (shown under --quiet too).
#[derive(Serialize)]
struct Summary<'a> {
    dir: &'a Path,
    main: &'a Path,
    seconds: f64,
    #[serde(skip)]
    lines: Vec<String>,
}

impl Report for Summary<'_> {
    fn show(&self, ui: &Ui) {
        ui.status("");
        for line in &self.lines {
            ui.data(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_what_cd_needs() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(
            r("/d/app", "/d/app-A-backend"),
            PathBuf::from("../app-A-backend")
        );
        assert_eq!(r("/d/app", "/d"), PathBuf::from(".."));
        assert_eq!(r("/d", "/d/other-machine"), PathBuf::from("other-machine"));
        assert_eq!(r("/d/app", "/d/app"), PathBuf::new());
    }
}
