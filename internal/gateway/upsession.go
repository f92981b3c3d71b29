package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// upSession is one initialized MCP session with an upstream. The gateway
// numbers its own requests, and clients' requests on a session it shares
// (ids never collide, whoever the clients are); on a client's own session
// a plain client id goes through as it is (callID). It remembers which
// client request each one answers.
type upSession struct {
	srv     *server
	conn    upstream.Conn
	owner   *Session // per-client mode; nil for the gateway's own session
	init    *initResult
	started time.Time
	// modern: the upstream speaks 2026-07-28 (no session; _meta per
	// request; see upmodern.go).
	modern  bool
	listens map[string]*listenState // subscriptions/listen of a modern upstream by id (uplisten.go); guarded by mu

	nextID atomic.Int64

	mu       sync.Mutex
	calls    map[string]*upCall // upstream request id → call
	progress map[string]*upCall // gateway progress token → call
	closed   bool
}

// upCall is one request in flight to an upstream.
type upCall struct {
	sess        *Session // nil for the gateway's own requests
	clientID    json.RawMessage
	clientToken json.RawMessage // the client's progress token, if any
	reply       Sink            // where messages related to this call go
	resp        chan *jsonrpc.Message
	upID        json.RawMessage
	method      string
}

// dialSession connects and runs the initialize handshake. For a client's
// own upstream session, params are the client's initialize params.
// A server that speaks 2026-07-28 (servers.NAME.protocol, or probed with
// server/discover) gets no initialize: the discover result stands in for
// its initialize result (upmodern.go).
func dialSession(ctx context.Context, s *server, owner *Session, params json.RawMessage) (*upSession, error) {
	us := &upSession{srv: s, owner: owner, calls: map[string]*upCall{}, progress: map[string]*upCall{}, started: time.Now()}
	dctx := ctx
	if owner != nil {
		dctx = upstream.WithOwner(ctx, owner.meta.Principal)
	}
	done, err := us.dialModern(ctx, dctx)
	if err != nil {
		return nil, err
	}
	if done {
		return us, nil
	}
	conn := us.conn
	if conn == nil {
		if conn, err = s.dialer.Dial(dctx, us.handle); err != nil {
			return nil, fmt.Errorf("connect %s: %w", s.name, err)
		}
		us.conn = conn
	}
	resp, err := us.request(ctx, "initialize", params, nil, "")
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("initialize %s: %w", s.name, err)
	}
	if resp.Error != nil {
		_ = conn.Close()
		if resp.Error.Code == jsonrpc.CodeURLElicitationRequired {
			// The user must act first (authorize the gateway there).
			return nil, fmt.Errorf("initialize %s: %w", s.name, &upstream.ClientError{E: resp.Error})
		}
		return nil, fmt.Errorf("initialize %s: upstream error %d: %s", s.name, resp.Error.Code, resp.Error.Message)
	}
	var ir initResult
	if err := json.Unmarshal(resp.Result, &ir); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("initialize %s: bad result: %w", s.name, err)
	}
	us.init = &ir
	if err := conn.Send(ctx, &upstream.Outgoing{Body: jsonrpc.NewNotification("notifications/initialized", nil), Method: "notifications/initialized"}); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("initialized %s: %w", s.name, err)
	}
	return us, nil
}

func (us *upSession) close() {
	us.mu.Lock()
	us.closed = true
	us.mu.Unlock()
	_ = us.conn.Close()
}

func (us *upSession) alive() bool {
	select {
	case <-us.conn.Done():
		return false
	default:
		return true
	}
}

// request sends a gateway-originated request and waits for its response.
func (us *upSession) request(ctx context.Context, method string, params any, meta map[string]any, requestID string) (*jsonrpc.Message, error) {
	id := us.newID()
	call := &upCall{resp: make(chan *jsonrpc.Message, 1), upID: id, method: method}
	if us.modern {
		p, err := us.modernParams(params)
		if err != nil {
			return nil, err
		}
		params = p
	}
	us.mu.Lock()
	us.calls[string(id)] = call
	us.mu.Unlock()
	defer us.forget(call)
	body := jsonrpc.NewRequest(id, method, params)
	ob := us.srv.g.tracing.StartClient(ctx, us.srv.name, method, requestID) // telemetry: a client span under a client's request
	defer ob.End("")
	if err := us.conn.Send(ctx, &upstream.Outgoing{Body: body, ID: id, Method: method, RequestID: requestID, Headers: ob.Header()}); err != nil {
		return nil, err
	}
	select {
	case r := <-call.resp:
		return r, nil
	case <-ctx.Done():
		us.cancelUpstream(id, "gateway request timed out")
		return nil, ctx.Err()
	case <-us.conn.Done():
		// The conn synthesizes error responses for pending requests; take
		// one if it is there.
		select {
		case r := <-call.resp:
			return r, nil
		case <-time.After(100 * time.Millisecond):
			return nil, fmt.Errorf("upstream connection lost: %v", us.conn.Err())
		}
	}
}

// gatewayIDBase: the ids the gateway chooses on an upstream session (its
// own requests, and a client's request whose id is not passed through)
// count up from here, above every id passThroughID lets through, so the two
// never meet and the gateway, as the requestor, never uses an id twice in
// a session. 2^52: still exact as a JavaScript number.
const gatewayIDBase = 1 << 52

func (us *upSession) newID() json.RawMessage {
	return json.RawMessage(strconv.FormatInt(gatewayIDBase+us.nextID.Add(1), 10))
}

// callID picks the upstream id of a client's request and registers call
// under it. On the client's own upstream session the client's id goes
// through as it is when passThroughID allows it, no call of this session
// uses it and ctx does not ask for a new id (withNumberedID: the retry of
// a call, which the specification wants under a new id): the answer then
// needs no id rewritten, which for a large result saves a copy of it.
// Otherwise the gateway numbers it.
func (us *upSession) callID(ctx context.Context, s *Session, clientID json.RawMessage, call *upCall) json.RawMessage {
	id := json.RawMessage(nil)
	if us.owner == s && passThroughID(clientID) && ctx.Value(numberedIDKey{}) == nil {
		id = clientID
	}
	us.mu.Lock()
	defer us.mu.Unlock()
	if _, busy := us.calls[string(id)]; id == nil || busy {
		id = us.newID()
	}
	call.upID = id
	us.calls[string(id)] = call
	return id
}

type numberedIDKey struct{}

// withNumberedID marks ctx so that the request sent under it gets an id the
// gateway numbers, never the client's (callID).
func withNumberedID(ctx context.Context) context.Context {
	return context.WithValue(ctx, numberedIDKey{}, true)
}

// passThroughID reports whether a client's request id can be the upstream
// id as it is: an integer in canonical form below gatewayIDBase, or a
// string of at most 64 letters, digits and "-._:". Any JSON encoder writes
// these back byte for byte, so the upstream's answer finds its call.
func passThroughID(id json.RawMessage) bool {
	n := len(id)
	switch {
	case n == 0:
		return false
	case id[0] == '"':
		if n < 3 || n > 66 || id[n-1] != '"' {
			return false
		}
		for _, c := range id[1 : n-1] {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') {
				return false
			}
		}
		return true
	case n > 16 || id[0] == '0' && n > 1:
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	v, err := strconv.ParseInt(string(id), 10, 64)
	return err == nil && v < gatewayIDBase
}

func (us *upSession) forget(c *upCall) {
	us.mu.Lock()
	delete(us.calls, string(c.upID))
	for k, v := range us.progress {
		if v == c {
			delete(us.progress, k)
		}
	}
	us.mu.Unlock()
}

func (us *upSession) cancelUpstream(id json.RawMessage, reason string) {
	b := jsonrpc.NewNotification("notifications/cancelled", map[string]any{"requestId": id, "reason": reason})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = us.conn.Send(ctx, &upstream.Outgoing{Body: b, Method: "notifications/cancelled"})
}

// listResult is a page of a list method.
type listResult struct {
	raw        map[string]json.RawMessage
	NextCursor string
}

func (r *listResult) items(field string) []json.RawMessage {
	var out []json.RawMessage
	_ = json.Unmarshal(r.raw[field], &out)
	return out
}

// list fetches one page of a list method through this session.
func (us *upSession) list(ctx context.Context, method, cursor string) (*listResult, error) {
	var params any
	if cursor != "" {
		params = map[string]any{"cursor": cursor}
	}
	resp, err := us.request(ctx, method, params, nil, "")
	if err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	return parseList(resp.Result)
}

func parseList(result json.RawMessage) (*listResult, error) {
	lr := &listResult{raw: map[string]json.RawMessage{}}
	if err := json.Unmarshal(result, &lr.raw); err != nil {
		return nil, fmt.Errorf("bad list result: %w", err)
	}
	if nc, ok := lr.raw["nextCursor"]; ok {
		_ = json.Unmarshal(nc, &lr.NextCursor)
	}
	return lr, nil
}

// handle receives every message from the upstream. It never panics into the
// transport's goroutine.
func (us *upSession) handle(m *jsonrpc.Message, related json.RawMessage) {
	defer func() {
		if r := recover(); r != nil {
			us.srv.g.log.Error("panic handling upstream message", "server", us.srv.name, "panic", r)
		}
	}()
	switch m.Kind {
	case jsonrpc.KindResponse:
		us.mu.Lock()
		call := us.calls[string(m.ID)]
		us.mu.Unlock()
		if call == nil {
			return // late response to a call that timed out or was cancelled
		}
		select {
		case call.resp <- m:
		default:
		}
	case jsonrpc.KindNotification:
		us.handleNotification(m, related)
	case jsonrpc.KindRequest:
		us.handleServerRequest(m, related)
	}
}

// relatedCall finds the client call a message relates to.
func (us *upSession) relatedCall(related json.RawMessage) *upCall {
	us.mu.Lock()
	defer us.mu.Unlock()
	if related != nil {
		if c := us.calls[string(related)]; c != nil && c.sess != nil {
			return c
		}
	}
	// Without transport information, a message relates to the one client
	// call in flight if there is exactly one.
	var only *upCall
	for _, c := range us.calls {
		if c.sess == nil {
			continue
		}
		if only != nil && only.sess != c.sess {
			return nil
		}
		if only == nil {
			only = c
		}
	}
	return only
}

func (us *upSession) handleNotification(m *jsonrpc.Message, related json.RawMessage) {
	g := us.srv.g
	if us.modern && us.listenNotification(m) {
		return // on the subscriptions/listen stream (uplisten.go)
	}
	switch m.Method {
	case "notifications/progress":
		tok := jsonrpc.Field(m.Params, "progressToken")
		us.mu.Lock()
		call := us.progress[string(tok)]
		us.mu.Unlock()
		if call == nil || call.sess == nil {
			return
		}
		params, err := jsonrpc.SetField(m.Params, "progressToken", call.clientToken)
		if err != nil {
			return
		}
		call.sess.deliver(call.reply, jsonrpc.NewNotification(m.Method, params))
		return
	case "notifications/cancelled":
		// The upstream cancels a request it sent to a client.
		upID := jsonrpc.Field(m.Params, "requestId")
		for _, s := range us.sessionsFor() {
			if downID, ok := s.downIDFor(us, upID); ok {
				params, err := jsonrpc.SetField(m.Params, "requestId", downID)
				if err == nil {
					s.deliver(nil, jsonrpc.NewNotification(m.Method, params))
				}
				s.forgetServerRequest(downID)
			}
		}
		return
	case "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed":
		// The catalog is stale until relisted: with pins enforced, a call
		// waits for the relisting so a changed definition is checked
		// before it is used (a rug pull announced by list_changed).
		us.srv.changeGen.Add(1)
		go us.srv.refreshCatalog(context.Background())
		if us.owner != nil {
			us.owner.deliver(nil, m.Raw)
			return
		}
		if us.srv.shared {
			g.notifyListChanged(us.srv, m.Method)
		}
		return
	case "notifications/resources/updated":
		for _, s := range us.sessionsFor() {
			s.deliver(nil, m.Raw)
		}
		return
	}
	// Logging and notifications this version does not know: to the related
	// call's stream, else to the owner, else (shared) to every session using
	// this upstream.
	if call := us.relatedCall(related); call != nil {
		call.sess.deliver(call.reply, m.Raw)
		return
	}
	for _, s := range us.sessionsFor() {
		s.deliver(nil, m.Raw)
	}
}

// sessionsFor are the client sessions this upstream session serves.
func (us *upSession) sessionsFor() []*Session {
	if us.owner != nil {
		return []*Session{us.owner}
	}
	if !us.srv.shared {
		return nil
	}
	return us.srv.g.allSessions()
}

// handleServerRequest relays a server-to-client request (sampling,
// elicitation, roots) to the client the call belongs to, under an id the
// gateway assigns, and the client's answer back under the upstream's id.
func (us *upSession) handleServerRequest(m *jsonrpc.Message, related json.RawMessage) {
	if m.Method == "ping" {
		us.reply(jsonrpc.NewResult(m.ID, map[string]any{}))
		return
	}
	if us.modern {
		// 2026-07-28 servers ask through InputRequiredResult only.
		us.reply(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound,
			"mcpwarden: %s is not a request a %s server may send (return inputRequests instead)", m.Method, protocol.Modern)))
		return
	}
	var target *Session
	var sink Sink
	if call := us.relatedCall(related); call != nil {
		target, sink = call.sess, call.reply
	} else if us.owner != nil {
		target = us.owner
	} else if ss := us.sessionsFor(); len(ss) == 1 {
		target = ss[0]
	}
	if target == nil {
		us.reply(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError,
			"mcpwarden: cannot tell which client %s is for (no single client call in flight on this shared upstream)", m.Method)))
		return
	}
	if jerr := us.srv.g.checkInputRequest(context.Background(), target, us.srv, m.Method, m.Params); jerr != nil {
		us.reply(jsonrpc.NewError(m.ID, jerr))
		return
	}
	downID := target.registerServerRequest(us, m.ID, sink)
	body, err := jsonrpc.Rewrite(m, downID, nil)
	if err != nil {
		target.forgetServerRequest(downID)
		us.reply(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: %v", err)))
		return
	}
	target.deliver(sink, body)
}

func (us *upSession) reply(b []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = us.conn.Send(ctx, &upstream.Outgoing{Body: b})
}
