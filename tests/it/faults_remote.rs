//! Remotes that are not a path (F35): `git daemon` on loopback (sync and merge over git://), a
//! server that accepts the connection and never answers, one that answers fetches but hangs on
//! pushes, and one that wants credentials. Every network call is bounded by
//! `WT_NETWORK_TIMEOUT` (set to 3 s here) and its process group killed: exit 3, the lane as it
//! was, nothing left running, no prompt.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::{is_ancestor, remote_rev};
use crate::common::Env;

const TIMEOUT: (&str, &str) = ("WT_NETWORK_TIMEOUT", "3");

fn point_origin_at(env: &Env, url: &str) {
    env.git(&["remote", "set-url", "origin", url]);
}

#[test]
fn f35_sync_and_merge_over_git_daemon() {
    let env = world1("");
    let daemon = GitDaemon::start(&env);
    point_origin_at(&env, &daemon.url("origin.git"));
    let moved = move_base(&env, "other.txt", "x\n");
    env.wt(&["sync", LANE])
        .ok()
        .stderr_has("rebased 1 commit(s) onto origin/master")
        .stderr_has("pushed agent/A-backend to origin");
    let tip = env.rev(BRANCH);
    assert_eq!(remote_rev(&env, &format!("refs/heads/{BRANCH}")), tip);
    assert!(is_ancestor(&env, &env.main, &moved, &tip));
    env.wt(&["merge", LANE]).ok();
    assert_eq!(remote_rev(&env, "refs/heads/master"), tip);
    assert_eq!(env.rev("master"), tip);
    assert_no_half_state(&env);
    // The daemon (the `git` wrapper, `git-daemon` and its per-connection children) is gone
    // once its guard drops.
    let port = daemon.port;
    drop(daemon);
    assert_no_process_with(&format!("--port={port}"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn f35_a_remote_that_never_answers_times_out_with_the_lane_intact() {
    let env = world1("");
    let silent = Silent::start();
    point_origin_at(&env, &format!("git://127.0.0.1:{}/origin.git", silent.port));
    let lane = env.lane(LANE);
    let before = Snapshot::take(&env, &[&lane, &env.main]);
    for cmd in ["sync", "merge"] {
        env.wt_with(&env.main, &[cmd, LANE], &[TIMEOUT])
            .code(3)
            .stderr_has("cannot fetch origin")
            .stderr_has("did not finish in time");
        before.assert_identical(&env);
        assert_nothing_left_running(&env);
    }
    assert_no_half_state(&env);
}

#[test]
fn f35_a_push_that_never_returns_times_out_and_the_rerun_pushes() {
    // Fetches answer (git daemon), pushes go to a server that never answers.
    let env = world1("");
    let daemon = GitDaemon::start(&env);
    let silent = Silent::start();
    point_origin_at(&env, &daemon.url("origin.git"));
    env.git(&[
        "config",
        "remote.origin.pushurl",
        &format!("git://127.0.0.1:{}/origin.git", silent.port),
    ]);
    move_base(&env, "other.txt", "x\n");
    let before = Snapshot::take(&env, &[]);
    env.wt_with(&env.main, &["sync", LANE], &[TIMEOUT])
        .code(3)
        .stderr_has("cannot push agent/A-backend to origin")
        .stderr_has("did not finish in time");
    before.assert_remote_unchanged(&env);
    before.assert_only_rebased_away(&env, BRANCH);
    assert_eq!(env.status_of(&env.lane(LANE)), "");
    assert_nothing_left_running(&env);
    // The same merge fails the same way, before base is touched.
    env.wt_with(&env.main, &["merge", LANE], &[TIMEOUT])
        .code(3)
        .stderr_has("did not finish in time");
    before.assert_remote_unchanged(&env);
    assert_nothing_left_running(&env);
    env.git(&["config", "--unset", "remote.origin.pushurl"]);
    env.wt(&["sync", LANE]).ok();
    assert_eq!(
        remote_rev(&env, &format!("refs/heads/{BRANCH}")),
        env.rev(BRANCH)
    );
    assert_no_half_state(&env);
}

#[test]
fn f35_a_remote_that_wants_credentials_fails_without_prompting() {
    let env = world1("");
    let port = http_401();
    point_origin_at(&env, &format!("http://127.0.0.1:{port}/origin.git"));
    let before = Snapshot::take(&env, &[&env.lane(LANE)]);
    env.wt_with(&env.main, &["sync", LANE], &[TIMEOUT])
        .code(3)
        .stderr_has("cannot fetch origin; nothing was changed")
        .stderr_has("terminal prompts disabled");
    before.assert_identical(&env);
    assert_nothing_left_running(&env);
}
