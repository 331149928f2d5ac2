//! Times `wt::lane::policy::evaluate` on a real repository: reading the branch from git (the net
//! change against the merge base, the revwalk and each commit's paths) and judging it. Prints the
//! first (cold) run and the median of the warm ones, wall and CPU time; asserts nothing (timed
//! tests are flaky). The target (issue 5): under 200 ms in release for a branch of 500 commits
//! touching 10,000 paths.
//!
//! Run: `cargo run --release --example lane_policy_bench [-- REPO LANE [RUNS]]`. Without REPO it
//! generates (once, with `git fast-import`, then `git repack`) a repository in the temp dir: a
//! base of 50,000 files and a branch `agent/A0` of 500 commits touching 10,000 paths across eight
//! roles, contracts and kept tests, some moved, some deleted. REPO is any main checkout with a
//! `lanes.toml` and LANE a lane whose branch exists (no worktree needed).

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wt::config::{self, LoadOptions, Words};
use wt::git::diff;
use wt::git::repo::{detect_base, discover};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (repo_dir, lane_id) = match (args.first(), args.get(1)) {
        (Some(repo), Some(lane)) => (PathBuf::from(repo), lane.clone()),
        (None, _) => (generated_repo(), "A0".to_string()),
        _ => {
            eprintln!("usage: lane_policy_bench [REPO LANE [RUNS]]");
            std::process::exit(2);
        }
    };
    let runs: usize = args
        .get(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(10)
        .max(1);
    let info = discover(&repo_dir).unwrap_or_else(|e| fail(&e.message));
    let cfg = config::load(&LoadOptions {
        main: &info.main,
        explicit: None,
        env_root: None,
        user_file: None,
    })
    .unwrap_or_else(|e| fail(&e.message));
    let lane = cfg
        .select_lane(
            &Words::parse(std::slice::from_ref(&lane_id)).unwrap_or_else(|e| fail(&e.message)),
        )
        .unwrap_or_else(|e| fail(&e.message));
    let repo = info.open().unwrap_or_else(|e| fail(&e.message));
    let base = detect_base(&repo, cfg.project.base.as_deref(), &cfg.project.remote)
        .unwrap_or_else(|e| fail(&e.message));
    let base_tip = base.tip(&repo).unwrap_or_else(|| fail("base has no tip"));
    let head = repo
        .refname_to_id(&format!("refs/heads/{}", lane.branch))
        .unwrap_or_else(|_| fail(&format!("no branch {}", lane.branch)));

    // The first run reads every object cold, as a fresh `wt preflight` or `wt merge` does.
    let mut times: Vec<(Duration, Duration)> = Vec::with_capacity(runs);
    let (mut violations, mut removed) = (0, 0);
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), cpu_time());
        let outcome = wt::lane::policy::evaluate(&cfg, lane, &repo, head, base_tip, None)
            .unwrap_or_else(|e| fail(&e.message));
        times.push((start.elapsed(), cpu_time() - cpu));
        violations = outcome.violations.len();
        removed = outcome.removed_tests.len();
    }

    let merge_base = repo.merge_base(head, base_tip).expect("merge base");
    let all = diff::branch_commits(&repo, head, merge_base, &|_| true).expect("commits");
    let touched: HashSet<&str> = all
        .iter()
        .flat_map(|c| c.paths.iter().map(String::as_str))
        .collect();
    let (start, cpu) = (Instant::now(), cpu_time());
    let net = diff::changed_paths(&repo, Some(head), Some(base_tip)).len();
    let libgit2 = (start.elapsed(), cpu_time() - cpu);
    println!(
        "{}: {} commits touching {} paths, {net} paths in the net diff \
         ({violations} violation group(s), {removed} kept test(s) deleted)",
        lane.branch,
        all.len(),
        touched.len(),
    );
    let (first, warm) = times.split_first().expect("at least one run");
    println!(
        "lane_policy::evaluate, first run (cold): {} wall, {} cpu",
        ms(first.0),
        ms(first.1)
    );
    if !warm.is_empty() {
        let mut warm = warm.to_vec();
        warm.sort();
        let median = warm[warm.len() / 2];
        println!(
            "lane_policy::evaluate, median of {} warm runs: {} wall, {} cpu",
            warm.len(),
            ms(median.0),
            ms(median.1)
        );
    }
    println!(
        "for comparison, libgit2's diff with rename detection alone (warm): {} wall, {} cpu",
        ms(libgit2.0),
        ms(libgit2.1)
    );
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// CPU time of this process (user + system): on a loaded machine, wall time measures the
/// neighbours as much as the code.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn fail(message: &str) -> ! {
    eprintln!("lane_policy_bench: {message}");
    std::process::exit(1);
}

/// The generated repository, made on first use and kept for later runs.
fn generated_repo() -> PathBuf {
    let dir = std::env::temp_dir().join("wt-lane-policy-bench");
    let done = dir.join(".git/wt-bench-ready");
    if done.exists() {
        return dir;
    }
    eprintln!("generating {} (once; about a minute)", dir.display());
    let _ = std::fs::remove_dir_all(&dir);
    git(
        &std::env::temp_dir(),
        &["init", "-q", "-b", "master", "wt-lane-policy-bench"],
    );
    let mut child = git_command(&dir, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("cannot run git fast-import: {e}")));
    let stdin = child.stdin.take().expect("piped stdin");
    write_stream(&mut BufWriter::new(stdin)).unwrap_or_else(|e| fail(&e.to_string()));
    if !child.wait().is_ok_and(|s| s.success()) {
        fail("git fast-import failed");
    }
    // why: a repository people work in is packed with deltas, which is what reads pay for.
    git(&dir, &["repack", "-adq"]);
    // The config is read from the main checkout's file, which a bare import does not write.
    std::fs::write(dir.join("lanes.toml"), LANES).unwrap_or_else(|e| fail(&e.to_string()));
    std::fs::write(&done, "").unwrap_or_else(|e| fail(&e.to_string()));
    dir
}

const BASE_FILES: usize = 50_000;
const COMMITS: usize = 500;
const PATHS_PER_COMMIT: usize = 20;

const LANES: &str = r#"[project]
worktree_root = "../lanes"

[contracts]
paths = ["doc/api/**", "doc/architecture/*.md"]
owners = ["A0"]

[[role]]
name = "A0"
owns = ["area0/**", "pkg/area0/*", "**/*.r0"]

[[role]]
name = "A1"
owns = ["area1/**", "pkg/area1/*", "**/*.r1"]

[[role]]
name = "A2"
owns = ["area2/**", "pkg/area2/*", "**/*.r2"]

[[role]]
name = "A3"
owns = ["area3/**", "pkg/area3/*", "**/*.r3"]

[[role]]
name = "A4"
owns = ["area4/**", "pkg/area4/*", "**/*.r4"]

[[role]]
name = "A5"
owns = ["area5/**", "pkg/area5/*", "**/*.r5"]

[[role]]
name = "A6"
owns = ["area6/**", "pkg/area6/*", "**/*.r6"]

[[role]]
name = "A7"
owns = ["area7/**", "pkg/area7/*", "**/*.r7"]

[[gate]]
when = ["doc/api/**"]
run = "true"

[[gate]]
when = ["area3/sub/d7/**"]
run = "true"

[policy]
tests = ["**/*_test.go", "tests/**"]
"#;

/// Base file `i`: contracts, kept tests, unowned files, and the eight roles' areas.
fn base_path(i: usize) -> String {
    match i {
        _ if i.is_multiple_of(50) => format!("doc/api/s{}/spec{i}.yaml", i % 40),
        _ if i.is_multiple_of(25) => format!("tests/t{}/f{i}_test.go", i % 30),
        _ if i.is_multiple_of(10) => format!("misc/m{}/n{i}.txt", i % 50),
        _ => format!("area{}/sub/d{}/f{i}.go", i % 8, (i / 8) % 120),
    }
}

/// A test file long enough that a one-line edit keeps it recognisably the same file.
fn test_body(i: usize, extra: &str) -> String {
    let mut body: String = (0..20)
        .map(|k| format!("func Test{i}_{k}(t *testing.T) {{ check({k}) }}\n"))
        .collect();
    body.push_str(extra);
    body
}

/// The fast-import stream: the base commit on master, then the lane branch, each commit
/// changing 20 paths spread over the repository (70% modified, 20% added, 5% deleted, 5% moved
/// unchanged), and every tenth commit moving a kept test (edited) or deleting one.
fn write_stream(out: &mut impl Write) -> std::io::Result<()> {
    fn data(out: &mut impl Write, text: &str) -> std::io::Result<()> {
        write!(out, "data {}\n{text}\n", text.len())
    }
    let time = 1_767_225_600;
    writeln!(
        out,
        "commit refs/heads/master\ncommitter B <b@example.com> {time} +0000"
    )?;
    data(out, "base")?;
    writeln!(out, "M 100644 inline lanes.toml")?;
    data(out, LANES)?;
    for i in 0..BASE_FILES {
        let path = base_path(i);
        writeln!(out, "M 100644 inline {path}")?;
        let body = if path.ends_with("_test.go") {
            test_body(i, "")
        } else {
            format!("base {i}\n")
        };
        data(out, &body)?;
    }
    let mut n = 0;
    for k in 0..COMMITS {
        writeln!(
            out,
            "\ncommit refs/heads/agent/A0\ncommitter L <l@example.com> {} +0000",
            time + k + 1
        )?;
        data(out, &format!("lane commit {k}"))?;
        if k == 0 {
            writeln!(out, "from refs/heads/master")?;
        }
        let test = 25 * (2 * k + 1);
        if k % 10 == 5 {
            writeln!(out, "D {}", base_path(test))?;
            writeln!(out, "M 100644 inline tests/moved/f{test}_test.go")?;
            data(out, &test_body(test, "// moved\n"))?;
        }
        if k % 10 == 7 {
            writeln!(out, "D {}", base_path(test))?;
        }
        for _ in 0..PATHS_PER_COMMIT {
            let i = n;
            n += 1;
            // why: a stride coprime with the base size spreads each commit over many directories.
            let source = base_path(i * 7919 % BASE_FILES);
            match i % 20 {
                0..=13 => {
                    writeln!(out, "M 100644 inline {source}")?;
                    data(out, &format!("changed {i}\n"))?;
                }
                14..=17 => {
                    writeln!(out, "M 100644 inline area{}/new/d{}/g{i}.go", i % 8, i % 60)?;
                    data(out, &format!("new {i}\n"))?;
                }
                18 => writeln!(out, "D {source}")?,
                _ => writeln!(out, "R {source} moved/{source}")?,
            }
        }
    }
    out.flush()
}

fn git_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(dir).env("LC_ALL", "C");
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
        cmd.env_remove(var);
    }
    cmd
}

fn git(dir: &Path, args: &[&str]) {
    if !git_command(dir, args).status().is_ok_and(|s| s.success()) {
        fail(&format!(
            "git {} failed in {}",
            args.join(" "),
            dir.display()
        ));
    }
}
