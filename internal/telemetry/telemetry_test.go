package telemetry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

func callEvent(server, decision, outcome string, ms float64) *audit.Event {
	return &audit.Event{Type: audit.TypeToolsCall, Server: server, Tool: "echo", Decision: audit.Decision{Action: decision},
		Status: audit.Status{Outcome: outcome}, DurationMS: ms}
}

// family returns the gathered metric family name.
func family(t *testing.T, m *Metrics, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func labelsOf(mt *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range mt.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestMetricsSink: calls, alerts and events are counted from the audit
// stream with bounded labels (a forwarded method of the client's choosing
// is "other"); the sources are read at scrape time.
func TestMetricsSink(t *testing.T) {
	m := NewMetrics()
	m.SetSources(Sources{Sessions: func() int { return 3 },
		Audit: func() []audit.SinkStats {
			return []audit.SinkStats{{Sink: "file", Written: 7}, {Sink: "otel-logs", Dropped: 2, Queued: 1}}
		},
		Detect: func() (int64, int64, int64) { return 10, 1, 4 }})
	s := m.Sink()
	ctx := context.Background()
	_ = s.Write(ctx, callEvent("demo", "allow", "ok", 12), callEvent("demo", "allow", "ok", 3), callEvent("demo", "deny", "denied", 0.1),
		&audit.Event{Type: "request", Server: "demo", Detail: map[string]any{"method": "x/anything-" + strings.Repeat("a", 50)}, Decision: audit.Decision{Action: "allow"}, Status: audit.Status{Outcome: "ok"}},
		&audit.Event{Type: audit.TypeAlert, Rule: "mcp.recon", Severity: "medium"}, &audit.Event{Type: audit.TypeSessionStart})
	calls := family(t, m, "mcpwarden_calls_total")
	got := map[string]float64{}
	for _, mt := range calls.GetMetric() {
		l := labelsOf(mt)
		got[l["server"]+"|"+l["method"]+"|"+l["decision"]+"|"+l["outcome"]] = mt.GetCounter().GetValue()
	}
	want := map[string]float64{"demo|tools/call|allow|ok": 2, "demo|tools/call|deny|denied": 1, "demo|other|allow|ok": 1}
	if len(got) != len(want) {
		t.Fatalf("calls_total %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("calls_total %v, want %v", got, want)
		}
	}
	h := family(t, m, "mcpwarden_call_duration_seconds")
	if h == nil || h.GetMetric()[0].GetHistogram().GetSampleCount() == 0 {
		t.Fatalf("histogram: %v", h)
	}
	for _, mt := range h.GetMetric() {
		if l := labelsOf(mt); l["method"] == "tools/call" && (mt.GetHistogram().GetSampleCount() != 3 || mt.GetHistogram().GetSampleSum() < 0.015) {
			t.Fatalf("histogram tools/call: %v", mt)
		}
	}
	if a := family(t, m, "mcpwarden_alerts_total"); a == nil || a.GetMetric()[0].GetCounter().GetValue() != 1 || labelsOf(a.GetMetric()[0])["rule"] != "mcp.recon" {
		t.Fatalf("alerts_total: %v", a)
	}
	if f := family(t, m, "mcpwarden_sessions"); f == nil || f.GetMetric()[0].GetGauge().GetValue() != 3 {
		t.Fatalf("sessions: %v", f)
	}
	if f := family(t, m, "mcpwarden_audit_sink_dropped_total"); f == nil || len(f.GetMetric()) != 2 {
		t.Fatalf("sink dropped: %v", f)
	}
	if f := family(t, m, "mcpwarden_detect_events_dropped_total"); f == nil || f.GetMetric()[0].GetCounter().GetValue() != 4 {
		t.Fatalf("detect dropped: %v", f)
	}
}

// TestAdminToken: with a token, /metrics refuses requests without it
// (401) and with a wrong one; /healthz needs none.
func TestAdminToken(t *testing.T) {
	srv := httptest.NewServer(AdminHandler(NewMetrics(), "s3cret-admin-token"))
	defer srv.Close()
	for _, c := range []struct {
		path, auth string
		want       int
	}{{"/metrics", "", 401}, {"/metrics", "Bearer wrong", 401}, {"/metrics", "s3cret-admin-token", 401},
		{"/metrics", "Bearer s3cret-admin-token", 200}, {"/healthz", "", 200}} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s with %q: %d, want %d", c.path, c.auth, resp.StatusCode, c.want)
		}
	}
}

// otlpLogs is an OTLP/HTTP logs receiver on 127.0.0.1 that can be told to
// fail.
type otlpLogs struct {
	srv      *httptest.Server
	failures atomic.Int32 // requests still to answer 503
	mu       sync.Mutex
	records  []string // bodies
	attrs    []map[string]string
}

func newOTLPLogs(t *testing.T) *otlpLogs {
	r := &otlpLogs{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if r.failures.Add(-1) >= 0 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var ex collogs.ExportLogsServiceRequest
		if req.URL.Path != "/v1/logs" || proto.Unmarshal(b, &ex) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rl := range ex.GetResourceLogs() {
			for _, sl := range rl.GetScopeLogs() {
				for _, lr := range sl.GetLogRecords() {
					r.records = append(r.records, lr.GetBody().GetStringValue())
					a := map[string]string{"event_name": lr.GetEventName(), "severity": lr.GetSeverityText()}
					for _, kv := range lr.GetAttributes() {
						a[kv.GetKey()] = kv.GetValue().GetStringValue()
					}
					r.attrs = append(r.attrs, a)
				}
			}
		}
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *otlpLogs) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.records) }

func telemetryConfig(url string) *config.Telemetry {
	return &config.Telemetry{ServiceName: "mcpwarden-test", OTLP: &config.OTLP{Endpoint: url, Logs: config.OTLPLogsAlerts}}
}

// TestLogSinkRetries: a collector that fails at first gets the alert in
// the end; failures are counted, nothing is dropped; other events are not
// exported in "alerts" mode; secrets are redacted.
func TestLogSinkRetries(t *testing.T) {
	rcv := newOTLPLogs(t)
	rcv.failures.Store(2)
	s, err := NewLogSink(telemetryConfig(rcv.srv.URL), "test", LogOptions{Redactor: audit.NewRedactor([]string{"hunter2-secret-value"})})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Write(context.Background(), &audit.Event{Type: audit.TypeToolsCall},
		&audit.Event{Type: audit.TypeAlert, Rule: "mcp.recon", Severity: "high", EventIDs: []string{"e1", "e2"}, Summary: "saw hunter2-secret-value"})
	deadline := time.Now().Add(10 * time.Second)
	for rcv.count() < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.Close()
	st := s.Stats()
	if rcv.count() != 1 || st.Written != 1 || st.Failed != 2 || st.Dropped != 0 || st.Queued != 0 {
		t.Fatalf("received %d, stats %+v", rcv.count(), st)
	}
	a := rcv.attrs[0]
	if a["mcpwarden.rule"] != "mcp.recon" || a["mcpwarden.severity"] != "high" || a["event_name"] != "mcpwarden.alert" || a["severity"] != "high" {
		t.Fatalf("attributes %v", a)
	}
	if strings.Contains(rcv.records[0], "hunter2") || strings.Contains(a["mcpwarden.summary"], "hunter2") {
		t.Fatalf("a secret reached the collector: %s", rcv.records[0])
	}
}

// TestLogSinkDown: with the collector down, Write neither blocks nor
// fails; what does not fit the buffer, and what is still buffered at
// Close, is counted as dropped.
func TestLogSinkDown(t *testing.T) {
	rcv := newOTLPLogs(t)
	rcv.failures.Store(1 << 30)
	s, err := NewLogSink(telemetryConfig(rcv.srv.URL), "test", LogOptions{Buffer: 4, CloseWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < 20; i++ {
		if err := s.Write(context.Background(), &audit.Event{Type: audit.TypeAlert, Rule: "r", Severity: "low"}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Write blocked for %s", d)
	}
	_ = s.Close()
	st := s.Stats()
	if st.Written != 0 || st.Dropped != 20 || st.Failed == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTraceContext: the server span continues a traceparent from
// params._meta (SEP-414); the client span's context goes into the
// forwarded _meta and headers, with the correlation id as baggage (a
// client's own value for that key is replaced) and on both spans; audit
// events get the ids.
func TestTraceContext(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := newTracing(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	params := json.RawMessage(`{"name":"x","_meta":{"traceparent":"` + parent + `","baggage":"mcpwarden.correlation_id=forged,team=blue"}}`)
	ctx, end := tr.StartServer(context.Background(), "tools/call", "sess-1", json.RawMessage(`7`), params)
	ob := tr.StartClient(ctx, "demo", "tools/call", "c-123")
	meta, err := ob.Meta(json.RawMessage(`{"progressToken":1,"tracestate":"stale=1"}`))
	if err != nil {
		t.Fatal(err)
	}
	ev := &audit.Event{CorrelationID: "c-123"}
	tr.Stamp(ctx, ev)
	ob.End("")
	end([]byte(`{"jsonrpc":"2.0","id":7,"result":{}}`))

	tp, _ := jsonrpc.StringField(meta, "traceparent")
	bag, _ := jsonrpc.StringField(meta, "baggage")
	if !strings.HasPrefix(tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || tp == parent || ob.Header()["traceparent"] != tp {
		t.Fatalf("traceparent %q (headers %v)", tp, ob.Header())
	}
	if !strings.Contains(bag, "mcpwarden.correlation_id=c-123") || strings.Contains(bag, "forged") || !strings.Contains(bag, "team=blue") {
		t.Fatalf("baggage %q", bag)
	}
	if jsonrpc.Field(meta, "tracestate") != nil || string(jsonrpc.Field(meta, "progressToken")) != "1" {
		t.Fatalf("meta %s", meta)
	}
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, sp := range spans {
		corr := ""
		for _, a := range sp.Attributes {
			if a.Key == CorrelationKey {
				corr = a.Value.AsString()
			}
		}
		if sp.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || corr != "c-123" {
			t.Fatalf("span %s: trace %s correlation %q", sp.Name, sp.SpanContext.TraceID(), corr)
		}
	}
	if ev.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || ev.SpanID != spans[1].SpanContext.SpanID().String() {
		t.Fatalf("event %s/%s, server span %s", ev.TraceID, ev.SpanID, spans[1].SpanContext.SpanID())
	}
	// Off: no spans, nothing changed.
	var off *Tracing
	ctx2, end2 := off.StartServer(context.Background(), "tools/call", "", nil, params)
	if ob := off.StartClient(ctx2, "demo", "tools/call", "c"); ob != nil {
		t.Fatal("a client span with tracing off")
	}
	end2(nil)
}

// BenchmarkMetricsSink is the per-call cost of the metrics: one tools/call
// event through the sink, from one goroutine and from GOMAXPROCS.
func BenchmarkMetricsSink(b *testing.B) {
	m := NewMetrics()
	s := m.Sink()
	ev := callEvent("demo", "allow", "ok", 1.5)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = s.Write(ctx, ev)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = s.Write(ctx, ev)
			}
		})
	})
}
