package telemetry

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
)

// LogOptions configure a LogSink.
type LogOptions struct {
	// All exports every audit event; otherwise only alerts.
	All bool
	// Buffer is how many events wait while the collector is slow or down
	// (default 4096); beyond it events are dropped and counted.
	Buffer int
	// Redactor scrubs each event (the secrets of the configuration), as
	// for the other sinks.
	Redactor audit.Redactor
	Logger   *slog.Logger
	// GiveUp: a batch failing for this long is dropped (default 5m), so a
	// collector that refuses a batch for good does not stop the rest.
	GiveUp time.Duration
	// CloseWait bounds the export of what is buffered at Close (default 5s).
	CloseWait time.Duration
}

// maxLogBatch is the most records one export carries.
const maxLogBatch = 512

// LogSink is an audit sink that exports alerts (or every event) as
// OpenTelemetry log records over OTLP/HTTP. Write never blocks and never
// fails: the event's redacted encoding is queued in a bounded buffer and
// exported in batches by a goroutine, which retries a failed export with
// backoff. An event that finds the buffer full, or whose batch is given
// up on, is counted in Stats().Dropped (mcpwarden_audit_sink_dropped_total
// {sink="otel-logs"}) and logged; the durable sinks (file, store) still
// hold it.
type LogSink struct {
	o      LogOptions
	exp    sdklog.Exporter
	lp     *sdklog.LoggerProvider
	logger log.Logger
	coll   *collectProcessor

	q        chan []byte
	stop     chan struct{}
	done     chan struct{}
	deadline time.Time // set before stop is closed
	closed   atomic.Bool
	once     sync.Once

	written, failed, dropped atomic.Uint64
	inflight                 atomic.Int64
	lastWarn                 atomic.Int64
}

// NewLogSink exports to the collector of t.OTLP (logs under /v1/logs).
func NewLogSink(t *config.Telemetry, version string, o LogOptions) (*LogSink, error) {
	base, headers, err := endpoint(t.OTLP)
	if err != nil {
		return nil, err
	}
	opts := []otlploghttp.Option{otlploghttp.WithEndpoint(base.Host), otlploghttp.WithURLPath(strings.TrimSuffix(base.Path, "/") + "/v1/logs"),
		otlploghttp.WithHeaders(headers), otlploghttp.WithTimeout(10 * time.Second),
		// The sink retries itself, counting each failure.
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false})}
	if base.Scheme == "http" {
		opts = append(opts, otlploghttp.WithInsecure())
	}
	exp, err := otlploghttp.New(context.Background(), opts...)
	if err != nil {
		return nil, err
	}
	return newLogSink(exp, newResource(t, version), o), nil
}

func newLogSink(exp sdklog.Exporter, res *resource.Resource, o LogOptions) *LogSink {
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 5 * time.Minute
	}
	if o.CloseWait <= 0 {
		o.CloseWait = 5 * time.Second
	}
	coll := &collectProcessor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(coll))
	s := &LogSink{o: o, exp: exp, lp: lp, logger: lp.Logger("github.com/mcpwarden/mcpwarden"), coll: coll,
		q: make(chan []byte, o.Buffer), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// Name implements audit.Sink.
func (s *LogSink) Name() string { return "otel-logs" }

// Stats implements audit.StatsSink.
func (s *LogSink) Stats() audit.SinkStats {
	return audit.SinkStats{Sink: s.Name(), Written: s.written.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(),
		Queued: len(s.q) + int(s.inflight.Load())}
}

// Write implements audit.Sink: it queues and returns.
func (s *LogSink) Write(_ context.Context, events ...*audit.Event) error {
	for _, ev := range events {
		if ev == nil || (!s.o.All && ev.Type != audit.TypeAlert) {
			continue
		}
		if s.closed.Load() {
			s.drop(1, "the sink is closed")
			continue
		}
		b, err := audit.MarshalEvent(ev, s.o.Redactor)
		if err != nil {
			s.drop(1, "the event cannot be encoded")
			continue
		}
		select {
		case s.q <- append([]byte(nil), b...):
		default:
			s.drop(1, "the buffer is full (the collector is slow or down)")
		}
	}
	return nil
}

// drop counts n dropped events, logging at most once a second.
func (s *LogSink) drop(n int, why string) {
	total := s.dropped.Add(uint64(n))
	s.warn("OTel log export: events dropped", "why", why, "dropped_total", total)
}

func (s *LogSink) warn(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := s.lastWarn.Load()
	if now-last < int64(time.Second) || !s.lastWarn.CompareAndSwap(last, now) {
		return
	}
	s.o.Logger.Warn(msg, args...)
}

// Close exports what is buffered (at most CloseWait), counts the rest as
// dropped, and stops the exporter.
func (s *LogSink) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.deadline = time.Now().Add(s.o.CloseWait)
		close(s.stop)
		<-s.done
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.lp.Shutdown(ctx)
		_ = s.exp.Shutdown(ctx)
	})
	return nil
}

func (s *LogSink) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *LogSink) run() {
	defer close(s.done)
	batch := make([][]byte, 0, maxLogBatch)
	for {
		batch = batch[:0]
		select {
		case b := <-s.q:
			batch = append(batch, b)
		case <-s.stop:
			for {
				batch = batch[:0]
			drain:
				for len(batch) < maxLogBatch {
					select {
					case b := <-s.q:
						batch = append(batch, b)
					default:
						break drain
					}
				}
				if len(batch) == 0 {
					return
				}
				s.export(batch)
			}
		}
	fill:
		for len(batch) < maxLogBatch {
			select {
			case b := <-s.q:
				batch = append(batch, b)
			default:
				break fill
			}
		}
		s.export(batch)
	}
}

// export sends one batch, retrying with backoff until it is accepted, it
// has failed for GiveUp, or the sink is closing and CloseWait is over.
func (s *LogSink) export(batch [][]byte) {
	s.inflight.Store(int64(len(batch)))
	defer s.inflight.Store(0)
	for _, b := range batch {
		s.emit(b)
	}
	recs := s.coll.take()
	if n := len(batch) - len(recs); n > 0 {
		s.drop(n, "the event cannot be decoded")
	}
	if len(recs) == 0 {
		return
	}
	start, wait := time.Now(), 100*time.Millisecond
	for {
		timeout := 10 * time.Second
		if s.stopping() {
			timeout = min(timeout, time.Until(s.deadline))
		}
		var err error
		if timeout > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err = s.exp.Export(ctx, recs)
			cancel()
			if err == nil {
				s.written.Add(uint64(len(recs)))
				return
			}
			s.failed.Add(1)
			s.warn("OTel log export failed; retrying", "err", err, "records", len(recs))
		}
		if time.Since(start) > s.o.GiveUp || (s.stopping() && !time.Now().Before(s.deadline)) {
			s.drop(len(recs), "the export kept failing")
			return
		}
		var stopC <-chan struct{}
		if !s.stopping() {
			stopC = s.stop
		} else {
			wait = min(wait, max(time.Until(s.deadline), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-stopC:
			t.Stop()
		}
		wait = min(wait*2, 10*time.Second)
	}
}

// emit turns one encoded event into a log record (collected by coll).
func (s *LogSink) emit(b []byte) {
	var ev audit.Event
	if json.Unmarshal(b, &ev) != nil {
		return
	}
	var r log.Record
	r.SetTimestamp(ev.Time)
	r.SetObservedTimestamp(time.Now())
	sev, text := logSeverity(&ev)
	r.SetSeverity(sev)
	r.SetSeverityText(text)
	if ev.Type == audit.TypeAlert {
		r.SetEventName("mcpwarden.alert")
	} else {
		r.SetEventName("mcpwarden.audit")
	}
	// The body is the event as the audit file holds it (redacted).
	r.SetBody(attribute.StringValue(string(b)))
	attrs := []attribute.KeyValue{attribute.String("mcpwarden.event_id", ev.EventID), attribute.String("mcpwarden.type", ev.Type),
		attribute.String("enduser.id", ev.Principal.Subject), attribute.String("mcpwarden.decision", ev.Decision.Action),
		attribute.String("mcpwarden.outcome", ev.Status.Outcome)}
	for _, kv := range [][2]string{{"mcpwarden.rule", ev.Rule}, {"mcpwarden.severity", ev.Severity}, {"mcpwarden.summary", ev.Summary},
		{CorrelationKey, ev.CorrelationID}, {"mcp.session.id", ev.SessionID}, {"mcpwarden.server", ev.Server}, {"gen_ai.tool.name", ev.Tool}} {
		if kv[1] != "" {
			attrs = append(attrs, attribute.String(kv[0], kv[1]))
		}
	}
	if len(ev.EventIDs) > 0 {
		attrs = append(attrs, attribute.StringSlice("mcpwarden.event_ids", ev.EventIDs))
	}
	r.AddAttributes(attrs...)
	ctx := context.Background()
	if tid, err := trace.TraceIDFromHex(ev.TraceID); err == nil {
		sid, _ := trace.SpanIDFromHex(ev.SpanID)
		ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	}
	s.logger.Emit(ctx, r)
}

// logSeverity maps an alert's severity (or an event's decision) to the
// OTel severity.
func logSeverity(ev *audit.Event) (log.Severity, string) {
	switch ev.Severity {
	case "info":
		return log.SeverityInfo, "info"
	case "low":
		return log.SeverityInfo, "low"
	case "medium":
		return log.SeverityWarn, "medium"
	case "high":
		return log.SeverityError, "high"
	case "critical":
		return log.SeverityFatal, "critical"
	}
	if ev.Decision.Action == audit.ActionDeny {
		return log.SeverityWarn, "WARN"
	}
	return log.SeverityInfo, "INFO"
}

// collectProcessor hands the records the logger makes to the sink's own
// batching (which counts what it exports, retries and drops).
type collectProcessor struct {
	mu   sync.Mutex
	recs []sdklog.Record
}

func (c *collectProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *collectProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, r.Clone())
	c.mu.Unlock()
	return nil
}
func (c *collectProcessor) Shutdown(context.Context) error   { return nil }
func (c *collectProcessor) ForceFlush(context.Context) error { return nil }

func (c *collectProcessor) take() []sdklog.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.recs
	c.recs = nil
	return out
}
