package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
)

// waitTimeout bounds every wait: a deadline for what must happen, never a
// measure of speed.
const waitTimeout = 15 * time.Second

// syncBuf is a goroutine-safe buffer (the audit sink's writer).
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// events parses the JSON lines written so far.
func (s *syncBuf) events(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// gwEnv is a gateway served in-process over Streamable HTTP on 127.0.0.1,
// with the demo server (Streamable HTTP, also on 127.0.0.1) as upstream
// "demo".
type gwEnv struct {
	URL   string // the MCP endpoint
	Base  string
	HS    *HTTPServer
	GW    *gateway.Gateway
	Audit *syncBuf
}

// quietLogger drops everything below errors.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// startGateway builds the gateway from a small configuration. servers is
// the YAML of the servers mapping; "" means the demo server alone.
func startGateway(t testing.TB, opts HTTPOptions, servers string) *gwEnv {
	t.Helper()
	return startGatewayWith(t, opts, servers, gateway.Options{})
}

// startGatewayWith is startGateway with gateway options (extra guards).
func startGatewayWith(t testing.TB, opts HTTPOptions, servers string, gopts gateway.Options) *gwEnv {
	t.Helper()
	if servers == "" {
		up := httptest.NewServer(demo.HTTPHandler(demo.Options{}))
		t.Cleanup(up.Close)
		servers = "  demo:\n    url: " + up.URL + "\n"
	}
	yaml := "servers:\n" + servers + "policy:\n  default: allow\nstore:\n  path: \":memory:\"\n"
	cfg, _, err := config.Parse([]byte(yaml), "test.yaml", t.TempDir())
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	buf := &syncBuf{}
	al := audit.NewLogger(audit.NewJSONLSink(buf))
	t.Cleanup(func() { _ = al.Close() })
	gopts.Logger, gopts.Audit = quietLogger(), al
	gw, err := gateway.New(cfg, gopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	gw.Start(ctx)
	for name, ok := range gw.Ready() {
		if !ok {
			t.Fatalf("upstream %s not connected", name)
		}
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	opts.Audit = al
	hs := NewHTTPServer(gw, opts)
	srv := httptest.NewServer(hs.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(hs.Close) // runs first: ends the open streams
	path := opts.Path
	if path == "" {
		path = "/mcp"
	}
	return &gwEnv{URL: srv.URL + path, Base: srv.URL, HS: hs, GW: gw, Audit: buf}
}

// eventsOf returns the audit events of one type.
func (e *gwEnv) eventsOf(t testing.TB, typ string) []map[string]any {
	var out []map[string]any
	for _, ev := range e.Audit.events(t) {
		if ev["type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

// client speaks Streamable HTTP by hand.
type client struct {
	t       testing.TB
	url     string
	sid     string
	version string
}

func newClient(t testing.TB, url string) *client { return &client{t: t, url: url} }

// request builds a request with the session headers.
func (c *client) request(ctx context.Context, method, body string, hdr map[string]string) *http.Request {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	if method == http.MethodGet {
		req.Header.Set("Accept", "text/event-stream")
	}
	if c.sid != "" {
		req.Header.Set("Mcp-Session-Id", c.sid)
	}
	if c.version != "" && c.sid != "" {
		req.Header.Set("MCP-Protocol-Version", c.version)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return req
}

// do sends a request and reads the whole response.
func (c *client) do(method, body string, hdr map[string]string) (int, http.Header, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	resp, err := http.DefaultClient.Do(c.request(ctx, method, body, hdr))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// open sends a request and returns the response with its body unread.
func (c *client) open(ctx context.Context, method, body string, hdr map[string]string) *http.Response {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(c.request(ctx, method, body, hdr))
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// initialize opens a session speaking version.
func (c *client) initialize(version string) {
	c.t.Helper()
	c.sid, c.version = "", ""
	st, h, body := c.do(http.MethodPost, initBody(1, version), nil)
	if st != http.StatusOK || h.Get("Mcp-Session-Id") == "" {
		c.t.Fatalf("initialize: %d %s", st, body)
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		c.t.Fatalf("initialize Content-Type %q", got)
	}
	var r struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Result.ProtocolVersion != version {
		c.t.Fatalf("initialize negotiated %q, want %q: %s", r.Result.ProtocolVersion, version, body)
	}
	c.sid, c.version = h.Get("Mcp-Session-Id"), version
	if st, _, body := c.do(http.MethodPost, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil); st != http.StatusAccepted {
		c.t.Fatalf("initialized: %d %s", st, body)
	}
}

func initBody(id int, version string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"transport-test","version":"1"}}}`, id, version)
}

func callBody(id, tool, args string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
}

// rpc is a JSON-RPC response as tests read it.
type rpc struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result *struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
		IsError bool `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func parseRPC(t testing.TB, s string) rpc {
	t.Helper()
	var r rpc
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not JSON-RPC: %q: %v", s, err)
	}
	return r
}

func (r rpc) text() string {
	if r.Result == nil || len(r.Result.Content) == 0 {
		return ""
	}
	return r.Result.Content[0].Text
}

func (r rpc) code() int {
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

// sseItem is one thing read from an event stream: an event, or a comment.
type sseItem struct {
	Comment string
	ID      string
	HasID   bool
	Event   string
	Data    string
	HasData bool
}

// sseStream reads an event stream, one item at a time.
type sseStream struct {
	br *bufio.Reader
}

func newSSEStream(r io.Reader) *sseStream { return &sseStream{br: bufio.NewReader(r)} }

// next returns the next comment or event (an event ends at a blank line).
func (s *sseStream) next() (*sseItem, error) {
	it := &sseItem{}
	var data []string
	started := false
	for {
		line, err := s.br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if started {
				it.Data = strings.Join(data, "\n")
				return it, nil
			}
		case strings.HasPrefix(line, ":"):
			if !started {
				// A comment block (": keep-alive" then a blank line).
				it.Comment = strings.TrimSpace(line[1:])
				if _, err := s.br.ReadString('\n'); err != nil {
					return nil, err
				}
				return it, nil
			}
		default:
			started = true
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				it.ID, it.HasID = value, true
			case "event":
				it.Event = value
			case "data":
				data = append(data, value)
				it.HasData = true
			}
		}
	}
}

// nextEvent skips comments.
func (s *sseStream) nextEvent() (*sseItem, error) {
	for {
		it, err := s.next()
		if err != nil || it.Comment == "" {
			return it, err
		}
	}
}

// readResponse reads events until a JSON-RPC response with id arrives.
func (s *sseStream) readResponse(t testing.TB, id string) (rpc, []*sseItem) {
	t.Helper()
	var seen []*sseItem
	for {
		it, err := s.nextEvent()
		if err != nil {
			t.Fatalf("stream ended before response %s: %v (events: %+v)", id, err, seen)
		}
		seen = append(seen, it)
		if it.Data == "" {
			continue
		}
		r := parseRPC(t, it.Data)
		if string(r.ID) == id && r.Method == "" {
			return r, seen
		}
	}
}

// poll calls cond until it is true, failing after waitTimeout.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
