//! What the queue holds for one lane, as `wt next` and the status board need it: the task it has
//! claimed (with what it still waits for), a blocked task of its own that can be resumed, the
//! next ready task, or why nothing can be taken. Pure: the caller reads the queue.

use serde::{Deserialize, Serialize};

use super::model::{Queue, Status, Task};
use super::rules::{lane_task, ready, unmet_dependencies};

/// The queue's side of a lane, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LaneWork {
    /// An `in_progress` task occupies the lane. `unmet`: dependencies not done, each with its
    /// status (`unknown` for no such task); `exception`: the ADR that allowed the claim anyway.
    Claimed {
        task: String,
        unmet: Vec<(String, String)>,
        #[serde(default)]
        exception: Option<String>,
        /// V2: what must merge before it (lower siblings, or its children), not done yet.
        #[serde(default)]
        merges_after: Vec<String>,
    },
    /// A `blocked` task of this lane whose blocker is done: take it up again. `claimed`: it has
    /// the lane's branch (resume it), else it was never claimed (release it to todo).
    Resume { task: String, claimed: bool },
    /// Nothing claimed; this task is the next ready one.
    Ready { task: String },
    /// A `blocked` task of this lane, still blocked: by a task (with its status) or a reason.
    Blocked {
        task: String,
        by: Option<String>,
        by_status: Option<String>,
        reason: Option<String>,
    },
    /// Open tasks exist, but each waits on a dependency; the first one and what it waits on.
    Waiting {
        task: String,
        dependency: String,
        status: String,
    },
    /// No todo, in_progress or blocked task is left for the lane.
    Nothing,
}

impl LaneWork {
    /// The task this work is about, if any.
    pub fn task(&self) -> Option<&str> {
        match self {
            LaneWork::Claimed { task, .. }
            | LaneWork::Resume { task, .. }
            | LaneWork::Ready { task }
            | LaneWork::Blocked { task, .. }
            | LaneWork::Waiting { task, .. } => Some(task),
            LaneWork::Nothing => None,
        }
    }
}

fn status_text(s: Option<Status>) -> String {
    s.map_or("unknown", Status::as_str).to_string()
}

/// Whether `task` belongs to the lane `(role, lane, branch)`: claimed on its branch, or a task
/// of its role that suits the lane (a V1 role, or a V2 task pinned to this lane or to none).
fn of_lane(task: &Task, role: &str, lane: Option<u32>, branch: &str) -> bool {
    if task.branch.as_deref() == Some(branch) {
        return true;
    }
    if task.role != role {
        return false;
    }
    match (lane, task.lane) {
        (Some(want), Some(pinned)) => want == pinned,
        _ => task.branch.is_none(),
    }
}

/// What the queue holds for the lane `(role, lane, branch)`.
pub fn lane_work(queue: &Queue, role: &str, lane: Option<u32>, branch: &str) -> LaneWork {
    if let Some(t) = lane_task(queue, role, lane, branch) {
        let unmet = unmet_dependencies(queue, t)
            .into_iter()
            .map(|(d, s)| (d.to_string(), status_text(s)))
            .collect();
        let mut merges_after: Vec<String> = super::family::earlier_siblings_open(queue, t)
            .into_iter()
            .chain(super::family::open_children(queue, &t.id))
            .map(super::family::describe)
            .collect();
        merges_after.dedup();
        return LaneWork::Claimed {
            task: t.id.clone(),
            unmet,
            exception: t.exception.clone(),
            merges_after,
        };
    }
    let status_of = |id: &str| queue.task(id).map(|t| t.status);
    let blocked: Vec<&Task> = queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::Blocked && of_lane(t, role, lane, branch))
        .collect();
    let cleared = |t: &Task| {
        t.blocked_by
            .as_deref()
            .is_some_and(|b| status_of(b) == Some(Status::Done))
            && unmet_dependencies(queue, t).is_empty()
    };
    // why: work this lane already started comes before new work.
    if let Some(t) = blocked
        .iter()
        .find(|t| t.branch.as_deref() == Some(branch) && cleared(t))
    {
        return LaneWork::Resume {
            task: t.id.clone(),
            claimed: true,
        };
    }
    if let Some(t) = ready(queue, role, lane).first() {
        return LaneWork::Ready { task: t.id.clone() };
    }
    if let Some(t) = blocked.iter().find(|t| cleared(t)) {
        return LaneWork::Resume {
            task: t.id.clone(),
            claimed: t.branch.as_deref() == Some(branch),
        };
    }
    if let Some(t) = blocked.first() {
        return LaneWork::Blocked {
            task: t.id.clone(),
            by: t.blocked_by.clone(),
            by_status: t.blocked_by.as_deref().map(|b| status_text(status_of(b))),
            reason: t.blocked_reason.clone(),
        };
    }
    let waiting = queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::Todo && of_lane(t, role, lane, branch));
    for t in waiting {
        if let Some((dep, s)) = unmet_dependencies(queue, t).into_iter().next() {
            return LaneWork::Waiting {
                task: t.id.clone(),
                dependency: dep.to_string(),
                status: status_text(s),
            };
        }
    }
    LaneWork::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, role: &str, status: Status) -> Task {
        let mut t = Task::new(id, id, role);
        t.status = status;
        t
    }

    fn q(tasks: Vec<Task>) -> Queue {
        Queue::new(tasks)
    }

    const BR: &str = "agent/A";

    #[test]
    fn claimed_first_with_unmet_dependencies() {
        let mut a = task("A-1", "A", Status::InProgress);
        a.branch = Some(BR.into());
        a.depends_on = vec!["C-1".into(), "Z".into()];
        let c = task("C-1", "C", Status::Todo);
        let w = lane_work(&q(vec![a, c]), "A", None, BR);
        assert_eq!(
            w,
            LaneWork::Claimed {
                task: "A-1".into(),
                unmet: vec![
                    ("C-1".into(), "todo".into()),
                    ("Z".into(), "unknown".into())
                ],
                exception: None,
                merges_after: Vec::new(),
            }
        );
    }

    #[test]
    fn resume_own_blocked_task_before_new_work() {
        let mut b = task("A-1", "A", Status::Blocked);
        b.branch = Some(BR.into());
        b.blocked_by = Some("C-1".into());
        let c = task("C-1", "C", Status::Done);
        let r = task("A-2", "A", Status::Todo);
        let w = lane_work(&q(vec![r, b, c]), "A", None, BR);
        assert_eq!(
            w,
            LaneWork::Resume {
                task: "A-1".into(),
                claimed: true
            }
        );
    }

    #[test]
    fn ready_then_blocked_then_waiting_then_nothing() {
        let r = task("A-2", "A", Status::Todo);
        assert_eq!(
            lane_work(&q(vec![r.clone()]), "A", None, BR),
            LaneWork::Ready { task: "A-2".into() }
        );
        let mut b = task("A-1", "A", Status::Blocked);
        b.blocked_by = Some("C-1".into());
        let c = task("C-1", "C", Status::InProgress);
        assert_eq!(
            lane_work(&q(vec![b, c.clone()]), "A", None, BR),
            LaneWork::Blocked {
                task: "A-1".into(),
                by: Some("C-1".into()),
                by_status: Some("in_progress".into()),
                reason: None
            }
        );
        let mut w = r;
        w.depends_on = vec!["C-1".into()];
        assert_eq!(
            lane_work(&q(vec![w, c]), "A", None, BR),
            LaneWork::Waiting {
                task: "A-2".into(),
                dependency: "C-1".into(),
                status: "in_progress".into()
            }
        );
        let done = task("A-0", "A", Status::Done);
        assert_eq!(lane_work(&q(vec![done]), "A", None, BR), LaneWork::Nothing);
    }

    #[test]
    fn a_v2_lane_sees_only_its_pinned_or_free_tasks() {
        let mut pinned = task("B-1", "B", Status::Todo);
        pinned.lane = Some(2);
        let queue = q(vec![pinned]);
        assert_eq!(
            lane_work(&queue, "B", Some(1), "agent/B-1"),
            LaneWork::Nothing
        );
        assert_eq!(
            lane_work(&queue, "B", Some(2), "agent/B-2"),
            LaneWork::Ready { task: "B-1".into() }
        );
    }
}
