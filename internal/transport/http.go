// Package transport carries MCP between clients and the gateway: Streamable
// HTTP (MCP 2025-11-25: one endpoint, POST/GET/DELETE, JSON or SSE
// responses, Mcp-Session-Id, resumable streams) and stdio.
//
// It guards against browsers on other origins driving a local gateway (the
// Origin allowlist and a Host check when bound to loopback: DNS rebinding),
// oversize or malformed bodies, and unknown or expired sessions. The session
// layer (the Mcp-Session-Id table) lives here, apart from the gateway's
// logic, so a stateless protocol revision can bypass it.
package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/telemetry"
)

// HTTPOptions configure the Streamable HTTP endpoint.
type HTTPOptions struct {
	Path           string
	MaxBodyBytes   int64
	AllowedOrigins []string
	// LoopbackOnly enables the Host header check (DNS rebinding): only
	// localhost names and loopback addresses are accepted as Host.
	LoopbackOnly bool
	IdleTimeout  time.Duration
	// KeepAlive is the interval of SSE comments on idle streams.
	KeepAlive time.Duration
	// ReplayWindow is how long a finished stream is kept for resumption.
	ReplayWindow time.Duration
	Logger       *slog.Logger
	Audit        *audit.Logger
	// Auth, if set, requires a valid bearer token on every request to the
	// MCP endpoint and serves the protected resource metadata.
	Auth *auth.ResourceServer
	// KnownScopes are the scopes the configuration names; an initialize
	// whose token has none of them is refused (403 insufficient_scope).
	KnownScopes []string
	// CertPrincipals maps verified client certificate identities (SPIFFE
	// ID or CN=name) to their scopes: such a request without a bearer
	// token is that principal.
	CertPrincipals map[string][]string
	// OnRevoke is told when a token is revoked here (one-shot scope).
	OnRevoke func(*auth.Identity)
	// InputTTL is how long a call of a 2026-07-28 client waits for the
	// client's input (protocol.input_ttl; default 10m).
	InputTTL time.Duration
	// Routes mounts further handlers (the embedded authorization server)
	// next to the endpoint; on loopback they get the Host check too.
	Routes func(handle func(pattern string, h http.Handler))
}

// HTTPServer serves the gateway over Streamable HTTP.
type HTTPServer struct {
	gw   *gateway.Gateway
	opts HTTPOptions
	log  *slog.Logger

	mu       sync.Mutex
	sessions map[string]*httpSession
	modern   *modernState // 2026-07-28 requests (modern.go)
	done     chan struct{}
	once     sync.Once
}

// NewHTTPServer returns a handler for the MCP endpoint.
func NewHTTPServer(gw *gateway.Gateway, opts HTTPOptions) *HTTPServer {
	if opts.Path == "" {
		opts.Path = "/mcp"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 4 << 20
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 25 * time.Second
	}
	if opts.ReplayWindow <= 0 {
		opts.ReplayWindow = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &HTTPServer{gw: gw, opts: opts, log: opts.Logger, sessions: map[string]*httpSession{}, modern: newModernState(), done: make(chan struct{})}
	go h.reap()
	return h
}

// Close ends every HTTP session.
func (h *HTTPServer) Close() {
	h.once.Do(func() { close(h.done) })
	h.mu.Lock()
	ss := make([]*httpSession, 0, len(h.sessions))
	for _, s := range h.sessions {
		ss = append(ss, s)
	}
	h.sessions = map[string]*httpSession{}
	h.mu.Unlock()
	for _, s := range ss {
		s.close("server shutdown")
	}
}

// reap ends sessions idle for longer than the idle timeout.
func (h *HTTPServer) reap() {
	tick := time.NewTicker(min(h.opts.IdleTimeout/4, time.Minute))
	defer tick.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-tick.C:
		}
		var idle []*httpSession
		h.mu.Lock()
		for id, s := range h.sessions {
			if s.idle(h.opts.IdleTimeout) {
				idle = append(idle, s)
				delete(h.sessions, id)
			}
		}
		h.mu.Unlock()
		for _, s := range idle {
			s.close("idle timeout")
		}
	}
}

func (h *HTTPServer) session(id string) *httpSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}

// Handler returns the HTTP handler (the MCP endpoint plus /healthz).
func (h *HTTPServer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(h.opts.Path, h)
	if rs := h.opts.Auth; rs != nil {
		// Public metadata: no token, any origin; the Host check still
		// applies on loopback.
		mux.HandleFunc(auth.MetadataPath(rs.Resource), func(w http.ResponseWriter, r *http.Request) {
			if h.opts.LoopbackOnly && !loopbackHost(r.Host) {
				httpError(w, http.StatusForbidden, nil, jsonrpc.CodeInvalidRequest, "Forbidden: Host header is not a loopback name (DNS rebinding protection)")
				return
			}
			rs.ServeMetadata(w, r)
		})
	}
	if h.opts.Routes != nil {
		h.opts.Routes(func(pattern string, handler http.Handler) {
			mux.Handle(pattern, h.hostChecked(handler))
		})
	}
	if h.opts.Path != "/healthz" {
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
			if !h.allowedRequest(w, r) {
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "servers": h.gw.Ready(), "sessions": h.gw.SessionCount()})
		})
	}
	return mux
}

// hostChecked applies the loopback Host check (DNS rebinding) to next.
func (h *HTTPServer) hostChecked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.opts.LoopbackOnly && !loopbackHost(r.Host) {
			httpError(w, http.StatusForbidden, nil, jsonrpc.CodeInvalidRequest, "Forbidden: Host header is not a loopback name (DNS rebinding protection)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedRequest applies the Origin allowlist and, on loopback, the Host
// check (DNS rebinding) to every endpoint; it answers 403 itself.
func (h *HTTPServer) allowedRequest(w http.ResponseWriter, r *http.Request) bool {
	if origin := r.Header.Get("Origin"); origin != "" && !config.OriginAllowed(h.opts.AllowedOrigins, origin) {
		h.protocolEvent(r, "origin "+origin+" is not allowed")
		httpError(w, http.StatusForbidden, nil, jsonrpc.CodeInvalidRequest, "Forbidden: origin not allowed")
		return false
	}
	if h.opts.LoopbackOnly && !loopbackHost(r.Host) {
		h.protocolEvent(r, "host "+r.Host+" is not a loopback name")
		httpError(w, http.StatusForbidden, nil, jsonrpc.CodeInvalidRequest, "Forbidden: Host header is not a loopback name (DNS rebinding protection)")
		return false
	}
	return true
}

func (h *HTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if rec := recover(); rec != nil {
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			h.log.Error("panic in HTTP handler", "panic", rec)
			httpError(w, http.StatusInternalServerError, nil, jsonrpc.CodeInternalError, "internal error")
		}
	}()
	if !h.allowedRequest(w, r) {
		return
	}
	r, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.post(w, r)
	case http.MethodGet:
		h.get(w, r)
	case http.MethodDelete:
		h.delete(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		httpError(w, http.StatusMethodNotAllowed, nil, jsonrpc.CodeInvalidRequest, "method not allowed")
	}
}

func (h *HTTPServer) protocolEvent(r *http.Request, reason string) {
	if h.opts.Audit == nil {
		return
	}
	_ = h.opts.Audit.Emit(r.Context(), &audit.Event{Type: audit.TypeProtocolError, Transport: audit.TransportStreamableHTTP,
		RemoteAddr: r.RemoteAddr, Principal: audit.Principal{Subject: "anonymous", Anonymous: true},
		Decision: audit.Decision{Action: audit.ActionDeny, Guard: "transport", Reason: reason},
		Status:   audit.Status{Outcome: audit.OutcomeDenied}})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func httpError(w http.ResponseWriter, status int, id json.RawMessage, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(jsonrpc.NewError(id, &jsonrpc.Error{Code: code, Message: msg}))
}

func acceptsAny(r *http.Request, types ...string) bool {
	acc := r.Header.Values("Accept")
	if len(acc) == 0 {
		return true
	}
	for _, a := range acc {
		for _, part := range strings.Split(a, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if mt == "*/*" {
				return true
			}
			for _, t := range types {
				if mt == t {
					return true
				}
			}
		}
	}
	return false
}

// acceptsExplicit reports whether Accept names the media type itself.
func acceptsExplicit(r *http.Request, typ string) bool {
	for _, a := range r.Header.Values("Accept") {
		for _, part := range strings.Split(a, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == typ {
				return true
			}
		}
	}
	return false
}

func (h *HTTPServer) checkVersion(w http.ResponseWriter, r *http.Request) bool {
	v := r.Header.Get("MCP-Protocol-Version")
	if v == "" {
		return true
	}
	for _, s := range gateway.SupportedProtocolVersions {
		if s == v {
			return true
		}
	}
	httpError(w, http.StatusBadRequest, nil, jsonrpc.CodeInvalidRequest,
		fmt.Sprintf("Bad Request: unsupported MCP-Protocol-Version %q (supported: %s)", v, strings.Join(gateway.SupportedProtocolVersions, ", ")))
	return false
}

func (h *HTTPServer) post(w http.ResponseWriter, r *http.Request) {
	if !acceptsAny(r, "application/json", "text/event-stream") {
		httpError(w, http.StatusNotAcceptable, nil, jsonrpc.CodeInvalidRequest, "Not Acceptable: Accept must include application/json and text/event-stream")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		httpError(w, http.StatusUnsupportedMediaType, nil, jsonrpc.CodeInvalidRequest, "Unsupported Media Type: Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.protocolEvent(r, "body larger than max_body_bytes")
			httpError(w, http.StatusRequestEntityTooLarge, nil, jsonrpc.CodeInvalidRequest,
				fmt.Sprintf("request body larger than %d bytes (max_body_bytes)", h.opts.MaxBodyBytes))
			return
		}
		httpError(w, http.StatusBadRequest, nil, jsonrpc.CodeParseError, "cannot read body")
		return
	}
	m, perr := jsonrpc.Parse(body, jsonrpc.DefaultLimits)
	if perr != nil {
		h.protocolEvent(r, perr.Message)
		httpError(w, http.StatusBadRequest, nil, perr.Code, perr.Message)
		return
	}
	if protocol.IsModern(r.Header.Get(protocol.HeaderProtocolVersion), m) {
		// 2026-07-28: stateless, decided per POST before any session
		// lookup (an Mcp-Session-Id is ignored, never echoed).
		h.modernPost(w, r, m)
		return
	}
	sid := r.Header.Get("Mcp-Session-Id")
	if m.Kind == jsonrpc.KindRequest && m.Method == "initialize" {
		if sid != "" && h.session(sid) != nil {
			httpError(w, http.StatusBadRequest, m.ID, jsonrpc.CodeInvalidRequest, "Bad Request: session already initialized")
			return
		}
		if !h.usableToken(w, r, m.ID) {
			return
		}
		h.initialize(w, r, m)
		return
	}
	if sid == "" {
		httpError(w, http.StatusBadRequest, m.ID, jsonrpc.CodeInvalidRequest, "Bad Request: Mcp-Session-Id header is required")
		return
	}
	hs := h.session(sid)
	if hs == nil {
		httpError(w, http.StatusNotFound, m.ID, jsonrpc.CodeInvalidRequest, "session not found or expired; initialize a new session")
		return
	}
	if !h.boundTo(w, r, hs, m.ID) {
		return
	}
	if !h.checkVersion(w, r) {
		return
	}
	switch m.Kind {
	case jsonrpc.KindNotification:
		hs.gs.HandleNotification(r.Context(), m)
		w.WriteHeader(http.StatusAccepted)
	case jsonrpc.KindResponse:
		hs.gs.HandleResponse(r.Context(), m)
		w.WriteHeader(http.StatusAccepted)
	case jsonrpc.KindRequest:
		hs.request(w, r, m)
	}
}

func (h *HTTPServer) initialize(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	hs := newHTTPSession(h)
	meta := gateway.ClientMeta{Transport: audit.TransportStreamableHTTP, RemoteAddr: r.RemoteAddr}
	if p, ok := guard.PrincipalFrom(r.Context()); ok {
		meta.Principal = p
		hs.owner = p.Key()
	}
	gs, resp := h.gw.Initialize(telemetry.WithHTTPHeaders(r.Context(), r.Header), m, meta, hs.standaloneSink())
	if gs == nil {
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusBadRequest
		if secs, ok := rateLimited(resp); ok { // limits.sessions_per_client
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		w.WriteHeader(status)
		_, _ = w.Write(resp)
		return
	}
	hs.gs = gs
	hs.primed = gs.ProtocolVersion() >= "2025-11-25"
	h.mu.Lock()
	h.sessions[gs.ID()] = hs
	h.mu.Unlock()
	gs.OnClose(func() { h.ended(hs) })
	w.Header().Set("Mcp-Session-Id", gs.ID())
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(resp)
}

func (h *HTTPServer) delete(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get("Mcp-Session-Id")
	if sid == "" && modernVersionHeader(r) {
		methodNotAllowedModern(w)
		return
	}
	if sid == "" {
		httpError(w, http.StatusBadRequest, nil, jsonrpc.CodeInvalidRequest, "Bad Request: Mcp-Session-Id header is required")
		return
	}
	hs := h.session(sid)
	if hs == nil {
		httpError(w, http.StatusNotFound, nil, jsonrpc.CodeInvalidRequest, "session not found")
		return
	}
	if !h.boundTo(w, r, hs, nil) {
		return
	}
	h.mu.Lock()
	if h.sessions[sid] != hs {
		h.mu.Unlock()
		httpError(w, http.StatusNotFound, nil, jsonrpc.CodeInvalidRequest, "session not found")
		return
	}
	delete(h.sessions, sid)
	h.mu.Unlock()
	hs.close("client ended the session")
	w.WriteHeader(http.StatusOK)
}

func (h *HTTPServer) get(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Mcp-Session-Id") == "" && modernVersionHeader(r) {
		methodNotAllowedModern(w)
		return
	}
	if !acceptsAny(r, "text/event-stream") {
		httpError(w, http.StatusNotAcceptable, nil, jsonrpc.CodeInvalidRequest, "Not Acceptable: Accept must include text/event-stream")
		return
	}
	sid := r.Header.Get("Mcp-Session-Id")
	if sid == "" {
		httpError(w, http.StatusBadRequest, nil, jsonrpc.CodeInvalidRequest, "Bad Request: Mcp-Session-Id header is required")
		return
	}
	hs := h.session(sid)
	if hs == nil {
		httpError(w, http.StatusNotFound, nil, jsonrpc.CodeInvalidRequest, "session not found or expired; initialize a new session")
		return
	}
	if !h.boundTo(w, r, hs, nil) {
		return
	}
	if !h.checkVersion(w, r) {
		return
	}
	st, after := hs.standalone, int64(0)
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		s, seq, ok := hs.lookupEvent(last)
		if !ok {
			httpError(w, http.StatusBadRequest, nil, jsonrpc.CodeInvalidRequest, "Last-Event-ID names no stream of this session")
			return
		}
		st, after = s, seq
	}
	hs.serveStream(w, r, st, after, false)
}

// newID returns the prefix of event ids for a new stream.
func streamIDFor(n int64) string { return strconv.FormatInt(n, 36) }

// ended forgets a session the gateway ended (a detection's end_session; a
// DELETE or an expiry end it here first): its id then answers 404, its
// standalone stream closes, and its requests in flight get their
// responses (an error) before its other streams close.
func (h *HTTPServer) ended(hs *httpSession) {
	h.mu.Lock()
	if h.sessions[hs.gs.ID()] == hs {
		delete(h.sessions, hs.gs.ID())
	}
	h.mu.Unlock()
	if hs.closing.Swap(true) {
		return
	}
	hs.standalone.close()
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for hs.busy() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		hs.close("")
	}()
}

// rateLimited reports whether resp is a rate-limit refusal
// (jsonrpc.CodeRateLimited) and its data.retry_after_seconds.
func rateLimited(resp []byte) (int, bool) {
	var e struct {
		Error *struct {
			Code int `json:"code"`
			Data struct {
				RetryAfter int `json:"retry_after_seconds"`
			} `json:"data"`
		} `json:"error"`
	}
	if json.Unmarshal(resp, &e) != nil || e.Error == nil || e.Error.Code != jsonrpc.CodeRateLimited {
		return 0, false
	}
	return max(1, e.Error.Data.RetryAfter), true
}
