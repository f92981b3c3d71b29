package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const codeRateLimited = -32019

// limitsUpstream is a Go SDK server whose slow tool measures how many of
// its calls run at once (the upstream's own view of concurrency).
type limitsUpstream struct {
	URL       string
	cur, peak atomic.Int64
	calls     atomic.Int64
}

func startLimitsUpstream(t *testing.T) *limitsUpstream {
	t.Helper()
	u := &limitsUpstream{}
	s := mcp.NewServer(&mcp.Implementation{Name: "limits-upstream", Version: "1.0"}, nil)
	type msg struct {
		Message string `json:"message"`
	}
	type slow struct {
		Millis int `json:"ms"`
	}
	type post struct {
		Text string `json:"text"`
	}
	type file struct {
		Path string `json:"path"`
	}
	ok := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echo the message."}, func(ctx context.Context, r *mcp.CallToolRequest, in msg) (*mcp.CallToolResult, any, error) {
		u.calls.Add(1)
		return ok(in.Message), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "slow", Description: "Wait, then answer."}, func(ctx context.Context, r *mcp.CallToolRequest, in slow) (*mcp.CallToolResult, any, error) {
		u.calls.Add(1)
		n := u.cur.Add(1)
		defer u.cur.Add(-1)
		for {
			p := u.peak.Load()
			if n <= p || u.peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-time.After(time.Duration(in.Millis) * time.Millisecond):
			return ok("done"), nil, nil
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	})
	// Labelled exfiltration by inference (post + webhook): outbound_http.
	mcp.AddTool(s, &mcp.Tool{Name: "post_webhook", Description: "Post a message to a webhook."}, func(ctx context.Context, r *mcp.CallToolRequest, in post) (*mcp.CallToolResult, any, error) {
		u.calls.Add(1)
		return ok("posted"), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "save_note", Description: "Save a note to a file."}, func(ctx context.Context, r *mcp.CallToolRequest, in file) (*mcp.CallToolResult, any, error) {
		u.calls.Add(1)
		return ok("saved"), nil, nil
	})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close)
	u.URL = srv.URL
	return u
}

// fromAddr is an HTTP client whose connections come from ip (a loopback
// address): for the gateway, another anonymous client.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// connectFrom opens a Go SDK client session from a given loopback address.
func connectFrom(t *testing.T, url, ip string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "e2e-limits", Version: "1.0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: fromAddr(ip)}, legacySession)
	if err != nil {
		t.Fatalf("connect from %s: %v", ip, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func callTool(cs *mcp.ClientSession, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
}

// rateLimitErr checks err is the rate-limit refusal naming limit, and
// returns its data.retry_after_seconds.
func rateLimitErr(t *testing.T, err error, limit string) int {
	t.Helper()
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) || werr.Code != codeRateLimited || !strings.HasPrefix(werr.Message, "rate_limited: "+limit+":") {
		t.Fatalf("want a %d refusal by %s, got %v", codeRateLimited, limit, err)
	}
	var data struct {
		Guard      string `json:"guard"`
		RetryAfter int    `json:"retry_after_seconds"`
	}
	if json.Unmarshal(werr.Data, &data) != nil || data.Guard != "ratelimit" || data.RetryAfter < 1 {
		t.Fatalf("error data %s", werr.Data)
	}
	return data.RetryAfter
}

// TestRateLimitCalls: a burst over calls_per_minute is refused with the
// code and a retry hint, calls under it pass, another principal is
// unaffected; a category's limit is stricter than the general one.
func TestRateLimitCalls(t *testing.T) {
	up := startLimitsUpstream(t)
	g := startGateway(t, `
listen: {{LISTEN}}
policy: {default: allow}
servers:
  up:
    url: `+up.URL+`
    tools:
      save_note: {category: file_write}
limits:
  calls_per_minute: 6
  burst: 4
  categories: {outbound_http: 2, file_write: 3}
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	echo := map[string]any{"message": "hi"}

	// Anonymous callers are keyed by address: each loopback address here
	// is a principal of its own.
	a := connectFrom(t, g.URL, "127.0.0.1")
	for i := 0; i < 4; i++ {
		if res, err := callTool(a, "up__echo", echo); err != nil || textOf(res) != "hi" {
			t.Fatalf("call %d under the limit: %v", i+1, err)
		}
	}
	before := up.calls.Load()
	_, err := callTool(a, "up__echo", echo)
	if retry := rateLimitErr(t, err, "calls_per_minute"); retry > 10 {
		t.Fatalf("retry after %ds at 6/min (a token every 10s)", retry)
	}
	if up.calls.Load() != before {
		t.Fatal("the refused call reached the upstream")
	}
	// Another principal is unaffected.
	b := connectFrom(t, g.URL, "127.0.0.2")
	if res, err := callTool(b, "up__echo", echo); err != nil || textOf(res) != "hi" {
		t.Fatalf("another principal: %v", err)
	}

	// Category stricter than the general limit: outbound_http (inferred
	// from the exfiltration label) allows a burst of 1 at 2/min, while the
	// general budget still has room.
	c := connectFrom(t, g.URL, "127.0.0.3")
	if _, err := callTool(c, "up__post_webhook", map[string]any{"text": "hello"}); err != nil {
		t.Fatalf("first outbound call: %v", err)
	}
	_, err = callTool(c, "up__post_webhook", map[string]any{"text": "hello"})
	if retry := rateLimitErr(t, err, "categories.outbound_http"); retry > 30 {
		t.Fatalf("retry after %ds at 2/min", retry)
	}
	if _, err := callTool(c, "up__echo", echo); err != nil {
		t.Fatalf("a read after the category refusal: %v", err)
	}
	// A category from the configuration (servers.up.tools.save_note.category).
	d := connectFrom(t, g.URL, "127.0.0.4")
	if _, err := callTool(d, "up__save_note", map[string]any{"path": "/tmp/n"}); err != nil {
		t.Fatalf("first file_write: %v", err)
	}
	_, err = callTool(d, "up__save_note", map[string]any{"path": "/tmp/n"})
	rateLimitErr(t, err, "categories.file_write")

	// Audited: decision deny by guard ratelimit, the reason naming the limit.
	reasons := map[string]bool{}
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		dec, _ := ev["decision"].(map[string]any)
		if dec["guard"] != "ratelimit" {
			continue
		}
		st, _ := ev["status"].(map[string]any)
		det, _ := ev["detail"].(map[string]any)
		if dec["action"] != "deny" || dec["code"] != float64(codeRateLimited) || st["outcome"] != "denied" || det["retry_after_seconds"] == nil {
			t.Fatalf("rate-limit event: %v", ev)
		}
		reason := dec["reason"].(string)
		reasons[reason[:strings.Index(reason[len("rate_limited: "):], ":")+len("rate_limited: ")]] = true
	}
	for _, want := range []string{"rate_limited: calls_per_minute", "rate_limited: categories.outbound_http", "rate_limited: categories.file_write"} {
		if !reasons[want] {
			t.Errorf("no audited refusal %q (have %v)", want, reasons)
		}
	}
}

// TestRateLimitSessionsPerClient: the extra initialize is a 429 with
// Retry-After and a JSON-RPC body, audited; a DELETE or the idle expiry of
// a session gives its slot back; another client is unaffected.
func TestRateLimitSessionsPerClient(t *testing.T) {
	up := startLimitsUpstream(t)
	g := startGateway(t, `
listen: {{LISTEN}}
session_idle_timeout: 3s
policy: {default: allow}
servers:
  up:
    url: `+up.URL+`
limits:
  sessions_per_client: 2
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	c := &rawClient{t: t, url: g.URL}
	var sids []string
	for i := 0; i < 2; i++ {
		st, h, body := c.do("POST", initBody, nil)
		if st != 200 || h.Get("Mcp-Session-Id") == "" {
			t.Fatalf("initialize %d: %d %s", i+1, st, body)
		}
		sids = append(sids, h.Get("Mcp-Session-Id"))
	}
	st, h, body := c.do("POST", initBody, nil)
	if st != http.StatusTooManyRequests || h.Get("Retry-After") != "30" || h.Get("Mcp-Session-Id") != "" {
		t.Fatalf("third session: %d Retry-After %q %s", st, h.Get("Retry-After"), body)
	}
	if code := errCode(t, body); code != codeRateLimited || !strings.Contains(body, "rate_limited: sessions_per_client") || !strings.Contains(body, `"retry_after_seconds":30`) {
		t.Fatalf("third session body: %s", body)
	}
	// Another client (address) is unaffected.
	req, _ := http.NewRequest("POST", g.URL, strings.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := fromAddr("127.0.0.2").Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("another client: %v %v", err, resp)
	}
	resp.Body.Close()
	// A DELETE gives the slot back.
	c.sid = sids[0]
	if st, _, body := c.do("DELETE", "", nil); st != 200 {
		t.Fatalf("delete: %d %s", st, body)
	}
	c.sid = ""
	if st, _, body := c.do("POST", initBody, nil); st != 200 {
		t.Fatalf("initialize after a DELETE: %d %s", st, body)
	}
	if st, _, _ := c.do("POST", initBody, nil); st != http.StatusTooManyRequests {
		t.Fatalf("over the limit again: %d", st)
	}
	// Idle expiry gives the slots back.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _, body := c.do("POST", initBody, nil)
		if st == 200 {
			break
		}
		if st != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("initialize after idle expiry: %d %s", st, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Audited: the refused session.start.
	refused := 0
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "session.start") {
		dec, _ := ev["decision"].(map[string]any)
		if dec["action"] == "deny" {
			if dec["guard"] != "ratelimit" || !strings.HasPrefix(dec["reason"].(string), "rate_limited: sessions_per_client:") || ev["remote_addr"] == nil {
				t.Fatalf("refused session event: %v", ev)
			}
			refused++
		}
	}
	if refused < 2 {
		t.Fatalf("%d refused sessions audited, want at least 2", refused)
	}
}

// TestRateLimitInflight: 20 concurrent calls to a slow tool in one session
// with inflight_per_session 3: the upstream never sees more than 3 at once,
// the others are refused; slots come back after results, cancellations
// and timeouts.
func TestRateLimitInflight(t *testing.T) {
	up := startLimitsUpstream(t)
	g := startGateway(t, `
listen: {{LISTEN}}
policy: {default: allow}
servers:
  up:
    url: `+up.URL+`
    timeout: 1s
    tools:
      echo: {allow: false}
limits:
  inflight_per_session: 3
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	cs := connect(t, g.URL, nil)
	burst := func(n, ms int, ctxFor func() (context.Context, context.CancelFunc)) (ok, limited, other int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := ctxFor()
				defer cancel()
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__slow", Arguments: map[string]any{"ms": ms}})
				var werr *jsonrpc.Error
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.As(err, &werr) && werr.Code == codeRateLimited:
					if !strings.HasPrefix(werr.Message, "rate_limited: inflight_per_session:") {
						t.Errorf("refusal: %v", werr)
					}
					limited++
				default:
					other++
				}
			}()
		}
		wg.Wait()
		return
	}
	long := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 30*time.Second)
	}

	ok, limited, other := burst(20, 400, long)
	if p := up.peak.Load(); p > 3 {
		t.Fatalf("the upstream saw %d calls at once, cap 3", p)
	}
	if ok < 3 || limited == 0 || other != 0 || ok+limited != 20 {
		t.Fatalf("20 concurrent calls: %d ok, %d refused, %d other errors", ok, limited, other)
	}
	t.Logf("20 concurrent calls: %d ok, %d refused; peak at the upstream %d", ok, limited, up.peak.Load())
	if up.peak.Load() < 2 {
		t.Fatalf("peak %d at the upstream: the load did not run calls concurrently", up.peak.Load())
	}
	// Under the limit: 3 at once all pass (the slots came back).
	if ok, limited, other := burst(3, 200, long); ok != 3 {
		t.Fatalf("3 concurrent after the load: %d ok, %d refused, %d other", ok, limited, other)
	}
	// Calls denied by a later guard give their slots back.
	for i := 0; i < 5; i++ {
		var werr *jsonrpc.Error
		if _, err := callTool(cs, "up__echo", map[string]any{"message": "x"}); !errors.As(err, &werr) || werr.Code != -32010 {
			t.Fatalf("denied tool: %v", err)
		}
	}
	if ok, limited, other := burst(3, 50, long); ok != 3 {
		t.Fatalf("3 concurrent after denials: %d ok, %d refused, %d other", ok, limited, other)
	}
	// Cancelled calls give their slots back.
	cancelled := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 200*time.Millisecond)
	}
	if ok, _, _ := burst(3, 5000, cancelled); ok != 0 {
		t.Fatalf("%d cancelled calls succeeded", ok)
	}
	waitSlots := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, limited, other := burst(3, 50, long)
			if ok == 3 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %s: %d ok, %d refused, %d other (slots leaked)", what, ok, limited, other)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitSlots("cancellations")
	// Timed-out calls (servers.up.timeout 1s) give their slots back.
	if ok, limited, other := burst(3, 5000, long); ok != 0 || limited != 0 || other != 3 {
		t.Fatalf("timeouts: %d ok, %d refused, %d other", ok, limited, other)
	}
	waitSlots("timeouts")
	if p := up.peak.Load(); p > 3 {
		t.Fatalf("the upstream saw %d calls at once, cap 3", p)
	}
}
