//! A program run in the foreground for `wt exec`: argv as given (never a shell), stdin, stdout
//! and stderr shared with `wt`, in `wt`'s own process group so that the terminal's Ctrl-C,
//! Ctrl-Z and reads reach it as they would from a shell. `wt` waits, ignoring the terminal's
//! SIGINT and SIGQUIT meanwhile (the program decides what they mean), and passes a SIGTERM or
//! SIGHUP sent to `wt` itself on to the program.

use super::process::{FOREGROUND, REPO_LOCATING_VARS};
use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Signalled(i32),
}

impl Ended {
    /// The exit code a shell would report: the program's own, or 128 + the signal.
    pub fn code(self) -> u8 {
        match self {
            Ended::Exited(c) => (c & 0xff) as u8,
            Ended::Signalled(s) => (128 + s).clamp(0, 255) as u8,
        }
    }
}

/// Run `program args` in `dir` with `env` added; the variables that would point git at another
/// repository are removed so that git inside finds the directory's own.
pub fn run(
    program: &OsString,
    args: &[OsString],
    dir: &Path,
    env: &[(String, OsString)],
) -> io::Result<Ended> {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    for var in REPO_LOCATING_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn()?;
    FOREGROUND.store(child.id() as i32, Ordering::SeqCst);
    // why: ignored only after the spawn, because an ignored signal stays ignored across exec
    // and the program must get the defaults.
    let saved = [ignore(libc::SIGINT), ignore(libc::SIGQUIT)];
    let status = child.wait();
    restore(libc::SIGINT, saved[0]);
    restore(libc::SIGQUIT, saved[1]);
    FOREGROUND.store(0, Ordering::SeqCst);
    let status = status?;
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => Ended::Exited(c),
        (None, Some(s)) => Ended::Signalled(s),
        (None, None) => Ended::Exited(1),
    })
}

fn ignore(signal: libc::c_int) -> libc::sigaction {
    // SAFETY: sigaction with a zeroed action set to SIG_IGN; the old action is kept to restore.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = libc::SIG_IGN;
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, &new, &mut old);
        old
    }
}

fn restore(signal: libc::c_int, old: libc::sigaction) {
    // SAFETY: puts back the action `ignore` replaced.
    unsafe {
        libc::sigaction(signal, &old, std::ptr::null_mut());
    }
}
