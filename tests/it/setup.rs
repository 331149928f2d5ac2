use crate::common::Env;

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
    let upstream = env.git_run(&env.main, &["config", "branch.agent/A-backend.merge"]);
    assert_eq!(upstream.code, 1, "lane branch tracks {}", upstream.stdout);
    let before = (env.refs(), env.worktrees());
    env.wt(&["setup"])
        .ok()
        .stderr_has("nothing to do: 3 lane(s) already set up");
    assert_eq!(before, (env.refs(), env.worktrees()));
}
