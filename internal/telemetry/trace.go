package telemetry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// Attribute and baggage keys.
const (
	// CorrelationKey is the span attribute and the W3C baggage member that
	// carry a call's correlation id (the audit event's correlation_id).
	CorrelationKey = "mcpwarden.correlation_id"
)

// The _meta keys of W3C trace context (MCP SEP-414: traceparent,
// tracestate and baggage directly under params._meta, an exception to the
// prefixing of _meta keys).
var metaKeys = []string{"traceparent", "tracestate", "baggage"}

// Tracing makes the gateway's spans: a server span per client request, a
// client span per request forwarded upstream. A nil *Tracing is off: every
// method is then a no-op that costs a nil check.
type Tracing struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// NewTracing starts the trace pipeline of t (OTLP/HTTP, batched). It
// returns nil when t has no otlp endpoint.
func NewTracing(t *config.Telemetry, version string) (*Tracing, error) {
	if t == nil || t.OTLP == nil {
		return nil, nil
	}
	base, headers, err := endpoint(t.OTLP)
	if err != nil {
		return nil, err
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(base.Host), otlptracehttp.WithURLPath(strings.TrimSuffix(base.Path, "/") + "/v1/traces"),
		otlptracehttp.WithHeaders(headers), otlptracehttp.WithTimeout(10 * time.Second)}
	if base.Scheme == "http" {
		opts = append(opts, otlptracehttp.WithInsecure())
	}
	exp, err := otlptracehttp.New(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("telemetry.otlp: %w", err)
	}
	ratio := 1.0
	if t.SampleRatio != nil {
		ratio = *t.SampleRatio
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)),
		sdktrace.WithResource(newResource(t, version)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	return newTracing(tp), nil
}

// newTracing wraps a tracer provider (tests give one of their own).
func newTracing(tp *sdktrace.TracerProvider) *Tracing {
	return &Tracing{tp: tp, tracer: tp.Tracer("github.com/mcpwarden/mcpwarden"),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

// Shutdown exports the spans still buffered (bounded by ctx).
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

func newResource(t *config.Telemetry, version string) *resource.Resource {
	name := t.ServiceName
	if name == "" {
		name = "mcpwarden"
	}
	return resource.NewSchemaless(attribute.String("service.name", name), attribute.String("service.version", version))
}

// endpoint parses the configured base URL and resolves the headers.
func endpoint(o *config.OTLP) (*url.URL, map[string]string, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || u.Host == "" {
		return nil, nil, fmt.Errorf("telemetry.otlp.endpoint: invalid URL %q", o.Endpoint)
	}
	headers := map[string]string{}
	for _, k := range o.Headers.Keys {
		v, err := o.Headers.Values[k].Resolve()
		if err != nil {
			return nil, nil, fmt.Errorf("telemetry.otlp.headers.%s: %w", k, err)
		}
		headers[k] = v
	}
	return u, headers, nil
}

// HeaderValues returns the resolved values of the otlp headers that are
// references, for redaction (unresolvable ones are skipped).
func HeaderValues(o *config.OTLP) []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, k := range o.Headers.Keys {
		if v := o.Headers.Values[k]; v.IsRef() {
			if s, err := v.Resolve(); err == nil && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// inboundKey holds the trace context a client sent in HTTP headers.
type inboundKey struct{}

// WithHTTPHeaders keeps the W3C trace context headers of a client's HTTP
// request (traceparent, tracestate, baggage) in ctx, for the server span
// to continue. A request without traceparent leaves ctx as it is.
func WithHTTPHeaders(ctx context.Context, h http.Header) context.Context {
	if h.Get("traceparent") == "" {
		return ctx
	}
	c := propagation.MapCarrier{}
	for _, k := range metaKeys {
		if v := h.Get(k); v != "" {
			c[k] = v
		}
	}
	return context.WithValue(ctx, inboundKey{}, c)
}

// metaCarrier reads the SEP-414 keys of a request's params._meta.
func metaCarrier(params json.RawMessage) propagation.MapCarrier {
	meta := jsonrpc.Field(params, "_meta")
	if len(meta) == 0 || meta[0] != '{' {
		return nil
	}
	tp, ok := jsonrpc.StringField(meta, "traceparent")
	if !ok || tp == "" {
		return nil
	}
	c := propagation.MapCarrier{"traceparent": tp}
	for _, k := range metaKeys[1:] {
		if v, ok := jsonrpc.StringField(meta, k); ok && v != "" {
			c[k] = v
		}
	}
	return c
}

// StartServer starts the server span of a client request. Its parent is
// the trace context of params._meta (SEP-414) if there is one, else that
// of the HTTP request (WithHTTPHeaders), else the span starts a trace.
// end ends the span, marking it failed when resp is a JSON-RPC error.
func (t *Tracing) StartServer(ctx context.Context, method, sessionID string, id, params json.RawMessage) (context.Context, func(resp []byte)) {
	if t == nil {
		return ctx, func([]byte) {}
	}
	carrier := metaCarrier(params)
	if carrier == nil {
		carrier, _ = ctx.Value(inboundKey{}).(propagation.MapCarrier)
	}
	if carrier != nil {
		ctx = t.prop.Extract(ctx, carrier)
	}
	attrs := []attribute.KeyValue{attribute.String("mcp.method.name", method), attribute.String("rpc.system", "jsonrpc")}
	if sessionID != "" {
		attrs = append(attrs, attribute.String("mcp.session.id", sessionID))
	}
	if len(id) > 0 {
		attrs = append(attrs, attribute.String("jsonrpc.request.id", strings.Trim(string(id), `"`)))
	}
	ctx, span := t.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	return ctx, func(resp []byte) {
		if e := jsonrpc.Field(resp, "error"); e != nil {
			span.SetAttributes(attribute.String("rpc.jsonrpc.error_code", string(jsonrpc.Field(e, "code"))))
			span.SetStatus(codes.Error, "JSON-RPC error")
		}
		span.End()
	}
}

// Outbound is the client span of one request sent upstream and the trace
// context that goes with it.
type Outbound struct {
	span trace.Span
	// Headers are the W3C headers for an HTTP upstream (traceparent,
	// tracestate, baggage).
	Headers map[string]string
}

// StartClient starts the client span of a request to server. The
// correlation id (if any) becomes an attribute of this span and of the
// server span, and a member of the W3C baggage sent upstream (replacing
// one a client may have sent). It returns nil when tracing is off or ctx
// has no span (the gateway's own background requests are not traced).
func (t *Tracing) StartClient(ctx context.Context, server, method, correlation string) *Outbound {
	if t == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	attrs := []attribute.KeyValue{attribute.String("mcp.method.name", method), attribute.String("mcpwarden.server", server), attribute.String("rpc.system", "jsonrpc")}
	if correlation != "" {
		attrs = append(attrs, attribute.String(CorrelationKey, correlation))
		trace.SpanFromContext(ctx).SetAttributes(attribute.String(CorrelationKey, correlation))
		if m, err := baggage.NewMember(CorrelationKey, correlation); err == nil {
			if b, err := baggage.FromContext(ctx).SetMember(m); err == nil {
				ctx = baggage.ContextWithBaggage(ctx, b)
			}
		}
	}
	ctx, span := t.tracer.Start(ctx, method+" "+server, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	c := propagation.MapCarrier{}
	t.prop.Inject(ctx, c)
	return &Outbound{span: span, Headers: c}
}

// Header returns the W3C headers for an HTTP upstream (nil when o is nil).
func (o *Outbound) Header() map[string]string {
	if o == nil {
		return nil
	}
	return o.Headers
}

// Meta returns the request's _meta with the trace context of the client
// span (SEP-414 keys); keys the span has no value for are removed, so a
// client's own never travel with the gateway's traceparent.
func (o *Outbound) Meta(meta json.RawMessage) (json.RawMessage, error) {
	if o == nil {
		return meta, nil
	}
	var err error
	for _, k := range metaKeys {
		if v := o.Headers[k]; v != "" {
			meta, err = jsonrpc.SetField(meta, k, v)
		} else if len(meta) > 0 {
			meta, err = jsonrpc.DeleteField(meta, k)
		}
		if err != nil {
			return nil, err
		}
	}
	return meta, nil
}

// End ends the span; a non-empty failure marks it failed.
func (o *Outbound) End(failure string) {
	if o == nil {
		return
	}
	if failure != "" {
		o.span.SetStatus(codes.Error, failure)
	}
	o.span.End()
}

// Stamp puts the trace and span id of ctx's span on ev, and the event's
// verdict on the span. Nothing is done when tracing is off or ctx has no
// span.
func (t *Tracing) Stamp(ctx context.Context, ev *audit.Event) {
	if t == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	if !sc.IsValid() {
		return
	}
	ev.TraceID, ev.SpanID = sc.TraceID().String(), sc.SpanID().String()
	if !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{attribute.String("mcpwarden.decision", ev.Decision.Action), attribute.String("mcpwarden.outcome", ev.Status.Outcome)}
	if ev.CorrelationID != "" {
		attrs = append(attrs, attribute.String(CorrelationKey, ev.CorrelationID))
	}
	if ev.Server != "" {
		attrs = append(attrs, attribute.String("mcpwarden.server", ev.Server))
	}
	if ev.Tool != "" {
		attrs = append(attrs, attribute.String("gen_ai.tool.name", ev.Tool))
	}
	if ev.Decision.Guard != "" {
		attrs = append(attrs, attribute.String("mcpwarden.guard", ev.Decision.Guard))
	}
	span.SetAttributes(attrs...)
	switch ev.Status.Outcome {
	case audit.OutcomeError, audit.OutcomeTimeout, audit.OutcomeUnavailable:
		span.SetStatus(codes.Error, ev.Status.Outcome)
	}
}
