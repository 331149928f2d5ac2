//! `wt queue` with git around it: several agents claiming at once, two machines racing through
//! the remote, a dead or refusing remote, a main checkout that is not ready, hostile values,
//! delegate mode, and the queue's part in merge, status, preflight and teardown.

use crate::common::queue::*;
use crate::common::world::{self, hook, lane_commit, BRANCH, LANE};
use crate::common::{write_file, Env, PreparedShim};
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Stdio;

/// In-progress tasks of the queue in `dir`: `(id, owner, branch)`.
fn in_progress(env: &Env, dir: &Path) -> Vec<(String, String, String)> {
    let r = env.wt_in(dir, &["queue", "show", "--json"]);
    r.ok();
    let v = r.json();
    ids(&v);
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "in_progress")
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
            (s("id"), s("owner"), s("branch"))
        })
        .collect()
}

fn queue_subjects(env: &Env, dir: &Path, rev: &str) -> Vec<String> {
    subjects(env, dir, rev)
        .into_iter()
        .filter(|s| s.starts_with("queue: "))
        .collect()
}

/// A git hook script in `dir` (a clone or worktree root).
fn hook_in(dir: &Path, name: &str, body: &str) {
    let path = dir.join(".git/hooks").join(name);
    write_file(&path, &format!("#!/bin/sh\n{body}\n"));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Single-quote a path for a hook script.
fn q(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// Shell lines that clear what git exports to hooks, so a nested `wt` or `git` finds its own
/// repository.
const CLEAN_GIT_ENV: &str = "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX GIT_EXEC_PATH";

// ---- concurrency ----

#[test]
fn eight_agents_claiming_at_once_take_one_task_per_lane() {
    let env = qenv("", QUEUE);
    let base = env.rev("master");
    let children: Vec<(String, std::process::Child)> = (1..=8)
        .map(|i| {
            let lane = if i % 2 == 0 { "B-ui-2" } else { "B-ui-1" };
            let owner = format!("agent-{i}");
            let child = env
                .wt_command(
                    &env.main,
                    &["--wait", "600", "queue", "claim", lane, "--owner", &owner],
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (lane.to_string(), child)
        })
        .collect();
    let mut won = Vec::new();
    for (lane, child) in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        match out.status.code() {
            Some(0) => won.push((
                lane,
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            )),
            Some(1) => assert!(stderr.contains("already has"), "{stderr}"),
            other => panic!("claim in {lane} exited {other:?}: {stderr}"),
        }
    }
    won.sort();
    assert_eq!(
        won,
        [
            ("B-ui-1".to_string(), "B-2".to_string()),
            ("B-ui-2".to_string(), "B-1".to_string())
        ],
        "one claim per lane, each its lane's first ready task"
    );
    let mut claimed: Vec<(String, String)> = in_progress(&env, &env.main)
        .into_iter()
        .map(|(id, _, branch)| (id, branch))
        .collect();
    claimed.sort();
    assert_eq!(
        claimed,
        [
            ("B-1".to_string(), "agent/B-ui-2".to_string()),
            ("B-2".to_string(), "agent/B-ui-1".to_string())
        ]
    );
    assert_eq!(
        queue_subjects(&env, &env.main, &format!("{base}..master")).len(),
        2
    );
    assert_eq!(
        origin_master(&env),
        env.rev("master"),
        "every commit pushed"
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    env.wt(&["queue", "validate"]).ok();
}

/// Two machines: the main checkout and `machine-2`, a clone of the same origin. A hook in
/// machine 2 (`hook`: pre-commit fires after machine 2 read the queue, pre-push while its push
/// is in flight) makes machine 1 claim B-ui-1's next task first.
fn race(hook_name: &str, args: &[&str]) -> (Env, std::path::PathBuf, crate::common::Run) {
    let env = qenv("", &QUEUE.replace("    lane: 2\n", ""));
    let m2 = env.second_clone("machine-2");
    let mark = env.base_dir().join("raced");
    hook_in(
        &m2,
        hook_name,
        &format!(
            "[ -e {mark} ] && exit 0\ntouch {mark}\n{CLEAN_GIT_ENV}\ncd {main} && {wt} queue claim B-ui-1 --owner agent-1 >{log} 2>&1",
            mark = q(&mark),
            main = q(&env.main),
            wt = q(Path::new(env!("CARGO_BIN_EXE_wt"))),
            log = q(&env.base_dir().join("machine-1.log")),
        ),
    );
    let r = env.wt_in(&m2, args);
    let log = fs::read_to_string(env.base_dir().join("machine-1.log")).unwrap_or_default();
    assert!(
        mark.exists() && log.contains("B-1 claimed"),
        "machine 1 claimed first: {log}"
    );
    (env, m2, r)
}

#[track_caller]
fn machines_agree(env: &Env, m2: &Path) {
    // Machine 1 may be behind (machine 2 pushed last), never diverged: this must fast-forward.
    env.git(&["pull", "-q", "--ff-only"]);
    let origin = origin_master(env);
    assert_eq!(env.rev("master"), origin, "machine 1 == origin");
    assert_eq!(
        env.git_at(m2, &["rev-parse", "master"]),
        origin,
        "machine 2's base is origin's, not diverged"
    );
    assert_eq!(env.git_at(m2, &["status", "--porcelain"]), "");
    assert_eq!(queue_bytes(m2), queue_bytes(&env.main));
}

#[test]
fn a_stale_machine_claiming_next_gets_the_next_task() {
    for hook_name in ["pre-commit", "pre-push"] {
        let (env, m2, r) = race(
            hook_name,
            &["queue", "claim", "B-ui-2", "--owner", "agent-2"],
        );
        r.ok().stdout_has("B-2").stderr_has("re-reading");
        machines_agree(&env, &m2);
        assert_eq!(
            queue_subjects(&env, &env.main, "master")[..2],
            [
                "queue: B-2 in_progress (agent-2)".to_string(),
                "queue: B-1 in_progress (agent-1)".to_string()
            ],
            "{hook_name}"
        );
        let mut got = in_progress(&env, &env.main);
        got.sort();
        assert_eq!(
            got,
            [
                ("B-1".into(), "agent-1".into(), "agent/B-ui-1".into()),
                ("B-2".into(), "agent-2".into(), "agent/B-ui-2".into())
            ]
        );
    }
}

#[test]
fn a_stale_machine_claiming_the_same_task_is_refused() {
    for hook_name in ["pre-commit", "pre-push"] {
        let (env, m2, r) = race(
            hook_name,
            &[
                "queue", "claim", "B-ui-2", "--owner", "agent-2", "--task", "B-1",
            ],
        );
        r.code(1)
            .stderr_has("B-1 is in_progress (owner agent-1), not todo");
        machines_agree(&env, &m2);
        assert_eq!(
            queue_subjects(&env, &env.main, "master"),
            ["queue: B-1 in_progress (agent-1)"],
            "{hook_name}"
        );
    }
}

#[test]
fn a_machine_that_fetched_nothing_is_caught_up_before_it_plans() {
    let env = qenv("", QUEUE);
    let m2 = env.second_clone("machine-2");
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "agent-1"])
        .ok();
    // Machine 2 has not fetched: its copy still shows B-2 todo.
    assert!(
        String::from_utf8(queue_bytes(&m2))
            .unwrap()
            .matches("status: todo")
            .count()
            == 5
    );
    env.wt_in(
        &m2,
        &[
            "queue", "claim", "B-ui-2", "--owner", "agent-2", "--task", "B-2",
        ],
    )
    .code(1)
    .stderr_has("B-2 is in_progress (owner agent-1)");
    machines_agree(&env, &m2);
    env.wt_in(&m2, &["queue", "claim", "B-ui-2", "--owner", "agent-2"])
        .ok()
        .stdout_has("B-1");
    env.git(&["pull", "-q", "--ff-only"]);
    machines_agree(&env, &m2);
}

#[test]
fn a_remote_that_keeps_moving_gives_up_when_the_budget_is_spent() {
    let env = qenv("", QUEUE);
    let other = env.second_clone("busy");
    // Every queue commit in the main checkout is overtaken by a push from another machine.
    hook(
        &env,
        "pre-commit",
        &format!(
            "{CLEAN_GIT_ENV}\ncd {o} && git pull -q --ff-only && date +%s%N >> busy.txt && git add busy.txt && git commit -qm busy && git push -q origin HEAD:master",
            o = q(&other)
        ),
    );
    let file = queue_bytes(&env.main);
    // A budget of 0 s: one try, then give up (the default keeps trying for 120 s).
    env.wt_with(
        &env.main,
        &["queue", "claim", "A-backend", "--owner", "agent-a"],
        &[("WT_QUEUE_PUSH_BUDGET", "0")],
    )
    .code(3)
    .stderr_has("kept moving for 0s")
    .stderr_has("WT_QUEUE_PUSH_BUDGET");
    assert_eq!(
        queue_subjects(&env, &env.origin, "master"),
        Vec::<String>::new()
    );
    assert_eq!(
        queue_subjects(&env, &env.main, "master"),
        Vec::<String>::new()
    );
    let busy = subjects(&env, &env.origin, "master")
        .iter()
        .filter(|s| *s == "busy")
        .count();
    assert_eq!(busy, 1, "bounded by the budget: {busy} attempts");
    env.git(&["fetch", "-q"]);
    assert!(
        world::is_ancestor(&env, &env.main, "master", &origin_master(&env)),
        "local base behind origin, never diverged"
    );
    assert_eq!(queue_bytes(&env.main), file);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

// ---- a remote that fails ----

#[test]
fn a_dead_remote_changes_nothing() {
    let env = qenv("", QUEUE);
    let before = queue_snapshot(&env);
    let away = env.base_dir().join("origin.moved");
    fs::rename(&env.origin, &away).unwrap();
    let r = env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"]);
    fs::rename(&away, &env.origin).unwrap();
    r.code(3);
    before.assert_identical_after(&env, "claim with the remote gone");

    // The remote dies after wt fetched and committed, before it pushed: the commit is undone.
    hook(
        &env,
        "pre-commit",
        &format!("mv {} {}", q(&env.origin), q(&away)),
    );
    let r = env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"]);
    assert!(away.exists() && !env.origin.exists(), "the hook ran");
    fs::remove_file(env.main.join(".git/hooks/pre-commit")).unwrap();
    fs::rename(&away, &env.origin).unwrap();
    r.code(3).stderr_has("undone locally");
    before.assert_identical_after(&env, "claim whose push found no remote");
}

#[test]
fn a_refused_push_undoes_the_local_commit() {
    let env = qenv("", QUEUE);
    let before = queue_snapshot(&env);
    let hooks = env.origin.join("hooks");
    write_file(
        &hooks.join("pre-receive"),
        "#!/bin/sh\necho 'no queue changes today' >&2\nexit 1\n",
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(hooks.join("pre-receive"), fs::Permissions::from_mode(0o755)).unwrap();
    let r = env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"]);
    r.code(3).stderr_has("undone locally");
    before.assert_identical_after(&env, "claim refused by the remote");
    for args in [
        &["queue", "set", "A-1", "blocked", "--by", "A-0"][..],
        &["queue", "claim", "B-ui-1", "--owner", "b"],
    ] {
        env.wt(args).code(3);
        before.assert_identical_after(&env, &args.join(" "));
    }
}

// ---- the main checkout ----

#[test]
fn queue_changes_need_base_checked_out_and_the_file_clean() {
    let env = qenv("", QUEUE);
    let claim = ["queue", "claim", "A-backend", "--owner", "agent-a"];
    let set = ["queue", "set", "B-2", "blocked", "--by", "A-1"];

    env.git(&["switch", "-q", "-c", "elsewhere"]);
    let before = queue_snapshot(&env);
    for args in [&claim[..], &set] {
        env.wt(args).code(1).stderr_has("is not on master");
        before.assert_identical_after(&env, "not on base");
    }
    env.git(&["switch", "-q", "master"]);

    fs::write(env.main.join(Q), queue_text(&env) + "# a local note\n").unwrap();
    let before = queue_snapshot(&env);
    for args in [&claim[..], &set] {
        env.wt(args)
            .code(1)
            .stderr_has("doc/queue.yaml has uncommitted changes");
        before.assert_identical_after(&env, "queue file modified");
    }
    env.git(&["checkout", "--", Q]);

    env.commit_file(&env.main, "notes.txt", "unpushed\n", "local only");
    let before = queue_snapshot(&env);
    for args in [&claim[..], &set] {
        env.wt(args)
            .code(1)
            .stderr_has("local master has 1 commit(s) that are not on origin/master");
        before.assert_identical_after(&env, "unpushed base");
    }
}

// ---- hostile values ----

const HOSTILE: [&str; 5] = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "a;touch PWNED",
    "a|touch PWNED",
    "$(touch${IFS}PWNED)",
];

#[track_caller]
fn nothing_ran(env: &Env) {
    let found = find_named(env.tmp.path(), "PWNED");
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn owners_and_ids_with_shell_syntax_are_refused_and_run_nothing() {
    let env = qenv("", QUEUE);
    let before = queue_snapshot(&env);
    for bad in HOSTILE {
        let owner_word = format!("OWNER={bad}");
        let task_word = format!("TASK_ID={bad}");
        for args in [
            vec!["queue", "claim", "A-backend", "--owner", bad],
            vec!["queue", "claim", "A-backend", &owner_word],
            vec![
                "queue",
                "claim",
                "A-backend",
                "--owner",
                "ok",
                "--task",
                bad,
            ],
            vec![
                "queue", "set", "A-1", "blocked", "--by", "A-0", "--owner", bad,
            ],
            vec!["queue", "set", &task_word, "STATUS=todo"],
            vec!["queue", "set", "A-1", "blocked", "--by", bad],
            vec!["queue", "show", bad],
        ] {
            env.wt(&args).code(2);
            before.assert_identical_after(&env, &args.join(" "));
        }
    }
    nothing_ran(&env);
}

/// Delegate mode as the brief writes it, a shell string: only safe because every value is
/// checked against the id pattern before it is substituted.
const DELEGATE: &str =
    r#"set_status = ["sh", "-c", "echo {task} {status} {owner} >> ../delegate.log"]"#;

fn delegate_log(env: &Env) -> String {
    fs::read_to_string(env.base_dir().join("delegate.log")).unwrap_or_default()
}

#[test]
fn delegate_mode_runs_the_argv_instead_of_editing_the_file() {
    let env = qenv(DELEGATE, QUEUE);
    let before = queue_snapshot(&env);
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok()
        .stdout_has("A-1");
    env.wt(&[
        "queue", "set", "B-2", "blocked", "--by", "A-1", "--owner", "agent-b",
    ])
    .ok();
    env.wt(&["queue", "set", "TASK_ID=B-3", "STATUS=todo"]).ok();
    assert_eq!(
        delegate_log(&env),
        "A-1 in_progress agent-a\nB-2 blocked agent-b\n",
        "B-3 is todo already: nothing to run"
    );
    before.assert_identical_after(&env, "delegate mode leaves the file to the command");
    // The rules still apply first; a refused change runs nothing.
    env.wt(&[
        "queue",
        "claim",
        "A-backend",
        "--owner",
        "x",
        "--task",
        "A-2",
    ])
    .code(1);
    env.wt(&["queue", "set", "A-1", "done"]).code(1);
    for bad in HOSTILE {
        env.wt(&["queue", "claim", "A-backend", "--owner", bad])
            .code(2);
        env.wt(&[
            "queue", "set", "A-1", "blocked", "--by", "A-0", "--owner", bad,
        ])
        .code(2);
    }
    assert_eq!(delegate_log(&env).lines().count(), 2);
    nothing_ran(&env);
    before.assert_identical_after(&env, "refused in delegate mode");
}

#[test]
fn delegate_mode_passes_the_tasks_owner_when_none_is_given() {
    let env = qenv(DELEGATE, &QUEUE.replacen(
        "    status: todo\n    depends_on: [A-0]\n",
        "    status: in_progress\n    owner: agent-a\n    branch: agent/A-backend\n    depends_on: [A-0]\n",
        1,
    ));
    env.wt(&["queue", "set", "A-1", "blocked", "--by", "B-1"])
        .ok();
    assert_eq!(delegate_log(&env), "A-1 blocked agent-a\n");
}

#[test]
fn a_failing_delegate_command_is_an_error() {
    let env = qenv(r#"set_status = ["false"]"#, QUEUE);
    let before = queue_snapshot(&env);
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .code(1)
        .stderr_has("set_status command failed");
    before.assert_identical_after(&env, "failed delegate");
    let env = qenv(
        r#"set_status = ["/nonexistent/queue-tool", "{task}"]"#,
        QUEUE,
    );
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .code(2)
        .stderr_has("cannot run `/nonexistent/queue-tool`");
}

// ---- merge, status, preflight, teardown ----

/// A world with lanes set up, the test queue, and `opts` in `[queue]`.
fn lanes_world(opts: &str, queue: &str) -> Env {
    let env = world::world(&config(opts));
    put_queue(&env, &env.main, queue);
    env
}

#[test]
fn merge_marks_the_claimed_task_done_once() {
    let env = lanes_world("", QUEUE);
    // Claimed from inside the lane's worktree: the commit still goes on base in the main checkout.
    env.wt_in(
        &env.lane(LANE),
        &["queue", "claim", LANE, "--owner", "agent-a"],
    )
    .ok();
    assert_eq!(
        env.git(&["log", "-1", "--format=%s"]),
        "queue: A-1 in_progress (agent-a)"
    );
    assert_eq!(env.git_at(&env.lane(LANE), &["status", "--porcelain"]), "");
    let claimed = task(&env, "A-1");
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    env.wt(&["merge", LANE]).ok().stderr_has("A-1 marked done");
    let tip = env.rev(BRANCH);
    let head = env.rev("master");
    assert_eq!(
        env.rev("master^"),
        tip,
        "the queue commit sits on the merged tip"
    );
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "master"]),
        format!("queue: A-1 done ({tip})")
    );
    assert_eq!(
        env.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", "master"]),
        Q
    );
    assert_eq!(origin_master(&env), head, "pushed");
    let t = task(&env, "A-1");
    assert_eq!(t["status"], "done");
    assert_eq!(t["merged_commit"], tip.as_str());
    assert!(
        t["completed_at"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{t}"
    );
    assert_eq!(t["claimed_at"], claimed["claimed_at"]);
    assert_eq!(t["owner"], "agent-a");
    // Only A-1's status line changed and two keys were added.
    let diff = env.git(&["diff", "-U0", "master^", "master", "--", Q]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed.len(), 4, "{diff}");
    assert!(
        changed.contains(&"-    status: in_progress") && changed.contains(&"+    status: done"),
        "{diff}"
    );
    assert!(
        // why: a commit id that YAML could read as a number (`0b…`, `1234e5…`) is written quoted.
        changed.contains(&format!("+    merged_commit: {tip}").as_str())
            || changed.contains(&format!("+    merged_commit: \"{tip}\"").as_str()),
        "{diff}"
    );
    env.wt(&["queue", "validate"]).ok();

    // Again: nothing to merge, nothing marked twice.
    let before = queue_snapshot(&env);
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("nothing to merge");
    before.assert_identical_after(&env, "second merge");
    let done = subjects(&env, &env.origin, "master")
        .iter()
        .filter(|s| s.starts_with("queue: A-1 done"))
        .count();
    assert_eq!(done, 1);
    // The lane can take the next task, which depended on A-1.
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"])
        .ok()
        .stdout_has("A-2");
}

#[test]
fn merge_in_delegate_mode_runs_the_argv_and_leaves_the_file() {
    let claimed = QUEUE.replacen(
        "    status: todo\n    depends_on: [A-0]\n",
        "    status: in_progress\n    owner: agent-a\n    branch: agent/A-backend\n    depends_on: [A-0]\n",
        1,
    );
    let env = lanes_world(DELEGATE, &claimed);
    let file = queue_bytes(&env.main);
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    env.wt(&["merge", LANE]).ok().stderr_has("A-1 marked done");
    assert_eq!(delegate_log(&env), "A-1 done agent-a\n");
    assert_eq!(queue_bytes(&env.main), file);
    assert_eq!(env.rev("master"), env.rev(BRANCH), "no queue commit on top");
    assert_eq!(origin_master(&env), env.rev(BRANCH));
}

#[test]
fn status_shows_each_lanes_claimed_task() {
    let env = lanes_world("", QUEUE);
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    env.wt(&["queue", "claim", "B-ui-2", "--owner", "agent-b"])
        .ok();
    let r = env.wt(&["status", "--json"]);
    r.ok();
    let v = r.json();
    let tasks: Vec<(String, Value)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["lane"].as_str().unwrap().to_string(), l["task"].clone()))
        .collect();
    assert_eq!(
        tasks,
        [
            ("A-backend".to_string(), Value::from("A-1")),
            ("B-ui-1".to_string(), Value::Null),
            ("B-ui-2".to_string(), Value::from("B-1")),
        ]
    );
    let r = env.wt(&["status"]);
    r.ok();
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("A-backend"))
        .unwrap();
    assert!(row.contains("A-1"), "{}", r.stdout);
}

/// The status of check `name` in `wt preflight LANE --json`.
fn check(v: &Value, name: &str) -> (String, String) {
    let c = world::preflight_check(v, name);
    (
        c["status"].as_str().unwrap().to_string(),
        c["detail"].as_str().unwrap().to_string(),
    )
}

#[test]
fn preflight_checks_the_claimed_tasks_dependencies_and_the_queue() {
    // A-1 claimed by hand although A-2, which it depends on, is not done.
    let early = QUEUE.replacen(
        "    status: todo\n    depends_on: [A-0]\n",
        "    status: in_progress\n    owner: agent-a\n    branch: agent/A-backend\n    depends_on: [A-0, B-3]\n",
        1,
    );
    let env = lanes_world("", &early);
    let r = env.wt(&["preflight", LANE, "--json"]);
    r.code(1);
    let v = r.json();
    assert_eq!(v["ok"], false);
    let (status, detail) = check(&v, "task");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("A-1") && detail.contains("B-3 (todo)"),
        "{detail}"
    );
    let fix = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "task")
        .unwrap()["fix"]
        .clone();
    assert_eq!(
        fix, "wt queue set A-1 blocked --by B-3",
        "names the unfinished one, not done A-0"
    );
    assert_eq!(check(&v, "queue").0, "ok");
    // No claimed task: a warning, not a failure.
    let r = env.wt(&["preflight", "B-ui-1", "--json"]);
    r.ok();
    assert_eq!(check(&r.json(), "task").0, "warn");

    // A queue with a problem (blocked without blocked_by), and one that does not parse.
    let bad = queue_text(&env).replacen(
        "title: Any lane\n    role: B-ui\n    status: todo",
        "title: Any lane\n    role: B-ui\n    status: blocked",
        1,
    );
    write_file(&env.main.join(Q), &bad);
    commit_queue(&env, &env.main, "blocked without blocked_by");
    let r = env.wt(&["preflight", "B-ui-1", "--json"]);
    r.code(1);
    let (status, detail) = check(&r.json(), "queue");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("B-2 is blocked without blocked_by"),
        "{detail}"
    );
    write_file(&env.main.join(Q), "version: 1\ntasks:\n  - id: [\n");
    commit_queue(&env, &env.main, "broken");
    let r = env.wt(&["preflight", "B-ui-1", "--json"]);
    r.code(1);
    let (status, detail) = check(&r.json(), "queue");
    assert_eq!(status, "fail");
    assert!(detail.contains("doc/queue.yaml:3:"), "{detail}");
}

#[test]
fn teardown_waits_for_the_lanes_open_tasks() {
    let env = lanes_world("", QUEUE);
    // V1: the role has todo tasks.
    let lane_dir = env.lane(LANE);
    env.wt(&["teardown", LANE])
        .code(1)
        .stderr_has("A-1 (todo)")
        .stderr_has("--force-tasks");
    assert!(lane_dir.exists());
    // V2: lane 2 has B-1 pinned to it; lane 1 has nothing of its own.
    env.wt(&["teardown", "B-ui-2"])
        .code(1)
        .stderr_has("B-1 (todo)");
    assert!(env.lane("B-ui-2").exists());
    env.wt(&["queue", "claim", "B-ui-1", "--owner", "b1"])
        .ok()
        .stdout_has("B-2");
    env.wt(&["teardown", "B-ui-1"])
        .code(1)
        .stderr_has("B-2 (in_progress)");
    env.wt(&["queue", "set", "B-2", "blocked", "--by", "A-1"])
        .ok();
    env.wt(&["teardown", "B-ui-1"])
        .code(1)
        .stderr_has("B-2 (blocked)");
    env.wt(&["queue", "set", "B-2", "todo"]).ok();
    env.wt(&["teardown", "B-ui-1"]).ok();
    assert!(!env.lane("B-ui-1").exists());
    // --force-tasks proceeds.
    env.wt(&["teardown", LANE, "--force-tasks"]).ok();
    assert!(!lane_dir.exists());
    assert_eq!(
        env.git_run(&env.main, &["rev-parse", "--verify", "-q", BRANCH])
            .code,
        1,
        "branch deleted"
    );
}

#[test]
fn a_merge_whose_queue_push_failed_marks_the_task_done_on_the_rerun() {
    let env = lanes_world("", QUEUE);
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    // The remote refuses queue commits until `allow` exists: the merge lands, marking fails.
    let allow = env.base_dir().join("allow");
    let hook_path = env.origin.join("hooks/pre-receive");
    write_file(
        &hook_path,
        &format!(
            "#!/bin/sh\nwhile read old new ref; do\n  if git log -1 --format=%s \"$new\" | grep -q '^queue:' && [ ! -e {allow} ]; then echo 'queue closed' >&2; exit 1; fi\ndone\nexit 0\n",
            allow = q(&allow)
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook_path, fs::Permissions::from_mode(0o755)).unwrap();
    let file = queue_bytes(&env.main);
    env.wt(&["merge", LANE])
        .code(3)
        .stderr_has("but marking A-1 done failed")
        .stderr_has("run `wt merge A-backend` again");
    let tip = env.rev(BRANCH);
    assert_eq!(origin_master(&env), tip, "the lane landed");
    assert_eq!(
        env.rev("master"),
        tip,
        "the queue commit was undone locally"
    );
    assert_eq!(queue_bytes(&env.main), file);
    assert_eq!(env.git(&["status", "--porcelain"]), "");

    fs::write(&allow, "").unwrap();
    env.wt(&["merge", LANE])
        .ok()
        .stderr_has("finishing the interrupted merge")
        .stderr_has("A-1 marked done");
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "master"]),
        format!("queue: A-1 done ({tip})")
    );
    assert_eq!(env.rev("master^"), tip);
    assert_eq!(origin_master(&env), env.rev("master"));
    assert_eq!(task(&env, "A-1")["merged_commit"], tip.as_str());
    env.wt(&["merge", LANE])
        .code(1)
        .stderr_has("nothing to merge");
    let done = subjects(&env, &env.origin, "master")
        .iter()
        .filter(|s| s.starts_with("queue: A-1 done"))
        .count();
    assert_eq!(done, 1);
}

#[test]
fn queue_changes_wait_for_the_lock_and_reads_do_not() {
    let env = qenv(
        r#"set_status = ["sh", "-c", "touch ../held; while [ ! -e ../release ]; do sleep 0.05; done"]"#,
        QUEUE,
    );
    let held = env.base_dir().join("held");
    let mut holder = env
        .wt_command(&env.main, &["queue", "claim", LANE, "--owner", "agent-a"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    world::wait_for(&held);
    let before = queue_snapshot(&env);
    env.wt(&[
        "--wait", "1", "queue", "claim", "B-ui-1", "--owner", "agent-b",
    ])
    .code(5);
    env.wt(&[
        "--wait", "1", "queue", "set", "B-2", "blocked", "--by", "A-1",
    ])
    .code(5);
    // Reads take no lock.
    env.wt(&["--wait", "0", "queue", "show", "A-1"]).ok();
    env.wt(&["--wait", "0", "queue", "ready", "B-ui-1"]).ok();
    env.wt(&["--wait", "0", "queue", "validate"]).ok();
    before.assert_identical_after(&env, "waiting for the lock");
    // why: the holder waits for the test, never for a clock, however slow the machine is.
    std::fs::write(env.base_dir().join("release"), "").unwrap();
    assert!(holder.wait().unwrap().success());
}

/// Four lanes of one role on two machines race for twelve tasks any of them may take: every
/// claim succeeds (a lost push race re-reads the queue and takes the next ready task) until
/// none is left, and no task is claimed twice.
#[test]
fn four_lanes_on_two_machines_claim_every_task_once() {
    let config = format!(
        "{}\n[queue]\npath = \"{Q}\"\n",
        crate::common::DEFAULT_CONFIG.replace("lanes = 2", "lanes = 4")
    );
    let env = Env::with_config(&config);
    let mut queue = String::from(
        "version: 1\ntasks:\n  - id: A-0\n    title: Done already\n    role: A-backend\n    status: done\n    acceptance_checks: [\"true\"]\n    merged_commit: \"{BASE}\"\n",
    );
    for i in 1..=12 {
        queue.push_str(&format!(
            "  - id: W-{i:02}\n    title: Work {i}\n    role: B-ui\n    status: todo\n    acceptance_checks: [\"true\"]\n"
        ));
    }
    put_queue(&env, &env.main, &queue);
    let m2 = env.second_clone("machine-2");
    let wt = env!("CARGO_BIN_EXE_wt");
    let lanes = [
        (env.main.clone(), "B-ui-1"),
        (env.main.clone(), "B-ui-2"),
        (m2.clone(), "B-ui-3"),
        (m2.clone(), "B-ui-4"),
    ];
    // why: each lane is its own process loop, as agents are; on one machine they take turns
    // on the repository lock, across machines they race through the remote.
    let script = r#"n=0
while :; do
  out=$("$WT" --wait 600 queue claim "$LANE" --owner "agent-$LANE" 2>"$LOG.err"); code=$?
  if [ $code -ne 0 ]; then
    if grep -q "no ready task\|no task is ready\|nothing is ready\|add tasks" "$LOG.err"; then echo "end $code" >> "$LOG"; exit 0; fi
    echo "fail $code $(cat "$LOG.err")" >> "$LOG"; exit 1
  fi
  id=$(printf '%s\n' "$out" | head -1)
  echo "claimed $id" >> "$LOG"
  "$WT" --wait 600 queue set "$id" blocked --by A-0 >/dev/null 2>>"$LOG.err" || { echo "set failed $(cat "$LOG.err")" >> "$LOG"; exit 1; }
  n=$((n+1)); [ $n -gt 20 ] && { echo "runaway" >> "$LOG"; exit 1; }
done"#;
    let children: Vec<_> = lanes
        .iter()
        .map(|(dir, lane)| {
            let log = env.base_dir().join(format!("{lane}.log"));
            let mut cmd = std::process::Command::new("sh");
            cmd.args(["-c", script])
                .current_dir(dir)
                .env("WT", wt)
                .env("LANE", lane)
                .env("LOG", &log)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            env.sealed(&mut cmd);
            (log, cmd.spawn().unwrap())
        })
        .collect();
    let mut claimed = Vec::new();
    for (log, mut child) in children {
        let ok = child.wait().unwrap().success();
        let text = fs::read_to_string(&log).unwrap_or_default();
        assert!(ok, "{}: {text}", log.display());
        assert!(
            text.lines().last().unwrap_or("").starts_with("end"),
            "{text}"
        );
        claimed.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("claimed "))
                .map(str::to_string),
        );
    }
    claimed.sort();
    let all: Vec<String> = (1..=12).map(|i| format!("W-{i:02}")).collect();
    assert_eq!(claimed, all, "every task claimed exactly once");
    env.git(&["pull", "-q", "--ff-only"]);
    env.wt(&["queue", "validate"]).ok();
}

/// Readers take no lock, and the main checkout's queue file changes under them when a queue
/// change catches up with another machine's: every such write is a rename (wt writes the file
/// before git moves, so git leaves it alone), so a reader always finds a whole file.
#[test]
fn readers_never_see_a_torn_queue_while_machines_catch_up() {
    let mut queue = String::from(
        "version: 1\ntasks:\n  - id: A-0\n    title: Done already\n    role: A-backend\n    status: done\n    acceptance_checks: [\"true\"]\n    merged_commit: \"{BASE}\"\n",
    );
    for i in 1..=1500 {
        queue.push_str(&format!(
            "  - id: F-{i:04}\n    title: Filler task number {i} with a longer title to make the file larger\n    role: B-ui\n    status: todo\n    acceptance_checks: [\"true\"]\n"
        ));
    }
    let env = qenv("", &queue);
    let m2 = env.second_clone("machine-2");
    // A `git` first on machine 1's PATH that notes, for each `merge --ff-only` (the catch-up),
    // whether the queue file was already written and staged as the target has it.
    let shim = PreparedShim::new(&env, " merge --ff-only ", Q);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let mut cmd = env.wt_command(&env.main, &["queue", "show", "F-0001", "--json"]);
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        std::thread::spawn(move || {
            let mut reads = 0;
            let mut failures = Vec::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) || reads == 0 {
                let out = cmd.output().unwrap();
                reads += 1;
                if !out.status.success() {
                    failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
                }
            }
            (reads, failures)
        })
    };
    for i in 1..=6 {
        // Machine 2 changes the queue; machine 1's next change catches up with it first.
        let a = format!("F-{:04}", 2 * i);
        let b = format!("F-{:04}", 2 * i + 1);
        env.wt_in(&m2, &["queue", "set", &a, "blocked", "--by", "A-0"])
            .ok();
        env.wt_with(
            &env.main,
            &["queue", "set", &b, "blocked", "--by", "A-0"],
            &[("PATH", &shim.path)],
        )
        .ok();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    // The shim saw every catch-up start with the queue file already written (by rename) and
    // staged as the target has it, so git had nothing to rewrite in place.
    assert_eq!(shim.seen(), ["prepared"; 6]);
    let (reads, failures) = reader.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {reads} reads failed: {failures:?}",
        failures.len()
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert_eq!(origin_master(&env), env.rev("master"));
}
