//! The layering rule of `src/lib.rs`, checked on the source itself so that it cannot erode one
//! convenient shortcut at a time: git only behind `src/git/`, printing only in `src/ui/`,
//! commands that never reach into each other, a short top level, and files a reader can hold.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its text up to its test module (tests may print, and may
/// use whatever they need to build a case).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    collect(&root, &mut found);
    found.sort();
    found
        .into_iter()
        .filter(|p| !p.ends_with("tests.rs") && !p.to_string_lossy().ends_with("_tests.rs"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, code)
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of code (comments aside) that contain any of `needles`, as `file:line: text`.
fn offending(
    files: &[(String, String)],
    skip: &dyn Fn(&str) -> bool,
    needles: &[&str],
) -> Vec<String> {
    let mut hits = Vec::new();
    for (file, code) in files.iter().filter(|(f, _)| !skip(f)) {
        for (n, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            if needles.iter().any(|needle| line.contains(needle)) {
                hits.push(format!("{file}:{}: {}", n + 1, trimmed));
            }
        }
    }
    hits
}

#[test]
fn git2_is_used_only_behind_the_git_door() {
    let hits = offending(
        &sources(),
        &|f| f.starts_with("git/"),
        &["git2::", "git2 ::"],
    );
    assert!(
        hits.is_empty(),
        "git2 outside src/git/:\n{}",
        hits.join("\n")
    );
}

#[test]
fn only_ui_prints() {
    let needles = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "std::io::stdout",
        "io::stderr()",
    ];
    let hits = offending(&sources(), &|f| f.starts_with("ui/"), &needles);
    assert!(
        hits.is_empty(),
        "printing outside src/ui/:\n{}",
        hits.join("\n")
    );
}

#[test]
fn no_command_imports_another() {
    let files = sources();
    let commands: Vec<String> = files
        .iter()
        .filter_map(|(f, _)| {
            f.strip_prefix("commands/")?
                .strip_suffix(".rs")
                .map(str::to_string)
        })
        .filter(|c| c != "mod")
        .collect();
    let needles: Vec<String> = commands
        .iter()
        .flat_map(|c| {
            [
                format!("super::{c}::"),
                format!("commands::{c}::"),
                format!("super::{c};"),
            ]
        })
        .collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let hits = offending(
        &files,
        &|f| !f.starts_with("commands/") || f == "commands/mod.rs",
        &needles,
    );
    assert!(
        hits.is_empty(),
        "a command imports another:\n{}",
        hits.join("\n")
    );
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands/mod.rs"))
        .unwrap();
    for c in &commands {
        assert!(
            !lib.contains(&format!("pub mod {c};")),
            "commands::{c} must be private (`mod {c};`)"
        );
    }
}

#[test]
fn the_top_level_holds_only_the_entry_points() {
    let allowed = [
        "main.rs",
        "lib.rs",
        "cli.rs",
        "context.rs",
        "error.rs",
        "templates.rs",
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut loose: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !allowed.contains(&name.as_str()))
        .collect();
    loose.sort();
    assert!(
        loose.is_empty(),
        "loose files at the top of src/ (give each a folder): {loose:?}"
    );
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .map(|(file, code)| (file, code.lines().count()))
        .filter(|(_, n)| *n > 700)
        .map(|(file, n)| format!("src/{file}: {n} lines before its test module"))
        .collect();
    assert!(
        long.is_empty(),
        "split these files (700 lines at most, test modules aside):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_git_binary_is_run_only_behind_the_git_door() {
    let needles = [
        "\"git\"",
        "git::git(",
        "run::git(",
        "git::{git",
        "git::run::{git",
    ];
    let hits = offending(&sources(), &|f| f.starts_with("git/"), &needles);
    assert!(
        hits.is_empty(),
        "git argv outside src/git/ (add a named function there):\n{}",
        hits.join("\n")
    );
}
