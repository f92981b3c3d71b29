package e2e

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSpan and otlpLog are what the receiver decoded.
type otlpSpan struct {
	TraceID, SpanID, Parent, Name, Service string
	Kind                                   tracepb.Span_SpanKind
	Attrs                                  map[string]string
}

type otlpLog struct {
	EventName, Severity, Body string
	Attrs                     map[string]string
	EventIDs                  []string
}

// otlpReceiver is an OTLP/HTTP receiver (protobuf) on 127.0.0.1: the
// gateway exports to it as to a collector.
type otlpReceiver struct {
	URL   string
	mu    sync.Mutex
	spans []otlpSpan
	logs  []otlpLog
}

func attrString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_ArrayValue:
		var parts []string
		for _, e := range x.ArrayValue.GetValues() {
			parts = append(parts, e.GetStringValue())
		}
		return strings.Join(parts, ",")
	}
	return ""
}

func startOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		if err != nil || req.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch req.URL.Path {
		case "/v1/traces":
			var ex coltrace.ExportTraceServiceRequest
			if proto.Unmarshal(b, &ex) != nil {
				http.Error(w, "bad protobuf", http.StatusBadRequest)
				return
			}
			r.mu.Lock()
			for _, rs := range ex.GetResourceSpans() {
				service := ""
				for _, kv := range rs.GetResource().GetAttributes() {
					if kv.GetKey() == "service.name" {
						service = attrString(kv.GetValue())
					}
				}
				for _, ss := range rs.GetScopeSpans() {
					for _, sp := range ss.GetSpans() {
						s := otlpSpan{TraceID: hex.EncodeToString(sp.GetTraceId()), SpanID: hex.EncodeToString(sp.GetSpanId()),
							Parent: hex.EncodeToString(sp.GetParentSpanId()), Name: sp.GetName(), Kind: sp.GetKind(), Service: service, Attrs: map[string]string{}}
						for _, kv := range sp.GetAttributes() {
							s.Attrs[kv.GetKey()] = attrString(kv.GetValue())
						}
						r.spans = append(r.spans, s)
					}
				}
			}
			r.mu.Unlock()
		case "/v1/logs":
			var ex collogs.ExportLogsServiceRequest
			if proto.Unmarshal(b, &ex) != nil {
				http.Error(w, "bad protobuf", http.StatusBadRequest)
				return
			}
			r.mu.Lock()
			for _, rl := range ex.GetResourceLogs() {
				for _, sl := range rl.GetScopeLogs() {
					for _, lr := range sl.GetLogRecords() {
						l := otlpLog{EventName: lr.GetEventName(), Severity: lr.GetSeverityText(), Body: lr.GetBody().GetStringValue(), Attrs: map[string]string{}}
						for _, kv := range lr.GetAttributes() {
							l.Attrs[kv.GetKey()] = attrString(kv.GetValue())
							if kv.GetKey() == "mcpwarden.event_ids" {
								for _, e := range kv.GetValue().GetArrayValue().GetValues() {
									l.EventIDs = append(l.EventIDs, e.GetStringValue())
								}
							}
						}
						r.logs = append(r.logs, l)
					}
				}
			}
			r.mu.Unlock()
		default:
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *otlpReceiver) snapshot() ([]otlpSpan, []otlpLog) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otlpSpan(nil), r.spans...), append([]otlpLog(nil), r.logs...)
}

// probeSeen is what the upstream received with one tools/call.
type probeSeen struct {
	HeaderTraceparent, HeaderBaggage, RequestID string
	MetaTraceparent, MetaBaggage                string
}

// startProbeUpstream is a Go SDK Streamable HTTP server whose tool records
// the trace context it was sent, in the HTTP headers and in _meta.
func startProbeUpstream(t *testing.T) (string, func() []probeSeen) {
	t.Helper()
	var mu sync.Mutex
	var seen []probeSeen
	s := mcp.NewServer(&mcp.Implementation{Name: "probe", Version: "1.0"}, nil)
	type empty struct{}
	record := func(ctx context.Context, r *mcp.CallToolRequest, in empty) (*mcp.CallToolResult, any, error) {
		p := probeSeen{}
		if r.Extra != nil && r.Extra.Header != nil {
			p.HeaderTraceparent, p.HeaderBaggage, p.RequestID = r.Extra.Header.Get("traceparent"), r.Extra.Header.Get("baggage"), r.Extra.Header.Get("X-Request-ID")
		}
		if r.Params != nil {
			p.MetaTraceparent, _ = r.Params.Meta["traceparent"].(string)
			p.MetaBaggage, _ = r.Params.Meta["baggage"].(string)
		}
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "probed"}}}, nil, nil
	}
	mcp.AddTool(s, &mcp.Tool{Name: "probe", Description: "Record the trace context."}, record)
	mcp.AddTool(s, &mcp.Tool{Name: "forbidden", Description: "Never reached: the policy denies it."}, record)
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close)
	return srv.URL, func() []probeSeen {
		mu.Lock()
		defer mu.Unlock()
		return append([]probeSeen(nil), seen...)
	}
}

// headerTransport adds a traceparent to every request of an MCP client
// (a client that is itself traced).
type headerTransport struct{ traceparent string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("traceparent", h.traceparent)
	return http.DefaultTransport.RoundTrip(r)
}

// traceIDOf is the trace id of a traceparent.
func traceIDOf(tp string) string {
	if p := strings.Split(tp, "-"); len(p) == 4 {
		return p[1]
	}
	return ""
}

func parentOf(tp string) string {
	if p := strings.Split(tp, "-"); len(p) == 4 {
		return p[2]
	}
	return ""
}

// TestTelemetry: traces, OTel alert logs and Prometheus metrics of a
// running gateway, exported to a real OTLP/HTTP receiver and scraped over
// HTTP. A client's trace (traceparent header, or _meta per SEP-414)
// continues through the gateway's server span and client span to the
// upstream, which sees the same trace id in its headers and _meta; the
// correlation id is on both spans, in the upstream's baggage and equals
// the audit event's, which carries the trace id. An mcp.recon alert
// arrives as an OTel log record; /metrics counts an allowed and a denied
// call and the alert, and refuses a scrape without the token.
func TestTelemetry(t *testing.T) {
	rcv := startOTLPReceiver(t)
	upURL, seen := startProbeUpstream(t)
	adminAddr := freeAddr(t)
	g := startGateway(t, `
listen: {{LISTEN}}
policy:
  default: allow
admin:
  listen: `+adminAddr+`
  token: "env:METRICS_TOKEN"
telemetry:
  service_name: mcpwarden-e2e
  otlp:
    endpoint: `+rcv.URL+`
    headers: {X-Collector-Tenant: e2e}
detect:
  thresholds: {recon_lists_per_session: 3}
servers:
  probe:
    url: `+upURL+`
    tools:
      forbidden: {allow: false}
audit:
  file: audit.jsonl
`, "METRICS_TOKEN=metrics-token-e2e-123456")

	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	const clientSpan = "00f067aa0ba902b7"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "traced-client", Version: "1.0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL,
		HTTPClient: &http.Client{Transport: headerTransport{"00-" + clientTrace + "-" + clientSpan + "-01"}}}, legacySession)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	// 1. Allowed, traced by the client's traceparent header.
	if out, err := callEv(t, cs, "probe__probe", map[string]any{}); err != nil || out != "probed" {
		t.Fatalf("call: %q %v", out, err)
	}
	// 2. Allowed, with a trace context in _meta (it wins over the header).
	const metaTrace = "0af7651916cd43dd8448eb211c80319c"
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "probe__probe", Arguments: map[string]any{},
		Meta: mcp.Meta{"traceparent": "00-" + metaTrace + "-b7ad6b7169203331-01"}}); err != nil || res.IsError {
		t.Fatalf("call with _meta: %v %v", res, err)
	}
	// 3. Denied by policy.
	if _, err := callEv(t, cs, "probe__forbidden", map[string]any{}); err == nil {
		t.Fatal("the denied tool was called")
	}

	got := seen()
	if len(got) != 2 {
		t.Fatalf("the upstream saw %d calls: %+v", len(got), got)
	}
	var calls []map[string]any
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		calls = append(calls, ev)
	}
	if len(calls) != 3 {
		t.Fatalf("%d tools/call events", len(calls))
	}
	for i, want := range []string{clientTrace, metaTrace} {
		p, ev := got[i], calls[i]
		corr, _ := ev["correlation_id"].(string)
		if corr == "" || p.RequestID != corr {
			t.Fatalf("call %d: upstream X-Request-ID %q, audit correlation_id %q", i, p.RequestID, corr)
		}
		if traceIDOf(p.HeaderTraceparent) != want || traceIDOf(p.MetaTraceparent) != want || p.HeaderTraceparent != p.MetaTraceparent {
			t.Fatalf("call %d: upstream traceparent header %q, _meta %q; want trace %s", i, p.HeaderTraceparent, p.MetaTraceparent, want)
		}
		if !strings.Contains(p.HeaderBaggage, "mcpwarden.correlation_id="+corr) || !strings.Contains(p.MetaBaggage, "mcpwarden.correlation_id="+corr) {
			t.Fatalf("call %d: upstream baggage header %q, _meta %q; want the correlation id %s", i, p.HeaderBaggage, p.MetaBaggage, corr)
		}
		if ev["trace_id"] != want || ev["span_id"] == nil {
			t.Fatalf("call %d: audit event trace_id %v span_id %v, want %s", i, ev["trace_id"], ev["span_id"], want)
		}
	}
	if d := calls[2]; d["decision"].(map[string]any)["action"] != "deny" || d["trace_id"] != clientTrace {
		t.Fatalf("denied call event: %s", toJSON(d))
	}

	// The spans: server span (child of the client's span) and client span
	// (child of the server span, parent of the upstream's request), one
	// trace, the correlation id on both.
	var server, client *otlpSpan
	ev0 := calls[0]
	corr0 := ev0["correlation_id"].(string)
	deadline := time.Now().Add(15 * time.Second)
	for server == nil || client == nil {
		if time.Now().After(deadline) {
			spans, _ := rcv.snapshot()
			t.Fatalf("spans of the first call not exported: %+v", spans)
		}
		time.Sleep(100 * time.Millisecond)
		spans, _ := rcv.snapshot()
		for i := range spans {
			sp := &spans[i]
			if sp.Attrs["mcpwarden.correlation_id"] != corr0 {
				continue
			}
			switch sp.Kind {
			case tracepb.Span_SPAN_KIND_SERVER:
				server = sp
			case tracepb.Span_SPAN_KIND_CLIENT:
				client = sp
			}
		}
	}
	if server.TraceID != clientTrace || client.TraceID != clientTrace || server.Parent != clientSpan || client.Parent != server.SpanID ||
		parentOf(got[0].HeaderTraceparent) != client.SpanID || ev0["span_id"] != server.SpanID {
		t.Fatalf("span tree: server %+v client %+v upstream %q audit span %v", server, client, got[0].HeaderTraceparent, ev0["span_id"])
	}
	if server.Service != "mcpwarden-e2e" || server.Name != "tools/call" || server.Attrs["mcpwarden.decision"] != "allow" || client.Attrs["mcpwarden.server"] != "probe" {
		t.Fatalf("span attributes: server %+v client %+v", server, client)
	}

	// Reconnaissance in another session: an alert, exported as an OTel
	// log record (only alerts are: telemetry.otlp.logs defaults to alerts).
	recon := connect(t, g.URL, nil)
	for i := 0; i < 5; i++ {
		toolNamesOf(t, recon)
	}
	var alert *otlpLog
	for deadline := time.Now().Add(15 * time.Second); alert == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			_, logs := rcv.snapshot()
			t.Fatalf("no mcp.recon log record: %+v", logs)
		}
		_, logs := rcv.snapshot()
		for i := range logs {
			if logs[i].Attrs["mcpwarden.rule"] == "mcp.recon" {
				alert = &logs[i]
			}
		}
	}
	auditAlerts := eventsOf(auditEvents(t, g.Audit), "alert")
	if len(auditAlerts) != 1 || alert.EventName != "mcpwarden.alert" || alert.Attrs["mcpwarden.severity"] == "" || alert.Severity != auditAlerts[0]["severity"] ||
		len(alert.EventIDs) == 0 || alert.Attrs["mcpwarden.event_id"] != auditAlerts[0]["event_id"] || toJSON(alert.EventIDs) != toJSON(auditAlerts[0]["event_ids"]) {
		t.Fatalf("alert log record %+v, audit alerts %s", alert, toJSON(auditAlerts))
	}
	_, logs := rcv.snapshot()
	for _, l := range logs {
		if l.EventName != "mcpwarden.alert" {
			t.Fatalf("a non-alert event was exported in alerts mode: %+v", l)
		}
	}

	// Metrics over HTTP, with the token; 401 without it.
	scrape := func(token string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", "http://"+adminAddr+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, _ := scrape(""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", resp.StatusCode)
	}
	if resp, _ := scrape("wrong-token"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong token: %d", resp.StatusCode)
	}
	var fams map[string]*dto.MetricFamily
	value := func(name string, labels map[string]string) float64 {
		f := fams[name]
		if f == nil {
			return -1
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		return -1
	}
	// The OTel sink's counters arrive once the alert's export returned.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, body := scrape("metrics-token-e2e-123456")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		if fams, err = p.TextToMetricFamilies(strings.NewReader(string(body))); err != nil {
			t.Fatalf("/metrics does not parse: %v\n%s", err, body)
		}
		if value("mcpwarden_audit_sink_written_total", map[string]string{"sink": "otel-logs"}) >= 1 || time.Now().After(deadline) {
			break
		}
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"mcpwarden_calls_total", map[string]string{"server": "probe", "method": "tools/call", "decision": "allow", "outcome": "ok"}, 2},
		{"mcpwarden_calls_total", map[string]string{"server": "probe", "method": "tools/call", "decision": "deny", "outcome": "denied"}, 1},
		{"mcpwarden_calls_total", map[string]string{"method": "tools/list", "decision": "allow"}, 5},
		{"mcpwarden_alerts_total", map[string]string{"rule": "mcp.recon"}, 1},
		{"mcpwarden_call_duration_seconds", map[string]string{"server": "probe", "method": "tools/call"}, 3},
		{"mcpwarden_audit_events_total", map[string]string{"type": "alert"}, 1},
		{"mcpwarden_audit_sink_written_total", map[string]string{"sink": "otel-logs"}, 1},
		{"mcpwarden_audit_sink_dropped_total", map[string]string{"sink": "otel-logs"}, 0},
		{"mcpwarden_sessions", nil, 2},
	}
	for _, c := range checks {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if value("mcpwarden_detect_events_seen_total", nil) < 8 {
		t.Errorf("detect seen: %v", value("mcpwarden_detect_events_seen_total", nil))
	}
}
