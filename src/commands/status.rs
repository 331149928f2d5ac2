//! `wt status` (alias `list`): one row per lane. Lanes are inspected in parallel; the worktree
//! list and the base tip are read once.

use super::LaneWords;
use crate::config::{Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::short_sha;
use crate::lane::next::{self, Next};
use crate::lane::state::{self, LaneState};
use crate::queue::LaneWork;
use crate::sys::{clock, process};
use crate::ui::table::Table;
use crate::ui::{Report as Show, Ui};
use clap::Args;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// Redraw the table in place every SECS seconds (default 2) until Ctrl-C; terminal only.
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "2",
          value_parser = parse_seconds)]
    pub watch: Option<Duration>,
}

/// A period in seconds, fractions allowed, from 0.1 to one day.
fn parse_seconds(text: &str) -> std::result::Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.1..=86_400.0).contains(&secs) {
        return Err(format!("{text}: give 0.1 to 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(Serialize)]
struct Row {
    lane: String,
    role: String,
    lane_index: Option<u32>,
    #[serde(serialize_with = "crate::ui::lossy_path")]
    path: PathBuf,
    branch: String,
    /// The branch actually checked out, when it differs or HEAD is detached.
    checked_out: Option<String>,
    exists: bool,
    head: Option<String>,
    ahead: Option<usize>,
    behind: Option<usize>,
    dirty: Option<crate::git::Dirty>,
    operation: Option<&'static str>,
    task: Option<String>,
    /// The one-word next step (`wt next` gives the command and the reason).
    next: &'static str,
}

pub fn run(ctx: &Context, args: StatusArgs) -> Result<u8> {
    match args.watch {
        Some(every) => watch(ctx, &args.lanes, every),
        None => once(ctx, &args.lanes),
    }
}

/// `--watch`: the table redrawn in place until Ctrl-C (exit 0: leaving the board is how it
/// ends), with the time of the last refresh. A failed refresh shows its error and the board
/// keeps going.
fn watch(ctx: &Context, words: &LaneWords, every: Duration) -> Result<u8> {
    if !ctx.ui.stdout_is_terminal() || ctx.ui.json_mode() {
        return Err(
            Error::usage("--watch draws on a terminal, and stdout is not one")
                .hint("run `wt status` (or `wt status --json`) once per refresh instead"),
        );
    }
    // why: before the first frame, so that a bad lane word is a plain usage error.
    ctx.config()?.select_lanes(&Words::parse(&words.words)?)?;
    process::catch_interrupts();
    let screen = ctx.ui.screen();
    let secs = every.as_secs_f64();
    loop {
        screen.frame(&format!(
            "wt status every {secs}s, refreshed {}  (Ctrl-C to stop)",
            clock::local_time_of_day()
        ));
        if let Err(e) = once(ctx, words) {
            ctx.ui.error(&e);
        }
        if process::sleep_unless_interrupted(every) {
            break;
        }
    }
    drop(screen);
    Ok(0)
}

fn once(ctx: &Context, words: &LaneWords) -> Result<u8> {
    let cfg = ctx.config()?;
    let lanes = cfg.select_lanes(&Words::parse(&words.words)?)?;
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let survey = state::survey(&site, &lanes, &next::STATUS_OPTIONS)?;
    let (states, work) = (survey.states, survey.work);
    let mut rows = Vec::new();
    for (lane, (state, err)) in lanes.iter().zip(states) {
        // why: one unreadable lane must not hide the others; its row shows what is known.
        if let Some(e) = err {
            ctx.ui.warn(&format!("{}: {}", lane.id, e.message));
        }
        let odd = state.oddity();
        if let Some(what) = odd {
            ctx.ui
                .warn(&format!("{}: {} {what}", lane.id, lane.path.display()));
        }
        let next = next::of(&site, lane, &state, work.as_ref(), None);
        let task = claimed(work.as_ref(), lane);
        rows.push(row(lane, &state, task, &next));
    }
    ctx.ui.report(&Board {
        rows,
        upstream: base.upstream_name(),
    });
    Ok(0)
}

/// The lane's claimed (in_progress) task, if any.
fn claimed(work: Option<&HashMap<String, LaneWork>>, lane: &Lane) -> Option<String> {
    match work?.get(&lane.id)? {
        LaneWork::Claimed { task, .. } => Some(task.clone()),
        _ => None,
    }
}

fn row(lane: &Lane, state: &LaneState, task: Option<String>, next: &Next) -> Row {
    let checked_out = match state.entry.as_ref().filter(|_| state.exists) {
        Some(e) if e.branch() != Some(lane.branch.as_str()) => {
            Some(e.branch().map_or("(detached)".to_string(), str::to_string))
        }
        _ => None,
    };
    Row {
        lane: lane.id.clone(),
        role: lane.role.clone(),
        lane_index: lane.index,
        path: lane.path.clone(),
        branch: lane.branch.clone(),
        checked_out,
        exists: state.exists,
        head: state.head().filter(|_| state.exists).map(|h| h.to_string()),
        ahead: state.ahead_behind.map(|a| a.0),
        behind: state.ahead_behind.map(|a| a.1),
        dirty: state.dirty.clone(),
        operation: state.operation.map(|o| o.as_str()),
        task,
        next: next.action.as_str(),
    }
}

/// `wt status --json` prints the rows as one array; people get a table.
#[derive(Serialize)]
#[serde(transparent)]
struct Board {
    rows: Vec<Row>,
    #[serde(skip)]
    upstream: String,
}

impl Show for Board {
    fn show(&self, ui: &Ui) {
        print_table(ui, &self.rows, &self.upstream);
    }
}

fn print_table(ui: &Ui, rows: &[Row], upstream: &str) {
    let mut table = Table::new(&[
        "LANE", "BRANCH", "HEAD", "AHEAD", "BEHIND", "DIRTY", "OP", "TASK", "NEXT", "PATH",
    ]);
    for r in rows {
        let branch = match &r.checked_out {
            Some(other) => format!("{} (on {other})", r.branch),
            None => r.branch.clone(),
        };
        let head = match (&r.head, r.exists) {
            (_, false) => "missing".to_string(),
            (Some(h), true) => short_sha(h),
            (None, true) => "-".to_string(),
        };
        let num = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
        table.row(vec![
            r.lane.clone(),
            branch,
            head,
            num(r.ahead),
            num(r.behind),
            dirty_text(r.dirty.as_ref()),
            r.operation.unwrap_or("-").to_string(),
            r.task.clone().unwrap_or_else(|| "-".to_string()),
            r.next.to_string(),
            r.path.display().to_string(),
        ]);
    }
    for line in table.lines() {
        ui.data(&line);
    }
    ui.status(&format!("ahead/behind against {upstream}"));
}

fn dirty_text(dirty: Option<&crate::git::Dirty>) -> String {
    match dirty {
        None => "-".to_string(),
        Some(d) if d.is_clean() => "clean".to_string(),
        Some(d) => {
            let mut parts = Vec::new();
            for (n, label) in [
                (d.unmerged, "unmerged"),
                (d.staged, "staged"),
                (d.unstaged, "unstaged"),
                (d.untracked, "untracked"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {label}"));
                }
            }
            parts.join(", ")
        }
    }
}
