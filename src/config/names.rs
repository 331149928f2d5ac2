//! Name rules (SPEC section 1), checked before any path or ref is built from a name.

/// `[A-Za-z][A-Za-z0-9-]{0,39}`
pub fn is_role_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 40
        && bytes[0].is_ascii_alphabetic()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`: task ids and owners.
pub fn is_task_id(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A full branch name that git would accept as `refs/heads/<branch>`.
pub fn is_branch_name(branch: &str) -> bool {
    // why: `@` and `HEAD` pass as full ref names but `git branch` refuses them.
    !branch.starts_with('-')
        && branch != "@"
        && branch != "HEAD"
        && crate::git::ops::is_valid_ref_name(&format!("refs/heads/{branch}"))
}

/// One plain path component: no separator, not `.`/`..`, no control characters.
pub fn is_dir_component(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with('-')
        && !name.contains('/')
        && !name.chars().any(char::is_control)
}

/// A remote name as git allows it in a refspec without surprises.
pub fn is_remote_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert!(is_role_name("A-backend"));
        assert!(!is_role_name("1abc"));
        assert!(!is_role_name("a b"));
        assert!(!is_role_name("a/b"));
        assert!(!is_role_name("$(id)"));
        assert!(!is_role_name(&"a".repeat(41)));
    }

    #[test]
    fn task_ids() {
        assert!(is_task_id("A-P7-001"));
        assert!(is_task_id("agent.a_1"));
        assert!(!is_task_id("-x"));
        assert!(!is_task_id("$(touch PWNED)"));
        assert!(!is_task_id("a;b"));
    }

    #[test]
    fn branches_and_dirs() {
        assert!(is_branch_name("agent/A-backend"));
        assert!(!is_branch_name("agent/a..b"));
        assert!(!is_branch_name("agent/a.lock"));
        assert!(!is_branch_name("@"));
        assert!(is_dir_component("my repo-A"));
        assert!(!is_dir_component(".."));
        assert!(!is_dir_component("a/b"));
    }
}
