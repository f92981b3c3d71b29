package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// The Go SDK client launches `mcpwarden stdio` as an IDE would.
func TestGoClientOverStdio(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	cfg := "servers:\n  local:\n    command: " + binPath + "\n    args: [demo-server]\n    tools:\n      get_env: {allow: false}\n  remote:\n    url: " + up.URL + "\npolicy:\n  default: allow\naudit:\n  file: audit.jsonl\nstore:\n  path: gateway.db\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "ide", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(binPath, "stdio", "--config", p)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(tools)
	if !contains(names, "local__echo") || !contains(names, "remote__echo") || contains(names, "local__get_env") {
		t.Fatalf("tools: %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote__echo", Arguments: map[string]any{"message": "ide"}})
	if err != nil || textOf(res) != "ide" {
		t.Fatalf("call: %v %v", res, err)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__get_env"}); err == nil {
		t.Fatal("denied tool ran over stdio")
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	// The session ended cleanly and was audited.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(eventsOf(auditEvents(t, filepath.Join(dir, "audit.jsonl")), "session.end")) == 1 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no session.end event after the client closed stdin")
}
