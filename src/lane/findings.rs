//! A named finding with ok / warn / fail and a one-line fix: preflight's unit of report, as data
//! (`ui` renders it).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
    pub fix: String,
}

impl Check {
    fn new(name: &str, status: CheckStatus, detail: &str, fix: &str) -> Check {
        Check {
            name: name.to_string(),
            status,
            detail: detail.to_string(),
            fix: fix.to_string(),
        }
    }
    pub fn ok(name: &str, detail: &str) -> Check {
        Check::new(name, CheckStatus::Ok, detail, "")
    }
    pub fn warn(name: &str, detail: &str, fix: &str) -> Check {
        Check::new(name, CheckStatus::Warn, detail, fix)
    }
    pub fn fail(name: &str, detail: &str, fix: &str) -> Check {
        Check::new(name, CheckStatus::Fail, detail, fix)
    }
    pub fn failed(&self) -> bool {
        self.status == CheckStatus::Fail
    }
}
