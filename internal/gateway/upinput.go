package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// InputRequiredResult round trips of modern upstreams
// (docs/protocol-2026-07-28.md 4.2, 4.3, 4.5):
//
//   - a session (2025-11-25) client cannot take an InputRequiredResult:
//     the gateway fulfils it itself, asking the client each input request
//     as a server-to-client request on the call's stream (as the relay of
//     a legacy server's requests does), then retries upstream with a new
//     id, the answers in inputResponses and requestState exactly as sent;
//     at most maxInputRounds rounds;
//   - a modern client gets the InputRequiredResult, its requestState
//     sealed by the gateway and bound to the principal, session, server,
//     method and call, and unsealed on the retry, so an upstream's state
//     cannot be replayed by anyone else through the gateway's credentials.

// maxInputRounds bounds the round trips of one call (the SDK's
// maxMultiRoundTripRetries); maxLoadShedding the rounds that carry only
// a requestState (the server asks to be called again).
const (
	maxInputRounds  = 10
	maxLoadShedding = 3
)

// StateSealer seals values into opaque, authenticated, expiring tokens.
// protoSealer (protocol.Sealer) implements it.
type StateSealer interface {
	Seal(v any, ttl time.Duration) string
	Open(tok string, v any) error
}

// inputStateTTL bounds how long a modern client may take to retry.
const inputStateTTL = 10 * time.Minute

// sealedUpState is what a wrapped requestState holds.
type sealedUpState struct {
	Kind      string          `json:"k"` // "up": a modern upstream's state
	Server    string          `json:"s"`
	Method    string          `json:"m"`
	Digest    string          `json:"d"` // of the call: name or URI and arguments
	Principal string          `json:"p"`
	Session   string          `json:"c"`
	State     json.RawMessage `json:"st"`
}

var errStateInvalid = errors.New("requestState is invalid or expired")

// forwardCall forwards a call (tools/call, prompts/get, resources/read)
// and sees its InputRequiredResult rounds through. ev gets the rounds.
func (s *Session) forwardCall(ctx context.Context, srv *server, m *jsonrpc.Message, params json.RawMessage, reply Sink, correlation string, ev *audit.Event) (*jsonrpc.Message, *jsonrpc.Error) {
	modernClient := s.protocol == protocol.Modern
	if modernClient && jsonrpc.Field(params, "requestState") != nil {
		// The transport resumes the calls it parked; a requestState that
		// reaches here must be one the gateway sealed for a 2026-07-28
		// upstream of this call. Anything else (forged, or aimed at a
		// 2025-11-25 server, which issues none) is refused, never passed on.
		if era, _ := srv.cachedEra(); era != eraModern {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "%v", errStateInvalid)
		}
		p, err := s.g.unwrapState(s, srv, m.Method, params, s.principal(ctx).Key())
		if err != nil {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "%v", err)
		}
		params = p
	}
	var methods []string
	shed, round := 0, 1
	defer func() {
		if round > 1 || len(methods) > 0 { // upstream requests this call took
			if ev.Detail == nil {
				ev.Detail = map[string]any{}
			}
			ev.Detail["mrtr_rounds"] = round
			if len(methods) > 0 {
				ev.Detail["mrtr_methods"] = methods
			}
		}
	}()
	for ; ; round++ {
		if round == 2 {
			// A retry is a new request: it never reuses the first
			// round's id, which may have been the client's.
			ctx = withNumberedID(ctx)
		}
		r, jerr := s.forwardMsg(ctx, srv, m, params, reply, correlation)
		if jerr != nil || r.Error != nil {
			return r, jerr
		}
		ir, ok, err := protocol.ParseInputRequired(r.Result)
		if !ok {
			if !modernClient {
				r = withoutResultType(r)
			}
			return r, nil
		}
		if err != nil {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: server %q answered with a malformed InputRequiredResult: %v", srv.name, err)
		}
		for _, k := range sortedKeys(ir.Requests) {
			in := ir.Requests[k]
			if !protocol.Declares(s.upstreamCaps(), in) {
				// The gateway declared what the client can do; an
				// upstream that asks for more misbehaves.
				return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError,
					"mcpwarden: server %q asked the client for %s, which the client did not declare (the call cannot complete)", srv.name, in.Method)
			}
			methods = append(methods, in.Method)
			if jerr := s.g.checkInputRequest(ctx, s, srv, in.Method, in.Params); jerr != nil {
				return nil, jerr
			}
		}
		if modernClient {
			return s.g.wrapState(s, srv, m, params, r, ir, s.principal(ctx).Key())
		}
		if round >= maxInputRounds {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: server %q still asked for input after %d rounds; the call was abandoned", srv.name, maxInputRounds)
		}
		var responses map[string]json.RawMessage
		if len(ir.Requests) == 0 {
			// Load shedding: only a requestState, call again shortly.
			if shed++; shed > maxLoadShedding {
				return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: server %q asked to be called again %d times; the call was abandoned", srv.name, maxLoadShedding)
			}
			select {
			case <-ctx.Done():
				return nil, &jsonrpc.Error{Code: codeRequestCancelled, Message: fmt.Sprintf("request cancelled: %v", context.Cause(ctx))}
			case <-time.After(time.Duration(shed) * 50 * time.Millisecond):
			}
		} else {
			var jerr *jsonrpc.Error
			if responses, jerr = s.fulfil(ctx, srv, reply, ir); jerr != nil {
				return nil, jerr
			}
		}
		if params, err = protocol.RetryParams(params, ir, responses); err != nil {
			return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: retry params: %v", err)
		}
	}
}

// fulfil asks the session client each input request of one round, all at
// once, and collects the answers (the result of each request).
func (s *Session) fulfil(ctx context.Context, srv *server, reply Sink, ir *protocol.InputRequired) (map[string]json.RawMessage, *jsonrpc.Error) {
	actx, cancel := context.WithTimeout(ctx, srv.timeout)
	defer cancel()
	type answer struct {
		key string
		res json.RawMessage
		err *jsonrpc.Error
	}
	ch := make(chan answer, len(ir.Requests))
	for k, in := range ir.Requests {
		go func() {
			params := in.Params
			if in.Method == "elicitation/create" {
				params = withElicitationID(params)
			}
			m, err := s.ask(actx, reply, in.Method, params)
			switch {
			case err != nil:
				ch <- answer{key: k, err: &jsonrpc.Error{Code: codeRequestCancelled, Message: fmt.Sprintf("the client did not answer %s: %v", in.Method, context.Cause(actx))}}
			case m.Error != nil:
				ch <- answer{key: k, err: jsonrpc.Errorf(jsonrpc.CodeInternalError, "the client refused %s: %s", in.Method, m.Error.Message)}
			default:
				ch <- answer{key: k, res: m.Result}
			}
		}()
	}
	out := map[string]json.RawMessage{}
	var first *jsonrpc.Error
	for range ir.Requests {
		a := <-ch
		if a.err != nil && first == nil {
			first = a.err
			cancel() // the others are moot
		}
		out[a.key] = a.res
	}
	if first != nil {
		if first.Code == codeRequestCancelled && ctx.Err() == nil {
			first = jsonrpc.Errorf(jsonrpc.CodeTimeout, "%s (server %q timeout %s)", first.Message, srv.name, srv.timeout)
		}
		return nil, first
	}
	return out, nil
}

// withElicitationID gives a URL-mode elicitation the elicitationId a
// 2025-11-25 client expects (2026-07-28 dropped it).
func withElicitationID(params json.RawMessage) json.RawMessage {
	if mode, _ := jsonrpc.StringField(params, "mode"); mode != "url" || jsonrpc.Field(params, "elicitationId") != nil {
		return params
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	if p, err := jsonrpc.SetField(params, "elicitationId", "mcpw-"+hex.EncodeToString(b[:])); err == nil {
		return p
	}
	return params
}

// withoutResultType removes resultType "complete" from a modern upstream's
// result for a session client (the field is not in its revision).
func withoutResultType(r *jsonrpc.Message) *jsonrpc.Message {
	if r.Result == nil || jsonrpc.Field(r.Result, "resultType") == nil {
		return r
	}
	res, err := jsonrpc.DeleteField(r.Result, "resultType")
	if err != nil {
		return r
	}
	out := *r
	out.Result = res
	out.Raw = jsonrpc.NewResult(r.ID, res)
	return &out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// callDigest binds a state to one call: its method, name or URI, and
// arguments (canonical JSON: key order does not matter).
func callDigest(method string, params json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	for _, k := range []string{"name", "uri"} {
		v, _ := jsonrpc.StringField(params, k)
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	var args any
	_ = json.Unmarshal(jsonrpc.Field(params, "arguments"), &args)
	b, _ := json.Marshal(args) // maps are encoded with sorted keys
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// wrapState passes an upstream's InputRequiredResult to a modern client
// with its requestState sealed and bound to this call. An upstream that
// sent no requestState gets one of the gateway's all the same (holding
// none), so the client's retry is known for a retry of this call and its
// inputResponses reach the upstream; the upstream's own retry then carries
// no requestState, as it issued none.
// params are the call's as forwarded (the upstream's tool name).
func (g *Gateway) wrapState(s *Session, srv *server, m *jsonrpc.Message, params json.RawMessage, r *jsonrpc.Message, ir *protocol.InputRequired, principal string) (*jsonrpc.Message, *jsonrpc.Error) {
	tok := g.stateSealer().Seal(sealedUpState{Kind: "up", Server: srv.name, Method: m.Method, Digest: callDigest(m.Method, params),
		Principal: principal, Session: s.id, State: ir.State}, inputStateTTL)
	res, err := jsonrpc.SetField(r.Result, "requestState", tok)
	if err != nil {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: %v", err)
	}
	out := *r
	out.Result = res
	out.Raw = jsonrpc.NewResult(r.ID, res)
	return &out, nil
}

// unwrapState opens a modern client's requestState and puts the upstream's
// own back, after checking it was issued for this principal, session,
// server and call.
func (g *Gateway) unwrapState(s *Session, srv *server, method string, params json.RawMessage, principal string) (json.RawMessage, error) {
	tok, ok := jsonrpc.StringField(params, "requestState")
	if !ok {
		return nil, errStateInvalid
	}
	var st sealedUpState
	if err := g.stateSealer().Open(tok, &st); err != nil || st.Kind != "up" {
		return nil, errStateInvalid
	}
	if st.Server != srv.name || st.Method != method || st.Principal != principal || st.Session != s.id || st.Digest != callDigest(method, params) {
		return nil, errStateInvalid
	}
	if len(st.State) == 0 || string(st.State) == "null" {
		return jsonrpc.DeleteField(params, "requestState") // the upstream issued none
	}
	return jsonrpc.SetField(params, "requestState", st.State)
}

// stateSealer is the gateway's sealer (one random key per process: a
// state does not outlive the process that issued it).
func (g *Gateway) stateSealer() StateSealer {
	g.sealerOnce.Do(func() {
		if g.sealer == nil {
			g.sealer = protoSealer{protocol.NewRandomSealer()}
		}
	})
	return g.sealer
}

// protoSealer is protocol.Sealer (AES-256-GCM, expiring) for upstream
// states; what binds the state to its principal, session, server and call
// is sealed inside it (sealedUpState) and checked on the retry.
type protoSealer struct{ s *protocol.Sealer }

var upstreamStateBinding = protocol.Binding{Method: "upstream-requestState"}

func (p protoSealer) Seal(v any, ttl time.Duration) string {
	tok, err := p.s.Seal(v, upstreamStateBinding, ttl)
	if err != nil {
		return ""
	}
	return tok
}

func (p protoSealer) Open(tok string, v any) error { return p.s.Open(tok, upstreamStateBinding, v) }
