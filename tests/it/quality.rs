//! The playbook's quality rules beside reviews: docs that must move with behaviour
//! (`[[gate]] requires`), defect evidence, high-risk reality checks, commands not prose.

use crate::common::oracle::Snapshot;
use crate::common::world::*;
use crate::common::{Env, DEFAULT_CONFIG};

/// A merge that must be refused: exit 1, the message, and nothing changed anywhere.
#[track_caller]
fn refused(env: &Env, args: &[&str], needle: &str) -> crate::common::Run {
    let snap = Snapshot::take(env, &[&lane(env), &env.main]);
    let r = env.wt(args);
    r.code(1).stderr_has(needle);
    snap.assert_unchanged(env);
    r
}

#[test]
fn a_gate_that_requires_docs_refuses_a_merge_without_them() {
    let config = format!(
        "{DEFAULT_CONFIG}\n[[gate]]\nwhen = [\"internal/**\"]\nrequires = [\"doc/Roadmap.md\"]\n"
    );
    let env = world(&config);
    lane_commit(&env, "internal/x.go", "x\n", "behaviour");
    refused(&env, &["merge", LANE], "requires doc/Roadmap.md to change")
        .stderr_has("update doc/Roadmap.md on this branch");
    refused(
        &env,
        &["merge", LANE, "--dry-run"],
        "requires doc/Roadmap.md",
    )
    .stderr_has("required_docs: ");
    let v = env.wt(&["preflight", LANE, "--json"]).json();
    let docs = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "docs")
        .expect("a docs check");
    assert_eq!(docs["status"], "warn", "{docs}");
    assert!(v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["rule"] == "required_docs"));
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
