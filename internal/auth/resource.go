package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Verifier checks one kind of token.
type Verifier interface {
	Verify(ctx context.Context, tok string) (*Identity, error)
}

// ResourceServer authenticates requests to the MCP endpoint and serves the
// protected resource metadata (RFC 9728).
type ResourceServer struct {
	// Resource is this gateway's resource URI (the audience).
	Resource string
	// AuthorizationServers are the issuers clients should get tokens from.
	AuthorizationServers []string
	// ScopesSupported are advertised in the metadata.
	ScopesSupported []string
	// JWT verifies JWT access tokens; nil refuses them.
	JWT Verifier
	// Opaque verifies other tokens (introspection); nil refuses them.
	Opaque Verifier
	// Revoked, if set, is consulted on every request, also for cached
	// tokens.
	Revoked *Revocations

	cache *tokenCache
	now   func() time.Time
	once  sync.Once
}

// Options for NewResourceServer.
type Options struct {
	CacheSize int
	Now       func() time.Time
}

// NewResourceServer returns a resource server; set the verifiers on it.
func NewResourceServer(resource string, issuers, scopes []string, o Options) *ResourceServer {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &ResourceServer{Resource: resource, AuthorizationServers: issuers, ScopesSupported: scopes,
		Revoked: NewRevocations(), cache: newTokenCache(o.CacheSize), now: now}
}

// BearerToken extracts the bearer token of r (RFC 6750 section 2.1: the
// Authorization header only; MCP forbids tokens in the query string).
func BearerToken(r *http.Request) (string, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 {
		if r.URL.Query().Has("access_token") {
			return "", invalid("token in the query string is not accepted; send it in the Authorization header")
		}
		return "", ErrNoToken
	}
	if len(hs) > 1 {
		return "", invalid("more than one Authorization header")
	}
	scheme, tok, ok := strings.Cut(hs[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoToken
	}
	tok = strings.TrimLeft(tok, " ")
	if tok == "" || len(tok) > 16<<10 || !token68(tok) {
		return "", invalid("malformed bearer token")
	}
	return tok, nil
}

func token68(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0) {
			return false
		}
	}
	return true
}

// Authenticate verifies the request's bearer token. A token verified
// before is served from the cache until its exp, unless revoked here.
// The returned hash identifies the token (for one-shot revocation).
func (rs *ResourceServer) Authenticate(r *http.Request) (*Identity, TokenHash, error) {
	tok, err := BearerToken(r)
	if err != nil {
		return nil, TokenHash{}, err
	}
	return rs.Verify(r.Context(), tok)
}

// Verify checks one bearer token.
func (rs *ResourceServer) Verify(ctx context.Context, tok string) (*Identity, TokenHash, error) {
	h := HashToken(tok)
	now := rs.now()
	if id := rs.cache.get(h, now); id != nil {
		if rs.Revoked != nil && rs.Revoked.Revoked(h, id) {
			return nil, h, invalid("token revoked")
		}
		return id, h, nil
	}
	var v Verifier
	if LooksLikeJWT(tok) {
		v = rs.JWT
	} else {
		v = rs.Opaque
	}
	if v == nil {
		return nil, h, invalid("token format not accepted (JWT expected; no introspection configured)")
	}
	id, err := v.Verify(ctx, tok)
	if err != nil {
		return nil, h, err
	}
	if rs.Revoked != nil && rs.Revoked.Revoked(h, id) {
		return nil, h, invalid("token revoked")
	}
	if id.Expiry.IsZero() || !now.Before(id.Expiry) {
		return nil, h, invalid("token expired")
	}
	rs.cache.put(h, id, now)
	return id, h, nil
}

// Revoke refuses the token from now on (until its exp).
func (rs *ResourceServer) Revoke(h TokenHash, id *Identity) {
	until := rs.now().Add(time.Hour)
	if id != nil && !id.Expiry.IsZero() {
		until = id.Expiry.Add(time.Minute)
	}
	rs.Revoked.RevokeHash(h, until)
	rs.cache.drop(h)
}

// MetadataPath is the path-aware well-known path of the protected resource
// metadata for the resource URI (RFC 9728 section 3.1): the well-known
// prefix inserted before the resource's path.
func MetadataPath(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return "/.well-known/oauth-protected-resource"
	}
	return "/.well-known/oauth-protected-resource" + strings.TrimSuffix(u.EscapedPath(), "/")
}

// MetadataURL is the absolute URL of the metadata document.
func (rs *ResourceServer) MetadataURL() string {
	u, err := url.Parse(rs.Resource)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + MetadataPath(rs.Resource)
}

// ServeMetadata serves the protected resource metadata. It is public:
// any origin may read it (browser-based clients fetch it cross-origin).
func (rs *ResourceServer) ServeMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	md := map[string]any{
		"resource":                 rs.Resource,
		"authorization_servers":    rs.AuthorizationServers,
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "mcpwarden MCP gateway",
	}
	if len(rs.ScopesSupported) > 0 {
		md["scopes_supported"] = rs.ScopesSupported
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_ = json.NewEncoder(w).Encode(md)
}

// quote makes an auth-param quoted-string (RFC 9110 section 5.6.4).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Challenge is the WWW-Authenticate value for a refused request: err nil
// or ErrNoToken gives the bare challenge (the client should authorize),
// a TokenError adds error="invalid_token". scope, if set, tells the client
// which scopes to ask for.
func (rs *ResourceServer) Challenge(err error, scope []string) string {
	parts := []string{"resource_metadata=" + quote(rs.MetadataURL())}
	var te *TokenError
	if errors.As(err, &te) {
		parts = append(parts, `error="invalid_token"`, "error_description="+quote(te.Public()))
	}
	if len(scope) > 0 {
		parts = append(parts, "scope="+quote(strings.Join(scope, " ")))
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// InsufficientScope is the WWW-Authenticate value of a 403 asking the
// client to step up to scope (RFC 6750 section 3.1).
func (rs *ResourceServer) InsufficientScope(scope []string, desc string) string {
	parts := []string{`error="insufficient_scope"`, "scope=" + quote(strings.Join(scope, " ")),
		"resource_metadata=" + quote(rs.MetadataURL())}
	if desc != "" {
		parts = append(parts, "error_description="+quote(desc))
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// Status is the HTTP status for an authentication error: 503 when the
// check could not run, else 401.
func Status(err error) int {
	var te *TokenError
	if errors.As(err, &te) && te.Unavailable {
		return http.StatusServiceUnavailable
	}
	return http.StatusUnauthorized
}

// Reason is the operator-facing reason of an authentication error.
func Reason(err error) string {
	if errors.Is(err, ErrNoToken) {
		return "no bearer token"
	}
	return fmt.Sprint(err)
}

// CanonicalResource normalizes a resource URI for comparison: scheme and
// host lower case, default port dropped, no trailing slash (MCP 2025-11-25
// "Canonical Server URI").
func CanonicalResource(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if (u.Scheme == "https" && strings.HasSuffix(host, ":443")) || (u.Scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	u.Host = host
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u.String()
}

// AudienceMatches reports whether one of aud is the resource.
func AudienceMatches(aud []string, resource string) bool {
	want := CanonicalResource(resource)
	for _, a := range aud {
		if CanonicalResource(a) == want {
			return true
		}
	}
	return false
}

type subjectKey struct{}

// WithSubjectToken returns ctx carrying the request's own bearer token, for
// token exchange (RFC 8693) on its behalf. It lives as long as the request.
func WithSubjectToken(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, subjectKey{}, tok)
}

// SubjectTokenFrom returns the token set by WithSubjectToken.
func SubjectTokenFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(subjectKey{}).(string)
	return t, ok && t != ""
}
