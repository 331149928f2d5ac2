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
use crate::policy::{Rule, Violation};
use crate::queue::prose::{prose, Lookup};
use std::path::Path;

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
    let mut out = review::judge(cfg, &facts);
    if let Some(t) = task {
        out.extend(prose_violations(site, lane, t));
    }
    Ok(out)
}

/// The task's acceptance checks that are prose: named before anything runs, instead of a bare
/// exit 127 at step 5.
fn prose_violations(site: &Site, lane: &Lane, task: &ClaimedTask) -> Vec<Violation> {
    let queue = site
        .cfg
        .queue
        .as_ref()
        .map_or("the queue file".to_string(), |q| {
            q.path.display().to_string()
        });
    prose_checks(&lane.path, &task.acceptance_checks)
        .into_iter()
        .map(|(check, why)| Violation {
            rule: Rule::ProseCheck,
            paths: Vec::new(),
            owner: None,
            message: format!(
                "acceptance check \"{check}\" of {} is prose, not a command: {why}",
                task.id
            ),
            fix: format!(
                "rewrite it in {queue} on base as a command (e.g. `make test`, `go test ./...`), then run the command again"
            ),
        })
        .collect()
}

/// Acceptance checks of `checks` that are prose, not commands, judged in `dir` (the lane's
/// worktree for a merge, the main checkout for `wt queue validate`): each with the reason.
pub fn prose_checks(dir: &Path, checks: &[String]) -> Vec<(String, String)> {
    let on_path = |name: &str| on_path(name);
    let in_repo = |rel: &str| dir.join(rel).exists();
    let targets = || make_targets(dir);
    let look = Lookup {
        on_path: &on_path,
        in_repo: &in_repo,
        make_targets: &targets,
    };
    checks
        .iter()
        .filter_map(|c| prose(c, &look).map(|why| (c.clone(), why)))
        .collect()
}

/// A program named `name` on PATH (a name with a `/` is looked at as it is).
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return Path::new(name).is_absolute() && runnable(Path::new(name));
    }
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| runnable(&d.join(name)))
}

/// The targets of `dir`'s Makefile and the files it includes; None without a Makefile.
fn make_targets(dir: &Path) -> Option<Vec<String>> {
    let file = ["GNUmakefile", "makefile", "Makefile"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())?;
    let text = std::fs::read_to_string(file).ok()?;
    let mut targets = crate::queue::prose::make_targets(&text);
    for inc in crate::queue::prose::make_includes(&text) {
        if let Ok(t) = std::fs::read_to_string(dir.join(inc)) {
            targets.extend(crate::queue::prose::make_targets(&t));
        }
    }
    Some(targets)
}
