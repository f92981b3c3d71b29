// Package upstream connects the gateway to MCP servers over the three
// transports servers speak: stdio (a child process), Streamable HTTP, and the
// older HTTP+SSE transport (2024-11-05).
//
// A Conn is one upstream MCP session seen as a pipe of raw JSON-RPC messages:
// the gateway sends bytes and receives bytes, and the Conn knows nothing of
// MCP methods except what its transport requires (the session id and
// protocol version headers of HTTP). Transport failures on a request are
// turned into JSON-RPC error responses with the request's id, so a caller
// waiting for a response always gets one and never hangs.
//
// It guards against an upstream that crashes, hangs, floods or sends
// oversize messages taking the gateway down with it; it trusts nothing an
// upstream sends beyond framing.
package upstream

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// ErrClosed is returned by Send on a closed or dead connection.
var ErrClosed = errors.New("upstream connection closed")

// ErrSessionExpired means the upstream no longer knows the session (HTTP 404).
var ErrSessionExpired = errors.New("upstream session expired")

// Handler receives every message from the upstream. related is the id of the
// gateway request this message was sent in relation to, when the transport
// tells (a message on a POST's SSE stream); nil otherwise.
// Messages that are not valid JSON-RPC are dropped by the Conn and reported
// through Options.OnInvalid.
type Handler func(msg *jsonrpc.Message, related json.RawMessage)

// Conn is one upstream session.
type Conn interface {
	// Send writes one message. For a request, the response (or a
	// synthesized error response) arrives through the Handler, possibly
	// before Send returns (Streamable HTTP posts in the caller's goroutine,
	// so ctx must be bounded).
	Send(ctx context.Context, msg *Outgoing) error
	// Close ends the session (DELETE for HTTP, terminates the process for stdio).
	Close() error
	// Done is closed when the connection is dead.
	Done() <-chan struct{}
	// Err says why the connection died.
	Err() error
	// Info describes the connection for logs and audit.
	Info() string
}

// Outgoing is one message to send.
type Outgoing struct {
	Body []byte
	// ID is the request id (nil for notifications and responses); used to
	// synthesize an error response when the transport fails.
	ID json.RawMessage
	// Method is the message's method, if any.
	Method string
	// RequestID goes out as X-Request-ID on HTTP (the call's correlation id).
	RequestID string
	// Headers go out with the message on HTTP (W3C trace context:
	// traceparent, tracestate, baggage); stdio has no headers.
	Headers map[string]string
	// Definition is the upstream's own definition of the tool a
	// tools/call calls, for its x-mcp-header arguments (2026-07-28 over
	// HTTP: Mcp-Param-* headers); nil otherwise.
	Definition json.RawMessage
}

// Dialer opens connections to one configured upstream.
type Dialer interface {
	Dial(ctx context.Context, h Handler) (Conn, error)
	// Kind is "stdio", "streamable-http" or "sse".
	Kind() string
}

// Options common to all dialers.
type Options struct {
	// MaxMessageBytes bounds one message from the upstream.
	MaxMessageBytes int
	Logger          *slog.Logger
	// HTTPClient is used by HTTP transports; nil means a default client.
	HTTPClient *http.Client
	// TLS, if set, is the TLS configuration of the default client (extra
	// roots, a client certificate, pins).
	TLS *tls.Config
	// OnStderr receives stderr lines of stdio servers.
	OnStderr func(line string)
	// OnInvalid is told about messages from the upstream that are not
	// valid JSON-RPC (they are dropped).
	OnInvalid func(err error)
}

// UpstreamLimits bound what the gateway parses from an upstream.
var UpstreamLimits = jsonrpc.Limits{MaxDepth: 512}

// parse parses one upstream message; invalid ones are reported and dropped.
func (o *Options) parse(b []byte) *jsonrpc.Message {
	m, err := jsonrpc.Parse(b, UpstreamLimits)
	if err != nil {
		if o.OnInvalid != nil {
			o.OnInvalid(err)
		} else {
			o.logger().Warn("invalid message from upstream dropped", "err", err)
		}
		return nil
	}
	return m
}

func (o *Options) maxMsg() int {
	if o.MaxMessageBytes <= 0 {
		return 16 << 20
	}
	return o.MaxMessageBytes
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// errorResponse builds the synthesized response for a failed request.
func errorResponse(id json.RawMessage, code int, msg string) *jsonrpc.Message {
	e := &jsonrpc.Error{Code: code, Message: msg}
	return &jsonrpc.Message{Raw: jsonrpc.NewError(id, e), Kind: jsonrpc.KindResponse, ID: id, Error: e}
}

// notDeliveredData marks a synthesized error for a request the upstream
// certainly never received (its session was unknown, or the connection was
// closed before sending), so it is safe to send again on a new session.
var notDeliveredData = json.RawMessage(`{"mcpwarden":"not_delivered"}`)

// NotDeliveredError returns the error for a request that never reached the
// upstream.
func NotDeliveredError(code int, msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: code, Message: msg, Data: notDeliveredData}
}

// NotDelivered reports whether e says the request never reached the upstream.
func NotDelivered(e *jsonrpc.Error) bool {
	return e != nil && string(e.Data) == string(notDeliveredData)
}

// defaultHTTPClient has no overall timeout (SSE streams are long) but
// bounded connection setup.
func defaultHTTPClient(tc *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tc != nil {
		tr.TLSClientConfig = tc.Clone()
	}
	tr.MaxIdleConnsPerHost = 256
	tr.MaxConnsPerHost = 0
	tr.ResponseHeaderTimeout = 0
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr, CheckRedirect: sameOriginRedirect}
}

// sameOriginRedirect refuses redirects to another origin: the gateway's
// upstream credentials (custom headers included) must not follow them.
func sameOriginRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("redirect to another origin (%s://%s) refused", req.URL.Scheme, req.URL.Host)
	}
	return nil
}
