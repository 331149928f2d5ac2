//! The urgent-exception path of playbook section 11: a task whose dependencies are not all done
//! is claimed only under an ADR that exists on base, names the task, gives a reason and a
//! rollback plan, and is accepted (`Status: accepted`). Until then the task stays blocked with a
//! reason (`wt queue set ID blocked --reason "awaiting ADR …"`). Pure: the caller reads the ADR
//! from base and the queue from its file.

use super::model::{FieldValue, Queue, Status};
use super::rules::{plan_claim, Plan, RuleError, RuleErrorKind};
use super::validate::{Problem, ProblemKind};

/// Recorded exceptions whose ADR is gone from base (`exists(path)`: None when it cannot tell).
pub fn missing_exceptions(queue: &Queue, exists: &dyn Fn(&str) -> Option<bool>) -> Vec<Problem> {
    queue
        .tasks
        .iter()
        .filter_map(|t| {
            let path = t.exception.as_deref()?;
            (exists(path) == Some(false)).then(|| Problem {
                kind: ProblemKind::MissingException,
                severity: ProblemKind::MissingException.severity(),
                file: None,
                task: Some(t.id.clone()),
                line: t.line,
                message: format!(
                    "{} was claimed by exception under {path}, which is not on base",
                    t.id
                ),
                fix: "restore the ADR on base, or correct the task's exception".to_string(),
            })
        })
        .collect()
}

/// What an ADR lacks to allow an exception; empty when it allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdrCheck {
    pub missing: Vec<&'static str>,
    /// The status the ADR states, if it states one (`proposed`, `accepted`…).
    pub status: Option<String>,
}

impl AdrCheck {
    pub fn accepted(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().starts_with("accepted"))
    }
}

/// A line without its markdown decoration (`#`, `-`, `*`, `>`, `_`, spaces), lowercased.
fn plain(line: &str) -> String {
    line.trim_start_matches(|c: char| "#-*>_ \t".contains(c))
        .replace(['*', '_'], "")
        .trim()
        .to_ascii_lowercase()
}

fn is_heading(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The text a labelled section holds: what follows `keyword` (and a colon) on its line, else
/// the next non-blank line before another heading.
fn section(lines: &[&str], keyword: &str) -> Option<String> {
    for (i, line) in lines.iter().enumerate() {
        let p = plain(line);
        let Some(rest) = p.strip_prefix(keyword) else {
            continue;
        };
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("plan").unwrap_or(rest);
        let rest = rest.trim_start().trim_start_matches(':').trim();
        if !rest.is_empty() {
            return Some(rest.to_string());
        }
        let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
        if let Some(next) = next.filter(|l| !is_heading(l)) {
            return Some(plain(next));
        }
    }
    None
}

/// Whether `text` holds `id` as a whole word (not inside a longer id).
fn names(text: &str, id: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// Judge an ADR's text for an exception on task `id`.
pub fn check_adr(text: &str, id: &str) -> AdrCheck {
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    if !names(text, id) {
        missing.push("the task id");
    }
    if section(&lines, "reason").is_none() {
        missing.push("a reason");
    }
    if section(&lines, "rollback").is_none() && section(&lines, "roll back").is_none() {
        missing.push("a rollback plan");
    }
    let status = section(&lines, "status");
    let check = AdrCheck { missing, status };
    AdrCheck {
        missing: if check.accepted() {
            check.missing
        } else {
            let mut m = check.missing;
            m.push("`Status: accepted`");
            m
        },
        status: check.status,
    }
}

/// A claim of task `id` under the ADR at `path` (already judged by [`check_adr`]): the claim
/// rules as usual, except that the task's dependencies (and a block awaiting the ADR) are
/// waived; the task records `exception: PATH`.
#[allow(clippy::too_many_arguments)]
pub fn plan_claim_by_exception(
    queue: &Queue,
    role: &str,
    lane: Option<u32>,
    branch: &str,
    owner: &str,
    id: &str,
    path: &str,
    now: &str,
) -> Result<Plan, RuleError> {
    let mut view = queue.clone();
    let Some(t) = view.tasks.iter_mut().find(|t| t.id == id) else {
        return Err(RuleError {
            kind: RuleErrorKind::BadArgument,
            message: format!("no task {id:?} in the queue"),
            details: Vec::new(),
            fix: "check the id with `wt queue show`".into(),
        });
    };
    let original = t.clone();
    t.depends_on.clear();
    if t.status == Status::Blocked {
        t.status = Status::Todo;
    }
    let mut plan = plan_claim(&view, role, lane, branch, owner, Some(id), now)?;
    let mut extra = vec![("exception", FieldValue::str(path))];
    if original.status == Status::Blocked {
        extra.push(("status", FieldValue::str(Status::InProgress.as_str())));
    }
    extra.push(("blocked_reason", FieldValue::Null));
    for (f, v) in extra {
        if original.field(f).as_ref() != Some(&v) && !plan.changes.iter().any(|(g, _)| *g == f) {
            plan.changes.push((f, v));
        }
    }
    plan.message = format!("{} by exception ({path})", plan.message);
    Ok(plan)
}

/// `wt queue set ID blocked --reason R`: blocked, with a reason instead of a blocking task.
pub fn plan_block_with_reason(queue: &Queue, id: &str, reason: &str) -> Result<Plan, RuleError> {
    let Some(t) = queue.task(id) else {
        return Err(RuleError {
            kind: RuleErrorKind::BadArgument,
            message: format!("no task {id:?} in the queue"),
            details: Vec::new(),
            fix: "check the id with `wt queue show`".into(),
        });
    };
    let refuse = |message: String, fix: &str| RuleError {
        kind: RuleErrorKind::Refused,
        message,
        details: Vec::new(),
        fix: fix.into(),
    };
    if t.status == Status::Done {
        return Err(refuse(
            format!("{id} is done; a merged task is not reopened"),
            "add a follow-up task instead",
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.contains('\n') {
        return Err(refuse(
            "the reason must be one non-empty line".into(),
            "e.g. --reason \"awaiting ADR doc/architecture/adr/0007-x.md\"",
        ));
    }
    let wanted = [
        ("status", FieldValue::str(Status::Blocked.as_str())),
        ("blocked_by", FieldValue::Null),
        ("blocked_reason", FieldValue::str(reason)),
    ];
    let changes = wanted
        .into_iter()
        .filter(|(f, v)| t.field(f).as_ref() != Some(v))
        .collect();
    Ok(Plan {
        task_id: id.to_string(),
        changes,
        message: format!("queue: {id} blocked ({reason})"),
        add: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::model::Task;

    const ADR: &str = "# 0007: start B-2 before A-1 lands\n\nStatus: accepted\n\nTask: B-2\n\n## Reason\n\nThe demo is on Friday.\n\n## Rollback plan\n\nRevert the B-2 merge commit range.\n";

    #[test]
    fn a_complete_accepted_adr_allows_the_exception() {
        let c = check_adr(ADR, "B-2");
        assert!(c.missing.is_empty(), "{c:?}");
        assert!(c.accepted());
    }

    #[test]
    fn what_an_adr_lacks_is_listed() {
        let proposed = ADR.replace("Status: accepted", "Status: proposed");
        let c = check_adr(&proposed, "B-2");
        assert_eq!(c.missing, ["`Status: accepted`"]);
        assert_eq!(c.status.as_deref(), Some("proposed"));
        let bare = "# ADR\n\n## Status\n\nAccepted\n";
        let c = check_adr(bare, "B-2");
        assert_eq!(c.missing, ["the task id", "a reason", "a rollback plan"]);
        assert!(c.accepted(), "a Status heading with the value below it");
        assert_eq!(check_adr(ADR, "B-20").missing, ["the task id"]);
        let empty_rollback = ADR.replace("Revert the B-2 merge commit range.\n", "");
        assert_eq!(
            check_adr(&empty_rollback, "B-2").missing,
            ["a rollback plan"]
        );
    }

    fn queue() -> Queue {
        let mut a = Task::new("A-1", "a", "A");
        a.status = Status::InProgress;
        a.branch = Some("agent/A".into());
        a.owner = Some("x".into());
        let mut b = Task::new("B-2", "b", "B");
        b.depends_on = vec!["A-1".into()];
        Queue::new(vec![a, b])
    }

    #[test]
    fn the_claim_waives_dependencies_and_records_the_adr() {
        let q = queue();
        let plan =
            plan_claim_by_exception(&q, "B", None, "agent/B", "b", "B-2", "doc/adr/7.md", "now")
                .unwrap();
        assert!(plan
            .changes
            .contains(&("exception", FieldValue::str("doc/adr/7.md"))));
        assert!(plan
            .changes
            .contains(&("status", FieldValue::str("in_progress"))));
        assert!(
            plan.message.ends_with("by exception (doc/adr/7.md)"),
            "{}",
            plan.message
        );
    }

    #[test]
    fn blocked_with_a_reason_then_claimed_by_exception() {
        let mut q = queue();
        let plan = plan_block_with_reason(&q, "B-2", "awaiting ADR doc/adr/7.md").unwrap();
        for (f, v) in &plan.changes {
            q.tasks[1].set_field(f, v).unwrap();
        }
        assert_eq!(q.tasks[1].status, Status::Blocked);
        let plan =
            plan_claim_by_exception(&q, "B", None, "agent/B", "b", "B-2", "doc/adr/7.md", "now")
                .unwrap();
        assert!(plan.changes.contains(&("blocked_reason", FieldValue::Null)));
        assert!(plan
            .changes
            .contains(&("status", FieldValue::str("in_progress"))));
    }
}
