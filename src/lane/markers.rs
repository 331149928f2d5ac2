//! Finding conflict markers left in files: a line starting with `<<<<<<< ` or `>>>>>>> `.
//! Only the files a lane changed are read, so the cost follows the size of the change.

use std::io::{BufRead, BufReader};
use std::path::Path;

pub fn scan(worktree: &Path, paths: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    paths
        .iter()
        .filter(|p| seen.insert(p.as_str()))
        .filter(|p| has_markers(&worktree.join(p)))
        .cloned()
        .collect()
}

fn has_markers(file: &Path) -> bool {
    let Ok(f) = std::fs::File::open(file) else {
        return false;
    };
    if !f.metadata().is_ok_and(|m| m.is_file() && m.len() < 8 << 20) {
        return false;
    }
    BufReader::new(f)
        .split(b'\n')
        .map_while(|l| l.ok())
        .any(|line| line.starts_with(b"<<<<<<< ") || line.starts_with(b">>>>>>> "))
}
