//! Shared pieces of the `faults_*` tests: small worlds, pause points, signals, a `git daemon`
//! remote and a remote that never answers. The catalog itself (every row and where it is
//! tested) is the module doc of `faults_catalog`.

#![allow(dead_code)]

use crate::common::{write_file, Env};
use crate::support::hook;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const LANE: &str = "A-backend";
pub const BRANCH: &str = "agent/A-backend";
pub const QUEUE: &str = "queue.yaml";

/// One role (one lane) and `extra` appended: smaller worlds keep the suite quick.
pub fn one_lane_config(extra: &str) -> String {
    format!(
        r#"[project]
worktree_root = "../lanes"

[[role]]
name = "A-backend"
owns = ["cmd/**", "internal/**"]
{extra}"#
    )
}

/// A world with lane A-backend set up and one commit of its own in `cmd/a.go`.
pub fn world1(extra: &str) -> Env {
    let env = Env::with_config(&one_lane_config(extra));
    env.wt(&["setup", LANE]).ok();
    env.commit_file(&env.lane(LANE), "cmd/a.go", "package a\n", "lane work");
    env
}

/// A queue with two tasks of A-backend: T-1 (todo, ready) and T-2 (depends on T-1).
pub const QUEUE_TEXT: &str = r#"# the team's queue
version: 1
tasks:
  - id: T-1
    title: First slice
    role: A-backend
    status: todo
    owner: null
    branch: null
    depends_on: []
    acceptance_checks: ["true"]
  - id: T-2
    title: Second slice
    role: A-backend
    status: todo
    depends_on: [T-1]
    acceptance_checks: ["true"]
"#;

/// The `[queue]` table for `QUEUE`.
pub fn queue_table() -> String {
    format!("\n[queue]\npath = \"{QUEUE}\"\n")
}

/// A world with a committed and pushed queue (`text`), lane A-backend set up.
pub fn queue_world(text: &str, extra: &str) -> Env {
    let env = Env::with_config(&one_lane_config(&format!("{}{extra}", queue_table())));
    env.write(QUEUE, text);
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", LANE]).ok();
    env
}

pub fn queue_path(env: &Env) -> PathBuf {
    env.main.join(QUEUE)
}

/// `T` for hooks and checks: the test's base dir, where pause points write their markers.
pub fn t(env: &Env) -> String {
    env.base_dir().to_str().unwrap().to_string()
}

/// Spawn `wt args` in `dir` with `T` set and output captured.
pub fn spawn(env: &Env, dir: &Path, args: &[&str]) -> Child {
    let mut cmd = env.wt_command(dir, args);
    cmd.env("T", env.base_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("spawn wt")
}

/// Send `signal` (e.g. "-INT", "-KILL") to one process.
pub fn signal(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal} {pid}");
}

/// Wait for a spawned `wt` and return its outcome.
pub fn finish(child: Child) -> crate::common::Run {
    crate::common::Run::from(child.wait_with_output().unwrap())
}

/// A hook that pauses (see `support::pause_point`) while `$T/release` does not exist and
/// `condition` (a shell test) holds, then exits 0.
pub fn pause_hook(env: &Env, name: &str, condition: &str, marker: &str) {
    hook(
        env,
        name,
        &format!(
            r#"if {condition} && [ ! -e "$T/release" ]; then {}; fi
exit 0"#,
            crate::support::pause_point(marker, "$$")
        ),
    );
}

pub fn release(env: &Env) {
    fs::write(env.base_dir().join("release"), "").unwrap();
}

pub fn started(env: &Env, marker: &str) -> PathBuf {
    env.base_dir().join(format!("{marker}.started"))
}

/// Wait for `wt` to reach the pause point `marker`, then return the pid its pause loop wrote.
/// Panics with wt's output if wt ends before getting there.
#[track_caller]
pub fn wait_paused(env: &Env, wt: &mut Child, marker: &str) -> String {
    let path = started(env, marker);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        if let Some(status) = wt.try_wait().unwrap() {
            let mut out = String::new();
            if let Some(mut e) = wt.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut out);
            }
            panic!("wt ended ({status}) before {marker}:\n{out}");
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    fs::read_to_string(env.base_dir().join(format!("{marker}.pid")))
        .unwrap()
        .trim()
        .to_string()
}

/// The process group of a pid (from /proc).
pub fn pgid_of(pid: &str) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // why: the command name in parentheses may contain spaces; fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(2).map(str::to_string)
}

/// Kill the whole process group of `pid` with SIGKILL (what a `kill -9` of a `wt` that git
/// children outlive would need by hand).
pub fn kill_group_of(pid: &str) {
    if let Some(pgid) = pgid_of(pid) {
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{pgid}")])
            .status();
    }
}

/// Processes (other than zombies) whose command line contains `needle`.
pub fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let line = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let state = fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rfind(')')
            .is_some_and(|i| state[i + 2..].starts_with('Z'));
        if line.contains(needle) && !zombie {
            found.push(format!("{name}: {line}"));
        }
    }
    found
}

/// Wait (bounded) until no process has `needle` on its command line.
#[track_caller]
pub fn assert_no_process_with(needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_with(needle);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "left running: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Processes (zombies aside) whose working directory is under `dir`: what a test's `wt`, its
/// git children, hooks and checks leave running.
pub fn processes_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cwd) = fs::read_link(e.path().join("cwd")) else {
            continue;
        };
        let state = fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rfind(')')
            .is_some_and(|i| state[i + 2..].starts_with('Z'));
        if cwd.starts_with(dir) && !zombie {
            let cmdline = fs::read(e.path().join("cmdline")).unwrap_or_default();
            found.push(format!(
                "{name}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

/// Wait (bounded) until no process runs in the test's temp dir.
#[track_caller]
pub fn assert_nothing_left_running(env: &Env) {
    let dir = env.tmp.path().canonicalize().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_in(&dir);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "left running: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A free TCP port on loopback (bound and released; good enough for one test).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `git daemon` serving the test's base dir on loopback, receive-pack enabled; killed on drop.
pub struct GitDaemon {
    child: Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(env: &Env) -> GitDaemon {
        for _ in 0..5 {
            let port = free_port();
            let mut cmd = Command::new("git");
            cmd.args([
                "daemon",
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                &format!("--base-path={}", env.base_dir().display()),
                &env.base_dir().display().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
            env.sealed(&mut cmd);
            let mut child = cmd.spawn().expect("git daemon");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return GitDaemon { child, port };
                }
                if child.try_wait().unwrap().is_some() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("git daemon did not start");
    }

    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A remote that accepts TCP connections and never says a word.
pub struct Silent {
    pub port: u16,
}

impl Silent {
    pub fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                // why: keep the connection open (and unanswered) for the life of the test.
                held.push(stream);
            }
        });
        Silent { port }
    }
}

/// A minimal HTTP server that answers every request with 401 (a remote wanting credentials).
pub fn http_401() -> u16 {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"wt\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    port
}

/// No file named `PWNED*` anywhere under the test's temp dir.
#[track_caller]
pub fn assert_no_pwned(env: &Env) {
    fn walk(dir: &Path, hits: &mut Vec<PathBuf>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().contains("PWNED") {
                hits.push(p.clone());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&p, hits);
            }
        }
    }
    let mut hits = Vec::new();
    walk(env.tmp.path(), &mut hits);
    assert!(hits.is_empty(), "something ran: {hits:?}");
}

/// Move base on the remote from another clone, touching `rel`.
pub fn move_base(env: &Env, rel: &str, content: &str) -> String {
    crate::support::move_base(env, "other", rel, content, "base moved")
}

pub fn write(path: &Path, content: &str) {
    write_file(path, content);
}
