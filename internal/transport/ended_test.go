package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/gateway"
)

// TestGatewayEndsSession: a session the gateway ends (a detection's
// end_session) is forgotten by the transport: its call in flight, already
// streaming, gets a JSON-RPC error on its stream, its standalone stream
// ends, every later request on its id is 404, and a second end reports
// that it is gone.
func TestGatewayEndsSession(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	c := newClient(t, env.URL)
	c.initialize("2025-11-25")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	get := c.open(ctx, http.MethodGet, "", nil)
	defer get.Body.Close()
	gs := newSSEStream(get.Body)
	if it, err := gs.next(); err != nil || !it.HasID {
		t.Fatalf("priming %+v %v", it, err)
	}
	call := c.open(ctx, http.MethodPost, callBody("3", "demo__sleep", `{"ms":60000}`), nil)
	defer call.Body.Close()
	cs := newSSEStream(call.Body)
	if it, err := cs.next(); err != nil || !it.HasID {
		t.Fatalf("priming %+v %v", it, err)
	}
	if err := env.GW.EndSession(ctx, c.sid, "ended by detection test.rule"); err != nil {
		t.Fatal(err)
	}
	r, _ := cs.readResponse(t, "3")
	if r.code() != -32018 || !strings.Contains(r.Error.Message, "ended by detection test.rule") {
		t.Fatalf("the call in flight: %+v", r)
	}
	for {
		if _, err := gs.next(); err != nil {
			break // the standalone stream ended
		}
	}
	poll(t, "404 on the ended session", func() bool {
		st, _, _ := c.do(http.MethodPost, `{"jsonrpc":"2.0","id":4,"method":"ping"}`, nil)
		return st == http.StatusNotFound
	})
	if st, _, _ := c.do(http.MethodDelete, "", nil); st != http.StatusNotFound {
		t.Fatalf("DELETE of the ended session: %d", st)
	}
	if err := env.GW.EndSession(ctx, c.sid, "again"); !errors.Is(err, gateway.ErrSessionEnded) {
		t.Fatalf("second end: %v", err)
	}
	var reason any
	for _, ev := range env.eventsOf(t, "session.end") {
		if ev["session_id"] == c.sid {
			reason = ev["detail"].(map[string]any)["reason"]
		}
	}
	if reason != "ended by detection test.rule" {
		t.Fatalf("session.end reason %v", reason)
	}
}
