//! The repository lock (SPEC section 4): a second mutating `wt` waits `--wait` seconds and exits 5
//! naming the holder; read-only commands ignore it; a killed holder frees it at once.

use crate::common::oracle::refs_and_worktrees;
use crate::common::Env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Kills the hook (which waits for a release file, not for a clock) when the test ends, pass or
/// fail.
struct KillOnDrop(Option<u32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}

#[test]
fn a_second_mutating_command_waits_then_exits_5_naming_the_holder() {
    let env = Env::new();
    // A real holder: `wt setup A-backend` whose `git worktree add` runs a post-checkout hook that
    // waits until the test is done with it, so wt holds the lock meanwhile. The hook records its pid for the cleanup.
    let pid_file = env.base_dir().join("hook.pid");
    let hook = env.main.join(".git/hooks/post-checkout");
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncase \"$PWD\" in *A-backend) echo $$ > '{}'; while [ ! -e '{}' ]; do sleep 0.05; done;; esac\n",
            pid_file.display(),
            env.base_dir().join("release").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();

    let mut holder = env
        .wt_command(&env.main, &["setup", "A-backend"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() || fs::read_to_string(&pid_file).unwrap().trim().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the holder never reached its hook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _sleep = KillOnDrop(fs::read_to_string(&pid_file).unwrap().trim().parse().ok());

    let before = refs_and_worktrees(&env);
    let start = Instant::now();
    env.wt(&["setup", "--wait", "1", "B-ui"])
        .code(5)
        .stderr_has(&format!(
            "another wt holds the repository lock (pid {} setup); waited 1s",
            holder.id()
        ))
        .stderr_has("--wait SECONDS")
        .stderr_has(&format!(
            "waiting up to 1s for the repository lock (pid {} setup)",
            holder.id()
        ));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(1), "gave up after {waited:?}");
    assert_eq!(before, refs_and_worktrees(&env));
    assert!(!env.lane("B-ui-1").exists());

    // Readers take no lock.
    let status = env.wt(&["status", "--json", "B-ui"]);
    status.ok();
    assert_eq!(status.json()[0]["exists"], false);

    // SIGKILL the holder: the OS drops its lock at once, no stale file to clean.
    holder.kill().unwrap();
    holder.wait().unwrap();
    env.wt(&["setup", "--wait", "0", "B-ui"]).ok();
    assert!(env.lane("B-ui-2").join("README.md").exists());
}

#[test]
fn a_lock_held_by_another_program_is_waited_for_then_taken() {
    let env = Env::new();
    let file = env.hold_lock();
    let mut waiter = env
        .wt_command(&env.main, &["setup", "--wait", "20", "A-backend"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(waiter.try_wait().unwrap().is_none(), "wt did not wait");
    assert!(!env.lane("A-backend").exists());
    drop(file);
    let out = waiter.wait_with_output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The lock file names no live wt: the message does not invent one.
    assert!(
        stderr.contains(
            "waiting up to 20s for the repository lock (held by a process that did not say who it is)"
        ),
        "{stderr}"
    );
    // Once it is ours, how long that took (what bench/soak.sh sums to find lanes kept waiting).
    let got = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("waited ")?
                .strip_suffix("s for the repository lock")
        })
        .unwrap_or_else(|| panic!("no 'waited' line: {stderr}"));
    assert!(got.parse::<f64>().unwrap() > 0.0, "{stderr}");
    assert!(env.lane("A-backend").join("README.md").exists());
}
