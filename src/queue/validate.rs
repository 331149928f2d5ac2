//! What is wrong with a queue, all at once: duplicate ids, bad names, unknown and cyclic
//! dependencies, states that miss what they need, two tasks in one lane, merged commits that are
//! not on base. Pure: the caller answers git questions through a closure.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::model::{name_kind, FieldValue, Queue, Status, Task, TASK_FIELDS};

/// One thing wrong with the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub task: Option<String>,
    pub line: Option<u32>,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    DuplicateId,
    BadName,
    UnknownDependency,
    SelfDependency,
    DependencyCycle,
    MissingOwner,
    MissingBranch,
    MissingBlockedBy,
    BadBlockedBy,
    LaneConflict,
    MissingMergedCommit,
    CommitNotOnBase,
    NoAcceptanceChecks,
    UnknownParent,
    ParentCycle,
    DuplicateMergeOrder,
    MissingException,
}

/// Every problem at once, in file order. `is_on_base(commit)` answers whether a commit is on
/// the base branch (`None`: cannot tell, so no problem is reported). Unknown keys and bad
/// statuses cannot reach a [`Queue`]: `parse` refuses them with their line.
pub fn validate(queue: &Queue, is_on_base: &dyn Fn(&str) -> Option<bool>) -> Vec<Problem> {
    let index = queue.index();
    let mut problems = Vec::new();
    for (i, task) in queue.tasks.iter().enumerate() {
        let mut report =
            |kind, message: String, fix: &str| problems.push(problem(task, kind, message, fix));
        if index[task.id.as_str()] != i {
            report(
                ProblemKind::DuplicateId,
                format!("duplicate task id {}", task.id),
                "give each task its own id",
            );
        }
        names(task, &mut report);
        dependencies(task, &index, &mut report);
        state(task, &index, is_on_base, &mut report);
    }
    lane_conflicts(queue, &mut problems);
    cycles(queue, &index, &mut problems);
    problems.extend(super::family::problems(queue));
    problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
    problems
}

fn problem(task: &Task, kind: ProblemKind, message: String, fix: &str) -> Problem {
    Problem {
        kind,
        task: Some(task.id.clone()),
        line: task.line,
        message,
        fix: fix.to_string(),
    }
}

type Report<'r> = dyn FnMut(ProblemKind, String, &str) + 'r;

/// Names that `parse` would have refused; only a queue built in code can hold them.
fn names(task: &Task, report: &mut Report) {
    for field in TASK_FIELDS {
        let Some(kind) = name_kind(field) else {
            continue;
        };
        let values = match task.field(field) {
            Some(FieldValue::Str(s)) => vec![s],
            Some(FieldValue::List(items)) => items,
            _ => Vec::new(),
        };
        for v in values.iter().filter(|v| !kind.check(v)) {
            report(
                ProblemKind::BadName,
                format!(
                    "{} has `{field}` {v:?}, not matching {}",
                    task.id,
                    kind.rule()
                ),
                "rename it",
            );
        }
    }
}

fn dependencies(task: &Task, index: &HashMap<&str, usize>, report: &mut Report) {
    for dep in &task.depends_on {
        if *dep == task.id {
            report(
                ProblemKind::SelfDependency,
                format!("{} depends on itself", task.id),
                "remove it from its own depends_on",
            );
        } else if !index.contains_key(dep.as_str()) {
            let message = format!("{} depends on unknown task {dep}", task.id);
            report(
                ProblemKind::UnknownDependency,
                message,
                "fix the id, or add the missing task",
            );
        }
    }
}

fn state(
    task: &Task,
    index: &HashMap<&str, usize>,
    is_on_base: &dyn Fn(&str) -> Option<bool>,
    report: &mut Report,
) {
    match task.status {
        Status::InProgress => in_progress_state(task, report),
        Status::Blocked => blocked_state(task, index, report),
        Status::Done => done_state(task, is_on_base, report),
        Status::Todo => {}
    }
    if task.acceptance_checks.iter().all(|c| c.trim().is_empty()) {
        report(
            ProblemKind::NoAcceptanceChecks,
            format!("{} has no acceptance checks", task.id),
            "list the commands that prove it done under acceptance_checks",
        );
    }
}

fn in_progress_state(task: &Task, report: &mut Report) {
    let id = &task.id;
    if task.owner.is_none() {
        let fix = format!("name the owner: `wt queue set {id} in_progress --owner NAME`");
        report(
            ProblemKind::MissingOwner,
            format!("{id} is in_progress without an owner"),
            &fix,
        );
    }
    if task.branch.is_none() {
        let fix = format!("release it with `wt queue set {id} todo`, then claim it from its lane");
        report(
            ProblemKind::MissingBranch,
            format!("{id} is in_progress without a branch"),
            &fix,
        );
    }
}

fn blocked_state(task: &Task, index: &HashMap<&str, usize>, report: &mut Report) {
    let id = &task.id;
    let fix = format!("name the blocker: `wt queue set {id} blocked --by OTHER`");
    match task.blocked_by.as_deref() {
        None if task.blocked_reason.is_some() => {}
        None => report(
            ProblemKind::MissingBlockedBy,
            format!("{id} is blocked without blocked_by or blocked_reason"),
            &fix,
        ),
        Some(by) if by == id => report(
            ProblemKind::BadBlockedBy,
            format!("{id} is blocked by itself"),
            &fix,
        ),
        Some(by) if !index.contains_key(by) => report(
            ProblemKind::BadBlockedBy,
            format!("{id} is blocked by unknown task {by}"),
            &fix,
        ),
        Some(_) => {}
    }
}

fn done_state(task: &Task, is_on_base: &dyn Fn(&str) -> Option<bool>, report: &mut Report) {
    let id = &task.id;
    match task.merged_commit.as_deref() {
        None => {
            let fix = "record the commit that merged it under merged_commit";
            report(
                ProblemKind::MissingMergedCommit,
                format!("{id} is done without merged_commit"),
                fix,
            )
        }
        Some(c) if is_on_base(c) == Some(false) => {
            let message = format!("{id} is done but its merged_commit {c} is not on base");
            let fix = "merge the lane again (`wt merge LANE`), or correct merged_commit";
            report(ProblemKind::CommitNotOnBase, message, fix)
        }
        Some(_) => {}
    }
}

/// More than one `in_progress` task per lane: per branch, and per role and pinned lane.
fn lane_conflicts(queue: &Queue, problems: &mut Vec<Problem>) {
    // why: ordered maps, so problems on the same line always come out in the same order.
    let mut by_branch: BTreeMap<&str, Vec<&Task>> = BTreeMap::new();
    let mut by_lane: BTreeMap<(&str, u32), Vec<&Task>> = BTreeMap::new();
    for t in queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::InProgress)
    {
        if let Some(b) = t.branch.as_deref() {
            by_branch.entry(b).or_default().push(t);
        }
        if let Some(lane) = t.lane {
            by_lane.entry((t.role.as_str(), lane)).or_default().push(t);
        }
    }
    let mut reported: Vec<Vec<&str>> = Vec::new();
    let groups = by_branch
        .into_iter()
        .map(|(b, ts)| (format!("lane {b}"), ts));
    let groups = groups.chain(
        by_lane
            .into_iter()
            .map(|((r, l), ts)| (format!("lane {l} of {r}"), ts)),
    );
    for (name, tasks) in groups.filter(|(_, ts)| ts.len() > 1) {
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        if reported.contains(&ids) {
            continue;
        }
        let message = format!(
            "{name} has {} tasks in_progress: {}",
            ids.len(),
            ids.join(", ")
        );
        problems.push(problem(
            tasks[1],
            ProblemKind::LaneConflict,
            message,
            "a lane works on one task at a time: block or release all but one",
        ));
        reported.push(ids);
    }
}

/// Dependency cycles, one per strongly connected component, named from the component's
/// first task in file order: `A -> B -> A`. Linear in tasks plus dependencies.
fn cycles(queue: &Queue, index: &HashMap<&str, usize>, problems: &mut Vec<Problem>) {
    let edges: Vec<Vec<usize>> = queue
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .filter(|&j| j != i)
                .collect()
        })
        .collect();
    let components = strongly_connected(&edges);
    for members in components.iter().filter(|c| c.len() > 1) {
        let start = *members.iter().min().unwrap_or(&0);
        let path = cycle_through(start, &edges, members);
        let names: Vec<&str> = path.iter().map(|&i| queue.tasks[i].id.as_str()).collect();
        let message = format!("dependency cycle: {}", names.join(" -> "));
        problems.push(problem(
            &queue.tasks[start],
            ProblemKind::DependencyCycle,
            message,
            "remove one of these depends_on entries",
        ));
    }
}

/// Tarjan's algorithm without recursion, so a 100,000-task chain cannot overflow the stack.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut order, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut components, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 {
                order[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                if order[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// A shortest cycle from `start` back to itself inside one component (breadth-first).
fn cycle_through(start: usize, edges: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let inside: HashSet<usize> = members.iter().copied().collect();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if inside.contains(&w) && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}
