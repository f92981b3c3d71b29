package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// flakySink is a test double: an audit sink that fails on demand (a real
// file cannot be made to fail between two writes).
type flakySink struct {
	fail   atomic.Bool
	writes atomic.Int32
}

func (f *flakySink) Write(_ context.Context, evs ...*audit.Event) error {
	if f.fail.Load() {
		return errors.New("disk full")
	}
	f.writes.Add(int32(len(evs)))
	return nil
}
func (f *flakySink) Close() error { return nil }
func (f *flakySink) Name() string { return "flaky" }

type nopSink struct{}

func (nopSink) Send([]byte) error { return nil }

// newTestGateway runs a gateway in process in front of the demo server.
func newTestGateway(t testing.TB, sink audit.Sink, onCall func(string)) (*Gateway, *Session) {
	return newTestGatewaySinks(t, onCall, sink)
}

func newTestGatewaySinks(t testing.TB, onCall func(string), sinks ...audit.Sink) (*Gateway, *Session) {
	t.Helper()
	return newTestGatewayServer(t, "", onCall, sinks...)
}

// newTestGatewayServer is newTestGatewaySinks with more of server r's
// configuration (YAML lines indented under it, e.g. tool labels).
func newTestGatewayServer(t testing.TB, serverYAML string, onCall func(string), sinks ...audit.Sink) (*Gateway, *Session) {
	t.Helper()
	up := httptest.NewServer(demo.HTTPHandler(demo.Options{Name: "r", OnCall: onCall}))
	t.Cleanup(up.Close)
	cfg, _, err := config.Parse([]byte("servers:\n  r:\n    url: "+up.URL+"\n"+serverYAML+"policy:\n  default: allow\n"), "test.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, Options{Audit: audit.NewLogger(sinks...)})
	if err != nil {
		t.Fatal(err)
	}
	g.Start(context.Background())
	t.Cleanup(g.Close)
	init, _ := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`), jsonrpc.DefaultLimits)
	s, resp := g.Initialize(context.Background(), init, ClientMeta{Transport: "test"}, nopSink{})
	if s == nil {
		t.Fatalf("initialize: %s", resp)
	}
	return g, s
}

func callEcho(t testing.TB, s *Session, id int) []byte {
	m, perr := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":`+itoa(id)+`,"method":"tools/call","params":{"name":"r__echo","arguments":{"message":"hi"}}}`), jsonrpc.DefaultLimits)
	if perr != nil {
		t.Fatal(perr)
	}
	return s.HandleRequest(context.Background(), m, nopSink{})
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestAuditFailureOnTheCallPath(t *testing.T) {
	sink := &flakySink{}
	var calls atomic.Int32
	_, s := newTestGateway(t, sink, func(string) { calls.Add(1) })
	if r := callEcho(t, s, 1); !strings.Contains(string(r), `"hi"`) {
		t.Fatalf("healthy: %s", r)
	}
	sink.fail.Store(true)
	// The call ran, but its result is withheld: there is no record of it.
	if r := callEcho(t, s, 2); !strings.Contains(string(r), `-32013`) {
		t.Fatalf("failing audit: result not withheld: %s", r)
	}
	// Further calls are refused before they reach the upstream.
	before := calls.Load()
	if r := callEcho(t, s, 3); !strings.Contains(string(r), `-32013`) {
		t.Fatalf("failing audit: call not refused: %s", r)
	}
	if calls.Load() != before {
		t.Fatal("a call reached the upstream while the audit log was failing")
	}
	// When the log recovers, calls flow again (the first one after recovery
	// is the refusal that proved it).
	sink.fail.Store(false)
	_ = callEcho(t, s, 4)
	if r := callEcho(t, s, 5); !strings.Contains(string(r), `"hi"`) {
		t.Fatalf("recovered: %s", r)
	}
}

// BenchmarkCallInProcess is the gateway's own cost per tools/call (routing,
// guard chain, id remapping, audit event) plus the upstream's, without a
// client transport.
func BenchmarkCallInProcess(b *testing.B) {
	_, s := newTestGateway(b, &flakySink{}, nil)
	b.ReportAllocs()
	i := 10
	for b.Loop() {
		i++
		if r := callEcho(b, s, i); !strings.Contains(string(r), `"hi"`) {
			b.Fatalf("%s", r)
		}
	}
}

// BenchmarkCallInProcessRealAudit is BenchmarkCallInProcess with the audit
// sinks mcpwarden serve uses: a JSONL file and the SQLite store.
func BenchmarkCallInProcessRealAudit(b *testing.B) {
	dir := b.TempDir()
	fs, err := audit.OpenFileSink(dir+"/audit.jsonl", audit.WithRedactor(audit.NewRedactor([]string{"secret-value"})))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(dir + "/gw.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	_, s := newTestGatewaySinks(b, nil, fs, store.AuditSink(st))
	b.ReportAllocs()
	i := 10
	for b.Loop() {
		i++
		if r := callEcho(b, s, i); !strings.Contains(string(r), `"hi"`) {
			b.Fatalf("%s", r)
		}
	}
}
