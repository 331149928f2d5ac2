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
    if cfg.review.required {
        rules.push("- Every merge needs a current approval from another lane: `wt review LANE --approve --by YOUR-LANE --completion implemented|design-only`; never approve your own lane.".to_string());
    }
    for r in &cfg.review.routes {
        rules.push(format!(
            "- A branch that changes {} needs an approval from a lane of {}.",
            code(&r.when),
            r.by.join(", ")
        ));
    }
    if !cfg.policy.high_risk.is_empty() {
        rules.push(format!(
            "- A branch that changes {} is high-risk: its task's acceptance checks need a code-anchor command (`rg -q ...`) and a runtime-path command.",
            code(&cfg.policy.high_risk)
        ));
    }
    if !cfg.policy.defect_kinds.is_empty() {
        rules.push(format!(
            "- A task of kind {} needs defect evidence to merge: the root cause (one sentence), the owning layer (a path the branch changes) and a proof command that passes.",
            cfg.policy.defect_kinds.join(" or ")
        ));
    }
    for g in cfg.gates.iter().filter(|g| !g.requires.is_empty()) {
        rules.push(format!(
            "- A branch that changes {} must also change one of {}.",
            code(&g.when),
            code(&g.requires)
        ));
    }
    for g in cfg.gates.iter().filter(|g| !g.run.is_empty()) {
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
