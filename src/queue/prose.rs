//! Acceptance checks are commands, not prose (playbook section 6): whether the first word of a
//! check can run at all. Pure: the caller answers "is this on PATH", "is this a path in the
//! repository" and "which make targets exist" through [`Lookup`].

/// What [`prose`] asks of the world.
pub struct Lookup<'a> {
    /// A program of this name is on `PATH` (or, for a name with a `/`, an executable there).
    pub on_path: &'a dyn Fn(&str) -> bool,
    /// This repo-relative path exists in the repository.
    pub in_repo: &'a dyn Fn(&str) -> bool,
    /// The targets of the repository's Makefile (with its includes); None without a Makefile.
    pub make_targets: &'a dyn Fn() -> Option<Vec<String>>,
}

/// Shell builtins and keywords a check may start with.
const BUILTINS: &[&str] = &[
    ".", ":", "[", "[[", "!", "{", "(", "alias", "bg", "break", "builtin", "case", "cd", "command",
    "continue", "echo", "eval", "exec", "exit", "export", "false", "fg", "for", "getopts", "hash",
    "if", "jobs", "kill", "let", "local", "printf", "pwd", "read", "readonly", "return", "set",
    "shift", "source", "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias",
    "unset", "until", "wait", "while",
];

/// Why `check` is prose rather than a command, or None when its first word can run: a shell
/// builtin or keyword, a program on PATH, a path in the repository, or `make TARGET` with that
/// target in the Makefile.
pub fn prose(check: &str, look: &Lookup) -> Option<String> {
    let words = split(check);
    let mut rest = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| is_assignment(w));
    let Some(first) = rest.next() else {
        return Some("it is empty".to_string());
    };
    if first.starts_with(['(', '{', '!', '$', '`']) || BUILTINS.contains(&first) {
        return None;
    }
    if first == "make" || first == "gmake" {
        return make(rest.collect(), look);
    }
    if (look.on_path)(first) {
        return None;
    }
    let rel = first.trim_start_matches("./");
    if first.contains('/') && (look.in_repo)(rel) {
        return None;
    }
    Some(format!(
        "`{first}` is not a shell builtin, a program on PATH, a path in the repository or a make target"
    ))
}

fn make(args: Vec<&str>, look: &Lookup) -> Option<String> {
    let mut target = None;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a {
            // why: another directory or makefile: its targets are not the repository's Makefile's.
            "-C" | "-f" | "--file" | "--directory" => return None,
            _ if a.starts_with("-C") || a.starts_with("-f") || a.starts_with("--file=") => {
                return None
            }
            "-I" | "-o" | "-W" => {
                args.next();
            }
            _ if a.starts_with('-') || is_assignment(a) => {}
            _ => {
                target = Some(a);
                break;
            }
        }
    }
    let Some(targets) = (look.make_targets)() else {
        return Some("`make` but the repository has no Makefile".to_string());
    };
    let target = target?;
    if targets.iter().any(|t| target_matches(t, target)) {
        return None;
    }
    Some(format!(
        "`make {target}` but the Makefile has no target `{target}`"
    ))
}

/// A Makefile target, a pattern rule (`%`) included.
fn target_matches(rule: &str, target: &str) -> bool {
    match rule.split_once('%') {
        None => rule == target,
        Some((pre, post)) => {
            target.len() > pre.len() + post.len()
                && target.starts_with(pre)
                && target.ends_with(post)
        }
    }
}

pub fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words as `sh` would split them, roughly: whitespace outside quotes, quotes removed; a word
/// ends at `;`, `|`, `&` outside quotes.
pub fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() || matches!(c, ';' | '|' | '&') => {
                if started || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
                if matches!(c, ';' | '|' | '&') {
                    break;
                }
            }
            (None, c) => word.push(c),
        }
    }
    if started || !word.is_empty() {
        words.push(word);
    }
    words
}

/// The targets a Makefile's text defines (rule lines `a b: deps`), `.`-targets aside.
pub fn make_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('\t') || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((head, tail)) = line.split_once(':') else {
            continue;
        };
        // why: `A := b` and `A ::= b` are assignments, not rules.
        if tail.starts_with('=') || tail.starts_with(":=") || head.contains('=') {
            continue;
        }
        for t in head.split_whitespace() {
            if !t.starts_with('.') && !t.contains('$') {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// The files a Makefile includes (`include a.mk`, `-include b.mk`), as written.
pub fn make_includes(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("include ")
                .or_else(|| l.strip_prefix("-include "))
                .or_else(|| l.strip_prefix("sinclude "))
        })
        .flat_map(|rest| rest.split_whitespace().map(str::to_string))
        .filter(|f| !f.contains('$') && !f.contains('*'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(check: &str) -> Option<String> {
        let on_path = |p: &str| ["go", "pnpm", "rg", "grep", "sh"].contains(&p);
        let in_repo = |p: &str| p == "scripts/ci/check.sh";
        let targets = || Some(vec!["test".to_string(), "lint-%".to_string()]);
        prose(
            check,
            &Lookup {
                on_path: &on_path,
                in_repo: &in_repo,
                make_targets: &targets,
            },
        )
    }

    #[test]
    fn commands_pass() {
        for c in [
            "true",
            "go test ./...",
            "GOFLAGS=-count=1 go test ./...",
            "rg -q \"terminal.open\" cmd/x.go",
            "./scripts/ci/check.sh --fast",
            "scripts/ci/check.sh",
            "make test",
            "make -k lint-go V=1",
            "make",
            "test -f a && true",
            "[ -f a ]",
            "(cd web && pnpm test)",
            "make -C web build",
        ] {
            assert_eq!(judge(c), None, "{c}");
        }
    }

    #[test]
    fn prose_is_named() {
        for (c, why) in [
            ("Run the unit tests and verify", "`Run` is not"),
            ("Verify: the page loads", "`Verify:` is not"),
            ("make e2e", "no target `e2e`"),
            ("scripts/missing.sh", "`scripts/missing.sh` is not"),
            ("", "empty"),
        ] {
            let got = judge(c).unwrap_or_default();
            assert!(got.contains(why), "{c}: {got}");
        }
    }

    #[test]
    fn makefile_targets_and_includes() {
        let text =
            "include Makefile.wt\nX := 1\nall test: build\n\tgo test\n.PHONY: all\nlint-%:\n";
        assert_eq!(make_targets(text), ["all", "test", "lint-%"]);
        assert_eq!(make_includes(text), ["Makefile.wt"]);
    }
}
