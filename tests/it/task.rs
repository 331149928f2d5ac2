//! `wt task LANE`: the claimed task as a brief for the agent, Markdown or JSON, with every item
//! an agent needs; exit 1 with the claim command when there is none.

use crate::common::queue::{put_queue, Q};
use crate::common::world::setup_lanes;
use crate::common::Env;

fn config() -> String {
    format!(
        r#"[project]
worktree_root = "../lanes"

[queue]
path = "{Q}"

[contracts]
paths = ["doc/api/**"]
owners = ["A-backend"]

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]
checks = ["make lint"]

[[role]]
name = "B-ui"
lanes = 2
owns = ["web/**"]
checks = ["pnpm test"]

[[gate]]
when = ["doc/api/**"]
run = "make codegen"

[[gate]]
when = ["web/**"]
requires = ["doc/ui.md"]

[review]
required = true

[[review.route]]
when = ["doc/api/**"]
by = ["A-backend"]

[policy]
tests = ["tests/**"]
high_risk = ["**/auth/**"]
"#
    )
}

const QUEUE: &str = r#"version: 1
tasks:
  - id: A-1
    title: Define the API
    role: A-backend
    status: done
    acceptance_checks: ["true"]
    merged_commit: "{BASE}"
  - id: B-1
    title: Draw the page
    role: B-ui
    lane: 2
    status: todo
    depends_on: [A-1]
    acceptance_checks: ["pnpm e2e page", "pnpm lint"]
    description: |
      The page lists the lanes.
      Keep it small.
    notes: ask A-backend about the field names
"#;

fn world() -> Env {
    let env = Env::with_config(&config());
    put_queue(&env, &env.main, QUEUE);
    setup_lanes(&env);
    env
}

#[test]
fn without_a_claimed_task_it_says_claim() {
    let env = world();
    let run = env.wt(&["task", "B-ui-2"]);
    run.code(1)
        .stderr_has("B-ui-2 has no claimed task")
        .stderr_has("hint: wt queue claim B-ui-2 --owner NAME");
    assert_eq!(run.stdout, "");
}

#[test]
fn the_brief_holds_everything_the_agent_needs() {
    let env = world();
    env.wt(&["queue", "claim", "B-ui:2", "--owner", "agent-b"])
        .ok();
    let run = env.wt(&["task", "B-ui:2"]);
    run.ok();
    let lane = env.lane("B-ui-2");
    let want = format!(
        "# B-1: Draw the page

You work in lane `B-ui-2` (role `B-ui`) on branch `agent/B-ui-2`, in `{}`. Base is `origin/master`.
Task status: in_progress, claimed by agent-b.

## Description

The page lists the lanes.
Keep it small.

## Notes

ask A-backend about the field names

## Acceptance checks

These commands must pass in the lane (`wt check` runs them):

- `pnpm e2e page`
- `pnpm lint`

## Dependencies

- A-1 (done): Define the API

## Paths

B-ui owns: `web/**`

Do not touch:

- `cmd/**` (A-backend)
- `internal/**` (A-backend)
- `doc/api/**` (contracts, owned by A-backend)
- `lanes.toml` (protected: decides how merges are judged)
- `{Q}` (protected: decides how merges are judged)

## Checks

`wt check` runs, in the lane:

- `pnpm test`
- `pnpm e2e page`
- `pnpm lint`
- `make codegen` (gate: when the branch changes `doc/api/**`)

## Rules

- **dependencies**: Every dependency is done and on base.
- **ownership**: Change only paths B-ui owns (web/**); a path no role owns is free. `wt preflight B-ui-2` and `wt merge` refuse changes to another role's paths.
- **contract-first**: Contracts (doc/api/**) merge first: in the branch, commits that change them come before any other commit; only A-backend may change them.
- **review**: Every merge needs a current approval from another lane (`wt review B-ui-2 --approve --by REVIEWER-LANE --completion implemented|design-only`); a new or changed commit makes it stale, and a newer `--request-changes` blocks.
- **review**: A branch that changes doc/api/** needs an approval from a lane of A-backend.
- **defect-evidence**: A task of kind bug or defect needs defect evidence to merge: the root cause (one sentence), the owning layer (a path the branch changes) and a proof command that passes in the rebased lane.
- **high-risk**: A branch that changes **/auth/** is high-risk: its acceptance checks need a code-anchor command (`rg -q ...`, `grep -q ...`) and a runtime-path command, and its approval must say `--completion implemented`; a deferred runtime path is `blocked`, never done.
- **docs-move**: A branch that changes web/** must also change one of doc/ui.md.
- **kept-tests**: Do not delete tests (tests/**); `wt merge` refuses unless given `--allow-test-removal REASON`.
- **fast-forward**: Never merge origin/master into the lane: `wt sync B-ui-2` rebases it. Base moves only by `wt merge`, fast-forward, which marks the task done.

## To finish

1. `git add -- <your paths> && git commit`
2. `wt sync B-ui-2`
3. `wt check B-ui-2`
4. `wt merge B-ui-2`
5. `wt handoff B-ui-2`
",
        lane.display()
    );
    assert_eq!(run.stdout, want);

    let json = env.wt(&["task", "B-ui-2", "--json"]).ok().json();
    assert_eq!(json["lane"], "B-ui-2");
    assert_eq!(json["task"]["id"], "B-1");
    assert_eq!(json["task"]["title"], "Draw the page");
    assert_eq!(json["task"]["owner"], "agent-b");
    assert_eq!(json["task"]["notes"], "ask A-backend about the field names");
    assert_eq!(
        json["task"]["acceptance_checks"],
        serde_json::json!(["pnpm e2e page", "pnpm lint"])
    );
    assert_eq!(json["task"]["depends_on"][0]["status"], "done");
    assert_eq!(json["task"]["depends_on_satisfied"], true);
    assert_eq!(json["owns"], serde_json::json!(["web/**"]));
    assert_eq!(json["must_not_touch"][2]["path"], "doc/api/**");
    let rules: Vec<&str> = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "dependencies",
            "ownership",
            "contract-first",
            "review",
            "review",
            "defect-evidence",
            "high-risk",
            "docs-move",
            "kept-tests",
            "fast-forward"
        ]
    );
    assert_eq!(json["finish"][3], "wt merge B-ui-2");
    assert_eq!(
        json["gates"][1]["requires"],
        serde_json::json!(["doc/ui.md"])
    );
}
