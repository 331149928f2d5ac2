//! Issue 17, "a team's day": what one command at a time does not break but a team does.
//! Each test drives the real binary into the exact state the issue reports (hooks that wait
//! for a file, signals, hand-made git state), checks the no-data-lost oracle and the exit
//! code, and shows the next command finishing or undoing the job exactly once.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::remote_rev;
use crate::common::{Env, PreparedShim};

// Item 3: a lane branch may not be the base branch.

#[test]
fn i3_a_lane_branch_that_is_the_base_is_a_config_error_naming_the_line() {
    // Base detected from origin/HEAD (master): only known once the repository is open.
    let config = "[project]\nworktree_root = \"../lanes\"\nbranch_template = \"{role}\"\n\n[[role]]\nname = \"A-backend\"\n\n[[role]]\nname = \"master\"\n";
    let env = Env::with_config(config);
    let before = Snapshot::take(&env, &[&env.main]).with_worktree_list(&env);
    for args in [
        &["setup"][..],
        &["setup", "master"],
        &["sync", "master"],
        &["merge", "master"],
        &["status"],
    ] {
        env.wt(args)
            .code(2)
            .stderr_has("lanes.toml:9:8: lane master would use the base branch `master`")
            .stderr_has("rename the role");
    }
    before.assert_identical(&env);
    assert!(!env.root.exists(), "no lane was created");

    // Base configured: refused while the file is read, with the line and a caret.
    let config = "[project]\nbase = \"master\"\nworktree_root = \"../lanes\"\nbranch_template = \"{role}\"\n\n[[role]]\nname = \"master\"\n";
    env.write("lanes.toml", config);
    env.wt(&["setup"])
        .code(2)
        .stderr_has("lanes.toml:7:8: lane master would use the base branch `master`")
        .stderr_has("name = \"master\"");

    // Two lanes on one branch (`A` lane 1 and role `A-1`): refused the same way.
    let config = "[project]\nworktree_root = \"../lanes\"\n\n[[role]]\nname = \"A\"\nlanes = 2\n\n[[role]]\nname = \"A-1\"\n";
    env.write("lanes.toml", config);
    env.wt(&["setup"])
        .code(2)
        .stderr_has("lanes.toml:9:8: lane A-1 of role A-1 has the same branch `agent/A-1` as lane A-1 of role A");
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev("master"));
}

// Item 5: an unrelated (orphan) branch is never adopted as a lane.

/// A commit with no history in common with master, made in another clone on `branch`;
/// returns (that clone, the commit).
fn orphan_in_other_clone(env: &Env, branch: &str) -> (std::path::PathBuf, String) {
    let other = env.second_clone("orphan-maker");
    env.git_at(&other, &["switch", "-q", "--orphan", branch]);
    env.git_at(&other, &["rm", "-rfq", "--ignore-unmatch", "."]);
    let sha = env.commit_file(&other, "cmd/o.go", "unrelated\n", "unrelated history");
    (other, sha)
}

#[test]
fn i5_an_unrelated_local_branch_is_refused_by_setup_sync_and_merge() {
    let env = Env::with_config(&one_lane_config(""));
    let (other, orphan) = orphan_in_other_clone(&env, BRANCH);
    env.git(&[
        "fetch",
        "-q",
        other.to_str().unwrap(),
        &format!("{BRANCH}:{BRANCH}"),
    ]);
    let before = Snapshot::take(&env, &[&env.main]).with_worktree_list(&env);
    env.wt(&["setup", LANE])
        .code(1)
        .stderr_has("local branch agent/A-backend shares no history with origin/master")
        .stderr_has("`git branch -m agent/A-backend agent/A-backend-unrelated`");
    before.assert_identical(&env);
    assert!(!env.lane(LANE).exists());

    // The hint, then setup again: a lane from base, the unrelated work kept under its new name.
    env.git(&["branch", "-m", BRANCH, "agent/A-backend-unrelated"]);
    env.wt(&["setup", LANE]).ok();
    before.assert_nothing_lost(&env);
    assert_eq!(env.rev("agent/A-backend-unrelated"), orphan);
    assert_eq!(env.rev(BRANCH), env.rev("master"));

    // A lane moved onto unrelated history by hand: sync and merge refuse, nothing lands.
    let lane = env.lane(LANE);
    env.git_at(&lane, &["reset", "-q", "--hard", &orphan]);
    let before = Snapshot::take(&env, &[&env.main, &lane]);
    for args in [
        &["sync", LANE][..],
        &["merge", LANE],
        &["merge", "--dry-run", LANE],
    ] {
        env.wt(args)
            .code(1)
            .stderr_has("agent/A-backend shares no history with origin/master")
            .stderr_has("switch -c agent/A-backend --no-track origin/master");
    }
    let pre = env.wt(&["preflight", LANE]);
    pre.code(1);
    assert!(
        format!("{}{}", pre.stdout, pre.stderr).contains("shares no history with base"),
        "{pre:?}"
    );
    before.assert_unchanged(&env);
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev("master"));
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), "");

    // Its hint puts the lane on base; then sync finishes, once.
    env.git_at(
        &lane,
        &["branch", "-m", BRANCH, "agent/A-backend-unrelated-2"],
    );
    env.git_at(
        &lane,
        &["switch", "-q", "-c", BRANCH, "--no-track", "origin/master"],
    );
    env.wt(&["sync", LANE]).ok();
    before.assert_nothing_lost(&env);
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.rev("master")
    );
}

#[test]
fn i5_an_unrelated_remote_branch_is_refused_by_setup() {
    let env = Env::with_config(&one_lane_config(""));
    let (other, _) = orphan_in_other_clone(&env, BRANCH);
    env.git_at(&other, &["push", "-q", "origin", BRANCH]);
    let before = Snapshot::take(&env, &[&env.main]).with_worktree_list(&env);
    env.wt(&["setup", LANE])
        .code(1)
        .stderr_has("the remote's branch agent/A-backend shares no history with origin/master")
        .stderr_has("change branch_template");
    before.assert_unchanged(&env);
    assert!(!env.lane(LANE).exists());
}

// Also from the issue: a lane that adopts a remote branch wt did not create says whose it is.

#[test]
fn adopting_a_remote_branch_wt_did_not_create_warns_with_its_last_commit() {
    let config = "[project]\nworktree_root = \"../lanes\"\nbranch_template = \"{role}\"\n\n[[role]]\nname = \"feature-x\"\n";
    let env = Env::with_config(config);
    let other = env.second_clone("colleague");
    env.git_at(&other, &["switch", "-q", "-c", "feature-x"]);
    crate::common::write_file(&other.join("f.txt"), "hers\n");
    env.git_at(&other, &["add", "f.txt"]);
    env.git_at(
        &other,
        &[
            "-c",
            "user.name=Alice",
            "-c",
            "user.email=alice@example.com",
            "commit",
            "-q",
            "-m",
            "her feature",
        ],
    );
    env.git_at(&other, &["push", "-q", "origin", "feature-x"]);
    let theirs = env.git_at(&other, &["rev-parse", "--short=7", "HEAD"]);
    env.wt(&["setup"]).ok().stderr_has(&format!(
        "feature-x: adopting origin/feature-x, which wt did not create here (last commit {theirs} \"her feature\" by Alice <alice@example.com> on 2026-01-01)"
    ));

    // A lane branch this repository pushed itself is adopted without a word.
    let lane = env.lane("feature-x");
    env.commit_file(&lane, "g.txt", "mine\n", "my work");
    env.wt(&["sync", "feature-x"]).ok();
    env.wt(&["teardown", "feature-x"]).ok();
    let again = env.wt(&["setup", "feature-x"]);
    again.ok().stderr_has("tracking the remote's feature-x");
    assert!(
        !again.stderr.contains("wt did not create"),
        "{}",
        again.stderr
    );
}

// Item 6: the last lane of a V2 role is not torn down while the role has open tasks.

#[test]
fn i6_the_last_lane_of_a_v2_role_with_unpinned_open_tasks_is_kept() {
    let queue = "version: 1\ntasks:\n  - id: B-9\n    title: Any lane may take it\n    role: B-ui\n    status: todo\n    acceptance_checks: [\"true\"]\n";
    let env = crate::common::queue::qenv("", queue);
    for lane in ["B-ui-1", "B-ui-2"] {
        env.wt(&["setup", lane]).ok();
    }
    // Another lane of the role is left to claim B-9: this one may go.
    env.wt(&["teardown", "B-ui-1"]).ok();
    let last = env.lane("B-ui-2");
    let before = Snapshot::take(&env, &[&env.main, &last])
        .with_worktree_list(&env)
        .with_file(&env.main.join(crate::common::queue::Q));
    env.wt(&["teardown", "B-ui-2"])
        .code(1)
        .stderr_has(
            "B-ui-2 still has 1 open task(s): B-9 (todo) (it is the last lane of B-ui set up",
        )
        .stderr_has("--force-tasks");
    before.assert_identical(&env);
    assert!(last.exists());

    // The command the hint names finishes it, once.
    env.wt(&["teardown", "B-ui-2", "--force-tasks"]).ok();
    assert!(!last.exists());
    before.assert_nothing_lost(&env);
    assert_eq!(
        env.git_run(&env.main, &["rev-parse", "--verify", "-q", "agent/B-ui-2"])
            .code,
        1
    );
    env.wt(&["teardown", "B-ui-2", "--force-tasks"]).ok();
}

// Item 10: check and merge count the same checks, and merge says which it did not run.

#[test]
fn i10_merge_reports_the_checks_it_ran_and_the_ones_it_did_not() {
    let env = world1(
        r#"checks = ['test ! -e "$T/fail-one"', 'touch "$T/two-ran"; test ! -e "$T/fail-two"']"#,
    );
    let t = t(&env);
    let base = env.base_dir();
    std::fs::write(base.join("fail-one"), "").unwrap();
    std::fs::write(base.join("fail-two"), "").unwrap();
    let vars = [("T", t.as_str())];
    env.wt_with(&env.main, &["check", LANE], &vars)
        .code(1)
        .stderr_has("2 of 2 check(s) failed in A-backend");
    std::fs::remove_file(base.join("two-ran")).unwrap();

    let lane = env.lane(LANE);
    let before = Snapshot::take(&env, &[&env.main, &lane]);
    env.wt_with(&env.main, &["merge", LANE], &vars)
        .code(1)
        .stderr_has("1 of 2 check(s) failed in A-backend; 1 ran, 1 not run (the merge stops at the first failure)")
        .stderr_has(r#"`test ! -e "$T/fail-one"`: exit 1"#)
        .stderr_has(r#"`touch "$T/two-ran"; test ! -e "$T/fail-two"`: not run"#);
    assert!(
        !base.join("two-ran").exists(),
        "the second check did not run"
    );
    before.assert_unchanged(&env);

    // Fixed: the next merge runs both and lands, once.
    std::fs::remove_file(base.join("fail-one")).unwrap();
    std::fs::remove_file(base.join("fail-two")).unwrap();
    env.wt_with(&env.main, &["merge", LANE], &vars).ok();
    assert!(base.join("two-ran").exists());
    assert_eq!(
        remote_rev(&env, "refs/heads/master"),
        crate::common::world::head_of(&env, &lane)
    );
    before.assert_nothing_lost(&env);
    assert_no_half_state(&env);
}

// Item 9: temp files a killed wt left are cleaned up by the next run.

#[test]
fn i9_temp_files_left_by_killed_runs_are_removed_by_the_next_locked_run() {
    let env = queue_world(QUEUE_TEXT, "");
    env.commit_file(&env.lane(LANE), "cmd/a.go", "package a\n", "lane work");
    let wt = env.main.join(".git/wt");
    // What a kill between a temp file's creation and its rename leaves (wt's own writes all go
    // through one atomic-write function, so these names are the only ones it makes).
    let leftovers = [
        wt.join(".wt-tmpQ1"),
        wt.join("journal/.wt-tmpJ1"),
        wt.join("handoffs/.wt-tmpH1"),
        wt.join("rebase/.wt-tmpR1"),
        env.main.join(".wt-tmpQueue"),
        wt.join("checks/.wt-tmpOld"),
        wt.join(".wt-tmp-cacheOld"),
    ];
    // A `wt check` or a cache write may be making these right now, without the lock: kept.
    let young = [wt.join("checks/.wt-tmpNew"), wt.join(".wt-tmp-cacheNew")];
    for f in leftovers.iter().chain(&young) {
        crate::common::write_file(f, "half");
    }
    for old in &leftovers[5..] {
        let ok = std::process::Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(old)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    let before = Snapshot::take(&env, &[&env.lane(LANE)]);
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    for f in &leftovers {
        assert!(!f.exists(), "{} left behind", f.display());
    }
    for f in &young {
        assert!(f.exists(), "{} removed while it may be in use", f.display());
    }
    // The run after that finds nothing in its way and lands the task once.
    env.wt(&["merge", LANE]).ok();
    before.assert_only_rebased_away(&env, BRANCH);
    assert_no_half_state(&env);
    let left = temp_files(&env.main);
    assert!(left.iter().all(|p| young.contains(p)), "{left:?}");
}

/// Every `.wt-tmp*` file under `dir`, `.git` included.
fn temp_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with(".wt-tmp") {
                found.push(e.path());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            }
        }
    }
    found
}

// Item 4: a stale index.lock in the main checkout stops the merge before anything lands.

#[test]
fn i4_a_lock_file_in_the_main_checkout_stops_the_merge_before_the_push() {
    // The check leaves git's index.lock in the main checkout when asked: the lock appears
    // after step 2 judged the main checkout, as a crashed `git` elsewhere would leave it.
    let check =
        r#"checks = ['if [ -e "$T/lock-main" ]; then touch "$T/main repo/.git/index.lock"; fi']"#;
    let env = Env::with_config(&one_lane_config(&format!("{check}\n{}", queue_table())));
    env.write(QUEUE, QUEUE_TEXT);
    env.git(&["add", QUEUE]);
    env.git(&["commit", "-q", "-m", "queue"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", LANE]).ok();
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    let lane = env.lane(LANE);
    env.commit_file(&lane, "cmd/a.go", "package a\n", "lane work");
    let t = t(&env);
    let vars = [("T", t.as_str())];
    let lock = env.main.join(".git/index.lock");

    // Present from the start: refused at step 2.
    std::fs::write(&lock, "").unwrap();
    let before = Snapshot::take(&env, &[&lane]).with_file(&queue_path(&env));
    env.wt_with(&env.main, &["merge", LANE], &vars)
        .code(1)
        .stderr_has("git's lock file")
        .stderr_has("index.lock exists in the main checkout")
        .stderr_has("rm ");
    before.assert_identical(&env);
    std::fs::remove_file(&lock).unwrap();

    // Appearing during the checks: refused before step 6, the lane put back, nothing pushed.
    std::fs::write(env.base_dir().join("lock-main"), "").unwrap();
    let before = Snapshot::take(&env, &[&lane]).with_file(&queue_path(&env));
    env.wt_with(&env.main, &["merge", LANE], &vars)
        .code(1)
        .stderr_has("index.lock exists in the main checkout");
    before.assert_unchanged(&env);
    assert!(!env
        .main
        .join(".git/wt/journal")
        .read_dir()
        .is_ok_and(|mut d| d.next().is_some()));

    // The hint's command, then the merge lands and marks the task done, once.
    std::fs::remove_file(env.base_dir().join("lock-main")).unwrap();
    std::fs::remove_file(&lock).unwrap();
    env.wt_with(&env.main, &["merge", LANE], &vars).ok();
    before.assert_only_rebased_away(&env, BRANCH);
    assert_no_half_state(&env);
    let queue = std::fs::read_to_string(queue_path(&env)).unwrap();
    assert_eq!(queue.matches("status: done").count(), 1, "{queue}");
    assert_eq!(remote_rev(&env, "refs/heads/master"), env.rev("master"));
}

// Item 2: a sync killed inside a conflicted rebase is undone by the next run; status shows it.

/// A lane and base that conflict in `cmd/c.go`, whose merge (a merge driver doing what git's
/// own would) pauses at `merge` until `$T/release` exists.
fn conflict_world() -> Env {
    let env = Env::with_config(&one_lane_config(""));
    env.write(".gitattributes", "cmd/c.go merge=slow\n");
    env.write("cmd/c.go", "one\n");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "c.go"]);
    env.git(&["push", "-q", "origin", "master"]);
    let pause = crate::common::world::pause_point("merge", "$$");
    env.git(&[
        "config",
        "merge.slow.driver",
        &format!(r#"if [ ! -e "$T/release" ]; then {pause}; fi; git merge-file -L HEAD -L base -L theirs %A %O %B"#),
    ]);
    env.wt(&["setup", LANE]).ok();
    env.commit_file(&env.lane(LANE), "cmd/c.go", "lane\n", "lane work");
    move_base(&env, "cmd/c.go", "base\n");
    env
}

#[test]
fn i2_a_sync_killed_inside_a_conflicted_rebase_is_undone_by_the_next_run() {
    let env = conflict_world();
    let lane = env.lane(LANE);
    let lane_head = env.rev(BRANCH);
    let before = Snapshot::take(&env, &[&lane]);
    // SIGKILL wt alone while git merges: git, in its own process group, goes on, stops on the
    // conflict and exits, with wt dead.
    let mut wt = spawn(&env, &env.main, &["sync", LANE]);
    wait_paused(&env, &mut wt, "merge");
    signal(wt.id(), "-KILL");
    assert_eq!(finish(wt).code, -1);
    release(&env);
    assert_nothing_left_running(&env);
    let admin = crate::common::world::admin_dir(&env, &lane);
    assert!(
        admin.join("rebase-merge").exists(),
        "git stopped in the rebase"
    );
    // git wrote the merge into cmd/c.go (and, unless its conflict message met wt's closed pipe
    // first, its conflict into the index).
    assert!(
        env.status_of(&lane).contains("cmd/c.go"),
        "{}",
        env.status_of(&lane)
    );
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    let rows = env.wt(&["status", "--json"]).ok().json();
    assert_eq!(rows[0]["operation"], "rebase", "{}", rows[0]);

    // A person's edit since git stopped is kept: refused, nothing changed.
    let git_wrote = std::fs::read_to_string(lane.join("cmd/c.go")).unwrap();
    assert!(git_wrote.contains("<<<<<<<"), "{git_wrote}");
    crate::common::write_file(&lane.join("cmd/c.go"), "resolved by hand\n");
    let edited = Snapshot::take(&env, &[&lane]);
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .code(1)
        .stderr_has("files there were edited since git stopped")
        .stderr_has("cmd/c.go")
        .stderr_has("rebase --abort");
    edited.assert_unchanged(&env);

    // Git's own conflict state alone: the next sync undoes the rebase (once) and syncs again,
    // which conflicts again and is restored (exit 4), the lane exactly as before.
    crate::common::write_file(&lane.join("cmd/c.go"), &git_wrote);
    env.wt_with(&env.main, &["sync", LANE], &[("T", &t(&env))])
        .code(4)
        .stderr_has("an interrupted wt had left a rebase in progress (it had stopped on a conflict; the 1 file(s) it changed held only what git wrote")
        .stderr_has(&format!("the lane is back at {}", &lane_head[..7]))
        .stderr_has("conflict: cmd/c.go");
    assert_eq!(env.rev(BRANCH), lane_head);
    assert_eq!(env.status_of(&lane), "");
    before.assert_nothing_lost(&env);
    before.assert_remote_unchanged(&env);
    assert_no_half_state(&env);
    assert!(!env.main.join(".git/wt/rebase").join(LANE).exists());
}

#[test]
fn i2_status_counts_unmerged_paths_and_shows_the_rebase() {
    let env = world1("");
    let lane = env.lane(LANE);
    env.commit_file(&lane, "cmd/c.go", "lane\n", "lane c");
    move_base(&env, "cmd/c.go", "base\n");
    env.wt(&["sync", "--keep-conflict", LANE]).code(4);
    assert!(
        env.status_of(&lane).contains("u AA"),
        "{}",
        env.status_of(&lane)
    );
    let rows = env.wt(&["status", "--json"]).ok().json();
    assert_eq!(rows[0]["dirty"]["unmerged"], 1, "{}", rows[0]);
    assert_eq!(rows[0]["operation"], "rebase", "{}", rows[0]);
    env.wt(&["status"])
        .ok()
        .stdout_has("1 unmerged")
        .stdout_has(" rebase ");
    // The user's rebase (wt handed it over): left alone.
    env.wt(&["sync", LANE])
        .code(1)
        .stderr_has("a rebase is in progress");
    assert!(env.status_of(&lane).contains("u AA"));
}

// Item 1: wt's own queue commit left unpushed by a killed wt is finished or dropped.

/// A `post-commit` hook that pauses the queue commit whose subject starts with `subject`.
fn pause_queue_commit(env: &Env, subject: &str) {
    pause_hook(
        env,
        "post-commit",
        &format!(r#"git log -1 --format=%s | grep -q '^{subject}'"#),
        "commit",
    );
}

/// Kill `wt` alone (SIGKILL) while its queue commit's hook pauses; its `git commit`, in its own
/// process group, finishes after wt is dead.
fn kill_at_the_queue_commit(env: &Env, args: &[&str]) {
    let mut wt = spawn(env, &env.main, args);
    wait_paused(env, &mut wt, "commit");
    signal(wt.id(), "-KILL");
    assert_eq!(finish(wt).code, -1);
    release(env);
    assert_nothing_left_running(env);
}

/// How many commits on the remote's master have `subject`.
fn remote_subjects(env: &Env, subject: &str) -> usize {
    env.git_at(&env.origin, &["log", "--format=%s", "master"])
        .lines()
        .filter(|l| *l == subject)
        .count()
}

#[test]
fn i1_a_claim_killed_after_its_commit_is_dropped_and_made_once() {
    let env = queue_world(QUEUE_TEXT, "");
    pause_queue_commit(&env, "queue: T-1 in_progress");
    let before = Snapshot::take(&env, &[]).with_file(&queue_path(&env));
    kill_at_the_queue_commit(&env, &["queue", "claim", LANE, "--owner", "agent-a"]);
    // The wedge: the claim's commit is on local master only.
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "master"]),
        "queue: T-1 in_progress (agent-a)"
    );
    before.assert_remote_unchanged(&env);
    let t = t(&env);
    // The drop moves the main checkout back with the queue file already written by rename (a
    // reader taking no lock never sees it half-written): a shim notes how git found it.
    let shim = PreparedShim::new(&env, " reset --quiet --keep ", QUEUE);

    // The next claim recognises the commit as wt's own, drops it, and claims once.
    env.wt_with(
        &env.main,
        &["queue", "claim", LANE, "--owner", "agent-a"],
        &[("T", &t), ("PATH", &shim.path)],
    )
    .ok()
    .stderr_has("dropped wt's own queue commit")
    .stderr_has("queue: T-1 in_progress (agent-a)");
    assert_eq!(remote_subjects(&env, "queue: T-1 in_progress (agent-a)"), 1);
    assert_eq!(env.rev("master"), remote_rev(&env, "refs/heads/master"));
    let queue = std::fs::read_to_string(queue_path(&env)).unwrap();
    assert_eq!(queue.matches("status: in_progress").count(), 1, "{queue}");
    assert_eq!(shim.seen(), ["prepared"]);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    before.assert_nothing_lost(&env);
}

#[test]
fn i1_a_merge_killed_at_its_done_commit_is_finished_by_the_next_run_once() {
    let env = queue_world(QUEUE_TEXT, "");
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    let lane = env.lane(LANE);
    env.commit_file(&lane, "cmd/a.go", "package a\n", "lane work");
    pause_queue_commit(&env, "queue: T-1 done");
    let before = Snapshot::take(&env, &[&lane]);
    kill_at_the_queue_commit(&env, &["merge", LANE]);
    // The lane landed; the done mark is on local master only.
    assert_eq!(remote_subjects(&env, "lane work"), 1);
    assert!(env
        .git(&["log", "-1", "--format=%s", "master"])
        .starts_with("queue: T-1 done"));
    assert_ne!(env.rev("master"), remote_rev(&env, "refs/heads/master"));
    let t = t(&env);
    let vars = [("T", t.as_str())];

    // Not a wedge any more: the done mark records work that landed, so it is finished (pushed).
    env.wt_with(&env.main, &["merge", LANE], &vars)
        .ok()
        .stderr_has("finished wt's own queue commit")
        .stderr_has("queue: T-1 done");
    assert_eq!(env.rev("master"), remote_rev(&env, "refs/heads/master"));
    let done: Vec<String> = env
        .git_at(&env.origin, &["log", "--format=%s", "master"])
        .lines()
        .filter(|l| l.starts_with("queue: T-1 done"))
        .map(str::to_string)
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(remote_subjects(&env, "lane work"), 1);
    before.assert_only_rebased_away(&env, BRANCH);
    assert_no_half_state(&env);
    // And the machine goes on: T-2 (after T-1) is claimed.
    env.wt_with(
        &env.main,
        &["queue", "claim", LANE, "--owner", "agent-a"],
        &vars,
    )
    .ok();
    assert_eq!(remote_subjects(&env, "queue: T-2 in_progress (agent-a)"), 1);
}

#[test]
fn i1_a_foreign_unpushed_commit_keeps_the_refusal_with_the_command_that_resolves_it() {
    let env = queue_world(QUEUE_TEXT, "");
    // Someone's own commit on local master, never pushed; one that only touches the queue
    // file but is not in wt's format is someone's too.
    env.write("notes.txt", "mine\n");
    env.git(&["add", "notes.txt"]);
    env.git(&["commit", "-q", "-m", "my notes"]);
    let before = Snapshot::take(&env, &[&env.main]).with_file(&queue_path(&env));
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"])
        .code(1)
        .stderr_has("local master has 1 commit(s) that are not on origin/master and are not wt's")
        .stderr_has("my notes")
        .stderr_has("push origin master`");
    before.assert_identical(&env);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    assert_eq!(remote_subjects(&env, "my notes"), 1);
    assert_eq!(remote_subjects(&env, "queue: T-1 in_progress (agent-a)"), 1);
}

// Item 11: exit 3 names its cause: the remote is down, or wt cannot finish its own commit.

#[test]
fn i11_remote_down_and_own_commit_refused_have_their_own_message_and_hint() {
    let env = queue_world(QUEUE_TEXT, "");
    pause_queue_commit(&env, "queue: T-1 in_progress");
    kill_at_the_queue_commit(&env, &["queue", "claim", LANE, "--owner", "agent-a"]);
    let t = t(&env);
    let vars = [("T", t.as_str())];

    // The remote is down: the claim is dropped locally (no network needed), then the fetch
    // fails: exit 3 naming the remote, and the hint to check it.
    let away = env.base_dir().join("origin-away.git");
    std::fs::rename(&env.origin, &away).unwrap();
    let r = env.wt_with(
        &env.main,
        &["queue", "set", "T-2", "blocked", "--by", "T-1"],
        &vars,
    );
    r.code(3)
        .stderr_has("the remote origin is down or unreachable")
        .stderr_has("`git ls-remote origin`");
    assert!(!r.stderr.contains("cannot finish its own"), "{}", r.stderr);
    std::fs::rename(&away, &env.origin).unwrap();

    // The remote answers but refuses queue pushes (a hook): a merge's landed done mark cannot
    // be finished: exit 3 saying so, with the command that drops it.
    let env = queue_world(QUEUE_TEXT, "");
    env.wt(&["queue", "claim", LANE, "--owner", "agent-a"]).ok();
    env.commit_file(&env.lane(LANE), "cmd/a.go", "package a\n", "lane work");
    pause_queue_commit(&env, "queue: T-1 done");
    kill_at_the_queue_commit(&env, &["merge", LANE]);
    let hook = env.origin.join("hooks/pre-receive");
    crate::common::write_file(&hook, "#!/bin/sh\necho 'queue is frozen' >&2\nexit 1\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t2 = crate::common::faults::t(&env);
    let before = Snapshot::take(&env, &[]);
    let r = env.wt_with(&env.main, &["merge", LANE], &[("T", t2.as_str())]);
    r.code(3)
        .stderr_has("wt cannot finish its own queue commit")
        .stderr_has("reset --keep origin/master`");
    assert!(!r.stderr.contains("down or unreachable"), "{}", r.stderr);
    before.assert_unchanged(&env);
}
