//! The merge journal (`<common dir>/wt/journal/<lane>`): written before `wt merge` pushes
//! anything to base, advanced as each later step completes, removed at the end. A merge killed
//! at any point leaves it behind; the rerun reads it to tell "base already has the work: finish
//! the bookkeeping" from "nothing landed: start over", so the work lands and the task is marked
//! done exactly once.

use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::sys::files;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How far a journaled merge got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// About to push the lane and base; base may or may not have the tip yet.
    Pushing,
    /// Base holds the tip (on the remote, or locally without one).
    Landed,
    /// The task was marked done.
    Marked,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub lane: String,
    pub branch: String,
    pub base: String,
    /// The remote base was pushed to; None when the repository has no remote.
    pub remote: Option<String>,
    /// The lane tip that is being put on base.
    pub tip: String,
    /// Base before the merge: the commit the lane was rebased onto.
    pub base_before: String,
    pub task: Option<String>,
    /// Whether the task's dependencies were all done, for the handoff header.
    pub depends_on_satisfied: Option<bool>,
    pub started_at: String,
    pub phase: Phase,
    /// Lines for the handoff's risks (e.g. test files removed, and why).
    #[serde(default)]
    pub risks: Vec<String>,
    /// The defect evidence of a defect task, for the handoff and the queue task.
    #[serde(default)]
    pub evidence: Option<crate::lane::evidence::Evidence>,
}

fn path(info: &RepoInfo, lane: &str) -> PathBuf {
    info.wt_dir("journal").join(lane)
}

/// The journal of an unfinished merge of `lane`, if any.
pub fn read(info: &RepoInfo, lane: &str) -> Result<Option<Journal>> {
    let file = path(info, lane);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::git(format!(
            "the merge journal {} cannot be read: {e}",
            file.display()
        ))
        .hint("look at it, then delete it if no merge of this lane is running")
    })
}

/// Write (or advance) the journal atomically.
pub fn write(info: &RepoInfo, journal: &Journal) -> Result<()> {
    let text = serde_json::to_string_pretty(journal).expect("a journal always serializes");
    files::write_atomic(&path(info, &journal.lane), text.as_bytes())?;
    Ok(())
}

pub fn remove(info: &RepoInfo, lane: &str) -> Result<()> {
    files::remove(&path(info, lane))?;
    Ok(())
}
