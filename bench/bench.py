#!/usr/bin/env python3
"""Time `wt` beside plain git and worktrunk on the repositories built by prepare.py.

Every comparison runs its commands interleaved (round r runs A B C, round r+1 runs B C A, ...)
so that noise from a shared machine hits all of them alike, and reports medians. Before any
timing, each `wt` command is run once and its result checked (exit code, JSON shape, effect on
the repository); a `wt` command that is missing, fails or does nothing is skipped with a note,
and so is worktrunk when it is not installed. Normally started by bench/run.sh.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import prepare  # noqa: E402
from prepare import PREFIX, SIZES, SETUP_LANES, SYNC_LANES  # noqa: E402

DEVNULL_ACTIONS = [
    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
]

# Rounds per comparison: (timed rounds, untimed warm-up rounds). The checking run before the
# rounds also warms the page cache.
ROUNDS = {
    "full": {"status": (10, 1), "preflight": (20, 2), "setup": (5, 0), "sync": (5, 0),
             "queue": (20, 2), "version": (100, 10), "cold": (5, 0)},
    "quick": {"status": (3, 1), "preflight": (5, 1), "setup": (2, 0), "sync": (2, 0),
              "queue": (5, 1), "version": (20, 5), "cold": (2, 0)},
}


def note(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- commands and timing

class Cmd:
    """One side of a comparison: a sequence of processes timed as one unit."""

    def __init__(self, label, tool, steps, env, reset=None, check=None, ok_codes=(0,)):
        self.label = label
        self.tool = tool            # "wt", "git" or "worktrunk"
        self.steps = steps          # [(argv, cwd)], argv[0] an absolute path
        self.env = env
        self.reset = reset          # called, untimed, before every run
        self.check = check          # check(CompletedProcess of the last step) -> None or why not
        self.ok_codes = set(ok_codes)
        self.times = []
        self.skip = None            # why this command is not timed

    def run_timed(self):
        total = 0.0
        for argv, cwd in self.steps:
            os.chdir(cwd)
            t0 = time.perf_counter()
            pid = os.posix_spawn(argv[0], argv, self.env, file_actions=DEVNULL_ACTIONS)
            _, status = os.waitpid(pid, 0)
            total += time.perf_counter() - t0
            code = os.waitstatus_to_exitcode(status)
            if code not in self.ok_codes:
                return None, f"`{' '.join(argv)}` exited {code} during timing"
        return total, None

    def run_checked(self):
        """Run once with output captured; return None when fine, else the reason."""
        if self.reset:
            self.reset()
        last = None
        for argv, cwd in self.steps:
            try:
                last = subprocess.run(argv, cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                                      capture_output=True, text=True, timeout=600)
            except OSError as e:
                return f"cannot start `{argv[0]}`: {e}"
            except subprocess.TimeoutExpired:
                return f"`{' '.join(argv)}` took more than 600 s"
            if last.returncode not in self.ok_codes:
                err = (last.stderr or last.stdout).strip().splitlines()
                first = err[0] if err else "(no output)"
                return f"`{' '.join(argv[1:])}` exited {last.returncode}: {first[:160]}"
        if self.check:
            return self.check(last)
        return None


def interleave(cmds, rounds, warmup):
    live = [c for c in cmds if c.skip is None]
    for r in range(warmup + rounds):
        k = r % len(live) if live else 0
        for c in live[k:] + live[:k]:
            if c.skip:
                continue
            if c.reset:
                c.reset()
            t, err = c.run_timed()
            if err:
                c.skip = err
                c.times = []
                note(f"{c.label}: {err}; dropped")
            elif r >= warmup:
                c.times.append(t)


def stats(times):
    if not times:
        return None
    s = sorted(times)
    return {"runs": len(s), "median": statistics.median(s), "min": s[0], "max": s[-1]}


# ---------------------------------------------------------------- checks

def check_json_array(length):
    def check(p):
        try:
            v = json.loads(p.stdout)
        except ValueError:
            return f"stdout is not JSON ({len(p.stdout)} bytes)"
        if not isinstance(v, list):
            return "stdout is JSON but not an array"
        if length is not None and len(v) != length:
            return f"JSON array has {len(v)} rows, expected {length}"
        return None
    return check


def check_worktrunk(p):
    try:
        v = json.loads(p.stdout)
    except ValueError:
        return f"stdout is not JSON ({len(p.stdout)} bytes)"
    return None if isinstance(v, (list, dict)) else "unexpected JSON"


def check_some_output(p):
    return None if (p.stdout.strip() or p.stderr.strip()) else "exited without printing anything"


def check_version(p):
    out = p.stdout.strip()
    return None if any(ch.isdigit() for ch in out) else "printed no version on stdout"


# ---------------------------------------------------------------- the comparisons

class Bench:
    def __init__(self, a):
        self.a = a
        self.work = Path(a.work).resolve()
        self.mode = "quick" if a.quick else "full"
        self.base_env = prepare.sealed_env(self.work)
        self.git = prepare.Git(self.base_env)
        self.git_bin = shutil.which("git")
        self.wt = str(Path(a.wt).resolve()) if a.wt and os.access(a.wt, os.X_OK) else None
        self.wt_missing = a.wt_note or ("no wt binary" if not self.wt else None)
        wk = a.worktrunk
        self.worktrunk = str(Path(wk).resolve()) if wk and os.access(wk, os.X_OK) else None
        self.worktrunk_missing = a.worktrunk_note or "worktrunk not installed"
        self.results = []           # dicts, one per comparison
        self.notes = []
        # Lane directories removed between setup runs are renamed into this folder and deleted
        # in the background once the timing is over (see prepare.reset_setup).
        self.trash = self.work / "trash" / f"run-{os.getpid()}-{time.strftime('%H%M%S')}"
        self.partial = self.work / "results" / "partial.json"

    def empty_trash(self):
        """Delete the trash (this run's and any left by an interrupted one) in the background,
        at the lowest CPU and I/O priority, once the timing is over."""
        top = self.work / "trash"
        if not top.exists() or not any(top.iterdir()):
            return
        doomed = self.work / f"trash-deleting-{os.getpid()}-{time.monotonic_ns()}"
        os.rename(top, doomed)
        cmd = ["nice", "-n", "19", "rm", "-rf", "--", str(doomed)]
        if shutil.which("ionice"):
            cmd = ["ionice", "-c", "3", *cmd]
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        note(f"deleting {doomed.name} in the background")

    def rounds(self, group, size=None):
        r, w = ROUNDS[self.mode][group]
        if size == "large" and group in ("setup", "sync") and self.mode == "full":
            r = 3   # each round checks out 8 x 50,000 files (setup): keep the run in minutes
        if self.a.runs:
            r = self.a.runs
        return r, w

    def env(self, root):
        return dict(self.base_env, WORKTREE_ROOT=str(root))

    def wt_cmd(self, label, args, cwd, env, **kw):
        c = Cmd(label, "wt", [([self.wt or "wt", *args], cwd)], env, **kw)
        if not self.wt:
            c.skip = self.wt_missing
        return c

    def compare(self, size, name, cmds, group, floor=None):
        """Check, then time interleaved, and record. `floor` is the label ratios are against."""
        for c in cmds:
            if c.skip:
                continue
            why = c.run_checked()
            if why:
                if c.tool == "git":
                    raise SystemExit(f"[bench] plain git failed in '{name}': {why}")
                c.skip = why
        live = [c.label for c in cmds if not c.skip]
        rounds, warmup = self.rounds(group, size)
        note(f"{size}: {name}: {rounds} rounds of {', '.join(live) or 'nothing'}")
        t0 = time.monotonic()
        interleave(cmds, rounds, warmup)
        rec = {"size": size, "name": name, "group": group, "floor": floor,
               "seconds": round(time.monotonic() - t0, 1), "cmds": []}
        for c in cmds:
            rec["cmds"].append({"label": c.label, "tool": c.tool, "skip": c.skip,
                                "stats": stats(c.times), "times": c.times})
            if c.skip:
                self.notes.append(f"{size} / {name}: skipped `{c.label}`: {c.skip}")
        self.results.append(rec)
        for line in table([rec], header=False):
            note(line)
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self.partial.write_text(json.dumps({"results": self.results, "notes": self.notes},
                                           indent=1))
        return rec

    # -- status: wt status --json / git status loop / worktrunk list
    def status(self, size, n):
        root, _ = prepare.ensure_variant(self.work, size, "lanes", n, self.git)
        env, main = self.env(root), root / "main"
        lanes = [prepare.lane_dir(root, k) for k in range(1, n + 1)]
        floor = Cmd(f"git status --porcelain x{n} (floor)", "git",
                    [([self.git_bin, "status", "--porcelain"], d) for d in lanes], env)
        cmds = [floor,
                self.wt_cmd("wt status --json", ["status", "--json"], main, env,
                            check=check_json_array(n))]
        wk = Cmd("worktrunk wt list --format=json", "worktrunk",
                 [([self.worktrunk or "worktrunk-wt", "list", "--format=json"], main)], env,
                 check=check_worktrunk)
        if not self.worktrunk:
            wk.skip = self.worktrunk_missing
        cmds.append(wk)
        self.compare(size, f"status, {n} lanes", cmds, "status", floor=floor.label)

    # -- preflight LANE vs one git status
    def preflight(self, size, n):
        root, _ = prepare.ensure_variant(self.work, size, "lanes", n, self.git)
        env, lane = self.env(root), prepare.lane_dir(root, 1)
        floor = Cmd("git status --porcelain (floor)", "git",
                    [([self.git_bin, "status", "--porcelain"], lane)], env)
        summary = root / "main" / ".git" / "wt" / "queue-summary.json"

        def forget_summary():
            summary.unlink(missing_ok=True)

        # The lane is dirty on purpose, so preflight may say no (exit 1): that still counts.
        # The first wt row is the usual case, the queue unchanged since the last run (its
        # summary remembered); the second reads the 5,000-task queue again, as the first run
        # after any queue change does. The target is judged on the first.
        cmds = [floor,
                self.wt_cmd("wt preflight L1", ["preflight", "L1"], lane, env,
                            check=check_some_output, ok_codes=(0, 1)),
                self.wt_cmd("wt preflight L1, queue re-read", ["preflight", "L1"], lane, env,
                            reset=forget_summary, check=check_some_output, ok_codes=(0, 1))]
        self.compare(size, f"preflight (lane of {n})", cmds, "preflight", floor=floor.label)

    # -- setup of 8 lanes vs 8 git worktree add
    def setup(self, size):
        root, _ = prepare.ensure_variant(self.work, size, "setup", SETUP_LANES, self.git)
        env, main = self.env(root), root / "main"

        def reset():
            prepare.reset_setup(self.git, root, SETUP_LANES, trash=self.trash)

        def check(_p):
            for k in range(1, SETUP_LANES + 1):
                d = prepare.lane_dir(root, k)
                if not (d / ".git").exists():
                    return f"{d.name} was not created"
                br = self.git("-C", d, "symbolic-ref", "--short", "HEAD", capture=True)
                if br != f"agent/L{k}":
                    return f"{d.name} is on {br}, not agent/L{k}"
            return None

        floor = Cmd(f"git worktree add x{SETUP_LANES} (floor)", "git",
                    [([self.git_bin, "worktree", "add", "-q", "--no-track", "-b", f"agent/L{k}",
                       str(prepare.lane_dir(root, k)), "master"], main)
                     for k in range(1, SETUP_LANES + 1)], env, reset=reset, check=check)
        cmds = [floor, self.wt_cmd(f"wt setup ({SETUP_LANES} lanes)", ["setup"], main, env,
                                   reset=reset, check=check)]
        self.compare(size, f"setup, {SETUP_LANES} lanes", cmds, "setup", floor=floor.label)
        reset()

    # -- sync of 8 lanes vs fetch + 8 rebases + 8 pushes
    def sync(self, size):
        root, _ = prepare.ensure_variant(self.work, size, "sync", SYNC_LANES, self.git)
        env, main = self.env(root), root / "main"
        st = json.loads((root / "state.json").read_text())

        def reset():
            prepare.reset_sync(self.git, root)

        def check(_p):
            return None if prepare.sync_check(self.git, root) else \
                "lanes are not rebased onto origin/master and pushed"

        steps = [([self.git_bin, "fetch", "-q", "origin"], main)]
        for lane, tip in st["tips"].items():
            d = str(root / f"{PREFIX}-{lane}")
            steps.append(([self.git_bin, "rebase", "-q", "origin/master"], d))
            steps.append(([self.git_bin, "push", "-q", f"--force-with-lease=agent/{lane}:{tip}",
                           "--force-if-includes", "origin", f"agent/{lane}"], d))
        floor = Cmd(f"fetch + {SYNC_LANES} rebase + {SYNC_LANES} push (floor)", "git", steps,
                    env, reset=reset, check=check)
        cmds = [floor, self.wt_cmd(f"wt sync ({SYNC_LANES} lanes)", ["sync"], main, env,
                                   reset=reset, check=check)]
        self.compare(size, f"sync, {SYNC_LANES} lanes", cmds, "sync", floor=floor.label)
        reset()

    # -- cold reads: `wt status L1` as the first read of a lane right after `wt setup` or
    # `wt sync` wrote it, or after its files were touched, beside a warm `git status` there
    def cold(self, size, n):
        def quiet(argv, cwd, env):
            subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True)

        def pair(name, root, lane, prime):
            env, main = self.env(root), root / "main"
            git_status = [self.git_bin, "status", "--porcelain"]

            def cold_reset():
                prime(env, main)

            def warm_reset():
                prime(env, main)
                quiet(git_status, lane, env)    # git status writes the index back: now warm

            floor = Cmd("git status --porcelain, warm (floor)", "git", [(git_status, lane)], env,
                        reset=warm_reset)
            def warm_wt():
                warm_reset()
                quiet([wt, "status", "--json", "L1"], main, env)

            cmds = [floor, self.wt_cmd(f"wt status L1, {name}", ["status", "--json", "L1"],
                                       main, env, reset=cold_reset, check=check_json_array(1)),
                    self.wt_cmd("wt status L1, warm (for reference)", ["status", "--json", "L1"],
                                main, env, reset=warm_wt, check=check_json_array(1))]
            self.compare(size, f"cold status, {name}", cmds, "cold", floor=floor.label)

        wt = self.wt or "wt"
        root, _ = prepare.ensure_variant(self.work, size, "setup", SETUP_LANES, self.git)

        def after_setup(env, main):
            prepare.reset_setup(self.git, root, SETUP_LANES, trash=self.trash)
            quiet([wt, "setup", "L1"], main, env)

        pair("right after wt setup", root, prepare.lane_dir(root, 1), after_setup)
        prepare.reset_setup(self.git, root, SETUP_LANES, trash=self.trash)

        sroot, _ = prepare.ensure_variant(self.work, size, "sync", SYNC_LANES, self.git)

        def after_sync(env, main):
            prepare.reset_sync(self.git, sroot)
            quiet([wt, "sync", "L1"], main, env)

        pair("right after wt sync", sroot, sroot / f"{PREFIX}-L1", after_sync)
        prepare.reset_sync(self.git, sroot)

        lroot, _ = prepare.ensure_variant(self.work, size, "lanes", n, self.git)
        lane = prepare.lane_dir(lroot, 1)

        def after_touch(env, main):
            now = time.time()
            for dirpath, dirnames, files in os.walk(lane):
                dirnames[:] = [d for d in dirnames if d != ".git"]
                for f in files:
                    os.utime(os.path.join(dirpath, f), (now, now))

        pair("after every file was touched", lroot, lane, after_touch)

    # -- queue ready / claim on 5,000 tasks
    def queue(self, size, n):
        root, _ = prepare.ensure_variant(self.work, size, "lanes", n, self.git)
        env, main = self.env(root), root / "main"
        qfile = main / "queue.yaml"
        pristine = prepare.queue_yaml(n, self.git("-C", main, "rev-parse", "master",
                                                  capture=True))

        def reset():
            qfile.write_text(pristine)

        def check_claim(_p):
            now = qfile.read_text()
            if now == pristine:
                return "the queue file was not changed"
            if now.count("status: in_progress") != pristine.count("status: in_progress") + 1:
                return "no task went to in_progress"
            return None

        cmds = [
            self.wt_cmd("wt queue ready L1", ["queue", "ready", "L1"], main, env,
                        reset=reset, check=check_some_output),
            self.wt_cmd("wt queue claim L1", ["queue", "claim", "L1", "--owner", "bench"],
                        main, env, reset=reset, check=check_claim),
        ]
        self.compare(size, f"queue, {prepare.QUEUE_TASKS} tasks", cmds, "queue")
        reset()

    # -- process start
    def version(self, cwd):
        env = self.base_env
        floor = Cmd("git --version (floor)", "git", [([self.git_bin, "--version"], cwd)], env)
        cmds = [floor, self.wt_cmd("wt --version", ["--version"], cwd, env, check=check_version)]
        self.compare("-", "process start", cmds, "version", floor=floor.label)

    def hyperfine_version(self, cwd):
        """Cross-check of the process-start figures with hyperfine (no shell, -N)."""
        hf = shutil.which("hyperfine")
        if not hf:
            self.notes.append("hyperfine not found: no cross-check of process start")
            return None
        cmds = [f"{self.git_bin} --version"]
        if self.wt and not self.results_skip("process start", "wt --version"):
            cmds.append(f"{self.wt} --version")
        out = self.work / "results" / "hyperfine-version.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        runs = 50 if self.a.quick else 300
        r = subprocess.run([hf, "-N", "--style", "none", "--warmup", "20", "--runs", str(runs),
                            "--export-json", str(out), *cmds], cwd=cwd, env=self.base_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            self.notes.append(f"hyperfine failed: {r.stderr.strip()[:200]}")
            return None
        return [(x["command"], x["median"], x["mean"], x["stddev"])
                for x in json.loads(out.read_text())["results"]]

    def results_skip(self, name, label):
        for rec in self.results:
            if rec["name"] == name:
                for c in rec["cmds"]:
                    if c["label"] == label:
                        return c["skip"]
        return "not run"


# ---------------------------------------------------------------- report

def fmt(t):
    if t is None:
        return "-"
    ms = t * 1000
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 1000 else f"{t:.2f} s"


def median_of(results, size, name, tool):
    for rec in results:
        if rec["size"] == size and rec["name"] == name:
            for c in rec["cmds"]:
                if c["tool"] == tool and c["stats"]:
                    return c["stats"]["median"]
    return None


def median_label(results, size, name, label):
    for rec in results:
        if rec["size"] == size and rec["name"] == name:
            for c in rec["cmds"]:
                if c["label"] == label and c["stats"]:
                    return c["stats"]["median"]
    return None


def table(results, header=True):
    lines = []
    head = f"{'size':6} {'measurement':24} {'command':44} {'runs':>4} {'median':>10} " \
           f"{'min':>10} {'max':>10} {'x floor':>8}"
    if header:
        lines += [head, "-" * len(head)]
    for rec in results:
        floor = median_label(results, rec["size"], rec["name"], rec["floor"]) \
            if rec["floor"] else None
        first = True
        for c in rec["cmds"]:
            s = c["stats"]
            left = f"{rec['size'] if first else '':6} {rec['name'] if first else '':24} "
            first = False
            if c["skip"] or not s:
                lines.append(f"{left}{c['label']:44} {'':>4} {'skipped':>10}")
                continue
            ratio = f"{s['median'] / floor:.2f}" if floor else ""
            lines.append(f"{left}{c['label']:44} {s['runs']:>4} {fmt(s['median']):>10} "
                         f"{fmt(s['min']):>10} {fmt(s['max']):>10} {ratio:>8}")
    return lines


def why_missing(results, size, name):
    """Why a comparison has no wt (or worktrunk) figure, in a few words."""
    for rec in results:
        if rec["size"] == size and rec["name"] == name:
            for c in rec["cmds"]:
                if c["tool"] in ("wt", "worktrunk") and c["skip"]:
                    return f"{c['tool']} skipped: {c['skip'][:70]}"
            return "not measured"
    return "not run"


def targets(results, sizes, lanes):
    """(description, verdict, detail) for every SPEC section 9 target."""
    out = []

    def add(desc, value, limit, better="low", unit="x", where=None):
        if value is None:
            out.append((desc, "SKIP", why_missing(results, *where) if where else "not measured"))
            return
        if unit == "s":
            ok, rel = value < limit, "<"
        elif better == "low":
            ok, rel = value <= limit, "<="
        else:
            ok, rel = value >= limit, ">="
        shown = f"{value * 1000:.1f} ms" if unit == "s" else f"{value:.2f}x"
        lim = f"{limit * 1000:.0f} ms" if unit == "s" else f"{limit:.2f}x"
        out.append((desc, "PASS" if ok else "MISS", f"{shown} (target {rel} {lim})"))

    def ratio(a, b):
        return a / b if a is not None and b else None

    for size in sizes:
        if 8 in lanes:
            n = "status, 8 lanes"
            wt, floor, wk = (median_of(results, size, n, t) for t in ("wt", "git", "worktrunk"))
            add(f"{size}: wt status, 8 lanes vs git loop", ratio(wt, floor), 0.8, where=(size, n))
            add(f"{size}: worktrunk list / wt status, 8 lanes", ratio(wk, wt), 2.0,
                better="high", where=(size, n))
        if 8 in lanes and 32 in lanes:
            w8, w32 = (median_of(results, size, f"status, {k} lanes", "wt") for k in (8, 32))
            g8, g32 = (median_of(results, size, f"status, {k} lanes", "git") for k in (8, 32))
            wg, gg = ratio(w32, w8), ratio(g32, g8)
            if wg is None or gg is None:
                out.append((f"{size}: wt status growth 8->32 lanes vs git loop", "SKIP",
                            why_missing(results, size, "status, 32 lanes")))
            else:
                out.append((f"{size}: wt status growth 8->32 lanes vs git loop",
                            "PASS" if wg <= gg else "MISS",
                            f"wt x{wg:.2f}, git loop x{gg:.2f} (target: wt <= git)"))
        pre = [r for r in results if r["size"] == size and r["group"] == "preflight"]
        if pre:
            nm = pre[0]["name"]
            add(f"{size}: wt preflight vs one git status",
                ratio(median_of(results, size, nm, "wt"), median_of(results, size, nm, "git")),
                1.5, where=(size, nm))
        nm = f"setup, {SETUP_LANES} lanes"
        add(f"{size}: wt setup, 8 lanes vs git worktree add x8",
            ratio(median_of(results, size, nm, "wt"), median_of(results, size, nm, "git")), 1.0,
            where=(size, nm))
        nm = f"sync, {SYNC_LANES} lanes"
        add(f"{size}: wt sync, 8 lanes vs fetch+rebase+push",
            ratio(median_of(results, size, nm, "wt"), median_of(results, size, nm, "git")), 1.1,
            where=(size, nm))
        for what in ("right after wt setup", "right after wt sync"):
            nm = f"cold status, {what}"
            add(f"{size}: wt status of a lane {what} vs warm git status",
                ratio(median_of(results, size, nm, "wt"), median_of(results, size, nm, "git")),
                1.3, where=(size, nm))
        nm = f"queue, {prepare.QUEUE_TASKS} tasks"
        for what in ("ready", "claim"):
            add(f"{size}: wt queue {what}, {prepare.QUEUE_TASKS} tasks",
                median_label(results, size, nm, f"wt queue {what} L1"), 0.050, unit="s",
                where=(size, nm))
    add("wt --version vs git --version",
        ratio(median_of(results, "-", "process start", "wt"),
              median_of(results, "-", "process start", "git")), 2.0,
        where=("-", "process start"))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", default=str(HERE / "work"))
    p.add_argument("--sizes", default="small,large")
    p.add_argument("--lanes", default="2,8,32")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int, default=0, help="timed rounds for every comparison")
    p.add_argument("--wt", default="", help="path of the wt binary")
    p.add_argument("--wt-note", default="", help="why wt is unavailable, if it is")
    p.add_argument("--worktrunk", default="", help="path of worktrunk's binary")
    p.add_argument("--worktrunk-note", default="")
    p.add_argument("--only", default="",
                   help="comma list of status,preflight,setup,sync,queue,version,cold")
    a = p.parse_args()
    sizes = [s for s in a.sizes.split(",") if s]
    for s in sizes:
        if s not in SIZES:
            p.error(f"unknown size {s!r} (known: {', '.join(SIZES)})")
    lanes = [int(x) for x in a.lanes.split(",") if x]
    only = set(a.only.split(",")) if a.only else None

    def want(g):
        return only is None or g in only

    b = Bench(a)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    t0 = time.monotonic()
    try:
        measure(b, a, sizes, lanes, want)
    finally:
        os.chdir(HERE)
        b.empty_trash()
    report(b, a, sizes, lanes, started, t0)


def measure(b, a, sizes, lanes, want):
    for size in sizes:
        for n in lanes:
            if want("status"):
                b.status(size, n)
        qn = 8 if 8 in lanes else lanes[0]
        if want("preflight"):
            b.preflight(size, qn)
        if want("queue"):
            b.queue(size, qn)
        if want("setup"):
            b.setup(size)
        if want("sync"):
            b.sync(size)
        if want("cold"):
            b.cold(size, qn)
    b.hf = None
    if want("version"):
        b.version(b.work)
        b.hf = b.hyperfine_version(b.work)


def report(b, a, sizes, lanes, started, t0):
    hf = getattr(b, "hf", None)
    gen = []
    for size in sizes:
        st = prepare.read_stamp(b.work / "repos" / size / "origin.stamp") or {}
        variants = []
        for d in sorted((b.work / "repos" / size).glob("*/stamp.json")):
            vs = prepare.read_stamp(d) or {}
            variants.append(f"{d.parent.name} {vs.get('seconds', '?')} s")
        gen.append(f"{size}: {st.get('files')} files, {st.get('commits')} commits; "
                   f"fast-import {st.get('seconds')} s, origin.git "
                   f"{(st.get('pack_bytes') or 0) / 2**20:.0f} MiB; built "
                   + ", ".join(variants))

    lines = [f"wt benchmark, {started}, {os.cpu_count()} CPUs, mode {b.mode}, "
             f"{time.monotonic() - t0:.0f} s",
             f"wt: {a.wt or '-'}{'' if b.wt else ' (' + (b.wt_missing or '') + ')'}",
             f"worktrunk: {b.worktrunk or '-'}"
             f"{'' if b.worktrunk else ' (' + b.worktrunk_missing + ')'}",
             f"git: {subprocess.run([b.git_bin, '--version'], capture_output=True, text=True).stdout.strip()}",
             ""] + gen + ["", "Medians of interleaved runs (x floor = median / floor's median):"]
    lines += table(b.results)
    if hf:
        lines += ["", "hyperfine cross-check of process start (-N, 20 warm-up runs):"]
        for cmd, med, mean, sd in hf:
            lines.append(f"  {cmd:60} median {fmt(med)}, mean {fmt(mean)} +- {fmt(sd)}")
    lines += ["", "Targets (SPEC section 9):"]
    for desc, verdict, detail in targets(b.results, sizes, lanes):
        lines.append(f"  {verdict:4}  {desc:52} {detail}")
    if b.notes:
        lines += ["", "Notes:"] + [f"  - {x}" for x in b.notes]
    report = "\n".join(lines) + "\n"
    print(report, end="")

    res = b.work / "results"
    res.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (res / f"bench-{stamp}.txt").write_text(report)
    (res / f"bench-{stamp}.json").write_text(json.dumps(
        {"started": started, "mode": b.mode, "wt": a.wt, "worktrunk": b.worktrunk,
         "results": b.results, "notes": b.notes, "hyperfine": hf}, indent=1))
    shutil.copyfile(res / f"bench-{stamp}.txt", res / "latest.txt")
    note(f"report saved to {res / f'bench-{stamp}.txt'} (and .json)")


if __name__ == "__main__":
    main()
