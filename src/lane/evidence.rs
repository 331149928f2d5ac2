//! Defect evidence (playbook section 8a): a task whose `kind` is in `[policy] defect_kinds`
//! merges only with a root-cause statement, the owning layer (a path the branch changes) and a
//! proof command that passes in the rebased lane. Given to `wt handoff` or `wt merge`
//! (`--root-cause`, `--owning-layer`, `--proof`) and remembered for the lane in
//! `<common dir>/wt/evidence/<lane>.json` until it merges; the merge records them in the handoff
//! and the queue task (`root_cause`, `owning_layer`, `proof_command`).

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::lane::task::ClaimedTask;
use crate::policy::{Rule, Violation};
use crate::sys::files;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub root_cause: Option<String>,
    pub owning_layer: Option<String>,
    pub proof: Option<String>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.root_cause.is_none() && self.owning_layer.is_none() && self.proof.is_none()
    }

    /// `self` with every field `newer` gives replaced (blank values ignored).
    pub fn updated(mut self, newer: &Evidence) -> Evidence {
        let pick = |old: &mut Option<String>, new: &Option<String>| {
            if let Some(v) = new.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                *old = Some(v.to_string());
            }
        };
        pick(&mut self.root_cause, &newer.root_cause);
        pick(&mut self.owning_layer, &newer.owning_layer);
        pick(&mut self.proof, &newer.proof);
        self
    }

    /// The queue fields the merge records.
    pub fn queue_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (key, value) in [
            ("root_cause", &self.root_cause),
            ("owning_layer", &self.owning_layer),
            ("proof_command", &self.proof),
        ] {
            if let Some(v) = value {
                out.push((key, v.clone()));
            }
        }
        out
    }

    /// Lines for the handoff.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(v) = &self.root_cause {
            out.push(format!("root cause: {v}"));
        }
        if let Some(v) = &self.owning_layer {
            out.push(format!("owning layer: `{v}`"));
        }
        if let Some(v) = &self.proof {
            out.push(format!("proof command: `{v}`"));
        }
        out
    }
}

fn path(info: &RepoInfo, lane: &Lane) -> PathBuf {
    info.wt_dir("evidence").join(format!("{}.json", lane.id))
}

/// What is remembered for `lane` (nothing: all None).
pub fn load(info: &RepoInfo, lane: &Lane) -> Evidence {
    std::fs::read(path(info, lane))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// What is remembered, updated with `given`, without writing it (the dry run).
pub fn effective(info: &RepoInfo, lane: &Lane, given: &Evidence) -> Evidence {
    load(info, lane).updated(given)
}

/// Remember `given` for `lane` (on top of what it had); returns the whole.
pub fn remember(info: &RepoInfo, lane: &Lane, given: &Evidence) -> Result<Evidence> {
    let now = effective(info, lane, given);
    if given.is_empty() {
        return Ok(now);
    }
    let bytes = serde_json::to_vec_pretty(&now)
        .map_err(|e| Error::internal(format!("cannot encode the evidence: {e}")))?;
    files::write_atomic(&path(info, lane), &bytes)?;
    Ok(now)
}

/// After the merge: the evidence was recorded; the lane's next task starts without it.
pub fn forget(info: &RepoInfo, lane: &Lane) {
    let _ = std::fs::remove_file(path(info, lane));
}

/// Whether `task` is a defect task under `[policy] defect_kinds`.
pub fn is_defect(cfg: &Config, task: Option<&ClaimedTask>) -> bool {
    let Some(kind) = task.and_then(|t| t.kind.as_deref()) else {
        return false;
    };
    cfg.policy
        .defect_kinds
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind.trim()))
}

/// The evidence rule's violations for a defect task: what is missing, and an owning layer the
/// branch does not change. (The proof runs with the merge's checks.)
pub fn judge(
    cfg: &Config,
    lane: &Lane,
    task: Option<&ClaimedTask>,
    evidence: &Evidence,
    paths: &[String],
) -> Vec<Violation> {
    if !is_defect(cfg, task) {
        return Vec::new();
    }
    let task = task.expect("a defect task");
    let kind = task.kind.as_deref().unwrap_or("bug");
    let id = &lane.id;
    let mut out = Vec::new();
    let mut missing: Vec<(&str, &str)> = Vec::new();
    if evidence.root_cause.is_none() {
        missing.push(("root cause", "--root-cause \"ONE SENTENCE\""));
    }
    if evidence.owning_layer.is_none() {
        missing.push(("owning layer", "--owning-layer PATH"));
    }
    if evidence.proof.is_none() {
        missing.push(("proof command", "--proof \"COMMAND\""));
    }
    if !missing.is_empty() {
        let what: Vec<&str> = missing.iter().map(|(w, _)| *w).collect();
        let flags: Vec<&str> = missing.iter().map(|(_, f)| *f).collect();
        out.push(violation(
            format!(
                "{} is a {kind} task: it merges only with defect evidence (playbook 8a); missing: {}",
                task.id,
                what.join(", ")
            ),
            format!(
                "wt handoff {id} {} (or pass the same flags to wt merge)",
                flags.join(" ")
            ),
        ));
    }
    if let Some(layer) = &evidence.owning_layer {
        let norm = layer.trim().trim_start_matches("./").trim_end_matches('/');
        let touched = paths
            .iter()
            .any(|p| p == norm || p.starts_with(&format!("{norm}/")));
        if !touched {
            let shown: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
            out.push(violation(
                format!(
                    "the owning layer `{layer}` of {} is not changed by the branch (it changes {}): the root cause was not fixed there",
                    task.id,
                    if shown.is_empty() { "nothing".to_string() } else { shown.join(", ") }
                ),
                format!("name the file or folder where the root cause was fixed: wt handoff {id} --owning-layer PATH"),
            ));
        }
    }
    if evidence
        .root_cause
        .as_deref()
        .is_some_and(|r| r.contains('\n'))
    {
        out.push(violation(
            format!(
                "the root cause of {} is more than one line: the playbook asks for one sentence",
                task.id
            ),
            format!("wt handoff {id} --root-cause \"ONE SENTENCE\""),
        ));
    }
    out
}

fn violation(message: String, fix: String) -> Violation {
    Violation {
        rule: Rule::DefectEvidence,
        paths: Vec::new(),
        owner: None,
        message,
        fix,
    }
}
