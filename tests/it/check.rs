//! `wt check`: run the role's checks in the lane, with `WT_*` in the environment, and record them.

use crate::common::world::*;
use std::fs;

fn record(env: &crate::common::Env) -> serde_json::Value {
    let text = fs::read_to_string(env.main.join(".git/wt/checks/A-backend.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn runs_in_the_lane_with_wt_variables_and_records_each_command() {
    let env = world(&config_with_checks(
        r#"['printf "%s|%s|%s|%s" "$WT_ROLE" "$WT_LANE" "$WT_TASK" "$(pwd)" > "$T/env.txt"', 'true']"#,
    ));
    let head = lane_commit(&env, "cmd/a.go", "a\n", "lane work");
    let t = env.base_dir();
    env.wt_with(&env.main, &["check", LANE], &[("T", t.to_str().unwrap())])
        .ok()
        .stderr_has("[1/2] role check in A-backend")
        .stderr_has("`true` passed");
    let seen = fs::read_to_string(t.join("env.txt")).unwrap();
    let lane_dir = lane(&env).canonicalize().unwrap();
    assert_eq!(seen, format!("A-backend|A-backend||{}", lane_dir.display()));
    let r = record(&env);
    assert_eq!(r["lane"], "A-backend");
    assert_eq!(r["head"], head.as_str());
    assert_eq!(r["ok"], true);
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1]["command"], "true");
    assert_eq!(checks[1]["exit_code"], 0);
    assert_eq!(checks[1]["source"], "role");
    assert!(checks[0]["duration_ms"].is_u64());
    assert!(checks[0]["started_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_failing_check_exits_1_and_every_check_still_runs() {
    let env = world(&config_with_checks("['exit 3', 'true']"));
    env.wt(&["check", LANE])
        .code(1)
        .stderr_has("1 of 2 check(s) failed in A-backend")
        .stderr_has("`exit 3`: exit 3");
    let r = record(&env);
    assert_eq!(r["ok"], false);
    let codes: Vec<i64> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["exit_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [3, 0]);
}

#[test]
fn check_output_goes_to_stderr_and_json_to_stdout() {
    let env = world(&config_with_checks("['echo hello-from-$WT_ROLE']"));
    let r = env.wt(&["--json", "check", LANE]);
    r.ok().stderr_has("hello-from-A-backend");
    assert!(!r.stdout.contains("hello-from-A-backend"), "{}", r.stdout);
    assert_eq!(r.json()["checks"][0]["command"], "echo hello-from-$WT_ROLE");
}

#[test]
fn no_checks_configured_is_a_warning() {
    let env = world(crate::common::DEFAULT_CONFIG);
    env.wt(&["check", LANE]).ok().stderr_has("no checks to run");
    assert_eq!(record(&env)["checks"].as_array().unwrap().len(), 0);
}

#[test]
fn a_lane_that_is_not_set_up_is_refused() {
    let env = crate::common::Env::with_config(&config_with_checks("['true']"));
    env.wt(&["check", LANE])
        .code(1)
        .stderr_has("wt setup A-backend");
}
