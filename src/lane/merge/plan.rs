//! The dry run of the merge: each step of the walk that would change something, written down
//! instead. The remote is read with `ls-remote`, never fetched; nothing changes.

use super::{commit_count, oid, Landing, Merged, Pushed, Walker};
use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::ops::{self, Lease};
use crate::git::{short, short_sha, Oid};
use crate::lane::checks::Command;
use crate::lane::journal::{self, Journal};
use crate::lane::ready::Ready;
use crate::lane::task::ClaimedTask;
use crate::lane::Site;
use serde::Serialize;

/// One line of the plan: the merge step it belongs to, and what would be done.
#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    pub step: u32,
    pub action: String,
}

pub struct Plan<'a> {
    site: &'a Site<'a>,
    pub steps: Vec<PlanStep>,
}

impl<'a> Plan<'a> {
    pub fn new(site: &'a Site<'a>) -> Plan<'a> {
        Plan {
            site,
            steps: Vec::new(),
        }
    }
}

impl Walker for Plan<'_> {
    fn serialize(&mut self) -> Result<()> {
        Ok(())
    }

    fn unserialize(&mut self) {}

    fn step(&mut self, _: u32, _: &str) {}

    fn note(&mut self, step: u32, action: String) {
        self.steps.push(PlanStep { step, action });
    }

    fn interrupted(&mut self, lane: &Lane) -> Result<Option<Journal>> {
        if let Some(j) = journal::read(self.site.info, &lane.id)? {
            self.note(
                1,
                format!(
                    "finish the interrupted merge of {} if {} has it, else discard its journal",
                    short_sha(&j.tip),
                    self.site.base.upstream_name()
                ),
            );
        }
        Ok(None)
    }

    /// Where the remote is now (read, not fetched); the plan uses the base it has.
    fn fetch(&mut self) -> Result<Oid> {
        let (info, base) = (self.site.info, self.site.base);
        let repo = info.open()?;
        let onto = ops::resolve(&repo, &base.upstream_ref())
            .ok_or_else(|| Error::git(format!("{} does not exist", base.upstream_name())))?;
        let Some(remote) = &base.remote else {
            self.note(3, format!("no remote: rebase onto the local {}", base.name));
            return Ok(onto);
        };
        let base_ref = base.local_ref();
        let now = ops::ls_remote(&info.main, remote, &[&base_ref])
            .map_err(|e| e.context(format!("cannot reach {remote}; the merge would stop here")))?;
        let remote_base = now
            .iter()
            .find(|(name, _)| *name == base_ref)
            .map(|(_, o)| *o);
        self.note(
            3,
            format!("fetch {remote} (base and the reviews; this plan judges the reviews fetched so far)"),
        );
        if let Some(now) = remote_base.filter(|r| *r != onto) {
            self.note(
                3,
                format!(
                    "{remote}/{} moved since the last fetch (now {}): the merge rebases onto that; this plan uses {}",
                    base.name,
                    short(now),
                    short(onto)
                ),
            );
        }
        Ok(onto)
    }

    /// The plan judges the branch as it is: the tip stays the lane's head.
    fn rebase(&mut self, ready: &Ready, onto: Oid) -> Result<Oid> {
        let base = self.site.base;
        let repo = self.site.info.open()?;
        let branch = &ready.lane.branch;
        if ops::is_ancestor(&repo, onto, ready.head) {
            self.note(
                3,
                format!(
                    "no rebase needed: {branch} already contains {} ({})",
                    base.upstream_name(),
                    short(onto)
                ),
            );
        } else {
            let n = commit_count(&repo, ready.head, onto);
            self.note(
                3,
                format!(
                    "rebase {n} commit(s) of {branch} onto {} ({}); a conflict stops the merge (exit 4) with the lane restored",
                    base.upstream_name(),
                    short(onto)
                ),
            );
        }
        Ok(ready.head)
    }

    fn check(
        &mut self,
        ready: &Ready,
        _: Oid,
        _: Option<&ClaimedTask>,
        commands: &[Command],
    ) -> Result<()> {
        let path = ready.lane.path.display();
        self.note(5, format!("run {} check(s) in {path}", commands.len()));
        for c in commands {
            self.note(5, format!("`{}` ({})", c.command, c.source.as_str()));
        }
        Ok(())
    }

    fn push(&mut self, ready: &Ready, landing: Landing) -> Result<Pushed> {
        let base = self.site.base;
        let lane = ready.lane;
        let (Some(remote), Some(lease)) = (&base.remote, landing.lease) else {
            self.note(
                6,
                format!(
                    "fast-forward {} in the main checkout to the lane tip (git merge --ff-only)",
                    base.name
                ),
            );
            return Ok(Pushed::Landed(Box::new(landing.journal)));
        };
        let expect = match lease {
            Lease::Absent => String::new(),
            Lease::At(o) => short(o),
        };
        self.note(
            6,
            format!(
                "push {} to {remote} with --force-with-lease=refs/heads/{}:{expect}",
                lane.branch, lane.branch
            ),
        );
        self.note(
            6,
            format!("push the lane tip to {remote} {} as a fast-forward (never forced; retried up to the --retries limit if {} moves)", base.name, base.name),
        );
        self.note(
            6,
            format!(
                "then fast-forward {} in the main checkout (git merge --ff-only)",
                base.name
            ),
        );
        Ok(Pushed::Landed(Box::new(landing.journal)))
    }

    fn finish(&mut self, lane: &Lane, j: Journal) -> Result<Option<Merged>> {
        self.note(
            7,
            match &j.task {
                Some(t) => format!("mark {t} done (merged_commit = the new base)"),
                None => "no claimed task: merge all the same, with a warning".to_string(),
            },
        );
        let name = j.task.as_deref().unwrap_or(&lane.id);
        let handoffs = self.site.info.wt_dir("handoffs");
        self.note(
            7,
            format!(
                "record the handoff in {}",
                handoffs.join(format!("{name}-<time>.md")).display()
            ),
        );
        let repo = self.site.info.open()?;
        let commits = commit_count(&repo, oid(&j.tip)?, oid(&j.base_before)?);
        self.note(
            8,
            format!("print the {commits} commit(s) and files merged, and the new base commit"),
        );
        Ok(None)
    }
}
