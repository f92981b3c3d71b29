// Package upstreamauth makes the gateway the OAuth client of upstream MCP
// servers that require their own authorization, one grant per user: each
// user authorizes once (authorization code with PKCE S256 and the RFC 8707
// resource, at the upstream's authorization server found through its
// protected resource metadata), the gateway keeps that user's upstream
// tokens encrypted in the store and refreshes them, and never sends the
// client's own token upstream.
//
// Before redirecting a user to the upstream's authorization server, the
// gateway asks for and records consent per user and per MCP client (the
// confused-deputy rule of the MCP security best practices): one user's
// consent, or one client's, never serves another.
package upstreamauth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Server is one upstream that needs per-user OAuth.
type Server struct {
	Name string
	URL  string // the MCP endpoint
	// ClientID (and ClientSecret) are a registration made beforehand at
	// the upstream's authorization server; empty: a client ID metadata
	// document (ClientMetadataURL) if the server supports it, else dynamic
	// registration.
	ClientID          string
	ClientSecret      string
	ClientMetadataURL string
	// Scopes to ask for when the upstream does not say (its challenge, then
	// its scopes_supported, come first).
	Scopes []string
}

// Options configure New.
type Options struct {
	DB *sql.DB
	// KeyFile holds the key that encrypts upstream tokens in the store
	// (created, 32 random bytes, mode 0600, if missing). Empty: a key for
	// this process only (tokens do not survive a restart).
	KeyFile string
	// Base is the gateway's origin as users' browsers reach it; the
	// callback is Base + CallbackPath.
	Base    string
	Servers []Server
	Client  *http.Client
	Audit   *audit.Logger
	Log     *slog.Logger
	// VerifyUser checks that the person at the connect page is the user
	// the link was made for (MCP 2025-11-25, URL elicitation "Phishing":
	// a forwarded link must not bind someone else's account). It gets the
	// user name and password typed on the page; nil means no user can be
	// verified (only unauthenticated, loopback-only gateways then work).
	VerifyUser func(subject, user, password string) bool
	// SignIn, for an external IdP, signs the person at a connect link in
	// there (OpenID Connect) to confirm they are the user.
	SignIn *SignIn
}

// Paths on the gateway's listener.
const (
	AuthorizePath = "/oauth/upstream/authorize"
	CallbackPath  = "/oauth/upstream/callback"
)

// Broker holds the grants.
type Broker struct {
	db      *sql.DB
	aead    cipher.AEAD
	base    string
	hc      *http.Client
	audit   *audit.Logger
	log     *slog.Logger
	targets map[string]*target

	verifyUser func(subject, user, password string) bool
	signIn     *SignIn

	mu    sync.Mutex
	flows map[string]*flow

	refreshing singleflight.Group // one token refresh per user and server

	// OnAuthorized, if set, is told when a user authorized the gateway at
	// a server (the gateway then tells clients its tool list changed).
	OnAuthorized func(server string)
}

// target is a server and what was learned about its authorization.
type target struct {
	Server
	mu         sync.Mutex
	metaURL    string   // resource_metadata from a challenge
	challenge  []string // scopes from the last challenge
	discovered *discovery
}

// New opens the broker.
func New(o Options) (*Broker, error) {
	key, err := loadKey(o.KeyFile)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	b := &Broker{db: o.DB, aead: aead, base: strings.TrimSuffix(o.Base, "/"), hc: o.Client, audit: o.Audit, log: o.Log, verifyUser: o.VerifyUser, signIn: o.SignIn,
		targets: map[string]*target{}, flows: map[string]*flow{}}
	if b.hc == nil {
		b.hc = &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	for _, s := range o.Servers {
		b.targets[s.Name] = &target{Server: s}
	}
	return b, nil
}

func loadKey(path string) ([]byte, error) {
	if path == "" {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	}
	if b, err := os.ReadFile(path); err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("upstream token key %s: want 32 bytes, have %d", path, len(b))
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("upstream token key: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(k); err != nil {
		return nil, err
	}
	return k, f.Sync()
}

// Credentials returns the upstream.Credentials of one server.
func (b *Broker) Credentials(server string) upstream.Credentials {
	return creds{b: b, t: b.targets[server]}
}

// userKey identifies the user a grant belongs to (not the client: the
// user authorizes once; consent is per client).
func userKey(p guard.Principal) string { return p.Issuer + "\x00" + p.Subject }

// AuthRequired tells the client that its user must authorize the gateway
// at an upstream; the JSON-RPC error carries the URL to open.
type AuthRequired struct {
	ID     string // the flow (and elicitation) id
	Server string
	URL    string
	Reason string
}

func (e *AuthRequired) Error() string {
	return fmt.Sprintf("server %q needs authorization: %s; open %s", e.Server, e.Reason, e.URL)
}

// RPCError implements upstream.RPCError: MCP's URLElicitationRequiredError
// (-32042), whose URL-mode elicitation is the page to open; clients that do
// not know it still get a readable message with the URL.
func (e *AuthRequired) RPCError() *jsonrpc.Error {
	msg := fmt.Sprintf("server %q needs you to authorize mcpwarden there (%s): open %s in a browser, then retry", e.Server, e.Reason, e.URL)
	return jsonrpc.Errorf(jsonrpc.CodeURLElicitationRequired, "%s", msg).
		WithData(map[string]any{
			"elicitations": []map[string]any{{"mode": "url", "elicitationId": e.ID, "url": e.URL,
				"message": fmt.Sprintf("Authorize mcpwarden at %s (%s)", e.Server, e.Reason)}},
			"server": e.Server, "authorization_url": e.URL, "reason": e.Reason,
		})
}

type creds struct {
	b *Broker
	t *target
}

func principalOf(owner any) (guard.Principal, error) {
	p, ok := owner.(guard.Principal)
	if !ok || p.Subject == "" {
		return guard.Principal{}, errors.New("this server needs a user's authorization; the gateway has no user for this session")
	}
	return p, nil
}

// Token implements upstream.Credentials: the user's stored token,
// refreshed when it is about to expire; otherwise AuthRequired.
func (c creds) Token(ctx context.Context, owner any) (string, error) {
	p, err := principalOf(owner)
	if err != nil {
		return "", err
	}
	tok, err := c.b.load(ctx, userKey(p), c.t.Name)
	if err != nil {
		return "", err
	}
	if tok == nil {
		// No grant yet: the request goes without a token, and the
		// server's challenge (401, with the scopes it wants) starts the
		// authorization. A server that needs no token for this request
		// is not bothered.
		return "", nil
	}
	// The grant is the user's; each MCP client of theirs must have been
	// approved to use it (a grant made through one client never serves
	// another without the user's consent).
	if !c.b.consented(ctx, p, c.t.Name, nil) {
		return "", c.b.required(p, c.t, nil, "this client has not been approved to use your authorization there")
	}
	if fresh(tok) {
		return tok.AccessToken, nil
	}
	if tok.RefreshToken == "" {
		return "", c.b.required(p, c.t, nil, "the authorization expired")
	}
	// One refresh per grant at a time: requests that find the token
	// expired together (a session's first listing and call, two clients
	// of the same user) share it. Two refreshes with the same refresh
	// token would have the server issue twice or, where it detects the
	// reuse of a rotated token, revoke the user's whole grant.
	v, err, _ := c.b.refreshing.Do(userKey(p)+"\x00"+c.t.Name, func() (any, error) {
		return c.refresh(context.WithoutCancel(ctx), p)
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// fresh reports whether tok is good for the next 30 seconds.
func fresh(tok *oauth2.Token) bool {
	return tok.Expiry.IsZero() || time.Until(tok.Expiry) > 30*time.Second
}

// refresh renews the user's token at the server, unless another request
// renewed it since it was read.
func (c creds) refresh(ctx context.Context, p guard.Principal) (string, error) {
	tok, err := c.b.load(ctx, userKey(p), c.t.Name)
	if err != nil {
		return "", err
	}
	if tok == nil {
		return "", c.b.required(p, c.t, nil, "the authorization was withdrawn")
	}
	if fresh(tok) {
		return tok.AccessToken, nil
	}
	if tok.RefreshToken == "" {
		return "", c.b.required(p, c.t, nil, "the authorization expired")
	}
	cfg, err := c.b.oauthConfig(ctx, c.t)
	if err != nil {
		return "", c.b.required(p, c.t, nil, "the authorization expired and cannot be refreshed: "+err.Error())
	}
	nt, err := cfg.TokenSource(ctx, tok).Token()
	if err != nil {
		_ = c.b.drop(ctx, userKey(p), c.t.Name)
		c.b.event(p, "upstream.auth_refresh_failed", c.t.Name, err.Error())
		return "", c.b.required(p, c.t, nil, "the authorization expired and the refresh failed")
	}
	if err := c.b.store(ctx, userKey(p), c.t.Name, nt); err != nil {
		return "", err
	}
	return nt.AccessToken, nil
}

// Refused implements upstream.Credentials: 401 drops the token (the user
// authorizes again), 403 insufficient_scope asks for the challenged scopes
// (step-up).
func (c creds) Refused(ctx context.Context, owner any, status int, challenge string) error {
	params := parseChallenge(challenge)
	c.t.mu.Lock()
	if u := params["resource_metadata"]; u != "" {
		c.t.metaURL = u
	}
	var scopes []string
	if s := params["scope"]; s != "" {
		scopes = strings.Fields(s)
		c.t.challenge = scopes
	}
	c.t.mu.Unlock()
	p, err := principalOf(owner)
	if err != nil {
		return err
	}
	if status == http.StatusForbidden && params["error"] == "insufficient_scope" {
		return c.b.required(p, c.t, scopes, "the server needs more scope ("+params["scope"]+")")
	}
	_ = c.b.drop(ctx, userKey(p), c.t.Name)
	return c.b.required(p, c.t, scopes, fmt.Sprintf("the server refused the authorization (HTTP %d)", status))
}

// parseChallenge reads the auth-params of a Bearer challenge.
func parseChallenge(h string) map[string]string {
	out := map[string]string{}
	_, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return out
	}
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimLeft(v, " ")
		if strings.HasPrefix(v, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
					b.WriteByte(v[i])
					continue
				}
				if v[i] == '"' {
					break
				}
				b.WriteByte(v[i])
			}
			out[k] = b.String()
			if i < len(v) {
				rest = v[i+1:]
			} else {
				rest = ""
			}
		} else {
			val, r, _ := strings.Cut(v, ",")
			out[k] = strings.TrimSpace(val)
			rest = r
		}
	}
	return out
}

// required starts an authorization flow for p at t and returns the error
// naming its URL.
func (b *Broker) required(p guard.Principal, t *target, scopes []string, reason string) error {
	f := &flow{id: randomString(24), csrf: randomString(24), owner: p, server: t.Name, scopes: scopes, created: time.Now()}
	b.mu.Lock()
	for id, old := range b.flows {
		if time.Since(old.created) > flowTTL {
			delete(b.flows, id)
		}
	}
	b.flows[f.id] = f
	b.mu.Unlock()
	b.event(p, "upstream.auth_required", t.Name, reason)
	return &AuthRequired{ID: f.id, Server: t.Name, URL: b.base + AuthorizePath + "?flow=" + f.id, Reason: reason}
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("upstreamauth: no randomness: " + err.Error())
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// seal and open encrypt stored secrets (AES-256-GCM, random nonce, the
// row's identity as additional data so a ciphertext cannot be moved to
// another user's row).
func (b *Broker) seal(plain []byte, ad string) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plain, []byte(ad))
}

func (b *Broker) open(sealed []byte, ad string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return b.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
}

func (b *Broker) load(ctx context.Context, user, server string) (*oauth2.Token, error) {
	var sealed []byte
	err := b.db.QueryRowContext(ctx, `SELECT token_enc FROM upstream_oauth_tokens WHERE user_key = ? AND server = ?`, user, server).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := b.open(sealed, "token\x00"+user+"\x00"+server)
	if err != nil {
		// Cannot decrypt (key changed): as if there were no grant.
		return nil, nil
	}
	var tok oauth2.Token
	if err := json.Unmarshal(plain, &tok); err != nil {
		return nil, nil
	}
	return &tok, nil
}

func (b *Broker) store(ctx context.Context, user, server string, tok *oauth2.Token) error {
	plain, _ := json.Marshal(tok)
	sealed := b.seal(plain, "token\x00"+user+"\x00"+server)
	_, err := b.db.ExecContext(ctx, `INSERT INTO upstream_oauth_tokens (user_key, server, token_enc, expires_ns, updated_ns) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_key, server) DO UPDATE SET token_enc = excluded.token_enc, expires_ns = excluded.expires_ns, updated_ns = excluded.updated_ns`,
		user, server, sealed, tok.Expiry.UnixNano(), time.Now().UnixNano())
	return err
}

func (b *Broker) drop(ctx context.Context, user, server string) error {
	_, err := b.db.ExecContext(ctx, `DELETE FROM upstream_oauth_tokens WHERE user_key = ? AND server = ?`, user, server)
	return err
}

// event records what the broker did.
func (b *Broker) event(p guard.Principal, typ, server, reason string) {
	if b.audit == nil {
		return
	}
	ev := &audit.Event{Type: typ, Server: server,
		Principal: audit.Principal{Subject: p.Subject, ClientID: p.ClientID, Issuer: p.Issuer, AuthMethod: p.AuthMethod, Anonymous: p.Anonymous},
		Decision:  audit.Decision{Action: audit.ActionAllow, Reason: reason}, Status: audit.Status{Outcome: audit.OutcomeOK}}
	if ev.Principal.Subject == "" {
		ev.Principal.Subject = "anonymous"
	}
	if err := b.audit.Emit(context.Background(), ev); err != nil {
		b.log.Error("upstream authorization audit event not written", "type", typ, "err", err)
	}
}

// Expire marks every user's access token for server as expired, so that
// the next request refreshes it (for example after the server rotated its
// keys). Grants without a refresh token then need the user again.
func (b *Broker) Expire(ctx context.Context, server string) (int, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT user_key FROM upstream_oauth_tokens WHERE server = ?`, server)
	if err != nil {
		return 0, err
	}
	var users []string
	for rows.Next() {
		var u string
		if rows.Scan(&u) == nil {
			users = append(users, u)
		}
	}
	rows.Close()
	n := 0
	for _, u := range users {
		tok, err := b.load(ctx, u, server)
		if err != nil || tok == nil {
			continue
		}
		tok.Expiry = time.Now().Add(-time.Second)
		if err := b.store(ctx, u, server, tok); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
