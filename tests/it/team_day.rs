//! Issue 17, "a team's day": what one command at a time does not break but a team does.
//! Each test drives the real binary into the exact state the issue reports (hooks that wait
//! for a file, signals, hand-made git state), checks the no-data-lost oracle and the exit
//! code, and shows the next command finishing or undoing the job exactly once.

use crate::common::faults::*;
use crate::common::oracle::{assert_no_half_state, Snapshot};
use crate::common::world::remote_rev;
use crate::common::Env;

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
