//! `wt queue` on a team's own queue, as it is (issue 13): the fields teams keep beyond `wt`'s,
//! legacy history, priorities, archive files, the team's own field names, `queue add`, CRLF and
//! a byte order mark. Real binary, real repositories with a bare origin; every edit and every
//! refusal is checked byte for byte on the queue file.

use crate::common::queue::*;
use crate::common::world::{self, lane_commit, LANE};
use crate::common::{write_file, Env};
use serde_json::Value;

#[track_caller]
fn ready(env: &Env, role: &str) -> Vec<String> {
    let r = env.wt(&["queue", "ready", role, "--json"]);
    r.ok();
    ids(&r.json())
}

/// Ready tasks of A-backend in file order P-1..P-5, urgency the other way round.
const PRIORITIES: &str = r#"version: 1
tasks:
  - id: P-1
    title: No priority (default 1000)
    role: A-backend
    status: todo
    acceptance_checks: ["true"]
  - id: P-2
    title: Priority 50, no sequence
    role: A-backend
    kind: story
    priority: 50
    status: todo
    acceptance_checks: ["true"]
  - id: P-3
    title: Priority 50, sequence 2
    role: A-backend
    priority: 50
    sequence: 2
    status: todo
    acceptance_checks: ["true"]
  - id: P-4
    title: Priority 50, sequence 1
    role: A-backend
    priority: 50
    sequence: 1
    risk_level: high
    status: todo
    acceptance_checks: ["true"]
  - id: P-5
    title: Most urgent
    role: A-backend
    kind: bug
    priority: 3
    status: todo
    acceptance_checks: ["true"]
"#;

#[test]
fn claim_takes_the_lowest_priority_number_wherever_it_sits() {
    let env = qenv("", PRIORITIES);
    assert_eq!(
        ready(&env, "A-backend"),
        ["P-5", "P-4", "P-3", "P-2", "P-1"]
    );
    let r = env.wt(&["queue", "ready", "A-backend"]);
    r.ok().stdout_has("PRIORITY").stdout_has("1000");
    let t = task(&env, "P-5");
    assert_eq!(t["priority"], 3);
    assert_eq!(t["kind"], "bug");
    assert_eq!(task(&env, "P-4")["risk_level"], "high");
    let base = env.rev("master");
    let original = queue_text(&env);
    env.wt(&["queue", "claim", "A-backend", "--owner", "Codex"])
        .ok()
        .stderr_has("P-5 claimed by Codex");
    one_queue_commit(&env, &base, "queue: P-5 in_progress (Codex)");
    let at = task(&env, "P-5")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = original.replacen(
        "    priority: 3\n    status: todo\n    acceptance_checks: [\"true\"]\n",
        &format!("    priority: 3\n    status: in_progress\n    acceptance_checks: [\"true\"]\n    owner: Codex\n    branch: agent/A-backend\n    claimed_at: \"{at}\"\n"),
        1,
    );
    assert_eq!(queue_text(&env), expected);
}

#[test]
fn default_priority_comes_from_lanes_toml() {
    let env = qenv("default_priority = 1", PRIORITIES);
    assert_eq!(
        ready(&env, "A-backend"),
        ["P-1", "P-5", "P-4", "P-3", "P-2"]
    );
}

// ---- a team's real queue ----

const ARCHIVE: &str = "doc/archive/Agent_Work_Queue_2026-03-09.yaml";

/// A queue a team kept by hand before `wt`: extra task and top-level keys, legacy done tasks with
/// `commit:`/`commit_sha:` or nothing, agent-name owners, priorities, a done task of a role
/// since removed, and live tasks that depend on archived ones.
const TEAM: &str = r#"# Agent work queue (source of truth; see the playbook)
version: 1
updated_at: "2026-03-09T10:00:00Z"
maintainers: [Codex, claude]
tasks:
  - id: A-P6-010
    title: Legacy provisioning cleanup
    kind: task
    role: A-backend
    status: done
    owner: Codex
    commit: 3f2a9c1
    acceptance_checks: ["go test ./internal/provision/..."]
  - id: A-P6-011
    title: Legacy quota fix
    kind: bug
    role: A-backend
    status: done
    owner: claude
    commit_sha: 9e8d7c6b5a
  - id: C-OPS-001
    title: Runbook from before the ops role was folded into backend
    role: C-ops
    status: done
    acceptance_checks: ["make runbook-lint"]
  - id: A-P7-001
    title: Harden provisioning retries
    kind: story
    priority: 20
    sequence: 1
    profile: backend-go
    risk_level: high
    role: A-backend
    status: todo
    owner: null
    depends_on: [A-P6-001]
    acceptance_checks: ["true"]
    source_paths: [internal/provision]
    review_domains: [reliability]
    tags: [phase-7, retries]
    notes: "Keep the retry budget configurable."
  - id: A-P7-002
    title: Retry metrics
    kind: task
    priority: 5
    role: A-backend
    status: todo
    depends_on: [A-P6-001, A-P6-010]
    acceptance_checks: ["true"]
  - id: B-UX-001
    title: Retry banner
    kind: story
    role: B-ui
    lane: 2
    status: todo
    depends_on: [A-P7-001]
    acceptance_checks: ["true"]
"#;

/// The archive: finished work moved out, and one old todo that must never be claimed.
const TEAM_ARCHIVE: &str = r#"# Completed-history archive: reference only; never claim work from archive files.
version: 1
archived_at: 2026-03-09
tasks:
  - id: A-P6-001
    title: Provisioning state machine
    kind: epic
    role: A-backend
    status: done
    owner: Codex
    commit: 9b8c7d6
  - id: A-P6-002
    title: Abandoned idea
    role: A-backend
    status: todo
"#;

const TEAM_OPTS: &str = "archive = [\"doc/archive/*.yaml\"]";

/// A world with lanes set up, the team's queue and its archive committed and pushed.
fn team_world() -> Env {
    let env = world::world(&config(TEAM_OPTS));
    write_file(&env.main.join(ARCHIVE), TEAM_ARCHIVE);
    env.git(&["add", "--", ARCHIVE]);
    put_queue(&env, &env.main, TEAM);
    env
}

/// The lines of the last commit's diff of the queue file, `+`/`-` only.
fn changed_lines(env: &Env) -> Vec<String> {
    env.git(&["diff", "-U0", "master^", "master", "--", Q])
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn a_team_queue_validates_with_warnings_only() {
    let env = team_world();
    let before = queue_snapshot(&env);
    let r = env.wt(&["queue", "validate"]);
    r.ok()
        .stdout_has("doc/queue.yaml:6: warning: A-P6-010 is done without merged_commit (its `commit: 3f2a9c1` is kept as it is)")
        .stdout_has("merged_commit = \"commit\"")
        .stdout_has("doc/queue.yaml:14: warning: A-P6-011 has no acceptance checks")
        .stdout_has("doc/queue.yaml:14: warning: A-P6-011 is done without merged_commit (its `commit_sha: 9e8d7c6b5a` is kept as it is)")
        .stdout_has("doc/queue.yaml:21: warning: C-OPS-001 has role C-ops, which lanes.toml does not define")
        .stderr_has("0 error(s), 5 warning(s)");
    env.wt(&["queue", "validate", "--strict"]).code(1);
    let v = env.wt(&["queue", "validate", "--json"]).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 5);
    assert!(v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["severity"] == "warning" && p["line"].is_u64()));
    // Every key the team keeps is shown: in the task, and the top-level ones apart.
    let v = env.wt(&["queue", "show", "--json"]).json();
    assert_eq!(v["top_level"]["updated_at"], "2026-03-09T10:00:00Z");
    assert_eq!(
        v["top_level"]["maintainers"],
        serde_json::json!(["Codex", "claude"])
    );
    let t = task(&env, "A-P7-001");
    assert_eq!(t["profile"], "backend-go");
    assert_eq!(t["tags"], serde_json::json!(["phase-7", "retries"]));
    assert_eq!(t["source_paths"], serde_json::json!(["internal/provision"]));
    assert_eq!(t["priority"], 20);
    assert_eq!(t["sequence"], 1);
    assert_eq!(task(&env, "A-P6-010")["commit"], "3f2a9c1");
    // Archived tasks are shown by id, read-only.
    assert_eq!(task(&env, "A-P6-001")["status"], "done");
    before.assert_identical_after(&env, "validate and show are read-only");
}

#[test]
fn ready_claim_set_add_and_merge_change_exactly_their_bytes() {
    let env = team_world();
    // A-P6-001 is done in the archive: both backend tasks are ready, the more urgent first.
    assert_eq!(ready(&env, "A-backend"), ["A-P7-002", "A-P7-001"]);
    assert_eq!(ready(&env, "B-ui-2"), Vec::<String>::new());

    // claim: three keys added after the task's last line, status changed, nothing else.
    let text = queue_text(&env);
    env.wt(&["queue", "claim", LANE, "--owner", "Codex"])
        .ok()
        .stdout_has("A-P7-002");
    let at = task(&env, "A-P7-002")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();
    let claimed = text.replacen(
        "    priority: 5\n    role: A-backend\n    status: todo\n    depends_on: [A-P6-001, A-P6-010]\n    acceptance_checks: [\"true\"]\n",
        &format!("    priority: 5\n    role: A-backend\n    status: in_progress\n    depends_on: [A-P6-001, A-P6-010]\n    acceptance_checks: [\"true\"]\n    owner: Codex\n    branch: agent/A-backend\n    claimed_at: \"{at}\"\n"),
        1,
    );
    assert_eq!(queue_text(&env), claimed);

    // set blocked --reason: the status and one new key.
    env.wt(&[
        "queue",
        "set",
        "A-P7-001",
        "blocked",
        "--reason",
        "waiting for the API review",
    ])
    .ok();
    let blocked = claimed.replacen(
        "    status: todo\n    owner: null\n    depends_on: [A-P6-001]\n",
        "    status: blocked\n    owner: null\n    depends_on: [A-P6-001]\n",
        1,
    ).replacen(
        "    notes: \"Keep the retry budget configurable.\"\n",
        "    notes: \"Keep the retry budget configurable.\"\n    blocked_reason: waiting for the API review\n",
        1,
    );
    assert_eq!(queue_text(&env), blocked);
    assert_eq!(
        task(&env, "A-P7-001")["blocked_reason"],
        "waiting for the API review"
    );
    env.wt(&["queue", "validate"]).ok();

    // add: one task appended after the last, in the file's style (the last task's keys, flow
    // lists, double-quoted checks), committed and pushed.
    let base = env.rev("master");
    let r = env.wt(&[
        "queue",
        "add",
        "A-P7-003",
        "--title",
        "Retry dashboards",
        "--role",
        "A-backend",
        "--depends-on",
        "A-P7-002",
        "--depends-on",
        "A-P6-001",
        "--check",
        "test -f dash.json",
        "--priority",
        "7",
        "--kind",
        "task",
        "--field",
        "profile=backend-go",
        "--json",
    ]);
    r.ok();
    assert_eq!(r.json()["task"]["id"], "A-P7-003");
    assert_eq!(r.json()["task"]["profile"], "backend-go");
    one_queue_commit(&env, &base, "queue: A-P7-003 added (A-backend)");
    let added = format!(
        "{blocked}  - id: A-P7-003\n    title: Retry dashboards\n    kind: task\n    role: A-backend\n    status: todo\n    depends_on: [A-P7-002, A-P6-001]\n    acceptance_checks: [test -f dash.json]\n    priority: 7\n    profile: backend-go\n"
    );
    assert_eq!(queue_text(&env), added);
    assert_eq!(task(&env, "A-P7-003")["priority"], 7);

    // merge: the claimed task is marked done; only its lines change.
    lane_commit(&env, "cmd/retry.go", "package cmd\n", "retry metrics");
    env.wt(&["merge", LANE])
        .ok()
        .stderr_has("A-P7-002 marked done");
    let tip = env.rev("master^");
    let changed = changed_lines(&env);
    assert_eq!(changed.len(), 4, "{changed:?}");
    assert!(changed.contains(&"-    status: in_progress".to_string()));
    assert!(changed.contains(&"+    status: done".to_string()));
    // why: a commit id that reads as a number in YAML (`1234e567…`) is written quoted.
    assert!(
        changed.contains(&format!("+    merged_commit: {tip}"))
            || changed.contains(&format!("+    merged_commit: \"{tip}\"")),
        "{changed:?}"
    );
    let done = queue_text(&env);
    assert_eq!(
        done.replacen(
            "    status: done\n    depends_on: [A-P6-001, A-P6-010]",
            "    status: in_progress\n    depends_on: [A-P6-001, A-P6-010]",
            1
        )
        .lines()
        .filter(|l| !l.starts_with("    completed_at:") && !l.starts_with("    merged_commit:"))
        .collect::<Vec<_>>(),
        added.lines().collect::<Vec<_>>(),
    );
    env.wt(&["queue", "validate"]).ok();
}

#[test]
fn every_refusal_names_the_fix_and_leaves_the_file_byte_identical() {
    let env = team_world();
    let refused = |args: &[&str], code: i32, needle: &str| {
        let before = queue_snapshot(&env);
        env.wt(args).code(code).stderr_has(needle);
        before.assert_identical_after(&env, &args.join(" "));
    };
    // An archived task is never claimed, nor set.
    refused(
        &[
            "queue", "claim", LANE, "--owner", "Codex", "--task", "A-P6-002",
        ],
        1,
        "A-P6-002 is archived (doc/archive/Agent_Work_Queue_2026-03-09.yaml:12)",
    );
    refused(&["queue", "set", "A-P6-002", "todo"], 1, "is archived");
    // blocked needs --by or --reason.
    refused(
        &["queue", "set", "A-P7-001", "blocked"],
        2,
        "--by ID or --reason TEXT",
    );
    // add: an unknown role, a lane the role does not have, an id in use (live or archived), an
    // unknown dependency, a cycle.
    let add = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = ["queue", "add", "N-1", "--title", "New"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: Vec<String>, code: i32, needle: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, code, needle);
    };
    run(
        add(&["--role", "Z-nope"]),
        2,
        "role Z-nope is not defined in lanes.toml",
    );
    run(
        add(&["--role", "A-backend", "--lane", "2"]),
        2,
        "A-backend has one lane (V1)",
    );
    run(
        add(&["--role", "B-ui", "--lane", "3"]),
        2,
        "B-ui has lanes 1 to 2, not 3",
    );
    run(
        vec![
            "queue".into(),
            "add".into(),
            "A-P7-001".into(),
            "--title".into(),
            "t".into(),
            "--role".into(),
            "A-backend".into(),
        ],
        1,
        "task A-P7-001 already exists (line 26)",
    );
    run(
        vec![
            "queue".into(),
            "add".into(),
            "A-P6-001".into(),
            "--title".into(),
            "t".into(),
            "--role".into(),
            "A-backend".into(),
        ],
        1,
        "already used by an archived task",
    );
    run(
        add(&["--role", "A-backend", "--depends-on", "NOPE-9"]),
        2,
        "unknown task NOPE-9",
    );
    run(
        add(&["--role", "A-backend", "--field", "dependson=A-P7-001"]),
        2,
        "near miss of `depends_on`",
    );
    // A live task that waits on a task not yet written: adding it with the reverse dependency
    // would close a cycle.
    let text =
        queue_text(&env).replacen("depends_on: [A-P7-001]", "depends_on: [A-P7-001, N-1]", 1);
    write_file(&env.main.join(Q), &text);
    commit_queue(&env, &env.main, "B-UX-001 waits on N-1 too");
    run(
        add(&["--role", "A-backend", "--depends-on", "B-UX-001"]),
        1,
        "adding N-1 would make a dependency cycle: N-1 -> B-UX-001 -> N-1",
    );

    // A near miss in the file refuses every command (exit 2, with the line) but validate,
    // which lists it (exit 1).
    let typo = queue_text(&env).replacen(
        "    depends_on: [A-P6-001]\n",
        "    dependson: [A-P6-001]\n",
        1,
    );
    write_file(&env.main.join(Q), &typo);
    commit_queue(&env, &env.main, "typo");
    refused(
        &["queue", "ready", LANE],
        2,
        "doc/queue.yaml:36:5: unknown field `dependson`, a near miss of `depends_on`",
    );
    refused(
        &["queue", "claim", LANE, "--owner", "Codex"],
        2,
        "did you mean `depends_on`?",
    );
    let before = queue_snapshot(&env);
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("doc/queue.yaml:36: unknown field `dependson`");
    before.assert_identical_after(&env, "validate");

    // An id both live and archived: commands refuse, validate lists it.
    let dup = TEAM.replacen("  - id: A-P7-002\n", "  - id: A-P6-002\n", 1);
    write_file(&env.main.join(Q), &dup);
    commit_queue(&env, &env.main, "dup with the archive");
    refused(
        &["queue", "ready", LANE],
        2,
        "task id A-P6-002 is also in the archive",
    );
    let before = queue_snapshot(&env);
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("doc/queue.yaml:42: task id A-P6-002 is also in the archive (doc/archive/Agent_Work_Queue_2026-03-09.yaml:12)");
    before.assert_identical_after(&env, "validate");
}

#[test]
fn six_problems_are_listed_in_one_validate_run() {
    let text = r#"version: 1
tasks:
  - id: A-1
    title: near miss
    role: A-backend
    status: todo
    dependsOn: [A-2]
    acceptance_checks: ["true"]
  - id: A-2
    title: bad status
    role: A-backend
    status: doing
    acceptance_checks: ["true"]
  - id: A-2
    title: duplicate id
    role: A-backend
    status: todo
    acceptance_checks: ["true"]
  - id: A-3
    title: unknown dependency
    role: A-backend
    status: todo
    depends_on: [NOPE-1]
    acceptance_checks: ["true"]
  - id: X-1
    title: unknown role
    role: X-ray
    status: todo
    acceptance_checks: ["true"]
  - id: B-1
    title: a lane B-ui does not have
    role: B-ui
    lane: 3
    status: todo
    acceptance_checks: ["true"]
  - id: C-1
    title: cycle one
    role: A-backend
    status: todo
    depends_on: [C-2]
    acceptance_checks: ["true"]
  - id: C-2
    title: cycle two
    role: A-backend
    status: todo
    depends_on: [C-1]
    acceptance_checks: ["true"]
"#;
    let env = qenv("", text);
    let before = queue_snapshot(&env);
    let r = env.wt(&["queue", "validate"]);
    r.code(1)
        .stdout_has("doc/queue.yaml:7: unknown field `dependsOn`, a near miss of `depends_on`")
        .stdout_has("doc/queue.yaml:12: unknown status `doing`")
        .stdout_has("doc/queue.yaml:14: duplicate task id A-2 (first on line 9)")
        .stdout_has("doc/queue.yaml:19: A-3 depends on unknown task NOPE-1")
        .stdout_has("doc/queue.yaml:25: X-1 has role X-ray, which lanes.toml does not define")
        .stdout_has("doc/queue.yaml:30: B-1 is pinned to lane 3 of B-ui, which has lanes 1 to 2")
        .stdout_has("doc/queue.yaml:36: dependency cycle: C-1 -> C-2 -> C-1")
        .stderr_has("7 error(s), 0 warning(s)");
    let v = env.wt(&["queue", "validate", "--json"]).json();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "near_miss_key",
            "bad_status",
            "duplicate_id",
            "unknown_dependency",
            "unknown_role",
            "unknown_lane",
            "dependency_cycle"
        ]
    );
    assert!(v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["severity"] == "error"));
    before.assert_identical_after(&env, "validate");
    // `ready B-ui-1` does not list a task pinned to a lane B-ui does not have.
    env.wt(&["queue", "ready", "B-ui-1"]).code(2);
}

#[test]
fn the_teams_field_names_are_read_and_written() {
    let opts = "[queue.field_names]\ndepends_on = \"dependencies\"\nmerged_commit = \"commit\"\nblocked_by = \"blocked_on\"";
    let text = r#"version: 1
tasks:
  - id: A-0
    title: done before
    role: A-backend
    status: done
    commit: "{BASE}"
    acceptance_checks: ["true"]
  - id: A-1
    title: waits on A-0
    role: A-backend
    status: todo
    dependencies: [A-0]
    acceptance_checks: ["true"]
  - id: A-2
    title: waits on A-1
    role: A-backend
    status: todo
    dependencies: [A-1]
    acceptance_checks: ["true"]
"#;
    let env = world::world(&config(opts));
    put_queue(&env, &env.main, text);
    env.wt(&["queue", "validate"])
        .ok()
        .stderr_has("no problems");
    assert_eq!(ready(&env, "A-backend"), ["A-1"]);
    assert_eq!(task(&env, "A-1")["depends_on"], serde_json::json!(["A-0"]));
    // Edits write the team's names.
    let original = queue_text(&env);
    env.wt(&["queue", "set", "A-2", "blocked", "--by", "A-1"])
        .ok();
    assert_eq!(
        queue_text(&env),
        original.replacen(
            "    status: todo\n    dependencies: [A-1]\n    acceptance_checks: [\"true\"]\n",
            "    status: blocked\n    dependencies: [A-1]\n    acceptance_checks: [\"true\"]\n    blocked_on: A-1\n",
            1
        )
    );
    env.wt(&["queue", "claim", LANE, "--owner", "claude"])
        .ok()
        .stdout_has("A-1");
    lane_commit(&env, "cmd/a.go", "package a\n", "work");
    env.wt(&["merge", LANE]).ok();
    let tip = env.rev("master^");
    let changed = changed_lines(&env);
    assert!(
        changed.contains(&format!("+    commit: {tip}"))
            || changed.contains(&format!("+    commit: \"{tip}\"")),
        "{changed:?}"
    );
    env.wt(&["queue", "validate"])
        .ok()
        .stderr_has("no problems");
    // wt's own name is a near miss in such a file.
    let plain = queue_text(&env).replacen("dependencies: [A-1]", "depends_on: [A-1]", 1);
    write_file(&env.main.join(Q), &plain);
    commit_queue(&env, &env.main, "wt's name");
    env.wt(&["queue", "show"])
        .code(2)
        .stderr_has("`depends_on` is read from `dependencies` in this queue");
    // A bad mapping is a config error with its line.
    let env2 = Env::with_config(&config("[queue.field_names]\ndependson = \"deps\""));
    env2.wt(&["queue", "show"])
        .code(2)
        .stderr_has("`dependson` is not a task field (did you mean `depends_on`?)");
}

#[test]
fn crlf_and_a_byte_order_mark_are_kept_and_a_tab_is_named_on_its_line() {
    let lf = QUEUE.replace("{BASE}", "0000000");
    let text = format!("\u{FEFF}{}", lf.replace('\n', "\r\n"));
    let env = qenv("", &text.replace("0000000", "{BASE}"));
    let original = queue_text(&env);
    assert!(original.starts_with('\u{FEFF}') && original.contains("\r\n"));
    env.wt(&["queue", "claim", "A-backend", "--owner", "Codex"])
        .ok();
    let after = queue_text(&env);
    assert!(after.starts_with('\u{FEFF}'), "BOM kept");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "CRLF kept: {after:?}"
    );
    env.wt(&[
        "queue",
        "add",
        "A-9",
        "--title",
        "CRLF too",
        "--role",
        "A-backend",
        "--check",
        "true",
    ])
    .ok();
    let added = queue_text(&env);
    assert!(added.starts_with('\u{FEFF}'));
    assert!(added.ends_with("  - id: A-9\r\n    title: CRLF too\r\n    role: A-backend\r\n    status: todo\r\n    acceptance_checks: [\"true\"]\r\n"), "{added:?}");
    assert_eq!(added.matches('\n').count(), added.matches("\r\n").count());
    env.wt(&["queue", "validate"]).ok();
    // A tab in the indentation: every command names its own line (not the one above).
    let tabbed = added.replacen("    title: CRLF too", "\ttitle: CRLF too", 1);
    write_file(&env.main.join(Q), &tabbed);
    commit_queue(&env, &env.main, "tab");
    let line = tabbed.lines().position(|l| l.starts_with('\t')).unwrap() + 1;
    for args in [&["queue", "validate"][..], &["queue", "show"]] {
        let before = queue_snapshot(&env);
        env.wt(args).code(2).stderr_has(&format!(
            "doc/queue.yaml:{line}:1: a tab in the indentation"
        ));
        before.assert_identical_after(&env, "tab");
    }
}

#[test]
fn add_to_an_empty_queue_and_in_block_list_style() {
    let env = qenv("", "version: 1\ntasks: []\n");
    env.wt(&[
        "queue",
        "add",
        "A-1",
        "--title",
        "First",
        "--role",
        "A-backend",
        "--check",
        "test -f go.mod",
    ])
    .ok();
    assert_eq!(
        queue_text(&env),
        "version: 1\ntasks:\n  - id: A-1\n    title: First\n    role: A-backend\n    status: todo\n    acceptance_checks: [test -f go.mod]\n"
    );
    let block = "version: 1\ntasks:\n- id: A-1\n  title: 'Quoted'\n  role: A-backend\n  status: todo\n  depends_on:\n  - A-0\n  acceptance_checks:\n  - make test\n\n- id: A-0\n  title: 'Zero'\n  role: A-backend\n  status: done\n  merged_commit: null\n  acceptance_checks:\n  - make test\n";
    let env = qenv("", block);
    env.wt(&[
        "queue",
        "add",
        "A-2",
        "--title",
        "Second",
        "--role",
        "A-backend",
        "--depends-on",
        "A-1",
        "--check",
        "test -f a",
        "--check",
        "test -f b",
    ])
    .ok();
    let v: Value = env.wt(&["queue", "show", "A-2", "--json"]).json();
    assert_eq!(
        v["tasks"][0]["acceptance_checks"],
        serde_json::json!(["test -f a", "test -f b"])
    );
    assert_eq!(
        queue_text(&env),
        format!("{block}\n- id: A-2\n  title: 'Second'\n  role: A-backend\n  status: todo\n  merged_commit: null\n  acceptance_checks:\n  - test -f a\n  - test -f b\n  depends_on:\n  - A-1\n")
    );
}

#[test]
fn a_task_pinned_to_a_lane_its_role_lacks_is_named_and_never_offered() {
    let text = r#"version: 1
tasks:
  - id: B-1
    title: lane three of two
    role: B-ui
    lane: 3
    status: todo
    acceptance_checks: ["true"]
  - id: B-2
    title: any lane
    role: B-ui
    status: todo
    acceptance_checks: ["true"]
  - id: A-1
    title: lane two of a V1 role
    role: A-backend
    lane: 2
    status: todo
    acceptance_checks: ["true"]
"#;
    let env = qenv("", text);
    assert_eq!(ready(&env, "B-ui"), ["B-2"]);
    assert_eq!(ready(&env, "B-ui-1"), ["B-2"]);
    assert_eq!(ready(&env, "A-backend"), Vec::<String>::new());
    let before = queue_snapshot(&env);
    env.wt(&["queue", "validate"])
        .code(1)
        .stdout_has("doc/queue.yaml:3: B-1 is pinned to lane 3 of B-ui, which has lanes 1 to 2")
        .stdout_has(
            "doc/queue.yaml:14: A-1 is pinned to lane 2, but A-backend is a V1 role with one lane",
        );
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "x", "--task", "B-1"])
        .code(1)
        .stderr_has("B-1 is pinned to lane 3");
    before.assert_identical_after(&env, "nothing claimed");
}
