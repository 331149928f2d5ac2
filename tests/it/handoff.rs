//! `wt handoff`: the playbook's report, from the template, with the recorded checks.

use crate::common::world::*;
use crate::common::DEFAULT_CONFIG;
use std::fs;

/// Replace the run's shas and check durations with stable tokens.
fn normalize(text: &str, shas: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (sha, token) in shas {
        out = out.replace(&sha[..7], token);
    }
    out.lines()
        .map(|l| match l.find(" ms, ") {
            Some(i) => {
                let start = l[..i].rfind('(').unwrap();
                format!("{}(<ms>{}", &l[..start], &l[i + 3..])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_report_has_every_section_of_the_playbook() {
    let env = world(&config_with_checks("['true', 'test -f cmd/a.go']"));
    let base = env.rev("master");
    let one = lane_commit(&env, "cmd/a.go", "a\n", "add a");
    let two = lane_commit(&env, "README.md", "changed\n", "edit readme");
    env.wt(&["check", LANE]).ok();
    let r = env.wt(&[
        "handoff",
        LANE,
        "--risk",
        "retries are untested on slow links",
        "--risk",
        "needs a review of cmd/a.go",
        "--next",
        "wire the provisioning API",
    ]);
    r.ok();
    let got = normalize(
        &r.stdout,
        &[(&base, "<base>"), (&one, "<one>"), (&two, "<two>")],
    );
    let want = "\
# Handoff: A-backend

- task_id: none (no claimed task)
- status: none
- depends_on satisfied: n/a
- lane: A-backend
- branch: agent/A-backend
- base: origin/master (<base>)
- head: <two>

## Commits pushed

- `<one>` add a
- `<two>` edit readme

(not pushed yet: run `wt sync A-backend`)

## Files changed

- M `README.md`
- A `cmd/a.go`

## Tests run

- `true` -> exit 0 (<ms>, role)
- `test -f cmd/a.go` -> exit 0 (<ms>, role)

## Root cause (defect tasks)

none given

## Reviews

none

## Remaining risks / blockers

- retries are untested on slow links
- needs a review of cmd/a.go

## Next recommended slice

wire the provisioning API";
    assert_eq!(got, want, "\n--- got\n{got}\n--- want\n{want}");
}

#[test]
fn defaults_say_none_given_and_stale_checks_are_flagged() {
    let env = world(&config_with_checks("['true']"));
    lane_commit(&env, "cmd/a.go", "a\n", "add a");
    env.wt(&["check", LANE]).ok();
    lane_commit(&env, "cmd/b.go", "b\n", "add b");
    env.wt(&["sync", LANE]).ok();
    let r = env.wt(&["handoff", LANE]);
    r.ok()
        .stdout_has("## Remaining risks / blockers\n\nnone given")
        .stdout_has("## Next recommended slice\n\nnone given")
        .stdout_has("not on the current head");
    assert!(!r.stdout.contains("not pushed yet"), "{}", r.stdout);
}

#[test]
fn json_and_out_give_the_same_data() {
    let env = world(DEFAULT_CONFIG);
    let head = lane_commit(&env, "cmd/a.go", "a\n", "add a");
    let r = env.wt(&["--json", "handoff", LANE, "--risk", "r1"]);
    r.ok();
    let j = r.json();
    assert_eq!(j["lane"], "A-backend");
    assert_eq!(j["branch"], "agent/A-backend");
    assert_eq!(j["head"], head.as_str());
    assert_eq!(j["task_id"], serde_json::Value::Null);
    assert_eq!(j["commits"][0]["subject"], "add a");
    assert_eq!(j["files"][0]["status"], "A");
    assert_eq!(j["files"][0]["path"], "cmd/a.go");
    assert_eq!(j["risks"][0], "r1");
    assert_eq!(j["pushed"], false);
    let out = env.base_dir().join("handoff.md");
    env.wt(&["handoff", LANE, "--out", out.to_str().unwrap()])
        .ok()
        .stderr_has("wrote");
    let text = fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# Handoff: A-backend\n"), "{text}");
    assert!(text.contains("- A `cmd/a.go`"), "{text}");
}

#[test]
fn a_lane_without_commits_says_so() {
    let env = world(DEFAULT_CONFIG);
    env.wt(&["handoff", LANE])
        .ok()
        .stdout_has("none: the lane has no commits on top of origin/master")
        .stdout_has("none recorded: run `wt check A-backend`");
}

#[test]
fn right_after_a_merge_it_shows_the_handoff_the_merge_recorded() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "add a");
    env.wt(&["merge", LANE]).ok();
    let r = env.wt(&["handoff", LANE]);
    r.ok()
        .stderr_has("no new work on A-backend since its last merge")
        .stdout_has("add a")
        .stdout_has("cmd/a.go");
}
