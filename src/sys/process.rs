//! Child-process hygiene shared by git calls and check commands (SPEC section 4): every child
//! runs in its own process group, is registered so that Ctrl-C or SIGTERM kills the whole group
//! (a killed `git worktree add` otherwise leaves its `git reset` child running), gets `LC_ALL=C`
//! and no terminal prompt, loses the inherited variables that would point git at another
//! repository, and has stdin closed.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Variables that make git look at a repository other than the one in `dir`.
pub(crate) const REPO_LOCATING_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Set by the Ctrl-C/SIGTERM handler before it kills the children's groups, when it is going
/// to exit with 130 (not while `catch_interrupts` is on).
static EXITING: AtomicBool = AtomicBool::new(false);

/// Called by `main` before it reports the command's outcome: after a Ctrl-C or SIGTERM the
/// command may have failed only because its children were killed, and the handler is about to
/// exit with 130; wait for it rather than report that failure (and exit 3) first.
pub fn wait_if_interrupted() {
    if EXITING.load(Ordering::SeqCst) {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

/// The pid of the program `wt exec` runs in the foreground, 0 when there is none.
pub(crate) static FOREGROUND: AtomicI32 = AtomicI32::new(0);

/// Set by `catch_interrupts`: Ctrl-C or SIGTERM sets `INTERRUPTED` instead of exiting, so that
/// a loop (`wt status --watch`) can stop cleanly and put the terminal back.
static CATCH: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Install the handler that kills every registered child group on Ctrl-C or SIGTERM, then exits
/// with 130. Called once from `main`. While `wt exec` runs a program in the foreground, Ctrl-C
/// is ignored here (the terminal sends it to the program itself) and SIGTERM or SIGHUP is
/// passed on to the program as SIGTERM; `wt` then exits the way the program did.
pub fn install_signal_handler() {
    let _ = ctrlc::set_handler(|| {
        let fg = FOREGROUND.load(Ordering::SeqCst);
        if fg > 0 {
            // SAFETY: kill only sends a signal to the child we are waiting for.
            unsafe {
                libc::kill(fg, libc::SIGTERM);
            }
            return;
        }
        if !CATCH.load(Ordering::SeqCst) {
            EXITING.store(true, Ordering::SeqCst);
        }
        kill_all_groups();
        if CATCH.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
            return;
        }
        std::process::exit(130);
    });
}

/// From now on Ctrl-C or SIGTERM stops the children and sets a flag (see `interrupted`)
/// instead of ending the process.
pub fn catch_interrupts() {
    CATCH.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C or SIGTERM came since `catch_interrupts`.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sleep for `period`, waking early on an interrupt; true when interrupted.
pub fn sleep_unless_interrupted(period: Duration) -> bool {
    let deadline = std::time::Instant::now() + period;
    while !interrupted() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
    true
}

fn kill_all_groups() {
    let groups = GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
    for pgid in groups {
        kill_group(pgid, libc::SIGTERM);
    }
}

fn kill_group(pgid: u32, signal: i32) {
    // SAFETY: killpg only sends a signal; a stale pgid at worst hits nothing.
    unsafe {
        libc::killpg(pgid as libc::pid_t, signal);
    }
}

/// How a child's stdout/stderr are handled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// Both captured (git calls).
    Both,
    /// Streamed to our stderr so that stdout stays data-only (check commands).
    Stream,
    /// Dropped (check commands under `--quiet`).
    Discard,
}

pub struct Spec<'a> {
    pub program: &'a str,
    pub args: Vec<OsString>,
    pub dir: &'a Path,
    pub env: Vec<(String, OsString)>,
    /// Further variables to remove from the inherited environment (beyond the repo-locating ones).
    pub env_remove: &'a [&'a str],
    pub capture: Capture,
    pub timeout: Option<Duration>,
}

pub enum Outcome {
    Finished(Output),
    TimedOut,
}

pub fn run(spec: Spec<'_>) -> io::Result<Outcome> {
    let mut expr = duct::cmd(spec.program, &spec.args)
        .dir(spec.dir)
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin_null()
        .unchecked()
        .before_spawn(|cmd| {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
            Ok(())
        });
    for var in REPO_LOCATING_VARS.iter().chain(spec.env_remove) {
        expr = expr.env_remove(var);
    }
    for (key, value) in &spec.env {
        expr = expr.env(key, value);
    }
    expr = match spec.capture {
        Capture::Both => expr.stdout_capture().stderr_capture(),
        Capture::Stream => expr.stdout_to_stderr(),
        Capture::Discard => expr.stdout_null().stderr_null(),
    };
    let handle = expr.start()?;
    let pids = handle.pids();
    register(&pids);
    let result = match spec.timeout {
        Some(limit) => handle.wait_timeout(limit).map(|o| o.cloned()),
        None => handle.wait().map(|o| Some(o.clone())),
    };
    let outcome = match result {
        Ok(Some(output)) => Ok(Outcome::Finished(output)),
        Ok(None) => {
            for pid in &pids {
                kill_group(*pid, libc::SIGKILL);
            }
            let _ = handle.wait();
            Ok(Outcome::TimedOut)
        }
        Err(e) => Err(e),
    };
    unregister(&pids);
    outcome
}

fn register(pids: &[u32]) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.extend_from_slice(pids);
    }
}

fn unregister(pids: &[u32]) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|g| !pids.contains(g));
    }
}
