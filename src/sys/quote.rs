//! Paths and words as they should appear in a command the user may paste into a shell. Used in
//! hints by every layer; the values are only ever shown, never run.

/// A path as it should appear in a command the user may paste into a shell: unchanged when every
/// character is plainly safe, else in single quotes (`'/tmp/main repo-A'`).
pub fn quote_path(path: &std::path::Path) -> String {
    quote_word(&path.to_string_lossy())
}

/// One shell word, single-quoted when it holds anything but `[A-Za-z0-9/._,:@%+=-]`.
pub fn quote_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._,:@%+=-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return word.to_string();
    }
    // why: inside single quotes only `'` itself is special; close, escape it, reopen.
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote_word;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote_word("/tmp/lanes/p-A"), "/tmp/lanes/p-A");
        assert_eq!(quote_word("/tmp/main repo-A"), "'/tmp/main repo-A'");
        assert_eq!(quote_word("it's"), r"'it'\''s'");
        assert_eq!(quote_word(""), "''");
    }
}
