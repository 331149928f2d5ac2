//! The queue's dependency graph as text: Mermaid (renders as-is in a Markdown file on GitHub,
//! GitLab and Gitea) or Graphviz DOT. Nodes are coloured by state; an edge whose dependency is
//! not done yet is dashed.

use crate::queue::graph::{Graph, Node, State};

/// Fill, border and text colour of each state (the same in both formats).
fn colours(state: State) -> (&'static str, &'static str, &'static str) {
    match state {
        State::Done => ("#d3f9d8", "#2b8a3e", "#1b4d2a"),
        State::InProgress => ("#d0ebff", "#1864ab", "#0b3d6b"),
        State::Blocked => ("#ffe3e3", "#c92a2a", "#7a1414"),
        State::Ready => ("#fff3bf", "#e67700", "#663c00"),
        State::Waiting => ("#f1f3f5", "#868e96", "#343a40"),
        State::Missing => ("#ffffff", "#c92a2a", "#c92a2a"),
    }
}

fn label_lines(n: &Node) -> Vec<String> {
    let mut lines = vec![n.id.clone()];
    if !n.title.is_empty() {
        lines.push(n.title.clone());
    }
    let mut state = n.state.words().to_string();
    if let Some(owner) = &n.owner {
        state.push_str(&format!(" ({owner})"));
    }
    if n.context && !n.role.is_empty() {
        state.push_str(&format!(" · {}", n.role));
    }
    lines.push(state);
    lines
}

/// `flowchart LR` with one `classDef` per state.
pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let index = |id: &str| g.nodes.iter().position(|n| n.id == id).unwrap_or(0);
    for (i, n) in g.nodes.iter().enumerate() {
        let label: Vec<String> = label_lines(n).iter().map(|l| mermaid_text(l)).collect();
        out.push_str(&format!(
            "    t{i}[\"{}\"]:::{}\n",
            label.join("<br/>"),
            n.state.as_str()
        ));
    }
    for e in &g.edges {
        let arrow = if e.met { "-->" } else { "-.->" };
        out.push_str(&format!(
            "    t{} {arrow} t{}\n",
            index(&e.from),
            index(&e.to)
        ));
    }
    for state in State::ALL {
        let (fill, stroke, color) = colours(state);
        let dash = if state == State::Missing {
            ",stroke-dasharray:4 3"
        } else {
            ""
        };
        out.push_str(&format!(
            "    classDef {} fill:{fill},stroke:{stroke},color:{color}{dash}\n",
            state.as_str()
        ));
    }
    out
}

/// Mermaid label text: quotes and angle brackets as entity codes, so a title cannot end the
/// label or open HTML.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `digraph queue` with filled, rounded boxes.
pub fn dot(g: &Graph) -> String {
    let mut out = String::from("digraph queue {\n");
    out.push_str("    rankdir=LR;\n");
    out.push_str("    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
    for n in &g.nodes {
        let (fill, stroke, color) = colours(n.state);
        let label: Vec<String> = label_lines(n).iter().map(|l| dot_text(l)).collect();
        let dashed = if n.state == State::Missing {
            ", style=\"rounded,dashed\""
        } else {
            ""
        };
        out.push_str(&format!(
            "    \"{}\" [label=\"{}\", fillcolor=\"{fill}\", color=\"{stroke}\", fontcolor=\"{color}\"{dashed}];\n",
            dot_text(&n.id),
            label.join("\\n")
        ));
    }
    for e in &g.edges {
        let style = if e.met { "" } else { " [style=dashed]" };
        out.push_str(&format!(
            "    \"{}\" -> \"{}\"{style};\n",
            dot_text(&e.from),
            dot_text(&e.to)
        ));
    }
    out.push_str("}\n");
    out
}

fn dot_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
