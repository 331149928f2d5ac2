//! The order in which several lanes merge (SPEC section 7, "Order"; playbook section 5: "resolve
//! in dependency order from queue (depends_on), not by who pushed first"): a task that another
//! one depends on lands first (directly or through other tasks); then children of one parent by
//! `merge_order`; then by priority; then in the order given. Pure: the caller reads the queue.

use std::collections::{HashMap, HashSet};

use super::model::{Queue, Task};

/// Why one task must land after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// The later task depends on the earlier one (directly or through other tasks).
    DependsOn,
    /// Both are children of one parent and the earlier one has the lower `merge_order`.
    MergeOrder,
    /// The later task is the parent of the earlier one (a parent lands after its children).
    Parent,
}

impl After {
    pub fn as_str(self) -> &'static str {
        match self {
            After::DependsOn => "depends on",
            After::MergeOrder => "comes after (merge_order)",
            After::Parent => "is the parent of",
        }
    }
}

/// Whether (and why) task `later` must land after task `earlier`.
pub fn after(queue: &Queue, earlier: &str, later: &str) -> Option<After> {
    if earlier == later {
        return None;
    }
    let (Some(e), Some(l)) = (queue.task(earlier), queue.task(later)) else {
        return None;
    };
    if depends_through(queue, l, earlier) {
        return Some(After::DependsOn);
    }
    if e.parent_id.as_deref() == Some(later) {
        return Some(After::Parent);
    }
    match (&e.parent_id, &l.parent_id, e.merge_order, l.merge_order) {
        (Some(pe), Some(pl), Some(oe), Some(ol)) if pe == pl && oe < ol => Some(After::MergeOrder),
        _ => None,
    }
}

/// Whether `task` depends on `target`, directly or through other tasks.
fn depends_through(queue: &Queue, task: &Task, target: &str) -> bool {
    let index = queue.index();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = task.depends_on.iter().map(String::as_str).collect();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if !seen.insert(id) {
            continue;
        }
        if let Some(&i) = index.get(id) {
            stack.extend(queue.tasks[i].depends_on.iter().map(String::as_str));
        }
    }
    false
}

/// The priority rank of a lane's task: lower lands first. A task without `priority`, and a lane
/// with no task, rank at the queue's default priority.
fn priority_rank(queue: &Queue, task: Option<&Task>) -> u32 {
    task.map_or(queue.default_priority, |t| queue.priority_of(t))
}

/// The merge order of `tasks` (each lane's claimed task, or None), as indices into it. A cycle
/// (only possible through hand edits) falls back to the order given for the tasks in it.
pub fn order(queue: &Queue, tasks: &[Option<&str>]) -> Vec<usize> {
    let n = tasks.len();
    // why: before[j] lists the candidates that must land before candidate j.
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, later) in tasks.iter().enumerate() {
        for (i, earlier) in tasks.iter().enumerate() {
            if let (Some(e), Some(l)) = (earlier, later) {
                if i != j && after(queue, e, l).is_some() {
                    before[j].push(i);
                }
            }
        }
    }
    let rank: HashMap<usize, u32> = (0..n)
        .map(|i| {
            (
                i,
                priority_rank(queue, tasks[i].and_then(|t| queue.task(t))),
            )
        })
        .collect();
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let free = (0..n)
            .filter(|&j| !done[j] && before[j].iter().all(|&i| done[i]))
            .min_by_key(|&j| (rank[&j], j));
        // why: a dependency cycle leaves no candidate free; take the first one given.
        let pick = free.unwrap_or_else(|| (0..n).find(|&j| !done[j]).expect("one is left"));
        done[pick] = true;
        out.push(pick);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, deps: &[&str]) -> Task {
        let mut t = Task::new(id, id, "R");
        t.depends_on = deps.iter().map(|d| d.to_string()).collect();
        t
    }

    fn child(id: &str, parent: &str, order: u32) -> Task {
        let mut t = Task::new(id, id, "R");
        t.parent_id = Some(parent.into());
        t.merge_order = Some(order);
        t
    }

    fn q(tasks: Vec<Task>) -> Queue {
        Queue::new(tasks)
    }

    #[test]
    fn independent_tasks_by_priority_then_given_order() {
        let mut urgent = t("U", &[]);
        urgent.priority = Some(5);
        let mut late = t("L", &[]);
        late.priority = Some(2000);
        let queue = q(vec![t("D", &[]), late, urgent]);
        // D has the default priority (1000): after U (5), before L (2000).
        assert_eq!(
            order(&queue, &[Some("L"), Some("D"), Some("U")]),
            vec![2, 1, 0]
        );
        assert_eq!(order(&queue, &[Some("L"), None]), vec![1, 0]);
    }

    #[test]
    fn dependencies_first_even_through_other_tasks() {
        let queue = q(vec![
            t("A", &[]),
            t("M", &["A"]),
            t("B", &["M"]),
            t("C", &[]),
        ]);
        assert_eq!(after(&queue, "A", "B"), Some(After::DependsOn));
        assert_eq!(after(&queue, "B", "A"), None);
        let got = order(&queue, &[Some("B"), Some("C"), Some("A")]);
        assert_eq!(
            got,
            vec![1, 2, 0],
            "C (given first of the free ones), A, then B"
        );
    }

    #[test]
    fn siblings_by_merge_order_then_given_order() {
        let queue = q(vec![
            child("P-2", "P", 2),
            child("P-1", "P", 1),
            child("Q-1", "Q", 1),
            t("X", &[]),
        ]);
        assert_eq!(after(&queue, "P-1", "P-2"), Some(After::MergeOrder));
        assert_eq!(after(&queue, "P-1", "Q-1"), None, "another parent");
        let got = order(&queue, &[Some("P-2"), None, Some("P-1"), Some("X")]);
        assert_eq!(got, vec![1, 2, 0, 3]);
    }

    #[test]
    fn an_exception_dependency_and_siblings_together() {
        // E was claimed by exception before D was done; S-1 and S-2 are siblings.
        let queue = q(vec![
            t("D", &[]),
            t("E", &["D"]),
            child("S-2", "S", 2),
            child("S-1", "S", 1),
        ]);
        let given = [Some("S-2"), Some("E"), Some("S-1"), Some("D")];
        let got: Vec<&str> = order(&queue, &given)
            .into_iter()
            .map(|i| given[i].unwrap())
            .collect();
        assert_eq!(got, ["S-1", "S-2", "D", "E"]);
    }

    #[test]
    fn a_cycle_falls_back_to_the_given_order() {
        let queue = q(vec![t("A", &["B"]), t("B", &["A"])]);
        assert_eq!(order(&queue, &[Some("B"), Some("A")]), vec![0, 1]);
    }
}
