//! `wt sync`: fetch once, rebase lanes onto the remote base, push with a lease.

use crate::cli::LaneWords;
use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// On a conflict, leave the rebase in progress instead of restoring the lane.
    #[arg(long)]
    pub keep_conflict: bool,
}

pub fn run(_ctx: &Context, _args: SyncArgs) -> Result<u8> {
    Err(not_built("sync"))
}
