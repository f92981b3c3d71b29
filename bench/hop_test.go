package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// The hop benchmarks measure one hop's own time per tools/call with a
// 64 KiB result, without the Go SDK's CPU on either side: a canned
// Streamable HTTP upstream (it answers tools/call with a prebuilt SSE
// event) and a raw HTTP client that reads the answer to the end. The
// sub-benchmarks are the direct connection, the floor (a plain
// httputil.ReverseProxy, as `bench proxy`) and the gateway with cmd/
// mcpwarden's wiring (audit JSONL + SQLite store) with results scanned
// (annotate, the default) and not. All in one process, on loopback.
//
//	go test ./bench -run '^$' -bench Hop -benchtime 2000x -count 5
//
// The hop's added time is a sub-benchmark's ns/op less direct's. The
// end-to-end figures of record are `go run ./bench`'s.
func BenchmarkHop64K(b *testing.B) {
	up := httptest.NewServer(cannedUpstream(demo.BenchText(65536)))
	defer up.Close()
	b.Run("direct", func(b *testing.B) { benchHop(b, up.URL+"/mcp", "report") })
	b.Run("proxy", func(b *testing.B) {
		u, _ := url.Parse(up.URL)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }, Transport: tr, FlushInterval: -1}
		px := httptest.NewServer(fullDuplex(rp))
		defer px.Close()
		benchHop(b, px.URL+"/mcp", "report")
	})
	for _, scan := range []string{"annotate", "off"} {
		b.Run("gateway-scan-"+scan, func(b *testing.B) {
			addr := startHopGateway(b, up.URL+"/mcp", scan)
			benchHop(b, "http://"+addr+"/mcp", "demo__report")
		})
	}
}

func startHopGateway(b *testing.B, upURL, scan string) string {
	dir := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	yaml := fmt.Sprintf("listen: %s\nservers:\n  demo:\n    url: %s\n    protocol: \"2025-11-25\"\npolicy:\n  default: allow\naudit:\n  file: %s\nstore:\n  path: %s\nscan:\n  results: %s\n",
		ln.Addr(), upURL, filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "gw.db"), scan)
	cfgPath := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, _, err := config.Load(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		<-done
		rt.Close()
	})
	return ln.Addr().String()
}

// benchHop opens a session at target and makes b.N tools/call of report.
func benchHop(b *testing.B, target, tool string) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 30 * time.Second}
	sid := ""
	post := func(body string) []byte {
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		if sid != "" {
			req.Header.Set("Mcp-Session-Id", sid)
		}
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode/100 != 2 {
			b.Fatalf("%s: %d %s", body[:min(len(body), 60)], resp.StatusCode, out)
		}
		if s := resp.Header.Get("Mcp-Session-Id"); s != "" {
			sid = s
		}
		return out
	}
	post(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"hop","version":"1"}}}`)
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if tl := post(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); !bytes.Contains(tl, []byte(`"`+tool+`"`)) {
		b.Fatalf("tools/list: %s", tl)
	}
	call := func(i int) {
		out := post(`{"jsonrpc":"2.0","id":` + strconv.Itoa(i) + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":{"bytes":65536}}}`)
		if len(out) < 65536 || !bytes.Contains(out, []byte(`"id":`+strconv.Itoa(i)+`,`)) {
			b.Fatalf("call %d: %.300s", i, out)
		}
	}
	for i := 2; i <= 50; i++ {
		call(i)
	}
	b.SetBytes(65536)
	i := 100
	for b.Loop() {
		i++
		call(i)
	}
}

// cannedUpstream is the least a Streamable HTTP server can be for the hop
// benchmarks: initialize, one tool (report), and tools/call answered with
// one prebuilt SSE event carrying text.
func cannedUpstream(text string) http.Handler {
	content, _ := json.Marshal(text)
	callTail := []byte(`,"result":{"content":[{"type":"text","text":` + string(content) + `}]}}` + "\n\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			return
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if m.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		var result string
		switch m.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", "canned-session")
			result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"canned","version":"1"}}`
		case "tools/list":
			result = `{"tools":[{"name":"report","description":"Return a plain-text report of the given size.","inputSchema":{"type":"object","properties":{"bytes":{"type":"integer"}}}}]}`
		case "tools/call":
			w.Header().Set("Content-Type", "text/event-stream")
			var buf bytes.Buffer
			buf.WriteString("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":")
			buf.Write(m.ID)
			buf.Write(callTail)
			_, _ = w.Write(buf.Bytes())
			return
		default:
			result = `{}`
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":` + result + `}`))
	})
}
