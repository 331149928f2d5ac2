//! `wt check LANE`: run the role's checks, the gates the branch triggers and the claimed task's
//! acceptance checks in the lane's worktree, and record each command, exit code and duration
//! (`<common dir>/wt/checks/<lane>.json`). Exit 1 when any fails. Takes no lock: it changes no
//! ref, worktree or queue, and a long test run must not block the other lanes.

use crate::lane::checks::{self, CheckEnv, Command, Record};
use super::LaneWords;
use crate::commands::queue::{self, ClaimedTask};
use crate::config::{Config, Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::lane::policy;
use crate::lane::state;
use clap::Args;
use git2::{Oid, Repository};

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub lane: LaneWords,
}

pub fn run(ctx: &Context, args: CheckArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let info = ctx.repo()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let repo = info.open()?;
    let head = lane_head(info, &repo, lane)?;
    let task = queue::claimed_task(ctx, lane)?;
    let base_tip = base.tip(&repo).unwrap_or(head);
    let gates = policy::evaluate(cfg, lane, &repo, head, base_tip, None)?.gates;
    let commands = plan(cfg, lane, &gates, task.as_ref());
    let record = run_checks(ctx, info, lane, head, task.as_ref(), &commands, false)?;
    if ctx.ui.json_mode() {
        ctx.ui.json(&record);
    }
    if record.ok {
        Ok(0)
    } else {
        Err(failure(lane, &record))
    }
}

/// The lane's checked-out commit; the lane must be set up.
pub fn lane_head(info: &RepoInfo, repo: &Repository, lane: &Lane) -> Result<Oid> {
    let entries = state::worktree_list(repo, &info.main, &info.common_dir);
    let state = state::locate(lane, &entries);
    match state.head().filter(|_| state.exists) {
        Some(head) => Ok(head),
        None => Err(Error::refused(format!(
            "{} has no worktree at {}",
            lane.id,
            lane.path.display()
        ))
        .hint(format!("wt setup {}", lane.id))),
    }
}

/// Role checks, then `gates` (the `run` of each gate the branch triggers, from
/// [`policy::evaluate`]), then the task's acceptance checks.
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
    checks::plan(&role_checks, gates, &acceptance)
}

/// Run `commands` in the lane's worktree, one after another, and save the record. With
/// `fail_fast` (used by `wt merge`) the first failure ends the run.
pub fn run_checks(
    ctx: &Context,
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
        ctx.ui.warn(&format!(
            "{}: no checks to run (role {} has no `checks`, no gate triggered, no acceptance checks)",
            lane.id, lane.role
        ));
    }
    let total = commands.len();
    for (i, command) in commands.iter().enumerate() {
        ctx.ui.step(&format!(
            "[{}/{total}] {} check in {}: {}",
            i + 1,
            command.source.as_str(),
            lane.id,
            command.command
        ));
        let result = checks::run_one(&lane.path, command, &env)?;
        report_one(ctx, &result);
        let failed = !result.passed();
        record.push(result);
        if failed && fail_fast {
            break;
        }
    }
    checks::save(info, &mut record)?;
    Ok(record)
}

fn report_one(ctx: &Context, result: &checks::CheckResult) {
    let took = duration_text(result.duration_ms);
    if result.passed() {
        ctx.ui
            .success(&format!("`{}` passed ({took})", result.command));
    } else {
        let style = ctx.ui.style();
        ctx.ui.status(&format!(
            "{} `{}` failed: {} ({took})",
            style.red("✗"),
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
    Error::refused(format!(
        "{} of {} check(s) failed in {}",
        failed.len(),
        record.checks.len(),
        lane.id
    ))
    .details(
        failed
            .iter()
            .map(|c| format!("`{}`: {}", c.command, exit_text(c.exit_code))),
    )
    .hint(format!(
        "fix them in {}, commit, then run `wt check {}` again",
        lane.path.display(),
        lane.id
    ))
}
