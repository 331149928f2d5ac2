//! `wt queue`: ready, claim, set, show and validate against real repositories. Every test checks
//! the queue file's bytes and the refs (local and remote), not only exit codes: a refusal leaves
//! both exactly as they were, a change is one commit on base, pushed.

use crate::common::queue::*;
use crate::common::{write_file, Env, Run};
use serde_json::Value;
use std::fs;

#[track_caller]
fn ready(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["queue", "ready", "--json"];
    all.extend_from_slice(args);
    let r = env.wt(&all);
    r.ok();
    ids(&r.json())
}

// ---- happy paths ----

#[test]
fn ready_gates_on_dependencies_role_and_lane() {
    let env = qenv("", QUEUE);
    let before = queue_snapshot(&env);
    assert_eq!(ready(&env, &["A-backend"]), ["A-1"], "A-2 waits on A-1");
    assert_eq!(ready(&env, &["B-ui-1"]), ["B-2", "B-3"], "B-1 is lane 2's");
    assert_eq!(ready(&env, &["B-ui-2"]), ["B-1", "B-2", "B-3"]);
    assert_eq!(ready(&env, &["B-ui:2"]), ["B-1", "B-2", "B-3"]);
    assert_eq!(ready(&env, &["ROLE=B-ui", "LANE=1"]), ["B-2", "B-3"]);
    assert_eq!(ready(&env, &["ROLE=B-ui", "LANE=2"]), ["B-1", "B-2", "B-3"]);
    assert_eq!(
        ready(&env, &["B-ui"]),
        ["B-1", "B-2", "B-3"],
        "a V2 role alone means any of its lanes"
    );
    // The human table names the lane a task is pinned to.
    let r = env.wt(&["queue", "ready", "B-ui-2"]);
    r.ok().stdout_has("B-ui:2").stdout_has("Lane two only");
    env.wt(&["queue", "ready", "Z-nope"]).code(2);
    before.assert_identical_after(&env, "ready is read-only");
    // A-1 done (by hand) makes A-2 ready.
    let text = queue_text(&env).replacen(
        "status: todo\n    depends_on: [A-0]",
        "status: done\n    depends_on: [A-0]",
        1,
    );
    write_file(&env.main.join(Q), &text);
    assert_eq!(ready(&env, &["A-backend"]), ["A-2"]);
}

#[test]
fn claim_next_is_one_pushed_commit_touching_only_that_task() {
    let env = qenv("", QUEUE);
    let base = env.rev("master");
    let original = queue_text(&env);
    let r = env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"]);
    r.ok()
        .stderr_has("A-1 claimed by agent-a in lane A-backend")
        .stdout_has("A-1");
    one_queue_commit(&env, &base, "queue: A-1 in_progress (agent-a)");
    let t = task(&env, "A-1");
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["owner"], "agent-a");
    assert_eq!(t["branch"], "agent/A-backend");
    let at = t["claimed_at"].as_str().unwrap().to_string();
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "RFC 3339 UTC: {at}"
    );
    let expected = original.replacen(
        "    status: todo\n    depends_on: [A-0]\n    acceptance_checks: [\"true\"]\n",
        &format!(
            "    status: in_progress\n    depends_on: [A-0]\n    acceptance_checks: [\"true\"]\n    owner: agent-a\n    branch: agent/A-backend\n    claimed_at: \"{at}\"\n"
        ),
        1,
    );
    assert_eq!(queue_text(&env), expected);
    // The remote's file is the same bytes.
    assert_eq!(
        env.git_at(&env.origin, &["show", &format!("master:{Q}")]) + "\n",
        expected
    );
}

#[test]
fn claim_a_named_task_with_flags_or_make_words() {
    let env = qenv("", QUEUE);
    let base = env.rev("master");
    let r = env.wt(&[
        "queue",
        "claim",
        "ROLE=B-ui",
        "LANE=2",
        "OWNER=agent-b",
        "TASK=B-3",
        "--json",
    ]);
    r.ok();
    let v = r.json();
    let head = one_queue_commit(&env, &base, "queue: B-3 in_progress (agent-b)");
    assert_eq!(v["changed"], true);
    assert_eq!(v["commit"], head.as_str());
    assert_eq!(v["task"]["id"], "B-3");
    assert_eq!(v["task"]["status"], "in_progress");
    assert_eq!(v["task"]["branch"], "agent/B-ui-2");
    for f in FIELDS {
        assert!(v["task"].get(f).is_some(), "claim --json lacks {f}: {v}");
    }
    assert_eq!(
        v["task"],
        task(&env, "B-3"),
        "--json shows the task as the file now has it"
    );
    // --task, and the lane as `B-ui:1`.
    env.wt(&[
        "queue", "claim", "B-ui:1", "--owner", "agent-c", "--task", "B-2",
    ])
    .ok();
    one_queue_commit(&env, &head, "queue: B-2 in_progress (agent-c)");
    let t = task(&env, "B-2");
    assert_eq!(
        (t["owner"].as_str(), t["branch"].as_str()),
        (Some("agent-c"), Some("agent/B-ui-1"))
    );
    // BRANCH= must name the lane's own branch.
    let before = queue_snapshot(&env);
    env.wt(&[
        "queue",
        "claim",
        "A-backend",
        "OWNER=x",
        "BRANCH=agent/B-ui-1",
    ])
    .code(2)
    .stderr_has("is not the branch of lane A-backend");
    env.wt(&["queue", "claim", "A-backend"])
        .code(2)
        .stderr_has("--owner");
    before.assert_identical_after(&env, "bad claim words");
}

#[test]
fn set_changes_status_with_flags_and_make_words() {
    let env = qenv("", QUEUE);
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    let claimed = queue_text(&env);
    let at = task(&env, "A-1")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();

    let base = env.rev("master");
    env.wt(&["queue", "set", "A-1", "blocked", "--by", "B-1"])
        .ok()
        .stderr_has("A-1 is now blocked");
    let head = one_queue_commit(&env, &base, "queue: A-1 blocked (agent-a)");
    let blocked = claimed.replacen(
        "    status: in_progress\n    depends_on: [A-0]",
        "    status: blocked\n    depends_on: [A-0]",
        1,
    );
    let blocked = blocked.replacen(
        &format!("    claimed_at: \"{at}\"\n"),
        &format!("    claimed_at: \"{at}\"\n    blocked_by: B-1\n"),
        1,
    );
    assert_eq!(queue_text(&env), blocked);

    env.wt(&[
        "queue",
        "set",
        "TASK_ID=A-1",
        "STATUS=in_progress",
        "OWNER=agent-z",
    ])
    .ok();
    let head2 = one_queue_commit(&env, &head, "queue: A-1 in_progress (agent-z)");
    let t = task(&env, "A-1");
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["owner"], "agent-z");
    assert_eq!(t["blocked_by"], Value::Null);
    assert_eq!(t["branch"], "agent/A-backend", "resumed in its lane");

    let r = env.wt(&["queue", "set", "A-1", "STATUS=todo", "--json"]);
    r.ok();
    let v = r.json();
    assert_eq!(v["changed"], true);
    assert_eq!(v["task"]["status"], "todo");
    one_queue_commit(&env, &head2, "queue: A-1 todo (agent-z)");
    let t = task(&env, "A-1");
    for f in ["owner", "branch", "claimed_at", "blocked_by"] {
        assert_eq!(t[f], Value::Null, "{f} released: {t}");
    }

    // Setting what is already so changes nothing and commits nothing.
    let before = queue_snapshot(&env);
    env.wt(&["queue", "set", "A-1", "todo"])
        .ok()
        .stderr_has("nothing to change");
    before.assert_identical_after(&env, "a no-op set");
}

#[test]
fn show_and_validate_print_every_field() {
    let env = qenv("", QUEUE);
    let before = queue_snapshot(&env);
    let r = env.wt(&["queue", "show", "--json"]);
    r.ok();
    let v = r.json();
    assert_eq!(ids(&v), ["A-0", "A-1", "A-2", "B-1", "B-2", "B-3"]);
    let b1 = &v["tasks"][3];
    assert_eq!(b1["lane"], 2);
    assert_eq!(b1["depends_on"], serde_json::json!([]));
    assert_eq!(b1["acceptance_checks"], serde_json::json!(["true"]));
    assert_eq!(v["tasks"][1]["depends_on"], serde_json::json!(["A-0"]));
    // Field order as documented (serde_json's map here sorts keys, so read the raw text).
    let first = &r.stdout[..r.stdout.find('}').unwrap()];
    let at: Vec<usize> = FIELDS
        .iter()
        .map(|f| first.find(&format!("\"{f}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "field order: {first}");
    let t = task(&env, "A-0");
    assert_eq!(
        t["merged_commit"],
        env.git(&["rev-list", "--max-parents=0", "HEAD"])
    );
    env.wt(&["queue", "show"])
        .ok()
        .stdout_has("ID")
        .stdout_has("First backend slice")
        .stdout_has("A-0");
    env.wt(&["queue", "show", "NOPE-1"])
        .code(2)
        .stderr_has("no task NOPE-1");
    env.wt(&["queue", "validate"])
        .ok()
        .stderr_has("6 tasks, no problems");
    let r = env.wt(&["queue", "validate", "--json"]);
    r.ok();
    let v = r.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    before.assert_identical_after(&env, "show and validate are read-only");
}

#[test]
fn commit_false_only_edits_the_file() {
    let env = qenv("commit = false", QUEUE);
    let (refs, remote) = (env.refs(), env.remote_refs());
    let r = env.wt(&[
        "queue",
        "claim",
        "A-backend",
        "--owner",
        "agent-a",
        "--json",
    ]);
    r.ok();
    assert_eq!(r.json()["commit"], Value::Null);
    assert_eq!(task(&env, "A-1")["status"], "in_progress");
    assert_eq!((env.refs(), env.remote_refs()), (refs, remote));
    assert_eq!(env.git(&["status", "--porcelain"]), format!(" M {Q}"));
    // Further changes work on the modified file: no clean-file requirement without commits.
    env.wt(&["queue", "set", "A-1", "todo"]).ok();
    assert_eq!(task(&env, "A-1")["status"], "todo");
}

#[test]
fn push_false_commits_without_pushing() {
    let env = qenv("push = false", QUEUE);
    let base = env.rev("master");
    let remote = env.remote_refs();
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    assert_eq!(env.remote_refs(), remote, "nothing pushed");
    assert_eq!(env.rev("master^"), base);
    assert_eq!(
        env.git(&["log", "-1", "--format=%s"]),
        "queue: A-1 in_progress (agent-a)"
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    // A second change stacks on the first (local base ahead of origin is fine without pushing).
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "agent-b"])
        .ok();
    assert_eq!(env.rev("master~2"), base);
    assert_eq!(env.remote_refs(), remote);
}

// ---- refusals ----

/// Run `args`, expect `code` and `needle` on stderr, and nothing changed.
#[track_caller]
fn refused(env: &Env, args: &[&str], code: i32, needle: &str) {
    let _run = refused_run(env, args, code, needle);
}

/// As `refused`, returning the run for more assertions.
#[track_caller]
fn refused_run(env: &Env, args: &[&str], code: i32, needle: &str) -> Run {
    let before = queue_snapshot(env);
    let r = env.wt(args);
    r.code(code).stderr_has(needle);
    before.assert_identical_after(env, &args.join(" "));
    r
}

#[test]
fn every_refusal_changes_nothing() {
    let env = qenv("", QUEUE);
    let claim = |lane: &'static str, task: &'static str| -> Vec<&'static str> {
        vec!["queue", "claim", lane, "--owner", "agent-x", "--task", task]
    };
    // Unmet dependencies are named with their status.
    let r = refused_run(
        &env,
        &claim("A-backend", "A-2"),
        1,
        "A-2 has unmet dependencies",
    );
    r.stderr_has("A-1 is todo");
    // Another role's task, another lane's task.
    refused(&env, &claim("A-backend", "B-2"), 1, "belongs to role B-ui");
    refused(&env, &claim("B-ui-1", "B-1"), 1, "B-1 is pinned to lane 2");
    // A done task.
    refused(&env, &claim("A-backend", "A-0"), 1, "A-0 is done");
    // Unknown task: bad usage.
    refused(&env, &claim("A-backend", "NOPE-1"), 2, "no task \"NOPE-1\"");
    refused(&env, &["queue", "set", "NOPE-1", "todo"], 2, "NOPE-1");
    // `done` belongs to wt merge.
    refused(
        &env,
        &["queue", "set", "A-1", "done"],
        1,
        "`done` is set by `wt merge`",
    );
    refused(
        &env,
        &["queue", "set", "A-1", "wontfix"],
        2,
        "unknown status `wontfix`",
    );
    // `blocked` needs --by (a usage error), naming an existing task other than itself.
    refused(&env, &["queue", "set", "A-1", "blocked"], 2, "pass --by ID");
    refused(
        &env,
        &["queue", "set", "A-1", "blocked", "--by", "A-1"],
        2,
        "cannot block itself",
    );
    refused(
        &env,
        &["queue", "set", "A-1", "blocked", "--by", "NOPE-2"],
        2,
        "NOPE-2",
    );
    // in_progress by hand needs a lane's claim first.
    refused(
        &env,
        &["queue", "set", "A-1", "in_progress", "--owner", "o"],
        1,
        "claimed from a lane",
    );
    refused(
        &env,
        &["queue", "set", "A-1"],
        2,
        "give a task id and a status",
    );

    // A second in_progress in one lane; claiming an in_progress task.
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    env.wt(&[
        "queue", "claim", "B-ui-2", "--owner", "agent-b", "--task", "B-2",
    ])
    .ok();
    refused(
        &env,
        &["queue", "claim", "A-backend", "--owner", "agent-x"],
        1,
        "lane agent/A-backend already has A-1 in_progress (owner agent-a)",
    );
    refused(
        &env,
        &claim("B-ui-1", "B-2"),
        1,
        "B-2 is in_progress (owner agent-b), not todo",
    );
    refused(
        &env,
        &claim("B-ui-2", "B-3"),
        1,
        "already has B-2 in_progress",
    );
    // A merged task is not reopened.
    refused(
        &env,
        &["queue", "set", "A-0", "todo"],
        1,
        "a merged task is not reopened",
    );
    // No ready task at all.
    env.wt(&["queue", "set", "B-2", "todo"]).ok();
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "b1"]).ok();
    env.wt(&["queue", "claim", "B-ui-2", "--owner", "b2"]).ok();
    env.wt(&["queue", "set", "B-1", "blocked", "--by", "A-1"])
        .ok();
    env.wt(&["queue", "claim", "B-ui-2", "--owner", "b2"])
        .ok()
        .stdout_has("B-3");
    env.wt(&["queue", "set", "B-3", "blocked", "--by", "A-1"])
        .ok();
    refused(
        &env,
        &["queue", "claim", "B-ui-2", "--owner", "b2"],
        1,
        "no ready task for B-ui lane 2",
    );
}

#[test]
fn no_queue_configured_is_a_usage_error() {
    let env = Env::new();
    env.wt(&["queue", "show"])
        .code(2)
        .stderr_has("no queue configured");
    let env = Env::with_config(&config(""));
    env.wt(&["queue", "show"])
        .code(2)
        .stderr_has("cannot read the queue file doc/queue.yaml");
}

// ---- byte-exact edits ----

/// A queue as people write it: comments everywhere, three quoting styles, flow and block lists,
/// a block scalar, blank lines, a task whose `id` is not its first key, and no final newline.
const HANDWRITTEN: &str = r#"# Work queue: edited by people and by wt.
version: 1   # schema version

tasks:
  # --- backend ---
  - id: A-0
    title: 'Done already'
    role: A-backend
    status: done
    acceptance_checks: ["true"]
    merged_commit: "{BASE}"

  - id: A-1            # the one to claim
    title: "Harden \"retries\""
    role: 'A-backend'
    status: 'todo'     # todo | in_progress | blocked | done
    owner: null
    branch: ~
    depends_on: [A-0]  # gate
    acceptance_checks:
      - go test ./...
      - "make lint"    # keep
    claimed_at:
    blocked_by: null   # nothing yet

  # trailing comment of A-1
  - title: plain title, with a comma
    status: "todo"
    role: A-backend
    id: A-2
    owner: 'someone'
    depends_on:
      - A-1
    acceptance_checks: ['true']
    notes: |
      multi
      line

  - id: B-1
    title: last, no final newline
    role: B-ui
    status: todo
    acceptance_checks: [x]"#;

fn byte_exact(eol: &str) {
    let env = Env::with_config(&config(""));
    let handwritten = HANDWRITTEN.replace('\n', eol);
    put_queue(&env, &env.main, &handwritten);
    let original = queue_text(&env);
    assert!(original.contains("\r\n") == (eol == "\r\n"));

    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    let at = task(&env, "A-1")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();
    let want = original
        .replacen(
            "    status: 'todo'     # todo",
            "    status: 'in_progress'     # todo",
            1,
        )
        .replacen("    owner: null", "    owner: agent-a", 1)
        .replacen("    branch: ~", "    branch: agent/A-backend", 1)
        .replacen(
            &format!("    claimed_at:{eol}"),
            &format!("    claimed_at: \"{at}\"{eol}"),
            1,
        );
    assert_eq!(queue_text(&env), want);

    env.wt(&["queue", "claim", "B-ui-1", "--owner", "agent-b"])
        .ok();
    let at = task(&env, "B-1")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();
    let want = want
        .replacen(
            &format!("    status: todo{eol}    acceptance_checks: [x]"),
            &format!(
                "    status: in_progress{eol}    acceptance_checks: [x]{eol}    owner: agent-b{eol}    branch: agent/B-ui-1{eol}    claimed_at: \"{at}\""
            ),
            1,
        );
    assert_eq!(
        queue_text(&env),
        want,
        "keys added after the last one, no final newline"
    );
    env.wt(&["queue", "validate"]).ok();
}

#[test]
fn claims_edit_only_the_claimed_fields_lf() {
    byte_exact("\n");
}

#[test]
fn claims_edit_only_the_claimed_fields_crlf() {
    byte_exact("\r\n");
}

// ---- broken files ----

/// Commit `bytes` as the queue (so the main checkout is clean) and check that every queue
/// command refuses it with exit 2 and `where_` (e.g. `doc/queue.yaml:3:7:`) in the message,
/// changing nothing.
#[track_caller]
fn refuses_file(env: &Env, bytes: &[u8], where_: &str, needle: &str) {
    refuses_file_as(env, bytes, where_, needle, true);
}

/// As `refuses_file` for a problem that leaves the YAML's structure whole: `validate` lists it
/// with its line among the others and exits 1.
#[track_caller]
fn listed_in_file(env: &Env, bytes: &[u8], where_: &str, needle: &str) {
    refuses_file_as(env, bytes, where_, needle, false);
}

#[track_caller]
fn refuses_file_as(env: &Env, bytes: &[u8], where_: &str, needle: &str, structural: bool) {
    fs::create_dir_all(env.main.join(Q).parent().unwrap()).unwrap();
    fs::write(env.main.join(Q), bytes).unwrap();
    commit_queue(env, &env.main, "broken queue");
    let before = queue_snapshot(env);
    for args in [
        &["queue", "show"][..],
        &["queue", "validate"],
        &["queue", "ready", "A-backend"],
        &["queue", "claim", "A-backend", "--owner", "agent-a"],
        &["queue", "set", "A-1", "todo"],
    ] {
        let r = env.wt(args);
        if args[1] == "validate" && !structural {
            let line = where_.rsplitn(3, ':').nth(2).unwrap();
            r.code(1)
                .stdout_has(&format!("{line}: "))
                .stdout_has(needle);
        } else {
            r.code(2).stderr_has(where_).stderr_has(needle);
        }
        before.assert_identical_after(env, &args.join(" "));
    }
}

#[test]
fn broken_queue_files_are_refused_with_their_line_and_column() {
    let env = Env::with_config(&config(""));
    let base = env.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let good = QUEUE.replace("{BASE}", &base);

    // Truncated by a writer killed mid-write: inside a flow list, and inside a status word.
    let cut = good.find("depends_on: [A-1]").unwrap() + "depends_on: [A-".len();
    refuses_file(
        &env,
        &good.as_bytes()[..cut],
        "doc/queue.yaml:19:17:",
        "unclosed bracket",
    );
    let cut = good.find("status: todo").unwrap() + "status: to".len();
    listed_in_file(
        &env,
        &good.as_bytes()[..cut],
        "doc/queue.yaml:12:13:",
        "unknown status `to`",
    );

    // A duplicate key, and a misspelled one that would silently drop a dependency gate.
    let dup = good.replacen(
        "    status: todo\n",
        "    status: todo\n    status: done\n",
        1,
    );
    listed_in_file(&env, dup.as_bytes(), "doc/queue.yaml:13:5:", "status");
    let typo = good.replacen("depends_on: [A-1]", "dependson: [A-1]", 1);
    listed_in_file(&env, typo.as_bytes(), "doc/queue.yaml:19:5:", "dependson");

    // Conflict markers left by a merge.
    let markers = good.replacen(
        "    status: todo\n",
        "<<<<<<< HEAD\n    status: todo\n=======\n    status: in_progress\n>>>>>>> other\n",
        1,
    );
    refuses_file(
        &env,
        markers.as_bytes(),
        "doc/queue.yaml:12:1:",
        "conflict marker",
    );

    // Not UTF-8.
    let mut latin1 = good.clone().into_bytes();
    let at = good.find("First backend slice").unwrap();
    latin1[at] = 0xe9;
    refuses_file(&env, &latin1, "doc/queue.yaml:10:12:", "not valid UTF-8");

    // A billion laughs: refused at the first anchor, at once.
    let mut bomb = String::from("version: 1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
        ("i", "h"),
    ] {
        let items = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    bomb.push_str("tasks: []\n");
    refuses_file(
        &env,
        bomb.as_bytes(),
        "doc/queue.yaml:2:7:",
        "anchors and aliases",
    );

    // Over 8 MiB: refused before reading.
    let mut big = String::from("version: 1\ntasks: []\n");
    let pad = "# padding padding padding padding padding padding padding padding\n";
    while big.len() <= 8 * 1024 * 1024 {
        big.push_str(pad);
    }
    refuses_file(&env, big.as_bytes(), "doc/queue.yaml", "byte limit");
}

#[test]
fn a_dependency_cycle_is_a_validate_problem_naming_it() {
    let env = qenv(
        "",
        &QUEUE
            .replacen("depends_on: [A-0]", "depends_on: [A-2]", 1)
            .replacen("lane: 2\n", "lane: 2\n    depends_on: [B-1]\n", 1),
    );
    let before = queue_snapshot(&env);
    let r = env.wt(&["queue", "validate"]);
    r.code(1)
        .stdout_has("dependency cycle: A-1 -> A-2 -> A-1")
        .stdout_has("B-1 depends on itself");
    let r = env.wt(&["queue", "validate", "--json"]);
    r.code(1);
    let v = r.json();
    assert_eq!(v["ok"], false);
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"dependency_cycle"), "{kinds:?}");
    assert!(kinds.contains(&"self_dependency"), "{kinds:?}");
    // Tasks in the cycle are never ready.
    assert_eq!(ready(&env, &["A-backend"]), Vec::<String>::new());
    before.assert_identical_after(&env, "validate");
}

#[test]
fn validate_reports_a_done_task_merged_off_base() {
    let env = qenv("", QUEUE);
    env.git(&["switch", "-q", "-c", "side"]);
    let off = env.commit_file(&env.main, "side.txt", "x\n", "side work");
    env.git(&["switch", "-q", "master"]);
    let text = queue_text(&env).replacen(
        "    status: todo\n    depends_on: [A-0]\n    acceptance_checks: [\"true\"]\n",
        &format!(
            "    status: done\n    depends_on: [A-0]\n    acceptance_checks: [\"true\"]\n    merged_commit: {off}\n"
        ),
        1,
    );
    let text = text.replacen(
        "    status: todo\n    depends_on: [A-1]\n    acceptance_checks: [\"true\"]\n",
        "    status: done\n    depends_on: [A-1]\n    acceptance_checks: [\"true\"]\n    merged_commit: 0123456789abcdef0123456789abcdef01234567\n",
        1,
    );
    write_file(&env.main.join(Q), &text);
    commit_queue(&env, &env.main, "off base");
    let r = env.wt(&["queue", "validate"]);
    r.code(1)
        .stdout_has(&format!("A-1 is done but its merged_commit {off} is not on base"))
        .stdout_has("A-2 is done but its merged_commit 0123456789abcdef0123456789abcdef01234567 is not on base");
    assert!(
        !r.stdout.contains("A-0 is done"),
        "A-0 is on base: {}",
        r.stdout
    );
}

#[test]
fn a_100k_task_queue_works() {
    let env = Env::with_config(&config(""));
    let mut text = String::from("version: 1\ntasks:\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "  - id: T-{i}\n    title: t\n    role: B-ui\n    status: done\n"
        ));
    }
    text.push_str("  - id: A-1\n    title: last\n    role: A-backend\n    status: todo\n");
    assert!(text.len() < 8 * 1024 * 1024, "{}", text.len());
    put_queue(&env, &env.main, &text);
    let base = env.rev("master");
    env.wt(&["queue", "ready", "A-backend"])
        .ok()
        .stdout_has("A-1");
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    one_queue_commit(&env, &base, "queue: A-1 in_progress (agent-a)");
    let at = task(&env, "A-1")["claimed_at"]
        .as_str()
        .unwrap()
        .to_string();
    let want = text.replacen(
        "role: A-backend\n    status: todo\n",
        &format!("role: A-backend\n    status: in_progress\n    owner: agent-a\n    branch: agent/A-backend\n    claimed_at: \"{at}\"\n"),
        1,
    );
    assert!(queue_text(&env) == want, "only the last task changed");
}
