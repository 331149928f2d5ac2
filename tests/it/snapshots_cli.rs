//! The "behaviour unchanged" pins (issue 12): inline snapshots of exit code, stdout and stderr
//! together for the main human outputs of every command. Temp paths become `[TMP]`, durations
//! `[DURATION]`, wall-clock timestamps `[TIME]` or `[STAMP]`; commit dates and identities are
//! fixed by the sealed environment, so commit ids are stable and kept.

use crate::common::queue::{qenv, QUEUE};
use crate::common::world::*;
use crate::common::{scrub, write_file, Env, Run, DEFAULT_CONFIG};

/// Durations and wall-clock times, whatever command prints them.
const FILTERS: [(&str, &str); 3] = [
    (r"\b\d+(\.\d+)?\s?(ms|s)\b", "[DURATION]"),
    (r"\b\d{8}T\d{6}Z\b", "[STAMP]"),
    (
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
        "[TIME]",
    ),
];

/// Assert the scrubbed output of a run against an inline snapshot.
macro_rules! snap {
    ($env:expr, $run:expr, @$lit:literal) => {
        insta::with_settings!({ filters => FILTERS.to_vec() }, {
            insta::assert_snapshot!(scrub(&$env, &$run), @$lit);
        })
    };
}

/// A world with every lane set up and one commit on lane A-backend.
fn worked_world(config: &str) -> Env {
    let env = world(config);
    lane_commit(&env, "cmd/a.go", "package a\n", "lane work");
    env
}

#[test]
fn setup_creates_every_lane() {
    let env = Env::new();
    let run: Run = env.wt(&["setup"]);
    snap!(env, run, @r#"
        exit 0
        --- stdout
        --- stderr
        fetching origin
        A-backend: created [TMP]/lanes/main repo-A-backend on new branch agent/A-backend from base
        B-ui-1: created [TMP]/lanes/main repo-B-ui-1 on new branch agent/B-ui-1 from base
        B-ui-2: created [TMP]/lanes/main repo-B-ui-2 on new branch agent/B-ui-2 from base
    "#);
    let again = env.wt(&["setup"]);
    snap!(env, again, @r#"
        exit 0
        --- stdout
        --- stderr
        fetching origin
        A-backend: already set up at [TMP]/lanes/main repo-A-backend
        B-ui-1: already set up at [TMP]/lanes/main repo-B-ui-1
        B-ui-2: already set up at [TMP]/lanes/main repo-B-ui-2
        ✓ nothing to do: 3 lane(s) already set up
    "#);
}

#[test]
fn status_lists_the_lanes() {
    let env = worked_world(DEFAULT_CONFIG);
    write_file(&env.lane("B-ui-1").join("web/wip.js"), "wip\n");
    snap!(env, env.wt(&["status"]), @r#"
        exit 0
        --- stdout
        LANE       BRANCH           HEAD     AHEAD  BEHIND  DIRTY        OP  TASK  NEXT      PATH
        A-backend  agent/A-backend  adacb09  1      0       clean        -   -     check     [TMP]/lanes/main repo-A-backend
        B-ui-1     agent/B-ui-1     0298fb0  0      0       1 untracked  -   -     continue  [TMP]/lanes/main repo-B-ui-1
        B-ui-2     agent/B-ui-2     0298fb0  0      0       clean        -   -     continue  [TMP]/lanes/main repo-B-ui-2
        --- stderr
        ahead/behind against origin/master
    "#);
}

#[test]
fn preflight_passes_and_fails() {
    let env = worked_world(DEFAULT_CONFIG);
    snap!(env, env.wt(&["preflight", LANE]), @r#"
        exit 0
        --- stdout
        ok   config           [TMP]/main repo/lanes.toml is valid
        ok   lane             A-backend (role A-backend, branch agent/A-backend)
        ok   worktree         [TMP]/lanes/main repo-A-backend
        ok   branch           on agent/A-backend
        ok   operation        no rebase, merge or cherry-pick in progress
        ok   conflicts        no unmerged paths or conflict markers
        ok   clean            working tree clean
        ok   base             up to date with origin/master
        ok   ownership        no violation
        ok   protected files  no violation
        ok   contracts        no violation
        ok   tests kept       no violation
        ok   gates            no gate triggered
        ok   queue            no queue configured
        --- stderr
        preflight A-backend
    "#);
    write_file(&lane(&env).join("wip.txt"), "x\n");
    snap!(env, env.wt(&["preflight", LANE]), @r#"
        exit 1
        --- stdout
        ok   config           [TMP]/main repo/lanes.toml is valid
        ok   lane             A-backend (role A-backend, branch agent/A-backend)
        ok   worktree         [TMP]/lanes/main repo-A-backend
        ok   branch           on agent/A-backend
        ok   operation        no rebase, merge or cherry-pick in progress
        ok   conflicts        no unmerged paths or conflict markers
        FAIL clean            0 staged, 0 unstaged, 1 untracked
                              fix: commit them, or stash them: git -C '[TMP]/lanes/main repo-A-backend' stash -u
        ok   base             up to date with origin/master
        ok   ownership        no violation
        ok   protected files  no violation
        ok   contracts        no violation
        ok   tests kept       no violation
        ok   gates            no gate triggered
        ok   queue            no queue configured
        --- stderr
        preflight A-backend
    "#);
}

#[test]
fn merge_lands_a_lane() {
    let env = worked_world(&config_with_checks("['true']"));
    snap!(env, env.wt(&["merge", LANE]), @r#"
        exit 0
        --- stdout
        merged agent/A-backend (1 commit(s)) into origin/master
          844065b lane work
        files (1):
          A	cmd/a.go
        master is now 844065b6be1c295c999dba8df142c1d30f4dc10b
        --- stderr
        1/8 preflight A-backend
        2/8 main checkout
        3/8 fetch and rebase onto origin/master
        fetching origin
        4/8 policies
        5/8 checks
        [1/1] role check in A-backend: true
        ✓ `true` passed ([DURATION])
        6/8 push agent/A-backend and fast-forward origin/master
        7/8 task and handoff
        warning: A-backend has no claimed task: merged all the same, no task marked done
        8/8 merged
        ✓ merged A-backend into origin/master: master is now 844065b
        handoff recorded in [TMP]/main repo/.git/wt/handoffs/A-backend-[STAMP].md
    "#);
}

#[test]
fn merge_refuses_a_dirty_main_checkout() {
    let env = worked_world(DEFAULT_CONFIG);
    env.write("scratch.txt", "mine\n");
    snap!(env, env.wt(&["merge", LANE]), @r#"
        exit 1
        --- stdout
        --- stderr
        1/8 preflight A-backend
        2/8 main checkout
        error: the main checkout ('[TMP]/main repo') is not clean (0 staged, 0 unstaged, 1 untracked); nothing was changed
            scratch.txt
        hint: commit, stash or remove them in '[TMP]/main repo', then run wt merge again
    "#);
}

#[test]
fn sync_stops_on_a_conflict() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "README.md", "lane version\n", "lane edits readme");
    move_base(
        &env,
        "other",
        "README.md",
        "base version\n",
        "base edits readme",
    );
    snap!(env, env.wt(&["sync", LANE]), @r#"
        exit 4
        --- stdout
        --- stderr
        fetching origin
        error: rebasing A-backend onto origin/master conflicts in 1 file(s); the rebase was aborted and the lane is as it was
            conflict: README.md
            could not apply a449e09 lane edits readme
        hint: resolve it by hand: `git -C '[TMP]/lanes/main repo-A-backend' rebase origin/master`, fix the files, `git add` them, `git rebase --continue`, then `wt sync A-backend`
        hint: or let wt leave the conflict for you: `wt sync --keep-conflict A-backend`
    "#);
}

#[test]
fn teardown_refuses_an_unpushed_lane() {
    let env = worked_world(DEFAULT_CONFIG);
    snap!(env, env.wt(&["teardown", LANE]), @r#"
        exit 1
        --- stdout
        --- stderr
        error: teardown of A-backend refused: branch agent/A-backend has 1 commit(s) that are neither on origin/master nor pushed
            nothing was changed
        hint: push them with `wt sync A-backend` or land them with `wt merge A-backend`
    "#);
}

#[test]
fn teardown_refuses_a_dirty_lane() {
    let env = world(DEFAULT_CONFIG);
    write_file(&lane(&env).join("README.md"), "edit\n");
    write_file(&lane(&env).join("cmd/new.go"), "new\n");
    snap!(env, env.wt(&["teardown", LANE]), @r#"
        exit 1
        --- stdout
        --- stderr
        error: teardown of A-backend refused: uncommitted or untracked files: README.md, cmd/new.go
            nothing was changed
        hint: commit them, or stash them with `git -C '[TMP]/lanes/main repo-A-backend' stash -u`
    "#);
}

#[test]
fn queue_show_lists_the_tasks() {
    let env = qenv("", QUEUE);
    snap!(env, env.wt(&["queue", "show"]), @r#"
        exit 0
        --- stdout
        ID   STATUS  PRIORITY  ROLE       OWNER  DEPENDS_ON  TITLE
        A-0  done    1000      A-backend  -      -           Done already
        A-1  todo    1000      A-backend  -      A-0         First backend slice
        A-2  todo    1000      A-backend  -      A-1         Second backend slice
        B-1  todo    1000      B-ui:2     -      -           Lane two only
        B-2  todo    1000      B-ui       -      -           Any lane
        B-3  todo    1000      B-ui       -      -           Any lane too
        --- stderr
    "#);
    snap!(env, env.wt(&["queue", "show", "A-1"]), @r#"
        exit 0
        --- stdout
        ID   STATUS  PRIORITY  ROLE       OWNER  DEPENDS_ON  TITLE
        A-1  todo    1000      A-backend  -      A-0         First backend slice
        --- stderr
    "#);
}

#[test]
fn queue_validate_ok_and_with_problems() {
    let env = qenv("", QUEUE);
    snap!(env, env.wt(&["queue", "validate"]), @r#"
        exit 0
        --- stdout
        --- stderr
        ✓ doc/queue.yaml: 6 tasks, no problems
    "#);
    let bad = qenv(
        "",
        &QUEUE
            .replacen("depends_on: [A-0]", "depends_on: [A-2]", 1)
            .replacen("lane: 2\n", "lane: 2\n    depends_on: [B-1]\n", 1),
    );
    snap!(bad, bad.wt(&["queue", "validate"]), @r#"
        exit 1
        --- stdout
        doc/queue.yaml:9: dependency cycle: A-1 -> A-2 -> A-1
            fix: remove one of these depends_on entries
        doc/queue.yaml:21: B-1 depends on itself
            fix: remove it from its own depends_on
        --- stderr
        2 error(s), 0 warning(s)
    "#);
}

#[test]
fn check_runs_the_role_checks() {
    let env = worked_world(&config_with_checks("['true', 'test -f cmd/a.go']"));
    snap!(env, env.wt(&["check", LANE]), @r#"
        exit 0
        --- stdout
        --- stderr
        [1/2] role check in A-backend: true
        ✓ `true` passed ([DURATION])
        [2/2] role check in A-backend: test -f cmd/a.go
        ✓ `test -f cmd/a.go` passed ([DURATION])
    "#);
    let failing = worked_world(&config_with_checks("['exit 3', 'true']"));
    snap!(failing, failing.wt(&["check", LANE]), @r#"
        exit 1
        --- stdout
        --- stderr
        [1/2] role check in A-backend: exit 3
        ✗ `exit 3` failed: exit 3 ([DURATION])
        [2/2] role check in A-backend: true
        ✓ `true` passed ([DURATION])
        error: 1 of 2 check(s) failed in A-backend
            `exit 3`: exit 3
        hint: fix them in [TMP]/lanes/main repo-A-backend, commit, then run `wt check A-backend` again
    "#);
}

#[test]
fn handoff_reports_the_lane() {
    let env = worked_world(&config_with_checks("['true']"));
    env.wt(&["check", LANE]).ok();
    let run = env.wt(&[
        "handoff",
        LANE,
        "--risk",
        "retries are untested on slow links",
        "--next",
        "wire the provisioning API",
    ]);
    snap!(env, run, @r#"
        exit 0
        --- stdout
        # Handoff: A-backend

        - task_id: none (no claimed task)
        - status: none
        - depends_on satisfied: n/a
        - lane: A-backend
        - branch: agent/A-backend
        - base: origin/master (1283759)
        - head: 844065b

        ## Commits pushed

        - `844065b` lane work

        (not pushed yet: run `wt sync A-backend`)

        ## Files changed

        - A `cmd/a.go`

        ## Tests run

        - `true` -> exit 0 ([DURATION], role)

        ## Root cause (defect tasks)

        none given

        ## Reviews

        none

        ## Remaining risks / blockers

        - retries are untested on slow links

        ## Next recommended slice

        wire the provisioning API
        --- stderr
    "#);
}
