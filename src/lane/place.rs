//! Where a lane lives and how a program is started in it: `wt path` and `wt exec`. The lane must
//! be set up (a registered worktree whose `.git` leads back here); the program gets the lane's
//! identity and its claimed task in `WT_*` variables.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::lane::{state, task, Site};
use std::ffi::OsString;
use std::path::PathBuf;

/// The lane's worktree directory; refused (exit 1, with the setup command) when it is not set up.
pub fn worktree(info: &RepoInfo, lane: &Lane) -> Result<PathBuf> {
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    let found = state::locate(lane, &entries);
    if found.exists {
        return Ok(lane.path.clone());
    }
    let why = found.oddity().unwrap_or("is not there");
    Err(Error::refused(format!(
        "{} is not set up: {} {why}",
        lane.id,
        lane.path.display()
    ))
    .hint(format!("wt setup {}", lane.id)))
}

/// What `wt exec` gives the program: the directory and the variables.
pub struct Launch {
    pub dir: PathBuf,
    pub env: Vec<(String, OsString)>,
}

/// The lane's directory and `WT_ROLE`, `WT_LANE`, `WT_BRANCH`, `WT_TASK`, `WT_OWNER`,
/// `WT_BASE`, `WT_MAIN`. `WT_TASK` and `WT_OWNER` are empty when the lane has no claimed task
/// (always set, so that values from an outer lane never leak in).
pub fn launch(site: &Site, lane: &Lane) -> Result<Launch> {
    let dir = worktree(site.info, lane)?;
    // why: a queue that cannot be read must not keep an agent from starting; it just has no task.
    let claimed = task::claimed_task(site.info, site.cfg, lane).ok().flatten();
    let (task, owner) = match claimed {
        Some(t) => (t.id, t.owner.unwrap_or_default()),
        None => (String::new(), String::new()),
    };
    let env = vec![
        ("WT_ROLE".to_string(), OsString::from(&lane.role)),
        ("WT_LANE".to_string(), OsString::from(&lane.id)),
        ("WT_BRANCH".to_string(), OsString::from(&lane.branch)),
        ("WT_TASK".to_string(), OsString::from(task)),
        ("WT_OWNER".to_string(), OsString::from(owner)),
        ("WT_BASE".to_string(), OsString::from(&site.base.name)),
        (
            "WT_MAIN".to_string(),
            site.info.main.clone().into_os_string(),
        ),
    ];
    Ok(Launch { dir, env })
}
