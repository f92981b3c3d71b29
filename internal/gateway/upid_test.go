package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// A client's request id goes to its own upstream session as it is when it
// is a plain integer or a plain string (its answer then needs no rewrite);
// any other id, and every request of the gateway itself, gets an id the
// gateway numbers from gatewayIDBase, so the two kinds never meet. Every
// answer reaches the client under the client's own id.
func TestUpstreamIDs(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // upstream id -> method
	gw := 0                     // requests under an id the gateway numbered
	up := idRecorder(t, demo.HTTPHandler(demo.Options{Name: "r"}), func(id, method string) {
		mu.Lock()
		defer mu.Unlock()
		seen[id] = method
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > gatewayIDBase {
			gw++
		}
	})
	session := startGateway(t, "servers:\n  r:\n    url: "+up.URL+"\npolicy:\n  default: allow\n", "{}")
	call := func(s *Session, id string) {
		t.Helper()
		m, perr := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":`+id+`,"method":"tools/call","params":{"name":"r__echo","arguments":{"message":"hi"}}}`), jsonrpc.DefaultLimits)
		if perr != nil {
			t.Fatal(perr)
		}
		resp, perr := jsonrpc.Parse(s.HandleRequest(context.Background(), m, nopSink{}), jsonrpc.DefaultLimits)
		if perr != nil || resp.Error != nil || !bytes.Contains(resp.Result, []byte(`"hi"`)) {
			t.Fatalf("call with id %s: %v %v", id, resp, perr)
		}
		if string(resp.ID) != id {
			t.Fatalf("answer's id %s, want the client's %s", resp.ID, id)
		}
	}
	base := strconv.FormatInt(gatewayIDBase, 10)
	passed := []string{`7`, `0`, `"abc-1.x_y:z"`, strconv.FormatInt(gatewayIDBase-1, 10)}
	numbered := []string{`"caf\u00e9"`, `"a b"`, `""`, `-3`, base, `9007199254740993`, `"` + string(bytes.Repeat([]byte("a"), 65)) + `"`}
	s1, s2 := session(), session()
	for _, id := range append(append([]string{}, passed...), numbered...) {
		call(s1, id)
	}
	call(s2, `7`) // the same id on another client's own upstream session
	mu.Lock()
	defer mu.Unlock()
	for _, id := range passed {
		if seen[id] != "tools/call" {
			t.Errorf("client id %s did not reach the upstream as it is (seen: %v)", id, seen)
		}
	}
	for _, id := range numbered {
		if _, ok := seen[id]; ok && id != base {
			t.Errorf("client id %s went upstream as it is; it should have been numbered", id)
		}
	}
	for id, method := range seen {
		if pass := slicesContains(passed, id); pass {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= gatewayIDBase {
			t.Errorf("upstream id %s (%s) is neither a client's passed through nor one of the gateway's", id, method)
		}
	}
	if gw < len(numbered)+2 { // the numbered calls, and each session's initialize at least
		t.Errorf("only %d gateway-numbered ids upstream: %v", gw, seen)
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// An id goes through only when no call of the session uses it; the second
// request under an id in flight is numbered by the gateway.
func TestCallIDBusy(t *testing.T) {
	s := &Session{}
	us := &upSession{owner: s, calls: map[string]*upCall{}}
	a, b := &upCall{}, &upCall{}
	if id := us.callID(context.Background(), s, json.RawMessage(`5`), a); string(id) != "5" {
		t.Fatalf("first: %s", id)
	}
	if id := us.callID(context.Background(), s, json.RawMessage(`5`), b); string(id) == "5" {
		t.Fatal("an id in flight was used twice")
	}
	us.forget(a)
	if id := us.callID(withNumberedID(context.Background()), s, json.RawMessage(`5`), &upCall{}); string(id) == "5" {
		t.Fatal("a retry (withNumberedID) reused the client's id")
	}
	other := &Session{}
	if id := us.callID(context.Background(), other, json.RawMessage(`5`), &upCall{}); string(id) == "5" {
		t.Fatal("an id went through on an upstream session the client does not own")
	}
}

// The retry of a call that needed input (a 2026-07-28 server's
// InputRequiredResult fulfilled by asking the client) goes upstream under a
// new id, never the first round's, which may have been the client's.
func TestRetryGetsNewUpstreamID(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	ms := demo.NewServer(demo.Options{Name: "mod"})
	mod := idRecorder(t, mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms }, &mcp.StreamableHTTPOptions{Stateless: true}), func(id, method string) {
		if method == "tools/call" {
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
		}
	})
	s := startGateway(t, "servers:\n  mod:\n    url: "+mod.URL+"\n    protocol: \"2026-07-28\"\npolicy:\n  default: allow\n", `{"elicitation":{}}`)()
	callTool(t, s, 42, "mod__ask_user", `{"question":"colour?"}`, `user accept: blue`)
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("upstream ids of the call and its retry: %v, want two different ones", ids)
	}
}

// idRecorder serves h and tells record the id and method of every request
// POSTed to it.
func idRecorder(t testing.TB, h http.Handler, record func(id, method string)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			var m struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(body, &m) == nil && m.ID != nil {
				record(string(m.ID), m.Method)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startGateway runs a gateway of the configuration yaml and initializes a
// 2025-11-25 client session with capabilities caps each time session is
// called.
func startGateway(t testing.TB, yaml, caps string) (session func() *Session) {
	t.Helper()
	cfg, _, err := config.Parse([]byte(yaml), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, Options{Audit: audit.NewLogger(&memSink{})})
	if err != nil {
		t.Fatal(err)
	}
	g.Start(context.Background())
	t.Cleanup(g.Close)
	return func() *Session {
		init, _ := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":`+caps+`,"clientInfo":{"name":"t","version":"1"}}}`), jsonrpc.DefaultLimits)
		s, resp := g.Initialize(context.Background(), init, ClientMeta{Transport: "test"}, nopSink{})
		if s == nil {
			t.Fatalf("initialize: %s", resp)
		}
		return s
	}
}
