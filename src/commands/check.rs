//! `wt check LANE`: run the role's checks, the gates the branch triggers and the claimed task's
//! acceptance checks in the lane's worktree, and record each command, exit code and duration
//! (`<common dir>/wt/checks/<lane>.json`). Exit 1 when any fails. Takes no lock: it changes no
//! ref, worktree or queue, and a long test run must not block the other lanes.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::Result;
use crate::lane::checks::{self, Record};
use crate::ui::{Report, Ui};
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub lane: LaneWords,
}

pub fn run(ctx: &Context, args: CheckArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let record = checks::check_lane(&ctx.site(&base)?, &ctx.ui, lane)?;
    ctx.ui.report(&record);
    if record.ok {
        Ok(0)
    } else {
        Err(checks::failure(lane, &record))
    }
}

/// The record is the JSON; people saw each check as it ran.
impl Report for Record {
    fn show(&self, _ui: &Ui) {}
}
