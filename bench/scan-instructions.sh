#!/usr/bin/env bash
# Instructions the scanner executes per 64 KiB result, counted under
# valgrind (cachegrind, no cache simulation): machine-independent, unlike
# timings on a shared machine, so a change's cost shows however noisy the
# host. Usage: bench/scan-instructions.sh [REV]  (default: the work tree).
# Needs valgrind (Debian: valgrind).
set -euo pipefail
command -v valgrind >/dev/null || { echo "scan-instructions: valgrind is not installed" >&2; exit 1; }
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$root
if [ $# -gt 0 ]; then
	git -C "$root" worktree add -q "$tmp/src" "$1"
	trap 'git -C "$root" worktree remove --force "$tmp/src"; rm -rf "$tmp"' EXIT
	src=$tmp/src
fi
(cd "$src" && go test -c -o "$tmp/scan.test" ./internal/scan)
count() { # benchmark, iterations
	GOGC=off valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$tmp/scan.test" -test.run '^$' -test.bench "$1" -test.benchtime "$2x" -test.cpu 1 2>&1 |
		awk '/I[ ]+refs:/ { gsub(",", "", $4); print $4 }'
}
for b in 'BenchmarkResult64KProse$' 'BenchmarkResult64K$'; do
	lo=$(count "$b" 10)
	hi=$(count "$b" 30)
	echo "${b%\$} $(( (hi - lo) / 20 )) instructions per scan"
done
