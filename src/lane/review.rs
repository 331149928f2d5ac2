//! Review before merge (playbook section 10, "reviewer approval + merge"): another lane approves
//! or asks for changes; the approval is bound to the lane's change as a patch (the stable patch
//! ids of its commits from the merge base), not to a commit id, so a rebase that keeps every
//! patch keeps it and any new or changed commit makes it stale. Reviews are stored in git
//! (`git::reviews`), pushed at once, fetched by merge and `preflight --fetch`, and spent when
//! the lane merges (the handoff records them first).
//!
//! [`judge`] decides what a merge still needs: `[review] required` (a current approval from
//! another lane), `[[review.route]]`s (a current approval from a lane of one of the routed
//! roles), and no request for changes newer than every current approval.

use crate::config::{Config, Lane, Words};
use crate::error::{Error, Result};
use crate::git::{ops, reviews, short_sha, BaseRef, Oid, RepoInfo, Repository};
use crate::lane::task::{self, ClaimedTask};
use crate::lane::{Events, Site};
use crate::policy::{Rule, Violation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    RequestChanges,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::RequestChanges => "request_changes",
        }
    }
}

/// The playbook's completion classes: runtime path present, or spec/docs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Completion {
    Implemented,
    DesignOnly,
}

impl Completion {
    pub fn as_str(self) -> &'static str {
        match self {
            Completion::Implemented => "implemented",
            Completion::DesignOnly => "design-only",
        }
    }
}

/// One review as stored (JSON in the blob its ref points at), plus what a reader computes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    /// Order among the lane's reviews, from 1.
    pub seq: u32,
    /// The lane under review.
    pub lane: String,
    /// The reviewing lane.
    pub by: String,
    /// The reviewing lane's role.
    pub role: String,
    pub owner: Option<String>,
    pub verdict: Verdict,
    pub completion: Option<Completion>,
    pub note: Option<String>,
    /// The fingerprint of the change reviewed (see `git::reviews::patch_fingerprint`).
    pub patch: String,
    /// The lane head when reviewed (for people; the patch is what binds).
    pub head: String,
    pub task: Option<String>,
    pub at: String,
    /// Whether the lane's change is still the patch reviewed (computed on read).
    #[serde(default)]
    pub current: bool,
    #[serde(skip)]
    pub refname: String,
}

/// What `wt review --approve` / `--request-changes` gives.
pub struct Given {
    pub by: String,
    pub owner: Option<String>,
    pub verdict: Verdict,
    pub completion: Option<Completion>,
    pub note: Option<String>,
}

/// Fetch every review from the remote (nothing without one).
pub fn fetch(info: &RepoInfo, base: &BaseRef) -> Result<()> {
    let Some(remote) = &base.remote else {
        return Ok(());
    };
    reviews::fetch(&info.main, remote)
        .map_err(|e| e.context(format!("cannot fetch the reviews from {remote}")))
}

/// The fingerprint of the lane's change `head` against `base_tip`; None when the lane has no
/// commit of its own.
pub fn fingerprint(repo: &Repository, head: Oid, base_tip: Oid) -> Result<Option<String>> {
    let Some(merge_base) = ops::merge_base(repo, head, base_tip) else {
        return Ok(None);
    };
    if merge_base == head {
        return Ok(None);
    }
    reviews::patch_fingerprint(repo, merge_base, head)
        .map(Some)
        .map_err(|e| {
            Error::git(format!(
                "cannot read the commits of the change: {}",
                e.message()
            ))
        })
}

/// The lane's reviews, oldest first, each marked current when `patch` is its patch.
pub fn read(repo: &Repository, lane: &str, patch: Option<&str>) -> Vec<Review> {
    let mut out: Vec<Review> = reviews::read_all(repo, &reviews::lane_prefix(lane))
        .into_iter()
        .filter_map(|(refname, bytes)| {
            let mut r: Review = serde_json::from_slice(&bytes).ok()?;
            r.current = patch == Some(r.patch.as_str());
            r.refname = refname;
            Some(r)
        })
        .collect();
    out.sort_by_key(|r| r.seq);
    out
}

/// The lane's reviews as they bear on its branch now (the branch ref against base's tip).
pub fn of_lane(site: &Site, lane: &Lane) -> Result<Vec<Review>> {
    let repo = site.info.open()?;
    let head = lane_tip(&repo, site.base, lane);
    let patch = match (head, site.base.tip(&repo)) {
        (Some(h), Some(b)) => fingerprint(&repo, h, b)?,
        _ => None,
    };
    Ok(read(&repo, &lane.id, patch.as_deref()))
}

/// Record a review of `lane` and push it. The caller holds the repository lock.
pub fn give(site: &Site, lane: &Lane, given: Given) -> Result<Review> {
    let (cfg, info, base) = (site.cfg, site.info, site.base);
    let reviewer = reviewer_lane(cfg, &given.by)?;
    if reviewer.id == lane.id {
        return Err(Error::refused(format!(
            "{} cannot review itself: a review comes from another lane; nothing was recorded",
            lane.id
        ))
        .hint(format!(
            "ask another lane: wt review {} --approve --by OTHER-LANE --completion implemented",
            lane.id
        )));
    }
    let task = task::claimed_task(info, cfg, lane)?;
    if let (Some(owner), Some(t)) = (&given.owner, &task) {
        if t.owner.as_deref() == Some(owner.as_str()) {
            return Err(Error::refused(format!(
                "{owner} owns {} (task {}) and cannot review it; nothing was recorded",
                lane.id, t.id
            ))
            .hint(format!(
                "ask someone else: wt review {} --approve --by {} --owner OTHER --completion implemented",
                lane.id, reviewer.id
            )));
        }
    }
    fetch(info, base)?;
    let repo = info.open()?;
    let head = lane_tip(&repo, base, lane).ok_or_else(|| {
        Error::refused(format!("{} has no branch {}", lane.id, lane.branch))
            .hint(format!("push it first: wt sync {}", lane.id))
    })?;
    let base_tip = base
        .tip(&repo)
        .ok_or_else(|| Error::git(format!("{} does not exist", base.upstream_name())))?;
    let Some(patch) = fingerprint(&repo, head, base_tip)? else {
        return Err(Error::refused(format!(
            "{} has nothing to review: {} has no commits that {} lacks; nothing was recorded",
            lane.id,
            lane.branch,
            base.upstream_name()
        ))
        .hint(format!("commit work in {} first", lane.path.display())));
    };
    let existing = read(&repo, &lane.id, None);
    let seq = existing.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
    let refname = format!("{}{seq:04}-{}", reviews::lane_prefix(&lane.id), reviewer.id);
    let review = Review {
        seq,
        lane: lane.id.clone(),
        by: reviewer.id.clone(),
        role: reviewer.role.clone(),
        owner: given.owner,
        verdict: given.verdict,
        completion: given.completion,
        note: given.note.filter(|n| !n.trim().is_empty()),
        patch,
        head: head.to_string(),
        task: task.map(|t| t.id),
        at: crate::sys::clock::now(),
        current: true,
        refname: refname.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&review)
        .map_err(|e| Error::internal(format!("cannot encode a review: {e}")))?;
    reviews::write(&repo, &refname, &bytes)
        .map_err(|e| Error::git(format!("cannot record the review: {}", e.message())))?;
    if let Some(remote) = &base.remote {
        if let Err(e) = reviews::push(&info.main, remote, &refname) {
            // why: an unpublished review would be pruned by the next fetch; keep none at all.
            let _ = reviews::delete_local(&repo, &refname);
            return Err(e
                .context(format!(
                    "cannot push the review to {remote}; nothing was recorded"
                ))
                .hint(format!("run the same `wt review {}` again", lane.id)));
        }
    }
    Ok(review)
}

/// The lane's branch here, else (a reviewer on another machine) as last fetched from the remote.
pub fn lane_tip(repo: &Repository, base: &BaseRef, lane: &Lane) -> Option<Oid> {
    ops::resolve(repo, &format!("refs/heads/{}", lane.branch)).or_else(|| {
        let remote = base.remote.as_ref()?;
        ops::resolve(repo, &format!("refs/remotes/{remote}/{}", lane.branch))
    })
}

fn reviewer_lane<'a>(cfg: &'a Config, by: &str) -> Result<&'a Lane> {
    let words = Words {
        plain: vec![by.to_string()],
        ..Words::default()
    };
    cfg.select_lane(&words).map_err(|e| {
        Error::usage(format!(
            "--by {by}: the reviewer is a lane id ({})",
            e.message
        ))
        .hint(format!(
            "lanes: {}",
            cfg.lanes
                .iter()
                .map(|l| l.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// After a merge: the lane's reviews are spent; drop them here and on the remote. A failure is a
/// warning (the next merge of the lane starts a new patch anyway).
pub fn spend(events: &dyn Events, info: &RepoInfo, base: &BaseRef, lane: &Lane) {
    let Ok(repo) = info.open() else { return };
    let refs: Vec<String> = reviews::read_all(&repo, &reviews::lane_prefix(&lane.id))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    if refs.is_empty() {
        return;
    }
    if let Some(remote) = &base.remote {
        if let Err(e) = reviews::push_delete(&info.main, remote, &refs) {
            events.warn(&format!(
                "could not drop the spent reviews of {} on {remote}: {}",
                lane.id,
                e.stderr.lines().next().unwrap_or("push failed")
            ));
            return;
        }
    }
    for r in &refs {
        let _ = reviews::delete_local(&repo, r);
    }
}

/// What the review rules need to know about the branch.
pub struct Facts<'a> {
    pub lane: &'a Lane,
    pub task: Option<&'a ClaimedTask>,
    /// Every path the branch changes (both sides of a rename).
    pub paths: &'a [String],
    /// The lane's reviews, with `current` set against the branch being judged.
    pub reviews: &'a [Review],
    /// The approval must say `--completion implemented` (a high-risk task).
    pub needs_implemented: bool,
}

/// Whether reviews are on for this branch: `[review] required`, or a route it triggers.
pub fn reviews_on(cfg: &Config, paths: &[String]) -> bool {
    cfg.review.required || !triggered_routes(cfg, paths).is_empty()
}

/// Indices of the `[[review.route]]`s whose `when` matches a changed path, with the first path.
fn triggered_routes(cfg: &Config, paths: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, route) in cfg.review.routes.iter().enumerate() {
        let mut set = globset::GlobSetBuilder::new();
        for g in &route.when {
            if let Ok(glob) = crate::config::glob(g) {
                set.add(glob);
            }
        }
        let Ok(set) = set.build() else { continue };
        if let Some(p) = paths.iter().find(|p| set.is_match(p.as_str())) {
            out.push((i, p.clone()));
        }
    }
    out
}

/// The review rules' violations (rule `review`), each naming who must review and the command.
pub fn judge(cfg: &Config, f: &Facts) -> Vec<Violation> {
    let id = &f.lane.id;
    let mut out = Vec::new();
    let approvals: Vec<&Review> = f
        .reviews
        .iter()
        .filter(|r| r.verdict == Verdict::Approve && r.current && r.by != *id)
        .collect();
    let completion = if f.needs_implemented {
        "implemented"
    } else {
        "implemented|design-only"
    };
    let approve_by =
        |who: &str| format!("wt review {id} --approve --by {who} --completion {completion}");
    let stale: Vec<String> = f
        .reviews
        .iter()
        .filter(|r| r.verdict == Verdict::Approve && !r.current)
        .map(|r| r.by.clone())
        .collect();
    let stale_note = match stale.is_empty() {
        true => String::new(),
        false => format!(
            " (the approval by {} is stale: the change has new or changed commits since)",
            stale.join(", ")
        ),
    };
    if let Some(rc) = f
        .reviews
        .iter()
        .rfind(|r| r.verdict == Verdict::RequestChanges)
    {
        if !approvals.iter().any(|a| a.seq > rc.seq) {
            let note = rc.note.as_deref().unwrap_or("no note");
            out.push(violation(
                Vec::new(),
                format!(
                    "{} requested changes on {id} ({}): \"{note}\"; no approval since",
                    rc.by,
                    short_sha(&rc.head)
                ),
                format!(
                    "address the note, commit, then ask {} again: {}",
                    rc.by,
                    approve_by(&rc.by)
                ),
            ));
        }
    }
    if cfg.review.required && approvals.is_empty() {
        out.push(violation(
            Vec::new(),
            format!(
                "{id} needs a current approval from another lane ([review] required){stale_note}"
            ),
            approve_by("OTHER-LANE"),
        ));
    }
    for (i, path) in triggered_routes(cfg, f.paths) {
        let route = &cfg.review.routes[i];
        if approvals.iter().any(|a| route.by.contains(&a.role)) {
            continue;
        }
        let lanes: Vec<&str> = cfg
            .lanes
            .iter()
            .filter(|l| route.by.contains(&l.role) && l.id != *id)
            .map(|l| l.id.as_str())
            .collect();
        let who = lanes.first().copied().unwrap_or("LANE");
        out.push(violation(
            vec![path.clone()],
            format!(
                "{path} is routed to {} for review ([[review.route]] #{}): no current approval from {}{stale_note}",
                route.by.join(", "),
                i + 1,
                match lanes.as_slice() {
                    [] => "a lane of those roles".to_string(),
                    l => l.join(" or "),
                }
            ),
            approve_by(who),
        ));
    }
    let on = reviews_on(cfg, f.paths);
    if on && f.needs_implemented && !approvals.is_empty() {
        let implemented = approvals
            .iter()
            .any(|a| a.completion == Some(Completion::Implemented));
        if !implemented {
            out.push(violation(
                Vec::new(),
                format!(
                    "{id} is high-risk and its approval says design-only: a high-risk task merges only with --completion implemented (runtime path present)"
                ),
                format!(
                    "{}, or set the task blocked until the runtime path exists",
                    approve_by(&approvals[0].by)
                ),
            ));
        }
    }
    out
}

fn violation(paths: Vec<String>, message: String, fix: String) -> Violation {
    Violation {
        rule: Rule::Review,
        paths,
        owner: None,
        message,
        fix,
    }
}
