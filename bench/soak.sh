#!/usr/bin/env bash
# bench/soak.sh: many agents on two machines, for minutes, with faults; then the invariants.
#
#   bench/soak.sh [--agents N] [--minutes M | --seconds S] [--check-seconds C] [--wt PATH] [--keep]
#
# Defaults: 8 agents, 5 minutes, checks of 3 s. Not part of CI (see bench/README.md).
#
# The world: a bare remote served by `git daemon` on 127.0.0.1 (the remote two machines share),
# two clones of it (machine 1 and machine 2, each with its own lanes), N roles R1..RN (one lane
# each, owning rK/**, one check `sleep C`), and a committed queue of tasks per role. Agent K works
# on machine (K mod 2)+1 and loops: `wt queue claim`, one commit in its lane, `wt sync`,
# `wt merge` (when wt refuses because the agent committed on top of a rebase a killed wt left,
# it runs the two commands the hint gives). Meanwhile: a random `wt` of a random agent is killed
# with SIGKILL every few seconds, the remote goes away for a few seconds once, and a person
# pushes to master every few seconds. A sampler reads the remote's master every second.
#
# Invariants (exit 0 only when all hold):
#   1. every commit an agent made is on the remote's master (its file there, same content) or
#      still on its lane's branch;
#   2. the remote's master never rewound (every sample contains the one before) and has no merge
#      commits;
#   3. the queue is valid at every commit of its history: well-formed, known statuses, at most
#      one in_progress per lane, one owner per task at a time (an owner changes only after the
#      task left in_progress), never `done` without its merged_commit on master;
#   4. no stuck state at the end (after one settling `wt merge` per lane): no lock held, no
#      rebase in progress, no merge journal left, `wt status` and `wt queue validate` exit 0 on
#      both machines.
# Then it prints throughput: tasks merged per agent-minute, calls by exit code, p50/p95 of claim,
# sync and merge, and how long calls sat waiting for a lock another lane held (the sum of wt's
# "waited N s for ..." lines per call; "longer than one check" counts calls idle for more than
# one check's length because of another lane).
set -u -o pipefail

AGENTS=8
SECONDS_TOTAL=300
CHECK=3
KEEP=0
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) AGENTS=$2; shift 2 ;;
    --minutes) SECONDS_TOTAL=$(( $2 * 60 )); shift 2 ;;
    --seconds) SECONDS_TOTAL=$2; shift 2 ;;
    --check-seconds) CHECK=$2; shift 2 ;;
    --wt) WT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$WT" ]; then
  if [ -x "$ROOT/target/release/wt" ]; then WT="$ROOT/target/release/wt"; else WT="$ROOT/target/debug/wt"; fi
fi
[ -x "$WT" ] || { echo "soak.sh: no wt binary at $WT (cargo build --release)" >&2; exit 2; }
WT=$(cd "$(dirname "$WT")" && pwd)/$(basename "$WT")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wt-soak.XXXXXX")
LOG="$WORK/log"
mkdir -p "$LOG"
export HOME="$WORK/home"
mkdir -p "$HOME"
git config --global user.name soak
git config --global user.email soak@example.com
git config --global init.defaultBranch master
git config --global gc.auto 0
git config --global maintenance.auto false
export NO_COLOR=1 GIT_TERMINAL_PROMPT=0
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE WORKTREE_ROOT

BG_PIDS=()
DAEMON_PID=""
cleanup() {
  for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "$DAEMON_PID" ] && kill -9 -- "-$DAEMON_PID" 2>/dev/null
  wait 2>/dev/null
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_daemon() {
  # why: its own process group, so that stopping it stops the per-connection children too.
  setsid git daemon --export-all --enable=receive-pack --reuseaddr --listen=127.0.0.1 \
    --port="$PORT" --base-path="$WORK" "$WORK" >/dev/null 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 100); do
    git ls-remote "git://127.0.0.1:$PORT/origin.git" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "soak.sh: git daemon did not start" >&2; exit 3
}
stop_daemon() { kill -9 -- "-$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""; }

# ---- the world
git init -q --bare "$WORK/origin.git"
SEED="$WORK/seed"
git init -q "$SEED"
{
  printf '[project]\nworktree_root = "../lanes"\n\n[queue]\npath = "queue.yaml"\n'
  for k in $(seq "$AGENTS"); do
    printf '\n[[role]]\nname = "R%d"\nowns = ["r%d/**"]\nchecks = ["sleep %s"]\n' "$k" "$k" "$CHECK"
  done
} > "$SEED/lanes.toml"
python3 - "$SEED/queue.yaml" "$AGENTS" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
out = ["version: 1", "tasks:"]
for k in range(1, n + 1):
    for i in range(1, 201):
        out += [f"  - id: R{k}-{i:03d}", f"    title: task {i} of R{k}", f"    role: R{k}",
                "    status: todo", "    owner: null", "    branch: null", "    depends_on: []",
                '    acceptance_checks: ["true"]', "    claimed_at: null", "    completed_at: null",
                "    merged_commit: null"]
open(path, "w").write("\n".join(out) + "\n")
PY
echo "soak" > "$SEED/README.md"
git -C "$SEED" add -A && git -C "$SEED" commit -qm "soak world"
git -C "$SEED" push -q "$WORK/origin.git" master
start_daemon
URL="git://127.0.0.1:$PORT/origin.git"
for m in 1 2; do
  git clone -q "$URL" "$WORK/m$m/main"
done
git clone -q "$URL" "$WORK/human"
machine_of() { echo $(( ($1 % 2) + 1 )); }
for k in $(seq "$AGENTS"); do
  m=$(machine_of "$k")
  (cd "$WORK/m$m/main" && "$WT" --quiet setup "R$k") || { echo "soak.sh: setup R$k failed" >&2; exit 3; }
done

# ---- the actors
now_ms() { date +%s%3N; }
END=$(( $(date +%s) + SECONDS_TOTAL ))

# One timed wt call: "agent command code ms" into calls.log; the pid file lets chaos kill it.
call() {
  local k=$1 name=$2; shift 2
  local m; m=$(machine_of "$k")
  local t0; t0=$(now_ms)
  # why: not --quiet, so that wt's "waited 1.2s for the repository lock" lines are there to
  # sum: how long this call sat idle because another lane held a lock.
  (cd "$WORK/m$m/main" && exec "$WT" --wait 120 "$@") >"$LOG/agent$k.call" 2>&1 &
  local pid=$!
  echo "$pid" > "$LOG/agent$k.pid"
  # why: braces with stderr to /dev/null keep bash's "Killed" job notices (chaos at work) out
  # of the report.
  { wait "$pid"; } 2>/dev/null
  local code=$?
  rm -f "$LOG/agent$k.pid"
  local waited
  waited=$(sed -n 's/^waited \([0-9.]*\)s for .*/\1/p' "$LOG/agent$k.call" | awk '{s += $1} END {printf "%.1f", s}')
  cat "$LOG/agent$k.call" >> "$LOG/agent$k.out"
  echo "R$k $name $code $(( $(now_ms) - t0 )) $waited" >> "$LOG/calls.log"
  # why: as an agent would, wait a moment before trying a remote that did not answer again,
  # rather than counting thousands of instant failures during the outage.
  [ "$code" = 3 ] && sleep 1
  return $code
}

agent() {
  local k=$1 n=0 m; m=$(machine_of "$k")
  local lane="$WORK/m$m/lanes/main-R$k"
  while [ "$(date +%s)" -lt "$END" ]; do
    call "$k" claim queue claim "R$k" --owner "agent-$k"
    n=$((n + 1))
    mkdir -p "$lane/r$k"
    echo "agent $k work $n" > "$lane/r$k/w$n.txt"
    if git -C "$lane" add "r$k/w$n.txt" && git -C "$lane" commit -qm "soak: agent-$k work $n" >/dev/null 2>&1; then
      echo "R$k r$k/w$n.txt agent $k work $n" >> "$LOG/commits.log"
    fi
    call "$k" sync sync "R$k" || finish_rebase "$k" "$lane"
    call "$k" merge merge "R$k" || finish_rebase "$k" "$lane"
  done
}

# What wt's refusal says to do when the agent committed on top of a rebase a killed wt left in
# progress: abort it and cherry-pick the commits it names back on top, then the next call goes on.
finish_rebase() {
  local k=$1 lane=$2 dir
  dir=$(git -C "$lane" rev-parse --git-path rebase-merge 2>/dev/null) || return 0
  case "$dir" in /*) ;; *) dir="$lane/$dir" ;; esac
  [ -d "$dir" ] || return 0
  grep -q "commit(s) were made on top of it" "$LOG/agent$k.call" || return 0
  local shas
  shas=$(sed -n 's/.*cherry-pick \([0-9a-f ]*\)`.*/\1/p' "$LOG/agent$k.call" | head -1)
  [ -n "$shas" ] || return 0
  # shellcheck disable=SC2086 # one argument per commit
  git -C "$lane" rebase --abort >/dev/null 2>&1 &&
    git -C "$lane" cherry-pick $shas >/dev/null 2>&1 &&
    echo "$(date +%s) R$k finished a rebase by hand" >> "$LOG/chaos.log"
}

chaos() {
  while [ "$(date +%s)" -lt "$END" ]; do
    sleep $(( 3 + RANDOM % 5 ))
    local k=$(( 1 + RANDOM % AGENTS ))
    local pid; pid=$(cat "$LOG/agent$k.pid" 2>/dev/null) || continue
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && echo "$(date +%s) killed R$k pid $pid" >> "$LOG/chaos.log"
  done
}

people() {
  local i=0
  while [ "$(date +%s)" -lt "$END" ]; do
    sleep $(( 4 + RANDOM % 6 ))
    i=$((i + 1))
    (
      cd "$WORK/human" || exit 1
      for _ in 1 2 3 4 5; do
        git pull -q --rebase origin master >/dev/null 2>&1 || { git rebase --abort >/dev/null 2>&1; continue; }
        mkdir -p people && echo "person $i" > "people/p$i.txt" && git add people && git commit -qm "person $i" >/dev/null 2>&1
        git push -q origin HEAD:master >/dev/null 2>&1 && { echo "$(date +%s) person $i" >> "$LOG/chaos.log"; break; }
        git reset -q --hard origin/master
      done
    )
  done
}

sampler() {
  while [ "$(date +%s)" -lt "$END" ]; do
    git --git-dir="$WORK/origin.git" rev-parse master >> "$LOG/samples.log" 2>/dev/null
    sleep 1
  done
}

echo "soak: $AGENTS agents on 2 machines, ${SECONDS_TOTAL}s, checks of ${CHECK}s, wt = $WT"
echo "      work dir $WORK"
for k in $(seq "$AGENTS"); do agent "$k" & BG_PIDS+=($!); done
chaos & BG_PIDS+=($!)
people & BG_PIDS+=($!)
sampler & BG_PIDS+=($!)
# The remote goes away for 5 s, a third of the way in.
sleep $(( SECONDS_TOTAL / 3 ))
stop_daemon
echo "$(date +%s) outage" >> "$LOG/chaos.log"
sleep 5
start_daemon
echo "$(date +%s) back" >> "$LOG/chaos.log"
for p in "${BG_PIDS[@]:0:$AGENTS}"; do wait "$p"; done
for p in "${BG_PIDS[@]:$AGENTS}"; do wait "$p" 2>/dev/null; done
BG_PIDS=()

# ---- settle: one merge per lane finishes what a SIGKILL interrupted
for k in $(seq "$AGENTS"); do
  m=$(machine_of "$k")
  (cd "$WORK/m$m/main" && "$WT" --quiet merge "R$k") >>"$LOG/settle.out" 2>&1
  echo "R$k settle $?" >> "$LOG/settle.log"
done
for m in 1 2; do git -C "$WORK/m$m/main" fetch -q origin; done

# ---- invariants and figures
python3 - "$WORK" "$AGENTS" "$SECONDS_TOTAL" "$WT" "$CHECK" <<'PY'
import collections, glob, os, subprocess, sys, yaml, fcntl
# why: the C loader when PyYAML has it: the check parses the whole queue at every queue commit.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
work, agents, secs, wt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
origin = os.path.join(work, "origin.git")
log = os.path.join(work, "log")
fails = []

def git(*args, cwd=origin, check=True):
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"git {args}: {r.stderr}")
    return r

def machine(k):
    return (k % 2) + 1

# 1. every agent commit on master (same file, same content) or still on its lane branch
lost = 0
if os.path.exists(os.path.join(log, "commits.log")):
    for line in open(os.path.join(log, "commits.log")):
        role, path, content = line.rstrip("\n").split(" ", 2)
        k = int(role[1:])
        main = os.path.join(work, f"m{machine(k)}", "main")
        on_master = git("show", f"master:{path}", check=False)
        if on_master.returncode == 0 and on_master.stdout.strip() == content:
            continue
        on_lane = git("show", f"agent/{role}:{path}", cwd=main, check=False)
        if on_lane.returncode == 0 and on_lane.stdout.strip() == content:
            continue
        lost += 1
        fails.append(f"1: {role}'s commit of {path} is neither on master nor on agent/{role}")
commits = sum(1 for _ in open(os.path.join(log, "commits.log"))) if os.path.exists(os.path.join(log, "commits.log")) else 0

# 2. master never rewound; no merge commits
samples = [s.strip() for s in open(os.path.join(log, "samples.log")) if s.strip()]
prev = None
for s in samples:
    if prev and prev != s and git("merge-base", "--is-ancestor", prev, s, check=False).returncode != 0:
        fails.append(f"2: master rewound from {prev[:10]} to {s[:10]}")
    prev = s
merges = git("rev-list", "--merges", "master").stdout.split()
if merges:
    fails.append(f"2: {len(merges)} merge commit(s) on master")

# 3. the queue at every commit of its history
history = git("log", "--reverse", "--format=%H", "master", "--", "queue.yaml").stdout.split()
owner_of = {}
statuses = {"todo", "in_progress", "blocked", "done"}
for c in history:
    text = git("show", f"{c}:queue.yaml").stdout
    try:
        doc = yaml.load(text, Loader=Loader)
        tasks = doc["tasks"]
    except Exception as e:  # noqa
        fails.append(f"3: queue at {c[:10]} does not parse: {e}")
        continue
    per_lane = collections.Counter()
    for t in tasks:
        tid, st = t.get("id"), t.get("status")
        if st not in statuses:
            fails.append(f"3: {tid} has status {st!r} at {c[:10]}")
        if st == "in_progress":
            per_lane[t.get("role")] += 1
            if not t.get("owner"):
                fails.append(f"3: {tid} in_progress without owner at {c[:10]}")
            was = owner_of.get(tid)
            if was and was != t.get("owner"):
                fails.append(f"3: {tid} changed owner {was} -> {t.get('owner')} while in_progress at {c[:10]}")
            owner_of[tid] = t.get("owner")
        else:
            owner_of.pop(tid, None)
        if st == "done":
            mc = t.get("merged_commit")
            if not mc or git("merge-base", "--is-ancestor", str(mc), c, check=False).returncode != 0:
                fails.append(f"3: {tid} done at {c[:10]} without its merged_commit {mc} on master")
    for lane, n in per_lane.items():
        if n > 1:
            fails.append(f"3: {n} tasks in_progress in {lane} at {c[:10]}")
final = yaml.load(git("show", "master:queue.yaml").stdout, Loader=Loader)["tasks"]
done = sum(1 for t in final if t.get("status") == "done")

# 4. no stuck state
for m in (1, 2):
    main = os.path.join(work, f"m{m}", "main")
    common = os.path.join(main, ".git")
    for lock in [os.path.join(common, "wt", "lock")] + glob.glob(os.path.join(common, "wt", "lanes", "*.lock")):
        if not os.path.exists(lock):
            continue
        with open(lock, "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
            except OSError:
                fails.append(f"4: {lock} is still held")
    for d in glob.glob(os.path.join(common, "worktrees", "*")):
        if os.path.isdir(os.path.join(d, "rebase-merge")) or os.path.isdir(os.path.join(d, "rebase-apply")):
            fails.append(f"4: a rebase is in progress in {d}")
    for j in glob.glob(os.path.join(common, "wt", "journal", "*")):
        fails.append(f"4: merge journal left: {j}")
    for args in (["status"], ["queue", "validate"]):
        r = subprocess.run([wt, "--quiet", *args], cwd=main, capture_output=True, text=True)
        if r.returncode != 0:
            fails.append(f"4: machine {m}: wt {' '.join(args)} exited {r.returncode}: {r.stderr.strip()[:300]}")

# figures
calls = collections.defaultdict(list)
codes = collections.defaultdict(collections.Counter)
waits = collections.defaultdict(list)
for line in open(os.path.join(log, "calls.log")):
    role, name, code, ms, waited = line.split()
    calls[name].append(int(ms))
    codes[name][int(code)] += 1
    waits[name].append(float(waited))
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else 0
minutes = secs / 60
merged = codes["merge"][0]
chaos = open(os.path.join(log, "chaos.log")).read().splitlines() if os.path.exists(os.path.join(log, "chaos.log")) else []
print()
print(f"agents {agents}, {secs}s, machines 2; kills {sum('killed' in c for c in chaos)}, "
      f"rebases finished by hand {sum('by hand' in c for c in chaos)}, "
      f"people pushes {sum('person' in c for c in chaos)}, outages {sum(c.endswith('outage') for c in chaos)}")
print(f"tasks done {done}; merges (exit 0) {merged}; merges per agent-minute {merged / agents / minutes:.2f}; "
      f"tasks done per agent-minute {done / agents / minutes:.2f}; agent commits {commits}")
for name in ("claim", "sync", "merge"):
    v = calls[name]
    byc = " ".join(f"{c}:{n}" for c, n in sorted(codes[name].items()))
    print(f"{name:6} calls {len(v):5}  p50 {pct(v, 50):6} ms  p95 {pct(v, 95):6} ms  exit codes {byc}")
check = float(sys.argv[5])
for name in ("claim", "sync", "merge"):
    w = waits[name]
    over = sum(1 for x in w if x > check)
    print(f"{name:6} lock waits: calls that waited {sum(1 for x in w if x > 0):5}  p95 {pct(w, 95):5.1f} s  "
          f"max {max(w, default=0):5.1f} s  longer than one check ({check:g} s): {over}")
print(f"master samples {len(samples)}; queue commits checked {len(history)}")
if fails:
    print(f"\nINVARIANTS FAILED ({len(fails)}):")
    for f in fails[:50]:
        print("  " + f)
    sys.exit(1)
print("\nevery invariant held")
PY
