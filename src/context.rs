//! What every command gets: the global flags, the Ui, and lazily the repository and its config
//! (commands that need neither, like `--version` or `completions`, never open a repository).

use crate::config::{self, Config, LoadOptions};
use crate::error::{Error, Result};
use crate::git::{self, BaseRef, RepoInfo};
use crate::sys::lock::RepoLock;
use crate::ui::Ui;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Globals {
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    pub yes: bool,
    pub wait: Duration,
}

pub struct Context {
    pub ui: Ui,
    pub globals: Globals,
    repo: OnceCell<RepoInfo>,
    config: OnceCell<Config>,
}

impl Context {
    pub fn new(ui: Ui, globals: Globals) -> Context {
        Context {
            ui,
            globals,
            repo: OnceCell::new(),
            config: OnceCell::new(),
        }
    }

    pub fn cwd(&self) -> &Path {
        &self.globals.cwd
    }

    pub fn repo(&self) -> Result<&RepoInfo> {
        if let Some(r) = self.repo.get() {
            return Ok(r);
        }
        let info = git::repo::discover(&self.globals.cwd)?;
        Ok(self.repo.get_or_init(|| info))
    }

    pub fn config(&self) -> Result<&Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let repo = self.repo()?;
        let explicit = self
            .globals
            .config
            .as_ref()
            .map(|p| self.globals.cwd.join(p));
        let env_root = std::env::var_os("WORKTREE_ROOT")
            .filter(|v| !v.is_empty())
            .map(|v| {
                let p = PathBuf::from(v);
                if p.is_absolute() {
                    p
                } else {
                    self.globals.cwd.join(p)
                }
            });
        let opts = LoadOptions {
            main: &repo.main,
            explicit: explicit.as_deref(),
            env_root,
            user_file: config::user_config_path(),
        };
        let cfg = config::load(&opts)?;
        Ok(self.config.get_or_init(|| cfg))
    }

    /// The base branch, detected once per call.
    pub fn base(&self) -> Result<BaseRef> {
        let cfg = self.config()?;
        let repo = self.repo()?.open()?;
        let base = git::repo::detect_base(&repo, cfg.project.base.as_deref(), &cfg.project.remote)?;
        cfg.refuse_base_as_lane(&base.name)?;
        Ok(base)
    }

    /// Config, repository and `base` together, as the `lane` functions take them.
    pub fn site<'a>(&'a self, base: &'a BaseRef) -> Result<crate::lane::Site<'a>> {
        Ok(crate::lane::Site {
            cfg: self.config()?,
            info: self.repo()?,
            base,
            wait: self.globals.wait,
        })
    }

    /// Take the repository lock for a command that changes refs, worktrees or the queue.
    pub fn lock(&self, what: &str) -> Result<RepoLock> {
        let dir = self.repo()?.common_dir.join("wt");
        let lock = RepoLock::acquire_with_notice(&dir, self.globals.wait, what, |line| {
            self.ui.status(line)
        })?;
        self.sweep_temp_files(&dir);
        Ok(lock)
    }

    /// Temp files a killed wt left (issue 17): where only a lock holder writes (the queue
    /// record, journals, handoffs, rebase markers, the queue file's directory) every one is a
    /// leftover; where a wt without the lock may be writing (`wt check` records, the queue
    /// cache) only ones older than a minute.
    fn sweep_temp_files(&self, wt: &Path) {
        use crate::sys::files::{sweep_temp, CACHE_MIN_AGE};
        for sub in ["", "journal", "handoffs", "rebase"] {
            sweep_temp(&wt.join(sub), None);
        }
        sweep_temp(&wt.join("checks"), Some(CACHE_MIN_AGE));
        let queue_dir = self
            .config
            .get()
            .and_then(|c| c.queue.as_ref())
            .zip(self.repo.get())
            .and_then(|(q, r)| r.main.join(&q.path).parent().map(Path::to_path_buf));
        if let Some(d) = queue_dir {
            sweep_temp(&d, None);
        }
    }

    /// Take the lock of one lane (before the repository lock, never while holding it) for a
    /// command that changes that lane; `--wait` applies, exit 5 when it stays busy.
    pub fn lane_lock(&self, lane: &str, what: &str) -> Result<RepoLock> {
        self.lane_lock_within(lane, what, self.globals.wait)
    }

    /// As `lane_lock`, waiting at most `wait`.
    pub fn lane_lock_within(&self, lane: &str, what: &str, wait: Duration) -> Result<RepoLock> {
        let dir = self.repo()?.common_dir.join("wt");
        RepoLock::lane(&dir, lane, wait, what, |line| self.ui.status(line))
    }

    /// Ask before something that cannot be undone; `--yes` or a non-terminal stdin answers yes.
    pub fn confirm(&self, question: &str) -> Result<bool> {
        self.ui
            .confirm(question, self.globals.yes || !self.ui.interactive())
    }
}

/// An error for a subcommand that this build does not have yet.
pub fn not_built(what: &str) -> Error {
    Error::usage(format!("`wt {what}` is not available in this build"))
}
