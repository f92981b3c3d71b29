package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// pinConfig: the demo server turns malicious after two calls (echo gets a
// poisoned description and a callback_url argument, and the server sends
// tools/list_changed). The lockfile is in dir.
func pinConfig(dir, mode string) string {
	return `
listen: {{LISTEN}}
servers:
  demo:
    command: "{{BIN}}"
    args: ["demo-server", "--name", "demo", "--rug-pull", "2"]
pin: {mode: ` + mode + `, lockfile: ` + filepath.Join(dir, "mcpwarden.lock") + `}
scan: {definitions: report}   # the rug pull's poisoned echo would also be withheld by the scanner
audit:
  file: audit.jsonl
store:
  path: ` + filepath.Join(dir, "gateway.db") + `
`
}

func toolNamesOf(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tl := range res.Tools {
		out = append(out, tl.Name)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRugPull: tools are pinned with `mcpwarden pin`; the server changes
// echo after two calls and says so; the changed tool disappears from the
// list, a call is refused, an audit event carries the diff (high severity:
// it adds capability words and a URL argument); after `mcpwarden pin
// approve demo echo` the tool is listed and callable again. The benign
// twin: the tools that did not change stay usable throughout.
func TestRugPull(t *testing.T) {
	dir := t.TempDir()
	cfgText := pinConfig(dir, "strict")
	// Pin what the server lists (a fresh server process: not yet changed).
	cfgFile := filepath.Join(dir, "pin.yaml")
	if err := os.WriteFile(cfgFile, []byte(strings.NewReplacer("{{LISTEN}}", "127.0.0.1:0", "{{BIN}}", binPath).Replace(cfgText)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binPath, "pin", "--config", cfgFile).CombinedOutput(); err != nil || !strings.Contains(string(out), "wrote") {
		t.Fatalf("pin: %v\n%s", err, out)
	}
	if out, err := exec.Command(binPath, "pin", "--check", "--config", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("pin --check right after pin: %v\n%s", err, out)
	}

	g := startGateway(t, cfgText)
	changed := make(chan struct{}, 10)
	cs := connect(t, g.URL, &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
		changed <- struct{}{}
	}})
	if names := toolNamesOf(t, cs); !has(names, "demo__echo") || !has(names, "demo__add") {
		t.Fatalf("pinned tools not listed: %v", names)
	}
	for i := 0; i < 2; i++ {
		if out, err := callEv(t, cs, "demo__echo", map[string]any{"message": "hi"}); err != nil || out != "hi" {
			t.Fatalf("call %d before the rug pull: %q %v", i, out, err)
		}
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no tools/list_changed after the rug pull")
	}
	// The call is refused, and the changed tool is no longer listed.
	_, err := callEv(t, cs, "demo__echo", map[string]any{"message": "hi"})
	if err == nil || !strings.Contains(err.Error(), "changed since it was pinned") {
		t.Fatalf("call after the rug pull: %v", err)
	}
	names := toolNamesOf(t, cs)
	if has(names, "demo__echo") || !has(names, "demo__add") {
		t.Fatalf("after the rug pull the list is %v", names)
	}
	if out, err := callEv(t, cs, "demo__add", map[string]any{"a": 1, "b": 2}); err != nil || out != "3" {
		t.Fatalf("an unchanged tool: %q %v", out, err)
	}
	var mismatch map[string]any
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "pin.mismatch") {
		if ev["tool"] == "echo" {
			mismatch = ev
		}
	}
	if mismatch == nil {
		t.Fatal("no pin.mismatch event for echo")
	}
	d, _ := mismatch["detail"].(map[string]any)
	diff, _ := d["diff"].(string)
	if d["severity"] != "high" || d["status"] != "changed" || !strings.Contains(diff, "+ ") || !strings.Contains(diff, "id_rsa") ||
		!strings.Contains(toJSON(d["risky_arguments"]), "callback_url") {
		t.Fatalf("pin.mismatch detail: %s", toJSON(d))
	}
	// The detection engine raised a rug-pull alert (low: the pin is
	// minutes old, not the 7 days that make a change a rug pull).
	rug := false
	for deadline := time.Now().Add(5 * time.Second); !rug && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, a := range eventsOf(auditEvents(t, g.Audit), "alert") {
			if a["rule"] == "mcp.rug_pull" && a["severity"] == "low" && a["tool"] == "echo" {
				rug = true
			}
		}
	}
	if !rug {
		t.Fatal("no mcp.rug_pull alert")
	}
	// pending shows it; pin --check against the changed server is not
	// possible here (a fresh process is not changed), so the store is the
	// record of what the gateway saw.
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	out, err := exec.Command(binPath, "pin", "pending", "--format", "json", "--config", cfgPath).Output()
	if err != nil || !strings.Contains(string(out), `"name": "echo"`) {
		t.Fatalf("pin pending: %v\n%s", err, out)
	}
	// Approve: the gateway reloads the lockfile and the tool is back.
	if out, err := exec.Command(binPath, "pin", "approve", "demo", "echo", "--config", cfgPath).CombinedOutput(); err != nil || !strings.Contains(string(out), "approved tool") {
		t.Fatalf("pin approve: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !has(toolNamesOf(t, cs), "demo__echo") {
		if time.Now().After(deadline) {
			t.Fatal("the approved tool did not come back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, err := callEv(t, cs, "demo__echo", map[string]any{"message": "back"}); err != nil || out != "back" {
		t.Fatalf("call after approval: %q %v", out, err)
	}
	// The lockfile now pins the new definition, approved by a person.
	b, _ := os.ReadFile(filepath.Join(dir, "mcpwarden.lock"))
	if !strings.Contains(string(b), "callback_url") || !strings.Contains(string(b), `"pinned_by": "local:`) {
		t.Fatalf("lockfile after approval:\n%s", b)
	}
}

// TestPinTOFU: without a lockfile, tofu pins what it first sees and writes
// the lockfile; a later change is refused as in strict mode.
func TestPinTOFU(t *testing.T) {
	dir := t.TempDir()
	g := startGateway(t, pinConfig(dir, "tofu"))
	cs := connect(t, g.URL, nil)
	if names := toolNamesOf(t, cs); !has(names, "demo__echo") {
		t.Fatalf("tofu: %v", names)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "mcpwarden.lock"))
		if strings.Contains(string(b), `"echo"`) && strings.Contains(string(b), `"pinned_by": "tofu"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tofu did not write the lockfile:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := 0; i < 2; i++ {
		if _, err := callEv(t, cs, "demo__echo", map[string]any{"message": "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, err := callEv(t, cs, "demo__echo", map[string]any{"message": "hi"})
		if err != nil && strings.Contains(err.Error(), "changed since it was pinned") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tofu let the changed tool run: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPinAuditMode: audit reports the change and blocks nothing.
func TestPinAuditMode(t *testing.T) {
	dir := t.TempDir()
	g := startGateway(t, pinConfig(dir, "audit"))
	cs := connect(t, g.URL, nil)
	for i := 0; i < 4; i++ {
		if out, err := callEv(t, cs, "demo__echo", map[string]any{"message": "hi"}); err != nil || out != "hi" {
			t.Fatalf("audit mode refused call %d: %q %v", i, out, err)
		}
	}
	if !has(toolNamesOf(t, cs), "demo__echo") {
		t.Fatal("audit mode withheld a tool")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(eventsOf(auditEvents(t, g.Audit), "pin.mismatch")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("audit mode reported nothing (no lockfile: every tool is unpinned)")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
