//! The command-line conventions every command keeps (STYLE habits 3, 11, 12 and SPEC section 3):
//! data on stdout and people on stderr, `--json` as one document, `--quiet`, colors, no progress
//! or prompt without a terminal, a quiet exit on a closed pipe, the help's order. The terminal
//! side of the same rules is in `pty.rs`.

use crate::common::{Env, Run};
use std::process::Stdio;

const ESC: &str = "\x1b[";

/// stdout is exactly one JSON document: `serde_json::from_str` refuses anything after it.
#[track_caller]
fn one_json_document(run: &Run) -> serde_json::Value {
    let value = run.json();
    assert!(run.stdout.ends_with("}\n") || run.stdout.ends_with("]\n"));
    value
}

#[test]
fn json_is_one_document_on_stdout_and_messages_stay_on_stderr() {
    let env = Env::new();
    let setup = env.wt(&["setup", "--json"]);
    setup.ok().stderr_has("A-backend: created");
    let rows = one_json_document(&setup);
    assert_eq!(rows.as_array().unwrap().len(), 3);
    let status = env.wt(&["status", "--json"]);
    assert_eq!(one_json_document(status.ok()).as_array().unwrap().len(), 3);
    let preflight = env.wt(&["preflight", "--json", "A-backend"]);
    let report = one_json_document(preflight.ok());
    assert_eq!(report["lane"], "A-backend");
    assert_eq!(report["ok"], true);
    // A failing preflight is still one document, with exit 1.
    crate::common::write_file(&env.lane("A-backend").join("wip.txt"), "x\n");
    let failing = env.wt(&["preflight", "--json", "A-backend"]);
    assert_eq!(one_json_document(failing.code(1))["ok"], false);
}

#[test]
fn without_json_data_goes_to_stdout_and_messages_to_stderr() {
    let env = Env::new();
    let setup = env.wt(&["setup"]);
    setup.ok().stderr_has("A-backend: created");
    assert_eq!(setup.stdout, "", "setup's report is for people");
    let status = env.wt(&["status"]);
    status.ok().stdout_has("LANE").stdout_has("agent/B-ui-2");
    assert!(!status.stderr.contains("agent/B-ui-2"), "{}", status.stderr);
}

#[test]
fn quiet_silences_everything_but_errors() {
    let env = Env::new();
    let setup = env.wt(&["--quiet", "setup"]);
    setup.ok();
    assert_eq!(setup.stderr, "");
    let status = env.wt(&["status", "-q"]);
    status.ok().stdout_has("A-backend");
    assert_eq!(status.stderr, "");
    env.wt(&["-q", "preflight", "no-such-lane"])
        .code(2)
        .stderr_has("error: no lane `no-such-lane`");
}

#[test]
fn color_only_when_asked_for_off_a_terminal() {
    let env = Env::new();
    // The harness sets NO_COLOR; auto is off anyway because stderr is a pipe.
    let auto = env.wt(&["status", "nope"]);
    auto.code(2);
    assert!(!auto.stderr.contains(ESC), "{:?}", auto.stderr);
    let auto = env.wt_with(&env.main, &["status", "nope"], &[("NO_COLOR", "")]);
    assert!(!auto.stderr.contains(ESC), "{:?}", auto.stderr);
    let never = env.wt(&["--color", "never", "status", "nope"]);
    assert!(!never.stderr.contains(ESC), "{:?}", never.stderr);
    // `always` is a flag, and flags beat the environment's NO_COLOR.
    let always = env.wt(&["--color", "always", "status", "nope"]);
    always.code(2);
    assert!(
        always.stderr.contains("\x1b[1;31merror:"),
        "{:?}",
        always.stderr
    );
    // Data is never painted, whatever the flag says.
    let table = env.wt(&["--color", "always", "status"]);
    assert!(!table.ok().stdout.contains(ESC), "{:?}", table.stdout);
}

#[test]
fn no_progress_bar_off_a_terminal() {
    let env = Env::new();
    let setup = env.wt(&["setup"]);
    setup.ok();
    for mark in ["setup [", "\r", ESC, "⠋"] {
        assert!(
            !setup.stderr.contains(mark),
            "{mark:?} in {:?}",
            setup.stderr
        );
    }
}

#[test]
fn teardown_without_a_terminal_proceeds_without_asking() {
    // SPEC section 3: --yes is implied when stdin is not a terminal.
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let run = env.wt(&["teardown", "A-backend"]);
    run.ok();
    assert!(!run.stderr.contains('?'), "asked: {}", run.stderr);
    assert!(!env.lane("A-backend").exists());
    let branch = env.git_run(
        &env.main,
        &["rev-parse", "--verify", "-q", "agent/A-backend"],
    );
    assert_eq!(branch.code, 1, "branch still there");
}

/// Run `wt` with a stdout pipe whose reader is already gone: every write fails with EPIPE,
/// which is what `wt status | head -1` meets once head has exited.
fn with_closed_stdout(env: &Env, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = env
        .wt_command(&env.main, args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let env = Env::new();
    env.wt(&["setup"]).ok();
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["completions", "bash"],
    ] {
        let run = with_closed_stdout(&env, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

#[test]
fn status_into_head_through_a_real_shell() {
    let env = Env::new();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-c", "set -o pipefail; \"$WT\" status | head -1"])
        .current_dir(&env.main)
        .env("WT", env!("CARGO_BIN_EXE_wt"));
    env.sealed(&mut cmd);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("LANE"));
}

/// The commands listed by `--help`, in order.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn help_lists_commands_in_the_playbook_order() {
    let env = Env::bare();
    let run = env.wt_with(&env.main, &["--help"], &[("COLUMNS", "100")]);
    run.ok();
    assert_eq!(
        listed_commands(&run.stdout),
        [
            "init",
            "setup",
            "status",
            "preflight",
            "queue",
            "sync",
            "check",
            "review",
            "merge",
            "next",
            "exec",
            "handoff",
            "path",
            "task",
            "teardown",
            "demo",
            "completions",
            "man",
            "help"
        ]
    );
    insta::assert_snapshot!("help", run.stdout);
}

#[test]
fn config_errors_read_the_same_every_time() {
    let env = Env::bare();
    let scrub = |run: &Run| crate::common::scrub(&env, run);
    insta::assert_snapshot!("missing_config", scrub(&env.wt(&["status"])));
    env.write(
        "lanes.toml",
        "[project]\nprefix = \"p\"\n\n[[role]]\nname = \"A\"\nowns = [\"src/**\"]\nchecks = \"cargo test\"\n",
    );
    insta::assert_snapshot!("config_type_error", scrub(&env.wt(&["status"])));
}

#[test]
fn version_and_generated_text_open_no_repository() {
    let env = Env::bare();
    // A directory whose `.git` points nowhere: opening a repository here fails loudly.
    let broken = env.home.join("broken");
    crate::common::write_file(&broken.join(".git"), "gitdir: /nonexistent/wt-test\n");
    let run = env.wt_in(&broken, &["--version"]);
    run.ok();
    assert_eq!(run.stdout, format!("wt {}\n", env!("CARGO_PKG_VERSION")));
    env.wt_in(&broken, &["completions", "zsh"]).ok();
    env.wt_in(&broken, &["man"]).ok();
    env.wt_in(&broken, &["init", "--print-template", "lanes.toml"])
        .ok();
    // ... while a command that needs the repository says so.
    env.wt_in(&broken, &["status"])
        .code(2)
        .stderr_has("not inside a git repository");
}
