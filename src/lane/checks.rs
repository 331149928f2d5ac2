//! Running a lane's check commands and keeping the record of the last run
//! (`<common dir>/wt/checks/<lane>.json`) that `wt handoff` and `wt merge` report.
//!
//! Check commands are the repository's own trusted commands from `lanes.toml` (read from the main
//! checkout, never from a lane) and run through `sh -c`: the one place wt uses a shell. Values
//! from the queue (task id, owner) reach them only as `WT_*` environment variables, never spliced
//! into the command string. Each runs in its own process group through `process`, so Ctrl-C
//! stops it and everything it started. Never prints: the child's output streams to stderr.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::sys::process::{self, Capture, Outcome, Spec};
use crate::sys::files;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where a check command comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The role's `checks`.
    Role,
    /// A `[[gate]]` the branch triggers.
    Gate,
    /// The claimed task's `acceptance_checks`.
    Acceptance,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Role => "role",
            Source::Gate => "gate",
            Source::Acceptance => "acceptance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub source: Source,
    pub command: String,
}

/// The commands to run for a lane, in order: role checks, gates, acceptance checks. A command
/// listed twice runs once.
pub fn plan(role_checks: &[String], gates: &[String], acceptance: &[String]) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    let groups = [
        (Source::Role, role_checks),
        (Source::Gate, gates),
        (Source::Acceptance, acceptance),
    ];
    for (source, commands) in groups {
        for command in commands {
            if !out.iter().any(|c| &c.command == command) {
                out.push(Command {
                    source,
                    command: command.clone(),
                });
            }
        }
    }
    out
}

/// What a check command sees in its environment.
#[derive(Debug, Clone, Default)]
pub struct CheckEnv {
    pub role: String,
    /// The lane id (`A-backend`, `B-ui-2`).
    pub lane: String,
    pub branch: String,
    pub task: Option<String>,
    pub owner: Option<String>,
}

impl CheckEnv {
    fn vars(&self) -> Vec<(String, OsString)> {
        let opt = |v: &Option<String>| OsString::from(v.clone().unwrap_or_default());
        vec![
            ("WT_ROLE".into(), self.role.clone().into()),
            ("WT_LANE".into(), self.lane.clone().into()),
            ("WT_BRANCH".into(), self.branch.clone().into()),
            ("WT_TASK".into(), opt(&self.task)),
            ("WT_OWNER".into(), opt(&self.owner)),
        ]
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub source: Source,
    pub command: String,
    /// None when the command was killed by a signal.
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub started_at: String,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Run one command with `sh -c` in `worktree`, its output streamed to our stderr.
pub fn run_one(worktree: &Path, command: &Command, env: &CheckEnv) -> Result<CheckResult> {
    let started_at = files::now();
    let clock = Instant::now();
    let spec = Spec {
        program: "sh",
        args: vec!["-c".into(), command.command.clone().into()],
        dir: worktree,
        env: env.vars(),
        env_remove: &[],
        capture: Capture::Stream,
        timeout: None,
    };
    let outcome = process::run(spec).map_err(|e| {
        Error::git(format!("cannot run `{}`: {e}", command.command)).hint("is `sh` on PATH?")
    })?;
    let exit_code = match outcome {
        Outcome::Finished(out) => out.status.code(),
        Outcome::TimedOut => None,
    };
    Ok(CheckResult {
        source: command.source,
        command: command.command.clone(),
        exit_code,
        duration_ms: clock.elapsed().as_millis() as u64,
        started_at,
    })
}

/// The record of one `wt check` run (or the checks of one `wt merge` attempt).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub lane: String,
    pub branch: String,
    /// The commit the checks ran on.
    pub head: String,
    pub task: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    pub ok: bool,
    pub checks: Vec<CheckResult>,
}

impl Record {
    pub fn new(lane: &Lane, head: &str, task: Option<&str>) -> Record {
        Record {
            lane: lane.id.clone(),
            branch: lane.branch.clone(),
            head: head.to_string(),
            task: task.map(str::to_string),
            started_at: files::now(),
            finished_at: String::new(),
            ok: true,
            checks: Vec::new(),
        }
    }

    pub fn push(&mut self, result: CheckResult) {
        self.ok &= result.passed();
        self.checks.push(result);
    }

    pub fn failed(&self) -> Vec<&CheckResult> {
        self.checks.iter().filter(|c| !c.passed()).collect()
    }
}

fn path(info: &RepoInfo, lane: &str) -> PathBuf {
    info.wt_dir("checks").join(format!("{lane}.json"))
}

pub fn save(info: &RepoInfo, record: &mut Record) -> Result<()> {
    record.finished_at = files::now();
    let text = serde_json::to_string_pretty(record).expect("a check record always serializes");
    files::write_atomic(&path(info, &record.lane), text.as_bytes())?;
    Ok(())
}

/// The last recorded run for `lane`; None when there is none or it cannot be read.
pub fn load(info: &RepoInfo, lane: &str) -> Option<Record> {
    let text = std::fs::read_to_string(path(info, lane)).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_keeps_order_and_drops_repeats() {
        let p = plan(
            &["make test".into(), "make lint".into()],
            &["make codegen".into()],
            &["make test".into(), "go test ./x".into()],
        );
        let got: Vec<(&str, &str)> = p
            .iter()
            .map(|c| (c.source.as_str(), c.command.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("role", "make test"),
                ("role", "make lint"),
                ("gate", "make codegen"),
                ("acceptance", "go test ./x"),
            ]
        );
    }
}
