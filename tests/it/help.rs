//! Help text for every argument, and the second program name `git-lanes`.

use crate::common::Env;
use std::path::Path;

/// Every argument and option of every command has a help line (`wt help queue claim` explains
/// `--owner`; a bare `<LANE>` says which spellings it takes).
#[test]
fn every_argument_and_option_has_help() {
    let mut missing = Vec::new();
    walk(
        &<wt::cli::Cli as clap::CommandFactory>::command(),
        "wt",
        &mut missing,
    );
    assert!(
        missing.is_empty(),
        "arguments without help:\n{}",
        missing.join("\n")
    );
}

fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
    if cmd.get_about().is_none() && path != "wt" {
        missing.push(format!("{path} (the command itself)"));
    }
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() || arg.get_help().is_some() || arg.get_long_help().is_some() {
            continue;
        }
        missing.push(format!("{path} {}", arg.get_id()));
    }
    for sub in cmd.get_subcommands() {
        walk(sub, &format!("{path} {}", sub.get_name()), missing);
    }
}

#[test]
fn help_explains_owner_and_lane_spellings() {
    let env = Env::bare();
    let run = env.wt(&["help", "queue", "claim"]);
    run.ok()
        .stdout_has("--owner <NAME>")
        .stdout_has("B-ui-2")
        .stdout_has("B-ui:2")
        .stdout_has("ROLE=B-ui LANE=2");
}

/// `git lanes ...` finds `git-lanes` on PATH, as `cargo install --path .` puts it there.
#[test]
fn git_lanes_is_the_same_program_under_git() {
    let env = Env::new();
    let bin = Path::new(env!("CARGO_BIN_EXE_git-lanes"));
    let dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let git_lanes = |args: &[&str]| {
        let mut cmd = std::process::Command::new("git");
        cmd.arg("lanes").args(args).current_dir(&env.main);
        env.sealed(&mut cmd);
        cmd.env("PATH", &path);
        cmd.output().unwrap()
    };
    let out = git_lanes(&["--version"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("git-lanes {}\n", env!("CARGO_PKG_VERSION"))
    );

    let out = git_lanes(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);

    // The commands its hints suggest are written as this name is typed.
    std::fs::remove_file(env.main.join("lanes.toml")).unwrap();
    let out = git_lanes(&["status"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`git lanes init --role NAME`"), "{stderr}");
    assert!(!stderr.contains("`wt "), "{stderr}");
}
