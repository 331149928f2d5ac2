//! The command line: global flags, the command enum (in the playbook's order), make-style
//! `KEY=VALUE` words, and the one dispatch `match`.

use crate::commands;
use crate::context::{Context, Globals};
use crate::error::{Error, Result};
use crate::ui::{ColorChoice, Ui};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Worktree lanes for teams of coding agents: one persistent worktree and branch per role lane,
/// rebased onto base, merged fast-forward only, with a dependency-gated task queue.
#[derive(Parser, Debug)]
#[command(name = "wt", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// Read this lanes.toml instead of the main checkout's.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Run as if wt was started in PATH.
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub directory: Option<PathBuf>,
    /// Machine output on stdout (one JSON document); messages stay on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// Assume yes to confirmations (implied when stdin is not a terminal).
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
    /// Only errors on stderr.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// When to color messages (NO_COLOR is honoured in auto).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Seconds to wait for another wt's repository lock before giving up (exit 5).
    #[arg(long, global = true, default_value_t = 10, value_name = "SECONDS")]
    pub wait: u64,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write lanes.toml from the template (refuses to overwrite).
    #[command(display_order = 1)]
    Init(commands::InitArgs),
    /// Create every missing lane worktree and branch; repair half-made ones.
    #[command(display_order = 2)]
    Setup(commands::SetupArgs),
    /// One row per lane: branch, HEAD, ahead/behind base, dirty counts, operation, task.
    #[command(display_order = 3, visible_alias = "list")]
    Status(commands::StatusArgs),
    /// Check that a lane is ready for work (exit 1 when a check fails).
    #[command(display_order = 4)]
    Preflight(commands::PreflightArgs),
    /// Work queue: ready, claim, set, show, validate, graph.
    #[command(display_order = 5, subcommand)]
    Queue(commands::QueueCommand),
    /// Fetch, rebase lanes onto the remote base, push them with a lease.
    #[command(display_order = 6)]
    Sync(commands::SyncArgs),
    /// Run the role's checks, triggered gates and the task's acceptance checks in the lane.
    #[command(display_order = 7)]
    Check(commands::CheckArgs),
    /// Approve a lane's change or ask for changes (bound to its patch); list its reviews.
    #[command(display_order = 7)]
    Review(commands::ReviewArgs),
    /// Rebase, check, and fast-forward base to the lane; mark its task done.
    #[command(display_order = 8)]
    Merge(commands::MergeArgs),
    /// Each lane's state and the one next step, with the exact command (changes nothing).
    #[command(display_order = 8)]
    Next(commands::NextArgs),
    /// Print the handoff report of a lane.
    #[command(display_order = 9)]
    Handoff(commands::HandoffArgs),
    /// Print a lane's worktree directory (or the main checkout's), for `cd "$(wt path LANE)"`.
    #[command(display_order = 9)]
    Path(commands::PathArgs),
    /// Run a program in a lane's worktree with WT_* variables set; exit as it exits.
    #[command(display_order = 9)]
    Exec(commands::ExecArgs),
    /// Print a lane's claimed task as a brief for its agent: checks, paths, rules, next commands.
    #[command(display_order = 9)]
    Task(commands::TaskArgs),
    /// Remove a lane's worktree and branch, only when nothing would be lost.
    #[command(display_order = 10)]
    Teardown(commands::TeardownArgs),
    /// Build a throwaway repo with a remote and run the whole lifecycle in it, narrated.
    #[command(display_order = 11)]
    Demo(commands::DemoArgs),
    /// Print shell completions.
    #[command(display_order = 12)]
    Completions(commands::CompletionsArgs),
    /// Print the man page (roff).
    #[command(display_order = 13)]
    Man,
}

pub fn main() -> ExitCode {
    main_as("wt")
}

/// The program under the name it was installed as (`wt`, or `git-lanes` for `git lanes ...`):
/// the name shows in usage lines and `--version`.
pub fn main_as(name: &'static str) -> ExitCode {
    crate::sys::process::install_signal_handler();
    crate::ui::set_program(name);
    let parsed = clap_tree()
        .name(name)
        .bin_name(name)
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let ui = Ui::new(cli.global.quiet, cli.global.json, cli.global.color);
    let globals = match globals(&cli.global) {
        Ok(g) => g,
        Err(e) => return ExitCode::from(ui.fail(&e)),
    };
    let ctx = Context::new(ui, globals);
    let outcome = dispatch(&ctx, cli.command);
    crate::sys::process::wait_if_interrupted();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => ExitCode::from(ctx.ui.fail(&e)),
    }
}

fn globals(g: &GlobalArgs) -> Result<Globals> {
    let here = std::env::current_dir()
        .map_err(|e| Error::io(format!("cannot read the current directory: {e}"), e))?;
    let cwd = match &g.directory {
        Some(dir) => here.join(dir),
        None => here,
    };
    if !cwd.is_dir() {
        return Err(Error::usage(format!(
            "-C {}: not a directory",
            cwd.display()
        )));
    }
    Ok(Globals {
        config: g.config.clone(),
        cwd,
        yes: g.yes,
        wait: Duration::from_secs(g.wait),
    })
}

/// Every command appears here once. A handler returns its exit code (0, or 1 for a report that
/// found problems) or an error.
fn dispatch(ctx: &Context, chosen: Command) -> Result<u8> {
    match chosen {
        Command::Init(args) => commands::init(ctx, args),
        Command::Setup(args) => commands::setup(ctx, args),
        Command::Status(args) => commands::status(ctx, args),
        Command::Preflight(args) => commands::preflight(ctx, args),
        Command::Queue(cmd) => commands::queue(ctx, cmd),
        Command::Sync(args) => commands::sync(ctx, args),
        Command::Check(args) => commands::check(ctx, args),
        Command::Merge(args) => commands::merge(ctx, args),
        Command::Next(args) => commands::next(ctx, args),
        Command::Handoff(args) => commands::handoff(ctx, args),
        Command::Path(args) => commands::path(ctx, args),
        Command::Exec(args) => commands::exec(ctx, args),
        Command::Task(args) => commands::task(ctx, args),
        Command::Review(args) => commands::review(ctx, args),
        Command::Teardown(args) => commands::teardown(ctx, args),
        Command::Demo(args) => commands::demo(ctx, args),
        Command::Completions(args) => commands::completions(ctx, args, clap_tree()),
        Command::Man => commands::man(ctx, clap_tree()),
    }
}

/// The clap tree, for `wt completions` and `wt man`.
fn clap_tree() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

impl From<clap::Error> for Error {
    fn from(e: clap::Error) -> Error {
        Error::usage(e.to_string())
    }
}
