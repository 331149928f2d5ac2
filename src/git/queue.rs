//! The git steps of a queue change, all in the main checkout: read HEAD, catch up with the
//! remote's base, commit the queue file alone, push that commit as a plain fast-forward, and
//! undo our own commit or edit when a change is abandoned. `queue::store` decides when; this
//! module only knows how.

use crate::git::run::{git, GitError, GitOutput};
use std::ffi::OsStr;
use std::path::Path;

/// The commit the main checkout is on.
pub fn head(main: &Path) -> Result<String, GitError> {
    git(main).read(["rev-parse", "HEAD"])
}

/// True when `rel` differs from HEAD in the working tree or the index.
pub fn is_modified(main: &Path, rel: &Path) -> Result<bool, GitError> {
    let status = git(main).read([
        OsStr::new("status"),
        "--porcelain".as_ref(),
        "--".as_ref(),
        rel.as_os_str(),
    ])?;
    Ok(!status.trim().is_empty())
}

/// Put `rel` back as HEAD has it.
pub fn restore(main: &Path, rel: &Path) -> Result<(), GitError> {
    git(main).run([
        OsStr::new("checkout"),
        "--quiet".as_ref(),
        "HEAD".as_ref(),
        "--".as_ref(),
        rel.as_os_str(),
    ])?;
    Ok(())
}

/// Fetch only the remote's base branch into its remote-tracking ref.
pub fn fetch_base(main: &Path, remote: &str, branch: &str) -> Result<(), GitError> {
    // why: one narrow refspec, no prune: a queue change needs only base, and must not drop
    // remote-tracking refs that a lane's lease is reading at the same time.
    let refspec = format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}");
    git(main)
        .network()
        .run(["fetch", "--quiet", remote, refspec.as_str()])?;
    Ok(())
}

/// `git merge --ff-only <rev>`: the main checkout moves forward or not at all.
pub fn fast_forward(main: &Path, rev: &str) -> Result<(), GitError> {
    git(main).run(["merge", "--ff-only", "--quiet", rev])?;
    Ok(())
}

/// Stage and commit `rel` alone with `message`; the new commit's id.
pub fn commit_file(main: &Path, rel: &Path, message: &str) -> Result<String, GitError> {
    let g = git(main);
    let path = rel.as_os_str();
    g.run([OsStr::new("add"), "--".as_ref(), path])?;
    g.run([
        OsStr::new("commit"),
        "--quiet".as_ref(),
        "-m".as_ref(),
        message.as_ref(),
        "--".as_ref(),
        path,
    ])?;
    head(main)
}

/// Take `rel` out of the index again, back to what `before` has.
pub fn unstage(main: &Path, before: &str, rel: &Path) -> Result<(), GitError> {
    git(main).run([
        OsStr::new("reset"),
        "--quiet".as_ref(),
        before.as_ref(),
        "--".as_ref(),
        rel.as_os_str(),
    ])?;
    Ok(())
}

/// Push `sha` to the remote's base as a plain update (never forced). The caller reads the
/// porcelain output to tell a lost race from a failure.
pub fn push_commit(
    main: &Path,
    remote: &str,
    sha: &str,
    branch: &str,
) -> Result<GitOutput, GitError> {
    let refspec = format!("{sha}:refs/heads/{branch}");
    git(main)
        .network()
        .output(["push", "--porcelain", "--quiet", remote, refspec.as_str()])
}

/// The commit the remote's base branch points at, if the remote answers.
pub fn remote_tip(main: &Path, remote: &str, branch: &str) -> Option<String> {
    let pattern = format!("refs/heads/{branch}");
    let out = git(main)
        .network()
        .read(["ls-remote", "--quiet", remote, pattern.as_str()])
        .ok()?;
    out.split_whitespace().next().map(str::to_string)
}

/// Move the main checkout's branch back to `commit`, refusing where a local change would be lost.
pub fn reset_keep(main: &Path, commit: &str) -> Result<(), GitError> {
    git(main).run(["reset", "--quiet", "--keep", commit])?;
    Ok(())
}

/// The bytes of `rel` in the commit `rev` names (`HEAD`, a sha, a ref), read in-process; None
/// when that commit has no such file or `rev` does not resolve.
pub fn blob_at(main: &Path, rev: &str, rel: &Path) -> Option<Vec<u8>> {
    let repo = git2::Repository::open(main).ok()?;
    let tree = repo.revparse_single(rev).ok()?.peel_to_tree().ok()?;
    let entry = tree.get_path(rel).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    Some(blob.content().to_vec())
}

/// Stage `rel` as it is in the working tree (`git add`).
pub fn stage(main: &Path, rel: &Path) -> Result<(), GitError> {
    git(main).run([OsStr::new("add"), "--".as_ref(), rel.as_os_str()])?;
    Ok(())
}
