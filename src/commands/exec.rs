//! `wt exec LANE -- PROGRAM ARGS...`: start a program (an agent, a shell, a test run) in the
//! lane's worktree with the lane's `WT_*` variables, its standard streams shared, and exit as it
//! did: its own code, or 128 + the signal that killed it. The words after `--` are an argv,
//! never given to a shell. When the program cannot be started: 127 (not found) or 126 (found
//! but not executable), as shells do.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::place;
use crate::sys::foreground;
use clap::Args;
use std::ffi::OsString;

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// The program and its arguments, after `--`; run as given, never through a shell.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    pub argv: Vec<OsString>,
}

/// Exit codes when the program cannot be started, as a shell reports them.
const NOT_FOUND: u8 = 127;
const NOT_EXECUTABLE: u8 = 126;

pub fn run(ctx: &Context, args: ExecArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let launch = place::launch(&ctx.site(&base)?, lane)?;
    let (program, rest) = args.argv.split_first().expect("clap requires PROGRAM");
    match foreground::run(program, rest, &launch.dir, &launch.env) {
        Ok(ended) => Ok(ended.code()),
        Err(e) => {
            let shown = program.to_string_lossy();
            let (code, why) = match e.kind() {
                std::io::ErrorKind::NotFound => (NOT_FOUND, "not found".to_string()),
                std::io::ErrorKind::PermissionDenied => {
                    (NOT_EXECUTABLE, "not executable".to_string())
                }
                _ => (NOT_EXECUTABLE, format!("cannot be started: {e}")),
            };
            let err = Error::refused(format!("cannot run {shown} in {}: {why}", lane.id))
                .hint("give the program's path, or a name found on PATH");
            ctx.ui.error(&err);
            Ok(code)
        }
    }
}
