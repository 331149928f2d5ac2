//! Property tests of the two parsers that read files agents and people edit (F53-F59, F61):
//! `lanes.toml` and the queue. Random bytes and mutated valid files never panic and every error
//! names a line; a surgical queue edit re-parses to exactly the planned change and leaves every
//! byte outside the edited task as it was.
//!
//! CI runs a modest number of cases (`PROPTEST_CASES`, default 96 per property); `bench/fuzz.sh`
//! runs many more. A failure found there becomes a plain, named regression test in this file.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use std::path::Path;
use wt::config::{load, LoadOptions};
use wt::queue::{self, FieldValue, Queue, Status};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        // why: failures are turned into named regression tests below, not stored files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const VALID_CONFIG: &str = r#"# lanes
[project]
prefix = "proj"
base = "master"
worktree_root = "../lanes"
branch_template = "agent/{role}{-lane}"

[queue]
path = "doc/queue.yaml"
set_status = ["make", "queue-set-status", "TASK_ID={task}"]

[contracts]
paths = ["doc/api/**"]
owners = ["A-backend"]

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]
checks = ["go test ./...", 'echo "$WT_ROLE"']

[[role]]
name = "B-ui"
lanes = 2
owns = ["web/**"]

[[gate]]
when = ["doc/api/**"]
run = "make codegen"

[policy]
tests = ["**/*_test.go"]
"#;

/// Load `bytes` as lanes.toml from a scratch main checkout; must not panic. Errors must be
/// config errors (exit 2) that name the file.
fn load_config(dir: &Path, bytes: &[u8]) {
    let file = dir.join("lanes.toml");
    std::fs::write(&file, bytes).unwrap();
    let opts = LoadOptions {
        main: dir,
        explicit: Some(&file),
        env_root: None,
        user_file: None,
    };
    if let Err(e) = load(&opts) {
        assert_eq!(e.exit_code(), 2, "{e:?}");
        assert!(e.message.contains("lanes.toml"), "{e:?}");
    }
}

/// One random edit of a byte string: delete, insert or replace a short run.
fn mutate(base: &[u8], edits: &[(usize, u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = base.to_vec();
    for (at, kind, bytes) in edits {
        let at = at % (out.len() + 1);
        match kind % 3 {
            0 => {
                let end = (at + bytes.len().max(1)).min(out.len());
                out.drain(at..end);
            }
            1 => {
                out.splice(at..at, bytes.iter().copied());
            }
            _ => {
                let end = (at + bytes.len()).min(out.len());
                out.splice(at..end, bytes.iter().copied());
            }
        }
    }
    out
}

/// Bytes that matter to TOML and YAML, for mutations.
fn syntax_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(b"[]{}\"'#:=,-\n\r\t \\.&*!|>%@`$0123456789azAZ\xff\xc3".to_vec()),
        0..6,
    )
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, Vec<u8>)>> {
    prop::collection::vec((any::<usize>(), any::<u8>(), syntax_bytes()), 1..5)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn config_parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        load_config(dir.path(), &bytes);
    }

    #[test]
    fn config_parser_never_panics_on_mutated_files(edits in edits()) {
        let dir = tempfile::tempdir().unwrap();
        load_config(dir.path(), &mutate(VALID_CONFIG.as_bytes(), &edits));
    }

    #[test]
    fn queue_parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_queue_bytes(&bytes);
    }

    #[test]
    fn queue_parser_never_panics_on_mutated_files(seed in queue_file(), edits in edits()) {
        check_queue_bytes(&mutate(seed.text.as_bytes(), &edits));
    }

    #[test]
    fn set_fields_changes_exactly_the_planned_values(
        file in queue_file(),
        pick in any::<prop::sample::Index>(),
        changes in prop::collection::vec(change(), 1..5),
    ) {
        check_edit(&file, pick.index(file.spans.len()), &changes)?;
    }
}

/// Parse must not panic; an error names a line of the file; a queue that parses has a version.
fn check_queue_bytes(bytes: &[u8]) {
    match queue::parse(bytes, "q.yaml") {
        Ok(q) => assert_eq!(q.version, queue::QUEUE_VERSION),
        Err(e) => {
            // why: YAML breaks lines at LF, CRLF and a lone CR alike.
            let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
            let breaks = bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() - crlf;
            let lines = breaks + 1;
            assert!(e.line >= 1 && e.line <= lines + 1, "{e:?} in {lines} lines");
            assert!(e.column >= 1, "{e:?}");
        }
    }
}

/// A generated queue file and where each task's text starts and ends.
#[derive(Debug, Clone)]
struct QueueFile {
    text: String,
    /// Byte range of each task (its `- id:` line to the start of the next task).
    spans: Vec<std::ops::Range<usize>>,
    ids: Vec<String>,
}

/// How a string value is written.
#[derive(Debug, Clone, Copy)]
enum Style {
    Plain,
    Single,
    Double,
}

fn scalar(value: &str, style: Style) -> String {
    let plain_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/-".contains(c))
        && !value.ends_with(' ')
        && !["null", "true", "false", "yes", "no", "on", "off", "y", "n"]
            .contains(&value.to_ascii_lowercase().as_str());
    match style {
        Style::Plain if plain_ok => value.to_string(),
        Style::Single if !value.contains('\n') => format!("'{}'", value.replace('\'', "''")),
        _ => double_quoted(value),
    }
}

/// A YAML double-quoted scalar holding `value` exactly.
fn double_quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![Just(Style::Plain), Just(Style::Single), Just(Style::Double)]
}

/// Free text as titles and notes hold it: words, punctuation YAML cares about, non-ASCII.
fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "fix",
        "retries",
        "Part",
        "a: b",
        "#1",
        "it's",
        "\"q\"",
        "ünï",
        "x-y",
        "v1.2",
        "[draft]",
        "{x}",
        "&a",
        "*b",
        "!tag",
        "%",
        "@me",
        "a\\b",
        "two\nlines",
        "tab\there",
        " lead",
        "trail ",
        "---",
        "- item",
        "...",
        "null",
        "~",
        "0x1F",
        "1e3",
        "'",
        "\u{2028}",
        "\u{feff}",
    ]);
    prop::collection::vec(piece, 1..5).prop_map(|p| p.join(" "))
}

fn owner() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["agent-a", "agent.b_2", "A7", "x"]).prop_map(str::to_string)
}

fn stamp() -> impl Strategy<Value = String> {
    (0u32..28, 0u32..24).prop_map(|(d, h)| format!("2026-02-{:02}T{h:02}:00:00Z", d + 1))
}

fn commit() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(b"0123456789abcdef".to_vec()), 7..41)
        .prop_map(|b| String::from_utf8(b).unwrap())
}

/// One optional line of a task: `key: value`, in a random style, maybe with a comment.
fn optional_field() -> impl Strategy<Value = Option<(String, String)>> {
    let null = prop::sample::select(vec!["null", "~", ""]).prop_map(str::to_string);
    prop_oneof![
        Just(None),
        (owner(), style()).prop_map(|(v, s)| Some(("owner".into(), scalar(&v, s)))),
        null.clone().prop_map(|n| Some(("owner".into(), n))),
        (text(), style()).prop_map(|(v, s)| Some(("notes".into(), scalar(&v, s)))),
        (stamp(), style()).prop_map(|(v, s)| Some(("claimed_at".into(), scalar(&v, s)))),
        (commit(), style()).prop_map(|(v, s)| Some(("merged_commit".into(), scalar(&v, s)))),
        (1u32..4).prop_map(|n| Some(("lane".into(), n.to_string()))),
        null.prop_map(|n| Some(("blocked_by".into(), n))),
    ]
}

#[derive(Debug, Clone)]
struct TaskShape {
    title: String,
    title_style: Style,
    status: Status,
    deps: Vec<usize>,
    block_list: bool,
    extra: Vec<Option<(String, String)>>,
    comment: bool,
    blank_after: bool,
}

fn task_shape() -> impl Strategy<Value = TaskShape> {
    (
        text(),
        style(),
        prop::sample::select(Status::ALL.to_vec()),
        prop::collection::vec(0usize..6, 0..3),
        any::<bool>(),
        prop::collection::vec(optional_field(), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(title, title_style, status, deps, block_list, extra, comment, blank_after)| {
                TaskShape {
                    title,
                    title_style,
                    status,
                    deps,
                    block_list,
                    extra,
                    comment,
                    blank_after,
                }
            },
        )
}

fn queue_file() -> impl Strategy<Value = QueueFile> {
    (prop::collection::vec(task_shape(), 1..6), any::<bool>()).prop_map(|(tasks, crlf)| {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("# queue{nl}version: 1{nl}tasks:{nl}");
        let mut spans = Vec::new();
        let mut ids = Vec::new();
        for (i, t) in tasks.iter().enumerate() {
            let start = text.len();
            let id = format!("T-{}", i + 1);
            text.push_str(&format!("  - id: {id}{nl}"));
            text.push_str(&format!(
                "    title: {}{nl}",
                scalar(&t.title, t.title_style)
            ));
            text.push_str(&format!("    role: A-backend{nl}"));
            let comment = if t.comment { "   # state" } else { "" };
            text.push_str(&format!("    status: {}{comment}{nl}", t.status.as_str()));
            let deps: Vec<String> = t
                .deps
                .iter()
                .filter(|d| **d < tasks.len() && **d != i)
                .map(|d| format!("T-{}", d + 1))
                .collect();
            if !deps.is_empty() || t.block_list {
                if t.block_list && !deps.is_empty() {
                    text.push_str(&format!("    depends_on:{nl}"));
                    for d in &deps {
                        text.push_str(&format!("      - {d}{nl}"));
                    }
                } else {
                    text.push_str(&format!("    depends_on: [{}]{nl}", deps.join(", ")));
                }
            }
            let mut seen = Vec::new();
            for (key, value) in t.extra.iter().flatten() {
                if seen.contains(key) {
                    continue;
                }
                seen.push(key.clone());
                let sep = if value.is_empty() { "" } else { " " };
                text.push_str(&format!("    {key}:{sep}{value}{nl}"));
            }
            if t.blank_after {
                text.push_str(nl);
            }
            spans.push(start..text.len());
            ids.push(id);
        }
        QueueFile { text, spans, ids }
    })
}

/// A change a rule could plan: a field and a valid new value.
fn change() -> impl Strategy<Value = (&'static str, FieldValue)> {
    prop_oneof![
        prop::sample::select(Status::ALL.to_vec())
            .prop_map(|s| ("status", FieldValue::str(s.as_str()))),
        owner().prop_map(|o| ("owner", FieldValue::Str(o))),
        Just(("owner", FieldValue::Null)),
        Just(("branch", FieldValue::str("agent/A-backend-2"))),
        Just(("branch", FieldValue::Null)),
        stamp().prop_map(|s| ("claimed_at", FieldValue::Str(s))),
        stamp().prop_map(|s| ("completed_at", FieldValue::Str(s))),
        commit().prop_map(|c| ("merged_commit", FieldValue::Str(c))),
        Just(("blocked_by", FieldValue::str("T-1"))),
        Just(("blocked_by", FieldValue::Null)),
        text().prop_map(|t| ("notes", FieldValue::Str(t))),
        text().prop_map(|t| ("title", FieldValue::Str(t))),
        (1u32..5).prop_map(|n| ("lane", FieldValue::Int(n))),
        Just(("depends_on", FieldValue::List(vec!["T-1".into()]))),
        Just(("depends_on", FieldValue::List(Vec::new()))),
    ]
}

fn check_edit(
    file: &QueueFile,
    index: usize,
    changes: &[(&'static str, FieldValue)],
) -> Result<(), TestCaseError> {
    let parsed: Queue = queue::parse(file.text.as_bytes(), "q.yaml").map_err(|e| {
        TestCaseError::fail(format!("generated file does not parse: {e}\n{}", file.text))
    })?;
    // The plan: the last value given for a field wins, as set_fields applies them in order.
    let mut expected = parsed.clone();
    let mut plan: Vec<(&str, FieldValue)> = Vec::new();
    for (field, value) in changes {
        plan.retain(|(f, _)| f != field);
        plan.push((field, value.clone()));
    }
    for (field, value) in &plan {
        if expected.tasks[index].set_field(field, value).is_err() {
            return Ok(()); // not a change any rule would plan
        }
    }
    let id = &file.ids[index];
    let out = queue::set_fields(&file.text, "q.yaml", id, &plan).map_err(|e| {
        TestCaseError::fail(format!(
            "set_fields refused {plan:?} on {id}: {e}\n{}",
            file.text
        ))
    })?;
    let reread = queue::parse(out.as_bytes(), "q.yaml")
        .map_err(|e| TestCaseError::fail(format!("edited file does not parse: {e}\n{out}")))?;
    prop_assert!(
        reread.same_content(&expected),
        "re-parse differs from the plan {plan:?}\n--- before\n{}\n--- after\n{out}",
        file.text
    );
    // Every byte outside the edited task is as it was.
    let span = &file.spans[index];
    prop_assert_eq!(&out[..span.start], &file.text[..span.start]);
    let tail = &file.text[span.end..];
    prop_assert!(
        out.ends_with(tail),
        "the tasks after {} changed\n{}",
        id,
        out
    );
    Ok(())
}
