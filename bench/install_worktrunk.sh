#!/usr/bin/env bash
# Install worktrunk 0.67.0 into bench/work/tools, for comparison only.
#
# worktrunk's binary is also called `wt`; it is renamed to `worktrunk-wt` so that it can never
# shadow this project's `wt`, and bench/work/tools/bin is never put on PATH.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$here/work/tools
version=0.67.0

if [[ -x $root/bin/worktrunk-wt ]]; then
    echo "worktrunk already installed: $root/bin/worktrunk-wt"
    exit 0
fi
mkdir -p "$root"
# An install that finished without being renamed (e.g. interrupted just after) needs no rebuild.
if ! { [[ -x $root/bin/wt ]] && grep -q "^\"worktrunk $version " "$root/.crates.toml" 2>/dev/null; }; then
    # One job and a low priority: the machine is shared with builds that matter more.
    nice -n 10 cargo install worktrunk --version "$version" --locked --root "$root" -j 1 --force
fi
mv -f "$root/bin/wt" "$root/bin/worktrunk-wt"
# Any other binary it installs (e.g. a git subcommand) stays in bench/work/tools/bin, off PATH.
ls -l "$root/bin"
"$root/bin/worktrunk-wt" --version
