//! `wt handoff`: the playbook's handoff report.

use crate::cli::LaneWords;
use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct HandoffArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Remaining risks or blockers.
    #[arg(long)]
    pub risk: Vec<String>,
    /// The next recommended slice.
    #[arg(long)]
    pub next: Option<String>,
}

pub fn run(_ctx: &Context, _args: HandoffArgs) -> Result<u8> {
    Err(not_built("handoff"))
}
