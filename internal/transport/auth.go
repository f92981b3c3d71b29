package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/tlsconf"
)

// authCtxKey carries the token hash of the request (for one-shot
// revocation) next to the principal.
type authCtxKey struct{}

type authInfo struct {
	id   *auth.Identity
	hash auth.TokenHash
}

// authenticate checks the request's token when auth is configured. On
// failure it answers (401, or 503 when the check cannot run) and records
// the refusal; on success it returns r with the principal in its context.
func (h *HTTPServer) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	rs := h.opts.Auth
	if rs == nil && len(h.opts.CertPrincipals) == 0 {
		return r, true
	}
	// A verified client certificate naming a configured principal
	// authenticates a request that carries no bearer token.
	if _, terr := auth.BearerToken(r); rs == nil || errors.Is(terr, auth.ErrNoToken) {
		if p, ok := h.certPrincipal(r); ok {
			return r.WithContext(guard.WithPrincipal(r.Context(), p)), true
		}
		if rs == nil {
			reason := "no client certificate naming a configured principal (tls.principals)"
			if id, ok := certIdentity(r); ok {
				reason = "client certificate " + id + " is not a configured principal (tls.principals)"
			}
			h.authEvent(r, guard.Principal{}, "", reason, http.StatusUnauthorized)
			httpError(w, http.StatusUnauthorized, nil, jsonrpc.CodeUnauthorized, "Unauthorized: "+reason)
			return nil, false
		}
	}
	id, hash, err := rs.Authenticate(r)
	if err != nil {
		h.authEvent(r, guard.Principal{}, "", auth.Reason(err), auth.Status(err))
		w.Header().Set("WWW-Authenticate", rs.Challenge(err, rs.ScopesSupported))
		msg := "Unauthorized: a bearer token from the authorization server is required"
		var te *auth.TokenError
		if errors.As(err, &te) {
			msg = "Unauthorized: " + te.Public()
		}
		httpError(w, auth.Status(err), nil, jsonrpc.CodeUnauthorized, msg)
		return nil, false
	}
	ctx := guard.WithPrincipal(r.Context(), id.Principal())
	ctx = context.WithValue(ctx, authCtxKey{}, &authInfo{id: id, hash: hash})
	return r.WithContext(ctx), true
}

// boundTo refuses a request on a session that another principal opened
// (or that was opened without a token while auth is now required): a
// stolen session id is useless without its owner's token.
func (h *HTTPServer) boundTo(w http.ResponseWriter, r *http.Request, hs *httpSession, id []byte) bool {
	if h.opts.Auth == nil && len(h.opts.CertPrincipals) == 0 {
		return true
	}
	p, _ := guard.PrincipalFrom(r.Context())
	if hs.owner == p.Key() {
		return true
	}
	h.authEvent(r, p, hs.gs.ID(), "session "+hs.gs.ID()+" is bound to another principal (possible session hijack)", http.StatusForbidden)
	httpError(w, http.StatusForbidden, id, jsonrpc.CodeUnauthorized, "Forbidden: this session belongs to another principal")
	return false
}

// usableToken refuses an initialize whose token carries none of the scopes
// the configuration names (it could use nothing behind the gateway).
func (h *HTTPServer) usableToken(w http.ResponseWriter, r *http.Request, id []byte) bool {
	rs := h.opts.Auth
	if len(h.opts.KnownScopes) == 0 {
		return true
	}
	p, ok := guard.PrincipalFrom(r.Context())
	if !ok {
		return true
	}
	for _, s := range h.opts.KnownScopes {
		if p.HasScopes([]string{s}) {
			return true
		}
	}
	reason := "the token carries none of the scopes this gateway uses (" + strings.Join(h.opts.KnownScopes, " ") + ")"
	h.authEvent(r, p, "", reason, http.StatusForbidden)
	if rs != nil {
		w.Header().Set("WWW-Authenticate", rs.InsufficientScope(rs.ScopesSupported, "the token carries none of the scopes this gateway uses"))
	}
	httpError(w, http.StatusForbidden, id, jsonrpc.CodeInsufficientScope, "Forbidden: insufficient_scope: "+reason)
	return false
}

// afterRequest acts on what the guards recorded: a one-shot scope was used
// (the token is revoked here).
func (h *HTTPServer) afterRequest(r *http.Request, st *guard.RequestState) {
	if h.opts.Auth == nil || st == nil || !st.OneShotUsed() {
		return
	}
	if ai, ok := r.Context().Value(authCtxKey{}).(*authInfo); ok {
		h.opts.Auth.Revoke(ai.hash, ai.id)
		if h.opts.OnRevoke != nil {
			h.opts.OnRevoke(ai.id)
		}
	}
}

// requestContext is the context a request runs in: the session's (a
// dropped connection does not cancel a call), with the request's principal
// and a RequestState for the guards.
func (hs *httpSession) requestContext(r *http.Request) (context.Context, *guard.RequestState) {
	p, ok := guard.PrincipalFrom(r.Context())
	if !ok {
		return hs.ctx, nil
	}
	ctx := guard.WithPrincipal(hs.ctx, p)
	if tok, err := auth.BearerToken(r); err == nil {
		ctx = auth.WithSubjectToken(ctx, tok) // for token exchange on this request's behalf
	}
	return guard.WithRequestState(ctx)
}

// stepUp answers a refused call with 403 insufficient_scope when the guards
// asked for it and nothing was streamed yet; reports whether it did.
func (h *HTTPServer) stepUp(w http.ResponseWriter, st *guard.RequestState, resp []byte) bool {
	rs := h.opts.Auth
	scopes := st.StepUp()
	if rs == nil || scopes == nil {
		return false
	}
	w.Header().Set("WWW-Authenticate", rs.InsufficientScope(scopes, "the call needs a scope the token lacks; re-authorize with the scopes listed in scope"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(resp)
	return true
}

func (h *HTTPServer) authEvent(r *http.Request, p guard.Principal, session, reason string, status int) {
	if h.opts.Audit == nil {
		return
	}
	ap := gateway.AuditPrincipal(p)
	if p.Subject == "" {
		ap = audit.Principal{Subject: "anonymous", Anonymous: true}
	}
	_ = h.opts.Audit.Emit(r.Context(), &audit.Event{Type: audit.TypeAuthDenied, Transport: audit.TransportStreamableHTTP,
		RemoteAddr: r.RemoteAddr, SessionID: session, Principal: ap,
		Decision: audit.Decision{Action: audit.ActionDeny, Guard: "auth", Reason: reason},
		Status:   audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: status}})
}

// certIdentity is the identity of the request's verified client
// certificate.
func certIdentity(r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	return tlsconf.Identity(r.TLS.VerifiedChains[0][0])
}

// certPrincipal maps a verified client certificate to its configured
// principal.
func (h *HTTPServer) certPrincipal(r *http.Request) (guard.Principal, bool) {
	id, ok := certIdentity(r)
	if !ok {
		return guard.Principal{}, false
	}
	scopes, ok := h.opts.CertPrincipals[id]
	if !ok {
		return guard.Principal{}, false
	}
	return guard.Principal{Subject: id, Scopes: scopes, Issuer: "mtls", AuthMethod: guard.AuthMTLS}, true
}
