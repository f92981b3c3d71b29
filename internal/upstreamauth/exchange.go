package upstreamauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Exchange gives an upstream session a token obtained by RFC 8693 token
// exchange: the user's access token for the gateway (the subject token) is
// exchanged at the identity provider for a token meant for the upstream
// (audience and resource). The client's token itself never goes upstream.
type Exchange struct {
	Server string
	// TokenEndpoint of the identity provider; empty: discovered from
	// Issuer's metadata on first use.
	TokenEndpoint string
	Issuer        string
	ClientID      string
	ClientSecret  string
	Audience      string // the upstream's resource URI
	Scopes        []string
	Client        *http.Client

	mu    sync.Mutex
	cache map[string]exchanged // user key -> token
}

type exchanged struct {
	token   string
	expires time.Time
	subject [32]byte // hash of the subject token it came from
}

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	typeAccessToken    = "urn:ietf:params:oauth:token-type:access_token"
)

// ExchangeError is a failed exchange, told to the client.
type ExchangeError struct{ Server, Reason string }

func (e *ExchangeError) Error() string {
	return fmt.Sprintf("server %q: token exchange failed: %s", e.Server, e.Reason)
}

// RPCError implements upstream.RPCError.
func (e *ExchangeError) RPCError() *jsonrpc.Error {
	return jsonrpc.Errorf(jsonrpc.CodeUpstreamUnavailable, "%s", e.Error()).WithData(map[string]any{"server": e.Server})
}

// Token implements upstream.Credentials.
func (x *Exchange) Token(ctx context.Context, owner any) (string, error) {
	p, err := principalOf(owner)
	if err != nil {
		return "", err
	}
	key := userKey(p)
	subject, hasSubject := auth.SubjectTokenFrom(ctx)
	var sh [32]byte
	if hasSubject {
		sh = sha256.Sum256([]byte(subject))
	}
	x.mu.Lock()
	if x.cache == nil {
		x.cache = map[string]exchanged{}
	}
	c, ok := x.cache[key]
	x.mu.Unlock()
	// Reuse the exchanged token while it is valid and came from the same
	// subject token (a new, perhaps stepped-up, subject token is exchanged
	// anew); requests without a subject token (the session's background
	// stream) use it too.
	if ok && time.Until(c.expires) > 30*time.Second && (!hasSubject || c.subject == sh) {
		return c.token, nil
	}
	if !hasSubject {
		return "", &ExchangeError{Server: x.Server, Reason: "no user token to exchange for this request"}
	}
	tok, exp, err := x.exchange(ctx, subject)
	if err != nil {
		return "", &ExchangeError{Server: x.Server, Reason: err.Error()}
	}
	x.mu.Lock()
	x.cache[key] = exchanged{token: tok, expires: exp, subject: sh}
	x.mu.Unlock()
	return tok, nil
}

// Refused implements upstream.Credentials: the exchanged token is dropped
// (the next request exchanges again).
func (x *Exchange) Refused(_ context.Context, owner any, status int, _ string) error {
	if p, err := principalOf(owner); err == nil {
		x.mu.Lock()
		delete(x.cache, userKey(p))
		x.mu.Unlock()
	}
	return &ExchangeError{Server: x.Server, Reason: fmt.Sprintf("the server refused the exchanged token (HTTP %d)", status)}
}

func (x *Exchange) endpoint(ctx context.Context, hc *http.Client) (string, error) {
	x.mu.Lock()
	ep := x.TokenEndpoint
	x.mu.Unlock()
	if ep != "" {
		return ep, nil
	}
	md, err := auth.Discover(ctx, hc, x.Issuer)
	if err != nil {
		return "", err
	}
	if md.TokenEndpoint == "" {
		return "", fmt.Errorf("issuer %s names no token endpoint", x.Issuer)
	}
	x.mu.Lock()
	x.TokenEndpoint = md.TokenEndpoint
	x.mu.Unlock()
	return md.TokenEndpoint, nil
}

func (x *Exchange) exchange(ctx context.Context, subject string) (string, time.Time, error) {
	hc := x.Client
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	ep, err := x.endpoint(ctx, hc)
	if err != nil {
		return "", time.Time{}, err
	}
	form := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {subject}, "subject_token_type": {typeAccessToken},
		"requested_token_type": {typeAccessToken}, "audience": {x.Audience}, "resource": {x.Audience}}
	if len(x.Scopes) > 0 {
		form.Set("scope", strings.Join(x.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(x.ClientID), url.QueryEscape(x.ClientSecret))
	resp, err := hc.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return "", time.Time{}, fmt.Errorf("token endpoint answered HTTP %d", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("token endpoint answered HTTP %d %s %s", resp.StatusCode, out.Error, out.Description)
	}
	exp := time.Now().Add(5 * time.Minute)
	if out.ExpiresIn > 0 {
		exp = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	return out.AccessToken, exp, nil
}

var _ upstream.Credentials = (*Exchange)(nil)
