package authserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/auth"
)

// Paths the server answers on the gateway's listener.
const (
	prefix        = "/oauth/"
	authorizePath = "/oauth/authorize"
	tokenPath     = "/oauth/token"
	revokePath    = "/oauth/revoke"
	introPath     = "/oauth/introspect"
	keysPath      = "/oauth/keys"
	registerPath  = "/oauth/register"
	loginPath     = "/oauth/login"
	// MetadataPath is the RFC 8414 metadata of the path-less issuer.
	MetadataPath = "/.well-known/oauth-authorization-server"
	oidcPath     = "/.well-known/openid-configuration"
)

// ClientConfig is a client registered in the configuration.
type ClientConfig struct {
	ID         string
	GrantTypes []string
	JWKSFile   string
	Redirects  []string
	Scopes     []string
}

// Options configure New.
type Options struct {
	// Issuer is the gateway's origin (scheme://host:port, no path).
	Issuer string
	// Resource is the gateway's resource URI: the aud of every token.
	Resource            string
	DB                  *sql.DB
	Clients             []ClientConfig
	Users               map[string]string // user name -> password
	AccessTTL           time.Duration
	RefreshTTL          time.Duration
	DynamicRegistration bool
	// KnownScopes may be granted; DefaultScopes are asked for when a
	// client names none.
	KnownScopes   []string
	DefaultScopes []string
	// Revoked is the resource server's revocation set: revocations here
	// take effect at the gateway at once.
	Revoked *auth.Revocations
	Audit   *audit.Logger
	Log     *slog.Logger
	// KeyRotation replaces the signing key when it is older (default 30
	// days).
	KeyRotation time.Duration
}

// Server is the embedded authorization server.
type Server struct {
	issuer, resource    string
	db                  *sql.DB
	clients             map[string]*client
	users               map[string]string
	accessTTL           time.Duration
	refreshTTL          time.Duration
	dynamicRegistration bool
	known               map[string]bool
	knownList           []string
	defaultScopes       []string
	revoked             *auth.Revocations
	audit               *audit.Logger
	log                 *slog.Logger

	keys     *keyring
	keySrc   *auth.StaticKeys
	st       *storage
	provider *op.Provider
	legacy   *legacyServer
	handler  http.Handler

	assertMu   sync.Mutex
	assertions map[string]time.Time // client assertion jti -> exp (replay)
}

// New opens the authorization server on the store's tables.
func New(ctx context.Context, o Options) (*Server, error) {
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("authserver: issuer %q must be an origin without path", o.Issuer)
	}
	s := &Server{issuer: strings.TrimSuffix(o.Issuer, "/"), resource: o.Resource, db: o.DB, clients: map[string]*client{},
		users: o.Users, accessTTL: o.AccessTTL, refreshTTL: o.RefreshTTL, dynamicRegistration: o.DynamicRegistration,
		known: map[string]bool{}, knownList: o.KnownScopes, defaultScopes: o.DefaultScopes, revoked: o.Revoked,
		audit: o.Audit, log: o.Log, assertions: map[string]time.Time{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, sc := range o.KnownScopes {
		s.known[sc] = true
	}
	for _, cc := range o.Clients {
		c := &client{ID: cc.ID, Name: cc.ID, Redirects: cc.Redirects, Scopes: cc.Scopes, srv: s, Method: oidc.AuthMethodNone}
		for _, g := range cc.GrantTypes {
			c.Grants = append(c.Grants, oidc.GrantType(g))
		}
		if cc.JWKSFile != "" {
			keys, err := loadJWKS(cc.JWKSFile)
			if err != nil {
				return nil, fmt.Errorf("auth.clients.%s.jwks_file: %w", cc.ID, err)
			}
			c.keys, c.Method = keys, oidc.AuthMethodPrivateKeyJWT
		}
		s.clients[cc.ID] = c
	}
	rot := o.KeyRotation
	if rot <= 0 {
		rot = 30 * 24 * time.Hour
	}
	s.keySrc = auth.NewStaticKeys(nil)
	s.keys = &keyring{db: o.DB, rotateAfter: rot, keepRetired: o.AccessTTL + time.Hour}
	s.keys.onChange = func(keys []*signingKey) {
		if set, err := jwkSet(keys); err == nil {
			s.keySrc.Set(set)
		}
	}
	if err := s.keys.load(ctx); err != nil {
		return nil, err
	}
	if err := s.loadRevocations(ctx); err != nil {
		return nil, err
	}
	s.st = &storage{s: s, requests: map[string]*authRequest{}, codes: map[string]string{}}

	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, err
	}
	cfg := &op.Config{CryptoKey: cryptoKey, CodeMethodS256: true, AuthMethodPrivateKeyJWT: true,
		GrantTypeRefreshToken: true, SupportedScopes: append([]string{oidc.ScopeOfflineAccess}, o.KnownScopes...)}
	opts := []op.Option{}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure()) // loopback only (checked by the configuration)
	}
	p, err := op.NewProvider(cfg, s.st, op.StaticIssuer(s.issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("authserver: %w", err)
	}
	s.provider = p
	eps := op.Endpoints{
		Authorization: op.NewEndpoint(strings.TrimPrefix(authorizePath, "/")),
		Token:         op.NewEndpoint(strings.TrimPrefix(tokenPath, "/")),
		Introspection: op.NewEndpoint(strings.TrimPrefix(introPath, "/")),
		Revocation:    op.NewEndpoint(strings.TrimPrefix(revokePath, "/")),
		JwksURI:       op.NewEndpoint(strings.TrimPrefix(keysPath, "/")),
	}
	s.legacy = &legacyServer{LegacyServer: op.NewLegacyServer(p, eps), s: s}
	s.handler = op.RegisterLegacyServer(s.legacy, op.AuthorizeCallbackHandler(p))
	return s, nil
}

// Issuer is the issuer identifier (the gateway's origin).
func (s *Server) Issuer() string { return s.issuer }

// KeySource gives the resource server the keys tokens are signed with.
func (s *Server) KeySource() auth.KeySource { return s.keySrc }

// RotateKeys replaces the signing key now; tokens signed with the old key
// stay valid until they expire.
func (s *Server) RotateKeys(ctx context.Context) (string, error) { return s.keys.Rotate(ctx) }

// Register mounts the server's endpoints (handle is, e.g., a ServeMux's
// Handle).
func (s *Server) Register(handle func(pattern string, h http.Handler)) {
	handle(prefix, s.guard(s.handler))
	handle(registerPath, http.HandlerFunc(s.register))
	handle(loginPath, op.NewIssuerInterceptor(s.provider.IssuerFromRequest).Handler(http.HandlerFunc(s.login)))
	handle(MetadataPath, http.HandlerFunc(s.metadata))
	handle(oidcPath, http.HandlerFunc(s.metadata))
}

// guard applies what the library does not: a body limit, RFC 8707 (the only
// resource is the gateway), a default scope when a client names none, and
// no caching of token responses.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if r.URL.Path == authorizePath || r.URL.Path == tokenPath {
			if err := r.ParseForm(); err != nil {
				regError(w, http.StatusBadRequest, "invalid_request", "malformed form")
				return
			}
			for _, res := range r.Form["resource"] {
				if auth.CanonicalResource(res) != auth.CanonicalResource(s.resource) {
					s.event(r, "token.refused", r.Form.Get("client_id"), "", map[string]any{"reason": "invalid_target", "resource": res})
					regError(w, http.StatusBadRequest, "invalid_target", "this server issues tokens for "+s.resource+" only")
					return
				}
			}
		}
		if r.URL.Path == authorizePath && strings.TrimSpace(r.Form.Get("scope")) == "" {
			// MCP clients may ask for no scope (the resource named none);
			// the library refuses an empty scope.
			scope := strings.Join(s.defaultScopes, " ")
			if scope == "" {
				scope = oidc.ScopeOpenID
			}
			q := r.URL.Query()
			q.Set("scope", scope)
			r.URL.RawQuery = q.Encode()
			r.Form = nil
			r.PostForm = nil
		}
		if r.URL.Path == tokenPath {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Pragma", "no-cache")
		}
		next.ServeHTTP(w, r)
	})
}

// metadata serves RFC 8414 (and the same document as OpenID Connect
// discovery), written for OAuth 2.1: code flow only, S256 only.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	md := map[string]any{
		"issuer":                                           s.issuer,
		"authorization_endpoint":                           s.issuer + authorizePath,
		"token_endpoint":                                   s.issuer + tokenPath,
		"revocation_endpoint":                              s.issuer + revokePath,
		"introspection_endpoint":                           s.issuer + introPath,
		"jwks_uri":                                         s.issuer + keysPath,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"query"},
		"grant_types_supported":                            []string{"authorization_code", "refresh_token", "client_credentials"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"token_endpoint_auth_methods_supported":            []string{"none", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "ES256", "PS256"},
		"revocation_endpoint_auth_methods_supported":       []string{"none", "private_key_jwt"},
		"introspection_endpoint_auth_methods_supported":    []string{"private_key_jwt"},
		"scopes_supported":                                 s.knownList,
		"subject_types_supported":                          []string{"public"},
		"id_token_signing_alg_values_supported":            []string{"ES256"},
	}
	if s.dynamicRegistration {
		md["registration_endpoint"] = s.issuer + registerPath
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(md)
}

// legacyServer closes the library's gaps on its server path.
type legacyServer struct {
	*op.LegacyServer
	s *Server
}

// VerifyClient authenticates private_key_jwt clients (RFC 7523) also for
// client_credentials, which the library only allows with secrets, and
// accepts each assertion once.
func (l *legacyServer) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	if r.Data.ClientAssertionType == "" && r.Data.ClientAssertion == "" {
		if r.Data.ClientSecret != "" {
			return nil, op.NewStatusError(oidc.ErrInvalidClient().WithDescription("client secrets are not accepted"), http.StatusUnauthorized)
		}
		return l.LegacyServer.VerifyClient(ctx, r)
	}
	if r.Data.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion {
		return nil, op.NewStatusError(oidc.ErrInvalidClient().WithDescription("unsupported client_assertion_type"), http.StatusUnauthorized)
	}
	req, err := op.VerifyJWTAssertion(ctx, r.Data.ClientAssertion, l.s.provider.JWTProfileVerifier(ctx))
	if err != nil {
		// The assertion's audience may be the token endpoint instead of the
		// issuer (RFC 7523 allows both).
		v := op.NewJWTProfileVerifier(l.s.st, l.s.issuer+tokenPath, time.Hour, time.Second)
		if req2, err2 := op.VerifyJWTAssertion(ctx, r.Data.ClientAssertion, v); err2 == nil {
			req, err = req2, nil
		}
	}
	if err != nil {
		l.s.event(nil, "token.refused", r.Data.ClientID, "", map[string]any{"reason": "client assertion invalid: " + err.Error()})
		return nil, op.NewStatusError(oidc.ErrInvalidClient().WithDescription("client assertion invalid"), http.StatusUnauthorized)
	}
	if r.Data.ClientID != "" && r.Data.ClientID != req.Issuer {
		return nil, op.NewStatusError(oidc.ErrInvalidClient().WithDescription("client_id does not match the assertion"), http.StatusUnauthorized)
	}
	if !l.s.firstUse(req.Issuer, req.JWTID, req.ExpiresAt.AsTime()) {
		l.s.event(nil, "token.refused", req.Issuer, "", map[string]any{"reason": "client assertion replayed or without jti"})
		return nil, op.NewStatusError(oidc.ErrInvalidClient().WithDescription("client assertion replayed (or without jti)"), http.StatusUnauthorized)
	}
	c, err := l.s.lookupClient(ctx, req.Issuer)
	if err != nil || c.AuthMethod() != oidc.AuthMethodPrivateKeyJWT {
		return nil, op.NewStatusError(oidc.ErrInvalidClient(), http.StatusUnauthorized)
	}
	return c, nil
}

// CodeExchange requires the PKCE verifier from every client (the library
// skips the check for a confidential client that sends none).
func (l *legacyServer) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	if r.Data.CodeVerifier == "" {
		l.s.event(nil, "token.refused", r.Client.GetID(), "", map[string]any{"reason": "code exchange without code_verifier"})
		return nil, oidc.ErrInvalidGrant().WithDescription("code_verifier is required (PKCE)")
	}
	return l.LegacyServer.CodeExchange(ctx, r)
}

// firstUse records a client assertion's jti until it expires; a second use
// (a replayed assertion) or a missing jti is refused.
func (s *Server) firstUse(client, jti string, exp time.Time) bool {
	if jti == "" {
		return false
	}
	s.assertMu.Lock()
	defer s.assertMu.Unlock()
	now := time.Now()
	for k, t := range s.assertions {
		if now.After(t) {
			delete(s.assertions, k)
		}
	}
	key := client + "\x00" + jti
	if _, seen := s.assertions[key]; seen {
		return false
	}
	if exp.Before(now) {
		exp = now
	}
	s.assertions[key] = exp.Add(time.Minute)
	return true
}

func (s *Server) knownOnly(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if s.known[sc] {
			out = append(out, sc)
		}
	}
	return out
}

// RevokeToken revokes an access token by jti (the gateway's one-shot
// scopes): recorded in the store, so it stays revoked after a restart.
func (s *Server) RevokeToken(ctx context.Context, jti string, exp time.Time, reason string) {
	if jti != "" {
		s.revokeAccess(ctx, jti, exp, reason)
	}
}

// revokeAccess revokes one access token here and at the gateway.
func (s *Server) revokeAccess(ctx context.Context, jti string, exp time.Time, reason string) {
	_, _ = s.db.ExecContext(ctx, `UPDATE oauth_access_tokens SET revoked = 1 WHERE jti = ?`, jti)
	if s.revoked != nil {
		s.revoked.RevokeJTI(jti, exp.Add(time.Minute))
	}
	s.event(nil, "token.revoked", "", "", map[string]any{"jti": jti, "reason": reason})
}

// revokeFamily revokes every refresh token of a family and the access
// tokens issued from it.
func (s *Server) revokeFamily(ctx context.Context, family, reason string) {
	_, _ = s.db.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET revoked = 1 WHERE family = ?`, family)
	rows, err := s.db.QueryContext(ctx, `SELECT jti, expires_ns FROM oauth_access_tokens WHERE family = ? AND revoked = 0`, family)
	if err == nil {
		type tok struct {
			jti string
			exp int64
		}
		var toks []tok
		for rows.Next() {
			var t tok
			if rows.Scan(&t.jti, &t.exp) == nil {
				toks = append(toks, t)
			}
		}
		rows.Close()
		_, _ = s.db.ExecContext(ctx, `UPDATE oauth_access_tokens SET revoked = 1 WHERE family = ?`, family)
		for _, t := range toks {
			if s.revoked != nil {
				s.revoked.RevokeJTI(t.jti, time.Unix(0, t.exp).Add(time.Minute))
			}
		}
	}
	s.event(nil, "token.revoked", "", "", map[string]any{"family": family, "reason": reason})
}

// loadRevocations gives the resource server the revoked access tokens that
// have not expired yet (revocations survive a restart).
func (s *Server) loadRevocations(ctx context.Context) error {
	if s.revoked == nil {
		return nil
	}
	now := time.Now().UnixNano()
	rows, err := s.db.QueryContext(ctx, `SELECT jti, expires_ns FROM oauth_access_tokens WHERE revoked = 1 AND expires_ns > ?`, now)
	if err != nil {
		return fmt.Errorf("authserver: read revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jti string
		var exp int64
		if err := rows.Scan(&jti, &exp); err != nil {
			return err
		}
		s.revoked.RevokeJTI(jti, time.Unix(0, exp).Add(time.Minute))
	}
	_, _ = s.db.ExecContext(ctx, `DELETE FROM oauth_access_tokens WHERE expires_ns < ?`, now-int64(24*time.Hour))
	_, _ = s.db.ExecContext(ctx, `DELETE FROM oauth_refresh_tokens WHERE expires_ns < ?`, now)
	return rows.Err()
}

// issued records a token issuance.
func (s *Server) issued(_ context.Context, req op.TokenRequest, jti, family string) {
	clientID, _ := tokenInfo(req)
	d := map[string]any{"jti": jti, "scopes": s.knownOnly(req.GetScopes())}
	if family != "" {
		d["refresh_family"] = family
	}
	s.event(nil, "token.issued", clientID, req.GetSubject(), d)
}

// event writes an audit event of the authorization server.
func (s *Server) event(r *http.Request, typ, clientID, subject string, detail map[string]any) {
	if s.audit == nil {
		return
	}
	ev := &audit.Event{Type: typ, Principal: audit.Principal{Subject: subject, ClientID: clientID, Anonymous: subject == ""},
		Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK}, Detail: detail}
	if ev.Principal.Subject == "" {
		ev.Principal.Subject = "anonymous"
	}
	if strings.HasSuffix(typ, ".refused") || typ == "auth.login_failed" {
		ev.Decision.Action, ev.Status.Outcome = audit.ActionDeny, audit.OutcomeDenied
		ev.Decision.Guard = "authserver"
		if reason, ok := detail["reason"].(string); ok {
			ev.Decision.Reason = reason
		}
	}
	ctx := context.Background()
	if r != nil {
		ev.RemoteAddr = r.RemoteAddr
		ctx = r.Context()
	}
	if err := s.audit.Emit(ctx, ev); err != nil {
		s.log.Error("authorization server audit event not written", "type", typ, "err", err)
	}
}
