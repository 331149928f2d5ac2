//! `wt merge`: the playbook's merge sequence.

use crate::cli::LaneWords;
use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct MergeArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow the branch to delete test files; the reason goes into the handoff.
    #[arg(long, value_name = "REASON")]
    pub allow_test_removal: Option<String>,
    /// How many times to rebase and retry when base moves during the merge.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
}

pub fn run(_ctx: &Context, _args: MergeArgs) -> Result<u8> {
    Err(not_built("merge"))
}
