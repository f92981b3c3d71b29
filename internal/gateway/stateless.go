package gateway

// Virtual sessions of 2026-07-28 clients (docs/protocol-2026-07-28.md
// section 6): the stateless revision has no session, but guards, flows,
// detections and end_session need one. A client's requests share a
// *Session keyed by their correlation (principal, credential, clientInfo),
// created on first use, never visible to the client, ended when idle.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// StatelessMeta is what the transport knows about one modern request.
type StatelessMeta struct {
	Transport  string
	RemoteAddr string
	Principal  guard.Principal
	// Cred identifies the credential (token id, token hash, certificate
	// identity, or "anon:"+IP); see protocol.Correlation.
	Cred string
	Meta protocol.RequestMeta
}

type virtualSessions struct {
	key  []byte
	once sync.Once

	mu         sync.Mutex
	byID       map[string]*virtual
	tombstones map[string]time.Time // ended by the gateway: refused until then
}

type virtual struct {
	s     *Session
	fan   *fanout
	group string
	idle  bool // ended by the reaper (no tombstone)
}

// fanout is a virtual session's sink for messages not related to a
// request: the client's subscriptions/listen streams.
type fanout struct {
	mu    sync.Mutex
	sinks map[*Sink]Sink
}

func (f *fanout) Send(b []byte) error {
	f.mu.Lock()
	sinks := make([]Sink, 0, len(f.sinks))
	for _, s := range f.sinks {
		sinks = append(sinks, s)
	}
	f.mu.Unlock()
	for _, s := range sinks {
		_ = s.Send(b)
	}
	return nil
}

func (f *fanout) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sinks)
}

func (g *Gateway) virtuals() *virtualSessions {
	g.virtOnce.Do(func() {
		key := g.correlationKey
		if len(key) == 0 {
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				panic("crypto/rand: " + err.Error())
			}
		}
		g.virt = &virtualSessions{key: key, byID: map[string]*virtual{}, tombstones: map[string]time.Time{}}
	})
	return g.virt
}

// CredentialGroup is the group of every correlation of one principal and
// credential (for a notification without clientInfo).
func (g *Gateway) CredentialGroup(p guard.Principal, cred string) string {
	return protocol.CredentialGroup(g.virtuals().key, p.Key(), cred)
}

// Correlation is the virtual session id of a modern request.
func (g *Gateway) Correlation(sm StatelessMeta) string {
	return protocol.Correlation(g.virtuals().key, sm.Principal.Key(), sm.Cred, sm.Meta.ClientName, sm.Meta.ClientVersion)
}

// Stateless returns the virtual session of a 2026-07-28 request, creating
// it on first use. On refusal (the gateway ended it: -32018 until it would
// have expired; sessions_per_client; the audit cannot be written) it
// returns the error response under id.
func (g *Gateway) Stateless(ctx context.Context, sm StatelessMeta, id json.RawMessage) (*Session, []byte) {
	vs := g.virtuals()
	sid := g.Correlation(sm)
	now := time.Now()
	vs.mu.Lock()
	if v := vs.byID[sid]; v != nil {
		vs.mu.Unlock()
		v.s.mu.Lock()
		v.s.clientCaps = sm.Meta.Caps // the last seen, for audit; checks read the request's
		v.s.mu.Unlock()
		return v.s, nil
	}
	if until, ok := vs.tombstones[sid]; ok {
		if now.Before(until) {
			vs.mu.Unlock()
			return nil, jsonrpc.NewError(id, jsonrpc.Errorf(jsonrpc.CodeCancelled, "the gateway ended this client's session; requests are refused until %s", until.UTC().Format(time.RFC3339)))
		}
		delete(vs.tombstones, sid)
	}
	vs.mu.Unlock()
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		return nil, jsonrpc.NewError(id, jsonrpc.Errorf(jsonrpc.CodeInternalError, "gateway is shutting down"))
	}

	if sm.Principal.Subject == "" {
		sm.Principal = guard.Anonymous
	}
	fan := &fanout{sinks: map[*Sink]Sink{}}
	s := newSession(g, sid, ClientMeta{Transport: sm.Transport, RemoteAddr: sm.RemoteAddr, Principal: sm.Principal}, fan)
	s.protocol = protocol.Modern
	s.clientName, s.clientVersion = sm.Meta.ClientName, sm.Meta.ClientVersion
	s.clientCaps = sm.Meta.Caps
	// A per-client upstream session of a legacy server is opened with this
	// client's clientInfo at the newest session revision, declaring every
	// capability the gateway can bridge (the client declares its own per
	// request, and may declare more later than in its first request): an
	// upstream ask the calling request did not declare ends that call with
	// -32021 for the client (transport, modern.go).
	ci := sm.Meta.ClientInfo
	if ci == nil {
		ci, _ = json.Marshal(map[string]string{"name": "mcpwarden-stateless-client", "version": "0"})
	}
	s.initParams, _ = json.Marshal(map[string]any{"protocolVersion": protocol.LatestLegacy, "capabilities": bridgeableCaps, "clientInfo": ci})
	v := &virtual{s: s, fan: fan, group: g.CredentialGroup(sm.Principal, sm.Cred)}

	vs.mu.Lock()
	if old := vs.byID[sid]; old != nil { // created meanwhile
		vs.mu.Unlock()
		return old.s, nil
	}
	vs.byID[sid] = v
	vs.mu.Unlock()
	if resp := g.admitSession(ctx, s, id); resp != nil {
		vs.mu.Lock()
		delete(vs.byID, sid)
		vs.mu.Unlock()
		return nil, resp
	}
	g.mu.Lock()
	g.sessions[sid] = s
	g.mu.Unlock()
	s.OnClose(func() {
		vs.mu.Lock()
		if vs.byID[sid] == v {
			delete(vs.byID, sid)
		}
		g.mu.Lock()
		shutdown := g.closed
		g.mu.Unlock()
		if !v.idle && !shutdown {
			// Ended by the gateway (a detection's end_session): the
			// stateless analogue of a legacy client's 404.
			vs.tombstones[sid] = time.Now().Add(g.cfg.SessionIdleTimeout.D())
		}
		vs.mu.Unlock()
	})
	ev := s.event(ctx, audit.TypeSessionStart)
	ev.Detail = map[string]any{"stateless": true}
	if err := g.emit(ctx, ev); err != nil {
		v.idle = true
		s.Close("audit failed")
		return nil, jsonrpc.NewError(id, jsonrpc.Errorf(jsonrpc.CodeAuditFailed, "mcpwarden: the audit event could not be written, so the request is refused: %v", err))
	}
	vs.once.Do(func() { go g.reapVirtual() })
	return s, nil
}

// reapVirtual ends virtual sessions idle for session_idle_timeout: no
// request for that long, none in flight, no listen stream open.
func (g *Gateway) reapVirtual() {
	timeout := g.cfg.SessionIdleTimeout.D()
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	tick := time.NewTicker(max(min(timeout/4, time.Minute), 10*time.Millisecond))
	defer tick.Stop()
	vs := g.virt
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-tick.C:
		}
		var idle []*virtual
		now := time.Now()
		vs.mu.Lock()
		for _, v := range vs.byID {
			v.s.mu.Lock()
			busy := len(v.s.inflight) > 0
			v.s.mu.Unlock()
			if !busy && v.fan.count() == 0 && now.Sub(v.s.LastActive()) > timeout {
				v.idle = true
				idle = append(idle, v)
			}
		}
		for id, until := range vs.tombstones {
			if now.After(until) {
				delete(vs.tombstones, id)
			}
		}
		vs.mu.Unlock()
		for _, v := range idle {
			v.s.Close("idle timeout")
		}
	}
}

// AddListener registers a subscriptions/listen stream of a virtual
// session: messages not related to a request (list changes) go to it.
// remove unregisters it.
func (s *Session) AddListener(sink Sink) (remove func()) {
	vs := s.g.virtuals()
	vs.mu.Lock()
	v := vs.byID[s.id]
	vs.mu.Unlock()
	if v == nil {
		return func() {}
	}
	k := &sink
	v.fan.mu.Lock()
	v.fan.sinks[k] = sink
	v.fan.mu.Unlock()
	s.touch()
	return func() {
		v.fan.mu.Lock()
		delete(v.fan.sinks, k)
		v.fan.mu.Unlock()
		s.touch()
	}
}

// Group is the credential group of a virtual session ("" for others).
func (s *Session) Group() string {
	vs := s.g.virtuals()
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if v := vs.byID[s.id]; v != nil {
		return v.group
	}
	return ""
}

type requestMetaKey struct{}

// WithRequestMeta returns ctx carrying a modern request's _meta: checks of
// what the client can do (elicitation, sampling, roots) read it, not the
// session.
func WithRequestMeta(ctx context.Context, rm protocol.RequestMeta) context.Context {
	return context.WithValue(ctx, requestMetaKey{}, rm)
}

func requestMeta(ctx context.Context) (protocol.RequestMeta, bool) {
	rm, ok := ctx.Value(requestMetaKey{}).(protocol.RequestMeta)
	return rm, ok
}

// clientCapsFor are the client capabilities that hold for this request:
// its own _meta for a modern client, the session's for a legacy one.
func (s *Session) clientCapsFor(ctx context.Context) json.RawMessage {
	if rm, ok := requestMeta(ctx); ok {
		return rm.Caps
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientCaps
}

// ServerInfo is the gateway's serverInfo.
func ServerInfo() json.RawMessage {
	b, _ := json.Marshal(map[string]any{"name": "mcpwarden", "title": "mcpwarden MCP gateway", "version": Version})
	return b
}

// Discover answers server/discover for a 2026-07-28 client: the aggregated
// capabilities (no core tasks: an extension in 2026-07-28, not offered
// yet), the instructions, every revision served, and serverInfo.
func (g *Gateway) Discover(id json.RawMessage) []byte {
	caps := g.capabilities()
	delete(caps, "tasks")
	res := map[string]any{
		"resultType":        protocol.ResultComplete,
		"supportedVersions": protocol.Supported(),
		"capabilities":      caps,
		"ttlMs":             0,
		"cacheScope":        "private",
		"_meta":             map[string]any{protocol.MetaServerInfo: ServerInfo()},
	}
	if ins := g.instructions(); ins != "" {
		res["instructions"] = ins
	}
	return jsonrpc.NewResult(id, res)
}

type recheckKey struct{}

// Recheck runs a call through routing and the guard chain again without
// forwarding it (an MRTR retry resumes a call that is already running
// upstream): nil when the guards still allow it, else the refusal to
// send. The round is audited like any call, with detail.mrtr_retry.
func (s *Session) Recheck(ctx context.Context, m *jsonrpc.Message) []byte {
	ok := false
	resp := s.call(context.WithValue(ctx, recheckKey{}, &ok), m, nil)
	if ok {
		return nil
	}
	return resp
}

// HeaderRefusal is a modern request the header checks refused.
type HeaderRefusal struct {
	Transport  string
	RemoteAddr string
	Principal  guard.Principal
	SessionID  string // the correlation, when known
	Method     string
	Params     json.RawMessage
	Err        *protocol.HeaderError
}

// RefuseHeaders records a header refusal (audit protocol.error, guard
// transport-headers). For a mismatch on a call, the body alone names what
// would have run: the event carries its server and tool, and whether the
// guards would have refused it (detail.body_denied), which the detection
// mcp.header_mismatch rates.
func (g *Gateway) RefuseHeaders(ctx context.Context, r HeaderRefusal) {
	p := r.Principal
	if p.Subject == "" {
		p = guard.Anonymous
	}
	he := r.Err
	ev := &audit.Event{Type: audit.TypeProtocolError, SessionID: r.SessionID, Transport: r.Transport, RemoteAddr: r.RemoteAddr,
		Principal: AuditPrincipal(p), Client: &audit.ClientInfo{ProtocolVersion: protocol.Modern},
		Decision: audit.Decision{Action: audit.ActionDeny, Guard: "transport-headers", Reason: he.Err.Message, Code: he.Err.Code},
		Status:   audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: he.Err.Code, ErrorMessage: he.Err.Message},
		Detail:   map[string]any{"method": r.Method, "http_status": he.Status}}
	if he.Header != "" {
		ev.Detail["header"] = he.Header
		ev.Detail["header_value"] = he.HeaderValue
		ev.Detail["body_value"] = he.BodyValue
		ev.Detail["mismatch"] = he.Mismatch
	}
	if he.Mismatch && (r.Method == "tools/call" || r.Method == "prompts/get") {
		name, _ := jsonrpc.StringField(r.Params, "name")
		kind := "tool"
		if r.Method == "prompts/get" {
			kind = "prompt"
		}
		if srv, up, withheld := g.route(kind, name); srv != nil {
			ev.Server, ev.Tool, ev.ExposedName = srv.name, up, name
			gc := &guard.Call{Method: r.Method, Listing: true, Server: srv.name, Name: up, ExposedName: name, Principal: p,
				Session: guard.Session{ID: r.SessionID, ProtocolVersion: protocol.Modern, Transport: r.Transport}}
			if e := srv.lookup(kind, up); e != nil {
				gc.Definition, gc.SchemaHash = e.def, e.hash
			}
			d := g.chain.Decide(ctx, gc)
			ev.Detail["body_denied"] = withheld || d.Action == guard.Deny
		} else {
			ev.ExposedName = name
			ev.Detail["body_denied"] = true
		}
	}
	_ = g.emit(ctx, ev)
}

// bridgeableCaps are the client capabilities the gateway can fulfil for a
// 2026-07-28 client through InputRequiredResult rounds.
var bridgeableCaps = map[string]any{"elicitation": map[string]any{"form": map[string]any{}, "url": map[string]any{}}, "sampling": map[string]any{}, "roots": map[string]any{}}
