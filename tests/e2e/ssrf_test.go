package e2e

import (
	"strings"
	"testing"
)

// TestSSRFGuard: without any configuration the guard refuses URL
// arguments that point at internal addresses, in any spelling; public URLs
// pass; policy.ssrf.allow_hosts opens exactly what it names.
func TestSSRFGuard(t *testing.T) {
	g := startGateway(t, `
listen: {{LISTEN}}
policy:
  default: allow
  ssrf: {allow_hosts: [10.9.8.7]}
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	cs := connect(t, g.URL, nil)
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://0x7f.1:6379/",
		"http://2130706433/",
		"http://[::ffff:10.0.0.1]/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://good.example@192.168.0.1/",
		"file:///etc/passwd",
		"http://localhost:8931/mcp",
		"http://10.9.8.8/", // next to the allowed host
	} {
		if out, err := callEv(t, cs, "demo__fetch", map[string]any{"url": u}); err == nil {
			t.Errorf("%s: allowed (%q)", u, out)
		} else if !strings.Contains(err.Error(), "forgery") {
			t.Errorf("%s: refused, but not by the SSRF guard: %v", u, err)
		}
	}
	for _, u := range []string{"http://93.184.215.14/", "https://8.8.8.8/dns", "http://10.9.8.7/internal-api"} {
		if out, err := callEv(t, cs, "demo__fetch", map[string]any{"url": u}); err != nil || !strings.Contains(out, "would fetch") {
			t.Errorf("%s: %v %q", u, err, out)
		}
	}
	denied := 0
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		if d, _ := ev["decision"].(map[string]any); d["guard"] == "ssrf" && d["action"] == "deny" {
			denied++
		}
	}
	if denied < 10 {
		t.Fatalf("%d SSRF refusals audited, want 10", denied)
	}
}
