//! `wt review LANE`: review before merge (playbook section 10). `--approve --by REVIEWER
//! --completion implemented|design-only` or `--request-changes --by REVIEWER --note TEXT`
//! records a review bound to the lane's change and pushes it; without either, lists the lane's
//! reviews and what its merge still needs from reviewers.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::short_sha;
use crate::lane::policy::{Rule, Violation};
use crate::lane::review::{self, Completion, Given, Review, Verdict};
use crate::lane::task;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Approve the lane's change as it is now (needs --by and --completion).
    #[arg(long, conflicts_with = "request_changes")]
    pub approve: bool,
    /// Ask for changes (needs --by and --note); blocks the merge until a later approval.
    #[arg(long)]
    pub request_changes: bool,
    /// The reviewing lane (never the lane under review).
    #[arg(long, value_name = "LANE")]
    pub by: Option<String>,
    /// Who reviews, beside the lane (must not be the task's owner).
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// How complete the change is: runtime path present, or spec/docs only.
    #[arg(long, value_enum)]
    pub completion: Option<Completion>,
    /// What the reviewer says.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

pub fn run(ctx: &Context, args: ReviewArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let verdict = match (args.approve, args.request_changes) {
        (true, _) => Some(Verdict::Approve),
        (_, true) => Some(Verdict::RequestChanges),
        _ => None,
    };
    let Some(verdict) = verdict else {
        return list(ctx, lane, &args);
    };
    let id = &lane.id;
    let Some(by) = args.by.clone() else {
        return Err(
            Error::usage("a review needs --by REVIEWER-LANE").hint(format!(
                "wt review {id} --{} --by OTHER-LANE ...",
                if verdict == Verdict::Approve {
                    "approve"
                } else {
                    "request-changes"
                }
            )),
        );
    };
    match verdict {
        Verdict::Approve if args.completion.is_none() => {
            return Err(Error::usage(
                "--approve needs --completion: the playbook classifies every completion",
            )
            .hint(format!(
                "wt review {id} --approve --by {by} --completion implemented (runtime path present) or design-only (spec/docs only)"
            )))
        }
        Verdict::RequestChanges if args.note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            return Err(
                Error::usage("--request-changes needs --note: say what must change").hint(
                    format!("wt review {id} --request-changes --by {by} --note \"WHAT TO CHANGE\""),
                ),
            )
        }
        Verdict::RequestChanges if args.completion.is_some() => {
            return Err(Error::usage("--completion goes with --approve only")
                .hint(format!("wt review {id} --request-changes --by {by} --note TEXT")))
        }
        _ => {}
    }
    let _lock = ctx.lock(&format!("review {id}"))?;
    let base = ctx.base()?;
    let given = Given {
        by,
        owner: args.owner,
        verdict,
        completion: args.completion,
        note: args.note,
    };
    let review = review::give(&ctx.site(&base)?, lane, given)?;
    ctx.ui.report(&Recorded { review: &review });
    Ok(0)
}

fn list(ctx: &Context, lane: &crate::config::Lane, args: &ReviewArgs) -> Result<u8> {
    if args.by.is_some() || args.completion.is_some() || args.note.is_some() {
        return Err(Error::usage(
            "--by, --completion and --note go with --approve or --request-changes",
        )
        .hint(format!(
            "wt review {} --approve --by LANE --completion implemented",
            lane.id
        )));
    }
    let base = ctx.base()?;
    let site = ctx.site(&base)?;
    let reviews = review::of_lane(&site, lane)?;
    let repo = site.info.open()?;
    let head = review::lane_tip(&repo, &base, lane);
    let needs = match (head, base.tip(&repo)) {
        (Some(h), Some(b)) => {
            let claimed = task::claimed_task(site.info, site.cfg, lane)?;
            let ev = crate::lane::evidence::load(site.info, lane);
            crate::lane::quality::judge(&site, &repo, lane, claimed.as_ref(), &ev, h, b)?
                .into_iter()
                .filter(|v| v.rule == Rule::Review)
                .collect()
        }
        _ => Vec::new(),
    };
    ctx.ui.report(&Listing {
        lane: &lane.id,
        reviews: &reviews,
        needs: &needs,
    });
    Ok(0)
}

#[derive(Serialize)]
struct Recorded<'a> {
    review: &'a Review,
}

impl Report for Recorded<'_> {
    fn tell(&self, ui: &Ui) {
        let r = self.review;
        ui.success(&format!(
            "recorded {} by {} on {} ({}), bound to its change as a patch",
            r.verdict.as_str(),
            r.by,
            r.lane,
            short_sha(&r.head)
        ));
    }
    fn show(&self, ui: &Ui) {
        ui.data(&line(self.review));
    }
}

#[derive(Serialize)]
struct Listing<'a> {
    lane: &'a str,
    reviews: &'a [Review],
    /// What the merge still needs from reviewers (empty: nothing).
    needs: &'a [Violation],
}

impl Report for Listing<'_> {
    fn show(&self, ui: &Ui) {
        if self.reviews.is_empty() {
            ui.data(&format!("no reviews of {}", self.lane));
        }
        for r in self.reviews {
            ui.data(&line(r));
        }
        for v in self.needs {
            ui.data(&format!("needs: {}", v.message));
            ui.data(&format!("  fix: {}", v.fix));
        }
    }
}

fn line(r: &Review) -> String {
    let mut text = format!("#{} {} by {}", r.seq, r.verdict.as_str(), r.by);
    if let Some(owner) = &r.owner {
        text.push_str(&format!(" ({owner})"));
    }
    if let Some(c) = r.completion {
        text.push_str(&format!(", completion {}", c.as_str()));
    }
    text.push_str(&format!(
        " on {} [{}]",
        short_sha(&r.head),
        if r.current { "current" } else { "stale" }
    ));
    if let Some(note) = &r.note {
        text.push_str(&format!(": {note}"));
    }
    text
}
