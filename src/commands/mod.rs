//! One private module per command: words in, calls into `lane/`, `queue/` and `config/`, a
//! report out to `ui`. The modules are private so that no command can reach into another: what
//! two commands share lives in `lane/` or `queue/`. `cli` sees only the argument types and the
//! entry points re-exported here.

mod check;
mod completions;
mod demo;
mod exec;
mod handoff;
mod init;
mod merge;
mod next;
mod path;
mod preflight;
mod queue;
mod review;
mod setup;
mod status;
mod sync;
mod task;
mod teardown;

pub use check::{run as check, CheckArgs};
pub use completions::{man, run as completions, CompletionsArgs};
pub use demo::{run as demo, DemoArgs};
pub use exec::{run as exec, ExecArgs};
pub use handoff::{run as handoff, HandoffArgs};
pub use init::{run as init, InitArgs};
pub use merge::{run as merge, MergeArgs};
pub use next::{run as next, NextArgs};
pub use path::{run as path, PathArgs};
pub use preflight::{run as preflight, PreflightArgs};
pub use queue::{run as queue, QueueCommand};
pub use review::{run as review, ReviewArgs};
pub use setup::{run as setup, SetupArgs};
pub use status::{run as status, StatusArgs};
pub use sync::{run as sync, SyncArgs};
pub use task::{run as task, TaskArgs};
pub use teardown::{run as teardown, TeardownArgs};

/// Defect evidence (playbook section 8a), given to `wt handoff` (remembered for the lane until it
/// merges) or to `wt merge` of one lane.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EvidenceArgs {
    /// Defect tasks: the root cause, in one sentence (remembered for the lane until it merges).
    #[arg(long, value_name = "TEXT")]
    pub root_cause: Option<String>,
    /// Defect tasks: the file or folder where the root cause was fixed (a path the branch changes).
    #[arg(long, value_name = "PATH")]
    pub owning_layer: Option<String>,
    /// Defect tasks: the command proving the root-cause path is covered (run in the rebased lane).
    #[arg(long, value_name = "COMMAND")]
    pub proof: Option<String>,
}

impl From<EvidenceArgs> for crate::lane::evidence::Evidence {
    fn from(args: EvidenceArgs) -> Self {
        Self {
            root_cause: args.root_cause,
            owning_layer: args.owning_layer,
            proof: args.proof,
        }
    }
}

/// Lane words: `A-backend`, `B-ui-2`, `B-ui:2`, or make-style `ROLE=B-ui LANE=2`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LaneWords {
    /// The lane: `A-backend`, `B-ui-2`, `B-ui:2`, or make-style `ROLE=B-ui LANE=2`.
    #[arg(value_name = "LANE")]
    pub words: Vec<String>,
}
