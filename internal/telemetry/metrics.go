// Package telemetry exports what the gateway does: Prometheus metrics on
// the admin listener (derived from the audit stream by an audit sink, so
// the call path needs no instrumentation of its own), OpenTelemetry traces
// whose spans carry the correlation id from the client through the gateway
// to the upstream, and alerts (or all audit events) as OpenTelemetry log
// records.
//
// Metrics use prometheus/client_golang: the admin endpoint speaks the
// Prometheus text format natively, and a labelled counter increment is a
// few tens of nanoseconds (BenchmarkMetricsSink), where the OTel metrics
// SDK would add an aggregation pipeline and a translating exporter for the
// same result. Traces and logs use the OpenTelemetry SDK with its OTLP/HTTP
// exporters.
package telemetry

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// Sources are the gauges and counters read at scrape time from the parts
// that keep them. Nil functions are skipped.
type Sources struct {
	// Audit returns the counters of the audit sinks (audit.Logger.Stats).
	Audit func() []audit.SinkStats
	// Sessions returns the number of open client sessions.
	Sessions func() int
	// Detect returns the detection engine's counters.
	Detect func() (seen, alerts, dropped int64)
}

// Metrics are the gateway's Prometheus metrics (prefix mcpwarden_).
type Metrics struct {
	reg      *prometheus.Registry
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	alerts   *prometheus.CounterVec
	events   *prometheus.CounterVec
	src      atomic.Pointer[Sources]

	// cache holds the label lookups of the call path (copied on write, so
	// a call reads it without a lock): after the first call of its kind a
	// call's metrics are a few atomic adds.
	mu    sync.Mutex
	cache atomic.Pointer[seriesCache]
}

type seriesCache struct {
	calls map[callKey]*callSeries
	types map[string]prometheus.Counter
}

type callKey struct{ server, method, decision, outcome string }

type callSeries struct {
	calls    prometheus.Counter
	duration prometheus.Observer
}

// DurationBuckets are the call_duration_seconds buckets: from half a
// millisecond (a denial) to two minutes (a held call approved by a human).
var DurationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// NewMetrics returns the metrics with their registry (Go runtime and
// process collectors included).
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mcpwarden_calls_total",
			Help: "Client requests the gateway decided (tools/call, resources/read, prompts/get, the list methods; other forwarded methods as method=\"other\"), by server, method, decision and outcome."},
			[]string{"server", "method", "decision", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mcpwarden_call_duration_seconds",
			Help: "Time from a request's arrival to its audit event (guards, upstream, scans), by server and method.", Buckets: DurationBuckets},
			[]string{"server", "method"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mcpwarden_alerts_total",
			Help: "Alerts raised by the detection rules, by rule and severity."}, []string{"rule", "severity"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mcpwarden_audit_events_total",
			Help: "Audit events emitted, by type."}, []string{"type"}),
	}
	m.cache.Store(&seriesCache{calls: map[callKey]*callSeries{}, types: map[string]prometheus.Counter{}})
	m.reg.MustRegister(m.calls, m.duration, m.alerts, m.events, &sourceCollector{m: m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetSources sets what is read at scrape time.
func (m *Metrics) SetSources(s Sources) { m.src.Store(&s) }

// Registry is the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Sink returns the audit sink that derives the call, alert and event
// metrics from the audit stream.
func (m *Metrics) Sink() audit.Sink { return metricsSink{m} }

// callMethod maps an event type to the method label of a call (bounded:
// the methods a client names freely are "other"); "" for events that are
// not calls.
func callMethod(typ string) string {
	switch typ {
	case audit.TypeToolsCall, audit.TypeResourcesRead, audit.TypePromptsGet,
		audit.TypeToolsList, audit.TypeResourcesList, audit.TypeResourcesTemplatesList, audit.TypePromptsList:
		return typ
	case "request": // a method the gateway forwards without interpreting
		return "other"
	}
	return ""
}

// observe counts one event.
func (m *Metrics) observe(ev *audit.Event) {
	m.typeCounter(ev.Type).Inc()
	if ev.Type == audit.TypeAlert {
		m.alerts.WithLabelValues(ev.Rule, ev.Severity).Inc()
		return
	}
	method := callMethod(ev.Type)
	if method == "" {
		return
	}
	s := m.callSeries(callKey{ev.Server, method, ev.Decision.Action, ev.Status.Outcome})
	s.calls.Inc()
	s.duration.Observe(ev.DurationMS / 1000)
}

func (m *Metrics) typeCounter(typ string) prometheus.Counter {
	if c := m.cache.Load().types[typ]; c != nil {
		return c
	}
	c := m.events.WithLabelValues(typ)
	m.update(func(n *seriesCache) { n.types[typ] = c })
	return c
}

func (m *Metrics) callSeries(k callKey) *callSeries {
	if s := m.cache.Load().calls[k]; s != nil {
		return s
	}
	s := &callSeries{calls: m.calls.WithLabelValues(k.server, k.method, k.decision, k.outcome),
		duration: m.duration.WithLabelValues(k.server, k.method)}
	m.update(func(n *seriesCache) { n.calls[k] = s })
	return s
}

// update replaces the cache with a changed copy. The label sets are
// bounded (servers, methods, decisions, outcomes, event types), so it
// happens a bounded number of times.
func (m *Metrics) update(change func(*seriesCache)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.cache.Load()
	n := &seriesCache{calls: make(map[callKey]*callSeries, len(old.calls)+1), types: make(map[string]prometheus.Counter, len(old.types)+1)}
	for k, v := range old.calls {
		n.calls[k] = v
	}
	for k, v := range old.types {
		n.types[k] = v
	}
	change(n)
	m.cache.Store(n)
}

// metricsSink is the audit sink of Metrics. It never fails and never
// blocks: a call is two atomic adds.
type metricsSink struct{ m *Metrics }

func (s metricsSink) Write(_ context.Context, events ...*audit.Event) error {
	for _, ev := range events {
		if ev != nil {
			s.m.observe(ev)
		}
	}
	return nil
}

func (metricsSink) Close() error { return nil }
func (metricsSink) Name() string { return "metrics" }

// sourceCollector reads Sources at scrape time.
type sourceCollector struct{ m *Metrics }

var (
	descSessions     = prometheus.NewDesc("mcpwarden_sessions", "Open client sessions.", nil, nil)
	descSinkWritten  = prometheus.NewDesc("mcpwarden_audit_sink_written_total", "Audit events a sink wrote (or delivered).", []string{"sink"}, nil)
	descSinkFailed   = prometheus.NewDesc("mcpwarden_audit_sink_failed_total", "Failed write attempts of an audit sink (retried, or then dropped).", []string{"sink"}, nil)
	descSinkDropped  = prometheus.NewDesc("mcpwarden_audit_sink_dropped_total", "Audit events a sink gave up on. Not zero: some destination lacks events.", []string{"sink"}, nil)
	descSinkQueued   = prometheus.NewDesc("mcpwarden_audit_sink_queued", "Audit events waiting in a sink's buffer.", []string{"sink"}, nil)
	descDetectSeen   = prometheus.NewDesc("mcpwarden_detect_events_seen_total", "Audit events the detection engine evaluated.", nil, nil)
	descDetectDrop   = prometheus.NewDesc("mcpwarden_detect_events_dropped_total", "Audit events the detection engine could not evaluate (its queue was full).", nil, nil)
	descDetectAlerts = prometheus.NewDesc("mcpwarden_detect_alerts_total", "Alerts the detection engine raised (after deduplication).", nil, nil)
)

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSessions, descSinkWritten, descSinkFailed, descSinkDropped, descSinkQueued, descDetectSeen, descDetectDrop, descDetectAlerts} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	src := c.m.src.Load()
	if src == nil {
		return
	}
	if src.Sessions != nil {
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(src.Sessions()))
	}
	if src.Audit != nil {
		seen := map[string]bool{}
		for _, st := range src.Audit() {
			if seen[st.Sink] {
				continue // two sinks of one name: the first is reported
			}
			seen[st.Sink] = true
			ch <- prometheus.MustNewConstMetric(descSinkWritten, prometheus.CounterValue, float64(st.Written), st.Sink)
			ch <- prometheus.MustNewConstMetric(descSinkFailed, prometheus.CounterValue, float64(st.Failed), st.Sink)
			ch <- prometheus.MustNewConstMetric(descSinkDropped, prometheus.CounterValue, float64(st.Dropped), st.Sink)
			ch <- prometheus.MustNewConstMetric(descSinkQueued, prometheus.GaugeValue, float64(st.Queued), st.Sink)
		}
	}
	if src.Detect != nil {
		seen, alerts, dropped := src.Detect()
		ch <- prometheus.MustNewConstMetric(descDetectSeen, prometheus.CounterValue, float64(seen))
		ch <- prometheus.MustNewConstMetric(descDetectDrop, prometheus.CounterValue, float64(dropped))
		ch <- prometheus.MustNewConstMetric(descDetectAlerts, prometheus.CounterValue, float64(alerts))
	}
}
