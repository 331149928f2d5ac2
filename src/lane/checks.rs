//! Running a lane's check commands and keeping the record of the last run
//! (`<common dir>/wt/checks/<lane>.json`) that `wt handoff` and `wt merge` report.
//!
//! Check commands are the repository's own trusted commands from `lanes.toml` (read from the main
//! checkout, never from a lane) and run through `sh -c`: the one place wt uses a shell. Values
//! from the queue (task id, owner) reach them only as `WT_*` environment variables, never spliced
//! into the command string. Each runs in its own process group through `process`, so Ctrl-C
//! stops it and everything it started. Never prints: where the child's output goes (stderr, or
//! nowhere under `--quiet`) is the caller's `Events::child_output`.

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::Oid;
use crate::git::RepoInfo;
use crate::lane::task::{self, ClaimedTask};
use crate::lane::{policy, state, Site};
use crate::sys::events::Events;
use crate::sys::files;
use crate::sys::process::{self, Capture, Outcome, Spec};
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
    /// A defect task's proof command (`--proof`).
    Proof,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Role => "role",
            Source::Gate => "gate",
            Source::Acceptance => "acceptance",
            Source::Proof => "proof",
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
fn ordered(role_checks: &[String], gates: &[String], acceptance: &[String]) -> Vec<Command> {
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
pub fn run_one(
    worktree: &Path,
    command: &Command,
    env: &CheckEnv,
    output: Capture,
) -> Result<CheckResult> {
    let started_at = crate::sys::clock::now();
    let clock = Instant::now();
    let spec = Spec {
        program: "sh",
        args: vec!["-c".into(), command.command.clone().into()],
        dir: worktree,
        env: env.vars(),
        env_remove: &[],
        capture: output,
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
    /// Commands planned but not run: `wt merge` stops at the first failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
}

impl Record {
    pub fn new(lane: &Lane, head: &str, task: Option<&str>) -> Record {
        Record {
            lane: lane.id.clone(),
            branch: lane.branch.clone(),
            head: head.to_string(),
            task: task.map(str::to_string),
            started_at: crate::sys::clock::now(),
            finished_at: String::new(),
            ok: true,
            checks: Vec::new(),
            not_run: Vec::new(),
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
    record.finished_at = crate::sys::clock::now();
    let text = serde_json::to_string_pretty(record).expect("a check record always serializes");
    files::write_atomic(&path(info, &record.lane), text.as_bytes())?;
    Ok(())
}

/// The last recorded run for `lane`; None when there is none or it cannot be read.
pub fn load(info: &RepoInfo, lane: &str) -> Option<Record> {
    let text = std::fs::read_to_string(path(info, lane)).ok()?;
    serde_json::from_str(&text).ok()
}

/// `wt check`: the lane's checks, planned for its checked-out commit (the gates its branch
/// triggers against base, its claimed task's acceptance checks), run one after another, all of
/// them, and recorded.
pub fn check_lane(site: &Site, events: &dyn Events, lane: &Lane) -> Result<Record> {
    let (cfg, info) = (site.cfg, site.info);
    let repo = info.open()?;
    let head = state::lane_head(info, &repo, lane)?;
    let task = task::claimed_task(info, cfg, lane)?;
    let base_tip = site.base.tip(&repo).unwrap_or(head);
    let gates = policy::evaluate(cfg, lane, &repo, head, base_tip, None)?.gates;
    let commands = plan(cfg, lane, &gates, task.as_ref());
    run_checks(events, info, lane, head, task.as_ref(), &commands, false)
}

/// Role checks, then `gates` (the `run` of each gate the branch triggers, from
/// [`crate::lane::policy::evaluate`]), then the task's acceptance checks.
pub fn plan(
    cfg: &Config,
    lane: &Lane,
    gates: &[String],
    task: Option<&ClaimedTask>,
) -> Vec<Command> {
    let role_checks = cfg
        .role(&lane.role)
        .map(|r| r.checks.clone())
        .unwrap_or_default();
    let acceptance = task
        .map(|t| t.acceptance_checks.clone())
        .unwrap_or_default();
    ordered(&role_checks, gates, &acceptance)
}

/// Run `commands` in the lane's worktree, one after another, and save the record. With
/// `fail_fast` (used by `wt merge`) the first failure ends the run.
pub fn run_checks(
    events: &dyn Events,
    info: &RepoInfo,
    lane: &Lane,
    head: Oid,
    task: Option<&ClaimedTask>,
    commands: &[Command],
    fail_fast: bool,
) -> Result<Record> {
    let env = CheckEnv {
        role: lane.role.clone(),
        lane: lane.id.clone(),
        branch: lane.branch.clone(),
        task: task.map(|t| t.id.clone()),
        owner: task.and_then(|t| t.owner.clone()),
    };
    let mut record = Record::new(lane, &head.to_string(), task.map(|t| t.id.as_str()));
    if commands.is_empty() {
        events.warn(&format!(
            "{}: no checks to run (role {} has no `checks`, no gate triggered, no acceptance checks)",
            lane.id, lane.role
        ));
    }
    let total = commands.len();
    for (i, command) in commands.iter().enumerate() {
        events.step(&format!(
            "[{}/{total}] {} check in {}: {}",
            i + 1,
            command.source.as_str(),
            lane.id,
            command.command
        ));
        let result = run_one(&lane.path, command, &env, events.child_output())?;
        report_one(events, &result);
        let failed = !result.passed();
        record.push(result);
        if failed && fail_fast {
            record.not_run = commands[i + 1..]
                .iter()
                .map(|c| c.command.clone())
                .collect();
            break;
        }
    }
    save(info, &mut record)?;
    Ok(record)
}

fn report_one(events: &dyn Events, result: &CheckResult) {
    let took = duration_text(result.duration_ms);
    if result.passed() {
        events.success(&format!("`{}` passed ({took})", result.command));
    } else {
        events.failure(&format!(
            "`{}` failed: {} ({took})",
            result.command,
            exit_text(result.exit_code)
        ));
    }
}

/// `850 ms`, `12.3 s`, `4 min 5 s`.
pub fn duration_text(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

pub fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit {c}"),
        None => "killed by a signal".to_string(),
    }
}

/// The error for a run with failed checks: exit 1, each failure listed.
pub fn failure(lane: &Lane, record: &Record) -> Error {
    let failed = record.failed();
    if let Some(proof) = failed.iter().find(|c| c.source == Source::Proof) {
        return Error::refused(format!(
            "the proof command `{}` failed in the rebased {} ({}): the root-cause path is not shown fixed; nothing was pushed",
            proof.command,
            lane.id,
            exit_text(proof.exit_code)
        ))
        .hint(format!(
            "fix the root cause (or the proof) in {}, commit, then run wt merge again; a new proof: wt handoff {} --proof \"COMMAND\"",
            lane.path.display(),
            lane.id
        ));
    }
    let planned = record.checks.len() + record.not_run.len();
    let not_run = match record.not_run.len() {
        0 => String::new(),
        n => format!(
            "; {} ran, {n} not run (the merge stops at the first failure)",
            record.checks.len()
        ),
    };
    Error::refused(format!(
        "{} of {planned} check(s) failed in {}{not_run}",
        failed.len(),
        lane.id
    ))
    .details(
        failed
            .iter()
            .map(|c| format!("`{}`: {}", c.command, exit_text(c.exit_code)))
            .chain(record.not_run.iter().map(|c| format!("`{c}`: not run"))),
    )
    .hint(format!(
        "fix them in {}, commit, then run `wt check {}` again",
        lane.path.display(),
        lane.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_keeps_order_and_drops_repeats() {
        let p = ordered(
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
