//! Policies end to end (SPEC section 7): real commits in real lanes, judged by `wt preflight`,
//! `wt check` and `wt merge`. Every refusal names the owner or rule and the fix, exits 1 and
//! leaves the remote base, the local base and the lane branch where they were; every allowed case
//! merges. Gates leave marker files under `$T` so a test can tell which ones ran.

use crate::common::world::*;
use crate::common::{Env, Run};
use serde_json::Value;
use std::fs;
use std::path::PathBuf;

const QUEUE: &str = "doc/governance/queue.yaml";

/// Three roles whose globs overlap (`web/**` vs `web/deploy/**`), a contract owner, three gates
/// (one failing) and kept tests. C-ops owns the queue file and lanes.toml.
const CONFIG: &str = r#"[project]
worktree_root = "../lanes"

[queue]
path = "doc/governance/queue.yaml"

[contracts]
paths = ["doc/api/**"]
owners = ["A-backend"]

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]

[[role]]
name = "B-ui"
owns = ["web/**"]

[[role]]
name = "C-ops"
owns = ["web/deploy/**", "doc/governance/**", "lanes.toml"]

[[gate]]
when = ["doc/api/**"]
run = 'touch "$T/gate-api.ran"'

[[gate]]
when = ["internal/gen/**"]
run = 'touch "$T/gate-gen.ran"; exit 7'

[[gate]]
when = ["web/**"]
run = 'touch "$T/gate-web.ran"'

[policy]
tests = ["**/*_test.go", "tests/**"]
"#;

/// A test file long enough that a one-line edit keeps it recognisably the same file.
fn test_body(extra: &str) -> String {
    let mut body = String::from("package x\n");
    for k in 0..12 {
        body.push_str(&format!(
            "func TestX{k}(t *testing.T) {{ check(t, {k}) }}\n"
        ));
    }
    body + extra
}

/// The repository with a queue file and a kept test on base, and every lane set up.
struct World {
    env: Env,
    /// Where gates write their markers (`$T`).
    t: PathBuf,
}

fn world() -> World {
    let env = Env::with_config(CONFIG);
    env.commit_file(&env.main, QUEUE, "version: 1\ntasks: []\n", "queue");
    env.commit_file(&env.main, "tests/x_test.go", &test_body(""), "a kept test");
    env.git(&["push", "-q", "origin", "master"]);
    for lane in ["A-backend", "B-ui", "C-ops"] {
        env.wt(&["setup", lane]).ok();
    }
    let t = env.base_dir().join("markers");
    fs::create_dir_all(&t).unwrap();
    World { env, t }
}

impl World {
    fn wt(&self, args: &[&str]) -> Run {
        let t = self.t.to_str().unwrap();
        self.env.wt_with(&self.env.main, args, &[("T", t)])
    }

    fn commit(&self, lane: &str, rel: &str, content: &str, msg: &str) -> String {
        self.env
            .commit_file(&self.env.lane(lane), rel, content, msg)
    }

    /// Run git in a lane's worktree.
    fn git(&self, lane: &str, args: &[&str]) -> String {
        self.env.git_at(&self.env.lane(lane), args)
    }

    fn ran(&self, gate: &str) -> bool {
        self.t.join(format!("gate-{gate}.ran")).exists()
    }

    /// Local refs, remote refs, and the lane's HEAD and status: all that a refusal must leave.
    fn state(&self, lane: &str) -> (String, String, String, String) {
        let dir = self.env.lane(lane);
        (
            self.env.refs(),
            self.env.remote_refs(),
            rev_at(&self.env, &dir, "HEAD"),
            self.env.status_of(&dir),
        )
    }

    /// `wt merge LANE` refuses with exit 1, stderr has every needle, nothing moved; then the
    /// same refusal with `--json` and `--dry-run --json` lists the violations. Returns the
    /// violations of the `--json` run.
    #[track_caller]
    fn merge_refused(&self, lane: &str, needles: &[&str]) -> Vec<Value> {
        let before = self.state(lane);
        let r = self.wt(&["merge", lane]);
        r.code(1);
        for needle in needles {
            r.stderr_has(needle);
        }
        assert_eq!(r.stdout, "", "no data on stdout for a refusal");
        assert_eq!(self.state(lane), before, "a refused merge changes nothing");

        let json = self.wt(&["--json", "merge", lane]);
        json.code(1);
        let doc = json.json();
        assert_eq!(doc["lane"], lane);
        assert_eq!(doc["merged"], false);
        assert_eq!(doc["refused"], "policies");
        let violations = doc["violations"].as_array().unwrap().clone();
        assert!(!violations.is_empty(), "{doc}");
        assert_eq!(self.state(lane), before);

        let dry = self.wt(&["--json", "merge", "--dry-run", lane]);
        dry.code(1);
        let plan = dry.json();
        assert_eq!(plan["would_merge"], false);
        assert_eq!(plan["violations"], Value::Array(violations.clone()));
        assert_eq!(self.state(lane), before);
        violations
    }

    /// `wt preflight LANE` fails the check `name` (exit 1), and `--json` shows that check failed
    /// and lists a violation of `rule`. Returns that violation.
    #[track_caller]
    fn preflight_fails(&self, lane: &str, name: &str, rule: &str) -> Value {
        self.wt(&["preflight", lane])
            .code(1)
            .stdout_has(&format!("FAIL {name}"));
        let r = self.wt(&["--json", "preflight", lane]);
        r.code(1);
        let doc = r.json();
        assert_eq!(doc["ok"], false);
        let check = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no check {name}: {doc}"))
            .clone();
        assert_eq!(check["status"], "fail", "{check}");
        let violations = doc["violations"].as_array().unwrap();
        violations
            .iter()
            .find(|v| v["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} violation: {doc}"))
            .clone()
    }

    /// `wt merge LANE` lands the lane tip on the remote and local base.
    #[track_caller]
    fn merge_ok(&self, lane: &str, extra: &[&str]) {
        let _run = self.merge_ok_run(lane, extra);
    }

    /// As `merge_ok`, returning the run for more assertions.
    #[track_caller]
    fn merge_ok_run(&self, lane: &str, extra: &[&str]) -> Run {
        let mut args = vec!["merge"];
        args.extend_from_slice(extra);
        args.push(lane);
        let r = self.wt(&args);
        r.ok();
        let tip = self.git(lane, &["rev-parse", "HEAD"]);
        assert_eq!(remote_rev(&self.env, "refs/heads/master"), tip);
        assert_eq!(self.env.rev("master"), tip);
        r
    }
}

#[test]
fn a_path_owned_by_another_role_is_refused_naming_the_owner() {
    let w = world();
    w.commit("A-backend", "cmd/a.go", "a\n", "backend work");
    w.commit("A-backend", "web/app.ts", "x\n", "a ui change");
    let v = w.merge_refused(
        "A-backend",
        &[
            "A-backend breaks 1 policy rule; nothing was pushed",
            "ownership: web/app.ts is owned by B-ui",
            "hint: restore it from base on this branch and hand the change to B-ui",
        ],
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["rule"], "ownership");
    assert_eq!(v[0]["owner"], "B-ui");
    assert_eq!(v[0]["paths"], serde_json::json!(["web/app.ts"]));
    assert!(v[0]["fix"].as_str().unwrap().contains("B-ui"), "{}", v[0]);
    let p = w.preflight_fails("A-backend", "ownership", "ownership");
    assert_eq!(p["owner"], "B-ui");
    assert!(!w.ran("web"), "a refused merge runs no gate");
}

/// Policies judge the rebased branch; refused, the lane goes back to where it was.
#[test]
fn a_refusal_after_a_rebase_puts_the_lane_back() {
    let w = world();
    let head = w.commit("A-backend", "web/app.ts", "x\n", "a ui change");
    let moved = move_base(&w.env, "other", "other.txt", "x\n", "someone else's merge");
    let master = w.env.rev("master");
    w.wt(&["merge", "A-backend"])
        .code(1)
        .stderr_has("web/app.ts is owned by B-ui")
        .stderr_has(&format!("A-backend was put back at {}", &head[..7]));
    assert_eq!(w.git("A-backend", &["rev-parse", "HEAD"]), head);
    assert_eq!(w.env.status_of(&w.env.lane("A-backend")), "");
    assert_eq!(w.env.rev("master"), master, "local base untouched");
    assert_eq!(
        remote_rev(&w.env, "refs/heads/master"),
        moved,
        "remote base untouched"
    );
    assert_eq!(
        remote_rev(&w.env, "refs/heads/agent/A-backend"),
        "",
        "lane never pushed"
    );
}

#[test]
fn the_most_specific_glob_wins_between_overlapping_owners() {
    let w = world();
    // web/deploy/** (C-ops) is narrower than web/** (B-ui).
    w.commit(
        "B-ui",
        "web/deploy/prod.yaml",
        "replicas: 2\n",
        "ui touches deploy",
    );
    let v = w.merge_refused(
        "B-ui",
        &[
            "web/deploy/prod.yaml is owned by C-ops",
            "hand the change to C-ops",
        ],
    );
    assert_eq!(v[0]["owner"], "C-ops");
    w.preflight_fails("B-ui", "ownership", "ownership");

    w.commit(
        "C-ops",
        "web/deploy/prod.yaml",
        "replicas: 3\n",
        "ops deploy change",
    );
    w.merge_ok("C-ops", &[]);

    // B-ui still owns the rest of web/.
    w.git("B-ui", &["reset", "-q", "--hard", "HEAD~1"]);
    w.commit("B-ui", "web/app.ts", "x\n", "ui work");
    w.wt(&["preflight", "B-ui"])
        .ok()
        .stdout_has("ok   ownership");
    w.merge_ok("B-ui", &[]);
    assert!(w.ran("web"), "the web gate ran for B-ui's web/ change");
}

#[test]
fn owned_and_unowned_paths_merge() {
    let w = world();
    w.commit("A-backend", "cmd/a.go", "a\n", "backend work");
    w.commit("A-backend", "notes/todo.md", "- x\n", "a note nobody owns");
    let r = w.wt(&["--json", "preflight", "A-backend"]);
    r.ok();
    assert_eq!(r.json()["violations"], serde_json::json!([]));
    let dry = w.wt(&["--json", "merge", "--dry-run", "A-backend"]);
    dry.ok();
    assert_eq!(dry.json()["would_merge"], true);
    assert_eq!(dry.json()["violations"], serde_json::json!([]));
    let r = w.merge_ok_run("A-backend", &["--json"]);
    let summary = r.json();
    assert_eq!(summary["merged"], true);
    let files: Vec<&str> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["cmd/a.go", "notes/todo.md"]);
    assert!(
        !w.ran("api") && !w.ran("gen") && !w.ran("web"),
        "no gate triggered"
    );
}

#[test]
fn only_contract_owners_change_contracts() {
    let w = world();
    w.commit(
        "B-ui",
        "doc/api/x.yaml",
        "openapi: 3\n",
        "ui edits the contract",
    );
    let v = w.merge_refused(
        "B-ui",
        &[
            "contract_owner: doc/api/x.yaml is under [contracts], which only A-backend may change",
            "A-backend changes contracts first",
        ],
    );
    assert_eq!(v[0]["rule"], "contract_owner");
    assert_eq!(v[0]["owner"], "A-backend");
    w.preflight_fails("B-ui", "contracts", "contract_owner");
    assert!(!w.ran("api"), "a refused merge runs no gate");
}

#[test]
fn the_contract_owner_changes_contracts_first_then_implementation() {
    let w = world();
    w.commit(
        "A-backend",
        "doc/api/x.yaml",
        "openapi: 3\n",
        "contract first",
    );
    w.commit(
        "A-backend",
        "cmd/x.go",
        "package x\n",
        "then the implementation",
    );
    w.wt(&["preflight", "A-backend"])
        .ok()
        .stdout_has("ok   contracts")
        .stdout_has("1 gate(s) triggered");

    // `wt check` runs the triggered gate and only that one.
    w.wt(&["check", "A-backend"])
        .ok()
        .stderr_has("gate check in A-backend: touch \"$T/gate-api.ran\"");
    assert!(w.ran("api"));
    assert!(
        !w.ran("gen") && !w.ran("web"),
        "untriggered gates do not run"
    );
    let record = fs::read_to_string(w.env.main.join(".git/wt/checks/A-backend.json")).unwrap();
    let record: Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["checks"][0]["source"], "gate");

    fs::remove_file(w.t.join("gate-api.ran")).unwrap();
    w.merge_ok("A-backend", &[]);
    assert!(w.ran("api"), "the merge ran the gate again");
    assert!(!w.ran("gen") && !w.ran("web"));
}

#[test]
fn an_implementation_commit_before_a_contract_commit_is_refused() {
    let w = world();
    let implementation = w.commit("A-backend", "cmd/x.go", "package x\n", "implementation");
    let contract = w.commit(
        "A-backend",
        "doc/api/x.yaml",
        "openapi: 3\n",
        "late contract",
    );
    let v = w.merge_refused(
        "A-backend",
        &[
            &format!(
                "contract_order: commit {} \"late contract\" changes contract doc/api/x.yaml \
                 after implementation commit {} \"implementation\": contracts must come first",
                &contract[..7],
                &implementation[..7]
            ),
            "hint: reorder the branch (git rebase -i)",
        ],
    );
    assert_eq!(v[0]["rule"], "contract_order");
    assert_eq!(v[0]["paths"], serde_json::json!(["doc/api/x.yaml"]));
    w.preflight_fails("A-backend", "contracts", "contract_order");
}

#[test]
fn a_failing_gate_blocks_the_merge() {
    let w = world();
    w.commit(
        "A-backend",
        "internal/gen/x.go",
        "package gen\n",
        "regenerate",
    );
    w.wt(&["check", "A-backend"])
        .code(1)
        .stderr_has("`touch \"$T/gate-gen.ran\"; exit 7`: exit 7");
    assert!(w.ran("gen"));
    fs::remove_file(w.t.join("gate-gen.ran")).unwrap();

    let before = w.state("A-backend");
    w.wt(&["merge", "A-backend"])
        .code(1)
        .stderr_has("1 of 1 check(s) failed in A-backend");
    assert!(w.ran("gen"), "the merge ran the triggered gate");
    assert!(
        !w.ran("api") && !w.ran("web"),
        "untriggered gates do not run"
    );
    assert_eq!(w.state("A-backend"), before);
}

#[test]
fn deleting_a_kept_test_needs_a_reason_which_the_handoff_records() {
    let w = world();
    w.git("A-backend", &["rm", "-q", "tests/x_test.go"]);
    w.git("A-backend", &["commit", "-q", "-m", "drop the old test"]);
    let v = w.merge_refused(
        "A-backend",
        &[
            "test_removed: tests/x_test.go is deleted, and [policy] tests keeps it",
            "hint: restore it, or pass --allow-test-removal REASON to record why",
        ],
    );
    assert_eq!(v[0]["rule"], "test_removed");
    assert_eq!(v[0]["paths"], serde_json::json!(["tests/x_test.go"]));
    w.preflight_fails("A-backend", "tests kept", "test_removed");

    // A blank reason is no reason.
    let before = w.state("A-backend");
    w.wt(&["merge", "--allow-test-removal", "  ", "A-backend"])
        .code(1)
        .stderr_has("tests/x_test.go is deleted");
    assert_eq!(w.state("A-backend"), before);

    let reason = "covered by tests/y_test.go since A-P7-002";
    let dry = w.wt(&[
        "merge",
        "--dry-run",
        "--allow-test-removal",
        reason,
        "A-backend",
    ]);
    dry.ok().stdout_has(&format!(
        "recorded in the handoff: test files removed ({reason}): tests/x_test.go"
    ));
    assert_eq!(w.state("A-backend"), before, "a dry run changes nothing");

    w.merge_ok("A-backend", &["--allow-test-removal", reason]);
    let handoffs = wt_files(&w.env, "handoffs");
    assert_eq!(handoffs.len(), 1, "{handoffs:?}");
    let text = fs::read_to_string(&handoffs[0]).unwrap();
    assert!(
        text.contains(&format!("test files removed ({reason}): tests/x_test.go")),
        "{text}"
    );
}

#[test]
fn a_test_renamed_to_another_test_path_is_a_move() {
    let w = world();
    // Renamed out of the kept paths, the old test counts as deleted.
    fs::create_dir_all(w.env.lane("A-backend").join("notes")).unwrap();
    w.git("A-backend", &["mv", "tests/x_test.go", "notes/x.go.txt"]);
    w.git("A-backend", &["commit", "-q", "-m", "test to notes"]);
    w.preflight_fails("A-backend", "tests kept", "test_removed");
    w.git("A-backend", &["reset", "-q", "--hard", "HEAD~1"]);

    // Moved to another test path and edited there (git's similarity pairs them).
    w.git("A-backend", &["mv", "tests/x_test.go", "tests/y_test.go"]);
    w.commit(
        "A-backend",
        "tests/y_test.go",
        &test_body("// moved\n"),
        "move the test",
    );
    w.wt(&["preflight", "A-backend"])
        .ok()
        .stdout_has("ok   tests kept");
    w.merge_ok("A-backend", &[]);
    assert!(w.env.main.join("tests/y_test.go").exists());
}

#[test]
fn a_lane_may_not_change_the_config_or_queue_unless_its_role_owns_them() {
    let w = world();
    let config = format!("{CONFIG}# tuned by a lane\n");
    w.commit("A-backend", "lanes.toml", &config, "loosen my own rules");
    w.commit(
        "A-backend",
        QUEUE,
        "version: 1\ntasks: []\n# x\n",
        "edit the queue",
    );
    let v = w.merge_refused(
        "A-backend",
        &[
            "protected_file: doc/governance/queue.yaml and lanes.toml are protected and owned by \
             C-ops: a lane may not change the config or queue that judges its own merge",
            "hint: restore them from base on this branch; change them on base instead",
        ],
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["rule"], "protected_file");
    assert_eq!(v[0]["owner"], "C-ops");
    w.preflight_fails("A-backend", "protected files", "protected_file");

    // The role that owns them may change them.
    w.commit("C-ops", "lanes.toml", &config, "ops tunes the lanes");
    w.commit(
        "C-ops",
        QUEUE,
        "version: 1\ntasks: []\n# x\n",
        "ops edits the queue",
    );
    w.wt(&["preflight", "C-ops"])
        .ok()
        .stdout_has("ok   protected files");
    w.merge_ok("C-ops", &[]);
}

/// The queue path is compared as git spells it (`./queue.yaml` is `queue.yaml`), and a config
/// file named with `--config` inside the repository is protected like `lanes.toml`.
#[test]
fn a_dotted_queue_path_and_a_config_given_with_dash_dash_config_are_protected() {
    let env = Env::bare();
    let config = r#"[project]
worktree_root = "../lanes"

[queue]
path = "./queue.yaml"

[[role]]
name = "A-backend"
owns = ["cmd/**"]
"#;
    env.commit_file(&env.main, "ci/wt.toml", config, "config");
    env.commit_file(&env.main, "queue.yaml", "version: 1\ntasks: []\n", "queue");
    env.git(&["push", "-q", "origin", "master"]);
    let wt = |args: &[&str]| {
        let mut all = vec!["--config", "ci/wt.toml"];
        all.extend_from_slice(args);
        env.wt(&all)
    };
    wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    env.commit_file(&lane, "queue.yaml", "version: 1\n", "queue edit");
    env.commit_file(
        &lane,
        "ci/wt.toml",
        &format!("{config}# x\n"),
        "config edit",
    );
    let before = (env.refs(), env.remote_refs());
    wt(&["merge", "A-backend"])
        .code(1)
        .stderr_has("ci/wt.toml and queue.yaml are protected:");
    assert_eq!((env.refs(), env.remote_refs()), before);
}
