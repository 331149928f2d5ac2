//! `wt teardown LANE [--recreate]`: remove a lane's worktree and branch only when nothing would be
//! lost (`lane::teardown`), after asking; `--recreate` sets it up again.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::setup::{self, SetupOptions};
use crate::lane::teardown;
use clap::Args;

#[derive(Args, Debug)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Set the lane up again afterwards (from its branch when it has work, else from base).
    #[arg(long)]
    pub recreate: bool,
    /// Tear down even though the lane still has todo, in-progress or blocked tasks.
    #[arg(long)]
    pub force_tasks: bool,
}

pub fn run(ctx: &Context, args: TeardownArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let _lane = ctx.lane_lock(&lane.id, &format!("teardown {}", lane.id))?;
    let _lock = ctx.lock("teardown")?;
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let f = teardown::inspect(&site, lane, args.recreate, args.force_tasks)?;
    if !f.refusals.is_empty() {
        return Err(teardown::refusal(lane, f.refusals));
    }
    for w in &f.warnings {
        ctx.ui.warn(w);
    }
    if f.remove.is_none() && f.prune.is_none() && f.branch_tip.is_none() {
        ctx.ui.status(&format!(
            "{}: nothing to tear down (no worktree, no branch)",
            lane.id
        ));
    } else if !ctx.confirm(&format!("remove the worktree and branch of {}?", lane.id))? {
        return Err(Error::refused("teardown cancelled; nothing was changed"));
    }
    let deleted_branch = teardown::act(&ctx.ui, site.info, lane, &f, args.recreate)?;
    if !args.recreate {
        return Ok(0);
    }
    // why: a branch deleted because all its work is on base starts again from base; the
    // remote's copy of it (if any) holds nothing new and must not be checked out again.
    let opts = SetupOptions {
        fetch: false,
        fresh_from_base: deleted_branch,
    };
    let mut rows = setup::setup_lanes(&site, &ctx.ui, &[lane], opts)?;
    let failed = setup::first_failure(&mut rows);
    ctx.ui.report(&rows);
    failed.map_or(Ok(0), Err)
}
