//! The queue's data: what a task is, which names are acceptable, and how one field of a task is
//! read or replaced as a [`FieldValue`] (the common currency of `rules` and `edit`).

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

pub use super::extra::{Archive, Extra};
use super::schema::Schema;

/// The queue file as read: a schema version and the tasks in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queue {
    pub version: u32,
    pub tasks: Vec<Task>,
    /// The priority of a task without `priority` (`[queue] default_priority`, 1000 unless set).
    #[serde(skip)]
    pub default_priority: u32,
    /// Top-level keys `wt` does not know (`updated_at`...), kept as the file has them.
    #[serde(skip)]
    pub extra: Extra,
    /// How the file names its fields and how strictly it is read.
    #[serde(skip)]
    pub schema: Schema,
    /// Finished tasks moved to archive files (`[queue] archive`): read-only, never claimed, and
    /// done ones satisfy `depends_on`.
    #[serde(skip)]
    pub archive: Vec<Archive>,
}

/// The priority of a task that does not say (`[queue] default_priority` overrides it).
pub const DEFAULT_PRIORITY: u32 = 1000;

/// One task. Field order here is the order `--json` prints them in; every field is printed,
/// absent ones as `null` (lists as `[]`), so scripts never need to test for a missing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub role: String,
    /// V2 only: the lane of the role that must take this task; `None` means any lane.
    pub lane: Option<u32>,
    pub status: Status,
    pub owner: Option<String>,
    pub branch: Option<String>,
    pub depends_on: Vec<String>,
    pub acceptance_checks: Vec<String>,
    pub blocked_by: Option<String>,
    /// Why the task is blocked, when no task blocks it (`queue set ID blocked --reason`).
    pub blocked_reason: Option<String>,
    pub claimed_at: Option<String>,
    pub completed_at: Option<String>,
    pub merged_commit: Option<String>,
    pub parent_id: Option<String>,
    pub slice: Option<String>,
    pub merge_order: Option<u32>,
    /// The team's kind of work (epic, story, task, bug, spike...).
    pub kind: Option<String>,
    /// Lower is more urgent; a task without one has the queue's default priority.
    pub priority: Option<u32>,
    /// Order among tasks of the same priority; absent comes after any number.
    pub sequence: Option<u32>,
    pub risk_level: Option<String>,
    /// Defect evidence (playbook 8a), recorded by the merge: the root cause in one sentence.
    pub root_cause: Option<String>,
    /// The owning layer (a path the branch changed) where the root cause was fixed.
    pub owning_layer: Option<String>,
    /// The command that proves the root-cause path is covered (it passed in the rebased lane).
    pub proof_command: Option<String>,
    pub description: Option<String>,
    pub notes: Option<String>,
    /// The accepted ADR that let the task be claimed before its dependencies were done
    /// (`wt queue claim --exception PATH`), repo-relative.
    pub exception: Option<String>,
    /// Keys `wt` does not know (`tags`, `profile`, `commit`...), kept byte for byte in the file
    /// and shown beside the known fields in `--json`.
    #[serde(flatten)]
    pub extra: Extra,
    /// 1-based line of the task's first key, when it came from a file.
    #[serde(skip)]
    pub line: Option<u32>,
    /// Byte offset of the task's first key, when the fast reader read the file: an edit reads
    /// that one task again from there instead of the whole file.
    #[serde(skip)]
    pub(crate) at: Option<usize>,
}

/// What `wt queue show --json` and `wt queue ready --json` print: `{"tasks": [...]}`, and for
/// the whole queue its top-level keys `wt` does not know under `"top_level"`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskList<'q> {
    pub tasks: Vec<&'q Task>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_level: Option<&'q Extra>,
}

impl<'q> TaskList<'q> {
    pub fn all(queue: &'q Queue) -> Self {
        TaskList {
            tasks: queue.tasks.iter().collect(),
            top_level: (!queue.extra.is_empty()).then_some(&queue.extra),
        }
    }

    pub fn some(tasks: Vec<&'q Task>) -> Self {
        TaskList {
            tasks,
            top_level: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Todo,
    InProgress,
    Blocked,
    Done,
}

/// The keys a task may have, in the order a new key is expected to appear.
pub const TASK_FIELDS: &[&str] = &[
    "id",
    "title",
    "role",
    "lane",
    "status",
    "owner",
    "branch",
    "depends_on",
    "acceptance_checks",
    "blocked_by",
    "blocked_reason",
    "claimed_at",
    "completed_at",
    "merged_commit",
    "parent_id",
    "slice",
    "merge_order",
    "kind",
    "priority",
    "sequence",
    "risk_level",
    "root_cause",
    "owning_layer",
    "proof_command",
    "description",
    "notes",
    "exception",
];

/// A task field, in [`TASK_FIELDS`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Title,
    Role,
    Lane,
    Status,
    Owner,
    Branch,
    DependsOn,
    AcceptanceChecks,
    BlockedBy,
    BlockedReason,
    ClaimedAt,
    CompletedAt,
    MergedCommit,
    ParentId,
    Slice,
    MergeOrder,
    Kind,
    Priority,
    Sequence,
    RiskLevel,
    RootCause,
    OwningLayer,
    ProofCommand,
    Description,
    Notes,
    Exception,
}

impl Field {
    pub const ALL: [Field; 27] = [
        Field::Id,
        Field::Title,
        Field::Role,
        Field::Lane,
        Field::Status,
        Field::Owner,
        Field::Branch,
        Field::DependsOn,
        Field::AcceptanceChecks,
        Field::BlockedBy,
        Field::BlockedReason,
        Field::ClaimedAt,
        Field::CompletedAt,
        Field::MergedCommit,
        Field::ParentId,
        Field::Slice,
        Field::MergeOrder,
        Field::Kind,
        Field::Priority,
        Field::Sequence,
        Field::RiskLevel,
        Field::RootCause,
        Field::OwningLayer,
        Field::ProofCommand,
        Field::Description,
        Field::Notes,
        Field::Exception,
    ];

    pub fn name(self) -> &'static str {
        TASK_FIELDS[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Field> {
        TASK_FIELDS
            .iter()
            .position(|f| *f == name)
            .map(|i| Field::ALL[i])
    }

    /// The naming rule a value of this field must satisfy, if any.
    pub fn name_kind(self) -> Option<NameKind> {
        match self {
            Field::Id | Field::Owner | Field::BlockedBy | Field::ParentId | Field::DependsOn => {
                Some(NameKind::Id)
            }
            Field::Role => Some(NameKind::Role),
            Field::Branch => Some(NameKind::Branch),
            Field::MergedCommit => Some(NameKind::Commit),
            _ => None,
        }
    }
}

/// The keys of the file's top-level mapping.
pub const ROOT_FIELDS: &[&str] = &["version", "tasks"];

/// The only schema version this code reads and writes.
pub const QUEUE_VERSION: u32 = 1;

/// A new value for one task field, as `rules` plans it and `edit` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Null,
    Str(String),
    Int(u32),
    List(Vec<String>),
}

impl FieldValue {
    pub fn str(s: impl Into<String>) -> Self {
        FieldValue::Str(s.into())
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Null => f.write_str("null"),
            FieldValue::Str(s) => f.write_str(s),
            FieldValue::Int(n) => write!(f, "{n}"),
            FieldValue::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Todo,
        Status::InProgress,
        Status::Blocked,
        Status::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            Status::InProgress => "in_progress",
            Status::Blocked => "blocked",
            Status::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Queue {
    /// A queue of these tasks at the current version, with the default priority.
    pub fn new(tasks: Vec<Task>) -> Queue {
        Queue {
            version: QUEUE_VERSION,
            tasks,
            default_priority: DEFAULT_PRIORITY,
            extra: Extra::default(),
            schema: Schema::default(),
            archive: Vec::new(),
        }
    }

    /// An archived task and its file.
    pub fn archived(&self, id: &str) -> Option<(&str, &Task)> {
        self.archive
            .iter()
            .find_map(|a| Some((a.file.as_str(), a.tasks.iter().find(|t| t.id == id)?)))
    }

    /// Task ids to positions. Built on demand rather than stored so that a caller mutating
    /// `tasks` can never leave a stale index behind; building it is linear and cheap.
    pub fn index(&self) -> HashMap<&str, usize> {
        let mut map = HashMap::with_capacity(self.tasks.len());
        for (i, t) in self.tasks.iter().enumerate() {
            map.entry(t.id.as_str()).or_insert(i);
        }
        map
    }

    /// The priority a task has: its own, else the queue's default.
    pub fn priority_of(&self, task: &Task) -> u32 {
        task.priority.unwrap_or(self.default_priority)
    }

    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Equality that ignores line numbers, which move when an edit inserts a line.
    pub fn same_content(&self, other: &Queue) -> bool {
        self.version == other.version
            && self.tasks.len() == other.tasks.len()
            && self
                .tasks
                .iter()
                .zip(&other.tasks)
                .all(|(a, b)| a.same_content(b))
    }
}

impl Task {
    /// A todo task with only the required fields set; handy for callers and tests.
    pub fn new(id: &str, title: &str, role: &str) -> Task {
        Task {
            id: id.to_string(),
            title: title.to_string(),
            role: role.to_string(),
            lane: None,
            status: Status::Todo,
            owner: None,
            branch: None,
            depends_on: Vec::new(),
            acceptance_checks: Vec::new(),
            blocked_by: None,
            blocked_reason: None,
            claimed_at: None,
            completed_at: None,
            merged_commit: None,
            parent_id: None,
            slice: None,
            merge_order: None,
            kind: None,
            priority: None,
            sequence: None,
            risk_level: None,
            root_cause: None,
            owning_layer: None,
            proof_command: None,
            description: None,
            notes: None,
            exception: None,
            extra: Extra::default(),
            line: None,
            at: None,
        }
    }

    pub fn same_content(&self, other: &Task) -> bool {
        // why: destructured without `..`, so a new field cannot be forgotten here.
        let Task {
            id,
            title,
            role,
            lane,
            status,
            owner,
            branch,
            depends_on,
            acceptance_checks,
            blocked_by,
            blocked_reason,
            claimed_at,
            completed_at,
            merged_commit,
            parent_id,
            slice,
            merge_order,
            kind,
            priority,
            sequence,
            risk_level,
            root_cause,
            owning_layer,
            proof_command,
            description,
            notes,
            exception,
            extra,
            line: _,
            at: _,
        } = self;
        *id == other.id
            && *title == other.title
            && *role == other.role
            && *lane == other.lane
            && *status == other.status
            && *owner == other.owner
            && *branch == other.branch
            && *depends_on == other.depends_on
            && *acceptance_checks == other.acceptance_checks
            && *blocked_by == other.blocked_by
            && *blocked_reason == other.blocked_reason
            && *claimed_at == other.claimed_at
            && *completed_at == other.completed_at
            && *merged_commit == other.merged_commit
            && *parent_id == other.parent_id
            && *slice == other.slice
            && *merge_order == other.merge_order
            && *kind == other.kind
            && *priority == other.priority
            && *sequence == other.sequence
            && *risk_level == other.risk_level
            && *root_cause == other.root_cause
            && *owning_layer == other.owning_layer
            && *proof_command == other.proof_command
            && *description == other.description
            && *notes == other.notes
            && *exception == other.exception
            && *extra == other.extra
    }

    /// The current value of a field, or `None` for a name that is not a task field.
    pub fn field(&self, name: &str) -> Option<FieldValue> {
        Field::from_name(name).map(|f| self.get(f))
    }

    pub fn get(&self, field: Field) -> FieldValue {
        let text = |v: &String| FieldValue::Str(v.clone());
        let int = |v: Option<u32>| v.map_or(FieldValue::Null, FieldValue::Int);
        match field {
            Field::Id => text(&self.id),
            Field::Title => text(&self.title),
            Field::Role => text(&self.role),
            Field::Lane => int(self.lane),
            Field::Status => FieldValue::str(self.status.as_str()),
            Field::DependsOn => FieldValue::List(self.depends_on.clone()),
            Field::AcceptanceChecks => FieldValue::List(self.acceptance_checks.clone()),
            Field::MergeOrder => int(self.merge_order),
            Field::Priority => int(self.priority),
            Field::Sequence => int(self.sequence),
            other => self
                .optional(other)
                .clone()
                .map_or(FieldValue::Null, FieldValue::Str),
        }
    }

    /// Replaces one field, checking the value's type and, for names, its pattern. Used to
    /// predict what an edited file must parse back to.
    pub fn set_field(&mut self, name: &str, value: &FieldValue) -> Result<(), String> {
        let field =
            Field::from_name(name).ok_or_else(|| format!("`{name}` is not a task field"))?;
        self.set(field, value.clone())
    }

    pub fn set(&mut self, field: Field, value: FieldValue) -> Result<(), String> {
        self.set_with(field, value, field.name_kind())
    }

    /// Like [`Task::set`] for a value whose naming rule the caller has already checked (the
    /// parser does, with its own located message), so large files do not check it twice.
    pub(crate) fn set_names_checked(
        &mut self,
        field: Field,
        value: FieldValue,
    ) -> Result<(), String> {
        self.set_with(field, value, None)
    }

    fn set_with(
        &mut self,
        field: Field,
        value: FieldValue,
        kind: Option<NameKind>,
    ) -> Result<(), String> {
        let name = field.name();
        match field {
            Field::Id => self.id = required(name, value, kind)?,
            Field::Title => self.title = required(name, value, kind)?,
            Field::Role => self.role = required(name, value, kind)?,
            Field::Status => self.status = status_value(value)?,
            Field::Lane => self.lane = int_value(name, value)?,
            Field::MergeOrder => self.merge_order = int_value(name, value)?,
            Field::Priority => self.priority = int_value(name, value)?,
            Field::Sequence => self.sequence = int_value(name, value)?,
            Field::DependsOn => self.depends_on = list_value(name, value, kind)?,
            Field::AcceptanceChecks => self.acceptance_checks = list_value(name, value, kind)?,
            other => *self.optional_mut(other) = optional(name, value, kind)?,
        }
        Ok(())
    }

    fn optional(&self, field: Field) -> &Option<String> {
        match field {
            Field::Owner => &self.owner,
            Field::Branch => &self.branch,
            Field::BlockedBy => &self.blocked_by,
            Field::BlockedReason => &self.blocked_reason,
            Field::Kind => &self.kind,
            Field::RiskLevel => &self.risk_level,
            Field::RootCause => &self.root_cause,
            Field::OwningLayer => &self.owning_layer,
            Field::ProofCommand => &self.proof_command,
            Field::ClaimedAt => &self.claimed_at,
            Field::CompletedAt => &self.completed_at,
            Field::MergedCommit => &self.merged_commit,
            Field::ParentId => &self.parent_id,
            Field::Slice => &self.slice,
            Field::Description => &self.description,
            Field::Exception => &self.exception,
            _ => &self.notes,
        }
    }

    fn optional_mut(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::Owner => &mut self.owner,
            Field::Branch => &mut self.branch,
            Field::BlockedBy => &mut self.blocked_by,
            Field::BlockedReason => &mut self.blocked_reason,
            Field::Kind => &mut self.kind,
            Field::RiskLevel => &mut self.risk_level,
            Field::RootCause => &mut self.root_cause,
            Field::OwningLayer => &mut self.owning_layer,
            Field::ProofCommand => &mut self.proof_command,
            Field::ClaimedAt => &mut self.claimed_at,
            Field::CompletedAt => &mut self.completed_at,
            Field::MergedCommit => &mut self.merged_commit,
            Field::ParentId => &mut self.parent_id,
            Field::Slice => &mut self.slice,
            Field::Description => &mut self.description,
            Field::Exception => &mut self.exception,
            _ => &mut self.notes,
        }
    }
}

/// Which naming rule a string field must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Id,
    Role,
    Branch,
    Commit,
}

impl NameKind {
    pub fn check(self, s: &str) -> bool {
        match self {
            NameKind::Id => is_valid_id(s),
            NameKind::Role => is_valid_role(s),
            NameKind::Branch => is_valid_branch(s),
            NameKind::Commit => is_valid_commit(s),
        }
    }

    /// The rule in words, for error messages and fixes.
    pub fn rule(self) -> &'static str {
        match self {
            NameKind::Id => "[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
            NameKind::Role => "[A-Za-z][A-Za-z0-9-]{0,39}",
            NameKind::Branch => {
                "a branch name of letters, digits and . _ - / (no `..`, `//` or `.lock`)"
            }
            NameKind::Commit => "a hexadecimal commit id of 4 to 64 digits",
        }
    }
}

/// The naming rule of a field that holds a name, if any.
pub fn name_kind(field: &str) -> Option<NameKind> {
    Field::from_name(field).and_then(Field::name_kind)
}

/// Task ids and owners: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}` (SPEC section 1). These values end
/// up in commit messages, argv and environment variables, so nothing else is let through.
pub fn is_valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=64).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// Role names: `[A-Za-z][A-Za-z0-9-]{0,39}` (SPEC section 1).
pub fn is_valid_role(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
}

/// A conservative subset of `git check-ref-format --branch`: the queue only ever records
/// branches that `wt` itself named, so anything exotic is more likely an injection than a lane.
pub fn is_valid_branch(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=200).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/'))
        && !s.contains("..")
        && !s.contains("//")
        && !s.contains("/.")
        && !s.ends_with('/')
        && !s.ends_with('.')
        && !s.ends_with(".lock")
}

/// Commit ids as git prints them (abbreviated or full, SHA-1 or SHA-256).
pub fn is_valid_commit(s: &str) -> bool {
    (4..=64).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn check_name(field: &str, s: &str, kind: Option<NameKind>) -> Result<(), String> {
    match kind {
        Some(k) if !k.check(s) => Err(format!("`{field}` value {s:?} does not match {}", k.rule())),
        _ => Ok(()),
    }
}

fn required(field: &str, v: FieldValue, kind: Option<NameKind>) -> Result<String, String> {
    match v {
        FieldValue::Str(s) => check_name(field, &s, kind).map(|()| s),
        _ => Err(format!("`{field}` needs a string, not {v}")),
    }
}

fn optional(field: &str, v: FieldValue, kind: Option<NameKind>) -> Result<Option<String>, String> {
    match v {
        FieldValue::Null => Ok(None),
        _ => required(field, v, kind).map(Some),
    }
}

fn int_value(field: &str, v: FieldValue) -> Result<Option<u32>, String> {
    match v {
        FieldValue::Null => Ok(None),
        FieldValue::Int(n) => Ok(Some(n)),
        _ => Err(format!("`{field}` needs a number, not {v}")),
    }
}

fn list_value(field: &str, v: FieldValue, kind: Option<NameKind>) -> Result<Vec<String>, String> {
    match v {
        FieldValue::Null => Ok(Vec::new()),
        FieldValue::List(items) => {
            items.iter().try_for_each(|s| check_name(field, s, kind))?;
            Ok(items)
        }
        _ => Err(format!("`{field}` needs a list, not {v}")),
    }
}

fn status_value(v: FieldValue) -> Result<Status, String> {
    match v {
        FieldValue::Str(s) => Status::parse(&s).ok_or_else(|| format!("`{s}` is not a status")),
        _ => Err(format!(
            "`status` needs one of todo, in_progress, blocked, done, not {v}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pattern_rejects_shell_and_paths() {
        for bad in [
            "$(touch PWNED)",
            "",
            "-x",
            ".x",
            "a b",
            "a/b",
            "a;b",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_id(bad), "{bad:?} accepted");
        }
        for good in ["A-P7-001", "agent-a", "x", "T.1_2", &"a".repeat(64), "0abc"] {
            assert!(is_valid_id(good), "{good:?} rejected");
        }
    }

    #[test]
    fn role_pattern() {
        assert!(is_valid_role("A-backend"));
        assert!(!is_valid_role("1abc"));
        assert!(!is_valid_role("a_b"));
        assert!(!is_valid_role(&"a".repeat(41)));
    }

    #[test]
    fn branch_pattern() {
        assert!(is_valid_branch("agent/B-ui-2"));
        for bad in [
            "agent/../x",
            "a//b",
            "x.lock",
            "-x",
            "agent/$(id)",
            "a/",
            "a/.b",
            "a b",
        ] {
            assert!(!is_valid_branch(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn set_field_checks_types_and_names() {
        let mut t = Task::new("A", "t", "r");
        t.set_field("owner", &FieldValue::str("agent-a")).unwrap();
        assert_eq!(t.owner.as_deref(), Some("agent-a"));
        assert!(t
            .set_field("owner", &FieldValue::str("$(touch PWNED)"))
            .is_err());
        assert!(t.set_field("status", &FieldValue::str("ready")).is_err());
        assert!(t.set_field("lane", &FieldValue::str("1")).is_err());
        assert!(t.set_field("nope", &FieldValue::Null).is_err());
        t.set_field("depends_on", &FieldValue::List(vec!["B".into()]))
            .unwrap();
        assert_eq!(
            t.field("depends_on"),
            Some(FieldValue::List(vec!["B".into()]))
        );
    }

    #[test]
    fn json_has_every_field() {
        let q = Queue::new(vec![Task::new("A", "t", "r")]);
        let v = serde_json::to_value(&q).unwrap();
        let task = v["tasks"][0].as_object().unwrap();
        for f in TASK_FIELDS {
            assert!(task.contains_key(*f), "missing {f}");
        }
        assert_eq!(task.len(), TASK_FIELDS.len());
        assert_eq!(task["status"], "todo");
    }
}
