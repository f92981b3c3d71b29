// Package e2e tests mcpwarden end to end on real parts: the built binary,
// Go SDK servers and clients, npm MCP servers and the TypeScript SDK client.
// Every server binds to 127.0.0.1.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

var binPath, confServerPath string

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mcpwarden-e2e")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "mcpwarden")
	args := []string{"build", "-o", binPath}
	if os.Getenv("MCPWARDEN_E2E_RACE") != "" {
		args = append(args, "-race") // the gateway under the race detector
	}
	cmd := exec.Command("go", append(args, "./cmd/mcpwarden")...)
	cmd.Dir = repoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building mcpwarden:", err)
		os.Exit(1)
	}
	confServerPath = filepath.Join(dir, "confserver")
	cmd = exec.Command("go", "build", "-o", confServerPath, "./tests/confserver/cmd/confserver")
	cmd.Dir = repoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building confserver:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// gatewayProc is a running `mcpwarden serve`.
type gatewayProc struct {
	URL    string
	Addr   string
	Dir    string
	Audit  string
	cmd    *exec.Cmd
	stderr *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startGatewayNoWait is startGateway without waiting for the upstreams.
func startGatewayNoWait(t testing.TB, cfg string, env ...string) *gatewayProc {
	return startGatewayOpt(t, cfg, false, env...)
}

// startGateway writes cfg (with {{LISTEN}}, {{BIN}}, {{DIR}} replaced) and
// runs `mcpwarden serve`, waiting until /healthz answers.
func startGateway(t testing.TB, cfg string, env ...string) *gatewayProc {
	return startGatewayOpt(t, cfg, true, env...)
}

func startGatewayOpt(t testing.TB, cfg string, waitUpstreams bool, env ...string) *gatewayProc {
	t.Helper()
	return startGatewayAt(t, freeAddr(t), cfg, waitUpstreams, env...)
}

// startGatewayAt is startGatewayOpt on a given address.
func startGatewayAt(t testing.TB, addr, cfg string, waitUpstreams bool, env ...string) *gatewayProc {
	t.Helper()
	dir := t.TempDir()
	cfg = strings.NewReplacer("{{LISTEN}}", addr, "{{BIN}}", binPath, "{{DIR}}", dir, "{{ROOT}}", repoRoot()).Replace(cfg)
	path := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gatewayProc{URL: "http://" + addr + "/mcp", Addr: addr, Dir: dir, Audit: filepath.Join(dir, "audit.jsonl"), stderr: &syncBuf{}}
	g.cmd = exec.Command(binPath, "serve", "--config", path, "--log-level", "debug")
	g.cmd.Env = append(os.Environ(), env...)
	g.cmd.Stderr = g.stderr
	g.cmd.Stdout = g.stderr
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = g.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = g.cmd.Process.Kill()
			<-done
		}
		if strings.Contains(g.stderr.String(), "DATA RACE") || strings.Contains(g.stderr.String(), "panic:") {
			t.Errorf("the gateway reported a data race or panic:\n%s", g.stderr.String())
		}
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", tail(g.stderr.String(), 60))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			var h struct {
				Servers map[string]bool `json:"servers"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			all := true
			for _, ok := range h.Servers {
				all = all && (ok || !waitUpstreams)
			}
			if all {
				return g
			}
		}
		if g.cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("gateway did not become ready:\n%s", tail(g.stderr.String(), 60))
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// auditEvents reads the JSONL audit file.
func auditEvents(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("audit file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("audit file: %v", err)
	}
	// A line still being written while the gateway runs (a reader can see
	// part of a write) has no newline yet: only complete lines count.
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %v: %s", err, sc.Text())
		}
		out = append(out, ev)
	}
	return out
}

// eventsOf filters audit events by type.
func eventsOf(evs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range evs {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// demoHTTP serves the Go SDK demo server over Streamable HTTP (or SSE) on 127.0.0.1.
func demoHTTP(t testing.TB, o demo.Options, sse bool) *httptest.Server {
	t.Helper()
	h := demo.HTTPHandler(o)
	if sse {
		h = demo.SSEHandler(o)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// legacySession pins a Go SDK client to MCP 2025-11-25 (initialize and a
// session). The Go SDK v1.8 client otherwise tries 2026-07-28 first, which
// the gateway serves statelessly (protocol_client_test.go); the tests
// written for sessions (session events, logging/setLevel, subscribe, one
// taint per session ...) keep testing sessions.
var legacySession = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}

// connect opens a Go SDK client session to url.
func connect(t testing.TB, url string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "e2e-go-client", Version: "1.0"}, opts)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, legacySession)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func toolNames(res *mcp.ListToolsResult) []string {
	var out []string
	for _, tl := range res.Tools {
		out = append(out, tl.Name)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// gatewayConfig is a test configuration: the given servers block (YAML
// indented under servers:), the test's listen address, and audit to
// audit.jsonl and gateway.db in the test directory.
func gatewayConfig(servers string) string {
	return "listen: {{LISTEN}}\nservers:\n" + strings.TrimPrefix(servers, "\n") + "audit:\n  file: audit.jsonl\nstore:\n  path: gateway.db\n"
}
