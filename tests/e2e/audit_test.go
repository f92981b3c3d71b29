package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// The correlation id of each call's audit event goes upstream as
// X-Request-ID and in _meta; the event is in the JSONL file and the store.
func TestCorrelationIDAndStore(t *testing.T) {
	var mu sync.Mutex
	var seen []string // X-Request-ID + body of each tools/call
	h := demo.HTTPHandler(demo.Options{Name: "r"})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"tools/call"`)) {
			mu.Lock()
			seen = append(seen, r.Header.Get("X-Request-ID")+" "+string(body))
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, gatewayConfig(`
  r:
    url: `+up.URL+`
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "aGVsbG8gd29ybGQsIHRoaXMgaXMgYmFzZTY0IGVuY29kZWQ="}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "plain words only"}}); err != nil {
		t.Fatal(err)
	}
	evs := eventsOf(auditEvents(t, g.Audit), "tools/call")
	if len(evs) != 2 {
		t.Fatalf("events: %d", len(evs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("upstream saw %d calls", len(seen))
	}
	for i, e := range evs {
		cid := e["correlation_id"].(string)
		if !strings.HasPrefix(seen[i], cid+" ") {
			t.Errorf("call %d: X-Request-ID is not the correlation id %s: %s", i, cid, seen[i][:60])
		}
		if !strings.Contains(seen[i], `"io.mcpwarden/correlation-id":"`+cid+`"`) {
			t.Errorf("call %d: _meta lacks the correlation id: %s", i, seen[i])
		}
	}
	if evs[0]["contains_base64"] != true || evs[1]["contains_base64"] != false {
		t.Errorf("contains_base64: %v %v", evs[0]["contains_base64"], evs[1]["contains_base64"])
	}
	// The embedded store holds the same events (read while the gateway runs).
	st, err := store.Open(filepath.Join(g.Dir, "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The store is written behind the JSONL file: wait for it (bounded).
	var got []*audit.Event
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = st.QueryEvents(ctx, store.Filter{Type: "tools/call"}); err == nil && len(got) == 2 {
			break
		}
	}
	if err != nil || len(got) != 2 || got[0].CorrelationID != evs[0]["correlation_id"] || got[0].Tool != "echo" || got[0].Server != "r" {
		t.Fatalf("store: %v %+v", err, got)
	}
}

// An HTTP upstream that is down gives a clear error; the other upstream and
// the gateway keep working. Cancellation and timeouts reach the server.
func TestUpstreamDownAndCancellationReachesServer(t *testing.T) {
	var cancelled atomic.Int32
	up := demoHTTP(t, demo.Options{Name: "r", OnCancelled: func(string) { cancelled.Add(1) }}, false)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	g := startGatewayNoWait(t, gatewayConfig(`
  r:
    url: `+up.URL+`
    timeout: 1s
  down:
    url: `+deadURL+`/mcp
    connect_timeout: 1s
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "down__echo", Arguments: map[string]any{"message": "x"}})
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) || werr.Code != -32011 || !strings.Contains(werr.Message, "down") {
		t.Fatalf("down upstream: want -32011 naming the server, got %v", err)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "up"}}); err != nil || textOf(res) != "up" {
		t.Fatalf("healthy upstream: %v %v", res, err)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || !contains(toolNames(tools), "r__echo") {
		t.Fatalf("listing with one upstream down: %v", err)
	}
	// Timeout: cancelled upstream.
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__sleep", Arguments: map[string]any{"ms": 5000}}); !errors.As(err, &werr) || werr.Code != -32012 {
		t.Fatalf("timeout: %v", err)
	}
	// Client cancellation: cancelled upstream.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	_, _ = cs.CallTool(cctx, &mcp.CallToolParams{Name: "r__sleep", Arguments: map[string]any{"ms": 800}})
	deadline := time.Now().Add(5 * time.Second)
	for cancelled.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if cancelled.Load() < 2 {
		t.Fatalf("the upstream saw %d cancellations, want 2 (timeout and client cancel)", cancelled.Load())
	}
}

// When the audit log cannot be written, sessions are refused (fail closed;
// the call path is tested in internal/gateway with a sink that fails on
// demand).
func TestAuditFailureFailsClosed(t *testing.T) {
	var calls atomic.Int32
	up := demoHTTP(t, demo.Options{Name: "r", OnCall: func(string) { calls.Add(1) }}, false)
	g := startGateway(t, `
listen: {{LISTEN}}
servers:
  r:
    url: `+up.URL+`
audit:
  file: /dev/full
  store: false
`)
	c := mcp.NewClient(&mcp.Implementation{Name: "x", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, legacySession); err == nil || !strings.Contains(err.Error(), "audit") {
		t.Fatalf("session opened although its audit event could not be written: %v", err)
	}
	if calls.Load() != 0 {
		t.Fatal("upstream called")
	}
}

// Secrets given to upstreams by reference never appear in audit events.
func TestSecretsRedactedFromAudit(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "r"}, false)
	g := startGateway(t, gatewayConfig(`
  r:
    url: `+up.URL+`
    headers: {Authorization: "env:TEST_UPSTREAM_TOKEN"}
`), "TEST_UPSTREAM_TOKEN=Bearer s3cr3t-t0ken-value")
	cs := connect(t, g.URL, nil)
	// A client that pastes the secret into arguments does not get it logged.
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "leak s3cr3t-t0ken-value"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(g.Audit)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "s3cr3t-t0ken-value") {
		t.Fatal("the secret appears in the audit file")
	}
	if !strings.Contains(string(raw), "[REDACTED]") {
		t.Fatal("no redaction marker in the audit file")
	}
	// The benign twin: the rest of the arguments is recorded as sent.
	if !strings.Contains(string(raw), `"message":"leak [REDACTED]"`) {
		t.Fatal("redaction removed more than the secret")
	}
}
