//! `wt init`, the embedded templates (lanes.toml, Makefile.wt, onboard.sh) and lanes.example.toml,
//! each run for real: the written file through the real loader, the make targets through make,
//! the onboarding script through /bin/sh.

use crate::common::{write_file, Env, Run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The lane ids of a `wt status --json` run, in order.
pub(crate) fn lane_ids(run: &Run) -> Vec<String> {
    run.json()
        .as_array()
        .expect("status --json is an array")
        .iter()
        .map(|r| r["lane"].as_str().unwrap().to_string())
        .collect()
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `PATH` with the `wt` under test first.
fn path_with_wt(extra: Option<&Path>) -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_wt")).parent().unwrap();
    let mut dirs: Vec<PathBuf> = extra.into_iter().map(Path::to_path_buf).collect();
    dirs.push(bin.to_path_buf());
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// Run `program` sealed like `wt`, in `dir`, with the `wt` under test on PATH.
fn run_tool(env: &Env, dir: &Path, program: &str, args: &[&str], bin: Option<&Path>) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null());
    env.sealed(&mut cmd);
    cmd.env("PATH", path_with_wt(bin));
    Run::from(
        cmd.output()
            .unwrap_or_else(|e| panic!("run {program}: {e}")),
    )
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn roles_from_flags_make_a_file_the_loader_accepts() {
    let env = Env::bare();
    let run = env.wt(&["init", "--role", "A", "--role", "B"]);
    run.ok().stderr_has("wrote").stderr_has("lanes A, B");
    assert_eq!(run.stdout, "", "init reports on stderr only");
    let text = std::fs::read_to_string(env.main.join("lanes.toml")).unwrap();
    assert!(!text.contains("{{"), "a placeholder survived:\n{text}");
    assert!(text.contains("# prefix = \"main repo\""), "{text}");
    assert!(text.contains("# base = \"master\""), "{text}");
    let status = env.wt(&["status"]);
    status.ok().stdout_has("agent/A").stdout_has("agent/B");
    assert_eq!(lane_ids(&env.wt(&["status", "--json"])), ["A", "B"]);
}

#[test]
fn json_reports_the_file_and_lanes() {
    let env = Env::bare();
    let run = env.wt(&["init", "--json", "--role", "A-backend"]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["lanes"], serde_json::json!(["A-backend"]));
    assert_eq!(doc["roles"][0]["name"], "A-backend");
    assert!(doc["path"]
        .as_str()
        .unwrap()
        .ends_with("main repo/lanes.toml"));
}

#[test]
fn writes_at_the_main_checkout_even_from_a_subdirectory() {
    let env = Env::bare();
    std::fs::create_dir_all(env.main.join("sub/dir")).unwrap();
    env.wt_in(&env.main.join("sub/dir"), &["init", "--role", "A"])
        .ok();
    assert!(env.main.join("lanes.toml").is_file());
    assert!(!env.main.join("sub/dir/lanes.toml").exists());
}

#[test]
fn refuses_to_overwrite_and_changes_nothing() {
    let env = Env::new();
    let before = std::fs::read(env.main.join("lanes.toml")).unwrap();
    env.wt(&["init", "--role", "X"])
        .code(1)
        .stderr_has("exists already");
    assert_eq!(before, std::fs::read(env.main.join("lanes.toml")).unwrap());
    // No temp file is left behind either.
    let leftovers: Vec<_> = std::fs::read_dir(&env.main)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".lanes.toml"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_role_names_are_usage_errors_and_write_nothing() {
    let env = Env::bare();
    for bad in ["1abc", "a/b", "$(touch PWNED)", "a b", ""] {
        env.wt(&["init", "--role", bad])
            .code(2)
            .stderr_has("not a valid role name");
    }
    env.wt(&["init", "--role", "A", "--role", "A"])
        .code(2)
        .stderr_has("named twice");
    assert!(!env.main.join("lanes.toml").exists());
    assert!(!env.main.join("PWNED").exists());
}

#[test]
fn without_a_terminal_or_roles_it_asks_for_role_flags() {
    let env = Env::bare();
    // The harness gives wt no terminal (stdin is /dev/null): no prompt, no waiting.
    env.wt(&["init"])
        .code(2)
        .stderr_has("no terminal")
        .stderr_has("--role");
    assert!(!env.main.join("lanes.toml").exists());
}

#[test]
fn config_flag_names_the_file_to_write() {
    let env = Env::bare();
    env.wt(&["--config", "conf/lanes.toml", "init", "--role", "A"])
        .code(3)
        .stderr_has("cannot write");
    std::fs::create_dir_all(env.main.join("conf")).unwrap();
    env.wt(&["--config", "conf/lanes.toml", "init", "--role", "A"])
        .ok();
    assert!(env.main.join("conf/lanes.toml").is_file());
    let run = env.wt(&["--config", "conf/lanes.toml", "status", "--json"]);
    assert_eq!(lane_ids(&run), ["A"]);
}

#[test]
fn print_template_prints_each_embedded_file() {
    let env = Env::bare();
    for (name, file) in [
        ("lanes.toml", "templates/lanes.toml"),
        ("handoff.md", "templates/handoff.md"),
        ("Makefile.wt", "templates/Makefile.wt"),
        ("onboard.sh", "templates/onboard.sh"),
    ] {
        let run = env.wt(&["init", "--print-template", name]);
        run.ok();
        let want = std::fs::read_to_string(repo_file(file)).unwrap();
        assert_eq!(run.stdout, want, "{name}");
        assert_eq!(run.stderr, "");
    }
    env.wt(&["init", "--print-template", "nope.txt"])
        .code(2)
        .stderr_has("no template named `nope.txt`")
        .stderr_has("lanes.toml, handoff.md, Makefile.wt, onboard.sh");
}

#[test]
fn example_config_loads_with_the_real_loader() {
    let env = Env::bare();
    let example = std::fs::read_to_string(repo_file("lanes.example.toml")).unwrap();
    env.write("lanes.toml", &example);
    let run = env.wt(&["status", "--json"]);
    run.ok();
    assert_eq!(lane_ids(&run), ["A-backend", "C-ops", "B-ui-1", "B-ui-2"]);
    let rows = run.json();
    assert_eq!(rows[0]["branch"], "agent/A-backend");
    assert_eq!(rows[2]["lane_index"], 1);
    assert!(rows[3]["path"].as_str().unwrap().ends_with("/gpuas-B-ui-2"));
}

#[test]
fn example_config_names_every_key() {
    let example = std::fs::read_to_string(repo_file("lanes.example.toml")).unwrap();
    let table: toml::Table = toml::from_str(&example).unwrap();
    let keys = |t: &str| -> Vec<String> {
        let mut k: Vec<String> = table[t].as_table().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys("project"),
        [
            "base",
            "branch_template",
            "dir_template",
            "prefix",
            "remote",
            "worktree_root"
        ]
    );
    assert_eq!(
        keys("queue"),
        [
            "archive",
            "commit",
            "default_priority",
            "field_names",
            "path",
            "push",
            "set_status",
            "strict_fields"
        ]
    );
    assert_eq!(keys("contracts"), ["owners", "paths"]);
    assert_eq!(
        keys("policy"),
        ["defect_kinds", "high_risk", "precious", "tests"]
    );
    assert_eq!(keys("review"), ["required", "route"]);
    let route = &table["review"]["route"].as_array().unwrap()[0];
    assert!(route.get("when").is_some() && route.get("by").is_some());
    let roles = table["role"].as_array().unwrap();
    assert!(roles.iter().any(|r| r.get("lanes").is_some()), "a V2 role");
    assert!(roles.iter().any(|r| r.get("lanes").is_none()), "a V1 role");
    assert!(roles
        .iter()
        .all(|r| r.get("owns").is_some() && r.get("checks").is_some()));
    let gate = &table["gate"].as_array().unwrap()[0];
    assert!(gate.get("when").is_some() && gate.get("run").is_some());
    let gates = table["gate"].as_array().unwrap();
    assert!(gates.iter().any(|g| g.get("requires").is_some()));
}

/// A stand-in for `wt` that prints each argv word in brackets, to see how make split them.
fn argv_printer(env: &Env) -> PathBuf {
    let path = env.home.join("bin/argv");
    write_file(
        &path,
        "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n",
    );
    make_executable(&path);
    path
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The main checkout with `Makefile.wt` (from `--print-template`) included by a Makefile whose
/// own first target must stay the default goal.
fn with_makefile(env: &Env) {
    let template = env.wt(&["init", "--print-template", "Makefile.wt"]);
    template.ok();
    env.write("Makefile.wt", &template.stdout);
    env.write(
        "Makefile",
        "ROLE_FROM_FILE = A-backend\n\nall:\n\t@echo default goal kept\n\ninclude Makefile.wt\n",
    );
}

#[test]
fn make_targets_pass_each_value_as_one_word() {
    if !have("make") {
        eprintln!("skipped: no make on this machine");
        return;
    }
    let env = Env::new();
    with_makefile(&env);
    let argv = argv_printer(&env);
    let wt = format!("WT={}", argv.display());
    let make = |args: &[&str]| {
        let mut all = vec!["-s", wt.as_str()];
        all.extend_from_slice(args);
        run_tool(&env, &env.main, "make", &all, None)
    };
    make(&[]).ok().stdout_has("default goal kept");
    let run = make(&["agent-preflight", "ROLE=B-ui", "LANE=2"]);
    assert_eq!(run.ok().stdout, "[preflight]\n[ROLE=B-ui]\n[LANE=2]\n");
    // An unset LANE is left out, not passed as an empty `LANE=` (which wt refuses).
    assert_eq!(
        make(&["agent-sync", "ROLE=A-backend"]).stdout,
        "[sync]\n[ROLE=A-backend]\n"
    );
    assert_eq!(make(&["agent-merge"]).stdout, "[merge]\n");
    let run = make(&[
        "queue-claim",
        "ROLE=A-backend",
        "OWNER=agent-a",
        "TASK=A-P7-001",
    ]);
    assert_eq!(
        run.stdout,
        "[queue]\n[claim]\n[ROLE=A-backend]\n[OWNER=agent-a]\n[TASK=A-P7-001]\n"
    );
    let run = make(&[
        "queue-set-status",
        "TASK_ID=A-P7-001",
        "STATUS=blocked",
        "OWNER=agent a",
        "BY=C-OPS-001",
    ]);
    assert_eq!(
        run.stdout,
        "[queue]\n[set]\n[TASK_ID=A-P7-001]\n[STATUS=blocked]\n[OWNER=agent a]\n[--by]\n[C-OPS-001]\n"
    );
    // Neither make nor the shell runs anything inside a value; quotes arrive as typed.
    let run = make(&[
        "agent-preflight",
        "ROLE=$(shell touch PWNED1)",
        "LANE=`touch PWNED2`$(touch PWNED3)'\"",
    ]);
    assert_eq!(
        run.ok().stdout,
        "[preflight]\n[ROLE=$(shell touch PWNED1)]\n[LANE=`touch PWNED2`$(touch PWNED3)'\"]\n"
    );
    for f in ["PWNED1", "PWNED2", "PWNED3"] {
        assert!(!env.main.join(f).exists(), "{f} was created");
    }
    // A value set in a makefile is expanded as make normally would.
    let mut mk = std::fs::read_to_string(env.main.join("Makefile")).unwrap();
    mk = mk.replace(
        "ROLE_FROM_FILE = A-backend\n",
        "ROLE_FROM_FILE = A-backend\nROLE = $(ROLE_FROM_FILE)\n",
    );
    env.write("Makefile", &mk);
    assert_eq!(
        make(&["agent-preflight"]).stdout,
        "[preflight]\n[ROLE=A-backend]\n"
    );
}

#[test]
fn make_targets_drive_the_real_wt() {
    if !have("make") {
        eprintln!("skipped: no make on this machine");
        return;
    }
    let env = Env::new();
    with_makefile(&env);
    run_tool(&env, &env.main, "make", &["-s", "agent-setup"], None).ok();
    let run = run_tool(
        &env,
        &env.main,
        "make",
        &["-s", "agent-preflight", "ROLE=B-ui", "LANE=2"],
        None,
    );
    run.ok().stdout_has("B-ui-2");
    run_tool(
        &env,
        &env.main,
        "make",
        &["-s", "agent-preflight", "ROLE=$(shell touch PWNED)"],
        None,
    )
    .code(2);
    assert!(!env.main.join("PWNED").exists());
}

fn onboard_script(env: &Env) -> PathBuf {
    let run = env.wt(&["init", "--print-template", "onboard.sh"]);
    run.ok();
    let path = env.home.join("onboard.sh");
    write_file(&path, &run.stdout);
    path
}

#[test]
fn onboard_sets_up_and_preflights_every_lane() {
    let env = Env::new();
    let script = onboard_script(&env);
    let run = run_tool(&env, &env.main, "sh", &[script.to_str().unwrap()], None);
    run.ok()
        .stderr_has("git 2.")
        .stderr_has("== wt preflight A-backend")
        .stderr_has("== wt preflight B-ui-2")
        .stderr_has("every lane is ready");
    for lane in ["A-backend", "B-ui-1", "B-ui-2"] {
        assert!(env.lane(lane).join("README.md").is_file(), "{lane}");
    }
    // A lane that is not ready fails the script, naming it.
    write_file(&env.lane("B-ui-1").join("scratch.txt"), "wip\n");
    let run = run_tool(&env, &env.main, "sh", &[script.to_str().unwrap()], None);
    run.code(1).stderr_has("preflight failed for: B-ui-1");
}

#[test]
fn onboard_refuses_an_old_git() {
    let env = Env::new();
    let script = onboard_script(&env);
    let stub_dir = env.home.join("oldgit");
    write_file(
        &stub_dir.join("git"),
        "#!/bin/sh\necho 'git version 2.29.2'\n",
    );
    make_executable(&stub_dir.join("git"));
    let run = run_tool(
        &env,
        &env.main,
        "sh",
        &[script.to_str().unwrap()],
        Some(&stub_dir),
    );
    run.code(1)
        .stderr_has("git 2.29.2 is too old")
        .stderr_has("2.30");
    assert!(!env.lane("A-backend").exists(), "nothing was set up");
}

/// `AGENTS.md` is generated from the repository's lanes.toml: every lane with its branch, owned
/// paths and checks, the rules, and the cycle in order.
#[test]
fn print_template_agents_md_comes_from_the_lanes() {
    let env = Env::with_config(&crate::common::world::config_with_checks("['make test']"));
    let run = env.wt(&["init", "--print-template", "AGENTS.md"]);
    run.ok();
    assert_eq!(run.stderr, "");
    let text = &run.stdout;
    for row in [
        "| `A-backend` | `agent/A-backend` | `cmd/**`, `internal/**` | `make test` |",
        "| `B-ui-1` | `agent/B-ui-1` | `web/**` | - |",
        "| `B-ui-2` | `agent/B-ui-2` | `web/**` | - |",
        "- `lanes.toml` decide how merges are judged",
    ] {
        assert!(text.contains(row), "lacks {row:?}:\n{text}");
    }
    let cycle = [
        "1. `wt next LANE`",
        "2. `wt task LANE`",
        "3. Work and commit",
        "4. `wt sync LANE`",
        "5. `wt check LANE`",
        "6. `wt merge LANE`",
    ];
    let at: Vec<usize> = cycle
        .iter()
        .map(|step| {
            text.find(step)
                .unwrap_or_else(|| panic!("lacks {step:?}:\n{text}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(!text.contains("{{"), "{text}");
    // Outside a repository it needs the lanes, so it says so.
    Env::bare()
        .wt(&["init", "--print-template", "AGENTS.md"])
        .code(2)
        .stderr_has("no lanes.toml");
}
