//! The time stamps wt writes into its records and the queue (RFC 3339, UTC, whole seconds).

use std::time::SystemTime;

/// `2026-01-01T00:00:00Z`
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The local time of day, `HH:MM:SS`, for people watching a board.
pub fn local_time_of_day() -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r fills the struct we own from a time we own.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            let secs = now.rem_euclid(86_400);
            return format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        }
        tm
    };
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
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
