package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// policyConfig is issue 5's contract (without the approval channels and the
// SSRF settings, which come with their own steps), on server-everything.
func policyConfig(t *testing.T, mode string) string {
	return `
listen: {{LISTEN}}
policy:
  mode: ` + mode + `
  default: deny
servers:
  ev:
    command: node
    args: ["` + npmServer(t, "server-everything") + `", "stdio"]
    tools:
      echo:    {allow: true}
      get-sum: {when: "args.a <= 100 && args.b <= 100"}
      get-env: {impact: high}
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

func callEv(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", err
	}
	if res.IsError {
		return "", &toolError{textOf(res)}
	}
	return textOf(res), nil
}

type toolError struct{ s string }

func (e *toolError) Error() string { return "tool error: " + e.s }

// TestPolicyRules: each rule type refuses what it should and lets its
// benign twin through, on a real server.
func TestPolicyRules(t *testing.T) {
	g := startGateway(t, policyConfig(t, "enforce"))
	cs := connect(t, g.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(tools)
	if !contains(names, "ev__echo") || !contains(names, "ev__get-sum") || contains(names, "ev__get-tiny-image") {
		t.Fatalf("listing under default deny: %v", names)
	}

	for _, tc := range []struct {
		name, tool string
		args       map[string]any
		ok         bool
		want       string
	}{
		{"allowed tool", "ev__echo", map[string]any{"message": "hi"}, true, "hi"},
		{"condition true", "ev__get-sum", map[string]any{"a": 2, "b": 40}, true, "42"},
		{"condition false", "ev__get-sum", map[string]any{"a": 2, "b": 4000}, false, "is false"},
		{"condition on a missing argument: denied", "ev__get-sum", map[string]any{"a": 2}, false, ""},
		{"mistyped argument (schema)", "ev__get-sum", map[string]any{"a": "2", "b": 3}, false, "input schema"},
		{"extra argument (schema)", "ev__echo", map[string]any{"message": "hi", "bcc": "attacker@example.com"}, false, `argument "bcc" is not in the tool's input schema`},
		{"high impact: held, no approval service: denied", "ev__get-env", map[string]any{}, false, "held"},
		{"default deny", "ev__get-tiny-image", map[string]any{}, false, "policy.default is deny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := callEv(t, cs, tc.tool, tc.args)
			if tc.ok {
				if err != nil || !strings.Contains(out, tc.want) {
					t.Fatalf("%v %q", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("allowed: %q", out)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Every refusal is audited with the guard that decided.
	evs := eventsOf(auditEvents(t, g.Audit), "tools/call")
	guards := map[string]bool{}
	for _, ev := range evs {
		d, _ := ev["decision"].(map[string]any)
		if d["action"] == "deny" || d["action"] == "hold" {
			guards[d["guard"].(string)] = true
		}
	}
	for _, want := range []string{"arguments", "tool-allowlist", "impact"} {
		if !guards[want] {
			t.Errorf("no denial by %q audited (have %v)", want, guards)
		}
	}
}

// TestPolicyAuditMode: the same rules in audit mode block nothing and
// record would-be denials.
func TestPolicyAuditMode(t *testing.T) {
	g := startGateway(t, policyConfig(t, "audit"))
	cs := connect(t, g.URL, nil)
	if out, err := callEv(t, cs, "ev__get-sum", map[string]any{"a": 2, "b": 4000}); err != nil || !strings.Contains(out, "4002") {
		t.Fatalf("audit mode blocked a call: %v %q", err, out)
	}
	if _, err := callEv(t, cs, "ev__get-tiny-image", map[string]any{}); err != nil {
		t.Fatalf("audit mode blocked a default-deny tool: %v", err)
	}
	found := 0
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		d, _ := ev["decision"].(map[string]any)
		if d["action"] == "allow" && d["would_deny"] == true && strings.Contains(d["reason"].(string), "would deny") {
			found++
		}
	}
	if found < 2 {
		t.Fatalf("%d would-be denials recorded, want 2", found)
	}
}

// TestPolicyTestAndExplain: `mcpwarden policy test` runs cases offline
// against a configuration (and fails on a wrong expectation), and
// `mcpwarden explain` prints why a past call was denied.
func TestPolicyTestAndExplain(t *testing.T) {
	g := startGateway(t, policyConfig(t, "enforce"))
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	cases := filepath.Join(t.TempDir(), "cases.yaml")
	writeCases := func(extra string) {
		if err := os.WriteFile(cases, []byte(`cases:
  - {name: echo allowed, server: ev, tool: echo, arguments: {message: hi}, expect: allow}
  - {name: small sum, server: ev, tool: get-sum, arguments: {a: 1, b: 2}, expect: allow}
  - {name: large sum, server: ev, tool: get-sum, arguments: {a: 1, b: 2000}, expect: deny, guard: arguments}
  - {name: env is held, server: ev, tool: get-env, expect: hold, guard: impact}
  - {name: unnamed tool, server: ev, tool: get-tiny-image, expect: deny, guard: tool-allowlist}
  - {name: metadata url, server: ev, tool: echo, arguments: {message: "http://169.254.169.254/"}, expect: deny, guard: ssrf}
`+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCases("")
	out, err := exec.Command(binPath, "policy", "test", cases, "--config", cfgPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "6/6 cases pass") {
		t.Fatalf("policy test: %v\n%s", err, out)
	}
	writeCases("  - {name: wrong expectation, server: ev, tool: get-sum, arguments: {a: 1, b: 2000}, expect: allow}\n")
	out, err = exec.Command(binPath, "policy", "test", cases, "--config", cfgPath).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "FAIL") || !strings.Contains(string(out), "6/7 cases pass") {
		t.Fatalf("a failing case must fail the command: %v\n%s", err, out)
	}

	// A denied call, then its explanation.
	c := &rawClient{t: t, url: g.URL}
	st, h, body := c.do("POST", initBody, nil)
	if st != 200 {
		t.Fatalf("initialize: %d %s", st, body)
	}
	c.sid = h.Get("Mcp-Session-Id")
	_, _, body = c.do("POST", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ev__get-sum","arguments":{"a":1,"b":5000}}}`, map[string]string{"MCP-Protocol-Version": "2025-06-18"})
	var r struct {
		Error struct {
			Data struct {
				CorrelationID string `json:"correlation_id"`
			} `json:"data"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(body), &r) != nil || r.Error.Data.CorrelationID == "" {
		t.Fatalf("denied call: %s", body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err = exec.Command(binPath, "explain", r.Error.Data.CorrelationID, "--config", cfgPath).CombinedOutput()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // the store is written behind the audit file
	}
	if err != nil || !strings.Contains(string(out), "DENIED by guard \"arguments\"") || !strings.Contains(string(out), "is false") {
		t.Fatalf("explain: %v\n%s", err, out)
	}
}

// TestInit: `mcpwarden init` writes a configuration with policy.default
// deny that loads, and refuses to overwrite one.
func TestInit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mcpwarden.yaml")
	if out, err := exec.Command(binPath, "init", p).CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "default: deny") {
		t.Fatalf("written config:\n%s", b)
	}
	if out, err := exec.Command(binPath, "check", "--config", p).CombinedOutput(); err != nil || strings.Contains(string(out), "warning") {
		t.Fatalf("check: %v %s", err, out)
	}
	if out, err := exec.Command(binPath, "init", p).CombinedOutput(); err == nil || !strings.Contains(string(out), "exists") {
		t.Fatalf("init over an existing file: %v %s", err, out)
	}
}
