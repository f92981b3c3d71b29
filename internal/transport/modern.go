package transport

// The stateless revision (MCP 2026-07-28) at the same endpoint as the
// session revisions (docs/protocol-2026-07-28.md sections 2, 4.4, 4.6, 4.8,
// 4.9, 5): a POST whose MCP-Protocol-Version header or _meta names it is
// served here, before any Mcp-Session-Id lookup. Each request is checked
// (headers against the body), runs in the client's virtual session, and is
// answered with JSON or an SSE stream without event ids (no resumption in
// 2026-07-28). Closing the stream cancels the call.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/telemetry"
)

// DefaultInputTTL is how long a parked call waits for the client's retry
// (protocol.input_ttl).
const DefaultInputTTL = 10 * time.Minute

// maxParkedPerPrincipal bounds the calls one principal may leave parked.
const maxParkedPerPrincipal = 32

// askGather is how long a round waits for more server-to-client requests
// after the first, to ask them together.
const askGather = 20 * time.Millisecond

// modernState is the HTTP server's state for stateless requests.
type modernState struct {
	sealer *protocol.Sealer
	nextID atomic.Int64

	mu     sync.Mutex
	jobs   map[*jobReg]struct{}   // requests in flight, for notifications/cancelled
	parked map[string]*parkedCall // handle → call waiting for the client's retry
	counts map[string]int         // principal key → parked calls
}

type jobReg struct {
	corr, group string
	id          string // the JSON-RPC id of the request
	cancel      func(error)
}

func newModernState() *modernState {
	return &modernState{sealer: protocol.NewRandomSealer(), jobs: map[*jobReg]struct{}{}, parked: map[string]*parkedCall{}, counts: map[string]int{}}
}

func (h *HTTPServer) inputTTL() time.Duration {
	if h.opts.InputTTL > 0 {
		return h.opts.InputTTL
	}
	return DefaultInputTTL
}

// modernVersionHeader reports whether a header names a non-session revision.
func modernVersionHeader(r *http.Request) bool {
	v := r.Header.Get(protocol.HeaderProtocolVersion)
	return v != "" && !protocol.IsLegacy(v)
}

// methodNotAllowedModern answers GET or DELETE of a stateless client: 405
// (2026-07-28 has no standalone stream and no session to end).
func methodNotAllowedModern(w http.ResponseWriter) {
	w.Header().Set("Allow", "POST")
	httpError(w, http.StatusMethodNotAllowed, nil, jsonrpc.CodeInvalidRequest, "Method Not Allowed: MCP 2026-07-28 has no GET or DELETE; use POST")
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// credential identifies the credential of a request for its correlation:
// the token's id, else a hash of the bearer token, else the client
// certificate's identity, else the remote IP.
func credential(r *http.Request, p guard.Principal) string {
	if p.TokenID != "" {
		return "jti:" + p.TokenID
	}
	if tok, err := auth.BearerToken(r); err == nil && tok != "" {
		sum := sha256.Sum256([]byte(tok))
		return "tok:" + hex.EncodeToString(sum[:])[:32]
	}
	if id, ok := certIdentity(r); ok {
		return "cert:" + id
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "anon:" + host
}

// modernPost serves one POST of a 2026-07-28 client.
func (h *HTTPServer) modernPost(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	if m.Kind == jsonrpc.KindResponse {
		httpError(w, http.StatusBadRequest, m.ID, jsonrpc.CodeInvalidRequest, "Bad Request: a 2026-07-28 POST carries one request or notification")
		return
	}
	p, _ := guard.PrincipalFrom(r.Context())
	cred := credential(r, p)
	rm, he := protocol.CheckHeaders(r.Header, m, protocol.IsModernMethod)
	if he != nil {
		sid := ""
		if rm.Version != "" {
			sid = h.gw.Correlation(gateway.StatelessMeta{Principal: p, Cred: cred, Meta: rm})
		}
		h.gw.RefuseHeaders(r.Context(), gateway.HeaderRefusal{Transport: audit.TransportStreamableHTTP, RemoteAddr: r.RemoteAddr,
			Principal: p, SessionID: sid, Method: m.Method, Params: m.Params, Err: he})
		writeJSON(w, he.Status, jsonrpc.NewError(m.ID, he.Err))
		return
	}
	if m.Kind == jsonrpc.KindNotification {
		if m.Method == "notifications/cancelled" {
			h.modernCancel(r, m, p, cred)
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if !h.usableToken(w, r, m.ID) {
		return
	}
	if m.Method == protocol.MethodDiscover {
		out, st := protocol.ToModern(m.Method, h.gw.Discover(m.ID), gateway.ServerInfo())
		writeJSON(w, st, out)
		return
	}
	sm := gateway.StatelessMeta{Transport: audit.TransportStreamableHTTP, RemoteAddr: r.RemoteAddr, Principal: p, Cred: cred, Meta: rm}
	gs, refusal := h.gw.Stateless(telemetry.WithHTTPHeaders(r.Context(), r.Header), sm, m.ID)
	if refusal != nil {
		out, st := protocol.ToModern(m.Method, refusal, nil)
		if secs, ok := rateLimited(refusal); ok {
			st = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeJSON(w, st, out)
		return
	}
	if m.Method == protocol.MethodListen {
		h.listen(w, r, m, gs)
		return
	}
	if st, ok := jsonrpc.StringField(m.Params, "requestState"); ok && protocol.NameField(m.Method) != "" {
		h.resume(w, r, m, gs, rm, st)
		return
	}
	wr := newModernWriter(w, r)
	j := h.startJob(r, m, gs, rm, wr)
	j.serve(wr, r, m)
}

// modernCancel cancels a request of this client named by a POSTed
// notifications/cancelled (go-sdk sends one besides closing the stream).
// It is matched on the client's correlation and the request id only: a
// principal never cancels another's call. Without clientInfo in _meta
// the match is within the principal's credential, and only when unique.
func (h *HTTPServer) modernCancel(r *http.Request, m *jsonrpc.Message, p guard.Principal, cred string) {
	id := jsonrpc.Field(m.Params, "requestId")
	if id == nil {
		return
	}
	reason, _ := jsonrpc.StringField(m.Params, "reason")
	corr := ""
	if rm, err := protocol.ParseRequestMeta(m.Params); err == nil {
		corr = h.gw.Correlation(gateway.StatelessMeta{Principal: p, Cred: cred, Meta: rm})
	}
	group := h.gw.CredentialGroup(p, cred)
	ms := h.modern
	var match []*jobReg
	ms.mu.Lock()
	for reg := range ms.jobs {
		if reg.id != string(id) || reg.group != group || (corr != "" && reg.corr != corr) {
			continue
		}
		match = append(match, reg)
	}
	ms.mu.Unlock()
	if len(match) != 1 {
		h.log.Debug("notifications/cancelled matches no single request of this client", "request_id", string(id), "matches", len(match))
		return
	}
	match[0].cancel(&clientCancelled{reason: reason})
}

type clientCancelled struct{ reason string }

func (e *clientCancelled) Error() string { return "cancelled by client: " + e.reason }

var (
	errStreamGone    = errors.New("the client closed the response stream (2026-07-28 cancellation)")
	errInputNotGiven = errors.New("input not provided: the client did not retry with the input the call needs")
)

// ---- a call in flight ------------------------------------------------------

// modernJob is one call of a stateless client. It runs in its own context:
// while it waits for the client's input (parked, design 4.4) no request of
// the client is attached to it; a retry attaches to it again.
type modernJob struct {
	h    *HTTPServer
	gs   *gateway.Session
	orig *jsonrpc.Message
	ctx  context.Context
	stop context.CancelCauseFunc
	done chan []byte
	rst  *guard.RequestState

	mu    sync.Mutex
	out   *modernWriter // the attached request's stream; nil while parked
	meta  protocol.RequestMeta
	token json.RawMessage // the attached request's progress token
	asks  []ask
	askCh chan struct{}
	// missing is the capability an upstream asked for that this request
	// did not declare: the call ends with -32021 for the client.
	missing string
}

// ask is a server-to-client request of the upstream (or the gateway's own
// approval ask) waiting to be put to the client as an input request.
type ask struct {
	key    string          // the inputRequests key (the gateway's request id)
	id     json.RawMessage // the gateway's request id as sent
	method string
	params json.RawMessage
}

func (h *HTTPServer) startJob(r *http.Request, m *jsonrpc.Message, gs *gateway.Session, rm protocol.RequestMeta, wr *modernWriter) *modernJob {
	return h.startJobStrip(r, m, gs, rm, wr, "inputResponses", "requestState")
}

// startJobStrip is startJob removing the named params (none: a retry whose
// requestState a 2026-07-28 upstream issued travels on to the gateway,
// which unwraps it for that upstream).
func (h *HTTPServer) startJobStrip(r *http.Request, m *jsonrpc.Message, gs *gateway.Session, rm protocol.RequestMeta, wr *modernWriter, strip ...string) *modernJob {
	ctx := context.WithoutCancel(r.Context())
	var rst *guard.RequestState
	if _, ok := guard.PrincipalFrom(ctx); ok {
		if tok, err := auth.BearerToken(r); err == nil {
			ctx = auth.WithSubjectToken(ctx, tok)
		}
		ctx, rst = guard.WithRequestState(ctx)
	}
	ctx = telemetry.WithHTTPHeaders(ctx, r.Header)
	ctx = gateway.WithRequestMeta(ctx, rm)
	ctx, stop := context.WithCancelCause(ctx)
	fwd := protocol.StripRequestMeta(m, strip...)
	// Clients that share a correlation (same principal, credential and
	// clientInfo) share the virtual session, and their request ids may
	// collide: the call runs under an id of the gateway's; the response
	// gets the client's back.
	if b, err := jsonrpc.Rewrite(fwd, json.RawMessage(strconv.Quote("mcpw-st-"+strconv.FormatInt(h.modern.nextID.Add(1), 10))), nil); err == nil {
		if nm, perr := jsonrpc.Parse(b, jsonrpc.DefaultLimits); perr == nil {
			fwd = nm
		}
	}
	j := &modernJob{h: h, gs: gs, orig: fwd, ctx: ctx, stop: stop, done: make(chan []byte, 1), rst: rst, askCh: make(chan struct{}, 1)}
	j.attach(wr, m, rm) // before the call starts: its first progress must find the stream
	go func() {
		resp := gs.HandleRequest(ctx, fwd, j)
		h.afterRequest(r, rst)
		j.done <- resp
		stop(nil)
	}()
	return j
}

func (j *modernJob) cancel(cause error) { j.stop(cause) }

// Send implements gateway.Sink: messages related to the call.
func (j *modernJob) Send(msg []byte) error {
	m, perr := jsonrpc.Parse(msg, jsonrpc.DefaultLimits)
	if perr != nil {
		return nil
	}
	switch m.Kind {
	case jsonrpc.KindRequest:
		j.mu.Lock()
		caps := j.meta.Caps
		j.mu.Unlock()
		if !canAsk(j.orig.Method, m.Method, m.Params, caps) {
			// "Servers MUST NOT send an inputRequests that the client has
			// not declared support for": the upstream is answered as a
			// client without the capability would be, and the client's
			// call ends with -32021 naming what it would need.
			j.mu.Lock()
			if j.missing == "" {
				j.missing = capabilityOf(m.Method)
			}
			j.mu.Unlock()
			j.answer(m.ID, nil, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "the client did not declare support for %s in this request", m.Method))
			return nil
		}
		key := string(m.ID)
		var s string
		if json.Unmarshal(m.ID, &s) == nil {
			key = s
		}
		j.mu.Lock()
		j.asks = append(j.asks, ask{key: key, id: m.ID, method: m.Method, params: m.Params})
		j.mu.Unlock()
		select {
		case j.askCh <- struct{}{}:
		default:
		}
		return nil
	case jsonrpc.KindNotification:
		j.mu.Lock()
		wr, level, tok := j.out, j.meta.LogLevel, j.token
		j.mu.Unlock()
		switch m.Method {
		case "notifications/message":
			// Only for a request that asked, at its level or above.
			lv, _ := jsonrpc.StringField(m.Params, "level")
			if level == "" || protocol.LogLevelRank(lv) < protocol.LogLevelRank(level) {
				return nil
			}
		case "notifications/progress":
			if tok == nil {
				return nil
			}
			if p, err := jsonrpc.SetField(m.Params, "progressToken", tok); err == nil {
				msg = jsonrpc.NewNotification(m.Method, p)
			}
		case "notifications/cancelled":
			// The upstream withdrew a request it had sent: not asked any more.
			rid := jsonrpc.Field(m.Params, "requestId")
			j.mu.Lock()
			for i, a := range j.asks {
				if string(a.id) == string(rid) {
					j.asks = append(j.asks[:i], j.asks[i+1:]...)
					break
				}
			}
			j.mu.Unlock()
			return nil
		}
		if wr != nil {
			wr.event(msg)
		}
	}
	return nil
}

// canAsk reports whether a server-to-client request may become an input
// request of this call: only on the three call methods, and only what the
// request's clientCapabilities declare.
func canAsk(callMethod, method string, params, caps json.RawMessage) bool {
	if protocol.NameField(callMethod) == "" {
		return false
	}
	switch method {
	case "elicitation/create":
		mode, _ := jsonrpc.StringField(params, "mode")
		if mode == "" {
			mode = "form"
		}
		return protocol.HasCapability(caps, "elicitation", mode)
	case "sampling/createMessage":
		return protocol.HasCapability(caps, "sampling", "")
	case "roots/list":
		return protocol.HasCapability(caps, "roots", "")
	}
	return false
}

// answer sends the client's (or the gateway's) answer to a server-to-client
// request back to whoever asked.
func (j *modernJob) answer(id json.RawMessage, result json.RawMessage, e *jsonrpc.Error) {
	var b []byte
	if e != nil {
		b = jsonrpc.NewError(id, e)
	} else {
		b = jsonrpc.NewResult(id, result)
	}
	m, perr := jsonrpc.Parse(b, jsonrpc.DefaultLimits)
	if perr != nil {
		return
	}
	j.gs.HandleResponse(j.ctx, m)
}

// abandon answers what was asked as a client that declines, and cancels
// the call (design 4.4 step 6).
func (j *modernJob) abandon(asks []ask, cause error) {
	for _, a := range asks {
		if a.method == "elicitation/create" {
			j.answer(a.id, json.RawMessage(`{"action":"cancel"}`), nil)
		} else {
			j.answer(a.id, nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: the client did not answer"))
		}
	}
	j.cancel(cause)
}

func (j *modernJob) takeAsks() []ask {
	j.mu.Lock()
	defer j.mu.Unlock()
	a := j.asks
	j.asks = nil
	return a
}

// register makes a request of gs cancellable by a POSTed
// notifications/cancelled while it runs.
func (h *HTTPServer) register(gs *gateway.Session, m *jsonrpc.Message, cancel func(error)) func() {
	ms := h.modern
	reg := &jobReg{corr: gs.ID(), group: gs.Group(), id: string(m.ID), cancel: cancel}
	ms.mu.Lock()
	ms.jobs[reg] = struct{}{}
	ms.mu.Unlock()
	return func() {
		ms.mu.Lock()
		delete(ms.jobs, reg)
		ms.mu.Unlock()
	}
}

// serve attaches the request m (the call itself or a retry) to the job and
// answers it: the final response, or an InputRequiredResult when the call
// needs the client's input (the call stays parked for the retry).
// attach makes wr the stream of the call's messages, for request m.
func (j *modernJob) attach(wr *modernWriter, m *jsonrpc.Message, rm protocol.RequestMeta) {
	j.mu.Lock()
	j.out, j.meta = wr, rm
	j.token = jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), "progressToken")
	j.mu.Unlock()
}

func newModernWriter(w http.ResponseWriter, r *http.Request) *modernWriter {
	return &modernWriter{w: w, r: r, sse: acceptsExplicit(r, "text/event-stream"), json: acceptsAny(r, "application/json")}
}

func (j *modernJob) serve(wr *modernWriter, r *http.Request, m *jsonrpc.Message) {
	h := j.h
	detach := func() {
		j.mu.Lock()
		if j.out == wr {
			j.out = nil
		}
		j.mu.Unlock()
	}
	defer h.register(j.gs, m, j.cancel)()
	ka := time.NewTicker(h.opts.KeepAlive)
	defer ka.Stop()
	for {
		select {
		case resp := <-j.done:
			detach()
			h.finishModern(wr, j, m, resp)
			return
		case <-j.askCh:
			t := time.NewTimer(askGather)
			select {
			case <-t.C:
			case resp := <-j.done:
				t.Stop()
				detach()
				h.finishModern(wr, j, m, resp)
				return
			}
			asks := j.takeAsks()
			if len(asks) == 0 {
				continue
			}
			detach()
			h.park(wr, j, m, asks)
			return
		case <-ka.C:
			wr.keepAlive()
		case <-r.Context().Done():
			detach()
			wr.close()
			j.cancel(errStreamGone)
			return
		}
	}
}

// capabilityOf names the client capability a server-to-client request
// needs.
func capabilityOf(method string) string {
	switch method {
	case "elicitation/create":
		return "elicitation"
	case "sampling/createMessage":
		return "sampling"
	case "roots/list":
		return "roots"
	}
	return method
}

// finishModern writes a call's final response for a modern client.
func (h *HTTPServer) finishModern(wr *modernWriter, j *modernJob, m *jsonrpc.Message, resp []byte) {
	j.mu.Lock()
	missing := j.missing
	j.mu.Unlock()
	if missing != "" && jsonrpc.Field(resp, "error") != nil {
		// The upstream could not complete without a capability this
		// request did not declare (2026-07-28 MissingRequiredClientCapability).
		e := jsonrpc.Errorf(protocol.CodeMissingClientCapability, "the server needs the client capability %q, which this request did not declare", missing)
		e.Data, _ = json.Marshal(map[string]any{"requiredCapabilities": map[string]any{missing: map[string]any{}}})
		resp = jsonrpc.NewError(j.orig.ID, e)
	}
	if !bytes.Equal(m.ID, j.orig.ID) {
		if rm, perr := jsonrpc.Parse(resp, jsonrpc.DefaultLimits); perr == nil {
			if b, err := jsonrpc.Rewrite(rm, m.ID, nil); err == nil {
				resp = b
			}
		}
	}
	// A 2025-11-25 URL elicitation (-32042) becomes an input request whose
	// retry simply runs the call again (design 4.9).
	if e := jsonrpc.Field(resp, "error"); e != nil {
		if code, _ := strconv.Atoi(string(jsonrpc.Field(e, "code"))); code == jsonrpc.CodeURLElicitationRequired {
			j.mu.Lock()
			caps := j.meta.Caps
			j.mu.Unlock()
			if reqs := protocol.URLElicitations(jsonrpc.Field(e, "data")); len(reqs) > 0 && protocol.HasCapability(caps, "elicitation", "url") {
				if state, err := h.seal(j, m, parkState{Rerun: true}); err == nil {
					ir := map[string]protocol.InputRequest{}
					for i, q := range reqs {
						ir["mcpw-url-"+strconv.Itoa(i+1)] = q
					}
					wr.final(protocol.InputRequiredResponse(m.ID, ir, state), http.StatusOK)
					return
				}
			}
		}
	}
	out, status := protocol.ToModern(m.Method, resp, gateway.ServerInfo())
	if !wr.started() && h.stepUp(wr.w, j.rst, out) {
		wr.close()
		return
	}
	wr.final(out, status)
}

// ---- parking (design 4.4) -------------------------------------------------

// parkState is what a sealed requestState carries.
type parkState struct {
	Handle string `json:"h,omitempty"`
	// Rerun: the retry runs the call afresh (a URL elicitation).
	Rerun bool `json:"r,omitempty"`
}

type parkedCall struct {
	job       *modernJob
	asks      []ask
	principal string
	timer     *time.Timer
}

func callDigest(m *jsonrpc.Message) string {
	f := protocol.NameField(m.Method)
	name, _ := jsonrpc.StringField(m.Params, f)
	return protocol.CallDigest(name, jsonrpc.Field(m.Params, "arguments"))
}

func (h *HTTPServer) binding(gs *gateway.Session, p guard.Principal, m *jsonrpc.Message) protocol.Binding {
	return protocol.Binding{Principal: p.Key(), Correlation: gs.ID(), Method: m.Method, Digest: callDigest(m)}
}

func (h *HTTPServer) seal(j *modernJob, m *jsonrpc.Message, st parkState) (string, error) {
	p, _ := guard.PrincipalFrom(j.ctx)
	return h.modern.sealer.Seal(st, h.binding(j.gs, p, m), h.inputTTL())
}

// park answers the attached request with an InputRequiredResult for asks
// and keeps the call waiting for the retry, at most protocol.input_ttl.
func (h *HTTPServer) park(wr *modernWriter, j *modernJob, m *jsonrpc.Message, asks []ask) {
	p, _ := guard.PrincipalFrom(j.ctx)
	ms := h.modern
	var hb [16]byte
	_, _ = rand.Read(hb[:])
	handle := hex.EncodeToString(hb[:])
	ms.mu.Lock()
	if ms.counts[p.Key()] >= maxParkedPerPrincipal {
		ms.mu.Unlock()
		j.abandon(asks, errInputNotGiven)
		wr.final(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: too many calls of this principal wait for input (at most %d)", maxParkedPerPrincipal)), http.StatusOK)
		return
	}
	pc := &parkedCall{job: j, asks: asks, principal: p.Key()}
	ms.parked[handle] = pc
	ms.counts[p.Key()]++
	pc.timer = time.AfterFunc(h.inputTTL(), func() {
		if pc := h.takeParked(handle); pc != nil {
			pc.job.abandon(pc.asks, errInputNotGiven)
		}
	})
	ms.mu.Unlock()
	state, err := h.modern.sealer.Seal(parkState{Handle: handle}, h.binding(j.gs, p, m), h.inputTTL())
	if err != nil {
		if pc := h.takeParked(handle); pc != nil {
			pc.job.abandon(pc.asks, err)
		}
		wr.final(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: %v", err)), http.StatusOK)
		return
	}
	reqs := make(map[string]protocol.InputRequest, len(asks))
	for _, a := range asks {
		params := a.params
		if a.method == "elicitation/create" {
			// elicitationId is gone in 2026-07-28.
			params, _ = jsonrpc.DeleteField(params, "elicitationId")
		}
		reqs[a.key] = protocol.InputRequest{Method: a.method, Params: params}
	}
	wr.final(protocol.InputRequiredResponse(m.ID, reqs, state), http.StatusOK)
}

// takeParked removes a parked call (single use).
func (h *HTTPServer) takeParked(handle string) *parkedCall {
	ms := h.modern
	ms.mu.Lock()
	defer ms.mu.Unlock()
	pc := ms.parked[handle]
	if pc == nil {
		return nil
	}
	delete(ms.parked, handle)
	if ms.counts[pc.principal]--; ms.counts[pc.principal] <= 0 {
		delete(ms.counts, pc.principal)
	}
	pc.timer.Stop()
	return pc
}

// resume serves a retry carrying requestState: the state is opened (bound
// to this principal, client, method and arguments), the parked call taken
// once, the guards asked again, the answers given to whoever asked, and
// the retry attached to the call for its result or its next round.
func (h *HTTPServer) resume(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message, gs *gateway.Session, rm protocol.RequestMeta, state string) {
	p, _ := guard.PrincipalFrom(r.Context())
	var st parkState
	if err := h.modern.sealer.Open(state, h.binding(gs, p, m), &st); errors.Is(err, protocol.ErrStateInvalid) {
		// Not a call parked here: the state of a 2026-07-28 upstream,
		// wrapped by the gateway (it checks it, bound to this principal,
		// session, server and call, and refuses anything else).
		wr := newModernWriter(w, r)
		h.startJobStrip(r, m, gs, rm, wr).serve(wr, r, m)
		return
	} else if err != nil {
		h.log.Info("requestState refused", "session", gs.ID(), "err", err)
		writeJSON(w, http.StatusBadRequest, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "requestState is invalid or expired")))
		return
	}
	if st.Rerun {
		params, _ := jsonrpc.DeleteField(m.Params, "requestState")
		params, _ = jsonrpc.DeleteField(params, "inputResponses")
		b, err := jsonrpc.Rewrite(m, nil, params)
		if err == nil {
			if nm, perr := jsonrpc.Parse(b, jsonrpc.DefaultLimits); perr == nil {
				m = nm
			}
		}
		wr := newModernWriter(w, r)
		h.startJob(r, m, gs, rm, wr).serve(wr, r, m)
		return
	}
	pc := h.takeParked(st.Handle)
	if pc == nil || pc.job.gs != gs {
		writeJSON(w, http.StatusBadRequest, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "requestState is invalid or expired (already used, or the call it resumes has ended)")))
		return
	}
	j := pc.job
	ctx := gateway.WithRequestMeta(telemetry.WithHTTPHeaders(r.Context(), r.Header), rm)
	if deny := gs.Recheck(ctx, m); deny != nil {
		j.abandon(pc.asks, errors.New("refused on retry"))
		out, status := protocol.ToModern(m.Method, deny, nil)
		writeJSON(w, status, out)
		return
	}
	wr := newModernWriter(w, r)
	j.attach(wr, m, rm) // the call may go on at once: its messages go to the retry
	responses := jsonrpc.Field(m.Params, "inputResponses")
	var missing []ask
	for _, a := range pc.asks {
		v := jsonrpc.Field(responses, a.key)
		if v == nil || string(v) == "null" {
			missing = append(missing, a)
			continue
		}
		j.answer(a.id, v, nil)
	}
	if len(missing) > 0 {
		// "the server SHOULD respond with a new InputRequiredResult
		// requesting the missing information again".
		h.park(wr, j, m, missing)
		return
	}
	j.serve(wr, r, m)
}

// ---- response writing ------------------------------------------------------

// modernWriter answers one POST of a modern client: JSON when the answer
// comes before anything else, else an SSE stream without event ids.
type modernWriter struct {
	w    http.ResponseWriter
	r    *http.Request
	sse  bool // the client accepts text/event-stream
	json bool // the client accepts application/json

	mu     sync.Mutex
	stream bool
	done   bool
}

func (wr *modernWriter) started() bool {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.stream
}

func (wr *modernWriter) startLocked() {
	if wr.stream {
		return
	}
	h := wr.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	wr.w.WriteHeader(http.StatusOK)
	wr.stream = true
}

func (wr *modernWriter) writeLocked(b []byte) {
	rc := http.NewResponseController(wr.w)
	_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := wr.w.Write(b); err != nil {
		wr.done = true
		return
	}
	_ = rc.Flush()
	_ = rc.SetWriteDeadline(time.Time{})
}

func sseMessage(msg []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("event: message\n")
	for _, line := range bytes.Split(msg, []byte("\n")) {
		buf.WriteString("data: ")
		buf.Write(bytes.TrimRight(line, "\r"))
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// event streams a message related to the request (progress, logging).
func (wr *modernWriter) event(msg []byte) {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if wr.done || !wr.sse {
		return // a JSON-only client gets the response alone
	}
	wr.startLocked()
	wr.writeLocked(sseMessage(msg))
}

func (wr *modernWriter) keepAlive() {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if wr.done || !wr.sse {
		return
	}
	wr.startLocked()
	wr.writeLocked([]byte(": keep-alive\n\n"))
}

// final writes the response and ends the answer.
func (wr *modernWriter) final(resp []byte, status int) {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if wr.done {
		return
	}
	wr.done = true
	if !wr.stream {
		if wr.json || !wr.sse {
			writeJSON(wr.w, status, resp)
			return
		}
		wr.startLocked()
	}
	wr.writeLocked(sseMessage(resp))
}

func (wr *modernWriter) close() {
	wr.mu.Lock()
	wr.done = true
	wr.mu.Unlock()
}

// ---- subscriptions/listen (design 4.6, client side) ------------------------

// listen serves a subscriptions/listen stream: the acknowledgment first,
// then each list change the client subscribed to, with the listen
// request's id as subscriptionId; a graceful result when the gateway
// shuts down or ends the client's session. Closing the stream ends it.
func (h *HTTPServer) listen(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message, gs *gateway.Session) {
	var p struct {
		Notifications struct {
			Tools     bool     `json:"toolsListChanged"`
			Prompts   bool     `json:"promptsListChanged"`
			Resources bool     `json:"resourcesListChanged"`
			URIs      []string `json:"resourceSubscriptions"`
		} `json:"notifications"`
	}
	_ = json.Unmarshal(m.Params, &p)
	kinds := map[string]bool{}
	honored := map[string]any{}
	for _, k := range []struct {
		on     bool
		field  string
		method string
	}{{p.Notifications.Tools, "toolsListChanged", "notifications/tools/list_changed"},
		{p.Notifications.Prompts, "promptsListChanged", "notifications/prompts/list_changed"},
		{p.Notifications.Resources, "resourcesListChanged", "notifications/resources/list_changed"}} {
		if k.on {
			kinds[k.method] = true
			honored[k.field] = true
		}
	}
	// Resource subscriptions: only the URIs the guards let this
	// principal read, subscribed upstream (gateway/listensubs.go); the
	// acknowledgment lists them, and this stream hears only them.
	uris := map[string]bool{}
	if len(p.Notifications.URIs) > 0 {
		granted, release := gs.SubscribeResources(r.Context(), p.Notifications.URIs)
		defer release()
		for _, u := range granted {
			uris[u] = true
		}
		if len(granted) > 0 {
			honored["resourceSubscriptions"] = granted
			kinds["notifications/resources/updated"] = true
		}
	}
	subMeta := map[string]any{protocol.MetaSubscriptionID: m.ID}
	ch := make(chan []byte, 64)
	remove := gs.AddListener(gateway.SinkFunc(func(b []byte) error {
		method, _ := jsonrpc.StringField(b, "method")
		if !kinds[method] || jsonrpc.Field(b, "id") != nil {
			return nil
		}
		if method == "notifications/resources/updated" {
			if u, _ := jsonrpc.StringField(jsonrpc.Field(b, "params"), "uri"); !uris[u] {
				return nil // another stream's, or nobody's
			}
		}
		params, err := jsonrpc.SetField(jsonrpc.Field(b, "params"), "_meta", subMeta)
		if err != nil {
			return nil
		}
		select {
		case ch <- jsonrpc.NewNotification(method, params):
		default: // a client that does not read loses changes, never the gateway's time
		}
		return nil
	}))
	defer remove()
	lctx, lcancel := context.WithCancelCause(r.Context())
	defer lcancel(nil)
	defer h.register(gs, m, func(err error) { lcancel(err) })()
	ended := make(chan struct{})
	gs.OnClose(func() { close(ended) })

	wr := &modernWriter{w: w, r: r, sse: true}
	ack := jsonrpc.NewNotification("notifications/subscriptions/acknowledged", map[string]any{"_meta": subMeta, "notifications": honored})
	wr.event(ack)
	ka := time.NewTicker(h.opts.KeepAlive)
	defer ka.Stop()
	for {
		select {
		case b := <-ch:
			wr.event(b)
		case <-ka.C:
			wr.keepAlive()
		case <-lctx.Done():
			wr.close()
			return
		case <-h.done:
			wr.final(jsonrpc.NewResult(m.ID, map[string]any{"resultType": protocol.ResultComplete, "_meta": subMeta}), http.StatusOK)
			return
		case <-ended:
			wr.final(jsonrpc.NewResult(m.ID, map[string]any{"resultType": protocol.ResultComplete, "_meta": subMeta}), http.StatusOK)
			return
		}
	}
}
