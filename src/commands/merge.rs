//! `wt merge LANE`: the playbook's merge sequence (SPEC section 6), walked by `lane::merge`;
//! `--dry-run` walks the same steps and prints the plan. This file turns the words into options
//! and the outcome into a report.

use super::{EvidenceArgs, LaneWords};
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::short_sha;
use crate::lane::evidence::{self, Evidence};
use crate::lane::handoff::{CommitLine, FileLine};
use crate::lane::merge::{self, Many, MergeOptions, PlanStep, Refusal, Trail};
use crate::lane::policy::Violation;
use crate::ui::table::Table;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

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
    /// Merge every lane that is ahead of base, clean, and has a claimed task, in queue order.
    #[arg(long, conflicts_with = "dry_run")]
    pub all: bool,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

pub fn run(ctx: &Context, args: MergeArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let words = Words::parse(&args.lane.words)?;
    let given = Evidence::from(args.evidence.clone());
    let opts = MergeOptions {
        allow_test_removal: args.allow_test_removal.clone(),
        retries: args.retries,
        evidence: given.clone(),
    };
    if args.all || cfg.select_lanes(&words)?.len() > 1 {
        if args.dry_run {
            return Err(Error::usage("--dry-run plans the merge of one lane")
                .hint("wt merge LANE --dry-run, once per lane"));
        }
        if args.all && !args.lane.words.is_empty() {
            return Err(Error::usage(
                "--all merges every ready lane; name no lane with it",
            ));
        }
        if !given.is_empty() {
            return Err(Error::usage(
                "--root-cause, --owning-layer and --proof belong to one lane",
            )
            .hint("give them to `wt handoff LANE` (remembered until it merges), then merge"));
        }
        return several(ctx, &words, args.all, &opts);
    }
    let lane = cfg.select_lane(&words)?;
    let mut trail = Trail::default();
    if args.dry_run {
        let base = ctx.base()?;
        let result = merge::plan(&ctx.site(&base)?, lane, &opts, &mut trail);
        ctx.ui.report(&Plan {
            lane: &lane.id,
            dry_run: true,
            would_merge: result.is_ok(),
            steps: &trail.steps,
            violations: &trail.violations,
        });
        result?;
        ctx.ui
            .success("dry run: the merge would go ahead; nothing was changed");
        return Ok(0);
    }
    // why: the lane alone is held for the whole merge; the merge takes the repository lock
    // itself around everything but the checks.
    let _lane = ctx.lane_lock(&lane.id, &format!("merge {}", lane.id))?;
    evidence::remember(ctx.repo()?, lane, &given)?;
    let base = ctx.base()?;
    let merged = match merge::merge(&ctx.site(&base)?, &ctx.ui, lane, &opts, &mut trail) {
        Ok(m) => m,
        Err(e) => {
            if !trail.violations.is_empty() {
                ctx.ui.report(&Refusal {
                    lane: &lane.id,
                    merged: false,
                    refused: "policies",
                    violations: &trail.violations,
                });
            }
            return Err(e);
        }
    };
    let j = &merged.journal;
    ctx.ui.report(&Summary {
        lane: lane.id.clone(),
        merged: true,
        branch: lane.branch.clone(),
        base: base.upstream_name(),
        base_name: base.name.clone(),
        base_before: j.base_before.clone(),
        base_after: j.tip.clone(),
        task: j.task.clone(),
        risks: j.risks.clone(),
        commits: merged.commits,
        files: merged.files,
        handoff: merged.handoff,
    });
    Ok(0)
}

/// `wt merge LANE LANE…` / `--all`: the lanes in the queue's order, one summary at the end.
fn several(ctx: &Context, words: &Words, all: bool, opts: &MergeOptions) -> Result<u8> {
    let cfg = ctx.config()?;
    let named = cfg.select_lanes(words)?;
    // why: each lane's merge takes that lane's lock, and the repository lock around all but
    // its checks, as `wt merge LANE` does.
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let lanes = if all {
        merge::all_ready(&site, &named)?
    } else {
        named
    };
    if lanes.is_empty() {
        ctx.ui
            .status("no lane is ahead of base, clean, and working on a claimed task");
    }
    let many = merge::merge_lanes(&site, &ctx.ui, &lanes, opts)?;
    let code = many.exit_code();
    ctx.ui.report(&Summaries {
        many,
        base_name: base.name.clone(),
    });
    Ok(code)
}

/// What `wt merge LANE LANE… --json` prints: one entry per lane, and base before and after.
#[derive(Serialize)]
struct Summaries {
    #[serde(flatten)]
    many: Many,
    #[serde(skip)]
    base_name: String,
}

impl Report for Summaries {
    fn show(&self, ui: &Ui) {
        let mut table = Table::new(&["LANE", "TASK", "RESULT", "REASON"]);
        for l in &self.many.lanes {
            let mut reason = l.reason.clone().unwrap_or_else(|| "-".to_string());
            if let Some(adr) = &l.exception {
                reason = format!("{reason} (claimed by exception: {adr})");
            }
            table.row(vec![
                l.lane.clone(),
                l.task.clone().unwrap_or_else(|| "-".to_string()),
                l.result.to_string(),
                reason,
            ]);
        }
        for line in table.lines() {
            ui.data(&line);
        }
        if let Some(after) = &self.many.base_after {
            ui.data(&format!("{} is now {after}", self.base_name));
        }
    }
}

/// What `wt merge --json` prints after a merge.
#[derive(Serialize)]
struct Summary {
    lane: String,
    /// Always true here; false in a [`Refusal`].
    merged: bool,
    branch: String,
    base: String,
    #[serde(skip)]
    base_name: String,
    base_before: String,
    base_after: String,
    task: Option<String>,
    /// What the handoff records as risks (removed tests and why, a claim by exception).
    risks: Vec<String>,
    commits: Vec<CommitLine>,
    files: Vec<FileLine>,
    #[serde(serialize_with = "crate::ui::lossy_path")]
    handoff: PathBuf,
}

/// A policy refusal is data in JSON mode; in text mode the error itself lists the violations.
impl Report for Refusal<'_> {
    fn show(&self, _ui: &Ui) {}
}

impl Report for Summary {
    fn tell(&self, ui: &Ui) {
        ui.success(&format!(
            "merged {} into {}: {} is now {}",
            self.lane,
            self.base,
            self.base_name,
            short_sha(&self.base_after)
        ));
        ui.status(&format!("handoff recorded in {}", self.handoff.display()));
    }

    fn show(&self, ui: &Ui) {
        ui.data(&format!(
            "merged {} ({} commit(s)) into {}",
            self.branch,
            self.commits.len(),
            self.base
        ));
        for c in &self.commits {
            ui.data(&format!("  {} {}", short_sha(&c.sha), c.subject));
        }
        ui.data(&format!("files ({}):", self.files.len()));
        for f in &self.files {
            ui.data(&format!("  {}\t{}", f.status, f.path));
        }
        for r in &self.risks {
            ui.data(&format!("risk: {r}"));
        }
        ui.data(&format!("{} is now {}", self.base_name, self.base_after));
    }
}

/// What `wt merge --dry-run` prints: the plan, as far as the merge would get.
#[derive(Serialize)]
struct Plan<'a> {
    lane: &'a str,
    dry_run: bool,
    would_merge: bool,
    steps: &'a [PlanStep],
    violations: &'a [Violation],
}

impl Report for Plan<'_> {
    fn show(&self, ui: &Ui) {
        for s in self.steps {
            ui.data(&format!("{}. {}", s.step, s.action));
        }
    }
}
