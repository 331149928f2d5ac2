//! `wt demo`: a throwaway repository with a remote, the whole lifecycle narrated.

use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to build the demo (default: a new temporary directory, kept for you to look at).
    pub dir: Option<PathBuf>,
}

pub fn run(_ctx: &Context, _args: DemoArgs) -> Result<u8> {
    Err(not_built("demo"))
}
