//! wt's own queue commit left unpushed by an interrupted wt (issue 17): killed after `git
//! commit` made it on local base but before it was pushed or recorded as pending (its `git
//! commit` runs in its own process group and may finish after wt is dead). Every later queue
//! change and merge would refuse local base "with commits not on the remote" forever.
//!
//! It is recognised by what it is, not by a record written after the fact: the one commit on
//! local base that the remote's base lacks, changing only the queue file, with wt's queue
//! commit subject (`queue: <id> <status> ...`). Then, whichever keeps the queue true:
//! - a `done` mark whose merged commit is on the remote's base, made right on top of it: the
//!   work it records has landed, so the commit is finished (pushed as a fast-forward);
//! - anything else (a claim, a status change, a `done` the remote cannot take as it is): the
//!   command that made it was cut short and reported no success, so the commit is dropped
//!   (`reset --keep` to the remote's base) and the change is planned again by whoever runs the
//!   command again; a merge's journal re-marks its task on `wt merge LANE`.
//!
//! A commit that is not wt's keeps the refusal (see `store::check_main`).

use crate::error::{Error, Result};
use crate::git::unpushed::{self, OneCommit};
use crate::git::{ops, short, BaseRef, Oid, RepoInfo, Repository};
use crate::sys::events::Events;
use std::path::Path;

/// What became of an unpushed queue commit of wt's.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// Nothing of wt's was waiting.
    Nothing,
    Finished,
    Dropped,
}

/// Finish or drop wt's own unpushed queue commit on local base, if there is one. Called under
/// the repository lock, before a queue change or a merge judges the main checkout.
pub fn settle_own_commit(
    events: &dyn Events,
    info: &RepoInfo,
    base: &BaseRef,
    rel: &Path,
) -> Result<Settled> {
    let Some(remote) = base.remote.as_deref() else {
        return Ok(Settled::Nothing);
    };
    let repo = info.open()?;
    let Some(own) = own_commit(&repo, base, rel) else {
        return Ok(Settled::Nothing);
    };
    let what = format!("{} \"{}\"", short(own.commit), own.one.subject);
    if finishable(&repo, &own, rel) {
        match ops::push_fast_forward(&info.main, remote, &base.name, own.commit) {
            Ok(Ok(())) => {
                // why: the push updated the remote-tracking ref; nothing else to do.
                events.warn(&format!(
                    "finished wt's own queue commit {what}, which an interrupted wt had left unpushed: pushed it to {}",
                    base.upstream_name()
                ));
                return Ok(Settled::Finished);
            }
            // The remote's base moved on: the commit cannot go as it is; drop it below.
            Ok(Err(rejected)) if rejected.moved() => {}
            Ok(Err(rejected)) => {
                return Err(cannot_finish(info, base, &what).detail(rejected.summary));
            }
            Err(e) if unpushed::unreachable(&e) => {
                return Err(remote_down(remote, &e).detail(format!(
                    "wt's own queue commit {what} waits on local {} to be pushed; nothing was lost",
                    base.name
                )));
            }
            Err(e) => {
                return Err(cannot_finish(info, base, &what).detail(
                    e.stderr
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("")
                        .to_string(),
                ))
            }
        }
    }
    // why: through the store's drop, which writes the queue file by rename before git moves, so a
    // reader that takes no lock never sees it missing or half-written (issue 18).
    crate::queue::store::drop_commit(info, rel, &own.upstream.to_string())
        .map_err(|e| e.detail(format!("wt's own unpushed queue commit: {what}")))?;
    events.warn(&format!(
        "dropped wt's own queue commit {what}, which an interrupted wt had left unpushed ({}); the change is planned again when its command runs again",
        why_dropped(&own.status)
    ));
    Ok(Settled::Dropped)
}

struct Own {
    commit: Oid,
    upstream: Oid,
    one: OneCommit,
    id: String,
    status: String,
}

/// The one commit local base has beyond the remote's base, when it is wt's queue commit.
fn own_commit(repo: &Repository, base: &BaseRef, rel: &Path) -> Option<Own> {
    let local = ops::resolve(repo, &base.local_ref())?;
    let upstream = ops::resolve(repo, &base.remote_ref()?)?;
    if local == upstream || ops::is_ancestor(repo, local, upstream) {
        return None;
    }
    let extra = ops::only_in(repo, local, &[upstream]);
    let [(commit, _)] = extra.as_slice() else {
        return None;
    };
    let one = unpushed::one_commit(repo, *commit)?;
    let rel = rel.to_string_lossy();
    if one.paths != [rel.as_ref()] {
        return None;
    }
    let (id, status) = parse_subject(&one.subject)?;
    Some(Own {
        commit: *commit,
        upstream,
        one,
        id,
        status,
    })
}

/// `queue: <id> <status>[ (<who or commit>)]`, the subject every queue change of wt's has.
fn parse_subject(subject: &str) -> Option<(String, String)> {
    let rest = subject.strip_prefix("queue: ")?;
    let mut words = rest.splitn(3, ' ');
    let id = words.next()?;
    let status = words.next()?;
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let known = matches!(status, "todo" | "in_progress" | "blocked" | "done");
    let tail_ok = words
        .next()
        .is_none_or(|t| t.starts_with('(') && t.ends_with(')'));
    (valid_id && known && tail_ok).then(|| (id.to_string(), status.to_string()))
}

/// A `done` mark made on top of the remote's base whose merged commit the remote's base has.
fn finishable(repo: &Repository, own: &Own, rel: &Path) -> bool {
    if own.status != "done" || own.one.parent != own.upstream {
        return false;
    }
    let Some(bytes) = unpushed::file_at(repo, own.commit, rel) else {
        return false;
    };
    let Ok(queue) = crate::queue::parse(&bytes, &rel.display().to_string()) else {
        return false;
    };
    let merged = queue.task(&own.id).and_then(|t| t.merged_commit.clone());
    merged.is_some_and(|m| ops::commit_on(repo, &m, own.upstream) == Some(true))
}

fn why_dropped(status: &str) -> &'static str {
    match status {
        "done" => {
            "a done mark the remote cannot take as it is; `wt merge` of its lane marks it again"
        }
        _ => "the command that made it never reported success",
    }
}

/// The remote could not be reached: nothing of wt's is wrong, only the network.
pub fn remote_down(remote: &str, e: &crate::git::GitError) -> Error {
    let first = e
        .stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| "no answer in time".to_string());
    Error::git(format!(
        "the remote {remote} is down or unreachable ({first})"
    ))
    .hint(format!(
        "check it answers (`git ls-remote {remote}`), then run the command again"
    ))
}

/// The remote answered but would not take wt's own queue commit.
fn cannot_finish(info: &RepoInfo, base: &BaseRef, what: &str) -> Error {
    let at = crate::sys::quote::quote_path(&info.main);
    Error::git(format!(
        "wt cannot finish its own queue commit {what}: {} refused it",
        base.upstream_name()
    ))
    .hint(format!(
        "drop it (`git -C {at} reset --keep {}`), then run the command again: it plans the change afresh",
        base.upstream_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wts_queue_subjects_are_recognised() {
        assert_eq!(
            parse_subject("queue: A-1 in_progress (agent-a)"),
            Some(("A-1".into(), "in_progress".into()))
        );
        assert_eq!(
            parse_subject("queue: A-1 done (abc1234)"),
            Some(("A-1".into(), "done".into()))
        );
        assert_eq!(
            parse_subject("queue: A-1 todo"),
            Some(("A-1".into(), "todo".into()))
        );
        assert_eq!(parse_subject("queue: tidy up the file"), None);
        assert_eq!(parse_subject("fix queue: A-1 done"), None);
        assert_eq!(parse_subject("queue: A-1 done and more"), None);
    }
}
