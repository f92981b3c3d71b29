// Command idp is a test identity provider for the e2e tests: the
// zitadel/oidc example OpenID Provider (github.com/zitadel/oidc/v3
// example/server), with its in-memory example storage, wrapped only so
// that client_credentials access tokens are what an MCP resource server
// expects:
//
//   - JWT access tokens (the example issues opaque ones) signed with the
//     example's RS256 key and published at {issuer}keys;
//   - aud is the RFC 8707 "resource" form parameter when the client sends
//     one (the example always uses the client id);
//   - a "scope" claim with the granted scopes;
//   - in the authorization code flow too, aud is the "resource" of the
//     authorization request (for users' tokens meant for the gateway).
//
// Service users (grant client_credentials, HTTP Basic): the example's
// "sid1" / "verysecret", and "sid2" / "verysecret2", a second principal
// with the same settings.
//
// It listens on --addr (loopback only) and prints "ISSUER <url>" on stdout
// once it accepts connections. The example's signing and encryption keys
// are test keys: never use this outside tests.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The example's built-in service user, and the second one added here.
const (
	sid1, sid1Secret = "sid1", "verysecret"
	sid2, sid2Secret = "sid2", "verysecret2"
)

// The gateway's confidential client for RFC 8693 token exchange
// (client_secret_basic only: zitadel reads token-exchange client
// credentials from the Authorization header alone).
const gw, gwSecret = "gateway", "gatewaysecret"

// exchangeSubjectAud, if set (--exchange-subject-aud), is the audience a
// subject_token must carry to be exchanged (the gateway's resource URI).
var exchangeSubjectAud string

// jwtClient makes a service user's access tokens JWTs; id, if set,
// renames it (sid2 is the example's sid1 under another id).
type jwtClient struct {
	op.Client
	id string
}

func (c jwtClient) GetID() string {
	if c.id != "" {
		return c.id
	}
	return c.Client.GetID()
}

func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// resourceKey carries the token request's "resource" parameter.
type resourceKey struct{}

// idpStorage is the example storage with the changes above.
type idpStorage struct{ *storage.Storage }

func (s idpStorage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	if id == sid2 {
		if secret != sid2Secret {
			return nil, errors.New("wrong service user or password")
		}
		c, err := s.Storage.ClientCredentials(ctx, sid1, sid1Secret)
		if err != nil {
			return nil, err
		}
		return jwtClient{Client: c, id: sid2}, nil
	}
	c, err := s.Storage.ClientCredentials(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	return jwtClient{Client: c}, nil
}

func (s idpStorage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (op.TokenRequest, error) {
	if id != sid1 && id != sid2 {
		return nil, errors.New("wrong service user or password")
	}
	aud := []string{id}
	if r, _ := ctx.Value(resourceKey{}).(string); r != "" {
		aud = []string{r}
	}
	return &oidc.JWTTokenRequest{Subject: id, Audience: aud, Scopes: scopes}, nil
}

func (s idpStorage) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	if len(scopes) > 0 {
		if claims == nil {
			claims = map[string]any{}
		}
		claims["scope"] = strings.Join(scopes, " ")
	}
	return claims, nil
}

// audRequest gives an authorization request the RFC 8707 resource it was
// made with as audience (the example always uses the client id).
type audRequest struct {
	op.AuthRequest
	aud string
}

func (a audRequest) GetAudience() []string { return []string{a.aud} }

// resources remembers the resource of each authorization request.
var resources sync.Map // request id -> resource

func (s idpStorage) CreateAuthRequest(ctx context.Context, ar *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	req, err := s.Storage.CreateAuthRequest(ctx, ar, userID)
	if err != nil {
		return nil, err
	}
	if res, _ := ctx.Value(resourceKey{}).(string); res != "" {
		resources.Store(req.GetID(), res)
		return audRequest{req, res}, nil
	}
	return req, nil
}

func withAud(req op.AuthRequest, err error) (op.AuthRequest, error) {
	if err != nil {
		return nil, err
	}
	if res, ok := resources.Load(req.GetID()); ok {
		return audRequest{req, res.(string)}, nil
	}
	return req, nil
}

func (s idpStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return withAud(s.Storage.AuthRequestByID(ctx, id))
}

func (s idpStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return withAud(s.Storage.AuthRequestByCode(ctx, code))
}

// GetClientByClientID: the gateway client's access tokens are JWTs.
func (s idpStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if id == gw {
		return jwtClient{Client: c}, nil
	}
	return c, nil
}

// ValidateTokenExchangeRequest replaces the example's policy, which looks
// the subject up as a user (a nil-pointer panic for service users such as
// sid1), and issues refresh tokens unless asked otherwise.
func (s idpStorage) ValidateTokenExchangeRequest(ctx context.Context, req op.TokenExchangeRequest) error {
	if req.GetClientID() != gw {
		return oidc.ErrUnauthorizedClient().WithDescription("client may not exchange tokens")
	}
	if req.GetExchangeSubjectTokenType() != oidc.AccessTokenType {
		return oidc.ErrInvalidRequest().WithDescription("subject_token_type must be an access token")
	}
	switch req.GetRequestedTokenType() {
	case "":
		req.SetRequestedTokenType(oidc.AccessTokenType)
	case oidc.AccessTokenType:
	default:
		return oidc.ErrInvalidRequest().WithDescription("requested_token_type must be an access token")
	}
	if len(req.GetAudience()) != 1 {
		return oidc.ErrInvalidTarget().WithDescription("exactly one audience or resource is required")
	}
	if exchangeSubjectAud != "" {
		var aud oidc.Audience
		if b, err := json.Marshal(req.GetExchangeSubjectTokenClaims()["aud"]); err == nil {
			_ = aud.UnmarshalJSON(b)
		}
		if !slices.Contains(aud, exchangeSubjectAud) {
			return oidc.ErrInvalidRequest().WithDescription("subject_token was not issued for the gateway")
		}
	}
	return nil
}

// GetPrivateClaimsFromTokenExchangeRequest adds the "scope" claim and an
// RFC 8693 "act" claim naming the exchanging client (a prior act nested).
func (s idpStorage) GetPrivateClaimsFromTokenExchangeRequest(ctx context.Context, req op.TokenExchangeRequest) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromTokenExchangeRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	if claims == nil {
		claims = map[string]any{}
	}
	if scopes := req.GetScopes(); len(scopes) > 0 {
		claims["scope"] = strings.Join(scopes, " ")
	}
	act := map[string]any{"sub": req.GetClientID()}
	if prev, ok := req.GetExchangeSubjectTokenClaims()["act"]; ok {
		act["act"] = prev
	}
	claims["act"] = act
	return claims, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	flag.StringVar(&exchangeSubjectAud, "exchange-subject-aud", "", "token exchange: required subject_token audience (empty: any)")
	var redirects multiFlag
	flag.Var(&redirects, "redirect", "a redirect URI of the gateway client (repeatable): its sign-in callback, a test client's")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "idp: --addr must be a loopback IP and port, got %q\n", *addr)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idp:", err)
		os.Exit(1)
	}
	issuer := fmt.Sprintf("http://%s/", ln.Addr())
	st := idpStorage{storage.NewStorageWithClients(storage.NewUserStore(issuer),
		map[string]*storage.Client{gw: storage.WebClient(gw, gwSecret, redirects...)})}
	router := exampleop.SetupServer(issuer, st, nil, false)
	fmt.Println("ISSUER", issuer)
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/token") {
			if res := r.FormValue("resource"); res != "" {
				r = r.WithContext(context.WithValue(r.Context(), resourceKey{}, res))
			}
			// Token exchange: zitadel puts only "audience" into aud, so an
			// RFC 8707 "resource" stands in for a missing "audience".
			if r.PostForm.Get("grant_type") == string(oidc.GrantTypeTokenExchange) &&
				len(r.PostForm["audience"]) == 0 && len(r.PostForm["resource"]) > 0 {
				r.Form["audience"] = r.PostForm["resource"]
			}
		}
		if r.Method == http.MethodGet && r.URL.Path == "/auth" {
			// The authorization request's RFC 8707 resource (its aud).
			if res := r.URL.Query().Get("resource"); res != "" {
				r = r.WithContext(context.WithValue(r.Context(), resourceKey{}, res))
			}
		}
		router.ServeHTTP(w, r)
	}))
	fmt.Fprintln(os.Stderr, "idp:", err)
	os.Exit(1)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
