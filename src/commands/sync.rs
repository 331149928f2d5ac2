//! `wt sync [LANE...]`: fetch once, rebase each lane onto the remote base in its own worktree,
//! push it with a lease (`lane::sync`); then one line per lane, or one JSON array.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Kind, Result};
use crate::git::short;
use crate::lane::sync::{self, Outcome, Synced};
use crate::sys::lock::RepoLock;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// On a conflict, leave the rebase in progress instead of restoring the lane.
    #[arg(long)]
    pub keep_conflict: bool,
}

pub fn run(ctx: &Context, args: SyncArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let named = cfg.select_lanes(&Words::parse(&args.lanes.words)?)?;
    let (lanes, _lanes_held) = hold_lanes(ctx, named)?;
    let _lock = ctx.lock("sync")?;
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let outcomes = sync::sync_lanes(&site, &ctx.ui, &lanes, args.keep_conflict)?;
    let upstream = base.upstream_name();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for o in outcomes {
        rows.push(LaneReport::of(&o, &upstream, base.remote.as_deref()));
        if let Err(e) = o.result {
            errors.push((o.lane.id.clone(), e));
        }
    }
    ctx.ui.report(&Reports(rows));
    finish(&ctx.ui, lanes.len(), errors)
}

/// Take the lanes' locks (before the repository lock). One lane: wait `--wait` for it, exit 5
/// when it stays busy. Several: a lane another `wt` holds (a merge running its checks there) is
/// skipped with a warning, so that syncing everything never waits on one lane's test suite; that
/// `wt` rebases the lane itself.
fn hold_lanes<'a>(
    ctx: &Context,
    lanes: Vec<&'a crate::config::Lane>,
) -> Result<(Vec<&'a crate::config::Lane>, Vec<RepoLock>)> {
    if let [lane] = lanes[..] {
        let held = ctx.lane_lock(&lane.id, &format!("sync {}", lane.id))?;
        return Ok((lanes, vec![held]));
    }
    let mut free = Vec::new();
    let mut held = Vec::new();
    for lane in lanes {
        match ctx.lane_lock_within(&lane.id, "sync", Duration::ZERO) {
            Ok(l) => {
                free.push(lane);
                held.push(l);
            }
            Err(e) if e.kind == Kind::Busy => {
                ctx.ui.warn(&format!("{}: skipped, {}", lane.id, e.message));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((free, held))
}

/// One error is returned as it is; several are shown one by one and summed up.
fn finish(ui: &Ui, total: usize, mut errors: Vec<(String, Error)>) -> Result<u8> {
    match errors.len() {
        0 => Ok(0),
        1 => Err(errors.remove(0).1),
        n => {
            let kind = errors[0].1.kind;
            let names: Vec<String> = errors.iter().map(|(l, _)| l.clone()).collect();
            // why: every lane's message names its lane already.
            for (_, e) in errors {
                ui.error(&e);
            }
            Err(Error::new(
                kind,
                format!("sync failed for {n} of {total} lanes: {}", names.join(", ")),
            ))
        }
    }
}

#[derive(Serialize)]
struct LaneReport {
    lane: String,
    branch: String,
    /// rebased, up-to-date, refused, conflict or failed.
    status: &'static str,
    head_before: Option<String>,
    head: Option<String>,
    onto: Option<String>,
    pushed: bool,
    error: Option<String>,
    /// What people are told of a synced lane.
    #[serde(skip)]
    said: Option<String>,
}

impl LaneReport {
    fn of(o: &Outcome, upstream: &str, remote: Option<&str>) -> LaneReport {
        let lane = o.lane;
        let mut row = LaneReport {
            lane: lane.id.clone(),
            branch: lane.branch.clone(),
            status: "failed",
            head_before: o.head_before.map(|h| h.to_string()),
            head: None,
            onto: None,
            pushed: false,
            error: None,
            said: None,
        };
        match &o.result {
            Ok(s) => {
                let rebased = Some(s.head) != o.head_before;
                row.status = if rebased { "rebased" } else { "up-to-date" };
                row.head = Some(s.head.to_string());
                row.onto = Some(s.onto.to_string());
                row.pushed = s.pushed;
                row.said = Some(said(lane, s, rebased, upstream, remote));
            }
            Err(e) => {
                row.status = match e.kind {
                    Kind::Refused => "refused",
                    Kind::Conflict => "conflict",
                    _ => "failed",
                };
                row.error = Some(e.message.clone());
            }
        }
        row
    }
}

fn said(
    lane: &crate::config::Lane,
    s: &Synced,
    rebased: bool,
    upstream: &str,
    remote: Option<&str>,
) -> String {
    let what = if rebased && s.commits == 0 {
        format!("fast-forwarded to {upstream} ({})", short(s.onto))
    } else if rebased {
        format!(
            "rebased {} commit(s) onto {upstream} ({})",
            s.commits,
            short(s.onto)
        )
    } else {
        format!("up to date with {upstream}")
    };
    let push_note = match (remote, s.pushed) {
        (None, _) => "no remote: nothing to push".to_string(),
        (Some(r), true) => format!("pushed {} to {r}", lane.branch),
        (Some(r), false) => format!("{r} already has it"),
    };
    format!("{}: {what}; {push_note}", lane.id)
}

/// `wt sync --json` prints the rows as one array; people get a line per synced lane on stderr
/// (a refused lane's error is shown by `finish`).
#[derive(Serialize)]
#[serde(transparent)]
struct Reports(Vec<LaneReport>);

impl Report for Reports {
    fn tell(&self, ui: &Ui) {
        for line in self.0.iter().filter_map(|r| r.said.as_deref()) {
            ui.success(line);
        }
    }
    fn show(&self, _ui: &Ui) {}
}
