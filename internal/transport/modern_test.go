package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// recorder is a guard that records every call it is asked about.
type recorder struct {
	mu    sync.Mutex
	calls []guard.Call
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Check(_ context.Context, c *guard.Call) guard.Decision {
	if !c.Listing {
		r.mu.Lock()
		r.calls = append(r.calls, *c)
		r.mu.Unlock()
	}
	return guard.Allowed
}

func modernHeaders(method, name string) map[string]string {
	h := map[string]string{protocol.HeaderProtocolVersion: protocol.Modern, protocol.HeaderMethod: method}
	if name != "" {
		h[protocol.HeaderName] = name
	}
	return h
}

const testMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"transport-test","version":"1"}}`

// Every guard sees the same guard.Call whatever the revision (design 7.3):
// the same tools/call sent by a 2025-11-25 client and by a 2026-07-28
// client differs only in Session.ID and Session.ProtocolVersion (and the
// per-call CorrelationID, random for every call).
func TestGuardCallSameAcrossRevisions(t *testing.T) {
	rec := &recorder{}
	env := startGatewayWith(t, HTTPOptions{}, "", gateway.Options{Guards: []guard.Guard{rec}})
	legacy := newClient(t, env.URL)
	legacy.initialize("2025-11-25")
	if st, _, body := legacy.do(http.MethodPost, callBody("2", "demo__echo", `{"message":"same"}`), nil); st != 200 || !strings.Contains(body, "same") {
		t.Fatalf("legacy call: %d %s", st, body)
	}
	modern := newClient(t, env.URL)
	body := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":"same"},` + testMeta + `}}`
	st, h, resp := modern.do(http.MethodPost, body, modernHeaders("tools/call", "demo__echo"))
	if st != 200 || !strings.Contains(resp, `"resultType":"complete"`) || h.Get("Mcp-Session-Id") != "" {
		t.Fatalf("modern call: %d %v %s", st, h, resp)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.calls) != 2 {
		t.Fatalf("recorded %d calls", len(rec.calls))
	}
	a, b := rec.calls[0], rec.calls[1]
	if a.Session.ProtocolVersion != "2025-11-25" || b.Session.ProtocolVersion != protocol.Modern || !strings.HasPrefix(b.Session.ID, "st-") || a.Session.ID == b.Session.ID {
		t.Fatalf("sessions: %+v / %+v", a.Session, b.Session)
	}
	a.Session.ID, b.Session.ID = "", ""
	a.Session.ProtocolVersion, b.Session.ProtocolVersion = "", ""
	a.CorrelationID, b.CorrelationID = "", ""
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("guard.Call differs:\nlegacy %s\nmodern %s", ja, jb)
	}
}

// The same client's requests share one virtual session (stable
// correlation), another client program gets another; GET and DELETE of a
// stateless client are 405, a legacy client's GET without a session stays 400.
func TestModernVirtualSessions(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	c := newClient(t, env.URL)
	list := func(name string) {
		b := strings.Replace(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{`+testMeta+`}}`, "transport-test", name, 1)
		if st, _, body := c.do(http.MethodPost, b, modernHeaders("tools/list", "")); st != 200 || !strings.Contains(body, `"cacheScope":"private"`) || !strings.Contains(body, `"ttlMs":0`) {
			t.Fatalf("tools/list: %d %s", st, body)
		}
	}
	list("a")
	list("a")
	list("b")
	sessions := map[string]bool{}
	for _, ev := range env.eventsOf(t, "session.start") {
		sessions[ev["session_id"].(string)] = true
	}
	if len(sessions) != 2 {
		t.Fatalf("want 2 virtual sessions, got %v", sessions)
	}
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		if st, h, _ := c.do(m, "", map[string]string{protocol.HeaderProtocolVersion: protocol.Modern}); st != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Fatalf("%s: %d %v", m, st, h)
		}
	}
	if st, _, _ := c.do(http.MethodGet, "", nil); st != http.StatusBadRequest {
		t.Fatalf("legacy GET without session: %d", st)
	}
	// A legacy initialize asking for 2026-07-28 gets at most 2025-11-25.
	st, _, body := c.do(http.MethodPost, initBody(1, protocol.Modern), nil)
	if st != 200 || !strings.Contains(body, `"protocolVersion":"2025-11-25"`) {
		t.Fatalf("initialize: %d %s", st, body)
	}
	// server/discover.
	st, _, body = c.do(http.MethodPost, `{"jsonrpc":"2.0","id":3,"method":"server/discover","params":{`+testMeta+`}}`, modernHeaders("server/discover", ""))
	if st != 200 || !strings.Contains(body, `"supportedVersions":["2026-07-28","2025-11-25"`) || !strings.Contains(body, `"io.modelcontextprotocol/serverInfo"`) || strings.Contains(body, `"tasks"`) {
		t.Fatalf("discover: %d %s", st, body)
	}
}
