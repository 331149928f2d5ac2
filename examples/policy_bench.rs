//! Times `wt::policy` on a generated worst-case branch: 500 commits touching 10,000 paths across
//! eight roles, contracts, gates and kept tests, compile included. Prints the figure; it asserts
//! nothing (timed tests are flaky), the target is under 200 ms in release.
//!
//! Run: `cargo run --release --example policy_bench`

use std::time::{Duration, Instant};

use wt::policy::{self, Branch, Change, Commit, ContractRule, GateRule, RoleRule, Rules};

const ROLES: [&str; 8] = [
    "A-backend",
    "B-ui",
    "C-ops",
    "D-data",
    "E-auth",
    "F-infra",
    "G-docs",
    "H-qa",
];
const PATHS: usize = 10_000;
const COMMITS: usize = 500;
const RUNS: usize = 20;

fn rules() -> Rules {
    let roles = ROLES
        .iter()
        .enumerate()
        .map(|(i, name)| RoleRule {
            name: name.to_string(),
            owns: vec![
                format!("area{i}/**"),
                format!("area{i}/sub/**/*.go"),
                format!("pkg/area{i}/*"),
                format!("**/*.r{i}"),
                format!("shared/{{x,y}}{i}/**"),
            ],
        })
        .collect();
    let gates = (0..6)
        .map(|g| GateRule {
            when: vec![format!("area{g}/gen/**"), "doc/api/**".into()],
            run: format!("make gate{g}"),
            requires: vec![],
        })
        .collect();
    Rules {
        roles,
        contracts: ContractRule {
            paths: vec!["doc/api/**".into(), "doc/architecture/*.md".into()],
            owners: vec!["A-backend".into()],
        },
        gates,
        tests: vec![
            "**/*_test.go".into(),
            "**/*.test.ts".into(),
            "tests/**".into(),
        ],
        protected: vec![
            "lanes.toml".into(),
            "doc/governance/Agent_Work_Queue.yaml".into(),
        ],
    }
}

/// Paths spread over every role, contracts, unowned files and tests, some deleted or renamed.
fn changes() -> Vec<Change> {
    (0..PATHS)
        .map(|i| {
            let dir = match i % 10 {
                0 => "doc/api".to_string(),
                1 => "misc".to_string(),
                n => format!("area{}/sub/d{}", n % 8, i % 37),
            };
            match i % 20 {
                3 => Change::deleted(format!("{dir}/f{i}_test.go")),
                7 => Change::renamed(format!("{dir}/old{i}.go"), format!("{dir}/f{i}.go")),
                11 => Change::added(format!("{dir}/f{i}.ts")),
                _ => Change::modified(format!("{dir}/f{i}.go")),
            }
        })
        .collect()
}

/// 500 commits, oldest first, each touching a slice of the changed paths.
fn commits(changes: &[Change]) -> Vec<Commit> {
    let per = changes.len() / COMMITS;
    changes
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| Commit {
            sha: format!("{i:040x}"),
            subject: format!("commit {i}"),
            paths: chunk
                .iter()
                .flat_map(Change::touched)
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

fn main() {
    let rules = rules();
    let changes = changes();
    let branch = Branch {
        role: "A-backend".into(),
        commits: commits(&changes),
        changes,
        allow_test_removal: None,
    };
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut report = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        report = Some(policy::evaluate(&rules, &branch).expect("generated globs compile"));
        times.push(start.elapsed());
    }
    times.sort();
    let report = report.expect("at least one run");
    let grouped: usize = report.violations.iter().map(|v| v.paths.len()).sum();
    println!(
        "policy: {} commits, {} changes, {} violations ({grouped} paths), {} gates, {} removed tests",
        branch.commits.len(),
        branch.changes.len(),
        report.violations.len(),
        report.gates.len(),
        report.removed_tests.len(),
    );
    println!(
        "compile + evaluate over {RUNS} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms (target < 200 ms)",
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
