use crate::common::Env;

#[test]
fn syntax_error_names_line_seven() {
    let env = Env::bare();
    env.write(
        "lanes.toml",
        "[project]\nprefix = \"p\"\n\n[[role]]\nname = \"A\"\n\n[[role]\nname = \"B\"\n",
    );
    let run = env.wt(&["status"]);
    run.code(2).stderr_has("lanes.toml:7:");
    assert!(run.stderr.contains("7 | [[role]"), "{}", run.stderr);
}

#[test]
fn unknown_key_points_at_it() {
    let env = Env::with_config("[project]\nprefx = \"p\"\n");
    env.wt(&["status"])
        .code(2)
        .stderr_has("lanes.toml:2:1")
        .stderr_has("prefx");
}

#[test]
fn duplicate_role_and_bad_names_are_config_errors() {
    let env = Env::with_config("[[role]]\nname = \"A\"\n[[role]]\nname = \"A\"\n");
    env.wt(&["status"])
        .code(2)
        .stderr_has("lanes.toml:4:8")
        .stderr_has("duplicate role");
    let env = Env::with_config("[[role]]\nname = \"$(touch PWNED)\"\n");
    env.wt(&["setup"]).code(2).stderr_has("bad role name");
    assert!(!env.main.join("PWNED").exists());
    let env = Env::with_config("[[role]]\nname = \"A\"\nowns = [\"src/[\"]\n");
    env.wt(&["status"])
        .code(2)
        .stderr_has("lanes.toml:3:9")
        .stderr_has("bad glob");
}

#[test]
fn missing_config_says_how_to_make_one() {
    let env = Env::bare();
    env.wt(&["status"])
        .code(2)
        .stderr_has("no lanes.toml")
        .stderr_has("wt init");
}

#[test]
fn found_from_inside_a_lane_but_never_read_from_it() {
    let env = Env::new();
    env.wt(&["setup", "A-backend"]).ok();
    let lane = env.lane("A-backend");
    // A lane's own copy of lanes.toml must not change the rules that judge it.
    crate::common::write_file(&lane.join("lanes.toml"), "[[role]]\nname = \"Evil\"\n");
    let run = env.wt_in(&lane, &["status", "--json"]);
    run.ok();
    let lanes: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["lane"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lanes, ["A-backend", "B-ui-1", "B-ui-2"]);
}
