package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// callPath is one client session through the gateway as `mcpwarden serve`
// wires it (the bench's configuration: JSONL audit file, the SQLite store
// written behind it, detection, result scanning), in front of the demo
// server, all on 127.0.0.1 in this process. The client is a bare HTTP
// client, so what a call allocates is the gateway's and the upstream's.
type callPath struct {
	url, session string
	client       *http.Client
}

func newCallPath(tb testing.TB, scanResults string) *callPath {
	tb.Helper()
	up := httptest.NewServer(demo.HTTPHandler(demo.Options{Name: "demo", BenchTools: true}))
	tb.Cleanup(up.Close)
	return newCallPathTo(tb, up.URL, scanResults)
}

// newCallPathTo is newCallPath in front of the upstream at upURL.
func newCallPathTo(tb testing.TB, upURL, scanResults string) *callPath {
	tb.Helper()
	return newCallPathServers(tb, upURL, scanResults, 1)
}

// newCallPathServers is newCallPathTo with the upstream configured as n
// servers (demo, demo2, ...): from two on, results are fingerprinted for
// mcp.cross_app_flow.
func newCallPathServers(tb testing.TB, upURL, scanResults string, n int) *callPath {
	tb.Helper()
	dir := tb.TempDir()
	scan := ""
	if scanResults != "" {
		scan = "scan:\n  results: " + scanResults + "\n"
	}
	servers := "  demo:\n    url: " + upURL + "\n"
	for i := 2; i <= n; i++ {
		servers += "  demo" + strconv.Itoa(i) + ":\n    url: " + upURL + "\n"
	}
	yaml := "listen: 127.0.0.1:0\nservers:\n" + servers + "policy:\n  default: allow\n" + scan +
		"audit:\n  file: " + filepath.Join(dir, "audit.jsonl") + "\nstore:\n  path: " + filepath.Join(dir, "mcpwarden.db") + "\n"
	cfg, _, err := config.Parse([]byte(yaml), "bench.yaml", dir)
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	rt, err := Open(context.Background(), cfg, log, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	hs := rt.HTTPServer()
	srv := httptest.NewServer(hs.Handler())
	tb.Cleanup(func() { srv.Close(); hs.Close(); rt.Close() })
	c := &callPath{url: srv.URL + cfg.Path, client: srv.Client()}
	c.initialize(tb)
	return c
}

// initialize opens the session.
func (c *callPath) initialize(tb testing.TB) {
	resp := c.post(tb, []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`), nil)
	c.session = resp.Header.Get("Mcp-Session-Id")
	if c.session == "" {
		tb.Fatal("initialize: no session id")
	}
	c.post(tb, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), nil)
}

func (c *callPath) post(tb testing.TB, body []byte, out *bytes.Buffer) *http.Response {
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if out == nil {
		out = new(bytes.Buffer)
	}
	out.Reset()
	if _, err := out.ReadFrom(resp.Body); err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		tb.Fatalf("status %d: %s", resp.StatusCode, out.Bytes())
	}
	return resp
}

// benchCallPath measures calls of echo with a message of msgBytes (the
// bench's text, demo.BenchText), or, with resultBytes > 0, calls of the
// report tool: a small argument and a result of that size.
func benchCallPath(b *testing.B, msgBytes, resultBytes int, scanResults string) {
	c := newCallPath(b, scanResults)
	msg := "hello from mcpwarden-bench: the quick brown fox jumps over the lazy dog"
	if msgBytes > 0 {
		msg = demo.BenchText(msgBytes)
	}
	body := func(id int) []byte {
		return []byte(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":"` + msg + `"}}}`)
	}
	if resultBytes > 0 {
		msg = demo.BenchText(resultBytes)
		body = func(id int) []byte {
			return []byte(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"tools/call","params":{"name":"demo__report","arguments":{"bytes":` + strconv.Itoa(resultBytes) + `}}}`)
		}
	}
	b.SetBytes(int64(len(msg)))
	callLoop(b, c, body, msg[len(msg)-40:])
}

// callLoop warms c up, then measures calls with the bodies body makes,
// each answer checked for want.
func callLoop(b *testing.B, c *callPath, body func(id int) []byte, want string) {
	var out bytes.Buffer
	for i := range 20 { // warm up: the upstream session is dialled on the first call
		c.post(b, body(1+i), &out)
	}
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = body(100 + i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.post(b, bodies[i%len(bodies)], &out)
		i++
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			b.Fatalf("unexpected answer: %.300s", out.Bytes())
		}
	}
}

// BenchmarkCallPath64KiB is one tools/call of echo with a 64 KiB message
// (so 64 KiB of arguments and of result) through the whole stack:
// transport, gateway, upstream and back, with audit, store, detection and
// result scanning as shipped (issue 6: output scanning keeps the core bar
// for results up to 64 KiB).
func BenchmarkCallPath64KiB(b *testing.B) {
	for _, mode := range []string{"off", "annotate"} {
		b.Run("scan="+mode, func(b *testing.B) { benchCallPath(b, 64<<10, 0, mode) })
	}
}

// BenchmarkCallPathResult64KiB is one tools/call of the report tool: a
// small argument and a 64 KiB result (what the gateway scans and
// fingerprints, without a large argument to audit).
func BenchmarkCallPathResult64KiB(b *testing.B) {
	for _, mode := range []string{"off", "annotate"} {
		b.Run("scan="+mode, func(b *testing.B) { benchCallPath(b, 0, 64<<10, mode) })
	}
}

// BenchmarkCallPathSmall is the same with the bench's 71-byte message.
func BenchmarkCallPathSmall(b *testing.B) {
	for _, mode := range []string{"off", "annotate"} {
		b.Run("scan="+mode, func(b *testing.B) { benchCallPath(b, 0, 0, mode) })
	}
}
