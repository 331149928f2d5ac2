//! `wt preflight LANE`: is the lane ready for work? Each check prints ok, warn or fail with a
//! one-line fix (SPEC section 5). Exit 0 when none fails, 1 otherwise. Reads only, takes no lock,
//! and costs about one `git status`: it runs at the start of every agent cycle.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::Result;
use crate::lane::findings::Check;
use crate::lane::policy::Violation;
use crate::lane::preflight::{self, Options};
use crate::ui::{Report as Show, Ui};
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct PreflightArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Uncommitted changes are a warning, not a failure.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Being behind base is a failure, not a warning.
    #[arg(long)]
    pub strict: bool,
    /// Fetch the remote first so that "behind" is current.
    #[arg(long)]
    pub fetch: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    lane: &'a str,
    ok: bool,
    checks: &'a [Check],
    /// Every policy violation in full (the checks show the first of each group).
    violations: &'a [Violation],
}

pub fn run(ctx: &Context, args: PreflightArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let opts = Options {
        allow_dirty: args.allow_dirty,
        strict: args.strict,
        policies: true,
    };
    let found = preflight::preflight(&ctx.site(&base)?, lane, &opts, args.fetch)?;
    let ok = !found.checks.iter().any(Check::failed);
    ctx.ui.report(&Report {
        lane: &lane.id,
        ok,
        checks: &found.checks,
        violations: &found.violations,
    });
    Ok(if ok { 0 } else { 1 })
}

impl Show for Report<'_> {
    fn show(&self, ui: &Ui) {
        ui.checks(&format!("preflight {}", self.lane), self.checks);
    }
}
