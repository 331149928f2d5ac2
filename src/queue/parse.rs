//! Reading a queue file: bytes in, a [`Queue`] or one [`QueueError`] naming the line out.
//! Keys `wt` does not know are kept (see [`Schema`]); a near miss of a known field, a duplicate
//! key, a bad status or name, a second document, an alias: each is an error, because a silently
//! ignored `dependson` disables a dependency gate. Commands stop at the first error;
//! `wt queue validate` reads on with [`parse_all`] and lists every one, stopping only where the
//! YAML itself loses its structure.

use std::cell::RefCell;
use std::collections::HashMap;

pub use super::located::QueueError;
pub(crate) use super::located::{located, shown};
use super::model::{Extra, Field, FieldValue, NameKind, Queue, Status, Task, QUEUE_VERSION};
use super::schema::Schema;
use super::validate::ProblemKind;
use super::yaml::{self, Kind, LineIndex, Node, Style};

/// Files larger than this are refused before parsing (SPEC section 2).
pub const MAX_QUEUE_BYTES: usize = 8 * 1024 * 1024;

/// Parses and checks a queue file with `wt`'s own field names. `file_label` is how errors
/// name the file.
pub fn parse(bytes: &[u8], file_label: &str) -> Result<Queue, QueueError> {
    parse_with(bytes, file_label, &Schema::default())
}

/// Parses and checks a queue file as `schema` says it is written; the first problem is the error.
pub fn parse_with(bytes: &[u8], file_label: &str, schema: &Schema) -> Result<Queue, QueueError> {
    let src = split_bom(check_bytes(bytes, file_label)?).1;
    match parse_streaming(src, file_label, schema) {
        Some(queue) => Ok(queue),
        None => parse_str_with(src, file_label, schema).map(|(queue, _)| queue),
    }
}

/// One problem found while reading a file that still has its structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: ProblemKind,
    pub error: QueueError,
}

/// Reads on past every problem that leaves the file's structure whole, and returns them all with
/// the tasks that could be read (a task without an id, or that is not a mapping, is left out).
/// Only what loses the structure (YAML syntax, no `tasks` list, an unknown version) is an error.
pub fn parse_all(
    bytes: &[u8],
    file_label: &str,
    schema: &Schema,
) -> Result<(Queue, Vec<Finding>), QueueError> {
    let src = split_bom(check_bytes(bytes, file_label)?).1;
    let (tree, conv) = tree_of(src, file_label, schema)?;
    let conv = Conv {
        found: Some(RefCell::new(Vec::new())),
        ..conv
    };
    let queue = conv.queue(&tree, Vec::new())?;
    let found = conv.found.map(RefCell::into_inner).unwrap_or_default();
    Ok((queue, found))
}

/// A UTF-8 byte order mark, if the text starts with one, and the text after it. The mark is
/// accepted and kept: edits work on the text after it and put it back.
pub fn split_bom(src: &str) -> (&str, &str) {
    match src.strip_prefix('\u{FEFF}') {
        Some(rest) => (&src[..3], rest),
        None => ("", src),
    }
}

/// The quick path: the fast reader, converting each task as soon as it is read. Any doubt or
/// error gives `None`, and [`parse_str`] then does the work again in full, so errors (and
/// their lines) come from one place only.
fn parse_streaming(src: &str, file: &str, schema: &Schema) -> Option<Queue> {
    let conv = Conv::new(LineIndex::from_starts(src, vec![0]), file, schema);
    // why: a guess at the task count spares the large vector repeated copies as it grows.
    let mut tasks = Vec::with_capacity(src.len() / 256);
    let mut sink = |node: Node, line: usize| match conv.task(&node, line) {
        Ok(task) => {
            tasks.push(task);
            true
        }
        Err(_) => false,
    };
    let root = super::fast::stream(src, &mut sink)?;
    conv.queue(&root, tasks).ok()
}

/// One task from its item node; `None` if it is not a valid task.
pub(crate) fn task_of(node: &Node, src: &str, schema: &Schema) -> Option<Task> {
    let conv = Conv::new(LineIndex::from_starts(src, vec![0]), "", schema);
    conv.task(node, 0).ok()
}

/// The queue, its tree, and the edited task's index and node if it exists.
pub(crate) type ForEdit<'a> = (Queue, Node<'a>, Option<(usize, Node<'a>)>);

/// Parses for an edit: the queue, its tree, and the item node of task `id` (with its index)
/// when there is one. On the fast path the tree's `tasks` list is empty (tasks are converted
/// as they are read) and only the wanted task's node is kept, so the file is read once and
/// never held twice.
pub(crate) fn parse_for_edit<'a>(
    src: &'a str,
    file: &str,
    id: &str,
    schema: &Schema,
) -> Result<ForEdit<'a>, QueueError> {
    let conv = Conv::new(LineIndex::from_starts(src, vec![0]), file, schema);
    let mut tasks = Vec::with_capacity(src.len() / 256);
    let mut kept = None;
    let mut sink = |node: Node<'a>, line: usize| match conv.task(&node, line) {
        Ok(task) => {
            if kept.is_none() && task.id == id {
                kept = Some((tasks.len(), node));
            }
            tasks.push(task);
            true
        }
        Err(_) => false,
    };
    if let Some(root) = super::fast::stream(src, &mut sink) {
        if let Ok(queue) = conv.queue(&root, tasks) {
            return Ok((queue, root, kept));
        }
    }
    let (queue, tree) = parse_str_with(src, file, schema)?;
    let index = queue.tasks.iter().position(|t| t.id == id);
    let node = match (index, tree.get("tasks")) {
        (
            Some(i),
            Some((
                _,
                Node {
                    kind: Kind::Seq(items, _),
                    ..
                },
            )),
        ) => items.get(i).map(|n| (i, n.clone())),
        _ => None,
    };
    Ok((queue, tree, node))
}

/// The text of a 1-based line of `src`, without its line break ("" past the end).
pub fn source_line(src: &str, line: usize) -> &str {
    LineIndex::new(src).text(line)
}

pub(crate) fn check_bytes<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, QueueError> {
    if bytes.len() > MAX_QUEUE_BYTES {
        let message = format!(
            "the file is {} bytes, over the {} MiB limit",
            bytes.len(),
            MAX_QUEUE_BYTES >> 20
        );
        let fix =
            "archive done tasks into another file; a queue this large is not one a team works from";
        return Err(located(file, "", 1, 1, message, fix));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let idx = LineIndex::new(valid);
        let (line, column) = idx.line_col(valid.len());
        let bad = bytes[e.valid_up_to()];
        let message = format!("the file is not valid UTF-8 (byte 0x{bad:02X})");
        located(
            file,
            idx.text(line),
            line,
            column,
            message,
            "save the file as UTF-8",
        )
    })
}

/// Parses text already known to be UTF-8, keeping the located tree for edits.
#[cfg(test)]
pub(crate) fn parse_str<'a>(src: &'a str, file: &str) -> Result<(Queue, Node<'a>), QueueError> {
    parse_str_with(src, file, &Schema::default())
}

/// [`parse_str`] for a file written as `schema` says.
pub(crate) fn parse_str_with<'a>(
    src: &'a str,
    file: &str,
    schema: &Schema,
) -> Result<(Queue, Node<'a>), QueueError> {
    let (tree, conv) = tree_of(src, file, schema)?;
    let queue = conv.queue(&tree, Vec::new())?;
    Ok((queue, tree))
}

fn tree_of<'a, 'c>(
    src: &'a str,
    file: &'c str,
    schema: &'c Schema,
) -> Result<(Node<'a>, Conv<'c>), QueueError>
where
    'a: 'c,
{
    match super::fast::tree(src) {
        Some((tree, starts)) => Ok((
            tree,
            Conv::new(LineIndex::from_starts(src, starts), file, schema),
        )),
        None => {
            let conv = Conv::new(LineIndex::new(src), file, schema);
            let tree = yaml::full_tree(src).map_err(|e| conv.syntax(&e))?;
            Ok((tree, conv))
        }
    }
}

/// How each task field is typed in the file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Required,
    Optional,
    Int,
    List,
}

fn shape(field: Field) -> Shape {
    match field {
        Field::Id | Field::Title | Field::Role | Field::Status => Shape::Required,
        Field::Lane | Field::MergeOrder | Field::Priority | Field::Sequence => Shape::Int,
        Field::DependsOn | Field::AcceptanceChecks => Shape::List,
        _ => Shape::Optional,
    }
}

const REQUIRED: [Field; 4] = [Field::Id, Field::Title, Field::Role, Field::Status];

struct Conv<'a> {
    idx: LineIndex<'a>,
    file: &'a str,
    schema: &'a Schema,
    /// Reading on past problems (`parse_all`): each is noted here instead of returned.
    found: Option<RefCell<Vec<Finding>>>,
    /// Unknown keys already judged harmless, so a 5,000-task file judges each name once.
    kept: RefCell<Vec<String>>,
}

impl<'a> Conv<'a> {
    fn new(idx: LineIndex<'a>, file: &'a str, schema: &'a Schema) -> Self {
        Conv {
            idx,
            file,
            schema,
            found: None,
            kept: RefCell::new(Vec::new()),
        }
    }

    /// A problem that leaves the structure whole: noted when reading on, else the error.
    fn note(&self, kind: ProblemKind, error: QueueError) -> Result<(), QueueError> {
        match &self.found {
            Some(found) => {
                found.borrow_mut().push(Finding { kind, error });
                Ok(())
            }
            None => Err(error),
        }
    }

    /// Whether an unknown key may stay; when not, the error naming the field it resembles.
    fn unknown(&self, key: &Node, name: &str, root: bool) -> Result<bool, QueueError> {
        if self.kept.borrow().iter().any(|k| k == name) {
            return Ok(true);
        }
        let refusal = if root {
            self.schema.refuse_root_key(name)
        } else {
            self.schema.refuse_task_key(name)
        };
        match refusal {
            None => {
                self.kept.borrow_mut().push(name.to_string());
                Ok(true)
            }
            Some(r) => {
                let kind = if self.schema.strict && !r.message.contains("near miss") {
                    ProblemKind::UnknownKey
                } else {
                    ProblemKind::NearMissKey
                };
                self.note(kind, self.err(key.span.start, r.message, &r.fix))?;
                Ok(false)
            }
        }
    }
    fn err(&self, offset: usize, message: String, fix: &str) -> QueueError {
        let (line, column) = self.idx.line_col(offset);
        located(self.file, self.idx.text(line), line, column, message, fix)
    }

    fn syntax(&self, e: &yaml::SyntaxError) -> QueueError {
        if let Some(line) = self.conflict_marker() {
            let fix = "resolve the merge conflict in the queue file, then commit it";
            return located(
                self.file,
                self.idx.text(line),
                line,
                1,
                "unresolved merge conflict marker".into(),
                fix,
            );
        }
        let (line, column) = e.line_col.unwrap_or_else(|| self.idx.line_col(e.offset));
        if let Some((tab_line, tab_column)) = self.tab_indent(line + 1) {
            return located(
                self.file,
                self.idx.text(tab_line),
                tab_line,
                tab_column,
                "a tab in the indentation (YAML indents with spaces only)".into(),
                "replace the tab with spaces",
            );
        }
        located(
            self.file,
            self.idx.text(line),
            line,
            column,
            e.message.clone(),
            e.fix,
        )
    }

    /// The first line up to `last` whose indentation holds a tab, and the tab's column. YAML
    /// reports it only where the structure breaks, often on the line before.
    fn tab_indent(&self, last: usize) -> Option<(usize, usize)> {
        (1..=last)
            .map_while(|n| Some((n, self.idx.get(n)?)))
            .find_map(|(n, text)| {
                let lead = text.len() - text.trim_start_matches([' ', '\t']).len();
                let rest = &text[lead..];
                if rest.is_empty() || rest.starts_with('#') {
                    return None;
                }
                text[..lead].find('\t').map(|i| (n, i + 1))
            })
    }

    /// The first line left by a conflicted merge or rebase, which YAML reports only obliquely.
    fn conflict_marker(&self) -> Option<usize> {
        (1..)
            .map_while(|n| self.idx.get(n))
            .position(|text| {
                ["<<<<<<< ", "=======", ">>>>>>> ", "|||||||"]
                    .iter()
                    .any(|m| text.starts_with(m))
            })
            .map(|i| i + 1)
    }

    /// `streamed`: tasks already converted while reading (then the tree's list is empty).
    fn queue(&self, root: &Node, streamed: Vec<Task>) -> Result<Queue, QueueError> {
        let Kind::Map(entries, _) = &root.kind else {
            let fix = "start the file with `version: 1` and a `tasks:` list";
            return Err(self.err(
                root.span.start,
                "the queue file must be a mapping".into(),
                fix,
            ));
        };
        let extra = self.root_keys(entries)?;
        let version = self.version(root)?;
        let Some((_, tasks)) = root.get("tasks") else {
            let fix = "add a `tasks:` list (`tasks: []` when there are none yet)";
            return Err(self.err(root.span.start, "missing `tasks`".into(), fix));
        };
        let Kind::Seq(items, _) = &tasks.kind else {
            let message = format!("`tasks` must be a list, found {}", tasks.describe());
            return Err(self.err(
                tasks.span.start,
                message,
                "write each task as `- id: ...` under `tasks:`",
            ));
        };
        let mut tasks = streamed;
        tasks.reserve(items.len());
        for item in items {
            match self.task(item, self.idx.line(item.span.start)) {
                Ok(task) => tasks.push(task),
                // why: reading on, the task is left out; validate names it by its line.
                Err(e) => self.note(ProblemKind::BadTask, e)?,
            }
        }
        if self.found.is_none() {
            // why: reading on, `validate` reports duplicate ids itself, each with both lines.
            self.unique_ids(&tasks, items)?;
        }
        let mut queue = Queue::new(tasks);
        queue.version = version;
        queue.extra = extra;
        queue.default_priority = self.schema.default_priority;
        queue.schema = self.schema.clone();
        Ok(queue)
    }

    fn version(&self, root: &Node) -> Result<u32, QueueError> {
        let fix = format!("put `version: {QUEUE_VERSION}` at the top of the file");
        let Some((_, v)) = root.get("version") else {
            return Err(self.err(root.span.start, "missing `version`".into(), &fix));
        };
        match self.int(v, "version")? {
            Some(n) if n == QUEUE_VERSION => Ok(n),
            Some(n) => {
                let message = format!(
                    "unsupported queue version {n} (this wt reads version {QUEUE_VERSION})"
                );
                Err(self.err(v.span.start, message, &fix))
            }
            None => Err(self.err(v.span.start, "`version` is empty".into(), &fix)),
        }
    }

    /// The top-level keys: none repeated (serde-style "last one wins" would hide an edit), no
    /// near miss of `version` or `tasks`; the others are kept.
    fn root_keys(&self, entries: &[(Node, Node)]) -> Result<Extra, QueueError> {
        let mut extra = Extra::default();
        for (i, (key, value)) in entries.iter().enumerate() {
            let Some((name, _)) = key.as_scalar() else {
                let message = format!(
                    "the top level has a key that is {}; keys must be plain names",
                    key.describe()
                );
                let e = self.err(key.span.start, message, "use a plain name as the key");
                self.note(ProblemKind::BadKey, e)?;
                continue;
            };
            if entries[..i]
                .iter()
                .any(|(k, _)| k.as_scalar().map(|s| s.0) == Some(name))
            {
                let e = self.duplicate_key(entries, key, name);
                self.note(ProblemKind::DuplicateKey, e)?;
                continue;
            }
            if !super::model::ROOT_FIELDS.contains(&name) && self.unknown(key, name, true)? {
                extra.0.push((name.to_string(), json(value)));
            }
        }
        Ok(extra)
    }

    fn duplicate_key(&self, entries: &[(Node, Node)], key: &Node, name: &str) -> QueueError {
        let first = entries
            .iter()
            .find(|(k, _)| k.as_scalar().map(|s| s.0) == Some(name));
        let first_line = self
            .idx
            .line(first.map_or(key.span.start, |(k, _)| k.span.start));
        let message = format!("duplicate key `{name}` (first on line {first_line})");
        self.err(key.span.start, message, &format!("keep one `{name}:` line"))
    }

    fn task(&self, node: &Node, line: usize) -> Result<Task, QueueError> {
        let Kind::Map(entries, _) = &node.kind else {
            let message = format!("each task must be a mapping, found {}", node.describe());
            let fix = "write the task as `- id: ...` with its fields below";
            return Err(self.err(node.span.start, message, fix));
        };
        let mut task = Task::new("", "", "");
        let mut seen = 0u64;
        for (key, value) in entries {
            let Some(field) = self.task_key(key, entries, seen, &mut task, value)? else {
                continue;
            };
            seen |= 1 << field as u32;
            if let Err(e) = self.field(&mut task, field, value) {
                let kind = match field {
                    Field::Status => ProblemKind::BadStatus,
                    f if f.name_kind().is_some() => ProblemKind::BadName,
                    _ => ProblemKind::BadValue,
                };
                self.note(kind, e)?;
            }
        }
        self.required(node, &task, seen)?;
        task.line = u32::try_from(line).ok();
        task.at = Some(node.span.start);
        Ok(task)
    }

    /// The field a key names (`None`: a key kept as it is, or one noted as a problem). Near
    /// misses of known fields and repeated keys are errors.
    fn task_key(
        &self,
        key: &Node,
        entries: &[(Node, Node)],
        seen: u64,
        task: &mut Task,
        value: &Node,
    ) -> Result<Option<Field>, QueueError> {
        let Some((name, _)) = key.as_scalar() else {
            let message = format!(
                "a task has a key that is {}; keys must be plain names",
                key.describe()
            );
            let e = self.err(key.span.start, message, "use a plain field name as the key");
            self.note(ProblemKind::BadKey, e)?;
            return Ok(None);
        };
        let Some(field) = self.schema.field(name) else {
            if task.extra.get(name).is_some() {
                let e = self.duplicate_key(entries, key, name);
                self.note(ProblemKind::DuplicateKey, e)?;
            } else if self.unknown(key, name, false)? {
                task.extra.0.push((name.to_string(), json(value)));
            }
            return Ok(None);
        };
        if seen & (1 << field as u32) != 0 {
            let e = self.duplicate_key(entries, key, name);
            self.note(ProblemKind::DuplicateKey, e)?;
            return Ok(None);
        }
        Ok(Some(field))
    }

    /// A task without an id is an error (it cannot be named); one missing another required
    /// field is noted and read on.
    fn required(&self, node: &Node, task: &Task, seen: u64) -> Result<(), QueueError> {
        for field in REQUIRED
            .into_iter()
            .filter(|f| seen & (1 << *f as u32) == 0)
        {
            let key = self.schema.key(field);
            let message = match field {
                Field::Id => format!("a task has no `{key}`"),
                _ => format!("task {} has no `{key}`", shown(&task.id)),
            };
            let fix = format!("add `{key}:` to the task (required: id, title, role, status)");
            let e = self.err(node.span.start, message, &fix);
            if field == Field::Id {
                return Err(e);
            }
            self.note(ProblemKind::MissingField, e)?;
        }
        Ok(())
    }

    fn field(&self, task: &mut Task, field: Field, node: &Node) -> Result<(), QueueError> {
        let name = self.schema.key(field);
        let value = match shape(field) {
            Shape::Int => self
                .int(node, name)?
                .map_or(FieldValue::Null, FieldValue::Int),
            Shape::List => FieldValue::List(self.list(node, field)?),
            Shape::Required | Shape::Optional => self.text(node, field)?,
        };
        if field == Field::Status {
            self.status(node)?;
        }
        if field == Field::Lane && value == FieldValue::Int(0) {
            let fix = "use `lane: 1` or higher";
            return Err(self.err(node.span.start, "lanes are numbered from 1".into(), fix));
        }
        // why: `text` and `list` above checked every name against its rule already.
        task.set_names_checked(field, value)
            .map_err(|m| self.err(node.span.start, m, "correct the value"))
    }

    fn text(&self, node: &Node, field: Field) -> Result<FieldValue, QueueError> {
        let name = self.schema.key(field);
        if node.is_null() {
            return match shape(field) {
                Shape::Required => Err(self.err(
                    node.span.start,
                    format!("`{name}` is empty"),
                    "give it a value",
                )),
                _ => Ok(FieldValue::Null),
            };
        }
        let Some((text, _)) = node.as_scalar() else {
            let message = format!("`{name}` must be a single value, found {}", node.describe());
            return Err(self.err(
                node.span.start,
                message,
                "write one value on the key's line",
            ));
        };
        self.check_name(node, field, text)?;
        Ok(FieldValue::Str(text.to_string()))
    }

    fn check_name(&self, node: &Node, field: Field, text: &str) -> Result<(), QueueError> {
        match field.name_kind() {
            Some(kind) if !kind.check(text) => {
                let name = self.schema.key(field);
                let message = format!(
                    "`{name}` value {} is not {}",
                    shown(text),
                    describe_kind(kind)
                );
                let fix = format!("use a value matching {}", kind.rule());
                Err(self.err(node.span.start, message, &fix))
            }
            _ => Ok(()),
        }
    }

    fn status(&self, node: &Node) -> Result<Status, QueueError> {
        let text = node.as_scalar().map_or("", |s| s.0);
        Status::parse(text).ok_or_else(|| {
            let message = format!(
                "unknown status {} (expected one of todo, in_progress, blocked, done)",
                shown(text)
            );
            self.err(
                node.span.start,
                message,
                "use todo, in_progress, blocked or done",
            )
        })
    }

    fn int(&self, node: &Node, name: &str) -> Result<Option<u32>, QueueError> {
        if node.is_null() {
            return Ok(None);
        }
        let number = match node.as_scalar() {
            Some((text, yaml::Style::Plain)) if text.bytes().all(|c| c.is_ascii_digit()) => {
                text.parse().ok()
            }
            _ => None,
        };
        number.map(Some).ok_or_else(|| {
            let message = format!(
                "`{name}` must be a whole number, found {}",
                node.describe_value()
            );
            self.err(
                node.span.start,
                message,
                "write a number such as `1`, without quotes",
            )
        })
    }

    fn list(&self, node: &Node, field: Field) -> Result<Vec<String>, QueueError> {
        if node.is_null() {
            return Ok(Vec::new());
        }
        let name = self.schema.key(field);
        let Kind::Seq(items, _) = &node.kind else {
            let message = format!("`{name}` must be a list, found {}", node.describe_value());
            return Err(self.err(
                node.span.start,
                message,
                &format!("write it as `{name}: [A, B]`"),
            ));
        };
        items
            .iter()
            .map(|item| self.list_item(item, field))
            .collect()
    }

    fn list_item(&self, item: &Node, field: Field) -> Result<String, QueueError> {
        match item.as_scalar() {
            Some((text, _)) if !item.is_null() => {
                self.check_name(item, field, text)?;
                Ok(text.to_string())
            }
            _ => {
                let message = format!(
                    "`{}` entries must be single values, found {}",
                    self.schema.key(field),
                    item.describe()
                );
                Err(self.err(item.span.start, message, "remove the empty or nested entry"))
            }
        }
    }

    /// Task ids are unique; the map is keyed by id so this stays linear on large queues.
    fn unique_ids(&self, tasks: &[Task], nodes: &[Node]) -> Result<(), QueueError> {
        let mut first: HashMap<&str, u32> = HashMap::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            if let Some(line) = first.insert(&task.id, task.line.unwrap_or(0)) {
                let node = nodes.get(i);
                let id = node.and_then(|n| n.get("id")).map(|(_, v)| v.span.start);
                let offset = id.or(node.map(|n| n.span.start)).unwrap_or(0);
                let message = format!(
                    "duplicate task id {} (first on line {line})",
                    shown(&task.id)
                );
                return Err(self.err(offset, message, "give each task its own id"));
            }
        }
        Ok(())
    }
}

fn describe_kind(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Id => "a valid id",
        NameKind::Role => "a valid role name",
        NameKind::Branch => "a valid branch name",
        NameKind::Commit => "a commit id",
    }
}

impl Node<'_> {
    /// Like `describe`, but a scalar shows its text, so "found `x`" reads naturally.
    fn describe_value(&self) -> String {
        match self.as_scalar() {
            Some((text, _)) if !self.is_null() => shown(text),
            _ => self.describe().to_string(),
        }
    }
}

/// A value `wt` does not interpret, as JSON for `--json`: plain scalars typed by the YAML 1.2
/// core schema (null, booleans, integers, floats), everything else as text.
fn json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &node.kind {
        Kind::Scalar(_, Style::Plain) if node.is_null() => Value::Null,
        Kind::Scalar(text, Style::Plain) => match text.as_ref() {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            t => t
                .parse::<i64>()
                .map(Value::from)
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && t.bytes().any(|c| c.is_ascii_digit()))
                        .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                })
                .unwrap_or_else(|| Value::String(t.to_string())),
        },
        Kind::Scalar(text, _) => Value::String(text.to_string()),
        Kind::Seq(items, _) => Value::Array(items.iter().map(json).collect()),
        Kind::Map(entries, _) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_scalar().map_or("", |s| s.0).to_string(), json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::located::{excerpt, EXCERPT_CHARS};
    use super::super::model::TASK_FIELDS;
    use super::super::near::closest;
    use super::*;
    use crate::error::{Error, Kind as ErrorKind};

    const FILE: &str = "Agent_Work_Queue.yaml";

    fn err(src: &str) -> QueueError {
        parse(src.as_bytes(), FILE).expect_err("parse should fail")
    }

    fn ok(src: &str) -> Queue {
        parse(src.as_bytes(), FILE).unwrap_or_else(|e| panic!("{e}"))
    }

    fn task_yaml(id: &str, extra: &str) -> String {
        format!("  - id: {id}\n    title: t\n    role: A-backend\n    status: todo\n{extra}")
    }

    fn queue_yaml(body: &str) -> String {
        format!("version: 1\ntasks:\n{body}")
    }

    #[test]
    fn misspelled_dependson_names_the_line_and_the_fix() {
        let src = queue_yaml(&task_yaml("A-1", "    dependson: [B-1]\n"));
        let e = err(&src);
        assert_eq!((e.line, e.column), (7, 5));
        assert!(
            e.to_string().starts_with(
                "Agent_Work_Queue.yaml:7:5: unknown field `dependson`, a near miss of `depends_on`"
            ),
            "{e}"
        );
        assert!(e.fix.contains("did you mean `depends_on`"), "{}", e.fix);
        assert_eq!(e.source_line, "    dependson: [B-1]");
        assert_eq!(e.caret, 5);
    }

    #[test]
    fn unknown_key_at_top_level() {
        let e = err("version: 1\ntasks: []\ntask: x\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("near miss of `tasks`"), "{e}");
        let kept = ok("version: 1\nupdated_at: 2026-03-09\ntasks: []\n");
        assert_eq!(
            kept.extra.get("updated_at"),
            Some(&serde_json::Value::from("2026-03-09"))
        );
    }

    #[test]
    fn unknown_task_keys_are_kept_and_near_misses_refused() {
        let src = queue_yaml(&task_yaml(
            "A-1",
            "    kind: bug\n    tags: [a, b]\n    profile: fast\n    estimate: 3\n    commit: abc123\n",
        ));
        let q = ok(&src);
        let t = &q.tasks[0];
        assert_eq!(t.kind.as_deref(), Some("bug"));
        assert_eq!(t.extra.get("tags"), Some(&serde_json::json!(["a", "b"])));
        assert_eq!(t.extra.get("estimate"), Some(&serde_json::json!(3)));
        let json = serde_json::to_value(t).unwrap();
        assert_eq!(json["profile"], "fast");
        assert_eq!(json["commit"], "abc123");
        for bad in [
            "dependsOn: [X]",
            "depends-on: [X]",
            "acceptance_check: [x]",
            "stauts: todo",
        ] {
            let e = err(&queue_yaml(&task_yaml("A-1", &format!("    {bad}\n"))));
            assert_eq!(e.line, 7, "{bad}: {e}");
            assert!(e.message.contains("near miss"), "{e}");
        }
        let strict = Schema::new(&[], true, 1000).unwrap();
        let e = parse_with(src.as_bytes(), FILE, &strict).unwrap_err();
        assert!(e.message.contains("strict_fields"), "{e}");
    }

    #[test]
    fn parse_all_lists_every_problem_and_reads_on() {
        let src = queue_yaml(&format!(
            "{}{}{}{}",
            task_yaml("A-1", "    dependson: [B-1]\n"),
            task_yaml("A-2", "    lane: x\n"),
            "  - title: no id\n    role: A-backend\n    status: todo\n",
            task_yaml("A-3", "    owner: \"a b\"\n    status: todo\n"),
        ));
        let src = src.replacen("status: todo", "status: doing", 1);
        let (q, found) = parse_all(src.as_bytes(), FILE, &Schema::default()).unwrap();
        let kinds: Vec<ProblemKind> = found.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                ProblemKind::BadStatus,
                ProblemKind::NearMissKey,
                ProblemKind::BadValue,
                ProblemKind::BadTask,
                ProblemKind::BadName,
                ProblemKind::DuplicateKey,
            ]
        );
        let ids: Vec<&str> = q.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "A-2", "A-3"]);
    }

    #[test]
    fn a_tab_in_the_indentation_is_reported_on_its_own_line() {
        let e = err("version: 1\ntasks:\n  - id: A-1\n\ttitle: t\n");
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("tab"), "{e}");
        let e = err("version: 1\ntasks:\n  - id: A-1\n    title: t\n  \t role: r\n");
        assert_eq!((e.line, e.column), (5, 3), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let src = format!("\u{FEFF}{}", queue_yaml(&task_yaml("A-1", "")));
        assert_eq!(ok(&src).tasks[0].line, Some(3));
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let src = queue_yaml(&task_yaml("A-1", "    status: done\n"));
        let e = err(&src);
        assert_eq!(e.line, 7);
        assert_eq!(e.message, "duplicate key `status` (first on line 6)");
    }

    #[test]
    fn duplicate_key_through_the_full_parser_too() {
        let src = queue_yaml(&task_yaml("A-1", "    notes: |\n      x\n    notes: y\n"));
        assert_eq!(err(&src).message, "duplicate key `notes` (first on line 7)");
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut src = String::from("version: 1\nlol0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            src.push_str(&format!("lol{i}: &a{i} [{refs}]\n"));
        }
        src.push_str("tasks:\n  - id: A\n    title: t\n    role: r\n    status: todo\n    acceptance_checks: *a9\n");
        // why: refused at the first anchor, before any expansion could happen.
        let e = err(&src);
        assert_eq!(e.line, 2);
        assert!(e.message.contains("anchors and aliases"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let src = format!(
            "version: 1\ntasks: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = err(&src);
        assert_eq!(e.line, 2);
    }

    #[test]
    fn oversized_file_is_refused_before_parsing() {
        let src = vec![b' '; MAX_QUEUE_BYTES + 1];
        let e = parse(&src, FILE).unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.contains("over the 8 MiB limit"), "{e}");
    }

    #[test]
    fn non_utf8_names_the_byte_position() {
        let mut src = queue_yaml(&task_yaml("A-1", "    notes: caf")).into_bytes();
        src.extend_from_slice(b"\xE9\n");
        let e = parse(&src, FILE).unwrap_err();
        assert_eq!((e.line, e.column), (7, 15));
        assert_eq!(e.message, "the file is not valid UTF-8 (byte 0xE9)");
        assert_eq!(e.source_line, "    notes: caf");
    }

    #[test]
    fn yaml_syntax_errors_are_located() {
        let tab = err("version: 1\ntasks:\n\t- id: A\n");
        assert_eq!(tab.line, 3, "{tab}");
        let quote = err(&queue_yaml(&task_yaml("A-1", "    notes: \"unclosed\n")));
        assert!(quote.message.starts_with("YAML syntax error"), "{quote}");
        let conflict = err(&queue_yaml(&format!(
            "<<<<<<< HEAD\n{}=======\n",
            task_yaml("A-1", "")
        )));
        assert_eq!(conflict.line, 3, "{conflict}");
        assert_eq!(conflict.message, "unresolved merge conflict marker");
        let two_docs = err(&format!("{}---\nversion: 1\n", queue_yaml("")));
        assert!(
            two_docs.message.contains("more than one YAML document"),
            "{two_docs}"
        );
        assert_eq!(two_docs.line, 3);
    }

    #[test]
    fn truncated_files_are_errors() {
        let full = queue_yaml(&task_yaml("A-1", "    depends_on: [B-1, C-1]\n"));
        let cut_in_list = &full[..full.find("C-1").unwrap()];
        assert!(err(cut_in_list).message.starts_with("YAML syntax error"));
        let cut_in_task = &full[..full.find("    role").unwrap()];
        assert_eq!(err(cut_in_task).message, "task `A-1` has no `role`");
        let cut_in_status = full.replace("status: todo", "status: to");
        assert!(err(&cut_in_status)
            .message
            .starts_with("unknown status `to`"));
        let cut_in_key = &full[..full.find("tle:").unwrap()];
        assert!(parse(cut_in_key.as_bytes(), FILE).is_err());
        assert!(err("").message.contains("no YAML document"));
    }

    #[test]
    fn bad_status_lists_the_choices() {
        let e = err(&queue_yaml(&task_yaml("A-1", "").replace("todo", "ready")));
        assert_eq!(
            e.message,
            "unknown status `ready` (expected one of todo, in_progress, blocked, done)"
        );
        assert_eq!((e.line, e.column), (6, 13));
    }

    #[test]
    fn shell_in_owner_is_refused_by_the_id_pattern() {
        let e = err(&queue_yaml(&task_yaml(
            "A-1",
            "    owner: $(touch PWNED)\n",
        )));
        assert_eq!(e.line, 7);
        assert!(
            e.message
                .contains("`owner` value `$(touch PWNED)` is not a valid id"),
            "{e}"
        );
        let quoted = err(&queue_yaml(&task_yaml(
            "A-1",
            "    owner: \"a; rm -rf /\"\n",
        )));
        assert_eq!(quoted.line, 7);
    }

    #[test]
    fn names_are_checked_everywhere() {
        let bad = [
            task_yaml("-lead", ""),
            task_yaml("A-1", "").replace("A-backend", "1role"),
            task_yaml("A-1", "    depends_on: [B-1, \"../x\"]\n"),
            task_yaml("A-1", "    blocked_by: a/b\n"),
            task_yaml("A-1", "    branch: agent/$(id)\n"),
            task_yaml("A-1", "    merged_commit: HEAD~1\n"),
            task_yaml("A-1", "    parent_id: \"x y\"\n"),
        ];
        for body in bad {
            let e = err(&queue_yaml(&body));
            assert!(e.message.contains("is not a"), "{e}");
        }
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let e = err(&queue_yaml(&task_yaml(
            "A-1",
            "    owner: \"\\e[31mred\"\n",
        )));
        assert!(e.message.contains("\\u{1b}[31mred"), "{e}");
        assert!(!e.message.contains('\x1b'));
    }

    #[test]
    fn wrong_types_are_errors() {
        let cases = [
            ("    lane: x\n", "`lane` must be a whole number, found `x`"),
            (
                "    lane: \"1\"\n",
                "`lane` must be a whole number, found `1`",
            ),
            ("    lane: 0\n", "lanes are numbered from 1"),
            (
                "    depends_on: B-1\n",
                "`depends_on` must be a list, found `B-1`",
            ),
            (
                "    depends_on: [[B-1]]\n",
                "`depends_on` entries must be single values, found a list",
            ),
            (
                "    owner: [a]\n",
                "`owner` must be a single value, found a list",
            ),
            (
                "    notes: {a: 1}\n",
                "`notes` must be a single value, found a mapping",
            ),
            (
                "    lane: 99999999999\n",
                "`lane` must be a whole number, found `99999999999`",
            ),
        ];
        for (extra, message) in cases {
            let e = err(&queue_yaml(&task_yaml("A-1", extra)));
            assert_eq!(e.message, message);
            assert_eq!(e.line, 7);
        }
        assert_eq!(
            err("version: 1\ntasks: x\n").message,
            "`tasks` must be a list, found a scalar"
        );
        assert_eq!(
            err("version: 1\ntasks:\n  - x\n").message,
            "each task must be a mapping, found a scalar"
        );
        assert_eq!(err("- a\n").message, "the queue file must be a mapping");
        assert_eq!(
            err(&queue_yaml(
                &task_yaml("A-1", "").replace("title: t", "title:")
            ))
            .message,
            "`title` is empty"
        );
    }

    #[test]
    fn missing_version_or_tasks() {
        assert_eq!(err("tasks: []\n").message, "missing `version`");
        assert_eq!(err("version: 1\n").message, "missing `tasks`");
        assert_eq!(
            err("version: 2\ntasks: []\n").message,
            "unsupported queue version 2 (this wt reads version 1)"
        );
        assert_eq!(err("version:\ntasks: []\n").message, "`version` is empty");
        assert_eq!(
            err("version: 1\ntasks:\n  - title: t\n").message,
            "a task has no `id`"
        );
    }

    #[test]
    fn duplicate_task_ids() {
        let src = queue_yaml(&format!("{}{}", task_yaml("A-1", ""), task_yaml("A-1", "")));
        let e = err(&src);
        assert_eq!((e.line, e.column), (7, 9));
        assert_eq!(e.message, "duplicate task id `A-1` (first on line 3)");
    }

    #[test]
    fn the_spec_example_reads_every_field() {
        let src = "version: 1\ntasks:\n  - id: A-P7-001\n    title: Harden provisioning retries\n    role: A-backend\n    lane: 1                    # V2 only\n    status: todo               # todo | in_progress | blocked | done\n    owner: null\n    branch: null\n    depends_on: [C-OPS-001]\n    acceptance_checks: [\"go test ./internal/provision/...\"]\n    blocked_by: null\n    claimed_at: null\n    completed_at: null\n    merged_commit: null\n    parent_id: A-P7\n    slice: 2\n    merge_order: 3\n    description: |\n      Several\n      lines.\n    notes: ~\n";
        let q = ok(src);
        assert_eq!(q.version, 1);
        let t = &q.tasks[0];
        assert_eq!(t.id, "A-P7-001");
        assert_eq!(t.lane, Some(1));
        assert_eq!(t.status, Status::Todo);
        assert_eq!(t.owner, None);
        assert_eq!(t.depends_on, vec!["C-OPS-001"]);
        assert_eq!(
            t.acceptance_checks,
            vec!["go test ./internal/provision/..."]
        );
        assert_eq!(t.slice.as_deref(), Some("2"));
        assert_eq!(t.merge_order, Some(3));
        assert_eq!(t.description.as_deref(), Some("Several\nlines.\n"));
        assert_eq!(t.line, Some(3));
    }

    #[test]
    fn fast_and_full_paths_read_the_same_queue() {
        let body = format!(
            "{}{}",
            task_yaml("A-1", "    depends_on:\n      - B-1\n    owner: ~\n"),
            task_yaml("B-1", "    notes: 'it''s'\n")
        );
        let fast = ok(&queue_yaml(&body));
        let forced_full = ok(&queue_yaml(&format!(
            "{body}  - id: C-1\n    title: >\n      folded\n    role: r\n    status: done\n"
        )));
        assert!(fast
            .tasks
            .iter()
            .zip(&forced_full.tasks)
            .all(|(a, b)| a == b));
        assert_eq!(forced_full.tasks[2].title, "folded\n");
    }

    #[test]
    fn streaming_and_tree_paths_agree() {
        let t = |id: &str| task_yaml(id, "");
        let docs = [
            queue_yaml(&format!("{}{}", t("A-1"), t("A-2"))),
            queue_yaml(&format!("{}{}", t("A-1"), t("A-1"))),
            queue_yaml(&format!(
                "{}{}",
                t("A-1"),
                t("A-2").replace("todo", "ready")
            )),
            queue_yaml(&t("A-1").replace("  - ", "- ").replace("\n    ", "\n  ")),
            "version: 1\ntasks: []\n".to_string(),
            "version: 1\ntasks:\n".to_string(),
            "version: 1\ntasks:\n  a: 1\n".to_string(),
            "tasks:\n  - id: A\n    title: t\n    role: r\n    status: todo\nversion: 1\n"
                .to_string(),
            "tasks:\n  - id: A\n    title: t\n    role: r\n    status: todo\n".to_string(),
            "version: 1\nversion: 1\ntasks: []\n".to_string(),
            format!("{}x:\n  - 1\n", queue_yaml(&t("A-1"))),
            format!("{}  - - x\n", queue_yaml(&t("A-1"))),
        ];
        for doc in docs {
            let tree = parse_str(&doc, FILE).map(|(q, _)| q).ok();
            assert_eq!(
                parse_streaming(&doc, FILE, &Schema::default()),
                tree,
                "{doc}"
            );
        }
    }

    #[test]
    fn a_hundred_thousand_tasks_parse() {
        let mut src = String::from("version: 1\ntasks:\n");
        for i in 0..100_000 {
            src.push_str(&format!(
                "- id: T{i}\n  title: t\n  role: r\n  status: todo\n"
            ));
        }
        let q = ok(&src);
        assert_eq!(q.tasks.len(), 100_000);
        assert_eq!(q.tasks[99_999].line, Some(2 + 4 * 99_999 + 1));
    }

    #[test]
    fn converts_to_a_usage_error_with_source_and_hint() {
        let e: Error = err(&queue_yaml(&task_yaml("A-1", "    dependson: [B-1]\n"))).into();
        assert_eq!(e.kind, ErrorKind::Usage);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.details, vec!["7 |     dependson: [B-1]", "        ^"]);
        assert_eq!(e.hints.len(), 1);
    }

    #[test]
    fn long_lines_are_cropped_around_the_error() {
        let long = format!("    notes: {}\n    owner: $x\n", "n".repeat(500));
        let e = err(&queue_yaml(&task_yaml("A-1", &long)));
        assert_eq!(e.line, 8);
        let flow = format!("version: 1\ntasks: [{}x: y]\n", "a, ".repeat(300));
        let e = err(&flow);
        assert!(
            e.source_line.chars().count() <= EXCERPT_CHARS + 2,
            "{}",
            e.source_line
        );
        assert_eq!(
            e.source_line.chars().nth(e.caret - 1),
            e.source_line.chars().nth(e.caret - 1)
        );
    }

    #[test]
    fn excerpt_keeps_the_caret_on_the_offending_character() {
        let text = format!("{}X{}", "a".repeat(300), "b".repeat(300));
        let (shown_line, caret) = excerpt(&text, 301);
        assert_eq!(shown_line.chars().nth(caret - 1), Some('X'));
        let (shown_line, caret) = excerpt("a\tb\u{7}X", 5);
        assert_eq!(shown_line.chars().nth(caret - 1), Some('X'));
    }

    #[test]
    fn closest_name_suggestions() {
        assert_eq!(closest("dependson", TASK_FIELDS), Some("depends_on"));
        assert_eq!(closest("stauts", TASK_FIELDS), Some("status"));
        assert_eq!(closest("Owner", TASK_FIELDS), Some("owner"));
        assert_eq!(closest("updated_at", TASK_FIELDS), None);
    }
}
