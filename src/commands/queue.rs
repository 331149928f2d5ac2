//! `wt queue ...`: the work queue.

use crate::cli::LaneWords;
use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum QueueCommand {
    /// Tasks of a role (or lane) that are todo with every dependency done.
    Ready {
        #[command(flatten)]
        lane: LaneWords,
    },
    /// Claim the next ready task of a lane (or the one named by --task).
    Claim {
        #[command(flatten)]
        lane: LaneWords,
        /// Who works on it (an agent or person id).
        #[arg(long)]
        owner: Option<String>,
        /// Claim this task instead of the next ready one.
        #[arg(long)]
        task: Option<String>,
    },
    /// Set a task's status: todo, in_progress or blocked (done is set by `wt merge`).
    Set {
        /// Task id, or TASK_ID=... STATUS=... OWNER=... words.
        #[arg(value_name = "ARGS")]
        words: Vec<String>,
        #[arg(long)]
        owner: Option<String>,
        /// The task that blocks this one (needed for blocked).
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// Show every task, or one.
    Show {
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Check the queue and list every problem (exit 1 if any).
    Validate,
}

pub fn run(_ctx: &Context, _cmd: QueueCommand) -> Result<u8> {
    Err(not_built("queue"))
}

/// The task each lane branch has claimed (`branch -> task id`), for `wt status`. Empty when no
/// queue is configured or it cannot be read (status never fails because of the queue).
pub fn claimed_tasks(_ctx: &Context) -> std::collections::HashMap<String, String> {
    std::collections::HashMap::new()
}

/// Reasons the lane cannot be torn down because of its tasks, each with a fix.
pub fn open_tasks_of(_ctx: &Context, _lane: &crate::config::Lane) -> Vec<(String, String)> {
    Vec::new()
}

/// The task a lane has claimed, as the merge, check and handoff need it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClaimedTask {
    pub id: String,
    pub status: String,
    pub owner: Option<String>,
    pub depends_on: Vec<String>,
    /// Every `depends_on` task is done.
    pub depends_on_satisfied: bool,
    pub acceptance_checks: Vec<String>,
}

/// The lane's claimed (in_progress) task, if a queue is configured and it has one.
pub fn claimed_task(_ctx: &Context, _lane: &crate::config::Lane) -> Result<Option<ClaimedTask>> {
    Ok(None)
}

/// Called by `wt merge` after base moved to `merged_commit`: mark the task done (file edit on base
/// with commit/push, or the delegate argv). Must be idempotent: a rerun after a crash calls it
/// again for a task that may already be done.
pub fn mark_done(
    _ctx: &Context,
    _lane: &crate::config::Lane,
    _task: &str,
    _merged_commit: &str,
) -> Result<()> {
    Ok(())
}

/// Preflight's queue checks: the queue is valid, and the lane's claimed task has every dependency
/// done.
pub fn preflight_checks(_ctx: &Context, _lane: &crate::config::Lane) -> Vec<crate::ui::Check> {
    vec![crate::ui::Check::warn(
        "queue",
        "queue checks not available in this build",
        "check the queue by hand",
    )]
}
