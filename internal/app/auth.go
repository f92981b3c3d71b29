package app

import (
	"fmt"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/config"
)

// ResourceServer builds the token checks the configuration asks for, or
// nil when auth is not configured.
func ResourceServer(cfg *config.Config) (*auth.ResourceServer, error) {
	a := cfg.Auth
	if a == nil {
		return nil, nil
	}
	switch a.Mode {
	case config.AuthExternal:
		ext := &auth.External{Issuer: a.Issuer, Audience: a.Resource, JWKSURL: a.JWKSURL,
			Algorithms: a.Algorithms, Skew: a.ClockSkew.D()}
		if in := a.Introspection; in != nil {
			secret, err := in.ClientSecret.Resolve()
			if err != nil {
				return nil, fmt.Errorf("auth.introspection.client_secret: %w", err)
			}
			ext.Introspection = &auth.Introspector{Endpoint: in.URL, ClientID: in.ClientID, ClientSecret: secret}
		}
		rs := auth.NewResourceServer(a.Resource, []string{a.Issuer}, a.ScopesSupported, auth.Options{CacheSize: a.TokenCacheSize})
		rs.JWT = ext.JWTVerifier()
		rs.Opaque = ext.OpaqueVerifier()
		return rs, nil
	case config.AuthEmbedded:
		return nil, fmt.Errorf("auth.mode embedded: the embedded authorization server is not in this build yet; set auth.issuer to an external IdP")
	}
	return nil, fmt.Errorf("auth.mode %q", a.Mode)
}
