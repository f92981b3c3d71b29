package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// answeringSink is a 2025-11-25 client's stream: it answers every
// elicitation the gateway asks on it (accept, answer "blue").
type answeringSink struct{ s *Session }

func (a answeringSink) Send(b []byte) error {
	m, err := jsonrpc.Parse(b, jsonrpc.DefaultLimits)
	if err == nil && m.Kind == jsonrpc.KindRequest && m.Method == "elicitation/create" {
		resp, _ := jsonrpc.Parse(jsonrpc.NewResult(m.ID, map[string]any{"action": "accept", "content": map[string]any{"answer": "blue"}}), jsonrpc.DefaultLimits)
		go a.s.HandleResponse(context.Background(), resp)
	}
	return nil
}

// newBridgeGateway runs a gateway in process in front of the demo server
// twice: "leg" in 2025-11-25 (a session, stateful handler) and "mod" in
// 2026-07-28 (stateless handler), and a 2025-11-25 client session that
// declares elicitation.
func newBridgeGateway(t testing.TB) *Session {
	t.Helper()
	leg := httptest.NewServer(demo.HTTPHandler(demo.Options{Name: "leg"}))
	t.Cleanup(leg.Close)
	ms := demo.NewServer(demo.Options{Name: "mod"})
	mod := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms }, &mcp.StreamableHTTPOptions{Stateless: true}))
	t.Cleanup(mod.Close)
	cfg, _, err := config.Parse([]byte("servers:\n  leg:\n    url: "+leg.URL+"\n    protocol: \"2025-11-25\"\n  mod:\n    url: "+mod.URL+"\n    protocol: \"2026-07-28\"\npolicy:\n  default: allow\n"), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, Options{Audit: audit.NewLogger(&flakySink{})})
	if err != nil {
		t.Fatal(err)
	}
	g.Start(context.Background())
	t.Cleanup(g.Close)
	if g.Protocol("mod") != "2026-07-28" || !strings.HasPrefix(g.Protocol("leg"), "2025-") {
		t.Fatalf("revisions: mod %q leg %q", g.Protocol("mod"), g.Protocol("leg"))
	}
	init, _ := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`), jsonrpc.DefaultLimits)
	s, resp := g.Initialize(context.Background(), init, ClientMeta{Transport: "test"}, nopSink{})
	if s == nil {
		t.Fatalf("initialize: %s", resp)
	}
	return s
}

func callTool(t testing.TB, s *Session, id int, name, args, want string) {
	m, perr := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":`+itoa(id)+`,"method":"tools/call","params":{"name":"`+name+`","arguments":`+args+`}}`), jsonrpc.DefaultLimits)
	if perr != nil {
		t.Fatal(perr)
	}
	if r := s.HandleRequest(context.Background(), m, answeringSink{s}); !strings.Contains(string(r), want) {
		t.Fatalf("%s: %s", name, r)
	}
}

// The bridge in process: a session client's calls to a 2026-07-28 server
// work like those to a 2025-11-25 one, elicitation included (the gateway
// fulfils the InputRequiredResult by asking the client).
func TestBridgeInProcess(t *testing.T) {
	s := newBridgeGateway(t)
	for i, name := range []string{"leg__echo", "mod__echo"} {
		callTool(t, s, i+1, name, `{"message":"hi"}`, `"text":"hi"`)
	}
	for i, name := range []string{"leg__ask_user", "mod__ask_user"} {
		callTool(t, s, i+10, name, `{"question":"colour?"}`, `user accept: blue`)
	}
}

// BenchmarkProtocolBridge: the gateway's cost per call from a 2025-11-25
// client to a 2026-07-28 server (bridged: per-request _meta and headers;
// with elicitation, the InputRequiredResult fulfilled by asking the client
// and a retry) against the same call to a 2025-11-25 server (same
// revision; elicitation relayed as a server-to-client request). "ratio"
// reports bridged/same for both.
//
//	go test -run '^$' -bench BenchmarkProtocolBridge -benchtime 2000x -count 3 ./internal/gateway/
func BenchmarkProtocolBridge(b *testing.B) {
	s := newBridgeGateway(b)
	id := 100
	run := func(b *testing.B, name, args, want string) {
		b.ReportAllocs()
		for b.Loop() {
			id++
			callTool(b, s, id, name, args, want)
		}
	}
	b.Run("same-revision", func(b *testing.B) { run(b, "leg__echo", `{"message":"hi"}`, `"hi"`) })
	b.Run("bridged", func(b *testing.B) { run(b, "mod__echo", `{"message":"hi"}`, `"hi"`) })
	b.Run("same-revision-elicitation", func(b *testing.B) { run(b, "leg__ask_user", `{"question":"q"}`, "blue") })
	b.Run("bridged-elicitation", func(b *testing.B) { run(b, "mod__ask_user", `{"question":"q"}`, "blue") })
	b.Run("ratio", func(b *testing.B) {
		per := func(name, args, want string) time.Duration {
			start := time.Now()
			for range b.N {
				id++
				callTool(b, s, id, name, args, want)
			}
			return time.Since(start)
		}
		same, bridged := per("leg__echo", `{"message":"hi"}`, `"hi"`), per("mod__echo", `{"message":"hi"}`, `"hi"`)
		sameE, bridgedE := per("leg__ask_user", `{"question":"q"}`, "blue"), per("mod__ask_user", `{"question":"q"}`, "blue")
		b.ReportMetric(float64(bridged)/float64(same), "bridged/same")
		b.ReportMetric(float64(bridgedE)/float64(sameE), "bridged/same-elicitation")
	})
}
