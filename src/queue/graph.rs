//! The queue as a dependency graph: one node per task (its state for the picture: done, in
//! progress, blocked, ready or waiting), one edge per `depends_on` entry, from the dependency to
//! the task that waits for it. Pure data; `ui::graph` draws it as Mermaid or DOT.

use super::{Queue, Status, Task};
use serde::Serialize;
use std::collections::HashMap;

/// What a node's colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Done,
    InProgress,
    Blocked,
    /// `todo` with every dependency done: can be claimed now.
    Ready,
    /// `todo` with a dependency not done yet.
    Waiting,
    /// Named in a `depends_on` but not in the queue.
    Missing,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Done,
        State::InProgress,
        State::Blocked,
        State::Ready,
        State::Waiting,
        State::Missing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Done => "done",
            State::InProgress => "in_progress",
            State::Blocked => "blocked",
            State::Ready => "ready",
            State::Waiting => "waiting",
            State::Missing => "missing",
        }
    }

    /// As a person reads it under a node.
    pub fn words(self) -> &'static str {
        match self {
            State::Done => "done",
            State::InProgress => "in progress",
            State::Blocked => "blocked",
            State::Ready => "ready",
            State::Waiting => "waiting",
            State::Missing => "not in the queue",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub title: String,
    pub role: String,
    pub state: State,
    pub owner: Option<String>,
    /// Shown only because a chosen task depends on it (`--role` picked another role).
    pub context: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// The dependency.
    pub from: String,
    /// The task that waits for it.
    pub to: String,
    /// The dependency is done.
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The graph of every task, or of one role's tasks and the tasks they depend on.
pub fn graph(queue: &Queue, role: Option<&str>) -> Graph {
    let by_id: HashMap<&str, &Task> = queue
        .tasks
        .iter()
        .rev()
        .map(|t| (t.id.as_str(), t))
        .collect();
    let chosen: Vec<&Task> = queue
        .tasks
        .iter()
        .filter(|t| role.is_none_or(|r| t.role == r))
        .collect();
    let mut nodes: Vec<Node> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut add = |nodes: &mut Vec<Node>, node: Node| {
        if !seen.contains_key(&node.id) {
            seen.insert(node.id.clone(), nodes.len());
            nodes.push(node);
        }
    };
    for t in &chosen {
        add(&mut nodes, node(t, &by_id, false));
    }
    let mut edges = Vec::new();
    for t in &chosen {
        for dep in &t.depends_on {
            let found = by_id.get(dep.as_str());
            let met = found.is_some_and(|d| d.status == Status::Done);
            match found {
                Some(d) => add(&mut nodes, node(d, &by_id, true)),
                None => add(
                    &mut nodes,
                    Node {
                        id: dep.clone(),
                        title: String::new(),
                        role: String::new(),
                        state: State::Missing,
                        owner: None,
                        context: true,
                    },
                ),
            }
            edges.push(Edge {
                from: dep.clone(),
                to: t.id.clone(),
                met,
            });
        }
    }
    Graph { nodes, edges }
}

fn node(t: &Task, by_id: &HashMap<&str, &Task>, context: bool) -> Node {
    let state = match t.status {
        Status::Done => State::Done,
        Status::InProgress => State::InProgress,
        Status::Blocked => State::Blocked,
        Status::Todo => {
            let all_done = t.depends_on.iter().all(|d| {
                by_id
                    .get(d.as_str())
                    .is_some_and(|d| d.status == Status::Done)
            });
            if all_done {
                State::Ready
            } else {
                State::Waiting
            }
        }
    };
    Node {
        id: t.id.clone(),
        title: t.title.clone(),
        role: t.role.clone(),
        state,
        owner: t.owner.clone().filter(|_| t.status == Status::InProgress),
        context,
    }
}
