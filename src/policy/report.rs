//! What the policy check returns: violations grouped per (rule, owner), triggered gates and
//! removed tests, with the wording of every message and fix. Owns that wording and the mapping to
//! a `Refused` error; must never print (the `ui` renders reports and errors).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Error;

/// The rule a violation breaks. Serialized in snake_case for `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Ownership,
    ContractOwner,
    ContractOrder,
    TestRemoved,
    ProtectedFile,
    /// A triggered `[[gate]]` requires a path the branch does not change.
    RequiredDocs,
    /// A needed review is missing, stale, or overruled by a request for changes.
    Review,
    /// A defect task lacks its root-cause evidence.
    DefectEvidence,
    /// A high-risk task lacks its reality checks.
    HighRisk,
    /// An acceptance check is prose, not a command.
    ProseCheck,
}

impl Rule {
    /// The name `--json` uses, also shown before each message of a refusal.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Ownership => "ownership",
            Rule::ContractOwner => "contract_owner",
            Rule::ContractOrder => "contract_order",
            Rule::TestRemoved => "test_removed",
            Rule::ProtectedFile => "protected_file",
            Rule::RequiredDocs => "required_docs",
            Rule::Review => "review",
            Rule::DefectEvidence => "defect_evidence",
            Rule::HighRisk => "high_risk",
            Rule::ProseCheck => "prose_check",
        }
    }
}

/// One broken rule: every path that breaks it for one owner, a one-line message and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    /// Every offending path, in the order the branch's diff (or commits) listed them.
    pub paths: Vec<String>,
    /// The role to raise the change with: the owning role, or the contract owners joined by
    /// `", "`; `None` when no role owns the paths.
    pub owner: Option<String>,
    pub message: String,
    pub fix: String,
}

/// A `[[gate]]` the branch triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggeredGate {
    /// Index of the gate in config order.
    pub index: usize,
    pub run: String,
    /// The changed paths that matched its `when`.
    pub paths: Vec<String>,
}

/// Everything the policies found about one branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub violations: Vec<Violation>,
    pub gates: Vec<TriggeredGate>,
    /// Deleted files matching `[policy] tests`, reported with or without a reason so the handoff
    /// can record them beside the `--allow-test-removal` reason.
    pub removed_tests: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// The error that refuses the merge (exit 1), or `None` when no rule is broken.
    pub fn refusal(&self, lane: &str) -> Option<Error> {
        refusal(lane, &self.violations)
    }
}

/// The refusal for `violations`: one detail line per violation, prefixed with its rule, and one
/// hint per distinct fix.
pub fn refusal(lane: &str, violations: &[Violation]) -> Option<Error> {
    let n = violations.len();
    if n == 0 {
        return None;
    }
    let rules = if n == 1 { "rule" } else { "rules" };
    let error = Error::refused(format!("lane {lane} breaks {n} policy {rules}")).details(
        violations
            .iter()
            .map(|v| format!("{}: {}", v.rule.as_str(), v.message)),
    );
    let mut fixes: Vec<&str> = Vec::new();
    for v in violations {
        if !fixes.contains(&v.fix.as_str()) {
            fixes.push(&v.fix);
        }
    }
    Some(fixes.into_iter().fold(error, |e, fix| e.hint(fix)))
}

/// Collects offending paths per (rule, owner), so a branch touching 300 files of another role
/// gives one violation, not 300. Groups come out sorted by rule, then owner.
#[derive(Default)]
pub(crate) struct Groups {
    groups: BTreeMap<(Rule, Option<String>), Vec<String>>,
}

impl Groups {
    pub(crate) fn add(&mut self, rule: Rule, owner: Option<&str>, path: &str) {
        let key = (rule, owner.map(str::to_string));
        self.groups.entry(key).or_default().push(path.to_string());
    }

    pub(crate) fn into_violations(self) -> Vec<Violation> {
        let groups = self.groups.into_iter();
        groups
            .map(|((rule, owner), paths)| violation(rule, owner, paths))
            .collect()
    }
}

fn violation(rule: Rule, owner: Option<String>, paths: Vec<String>) -> Violation {
    let (message, fix) = wording(rule, owner.as_deref(), &paths);
    Violation {
        rule,
        paths,
        owner,
        message,
        fix,
    }
}

/// Message and fix of a grouped violation. `ContractOrder` is worded where it is found.
fn wording(rule: Rule, owner: Option<&str>, paths: &[String]) -> (String, String) {
    let w = Words::of(paths);
    match rule {
        Rule::Ownership => ownership_wording(&w, owner.unwrap_or("another role")),
        Rule::ContractOwner => contract_wording(&w, owner),
        Rule::TestRemoved => (
            format!(
                "{} {} deleted, and [policy] tests keeps {}",
                w.subject, w.is, w.it
            ),
            format!(
                "restore {}, or pass --allow-test-removal REASON to record why",
                w.it
            ),
        ),
        Rule::ProtectedFile => protected_wording(&w, owner),
        Rule::ContractOrder
        | Rule::RequiredDocs
        | Rule::Review
        | Rule::DefectEvidence
        | Rule::HighRisk
        | Rule::ProseCheck => unreachable!("{} is worded where it is found", rule.as_str()),
    }
}

fn ownership_wording(w: &Words, owner: &str) -> (String, String) {
    let (subject, is, it, change) = (&w.subject, w.is, w.it, w.change);
    (
        format!(
            "{subject} {is} owned by {owner}: raise {it} with {owner} or move the {change} to \
             that lane"
        ),
        format!("restore {it} from base on this branch and hand the {change} to {owner}"),
    )
}

fn contract_wording(w: &Words, owners: Option<&str>) -> (String, String) {
    let (subject, is, it) = (&w.subject, w.is, w.it);
    let message = match owners {
        Some(owners) => format!(
            "{subject} {is} under [contracts], which only {owners} may change: raise a contract \
             request with {owners}"
        ),
        None => format!("{subject} {is} under [contracts], and [contracts] owners is empty"),
    };
    let fix = match owners {
        Some(owners) => {
            format!("restore {it} from base on this branch; {owners} changes contracts first")
        }
        None => format!(
            "restore {it} from base on this branch, or name the contract owners in lanes.toml"
        ),
    };
    (message, fix)
}

fn protected_wording(w: &Words, owner: Option<&str>) -> (String, String) {
    let (subject, is, it) = (&w.subject, w.is, w.it);
    let judged = "a lane may not change the config or queue that judges its own merge";
    let message = match owner {
        None => format!("{subject} {is} protected: {judged}"),
        Some(owner) => format!("{subject} {is} protected and owned by {owner}: {judged}"),
    };
    (
        message,
        format!("restore {it} from base on this branch; change {it} on base instead"),
    )
}

/// Agreement for a list of paths: "web/a.ts is", "web/a.ts and web/b.ts are",
/// "web/a.ts and 299 more paths are".
pub(crate) struct Words {
    pub(crate) subject: String,
    pub(crate) is: &'static str,
    pub(crate) it: &'static str,
    change: &'static str,
}

impl Words {
    pub(crate) fn of(paths: &[String]) -> Words {
        let first = paths.first().map(String::as_str).unwrap_or("nothing");
        let subject = match paths.len() {
            0 | 1 => first.to_string(),
            2 => format!("{first} and {}", paths[1]),
            n => format!("{first} and {} more paths", n - 1),
        };
        let one = paths.len() <= 1;
        Words {
            subject,
            is: if one { "is" } else { "are" },
            it: if one { "it" } else { "them" },
            change: if one { "change" } else { "changes" },
        }
    }
}
