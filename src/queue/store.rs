//! The queue file on disk and in git (SPEC section 6): read from the main checkout (never from a
//! lane), bounded in size before it is read, written atomically (temp file, fsync, rename in the
//! same directory), committed on base as one small commit per change and pushed as a plain
//! fast-forward. A rejected push means another machine changed the queue: drop only our commit,
//! take the remote's base, re-read, re-plan (a task claimed meanwhile is refused by the rules,
//! never claimed twice) and try again. The caller holds the repository lock.

use crate::config::{Config, QueueConfig};
use crate::error::{Error, Result};
use crate::git::queue as gitq;
use crate::git::{ops, BaseRef, RepoInfo};
use crate::queue::{self, Plan, Queue, RuleError, Task};
use crate::sys::events::Events;
use crate::sys::files;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long (seconds) a queue change keeps trying when its push loses a race with another
/// machine's, unless `WT_QUEUE_PUSH_BUDGET` says otherwise. A lost race is not a failure: each
/// try re-reads the remote's queue and plans again (a claim then takes the next ready task), so
/// only an unreachable remote, or a race lost for this long, is an error.
const PUSH_BUDGET_SECS: u64 = 120;

fn push_budget() -> Duration {
    let secs = std::env::var("WT_QUEUE_PUSH_BUDGET")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(PUSH_BUDGET_SECS);
    Duration::from_secs(secs)
}

/// The pause before try `attempt + 1`: exponential from 50 ms, capped at 1.6 s, and jittered
/// (half fixed, half random) so that machines that lost the same race do not collide again.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = 50u64 << attempt.min(5);
    let seed = std::collections::hash_map::RandomState::new();
    let noise = std::hash::BuildHasher::hash_one(&seed, (attempt, std::process::id()));
    Duration::from_millis(cap_ms / 2 + noise % (cap_ms / 2 + 1))
}

pub struct QueueFile {
    /// Absolute path in the main checkout.
    pub path: PathBuf,
    /// The path relative to the repository root, as lanes.toml gives it.
    pub rel: PathBuf,
    pub text: String,
    pub queue: Queue,
}

/// The `[queue]` table, or an error saying the queue is not configured.
pub fn config(cfg: &Config) -> Result<&QueueConfig> {
    cfg.queue.as_ref().ok_or_else(|| {
        Error::usage("no queue configured")
            .hint("add `[queue]` with `path = \"...\"` to lanes.toml")
    })
}

/// Read and parse the queue file; errors name the line and column (exit 2).
pub fn load(info: &RepoInfo, qc: &QueueConfig) -> Result<QueueFile> {
    let mut file = read(&info.main.join(&qc.path), qc)?;
    let label = file.rel.display().to_string();
    queue::archive::attach(&mut file.queue, &info.main, &qc.archive, &label)?;
    Ok(file)
}

/// For `wt queue validate`: the queue read on past every problem that leaves its structure
/// whole, with those problems (archives' as warnings). Only lost structure is an error.
pub fn load_all(
    info: &RepoInfo,
    qc: &QueueConfig,
) -> Result<(QueueFile, Vec<queue::Finding>, Vec<queue::Problem>)> {
    let path = info.main.join(&qc.path);
    let label = qc.path.display().to_string();
    let bytes = read_bytes(&path, &label)?;
    let schema = queue::Schema::of(qc);
    let (mut parsed, findings) = queue::parse_all(&bytes, &label, &schema)?;
    let (archive, archive_problems) = queue::archive::read(&info.main, &qc.archive, &schema)?;
    parsed.archive = archive;
    let text = String::from_utf8(bytes).expect("parse accepted it as UTF-8");
    let file = QueueFile {
        path,
        rel: qc.path.clone(),
        text,
        queue: parsed,
    };
    Ok((file, findings, archive_problems))
}

/// The queue when one is configured and readable; None otherwise (for status and preflight,
/// which report rather than fail).
pub fn try_load(info: &RepoInfo, cfg: &Config) -> Option<Result<QueueFile>> {
    Some(load(info, cfg.queue.as_ref()?))
}

fn read(path: &Path, qc: &QueueConfig) -> Result<QueueFile> {
    let rel = qc.path.as_path();
    let label = rel.display().to_string();
    let bytes = read_bytes(path, &label)?;
    let parsed = queue::parse_with(&bytes, &label, &queue::Schema::of(qc))?;
    let text = String::from_utf8(bytes).expect("parse accepted it as UTF-8");
    Ok(QueueFile {
        path: path.to_path_buf(),
        rel: rel.to_path_buf(),
        text,
        queue: parsed,
    })
}

/// The queue file's bytes, refused before reading when it is too large.
fn read_bytes(path: &Path, label: &str) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::usage(format!("cannot read the queue file {label}: {e}"))
            .hint("create it with `version: 1` and `tasks: []`, or fix [queue] path in lanes.toml")
    })?;
    if meta.len() > queue::MAX_QUEUE_BYTES as u64 {
        return Err(Error::usage(format!(
            "{label}: {} bytes is over the {} byte limit",
            meta.len(),
            queue::MAX_QUEUE_BYTES
        ))
        .hint("archive done tasks into another file"));
    }
    let bytes = std::fs::read(path)?;
    // why: the file may have grown between the size check and the read.
    if bytes.len() > queue::MAX_QUEUE_BYTES {
        return Err(Error::usage(format!(
            "{label}: {} bytes is over the {} byte limit",
            bytes.len(),
            queue::MAX_QUEUE_BYTES
        ))
        .hint("archive done tasks into another file"));
    }
    Ok(bytes)
}

/// Replace `path` with `text`; a crash leaves the old or the new file, never half.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    files::write_atomic(path, text.as_bytes())
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// What a queue change needs: the repository, the `[queue]` table, and base (found only when the
/// change is committed, so a file-only queue works in a repository without one).
pub struct Site<'a> {
    pub info: &'a RepoInfo,
    pub qc: &'a QueueConfig,
    pub base: &'a dyn Fn() -> Result<BaseRef>,
}

/// What an applied change did.
pub struct Applied {
    pub task_id: String,
    pub message: String,
    /// Nothing needed changing (already in that state).
    pub noop: bool,
    /// The queue commit on base, when `queue.commit` is on.
    pub commit: Option<String>,
    /// The task as the change left it, when this process wrote the file.
    pub task: Option<Task>,
}

impl Applied {
    fn new(file: &QueueFile, p: Plan, commit: Option<String>) -> Applied {
        Applied {
            task: task_after(&file.queue, &p),
            noop: p.is_noop(),
            task_id: p.task_id,
            message: p.message,
            commit,
        }
    }
}

/// The task with the plan's changes, from the queue already in memory (so `--json` output does
/// not parse a large file once more).
fn task_after(q: &Queue, p: &Plan) -> Option<Task> {
    if let Some(t) = &p.add {
        return Some((**t).clone());
    }
    let mut task = q.task(&p.task_id)?.clone();
    for (name, value) in &p.changes {
        task.set_field(name, value).ok()?;
    }
    Some(task)
}

/// Plan a change against the current queue and apply it: file edit, commit and push as the
/// config says. `plan` is called again after every rejected push, on the remote's queue.
pub fn apply<F>(site: &Site, events: &dyn Events, plan: F) -> Result<Applied>
where
    F: Fn(&Queue) -> Result<Plan, RuleError>,
{
    let (info, qc) = (site.info, site.qc);
    if !qc.commit {
        let file = load(info, qc)?;
        let p = plan(&file.queue)?;
        edit_file(&file, &p)?;
        return Ok(Applied::new(&file, p, None));
    }
    let base = (site.base)()?;
    let pushing = qc.push && base.remote.is_some();
    undo_interrupted(events, info, &base, qc)?;
    check_main(info, &base, &qc.path, pushing)?;
    let deadline = Instant::now() + push_budget();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        if pushing {
            catch_up(info, &base, &qc.path)?;
        }
        let file = load(info, qc)?;
        let p = plan(&file.queue)?;
        if p.is_noop() {
            return Ok(Applied::new(&file, p, None));
        }
        let before = gitq::head(&info.main)?;
        let label = file.rel.display().to_string();
        let text = queue::apply_plan(&file.text, &label, &file.queue, &p)?;
        let mut pending = Pending {
            before: before.clone(),
            written: crate::git::blob_id(text.as_bytes()),
            commit: None,
        };
        pending.save(info)?;
        write_atomic(&file.path, &text)?;
        let sha = commit(info, &file.rel, &p.message, &before, &file.text)
            .inspect_err(|_| Pending::clear(info))?;
        pending.commit = Some(sha.clone());
        pending.save(info)?;
        if !pushing {
            Pending::clear(info);
            return Ok(Applied::new(&file, p, Some(sha)));
        }
        match push(info, &base, &sha, &before) {
            Pushed::Landed => {
                Pending::clear(info);
                return Ok(Applied::new(&file, p, Some(sha)));
            }
            Pushed::BaseMoved => {
                drop_commit(info, &qc.path, &before)?;
                Pending::clear(info);
                if Instant::now() >= deadline {
                    break;
                }
                std::thread::sleep(backoff(attempt));
                events.status(&format!(
                    "the remote's queue changed meanwhile; re-reading it (attempt {})",
                    attempt + 1
                ));
            }
            Pushed::Failed(e) => {
                drop_commit(info, &qc.path, &before)?;
                Pending::clear(info);
                return Err(e);
            }
        }
    }
    Err(Error::git(format!(
        "the remote's base kept moving for {}s; the queue change was not made after {attempt} attempts",
        push_budget().as_secs()
    ))
    .hint("run the command again, or raise WT_QUEUE_PUSH_BUDGET (seconds)"))
}

/// `<common dir>/wt/queue-pending`: how far a committed queue change got, written before the
/// file is edited and removed once the change landed or was undone. A `wt` killed in between
/// (the file edited but not committed, or committed but not pushed) leaves it behind. Without
/// it, every later queue command (and `wt merge`) would refuse the edited file or the unpushed
/// commit until someone cleaned up by hand.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    /// HEAD of the main checkout before the change.
    before: String,
    /// The git blob id of the bytes written to the queue file (stable across versions of wt).
    written: String,
    /// The queue commit, once made.
    commit: Option<String>,
}

impl Pending {
    fn path(info: &RepoInfo) -> PathBuf {
        info.wt_dir("queue-pending")
    }

    fn save(&self, info: &RepoInfo) -> Result<()> {
        let text = serde_json::to_string(self).expect("a pending record serializes");
        files::write_atomic(&Self::path(info), text.as_bytes())?;
        Ok(())
    }

    fn clear(info: &RepoInfo) {
        let _ = files::remove(&Self::path(info));
    }
}

/// Undo exactly what an interrupted queue change left (see [`Pending`]), so that the change is
/// planned again from the queue as it is: the commit is dropped unless the remote has it; the
/// edited file is put back only if it still holds the bytes wt wrote (nobody's work since).
/// Called under the repository lock, by queue changes and by `wt merge` before it judges the
/// main checkout.
///
/// Then wt's own queue commit left unpushed with no record at all (killed between the commit
/// and the record) is recognised by its content and finished or dropped:
/// see [`crate::queue::recover`].
pub fn undo_interrupted(
    events: &dyn Events,
    info: &RepoInfo,
    base: &BaseRef,
    qc: &QueueConfig,
) -> Result<()> {
    undo_pending(events, info, base, &qc.path)?;
    // why: with `push = false` queue commits stay on local base by design.
    if qc.push {
        crate::queue::recover::settle_own_commit(events, info, base, &qc.path)?;
    }
    Ok(())
}

fn undo_pending(events: &dyn Events, info: &RepoInfo, base: &BaseRef, rel: &Path) -> Result<()> {
    let path = Pending::path(info);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let Ok(pending) = serde_json::from_str::<Pending>(&text) else {
        Pending::clear(info);
        return Ok(());
    };
    let head = gitq::head(&info.main)?;
    if pending.commit.as_deref() == Some(head.as_str()) {
        let remote = base.remote.as_deref();
        let landed = match remote {
            Some(r) => match remote_base(info, r, &base.name) {
                Some(now) => now == head,
                None => {
                    return Err(Error::git(format!(
                        "the remote {r} is down or unreachable: wt cannot tell whether its own queue commit {} (left by an interrupted run) reached it; nothing was lost",
                        &head[..head.len().min(7)]
                    ))
                    .hint(format!("check it answers (`git ls-remote {r}`), then run the command again")))
                }
            },
            None => true,
        };
        if !landed {
            drop_commit(info, rel, &pending.before)?;
            events.warn("an interrupted queue change had committed without pushing; dropped that commit, planning again");
        }
    } else if head == pending.before {
        let current = std::fs::read(info.main.join(rel)).unwrap_or_default();
        if crate::git::blob_id(&current) == pending.written {
            // why: by rename, as every write of the queue file (see `prepare_move`); then the
            // index entry goes back to HEAD too, in case the edit had been staged.
            if let Some(bytes) = gitq::blob_at(&info.main, "HEAD", rel) {
                let path = info.main.join(rel);
                files::write_atomic(&path, &bytes)
                    .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
            }
            gitq::unstage(&info.main, "HEAD", rel)
                .map_err(|e| e.context("cannot unstage the queue file"))?;
            events.warn(&format!(
                "an interrupted queue change had edited {} without committing; put it back, planning again",
                rel.display()
            ));
        }
    }
    Pending::clear(info);
    Ok(())
}

fn edit_file(file: &QueueFile, p: &Plan) -> Result<()> {
    if p.is_noop() {
        return Ok(());
    }
    let label = file.rel.display().to_string();
    let text = queue::apply_plan(&file.text, &label, &file.queue, p)?;
    write_atomic(&file.path, &text)
}

/// Queue commits go on base in the main checkout: it must be on base, its copy of the queue
/// file must be unmodified, and (when pushing) local base must not carry unpushed commits that a
/// queue push would publish by the way.
fn check_main(info: &RepoInfo, base: &BaseRef, rel: &Path, pushing: bool) -> Result<()> {
    let repo = info.open()?;
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string));
    if head.as_deref() != Some(base.name.as_str()) {
        return Err(Error::refused(format!(
            "the main checkout {} is not on {} (queue changes are committed on base)",
            info.main.display(),
            base.name
        ))
        .hint(format!(
            "git -C {} switch {}",
            crate::sys::quote::quote_path(&info.main),
            base.name
        )));
    }
    if gitq::is_modified(&info.main, rel)? {
        return Err(Error::refused(format!(
            "{} has uncommitted changes in the main checkout",
            rel.display()
        ))
        .hint("commit or discard them first: wt commits each queue change itself"));
    }
    if pushing {
        let local = ops::resolve(&repo, &base.local_ref());
        let remote = base.remote_ref().and_then(|r| ops::resolve(&repo, &r));
        if let (Some(l), Some(r)) = (local, remote) {
            if l != r && !ops::is_ancestor(&repo, l, r) && ops::is_ancestor(&repo, r, l) {
                // why: wt's own unpushed queue commit was settled before this (recover);
                // what is left is someone's work, which wt neither publishes nor drops.
                let at = crate::sys::quote::quote_path(&info.main);
                let remote_name = base.remote.as_deref().unwrap_or("origin");
                let extra = ops::only_in(&repo, l, &[r]);
                return Err(Error::refused(format!(
                    "local {} has {} commit(s) that are not on {} and are not wt's (a queue push would publish them by the way); nothing was changed",
                    base.name,
                    extra.len(),
                    base.upstream_name()
                ))
                .details(
                    extra
                        .iter()
                        .take(5)
                        .map(|(c, subject)| format!("{} {subject}", crate::git::short(*c))),
                )
                .hint(format!(
                    "publish them: `git -C {at} push {remote_name} {}`; or, if they should not be on {}, move them to a branch and drop them: `git -C {at} branch keep-{} && git -C {at} reset --keep {}`",
                    base.name,
                    base.name,
                    base.name,
                    base.upstream_name()
                )));
            }
        }
    }
    Ok(())
}

/// Before git moves the main checkout to `target` (a fast-forward, or `reset --keep` back to our
/// commit's parent), put the queue file there as `target` has it: written by rename, and staged,
/// so that git finds the index already at `target` for that path and leaves the file alone.
/// Git itself rewrites a changed file in place (unlink, create, write): a reader that takes no
/// lock (`queue show`, `status`, `preflight`) would then find it missing or half-written. Undone
/// by [`unprepare`] when git then refuses to move.
pub fn prepare_move(info: &RepoInfo, rel: &Path, target: &str) -> Result<bool> {
    let Some(bytes) = gitq::blob_at(&info.main, target, rel) else {
        return Ok(false);
    };
    let path = info.main.join(rel);
    if std::fs::read(&path).ok().as_deref() == Some(&bytes[..]) {
        if gitq::blob_at(&info.main, "HEAD", rel).as_deref() == Some(&bytes[..]) {
            return Ok(false);
        }
    } else {
        files::write_atomic(&path, &bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    gitq::stage(&info.main, rel).map_err(|e| e.context("cannot stage the queue file"))?;
    Ok(true)
}

/// Put the queue file and its index entry back as HEAD has them (git did not move after
/// [`prepare_move`]).
pub fn unprepare(info: &RepoInfo, rel: &Path) {
    if let Some(bytes) = gitq::blob_at(&info.main, "HEAD", rel) {
        let _ = files::write_atomic(&info.main.join(rel), &bytes);
    }
    let _ = gitq::unstage(&info.main, "HEAD", rel);
}

/// Fetch and fast-forward the main checkout to the remote's base.
fn catch_up(info: &RepoInfo, base: &BaseRef, rel: &Path) -> Result<()> {
    let remote = base.remote.as_deref().unwrap_or("origin");
    gitq::fetch_base(&info.main, remote, &base.name).map_err(|e| {
        if crate::git::unpushed::unreachable(&e) {
            crate::queue::recover::remote_down(remote, &e)
        } else {
            e.context(format!("cannot fetch {remote}"))
        }
    })?;
    let upstream = base.upstream_ref();
    let prepared = prepare_move(info, rel, &upstream)?;
    gitq::fast_forward(&info.main, &upstream)
        .inspect_err(|_| {
            if prepared {
                unprepare(info, rel);
            }
        })
        .map_err(|e| {
            let at = crate::sys::quote::quote_path(&info.main);
            let hint = if e.stderr.contains(".lock") {
                format!("a git lock file is in the way in {at} (named above): if no git process is running there, delete it, then run the command again")
            } else {
                format!(
                    "local {} has diverged from {}: reconcile it by hand (`git -C {at} log {}...{}` shows both sides)",
                    base.name,
                    base.upstream_name(),
                    base.name,
                    base.upstream_name()
                )
            };
            e.context(format!(
                "cannot fast-forward {} to {}",
                base.name,
                base.upstream_name()
            ))
            .hint(hint)
        })?;
    Ok(())
}

fn commit(
    info: &RepoInfo,
    rel: &Path,
    message: &str,
    before: &str,
    old_text: &str,
) -> Result<String> {
    gitq::commit_file(&info.main, rel, message).map_err(|e| {
        // why: a refused commit (a hook, say) must not leave the edited file behind.
        let _ = write_atomic(&info.main.join(rel), old_text);
        let _ = gitq::unstage(&info.main, before, rel);
        e.context("cannot commit the queue change; the file was restored")
    })
}

enum Pushed {
    /// The remote's base is our commit.
    Landed,
    /// The remote's base moved away from the commit ours was made on: re-read and re-plan.
    BaseMoved,
    /// Anything else; the remote's base is not ours.
    Failed(Error),
}

/// Push the queue commit as a plain fast-forward of base; `before` is the commit ours was made
/// on.
fn push(info: &RepoInfo, base: &BaseRef, sha: &str, before: &str) -> Pushed {
    let remote = base.remote.as_deref().unwrap_or("origin");
    let out = gitq::push_commit(&info.main, remote, sha, &base.name);
    let failure = match out {
        Ok(out) if out.code == 0 => return Pushed::Landed,
        Ok(out) => {
            let rejected = out.stdout_str().lines().any(|l| {
                l.starts_with('!') && (l.contains("non-fast-forward") || l.contains("fetch first"))
            });
            if rejected {
                return Pushed::BaseMoved;
            }
            Error::git(format!("cannot push the queue change to {remote}"))
                .details(out.stderr.lines().map(str::to_string))
        }
        Err(e) => e.context(format!("cannot push the queue change to {remote}")),
    };
    // why: a push that lost a race inside the remote (another machine's push landed between the
    // remote's advertisement and its ref update) fails with "cannot lock ref ... expected"
    // rather than "fetch first"; and a push that timed out may have landed all the same. Ask
    // the remote where base is now before calling it a failure.
    match remote_base(info, remote, &base.name) {
        Some(now) if now == sha => Pushed::Landed,
        Some(now) if now != before => Pushed::BaseMoved,
        // why: the remote answered and its base is where ours was made: it refused the change
        // (a hook, a protected branch), which is not the network's fault.
        Some(_) => Pushed::Failed(Error {
            message: format!("{remote} refused the queue change; the change was undone locally"),
            ..failure
        }
        .hint(format!("see {remote}'s reason above, deal with it, then run the command again"))),
        None => Pushed::Failed(Error {
            message: format!("the remote {remote} is down or unreachable: the queue change was not pushed, and was undone locally"),
            ..failure
        }
        .hint(format!("check it answers (`git ls-remote {remote}`), then run the command again"))),
    }
}

/// The commit the remote's base branch points at, if the remote answers.
fn remote_base(info: &RepoInfo, remote: &str, branch: &str) -> Option<String> {
    gitq::remote_tip(&info.main, remote, branch)
}

/// Drop our own queue commit, and only it: the main checkout goes back to `before` (the queue
/// file written by rename first, see [`prepare_move`]).
pub fn drop_commit(info: &RepoInfo, rel: &Path, before: &str) -> Result<()> {
    let prepared = prepare_move(info, rel, before)?;
    gitq::reset_keep(&info.main, before)
        .inspect_err(|_| {
            if prepared {
                unprepare(info, rel);
            }
        })
        .map_err(|e| e.context("cannot drop the unpushed queue commit"))?;
    Ok(())
}
