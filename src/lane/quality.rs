//! The playbook's quality rules that a person used to check, judged on a lane's branch: review
//! before merge (`review`), and, for the task the lane has claimed, defect evidence, high-risk
//! reality checks and acceptance checks that are commands. `wt merge` refuses on any of them
//! (exit 1, with the fix); `wt preflight` shows them as warnings.

use crate::config::Lane;
use crate::error::Result;
use crate::git::diff::{self, ChangeKind};
use crate::git::{Oid, Repository};
use crate::lane::evidence::{self, Evidence};
use crate::lane::review::{self, Facts};
use crate::lane::task::ClaimedTask;
use crate::lane::Site;
use crate::policy::{Rule, Violation};
use crate::queue::prose::{prose, Lookup};
use std::path::Path;

/// Every path the branch `tip` changes against its merge base with `base_tip` (both sides of a
/// rename), read with the walk that costs what the branch changed.
pub fn changed_paths(repo: &Repository, tip: Oid, base_tip: Oid) -> Vec<String> {
    let Some(merge_base) = crate::git::ops::merge_base(repo, tip, base_tip) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in diff::net_changes(repo, merge_base, tip, &|_| false).unwrap_or_default() {
        if let ChangeKind::Renamed(from) = &c.kind {
            out.push(from.clone());
        }
        out.push(c.path);
    }
    out
}

/// The quality rules' violations for the branch `tip` of `lane`, judged against `base_tip`.
#[allow(clippy::too_many_arguments)]
pub fn judge(
    site: &Site,
    repo: &Repository,
    lane: &Lane,
    task: Option<&ClaimedTask>,
    evidence: &Evidence,
    tip: Oid,
    base_tip: Oid,
) -> Result<Vec<Violation>> {
    let cfg = site.cfg;
    // why: preflight runs this every cycle; read the paths and the patch only when a rule
    // needs them.
    let wants_paths = !cfg.review.routes.is_empty()
        || !cfg.policy.high_risk.is_empty()
        || evidence::is_defect(cfg, task);
    let paths = match wants_paths {
        true => changed_paths(repo, tip, base_tip),
        false => Vec::new(),
    };
    let mut reviews = review::read(repo, &lane.id, None);
    if !reviews.is_empty() {
        let patch = review::fingerprint(repo, tip, base_tip)?;
        for r in &mut reviews {
            r.current = patch.as_deref() == Some(r.patch.as_str());
        }
    }
    let facts = Facts {
        lane,
        task,
        paths: &paths,
        reviews: &reviews,
        needs_implemented: high_risk(cfg, task, &paths).is_some(),
    };
    let mut out = review::judge(cfg, &facts);
    out.extend(evidence::judge(cfg, lane, task, evidence, &paths));
    out.extend(high_risk_violations(site, lane, task, &paths));
    if let Some(t) = task {
        out.extend(prose_violations(site, lane, t));
    }
    Ok(out)
}

/// Why the branch is high-risk (the task's `risk_level`, or a `[policy] high_risk` path it
/// changes), or None.
pub fn high_risk(
    cfg: &crate::config::Config,
    task: Option<&ClaimedTask>,
    paths: &[String],
) -> Option<String> {
    if let Some(t) = task.filter(|t| {
        t.risk_level
            .as_deref()
            .is_some_and(|r| r.trim().eq_ignore_ascii_case("high"))
    }) {
        return Some(format!("{} has risk_level: high", t.id));
    }
    let mut set = globset::GlobSetBuilder::new();
    for g in &cfg.policy.high_risk {
        if let Ok(glob) = crate::config::glob(g) {
            set.add(glob);
        }
    }
    let set = set.build().ok()?;
    let hit = paths.iter().find(|p| set.is_match(p.as_str()))?;
    Some(format!("the branch changes {hit} ([policy] high_risk)"))
}

/// A quiet search that proves a code path exists: `rg -q ...`, `grep -q ...`.
pub fn is_code_anchor(check: &str) -> bool {
    let words = crate::queue::prose::split(check);
    let mut words = words
        .iter()
        .skip_while(|w| crate::queue::prose::is_assignment(w));
    let Some(first) = words.next() else {
        return false;
    };
    let second = words.clone().next().map_or("", String::as_str);
    let tool = matches!(first.as_str(), "rg" | "grep" | "egrep" | "fgrep")
        || format!("{first} {second}") == "git grep";
    tool && words.any(|w| {
        w == "--quiet"
            || w == "--silent"
            || (w.starts_with('-') && !w.starts_with("--") && w.contains('q'))
    })
}

/// A command that does nothing, so proves nothing (`true`, `:`, `echo ...`).
fn is_no_op(check: &str) -> bool {
    let words = crate::queue::prose::split(check);
    matches!(
        words.first().map(String::as_str),
        None | Some("true" | ":" | "echo" | "printf" | "exit")
    )
}

/// The high-risk rule (playbook section 6, implementation reality check): the task's
/// acceptance checks hold a code anchor and a runtime-path command.
fn high_risk_violations(
    site: &Site,
    lane: &Lane,
    task: Option<&ClaimedTask>,
    paths: &[String],
) -> Vec<Violation> {
    let cfg = site.cfg;
    let Some(why) = high_risk(cfg, task, paths) else {
        return Vec::new();
    };
    let rule = "a high-risk task is done only with a code-anchor command (e.g. `rg -q \"terminal.open\" cmd/node-agent/catalog.go`) and a runtime-path command that exercises it (playbook 6)";
    let queue = cfg
        .queue
        .as_ref()
        .map_or("the queue file".to_string(), |q| {
            q.path.display().to_string()
        });
    let Some(task) = task else {
        return vec![Violation {
            rule: Rule::HighRisk,
            paths: Vec::new(),
            owner: None,
            message: format!(
                "{why}, and {} has no claimed task to hold its checks: {rule}",
                lane.id
            ),
            fix: format!(
                "claim a task for it with both checks: wt queue claim {}",
                lane.id
            ),
        }];
    };
    let checks = &task.acceptance_checks;
    let anchors = checks.iter().filter(|c| is_code_anchor(c)).count();
    let runtime = checks
        .iter()
        .filter(|c| !is_code_anchor(c) && !is_no_op(c))
        .count();
    let mut missing = Vec::new();
    if anchors == 0 {
        missing.push("a code-anchor command (`rg -q PATTERN FILE` or `grep -q PATTERN FILE`)");
    }
    if runtime == 0 {
        missing.push("a runtime-path command (the test that exercises the path)");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    vec![Violation {
        rule: Rule::HighRisk,
        paths: Vec::new(),
        owner: None,
        message: format!(
            "{why}: {rule}; its acceptance checks lack {}",
            missing.join(" and ")
        ),
        fix: format!(
            "add them to the acceptance_checks of {} in {queue} on base, or, if the runtime path is deferred, block it: wt queue set {} blocked --by TASK",
            task.id, task.id
        ),
    }]
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
    ProseJudge::new(dir).judge(checks)
}

/// Acceptance checks of open tasks that read as prose, not commands, as `wt queue validate`
/// reports them: warnings (errors under `--strict`), one PATH and Makefile lookup per run.
pub fn prose_problems(main: &Path, q: &crate::queue::Queue) -> Vec<crate::queue::Problem> {
    let mut out = Vec::new();
    let judge = ProseJudge::new(main);
    for t in q
        .tasks
        .iter()
        .filter(|t| t.status != crate::queue::Status::Done)
    {
        for (check, why) in judge.judge(&t.acceptance_checks) {
            out.push(crate::queue::Problem {
                kind: crate::queue::ProblemKind::ProseCheck,
                severity: crate::queue::Severity::Warning,
                task: Some(t.id.clone()),
                file: None,
                line: t.line,
                message: format!(
                    "{}: acceptance check \"{check}\" is prose, not a command: {why}",
                    t.id
                ),
                fix: "write it as a command the lane can run (e.g. `make test`, `go test ./...`, `rg -q PATTERN FILE`)".to_string(),
            });
        }
    }
    out
}

/// Judges acceptance checks in one directory, remembering what it looked up: a queue of
/// thousands of tasks asks about the same few programs and the one Makefile again and again
/// (`wt queue validate` spent a third of its time on PATH lookups without it).
pub struct ProseJudge<'a> {
    dir: &'a Path,
    programs: std::cell::RefCell<std::collections::HashMap<String, bool>>,
    targets: std::cell::OnceCell<Option<Vec<String>>>,
}

impl<'a> ProseJudge<'a> {
    pub fn new(dir: &'a Path) -> ProseJudge<'a> {
        ProseJudge {
            dir,
            programs: Default::default(),
            targets: Default::default(),
        }
    }

    /// The checks of `checks` that are prose, each with the reason.
    pub fn judge(&self, checks: &[String]) -> Vec<(String, String)> {
        let on_path = |name: &str| {
            if let Some(known) = self.programs.borrow().get(name) {
                return *known;
            }
            let found = on_path(name);
            self.programs.borrow_mut().insert(name.to_string(), found);
            found
        };
        let in_repo = |rel: &str| self.dir.join(rel).exists();
        let targets = || self.targets.get_or_init(|| make_targets(self.dir)).clone();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_anchors_are_quiet_searches() {
        for c in [
            "rg -q \"terminal.open\" cmd/node-agent/catalog.go",
            "grep -q x a.go",
            "grep -Fq x a.go",
            "git grep --quiet x",
            "LC_ALL=C grep -qs x a.go",
        ] {
            assert!(is_code_anchor(c), "{c}");
        }
        for c in ["grep x a.go", "go test ./...", "true", "rg --files"] {
            assert!(!is_code_anchor(c), "{c}");
        }
        assert!(is_no_op("true") && is_no_op("echo done") && !is_no_op("go test ./..."));
    }
}
