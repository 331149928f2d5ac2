//! `wt check`: run the lane's checks and record the results.

use crate::cli::LaneWords;
use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub lane: LaneWords,
}

pub fn run(_ctx: &Context, _args: CheckArgs) -> Result<u8> {
    Err(not_built("check"))
}
