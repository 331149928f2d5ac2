//! `wt task LANE` as a Markdown brief an agent can be given as its prompt.

use crate::lane::packet::Packet;

pub fn markdown(p: &Packet) -> String {
    let t = &p.task;
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&format!("# {}: {}", t.id, t.title));
    line("");
    line(&format!(
        "You work in lane `{}` (role `{}`) on branch `{}`, in `{}`. Base is `{}`.",
        p.lane, p.role, p.branch, p.path, p.base
    ));
    line(&format!(
        "Task status: {}{}.",
        t.status,
        t.owner
            .as_ref()
            .map(|o| format!(", claimed by {o}"))
            .unwrap_or_default()
    ));
    if let Some(parent) = &t.parent_id {
        let slice = t
            .slice
            .as_ref()
            .map(|s| format!(", slice {s}"))
            .unwrap_or_default();
        line(&format!("Part of {parent}{slice}."));
    }
    for (title, text) in [("Description", &t.description), ("Notes", &t.notes)] {
        if let Some(text) = text.as_ref().filter(|s| !s.trim().is_empty()) {
            line("");
            line(&format!("## {title}"));
            line("");
            line(text.trim_end());
        }
    }
    line("");
    line("## Acceptance checks");
    line("");
    if t.acceptance_checks.is_empty() {
        line("None listed in the queue.");
    } else {
        line("These commands must pass in the lane (`wt check` runs them):");
        line("");
        for c in &t.acceptance_checks {
            line(&format!("- `{c}`"));
        }
    }
    line("");
    line("## Dependencies");
    line("");
    if t.depends_on.is_empty() {
        line("None.");
    } else {
        for d in &t.depends_on {
            let title = d
                .title
                .as_ref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            line(&format!("- {} ({}){title}", d.id, d.status));
        }
    }
    line("");
    line("## Paths");
    line("");
    if p.owns.is_empty() {
        line(&format!("{} owns no paths by name.", p.role));
    } else {
        let owns: Vec<String> = p.owns.iter().map(|g| format!("`{g}`")).collect();
        line(&format!("{} owns: {}", p.role, owns.join(", ")));
    }
    if !p.must_not_touch.is_empty() {
        line("");
        line("Do not touch:");
        line("");
        for f in &p.must_not_touch {
            line(&format!("- `{}` ({})", f.path, f.owner));
        }
    }
    line("");
    line("## Checks");
    line("");
    if p.checks.is_empty() {
        line("No checks are configured for this role or task.");
    } else {
        line("`wt check` runs, in the lane:");
        line("");
        for c in &p.checks {
            line(&format!("- `{c}`"));
        }
    }
    for g in p.gates.iter().filter(|g| !g.run.is_empty()) {
        let when: Vec<String> = g.when.iter().map(|w| format!("`{w}`")).collect();
        line(&format!(
            "- `{}` (gate: when the branch changes {})",
            g.run,
            when.join(", ")
        ));
    }
    line("");
    line("## Rules");
    line("");
    for r in &p.rules {
        line(&format!("- **{}**: {}", r.rule, r.text));
    }
    line("");
    line("## To finish");
    line("");
    for (i, c) in p.finish.iter().enumerate() {
        line(&format!("{}. `{c}`", i + 1));
    }
    out
}
