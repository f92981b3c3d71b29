package upstreamauth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/guard"
)

const flowTTL = 10 * time.Minute

// flow is one user's authorization at one upstream, from the link the
// client was given to the callback.
type flow struct {
	id, csrf string
	owner    guard.Principal
	server   string
	scopes   []string // asked for by a challenge (step-up), if any
	created  time.Time
	verifier string
	used     bool
	failures int
	// OpenID Connect sign-in at an external IdP (identity "oidc").
	signInVerifier, nonce string
	verified              bool
}

// discovery is what the upstream's metadata says.
type discovery struct {
	resource        string // the protected resource (RFC 8707 resource parameter)
	scopesSupported []string
	issuer          string
	authorize       string
	token           string
	register        string
	cimd            bool
	authMethods     []string
}

// discover reads the upstream's protected resource metadata (the URL from
// its challenge, else the path-aware well-known URL, else the root one)
// and its authorization server's metadata (in the order MCP clients use).
func (b *Broker) discover(ctx context.Context, t *target) (*discovery, error) {
	t.mu.Lock()
	if t.discovered != nil {
		d := t.discovered
		t.mu.Unlock()
		return d, nil
	}
	metaURL := t.metaURL
	t.mu.Unlock()
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, err
	}
	candidates := []string{}
	if metaURL != "" {
		candidates = append(candidates, metaURL)
	}
	origin := u.Scheme + "://" + u.Host
	candidates = append(candidates, origin+auth.MetadataPath(t.URL))
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		candidates = append(candidates, origin+"/.well-known/oauth-protected-resource")
	}
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	var lastErr error
	found := false
	for _, c := range candidates {
		if err := b.getJSON(ctx, c, &prm); err != nil {
			lastErr = err
			continue
		}
		found = true
		break
	}
	if !found {
		return nil, fmt.Errorf("no protected resource metadata for %s: %v", t.URL, lastErr)
	}
	if len(prm.AuthorizationServers) == 0 {
		return nil, fmt.Errorf("the protected resource metadata of %s names no authorization server", t.URL)
	}
	// The metadata must be about this server: same origin, and its
	// resource a prefix of the endpoint (as MCP clients check).
	if prm.Resource != "" {
		ru, err := url.Parse(prm.Resource)
		if err != nil || !strings.EqualFold(ru.Scheme+"://"+ru.Host, origin) || !strings.HasPrefix(u.Path, strings.TrimSuffix(ru.Path, "/")) {
			return nil, fmt.Errorf("the protected resource metadata names resource %q, not %s", prm.Resource, t.URL)
		}
	}
	issuer := prm.AuthorizationServers[0]
	urls, err := auth.MetadataURLs(issuer)
	if err != nil {
		return nil, err
	}
	var md struct {
		Issuer                 string   `json:"issuer"`
		Authorize              string   `json:"authorization_endpoint"`
		Token                  string   `json:"token_endpoint"`
		Register               string   `json:"registration_endpoint"`
		PKCE                   []string `json:"code_challenge_methods_supported"`
		CIMD                   bool     `json:"client_id_metadata_document_supported"`
		AuthMethods            []string `json:"token_endpoint_auth_methods_supported"`
		ScopesSupportedByIssue []string `json:"scopes_supported"`
	}
	found = false
	for _, mu := range urls {
		if err := b.getJSON(ctx, mu, &md); err != nil {
			lastErr = err
			continue
		}
		found = true
		break
	}
	if !found {
		return nil, fmt.Errorf("no authorization server metadata for %s: %v", issuer, lastErr)
	}
	if md.Authorize == "" || md.Token == "" {
		return nil, fmt.Errorf("authorization server %s: metadata lacks authorization or token endpoint", issuer)
	}
	if !slices.Contains(md.PKCE, "S256") {
		return nil, fmt.Errorf("authorization server %s does not offer PKCE S256; refusing to authorize there", issuer)
	}
	d := &discovery{resource: prm.Resource, scopesSupported: prm.ScopesSupported, issuer: issuer, authorize: md.Authorize,
		token: md.Token, register: md.Register, cimd: md.CIMD, authMethods: md.AuthMethods}
	if d.resource == "" {
		d.resource = t.URL
	}
	t.mu.Lock()
	t.discovered = d
	t.mu.Unlock()
	return d, nil
}

func (b *Broker) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", u, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// registration is the gateway's client at one authorization server.
type registration struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	AuthMethod   string `json:"auth_method"`
}

// client returns the gateway's registration at t's authorization server:
// the configured one, a client ID metadata document, or a dynamic
// registration made once and kept (secret encrypted) in the store.
func (b *Broker) client(ctx context.Context, t *target, d *discovery) (*registration, error) {
	if t.ClientID != "" {
		method := "none"
		if t.ClientSecret != "" {
			method = "client_secret_basic"
			if len(d.authMethods) > 0 && !slices.Contains(d.authMethods, "client_secret_basic") && slices.Contains(d.authMethods, "client_secret_post") {
				method = "client_secret_post"
			}
		}
		return &registration{ClientID: t.ClientID, ClientSecret: t.ClientSecret, AuthMethod: method}, nil
	}
	if d.cimd && t.ClientMetadataURL != "" {
		return &registration{ClientID: t.ClientMetadataURL, AuthMethod: "none"}, nil
	}
	ad := "client\x00" + t.Name + "\x00" + d.issuer
	var sealed []byte
	err := b.db.QueryRowContext(ctx, `SELECT data_enc FROM upstream_oauth_clients WHERE server = ? AND issuer = ?`, t.Name, d.issuer).Scan(&sealed)
	if err == nil {
		if plain, err := b.open(sealed, ad); err == nil {
			var r registration
			if json.Unmarshal(plain, &r) == nil && r.ClientID != "" {
				return &r, nil
			}
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if d.register == "" {
		return nil, fmt.Errorf("authorization server %s offers no registration, and servers.%s.oauth has no client_id", d.issuer, t.Name)
	}
	method := "none"
	if len(d.authMethods) > 0 && !slices.Contains(d.authMethods, "none") {
		method = d.authMethods[0]
	}
	body, _ := json.Marshal(map[string]any{
		"client_name": "mcpwarden gateway", "redirect_uris": []string{b.base + CallbackPath},
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": method,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.register, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("register at %s: %w", d.register, err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AuthMethod   string `json:"token_endpoint_auth_method"`
	}
	if resp.StatusCode/100 != 2 || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out) != nil || out.ClientID == "" {
		return nil, fmt.Errorf("register at %s: HTTP %d", d.register, resp.StatusCode)
	}
	r := &registration{ClientID: out.ClientID, ClientSecret: out.ClientSecret, AuthMethod: out.AuthMethod}
	if r.AuthMethod == "" {
		r.AuthMethod = method
		if r.ClientSecret != "" && method == "none" {
			r.AuthMethod = "client_secret_basic"
		}
	}
	plain, _ := json.Marshal(r)
	_, _ = b.db.ExecContext(ctx, `INSERT OR REPLACE INTO upstream_oauth_clients (server, issuer, data_enc, created_ns) VALUES (?, ?, ?, ?)`,
		t.Name, d.issuer, b.seal(plain, ad), time.Now().UnixNano())
	return r, nil
}

// oauthConfig is the x/oauth2 configuration for t.
func (b *Broker) oauthConfig(ctx context.Context, t *target) (*oauth2.Config, error) {
	d, err := b.discover(ctx, t)
	if err != nil {
		return nil, err
	}
	r, err := b.client(ctx, t, d)
	if err != nil {
		return nil, err
	}
	style := oauth2.AuthStyleInParams
	if r.AuthMethod == "client_secret_basic" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{ClientID: r.ClientID, ClientSecret: r.ClientSecret, RedirectURL: b.base + CallbackPath,
		Endpoint: oauth2.Endpoint{AuthURL: d.authorize, TokenURL: d.token, AuthStyle: style}}, nil
}

// scopesFor chooses the scopes to ask for (MCP 2025-11-25, "Scope Selection
// Strategy"): the challenge's, else the configured ones, else the server's
// scopes_supported, else none.
func scopesFor(f *flow, t *target, d *discovery) []string {
	if len(f.scopes) > 0 {
		return f.scopes
	}
	t.mu.Lock()
	ch := t.challenge
	t.mu.Unlock()
	switch {
	case len(ch) > 0:
		return ch
	case len(t.Scopes) > 0:
		return t.Scopes
	}
	return d.scopesSupported
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpwarden: connect {{.Server}}</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}button{padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body><h1>Connect {{.Server}}</h1>
<p>The MCP client <code>{{.Client}}</code>, acting for <strong>{{.User}}</strong>, asks mcpwarden to use your account at
<code>{{.URL}}</code>{{if .Scopes}} with the scopes {{range .Scopes}}<code>{{.}}</code> {{end}}{{end}}.</p>
<p>If you approve, you sign in at that server's authorization page, and mcpwarden keeps the grant for your calls through this gateway.
No other user, and no other client of yours, can use this approval.</p>
{{if .Error}}<p style="color:#b00020">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}"><input type="hidden" name="flow" value="{{.Flow}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
{{if .SignIn}}<p>Sign in as <strong>{{.User}}</strong> to confirm it is you (a link forwarded to someone else must not connect their account to yours).</p>
<p><label>User <input type="text" name="username" autocomplete="username" required></label></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>{{end}}
<button name="decision" value="approve">Approve</button><button name="decision" value="deny" formnovalidate>Deny</button></form></body></html>`))

// identity says how the person at the connect page is checked against the
// user the link was made for: "trusted" (an unauthenticated gateway,
// which only serves loopback: its one user is whoever runs it), "sign-in"
// (a user of the embedded authorization server signs in), or "" (no way
// to verify: the link cannot be completed).
func (b *Broker) identity(p guard.Principal) string {
	switch {
	case p.Anonymous || p.AuthMethod == guard.AuthLocal:
		return "trusted"
	case b.verifyUser != nil && p.AuthMethod == "jwt":
		return "sign-in"
	case b.signIn != nil && (p.AuthMethod == "jwt" || p.AuthMethod == "introspection") && sameIssuer(p.Issuer, b.signIn.Issuer):
		return "oidc"
	}
	return ""
}

// Register mounts the flow's pages.
func (b *Broker) Register(handle func(string, http.Handler)) {
	handle(AuthorizePath, http.HandlerFunc(b.authorize))
	handle(CallbackPath, http.HandlerFunc(b.callback))
	handle(SignInPath, http.HandlerFunc(b.signInCallback))
}

func (b *Broker) flow(id string) *flow {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.flows[id]
	if f == nil || f.used || time.Since(f.created) > flowTTL {
		return nil
	}
	return f
}

func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
}

// authorize shows the consent page (unless this user already approved this
// client for this server and these scopes), then sends the browser to the
// upstream's authorization server.
func (b *Broker) authorize(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		_ = r.ParseForm()
	}
	f := b.flow(r.FormValue("flow"))
	if f == nil {
		http.Error(w, "This link is unknown, used or expired. Retry the call in your MCP client for a new one.", http.StatusBadRequest)
		return
	}
	t := b.targets[f.server]
	d, err := b.discover(r.Context(), t)
	if err != nil {
		b.event(f.owner, "upstream.auth_failed", t.Name, err.Error())
		http.Error(w, "Cannot find the authorization server of "+t.Name+": "+err.Error(), http.StatusBadGateway)
		return
	}
	scopes := scopesFor(f, t, d)
	how := b.identity(f.owner)
	if how == "" {
		b.event(f.owner, "upstream.auth_failed", t.Name, "the user who opens the link cannot be verified")
		http.Error(w, "This gateway cannot verify who opens this link (principal "+f.owner.Subject+" signs in nowhere here), so it cannot connect "+t.Name+" for them.", http.StatusForbidden)
		return
	}
	render := func(msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		client := f.owner.ClientID
		if client == "" {
			client = "(unidentified client)"
		}
		_ = consentPage.Execute(w, map[string]any{"Server": t.Name, "URL": t.URL, "Client": client, "User": f.owner.Subject,
			"Scopes": scopes, "Action": AuthorizePath, "Flow": f.id, "CSRF": f.csrf, "SignIn": how == "sign-in", "Error": msg})
	}
	b.mu.Lock()
	verified := f.verified
	b.mu.Unlock()
	if how == "oidc" && !verified {
		// First the person signs in at the IdP; the callback compares the
		// subject and comes back here.
		b.startSignIn(w, r, f)
		return
	}
	switch r.Method {
	case http.MethodGet:
		// Even with consent on record, the person must be the user: a
		// password check cannot be skipped, so only a trusted (single
		// local user) gateway, or a person just signed in at the IdP,
		// goes straight on.
		if (how == "trusted" || how == "oidc") && b.consented(r.Context(), f.owner, t.Name, scopes) {
			b.redirect(w, r, f, t, d, scopes)
			return
		}
		render("")
	case http.MethodPost:
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(f.csrf)) != 1 {
			http.Error(w, "The form is stale or was not sent by this page.", http.StatusForbidden)
			return
		}
		if r.PostForm.Get("decision") != "approve" {
			b.finish(f)
			b.event(f.owner, "upstream.auth_denied", t.Name, "the user denied consent")
			http.Error(w, "Denied. Nothing was authorized.", http.StatusOK)
			return
		}
		if how == "sign-in" && !b.verifyUser(f.owner.Subject, r.PostForm.Get("username"), r.PostForm.Get("password")) {
			b.mu.Lock()
			f.failures++
			n := f.failures
			b.mu.Unlock()
			b.event(f.owner, "upstream.auth_failed", t.Name, "the person at the link did not sign in as the user it was made for")
			if n >= 5 {
				b.finish(f)
				http.Error(w, "Too many failed attempts. Retry the call in your MCP client for a new link.", http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			render("Sign in as " + f.owner.Subject + ": wrong user name or password.")
			return
		}
		_, _ = b.db.ExecContext(r.Context(), `INSERT OR REPLACE INTO upstream_oauth_consents (user_key, client_id, server, scopes, granted_ns) VALUES (?, ?, ?, ?, ?)`,
			userKey(f.owner), f.owner.ClientID, t.Name, strings.Join(scopes, " "), time.Now().UnixNano())
		b.event(f.owner, "upstream.consent", t.Name, "consent given for scopes "+strings.Join(scopes, " "))
		if len(f.scopes) == 0 {
			// Only this client's approval was missing: the user's grant
			// exists and serves it from now on.
			if tok, _ := b.load(r.Context(), userKey(f.owner), t.Name); tok != nil {
				b.finish(f)
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = io.WriteString(w, "Approved: this client may now use your connection to "+t.Name+". Return to your MCP client and retry.\n")
				return
			}
		}
		b.redirect(w, r, f, t, d, scopes)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// consented reports whether this user approved this client for the server
// with at least these scopes.
func (b *Broker) consented(ctx context.Context, p guard.Principal, server string, scopes []string) bool {
	var have string
	if err := b.db.QueryRowContext(ctx, `SELECT scopes FROM upstream_oauth_consents WHERE user_key = ? AND client_id = ? AND server = ?`,
		userKey(p), p.ClientID, server).Scan(&have); err != nil {
		return false
	}
	got := strings.Fields(have)
	for _, s := range scopes {
		if !slices.Contains(got, s) {
			return false
		}
	}
	return true
}

func (b *Broker) redirect(w http.ResponseWriter, r *http.Request, f *flow, t *target, d *discovery, scopes []string) {
	cfg, err := b.oauthConfig(r.Context(), t)
	if err != nil {
		b.event(f.owner, "upstream.auth_failed", t.Name, err.Error())
		http.Error(w, "Cannot register mcpwarden at the authorization server of "+t.Name+": "+err.Error(), http.StatusBadGateway)
		return
	}
	cfg.Scopes = scopes
	b.mu.Lock()
	f.verifier = oauth2.GenerateVerifier()
	b.mu.Unlock()
	u := cfg.AuthCodeURL(f.id, oauth2.S256ChallengeOption(f.verifier), oauth2.SetAuthURLParam("resource", d.resource))
	http.Redirect(w, r, u, http.StatusFound)
}

func (b *Broker) finish(f *flow) {
	b.mu.Lock()
	f.used = true
	delete(b.flows, f.id)
	b.mu.Unlock()
}

// callback exchanges the code and keeps the user's tokens.
func (b *Broker) callback(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	q := r.URL.Query()
	f := b.flow(q.Get("state"))
	if f == nil || f.verifier == "" {
		http.Error(w, "Unknown or expired authorization; retry the call in your MCP client.", http.StatusBadRequest)
		return
	}
	b.finish(f)
	t := b.targets[f.server]
	if e := q.Get("error"); e != "" {
		b.event(f.owner, "upstream.auth_failed", t.Name, "authorization server answered "+e+": "+q.Get("error_description"))
		http.Error(w, "The authorization server refused: "+e, http.StatusBadGateway)
		return
	}
	d, err := b.discover(r.Context(), t)
	if err == nil {
		var cfg *oauth2.Config
		if cfg, err = b.oauthConfig(r.Context(), t); err == nil {
			ctx := context.WithValue(r.Context(), oauth2.HTTPClient, b.hc)
			var tok *oauth2.Token
			tok, err = cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.verifier), oauth2.SetAuthURLParam("resource", d.resource))
			if err == nil {
				err = b.store(r.Context(), userKey(f.owner), t.Name, tok)
			}
		}
	}
	if err != nil {
		b.event(f.owner, "upstream.auth_failed", t.Name, err.Error())
		http.Error(w, "Could not complete the authorization: "+err.Error(), http.StatusBadGateway)
		return
	}
	b.event(f.owner, "upstream.authorized", t.Name, "")
	if b.OnAuthorized != nil {
		b.OnAuthorized(t.Name)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "mcpwarden is connected to "+t.Name+". Return to your MCP client and retry.\n")
}
