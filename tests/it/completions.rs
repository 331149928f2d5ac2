//! `wt completions SHELL` and `wt man`: generated from the clap definition, so they can only
//! go stale if these tests stop checking that they mention the commands.

use crate::common::Env;

const SUBCOMMANDS: &[&str] = &[
    "init",
    "setup",
    "preflight",
    "queue",
    "teardown",
    "completions",
];

#[test]
fn every_shell_gets_completions_naming_the_subcommands() {
    let env = Env::bare();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.wt(&["completions", shell]);
        run.ok();
        assert!(
            run.stdout.len() > 500,
            "{shell}: {} bytes",
            run.stdout.len()
        );
        assert_eq!(run.stderr, "", "{shell}");
        for sub in SUBCOMMANDS {
            assert!(run.stdout.contains(sub), "{shell} completions lack {sub}");
        }
    }
    // Global flags complete too.
    env.wt(&["completions", "bash"])
        .stdout_has("--json")
        .stdout_has("--color");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = Env::bare();
    env.wt(&["completions", "tcsh"])
        .code(2)
        .stderr_has("invalid value 'tcsh'");
}

#[test]
fn man_page_is_roff_naming_the_subcommands() {
    let env = Env::bare();
    let run = env.wt(&["man"]);
    run.ok();
    assert!(
        run.stdout.starts_with(".ie"),
        "{}",
        &run.stdout[..80.min(run.stdout.len())]
    );
    assert!(run.stdout.contains(".TH wt 1"), "no .TH header");
    for sub in SUBCOMMANDS {
        assert!(run.stdout.contains(sub), "man page lacks {sub}");
    }
}
