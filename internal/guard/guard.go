// Package guard defines the chain of checks every call passes before the
// gateway forwards it: each guard sees one parsed call with its context and
// returns a decision (allow, deny with a reason, or hold for a human).
//
// It guards against a control that is bypassed by some path: the gateway
// asks the same chain whether a tool may be listed and whether it may be
// called, so discovery and invocation cannot disagree. A guard that panics
// or cannot decide denies (fail closed).
package guard

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Action is what a guard decided.
type Action int

const (
	// Allow lets the call continue to the next guard and then upstream.
	Allow Action = iota
	// Deny refuses the call with a JSON-RPC error; the call is audited.
	Deny
	// Hold parks the call until a human decides (approvals issue). A
	// gateway without an approval service treats Hold as Deny.
	Hold
)

func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Hold:
		return "hold"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Principal is who is calling. Until authentication is configured every
// caller is anonymous, but the field is always present.
type Principal struct {
	Subject   string   `json:"subject"`
	ClientID  string   `json:"client_id,omitempty"`
	Anonymous bool     `json:"anonymous"`
	Scopes    []string `json:"scopes,omitempty"`
	// Issuer, TokenID (the token's jti), AuthMethod ("jwt",
	// "introspection", "mtls") and Expiry describe how the principal was
	// authenticated; empty for anonymous.
	Issuer     string    `json:"issuer,omitempty"`
	TokenID    string    `json:"token_id,omitempty"`
	AuthMethod string    `json:"auth_method,omitempty"`
	Expiry     time.Time `json:"-"`
}

// HasScopes reports whether p carries every scope in need.
func (p Principal) HasScopes(need []string) bool {
	for _, n := range need {
		found := false
		for _, s := range p.Scopes {
			if s == n {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Key identifies the principal for session binding: the same issuer,
// subject and client. Scopes may differ (a stepped-up token).
func (p Principal) Key() string {
	return p.Issuer + "\x00" + p.Subject + "\x00" + p.ClientID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the principal of the current request
// (which may hold more scopes than the one that opened the session).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, if the transport set one.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Anonymous is the principal of an unauthenticated caller.
// AuthLocal is the AuthMethod of a stdio client: the OS user that started
// the gateway, trusted as the operator.
const AuthLocal = "local"

// AuthMTLS is the AuthMethod of a principal identified by its verified
// client certificate.
const AuthMTLS = "mtls"

var Anonymous = Principal{Subject: "anonymous", Anonymous: true}

// Session is what a guard may know about the client session.
type Session struct {
	ID              string
	ClientName      string
	ClientVersion   string
	ProtocolVersion string
	Transport       string
	// Exposure lists, by label (untrusted_input, exfiltration,
	// sensitive_read), the exposed names of labelled tools the session's
	// principal could use; filled only for toxic-flow static mode.
	Exposure map[string][]string
	// Tainted names the tool whose untrusted content the session received
	// ("server/tool"), "" if none; filled for toxic-flow dynamic mode.
	Tainted string
	// ClientAddr is the client's network address without the port (the
	// TCP peer of an HTTP session; "" for stdio). Rate limits key
	// anonymous callers by it.
	ClientAddr string
}

// Call is one parsed call as guards see it. Guards must not modify it.
type Call struct {
	// Method is the MCP method: tools/call, resources/read, prompts/get.
	// For listings the gateway asks with the method of the call the item
	// would allow (tools/call for a listed tool) and Listing set.
	Method string
	// Listing is true when the gateway asks whether an item may be shown.
	Listing bool
	// Server is the configured name of the upstream the call routes to.
	Server string
	// Name is the tool or prompt name as the upstream knows it.
	Name string
	// ExposedName is the (namespaced) name the client used.
	ExposedName string
	// URI is the resource URI for resources/read.
	URI string
	// Arguments are the call's arguments, exactly as forwarded.
	Arguments json.RawMessage
	// Definition is the upstream's definition of the tool, if known.
	Definition json.RawMessage
	// SchemaHash is "sha256:<hex>" of the canonical definition, if known.
	SchemaHash    string
	Session       Session
	Principal     Principal
	CorrelationID string
}

// Decision is a guard's answer.
type Decision struct {
	Action Action
	// Guard names the guard that decided (empty for the chain's allow).
	Guard string
	// Reason is a human-readable explanation given to the client and audit.
	Reason string
	// Code is the JSON-RPC error code for Deny (0: the gateway's default).
	Code int
	// Scopes, on a refusal for insufficient scope, are the scopes the
	// client should ask for (step-up).
	Scopes []string
	// RetryAfter, on a refusal by a rate limit, is when the call may
	// succeed again (sent as data.retry_after_seconds).
	RetryAfter time.Duration
}

// Allowed is the decision that lets a call through.
var Allowed = Decision{Action: Allow}

// Guard is one check on the request path.
type Guard interface {
	// Name is stable; it appears in audit events and client errors.
	Name() string
	// Check decides on one call. It must be safe for concurrent use and
	// should be a pure function of the call and the guard's configuration.
	Check(ctx context.Context, c *Call) Decision
}

// Chain runs guards in order; the first decision that is not Allow wins.
type Chain []Guard

// Decide runs the chain. A guard that panics denies the call.
func (ch Chain) Decide(ctx context.Context, c *Call) Decision {
	for _, g := range ch {
		d := safeCheck(ctx, g, c)
		if d.Action != Allow {
			if d.Guard == "" {
				d.Guard = g.Name()
			}
			return d
		}
	}
	return Allowed
}

func safeCheck(ctx context.Context, g Guard, c *Call) (d Decision) {
	defer func() {
		if r := recover(); r != nil {
			d = Decision{Action: Deny, Guard: g.Name(), Reason: fmt.Sprintf("guard %s failed: %v (fail closed)", g.Name(), r)}
		}
	}()
	return g.Check(ctx, c)
}

// RequestState collects what guards learn about one client request that
// the transport acts on after the gateway answers: the scopes of a
// step-up challenge (HTTP 403 insufficient_scope), and whether a one-shot
// scope was used (the token is then revoked).
type RequestState struct {
	mu          sync.Mutex
	stepUp      []string
	oneShotUsed bool
}

type requestStateKey struct{}

// WithRequestState returns ctx carrying a fresh RequestState.
func WithRequestState(ctx context.Context) (context.Context, *RequestState) {
	st := &RequestState{}
	return context.WithValue(ctx, requestStateKey{}, st), st
}

// RequestStateFrom returns the state in ctx, or nil.
func RequestStateFrom(ctx context.Context) *RequestState {
	st, _ := ctx.Value(requestStateKey{}).(*RequestState)
	return st
}

// SetStepUp records the scopes a refused call needs.
func (st *RequestState) SetStepUp(scopes []string) {
	if st == nil {
		return
	}
	st.mu.Lock()
	st.stepUp = append([]string(nil), scopes...)
	st.mu.Unlock()
}

// StepUp returns the recorded step-up scopes (nil if none).
func (st *RequestState) StepUp() []string {
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.stepUp
}

// MarkOneShot records that the request used a one-shot scope.
func (st *RequestState) MarkOneShot() {
	if st == nil {
		return
	}
	st.mu.Lock()
	st.oneShotUsed = true
	st.mu.Unlock()
}

// OneShotUsed reports whether a one-shot scope was used.
func (st *RequestState) OneShotUsed() bool {
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.oneShotUsed
}
