//! `wt queue graph`: Mermaid and DOT pictures of the queue's dependencies, one edge per
//! `depends_on` entry, nodes labelled with id, title and state.

use crate::common::queue::{qenv, QUEUE};

/// QUEUE plus a task of B-ui that waits on two tasks (one of them not in the queue) and one
/// that is blocked: every state appears.
fn queue() -> String {
    format!(
        "{QUEUE}  - id: B-4\n    title: Waits on \"two\" <things>\n    role: B-ui\n    status: todo\n    depends_on: [A-2, Z-9]\n  - id: B-5\n    title: Stuck\n    role: B-ui\n    status: blocked\n    depends_on: [A-0]\n    blocked_by: A-2\n"
    )
}

/// Dependencies in `queue()`: A-1 <- A-0, A-2 <- A-1, B-4 <- A-2 and Z-9, B-5 <- A-0.
const DEPENDENCIES: usize = 5;

#[test]
fn mermaid_draws_every_task_and_one_edge_per_dependency() {
    let env = qenv("", &queue());
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    let run = env.wt(&["queue", "graph"]);
    run.ok();
    assert_eq!(
        run.stdout,
        r##"flowchart LR
    t0["A-0<br/>Done already<br/>done"]:::done
    t1["A-1<br/>First backend slice<br/>in progress (agent-a)"]:::in_progress
    t2["A-2<br/>Second backend slice<br/>waiting"]:::waiting
    t3["B-1<br/>Lane two only<br/>ready"]:::ready
    t4["B-2<br/>Any lane<br/>ready"]:::ready
    t5["B-3<br/>Any lane too<br/>ready"]:::ready
    t6["B-4<br/>Waits on #quot;two#quot; #lt;things#gt;<br/>waiting"]:::waiting
    t7["B-5<br/>Stuck<br/>blocked"]:::blocked
    t8["Z-9<br/>not in the queue"]:::missing
    t0 --> t1
    t1 -.-> t2
    t2 -.-> t6
    t8 -.-> t6
    t0 --> t7
    classDef done fill:#d3f9d8,stroke:#2b8a3e,color:#1b4d2a
    classDef in_progress fill:#d0ebff,stroke:#1864ab,color:#0b3d6b
    classDef blocked fill:#ffe3e3,stroke:#c92a2a,color:#7a1414
    classDef ready fill:#fff3bf,stroke:#e67700,color:#663c00
    classDef waiting fill:#f1f3f5,stroke:#868e96,color:#343a40
    classDef missing fill:#ffffff,stroke:#c92a2a,color:#c92a2a,stroke-dasharray:4 3
"##
    );
    let edges = run
        .stdout
        .lines()
        .filter(|l| l.contains(" --> ") || l.contains(" -.-> "))
        .count();
    assert_eq!(edges, DEPENDENCIES);
}

#[test]
fn dot_is_a_digraph_with_one_edge_per_dependency() {
    let env = qenv("", &queue());
    let run = env.wt(&["queue", "graph", "--format", "dot"]);
    run.ok();
    let out = &run.stdout;
    assert!(out.starts_with("digraph queue {\n"), "{out}");
    assert!(out.ends_with("}\n"), "{out}");
    let edges: Vec<&str> = out.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(edges.len(), DEPENDENCIES, "{out}");
    assert!(edges.contains(&"    \"A-0\" -> \"A-1\";"), "{out}");
    assert!(
        edges.contains(&"    \"Z-9\" -> \"B-4\" [style=dashed];"),
        "{out}"
    );
    assert!(
        out.contains(r#""B-4" [label="B-4\nWaits on \"two\" <things>\nwaiting""#),
        "{out}"
    );
    // Every node line is balanced: quotes come in pairs once escaped ones are left out.
    for l in out.lines() {
        assert_eq!(l.replace("\\\"", "").matches('"').count() % 2, 0, "{l}");
    }
}

#[test]
fn role_keeps_its_tasks_and_what_they_depend_on() {
    let env = qenv("", &queue());
    let json = env
        .wt(&["queue", "graph", "--role", "B-ui", "--json"])
        .ok()
        .json();
    let ids: Vec<&str> = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["B-1", "B-2", "B-3", "B-4", "B-5", "A-2", "Z-9", "A-0"]
    );
    assert_eq!(json["edges"].as_array().unwrap().len(), 3);
    assert_eq!(json["nodes"][5]["context"], true);
    let run = env.wt(&["queue", "graph", "--role", "B-ui", "--format", "dot"]);
    run.ok();
    assert_eq!(run.stdout.lines().filter(|l| l.contains(" -> ")).count(), 3);
    env.wt(&["queue", "graph", "--role", "Nope"])
        .code(2)
        .stderr_has("no role `Nope`");
}
