//! The playbook's quality rules that a person used to check, judged on a lane's branch: review
//! before merge (`review`), and, for the task the lane has claimed, defect evidence, high-risk
//! reality checks and acceptance checks that are commands. `wt merge` refuses on any of them
//! (exit 1, with the fix); `wt preflight` shows them as warnings.

use crate::config::Lane;
use crate::error::Result;
use crate::git::diff::{self, ChangeKind};
use crate::git::{Oid, Repository};
use crate::lane::review::{self, Facts};
use crate::lane::task::ClaimedTask;
use crate::lane::Site;
use crate::policy::Violation;

/// Every path the branch `tip` changes against its merge base with `base_tip` (both sides of a
/// rename).
pub fn changed_paths(repo: &Repository, tip: Oid, base_tip: Oid) -> Vec<String> {
    let mut out = Vec::new();
    for c in diff::changed_paths(repo, Some(tip), Some(base_tip)) {
        if let ChangeKind::Renamed(from) = &c.kind {
            out.push(from.clone());
        }
        out.push(c.path);
    }
    out
}

/// The quality rules' violations for the branch `tip` of `lane`, judged against `base_tip`.
pub fn judge(
    site: &Site,
    repo: &Repository,
    lane: &Lane,
    task: Option<&ClaimedTask>,
    tip: Oid,
    base_tip: Oid,
) -> Result<Vec<Violation>> {
    let cfg = site.cfg;
    let paths = changed_paths(repo, tip, base_tip);
    let patch = review::fingerprint(repo, tip, base_tip)?;
    let reviews = review::read(repo, &lane.id, patch.as_deref());
    let facts = Facts {
        lane,
        task,
        paths: &paths,
        reviews: &reviews,
        needs_implemented: false,
    };
    Ok(review::judge(cfg, &facts))
}
