//! `wt handoff LANE`: the playbook's handoff report (section 7), rendered from
//! `templates/handoff.md`: the task header (id, status, dependencies satisfied), the commits on
//! the lane (base..lane), the files they change, the checks of the last recorded `wt check` run
//! with their exit codes, and the risks and next slice given as flags. `wt merge` records one
//! under `<common dir>/wt/handoffs/`. Reads only, except that `--root-cause`, `--owning-layer`
//! and `--proof` are remembered for the lane (defect evidence, until it merges).

use super::{EvidenceArgs, LaneWords};
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::evidence::{self, Evidence};
use crate::lane::handoff::{self, Found};
use crate::sys::files;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct HandoffArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Remaining risks or blockers (repeat for several).
    #[arg(long)]
    pub risk: Vec<String>,
    /// The next recommended slice.
    #[arg(long)]
    pub next: Option<String>,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

pub fn run(ctx: &Context, args: HandoffArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let given = Evidence::from(args.evidence.clone());
    if !given.is_empty() {
        evidence::remember(site.info, lane, &given)?;
        ctx.ui.status(&format!(
            "defect evidence remembered for {} until it merges",
            lane.id
        ));
    }
    let recorded_ok = !ctx.ui.json_mode() && args.out.is_none();
    let report = match handoff::for_lane(&site, lane, args.risk, args.next, recorded_ok)? {
        Found::Report(h) => h,
        Found::Recorded { path, text } => {
            ctx.ui.status(&format!(
                "no new work on {} since its last merge; the handoff that merge recorded ({path}):",
                lane.id
            ));
            ctx.ui.data(text.trim_end());
            return Ok(0);
        }
    };
    match &args.out {
        Some(file) => {
            let file = ctx.cwd().join(file);
            let text = ctx.ui.document(&*report);
            files::write_atomic(&file, text.as_bytes())
                .map_err(|e| Error::io(format!("cannot write {}: {e}", file.display()), e))?;
            ctx.ui.success(&format!("wrote {}", file.display()));
        }
        None => ctx.ui.report(&*report),
    }
    Ok(0)
}
