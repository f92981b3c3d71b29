package authserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// env is an authorization server on 127.0.0.1 with a resource server that
// trusts it, as the gateway wires them.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	as       *Server
	rs       *auth.ResourceServer
	issuer   string
	resource string
	botKey   jwk.Key
	http     *http.Client // does not follow redirects
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	e := &env{t: t, issuer: issuer, resource: issuer + "/mcp",
		http: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	// ci-bot's key pair: the gateway gets only the public half.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e.botKey, _ = jwk.Import(priv)
	_ = e.botKey.Set(jwk.KeyIDKey, "bot-1")
	pub, _ := e.botKey.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	jwksFile := filepath.Join(t.TempDir(), "ci-bot.jwks.json")
	b, _ := json.Marshal(set)
	if err := os.WriteFile(jwksFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(filepath.Join(t.TempDir(), "as.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.rs = auth.NewResourceServer(e.resource, []string{issuer}, []string{"ev.read"}, auth.Options{})
	e.as, err = New(context.Background(), Options{Issuer: issuer, Resource: e.resource, DB: st.DB(),
		Clients: []ClientConfig{
			{ID: "ci-bot", GrantTypes: []string{"client_credentials"}, JWKSFile: jwksFile, Scopes: []string{"ev.read"}},
		},
		Users:     map[string]string{"alice": "correct horse battery staple"},
		AccessTTL: 10 * time.Minute, RefreshTTL: time.Hour, DynamicRegistration: true,
		KnownScopes: []string{"ev.read", "ev.admin"}, DefaultScopes: []string{"ev.read"}, Revoked: e.rs.Revoked})
	if err != nil {
		t.Fatal(err)
	}
	e.rs.JWT = &auth.JWTVerifier{Issuer: e.as.Issuer(), Audience: e.resource, Algorithms: []string{"ES256"}, Skew: 30 * time.Second, Keys: e.as.KeySource()}
	mux := http.NewServeMux()
	e.as.Register(mux.Handle)
	e.srv = httptest.NewUnstartedServer(mux)
	e.srv.Listener = ln
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) assertion(aud string, jti string) string {
	e.t.Helper()
	tok, _ := jwt.NewBuilder().Issuer("ci-bot").Subject("ci-bot").Audience([]string{aud}).
		IssuedAt(time.Now()).Expiration(time.Now().Add(time.Minute)).JwtID(jti).Build()
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), e.botKey))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// post sends a form and decodes the JSON answer.
func (e *env) post(path string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := e.http.PostForm(e.issuer+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, m
}

func (e *env) clientCredentials(scope, resource, jti string) (int, map[string]any) {
	f := url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {e.assertion(e.issuer, jti)}}
	if resource != "" {
		f.Set("resource", resource)
	}
	return e.post(tokenPath, f)
}

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{MetadataPath, oidcPath} {
		resp, err := http.Get(e.issuer + p)
		if err != nil {
			t.Fatal(err)
		}
		var md map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if md["issuer"] != e.issuer || join(md["code_challenge_methods_supported"]) != "S256" ||
			!strings.Contains(join(md["token_endpoint_auth_methods_supported"]), "private_key_jwt") ||
			md["registration_endpoint"] != e.issuer+registerPath || join(md["response_types_supported"]) != "code" {
			t.Fatalf("%s: %v", p, md)
		}
	}
}

func join(v any) string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return strings.Join(out, " ")
}

func TestClientCredentialsPrivateKeyJWT(t *testing.T) {
	e := newEnv(t)
	code, tok := e.clientCredentials("ev.read", e.resource, "a-1")
	if code != 200 {
		t.Fatalf("token: %d %v", code, tok)
	}
	id, _, err := e.rs.Verify(context.Background(), tok["access_token"].(string))
	if err != nil {
		t.Fatalf("the gateway refuses its own token: %v", err)
	}
	if id.Subject != "ci-bot" || id.ClientID != "ci-bot" || strings.Join(id.Scopes, " ") != "ev.read" || id.TokenID == "" {
		t.Fatalf("identity %+v", id)
	}
	if ttl := time.Until(id.Expiry); ttl > 10*time.Minute || ttl < 9*time.Minute {
		t.Fatalf("token lifetime %v, want the configured 10m", ttl)
	}
	// Attacks, each refused.
	if code, m := e.clientCredentials("ev.read", e.resource, "a-1"); code != 401 || m["error"] != "invalid_client" {
		t.Fatalf("replayed assertion: %d %v", code, m)
	}
	if code, m := e.clientCredentials("ev.admin", e.resource, "a-2"); code != 400 || m["error"] != "invalid_scope" {
		t.Fatalf("scope outside the client's allowlist: %d %v", code, m)
	}
	if code, m := e.clientCredentials("ev.read", "https://other.example/mcp", "a-3"); code != 400 || m["error"] != "invalid_target" {
		t.Fatalf("another resource: %d %v", code, m)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := jwk.Import(other)
	_ = forged.Set(jwk.KeyIDKey, "bot-1")
	ftok, _ := jwt.NewBuilder().Issuer("ci-bot").Subject("ci-bot").Audience([]string{e.issuer}).IssuedAt(time.Now()).Expiration(time.Now().Add(time.Minute)).JwtID("f-1").Build()
	fb, _ := jwt.Sign(ftok, jwt.WithKey(jwa.ES256(), forged))
	if code, m := e.post(tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {string(fb)}}); code != 401 {
		t.Fatalf("assertion signed with another key: %d %v", code, m)
	}
	if code, m := e.post(tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci-bot"}, "client_secret": {"guess"}}); code != 401 {
		t.Fatalf("client secret: %d %v", code, m)
	}
	// Benign twin of the replay: a fresh assertion (new jti) works, also
	// with the token endpoint as its audience.
	f := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {e.assertion(e.issuer+tokenPath, "a-4")}}
	if code, m := e.post(tokenPath, f); code != 200 {
		t.Fatalf("fresh assertion: %d %v", code, m)
	}
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(h[:])
}

func (e *env) registerClient(redirect string) string {
	e.t.Helper()
	resp, err := http.Post(e.issuer+registerPath, "application/json", strings.NewReader(`{"redirect_uris":["`+redirect+`"],"client_name":"Test IDE","token_endpoint_auth_method":"none"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 201 || m["client_id"] == nil || m["token_endpoint_auth_method"] != "none" {
		e.t.Fatalf("register: %d %v", resp.StatusCode, m)
	}
	return m["client_id"].(string)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// authorize runs the browser part of the code flow (user alice) and
// returns the code.
func (e *env) authorize(clientID, redirect, challenge, method string) (string, *http.Response) {
	e.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"st-1"},
		"scope": {"ev.read"}, "resource": {e.resource}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", method)
	}
	resp, err := e.http.Get(e.issuer + authorizePath + "?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(loc, loginPath) {
		return "", resp // refused: the caller checks
	}
	page, err := e.http.Get(e.issuer + loc)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(string(body), "Test IDE") || !strings.Contains(string(body), "ev.read") {
		e.t.Fatalf("login page: %v\n%s", page.Header, body)
	}
	csrf := csrfRE.FindStringSubmatch(string(body))
	id := must(url.Parse(loc)).Query().Get("authRequestID")
	form := url.Values{"id": {id}, "csrf": {csrf[1]}, "username": {"alice"}, "password": {"correct horse battery staple"}, "decision": {"approve"}}
	resp, err = e.http.PostForm(e.issuer+loginPath, form)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	cb := resp.Header.Get("Location")
	resp, err = e.http.Get(cb)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	final := must(url.Parse(resp.Header.Get("Location")))
	if !strings.HasPrefix(final.String(), redirect) || final.Query().Get("state") != "st-1" {
		e.t.Fatalf("final redirect %s", final)
	}
	return final.Query().Get("code"), resp
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestAuthorizationCodePKCEAndRefreshRotation(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:33418/callback"
	clientID := e.registerClient(redirect)

	verifier, challenge := pkce()
	code, _ := e.authorize(clientID, redirect, challenge, "S256")
	if code == "" {
		t.Fatal("no code")
	}
	tokenForm := func(code, verifier string) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "client_id": {clientID}, "resource": {e.resource}}
		if verifier != "" {
			f.Set("code_verifier", verifier)
		}
		return f
	}
	// Attacks on the exchange: no verifier, a wrong verifier.
	if st, m := e.post(tokenPath, tokenForm(code, "")); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("missing code_verifier: %d %v", st, m)
	}
	wrong, _ := pkce()
	if st, m := e.post(tokenPath, tokenForm(code, wrong)); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("wrong code_verifier: %d %v", st, m)
	}
	st, tok := e.post(tokenPath, tokenForm(code, verifier))
	if st != 200 || tok["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	if st, m := e.post(tokenPath, tokenForm(code, verifier)); st != 400 {
		t.Fatalf("code reused: %d %v", st, m)
	}
	id, _, err := e.rs.Verify(context.Background(), tok["access_token"].(string))
	if err != nil || id.Subject != "alice" || id.ClientID != clientID || strings.Join(id.Scopes, " ") != "ev.read" {
		t.Fatalf("access token: %v %+v", err, id)
	}
	// The ID token names the user, and is never accepted as an access
	// token (its audience includes the resource).
	if idt, ok := tok["id_token"].(string); ok {
		parts := strings.Split(idt, ".")
		pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		_ = json.Unmarshal(pb, &claims)
		if claims["sub"] != "alice" {
			t.Fatalf("ID token claims %v: want sub alice", claims)
		}
		if _, _, err := e.rs.Verify(context.Background(), idt); err == nil {
			t.Fatal("the ID token was accepted as an access token")
		}
	}

	// Refresh rotation: the refresh token works once.
	refresh := func(rt string) (int, map[string]any) {
		return e.post(tokenPath, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}})
	}
	st2, tok2 := refresh(tok["refresh_token"].(string))
	if st2 != 200 || tok2["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", st2, tok2)
	}
	access2 := tok2["access_token"].(string)
	if _, _, err := e.rs.Verify(context.Background(), access2); err != nil {
		t.Fatalf("refreshed access token refused: %v", err)
	}
	// Replaying the old refresh token revokes the whole family: the new
	// refresh token and the access tokens issued from the family.
	if st, m := refresh(tok["refresh_token"].(string)); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("replayed refresh token: %d %v", st, m)
	}
	if st, m := refresh(tok2["refresh_token"].(string)); st != 400 {
		t.Fatalf("refresh token of a revoked family still works: %d %v", st, m)
	}
	if _, _, err := e.rs.Verify(context.Background(), access2); err == nil {
		t.Fatal("access token of a revoked family still accepted by the gateway")
	}
}

func TestAuthorizationRefusals(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:33418/callback"
	clientID := e.registerClient(redirect)
	_, challenge := pkce()
	for _, tc := range []struct {
		name, redirect, challenge, method string
	}{
		{"PKCE plain", redirect, "plain-challenge-value-that-is-long-enough-43chars", "plain"},
		{"no PKCE", redirect, "", ""},
		{"redirect URI mismatch", "http://127.0.0.1:33418/other", challenge, "S256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, resp := e.authorize(clientID, tc.redirect, tc.challenge, tc.method)
			if code != "" {
				t.Fatal("a code was issued")
			}
			loc := resp.Header.Get("Location")
			if tc.name == "redirect URI mismatch" {
				if strings.HasPrefix(loc, tc.redirect) {
					t.Fatalf("redirected to the unregistered URI: %s", loc)
				}
				return
			}
			if !strings.Contains(loc, "error=invalid_request") {
				t.Fatalf("status %d location %q", resp.StatusCode, loc)
			}
		})
	}
	// DCR refuses a non-loopback http redirect URI.
	resp, err := http.Post(e.issuer+registerPath, "application/json", strings.NewReader(`{"redirect_uris":["http://evil.example/cb"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("register with an http redirect on a public host: %d", resp.StatusCode)
	}
}

func TestRevocationAndKeyRotation(t *testing.T) {
	e := newEnv(t)
	_, tok := e.clientCredentials("ev.read", "", "r-1")
	access := tok["access_token"].(string)
	if _, _, err := e.rs.Verify(context.Background(), access); err != nil {
		t.Fatal(err)
	}
	// RFC 7009: the client revokes its token; the gateway refuses it at once.
	f := url.Values{"token": {access}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {e.assertion(e.issuer, "r-2")}}
	if st, m := e.post(revokePath, f); st != 200 {
		t.Fatalf("revoke: %d %v", st, m)
	}
	if _, _, err := e.rs.Verify(context.Background(), access); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked token: %v", err)
	}
	// Key rotation: tokens of the old key stay valid, new ones use the new key.
	_, tok2 := e.clientCredentials("ev.read", "", "r-3")
	old := tok2["access_token"].(string)
	kid, err := e.as.RotateKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.rs.Verify(context.Background(), old); err != nil {
		t.Fatalf("token of the retired key refused: %v", err)
	}
	_, tok3 := e.clientCredentials("ev.read", "", "r-4")
	hdr := strings.SplitN(tok3["access_token"].(string), ".", 2)[0]
	hb, _ := base64.RawURLEncoding.DecodeString(hdr)
	if !strings.Contains(string(hb), kid) {
		t.Fatalf("new token header %s, want kid %s", hb, kid)
	}
	if _, _, err := e.rs.Verify(context.Background(), tok3["access_token"].(string)); err != nil {
		t.Fatalf("token of the new key refused: %v", err)
	}
}
