#!/usr/bin/env bash
# Benchmark `wt` beside plain git and worktrunk. See bench/README.md.
#
#   bench/run.sh [--quick] [--sizes small,large] [--lanes 2,8,32] [--runs N]
#                [--only status,preflight,setup,sync,queue,version]
#                [--no-build] [--wt PATH] [--no-worktrunk] [--wait-worktrunk]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work=$here/work
logs=$work/logs

usage() {
    sed -n "2,6p" "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

  --quick           small repository, 8 lanes, few runs: a smoke run of well under a minute
                    (once the repositories are built); does not wait for worktrunk to install
  --sizes LIST      small (2,000 files, 300 commits), large (50,000 files, 3,000 commits)
  --lanes LIST      lane counts for the status comparison (default 2,8,32)
  --runs N          timed rounds for every comparison (default: per comparison, see bench.py)
  --only LIST       run only these comparisons
  --no-build        do not run `cargo build --release`; use target/release/wt as it is
  --wt PATH         time this wt binary instead of target/release/wt (implies --no-build)
  --no-worktrunk    do not time (nor install) worktrunk
  --wait-worktrunk  with --quick: install worktrunk first if it is missing (takes minutes)
EOF
}

quick=0 sizes="" lanes="" runs="" only="" build=1 wt_bin="" use_worktrunk=1 wait_worktrunk=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=1 ;;
        --sizes) sizes=${2:?--sizes needs a value}; shift ;;
        --sizes=*) sizes=${1#*=} ;;
        --lanes) lanes=${2:?--lanes needs a value}; shift ;;
        --lanes=*) lanes=${1#*=} ;;
        --runs) runs=${2:?--runs needs a value}; shift ;;
        --runs=*) runs=${1#*=} ;;
        --only) only=${2:?--only needs a value}; shift ;;
        --only=*) only=${1#*=} ;;
        --no-build) build=0 ;;
        --wt) wt_bin=${2:?--wt needs a value}; build=0; shift ;;
        --wt=*) wt_bin=${1#*=}; build=0 ;;
        --no-worktrunk) use_worktrunk=0 ;;
        --wait-worktrunk) wait_worktrunk=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [[ $quick == 1 ]]; then
    sizes=${sizes:-small}
    lanes=${lanes:-8}
else
    sizes=${sizes:-small,large}
    lanes=${lanes:-2,8,32}
fi
[[ $sizes =~ ^(small|large)(,(small|large))*$ ]] || { echo "run.sh: bad --sizes: $sizes" >&2; exit 2; }
[[ $lanes =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "run.sh: bad --lanes: $lanes" >&2; exit 2; }
for n in ${lanes//,/ }; do
    (( n >= 1 && n <= 32 )) || { echo "run.sh: lane counts go from 1 to 32" >&2; exit 2; }
done
[[ -z $runs || $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad --runs: $runs" >&2; exit 2; }

mkdir -p "$logs"
say() { printf '[run] %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------
for tool in git python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
if ! command -v hyperfine >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing hyperfine (apt-get)"
        { apt-get update -q && apt-get install -y -q hyperfine; } >"$logs/apt-hyperfine.log" 2>&1 \
            || say "could not install hyperfine (see $logs/apt-hyperfine.log); going on without it"
    else
        say "hyperfine not found and not root: going on without its cross-check"
    fi
fi

# worktrunk compiles for several minutes: start it first, in the background, and let the
# repository generation run meanwhile.
worktrunk_bin=$work/tools/bin/worktrunk-wt
worktrunk_note=""
wk_pid=""
if [[ $use_worktrunk == 0 ]]; then
    worktrunk_bin="" worktrunk_note="--no-worktrunk given"
elif [[ ! -x $worktrunk_bin ]]; then
    if [[ $quick == 1 && $wait_worktrunk == 0 ]]; then
        worktrunk_note="not installed; run bench/install_worktrunk.sh (or run.sh --wait-worktrunk)"
        worktrunk_bin=""
    else
        say "installing worktrunk in the background (log: $logs/worktrunk-install.log)"
        bash "$here/install_worktrunk.sh" >"$logs/worktrunk-install.log" 2>&1 &
        wk_pid=$!
    fi
fi

# --- wt ----------------------------------------------------------------------------------
wt_note=""
if [[ -z $wt_bin ]]; then
    wt_bin=$repo/target/release/wt
    if [[ $build == 1 ]]; then
        say "building wt (cargo build --release; log: $logs/cargo-build.log)"
        if ! (cd "$repo" && nice -n 10 cargo build --release --bin wt) >"$logs/cargo-build.log" 2>&1; then
            wt_note="cargo build --release failed (see $logs/cargo-build.log)"
            say "$wt_note; wt measurements will be skipped"
            wt_bin=""
        fi
    fi
fi
if [[ -n $wt_bin && -x $wt_bin ]]; then
    wt_bin=$(realpath "$wt_bin")
elif [[ -n $wt_bin ]]; then
    wt_note="$wt_bin does not exist"
    wt_bin=""
fi

# --- repositories (cached under bench/work/repos/<size>) ---------------------------------
for size in ${sizes//,/ }; do
    say "preparing $size repositories"
    nice -n 10 python3 "$here/prepare.py" --work "$work" --size "$size" --lanes "$lanes"
done

if [[ -n $wk_pid ]]; then
    say "waiting for the worktrunk install to finish"
    if ! wait "$wk_pid"; then
        worktrunk_note="install failed (see $logs/worktrunk-install.log)"
        worktrunk_bin=""
    fi
fi
if [[ -n $worktrunk_bin && ! -x $worktrunk_bin ]]; then
    worktrunk_note=${worktrunk_note:-"$worktrunk_bin missing"}
    worktrunk_bin=""
fi

# --- measure -------------------------------------------------------------------------------
args=(--work "$work" --sizes "$sizes" --lanes "$lanes"
      --wt "$wt_bin" --wt-note "$wt_note"
      --worktrunk "$worktrunk_bin" --worktrunk-note "$worktrunk_note")
[[ $quick == 1 ]] && args+=(--quick)
[[ -n $runs ]] && args+=(--runs "$runs")
[[ -n $only ]] && args+=(--only "$only")
exec python3 "$here/bench.py" "${args[@]}"
