//! `wt setup`: creation, idempotence, repair of half-made lanes (F09, F14, F16), refusals that
//! leave everything as it was (F10, F13, F20), base detection, remotes that are missing or dead.

use crate::common::oracle::refs_and_worktrees;
use crate::common::world::{admin_dir, head_of, upstream_of};
use crate::common::{write_file, Env, DEFAULT_CONFIG};
use std::fs;

/// A config with eight V1 roles, lanes under `../lanes`.
pub fn eight_lane_config() -> String {
    let mut cfg = String::from("[project]\nworktree_root = \"../lanes\"\n");
    for i in 1..=8 {
        cfg.push_str(&format!("\n[[role]]\nname = \"R{i}\"\n"));
    }
    cfg
}

#[test]
fn creates_every_lane_then_changes_nothing() {
    let env = Env::new();
    env.wt(&["setup"]).ok().stderr_has("A-backend: created");
    for lane in ["A-backend", "B-ui-1", "B-ui-2"] {
        assert!(env.lane(lane).join("README.md").exists());
    }
    let wt = env.worktrees();
    assert!(wt.contains("branch refs/heads/agent/B-ui-2"), "{wt}");
    // why: new lane branches must not track base (a plain `git push` would target master).
    assert_eq!(upstream_of(&env, "agent/A-backend"), None);
    let before = refs_and_worktrees(&env);
    env.wt(&["setup"])
        .ok()
        .stderr_has("nothing to do: 3 lane(s) already set up");
    assert_eq!(before, refs_and_worktrees(&env));
}

#[test]
fn eight_lanes_twice_second_run_changes_nothing() {
    let env = Env::with_config(&eight_lane_config());
    let master = env.rev("origin/master");
    let run = env.wt(&["setup", "--json"]);
    run.ok();
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 8);
    for (i, row) in rows.iter().enumerate() {
        let lane = format!("R{}", i + 1);
        assert_eq!(row["lane"], lane.as_str());
        assert_eq!(row["action"], "created");
        assert_eq!(row["source"], "base");
        assert_eq!(row["branch"], format!("agent/{lane}").as_str());
        let dir = env.lane(&lane);
        assert_eq!(row["path"], dir.to_str().unwrap());
        assert_eq!(head_of(&env, &dir), master);
        assert_eq!(
            env.git_at(&dir, &["symbolic-ref", "HEAD"]),
            format!("refs/heads/agent/{lane}")
        );
        // F15: never tracking base.
        assert_eq!(upstream_of(&env, &format!("agent/{lane}")), None);
    }
    let before = refs_and_worktrees(&env);
    let again = env.wt(&["setup", "--json"]);
    again
        .ok()
        .stderr_has("nothing to do: 8 lane(s) already set up");
    for row in again.json().as_array().unwrap() {
        assert_eq!(row["action"], "unchanged");
        assert_eq!(row["source"], serde_json::Value::Null);
    }
    assert_eq!(before, refs_and_worktrees(&env));
}

#[test]
fn restores_a_lane_deleted_by_hand() {
    // F09: the registration stays behind (prunable); setup clears just that one and re-adds.
    let env = Env::new();
    env.wt(&["setup"]).ok();
    let lane = env.lane("A-backend");
    let work = env.commit_file(&lane, "cmd/a.txt", "a\n", "lane work");
    let other = refs_and_worktrees(&env);
    fs::remove_dir_all(&lane).unwrap();
    assert!(env.worktrees().contains("prunable"));
    let run = env.wt(&["setup"]);
    run.ok()
        .stderr_has("A-backend: repaired")
        .stderr_has("its directory had been deleted");
    // The branch was reused as it was: the lane's commit is checked out again.
    assert_eq!(head_of(&env, &lane), work);
    assert_eq!(fs::read_to_string(lane.join("cmd/a.txt")).unwrap(), "a\n");
    assert!(!env.worktrees().contains("prunable"));
    assert_eq!(other, refs_and_worktrees(&env));
}

#[test]
fn repairs_a_worktree_left_initializing_by_a_killed_setup() {
    // F16: what a SIGKILLed `git worktree add` leaves (observed with git 2.47.3): the branch made
    // by wt before the checkout, a partial checkout, and an admin dir with `locked` =
    // "initializing" and a stale `index.lock`.
    let env = Env::new();
    env.write("src/big.txt", "content\n");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "-m", "more files"]);
    env.git(&["push", "-q", "origin", "master"]);
    let lane = env.lane("A-backend");
    env.git(&["branch", "--no-track", "agent/A-backend", "origin/master"]);
    env.git(&[
        "worktree",
        "add",
        "-q",
        lane.to_str().unwrap(),
        "agent/A-backend",
    ]);
    let admin = admin_dir(&env, &lane);
    fs::write(admin.join("locked"), "initializing\n").unwrap();
    fs::write(admin.join("index.lock"), "").unwrap();
    fs::remove_dir_all(lane.join("src")).unwrap();
    assert!(env.worktrees().contains("locked initializing"));
    let refs = env.refs();

    env.wt(&["setup", "A-backend"])
        .ok()
        .stderr_has("A-backend: repaired")
        .stderr_has("locked \"initializing\"");
    assert_eq!(
        fs::read_to_string(lane.join("src/big.txt")).unwrap(),
        "content\n"
    );
    let list = env.worktrees();
    assert!(!list.contains("locked"), "{list}");
    assert!(!admin.join("index.lock").exists());
    assert_eq!(env.status_of(&lane), "");
    assert_eq!(refs, env.refs());
}

#[test]
fn reuses_a_branch_created_without_its_worktree() {
    // F14: `worktree add -b` would fail with "a branch named ... already exists".
    let env = Env::new();
    let sha = env.git(&[
        "commit-tree",
        "HEAD^{tree}",
        "-p",
        "HEAD",
        "-m",
        "earlier work",
    ]);
    env.git(&["branch", "agent/A-backend", &sha]);
    env.wt(&["setup", "A-backend"])
        .ok()
        .stderr_has("on existing branch agent/A-backend");
    assert_eq!(head_of(&env, &env.lane("A-backend")), sha);
    assert_eq!(env.rev("agent/A-backend"), sha);
}

#[test]
fn checks_out_a_branch_that_only_the_remote_has_tracking_it() {
    let env = Env::new();
    let other = env.second_clone("other machine");
    env.git_at(&other, &["switch", "-q", "-c", "agent/A-backend"]);
    let pushed = env.commit_file(&other, "cmd/x.txt", "x\n", "work from elsewhere");
    env.git_at(&other, &["push", "-q", "origin", "agent/A-backend"]);

    let run = env.wt(&["setup", "--json", "A-backend"]);
    run.ok().stderr_has("tracking the remote's agent/A-backend");
    assert_eq!(run.json()[0]["source"], "remote-branch");
    assert_eq!(head_of(&env, &env.lane("A-backend")), pushed);
    assert_eq!(
        upstream_of(&env, "agent/A-backend").as_deref(),
        Some("refs/heads/agent/A-backend")
    );
    assert_eq!(
        env.git(&["config", "branch.agent/A-backend.remote"]),
        "origin"
    );
}

#[test]
fn refuses_a_foreign_directory_at_a_lane_path_and_changes_nothing() {
    // F10: `worktree add` onto it would fail ("already exists"); wt refuses before any lane.
    let env = Env::new();
    let lane = env.lane("B-ui-1");
    write_file(&lane.join("notes.txt"), "mine\n");
    // The remote moved: a refused setup must not even fetch it.
    let other = env.second_clone("other machine");
    env.commit_file(&other, "o.txt", "o\n", "elsewhere");
    env.git_at(&other, &["push", "-q", "origin", "master"]);
    let before = refs_and_worktrees(&env);
    env.wt(&["setup"])
        .code(1)
        .stderr_has("nothing was changed")
        .stderr_has(&format!(
            "B-ui-1: '{}' exists and is not this lane's worktree",
            lane.display()
        ));
    assert_eq!(
        fs::read_to_string(lane.join("notes.txt")).unwrap(),
        "mine\n"
    );
    // Validate everything, then act: the other lanes were not created either.
    assert!(!env.lane("A-backend").exists());
    assert_eq!(before, refs_and_worktrees(&env));

    // A clone of the same remote at the path is just as foreign.
    fs::remove_dir_all(&lane).unwrap();
    env.git_at(
        &env.root,
        &["clone", "-q", "../origin.git", "main repo-B-ui-1"],
    );
    let clone_head = head_of(&env, &lane);
    env.wt(&["setup", "B-ui-1"])
        .code(1)
        .stderr_has("is not this lane's worktree");
    assert_eq!(head_of(&env, &lane), clone_head);
    assert_eq!(env.status_of(&lane), "");
    assert_eq!(before, refs_and_worktrees(&env));
}

#[test]
fn an_empty_directory_at_the_lane_path_is_used() {
    let env = Env::new();
    let lane = env.lane("A-backend");
    fs::create_dir_all(&lane).unwrap();
    env.wt(&["setup", "A-backend"]).ok();
    assert!(lane.join("README.md").exists());
}

#[test]
fn refuses_a_symlinked_lane_path_but_follows_a_symlinked_root() {
    // F20: git would create the worktree in the link's target and `worktree remove` would later
    // delete that target.
    let env = Env::new();
    let target = env.base_dir().join("elsewhere");
    fs::create_dir_all(&target).unwrap();
    fs::create_dir_all(&env.root).unwrap();
    let lane = env.lane("A-backend");
    std::os::unix::fs::symlink(&target, &lane).unwrap();
    let before = refs_and_worktrees(&env);
    env.wt(&["setup", "A-backend"])
        .code(1)
        .stderr_has("is a symlink");
    assert!(fs::symlink_metadata(&lane).unwrap().is_symlink());
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0);
    assert_eq!(before, refs_and_worktrees(&env));

    // A symlinked root is canonicalized once and works, also on the second run.
    let env = Env::new();
    let real = env.base_dir().join("real lanes");
    fs::create_dir_all(&real).unwrap();
    std::os::unix::fs::symlink(&real, &env.root).unwrap();
    env.wt(&["setup"]).ok();
    assert!(real.join("main repo-A-backend/README.md").exists());
    assert!(env.worktrees().contains(&format!(
        "worktree {}",
        real.join("main repo-B-ui-2").display()
    )));
    env.wt(&["setup"])
        .ok()
        .stderr_has("nothing to do: 3 lane(s)");
}

#[test]
fn refuses_a_branch_checked_out_elsewhere_naming_where() {
    // F13: never `worktree add -f`, which would put one branch in two worktrees.
    let env = Env::new();
    env.git(&["switch", "-q", "-c", "agent/A-backend"]);
    let before = refs_and_worktrees(&env);
    env.wt(&["setup"])
        .code(1)
        .stderr_has(&format!(
            "A-backend: branch agent/A-backend is checked out in '{}'",
            env.main.display()
        ))
        .stderr_has("switch that worktree to another branch first");
    assert_eq!(before, refs_and_worktrees(&env));
    assert!(!env.root.exists() || fs::read_dir(&env.root).unwrap().count() == 0);
}

#[test]
fn base_main_is_detected_from_the_remote_head() {
    let env = Env::build("main", Some(DEFAULT_CONFIG));
    env.wt(&["setup"]).ok();
    let main = env.rev("origin/main");
    assert_eq!(head_of(&env, &env.lane("B-ui-1")), main);
    let status = env.wt(&["status", "--json", "A-backend"]);
    status.ok();
    assert_eq!(status.json()[0]["behind"], 0);
    env.wt(&["status"]).ok().stderr_has("against origin/main");
}

#[test]
fn works_without_a_remote() {
    let env = Env::new();
    env.git(&["remote", "remove", "origin"]);
    env.wt(&["setup"]).ok();
    assert_eq!(head_of(&env, &env.lane("A-backend")), env.rev("master"));
    env.wt(&["status"]).ok().stderr_has("against master");
}

#[test]
fn a_dead_remote_is_exit_3_with_a_hint_and_no_fetch_works() {
    let env = Env::new();
    fs::rename(&env.origin, env.base_dir().join("gone.git")).unwrap();
    let before = refs_and_worktrees(&env);
    env.wt(&["setup"])
        .code(3)
        .stderr_has("cannot fetch origin")
        .stderr_has("wt setup --no-fetch");
    assert_eq!(before, refs_and_worktrees(&env));
    assert!(!env.lane("A-backend").exists());
    env.wt(&["setup", "--no-fetch"]).ok();
    assert_eq!(
        head_of(&env, &env.lane("A-backend")),
        env.rev("origin/master")
    );
}

#[test]
fn a_lane_dir_that_lost_its_git_file_is_refused() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    fs::remove_file(lane.join(".git")).unwrap();
    let before = refs_and_worktrees(&env);
    env.wt(&["setup", "A-backend"])
        .code(1)
        .stderr_has("git worktree repair");
    assert!(lane.join("README.md").exists());
    assert_eq!(before, refs_and_worktrees(&env));
    // Preflight reads the directory's status early, but never trusts (or climbs out of) it.
    env.wt(&["preflight", "A-backend"])
        .code(1)
        .stdout_has("has no .git file leading back to this repository");
    assert_eq!(before, refs_and_worktrees(&env));
}

#[test]
fn inherited_git_variables_do_not_redirect_wt() {
    // F25: a hook or a script may run wt with GIT_DIR & co. pointing at the main checkout.
    let env = Env::new();
    let dot_git = env.main.join(".git");
    let index = dot_git.join("index");
    let vars = [
        ("GIT_DIR", dot_git.to_str().unwrap()),
        ("GIT_WORK_TREE", env.main.to_str().unwrap()),
        ("GIT_INDEX_FILE", index.to_str().unwrap()),
    ];
    env.wt_with(&env.main, &["setup"], &vars).ok();
    let lane = env.lane("A-backend");
    assert_eq!(
        env.git_at(&lane, &["symbolic-ref", "--short", "HEAD"]),
        "agent/A-backend"
    );
    // The main checkout is dirty, the lane is not: status must report the lane's own tree.
    env.write("README.md", "changed in main\n");
    write_file(&lane.join("new.txt"), "n\n");
    let run = env.wt_with(&lane, &["status", "--json", "A-backend"], &vars);
    run.ok();
    let row = &run.json()[0];
    assert_eq!(row["dirty"]["unstaged"], 0);
    assert_eq!(row["dirty"]["untracked"], 1);
    fs::remove_file(lane.join("new.txt")).unwrap();
    env.wt_with(&env.main, &["teardown", "A-backend"], &vars)
        .ok();
    assert!(!lane.exists());
    assert_eq!(env.git(&["status", "--porcelain"]).trim(), "M README.md");
}

#[test]
fn an_interrupted_setup_is_repaired_by_the_next_run() {
    // F16/F17 with a real interruption: a smudge filter makes the checkout slow, wt is sent
    // SIGTERM in the middle of it, and kills its git children as a group. The lane is left
    // registered and locked "initializing"; the next run repairs it.
    let env = Env::new();
    let marker = env.base_dir().join("checkout started");
    env.write(".gitattributes", "slow.txt filter=slow\n");
    env.write("slow.txt", "slow\n");
    env.git(&["add", ".gitattributes", "slow.txt"]);
    env.git(&["commit", "-q", "-m", "a file that is slow to check out"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.git(&[
        "config",
        "filter.slow.smudge",
        &format!(
            "touch '{}'; while [ ! -e '{}' ]; do sleep 0.05; done; cat",
            marker.display(),
            env.base_dir().join("release").display()
        ),
    ]);
    // why: the filter waits for the test, not for a clock; it is let go when the test ends.
    let _release = crate::common::world::ReleaseOnDrop(env.base_dir().to_path_buf());
    let mut child = env
        .wt_command(&env.main, &["setup", "A-backend"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "checkout never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let lane = env.lane("A-backend");
    assert!(env.worktrees().contains("locked initializing"));
    env.wt(&["status"])
        .ok()
        .stderr_has("A-backend: ")
        .stderr_has("left half-made by an interrupted setup: run `wt setup`");

    env.git(&["config", "--unset", "filter.slow.smudge"]);
    env.wt(&["setup", "A-backend"])
        .ok()
        .stderr_has("A-backend: repaired");
    assert_eq!(fs::read_to_string(lane.join("slow.txt")).unwrap(), "slow\n");
    assert!(!env.worktrees().contains("locked"));
    assert_eq!(env.status_of(&lane), "");
}

/// After a merge and a teardown, the remote still has the merged lane branch; setting the lane
/// up again starts fresh from base instead of tracking that stale tip.
#[test]
fn a_merged_remote_lane_branch_is_not_tracked_again() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    env.commit_file(&lane, "cmd/a.go", "a\n", "add a");
    env.wt(&["sync", "A-backend"]).ok();
    env.wt(&["merge", "A-backend"]).ok();
    env.commit_file(&env.main, "README.md", "moved on\n", "base moves on");
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["teardown", "A-backend"]).ok();
    env.wt(&["setup", "A-backend"]).ok().stderr_has("from base");
    assert_eq!(env.git_at(&lane, &["rev-parse", "HEAD"]), env.rev("master"));
    let upstream = env.git_run(&env.main, &["config", "branch.agent/A-backend.merge"]);
    assert_eq!(upstream.code, 1, "tracks {}", upstream.stdout);
}
