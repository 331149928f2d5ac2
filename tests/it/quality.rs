//! The playbook's quality rules beside reviews: docs that must move with behaviour
//! (`[[gate]] requires`), defect evidence, high-risk reality checks, commands not prose.

use crate::common::oracle::Snapshot;
use crate::common::world::*;
use crate::common::{Env, DEFAULT_CONFIG};

#[test]
fn a_gate_that_requires_docs_refuses_a_merge_without_them() {
    let config = format!(
        "{DEFAULT_CONFIG}\n[[gate]]\nwhen = [\"internal/**\"]\nrequires = [\"doc/Roadmap.md\"]\n"
    );
    let env = world(&config);
    lane_commit(&env, "internal/x.go", "x\n", "behaviour");
    refused_unchanged(&env, &["merge", LANE], "requires doc/Roadmap.md to change")
        .stderr_has("update doc/Roadmap.md on this branch");
    refused_unchanged(
        &env,
        &["merge", LANE, "--dry-run"],
        "requires doc/Roadmap.md",
    )
    .stderr_has("required_docs: ");
    assert_preflight_warns(&env, "docs", "required_docs");
    lane_commit(&env, "doc/Roadmap.md", "phase 2 moved\n", "roadmap");
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn a_gate_needs_run_or_requires() {
    let config = format!("{DEFAULT_CONFIG}\n[[gate]]\nwhen = [\"internal/**\"]\n");
    let env = Env::with_config(&config);
    env.wt(&["status"])
        .code(2)
        .stderr_has("neither `run` nor `requires`");
}

/// The test queue with A-1's acceptance checks replaced by `checks` (a YAML flow list).
fn queue_with_checks(checks: &str) -> String {
    crate::common::queue::QUEUE.replace(
        "    depends_on: [A-0]\n    acceptance_checks: [\"true\"]",
        &format!("    depends_on: [A-0]\n    acceptance_checks: {checks}"),
    )
}

#[test]
fn validate_warns_on_prose_checks_and_errs_under_strict() {
    use crate::common::queue::qenv;
    let q = queue_with_checks(
        r#"["Run the unit tests and verify", "make test", "make e2e", "./scripts/ok.sh"]"#,
    );
    let env = qenv("", &q);
    crate::common::write_file(&env.main.join("Makefile"), "test:\n\ttrue\n");
    crate::common::write_file(&env.main.join("scripts/ok.sh"), "true\n");
    let r = env.wt(&["queue", "validate"]);
    r.ok()
        .stdout_has("warning: A-1: acceptance check \"Run the unit tests and verify\" is prose")
        .stdout_has("`Run` is not a shell builtin, a program on PATH")
        .stdout_has("`make e2e` but the Makefile has no target `e2e`");
    assert!(!r.stdout.contains("\"make test\""), "{}", r.stdout);
    assert!(!r.stdout.contains("ok.sh"), "{}", r.stdout);
    env.wt(&["queue", "validate", "--strict"])
        .code(1)
        .stdout_has("error: A-1");
    let v = env.wt(&["queue", "validate", "--json"]).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["warnings"][0]["kind"], "prose_check");
}

#[test]
fn a_merge_names_a_prose_check_instead_of_running_it() {
    use crate::common::queue::{qenv, Q};
    let env = qenv("", &queue_with_checks(r#"["Verify the endpoint works"]"#));
    setup_lanes(&env);
    env.wt(&["queue", "claim", LANE, "--owner", "ann"]).ok();
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let snap = Snapshot::take(&env, &[&lane(&env), &env.main]).with_file(&env.main.join(Q));
    let r = env.wt(&["merge", LANE]);
    r.code(1)
        .stderr_has("acceptance check \"Verify the endpoint works\" of A-1 is prose, not a command")
        .stderr_has("rewrite it in doc/queue.yaml");
    assert!(!r.stderr.contains("127"), "{}", r.stderr);
    snap.assert_unchanged(&env);
    env.wt(&["merge", LANE, "--dry-run"])
        .code(1)
        .stderr_has("is prose");
    let pf = env.wt(&["preflight", LANE, "--json"]).json();
    assert!(pf["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "acceptance checks" && c["status"] == "warn"));
}

/// The test queue with A-1 given `extra` lines (e.g. `kind: bug`) and `checks`.
fn queue_a1(extra: &str, checks: &str) -> String {
    queue_with_checks(checks).replace(
        "    title: First backend slice\n",
        &format!("    title: First backend slice\n{extra}"),
    )
}

/// A world with the queue, lanes set up, A-1 claimed by A-backend and one lane commit.
fn claimed_world(config_extra: &str, queue: &str) -> Env {
    let env = crate::common::queue::qenv(config_extra, queue);
    setup_lanes(&env);
    env.wt(&["queue", "claim", LANE, "--owner", "ann"]).ok();
    lane_commit(&env, "cmd/a.go", "package a // lane\n", "fix the nil reply");
    env
}

#[test]
fn a_bug_merges_only_with_root_cause_owning_layer_and_a_passing_proof() {
    use crate::common::queue::{task, Q};
    let env = claimed_world("", &queue_a1("    kind: bug\n", r#"["true"]"#));
    let watch =
        |env: &Env| Snapshot::take(env, &[&lane(env), &env.main]).with_file(&env.main.join(Q));
    let snap = watch(&env);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("A-1 is a bug task: it merges only with defect evidence")
        .stderr_has("missing: root cause, owning layer, proof command")
        .stderr_has("wt handoff A-backend --root-cause");
    snap.assert_unchanged(&env);
    env.wt(&["merge", LANE, "--dry-run"])
        .code(1)
        .stderr_has("defect_evidence: ");
    // an owning layer the branch does not touch
    env.wt(&[
        "handoff",
        LANE,
        "--root-cause",
        "the reply decoder returned nil on an empty body",
        "--owning-layer",
        "internal/decoder",
        "--proof",
        "test -f cmd/missing.go",
    ])
    .ok()
    .stdout_has("root cause: the reply decoder returned nil on an empty body");
    let snap = watch(&env);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("the owning layer `internal/decoder` of A-1 is not changed by the branch");
    snap.assert_unchanged(&env);
    // the right layer, a failing proof
    let snap = watch(&env);
    env.wt(&["merge", LANE, "--owning-layer", "cmd"])
        .code(1)
        .stderr_has("the proof command `test -f cmd/missing.go` failed");
    snap.assert_unchanged(&env);
    // all three (the layer remembered from the last merge)
    env.wt(&["merge", LANE, "--proof", "grep -q lane cmd/a.go"])
        .ok();
    let handoff = std::fs::read_to_string(&wt_files(&env, "handoffs")[0]).unwrap();
    assert!(
        handoff.contains("- root cause: the reply decoder returned nil on an empty body"),
        "{handoff}"
    );
    assert!(handoff.contains("- owning layer: `cmd`"), "{handoff}");
    assert!(
        handoff.contains("- proof command: `grep -q lane cmd/a.go`"),
        "{handoff}"
    );
    assert!(
        handoff.contains("`grep -q lane cmd/a.go` -> exit 0"),
        "{handoff}"
    );
    let t = task(&env, "A-1");
    assert_eq!(t["status"], "done");
    assert_eq!(
        t["root_cause"],
        "the reply decoder returned nil on an empty body"
    );
    assert_eq!(t["owning_layer"], "cmd");
    assert_eq!(t["proof_command"], "grep -q lane cmd/a.go");
    assert!(
        wt_files(&env, "evidence").is_empty(),
        "forgotten after the merge"
    );
}

#[test]
fn a_story_needs_no_defect_evidence() {
    let env = claimed_world("", &queue_a1("    kind: story\n", r#"["true"]"#));
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn a_high_risk_task_needs_a_code_anchor_and_a_runtime_check() {
    use crate::common::queue::Q;
    let env = claimed_world("", &queue_a1("    risk_level: high\n", r#"["true"]"#));
    let snap = Snapshot::take(&env, &[&lane(&env), &env.main]).with_file(&env.main.join(Q));
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("A-1 has risk_level: high")
        .stderr_has("lack a code-anchor command")
        .stderr_has("and a runtime-path command")
        .stderr_has("wt queue set A-1 blocked --by TASK");
    snap.assert_unchanged(&env);
    env.wt(&["merge", LANE, "--dry-run"])
        .code(1)
        .stderr_has("high_risk: ");
    let good = claimed_world(
        "",
        &queue_a1(
            "    risk_level: high\n",
            r#"["grep -q lane cmd/a.go", "test -f cmd/a.go"]"#,
        ),
    );
    good.wt(&["merge", LANE]).ok();
}

#[test]
fn a_high_risk_path_needs_an_implemented_approval_when_reviews_are_on() {
    let config = "[review]\nrequired = true\n[policy]\nhigh_risk = [\"cmd/**\"]\n";
    let env = claimed_world(
        config,
        &queue_a1("", r#"["grep -q lane cmd/a.go", "test -f cmd/a.go"]"#),
    );
    approve_as(&env, "B-ui-1", "design-only").ok();
    let snap = Snapshot::take(&env, &[&lane(&env), &env.main]);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("is high-risk and its approval says design-only");
    snap.assert_unchanged(&env);
    approve_as(&env, "B-ui-1", "implemented").ok();
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn queue_add_refuses_a_prose_check() {
    use crate::common::queue::{qenv, queue_snapshot, QUEUE};
    let env = qenv("", QUEUE);
    let snap = queue_snapshot(&env);
    env.wt(&[
        "queue",
        "add",
        "A-9",
        "--title",
        "Later",
        "--role",
        "A-backend",
        "--check",
        "Make sure it works",
    ])
    .code(1)
    .stderr_has("--check \"Make sure it works\" is prose, not a command")
    .stderr_has("--check \"make test\"");
    snap.assert_identical_after(&env, "queue add");
    env.wt(&[
        "queue",
        "add",
        "A-9",
        "--title",
        "Later",
        "--role",
        "A-backend",
        "--check",
        "true",
    ])
    .ok();
}
