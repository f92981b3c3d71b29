package e2e

import (
	"context"
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
