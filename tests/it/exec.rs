//! `wt path` and `wt exec`: a lane's directory for `cd "$(wt path LANE)"`, and a program started
//! in the lane with its variables, its streams and its exit code.

use crate::common::queue::{qenv, QUEUE};
use crate::common::world::setup_lanes;
use crate::common::Env;

#[test]
fn path_prints_the_lane_directory_and_nothing_else() {
    let env = Env::new();
    setup_lanes(&env);
    let run = env.wt(&["path", "A-backend"]);
    run.ok();
    assert_eq!(run.stdout, format!("{}\n", env.lane("A-backend").display()));
    assert_eq!(run.stderr, "");
    for spelling in [&["B-ui:2"][..], &["B-ui-2"], &["ROLE=B-ui", "LANE=2"]] {
        let mut args = vec!["path"];
        args.extend_from_slice(spelling);
        let run = env.wt(&args);
        run.ok();
        assert_eq!(run.stdout, format!("{}\n", env.lane("B-ui-2").display()));
    }
    // From inside a lane, --main leads back.
    let run = env.wt_in(&env.lane("B-ui-1"), &["path", "--main"]);
    run.ok();
    assert_eq!(run.stdout, format!("{}\n", env.main.display()));
    let json = env.wt(&["path", "A-backend", "--json"]).ok().json();
    assert_eq!(json["lane"], "A-backend");
    assert_eq!(json["path"], env.lane("A-backend").to_str().unwrap());
}

#[test]
fn path_refuses_a_lane_that_is_not_set_up() {
    let env = Env::new();
    let run = env.wt(&["path", "B-ui-2"]);
    run.code(1).stderr_has("hint: wt setup B-ui-2");
    assert_eq!(run.stdout, "");
    env.wt(&["path"]).code(2).stderr_has("--main");
    env.wt(&["path", "nope"]).code(2);
}

#[test]
fn exec_runs_in_the_lane_with_its_variables() {
    let env = qenv("", QUEUE);
    setup_lanes(&env);
    env.wt(&["queue", "claim", "A-backend", "--owner", "agent-a"])
        .ok();
    let run = env.wt(&[
        "exec",
        "A-backend",
        "--",
        "sh",
        "-c",
        "pwd -P; for v in ROLE LANE BRANCH TASK OWNER BASE MAIN; do eval echo \\\"$v=\\$WT_$v\\\"; done",
    ]);
    run.ok();
    assert_eq!(
        run.stdout,
        format!(
            "{}\nROLE=A-backend\nLANE=A-backend\nBRANCH=agent/A-backend\nTASK=A-1\nOWNER=agent-a\nBASE=master\nMAIN={}\n",
            env.lane("A-backend").display(),
            env.main.display()
        )
    );
    // A lane without a claimed task gets the variables empty, never an outer lane's values.
    let run = env.wt_with(
        &env.main,
        &[
            "exec",
            "B-ui:1",
            "--",
            "sh",
            "-c",
            "echo \"[$WT_LANE][$WT_TASK][$WT_OWNER]\"",
        ],
        &[("WT_TASK", "stale"), ("WT_OWNER", "someone")],
    );
    run.ok();
    assert_eq!(run.stdout, "[B-ui-1][][]\n");
}

#[test]
fn exec_passes_the_exit_code_and_stdin_through() {
    let env = Env::new();
    setup_lanes(&env);
    env.wt(&["exec", "A-backend", "--", "sh", "-c", "exit 7"])
        .code(7);
    let run = env.wt(&["exec", "A-backend", "--", "sh", "-c", "kill -TERM $$"]);
    run.code(128 + 15);
    let mut cmd = env.wt_command(&env.main, &["exec", "A-backend", "--", "cat"]);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"through stdin\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "through stdin\n");
}

#[test]
fn exec_never_gives_its_arguments_to_a_shell() {
    let env = Env::new();
    setup_lanes(&env);
    let lane = env.lane("A-backend");
    let words = [
        "$(touch pwned)",
        "`touch pwned2`",
        "; touch pwned3",
        "| cat",
        "*",
        "$HOME",
    ];
    let mut args = vec!["exec", "A-backend", "--", "printf", "%s\\n"];
    args.extend_from_slice(&words);
    let run = env.wt(&args);
    run.ok();
    assert_eq!(run.stdout, format!("{}\n", words.join("\n")));
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!lane.join(f).exists() && !env.main.join(f).exists(), "{f}");
    }
}

#[test]
fn exec_refuses_a_missing_lane_and_a_missing_program() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let run = env.wt(&["exec", "B-ui-1", "--", "touch", "made"]);
    run.code(1).stderr_has("hint: wt setup B-ui-1");
    assert!(!env.main.join("made").exists());
    env.wt(&["exec", "A-backend", "--", "no-such-program-wt"])
        .code(127)
        .stderr_has("not found");
    crate::common::write_file(&env.lane("A-backend").join("script.sh"), "#!/bin/sh\n");
    env.wt(&["exec", "A-backend", "--", "./script.sh"])
        .code(126)
        .stderr_has("not executable");
    env.wt(&["exec", "A-backend"]).code(2);
}
