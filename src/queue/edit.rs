//! Surgical edits: change some fields of one task and leave every other byte of the file as it
//! was (comments, key order, quoting, blank lines, line endings), so a queue change is a
//! one-line diff that merges cleanly with other machines' changes.
//!
//! Values are located through the parsed tree's byte spans, never by matching lines, and the
//! result is parsed again and compared with the intended queue before it is returned.

use std::ops::Range;

use super::model::{Field, FieldValue, Queue, Task};
use super::parse::{check_bytes, located, parse_for_edit, shown, split_bom, QueueError};
use super::schema::Schema;
use super::yaml::{Kind, Node, Style};

/// Returns `src` with the given fields of task `task_id` set. A field that already holds the
/// value is left untouched (byte for byte); a missing key is added on a new line after the
/// task's last key. Fails, changing nothing, if the file does not parse, the task is unknown, a
/// value does not fit its field, or the result would not read back as exactly that change.
pub fn set_fields(
    src: &str,
    file_label: &str,
    task_id: &str,
    changes: &[(&str, FieldValue)],
) -> Result<String, QueueError> {
    set_fields_with(src, file_label, task_id, changes, &Schema::default())
}

/// [`set_fields`] for a file written as `schema` says (the team's field names).
pub fn set_fields_with(
    src: &str,
    file_label: &str,
    task_id: &str,
    changes: &[(&str, FieldValue)],
    schema: &Schema,
) -> Result<String, QueueError> {
    check_bytes(src.as_bytes(), file_label)?;
    let (bom, body) = split_bom(src);
    let (queue, tree, found) = parse_for_edit(body, file_label, task_id, schema)?;
    let ctx = Ctx {
        src: body,
        file: file_label,
        task_id,
        schema,
    };
    let Some((index, node)) = found else {
        return Err(ctx.no_task(&tree));
    };
    Ok(format!("{bom}{}", ctx.edit(&queue, index, &node, changes)?))
}

/// [`set_fields`] for a caller that has just parsed `src` into `queue` (under the lock that
/// keeps the file as it is): only the edited task's lines are read again, for their byte
/// spans, from where the parse found it, so an edit of a large file costs no second parse. Any
/// doubt (a layout the fast reader leaves to the full parser, an item that no longer reads as
/// the same task) takes [`set_fields`].
pub fn set_fields_parsed(
    src: &str,
    file_label: &str,
    queue: &Queue,
    task_id: &str,
    changes: &[(&str, FieldValue)],
) -> Result<String, QueueError> {
    let (bom, body) = split_bom(src);
    let ctx = Ctx {
        src: body,
        file: file_label,
        task_id,
        schema: &queue.schema,
    };
    match task_node(body, queue, task_id) {
        Some((index, node)) => Ok(format!("{bom}{}", ctx.edit(queue, index, &node, changes)?)),
        None => set_fields_with(src, file_label, task_id, changes, &queue.schema),
    }
}

/// The task's index and its item, read again alone from where the fast reader found it. Only
/// an item that still reads as the same task is used; anything else takes the full path.
fn task_node<'a>(src: &'a str, queue: &Queue, task_id: &str) -> Option<(usize, Node<'a>)> {
    let index = queue.tasks.iter().position(|t| t.id == task_id)?;
    let task = &queue.tasks[index];
    let node = super::fast::item_at(src, task.at?)?;
    let again = super::parse::task_of(&node, src, &queue.schema)?;
    again.same_content(task).then_some((index, node))
}

struct Ctx<'a> {
    src: &'a str,
    file: &'a str,
    task_id: &'a str,
    schema: &'a Schema,
}

/// One replacement: `range` of the original text becomes `text`.
type Edit = (Range<usize>, String);

impl<'a> Ctx<'a> {
    /// Plans, splices and verifies the edit of task `index`, read from `node`.
    fn edit(
        &self,
        queue: &Queue,
        index: usize,
        node: &Node,
        changes: &[(&str, FieldValue)],
    ) -> Result<String, QueueError> {
        let current = &queue.tasks[index];
        let at = node.span.start;
        let expected = self.expected(current, changes, at)?;
        let edits = self.plan(node, current, changes)?;
        let region = self.region(node, &edits);
        let out = apply(self.src, edits);
        match region {
            Some(region) => self.verify_region(&out, region, queue, expected, at)?,
            None => self.verify(&out, queue, index, expected, at)?,
        }
        Ok(out)
    }

    fn error(&self, offset: usize, message: String, fix: &str) -> QueueError {
        let idx = super::yaml::LineIndex::new(self.src);
        let (line, column) = idx.line_col(offset);
        located(self.file, idx.text(line), line, column, message, fix)
    }

    fn no_task(&self, tree: &Node) -> QueueError {
        let offset = tree.get("tasks").map_or(0, |(k, _)| k.span.start);
        let message = format!("no task {} in the queue", shown(self.task_id));
        self.error(offset, message, "check the id with `wt queue show`")
    }

    /// The edited task's lines in the result, when the task is a block mapping item of a
    /// block list (`- id: ...` on its own line): from the start of its dash line to the end of
    /// the line holding its last content, where every edit falls (values are replaced inside
    /// the task; new keys go right after its last line). Those lines then read the same alone
    /// as in the file, so only they need parsing again; every other byte is copied unchanged.
    /// `None` (any other layout) means verify the whole file.
    fn region(&self, node: &Node, edits: &[Edit]) -> Option<Range<usize>> {
        let Kind::Map(entries, false) = &node.kind else {
            return None;
        };
        // why: a kept-chomping block scalar (`|+`) owns the blank lines after it, which the
        // region would cut off; such tasks are rare, so they take the whole-file check.
        if entries
            .iter()
            .any(|(_, v)| matches!(v.kind, Kind::Scalar(_, Style::Block)))
        {
            return None;
        }
        let b = self.src.as_bytes();
        let line_start = b[..node.span.start]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let lead = &b[line_start..node.span.start];
        let dash = lead.iter().position(|&c| c != b' ')?;
        let dash_only = lead[dash] == b'-' && lead[dash + 1..].iter().all(|&c| c == b' ');
        if !dash_only || dash + 1 == lead.len() {
            return None;
        }
        let last = node.span.end.max(1) - 1;
        let end = b[last..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| last + i + 1);
        let mut grown = 0isize;
        for (range, text) in edits {
            if range.start < line_start || range.end > end {
                return None;
            }
            grown += text.len() as isize - range.len() as isize;
        }
        Some(line_start..end.checked_add_signed(grown)?)
    }

    /// Parses the edited task's lines alone, under a `tasks:` key, and compares the one task
    /// they hold with the intended one. The task's own fields are all the edit can reach.
    fn verify_region(
        &self,
        out: &str,
        region: Range<usize>,
        before: &Queue,
        expected: Task,
        offset: usize,
    ) -> Result<(), QueueError> {
        let doc = format!("version: {}\ntasks:\n{}", before.version, &out[region]);
        self.reads_back(&doc, offset, |got| {
            got.tasks.len() == 1 && got.tasks[0].same_content(&expected)
        })
    }

    /// Parses the edited text `doc` and checks it reads as `matches` wants; either failure is
    /// an internal error pointing at `offset`, and nothing is written.
    fn reads_back(
        &self,
        doc: &str,
        offset: usize,
        matches: impl Fn(&Queue) -> bool,
    ) -> Result<(), QueueError> {
        let fix = "nothing was written; please report this with the queue file";
        match super::parse::parse_with(doc.as_bytes(), self.file, self.schema) {
            Ok(got) if matches(&got) => Ok(()),
            Ok(_) => Err(self.error(
                offset,
                "internal error: the edit changed more than intended".into(),
                fix,
            )),
            Err(e) => Err(self.error(
                offset,
                format!("internal error: the edit broke the file ({})", e.message),
                fix,
            )),
        }
    }

    /// The task as it must read back after the edit; also where bad values are refused.
    /// Errors point at `offset`, the task's first key.
    fn expected(
        &self,
        current: &Task,
        changes: &[(&str, FieldValue)],
        offset: usize,
    ) -> Result<Task, QueueError> {
        let mut task = current.clone();
        for (i, (name, value)) in changes.iter().enumerate() {
            if *name == "id" {
                return Err(self.error(
                    offset,
                    "task ids are never rewritten".into(),
                    "add a new task instead",
                ));
            }
            if changes[..i].iter().any(|(n, _)| n == name) {
                return Err(self.error(
                    offset,
                    format!("`{name}` is changed twice in one edit"),
                    "set each field once",
                ));
            }
            task.set_field(name, value)
                .map_err(|m| self.error(offset, m, "pass a value that fits the field"))?;
        }
        Ok(task)
    }

    fn plan(
        &self,
        node: &Node,
        current: &Task,
        changes: &[(&str, FieldValue)],
    ) -> Result<Vec<Edit>, QueueError> {
        let Kind::Map(entries, flow) = &node.kind else {
            return Err(self.error(
                node.span.start,
                "internal error: the task is not a mapping".into(),
                "",
            ));
        };
        let mut edits = Vec::new();
        let mut new_lines = Vec::new();
        let layout = Layout::of(self.src, node);
        for (name, value) in changes {
            if current.field(name).as_ref() == Some(value) {
                continue;
            }
            // why: the file's own key for the field ([queue.field_names]).
            let key_name = Field::from_name(name).map_or(*name, |f| self.schema.key(f));
            match entries
                .iter()
                .find(|(k, _)| k.as_scalar().map(|s| s.0) == Some(key_name))
            {
                Some((key, old)) => edits.push(self.replace(key, old, value)?),
                None if *flow => return Err(self.flow_insert(node, key_name)),
                None => new_lines.push(layout.line(key_name, value)),
            }
        }
        if !new_lines.is_empty() {
            edits.push((layout.at..layout.at, layout.text(&new_lines)));
        }
        Ok(edits)
    }

    fn replace(&self, key: &Node, old: &Node, value: &FieldValue) -> Result<Edit, QueueError> {
        let colon = self.colon_after(key)?;
        let after_colon = colon + 1..colon + 1;
        Ok(match (&old.kind, old.span.is_empty()) {
            (Kind::Scalar(..), true) => (after_colon, format!(" {}", render(value, None))),
            (Kind::Scalar(_, Style::Block), _) => (
                after_colon.start..old.span.end,
                format!(" {}", render(value, None)),
            ),
            (Kind::Scalar(_, style), _) => (old.span.clone(), render(value, Some(*style))),
            (Kind::Seq(_, true), _) => (old.span.clone(), render(value, None)),
            _ => (
                after_colon.start..old.span.end,
                format!(" {}", render(value, None)),
            ),
        })
    }

    /// The `:` after a key; only spaces may sit between them in the layouts `wt` edits.
    fn colon_after(&self, key: &Node) -> Result<usize, QueueError> {
        let b = self.src.as_bytes();
        let mut i = key.span.end;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        if b.get(i) == Some(&b':') {
            return Ok(i);
        }
        let message = format!(
            "cannot edit the value of `{}` in this layout",
            &self.src[key.span.clone()]
        );
        Err(self.error(
            key.span.start,
            message,
            "write the key as `key: value` on one line",
        ))
    }

    fn flow_insert(&self, node: &Node, name: &str) -> QueueError {
        let message = format!(
            "task {} is a flow mapping `{{...}}`; cannot add `{name}` to it",
            shown(self.task_id)
        );
        self.error(
            node.span.start,
            message,
            "rewrite the task as a block mapping (one `key: value` per line)",
        )
    }

    fn verify(
        &self,
        out: &str,
        before: &Queue,
        index: usize,
        expected: Task,
        offset: usize,
    ) -> Result<(), QueueError> {
        let matches = |got: &Queue| {
            got.version == before.version
                && got.tasks.len() == before.tasks.len()
                && got
                    .tasks
                    .iter()
                    .zip(&before.tasks)
                    .enumerate()
                    .all(|(i, (g, b))| g.same_content(if i == index { &expected } else { b }))
        };
        self.reads_back(out, offset, matches)
    }
}

/// Where and how a new key line goes: after the line holding the task's last content, indented
/// like the task's keys, ending like the file's lines.
struct Layout {
    at: usize,
    indent: usize,
    eol: &'static str,
    /// The last line has no line break, so one must come before the new lines.
    needs_break: bool,
}

impl Layout {
    fn of(src: &str, map: &Node) -> Layout {
        let b = src.as_bytes();
        let last = map.span.end.max(1) - 1;
        let newline = b[last..].iter().position(|&c| c == b'\n').map(|i| last + i);
        let line_start = b[..map.span.start]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let crlf = match newline {
            Some(nl) => nl > 0 && b[nl - 1] == b'\r',
            None => src.contains("\r\n"),
        };
        Layout {
            at: newline.map_or(src.len(), |nl| nl + 1),
            indent: map.span.start - line_start,
            eol: if crlf { "\r\n" } else { "\n" },
            needs_break: newline.is_none(),
        }
    }

    fn line(&self, name: &str, value: &FieldValue) -> String {
        format!("{}{name}: {}", " ".repeat(self.indent), render(value, None))
    }

    /// At the end of a file without a final line break, keep it without one.
    fn text(&self, lines: &[String]) -> String {
        if self.needs_break {
            format!("{}{}", self.eol, lines.join(self.eol))
        } else {
            lines.iter().map(|l| format!("{l}{}", self.eol)).collect()
        }
    }
}

fn apply(src: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(src.len() + 64);
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&src[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&src[at..]);
    out
}

/// YAML for a value. A string keeps the quoting of the value it replaces where it can, is
/// plain when no YAML reader could take it for anything but a string, and is double-quoted
/// otherwise.
pub(crate) fn render(value: &FieldValue, old: Option<Style>) -> String {
    match value {
        FieldValue::Null => "null".to_string(),
        FieldValue::Int(n) => n.to_string(),
        FieldValue::Str(s) => match old {
            Some(Style::Double) => double_quoted(s),
            Some(Style::Single) if !s.chars().any(needs_escape) => {
                format!("'{}'", s.replace('\'', "''"))
            }
            _ if is_plain_safe(s) => s.clone(),
            _ => double_quoted(s),
        },
        FieldValue::List(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|s| {
                    if is_plain_safe(s) {
                        s.clone()
                    } else {
                        double_quoted(s)
                    }
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// True when `s` written bare reads back as this same string in block and flow context, under
/// YAML 1.2 and the 1.1 rules older tools still apply (`yes`, `0x1F`, `2026-03-09`, `1_000`).
fn is_plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    let allowed = |c: &u8| c.is_ascii_alphanumeric() || b" _./@+-".contains(c);
    let Some(&first) = b.first() else {
        return false;
    };
    let reserved = [
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "nan",
    ];
    (first.is_ascii_alphanumeric() || first == b'_')
        && b.iter().all(allowed)
        && !s.ends_with(' ')
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
        && s.parse::<f64>().is_err()
        && !(first.is_ascii_digit() && looks_numeric(s))
}

/// Digit-led strings that some YAML reader types as a number, date or time.
fn looks_numeric(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p))
        || s.bytes()
            .all(|c| c.is_ascii_digit() || b"_.:+- eE".contains(&c))
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse::{parse, parse_str};
    use super::*;

    const FILE: &str = "Agent_Work_Queue.yaml";

    type Changes = Vec<(&'static str, FieldValue)>;

    /// A file written by hand: comments everywhere, odd quoting, both list styles, a task
    /// whose `id` is not its first key, a block scalar, blank lines.
    const COMMENTED: &str = r#"# Agent work queue. Edited by people and by wt.
version: 1   # schema

tasks:
  # --- backend ---
  - id: A-1            # first task
    title: 'Harden retries'
    role: A-backend
    status: todo       # todo | in_progress | blocked | done
    owner: null
    branch: ~
    depends_on: [C-1, "B-2"]   # gate
    acceptance_checks:
      - go test ./...
      - "make lint"    # keep
    claimed_at:

  - title: "Second, with \"quotes\""
    status: "todo"
    role: A-backend
    id: A-2
    owner: 'someone'
    notes: |
      multi
      line

    # trailing comment of A-2
  - {id: C-1, title: flow, role: C-ops, status: done, merged_commit: abc1234, owner: }
  - id: B-2
    title: last
    role: B-ui
    status: done
    merged_commit: def5678
"#;

    fn set(src: &str, id: &str, changes: &[(&str, FieldValue)]) -> String {
        set_fields(src, FILE, id, changes).unwrap_or_else(|e| panic!("{e}"))
    }

    fn s(v: &str) -> FieldValue {
        FieldValue::str(v)
    }

    fn list(items: &[&str]) -> FieldValue {
        FieldValue::List(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn claim_edits_only_the_values() {
        let out = set(
            COMMENTED,
            "A-1",
            &[
                ("status", s("in_progress")),
                ("owner", s("agent-a")),
                ("branch", s("agent/A-backend")),
                ("claimed_at", s("2026-03-09T10:00:00Z")),
            ],
        );
        let want = COMMENTED
            .replace("status: todo       #", "status: in_progress       #")
            .replace(
                "owner: null\n    branch: ~",
                "owner: agent-a\n    branch: agent/A-backend",
            )
            .replace(
                "    claimed_at:\n",
                "    claimed_at: \"2026-03-09T10:00:00Z\"\n",
            );
        assert_eq!(out, want);
    }

    #[test]
    fn quoted_values_keep_their_quotes_and_id_need_not_come_first() {
        let changes = [
            ("status", s("blocked")),
            ("owner", s("other")),
            ("blocked_by", s("A-1")),
            ("title", s("it's \"x\"")),
        ];
        let out = set(COMMENTED, "A-2", &changes);
        let want = COMMENTED
            .replace("    status: \"todo\"\n", "    status: \"blocked\"\n")
            .replace("owner: 'someone'", "owner: 'other'")
            .replace(
                r#"title: "Second, with \"quotes\"""#,
                r#"title: "it's \"x\"""#,
            )
            .replace("      line\n\n", "      line\n    blocked_by: A-1\n\n");
        assert_eq!(out, want);
    }

    #[test]
    fn block_scalar_value_is_replaced_whole() {
        let out = set(COMMENTED, "A-2", &[("notes", s("short"))]);
        assert_eq!(
            out,
            COMMENTED.replace("notes: |\n      multi\n      line\n", "notes: short\n")
        );
    }

    #[test]
    fn lists_flow_and_block() {
        let out = set(
            COMMENTED,
            "A-1",
            &[
                ("depends_on", list(&["C-1"])),
                ("acceptance_checks", list(&["go test ./...", "a, b"])),
            ],
        );
        let want = COMMENTED
            .replace(
                "depends_on: [C-1, \"B-2\"]   # gate",
                "depends_on: [C-1]   # gate",
            )
            .replace(
                "acceptance_checks:\n      - go test ./...\n      - \"make lint\"    # keep",
                "acceptance_checks: [go test ./..., \"a, b\"]    # keep",
            );
        assert_eq!(out, want);
        let emptied = set(COMMENTED, "A-1", &[("depends_on", list(&[]))]);
        assert_eq!(emptied, COMMENTED.replace("[C-1, \"B-2\"]", "[]"));
    }

    #[test]
    fn flow_mapping_values_are_replaced_but_keys_not_added() {
        let out = set(
            COMMENTED,
            "C-1",
            &[("owner", s("x")), ("status", s("todo"))],
        );
        assert_eq!(
            out,
            COMMENTED.replace(
                "status: done, merged_commit: abc1234, owner: }",
                "status: todo, merged_commit: abc1234, owner: x }"
            )
        );
        let e = set_fields(COMMENTED, FILE, "C-1", &[("notes", s("n"))]).unwrap_err();
        assert!(e.message.contains("flow mapping"), "{e}");
        assert_eq!(e.line, 28);
    }

    #[test]
    fn missing_keys_go_after_the_last_key_at_the_end_of_the_file() {
        let out = set(
            COMMENTED,
            "B-2",
            &[
                ("completed_at", s("2026-03-09T11:00:00Z")),
                ("owner", s("agent-b")),
            ],
        );
        let want =
            format!("{COMMENTED}    completed_at: \"2026-03-09T11:00:00Z\"\n    owner: agent-b\n");
        assert_eq!(out, want);
        let no_final_newline = COMMENTED.trim_end_matches('\n');
        let out = set(no_final_newline, "B-2", &[("owner", s("agent-b"))]);
        assert_eq!(out, format!("{no_final_newline}\n    owner: agent-b"));
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let crlf = COMMENTED.replace('\n', "\r\n");
        let out = set(
            &crlf,
            "A-1",
            &[("status", s("in_progress")), ("blocked_by", s("B-2"))],
        );
        let want = crlf
            .replace("status: todo ", "status: in_progress ")
            .replace(
                "    claimed_at:\r\n",
                "    claimed_at:\r\n    blocked_by: B-2\r\n",
            );
        assert_eq!(out, want);
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn unchanged_values_leave_the_file_identical() {
        let out = set(
            COMMENTED,
            "A-2",
            &[
                ("status", s("todo")),
                ("owner", s("someone")),
                ("blocked_by", FieldValue::Null),
                ("depends_on", list(&[])),
            ],
        );
        assert_eq!(out, COMMENTED);
    }

    #[test]
    fn setting_null_writes_null() {
        let out = set(COMMENTED, "A-2", &[("owner", FieldValue::Null)]);
        assert_eq!(out, COMMENTED.replace("owner: 'someone'", "owner: null"));
    }

    #[test]
    fn indentless_sequence_layout() {
        let src = "version: 1\ntasks:\n- id: A\n  title: t\n  role: r\n  status: todo\n  depends_on:\n  - B\n- id: B\n  title: t\n  role: r\n  status: done\n";
        let out = set(src, "A", &[("owner", s("o")), ("depends_on", list(&[]))]);
        assert_eq!(out, "version: 1\ntasks:\n- id: A\n  title: t\n  role: r\n  status: todo\n  depends_on: []\n  owner: o\n- id: B\n  title: t\n  role: r\n  status: done\n");
    }

    #[test]
    fn layouts_only_the_full_parser_reads() {
        let bom =
            "\u{FEFF}version: 1\ntasks:\n  - id: A\n    title: t\n    role: r\n    status: todo\n";
        assert_eq!(
            set(bom, "A", &[("owner", s("o"))]),
            format!("{bom}    owner: o\n")
        );
        let multi_line = "version: 1\ntasks:\n  - id: \"A\"\n    depends_on: [B,\n      C]   # wrapped\n    title: >\n      folded\n      text\n    role: r\n    status: todo\n";
        let out = set(
            multi_line,
            "A",
            &[("depends_on", list(&["B"])), ("title", s("t"))],
        );
        assert_eq!(out, "version: 1\ntasks:\n  - id: \"A\"\n    depends_on: [B]   # wrapped\n    title: t\n    role: r\n    status: todo\n");
        let flow = "version: 1\ntasks: [{id: A, title: t, role: r, status: todo}]\n";
        let out = set(
            flow,
            "A",
            &[("status", s("blocked")), ("blocked_by", FieldValue::Null)],
        );
        assert_eq!(
            out,
            "version: 1\ntasks: [{id: A, title: t, role: r, status: blocked}]\n"
        );
        let tabbed =
            "version: 1\ntasks:\n  - id: A\n    title: \"a\tb\"\n    role: r\n    status: todo\n";
        assert_eq!(
            set(tabbed, "A", &[("status", s("done"))]),
            tabbed.replace("todo", "done")
        );
    }

    #[test]
    fn refusals_change_nothing() {
        let cases: [(&str, Changes, &str); 6] = [
            (
                "NOPE",
                vec![("status", s("done"))],
                "no task `NOPE` in the queue",
            ),
            (
                "A-1",
                vec![("dependson", list(&[]))],
                "`dependson` is not a task field",
            ),
            (
                "A-1",
                vec![("id", s("A-9"))],
                "task ids are never rewritten",
            ),
            (
                "A-1",
                vec![("owner", s("$(touch PWNED)"))],
                "`owner` value \"$(touch PWNED)\" does not match [A-Za-z0-9][A-Za-z0-9._-]{0,63}",
            ),
            (
                "A-1",
                vec![("status", s("ready"))],
                "`ready` is not a status",
            ),
            (
                "A-1",
                vec![("owner", s("a")), ("owner", s("b"))],
                "`owner` is changed twice in one edit",
            ),
        ];
        for (id, changes, message) in cases {
            let e = set_fields(COMMENTED, FILE, id, &changes).unwrap_err();
            assert_eq!(e.message, message);
        }
        let broken = COMMENTED
            .replace("dependson", "x")
            .replace("depends_on", "dependson");
        assert!(set_fields(&broken, FILE, "A-1", &[("status", s("done"))])
            .unwrap_err()
            .message
            .contains("unknown field"));
    }

    #[test]
    fn awkward_strings_round_trip() {
        let values = [
            "plain",
            "123",
            "1e5",
            "0x1F",
            "2026-03-09",
            "12:30",
            "true",
            "No",
            "null",
            "~",
            "",
            " lead",
            "trail ",
            "a: b",
            "x # y",
            "#x",
            "-x",
            "- x",
            "[a]",
            "{a}",
            "it's",
            "say \"hi\"",
            "back\\slash",
            "line\nbreak",
            "tab\there",
            "\u{1b}[31m",
            "é ü",
            "\u{2028}",
            "a,b",
            "*alias",
            "&anchor",
            "!tag",
            "%x",
            "@x",
            "`x",
            "?x",
            "|",
            ">",
            "1_000",
            "+1",
            ".5",
            "inf",
            "NaN",
            "deadbeef1",
            "1a2b3c",
        ];
        // Block scalar, double, single, plain, inserted key, plain inside a flow mapping.
        let places = [
            ("A-2", "notes"),
            ("A-2", "title"),
            ("A-1", "title"),
            ("B-2", "title"),
            ("A-1", "notes"),
            ("C-1", "title"),
        ];
        for v in values {
            for (id, field) in places {
                for src in [COMMENTED.to_string(), COMMENTED.replace('\n', "\r\n")] {
                    let out = set(&src, id, &[(field, s(v))]);
                    let q = parse(out.as_bytes(), FILE).unwrap();
                    assert_eq!(
                        q.task(id).unwrap().field(field),
                        Some(s(v)),
                        "{v:?} in {id}.{field}"
                    );
                }
            }
        }
        let checks: Vec<&str> = values.iter().copied().filter(|v| !v.is_empty()).collect();
        let out = set(COMMENTED, "A-1", &[("acceptance_checks", list(&checks))]);
        assert_eq!(
            parse(out.as_bytes(), FILE)
                .unwrap()
                .task("A-1")
                .unwrap()
                .acceptance_checks,
            checks
        );
    }

    #[test]
    fn plain_only_when_safe() {
        assert_eq!(render(&s("agent/A-backend"), None), "agent/A-backend");
        assert_eq!(render(&s("go test ./..."), None), "go test ./...");
        assert_eq!(render(&s("deadbeef"), None), "deadbeef");
        for quoted in [
            "123",
            "0x1F",
            "2026-03-09",
            "yes",
            "1_000",
            "a: b",
            "",
            "-x",
        ] {
            assert!(render(&s(quoted), None).starts_with('"'), "{quoted:?}");
        }
        assert_eq!(render(&s("a\u{7f}\u{85}"), None), "\"a\\x7F\\x85\"");
        assert_eq!(render(&s("x"), Some(Style::Single)), "'x'");
        assert_eq!(render(&s("x\n"), Some(Style::Single)), "\"x\\n\"");
        assert_eq!(render(&FieldValue::Int(3), None), "3");
    }

    #[test]
    fn other_tasks_are_untouched_in_a_large_file() {
        let mut src = String::from("version: 1\ntasks:\n");
        for i in 0..2000 {
            src.push_str(&format!(
                "  - id: T{i}   # c{i}\n    title: \"t {i}\"\n    role: r\n    status: todo\n\n"
            ));
        }
        let out = set(
            &src,
            "T1000",
            &[
                ("status", s("in_progress")),
                ("owner", s("o")),
                ("branch", s("agent/r")),
            ],
        );
        let want = src.replace(
            "  - id: T1000   # c1000\n    title: \"t 1000\"\n    role: r\n    status: todo\n",
            "  - id: T1000   # c1000\n    title: \"t 1000\"\n    role: r\n    status: in_progress\n    owner: o\n    branch: agent/r\n",
        );
        assert_eq!(out, want);
    }

    #[test]
    fn verify_catches_an_edit_that_changed_something_else() {
        let (queue, _) = parse_str(COMMENTED, FILE).unwrap();
        let schema = Schema::default();
        let ctx = Ctx {
            src: COMMENTED,
            file: FILE,
            task_id: "A-1",
            schema: &schema,
        };
        let at = COMMENTED.find("id: A-1").unwrap();
        let tampered = COMMENTED.replace("title: last", "title: changed");
        let e = ctx
            .verify(&tampered, &queue, 0, queue.tasks[0].clone(), at)
            .unwrap_err();
        assert_eq!(
            e.message,
            "internal error: the edit changed more than intended"
        );
        assert_eq!(e.line, 6);
        let broken = COMMENTED.replace("title: last", "title: [");
        assert!(ctx
            .verify(&broken, &queue, 0, queue.tasks[0].clone(), at)
            .unwrap_err()
            .message
            .contains("broke the file"));
    }

    #[test]
    fn region_check_catches_a_broken_or_wrong_task() {
        let (queue, tree) = parse_str(COMMENTED, FILE).unwrap();
        let schema = Schema::default();
        let ctx = Ctx {
            src: COMMENTED,
            file: FILE,
            task_id: "A-1",
            schema: &schema,
        };
        let Some((
            _,
            Node {
                kind: Kind::Seq(items, _),
                ..
            },
        )) = tree.get("tasks")
        else {
            panic!("no tasks list")
        };
        let region = ctx
            .region(&items[0], &[])
            .expect("a block task has a region");
        assert!(COMMENTED[region.clone()].starts_with("  - id: A-1"));
        let at = region.start;
        let task = queue.tasks[0].clone();
        ctx.verify_region(COMMENTED, region.clone(), &queue, task.clone(), at)
            .unwrap();
        let mut other = task.clone();
        other.title = "changed".into();
        let e = ctx
            .verify_region(COMMENTED, region.clone(), &queue, other, at)
            .unwrap_err();
        assert!(e.message.contains("changed more than intended"));
        let broken = COMMENTED.replacen("status: todo", "status: [", 1);
        let e = ctx
            .verify_region(&broken, region, &queue, task, at)
            .unwrap_err();
        assert!(e.message.contains("broke the file"), "{e:?}");
    }

    #[test]
    fn parsed_variant_matches_set_fields() {
        let queue = parse(COMMENTED.as_bytes(), FILE).unwrap();
        let changes = [
            ("status", FieldValue::Str("in_progress".into())),
            ("owner", FieldValue::Str("agent-a".into())),
        ];
        let want = set_fields(COMMENTED, FILE, "A-1", &changes).unwrap();
        let got = set_fields_parsed(COMMENTED, FILE, &queue, "A-1", &changes).unwrap();
        assert_eq!(got, want);
        let other = parse(b"version: 1\ntasks: []\n", FILE).unwrap();
        let fallback = set_fields_parsed(COMMENTED, FILE, &other, "A-1", &changes).unwrap();
        assert_eq!(fallback, want);
        for id in ["A-1", "A-2"] {
            let want = set_fields(COMMENTED, FILE, id, &changes).unwrap();
            let got = set_fields_parsed(COMMENTED, FILE, &queue, id, &changes).unwrap();
            assert_eq!(got, want, "{id}");
        }
        let plain = COMMENTED.replace("    notes: |\n      multi\n      line\n", "");
        let plain_queue = parse(plain.as_bytes(), FILE).unwrap();
        for id in ["A-1", "A-2"] {
            let want = set_fields(&plain, FILE, id, &changes).unwrap();
            let got = set_fields_parsed(&plain, FILE, &plain_queue, id, &changes).unwrap();
            assert_eq!(got, want, "{id}");
        }
        let missing = set_fields_parsed(COMMENTED, FILE, &queue, "nope", &changes).unwrap_err();
        assert!(missing.message.contains("no task"), "{missing:?}");
    }
}
