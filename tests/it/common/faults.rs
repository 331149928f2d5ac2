//! The fault catalog (shared/research/faults.md, rows F01-F63) turned into tests, and the
//! pieces the `faults_*` files share: small worlds, pause points, signals, a `git daemon` remote,
//! a remote that never answers, an HTTP remote that wants credentials.
//!
//! Every fault test drives the real binary into the fault and checks the no-data-lost oracle
//! (`common::oracle`): every commit reachable before is still reachable from a ref; the
//! worktree's status (ignored files included), the refs, the remote's refs and the queue file
//! byte-identical unless the command succeeded; SPEC's exit code; a message naming the fix.
//! Exit codes follow SPEC section 3 where the catalog proposes others (1 refused, 2 usage or
//! config or queue, 3 git or remote, 4 conflict, 5 lock busy).
//!
//! Where each row is tested (`file::test`; files without `faults_` are other suites):
//!
//! | row | tests |
//! |---|---|
//! | F01 dirty worktree at teardown | `teardown::refuses_uncommitted_staged_or_untracked_files` |
//! | F02 ignored files | `teardown::refuses_a_precious_ignored_file_but_not_other_ignored_files`; the same loss through a checkout: `faults_sync::f30_an_ignored_file_that_base_now_tracks_is_not_overwritten`, `faults_merge::f41_an_ignored_file_in_the_main_checkout_is_never_overwritten` |
//! | F03 unpushed commits | `teardown::unpushed_commits_are_judged_by_ancestry`, `teardown::a_branch_moved_between_check_and_delete_is_kept` |
//! | F04 `branch -d` judged by upstream | `teardown::unpushed_commits_are_judged_by_ancestry`, `teardown::a_branch_deleted_on_the_remote_is_not_counted_as_pushed` |
//! | F05 detached HEAD with a commit | `teardown::refuses_a_detached_head_that_no_ref_contains`; sync/merge: `faults_sync::f36_a_detached_head_is_refused_by_sync_and_merge` |
//! | F06 stash entries | `teardown::stash_entries_of_the_lane_are_reported_and_kept`; kept by a conflict: `faults_sync::f27_rebase_conflict_mid_sync_restores_everything` |
//! | F07 mid-rebase but clean | `teardown::refuses_a_rebase_in_progress_even_with_a_clean_tree`; sync/merge: `faults_sync::f28_nothing_is_pushed_while_a_rebase_is_stopped` |
//! | F08 locked worktree | `teardown::refuses_a_locked_worktree_and_lists_every_reason` |
//! | F09 worktree deleted by hand | `setup::restores_a_lane_deleted_by_hand`, `teardown::a_lane_dir_deleted_by_hand_is_pruned_and_reported` |
//! | F10 foreign dir / lost `.git` | `setup::refuses_a_foreign_directory_at_a_lane_path_and_changes_nothing`, `setup::a_lane_dir_that_lost_its_git_file_is_refused`, `teardown::never_deletes_a_directory_git_does_not_list_as_the_lane`, `teardown::refuses_a_worktree_whose_git_file_points_at_another_lane` |
//! | F11 submodules | `teardown::submodules_with_changes_block_clean_ones_do_not` |
//! | F12 `--recreate` of a branch with work | `teardown::recreate_keeps_a_branch_with_pushed_work_and_never_resets_it` |
//! | F13 branch checked out elsewhere | `setup::refuses_a_branch_checked_out_elsewhere_naming_where`, `teardown::a_branch_checked_out_elsewhere_is_kept` |
//! | F14 branch exists, worktree does not | `setup::reuses_a_branch_created_without_its_worktree` |
//! | F15 new branch tracking base | `setup::creates_every_lane_then_changes_nothing`, `sync::rebases_onto_the_moved_base_and_pushes_the_lane` |
//! | F16 setup SIGKILLed mid-checkout | `faults_interrupt::f16_setup_killed_mid_checkout_is_repaired_by_the_rerun`, `setup::repairs_a_worktree_left_initializing_by_a_killed_setup` |
//! | F17 setup SIGINT/SIGTERM | `faults_interrupt::f17_setup_interrupted_mid_checkout_is_repaired_by_the_rerun` (SIGINT), `setup::an_interrupted_setup_is_repaired_by_the_next_run` (SIGTERM) |
//! | F18 `config.lock` contention | `faults_setup::f18_another_process_holding_config_lock_stops_setup_before_any_change` |
//! | F19 main checkout moved | `faults_setup::f19_a_moved_main_checkout_is_reported_with_the_repair_command` |
//! | F20 symlinked root / lane path | `setup::refuses_a_symlinked_lane_path_but_follows_a_symlinked_root`, `faults_security::f20_a_lane_path_turned_into_a_symlink_is_never_followed` |
//! | F21 spaces, newlines, non-UTF-8 in paths | `faults_security::f21_a_worktree_root_with_a_newline_and_non_utf8_bytes_works` (every world's main checkout has a space) |
//! | F22 base not `master` / no `origin/HEAD` | `setup::base_main_is_detected_from_the_remote_head`, `faults_setup::f22_a_base_that_cannot_be_found_is_a_clear_error` |
//! | F23 bare-repo hub | `faults_setup::f23_a_bare_hub_is_refused_with_what_to_do` |
//! | F24 shallow clone | `faults_setup::f24_a_shallow_clone_missing_the_common_history_is_refused` |
//! | F25 inherited `GIT_DIR` & co. | `setup::inherited_git_variables_do_not_redirect_wt` |
//! | F26 repository owned by another user | `faults_setup::f26_a_repository_owned_by_another_user_is_surfaced_and_never_trusted` (needs root to build the case; passes trivially otherwise) |
//! | F27 rebase conflict | `faults_sync::f27_rebase_conflict_mid_sync_restores_everything`, `sync::a_conflict_restores_the_lane_exactly_and_exits_4`, `merge::a_conflict_exits_4_and_restores_the_lane` |
//! | F28 push while a rebase is stopped | `faults_sync::f28_nothing_is_pushed_while_a_rebase_is_stopped`, `sync::keep_conflict_leaves_the_rebase_for_the_user` |
//! | F29 dirty or staged lane, autostash | `faults_sync::f29_staged_changes_are_refused_even_with_autostash_configured`, `sync::a_dirty_lane_is_refused_and_left_alone` |
//! | F30 untracked file in the way | `sync::an_untracked_file_in_the_way_is_reported_and_nothing_changes`; ignored: `faults_sync::f30_an_ignored_file_that_base_now_tracks_is_not_overwritten` |
//! | F31 sync killed mid-rebase | `faults_interrupt::f31_sync_killed_mid_rebase_the_rerun_restores_and_finishes`, `…_interrupted_mid_rebase_…`, `…_killed_at_the_push_…`, `…_interrupted_at_the_push_…`, `faults_interrupt::f31_merge_killed_mid_rebase_the_rerun_restores_and_lands_once` |
//! | F32 someone else pushed the lane branch | `sync::a_foreign_push_to_the_lane_branch_is_never_overwritten` |
//! | F33 lease renewed by a fetch | `sync::a_foreign_push_to_the_lane_branch_is_never_overwritten` (its second half) |
//! | F34 no remote-tracking ref | `faults_sync::f34_a_lane_branch_someone_else_created_on_the_remote_is_kept`, `sync::a_lane_branch_deleted_on_the_remote_is_pushed_again` |
//! | F35 remote unreachable, hanging, wanting credentials | `faults_remote::f35_a_remote_that_never_answers_times_out_with_the_lane_intact`, `…_a_push_that_never_returns_…`, `…_a_remote_that_wants_credentials_…`, `…_sync_and_merge_over_git_daemon`, `sync::a_dead_remote_fails_before_anything_changes`, `merge::a_dead_remote_exits_3_with_the_lane_intact` |
//! | F36 detached HEAD at sync/merge | `faults_sync::f36_a_detached_head_is_refused_by_sync_and_merge` |
//! | F37 lane on the wrong branch | `faults_sync::f37_a_lane_on_another_branch_is_refused_and_that_branch_kept` |
//! | F38 never check out base in a lane | `merge::merges_fast_forward_only_and_records_a_handoff` |
//! | F39 base moved between check and push | `merge::base_moving_during_the_merge_is_retried_and_never_forced`, `merge::giving_up_after_the_retries_leaves_local_base_behind_not_diverged` |
//! | F40 lane not rebased | `merge::a_moved_base_is_rebased_onto_and_its_commit_kept` |
//! | F41 main checkout dirty | `merge::the_main_checkout_must_be_clean_and_on_base`, `faults_merge::f41_an_ignored_file_in_the_main_checkout_is_never_overwritten` |
//! | F42 pre-push hook refuses | `faults_merge::f42_a_pre_push_hook_that_refuses_base_is_surfaced_and_never_bypassed`, `faults_merge::f42_sync_surfaces_a_pre_push_hook_refusal` |
//! | F43 crash between landing and marking done | `merge::killed_*` (SIGKILL at the check and at both pushes), `faults_interrupt::f43_*` (SIGINT at the same points), `faults_merge::f43_killed_between_landing_and_marking_done_the_task_is_marked_once`, `faults_merge::f43_a_failing_status_command_after_landing_is_finished_by_the_rerun_once`, `queue_git::a_merge_whose_queue_push_failed_marks_the_task_done_on_the_rerun` |
//! | F44 non-bare origin | `faults_merge::f44_a_remote_that_refuses_its_checked_out_base_fails_cleanly` (fixtures always use a bare origin: `common::Env::build`) |
//! | F45 stale `index.lock` | `faults_sync::f45_a_stale_index_lock_in_the_lane_is_reported_and_kept` |
//! | F46 stale ref locks | `faults_sync::f46_a_stale_lock_on_the_lane_branch_is_refused_before_rebasing`, `faults_sync::f46_a_stale_lock_on_a_remote_tracking_ref_fails_the_fetch_and_changes_nothing` |
//! | F47 parallel setups | `faults_setup::f47_parallel_setups_of_different_lanes_serialize_and_all_succeed` |
//! | F48 parallel fetches | `faults_sync::f48_parallel_syncs_of_different_lanes_serialize_and_all_land`, `sync::syncing_every_lane_fetches_once` |
//! | F49 git in a lane while wt works | `faults_sync::f49_a_human_commit_while_sync_pushes_is_kept_and_a_second_wt_exits_5` |
//! | F50 exit 0 despite a partial failure | `faults_sync::f50_an_abort_that_exits_0_without_restoring_is_caught`, `teardown::a_branch_moved_between_check_and_delete_is_kept` |
//! | F51 concurrent claims | `queue_git::eight_agents_claiming_at_once_take_one_task_per_lane`, `queue_git::a_stale_machine_claiming_the_same_task_is_refused`, `faults_queue::f51_racing_claims_of_one_task_succeed_once` |
//! | F52 one authoritative queue | `faults_queue::f52_claims_go_to_the_main_checkouts_queue_never_a_lanes_copy` |
//! | F53 invalid YAML | `queue::broken_queue_files_are_refused_with_their_line_and_column` (conflict markers), `faults_queue::f53_tab_indentation_is_refused_with_its_line`, `faults_queue::f53_an_empty_file_and_two_documents_are_refused`, `faults_fuzz::queue_parser_never_panics_on_*` |
//! | F54 truncated file, interrupted write | `queue::broken_queue_files_are_refused_with_their_line_and_column` (inside a list, inside a status word); a claim killed before its commit or its push: `faults_queue::f54_a_claim_killed_before_its_commit_is_undone_and_made_once`, `faults_queue::f54_a_claim_killed_before_its_push_is_undone_and_made_once` |
//! | F55 duplicate ids / keys | `faults_queue::f55_duplicate_task_ids_are_refused`, `queue::broken_queue_files_are_refused_with_their_line_and_column` (duplicate key) |
//! | F56 cycles, self and unknown dependencies | `queue::a_dependency_cycle_is_a_validate_problem_naming_it`, `wt::queue::rules::tests::validate_reports_every_problem_at_once` (unit) |
//! | F57 misspelled field | `queue::broken_queue_files_are_refused_with_their_line_and_column` (`dependson`) |
//! | F58 bombs, nesting, huge files | `queue::broken_queue_files_are_refused_with_their_line_and_column` (billion laughs, over 8 MiB), `queue::a_100k_task_queue_works`, `faults_queue::f58_deep_nesting_is_refused_without_a_crash` |
//! | F59 non-UTF-8 queue | `queue::broken_queue_files_are_refused_with_their_line_and_column` |
//! | F60 unknown role | `faults_security::f60_an_unknown_lane_is_exit_2_and_runs_no_git` |
//! | F61 hostile names | `faults_security::f61_*` (roles, templates, remotes, bases, a non-UTF-8 config, conflict markers in the config, shell in a valid prefix), `config::duplicate_role_and_bad_names_are_config_errors`, `faults_fuzz::config_parser_never_panics_on_*` |
//! | F62 queue values into commands | `queue_git::owners_and_ids_with_shell_syntax_are_refused_and_run_nothing`, `faults_queue::f62_shell_in_queue_values_is_refused_and_never_run` |
//! | F63 a lane editing the config that judges it | `faults_security::f63_a_lane_that_edits_lanes_toml_is_refused_and_its_checks_never_run`, `config::found_from_inside_a_lane_but_never_read_from_it`. Not applicable: approval of lanes.toml commands by a sha256 kept outside the repo (faults.md (d) 5). SPEC section 2 makes check and gate commands the repository's own trusted commands, read only from the main checkout, and defines no approval store; SPEC wins. |
//!
//! Also: the surgical queue edit property (`faults_fuzz::set_fields_changes_exactly_the_planned_values`)
//! and the interruption tests' common check, `common::oracle::assert_no_half_state`.

#![allow(dead_code)]

use super::world::hook;
use super::{write_file, Env};
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use super::world::{BRANCH, LANE};
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
    // why: a spawned wt is held by a hook until the test releases it; a network timeout would
    // race that pause on a loaded machine (f49 failed so). Tests of the timeout set their own.
    cmd.env("T", env.base_dir())
        .env("WT_NETWORK_TIMEOUT", "3600")
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
pub fn finish(child: Child) -> super::Run {
    super::Run::from(child.wait_with_output().unwrap())
}

/// A hook that pauses (see `world::pause_point`) while `$T/release` does not exist and
/// `condition` (a shell test) holds, then exits 0.
pub fn pause_hook(env: &Env, name: &str, condition: &str, marker: &str) {
    hook(
        env,
        name,
        &format!(
            r#"if {condition} && [ ! -e "$T/release" ]; then {}; fi
exit 0"#,
            super::world::pause_point(marker, "$$")
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
    signal_group_of(pid, "-9");
}

/// Send `signal` to the whole process group of `pid`.
pub fn signal_group_of(pid: &str, signal: &str) {
    if let Some(pgid) = pgid_of(pid) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{pgid}")])
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
    let deadline = Instant::now() + Duration::from_secs(60);
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
    // why: a bound for a process that never ends, not a race: a killed group can take seconds
    // to be reaped on a machine loaded by parallel builds.
    let deadline = Instant::now() + Duration::from_secs(60);
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

/// `git daemon` serving the test's base dir on loopback, receive-pack enabled; killed on drop,
/// pass or fail. `git daemon` is the `git` wrapper running `git-daemon` as its child, and the
/// daemon forks one process per connection: killing the wrapper alone left daemons listening
/// after `cargo test` ended, so the daemon gets a process group of its own and the whole group
/// is killed.
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
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let mut child = cmd.spawn().expect("git daemon");
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return GitDaemon { child, port };
                }
                if child.try_wait().unwrap().is_some() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            kill_group(&mut child);
        }
        panic!("git daemon did not start");
    }

    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// SIGKILL the process group `child` leads (spawned with `process_group(0)`), then reap it.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
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
    super::world::move_base(env, "other", rel, content, "base moved")
}

pub fn write(path: &Path, content: &str) {
    write_file(path, content);
}
