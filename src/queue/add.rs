//! `wt queue add`: a new task, checked like the rest of the queue (a fresh id, live and
//! archived; a role and lane `lanes.toml` defines; dependencies that exist; no cycle), then
//! appended after the last task in the file's own style: its indentation, its quoting, its flow
//! or block lists, the keys its last task carries (a team that writes `owner: null` on every
//! task gets one here too), its line endings. The result is parsed again and must read as the
//! old queue plus exactly this task.

use std::ops::Range;

use super::edit::render;
use super::located::{located, QueueError};
use super::model::{Field, FieldValue, NameKind, Queue, Status, Task, TASK_FIELDS};
use super::rules::RuleError;
use super::schema::Schema;
use super::yaml::{Kind, LineIndex, Node, Style};

pub use super::validate::RoleLanes;

/// Checks a new task against the queue and the roles; nothing is changed.
pub fn check_new(queue: &Queue, task: &Task, roles: &[RoleLanes]) -> Result<(), RuleError> {
    let id = &task.id;
    if !NameKind::Id.check(id) {
        return Err(RuleError::bad(
            format!("task id {id:?} is not valid"),
            format!("use an id matching {}", NameKind::Id.rule()),
        ));
    }
    if let Some(t) = queue.task(id) {
        let at = t.line.map_or(String::new(), |l| format!(" (line {l})"));
        return Err(RuleError::refused(
            format!("task {id} already exists{at}"),
            "pick another id; `wt queue show` lists the ones in use",
        ));
    }
    if let Some((file, t)) = queue.archived(id) {
        let at = t.line.map_or(String::new(), |l| format!(":{l}"));
        return Err(RuleError::refused(
            format!("task id {id} is already used by an archived task ({file}{at})"),
            "pick another id; archived ids stay taken",
        ));
    }
    if task.title.trim().is_empty() {
        return Err(RuleError::bad(
            "the task needs a title".into(),
            "pass --title TEXT",
        ));
    }
    check_role(task, roles)?;
    for dep in &task.depends_on {
        if queue.task(dep).is_none() && queue.archived(dep).is_none() {
            return Err(RuleError::bad(
                format!("{id} would depend on unknown task {dep}"),
                "check the id with `wt queue show`, or add that task first",
            ));
        }
    }
    if let Some(c) = task.acceptance_checks.iter().find(|c| c.trim().is_empty()) {
        return Err(RuleError::bad(
            format!("acceptance check {c:?} is empty"),
            "pass each check as a shell command: --check 'make test'",
        ));
    }
    if let Some(path) = cycle_through_new(queue, task) {
        return Err(RuleError::refused(
            format!(
                "adding {id} would make a dependency cycle: {}",
                path.join(" -> ")
            ),
            "drop the --depends-on that closes the cycle",
        ));
    }
    Ok(())
}

/// A cycle the new task would close: a path from one of its dependencies, along `depends_on`,
/// to a live task that already waits on the new id. Linear in tasks plus dependencies.
fn cycle_through_new(queue: &Queue, task: &Task) -> Option<Vec<String>> {
    let index = queue.index();
    let mut parent: std::collections::HashMap<usize, Option<usize>> = Default::default();
    let mut stack: Vec<usize> = Vec::new();
    for d in &task.depends_on {
        if let Some(&i) = index.get(d.as_str()) {
            if parent.insert(i, None).is_none() {
                stack.push(i);
            }
        }
    }
    while let Some(i) = stack.pop() {
        let t = &queue.tasks[i];
        if t.depends_on.contains(&task.id) {
            // why: walked from the waiting task back to the new one's dependency; read forwards.
            let mut back = vec![t.id.clone()];
            let mut at = i;
            while let Some(Some(p)) = parent.get(&at) {
                back.push(queue.tasks[*p].id.clone());
                at = *p;
            }
            back.reverse();
            let mut path = vec![task.id.clone()];
            path.extend(back);
            path.push(task.id.clone());
            return Some(path);
        }
        for d in &t.depends_on {
            if let Some(&j) = index.get(d.as_str()) {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(j) {
                    e.insert(Some(i));
                    stack.push(j);
                }
            }
        }
    }
    None
}

fn check_role(task: &Task, roles: &[RoleLanes]) -> Result<(), RuleError> {
    let names: Vec<&str> = roles.iter().map(|(n, _)| n.as_str()).collect();
    let Some((_, lanes)) = roles.iter().find(|(n, _)| *n == task.role) else {
        return Err(RuleError::bad(
            format!("role {} is not defined in lanes.toml", task.role),
            format!("use one of: {}", names.join(", ")),
        ));
    };
    match (task.lane, lanes) {
        (Some(n), None) => Err(RuleError::bad(
            format!(
                "{} has one lane (V1); a task cannot be pinned to lane {n}",
                task.role
            ),
            "leave out --lane",
        )),
        (Some(n), Some(max)) if n == 0 || n > *max => Err(RuleError::bad(
            format!("{} has lanes 1 to {max}, not {n}", task.role),
            format!("pass --lane 1 to {max}, or leave it out for any lane"),
        )),
        _ => Ok(()),
    }
}

/// `src` with `task` appended after the last task, in the file's style.
pub fn append(src: &str, file: &str, queue: &Queue, task: &Task) -> Result<String, QueueError> {
    let (bom, body) = super::parse::split_bom(src);
    let (style, range, text) = match last_items(body, queue) {
        // why: the caller parsed this text just now and knows where its last tasks start;
        // reading those few items again alone gives the style without a second full parse.
        Some(items) => {
            let style = FileStyle::of_items(body, &items, &queue.schema);
            let (range, text) = style.after(body, &items[items.len() - 1], task, &queue.schema);
            (style, range, text)
        }
        None => {
            let tree = match super::fast::tree(body) {
                Some((tree, _)) => tree,
                None => super::parse::parse_str_with(body, file, &queue.schema)?.1,
            };
            let style = FileStyle::of(body, &tree, &queue.schema);
            let (range, text) = style.insertion(body, &tree, task, &queue.schema, file)?;
            (style, range, text)
        }
    };
    let mut out = String::with_capacity(src.len() + text.len());
    out.push_str(bom);
    out.push_str(&body[..range.start]);
    out.push_str(&text);
    out.push_str(&body[range.end..]);
    if range.is_empty() && !style.kept_blanks {
        // why: every old byte is where it was and the new lines follow the last task's last
        // line, so the new task read alone is what the file gains.
        verify_alone(&text, file, queue, task)?;
    } else {
        verify(&out, file, queue, task)?;
    }
    Ok(out)
}

/// The last (up to 50) task items of a block list, each read alone from where the parse found
/// it; `None` for an empty queue or any layout the fast reader leaves to the full parser.
fn last_items<'a>(body: &'a str, queue: &Queue) -> Option<Vec<Node<'a>>> {
    let from = queue.tasks.len().checked_sub(1)?.saturating_sub(49);
    let items: Option<Vec<Node>> = queue.tasks[from..]
        .iter()
        .map(|t| super::fast::item_at(body, t.at?))
        .collect();
    let items = items?;
    let last = items.last()?;
    // why: the item must still read as the queue's last task (the text is the parsed one).
    let again = super::parse::task_of(last, body, &queue.schema)?;
    again.same_content(queue.tasks.last()?).then_some(items)
}

/// The appended lines, read alone under a `tasks:` key, must be exactly the new task.
fn verify_alone(text: &str, file: &str, before: &Queue, task: &Task) -> Result<(), QueueError> {
    let doc = format!(
        "version: {}\ntasks:\n{}",
        before.version,
        text.trim_start_matches(['\r', '\n'])
    );
    let got = super::parse::parse_with(doc.as_bytes(), file, &before.schema);
    match got {
        Ok(q) if q.tasks.len() == 1 && q.tasks[0].same_content(task) => Ok(()),
        _ => Err(located(
            file,
            "",
            1,
            1,
            "internal error: the new task did not read back as written".into(),
            "nothing was written; please report this with the queue file",
        )),
    }
}

fn verify(out: &str, file: &str, before: &Queue, task: &Task) -> Result<(), QueueError> {
    let fix = "nothing was written; please report this with the queue file";
    let got = super::parse::parse_with(out.as_bytes(), file, &before.schema).map_err(|e| {
        located(
            file,
            "",
            e.line,
            e.column,
            format!(
                "internal error: the new task broke the file ({})",
                e.message
            ),
            fix,
        )
    })?;
    let same = got.tasks.len() == before.tasks.len() + 1
        && got
            .tasks
            .iter()
            .zip(&before.tasks)
            .all(|(a, b)| a.same_content(b))
        && got.tasks.last().is_some_and(|t| t.same_content(task));
    if same {
        Ok(())
    } else {
        Err(located(
            file,
            "",
            1,
            1,
            "internal error: the new task did not read back as written".into(),
            fix,
        ))
    }
}

/// How the file writes its tasks.
struct FileStyle {
    eol: &'static str,
    /// The quoting of the last task's title: strings are written the same way.
    quote: Option<Style>,
    /// Lists as `- item` lines, indented this much past their key; `None`: `[a, b]`.
    block_lists: Option<usize>,
    /// A blank line between tasks.
    blank: bool,
    /// The last task holds a block scalar (`|`, `>`), which may own blank lines after it: the
    /// whole file is read again after an append.
    kept_blanks: bool,
    /// The fields of the last task in its order, each with whether it was null there: a new
    /// task writes its fields in that order, and keeps the placeholders (`owner: null`) the
    /// team writes on every task.
    order: Vec<(Field, bool)>,
}

impl FileStyle {
    fn of(src: &str, tree: &Node, schema: &Schema) -> FileStyle {
        let items: &[Node] = match tree.get("tasks").map(|(_, v)| &v.kind) {
            Some(Kind::Seq(items, _)) => items,
            _ => &[],
        };
        FileStyle::of_items(src, items, schema)
    }

    /// The style of the tasks `items` (the last ones of the list, in order).
    fn of_items(src: &str, items: &[Node], schema: &Schema) -> FileStyle {
        let last = items.last();
        let quote = last
            .and_then(|t| t.get(schema.key(Field::Title)))
            .and_then(|(_, v)| v.as_scalar())
            .map(|(_, s)| s)
            .filter(|s| matches!(s, Style::Double | Style::Single));
        let order = match last.map(|t| &t.kind) {
            Some(Kind::Map(entries, _)) => entries
                .iter()
                .filter_map(|(k, v)| Some((schema.field(k.as_scalar()?.0)?, v.is_null())))
                .collect(),
            _ => Vec::new(),
        };
        let blank = match items {
            [.., a, b] => {
                src[a.span.end..b.span.start].contains("\n\n")
                    || src[a.span.end..b.span.start].contains("\n\r\n")
            }
            _ => false,
        };
        let kept_blanks = match last.map(|t| &t.kind) {
            Some(Kind::Map(entries, _)) => entries
                .iter()
                .any(|(_, v)| matches!(v.kind, Kind::Scalar(_, Style::Block))),
            _ => true,
        };
        FileStyle {
            kept_blanks,
            eol: if src.contains("\r\n") { "\r\n" } else { "\n" },
            quote,
            block_lists: block_list_indent(src, items),
            blank,
            order,
        }
    }

    /// Where the new task goes and its text.
    fn insertion(
        &self,
        src: &str,
        tree: &Node,
        task: &Task,
        schema: &Schema,
        file: &str,
    ) -> Result<(Range<usize>, String), QueueError> {
        let Some((key, list)) = tree.get("tasks") else {
            return Err(self.error(src, file, tree.span.start, "the file has no `tasks:` list"));
        };
        let b = src.as_bytes();
        match &list.kind {
            Kind::Seq(items, false) if !items.is_empty() => {
                Ok(self.after(src, &items[items.len() - 1], task, schema))
            }
            Kind::Seq(items, true) if items.is_empty() => {
                // `tasks: []`: the list becomes a block list under its key.
                let indent = key.span.start - line_start(b, key.span.start) + 2;
                let mut text = String::from(self.eol);
                text.push_str(&self.render(task, schema, indent, indent + 2));
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                let from = colon_after(b, key.span.end);
                Ok((from..list.span.end, text))
            }
            Kind::Scalar(..) if list.is_null() && list.span.is_empty() => {
                // `tasks:` with nothing after it: the list starts under its key.
                let indent = key.span.start - line_start(b, key.span.start) + 2;
                let mut text = String::from(self.eol);
                text.push_str(&self.render(task, schema, indent, indent + 2));
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                let from = colon_after(b, key.span.end);
                Ok((from..from, text))
            }
            _ => Err(self.error(
                src,
                file,
                list.span.start,
                "`tasks` is written as a flow list `[...]`; wt appends only to a block list",
            )),
        }
    }

    /// After the last task `last` of a block list: its dash column, its key indentation.
    fn after(
        &self,
        src: &str,
        last: &Node,
        task: &Task,
        schema: &Schema,
    ) -> (Range<usize>, String) {
        let b = src.as_bytes();
        let line_start = line_start(b, last.span.start);
        let lead = &b[line_start..last.span.start];
        let dash = lead.iter().position(|&c| c != b' ').unwrap_or(0);
        let end_of_line = line_end(b, last.span.end.max(1) - 1);
        let mut text = String::new();
        if end_of_line == b.len() && !src.ends_with('\n') {
            text.push_str(self.eol);
        }
        if self.blank {
            text.push_str(self.eol);
        }
        text.push_str(&self.render(task, schema, dash, last.span.start - line_start));
        (end_of_line..end_of_line, text)
    }

    fn error(&self, src: &str, file: &str, offset: usize, message: &str) -> QueueError {
        let idx = LineIndex::new(src);
        let (line, column) = idx.line_col(offset);
        located(
            file,
            idx.text(line),
            line,
            column,
            message.into(),
            "write the tasks as `- id: ...` items under `tasks:`",
        )
    }

    /// The task's lines: `dash` spaces, `- `, then each key at `indent`.
    fn render(&self, task: &Task, schema: &Schema, dash: usize, indent: usize) -> String {
        let set = |f: Field| {
            REQUIRED.contains(&f)
                || !matches!(task.get(f), FieldValue::Null)
                    && task.get(f) != FieldValue::List(Vec::new())
        };
        let mut fields: Vec<Field> = self
            .order
            .iter()
            .filter(|(f, was_null)| set(*f) || *was_null)
            .map(|(f, _)| *f)
            .collect();
        for f in TASK_FIELDS.iter().filter_map(|n| Field::from_name(n)) {
            if !fields.contains(&f) && set(f) {
                fields.push(f);
            }
        }
        // why: `id` first, whatever the last task did, so the item starts `- id:`.
        fields.retain(|f| *f != Field::Id);
        fields.insert(0, Field::Id);
        let mut lines = Vec::new();
        for f in fields {
            let value = task.get(f);
            let free = matches!(f, Field::Title | Field::Description | Field::Notes);
            lines.push(self.line(schema.key(f), &value, indent, free));
        }
        for (key, value) in &task.extra.0 {
            let v = match value {
                serde_json::Value::String(s) => FieldValue::Str(s.clone()),
                serde_json::Value::Number(n) => {
                    match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                        Some(n) => FieldValue::Int(n),
                        None => FieldValue::Str(n.to_string()),
                    }
                }
                other => FieldValue::Str(other.to_string()),
            };
            lines.push(self.line(key, &v, indent, false));
        }
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                out.push_str(&" ".repeat(dash));
                out.push('-');
                out.push_str(&" ".repeat(indent.saturating_sub(dash + 1).max(1)));
                out.push_str(&line[indent..]);
            } else {
                out.push_str(line);
            }
            out.push_str(self.eol);
        }
        out
    }

    /// One `key: value` line (or a block list's lines). `free_text` values (titles, notes) are
    /// quoted as the file quotes its titles; names are plain where YAML allows.
    fn line(&self, key: &str, value: &FieldValue, indent: usize, free_text: bool) -> String {
        let pad = " ".repeat(indent);
        match (value, self.block_lists) {
            (FieldValue::List(items), Some(more)) if !items.is_empty() => {
                let mut s = format!("{pad}{key}:");
                for item in items {
                    s.push_str(self.eol);
                    s.push_str(&" ".repeat(indent + more));
                    s.push_str("- ");
                    s.push_str(&render(&FieldValue::Str(item.clone()), None));
                }
                s
            }
            (FieldValue::List(items), None) if items.is_empty() => format!("{pad}{key}: []"),
            (FieldValue::Str(_), _) if free_text => {
                format!("{pad}{key}: {}", render(value, self.quote))
            }
            _ => format!("{pad}{key}: {}", render(value, None)),
        }
    }
}

const REQUIRED: [Field; 4] = [Field::Id, Field::Title, Field::Role, Field::Status];

/// How far block list items sit past their key, if the file writes any list as a block list.
fn block_list_indent(src: &str, items: &[Node]) -> Option<usize> {
    let b = src.as_bytes();
    for item in items.iter().rev().take(50) {
        let Kind::Map(entries, _) = &item.kind else {
            continue;
        };
        for (k, v) in entries {
            if let Kind::Seq(list, false) = &v.kind {
                let first = list.first()?;
                let key_col = k.span.start - line_start(b, k.span.start);
                let ls = line_start(b, first.span.start);
                let dash = b[ls..first.span.start].iter().position(|&c| c == b'-')?;
                return Some(dash.saturating_sub(key_col));
            }
        }
    }
    None
}

fn line_start(b: &[u8], at: usize) -> usize {
    b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1)
}

/// The offset just past the line break of the line holding `at` (the end of the text if none).
fn line_end(b: &[u8], at: usize) -> usize {
    b[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| at + i + 1)
}

fn colon_after(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && b[at] != b':' {
        at += 1;
    }
    (at + 1).min(b.len())
}

/// A new todo task from `wt queue add`'s arguments.
pub fn new_task(id: &str, title: &str, role: &str) -> Task {
    let mut t = Task::new(id, title, role);
    t.status = Status::Todo;
    t
}
