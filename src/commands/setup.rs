//! `wt setup [LANE...]`: create every missing lane worktree and branch, idempotently, and repair
//! what an interrupted or hand-edited setup left (`lane::setup`).

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::Result;
use crate::lane::setup::{self, SetupOptions};
use clap::Args;

#[derive(Args, Debug)]
pub struct SetupArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// Do not fetch first (work from the remote-tracking refs already here).
    #[arg(long)]
    pub no_fetch: bool,
}

pub fn run(ctx: &Context, args: SetupArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lanes = cfg.select_lanes(&Words::parse(&args.lanes.words)?)?;
    let _lock = ctx.lock("setup")?;
    setup::refuse_config_lock(ctx.repo()?)?;
    let base = ctx.base()?;
    let opts = SetupOptions {
        fetch: !args.no_fetch,
        fresh_from_base: false,
    };
    let mut rows = setup::setup_lanes(&ctx.site(&base)?, &ctx.ui, &lanes, opts)?;
    let failed = setup::first_failure(&mut rows);
    ctx.ui.report(&rows);
    failed.map_or(Ok(0), Err)
}
