//! `wt teardown LANE [--recreate]`: every reason to refuse (SPEC section 8, faults F01-F12) leaves
//! the worktree, its files, every ref and the worktree list exactly as they were; the safe cases
//! remove the worktree and delete the branch with a compare-and-swap.

use crate::common::oracle::{files_under, refs_and_worktrees, Snapshot};
use crate::common::world::{admin_dir, head_of, upstream_of};
use crate::common::{write_file, Env};
use std::fs;
use std::path::{Path, PathBuf};

/// Everything teardown must not lose in a lane: refs (local, remote-tracking and the remote's),
/// the worktree list, and every path under the lane directory (which may not be a worktree).
/// Assert with `assert_identical`.
fn watch(env: &Env, dir: &Path) -> Snapshot {
    Snapshot::take(env, &[])
        .with_worktree_list(env)
        .with_tree(dir)
}

fn set_up() -> (Env, PathBuf) {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    (env, lane)
}

fn has_branch(env: &Env, branch: &str) -> bool {
    env.git_run(
        &env.main,
        &[
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ],
    )
    .code
        == 0
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn a_clean_lane_on_base_is_removed_with_its_branch() {
    let (env, lane) = set_up();
    let tip = env.rev("agent/A-backend");
    env.wt(&["teardown", "A-backend"])
        .ok()
        .stderr_has("A-backend: removed worktree")
        .stderr_has(&format!(
            "deleted branch agent/A-backend (was {})",
            &tip[..7]
        ));
    assert!(!lane.exists());
    assert!(!has_branch(&env, "agent/A-backend"));
    assert!(!env.worktrees().contains("A-backend"));
    // Again: nothing left to do, still exit 0.
    env.wt(&["teardown", "A-backend"])
        .ok()
        .stderr_has("nothing to tear down");
}

#[test]
fn refuses_uncommitted_staged_or_untracked_files() {
    // F01: git's own `worktree remove` refuses these too, but wt must say why and never force.
    type Make = fn(&Env, &Path);
    let cases: [(&str, Make, &str); 3] = [
        (
            "modified",
            |_, l| write_file(&l.join("README.md"), "edit\n"),
            "README.md",
        ),
        (
            "staged only",
            |e, l| {
                write_file(&l.join("cmd/new.txt"), "n\n");
                e.git_at(l, &["add", "cmd/new.txt"]);
                fs::remove_file(l.join("cmd/new.txt")).unwrap();
                e.git_at(l, &["checkout", "--", "cmd/new.txt"]);
            },
            "cmd/new.txt",
        ),
        (
            "untracked",
            |_, l| write_file(&l.join("notes/todo.txt"), "t\n"),
            "notes/todo.txt",
        ),
    ];
    for (what, make, path) in cases {
        let (env, lane) = set_up();
        make(&env, &lane);
        let status = env.status_of(&lane);
        let before = watch(&env, &lane);
        env.wt(&["teardown", "A-backend"])
            .code(1)
            .stderr_has("teardown of A-backend refused: uncommitted or untracked files")
            .stderr_has(path)
            .stderr_has("nothing was changed")
            .stderr_has(&format!("git -C {} stash -u", quoted(&lane)));
        before.assert_identical(&env);
        assert_eq!(status, env.status_of(&lane), "{what}");
    }
}

#[test]
fn refuses_a_precious_ignored_file_but_not_other_ignored_files() {
    // F02: `git worktree remove` deletes ignored files without a word.
    let env = Env::new();
    env.write(".gitignore", ".env\ntarget/\n");
    env.git(&["add", ".gitignore"]);
    env.git(&["commit", "-q", "-m", "ignores"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    write_file(&lane.join(".env"), "SECRET=1\n");
    write_file(&lane.join("target/debug/big"), "built\n");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("ignored files that git would delete silently: .env")
        .stderr_has("policy.precious");
    before.assert_identical(&env);
    assert_eq!(fs::read_to_string(lane.join(".env")).unwrap(), "SECRET=1\n");

    fs::remove_file(lane.join(".env")).unwrap();
    env.wt(&["teardown", "A-backend"]).ok();
    assert!(!lane.exists());
}

#[test]
fn refuses_a_detached_head_that_no_ref_contains() {
    // F05: the commit would survive only in the worktree's own HEAD, removed with it.
    let (env, lane) = set_up();
    env.git_at(&lane, &["switch", "-q", "--detach"]);
    let lost = env.commit_file(&lane, "cmd/d.txt", "d\n", "detached work");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has(&format!(
            "HEAD is detached at {} and no branch or tag contains it",
            &lost[..7]
        ))
        .stderr_has(&format!(
            "git -C {} branch keep-{}",
            quoted(&lane),
            &lost[..7]
        ));
    before.assert_identical(&env);
    assert_eq!(head_of(&env, &lane), lost);

    // Detached on a commit a ref contains: nothing to lose.
    env.git_at(&lane, &["switch", "-q", "--detach", "origin/master"]);
    env.wt(&["teardown", "A-backend"]).ok();
    assert!(!lane.exists());
    env.git(&["cat-file", "-e", &lost]);
}

#[test]
fn unpushed_commits_are_judged_by_ancestry() {
    // F03: commits on neither base nor the remote branch block; F04: pushed but not merged is
    // safe (the remote has it), whatever `git branch -d` would say.
    let (env, lane) = set_up();
    let first = env.commit_file(&lane, "cmd/1.txt", "1\n", "one");
    let second = env.commit_file(&lane, "cmd/2.txt", "2\n", "two");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has(
            "branch agent/A-backend has 2 commit(s) that are neither on origin/master nor pushed",
        )
        .stderr_has("wt sync A-backend");
    before.assert_identical(&env);

    env.git_at(
        &lane,
        &[
            "push",
            "-q",
            "origin",
            &format!("{first}:refs/heads/agent/A-backend"),
        ],
    );
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("has 1 commit(s) that are neither");
    before.assert_identical(&env);

    env.git_at(&lane, &["push", "-q", "origin", "agent/A-backend"]);
    env.wt(&["teardown", "A-backend"]).ok();
    assert!(!lane.exists());
    assert!(!has_branch(&env, "agent/A-backend"));
    assert!(env
        .remote_refs()
        .contains(&format!("refs/heads/agent/A-backend {second}")));
}

#[test]
fn a_branch_deleted_on_the_remote_is_not_counted_as_pushed() {
    // The stale tracking ref says "pushed"; teardown fetches with --prune and sees it is gone.
    let (env, lane) = set_up();
    env.commit_file(&lane, "cmd/1.txt", "1\n", "one");
    env.git_at(&lane, &["push", "-q", "origin", "agent/A-backend"]);
    env.git_at(
        &env.origin,
        &["update-ref", "-d", "refs/heads/agent/A-backend"],
    );
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("has 1 commit(s) that are neither on origin/master nor pushed");
    assert!(lane.exists());
    assert!(has_branch(&env, "agent/A-backend"));
}

#[test]
fn refuses_a_rebase_in_progress_even_with_a_clean_tree() {
    // F07: `git worktree remove` would succeed and drop the rebase state.
    let (env, lane) = set_up();
    env.commit_file(&lane, "cmd/1.txt", "1\n", "one");
    env.git_at(&lane, &["push", "-q", "origin", "agent/A-backend"]);
    assert_ne!(
        env.git_run(&lane, &["rebase", "-x", "false", "HEAD~1"])
            .code,
        0
    );
    assert_eq!(env.git_at(&lane, &["status", "--porcelain"]), "");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("a rebase is in progress")
        .stderr_has(&format!("git -C {} rebase --abort", quoted(&lane)));
    before.assert_identical(&env);
    assert!(admin_dir(&env, &lane).join("rebase-merge").exists());
}

#[test]
fn refuses_a_locked_worktree_and_lists_every_reason() {
    // F08
    let (env, lane) = set_up();
    env.git(&[
        "worktree",
        "lock",
        "--reason",
        "agent a running",
        lane.to_str().unwrap(),
    ]);
    write_file(&lane.join("scratch.txt"), "s\n");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("refused: the worktree is locked (agent a running)")
        .stderr_has("also: uncommitted or untracked files: scratch.txt")
        .stderr_has(&format!("hint: git worktree unlock {}", quoted(&lane)));
    before.assert_identical(&env);
    assert!(env.worktrees().contains("locked agent a running"));
}

#[test]
fn a_lane_dir_deleted_by_hand_is_pruned_and_reported() {
    // F09: a registration without its directory is not an error; the branch rules still apply.
    let (env, lane) = set_up();
    fs::remove_dir_all(&lane).unwrap();
    env.wt(&["teardown", "A-backend"])
        .ok()
        .stderr_has("its directory was already deleted; removed the stale registration")
        .stderr_has("deleted branch agent/A-backend");
    assert!(!env.worktrees().contains("A-backend"));
    assert!(!has_branch(&env, "agent/A-backend"));

    // With unpushed work on the branch: refused, the registration and the branch stay.
    let (env, lane) = set_up();
    let work = env.commit_file(&lane, "cmd/w.txt", "w\n", "work");
    fs::remove_dir_all(&lane).unwrap();
    let before = refs_and_worktrees(&env);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("has 1 commit(s) that are neither");
    assert_eq!(before, refs_and_worktrees(&env));
    assert_eq!(env.rev("agent/A-backend"), work);

    // A deleted detached worktree whose HEAD nothing else names: pruning would lose it.
    let (env, lane) = set_up();
    env.git_at(&lane, &["switch", "-q", "--detach"]);
    let lost = env.commit_file(&lane, "cmd/d.txt", "d\n", "detached");
    fs::remove_dir_all(&lane).unwrap();
    let before = refs_and_worktrees(&env);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("HEAD is detached at")
        .stderr_has(&format!("git branch keep-{} {lost}", &lost[..7]));
    assert_eq!(before, refs_and_worktrees(&env));
}

#[test]
fn never_deletes_a_directory_git_does_not_list_as_the_lane() {
    // F10: a foreign directory at the lane path.
    let env = Env::new();
    let lane = env.lane("A-backend");
    write_file(&lane.join("precious.txt"), "p\n");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("is not a worktree of this repository");
    before.assert_identical(&env);

    // The lane's own directory after its `.git` file was deleted.
    let (env, lane) = set_up();
    fs::remove_file(lane.join(".git")).unwrap();
    write_file(&lane.join("work.txt"), "w\n");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("its .git file is missing or points elsewhere")
        .stderr_has("git worktree repair");
    before.assert_identical(&env);
}

#[test]
fn refuses_a_worktree_whose_git_file_points_at_another_lane() {
    let env = Env::new();
    env.wt(&["setup"]).ok();
    let a = env.lane("A-backend");
    let b = env.lane("B-ui-1");
    let b_admin = admin_dir(&env, &b);
    fs::write(a.join(".git"), format!("gitdir: {}\n", b_admin.display())).unwrap();
    let before_a = watch(&env, &a);
    let before_b = watch(&env, &b);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("its .git file is missing or points elsewhere");
    before_a.assert_identical(&env);
    before_b.assert_identical(&env);
}

#[test]
fn submodules_with_changes_block_clean_ones_do_not() {
    // F11: git refuses to remove any worktree with initialised submodules; wt checks them and
    // removes the worktree only when nothing inside would be lost.
    let env = Env::new();
    let lib = env.base_dir().join("lib.git");
    env.git_at(&env.base_dir(), &["init", "-q", "--bare", "lib.git"]);
    let lib_work = env.second_clone("lib work");
    env.git_at(
        &lib_work,
        &["remote", "set-url", "origin", lib.to_str().unwrap()],
    );
    env.commit_file(&lib_work, "lib.txt", "lib\n", "lib");
    env.git_at(
        &lib_work,
        &["push", "-q", "origin", "HEAD:refs/heads/master"],
    );
    env.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        lib.to_str().unwrap(),
        "lib",
    ]);
    env.git(&["commit", "-q", "-m", "add lib"]);
    env.git(&["push", "-q", "origin", "master"]);
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    env.git_at(
        &lane,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "update",
            "--init",
            "-q",
        ],
    );
    write_file(&lane.join("lib/lib.txt"), "edited inside the submodule\n");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "A-backend"])
        .code(1)
        .stderr_has("submodules with changes: lib");
    before.assert_identical(&env);
    assert_eq!(
        fs::read_to_string(lane.join("lib/lib.txt")).unwrap(),
        "edited inside the submodule\n"
    );

    env.git_at(&lane.join("lib"), &["checkout", "--", "lib.txt"]);
    env.wt(&["teardown", "A-backend"]).ok();
    assert!(!lane.exists());
}

#[test]
fn stash_entries_of_the_lane_are_reported_and_kept() {
    // F06: refs/stash is shared by every worktree and survives the removal.
    let (env, lane) = set_up();
    write_file(&lane.join("README.md"), "half done\n");
    env.git_at(&lane, &["stash", "-q"]);
    let stash = env.rev("refs/stash");
    env.wt(&["teardown", "A-backend"])
        .ok()
        .stderr_has("warning: 1 stash entry made on agent/A-backend stay in `git stash list`");
    assert!(!lane.exists());
    assert_eq!(env.rev("refs/stash"), stash);
    assert!(env
        .git(&["stash", "list"])
        .contains("WIP on agent/A-backend"));
}

#[test]
fn a_branch_checked_out_elsewhere_is_kept() {
    // `update-ref -d` would delete a branch another worktree has checked out (git allows it).
    let (env, lane) = set_up();
    env.git_at(&lane, &["switch", "-q", "-c", "side"]);
    env.git(&["switch", "-q", "agent/A-backend"]);
    let tip = env.rev("agent/A-backend");
    env.wt(&["teardown", "A-backend"])
        .ok()
        .stderr_has("has side checked out, not agent/A-backend")
        .stderr_has(&format!(
            "branch agent/A-backend is checked out in {}; the branch is kept",
            quoted(&env.main)
        ));
    assert!(!lane.exists());
    assert_eq!(env.rev("agent/A-backend"), tip);
    assert!(has_branch(&env, "side"));
}

#[test]
fn recreate_starts_a_merged_branch_fresh_from_base() {
    let (env, lane) = set_up();
    let work = env.commit_file(&lane, "cmd/m.txt", "m\n", "merged work");
    env.git_at(
        &lane,
        &[
            "push",
            "-q",
            "origin",
            "agent/A-backend",
            "agent/A-backend:master",
        ],
    );
    // Base moves past the lane's work.
    env.git(&["pull", "-q", "--ff-only"]);
    env.write("later.txt", "l\n");
    env.git(&["add", "later.txt"]);
    env.git(&["commit", "-q", "-m", "later"]);
    env.git(&["push", "-q", "origin", "master"]);
    let base = env.rev("origin/master");
    env.wt(&["teardown", "--recreate", "A-backend"])
        .ok()
        .stderr_has("deleted branch agent/A-backend")
        .stderr_has("on new branch agent/A-backend from base");
    assert_eq!(env.rev("agent/A-backend"), base);
    assert_eq!(head_of(&env, &lane), base);
    assert_eq!(upstream_of(&env, "agent/A-backend"), None);
    // The remote's old copy of the branch is left alone.
    assert!(env
        .remote_refs()
        .contains(&format!("refs/heads/agent/A-backend {work}")));
}

#[test]
fn recreate_keeps_a_branch_with_pushed_work_and_never_resets_it() {
    // F12
    let (env, lane) = set_up();
    let work = env.commit_file(&lane, "cmd/p.txt", "p\n", "pushed work");
    env.git_at(&lane, &["push", "-q", "origin", "agent/A-backend"]);
    env.wt(&["teardown", "--recreate", "A-backend"])
        .ok()
        .stderr_has("kept branch agent/A-backend: it has pushed work not yet on base")
        .stderr_has("on existing branch agent/A-backend");
    assert_eq!(env.rev("agent/A-backend"), work);
    assert_eq!(head_of(&env, &lane), work);
    assert_eq!(fs::read_to_string(lane.join("cmd/p.txt")).unwrap(), "p\n");

    // Unpushed work: refused outright, as without --recreate.
    let extra = env.commit_file(&lane, "cmd/q.txt", "q\n", "unpushed");
    let before = watch(&env, &lane);
    env.wt(&["teardown", "--recreate", "A-backend"])
        .code(1)
        .stderr_has("has 1 commit(s) that are neither");
    before.assert_identical(&env);
    assert_eq!(head_of(&env, &lane), extra);
}

#[test]
fn an_unreachable_remote_is_exit_3_when_the_branch_is_not_on_base() {
    let (env, lane) = set_up();
    env.commit_file(&lane, "cmd/p.txt", "p\n", "pushed work");
    env.git_at(&lane, &["push", "-q", "origin", "agent/A-backend"]);
    fs::rename(&env.origin, env.base_dir().join("gone.git")).unwrap();
    let before = (refs_and_worktrees(&env), files_under(&lane));
    env.wt(&["teardown", "A-backend"]).code(3).stderr_has(
        "cannot fetch origin to see whether agent/A-backend is pushed; nothing was changed",
    );
    assert_eq!(before, (refs_and_worktrees(&env), files_under(&lane)));

    // A branch whose work is on base needs no network.
    let (env, lane) = set_up();
    assert!(lane.exists());
    fs::rename(&env.origin, env.base_dir().join("gone.git")).unwrap();
    env.wt(&["teardown", "A-backend"]).ok();
    assert!(!lane.exists());
}

#[test]
fn a_branch_moved_between_check_and_delete_is_kept() {
    // The compare-and-swap: the branch is moved while `git worktree remove` runs, after wt read
    // its tip. The only hook point git offers there is the fsmonitor hook of the status that
    // `worktree remove` runs in the worktree (recognised by its GIT_WORK_TREE=.).
    let (env, lane) = set_up();
    let moved = env.git(&[
        "commit-tree",
        "HEAD^{tree}",
        "-p",
        "HEAD",
        "-m",
        "racing commit",
    ]);
    let script = env.base_dir().join("race.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$GIT_WORK_TREE\" = . ] && [ ! -e {marker} ]; then\n  touch {marker}\n  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n  git -C {main} update-ref refs/heads/agent/A-backend {moved}\nfi\nexit 1\n",
            marker = quoted(&env.base_dir().join("raced")),
            main = quoted(&env.main),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    env.git(&["config", "core.fsmonitor", script.to_str().unwrap()]);
    env.wt(&["teardown", "A-backend"])
        .code(3)
        .stderr_has("branch agent/A-backend moved while tearing down; it was kept");
    assert!(!lane.exists(), "the worktree itself was safe to remove");
    assert!(
        env.base_dir().join("raced").exists(),
        "the race did not happen"
    );
    assert_eq!(env.rev("agent/A-backend"), moved);
}
