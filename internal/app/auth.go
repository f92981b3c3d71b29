package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/authserver"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/ssrf"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
	"github.com/mcpwarden/mcpwarden/internal/upstreamauth"
)

// openAuth builds the token checks the configuration asks for (nothing
// without auth:), and with mode embedded the authorization server.
func (rt *Runtime) openAuth(ctx context.Context) error {
	cfg := rt.Cfg
	a := cfg.Auth
	if a == nil {
		return nil
	}
	switch a.Mode {
	case config.AuthExternal:
		ext := &auth.External{Issuer: a.Issuer, Audience: a.Resource, JWKSURL: a.JWKSURL,
			Algorithms: a.Algorithms, Skew: a.ClockSkew.D()}
		if in := a.Introspection; in != nil {
			secret, err := in.ClientSecret.Resolve()
			if err != nil {
				return fmt.Errorf("auth.introspection.client_secret: %w", err)
			}
			ext.Introspection = &auth.Introspector{Endpoint: in.URL, ClientID: in.ClientID, ClientSecret: secret}
		}
		rs := auth.NewResourceServer(a.Resource, []string{a.Issuer}, a.ScopesSupported, auth.Options{CacheSize: a.TokenCacheSize})
		rs.JWT = ext.JWTVerifier()
		rs.Opaque = ext.OpaqueVerifier()
		rt.Auth = rs
		return nil
	case config.AuthEmbedded:
		u, err := url.Parse(a.Resource)
		if err != nil {
			return fmt.Errorf("auth.resource: %w", err)
		}
		issuer := u.Scheme + "://" + u.Host
		rs := auth.NewResourceServer(a.Resource, []string{issuer}, a.ScopesSupported, auth.Options{CacheSize: a.TokenCacheSize})
		users := map[string]string{}
		for _, name := range a.Users.Keys {
			pw, err := a.Users.Values[name].Resolve()
			if err != nil {
				return fmt.Errorf("auth.users.%s: %w", name, err)
			}
			users[name] = pw
		}
		var clients []authserver.ClientConfig
		for _, id := range a.Clients.Keys {
			c := a.Clients.Values[id]
			clients = append(clients, authserver.ClientConfig{ID: id, GrantTypes: c.GrantTypes, JWKSFile: c.JWKSFile,
				Redirects: c.RedirectURIs, Scopes: c.Scopes})
		}
		if rt.Store == nil {
			return fmt.Errorf("auth.mode embedded keeps its keys, clients and tokens in the store; store is not open")
		}
		as, err := authserver.New(ctx, authserver.Options{Issuer: issuer, Resource: a.Resource, DB: rt.Store.DB(),
			Clients: clients, Users: users, AccessTTL: a.AccessTokenTTL.D(), RefreshTTL: a.RefreshTokenTTL.D(),
			DynamicRegistration: *a.DynamicRegistration, KnownScopes: cfg.AllScopes(), DefaultScopes: a.ScopesSupported,
			Revoked: rs.Revoked, Audit: rt.Audit, Log: rt.Log})
		if err != nil {
			return err
		}
		rs.JWT = &auth.JWTVerifier{Issuer: as.Issuer(), Audience: a.Resource, Algorithms: []string{"ES256"},
			Skew: a.ClockSkew.D(), Keys: as.KeySource(), RequireJTI: true}
		rt.Auth, rt.AuthServer = rs, as
		return nil
	}
	return fmt.Errorf("auth.mode %q", a.Mode)
}

func upstreamOAuth(cfg *config.Config) bool {
	for _, name := range cfg.ServerNames() {
		if sc, _ := cfg.Servers.Get(name); sc.OAuth != nil {
			return true
		}
	}
	return false
}

// openUpstreamAuth builds the broker for servers with oauth: and returns
// their credentials for the gateway.
func (rt *Runtime) openUpstreamAuth() (map[string]upstream.Credentials, error) {
	cfg := rt.Cfg
	if !upstreamOAuth(cfg) {
		return tokenExchanges(cfg)
	}
	var servers []upstreamauth.Server
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		if sc.OAuth == nil {
			continue
		}
		secret := ""
		if sc.OAuth.ClientSecret.String() != "" {
			v, err := sc.OAuth.ClientSecret.Resolve()
			if err != nil {
				return nil, fmt.Errorf("servers.%s.oauth.client_secret: %w", name, err)
			}
			secret = v
		}
		servers = append(servers, upstreamauth.Server{Name: name, URL: sc.URL, ClientID: sc.OAuth.ClientID, ClientSecret: secret,
			ClientMetadataURL: sc.OAuth.ClientMetadataURL, Scopes: sc.OAuth.Scopes})
	}
	keyFile := ""
	if cfg.Store.Path != config.MemoryStore {
		keyFile = cfg.Store.Path + ".key"
	}
	var verify func(subject, user, password string) bool
	if as := rt.AuthServer; as != nil {
		// The person at a connect link signs in as the user it was made for.
		verify = func(subject, user, password string) bool {
			return user == subject && as.CheckPassword(user, password)
		}
	}
	var signIn *upstreamauth.SignIn
	if a := cfg.Auth; a != nil && a.Mode == config.AuthExternal && a.LoginClient != nil {
		secret, err := a.LoginClient.ClientSecret.Resolve()
		if err != nil {
			return nil, fmt.Errorf("auth.login_client.client_secret: %w", err)
		}
		ext := &auth.External{Issuer: a.Issuer, Audience: a.Resource, JWKSURL: a.JWKSURL, Algorithms: a.Algorithms, Skew: a.ClockSkew.D()}
		v, err := ext.IDTokenVerifier(context.Background())
		if err != nil {
			return nil, fmt.Errorf("auth.login_client: %w", err)
		}
		signIn = &upstreamauth.SignIn{Issuer: a.Issuer, ClientID: a.LoginClient.ClientID, ClientSecret: secret, IDTokens: v}
	}
	b, err := upstreamauth.New(upstreamauth.Options{DB: rt.Store.DB(), KeyFile: keyFile, Base: gatewayOrigin(cfg),
		Servers: servers, Audit: rt.Audit, Log: rt.Log, VerifyUser: verify, SignIn: signIn, Client: upstreamAuthClient(cfg, servers)})
	if err != nil {
		return nil, err
	}
	rt.Upstream = b
	creds, err := tokenExchanges(cfg)
	if err != nil {
		return nil, err
	}
	for _, s := range servers {
		creds[s.Name] = b.Credentials(s.Name)
	}
	return creds, nil
}

// tokenExchanges are the credentials of servers with token_exchange.
func tokenExchanges(cfg *config.Config) (map[string]upstream.Credentials, error) {
	out := map[string]upstream.Credentials{}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		x := sc.TokenExchange
		if x == nil {
			continue
		}
		secret, err := x.ClientSecret.Resolve()
		if err != nil {
			return nil, fmt.Errorf("servers.%s.token_exchange.client_secret: %w", name, err)
		}
		issuer := ""
		if cfg.Auth != nil {
			issuer = cfg.Auth.Issuer
		}
		out[name] = &upstreamauth.Exchange{Server: name, TokenEndpoint: x.TokenEndpoint, Issuer: issuer, ClientID: x.ClientID,
			ClientSecret: secret, Audience: x.Audience, Scopes: x.Scopes}
	}
	return out, nil
}

// gatewayOrigin is the gateway's origin as browsers reach it: that of
// auth.resource when set, else the listen address.
func gatewayOrigin(cfg *config.Config) string {
	if cfg.Auth != nil {
		if u, err := url.Parse(cfg.Auth.Resource); err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + cfg.Listen
}

// upstreamAuthClient is the HTTP client for what upstreams point the
// gateway at (metadata, authorization servers, registration): URLs the
// operator did not write. Its connections are checked by the SSRF guard at
// connect time; the configured servers' own hosts (and
// policy.ssrf.allow_hosts) are open, so a server on this machine works.
func upstreamAuthClient(cfg *config.Config, servers []upstreamauth.Server) *http.Client {
	allow := append([]string(nil), cfg.Policy.SSRF.AllowHosts...)
	for _, s := range servers {
		u, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		h := u.Hostname()
		allow = append(allow, h)
		if a, err := netip.ParseAddr(h); err == nil {
			allow = append(allow, a.String())
		} else if strings.EqualFold(h, "localhost") {
			allow = append(allow, "127.0.0.0/8", "::1")
		} else if addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", h); err == nil {
			for _, a := range addrs {
				allow = append(allow, a.String())
			}
		}
	}
	c := (&ssrf.Checker{Resolver: net.DefaultResolver, AllowHosts: allow}).HTTPClient(15 * time.Second)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
