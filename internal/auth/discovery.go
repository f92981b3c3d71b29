package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ServerMetadata is the part of an authorization server's metadata (RFC
// 8414 / OpenID Connect discovery) the gateway uses.
type ServerMetadata struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}

// MetadataURLs are where an issuer's metadata may be, in the order MCP
// clients try them (2025-11-25, "Authorization Server Metadata
// Discovery"): RFC 8414 with the path inserted, OpenID Connect with the
// path inserted, OpenID Connect with the path appended; for an issuer
// without a path, the two well-known URLs at the root.
func MetadataURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("issuer %q is not an absolute URL", issuer)
	}
	base := u.Scheme + "://" + u.Host
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if p == "" {
		return []string{base + "/.well-known/oauth-authorization-server", base + "/.well-known/openid-configuration"}, nil
	}
	return []string{
		base + "/.well-known/oauth-authorization-server" + p,
		base + "/.well-known/openid-configuration" + p,
		base + p + "/.well-known/openid-configuration",
	}, nil
}

// Discover fetches the issuer's metadata and checks that it names the
// same issuer (RFC 8414 section 3.3), so one issuer cannot pose as
// another.
func Discover(ctx context.Context, client *http.Client, issuer string) (*ServerMetadata, error) {
	urls, err := MetadataURLs(issuer)
	if err != nil {
		return nil, err
	}
	var errs []string
	for _, mu := range urls {
		md, err := fetchMetadata(ctx, client, mu)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if !sameIssuer(md.Issuer, issuer) {
			return nil, fmt.Errorf("metadata at %s names issuer %q, not %q", mu, md.Issuer, issuer)
		}
		if md.JWKSURI == "" && md.IntrospectionEndpoint == "" {
			return nil, fmt.Errorf("metadata at %s has neither jwks_uri nor introspection_endpoint", mu)
		}
		return md, nil
	}
	return nil, fmt.Errorf("no authorization server metadata for %s: %s", issuer, strings.Join(errs, "; "))
}

// sameIssuer compares issuer identifiers exactly, except that a trailing
// slash is not significant (many IdPs differ from their configuration in
// only that).
func sameIssuer(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

func fetchMetadata(ctx context.Context, client *http.Client, u string) (*ServerMetadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", u, resp.StatusCode)
	}
	var md ServerMetadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md); err != nil {
		return nil, fmt.Errorf("%s: %v", u, err)
	}
	return &md, nil
}
