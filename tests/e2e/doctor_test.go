package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mcpwardenCmd runs the binary with the given args; it returns the output
// and the exit code.
func mcpwardenCmd(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// doctor passes a sound configuration on this host (exit 0) and fails an
// unsound one (exit 1), naming each problem.
func TestDoctor(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(`listen: 127.0.0.1:0
servers:
  ev:
    command: "@self"
    args: [demo-server]
    sandbox: bwrap
    env: {DEMO_TOKEN: "env:TEST_DOCTOR_TOKEN"}
pin: {mode: strict}
policy: {default: allow}
audit: {file: audit.jsonl}
store: {path: gateway.db}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TEST_DOCTOR_TOKEN=doctor-secret-value"}
	if out, code := mcpwardenCmd(t, dir, env, "pin", "--config", good); code != 0 {
		t.Fatalf("pin: %d\n%s", code, out)
	}
	out, code := mcpwardenCmd(t, dir, env, "doctor", "--config", good)
	if code != 0 || strings.Contains(out, "FAIL") {
		t.Fatalf("doctor on a sound configuration: exit %d\n%s", code, out)
	}
	for _, want := range []string{"PASS  sandbox bwrap", "sandbox: bwrap, no network", "PASS  secrets", "1 reference(s) resolve", "PASS  upstream ev", "every server matches"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "doctor-secret-value") {
		t.Errorf("doctor printed a secret")
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`listen: 0.0.0.0:8931
servers:
  gone:
    url: http://127.0.0.1:1/mcp
    headers: {Authorization: "env:TEST_DOCTOR_UNSET"}
audit: {file: no-such-dir/audit.jsonl}
store: {path: gateway2.db}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = mcpwardenCmd(t, dir, nil, "doctor", "--config", bad, "--format", "json")
	if code != 1 {
		t.Fatalf("doctor on an unsound configuration: exit %d\n%s", code, out)
	}
	js := out[:strings.LastIndex(out, "}")+1]
	var rep struct {
		Checks []struct{ Verdict, Check, Detail string }
		Fail   int
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	failed := map[string]string{}
	for _, c := range rep.Checks {
		if c.Verdict == "fail" {
			failed[c.Check] += c.Detail + "; "
		}
	}
	for check, want := range map[string]string{
		"listen":    "not a loopback address",
		"secrets":   "servers.gone.headers.Authorization",
		"audit":     "no-such-dir/audit.jsonl",
		"upstreams": "servers.gone",
	} {
		if !strings.Contains(failed[check], want) {
			t.Errorf("no failure %q naming %q in %v", check, want, failed)
		}
	}
}
