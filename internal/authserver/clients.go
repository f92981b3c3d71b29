package authserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// client implements op.Client.
type client struct {
	ID        string           `json:"client_id"`
	Name      string           `json:"client_name,omitempty"`
	Redirects []string         `json:"redirect_uris,omitempty"`
	Grants    []oidc.GrantType `json:"grant_types"`
	Method    oidc.AuthMethod  `json:"token_endpoint_auth_method"`
	// Scopes the client may get; empty means any scope the gateway knows.
	Scopes []string `json:"scope_allowlist,omitempty"`

	keys    *jose.JSONWebKeySet // private_key_jwt
	srv     *Server
	dynamic bool
}

func (c *client) GetID() string                    { return c.ID }
func (c *client) RedirectURIs() []string           { return c.Redirects }
func (c *client) PostLogoutRedirectURIs() []string { return nil }
func (c *client) ApplicationType() op.ApplicationType {
	if c.Method == oidc.AuthMethodNone {
		return op.ApplicationTypeNative // public: loopback http redirects allowed
	}
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod { return c.Method }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return c.Grants }
func (c *client) LoginURL(id string) string {
	return loginPath + "?authRequestID=" + url.QueryEscape(id)
}
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration       { return 5 * time.Minute }
func (c *client) DevMode() bool                        { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed: scopes the gateway knows, within the client's allowlist.
func (c *client) IsScopeAllowed(scope string) bool {
	if !c.srv.known[scope] {
		return false
	}
	return len(c.Scopes) == 0 || slices.Contains(c.Scopes, scope)
}

func (c *client) hasGrant(g oidc.GrantType) bool { return slices.Contains(c.Grants, g) }

// loadJWKS reads a client's public keys (private_key_jwt). Private key
// material in the file is refused: the gateway needs only public keys.
func loadJWKS(path string) (*jose.JSONWebKeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("%s: not a JWK set: %w", path, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%s: no keys", path)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("%s: key %q is private; give the client's public keys only", path, k.KeyID)
		}
		if !k.Valid() {
			return nil, fmt.Errorf("%s: key %q is invalid", path, k.KeyID)
		}
	}
	return &set, nil
}

// lookupClient finds a configured or dynamically registered client.
func (s *Server) lookupClient(ctx context.Context, id string) (*client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT data FROM oauth_clients WHERE client_id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("unknown client %q", id)
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	var c client
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	c.srv, c.dynamic = s, true
	return &c, nil
}

// registration is an RFC 7591 request (the fields we honour).
type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	ClientName              string   `json:"client_name"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	Scope                   string   `json:"scope"`
}

// register serves RFC 7591 dynamic client registration for public clients
// (authorization code with PKCE, refresh tokens; no client secret). A
// request for a secret-based method is answered with "none": the gateway
// does not hand out shared secrets.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		regError(w, http.StatusMethodNotAllowed, "invalid_request", "POST a JSON client metadata document")
		return
	}
	if !s.dynamicRegistration {
		regError(w, http.StatusForbidden, "access_denied", "dynamic client registration is disabled (auth.dynamic_registration: false)")
		return
	}
	var reg registration
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	if err := dec.Decode(&reg); err != nil {
		regError(w, http.StatusBadRequest, "invalid_client_metadata", "body is not a JSON client metadata document")
		return
	}
	if len(reg.RedirectURIs) == 0 || len(reg.RedirectURIs) > 10 {
		regError(w, http.StatusBadRequest, "invalid_redirect_uri", "one to ten redirect_uris are required")
		return
	}
	for _, u := range reg.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			regError(w, http.StatusBadRequest, "invalid_redirect_uri", err.Error())
			return
		}
	}
	for _, g := range reg.GrantTypes {
		if g != string(oidc.GrantTypeCode) && g != string(oidc.GrantTypeRefreshToken) {
			regError(w, http.StatusBadRequest, "invalid_client_metadata", "grant type "+g+" is not offered to registered clients (authorization_code, refresh_token)")
			return
		}
	}
	if len(reg.ClientName) > 200 {
		reg.ClientName = reg.ClientName[:200]
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		regError(w, http.StatusInternalServerError, "server_error", "no randomness")
		return
	}
	c := &client{ID: "dyn-" + base64.RawURLEncoding.EncodeToString(b[:]), Name: reg.ClientName, Redirects: reg.RedirectURIs,
		Grants: []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}, Method: oidc.AuthMethodNone}
	data, _ := json.Marshal(c)
	now := time.Now()
	if _, err := s.db.ExecContext(r.Context(), `INSERT INTO oauth_clients (client_id, data, created_ns) VALUES (?, ?, ?)`, c.ID, string(data), now.UnixNano()); err != nil {
		regError(w, http.StatusInternalServerError, "server_error", "could not store the client")
		return
	}
	s.event(r, "client.registered", c.ID, "", map[string]any{"client_name": c.Name, "redirect_uris": c.Redirects})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"client_id": c.ID, "client_id_issued_at": now.Unix(), "client_name": c.Name,
		"redirect_uris": c.Redirects, "grant_types": c.Grants, "response_types": []string{"code"},
		"token_endpoint_auth_method": "none",
	})
}

// checkRedirectURI: absolute, no fragment, https or http on a loopback
// host (OAuth 2.1 section 7.5 and the MCP specification).
func checkRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("redirect_uri %q must be an absolute URL without fragment or credentials", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || h == "127.0.0.1" || h == "::1" {
			return nil
		}
	}
	return fmt.Errorf("redirect_uri %q must use https, or http on localhost/127.0.0.1/[::1]", s)
}

func regError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}
