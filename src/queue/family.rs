//! V2 parent and child tasks (playbook section 13): children (`parent_id: P`) with `merge_order:
//! N` land in that order, and a parent is done only once every child is. This file holds the
//! rules as pure functions: the siblings a child still waits for, the children a parent still
//! waits for, children put in `merge_order` in a list, and what `validate` reports of the
//! family fields (a parent that does not exist, a parent cycle, two siblings with one
//! `merge_order`).
//!
//! The sequencing rule the playbook leaves to an ADR, as `wt` applies it: children merge
//! independently of their parent, one after another in `merge_order`; the parent's own merge
//! (and so its `done`) waits until every child is done.

use std::collections::{BTreeMap, HashSet};

use super::model::{Queue, Status, Task};
use super::validate::{Problem, ProblemKind};

/// Siblings of `task` (same `parent_id`) with a lower `merge_order` that are not done, lowest
/// first.
pub fn earlier_siblings_open<'q>(queue: &'q Queue, task: &Task) -> Vec<&'q Task> {
    let (Some(parent), Some(order)) = (&task.parent_id, task.merge_order) else {
        return Vec::new();
    };
    let mut open: Vec<&Task> = queue
        .tasks
        .iter()
        .filter(|t| t.id != task.id && t.parent_id.as_ref() == Some(parent))
        .filter(|t| t.merge_order.is_some_and(|o| o < order) && t.status != Status::Done)
        .collect();
    open.sort_by_key(|t| t.merge_order);
    open
}

/// Children of task `id` that are not done, in `merge_order`.
pub fn open_children<'q>(queue: &'q Queue, id: &str) -> Vec<&'q Task> {
    let mut open: Vec<&Task> = queue
        .tasks
        .iter()
        .filter(|t| t.parent_id.as_deref() == Some(id) && t.status != Status::Done)
        .collect();
    open.sort_by_key(|t| t.merge_order.unwrap_or(u32::MAX));
    open
}

/// `S-1 (merge_order 1, in_progress)`, for messages.
pub fn describe(task: &Task) -> String {
    match task.merge_order {
        Some(o) => format!("{} (merge_order {o}, {})", task.id, task.status),
        None => format!("{} ({})", task.id, task.status),
    }
}

/// Put the children of each parent in `merge_order`, in the places the family's members hold in
/// `tasks`; every other task keeps its place.
pub fn children_in_merge_order(tasks: &mut [&Task]) {
    let mut families: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in tasks.iter().enumerate() {
        if let (Some(p), Some(_)) = (t.parent_id.as_deref(), t.merge_order) {
            families.entry(p).or_default().push(i);
        }
    }
    for places in families.values().filter(|p| p.len() > 1) {
        let mut members: Vec<&Task> = places.iter().map(|&i| tasks[i]).collect();
        members.sort_by_key(|t| t.merge_order);
        for (&i, t) in places.iter().zip(members) {
            tasks[i] = t;
        }
    }
}

fn problem(task: &Task, kind: ProblemKind, message: String, fix: &str) -> Problem {
    Problem {
        kind,
        severity: kind.severity(),
        file: None,
        task: Some(task.id.clone()),
        line: task.line,
        message,
        fix: fix.to_string(),
    }
}

/// What `validate` reports of `parent_id` and `merge_order`.
pub fn problems(queue: &Queue) -> Vec<Problem> {
    let index = queue.index();
    let mut out = Vec::new();
    let mut by_order: BTreeMap<(&str, u32), Vec<&Task>> = BTreeMap::new();
    for t in &queue.tasks {
        let Some(p) = t.parent_id.as_deref() else {
            continue;
        };
        if p == t.id {
            let message = format!("{} is its own parent", t.id);
            out.push(problem(
                t,
                ProblemKind::ParentCycle,
                message,
                "fix parent_id",
            ));
        } else if !index.contains_key(p) {
            let message = format!("{} has parent_id {p}, which is not in the queue", t.id);
            let fix = "fix the parent_id, or add the parent task";
            out.push(problem(t, ProblemKind::UnknownParent, message, fix));
        }
        if let Some(o) = t.merge_order {
            by_order.entry((p, o)).or_default().push(t);
        }
    }
    for ((p, o), same) in by_order.iter().filter(|(_, s)| s.len() > 1) {
        let ids: Vec<&str> = same.iter().map(|t| t.id.as_str()).collect();
        let message = format!(
            "children of {p} share merge_order {o}: {} (their merge order is undefined)",
            ids.join(", ")
        );
        let fix = "give each child of one parent its own merge_order";
        out.push(problem(
            same[1],
            ProblemKind::DuplicateMergeOrder,
            message,
            fix,
        ));
    }
    parent_cycles(queue, &mut out);
    out
}

/// A chain of `parent_id`s that comes back to where it started, reported once per cycle.
fn parent_cycles(queue: &Queue, out: &mut Vec<Problem>) {
    // why: an index, not `queue.task`: that scans the list, once per step of every task's walk
    // (a 100,000-task queue took over a minute).
    let index = queue.index();
    let parent_of = |id: &str| {
        index
            .get(id)
            .and_then(|&i| queue.tasks[i].parent_id.as_deref())
    };
    let mut reported: HashSet<&str> = HashSet::new();
    for t in &queue.tasks {
        let mut path = vec![t.id.as_str()];
        let mut at = t.id.as_str();
        while let Some(p) = parent_of(at) {
            if p == at {
                break;
            }
            if let Some(start) = path.iter().position(|x| *x == p) {
                let cycle = &path[start..];
                if start == 0 && !cycle.iter().any(|c| reported.contains(c)) {
                    reported.extend(cycle.iter().copied());
                    let mut names: Vec<&str> = cycle.to_vec();
                    names.push(p);
                    let message = format!("parent cycle: {}", names.join(" -> "));
                    out.push(problem(
                        t,
                        ProblemKind::ParentCycle,
                        message,
                        "fix a parent_id",
                    ));
                }
                break;
            }
            path.push(p);
            at = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(id: &str, parent: &str, order: u32, status: Status) -> Task {
        let mut t = Task::new(id, id, "R");
        t.parent_id = Some(parent.into());
        t.merge_order = Some(order);
        t.status = status;
        t
    }

    fn q(tasks: Vec<Task>) -> Queue {
        Queue::new(tasks)
    }

    #[test]
    fn a_child_waits_for_lower_siblings_not_done() {
        let queue = q(vec![
            Task::new("P", "p", "R"),
            child("S-3", "P", 3, Status::Todo),
            child("S-1", "P", 1, Status::InProgress),
            child("S-2", "P", 2, Status::Done),
        ]);
        let s3 = queue.task("S-3").unwrap();
        let ids: Vec<&str> = earlier_siblings_open(&queue, s3)
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, ["S-1"]);
        assert!(earlier_siblings_open(&queue, queue.task("S-1").unwrap()).is_empty());
        let open: Vec<&str> = open_children(&queue, "P")
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(open, ["S-1", "S-3"]);
        assert_eq!(describe(s3), "S-3 (merge_order 3, todo)");
    }

    #[test]
    fn children_take_merge_order_in_their_own_places() {
        let a = child("S-2", "P", 2, Status::Todo);
        let x = Task::new("X", "x", "R");
        let b = child("S-1", "P", 1, Status::Todo);
        let mut list = vec![&a, &x, &b];
        children_in_merge_order(&mut list);
        let ids: Vec<&str> = list.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["S-1", "X", "S-2"]);
    }

    #[test]
    fn validate_reports_unknown_parents_cycles_and_shared_merge_orders() {
        let mut a = Task::new("A", "a", "R");
        a.parent_id = Some("B".into());
        let mut b = Task::new("B", "b", "R");
        b.parent_id = Some("A".into());
        let queue = q(vec![
            a,
            b,
            child("C", "NOPE", 1, Status::Todo),
            Task::new("P", "p", "R"),
            child("S-1", "P", 1, Status::Todo),
            child("S-2", "P", 1, Status::Todo),
        ]);
        let found: Vec<(ProblemKind, String)> = problems(&queue)
            .into_iter()
            .map(|p| (p.kind, p.message))
            .collect();
        assert!(found.contains(&(
            ProblemKind::UnknownParent,
            "C has parent_id NOPE, which is not in the queue".into()
        )));
        assert!(found.contains(&(
            ProblemKind::DuplicateMergeOrder,
            "children of P share merge_order 1: S-1, S-2 (their merge order is undefined)".into()
        )));
        assert!(found.contains(&(ProblemKind::ParentCycle, "parent cycle: A -> B -> A".into())));
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
