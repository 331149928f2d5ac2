//! `wt completions SHELL` and `wt man`: generated from the clap definition, so they never drift.

use crate::context::Context;
use crate::error::{Error, Result};
use clap::Args;
use clap_complete::Shell;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

pub fn run(ctx: &Context, args: CompletionsArgs, mut cmd: clap::Command) -> Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "wt", &mut out);
    print_bytes(ctx, &out)
}

pub fn man(ctx: &Context, cmd: clap::Command) -> Result<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::git(format!("cannot render the man page: {e}")))?;
    print_bytes(ctx, &out)
}

fn print_bytes(ctx: &Context, bytes: &[u8]) -> Result<u8> {
    let text = String::from_utf8_lossy(bytes);
    ctx.ui.data(text.trim_end_matches('\n'));
    Ok(0)
}
