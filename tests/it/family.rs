//! V2 parent and child tasks: children merge in `merge_order` (an out-of-order merge is refused
//! and changes nothing), a parent merges after its children, `validate` reports the family
//! fields' problems, and `ready` lists children in `merge_order`.

use crate::common::oracle::Snapshot;
use crate::common::queue::{ids, lanes_with_work, qenv, task_status as status, CHILDREN_OF_P, Q};
use crate::common::Env;

/// P (A-backend); its children are `CHILDREN_OF_P`.
const PARENT: &str = r#"version: 1
tasks:
  - id: P
    title: Parent
    role: A-backend
    status: in_progress
    owner: a
    branch: agent/A-backend
    acceptance_checks: ["true"]
"#;

fn world() -> Env {
    let env = qenv("", &format!("{PARENT}{CHILDREN_OF_P}"));
    lanes_with_work(
        &env,
        &[
            ("A-backend", "cmd/p.go", "A-backend work"),
            ("B-ui-1", "web/s1.js", "B-ui-1 work"),
            ("B-ui-2", "web/s2.js", "B-ui-2 work"),
        ],
    );
    env
}

#[test]
fn children_merge_in_merge_order_and_the_parent_last() {
    let env = world();
    let lanes = [
        env.lane("A-backend"),
        env.lane("B-ui-1"),
        env.lane("B-ui-2"),
    ];
    let paths: Vec<&std::path::Path> = std::iter::once(env.main.as_path())
        .chain(lanes.iter().map(|p| p.as_path()))
        .collect();
    let before = Snapshot::take(&env, &paths).with_file(&env.main.join(Q));
    env.wt(&["merge", "B-ui-2"])
        .code(1)
        .stderr_has("S-2 merges after its sibling S-1 (merge_order 1, in_progress)");
    env.wt(&["merge", "A-backend"])
        .code(1)
        .stderr_has("P is a parent whose children are not all done");
    before.assert_identical_after(&env, "out-of-order merges");

    let next = env.wt(&["next", "B-ui-2", "--json"]);
    next.ok();
    assert_eq!(next.json()[0]["action"], "check");

    env.wt(&["merge", "B-ui-1"]).ok();
    assert_eq!(status(&env, "S-1"), "done");
    env.wt(&["merge", "A-backend", "B-ui-2"])
        .ok()
        .stderr_has("merge order: B-ui-2, A-backend");
    assert_eq!(status(&env, "S-2"), "done");
    assert_eq!(status(&env, "P"), "done");
}

#[test]
fn validate_and_ready_know_the_family_fields() {
    let queue = r#"version: 1
tasks:
  - id: A
    title: a
    role: A-backend
    status: todo
    parent_id: B
    acceptance_checks: ["true"]
  - id: B
    title: b
    role: A-backend
    status: todo
    parent_id: A
    acceptance_checks: ["true"]
  - id: C
    title: c
    role: A-backend
    status: todo
    parent_id: NOPE
    acceptance_checks: ["true"]
  - id: P
    title: p
    role: B-ui
    status: todo
    acceptance_checks: ["true"]
  - id: S-3
    title: s3
    role: B-ui
    parent_id: P
    merge_order: 3
    status: todo
    acceptance_checks: ["true"]
  - id: S-2
    title: s2
    role: B-ui
    parent_id: P
    merge_order: 2
    status: todo
    acceptance_checks: ["true"]
  - id: S-1
    title: s1
    role: B-ui
    parent_id: P
    merge_order: 1
    status: todo
    acceptance_checks: ["true"]
"#;
    let env = qenv("", queue);
    let r = env.wt(&["queue", "ready", "B-ui-1", "--json"]);
    r.ok();
    assert_eq!(ids(&r.json()), ["P", "S-1", "S-2", "S-3"]);
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("parent cycle: A -> B -> A")
        .stdout_has("C has parent_id NOPE, which is not in the queue");
    let dup = queue.replace("merge_order: 3", "merge_order: 2");
    let env = qenv("", &dup);
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("children of P share merge_order 2: S-3, S-2");
}
