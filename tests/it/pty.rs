//! `wt` on a real terminal: a pseudo-terminal (rexpect) is stdin, stdout and stderr, as when a
//! person types the command. Proves the progress bar and the questions appear there, and that
//! the answer is obeyed; `conventions.rs` proves the same paths stay silent without a terminal.

use crate::common::Env;
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};
use std::path::Path;
use std::process::Stdio;

/// Long enough for a debug build on a loaded two-core machine.
const TIMEOUT_MS: u64 = 60_000;

/// `wt args` in `dir` on a fresh pseudo-terminal, with the sealed environment.
fn spawn_wt(env: &Env, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> PtySession {
    let mut cmd = env.wt_command(dir, args);
    // why: the harness points stdin at /dev/null; the pseudo-terminal must be all three streams.
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .env("TERM", "xterm-256color");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn wt on a pseudo-terminal")
}

/// Read everything up to the end and the exit code.
fn finish(mut p: PtySession) -> (i32, String) {
    let out = p.exp_eof().expect("wt ends");
    match p.process().wait().expect("wait for wt") {
        WaitStatus::Exited(_, code) => (code, out),
        other => panic!("wt did not exit normally: {other:?}\n{out}"),
    }
}

#[test]
fn setup_draws_progress_on_a_terminal_only_when_not_quiet() {
    let env = Env::new();
    let (code, out) = finish(spawn_wt(&env, &env.main, &["setup"], &[]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("setup ["), "no progress bar drawn:\n{out:?}");
    assert!(out.contains("B-ui-2: created"), "{out}");

    let env = Env::new();
    let (code, out) = finish(spawn_wt(&env, &env.main, &["setup", "--quiet"], &[]));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "", "--quiet drew something: {out:?}");

    let env = Env::new();
    let (code, out) = finish(spawn_wt(&env, &env.main, &["setup", "--json"], &[]));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("setup ["), "--json drew a bar: {out:?}");
}

#[test]
fn teardown_asks_and_no_changes_nothing() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let before = (env.refs(), env.worktrees());

    let mut p = spawn_wt(&env, &env.main, &["teardown", "A-backend"], &[]);
    p.exp_string("remove the worktree and branch of A-backend?")
        .expect("the question");
    p.send("n").unwrap();
    p.flush().unwrap();
    let (code, out) = finish(p);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("teardown cancelled; nothing was changed"),
        "{out}"
    );
    assert_eq!(before, (env.refs(), env.worktrees()));
    assert!(env.lane("A-backend").join("README.md").is_file());

    let mut p = spawn_wt(&env, &env.main, &["teardown", "A-backend"], &[]);
    p.exp_string("remove the worktree and branch of A-backend?")
        .expect("the question");
    p.send("y").unwrap();
    p.flush().unwrap();
    let (code, out) = finish(p);
    assert_eq!(code, 0, "{out}");
    assert!(!env.lane("A-backend").exists());
}

#[test]
fn yes_flag_skips_the_question_on_a_terminal() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let (code, out) = finish(spawn_wt(
        &env,
        &env.main,
        &["teardown", "--yes", "A-backend"],
        &[],
    ));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("remove the worktree"), "asked anyway: {out}");
    assert!(!env.lane("A-backend").exists());
}

#[test]
fn init_asks_for_roles_owned_paths_and_lanes() {
    let env = Env::bare();
    let mut p = spawn_wt(&env, &env.main, &["init"], &[]);
    p.exp_string("Role names").unwrap();
    p.send_line("A-backend, B-ui").unwrap();
    p.exp_string("Paths A-backend owns").unwrap();
    p.send_line("cmd/**, internal/**").unwrap();
    p.exp_string("Lanes of A-backend").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Paths B-ui owns").unwrap();
    // A glob that does not compile is asked again, not written.
    p.send_line("web/[").unwrap();
    p.exp_string("Paths B-ui owns").unwrap();
    p.send_line("web/**").unwrap();
    p.exp_string("Lanes of B-ui").unwrap();
    p.send_line("2").unwrap();
    let (code, out) = finish(p);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(env.main.join("lanes.toml")).unwrap();
    assert!(
        text.contains("name = \"A-backend\"\nowns = [\"cmd/**\", \"internal/**\"]"),
        "{text}"
    );
    assert!(
        text.contains("name = \"B-ui\"\nlanes = 2\nowns = [\"web/**\"]"),
        "{text}"
    );
    let status = env.wt(&["status", "--json"]);
    assert_eq!(
        crate::init::lane_ids(status.ok()),
        ["A-backend", "B-ui-1", "B-ui-2"]
    );
}

#[test]
fn colors_on_a_terminal_follow_no_color() {
    let env = Env::new();
    // The harness sets NO_COLOR=1: honoured in auto.
    let (code, out) = finish(spawn_wt(&env, &env.main, &["status", "nope"], &[]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("error:") && !out.contains("\x1b["), "{out:?}");
    // An empty NO_COLOR does not count (no-color.org), so auto paints on a terminal.
    let (code, out) = finish(spawn_wt(
        &env,
        &env.main,
        &["status", "nope"],
        &[("NO_COLOR", "")],
    ));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("\x1b[1;31merror:"), "{out:?}");
    let (_, out) = finish(spawn_wt(
        &env,
        &env.main,
        &["--color", "never", "status", "nope"],
        &[("NO_COLOR", "")],
    ));
    assert!(!out.contains("\x1b["), "{out:?}");
}

#[test]
fn status_watch_redraws_in_place_until_ctrl_c() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let mut p = spawn_wt(&env, &env.main, &["status", "--watch", "1"], &[]);
    let mut seen = String::new();
    // Two frames, each cleared and drawn from the top with its refresh time and the table.
    for _ in 0..2 {
        seen += &p.exp_string("\x1b[H\x1b[2J").expect("a redraw");
        seen += &p.exp_string("refreshed").expect("the refresh time");
        seen += &p.exp_string("agent/A-backend").expect("the table");
    }
    p.send_control('c').unwrap();
    let (code, rest) = finish(p);
    seen += &rest;
    assert!(code == 0 || code == 130, "exit {code}\n{seen:?}");
    // The cursor hidden for the board is shown again, last.
    assert!(seen.starts_with("\x1b[?25l"), "{seen:?}");
    assert!(rest.trim_end().ends_with("\x1b[?25h"), "{rest:?}");
}
