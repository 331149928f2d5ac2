//! The git operations that sync and merge are made of: fetch, rebase (and abort), pushes with a
//! lease or as a plain fast-forward, fast-forward merges, and the ancestry reads that decide
//! between them. Writes run the `git` binary (hooks, credentials, the user's config); ancestry is
//! read in-process. Never prints; outcomes are values for the caller to judge.

use crate::git::run::{git, GitError};
use crate::git::status::Operation;
use git2::{Oid, Repository};
use std::ffi::{OsStr, OsString};
use std::path::Path;

/// `git fetch <remote>`: one call serves every lane (refs are shared).
pub fn fetch(dir: &Path, remote: &str) -> Result<(), GitError> {
    // why: --prune, so a lane branch deleted on the remote does not leave a remote-tracking ref
    // behind that a lease would then expect.
    git(dir)
        .network()
        .run(["fetch", "--quiet", "--prune", remote])?;
    Ok(())
}

/// The commit a ref points at, `None` when it does not exist.
pub fn resolve(repo: &Repository, refname: &str) -> Option<Oid> {
    repo.refname_to_id(refname).ok()
}

/// `git ls-remote <remote> <refs>...`: where the remote's refs are now, without fetching (no
/// local ref changes). Refs the remote lacks are absent from the answer.
pub fn ls_remote(dir: &Path, remote: &str, refs: &[&str]) -> Result<Vec<(String, Oid)>, GitError> {
    // why: --refs leaves out peeled tag lines (`^{}`), which are not refs.
    let mut args = vec!["ls-remote", "--refs", remote];
    args.extend_from_slice(refs);
    let out = git(dir).network().run(&args)?;
    Ok(out
        .stdout_str()
        .lines()
        .filter_map(|line| {
            let (sha, name) = line.split_once('\t')?;
            Some((name.to_string(), Oid::from_str(sha).ok()?))
        })
        .collect())
}

/// The best common ancestor of `a` and `b`, `None` when they share no history.
pub fn merge_base(repo: &Repository, a: Oid, b: Oid) -> Option<Oid> {
    repo.merge_base(a, b).ok()
}

/// Commits on `head` not on `base`, and on `base` not on `head`.
pub fn ahead_behind(repo: &Repository, head: Oid, base: Oid) -> Option<(usize, usize)> {
    repo.graph_ahead_behind(head, base).ok()
}

/// Whether the repository is a shallow clone (its history may end before a merge base).
pub fn is_shallow(repo: &Repository) -> bool {
    repo.is_shallow()
}

/// Whether `name` is a well-formed full ref name (`refs/heads/x`), by git's own rules.
pub fn is_valid_ref_name(name: &str) -> bool {
    git2::Reference::is_valid_name(name)
}

/// `git merge-base A B` run in `dir`: whether the two share a commit in the history the
/// repository has (in a shallow clone, libgit2 and git may disagree; git's answer counts).
pub fn shares_history(dir: &Path, a: Oid, b: Oid) -> bool {
    let (a, b) = (a.to_string(), b.to_string());
    git(dir)
        .output(["merge-base", a.as_str(), b.as_str()])
        .is_ok_and(|o| o.code == 0)
}

/// A commit's subject line, `None` when it cannot be read.
pub fn subject(repo: &Repository, commit: Oid) -> Option<String> {
    let commit = repo.find_commit(commit).ok()?;
    commit.summary().ok().flatten().map(str::to_string)
}

/// `1a2b3c4 "subject" by Name <email> on 2026-01-01`: who made a commit and when, for warnings
/// about work wt did not make.
pub fn commit_line(repo: &Repository, commit: Oid) -> Option<String> {
    let c = repo.find_commit(commit).ok()?;
    let author = c.author();
    let when = author.when();
    let date = chrono_free_date(when.seconds() + i64::from(when.offset_minutes()) * 60);
    Some(format!(
        "{} \"{}\" by {} <{}> on {date}",
        crate::git::short(commit),
        c.summary().ok().flatten().unwrap_or(""),
        author.name().unwrap_or("?"),
        author.email().unwrap_or("?"),
    ))
}

/// Whether this repository pushed `tip` to the remote-tracking ref `refname` itself (its
/// reflog says "update by push"), as opposed to fetching what someone else pushed.
pub fn pushed_from_here(repo: &Repository, refname: &str, tip: Oid) -> bool {
    repo.reflog(refname).is_ok_and(|log| {
        log.iter().any(|e| {
            e.id_new() == tip
                && e.message()
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.starts_with("update by push"))
        })
    })
}

/// `YYYY-MM-DD` of a Unix time (days-from-civil, inverted).
fn chrono_free_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether the worktree at `dir` has `branch_ref` checked out at `at`.
pub fn head_is(dir: &Path, branch_ref: &str, at: Oid) -> bool {
    let Ok(repo) = Repository::open(dir) else {
        return false;
    };
    repo.head()
        .is_ok_and(|h| h.name().ok() == Some(branch_ref) && h.target() == Some(at))
}

/// Whether the commit named by `rev` (a full or short sha) is `tip` or one of its ancestors;
/// `Some(false)` for a name that is not a commit here, `None` when it cannot be told.
pub fn commit_on(repo: &Repository, rev: &str, tip: Oid) -> Option<bool> {
    let Ok(obj) = repo.revparse_single(rev) else {
        return Some(false);
    };
    let oid = obj.peel_to_commit().ok()?.id();
    Some(is_ancestor(repo, oid, tip))
}

/// Whether any ref (branch, tag, remote-tracking ref, stash) contains `commit`.
pub fn contained_in_a_ref(dir: &Path, commit: Oid) -> Result<bool, GitError> {
    let out = git(dir).read([
        "for-each-ref",
        "--count=1",
        "--format=%(refname)",
        "--contains",
        &commit.to_string(),
    ])?;
    Ok(!out.trim().is_empty())
}

/// The messages of the stash entries (`WIP on <branch>: ...`), newest first.
pub fn stash_messages(repo: &Repository) -> Vec<String> {
    let Ok(log) = repo.reflog("refs/stash") else {
        return Vec::new();
    };
    log.iter()
        .filter_map(|e| e.message().ok().flatten().map(str::to_string))
        .collect()
}

/// An initialised submodule of a worktree, and whether some remote-tracking ref of its own
/// contains its checked-out commit.
pub struct Submodule {
    pub path: std::path::PathBuf,
    pub pushed: bool,
}

/// The initialised submodules of the worktree at `dir` (none when it cannot be read).
pub fn submodules(dir: &Path) -> Vec<Submodule> {
    let Ok(repo) = Repository::open(dir) else {
        return Vec::new();
    };
    let Ok(subs) = repo.submodules() else {
        return Vec::new();
    };
    subs.iter()
        .filter_map(|sm| {
            let sub = sm.open().ok()?;
            let head = sub.head().ok().and_then(|h| h.target());
            Some(Submodule {
                path: sm.path().to_path_buf(),
                pushed: head.is_none_or(|h| in_a_remote_ref(&sub, h)),
            })
        })
        .collect()
}

fn in_a_remote_ref(repo: &Repository, commit: Oid) -> bool {
    let Ok(refs) = repo.references_glob("refs/remotes/*") else {
        return false;
    };
    refs.filter_map(|r| r.ok()?.target())
        .any(|tip| is_ancestor(repo, commit, tip))
}

/// The command a person runs in `worktree` to go on with `operation` (`rebase`, `merge`,
/// `cherry-pick`, `revert`) once its conflicts are fixed: shown by `wt next`, never run by wt.
pub fn continue_command(worktree: &Path, operation: &str) -> Vec<String> {
    let dir = worktree.to_string_lossy().into_owned();
    ["git", "-C", &dir, operation, "--continue"]
        .iter()
        .map(|w| w.to_string())
        .collect()
}

/// The bytes of `path` (repo-relative) in the tree of `commit`; None when it has no such file.
pub fn file_at(repo: &Repository, commit: Oid, path: &str) -> Option<Vec<u8>> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(path)).ok()?;
    let blob = entry.to_object(repo).ok()?.into_blob().ok()?;
    Some(blob.content().to_vec())
}

/// `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(repo: &Repository, ancestor: Oid, descendant: Oid) -> bool {
    ancestor == descendant
        || repo
            .graph_descendant_of(descendant, ancestor)
            .unwrap_or(false)
}

/// Whether `commit` is already part of the local branch's history: reachable from its tip or
/// from any commit its reflog remembers. This is the test `--force-if-includes` makes: a remote
/// tip we rebased away is in the reflog; a commit someone else pushed is not.
pub fn integrated(repo: &Repository, branch_ref: &str, tip: Oid, commit: Oid) -> bool {
    if is_ancestor(repo, commit, tip) {
        return true;
    }
    let Ok(log) = repo.reflog(branch_ref) else {
        return false;
    };
    log.iter()
        .any(|entry| is_ancestor(repo, commit, entry.id_new()))
}

/// Commits reachable from `from` but not from any of `not`, newest first, as (sha, subject).
pub fn only_in(repo: &Repository, from: Oid, not: &[Oid]) -> Vec<(Oid, String)> {
    let Ok(mut walk) = repo.revwalk() else {
        return Vec::new();
    };
    if walk.push(from).is_err() {
        return Vec::new();
    }
    for oid in not {
        let _ = walk.hide(*oid);
    }
    walk.filter_map(|oid| oid.ok())
        .filter_map(|oid| {
            let commit = repo.find_commit(oid).ok()?;
            let subject = commit.summary().ok().flatten().unwrap_or("").to_string();
            Some((oid, subject))
        })
        .collect()
}

/// How a `git rebase` ended.
#[derive(Debug)]
pub enum Rebase {
    Done,
    /// Stopped; the rebase is in progress. `files` holds the conflicts (empty when it stopped
    /// for another reason, which git's `stderr` then tells).
    Conflict {
        files: Vec<String>,
        /// The lane commit that did not apply.
        stopped_at: Option<String>,
        stderr: String,
    },
    /// Refused before it started (an untracked file in the way, a pre-rebase hook): nothing
    /// changed.
    Refused(GitError),
}

/// Rebase the branch checked out in `worktree` onto `onto`. `admin_dir` is the worktree's own
/// git dir, where an in-progress rebase keeps its state.
pub fn rebase(worktree: &Path, admin_dir: &Path, onto: &str) -> Result<Rebase, GitError> {
    let args = [
        "rebase",
        // why: wt refuses dirty lanes itself; a user's rebase.autoStash must not stash silently.
        "--no-autostash",
        // why: rebase.updateRefs would move other branches that point into the lane.
        "--no-update-refs",
        // why: rebase.autoSquash (non-interactive since 2.44) would reorder the lane's commits.
        "--no-autosquash",
        onto,
    ];
    let out = git(worktree).output(args)?;
    if out.code == 0 {
        return Ok(Rebase::Done);
    }
    if Operation::detect(admin_dir) != Some(Operation::Rebase) {
        return Ok(Rebase::Refused(GitError {
            args: args.iter().map(OsString::from).collect(),
            dir: worktree.to_path_buf(),
            code: Some(out.code),
            stderr: out.stderr,
            timed_out: false,
        }));
    }
    Ok(Rebase::Conflict {
        files: unmerged_paths(worktree)?,
        stopped_at: std::fs::read_to_string(admin_dir.join("rebase-merge").join("stopped-sha"))
            .ok()
            .map(|s| s.trim().to_string()),
        stderr: out.stderr,
    })
}

/// Files that a checkout from `from` to `to` in `worktree` would write over although git does
/// not track them there, and that git would replace without a word because they are ignored
/// (a lane's `.env` when base starts tracking one). Untracked files that are not ignored are
/// left out: git refuses to overwrite those itself.
pub fn ignored_in_the_way(worktree: &Path, from: Oid, to: Oid) -> Vec<String> {
    let Ok(repo) = Repository::open(worktree) else {
        return Vec::new();
    };
    let trees = (
        repo.find_commit(from).and_then(|c| c.tree()),
        repo.find_commit(to).and_then(|c| c.tree()),
    );
    let (Ok(old), Ok(new)) = trees else {
        return Vec::new();
    };
    let Ok(diff) = repo.diff_tree_to_tree(Some(&old), Some(&new), None) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for delta in diff.deltas() {
        if delta.status() != git2::Delta::Added {
            continue;
        }
        let Some(rel) = delta.new_file().path() else {
            continue;
        };
        // why: the path itself, or a file where the new path needs a directory.
        let in_the_way = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .find(|a| {
                std::fs::symlink_metadata(worktree.join(a)).is_ok_and(|m| *a == rel || !m.is_dir())
            });
        if let Some(p) = in_the_way {
            if repo.is_path_ignored(p).unwrap_or(false) {
                found.push(p.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// `git update-index -q --refresh`: record the stat data of files whose content matches the
/// index. A checkout or rebase leaves entries stat-dirty, and `wt status` reads with
/// `--no-optional-locks` (never holding an agent's `index.lock`), so nothing else would write
/// them back: each read re-hashes those files until some other git call refreshes the index.
/// Run right after `wt` writes files into a worktree, while it holds that lane. Best effort: a
/// failure only leaves the next read slower, and exit 1 just means some file really changed.
pub fn refresh_index(worktree: &Path) {
    let _ = git(worktree).run(["update-index", "-q", "--refresh"]);
}

/// `git rebase --abort`: back to the branch, index and files as they were before the rebase.
pub fn rebase_abort(worktree: &Path) -> Result<(), GitError> {
    git(worktree).run(["rebase", "--abort"])?;
    Ok(())
}

/// Paths with unresolved conflicts.
pub fn unmerged_paths(worktree: &Path) -> Result<Vec<String>, GitError> {
    // why: -z keeps paths with newlines or odd bytes whole.
    let out = git(worktree).run(["diff", "--name-only", "--diff-filter=U", "-z"])?;
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

/// Move the checked-out branch of `worktree` back to `commit`, keeping any local change (and
/// refusing where one would be lost).
pub fn reset_keep(worktree: &Path, commit: Oid) -> Result<(), GitError> {
    let sha = commit.to_string();
    // why: --keep, never --hard: it refuses instead of discarding a change the checks made.
    git(worktree).run(["reset", "--quiet", "--keep", sha.as_str()])?;
    Ok(())
}

/// `git merge --ff-only <commit>` in the main checkout: never a merge commit.
pub fn merge_ff_only(worktree: &Path, commit: Oid) -> Result<(), GitError> {
    let sha = commit.to_string();
    // why: git replaces ignored files in the way without asking; they may be someone's `.env`.
    git(worktree).run([
        "merge",
        "--ff-only",
        "--no-overwrite-ignore",
        "--quiet",
        sha.as_str(),
    ])?;
    Ok(())
}

/// A push the remote (or a lease) turned down. Other failures (no remote, a hook, the network)
/// are `GitError`s.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// git's porcelain summary, e.g. `[rejected] (stale info)`.
    pub summary: String,
}

impl Rejected {
    /// The remote ref is not where we expected (a lease) or not an ancestor of what we push.
    pub fn moved(&self) -> bool {
        [
            "stale info",
            "fetch first",
            "non-fast-forward",
            "remote ref updated since checkout",
        ]
        .iter()
        .any(|reason| self.summary.contains(reason))
    }
}

/// What the remote should hold before a forced update of a lane branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// The branch must not exist on the remote yet.
    Absent,
    At(Oid),
}

/// Push `commit` to `refs/heads/<branch>` on `remote`, forced only if the remote still holds
/// what `lease` says.
pub fn push_with_lease(
    dir: &Path,
    remote: &str,
    branch: &str,
    commit: Oid,
    lease: Lease,
) -> Result<Result<(), Rejected>, GitError> {
    let update = LeasedUpdate {
        branch,
        commit,
        lease,
    };
    let mut results = push_with_leases(dir, remote, &[update])?;
    Ok(results.remove(0))
}

/// One lane branch for [`push_with_leases`].
#[derive(Debug, Clone, Copy)]
pub struct LeasedUpdate<'a> {
    pub branch: &'a str,
    pub commit: Oid,
    pub lease: Lease,
}

/// Push several lane branches over one connection, each forced only if the remote still holds
/// what its own lease says. Not atomic: each branch lands or is rejected on its own, exactly
/// as if it were pushed alone. One result per update, in order.
pub fn push_with_leases(
    dir: &Path,
    remote: &str,
    updates: &[LeasedUpdate],
) -> Result<Vec<Result<(), Rejected>>, GitError> {
    let dsts: Vec<String> = updates
        .iter()
        .map(|u| format!("refs/heads/{}", u.branch))
        .collect();
    let mut args: Vec<String> = vec!["push".into(), "--porcelain".into()];
    for (u, dst) in updates.iter().zip(&dsts) {
        let expect = match u.lease {
            Lease::Absent => String::new(),
            Lease::At(oid) => oid.to_string(),
        };
        // why: an explicit expected value; a bare lease trusts the remote-tracking ref, which
        // our own fetch has just renewed, and would overwrite someone else's push. An empty
        // value means "must not exist yet".
        args.push(format!("--force-with-lease={dst}:{expect}"));
    }
    // why: git ignores it beside an explicit value, but a user's push.useForceIfIncludes or a
    // future git that honours it can only make the push stricter.
    args.push("--force-if-includes".into());
    args.push(remote.into());
    for (u, dst) in updates.iter().zip(&dsts) {
        args.push(format!("{}:{dst}", u.commit));
    }
    push(dir, args, &dsts)
}

/// Push `commit` to `refs/heads/<base>` on `remote` as a plain update: the remote accepts only a
/// fast-forward. Never forced.
pub fn push_fast_forward(
    dir: &Path,
    remote: &str,
    base: &str,
    commit: Oid,
) -> Result<Result<(), Rejected>, GitError> {
    let dst = format!("refs/heads/{base}");
    let refspec = format!("{commit}:{dst}");
    let mut results = push(
        dir,
        ["push", "--porcelain", remote, refspec.as_str()],
        &[dst],
    )?;
    Ok(results.remove(0))
}

/// Runs a `git push --porcelain` and reads, for each of `dsts`, whether it was rejected.
fn push<I, S>(dir: &Path, args: I, dsts: &[String]) -> Result<Vec<Result<(), Rejected>>, GitError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args = crate::git::run::os_args(args);
    // why: --porcelain gives one stable line per ref, which tells a rejection from a failure.
    let out = git(dir).network().output(&args)?;
    let porcelain = out.stdout_str();
    let results: Vec<Result<(), Rejected>> = dsts
        .iter()
        .map(|dst| match rejection(&porcelain, dst) {
            Some(summary) => Err(Rejected { summary }),
            None => Ok(()),
        })
        .collect();
    // why: a push that failed as a whole (no remote, the network) names no ref; after a
    // failed push only refs git reports as updated count as landed.
    let unaccounted =
        |(dst, r): (&String, &Result<(), Rejected>)| r.is_ok() && !updated(&porcelain, dst);
    if out.code != 0 && dsts.iter().zip(&results).any(unaccounted) {
        return Err(GitError {
            args,
            dir: dir.to_path_buf(),
            code: Some(out.code),
            stderr: out.stderr,
            timed_out: false,
        });
    }
    Ok(results)
}

/// The summary of a `!` (rejected) line for `dst` in `git push --porcelain` output:
/// `!\t<src>:<dst>\t<summary>`.
fn rejection(porcelain: &str, dst: &str) -> Option<String> {
    porcelain.lines().find_map(|line| {
        let mut fields = line.split('\t');
        let flag = fields.next()?;
        let refs = fields.next()?;
        let summary = fields.next()?;
        (flag == "!" && refs.ends_with(&format!(":{dst}"))).then(|| summary.to_string())
    })
}

/// Whether `git push --porcelain` output has a success line for `dst` (fast-forward, forced,
/// new, or already up to date).
fn updated(porcelain: &str, dst: &str) -> bool {
    porcelain.lines().any(|line| {
        let mut fields = line.split('\t');
        let flag = fields.next().unwrap_or_default();
        let refs = fields.next().unwrap_or_default();
        matches!(flag, " " | "+" | "*" | "=") && refs.ends_with(&format!(":{dst}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rejections_from_porcelain() {
        let out = "To /tmp/o.git\n!\tabc:refs/heads/master\t[rejected] (fetch first)\nDone\n";
        let r = rejection(out, "refs/heads/master").unwrap();
        assert_eq!(r, "[rejected] (fetch first)");
        assert!(Rejected { summary: r }.moved());
        assert!(rejection(out, "refs/heads/agent/x").is_none());
        let hook = "!\tabc:refs/heads/master\t[remote rejected] (pre-receive hook declined)\n";
        let r = rejection(hook, "refs/heads/master").unwrap();
        assert!(!Rejected { summary: r }.moved());
    }

    #[test]
    fn reads_updated_refs_from_porcelain() {
        let out = "To /tmp/o.git\n+\tabc:refs/heads/agent/a\t1234...5678 (forced update)\n*\tdef:refs/heads/agent/b\t[new branch]\n=\tabc:refs/heads/agent/c\t[up to date]\n!\tabc:refs/heads/agent/d\t[rejected] (stale info)\nDone\n";
        for b in ["a", "b", "c"] {
            assert!(updated(out, &format!("refs/heads/agent/{b}")), "{b}");
        }
        assert!(!updated(out, "refs/heads/agent/d"));
        assert!(!updated(out, "refs/heads/agent/e"));
    }
}
