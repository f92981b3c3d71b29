package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMain lets the tests run this binary's main as a subprocess.
func TestMain(m *testing.M) {
	if os.Getenv("CONFSERVER_RUN_MAIN") == "1" {
		os.Args = append([]string{"confserver"}, strings.Fields(os.Getenv("CONFSERVER_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func selfCommand(t *testing.T, args string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CONFSERVER_RUN_MAIN=1", "CONFSERVER_ARGS="+args)
	t.Cleanup(func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func postInit(t *testing.T, url, host, origin string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDNSRebindingProtection mirrors the conformance dns-rebinding check.
func TestDNSRebindingProtection(t *testing.T) {
	ts := httptest.NewServer(newHandler(mode{sse: true}, nil))
	defer ts.Close()
	good := strings.TrimPrefix(ts.URL, "http://")
	for _, tc := range []struct {
		name, host, origin string
		want               int
	}{
		{"evil host and origin", "evil.example.com", "http://evil.example.com", http.StatusForbidden},
		{"evil origin", "", "http://evil.example.com", http.StatusForbidden},
		{"null origin", "", "null", http.StatusForbidden},
		{"localhost origin", "", "http://localhost:1234", http.StatusOK},
		{"same origin", "", "http://" + good, http.StatusOK},
		{"no origin", "", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := postInit(t, ts.URL+streamablePath, tc.host, tc.origin); got != tc.want {
				t.Errorf("POST %s: status %d, want %d", streamablePath, got, tc.want)
			}
		})
	}
	// Legacy SSE: the guard applies to /sse too (checked on a POST, which
	// fails later for other reasons but must be refused up front).
	req, _ := http.NewRequest(http.MethodPost, ts.URL+ssePath+"?sessionid=x", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://evil.example.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST %s with evil origin: status %d, want 403", ssePath, resp.StatusCode)
	}
}

// TestHTTPFlag runs the binary with --http 127.0.0.1:0 --sse, reads the
// bound address from stderr and talks to both endpoints.
func TestHTTPFlag(t *testing.T) {
	cmd := selfCommand(t, "--http 127.0.0.1:0 --sse")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading stderr: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("first stderr line = %q", line)
	}
	go func() { // keep draining
		buf := make([]byte, 4096)
		for {
			if _, err := stderr.Read(buf); err != nil {
				return
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	for _, tr := range []mcp.Transport{
		&mcp.StreamableClientTransport{Endpoint: "http://" + addr + streamablePath},
		&mcp.SSEClientTransport{Endpoint: "http://" + addr + ssePath},
	} {
		cs, err := client.Connect(ctx, tr, nil)
		if err != nil {
			t.Fatalf("%T: connect: %v", tr, err)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "test_simple_text"})
		if err != nil || len(res.Content) != 1 {
			t.Errorf("%T: call: %v %+v", tr, err, res)
		}
		cs.Close()
	}
}

// TestStdio runs the binary in its default (stdio) mode.
func TestStdio(t *testing.T) {
	cmd := selfCommand(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if len(res.Tools) < 14 {
		t.Errorf("tools/list: %d tools, want 14", len(res.Tools))
	}
}
