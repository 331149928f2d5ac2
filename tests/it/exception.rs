//! Exception by ADR (playbook section 11): `wt queue claim LANE --task ID --exception PATH`
//! claims a task whose dependencies are not done only under an accepted, complete ADR on base;
//! until then the task stays blocked with a reason. The queue records the exception; validate,
//! merge and handoff show it.

use crate::common::queue::{qenv, queue_snapshot, task, Q};
use crate::common::Env;

const QUEUE: &str = r#"version: 1
tasks:
  - id: A-1
    title: Contract
    role: A-backend
    status: todo
    acceptance_checks: ["true"]
  - id: B-1
    title: UI before the contract lands
    role: B-ui
    status: todo
    depends_on: [A-1]
    acceptance_checks: ["true"]
"#;

const ADR: &str = "doc/architecture/adr/0007-b1-early.md";

const COMPLETE: &str = "# 0007: start B-1 before A-1 is merged\n\nStatus: accepted\n\nTask: B-1\n\n## Reason\n\nThe demo needs the screen this week.\n\n## Rollback plan\n\nRevert B-1's commits; A-1 is unaffected.\n";

/// Commit (and push) an ADR text on base.
fn put_adr(env: &Env, text: &str) {
    env.write(ADR, text);
    env.git(&["add", ADR]);
    env.git(&["commit", "-q", "-m", "ADR 0007"]);
    env.git(&["push", "-q", "origin", "master"]);
}

fn claim(env: &Env) -> crate::common::Run {
    env.wt(&[
        "queue",
        "claim",
        "B-ui-1",
        "--owner",
        "b",
        "--task",
        "B-1",
        "--exception",
        ADR,
    ])
}

#[test]
fn refused_until_the_adr_is_on_base_complete_and_accepted() {
    let env = qenv("", QUEUE);
    env.wt(&["setup", "B-ui-1"]).ok();
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "b", "--task", "B-1"])
        .code(1)
        .stderr_has("B-1 has unmet dependencies");

    let before = queue_snapshot(&env);
    claim(&env)
        .code(1)
        .stderr_has(&format!("{ADR} does not exist on master"))
        .stderr_has("wt queue set B-1 blocked --reason 'awaiting ADR doc/architecture/adr/0007-b1-early.md'");
    before.assert_identical_after(&env, "a claim under a missing ADR");

    put_adr(
        &env,
        &COMPLETE.replace("Status: accepted", "Status: proposed"),
    );
    let before = queue_snapshot(&env);
    claim(&env)
        .code(1)
        .stderr_has("is not accepted (Status: proposed); B-1 stays blocked until it is");
    before.assert_identical_after(&env, "a claim under a proposed ADR");
    env.wt(&[
        "queue",
        "set",
        "B-1",
        "blocked",
        "--reason",
        &format!("awaiting ADR {ADR}"),
    ])
    .ok();
    assert_eq!(task(&env, "B-1")["status"], "blocked");
    assert_eq!(
        task(&env, "B-1")["blocked_reason"],
        format!("awaiting ADR {ADR}")
    );
    env.wt(&["queue", "validate"]).ok();
    let next = env.wt(&["next", "B-ui-1", "--json"]);
    next.ok();
    assert!(
        next.json()[0]["reason"]
            .as_str()
            .unwrap()
            .contains("awaiting ADR"),
        "{}",
        next.stdout
    );

    put_adr(
        &env,
        &COMPLETE.replace(
            "## Rollback plan\n\nRevert B-1's commits; A-1 is unaffected.\n",
            "",
        ),
    );
    claim(&env).code(1).stderr_has("lacks a rollback plan");

    put_adr(&env, COMPLETE);
    claim(&env).ok();
    let t = task(&env, "B-1");
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["exception"], ADR);
    assert_eq!(t["blocked_reason"], serde_json::Value::Null);
    let text = std::fs::read_to_string(env.main.join(Q)).unwrap();
    assert!(text.contains(&format!("exception: {ADR}")), "{text}");
    env.wt(&["queue", "validate"]).ok();

    // The lane works on it; the handoff says it was claimed by exception.
    env.commit_file(&env.lane("B-ui-1"), "web/b.js", "b\n", "B-1 work");
    env.wt(&["handoff", "B-ui-1"]).ok().stdout_has(&format!(
        "claimed by exception before its dependencies were done: ADR {ADR}"
    ));
    let next = env.wt(&["next", "B-ui-1", "--json"]);
    next.ok();
    assert_eq!(
        next.json()[0]["action"],
        "sync",
        "not blocked: the exception lets it go on"
    );

    // The ADR removed from base: validate reports the recorded exception.
    env.git(&["rm", "-q", ADR]);
    env.git(&["commit", "-q", "-m", "drop the ADR"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["queue", "validate"]).code(1).stdout_has(&format!(
        "B-1 was claimed by exception under {ADR}, which is not on base"
    ));
}
