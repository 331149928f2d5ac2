//! Running the `git` binary: for everything that must behave exactly like the user's git (fetch,
//! push, rebase, worktree add/remove, hooks, credentials). Failures keep git's argv, exit code and
//! stderr so the renderer can show git's own words under our one-line context.

use crate::error::Error;
use crate::sys::process::{self, Capture, Outcome, Spec};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A failed git call.
#[derive(Debug, Clone)]
pub struct GitError {
    pub args: Vec<OsString>,
    pub dir: PathBuf,
    /// None when git was killed (timeout or signal).
    pub code: Option<i32>,
    pub stderr: String,
    pub timed_out: bool,
}

impl GitError {
    /// `git rebase ...` as the user would type it, for messages.
    pub fn command_line(&self) -> String {
        let mut line = String::from("git");
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }

    /// Convert to the crate error with a one-line context; git's stderr becomes the details.
    pub fn context(self, message: impl Into<String>) -> Error {
        let mut err = Error::git(message.into());
        if self.timed_out {
            err = err.detail(format!("`{}` did not finish in time", self.command_line()));
        } else {
            err = err.detail(format!(
                "`{}` exited with {}",
                self.command_line(),
                self.code.unwrap_or(-1)
            ));
        }
        err.details(
            self.stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        )
    }
}

impl From<GitError> for Error {
    fn from(e: GitError) -> Error {
        let msg = format!("`{}` failed", e.command_line());
        e.context(msg)
    }
}

/// How long a call that talks to a remote may take before its process group is killed.
/// `WT_NETWORK_TIMEOUT` (seconds) overrides the default for slow links and for tests.
pub fn network_timeout() -> Duration {
    let secs = std::env::var("WT_NETWORK_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// A git invocation in one directory.
pub struct Git<'a> {
    dir: &'a Path,
    timeout: Option<Duration>,
    env: Vec<(String, OsString)>,
}

pub struct GitOutput {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl GitOutput {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// A git command exactly as a person would type it in `dir`, with `env` set: for the demo, whose
/// narration is the argv it runs. wt's own work goes through the named functions of this module.
pub fn as_typed(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<GitOutput, GitError> {
    let mut g = git(dir);
    for (key, value) in env {
        g = g.env(key, *value);
    }
    g.run(args)
}

pub fn git(dir: &Path) -> Git<'_> {
    Git {
        dir,
        timeout: None,
        env: Vec::new(),
    }
}

impl<'a> Git<'a> {
    /// Bound the call by the network timeout (fetch, push, ls-remote).
    pub fn network(mut self) -> Self {
        self.timeout = Some(network_timeout());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.env.push((key.to_string(), value.into()));
        self
    }

    /// Run and return the output whatever the exit code; Err only when git could not run or
    /// was killed.
    pub fn output<I, S>(&self, args: I) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = os_args(args);
        let spec = Spec {
            program: "git",
            args: args.clone(),
            dir: self.dir,
            env: self.env.clone(),
            env_remove: &[],
            capture: Capture::Both,
            timeout: self.timeout,
        };
        let fail = |stderr: String, timed_out: bool| GitError {
            args: args.clone(),
            dir: self.dir.to_path_buf(),
            code: None,
            stderr,
            timed_out,
        };
        match process::run(spec) {
            Ok(Outcome::Finished(out)) => match out.status.code() {
                Some(code) => Ok(GitOutput {
                    code,
                    stdout: out.stdout,
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                }),
                None => Err(fail(
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                    false,
                )),
            },
            Ok(Outcome::TimedOut) => Err(fail(String::new(), true)),
            Err(e) => Err(fail(format!("cannot run git: {e}"), false)),
        }
    }

    /// The error for a git that ran and exited with a failure code.
    fn exited(&self, args: Vec<OsString>, out: GitOutput) -> GitError {
        GitError {
            args,
            dir: self.dir.to_path_buf(),
            code: Some(out.code),
            stderr: out.stderr,
            timed_out: false,
        }
    }

    /// Run; a non-zero exit is an error.
    pub fn run<I, S>(&self, args: I) -> Result<GitOutput, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = os_args(args);
        let out = self.output(&args)?;
        if out.code == 0 {
            Ok(out)
        } else {
            Err(self.exited(args, out))
        }
    }

    /// Run and return stdout without the trailing newline.
    pub fn read<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = self.run(args)?;
        let mut text = out.stdout_str();
        while text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    /// For commands whose exit code 0/1 is the answer (`merge-base --is-ancestor`).
    pub fn test<I, S>(&self, args: I) -> Result<bool, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = os_args(args);
        let out = self.output(&args)?;
        match out.code {
            0 => Ok(true),
            1 => Ok(false),
            _ => Err(self.exited(args, out)),
        }
    }
}

/// Arguments as owned OS strings, so paths that are not UTF-8 pass through untouched.
pub fn os_args<I, S>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter()
        .map(|a| a.as_ref().to_os_string())
        .collect()
}
