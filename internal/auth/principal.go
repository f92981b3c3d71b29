package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// Auth methods recorded in principals.
const (
	MethodJWT           = "jwt"
	MethodIntrospection = "introspection"
)

// ErrNoToken means the request carried no bearer token.
var ErrNoToken = errors.New("no bearer token")

// TokenError is a token that was refused. Reason is for the audit record
// and the operator; clients are told only "invalid_token" and Public.
type TokenError struct {
	Reason string
	// Unavailable: the check could not run (issuer metadata or keys
	// unreachable). The request is refused all the same (fail closed),
	// with 503 instead of 401.
	Unavailable bool
}

func (e *TokenError) Error() string { return e.Reason }

// Public is what the client may be told.
func (e *TokenError) Public() string {
	if e.Unavailable {
		return "the token cannot be verified right now"
	}
	return "the access token is invalid, expired or not meant for this resource"
}

func invalid(format string, args ...any) *TokenError {
	return &TokenError{Reason: fmt.Sprintf(format, args...)}
}

func unavailable(format string, args ...any) *TokenError {
	return &TokenError{Reason: fmt.Sprintf(format, args...), Unavailable: true}
}

// Identity is a verified token.
type Identity struct {
	Issuer   string
	Subject  string
	ClientID string
	Scopes   []string
	TokenID  string // jti
	Method   string
	Expiry   time.Time
}

// Principal converts the identity for the guard chain.
func (id *Identity) Principal() guard.Principal {
	return guard.Principal{Subject: id.Subject, ClientID: id.ClientID, Scopes: id.Scopes,
		Issuer: id.Issuer, TokenID: id.TokenID, AuthMethod: id.Method, Expiry: id.Expiry}
}

// parseScopes reads the "scope" claim (space-delimited string, RFC 8693 /
// RFC 9068) or, failing that, "scp" (a string or a list, as some IdPs
// send).
func parseScopes(scope any, scp any) []string {
	var out []string
	add := func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, strings.Fields(x)...)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && s != "" && !strings.ContainsAny(s, " \t") {
					out = append(out, s)
				}
			}
		case []string:
			for _, s := range x {
				if s != "" && !strings.ContainsAny(s, " \t") {
					out = append(out, s)
				}
			}
		}
	}
	if scope != nil {
		add(scope)
	} else {
		add(scp)
	}
	return out
}
