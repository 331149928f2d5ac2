//! The ADR behind an exception claim (playbook section 11), read from base: it must exist there,
//! name the task, give a reason and a rollback plan, and be accepted. The judgement of the text
//! is `queue::exception::check_adr`; this file reads it from git and words the refusal.

use crate::error::{Error, Result};
use crate::git::{ops, BaseRef, Oid, Repository};
use crate::queue::exception::check_adr;
use crate::sys::quote::quote_word;
use std::path::{Component, Path};

/// The commits an ADR is looked for in: local base (where queue changes are committed), then the
/// remote-tracking base.
fn base_tips(repo: &Repository, base: &BaseRef) -> Vec<Oid> {
    let mut tips = Vec::new();
    for r in [Some(base.local_ref()), base.remote_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(o) = ops::resolve(repo, &r) {
            if !tips.contains(&o) {
                tips.push(o);
            }
        }
    }
    tips
}

/// The text of `path` on base, if base has it.
pub fn read_on_base(repo: &Repository, base: &BaseRef, path: &str) -> Option<String> {
    base_tips(repo, base)
        .into_iter()
        .find_map(|tip| ops::file_at(repo, tip, path))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Whether `path` exists on base (None: base cannot be read).
pub fn exists_on_base(repo: &Repository, base: &BaseRef, path: &str) -> Option<bool> {
    let tips = base_tips(repo, base);
    if tips.is_empty() {
        return None;
    }
    Some(tips.iter().any(|t| ops::file_at(repo, *t, path).is_some()))
}

/// A repo-relative path that stays inside the repository.
fn check_path(path: &str) -> Result<String> {
    let p = Path::new(path);
    let inside = !path.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && !path.contains('\n');
    if !inside {
        return Err(Error::usage(format!(
            "--exception {path:?}: give the ADR's path relative to the repository root"
        ))
        .hint("e.g. --exception doc/architecture/adr/0007-start-B-2-early.md"));
    }
    Ok(p.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}

/// The handoff's risk line for a task claimed under the ADR at `path`.
pub fn risk_line(path: &str) -> String {
    format!("claimed by exception before its dependencies were done: ADR {path}")
}

/// Judge the ADR at `path` for an exception claim of `task`; its normalized path when it allows
/// the claim, else the refusal (the task stays blocked until the ADR is complete and accepted).
pub fn judge(repo: &Repository, base: &BaseRef, task: &str, path: &str) -> Result<String> {
    let path = check_path(path)?;
    let park = format!(
        "until then keep the task blocked: wt queue set {task} blocked --reason {}",
        quote_word(&format!("awaiting ADR {path}"))
    );
    let Some(text) = read_on_base(repo, base, &path) else {
        return Err(Error::refused(format!(
            "cannot claim {task} by exception: {path} does not exist on {}; nothing was changed",
            base.name
        ))
        .hint(format!(
            "write the ADR (task id, reason, rollback plan, `Status: accepted`) and commit it on {}",
            base.name
        ))
        .hint(park));
    };
    let check = check_adr(&text, task);
    if check.missing.is_empty() {
        return Ok(path);
    }
    let status = check
        .status
        .as_deref()
        .map_or("no status".to_string(), |s| format!("Status: {s}"));
    let message = if check.accepted() {
        format!(
            "cannot claim {task} by exception: ADR {path} lacks {}; nothing was changed",
            check.missing.join(", ")
        )
    } else {
        format!(
            "cannot claim {task} by exception: ADR {path} is not accepted ({status}); {task} stays blocked until it is; nothing was changed"
        )
    };
    Err(Error::refused(message)
        .details(check.missing.iter().map(|m| format!("the ADR needs {m}")))
        .hint(park))
}
