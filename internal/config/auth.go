package config

import (
	"encoding/base64"
	"net"
	"net/url"
	"strings"
	"time"
)

// Impact classes of tools.
const (
	ImpactLow    = "low"
	ImpactMedium = "medium"
	ImpactHigh   = "high"
)

// Auth modes.
const (
	AuthEmbedded = "embedded"
	AuthExternal = "external"
)

// DefaultAlgorithms are the JWT signature algorithms accepted by default:
// asymmetric only, so a public key can never verify a MAC ("HS/RS
// confusion"), and never "none".
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Grant types of the embedded authorization server.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// ValidScope reports whether s is a scope token as RFC 6749 section 3.3
// defines it (printable ASCII without space, '"' and '\').
func ValidScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (v *validator) scopes(p string, list []string) {
	for i, s := range list {
		if !ValidScope(s) {
			v.errorf(indexPath(p, i), "invalid scope %q: printable ASCII without spaces, quotes or backslashes", truncate(s))
		}
	}
}

// needsAuth reports scopes set where no auth is configured.
func (v *validator) needsAuth(p string, list []string) {
	if len(list) > 0 && !v.cfg.Authenticated() {
		v.errorf(p, "scopes are checked against the caller's OAuth token or certificate: configure auth (see docs/config.md#auth) or tls.principals, or remove them")
	}
}

func (v *validator) auth() {
	a := v.cfg.Auth
	if a == nil {
		return
	}
	mode := a.Mode
	if v.has("auth.mode") {
		if mode != AuthEmbedded && mode != AuthExternal {
			v.errorf("auth.mode", "must be %q or %q, got %q", AuthEmbedded, AuthExternal, truncate(mode))
			return
		}
	} else if a.Issuer != "" {
		mode = AuthExternal
	} else {
		mode = AuthEmbedded
	}
	if mode == AuthExternal {
		if a.Issuer == "" {
			v.errorf("auth", "external mode needs auth.issuer, the IdP's issuer URL")
		} else {
			v.authURL("auth.issuer", a.Issuer)
		}
		for _, k := range []string{"access_token_ttl", "refresh_token_ttl", "clients", "dynamic_registration", "users"} {
			if v.has("auth." + k) {
				v.errorf("auth."+k, "configures the embedded authorization server; with an external issuer, remove it")
			}
		}
	} else {
		if v.has("auth.issuer") {
			v.errorf("auth.issuer", "the embedded server is its own issuer; remove issuer, or set mode: external")
		}
		for _, k := range []string{"jwks_url", "introspection"} {
			if v.has("auth." + k) {
				v.errorf("auth."+k, "applies to an external issuer only")
			}
		}
	}
	if a.Resource != "" {
		v.authURL("auth.resource", a.Resource)
	}
	if lc := a.LoginClient; lc != nil {
		if mode != AuthExternal {
			v.errorf("auth.login_client", "signs users in at an external IdP; the embedded server signs its users in itself")
		}
		if lc.ClientID == "" {
			v.errorf("auth.login_client.client_id", "required")
		}
		if lc.ClientSecret.String() == "" || !lc.ClientSecret.IsRef() {
			v.errorf("auth.login_client.client_secret", "required, as a reference (env:NAME or file:PATH)")
		}
	}
	if a.JWKSURL != "" {
		v.authURL("auth.jwks_url", a.JWKSURL)
	}
	if in := a.Introspection; in != nil {
		if in.URL != "" {
			v.authURL("auth.introspection.url", in.URL)
		}
		if in.ClientID == "" {
			v.errorf("auth.introspection.client_id", "required: the gateway authenticates to the introspection endpoint")
		}
		if in.ClientSecret.String() == "" {
			v.errorf("auth.introspection.client_secret", "required (an env: or file: reference)")
		} else if !in.ClientSecret.IsRef() {
			v.errorf("auth.introspection.client_secret", "must be a reference (env:NAME or file:PATH), never a literal secret")
		}
	}
	allowed := map[string]bool{}
	for _, al := range DefaultAlgorithms {
		allowed[al] = true
	}
	if v.has("auth.algorithms") && len(a.Algorithms) == 0 {
		v.errorf("auth.algorithms", "must name at least one algorithm")
	}
	for i, al := range a.Algorithms {
		if !allowed[al] {
			v.errorf(indexPath("auth.algorithms", i), "%q is not accepted; use asymmetric algorithms (%s). HS* and none are refused", truncate(al), strings.Join(DefaultAlgorithms, ", "))
		}
	}
	if v.has("auth.clock_skew") && (a.ClockSkew < 0 || a.ClockSkew > Duration(5*time.Minute)) {
		v.errorf("auth.clock_skew", "must be between 0s and 5m, got %s", a.ClockSkew)
	}
	if v.has("auth.access_token_ttl") && (a.AccessTokenTTL < Duration(time.Minute) || a.AccessTokenTTL > Duration(time.Hour)) {
		v.errorf("auth.access_token_ttl", "must be between 1m and 1h (short-lived tokens), got %s", a.AccessTokenTTL)
	}
	v.positiveDuration("auth.refresh_token_ttl", a.RefreshTokenTTL)
	if v.has("auth.token_cache_size") && a.TokenCacheSize <= 0 {
		v.errorf("auth.token_cache_size", "must be greater than 0, got %d", a.TokenCacheSize)
	}
	v.scopes("auth.one_shot_scopes", a.OneShotScopes)
	v.scopes("auth.scopes_supported", a.ScopesSupported)
	for _, id := range a.Clients.Keys {
		p := joinPath("auth.clients", id)
		c := a.Clients.Values[id]
		if c == nil {
			v.errorf(p, "empty client")
			continue
		}
		if !ValidScope(id) {
			v.errorf(p, "client id must be printable ASCII without spaces")
		}
		if len(c.GrantTypes) == 0 {
			v.errorf(p+".grant_types", "required: client_credentials, authorization_code and/or refresh_token")
		}
		for i, g := range c.GrantTypes {
			switch g {
			case GrantClientCredentials:
				if c.JWKSFile == "" {
					v.errorf(p+".jwks_file", "client_credentials needs the client's public keys (private_key_jwt, RFC 7523)")
				}
			case GrantAuthorizationCode:
				if len(c.RedirectURIs) == 0 {
					v.errorf(p+".redirect_uris", "authorization_code needs at least one redirect URI")
				}
			case GrantRefreshToken:
			default:
				v.errorf(indexPath(p+".grant_types", i), "unknown grant type %q (client_credentials, authorization_code, refresh_token)", truncate(g))
			}
		}
		for i, r := range c.RedirectURIs {
			u, err := url.Parse(r)
			if err != nil || !u.IsAbs() || u.Fragment != "" || (u.Scheme == "http" && !IsLoopbackHost(u.Hostname())) {
				v.errorf(indexPath(p+".redirect_uris", i), "must be an absolute https URL, or http on a loopback host, without fragment; got %q", truncate(r))
			}
		}
		v.scopes(p+".scopes", c.Scopes)
	}
	for _, u := range a.Users.Keys {
		if !a.Users.Values[u].IsRef() {
			v.errorf(joinPath("auth.users", u), "a password must be a reference (env:NAME or file:PATH), never a literal")
		}
	}
}

func (v *validator) authURL(p, s string) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil {
		v.errorf(p, "must be an absolute http(s) URL without credentials or fragment, got %q", truncate(s))
		return
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			v.errorf(p, "must use https (http only on a loopback host), got %q", truncate(s))
		}
	default:
		v.errorf(p, "must be an http(s) URL, got %q", truncate(s))
	}
}

// IsLoopbackHost reports whether host (no port) is localhost or a loopback
// address.
func IsLoopbackHost(host string) bool {
	return IsLoopbackListen(net.JoinHostPort(host, "0"))
}

func (c *Config) applyAuthDefaults() {
	a := c.Auth
	if a == nil {
		return
	}
	if a.Mode == "" {
		if a.Issuer != "" {
			a.Mode = AuthExternal
		} else {
			a.Mode = AuthEmbedded
		}
	}
	if a.Resource == "" {
		a.Resource = "http://" + c.Listen + c.Path
	}
	if len(a.Algorithms) == 0 {
		a.Algorithms = append([]string(nil), DefaultAlgorithms...)
	}
	if a.ClockSkew == 0 {
		a.ClockSkew = Duration(30 * time.Second)
	}
	if a.AccessTokenTTL == 0 {
		a.AccessTokenTTL = Duration(10 * time.Minute)
	}
	if a.RefreshTokenTTL == 0 {
		a.RefreshTokenTTL = Duration(720 * time.Hour)
	}
	if a.DynamicRegistration == nil {
		t := true
		a.DynamicRegistration = &t
	}
	if a.TokenCacheSize == 0 {
		a.TokenCacheSize = 10000
	}
	if len(a.ScopesSupported) == 0 {
		// Every scope the configuration names, except one-shot scopes
		// (those are asked for by step-up, one call at a time).
		oneShot := map[string]bool{}
		for _, s := range a.OneShotScopes {
			oneShot[s] = true
		}
		for _, s := range c.AllScopes() {
			if !oneShot[s] {
				a.ScopesSupported = append(a.ScopesSupported, s)
			}
		}
	}
}

// AllScopes lists every scope the configuration names, in first-seen order.
func (c *Config) AllScopes() []string {
	var out []string
	seen := map[string]bool{}
	add := func(list []string) {
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for _, name := range c.Servers.Keys {
		s := c.Servers.Values[name]
		if s == nil {
			continue
		}
		add(s.Scopes)
		for _, pat := range s.Tools.Keys {
			if r := s.Tools.Values[pat]; r != nil {
				add(r.Scopes)
			}
		}
	}
	if c.TLS != nil {
		for _, id := range c.TLS.Principals.Keys {
			if cp := c.TLS.Principals.Values[id]; cp != nil {
				add(cp.Scopes)
			}
		}
	}
	if c.Auth != nil {
		for _, id := range c.Auth.Clients.Keys {
			if cl := c.Auth.Clients.Values[id]; cl != nil {
				add(cl.Scopes)
			}
		}
		add(c.Auth.OneShotScopes)
	}
	return out
}

func (v *validator) tls() {
	t := v.cfg.TLS
	if t == nil {
		return
	}
	if t.CertFile == "" || t.KeyFile == "" {
		v.errorf("tls", "cert_file and key_file are both required to serve TLS")
	}
	if v.has("tls.client_certs") && t.ClientCerts != ClientCertsRequire && t.ClientCerts != ClientCertsOptional {
		v.errorf("tls.client_certs", "must be %q or %q, got %q", ClientCertsRequire, ClientCertsOptional, truncate(t.ClientCerts))
	}
	if t.ClientCerts != "" && t.ClientCAFile == "" {
		v.errorf("tls.client_certs", "needs tls.client_ca_file, the roots client certificates are verified against")
	}
	if t.Principals.Len() > 0 && t.ClientCAFile == "" {
		v.errorf("tls.principals", "needs tls.client_ca_file: certificate identities are trusted only from verified certificates")
	}
	for _, id := range t.Principals.Keys {
		p := joinPath("tls.principals", id)
		if !strings.HasPrefix(id, "spiffe://") && !strings.HasPrefix(id, "CN=") {
			v.errorf(p, "a certificate identity is a SPIFFE ID (spiffe://trust-domain/path) or CN=<common name>")
		}
		if cp := t.Principals.Values[id]; cp != nil {
			v.scopes(p+".scopes", cp.Scopes)
		}
	}
}

func (v *validator) upstreamTLS(p string, s *Server) {
	t := s.TLS
	if t == nil {
		return
	}
	if s.URL == "" {
		v.errorf(p+".tls", "applies to url servers only")
		return
	}
	if u, err := url.Parse(s.URL); err == nil && u.Scheme != "https" {
		v.errorf(p+".tls", "the server's url is not https")
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		v.errorf(p+".tls", "cert_file and key_file go together (a client certificate for mTLS)")
	}
	for i, pin := range t.PinSHA256 {
		if b, err := base64.StdEncoding.DecodeString(pin); err != nil || len(b) != 32 {
			v.errorf(indexPath(p+".tls.pin_sha256", i), "must be the base64 SHA-256 of a SubjectPublicKeyInfo (44 characters), got %q", truncate(pin))
		}
	}
}

func (v *validator) upstreamOAuth(p string, s *Server) {
	o := s.OAuth
	if o == nil {
		return
	}
	p += ".oauth"
	if s.URL == "" || s.Transport == TransportSSE {
		v.errorf(p, "applies to Streamable HTTP url servers only")
		return
	}
	if s.Sessions == SessionsShared {
		v.errorf(p, "grants are per user: the server needs sessions: per-client (the default for url servers)")
	}
	for _, k := range s.Headers.Keys {
		if strings.EqualFold(k, "Authorization") {
			v.errorf(p, "the gateway sends each user's own token; remove the Authorization header")
		}
	}
	if o.ClientSecret.String() != "" {
		if !o.ClientSecret.IsRef() {
			v.errorf(p+".client_secret", "must be a reference (env:NAME or file:PATH), never a literal secret")
		}
		if o.ClientID == "" {
			v.errorf(p+".client_secret", "needs client_id")
		}
	}
	if o.ClientMetadataURL != "" {
		if u, err := url.Parse(o.ClientMetadataURL); err != nil || u.Scheme != "https" || u.Path == "" || u.Fragment != "" {
			v.errorf(p+".client_metadata_url", "must be an https URL with a path (a client ID metadata document), got %q", truncate(o.ClientMetadataURL))
		}
	}
	v.scopes(p+".scopes", o.Scopes)
}

func (v *validator) tokenExchange(p string, s *Server) {
	x := s.TokenExchange
	if x == nil {
		return
	}
	p += ".token_exchange"
	if s.URL == "" || s.Transport == TransportSSE {
		v.errorf(p, "applies to Streamable HTTP url servers only")
		return
	}
	if s.OAuth != nil {
		v.errorf(p, "a server gets its users' tokens by oauth or by token_exchange, not both")
	}
	if s.Sessions == SessionsShared {
		v.errorf(p, "tokens are per user: the server needs sessions: per-client (the default for url servers)")
	}
	if a := v.cfg.Auth; a == nil || a.Issuer == "" {
		if x.TokenEndpoint == "" {
			v.errorf(p, "exchanges the users' tokens from an external identity provider: set auth.issuer (or token_endpoint)")
		}
	}
	if x.ClientID == "" {
		v.errorf(p+".client_id", "required: the gateway authenticates at the token endpoint")
	}
	if x.ClientSecret.String() == "" {
		v.errorf(p+".client_secret", "required (an env: or file: reference)")
	} else if !x.ClientSecret.IsRef() {
		v.errorf(p+".client_secret", "must be a reference (env:NAME or file:PATH), never a literal secret")
	}
	if x.TokenEndpoint != "" {
		v.authURL(p+".token_endpoint", x.TokenEndpoint)
	}
	for _, k := range s.Headers.Keys {
		if strings.EqualFold(k, "Authorization") {
			v.errorf(p, "the gateway sends each user's exchanged token; remove the Authorization header")
		}
	}
	v.scopes(p+".scopes", x.Scopes)
}
