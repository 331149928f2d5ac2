//! `wt review` and the review rules of `wt merge`: an approval is bound to the lane's patch,
//! travels through the remote, goes stale on a new commit, survives a rebase that keeps the
//! patch; self-review is refused; a later request for changes blocks.

use crate::common::world::*;
use crate::common::{Env, DEFAULT_CONFIG};

fn required() -> String {
    format!("{DEFAULT_CONFIG}\n[review]\nrequired = true\n")
}

fn master(env: &Env) -> String {
    remote_rev(env, "refs/heads/master")
}

/// A merge that must be refused: exit 1, the message, and nothing changed anywhere.
#[track_caller]
fn refused(env: &Env, needle: &str) -> crate::common::Run {
    refused_unchanged(env, &["merge", LANE], needle)
}

#[test]
fn a_required_review_blocks_until_another_lane_approves() {
    let env = world(&required());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let before = master(&env);
    let r = refused(&env, "needs a current approval from another lane");
    r.stderr_has("wt review A-backend --approve --by OTHER-LANE --completion");
    // the dry run and preflight say the same
    env.wt(&["merge", LANE, "--dry-run"])
        .code(1)
        .stderr_has("needs a current approval");
    assert_preflight_warns(&env, "reviews", "review");
    // self-review: refused, nothing recorded
    approve_as(&env, LANE, "implemented")
        .code(1)
        .stderr_has("cannot review itself");
    assert_eq!(env.git(&["for-each-ref", "refs/wt/reviews"]), "");
    // --approve needs --completion
    env.wt(&["review", LANE, "--approve", "--by", "B-ui-1"])
        .code(2)
        .stderr_has("--completion");
    env.wt(&[
        "review",
        LANE,
        "--approve",
        "--by",
        "B-ui-1",
        "--completion",
        "implemented",
        "--note",
        "looks right",
    ])
    .ok();
    assert_ne!(
        remote_rev(&env, "refs/wt/reviews/A-backend/0001-B-ui-1"),
        ""
    );
    let list = env.wt(&["review", LANE, "--json"]);
    let v = list.json();
    assert_eq!(v["reviews"][0]["by"], "B-ui-1");
    assert_eq!(v["reviews"][0]["current"], true);
    assert_eq!(v["needs"].as_array().unwrap().len(), 0, "{v}");
    env.wt(&["merge", LANE]).ok();
    assert_ne!(master(&env), before);
    let handoff = std::fs::read_to_string(&wt_files(&env, "handoffs")[0]).unwrap();
    assert!(
        handoff.contains("- approve by B-ui-1, completion implemented on"),
        "{handoff}"
    );
    assert!(handoff.contains(": looks right"), "{handoff}");
    // spent: dropped here and on the remote
    assert_eq!(env.git(&["for-each-ref", "refs/wt/reviews"]), "");
    assert_eq!(
        remote_rev(&env, "refs/wt/reviews/A-backend/0001-B-ui-1"),
        ""
    );
}

#[test]
fn an_owner_may_not_review_their_own_task() {
    let q = crate::common::queue::QUEUE;
    let env = crate::common::queue::qenv("", q);
    setup_lanes(&env);
    env.wt(&["queue", "claim", LANE, "--owner", "ann"]).ok();
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&[
        "review",
        LANE,
        "--approve",
        "--by",
        "B-ui-1",
        "--owner",
        "ann",
        "--completion",
        "implemented",
    ])
    .code(1)
    .stderr_has("ann owns A-backend");
    assert_eq!(env.git(&["for-each-ref", "refs/wt/reviews"]), "");
}

#[test]
fn a_commit_after_the_approval_makes_it_stale() {
    let env = world(&required());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    approve(&env, "B-ui-1");
    lane_commit(&env, "cmd/b.go", "b\n", "more work");
    refused(&env, "the approval by B-ui-1 is stale").stderr_has("--by OTHER-LANE");
    let v = env.wt(&["review", LANE, "--json"]).json();
    assert_eq!(v["reviews"][0]["current"], false);
    approve(&env, "B-ui-1");
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn a_sync_onto_a_moved_base_keeps_the_approval() {
    let env = world(&required());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    approve(&env, "B-ui-2");
    let old_head = env.rev(BRANCH);
    move_base(&env, "other", "other.txt", "x\n", "someone else's merge");
    env.wt(&["sync", LANE]).ok();
    assert_ne!(env.rev(BRANCH), old_head, "rebased");
    let v = env.wt(&["review", LANE, "--json"]).json();
    assert_eq!(v["reviews"][0]["current"], true, "{v}");
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn an_approval_given_on_another_machine_is_honoured_after_a_fetch() {
    let env = world(&required());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&["sync", LANE]).ok();
    refused(&env, "needs a current approval").stderr_has("--by OTHER-LANE");
    let other = env.second_clone("machine2");
    env.wt_in(
        &other,
        &[
            "review",
            LANE,
            "--approve",
            "--by",
            "B-ui-1",
            "--completion",
            "design-only",
        ],
    )
    .ok();
    // machine 1 has not fetched it yet; its merge fetches the reviews
    assert_eq!(env.git(&["for-each-ref", "refs/wt/reviews"]), "");
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn a_request_for_changes_after_an_approval_blocks() {
    let env = world(&required());
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    approve(&env, "B-ui-1");
    env.wt(&["review", LANE, "--request-changes", "--by", "B-ui-1"])
        .code(2)
        .stderr_has("--note");
    env.wt(&[
        "review",
        LANE,
        "--request-changes",
        "--by",
        "B-ui-2",
        "--note",
        "handle the empty case",
    ])
    .ok();
    refused(&env, "B-ui-2 requested changes")
        .stderr_has("handle the empty case")
        .stderr_has("wt review A-backend --approve --by B-ui-2");
    approve(&env, "B-ui-2");
    env.wt(&["merge", LANE]).ok();
}

#[test]
fn a_request_for_changes_blocks_even_without_required_reviews() {
    let env = world(DEFAULT_CONFIG);
    lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    env.wt(&[
        "review",
        LANE,
        "--request-changes",
        "--by",
        "B-ui-1",
        "--note",
        "no",
    ])
    .ok();
    refused(&env, "B-ui-1 requested changes").stderr_has("\"no\"");
}

#[test]
fn a_route_needs_an_approval_from_a_lane_of_its_role() {
    let config =
        format!("{DEFAULT_CONFIG}\n[[review.route]]\nwhen = [\"cmd/api/**\"]\nby = [\"B-ui\"]\n");
    let env = world(&config);
    lane_commit(&env, "cmd/other.go", "a\n", "unrouted work");
    // an untouched route needs nothing
    env.wt(&["merge", LANE, "--dry-run"]).ok();
    lane_commit(&env, "cmd/api/x.go", "a\n", "routed work");
    refused(&env, "cmd/api/x.go is routed to B-ui for review")
        .stderr_has("wt review A-backend --approve --by B-ui-1");
    approve(&env, "B-ui-2");
    env.wt(&["merge", LANE]).ok();
}

fn approve(env: &Env, by: &str) {
    approve_as(env, by, "implemented").ok();
}
