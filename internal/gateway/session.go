package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Session is one client's MCP session with the gateway, whatever transport
// carries it.
type Session struct {
	g    *Gateway
	id   string
	meta ClientMeta
	out  Sink // messages not related to a request

	initParams    json.RawMessage
	clientCaps    json.RawMessage
	protocol      string
	clientName    string
	clientVersion string
	started       time.Time
	lastActive    atomic.Int64

	mu         sync.Mutex
	ups        map[string]*upSession    // per-client upstream sessions by server
	dialing    map[string]chan struct{} // per-client dials under way
	inflight   map[string]context.CancelCauseFunc
	serverReqs map[string]*serverReq // gateway-issued id → upstream request
	closed     bool
	listCalls  map[string]int
	tasks      map[string]*task // task-augmented tool calls (tasks.go)
	tainted    string           // toxic flows: the tool whose untrusted content arrived
	scans      pendingScans     // annotated results scanned behind their answers (scanbehind.go)
	logLevel   string           // from logging/setLevel, for modern upstreams (upmodern.go)
	expo       *exposureCache   // toxic flows: labelled tools this session could use
	onClose    []func()         // told when the session ends (the transport forgets it)
	// releaseSlot gives back the session's sessions_per_client slot.
	releaseSlot func()
}

type serverReq struct {
	us   *upSession
	upID json.RawMessage
	// own, for a request of the gateway itself (an approval asked of the
	// user), receives the client's response.
	own chan *jsonrpc.Message
}

func newSession(g *Gateway, id string, meta ClientMeta, out Sink) *Session {
	s := &Session{g: g, id: id, meta: meta, out: out, started: time.Now(),
		ups: map[string]*upSession{}, dialing: map[string]chan struct{}{},
		inflight: map[string]context.CancelCauseFunc{}, serverReqs: map[string]*serverReq{},
		listCalls: map[string]int{},
	}
	s.touch()
	return s
}

func newSessionID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// ID is the session id (the Mcp-Session-Id on HTTP).
func (s *Session) ID() string { return s.id }

// ProtocolVersion is the negotiated MCP revision.
func (s *Session) ProtocolVersion() string { return s.protocol }

// upstreamProtocol is the revision a per-client upstream session is
// initialized at: the client's, or the newest session revision for a
// 2026-07-28 client (which has no session of its own).
func (s *Session) upstreamProtocol() string {
	if s.protocol == protocol.Modern {
		return protocol.LatestLegacy
	}
	return s.protocol
}

// LastActive is when the session last received a message.
func (s *Session) LastActive() time.Time { return time.Unix(0, s.lastActive.Load()) }

func (s *Session) touch() { s.lastActive.Store(time.Now().UnixNano()) }

// SetOut replaces the sink for messages not related to a request.
func (s *Session) SetOut(out Sink) {
	s.mu.Lock()
	s.out = out
	s.mu.Unlock()
}

func (s *Session) guardSession() guard.Session {
	return guard.Session{ID: s.id, ClientName: s.clientName, ClientVersion: s.clientVersion, ProtocolVersion: s.protocol, Transport: s.meta.Transport,
		ClientAddr: clientAddr(s.meta.RemoteAddr)}
}

// principal is the principal of the current request: the one the
// transport authenticated for it (it may carry more scopes than the token
// that opened the session, after a step-up), else the session's.
func (s *Session) principal(ctx context.Context) guard.Principal {
	if p, ok := guard.PrincipalFrom(ctx); ok {
		return p
	}
	return s.meta.Principal
}

// AuditPrincipal converts a principal for audit events.
func AuditPrincipal(p guard.Principal) audit.Principal {
	return audit.Principal{Subject: p.Subject, Anonymous: p.Anonymous, ClientID: p.ClientID,
		Scopes: p.Scopes, Issuer: p.Issuer, TokenID: p.TokenID, AuthMethod: p.AuthMethod}
}

// event starts an audit event for this session.
func (s *Session) event(ctx context.Context, typ string) *audit.Event {
	p := s.principal(ctx)
	return &audit.Event{
		Type: typ, SessionID: s.id,
		Principal: AuditPrincipal(p),
		Client:    &audit.ClientInfo{Name: s.clientName, Version: s.clientVersion, ProtocolVersion: s.protocol},
		Transport: s.meta.Transport, RemoteAddr: s.meta.RemoteAddr,
		Decision: audit.Decision{Action: audit.ActionAllow},
		Status:   audit.Status{Outcome: audit.OutcomeOK},
	}
}

// deliver sends msg to the request's stream if there is one, else to the
// session's standalone stream.
func (s *Session) deliver(sink Sink, msg []byte) {
	if sink != nil {
		if err := sink.Send(msg); err == nil {
			return
		}
	}
	s.mu.Lock()
	out := s.out
	s.mu.Unlock()
	if out != nil {
		_ = out.Send(msg)
	}
}

// Close ends the session and its per-client upstream sessions.
func (s *Session) Close(reason string) {
	s.end(reason)
}

// OnClose registers f to be called once when the session ends, whoever
// ends it (the client, the transport, a detection). On a session already
// ended f is called at once.
func (s *Session) OnClose(f func()) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		f()
		return
	}
	s.onClose = append(s.onClose, f)
	s.mu.Unlock()
}

// sessionEnded is the cause with which a session's calls in flight are
// cancelled when it ends.
type sessionEnded struct{ reason string }

func (e *sessionEnded) Error() string { return "session closed: " + e.reason }

// end ends the session; false if it had ended already.
func (s *Session) end(reason string) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	ups := s.ups
	s.ups = map[string]*upSession{}
	for _, c := range s.inflight {
		c(&sessionEnded{reason: reason})
	}
	for _, t := range s.tasks {
		t.cancel(&sessionEnded{reason: reason})
	}
	hooks := s.onClose
	s.onClose = nil
	s.mu.Unlock()
	defer func() {
		for _, f := range hooks {
			f()
		}
	}()
	s.g.removeSession(s)
	for _, us := range ups {
		go us.close()
	}
	ev := s.event(context.Background(), audit.TypeSessionEnd)
	ev.DurationMS = msSince(s.started)
	ev.Detail = map[string]any{"reason": reason}
	_ = s.g.emit(context.Background(), ev)
	return true
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// upstreamFor returns the upstream session to use for server srv: the
// shared one, or this client's own (dialed on first use, redialed if it
// died, so one upstream's expiry never leaves the client session half dead).
func (s *Session) upstreamFor(ctx context.Context, srv *server) (*upSession, error) {
	if srv.shared {
		return srv.sharedSession(ctx)
	}
	key, caps := s.upstreamKey(ctx, srv)
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, errNoSession
		}
		if us := s.ups[key]; us != nil && us.alive() {
			s.mu.Unlock()
			return us, nil
		}
		if ch, ok := s.dialing[key]; ok {
			s.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		s.dialing[key] = ch
		s.mu.Unlock()

		// The client's own initialize, at the version it agreed with the gateway.
		params, perr := jsonrpc.SetField(s.initParams, "protocolVersion", s.upstreamProtocol())
		if perr != nil {
			params = s.initParams
		}
		if caps != nil {
			if p, err := jsonrpc.SetField(params, "capabilities", caps); err == nil {
				params = p
			}
		}
		dctx, cancel := context.WithTimeout(ctx, srv.connectTimeout)
		us, err := dialSession(dctx, srv, s, params)
		cancel()
		s.mu.Lock()
		delete(s.dialing, key)
		close(ch)
		if err == nil {
			if s.closed {
				s.mu.Unlock()
				us.close()
				return nil, errNoSession
			}
			s.ups[key] = us
		}
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return us, nil
	}
}

// maxCapSets bounds the upstream sessions one 2026-07-28 client opens to a
// server for distinct capability sets; beyond it, the session that
// declares every capability the gateway can bridge is used.
const maxCapSets = 4

// upstreamKey names this client's upstream session of srv. A session
// client has one per server. A 2026-07-28 client declares its
// capabilities per request, while a 2025-11-25 server learns them once, at
// initialize: such a client gets one upstream session per distinct
// capability set (caps, to initialize it with), so the server asks only
// for what the calling request declared.
func (s *Session) upstreamKey(ctx context.Context, srv *server) (string, json.RawMessage) {
	if s.protocol != protocol.Modern {
		return srv.name, nil
	}
	rm, ok := requestMeta(ctx)
	if !ok || len(rm.Caps) == 0 {
		return srv.name, nil
	}
	var buf bytes.Buffer
	if json.Compact(&buf, rm.Caps) != nil {
		return srv.name, nil
	}
	key := srv.name + "\x00" + buf.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ups[key]; !ok {
		n := 0
		for k := range s.ups {
			if strings.HasPrefix(k, srv.name+"\x00") {
				n++
			}
		}
		if n >= maxCapSets {
			return srv.name, nil
		}
	}
	return key, json.RawMessage(buf.Bytes())
}

func (s *Session) registerServerRequest(us *upSession, upID json.RawMessage, _ Sink) json.RawMessage {
	n := s.g.nextDownID.Add(1)
	id := json.RawMessage(strconv.Quote("mcpw-" + strconv.FormatInt(n, 10)))
	s.mu.Lock()
	s.serverReqs[string(id)] = &serverReq{us: us, upID: upID}
	s.mu.Unlock()
	return id
}

func (s *Session) forgetServerRequest(downID json.RawMessage) {
	s.mu.Lock()
	delete(s.serverReqs, string(downID))
	s.mu.Unlock()
}

func (s *Session) downIDFor(us *upSession, upID json.RawMessage) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.serverReqs {
		if v.us == us && string(v.upID) == string(upID) {
			return json.RawMessage(k), true
		}
	}
	return nil, false
}

// HandleResponse takes the client's answer to a server-to-client request
// and relays it to the upstream that asked, under the upstream's id.
func (s *Session) HandleResponse(ctx context.Context, m *jsonrpc.Message) {
	s.touch()
	s.mu.Lock()
	sr := s.serverReqs[string(m.ID)]
	delete(s.serverReqs, string(m.ID))
	s.mu.Unlock()
	if sr == nil {
		s.g.log.Debug("response to unknown request dropped", "session", s.id, "id", string(m.ID))
		return
	}
	if sr.own != nil {
		sr.own <- m
		return
	}
	body, err := jsonrpc.Rewrite(m, sr.upID, nil)
	if err != nil {
		return
	}
	_ = sr.us.conn.Send(ctx, &upstream.Outgoing{Body: body})
}

// HandleNotification handles a notification from the client.
func (s *Session) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	defer func() {
		if r := recover(); r != nil {
			s.g.log.Error("panic handling client notification", "session", s.id, "panic", r)
		}
	}()
	s.touch()
	switch m.Method {
	case "notifications/initialized":
		return
	case "notifications/cancelled":
		id := jsonrpc.Field(m.Params, "requestId")
		s.mu.Lock()
		cancel := s.inflight[string(id)]
		s.mu.Unlock()
		if cancel != nil {
			reason, _ := jsonrpc.StringField(m.Params, "reason")
			cancel(&cancelledError{reason: reason})
		}
		return
	}
	// roots/list_changed and notifications this version does not know go
	// to every upstream session this client uses.
	for _, us := range s.upstreams() {
		if us.modern {
			continue // 2026-07-28 has no such notifications (roots/list_changed is gone)
		}
		_ = us.conn.Send(ctx, &upstream.Outgoing{Body: m.Raw, Method: m.Method})
	}
}

type cancelledError struct{ reason string }

func (e *cancelledError) Error() string { return "cancelled by client: " + e.reason }

// upstreams are the upstream sessions this client currently uses.
func (s *Session) upstreams() []*upSession {
	var out []*upSession
	s.mu.Lock()
	for _, us := range s.ups {
		out = append(out, us)
	}
	s.mu.Unlock()
	for _, srv := range s.g.servers {
		if srv.shared {
			if us := srv.current(); us != nil {
				out = append(out, us)
			}
		}
	}
	return out
}

// HandleRequest handles one request from the client and returns the
// response to send. Messages related to the request (progress, logging,
// server-to-client requests) go to reply while it runs.
func (s *Session) HandleRequest(ctx context.Context, m *jsonrpc.Message, reply Sink) (resp []byte) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer func() {
		if r := recover(); r != nil {
			s.g.log.Error("panic handling request", "session", s.id, "method", m.Method, "panic", r)
			resp = jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "internal error handling %s", m.Method))
		}
		// The session ended while the request ran (a detection ended it):
		// the client is told so, whatever the cancelled call returned.
		var se *sessionEnded
		if errors.As(context.Cause(ctx), &se) {
			resp = jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeCancelled, "the session ended while the request ran (%s); initialize a new session", se.reason))
		}
	}()
	s.touch()
	ctx, endSpan := s.g.tracing.StartServer(ctx, m.Method, s.id, m.ID, m.Params) // telemetry: the server span
	defer func() { endSpan(resp) }()
	key := string(m.ID)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "session is closed"))
	}
	if _, dup := s.inflight[key]; dup {
		s.mu.Unlock()
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "request id %s is already in use by a request in flight", key))
	}
	s.inflight[key] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.inflight, key)
		s.mu.Unlock()
	}()

	if need := s.waitsFor(m); need != nil {
		// Nothing the findings (or fingerprints) of the session's earlier
		// results can decide or detect is decided before they are
		// recorded (scanbehind.go).
		if err := s.scans.wait(ctx, need); err != nil {
			e := jsonrpc.Errorf(codeRequestCancelled, "request cancelled: %v", context.Cause(ctx))
			s.recordCancelledCall(ctx, m, e)
			return jsonrpc.NewError(m.ID, e)
		}
	}
	switch m.Method {
	case "initialize":
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "session is already initialized"))
	case "ping":
		return jsonrpc.NewResult(m.ID, map[string]any{})
	case "tools/list", "prompts/list", "resources/list", "resources/templates/list":
		return s.list(ctx, m, listKindOf(m.Method))
	case "tools/call", "prompts/get", "resources/read":
		if m.Method == "tools/call" && s.g.tasksEnabled() && jsonrpc.Field(m.Params, "task") != nil {
			return s.startTask(ctx, m)
		}
		return s.call(ctx, m, reply)
	case "tasks/get", "tasks/result", "tasks/list", "tasks/cancel":
		if s.g.tasksEnabled() {
			return s.handleTasks(ctx, m)
		}
	case "resources/subscribe", "resources/unsubscribe":
		uri, _ := jsonrpc.StringField(m.Params, "uri")
		srv, withheld := s.g.routeURI(uri)
		if srv == nil || withheld {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeResourceNotFound, "resource %q not found on any server", uri))
		}
		// Subscribing is reading over time: the same guards decide.
		if d, _ := s.g.decide(ctx, &guard.Call{Method: "resources/read", Server: srv.name, URI: uri, Session: s.guardSession(), Principal: s.principal(ctx)}); d.Action != guard.Allow {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeDenied, "%s", d.Reason).WithData(map[string]any{"guard": d.Guard}))
		}
		if r := s.subscribeResource(ctx, srv, m); r != nil {
			return r // a modern upstream: subscriptions/listen (uplisten.go)
		}
		return s.passthrough(ctx, srv, m, m.Params, reply)
	case "completion/complete":
		return s.complete(ctx, m, reply)
	case "logging/setLevel":
		s.setLogLevel(m.Params) // modern upstreams get it per request
		for _, srv := range s.g.servers {
			if !srv.has("logging") {
				continue
			}
			if us, err := s.upstreamFor(ctx, srv); err == nil && !us.modern {
				rctx, cancel := context.WithTimeout(ctx, srv.timeout)
				_, _ = us.request(rctx, m.Method, m.Params, nil, "")
				cancel()
			}
		}
		return jsonrpc.NewResult(m.ID, map[string]any{})
	}
	for _, known := range knownMethods {
		if strings.EqualFold(m.Method, known) {
			// "Tools/call" must not reach an upstream that matches leniently.
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "method %q not found (method names are case-sensitive)", m.Method))
		}
	}
	// A method this version does not know: forwarded, audited, when there
	// is only one upstream to send it to.
	if len(s.g.servers) == 1 {
		return s.auditedPassthrough(ctx, s.g.servers[0], m, reply)
	}
	return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "method %q not found", m.Method))
}

// knownMethods are the MCP requests the gateway handles itself.
var knownMethods = []string{"initialize", "ping", "tools/list", "tools/call", "prompts/list", "prompts/get",
	"resources/list", "resources/read", "resources/templates/list", "resources/subscribe", "resources/unsubscribe",
	"completion/complete", "logging/setLevel"}

// auditedPassthrough forwards a request the gateway does not interpret and
// records it as a "request" event.
func (s *Session) auditedPassthrough(ctx context.Context, srv *server, m *jsonrpc.Message, reply Sink) []byte {
	start := time.Now()
	ev := s.event(ctx, "request")
	ev.Server = srv.name
	ev.CorrelationID = audit.NewCorrelationID()
	ev.Detail = map[string]any{"method": m.Method}
	resp := s.passthrough(ctx, srv, m, m.Params, reply)
	if e := jsonrpc.Field(resp, "error"); e != nil {
		var je jsonrpc.Error
		_ = json.Unmarshal(e, &je)
		ev.Status = audit.Status{Outcome: audit.OutcomeError, ErrorCode: je.Code, ErrorMessage: je.Message}
	}
	ev.DurationMS = msSince(start)
	if err := s.g.emit(ctx, ev); err != nil {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeAuditFailed, "mcpwarden: the audit event could not be written, so the result is withheld: %v", err))
	}
	return resp
}

// passthrough forwards a request and returns the upstream's response under
// the client's id.
func (s *Session) passthrough(ctx context.Context, srv *server, m *jsonrpc.Message, params json.RawMessage, reply Sink) []byte {
	r, jerr := s.forward(ctx, srv, m, params, reply, "")
	if jerr != nil {
		return jsonrpc.NewError(m.ID, jerr)
	}
	return r
}

// forward sends a client request to srv with params (already rewritten) and
// waits for the response, the server's timeout or the client's
// cancellation. It returns the response bytes under the client's id.
func (s *Session) forward(ctx context.Context, srv *server, m *jsonrpc.Message, params json.RawMessage, reply Sink, correlation string) ([]byte, *jsonrpc.Error) {
	r, jerr := s.forwardMsg(ctx, srv, m, params, reply, correlation)
	if jerr != nil {
		return nil, jerr
	}
	b, err := jsonrpc.Rewrite(r, m.ID, nil)
	if err != nil {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "rewrite response: %v", err)
	}
	return b, nil
}

func (s *Session) forwardMsg(ctx context.Context, srv *server, m *jsonrpc.Message, params json.RawMessage, reply Sink, correlation string) (*jsonrpc.Message, *jsonrpc.Error) {
	if srv.cfg != nil && srv.cfg.Sandboxed() {
		// Egress connections and stderr lines are attributed to the call
		// when it is the only one in flight (sandbox.go).
		defer s.g.sbx().enter(srv.name, s.id, correlation)()
	}
	r, us, jerr := s.forwardTo(ctx, srv, m, params, reply, correlation)
	// A request the upstream never received (its session had expired: HTTP
	// 404 on this very request, or the connection was already closed) is
	// sent once more on a new upstream session, so one upstream's expiry
	// does not leave the client's session half dead. A request that may
	// have run is never sent twice.
	notSent := upstream.NotDelivered(jerr) || (r != nil && upstream.NotDelivered(r.Error))
	if us != nil && notSent && errors.Is(us.conn.Err(), upstream.ErrSessionExpired) {
		s.g.log.Info("upstream session expired; reconnecting", "server", srv.name, "session", s.id)
		r, _, jerr = s.forwardTo(ctx, srv, m, params, reply, correlation)
	}
	return r, jerr
}

func (s *Session) forwardTo(ctx context.Context, srv *server, m *jsonrpc.Message, params json.RawMessage, reply Sink, correlation string) (r *jsonrpc.Message, us *upSession, jerr *jsonrpc.Error) {
	us, err := s.upstreamFor(ctx, srv)
	if err != nil {
		if re, ok := upstream.AsRPCError(err); ok {
			return nil, nil, re
		}
		return nil, nil, jsonrpc.Errorf(jsonrpc.CodeUpstreamUnavailable, "server %q is unavailable: %v", srv.name, err)
	}
	call := &upCall{sess: s, clientID: m.ID, reply: reply, resp: make(chan *jsonrpc.Message, 1), method: m.Method}
	id := us.callID(ctx, s, m.ID, call)
	defer us.forget(call)
	meta := jsonrpc.Field(params, "_meta")
	var gtok string
	if tok := jsonrpc.Field(meta, "progressToken"); tok != nil {
		call.clientToken = tok
		gtok = strconv.Quote("mcpw-p-" + strconv.FormatInt(us.nextID.Add(1), 10))
		if meta, err = jsonrpc.SetField(meta, "progressToken", json.RawMessage(gtok)); err != nil {
			return nil, us, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "bad _meta: %v", err)
		}
	}
	if correlation != "" {
		if meta, err = jsonrpc.SetField(meta, MetaCorrelationKey, correlation); err != nil {
			return nil, us, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "bad _meta: %v", err)
		}
	}
	// telemetry: the client span, its trace context in _meta (SEP-414) and headers.
	ob := s.g.tracing.StartClient(ctx, srv.name, m.Method, correlation)
	defer func() { ob.End(traceFailure(r, jerr)) }()
	if meta, err = ob.Meta(meta); err != nil {
		return nil, us, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "bad _meta: %v", err)
	}
	if us.modern { // 2026-07-28: the client's version, capabilities and info per request
		if meta, err = s.upstreamMeta(meta); err != nil {
			return nil, us, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "bad _meta: %v", err)
		}
	}
	if meta != nil {
		if params, err = jsonrpc.SetField(params, "_meta", meta); err != nil {
			return nil, us, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "bad params: %v", err)
		}
	}
	body, err := jsonrpc.Rewrite(m, id, params)
	if err != nil {
		return nil, us, jsonrpc.Errorf(jsonrpc.CodeInternalError, "rewrite request: %v", err)
	}
	if gtok != "" {
		us.mu.Lock()
		us.progress[gtok] = call
		us.mu.Unlock()
	}

	// The call's context ends with the call, so an upstream response stream
	// is closed when the client is answered or gives up.
	// The call's context ends with the call or the server's timeout, so an
	// upstream response stream is closed when the client is answered,
	// gives up, or the time is up.
	cctx, ccancel := context.WithTimeout(ctx, srv.timeout)
	defer ccancel()
	if err := us.conn.Send(cctx, &upstream.Outgoing{Body: body, ID: id, Method: m.Method, RequestID: correlation, Headers: ob.Header(), Definition: us.outgoingDef(m.Method, params)}); err != nil {
		if r := ready(call.resp); r != nil {
			return r, us, nil
		}
		if errors.Is(err, upstream.ErrClosed) {
			return nil, us, upstream.NotDeliveredError(jsonrpc.CodeUpstreamUnavailable, fmt.Sprintf("server %q: %v", srv.name, err))
		}
		if re, ok := upstream.AsRPCError(err); ok {
			return nil, us, re
		}
		if cctx.Err() == nil {
			return nil, us, jsonrpc.Errorf(jsonrpc.CodeUpstreamUnavailable, "server %q: %v", srv.name, err)
		}
	}
	select {
	case r := <-call.resp:
		return r, us, nil
	case <-cctx.Done():
	}
	if r := ready(call.resp); r != nil {
		return r, us, nil
	}
	if ctx.Err() != nil {
		us.cancelUpstream(id, "mcpwarden: cancelled by client")
		return nil, us, &jsonrpc.Error{Code: codeRequestCancelled, Message: fmt.Sprintf("request cancelled: %v", context.Cause(ctx))}
	}
	us.cancelUpstream(id, "mcpwarden: timeout")
	return nil, us, jsonrpc.Errorf(jsonrpc.CodeTimeout, "server %q did not answer %s within %s; the call was cancelled upstream", srv.name, m.Method, srv.timeout)
}

// ready returns a response already delivered, without waiting.
func ready(c chan *jsonrpc.Message) *jsonrpc.Message {
	select {
	case r := <-c:
		return r
	default:
		return nil
	}
}

// recordCancelledCall records a call the client gave up on while it waited
// for the findings of the session's earlier results: nothing was decided
// or sent upstream, and the audit trail says so, as for a call cancelled
// later on its way.
func (s *Session) recordCancelledCall(ctx context.Context, m *jsonrpc.Message, e *jsonrpc.Error) {
	switch m.Method {
	case "tools/call", "prompts/get", "resources/read":
	default:
		return
	}
	ctx = context.WithoutCancel(ctx)
	ev := s.event(ctx, m.Method)
	ev.ExposedName, _ = jsonrpc.StringField(m.Params, "name")
	ev.Resource, _ = jsonrpc.StringField(m.Params, "uri")
	ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: ScanGuardName, Reason: "cancelled while waiting for the findings of the session's earlier results", Code: e.Code}
	ev.Status = audit.Status{Outcome: audit.OutcomeCancelled, ErrorCode: e.Code, ErrorMessage: e.Message}
	_ = s.g.emit(ctx, ev) // a failure is logged and refuses later calls (fail closed)
}

// codeRequestCancelled answers a request the client cancelled (the client
// ignores it, per the specification).
const codeRequestCancelled = -32800

// ask sends the gateway's own request to the client (on the call's stream)
// and waits for the answer.
func (s *Session) ask(ctx context.Context, reply Sink, method string, params any) (*jsonrpc.Message, error) {
	n := s.g.nextDownID.Add(1)
	id := json.RawMessage(strconv.Quote("mcpw-g-" + strconv.FormatInt(n, 10)))
	ch := make(chan *jsonrpc.Message, 1)
	s.mu.Lock()
	s.serverReqs[string(id)] = &serverReq{own: ch}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.serverReqs, string(id))
		s.mu.Unlock()
	}()
	s.deliver(reply, jsonrpc.NewRequest(id, method, params))
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// canElicit reports whether the client declared form elicitation (for a
// 2026-07-28 client: in this request's _meta).
func (s *Session) canElicit(ctx context.Context) bool {
	el := jsonrpc.Field(s.clientCapsFor(ctx), "elicitation")
	if el == nil || string(el) == "null" {
		return false
	}
	// 2025-11-25: {} or {"form": {}} means form mode; {"url": {}} alone does not.
	if u, f := jsonrpc.Field(el, "url"), jsonrpc.Field(el, "form"); u != nil && f == nil {
		return false
	}
	return true
}
