package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// waitTimeout bounds every wait in these tests. It is a deadline for
// something that must happen, never a measure of speed.
const waitTimeout = 15 * time.Second

// received is one message a Conn handed to its Handler.
type received struct {
	msg     *jsonrpc.Message
	related json.RawMessage
}

// collector is a Handler that records every message and lets a test wait
// for the one it expects.
type collector struct {
	mu      sync.Mutex
	msgs    []received
	changed chan struct{}
}

func newCollector() *collector { return &collector{changed: make(chan struct{})} }

func (c *collector) handle(m *jsonrpc.Message, related json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, received{msg: m, related: append(json.RawMessage(nil), related...)})
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *collector) snapshot() ([]received, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.msgs...), c.changed
}

// wait returns the first recorded message pred accepts, failing the test
// after waitTimeout.
func (c *collector) wait(t testing.TB, what string, pred func(received) bool) received {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		msgs, ch := c.snapshot()
		for _, r := range msgs {
			if pred(r) {
				return r
			}
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; got %d messages: %s", what, len(msgs), describe(msgs))
		}
	}
}

// response waits for the response with id.
func (c *collector) response(t testing.TB, id string) received {
	t.Helper()
	return c.wait(t, "response "+id, func(r received) bool {
		return r.msg.Kind == jsonrpc.KindResponse && string(r.msg.ID) == id
	})
}

// count is the number of recorded messages pred accepts.
func (c *collector) count(pred func(received) bool) int {
	msgs, _ := c.snapshot()
	n := 0
	for _, r := range msgs {
		if pred(r) {
			n++
		}
	}
	return n
}

func describe(msgs []received) string {
	var b strings.Builder
	for _, r := range msgs {
		fmt.Fprintf(&b, "\n  related=%s %s", r.related, r.msg.Raw)
	}
	return b.String()
}

// recordedRequest is one HTTP request a test server saw.
type recordedRequest struct {
	Method string
	Header http.Header
	Body   []byte
	// RespHeader is the response header the wrapped handler set (read once
	// it returned).
	RespHeader http.Header
}

// recorder wraps a handler and records every request (headers and body).
// While forget is set it answers 404 to every request that names a
// session, as a server that lost its sessions (a restart) does.
type recorder struct {
	next http.Handler

	mu     sync.Mutex
	reqs   []*recordedRequest
	forget bool
	// hold, if set, is asked about each request before it is served; a
	// channel it returns is waited on first (a slow network or upstream)
	hold func(body []byte) <-chan struct{}
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rr := &recordedRequest{Method: r.Method, Header: r.Header.Clone(), Body: body}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rr)
	forget, hold := rc.forget, rc.hold
	rc.mu.Unlock()
	if hold != nil {
		if ch := hold(body); ch != nil {
			<-ch
		}
	}
	if forget && r.Header.Get("Mcp-Session-Id") != "" {
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	rc.next.ServeHTTP(w, r)
	rc.mu.Lock()
	rr.RespHeader = w.Header().Clone()
	rc.mu.Unlock()
}

func (rc *recorder) setForget(v bool) {
	rc.mu.Lock()
	rc.forget = v
	rc.mu.Unlock()
}

// find returns the recorded requests pred accepts.
func (rc *recorder) find(pred func(*recordedRequest) bool) []*recordedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []*recordedRequest
	for _, r := range rc.reqs {
		if pred(r) {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls until pred accepts a recorded request.
func (rc *recorder) waitFor(t testing.TB, what string, pred func(*recordedRequest) bool) *recordedRequest {
	t.Helper()
	var got *recordedRequest
	poll(t, what, func() bool {
		if rs := rc.find(pred); len(rs) > 0 {
			got = rs[0]
			return true
		}
		return false
	})
	return got
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

// bodyHas reports whether a recorded POST body is a message with this method.
func bodyMethod(r *recordedRequest, method string) bool {
	m, err := jsonrpc.Parse(r.Body, UpstreamLimits)
	return err == nil && m.Method == method
}

// errCode returns the JSON-RPC error code of a response (0 if none).
func errCode(m *jsonrpc.Message) int {
	if m.Error == nil {
		return 0
	}
	return m.Error.Code
}

// textOf returns the first text content of a tools/call result.
func textOf(t testing.TB, m *jsonrpc.Message) string {
	t.Helper()
	var r struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if m.Error != nil {
		t.Fatalf("error response: %s", m.Raw)
	}
	if err := json.Unmarshal(m.Result, &r); err != nil || len(r.Content) == 0 {
		t.Fatalf("not a tool result: %s", m.Raw)
	}
	return r.Content[0].Text
}

func initializeBody(id, version string) []byte {
	return []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"upstream-test","version":"1"}}}`)
}

func callBody(id, tool, args string) []byte {
	return []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`)
}

var initializedBody = []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func waitClosed(t testing.TB, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// sendAsync sends m without waiting for a request's answer, as the tests
// drive several requests from one goroutine (Streamable HTTP posts a
// request in the caller's goroutine until it is answered). Notifications
// and responses are sent synchronously.
func sendAsync(conn Conn, ctx context.Context, m *Outgoing) error {
	if m.ID == nil {
		return conn.Send(ctx, m)
	}
	select {
	case <-conn.Done():
		return ErrClosed
	default:
	}
	go func() { _ = conn.Send(ctx, m) }()
	return nil
}
