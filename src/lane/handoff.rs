//! The playbook's handoff (section 7) as data: the task header, the lane's commits and files
//! against base, the checks of the last recorded run, risks and the next slice. `ui::handoff`
//! renders it from `templates/handoff.md`; `wt merge` records one under
//! `<common dir>/wt/handoffs/`.

use crate::config::Lane;
use crate::error::Result;
use crate::git::diff::{self, ChangeKind};
use crate::git::short_sha;
use crate::git::{ops, BaseRef, Oid, RepoInfo, Repository};
use crate::lane::checks::{self, duration_text, exit_text, CheckResult};
use crate::lane::evidence::{self, Evidence};
use crate::lane::review::{self, Review};
use crate::lane::state;
use crate::lane::task::{self, ClaimedTask};
use crate::lane::Site;
use serde::Serialize;

/// Everything a handoff says; `--json` prints this object.
#[derive(Debug, Clone, Serialize)]
pub struct Handoff {
    pub task_id: Option<String>,
    pub status: Option<String>,
    /// None without a claimed task.
    pub depends_on_satisfied: Option<bool>,
    pub lane: String,
    pub role: String,
    pub branch: String,
    /// `origin/master`, or `master` without a remote.
    pub base: String,
    /// The base commit the commits and files are counted from.
    pub base_commit: String,
    pub head: String,
    /// Whether the remote lane branch has `head`; None without a remote.
    pub pushed: Option<bool>,
    pub commits: Vec<CommitLine>,
    pub files: Vec<FileLine>,
    pub checks: Vec<CheckResult>,
    /// The commit the recorded checks ran on.
    pub checks_head: Option<String>,
    pub risks: Vec<String>,
    pub next: Option<String>,
    /// Every review of the lane, oldest first (`current`: the change is still the one reviewed).
    pub reviews: Vec<Review>,
    /// The defect evidence given for the lane (playbook 8a), if any.
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitLine {
    pub sha: String,
    pub subject: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    /// A, M, D or R, as `git diff --name-status` writes them.
    pub status: &'static str,
    pub path: String,
    /// The old path of a rename.
    pub from: Option<String>,
}

/// What a handoff is about: the lane's commits `base_commit..head`, and its task.
pub struct Subject<'a> {
    pub lane: &'a Lane,
    pub base_commit: Oid,
    pub head: Oid,
    pub task_id: Option<String>,
    pub status: Option<String>,
    pub depends_on_satisfied: Option<bool>,
    pub risks: Vec<String>,
    pub next: Option<String>,
    pub evidence: Option<Evidence>,
}

impl<'a> Subject<'a> {
    /// The header fields of a claimed task (all None without one).
    pub fn with_task(mut self, task: Option<&ClaimedTask>) -> Self {
        self.task_id = task.map(|t| t.id.clone());
        self.status = task.map(|t| t.status.clone());
        self.depends_on_satisfied = task.map(|t| t.depends_on_satisfied);
        if let Some(adr) = task.and_then(|t| t.exception.as_ref()) {
            self.risks.push(crate::lane::exception::risk_line(adr));
        }
        self
    }
}

/// Where `wt merge` notes the path of the last handoff it recorded for `lane`.
pub fn latest_pointer(info: &RepoInfo, lane: &Lane) -> std::path::PathBuf {
    info.wt_dir("latest-handoff").join(&lane.id)
}

fn latest_recorded(info: &RepoInfo, lane: &Lane) -> Option<(String, String)> {
    let path = std::fs::read_to_string(latest_pointer(info, lane)).ok()?;
    let text = std::fs::read_to_string(path.trim()).ok()?;
    Some((path.trim().to_string(), text))
}

/// The lane's checked-out commit, else (its worktree gone) its branch tip.
fn lane_head(info: &RepoInfo, repo: &Repository, lane: &Lane) -> Result<Oid> {
    state::lane_head(info, repo, lane).or_else(|e| {
        // why: a lane whose worktree is gone can still hand off the work on its branch.
        ops::resolve(repo, &format!("refs/heads/{}", lane.branch)).ok_or(e)
    })
}

/// What `wt handoff` shows: a fresh report, or (a lane with no new work since its merge, and no
/// claimed task) the report that merge recorded.
pub enum Found {
    Report(Box<Handoff>),
    Recorded { path: String, text: String },
}

/// The handoff of `lane` as it is now; `recorded_ok` lets a lane with nothing new show the
/// report its last merge recorded instead of an empty one.
pub fn for_lane(
    site: &Site,
    lane: &Lane,
    risks: Vec<String>,
    next: Option<String>,
    recorded_ok: bool,
) -> Result<Found> {
    let (info, base) = (site.info, site.base);
    let repo = info.open()?;
    let head = lane_head(info, &repo, lane)?;
    let base_tip = base.tip(&repo).unwrap_or(head);
    let base_commit = ops::merge_base(&repo, head, base_tip).unwrap_or(base_tip);
    let task = task::claimed_task(info, site.cfg, lane)?;
    if task.is_none() && head == base_commit && recorded_ok {
        if let Some((path, text)) = latest_recorded(info, lane) {
            return Ok(Found::Recorded { path, text });
        }
    }
    let subject = Subject {
        lane,
        base_commit,
        head,
        task_id: None,
        status: None,
        depends_on_satisfied: None,
        risks,
        next,
        evidence: Some(evidence::load(info, lane)).filter(|e| !e.is_empty()),
    }
    .with_task(task.as_ref());
    Ok(Found::Report(Box::new(collect(info, &repo, base, subject))))
}

/// Gather the report's data from git, the queue task and the check record.
pub fn collect(info: &RepoInfo, repo: &Repository, base: &BaseRef, s: Subject) -> Handoff {
    let lane = s.lane;
    // why: the report lists commits by sha and subject; their paths are not needed.
    let commits = diff::branch_commits(repo, s.head, s.base_commit, &|_| false)
        .unwrap_or_default()
        .into_iter()
        .map(|c| CommitLine {
            sha: c.sha.to_string(),
            subject: c.subject,
        })
        .collect();
    let files = diff::changed_paths(repo, Some(s.head), Some(s.base_commit))
        .into_iter()
        .map(file_line)
        .collect();
    let pushed = base.remote.as_ref().map(|r| {
        ops::resolve(repo, &format!("refs/remotes/{r}/{}", lane.branch))
            .is_some_and(|remote_tip| ops::is_ancestor(repo, s.head, remote_tip))
    });
    let record = checks::load(info, &lane.id);
    let mut reviews = review::read(repo, &lane.id, None);
    if !reviews.is_empty() {
        let patch = review::fingerprint(repo, s.head, s.base_commit)
            .ok()
            .flatten();
        for r in &mut reviews {
            r.current = patch.as_deref() == Some(r.patch.as_str());
        }
    }
    Handoff {
        task_id: s.task_id,
        status: s.status,
        depends_on_satisfied: s.depends_on_satisfied,
        lane: lane.id.clone(),
        role: lane.role.clone(),
        branch: lane.branch.clone(),
        base: base.upstream_name(),
        base_commit: s.base_commit.to_string(),
        head: s.head.to_string(),
        pushed,
        commits,
        files,
        checks: record
            .as_ref()
            .map(|r| r.checks.clone())
            .unwrap_or_default(),
        checks_head: record.map(|r| r.head),
        risks: s.risks,
        next: s.next,
        reviews,
        evidence: s.evidence,
    }
}

fn file_line(c: diff::ChangedPath) -> FileLine {
    let (status, from) = match c.kind {
        ChangeKind::Added => ("A", None),
        ChangeKind::Modified => ("M", None),
        ChangeKind::Deleted => ("D", None),
        ChangeKind::Renamed(old) => ("R", Some(old)),
    };
    FileLine {
        status,
        path: c.path,
        from,
    }
}

/// The report template, embedded so that the binary needs no files next to it.
pub const TEMPLATE: &str = crate::templates::HANDOFF_MD;

/// The markdown report from the template.
pub fn render(h: &Handoff) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let values = [
        ("lane", h.lane.clone()),
        (
            "task_id",
            h.task_id
                .clone()
                .unwrap_or_else(|| "none (no claimed task)".into()),
        ),
        ("status", h.status.clone().unwrap_or_else(|| "none".into())),
        (
            "depends_on_satisfied",
            h.depends_on_satisfied.map_or("n/a".to_string(), yes_no),
        ),
        ("branch", h.branch.clone()),
        ("base", h.base.clone()),
        ("base_commit", short_sha(&h.base_commit)),
        ("head", short_sha(&h.head)),
        ("commits", commits_section(h)),
        ("files", files_section(h)),
        ("checks", checks_section(h)),
        ("reviews", reviews_section(h)),
        (
            "evidence",
            h.evidence
                .as_ref()
                .map_or("none given".to_string(), |e| list_or_none(&e.lines())),
        ),
        ("risks", list_or_none(&h.risks)),
        (
            "next",
            h.next.clone().unwrap_or_else(|| "none given".into()),
        ),
    ];
    crate::templates::render(TEMPLATE, &values)
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        return "none given".to_string();
    }
    items
        .iter()
        .map(|i| format!("- {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn commits_section(h: &Handoff) -> String {
    if h.commits.is_empty() {
        return format!("none: the lane has no commits on top of {}", h.base);
    }
    let mut lines: Vec<String> = h
        .commits
        .iter()
        .map(|c| format!("- `{}` {}", short_sha(&c.sha), c.subject))
        .collect();
    if h.pushed == Some(false) {
        lines.push(format!("\n(not pushed yet: run `wt sync {}`)", h.lane));
    }
    lines.join("\n")
}

fn files_section(h: &Handoff) -> String {
    if h.files.is_empty() {
        return "none".to_string();
    }
    h.files
        .iter()
        .map(|f| match &f.from {
            Some(old) => format!("- {} `{old}` -> `{}`", f.status, f.path),
            None => format!("- {} `{}`", f.status, f.path),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn reviews_section(h: &Handoff) -> String {
    if h.reviews.is_empty() {
        return "none".to_string();
    }
    h.reviews
        .iter()
        .map(|r| {
            let mut line = format!("- {} by {}", r.verdict.as_str(), r.by);
            if let Some(owner) = &r.owner {
                line.push_str(&format!(" ({owner})"));
            }
            if let Some(c) = r.completion {
                line.push_str(&format!(", completion {}", c.as_str()));
            }
            line.push_str(&format!(" on {}", short_sha(&r.head)));
            if !r.current {
                line.push_str(" (stale: the change moved since)");
            }
            if let Some(note) = &r.note {
                line.push_str(&format!(": {note}"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn checks_section(h: &Handoff) -> String {
    if h.checks.is_empty() {
        return format!("none recorded: run `wt check {}`", h.lane);
    }
    let mut lines: Vec<String> = h
        .checks
        .iter()
        .map(|c| {
            format!(
                "- `{}` -> {} ({}, {})",
                c.command,
                exit_text(c.exit_code),
                duration_text(c.duration_ms),
                c.source.as_str()
            )
        })
        .collect();
    if let Some(ran_on) = h.checks_head.as_deref().filter(|r| *r != h.head) {
        lines.push(format!(
            "\n(recorded on {}, not on the current head {}: run `wt check {}` again)",
            short_sha(ran_on),
            short_sha(&h.head),
            h.lane
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_no_placeholder_left_over() {
        let h = Handoff {
            task_id: None,
            status: None,
            depends_on_satisfied: None,
            lane: "A".into(),
            role: "A".into(),
            branch: "agent/A".into(),
            base: "origin/master".into(),
            base_commit: "0".repeat(40),
            head: "1".repeat(40),
            pushed: None,
            commits: vec![],
            files: vec![],
            checks: vec![],
            checks_head: None,
            risks: vec![],
            next: None,
            reviews: vec![],
            evidence: None,
        };
        let text = render(&h);
        assert!(!text.contains("{{"), "{text}");
        assert!(text.contains("- task_id: none (no claimed task)"));
    }
}
