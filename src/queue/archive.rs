//! Archive files (`[queue] archive = ["doc/governance/archive/*.yaml"]`): finished work a team
//! moved out of the live queue, "reference only; never claim work from archive files". `wt`
//! reads them with the queue (the store's side of the module: this file and `store` touch the
//! file system) and never writes them: their tasks are never ready or claimable, done ones
//! satisfy `depends_on`, and an id in both an archive and the live queue is a problem.

use std::path::{Component, Path, PathBuf};

use super::model::Archive;
use super::parse::{parse_all, Finding};
use super::schema::Schema;
use super::validate::{Problem, Severity};
use crate::error::{Error, Result};

/// Files deeper than this under a glob's directory are not looked for.
const MAX_DEPTH: usize = 8;

/// The archive files the globs name, relative to `main`, sorted.
pub fn files(main: &Path, globs: &[String]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for pattern in globs {
        let Ok(glob) = crate::config::glob(pattern) else {
            continue;
        };
        let matcher = glob.compile_matcher();
        let literal: PathBuf = Path::new(pattern)
            .components()
            .take_while(|c| match c {
                Component::Normal(s) => !s.to_string_lossy().contains(['*', '?', '[', '{']),
                _ => false,
            })
            .collect();
        walk(main, &literal, 0, &mut |rel| {
            if matcher.is_match(rel) && !found.iter().any(|f: &PathBuf| f == rel) {
                found.push(rel.to_path_buf());
            }
        });
    }
    found.sort();
    found
}

fn walk(main: &Path, rel: &Path, depth: usize, hit: &mut dyn FnMut(&Path)) {
    let full = main.join(rel);
    let Ok(meta) = std::fs::symlink_metadata(&full) else {
        return;
    };
    if meta.is_file() {
        hit(rel);
        return;
    }
    if !meta.is_dir() || depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&full) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        walk(main, &rel.join(name), depth + 1, hit);
    }
}

/// Every archive file, read as the queue is (its field names), with what reading found in them
/// as warnings: they are history, and `wt` never edits them. A file whose YAML has lost its
/// structure is an error naming it (exit 2), since its ids could not be known.
pub fn read(
    main: &Path,
    globs: &[String],
    schema: &Schema,
) -> Result<(Vec<Archive>, Vec<Problem>)> {
    let mut archives = Vec::new();
    let mut problems = Vec::new();
    for rel in files(main, globs) {
        let label = rel.display().to_string();
        let bytes = std::fs::read(main.join(&rel))
            .map_err(|e| Error::usage(format!("cannot read the archive file {label}: {e}")))?;
        let (queue, findings) = parse_all(&bytes, &label, schema).map_err(|e| {
            Error::from(e).hint("fix the archive file, or leave it out of [queue] archive")
        })?;
        problems.extend(findings.iter().map(|f: &Finding| {
            let mut p = Problem::from_finding(f, Some(&label));
            p.severity = Severity::Warning;
            p
        }));
        archives.push(Archive {
            file: label,
            tasks: queue.tasks,
        });
    }
    Ok((archives, problems))
}

/// Reads the archive into `queue` for a command: an id in both the archive and the live queue
/// would mislead a claim or a dependency, so it refuses the command (exit 2) with the line.
pub fn attach(queue: &mut super::Queue, main: &Path, globs: &[String], label: &str) -> Result<()> {
    if globs.is_empty() {
        return Ok(());
    }
    let (archive, _) = read(main, globs, &queue.schema)?;
    queue.archive = archive;
    let archived = by_id(queue);
    for task in &queue.tasks {
        if let Some((file, t)) = archived.get(task.id.as_str()) {
            let at = t.line.map_or(String::new(), |l| format!(":{l}"));
            return Err(Error::usage(format!(
                "{label}:{}: task id {} is also in the archive ({file}{at})",
                task.line.unwrap_or(0),
                task.id
            ))
            .hint("give the live task a new id: archived ids stay taken (`wt queue validate` lists every problem)"));
        }
    }
    Ok(())
}

/// Every archived task of `queue` by id, with its file.
pub fn by_id(queue: &super::Queue) -> std::collections::HashMap<&str, (&str, &super::Task)> {
    queue
        .archive
        .iter()
        .flat_map(|a| {
            a.tasks
                .iter()
                .map(move |t| (t.id.as_str(), (a.file.as_str(), t)))
        })
        .collect()
}
