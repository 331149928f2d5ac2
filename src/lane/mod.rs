//! The lifecycle of one lane, as a library: its state, whether it may change ([`ready`]), rebase
//! and exact restore ([`rebase`]), fetch and leased push ([`push`]), sync of several lanes at
//! once ([`sync`]), checks (plan, run, record), the policy adapter, preflight as data, the
//! handoff, the claimed task, and the merge sequence with its journal ([`merge`]).
//!
//! Functions here return data and errors. They never print and never take a `Context` or a
//! `Ui`: what they tell the person watching goes out through [`Events`], which `ui` implements.
//! They reach git only through `git/`, the queue only through `queue/`.

pub mod checks;
pub mod evidence;
pub mod exception;
pub mod findings;
pub mod guide;
pub mod handoff;
pub mod journal;
pub mod markers;
pub mod merge;
pub mod next;
pub mod packet;
pub mod place;
pub mod policy;
pub mod preflight;
pub mod push;
pub mod quality;
pub mod ready;
pub mod rebase;
pub mod review;
pub mod setup;
pub mod state;
pub mod sync;
pub mod task;
pub mod teardown;

pub use crate::sys::events::Events;

use crate::config::Config;
use crate::git::{BaseRef, RepoInfo};

/// Where lanes live: the resolved config, the repository and its base branch. What every lane
/// function needs, and nothing of the terminal.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    pub cfg: &'a Config,
    pub info: &'a RepoInfo,
    pub base: &'a BaseRef,
    /// How long to wait for a busy lock (`--wait`); the merge takes and releases the repository
    /// lock itself around its checks.
    pub wait: std::time::Duration,
}
