//! The same program under a second name, `git-lanes`, so that `git lanes status` works through
//! git's own command lookup and `wt` can be left to another tool of that name.

fn main() -> std::process::ExitCode {
    wt::cli::main_as("git-lanes")
}
