#!/bin/sh
# A long fuzz run of the lanes.toml parser, the queue parser and the queue editor: the property
# tests of tests/it/faults_fuzz.rs with many more cases than CI runs. Not part of CI.
#
#   bench/fuzz.sh [CASES]      cases per property (default 20000)
#
# A failure prints proptest's minimal failing input; turn it into a named regression test at the
# bottom of tests/it/faults_fuzz.rs.
set -eu
cd "$(dirname "$0")/.."
cases="${1:-20000}"
echo "fuzzing with $cases cases per property (release build)" >&2
PROPTEST_CASES="$cases" exec cargo test --release --test it faults_fuzz -- --test-threads 2
