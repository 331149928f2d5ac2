#!/bin/sh
# onboard.sh: get a new machine ready to work on this repository's lanes.
#   sh onboard.sh            (from anywhere inside the repository)
# Checks git, creates every lane worktree (`wt setup`), runs `wt preflight` on each lane and
# prints what to do next. Safe to run again: setup leaves finished lanes alone.
# Print a fresh copy with `wt init --print-template onboard.sh`.
set -eu

WT=${WT:-wt}

say() { printf '%s\n' "$*" >&2; }
die() { say "onboard: $*"; exit 1; }

# why 2.30: `wt sync` and `wt merge` push lane branches with --force-if-includes (git 2.30), so
# that a lease renewed by a fetch cannot overwrite someone else's push. Everything else wt asks
# of git (worktree add/remove/lock, update-ref with an old value, status --porcelain=v2) is older.
min_major=2
min_minor=30

command -v git >/dev/null 2>&1 || die "git is not installed; install git $min_major.$min_minor or newer"
command -v "$WT" >/dev/null 2>&1 ||
    die "'$WT' is not on PATH; install wt (cargo install --path <wt checkout>) or set WT=/path/to/wt"

# `git version 2.47.3` or `git version 2.39.5 (Apple Git-154)`: major and minor of the 3rd word.
version=$(git --version | awk '{print $3}')
major=$(printf '%s' "$version" | cut -d. -f1)
minor=$(printf '%s' "$version" | cut -d. -f2)
case "$major$minor" in
    '' | *[!0-9]*) die "cannot read the git version from: $(git --version)" ;;
esac
if [ "$major" -lt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -lt "$min_minor" ]; }; then
    die "git $version is too old: wt needs $min_major.$min_minor or newer (for push --force-if-includes)"
fi
say "git $version: ok"

top=$(git rev-parse --show-toplevel 2>/dev/null) || die "run this inside the repository"
cd "$top"

if [ -n "${WORKTREE_ROOT:-}" ]; then
    say "lane worktrees go under WORKTREE_ROOT=$WORKTREE_ROOT"
else
    say "lane worktrees go where lanes.toml says (default: beside this checkout);"
    say "  set WORKTREE_ROOT in your shell profile to put them elsewhere on this machine"
fi

"$WT" setup

# The lane ids, one a line, from `wt status --json`. Lane ids are letters, digits, '-' and ':'
# only, so the pretty-printed `"lane": "..."` lines can be read without a JSON tool.
lanes=$("$WT" status --json | sed -n 's/^ *"lane": *"\([A-Za-z0-9:._-]*\)",\{0,1\}$/\1/p')
[ -n "$lanes" ] || die "lanes.toml defines no lanes; add a [[role]] and run this again"

failed=
for lane in $lanes; do
    say ""
    say "== wt preflight $lane"
    if ! "$WT" preflight "$lane"; then
        failed="$failed $lane"
    fi
done

say ""
if [ -n "$failed" ]; then
    say "preflight failed for:$failed"
    say "fix what each check names (its 'fix:' line), then run this script again."
    exit 1
fi
say "every lane is ready. Next:"
say "  wt status                         where each lane stands; cd into your lane's PATH"
say "  make agent-preflight ROLE=<role>  at the start of every cycle (include Makefile.wt)"
say "  wt queue claim <lane> --owner <you>, work and commit in the lane,"
say "  then wt sync <lane> and wt merge <lane>"
