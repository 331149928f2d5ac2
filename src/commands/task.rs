//! `wt task LANE`: the lane's claimed task as a brief for the agent working on it (Markdown, or
//! the same content as JSON fields with `--json`). Exit 1 with the claim command when the lane
//! has no claimed task. Reads only.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::Result;
use crate::lane::packet::{self, Packet};
use crate::ui::{Report, Ui};
use clap::Args;

#[derive(Args, Debug)]
pub struct TaskArgs {
    #[command(flatten)]
    pub lane: LaneWords,
}

pub fn run(ctx: &Context, args: TaskArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let packet = packet::packet(&ctx.site(&base)?, lane)?;
    ctx.ui.report(&packet);
    Ok(0)
}

impl Report for Packet {
    fn show(&self, ui: &Ui) {
        ui.text(&crate::ui::packet::markdown(self));
    }
}
