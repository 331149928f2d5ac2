//! `wt init`: write lanes.toml from the template.

use crate::context::{not_built, Context};
use crate::error::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// A role to add (repeat for several); asked interactively on a terminal when none given.
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Print one of the embedded templates (lanes.toml, handoff.md, Makefile.wt, onboard.sh) and exit.
    #[arg(long, value_name = "NAME")]
    pub print_template: Option<String>,
}

pub fn run(_ctx: &Context, _args: InitArgs) -> Result<u8> {
    Err(not_built("init"))
}
