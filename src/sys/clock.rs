//! The time stamps wt writes into its records and the queue (RFC 3339, UTC, whole seconds).

use std::time::SystemTime;

/// `2026-01-01T00:00:00Z`
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// `20260101T000000Z` from an RFC 3339 time: safe in a file name.
pub fn file_stamp(rfc3339: &str) -> String {
    rfc3339.chars().filter(|c| *c != '-' && *c != ':').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_file_names() {
        assert_eq!(file_stamp("2026-01-01T00:00:00Z"), "20260101T000000Z");
    }
}
