//! Unit tests of the policies: each rule's refusals and allowed cases, glob compilation errors,
//! specificity and the report's grouping and wording. Pure data in, pure data out; must never
//! touch git or the file system.

use super::specificity::Specificity;
use super::*;
use crate::error::Kind;

// ---- fixtures -------------------------------------------------------------------------------

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn role(name: &str, owns: &[&str]) -> RoleRule {
    RoleRule {
        name: name.into(),
        owns: strings(owns),
    }
}

/// The SPEC's example config, plus C-ops owning the governance docs (and so the queue file).
fn rules() -> Rules {
    Rules {
        roles: vec![
            role("A-backend", &["cmd/**", "internal/**"]),
            role("B-ui", &["web/**", "e2e/**"]),
            role("C-ops", &["ops/**", "doc/governance/**"]),
        ],
        contracts: ContractRule {
            paths: strings(&["doc/api/**", "doc/architecture/*.md"]),
            owners: strings(&["A-backend"]),
        },
        gates: vec![
            GateRule {
                when: strings(&["doc/api/**"]),
                run: "make codegen".into(),
                requires: vec![],
            },
            GateRule {
                when: strings(&["web/**", "web/**/*.ts"]),
                run: "pnpm e2e".into(),
                requires: vec![],
            },
        ],
        tests: strings(&["**/*_test.go", "**/*.test.ts", "tests/**"]),
        protected: strings(&["lanes.toml", "doc/governance/Agent_Work_Queue.yaml"]),
    }
}

fn branch(role: &str, changes: Vec<Change>) -> Branch {
    Branch {
        role: role.into(),
        changes,
        ..Branch::default()
    }
}

fn commit(sha: &str, subject: &str, paths: &[&str]) -> Commit {
    Commit {
        sha: sha.into(),
        subject: subject.into(),
        paths: strings(paths),
    }
}

fn run(rules: &Rules, branch: &Branch) -> Report {
    evaluate(rules, branch).expect("rules compile")
}

fn judge(role: &str, changes: Vec<Change>) -> Report {
    run(&rules(), &branch(role, changes))
}

fn only(report: &Report) -> &Violation {
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    &report.violations[0]
}

fn rules_of(report: &Report) -> Vec<Rule> {
    report.violations.iter().map(|v| v.rule).collect()
}

// ---- compile ------------------------------------------------------------------------------

#[test]
fn compiles_the_spec_example() {
    assert!(compile(&rules()).is_ok());
    assert!(compile(&Rules::default()).is_ok());
}

#[test]
fn bad_owns_glob_names_role_and_index() {
    let mut r = rules();
    r.roles[1].owns.push("web/[".into());
    let e = compile(&r).unwrap_err();
    assert_eq!(
        e.list,
        GlobList::RoleOwns {
            role: 1,
            name: "B-ui".into()
        }
    );
    assert_eq!(e.index, 2);
    assert_eq!(e.glob, "web/[");
    assert_eq!(
        e.to_string(),
        "[[role]] B-ui owns[2]: bad glob \"web/[\": unclosed character class; missing ']'"
    );
}

#[test]
fn bad_contract_gate_and_test_globs_name_their_list() {
    let mut r = rules();
    r.contracts.paths.insert(0, "doc/{api".into());
    assert_eq!(compile(&r).unwrap_err().list, GlobList::ContractPaths);

    let mut r = rules();
    r.gates[1].when.push("web/{a".into());
    let e = compile(&r).unwrap_err();
    assert_eq!((e.list, e.index), (GlobList::GateWhen { gate: 1 }, 2));

    let mut r = rules();
    r.tests[2] = "tests/[z-a]".into();
    let e = compile(&r).unwrap_err();
    assert_eq!((e.list.clone(), e.index), (GlobList::PolicyTests, 2));
    assert!(
        e.to_string()
            .starts_with("[policy] tests[2]: bad glob \"tests/[z-a]\""),
        "{e}"
    );
}

#[test]
fn first_bad_glob_in_config_order_is_reported() {
    let mut r = rules();
    r.roles[0].owns.push("a/{".into());
    r.roles[2].owns.push("c/[".into());
    let e = compile(&r).unwrap_err();
    assert_eq!(
        e.list,
        GlobList::RoleOwns {
            role: 0,
            name: "A-backend".into()
        }
    );
}

#[test]
fn empty_glob_is_refused() {
    let mut r = rules();
    r.tests.push("  ".into());
    let e = compile(&r).unwrap_err();
    assert_eq!((e.list, e.index), (GlobList::PolicyTests, 3));
    assert!(e.reason.contains("empty glob"));
}

#[test]
fn glob_error_is_a_usage_error() {
    let mut r = rules();
    r.gates[0].when[0] = "doc/[".into();
    let e: crate::error::Error = compile(&r).unwrap_err().into();
    assert_eq!(e.kind, Kind::Usage);
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.message.starts_with("[[gate]] #1 when[0]: bad glob"),
        "{}",
        e.message
    );
    assert_eq!(e.hints.len(), 1);
}

#[test]
fn evaluate_propagates_glob_errors() {
    let mut r = rules();
    r.roles[0].owns[0] = "[".into();
    assert!(evaluate(&r, &branch("A-backend", vec![])).is_err());
}

#[test]
fn star_does_not_cross_directories() {
    // `doc/architecture/*.md` is a contract; a nested file under it is not.
    let report = judge("B-ui", vec![Change::modified("doc/architecture/adr/x.md")]);
    assert!(report.is_clean(), "{:#?}", report.violations);
    let report = judge("B-ui", vec![Change::modified("doc/architecture/x.md")]);
    assert_eq!(only(&report).rule, Rule::ContractOwner);
}

// ---- specificity ----------------------------------------------------------------------------

fn more_specific(a: &str, b: &str) -> bool {
    Specificity::of(a) > Specificity::of(b)
}

#[test]
fn longer_literal_prefix_is_more_specific() {
    assert!(more_specific("web/ui/**", "web/**"));
    assert!(more_specific("cmd/**", "**/*.go"));
    assert!(more_specific("lanes.toml", "*.toml"));
}

#[test]
fn more_literals_then_lighter_wildcards_break_prefix_ties() {
    assert!(more_specific("web/**/*.ts", "web/**"));
    assert!(more_specific("web/*", "web/**"));
    assert!(more_specific("web/*.ts", "web/*"));
}

#[test]
fn equal_shapes_tie() {
    assert_eq!(Specificity::of("a/*.go"), Specificity::of("a/?.go"));
    assert_eq!(Specificity::of("go.mod"), Specificity::of("go.mod"));
}

#[test]
fn classes_alternates_and_escapes_are_ranked() {
    // `[]]` is a class holding `]`; the rest is literal.
    assert_eq!(Specificity::of("[]]ab"), Specificity::of("?ab"));
    assert!(more_specific("\\*ab", "*ab"));
    // Alternates count as one wildcard and no literals.
    assert_eq!(Specificity::of("{web,e2e}/x"), Specificity::of("*/x"));
}

// ---- ownership ------------------------------------------------------------------------------

#[test]
fn owned_paths_are_allowed() {
    let changes = vec![
        Change::added("cmd/wt/main.go"),
        Change::modified("internal/db/db.go"),
        Change::deleted("internal/old.go"),
    ];
    let report = judge("A-backend", changes);
    assert_eq!(report, Report::default());
}

#[test]
fn unowned_paths_are_allowed() {
    let changes = vec![Change::modified("README.md"), Change::added("Makefile")];
    assert!(judge("B-ui", changes).is_clean());
}

#[test]
fn a_path_of_another_role_is_refused_naming_the_owner() {
    let report = judge("A-backend", vec![Change::modified("web/app.ts")]);
    let v = only(&report);
    assert_eq!(v.rule, Rule::Ownership);
    assert_eq!(v.owner.as_deref(), Some("B-ui"));
    assert_eq!(v.paths, ["web/app.ts"]);
    assert_eq!(
        v.message,
        "web/app.ts is owned by B-ui: raise it with B-ui or move the change to that lane"
    );
    assert_eq!(
        v.fix,
        "restore it from base on this branch and hand the change to B-ui"
    );
}

#[test]
fn two_paths_are_named_both() {
    let changes = vec![Change::modified("web/a.ts"), Change::added("e2e/b.spec.ts")];
    let v = only(&judge("C-ops", changes)).clone();
    assert_eq!(
        v.message,
        "web/a.ts and e2e/b.spec.ts are owned by B-ui: raise them with B-ui or move the changes \
         to that lane"
    );
}

#[test]
fn many_paths_are_grouped_per_owner() {
    let mut changes: Vec<Change> = (0..300)
        .map(|i| Change::modified(format!("web/f{i}.ts")))
        .collect();
    changes.extend((0..5).map(|i| Change::added(format!("ops/x{i}.yaml"))));
    changes.push(Change::modified("internal/mine.go"));
    let report = judge("A-backend", changes);
    assert_eq!(rules_of(&report), [Rule::Ownership, Rule::Ownership]);
    let (ui, ops) = (&report.violations[0], &report.violations[1]);
    assert_eq!(ui.owner.as_deref(), Some("B-ui"));
    assert_eq!(ui.paths.len(), 300);
    assert_eq!(ui.paths[0], "web/f0.ts");
    assert_eq!(ui.paths[299], "web/f299.ts");
    assert_eq!(
        ui.message,
        "web/f0.ts and 299 more paths are owned by B-ui: raise them with B-ui or move the \
         changes to that lane"
    );
    assert_eq!(ops.owner.as_deref(), Some("C-ops"));
    assert_eq!(ops.paths.len(), 5);
}

#[test]
fn a_deleted_file_of_another_role_is_refused() {
    let report = judge("A-backend", vec![Change::deleted("ops/deploy.sh")]);
    assert_eq!(only(&report).owner.as_deref(), Some("C-ops"));
}

#[test]
fn renaming_a_file_out_of_another_role_is_refused_on_the_old_path() {
    let report = judge(
        "A-backend",
        vec![Change::renamed("web/util.ts", "internal/util.ts")],
    );
    let v = only(&report);
    assert_eq!(
        (v.rule, v.paths.clone()),
        (Rule::Ownership, strings(&["web/util.ts"]))
    );
}

#[test]
fn a_path_listed_twice_is_reported_once() {
    let changes = vec![
        Change::modified("web/a.ts"),
        Change::renamed("web/a.ts", "web/b.ts"),
    ];
    assert_eq!(
        only(&judge("A-backend", changes)).paths,
        ["web/a.ts", "web/b.ts"]
    );
}

fn overlapping() -> Rules {
    Rules {
        roles: vec![
            role("A-backend", &["internal/**", "**/*.go"]),
            role("B-ui", &["internal/ui/**", "go.mod"]),
            role("C-ops", &["go.mod", "ops/**"]),
        ],
        ..Rules::default()
    }
}

#[test]
fn the_most_specific_glob_wins_across_roles() {
    let r = overlapping();
    let ui_file = || vec![Change::modified("internal/ui/view.go")];
    assert!(run(&r, &branch("B-ui", ui_file())).is_clean());
    let report = run(&r, &branch("A-backend", ui_file()));
    assert_eq!(only(&report).owner.as_deref(), Some("B-ui"));
    let report = run(
        &r,
        &branch("B-ui", vec![Change::modified("internal/db.go")]),
    );
    assert_eq!(only(&report).owner.as_deref(), Some("A-backend"));
}

#[test]
fn a_directory_claim_beats_an_extension_claim() {
    let r = overlapping();
    // `ops/**` beats `**/*.go` for a Go file under ops/.
    assert!(run(&r, &branch("C-ops", vec![Change::added("ops/tool.go")])).is_clean());
    let report = run(&r, &branch("A-backend", vec![Change::added("ops/tool.go")]));
    assert_eq!(only(&report).owner.as_deref(), Some("C-ops"));
    // Elsewhere the extension claim stands.
    let report = run(&r, &branch("C-ops", vec![Change::added("tools/gen.go")]));
    assert_eq!(only(&report).owner.as_deref(), Some("A-backend"));
}

#[test]
fn equally_specific_globs_make_co_owners() {
    let r = overlapping();
    let gomod = || vec![Change::modified("go.mod")];
    assert!(run(&r, &branch("B-ui", gomod())).is_clean());
    assert!(run(&r, &branch("C-ops", gomod())).is_clean());
    // Another lane is refused, naming the first co-owner in config order.
    let report = run(&r, &branch("A-backend", gomod()));
    assert_eq!(only(&report).owner.as_deref(), Some("B-ui"));
}

#[test]
fn a_lane_whose_role_is_not_configured_owns_nothing() {
    let report = judge(
        "Z-none",
        vec![Change::modified("cmd/x.go"), Change::added("README.md")],
    );
    let v = only(&report);
    assert_eq!(
        (v.owner.as_deref(), v.paths.clone()),
        (Some("A-backend"), strings(&["cmd/x.go"]))
    );
}

// ---- contracts: who -------------------------------------------------------------------------

#[test]
fn the_contract_owner_may_change_contracts() {
    let changes = vec![
        Change::modified("doc/api/openapi.yaml"),
        Change::added("doc/architecture/x.md"),
    ];
    assert!(judge("A-backend", changes).is_clean());
}

#[test]
fn another_role_changing_a_contract_is_refused() {
    let report = judge("B-ui", vec![Change::modified("doc/api/openapi.yaml")]);
    let v = only(&report);
    assert_eq!(v.rule, Rule::ContractOwner);
    assert_eq!(v.owner.as_deref(), Some("A-backend"));
    assert_eq!(
        v.message,
        "doc/api/openapi.yaml is under [contracts], which only A-backend may change: raise a \
         contract request with A-backend"
    );
}

#[test]
fn several_contract_owners_are_named_together() {
    let mut r = rules();
    r.contracts.owners.push("C-ops".into());
    assert!(run(
        &r,
        &branch("C-ops", vec![Change::modified("doc/api/a.yaml")])
    )
    .is_clean());
    let report = run(
        &r,
        &branch("B-ui", vec![Change::modified("doc/api/a.yaml")]),
    );
    assert_eq!(only(&report).owner.as_deref(), Some("A-backend, C-ops"));
}

#[test]
fn no_contract_owners_means_nobody_may_change_contracts() {
    let mut r = rules();
    r.contracts.owners.clear();
    let report = run(
        &r,
        &branch("A-backend", vec![Change::modified("doc/api/a.yaml")]),
    );
    let v = only(&report);
    assert_eq!((v.rule, v.owner.clone()), (Rule::ContractOwner, None));
    assert!(
        v.message.contains("[contracts] owners is empty"),
        "{}",
        v.message
    );
}

#[test]
fn contracts_govern_their_paths_over_owns() {
    let mut r = rules();
    r.roles[2].owns.push("doc/**".into());
    // C-ops owns doc/** but is no contract owner: a contract violation, not an ownership one.
    let report = run(
        &r,
        &branch("C-ops", vec![Change::modified("doc/api/a.yaml")]),
    );
    assert_eq!(only(&report).rule, Rule::ContractOwner);
    // A-backend does not own doc/** but owns the contracts.
    assert!(run(
        &r,
        &branch("A-backend", vec![Change::modified("doc/api/a.yaml")])
    )
    .is_clean());
}

// ---- contracts: order -----------------------------------------------------------------------

fn ordered(commits: Vec<Commit>) -> Report {
    let changes = commits
        .iter()
        .flat_map(|c| c.paths.iter().map(|p| Change::modified(p.as_str())))
        .collect();
    let b = Branch {
        role: "A-backend".into(),
        changes,
        commits,
        allow_test_removal: None,
    };
    run(&rules(), &b)
}

const SHA1: &str = "1111111111111111111111111111111111111111";
const SHA2: &str = "2222222222222222222222222222222222222222";
const SHA3: &str = "3333333333333333333333333333333333333333";
const SHA4: &str = "4444444444444444444444444444444444444444";

#[test]
fn contract_commits_first_are_allowed() {
    let report = ordered(vec![
        commit(SHA1, "api: add /jobs", &["doc/api/openapi.yaml"]),
        commit(SHA2, "adr: jobs", &["doc/architecture/jobs.md"]),
        commit(SHA3, "jobs handler", &["internal/jobs.go"]),
        commit(SHA4, "jobs cli", &["cmd/jobs.go"]),
    ]);
    assert!(report.is_clean(), "{:#?}", report.violations);
}

#[test]
fn a_contract_commit_after_an_implementation_commit_is_refused() {
    let report = ordered(vec![
        commit(SHA1, "jobs handler", &["internal/jobs.go"]),
        commit(SHA2, "api: add /jobs", &["doc/api/openapi.yaml"]),
    ]);
    let v = only(&report);
    assert_eq!(v.rule, Rule::ContractOrder);
    assert_eq!(v.owner, None);
    assert_eq!(v.paths, ["doc/api/openapi.yaml"]);
    assert_eq!(
        v.message,
        "commit 2222222 \"api: add /jobs\" changes contract doc/api/openapi.yaml after \
         implementation commit 1111111 \"jobs handler\": contracts must come first"
    );
}

#[test]
fn a_mixed_commit_is_allowed_at_the_head_of_the_branch() {
    let first = ordered(vec![
        commit(
            SHA1,
            "api and handler",
            &["doc/api/openapi.yaml", "internal/jobs.go"],
        ),
        commit(SHA2, "cli", &["cmd/jobs.go"]),
    ]);
    assert!(first.is_clean());
    let after_contracts = ordered(vec![
        commit(SHA1, "api", &["doc/api/openapi.yaml"]),
        commit(
            SHA2,
            "api and handler",
            &["doc/api/jobs.yaml", "internal/jobs.go"],
        ),
    ]);
    assert!(after_contracts.is_clean());
}

#[test]
fn a_mixed_commit_after_implementation_is_refused() {
    let report = ordered(vec![
        commit(SHA1, "handler", &["internal/jobs.go"]),
        commit(
            SHA2,
            "api and cli",
            &["doc/api/openapi.yaml", "cmd/jobs.go"],
        ),
    ]);
    assert_eq!(only(&report).rule, Rule::ContractOrder);
}

#[test]
fn a_contract_commit_after_a_mixed_commit_is_refused() {
    let report = ordered(vec![
        commit(
            SHA1,
            "api and handler",
            &["doc/api/openapi.yaml", "internal/jobs.go"],
        ),
        commit(SHA2, "api fixup", &["doc/api/openapi.yaml"]),
    ]);
    let v = only(&report);
    assert!(
        v.message.starts_with("commit 2222222 \"api fixup\""),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("after implementation commit 1111111"),
        "{}",
        v.message
    );
}

#[test]
fn every_late_contract_commit_is_counted_and_its_paths_listed() {
    let report = ordered(vec![
        commit(SHA1, "handler", &["internal/jobs.go"]),
        commit(SHA2, "api", &["doc/api/a.yaml"]),
        commit(SHA3, "more api", &["doc/api/a.yaml", "doc/api/b.yaml"]),
        commit(SHA4, "adr", &["doc/architecture/c.md"]),
    ]);
    let v = only(&report);
    assert_eq!(
        v.paths,
        ["doc/api/a.yaml", "doc/api/b.yaml", "doc/architecture/c.md"]
    );
    assert!(v
        .message
        .contains("\"api\" changes contract doc/api/a.yaml and 2 more paths"));
    assert!(v.message.contains("(and 2 more commits)"), "{}", v.message);
}

#[test]
fn empty_commits_and_single_kind_branches_pass() {
    assert!(ordered(vec![
        commit(SHA1, "empty", &[]),
        commit(SHA2, "api", &["doc/api/a.yaml"])
    ])
    .is_clean());
    assert!(ordered(vec![
        commit(SHA1, "a", &["cmd/a.go"]),
        commit(SHA2, "b", &["cmd/b.go"])
    ])
    .is_clean());
    assert!(ordered(vec![]).is_clean());
}

#[test]
fn short_shas_are_kept_whole() {
    let report = ordered(vec![
        commit("abc", "handler", &["internal/jobs.go"]),
        commit("def", "api", &["doc/api/a.yaml"]),
    ]);
    assert!(only(&report).message.starts_with("commit def \"api\""));
}

#[test]
fn order_and_owner_violations_are_both_reported() {
    let commits = vec![
        commit(SHA1, "ui", &["web/a.ts"]),
        commit(SHA2, "api", &["doc/api/a.yaml"]),
    ];
    let changes = vec![
        Change::modified("web/a.ts"),
        Change::modified("doc/api/a.yaml"),
    ];
    let b = Branch {
        role: "B-ui".into(),
        changes,
        commits,
        allow_test_removal: None,
    };
    assert_eq!(
        rules_of(&run(&rules(), &b)),
        [Rule::ContractOwner, Rule::ContractOrder]
    );
}

// ---- kept tests -----------------------------------------------------------------------------

fn with_reason(changes: Vec<Change>, reason: Option<&str>) -> Report {
    let mut b = branch("A-backend", changes);
    b.allow_test_removal = reason.map(str::to_string);
    run(&rules(), &b)
}

#[test]
fn deleting_a_kept_test_is_refused_without_a_reason() {
    let report = with_reason(vec![Change::deleted("internal/db/db_test.go")], None);
    let v = only(&report);
    assert_eq!((v.rule, v.owner.clone()), (Rule::TestRemoved, None));
    assert_eq!(
        v.message,
        "internal/db/db_test.go is deleted, and [policy] tests keeps it"
    );
    assert_eq!(
        v.fix,
        "restore it, or pass --allow-test-removal REASON to record why"
    );
    assert_eq!(report.removed_tests, ["internal/db/db_test.go"]);
}

#[test]
fn deleting_a_kept_test_with_a_reason_is_allowed_and_recorded() {
    let report = with_reason(
        vec![Change::deleted("tests/old.sh")],
        Some("flaky, replaced by X"),
    );
    assert!(report.is_clean());
    assert_eq!(report.removed_tests, ["tests/old.sh"]);
}

#[test]
fn a_blank_reason_is_no_reason() {
    let report = with_reason(vec![Change::deleted("tests/old.sh")], Some("  "));
    assert_eq!(only(&report).rule, Rule::TestRemoved);
}

#[test]
fn changing_or_adding_tests_is_fine() {
    let changes = vec![
        Change::modified("internal/a_test.go"),
        Change::added("tests/new.sh"),
    ];
    assert_eq!(with_reason(changes, None), Report::default());
}

#[test]
fn deleting_a_non_test_is_not_a_test_removal() {
    let report = with_reason(vec![Change::deleted("internal/a.go")], None);
    assert_eq!(report, Report::default());
}

#[test]
fn renaming_a_test_to_a_test_path_is_a_move() {
    let changes = vec![Change::renamed(
        "internal/a_test.go",
        "internal/b/a_test.go",
    )];
    assert_eq!(with_reason(changes, None), Report::default());
}

#[test]
fn renaming_a_test_out_of_the_test_globs_is_a_removal() {
    let changes = vec![Change::renamed(
        "internal/a_test.go",
        "internal/a_test.go.bak",
    )];
    let report = with_reason(changes, None);
    assert_eq!(only(&report).paths, ["internal/a_test.go"]);
    assert_eq!(report.removed_tests, ["internal/a_test.go"]);
}

#[test]
fn many_removed_tests_are_one_violation() {
    let changes = (0..50)
        .map(|i| Change::deleted(format!("tests/t{i}.sh")))
        .collect();
    let report = with_reason(changes, None);
    let v = only(&report);
    assert_eq!(v.paths.len(), 50);
    assert_eq!(
        v.message,
        "tests/t0.sh and 49 more paths are deleted, and [policy] tests keeps them"
    );
}

// ---- protected files ------------------------------------------------------------------------

#[test]
fn an_unowned_protected_file_is_refused() {
    let report = judge("A-backend", vec![Change::modified("lanes.toml")]);
    let v = only(&report);
    assert_eq!((v.rule, v.owner.clone()), (Rule::ProtectedFile, None));
    assert_eq!(
        v.message,
        "lanes.toml is protected: a lane may not change the config or queue that judges its own \
         merge"
    );
}

#[test]
fn the_owning_role_may_change_a_protected_file() {
    let queue = "doc/governance/Agent_Work_Queue.yaml";
    assert!(judge("C-ops", vec![Change::modified(queue)]).is_clean());
    let report = judge("B-ui", vec![Change::modified(queue)]);
    let v = only(&report);
    assert_eq!(
        (v.rule, v.owner.as_deref()),
        (Rule::ProtectedFile, Some("C-ops"))
    );
    assert!(
        v.message.contains("protected and owned by C-ops"),
        "{}",
        v.message
    );
}

#[test]
fn a_role_owning_lanes_toml_may_change_it() {
    let mut r = rules();
    r.roles[2].owns.push("lanes.toml".into());
    assert!(run(&r, &branch("C-ops", vec![Change::modified("lanes.toml")])).is_clean());
}

#[test]
fn renaming_or_deleting_a_protected_file_is_refused() {
    let report = judge(
        "A-backend",
        vec![Change::renamed("lanes.toml", "cmd/lanes.toml")],
    );
    assert_eq!(only(&report).paths, ["lanes.toml"]);
    let report = judge("A-backend", vec![Change::deleted("lanes.toml")]);
    assert_eq!(only(&report).rule, Rule::ProtectedFile);
}

#[test]
fn a_nested_file_of_the_same_name_is_not_protected() {
    assert!(judge("A-backend", vec![Change::modified("cmd/lanes.toml")]).is_clean());
}

// ---- gates ----------------------------------------------------------------------------------

#[test]
fn gates_report_index_command_and_matched_paths() {
    let changes = vec![
        Change::modified("doc/api/openapi.yaml"),
        Change::modified("cmd/x.go"),
        Change::deleted("doc/api/old.yaml"),
    ];
    let report = judge("A-backend", changes);
    assert_eq!(
        report.gates,
        [TriggeredGate {
            index: 0,
            run: "make codegen".into(),
            paths: strings(&["doc/api/openapi.yaml", "doc/api/old.yaml"]),
        }]
    );
}

#[test]
fn a_path_matching_two_globs_of_one_gate_is_listed_once() {
    let report = judge(
        "B-ui",
        vec![Change::modified("web/a.ts"), Change::modified("web/b.css")],
    );
    assert_eq!(report.gates.len(), 1);
    assert_eq!(report.gates[0].index, 1);
    assert_eq!(report.gates[0].paths, ["web/a.ts", "web/b.css"]);
}

#[test]
fn untouched_gates_are_absent_and_several_may_trigger() {
    assert!(judge("A-backend", vec![Change::modified("cmd/x.go")])
        .gates
        .is_empty());
    let report = judge(
        "A-backend",
        vec![Change::renamed("web/a.ts", "doc/api/a.ts")],
    );
    let indices: Vec<usize> = report.gates.iter().map(|g| g.index).collect();
    assert_eq!(indices, [0, 1]);
}

// ---- report ---------------------------------------------------------------------------------

#[test]
fn violations_come_sorted_by_rule_then_owner() {
    let changes = vec![
        Change::modified("lanes.toml"),
        Change::deleted("tests/a.sh"),
        Change::modified("web/a.ts"),
        Change::modified("doc/api/a.yaml"),
        Change::modified("ops/a.sh"),
    ];
    let report = judge("C-ops", changes);
    assert_eq!(
        rules_of(&report),
        [
            Rule::Ownership,
            Rule::ContractOwner,
            Rule::TestRemoved,
            Rule::ProtectedFile
        ]
    );
    let report = judge(
        "A-backend",
        vec![Change::modified("web/a.ts"), Change::added("ops/a")],
    );
    let owners: Vec<_> = report
        .violations
        .iter()
        .map(|v| v.owner.clone().unwrap())
        .collect();
    assert_eq!(owners, ["B-ui", "C-ops"]);
}

#[test]
fn a_clean_report_refuses_nothing() {
    assert!(judge("A-backend", vec![Change::modified("cmd/x.go")])
        .refusal("A-backend")
        .is_none());
}

#[test]
fn a_report_with_violations_refuses_with_exit_1() {
    let report = judge(
        "A-backend",
        vec![Change::modified("web/a.ts"), Change::modified("lanes.toml")],
    );
    let e = report.refusal("A-backend").expect("violations refuse");
    assert_eq!(e.kind, Kind::Refused);
    assert_eq!(e.exit_code(), 1);
    assert_eq!(e.message, "lane A-backend breaks 2 policy rules");
    assert_eq!(e.details.len(), 2);
    assert_eq!(e.hints.len(), 2);
}

#[test]
fn reports_serialize_for_json() {
    let report = judge(
        "A-backend",
        vec![Change::modified("web/a.ts"), Change::modified("doc/api/x")],
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["violations"][0]["rule"], "ownership");
    assert_eq!(json["violations"][0]["owner"], "B-ui");
    assert_eq!(json["violations"][0]["paths"][0], "web/a.ts");
    assert_eq!(json["gates"][0]["index"], 0);
    assert_eq!(json["removed_tests"], serde_json::json!([]));
    let rule = serde_json::to_value(Rule::ContractOrder).unwrap();
    assert_eq!(rule, "contract_order");
}

#[test]
fn a_compiled_policy_judges_many_branches() {
    let policy = compile(&rules()).unwrap();
    let a = policy.evaluate(&branch("A-backend", vec![Change::modified("web/a.ts")]));
    let b = policy.evaluate(&branch("B-ui", vec![Change::modified("web/a.ts")]));
    assert!(!a.is_clean() && b.is_clean());
}

#[test]
fn changes_expose_touched_and_removed_paths() {
    let renamed = Change::renamed("a/old.go", "a/new.go");
    assert_eq!(
        renamed.touched().collect::<Vec<_>>(),
        ["a/new.go", "a/old.go"]
    );
    assert_eq!(renamed.removed_path(), Some("a/old.go"));
    assert_eq!(Change::deleted("a/x").removed_path(), Some("a/x"));
    assert_eq!(Change::modified("a/x").removed_path(), None);
    assert_eq!(Change::added("a/x").touched().count(), 1);
}

#[test]
fn rule_names_match_their_json() {
    let all = [
        Rule::Ownership,
        Rule::ContractOwner,
        Rule::ContractOrder,
        Rule::TestRemoved,
        Rule::ProtectedFile,
    ];
    for rule in all {
        assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
    }
}

#[test]
fn a_refusal_names_each_rule_and_gives_each_fix_once() {
    let report = judge(
        "A-backend",
        vec![Change::modified("web/a.ts"), Change::modified("ops/b.yaml")],
    );
    let e = report.refusal("A-backend").expect("violations refuse");
    assert_eq!(e.details.len(), 2);
    assert!(e.details[0].starts_with("ownership: web/a.ts is owned by B-ui"));
    assert_eq!(e.hints.len(), 2, "different owners, different fixes");
    let twice = Violation {
        owner: Some("C-ops".into()),
        ..report.violations[1].clone()
    };
    let e = refusal("A-backend", &[twice.clone(), twice]).unwrap();
    assert_eq!(e.hints.len(), 1, "{:?}", e.hints);
}

#[test]
fn kept_tests_are_recognised() {
    let policy = compile(&rules()).unwrap();
    assert!(policy.is_kept_test("internal/x_test.go"));
    assert!(policy.is_kept_test("tests/e2e/login.spec"));
    assert!(!policy.is_kept_test("internal/x.go"));
}

#[test]
fn only_directories_that_can_hold_contracts_are_worth_entering() {
    let policy = compile(&rules()).unwrap();
    for dir in ["doc/", "doc/api/", "doc/api/v1/", "doc/architecture/"] {
        assert!(policy.may_hold_contracts(dir), "{dir}");
    }
    for dir in ["cmd/", "docs/", "doc/governance/", "web/doc/"] {
        assert!(!policy.may_hold_contracts(dir), "{dir}");
    }
    let mut anywhere = rules();
    anywhere.contracts.paths = strings(&["**/*.proto"]);
    assert!(compile(&anywhere).unwrap().may_hold_contracts("web/"));
    let mut none = rules();
    none.contracts.paths.clear();
    assert!(!compile(&none).unwrap().may_hold_contracts("doc/"));
    let mut partial = rules();
    partial.contracts.paths = strings(&["schema*/v[12]/*.json"]);
    let partial = compile(&partial).unwrap();
    assert!(partial.may_hold_contracts("schemas/") && partial.may_hold_contracts("schema/"));
    assert!(!partial.may_hold_contracts("web/"));
}
