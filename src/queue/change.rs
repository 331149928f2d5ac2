//! A status change of one task, as the config says it is made: the file edited (and committed
//! and pushed) by `store`, or the team's own `set_status` command run after the rules agreed.
//! Shared by `wt queue claim`, `wt queue set` and `wt merge` (which marks its task done).

use crate::error::{Error, Result};
use crate::queue::store::{self, Applied, Site};
use crate::queue::{self, Queue, Status};
use crate::sys::events::Events;
use crate::sys::process::{self, Capture, Outcome, Spec};

/// Apply a status change: edit the file (and commit and push it), or in delegate mode run the
/// configured argv after the rules have agreed.
pub fn change<F>(site: &Site, events: &dyn Events, plan: F, status: Status) -> Result<Applied>
where
    F: Fn(&Queue) -> Result<queue::Plan, queue::RuleError>,
{
    match &site.qc.set_status {
        None => store::apply(site, events, plan),
        Some(argv) => {
            let file = store::load(site.info, site.qc)?;
            let p = plan(&file.queue)?;
            if !p.is_noop() {
                let owner = owner_after(&file.queue, &p);
                delegate(site, events, argv, &p.task_id, status, &owner)?;
            }
            let noop = p.is_noop();
            // why: the command, not wt, decides what the file says afterwards; the caller reads
            // it back.
            Ok(Applied {
                task_id: p.task_id,
                noop,
                message: p.message,
                commit: None,
                task: None,
            })
        }
    }
}

/// The task's owner once `p` is applied: the one the plan sets, else the one it has. A script
/// behind `set_status` (`OWNER={owner}`) must not get an empty owner just because
/// `wt queue set` was run without `--owner`.
fn owner_after(q: &Queue, p: &queue::Plan) -> String {
    match p.changes.iter().find(|(f, _)| *f == "owner") {
        Some((_, queue::FieldValue::Str(o))) => o.clone(),
        Some(_) => String::new(),
        None => q
            .task(&p.task_id)
            .and_then(|t| t.owner.clone())
            .unwrap_or_default(),
    }
}

/// Run `queue.set_status` with `{task}`, `{status}` and `{owner}` filled in per argv element.
/// The values were checked against the id pattern first: make re-expands `$(...)` even inside
/// one argv element, so a value must not be able to carry one.
fn delegate(
    site: &Site,
    events: &dyn Events,
    argv: &[String],
    task: &str,
    status: Status,
    owner: &str,
) -> Result<()> {
    for (what, value) in [("task", task), ("owner", owner)] {
        if !value.is_empty() && !crate::config::names::is_task_id(value) {
            return Err(Error::usage(format!(
                "{what} `{value}` is not a valid id; the delegate command was not run"
            )));
        }
    }
    let filled: Vec<String> = argv
        .iter()
        .map(|a| {
            a.replace("{task}", task)
                .replace("{status}", status.as_str())
                .replace("{owner}", owner)
        })
        .collect();
    events.status(&format!("running {}", filled.join(" ")));
    let spec = Spec {
        program: &filled[0],
        args: filled[1..].iter().map(Into::into).collect(),
        dir: &site.info.main,
        env: vec![
            ("WT_TASK".into(), task.into()),
            ("WT_STATUS".into(), status.as_str().into()),
            ("WT_OWNER".into(), owner.into()),
        ],
        env_remove: &[],
        capture: Capture::Stream,
        timeout: None,
    };
    match process::run(spec) {
        Ok(Outcome::Finished(out)) if out.status.success() => Ok(()),
        Ok(Outcome::Finished(out)) => Err(Error::refused(format!(
            "the queue's set_status command failed (exit {})",
            out.status.code().unwrap_or(-1)
        ))
        .hint("see its output above")),
        Ok(Outcome::TimedOut) => Err(Error::git("the queue's set_status command timed out")),
        Err(e) => Err(Error::usage(format!("cannot run `{}`: {e}", filled[0]))
            .hint("check [queue] set_status in lanes.toml")),
    }
}
