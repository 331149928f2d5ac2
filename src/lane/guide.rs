//! `AGENTS.md` for a repository: the instructions an agent in a lane needs, generated from its
//! `lanes.toml` (the lanes, what each role owns, its checks, the rules) and the cycle of
//! commands. The text is `templates/AGENTS.md`; this fills it in and never prints.

use crate::config::Config;
use crate::templates;

/// The rendered file. `base` is the base branch (`master`).
pub fn agents_md(cfg: &Config, base: &str, protected: &[String]) -> String {
    let code = |items: &[String]| -> String {
        if items.is_empty() {
            "-".to_string()
        } else {
            items
                .iter()
                .map(|i| format!("`{}`", i.replace('|', "\\|")))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let lanes: Vec<String> = cfg
        .lanes
        .iter()
        .map(|l| {
            let role = cfg.role(&l.role);
            let owns = role.map(|r| r.owns.clone()).unwrap_or_default();
            let checks = role.map(|r| r.checks.clone()).unwrap_or_default();
            format!(
                "| `{}` | `{}` | {} | {} |",
                l.id,
                l.branch,
                code(&owns),
                code(&checks)
            )
        })
        .collect();
    let mut rules = Vec::new();
    if !cfg.contracts.paths.is_empty() {
        rules.push(format!(
            "- Contracts first: {} may be changed only by {}, and in a branch the commits that change them come before any other commit.",
            code(&cfg.contracts.paths),
            cfg.contracts.owners.join(", ")
        ));
    }
    if !protected.is_empty() {
        rules.push(format!(
            "- {} decide how merges are judged: only a role that owns them may change them.",
            code(protected)
        ));
    }
    if !cfg.policy.tests.is_empty() {
        rules.push(format!(
            "- Never delete tests ({}); a merge that does is refused.",
            code(&cfg.policy.tests)
        ));
    }
    for g in &cfg.gates {
        rules.push(format!(
            "- When a branch changes {}, `wt check` also runs `{}`.",
            code(&g.when),
            g.run
        ));
    }
    if let Some(q) = &cfg.queue {
        rules.push(format!(
            "- The task queue is `{}`: change it only through `wt queue` and `wt merge`, never by hand in a lane.",
            q.path.display()
        ));
    }
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!("\n{}\n", rules.join("\n"))
    };
    templates::render(
        templates::AGENTS_MD,
        &[
            ("base", base.to_string()),
            ("lanes", lanes.join("\n")),
            ("rules", rules),
        ],
    )
}
