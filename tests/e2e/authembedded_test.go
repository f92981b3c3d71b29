package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The gateway's embedded OAuth 2.1 authorization server (auth.mode:
// embedded), end to end over the real binary: a private_key_jwt
// client_credentials client (ci-bot) and a dynamically registered public
// client driven by the TypeScript SDK's OAuth support (authorization code +
// PKCE, refresh), in front of server-everything.

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ciBot is a client_credentials client that authenticates with
// private_key_jwt (RFC 7523): the test holds its private key, the gateway
// gets only the public JWKS file.
type ciBot struct {
	key      jwk.Key
	jwksFile string
}

func newCIBot(t *testing.T) *ciBot {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwk.Import(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Set(jwk.KeyIDKey, "ci-bot-1"); err != nil {
		t.Fatal(err)
	}
	if err := key.Set(jwk.AlgorithmKey, jwa.ES256()); err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"d"`) {
		t.Fatalf("the JWKS for the gateway carries private key material: %s", b)
	}
	// The contract names "ci-bot.jwks.json" relative to the configuration;
	// startGateway creates the configuration directory itself (after this
	// file must exist), so the file lives in a directory of its own and the
	// configuration names it by its absolute path.
	path := filepath.Join(t.TempDir(), "ci-bot.jwks.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &ciBot{key: key, jwksFile: path}
}

// assertion is a client assertion: iss = sub = ci-bot, aud, jti, exp.
func (b *ciBot) assertion(t *testing.T, aud, jti string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewBuilder().Issuer("ci-bot").Subject("ci-bot").Audience([]string{aud}).
		IssuedAt(time.Now()).Expiration(exp).JwtID(jti).Build()
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), b.key))
	if err != nil {
		t.Fatal(err)
	}
	return string(s)
}

// token asks the embedded server for a client_credentials token with a
// fresh assertion for aud; extra is added to the form.
func (b *ciBot) token(t *testing.T, issuer, aud string, extra url.Values) (int, map[string]any) {
	t.Helper()
	f := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {clientAssertionType},
		"client_assertion": {b.assertion(t, aud, randID(), time.Now().Add(time.Minute))}}
	for k, v := range extra {
		f[k] = v
	}
	return postForm(t, issuer+"/oauth/token", f)
}

// mustToken is token for the issuer audience that must succeed.
func (b *ciBot) mustToken(t *testing.T, issuer string) string {
	t.Helper()
	st, m := b.token(t, issuer, issuer, nil)
	tok, _ := m["access_token"].(string)
	if st != 200 || tok == "" {
		t.Fatalf("ci-bot token: %d %v", st, m)
	}
	return tok
}

func randID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// noRedirect is an HTTP client that returns redirects instead of following
// them (the test plays the browser).
var noRedirect = &http.Client{Timeout: 15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts a form and decodes the JSON answer ({"raw": body} if it
// is not JSON).
func postForm(t *testing.T, u string, f url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := noRedirect.PostForm(u, f)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m == nil {
		m = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, m
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s %s", u, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
}

// jwtClaims decodes a JWT's payload without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// audValues is a JWT aud claim as a list.
func audValues(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return anyStrings(v)
}

// embeddedConfig is the contract configuration (auth.mode
// embedded, ci-bot, server-everything with scoped tools), plus what a test
// needs (listen address, audit file, store) and authExtra under auth:.
func embeddedConfig(t *testing.T, jwksFile, authExtra string) string {
	return `
listen: {{LISTEN}}
auth:
  mode: embedded
  resource: http://{{LISTEN}}/mcp
  access_token_ttl: 10m
  clients:
    ci-bot:
      grant_types: [client_credentials]
      jwks_file: "` + jwksFile + `"      # public keys for private_key_jwt (RFC 7523)
      scopes: [ev.read]
` + authExtra + `servers:
  ev:
    command: node
    args: ["` + npmServer(t, "server-everything") + `", "stdio"]
    tools:
      "echo":    {scopes: [ev.read]}
      "get-sum": {scopes: [ev.read]}
      "*":       {scopes: [ev.admin]}
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

// waitAudit polls the audit file until ok holds (or 10 s pass) and returns
// the events it read last.
func waitAudit(t *testing.T, path string, ok func([]map[string]any) bool) []map[string]any {
	t.Helper()
	var evs []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs = auditEvents(t, path)
		if ok(evs) || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// findEvent returns the first event of typ for which match holds.
func findEvent(evs []map[string]any, typ string, match func(e, principal map[string]any) bool) map[string]any {
	for _, e := range eventsOf(evs, typ) {
		p, _ := e["principal"].(map[string]any)
		if match(e, p) {
			return e
		}
	}
	return nil
}

// noTokensInAudit fails if an audit event carries one of the raw tokens.
func noTokensInAudit(t *testing.T, evs []map[string]any, toks ...string) {
	t.Helper()
	for _, e := range evs {
		b, _ := json.Marshal(e)
		for _, tok := range toks {
			if tok != "" && strings.Contains(string(b), tok) {
				t.Errorf("an audit event carries a raw token: %s", b)
			}
		}
	}
}

// TestAuthEmbeddedContract: the contract configuration, with the
// CI client ci-bot (client_credentials, private_key_jwt).
func TestAuthEmbeddedContract(t *testing.T) {
	bot := newCIBot(t)
	g := startGateway(t, embeddedConfig(t, bot.jwksFile, ""))
	issuer := "http://" + g.Addr
	resource := g.URL
	metadataURL := issuer + "/.well-known/oauth-protected-resource/mcp"
	ctx := context.Background()

	t.Run("DiscoveryChain", func(t *testing.T) {
		st, h, body := authRaw(t, g.URL, "", "", initBody)
		if st != 401 {
			t.Fatalf("POST /mcp without a token: want 401, got %d %s", st, body)
		}
		wa := h.Get("WWW-Authenticate")
		if !strings.HasPrefix(wa, `Bearer resource_metadata="`+metadataURL+`"`) {
			t.Errorf("WWW-Authenticate = %q, want Bearer resource_metadata=%q", wa, metadataURL)
		}
		if p := authParams(t, wa); p["error"] != "" {
			t.Errorf("a request without a token gets the bare challenge, got %q", wa)
		}

		var prm struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
		}
		getJSON(t, metadataURL, &prm)
		if prm.Resource != resource || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != issuer {
			t.Errorf("protected resource metadata %+v, want resource %s and authorization_servers [%s]", prm, resource, issuer)
		}

		var as map[string]any
		getJSON(t, issuer+"/.well-known/oauth-authorization-server", &as)
		if as["issuer"] != issuer || as["token_endpoint"] != issuer+"/oauth/token" || as["registration_endpoint"] != issuer+"/oauth/register" {
			t.Errorf("authorization server metadata: %v", as)
		}
		if m := anyStrings(as["code_challenge_methods_supported"]); len(m) != 1 || m[0] != "S256" {
			t.Errorf("code_challenge_methods_supported = %v, want [S256]", as["code_challenge_methods_supported"])
		}
		if !contains(anyStrings(as["token_endpoint_auth_methods_supported"]), "private_key_jwt") {
			t.Errorf("token_endpoint_auth_methods_supported = %v, want private_key_jwt in it", as["token_endpoint_auth_methods_supported"])
		}
		if !contains(anyStrings(as["grant_types_supported"]), "client_credentials") {
			t.Errorf("grant_types_supported = %v", as["grant_types_supported"])
		}
	})

	// ci-bot's token: client_credentials with a signed client assertion.
	st, tr := bot.token(t, issuer, issuer, nil)
	access, _ := tr["access_token"].(string)
	if st != 200 || access == "" {
		t.Fatalf("ci-bot client_credentials: %d %v", st, tr)
	}
	t.Run("TokenResponse", func(t *testing.T) {
		if tt, _ := tr["token_type"].(string); !strings.EqualFold(tt, "Bearer") {
			t.Errorf("token_type = %v", tr["token_type"])
		}
		if exp, _ := tr["expires_in"].(float64); exp < 590 || exp > 600 {
			t.Errorf("expires_in = %v, want the configured 10m", tr["expires_in"])
		}
		if tr["refresh_token"] != nil {
			t.Errorf("client_credentials must not issue a refresh token: %v", tr)
		}
		c := jwtClaims(t, access)
		if c["iss"] != issuer || c["sub"] != "ci-bot" || !contains(audValues(c["aud"]), resource) || c["jti"] == nil {
			t.Errorf("access token claims: %v", c)
		}
		if sc, _ := c["scope"].(string); strings.Join(strings.Fields(sc), " ") != "ev.read" {
			t.Errorf("access token scope = %q, want ci-bot's allowlist ev.read", sc)
		}
	})

	t.Run("GoClientScopedTools", func(t *testing.T) {
		cs := connectWithToken(t, g.URL, access)
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		names := toolNames(tools)
		for _, want := range []string{"ev__echo", "ev__get-sum"} {
			if !contains(names, want) {
				t.Errorf("tools/list lacks %s: %v", want, names)
			}
		}
		if contains(names, "ev__get-env") {
			t.Errorf("tools/list shows ev__get-env, which needs ev.admin: %v", names)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ev__echo", Arguments: map[string]any{"message": "hello ci-bot"}})
		if err != nil || res.IsError || !strings.Contains(textOf(res), "hello ci-bot") {
			t.Fatalf("ev__echo: %v %v", res, err)
		}
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ev__get-sum", Arguments: map[string]any{"a": 20, "b": 22}})
		if err != nil || res.IsError || !strings.Contains(textOf(res), "42") {
			t.Fatalf("ev__get-sum: %v %v", res, err)
		}
		// The Go SDK on its own session: the refused call is an error.
		cs2 := connectWithToken(t, g.URL, access)
		if res, err := cs2.CallTool(ctx, &mcp.CallToolParams{Name: "ev__get-env"}); err == nil && !res.IsError {
			t.Fatalf("ev__get-env with ev.read only ran: %s", textOf(res))
		}
	})

	t.Run("InsufficientScopeRaw", func(t *testing.T) {
		sid := authInit(t, g.URL, access)
		st, h, body := authRaw(t, g.URL, access, sid, callBody(2, "ev__get-env", ""))
		if st != 403 {
			t.Fatalf("ev__get-env with ev.read: want 403, got %d %s", st, body)
		}
		p := authParams(t, h.Get("WWW-Authenticate"))
		if p["error"] != "insufficient_scope" || !contains(strings.Fields(p["scope"]), "ev.admin") || p["resource_metadata"] != metadataURL {
			t.Errorf("step-up challenge: %q", h.Get("WWW-Authenticate"))
		}
		if r := decodeRPC(t, body); r.Error == nil || r.Error.Code != -32016 {
			t.Errorf("want JSON-RPC error -32016, got %s", body)
		}
		if strings.Contains(body, "PATH") || strings.Contains(body, "HOME") {
			t.Errorf("the refused call leaked the environment: %s", body)
		}
		// Benign twin on the same session: echo works.
		st, _, body = authRaw(t, g.URL, access, sid, callBody(3, "ev__echo", `{"message":"still here"}`))
		if r := decodeRPC(t, body); st != 200 || r.Result == nil || len(r.Result.Content) == 0 || !strings.Contains(r.Result.Content[0].Text, "still here") {
			t.Fatalf("echo after the refusal: %d %s", st, body)
		}
	})

	// Attack next to its benign twin, at the gateway's own listener.
	t.Run("ForgedAccessToken", func(t *testing.T) {
		var keys struct {
			Keys []map[string]any `json:"keys"`
		}
		getJSON(t, issuer+"/oauth/keys", &keys)
		if len(keys.Keys) == 0 {
			t.Fatal("no signing keys published")
		}
		kid, _ := keys.Keys[0]["kid"].(string)
		for _, k := range keys.Keys {
			if _, private := k["d"]; private {
				t.Fatalf("/oauth/keys publishes private key material: %v", k)
			}
		}
		// A token with every right claim (and ev.admin), the gateway's kid,
		// signed with a key the gateway never issued.
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		forgedKey, _ := jwk.Import(priv)
		_ = forgedKey.Set(jwk.KeyIDKey, kid)
		ft, _ := jwt.NewBuilder().Issuer(issuer).Subject("ci-bot").Audience([]string{resource}).
			IssuedAt(time.Now()).Expiration(time.Now().Add(5*time.Minute)).JwtID(randID()).
			Claim("client_id", "ci-bot").Claim("scope", "ev.read ev.admin").Build()
		forged, err := jwt.Sign(ft, jwt.WithKey(jwa.ES256(), forgedKey))
		if err != nil {
			t.Fatal(err)
		}
		// The real token's header and payload with the forged signature.
		parts := strings.Split(access, ".")
		fparts := strings.Split(string(forged), ".")
		spliced := parts[0] + "." + parts[1] + "." + fparts[2]
		for name, tok := range map[string]string{"forged signature key": string(forged), "spliced signature": spliced} {
			st, h, body := authRaw(t, g.URL, tok, "", initBody)
			if st != 401 || authParams(t, h.Get("WWW-Authenticate"))["error"] != "invalid_token" {
				t.Errorf("%s: want 401 invalid_token, got %d %q %s", name, st, h.Get("WWW-Authenticate"), body)
			}
		}
		if st, _, body := authRaw(t, g.URL, access, "", initBody); st != 200 {
			t.Fatalf("benign twin (the issued token): %d %s", st, body)
		}
	})

	t.Run("ClientAssertionChecks", func(t *testing.T) {
		assert := func(aud, jti string, exp time.Time) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {clientAssertionType},
				"client_assertion": {bot.assertion(t, aud, jti, exp)}}
		}
		for name, f := range map[string]url.Values{
			"audience of another server": assert("http://127.0.0.1:1", randID(), time.Now().Add(time.Minute)),
			"audience is the resource":   assert(resource, randID(), time.Now().Add(time.Minute)),
			"expired assertion":          assert(issuer, randID(), time.Now().Add(-2*time.Minute)),
			"no assertion at all":        {"grant_type": {"client_credentials"}, "client_id": {"ci-bot"}},
		} {
			st, m := postForm(t, issuer+"/oauth/token", f)
			if st < 400 || st >= 500 || m["access_token"] != nil {
				t.Errorf("%s: want a 4xx refusal, got %d %v", name, st, m)
			} else if m["error"] != "invalid_client" && m["error"] != "unauthorized_client" && m["error"] != "invalid_request" {
				t.Errorf("%s: error = %v", name, m)
			}
		}
		// A replayed assertion (same jti), next to the fresh one.
		f := assert(issuer, randID(), time.Now().Add(time.Minute))
		if st, m := postForm(t, issuer+"/oauth/token", f); st != 200 {
			t.Fatalf("benign twin (fresh assertion): %d %v", st, m)
		}
		if st, m := postForm(t, issuer+"/oauth/token", f); st != 401 || m["error"] != "invalid_client" {
			t.Errorf("replayed assertion: want 401 invalid_client, got %d %v", st, m)
		}
		// ci-bot asking beyond its allowlist, next to asking within it.
		if st, m := bot.token(t, issuer, issuer, url.Values{"scope": {"ev.read ev.admin"}}); st != 400 || m["error"] != "invalid_scope" {
			t.Errorf("ci-bot asking for ev.admin: want 400 invalid_scope, got %d %v", st, m)
		}
		if st, m := bot.token(t, issuer, issuer, url.Values{"scope": {"ev.read"}, "resource": {resource}}); st != 200 {
			t.Errorf("benign twin (ev.read for this resource): %d %v", st, m)
		}
	})

	t.Run("RevocationReachesGateway", func(t *testing.T) {
		tok := bot.mustToken(t, issuer)
		sid := authInit(t, g.URL, tok)
		if st, _, body := authRaw(t, g.URL, tok, sid, callBody(2, "ev__echo", `{"message":"before"}`)); st != 200 {
			t.Fatalf("echo before revocation: %d %s", st, body)
		}
		f := url.Values{"token": {tok}, "client_assertion_type": {clientAssertionType},
			"client_assertion": {bot.assertion(t, issuer, randID(), time.Now().Add(time.Minute))}}
		if st, m := postForm(t, issuer+"/oauth/revoke", f); st != 200 {
			t.Fatalf("revoke: %d %v", st, m)
		}
		// The revoked token is refused at once, on its own session too.
		st, h, body := authRaw(t, g.URL, tok, sid, callBody(3, "ev__echo", `{"message":"after"}`))
		if st != 401 || authParams(t, h.Get("WWW-Authenticate"))["error"] != "invalid_token" {
			t.Errorf("revoked token on its session: want 401 invalid_token, got %d %q %s", st, h.Get("WWW-Authenticate"), body)
		}
		if st, _, body := authRaw(t, g.URL, tok, "", initBody); st != 401 {
			t.Errorf("revoked token, new session: want 401, got %d %s", st, body)
		}
		// Benign twin: ci-bot's other token is unaffected.
		if st, _, body := authRaw(t, g.URL, access, "", initBody); st != 200 {
			t.Fatalf("the unrevoked token: %d %s", st, body)
		}
	})

	t.Run("RegistrationIsForPublicCodeClients", func(t *testing.T) {
		reg := func(body string) (int, map[string]any) {
			resp, err := http.Post(issuer+"/oauth/register", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			return resp.StatusCode, m
		}
		// A registered client may not mint itself a client_credentials
		// client (no user, no key).
		if st, m := reg(`{"redirect_uris":["http://127.0.0.1:9/cb"],"grant_types":["client_credentials"]}`); st != 400 {
			t.Errorf("registering a client_credentials client: want 400, got %d %v", st, m)
		}
		// Asking for a secret gets a public client (no secret handed out).
		st, m := reg(`{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"client_secret_basic"}`)
		if st != 201 || m["token_endpoint_auth_method"] != "none" || m["client_secret"] != nil {
			t.Errorf("registration asking for a secret: %d %v", st, m)
		}
		// That public client cannot use client_credentials.
		id, _ := m["client_id"].(string)
		if st, m := postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}); st < 400 || m["access_token"] != nil {
			t.Errorf("client_credentials for a registered public client: %d %v", st, m)
		}
	})

	t.Run("Audit", func(t *testing.T) {
		echoEvent := func(evs []map[string]any) map[string]any {
			return findEvent(evs, "tools/call", func(e, p map[string]any) bool {
				return e["server"] == "ev" && e["tool"] == "echo" && p["client_id"] == "ci-bot"
			})
		}
		evs := waitAudit(t, g.Audit, func(evs []map[string]any) bool { return echoEvent(evs) != nil })
		issued := findEvent(evs, "token.issued", func(e, p map[string]any) bool { return p["client_id"] == "ci-bot" })
		if issued == nil {
			t.Error("no token.issued event for ci-bot")
		} else if p, _ := issued["principal"].(map[string]any); p["subject"] != "ci-bot" {
			t.Errorf("token.issued principal: %v", p)
		}
		echo := echoEvent(evs)
		if echo == nil {
			t.Fatal("no tools/call event for ev echo by ci-bot")
		}
		p, _ := echo["principal"].(map[string]any)
		if p["auth_method"] != "jwt" || p["subject"] != "ci-bot" || p["issuer"] != issuer || p["anonymous"] == true || p["jti"] == nil {
			t.Errorf("echo principal: %v", p)
		}
		if !contains(anyStrings(p["scopes"]), "ev.read") {
			t.Errorf("echo principal scopes: %v", p["scopes"])
		}
		deny := findEvent(evs, "tools/call", func(e, p map[string]any) bool {
			d, _ := e["decision"].(map[string]any)
			return e["tool"] == "get-env" && d["action"] == "deny" && d["guard"] == "scopes"
		})
		if deny == nil {
			t.Error("no tools/call deny by the scopes guard for get-env")
		}
		if findEvent(evs, "token.revoked", func(e, p map[string]any) bool { return true }) == nil {
			t.Error("no token.revoked event")
		}
		if findEvent(evs, "token.refused", func(e, p map[string]any) bool { return true }) == nil {
			t.Error("no token.refused event for the refused assertions")
		}
		noTokensInAudit(t, evs, access)
		if t.Failed() {
			t.Logf("audit:\n%s", tail(auditText(t, g.Audit), 40))
		}
	})
}

func auditText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// oauthClientOut is tests/npm/oauth-client.mjs's output.
type oauthClientOut struct {
	FirstConnectError *struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"firstConnectError"`
	Browser []struct {
		Step     string `json:"step"`
		Status   int    `json:"status"`
		URL      string `json:"url"`
		Location string `json:"location"`
	} `json:"browser"`
	LoginPage struct {
		XFrameOptions        string `json:"xFrameOptions"`
		ShowsClientName      bool   `json:"showsClientName"`
		AuthRequestIDMatches bool   `json:"authRequestIDMatches"`
	} `json:"loginPage"`
	CallbackIss      string              `json:"callbackIss"`
	AuthorizeParams  map[string]any      `json:"authorizeParams"`
	RegisteredClient map[string]any      `json:"registeredClient"`
	Tokens           tsTokens            `json:"tokens"`
	ServerInfo       map[string]any      `json:"serverInfo"`
	Tools            []string            `json:"tools"`
	Echo             *mcp.CallToolResult `json:"echo"`
	Refresh          struct {
		Result               string   `json:"result"`
		PreviousRefreshToken string   `json:"previous_refresh_token"`
		Tokens               tsTokens `json:"tokens"`
	} `json:"refresh"`
	EchoAfterRefresh *mcp.CallToolResult `json:"echoAfterRefresh"`
	Error            map[string]any      `json:"error"`
}

type tsTokens struct {
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    float64 `json:"expires_in"`
	Scope        string  `json:"scope"`
}

// runOAuthClient runs tests/npm/oauth-client.mjs (the TypeScript SDK's
// OAuth client) against endpoint, signing in as user with the password
// in env.
func runOAuthClient(t *testing.T, endpoint, redirect, user, passwordVar, password, message string) *oauthClientOut {
	t.Helper()
	dir := npmDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "oauth-client.mjs"), "--url", endpoint, "--redirect", redirect,
		"--user", user, "--password-env", passwordVar, "--message", message, "--timeout", "30000")
	cmd.Env = append(os.Environ(), passwordVar+"="+password)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var r oauthClientOut
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil {
		t.Fatalf("oauth-client.mjs output is not JSON (%v, run err %v):\n%s\nstderr:\n%s", jerr, err, out.String(), tail(errb.String(), 30))
	}
	if err != nil || r.Error != nil {
		t.Fatalf("oauth-client.mjs failed: %v: %s\nstderr:\n%s", err, out.String(), tail(errb.String(), 30))
	}
	return &r
}

func resultText(r *mcp.CallToolResult) string {
	if r == nil {
		return ""
	}
	return textOf(r)
}

// TestAuthEmbeddedTSClientOAuth: the TypeScript SDK's client OAuth support
// against the embedded authorization server: discovery (protected resource
// metadata, authorization server metadata), dynamic registration, the
// authorization code flow with PKCE S256 and a resource indicator, the
// login and consent page (the script plays the browser), the code
// exchange, the MCP session with the token, and a refresh.
func TestAuthEmbeddedTSClientOAuth(t *testing.T) {
	bot := newCIBot(t)
	password := "pw-" + randID()
	g := startGateway(t, embeddedConfig(t, bot.jwksFile, "  users: {alice: \"env:ALICE_PW\"}\n  scopes_supported: [ev.read]\n"), "ALICE_PW="+password)
	issuer := "http://" + g.Addr
	resource := g.URL
	redirect := "http://" + freeAddr(t) + "/callback" // nothing listens: the script reads the code off the redirect

	r := runOAuthClient(t, g.URL, redirect, "alice", "ALICE_PW", password, "hello from ts")

	t.Run("Flow", func(t *testing.T) {
		if r.FirstConnectError == nil || r.FirstConnectError.Name != "UnauthorizedError" {
			t.Errorf("the first connect should end in UnauthorizedError (redirect to authorize): %+v", r.FirstConnectError)
		}
		clientID, _ := r.RegisteredClient["client_id"].(string)
		if !strings.HasPrefix(clientID, "dyn-") || r.RegisteredClient["token_endpoint_auth_method"] != "none" || r.RegisteredClient["client_secret"] != nil {
			t.Errorf("registered client: %v", r.RegisteredClient)
		}
		ap := r.AuthorizeParams
		if ap["client_id"] != clientID || ap["code_challenge_method"] != "S256" || ap["has_code_challenge"] != true ||
			ap["redirect_uri"] != redirect || ap["resource"] != resource || ap["response_type"] != "code" || ap["has_state"] != true {
			t.Errorf("authorization request: %v", ap)
		}
		if ap["scope"] != "ev.read" {
			t.Errorf("the client asked for scope %v, want ev.read (from the challenge / scopes_supported)", ap["scope"])
		}
		var steps []string
		for _, s := range r.Browser {
			steps = append(steps, s.Step+":"+http.StatusText(s.Status))
		}
		if want := "authorize:Found login page:OK login:Found callback:Found"; strings.Join(steps, " ") != want {
			t.Errorf("browser steps %v, want %s", steps, want)
		}
		if !r.LoginPage.ShowsClientName || r.LoginPage.XFrameOptions != "DENY" || !r.LoginPage.AuthRequestIDMatches {
			t.Errorf("login page: %+v", r.LoginPage)
		}
		if r.CallbackIss != "" && r.CallbackIss != issuer {
			t.Errorf("iss on the redirect = %q, want %q", r.CallbackIss, issuer)
		}

		tk := r.Tokens
		if tk.AccessToken == "" || tk.RefreshToken == "" || !strings.EqualFold(tk.TokenType, "Bearer") {
			t.Fatalf("tokens: access %v refresh %v type %q", tk.AccessToken != "", tk.RefreshToken != "", tk.TokenType)
		}
		if tk.ExpiresIn < 590 || tk.ExpiresIn > 600 {
			t.Errorf("expires_in = %v, want the configured 10m", tk.ExpiresIn)
		}
		c := jwtClaims(t, tk.AccessToken)
		if c["iss"] != issuer || c["sub"] != "alice" || !contains(audValues(c["aud"]), resource) || c["client_id"] != clientID {
			t.Errorf("access token claims: %v", c)
		}
		if sc, _ := c["scope"].(string); !contains(strings.Fields(sc), "ev.read") || contains(strings.Fields(sc), "ev.admin") {
			t.Errorf("access token scope %q, want ev.read only", sc)
		}

		if r.ServerInfo["name"] != "mcpwarden" {
			t.Errorf("serverInfo: %v", r.ServerInfo)
		}
		if !contains(r.Tools, "ev__echo") || !contains(r.Tools, "ev__get-sum") || contains(r.Tools, "ev__get-env") {
			t.Errorf("tools with ev.read: %v", r.Tools)
		}
		if r.Echo == nil || r.Echo.IsError || !strings.Contains(resultText(r.Echo), "hello from ts") {
			t.Errorf("ev__echo: %+v", r.Echo)
		}

		rf := r.Refresh
		if rf.Result != "AUTHORIZED" || rf.Tokens.AccessToken == "" || rf.Tokens.AccessToken == tk.AccessToken ||
			rf.Tokens.RefreshToken == "" || rf.Tokens.RefreshToken == tk.RefreshToken || rf.PreviousRefreshToken != tk.RefreshToken {
			t.Errorf("refresh: result %q, new access %v, rotated %v", rf.Result, rf.Tokens.AccessToken != tk.AccessToken, rf.Tokens.RefreshToken != tk.RefreshToken)
		}
		if r.EchoAfterRefresh == nil || r.EchoAfterRefresh.IsError || !strings.Contains(resultText(r.EchoAfterRefresh), "hello from ts (refreshed)") {
			t.Errorf("ev__echo after the refresh: %+v", r.EchoAfterRefresh)
		}
	})

	// Attack: the rotated-out refresh token is replayed (as by a thief who
	// copied it). The whole family is revoked, and the gateway refuses the
	// family's live access token at once. The benign twin runs first: the
	// live token works.
	t.Run("RefreshReplayRevokesFamilyAtGateway", func(t *testing.T) {
		live := r.Refresh.Tokens.AccessToken
		clientID, _ := r.RegisteredClient["client_id"].(string)
		sid := authInit(t, g.URL, live)
		if st, _, body := authRaw(t, g.URL, live, sid, callBody(2, "ev__echo", `{"message":"live"}`)); st != 200 {
			t.Fatalf("benign twin (live token): %d %s", st, body)
		}
		st, m := postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.Tokens.RefreshToken},
			"client_id": {clientID}, "resource": {resource}})
		if st != 400 || m["error"] != "invalid_grant" {
			t.Fatalf("replayed refresh token: want 400 invalid_grant, got %d %v", st, m)
		}
		if st, h, body := authRaw(t, g.URL, live, sid, callBody(3, "ev__echo", `{"message":"after replay"}`)); st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("the family's access token after the replay: want 401 invalid_token, got %d %q %s", st, h.Get("WWW-Authenticate"), body)
		}
		st, m = postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.Refresh.Tokens.RefreshToken}, "client_id": {clientID}})
		if st != 400 {
			t.Errorf("the family's current refresh token after the replay: want 400, got %d %v", st, m)
		}
	})

	t.Run("LoginPageAttacks", func(t *testing.T) {
		testLoginAttacks(t, bot, issuer, resource, password)
	})

	t.Run("Audit", func(t *testing.T) {
		clientID, _ := r.RegisteredClient["client_id"].(string)
		aliceEcho := func(evs []map[string]any) map[string]any {
			return findEvent(evs, "tools/call", func(e, p map[string]any) bool {
				return e["server"] == "ev" && e["tool"] == "echo" && p["subject"] == "alice" && p["client_id"] == clientID
			})
		}
		evs := waitAudit(t, g.Audit, func(evs []map[string]any) bool {
			return aliceEcho(evs) != nil && len(eventsOf(evs, "token.revoked")) > 0
		})
		if e := findEvent(evs, "client.registered", func(e, p map[string]any) bool { return p["client_id"] == clientID }); e == nil {
			t.Error("no client.registered event for the TS client")
		} else if d, _ := e["detail"].(map[string]any); d["client_name"] != "mcpwarden e2e TS client" {
			t.Errorf("client.registered detail: %v", e["detail"])
		}
		if findEvent(evs, "auth.login", func(e, p map[string]any) bool { return p["subject"] == "alice" && p["client_id"] == clientID }) == nil {
			t.Error("no auth.login event for alice")
		}
		issued := findEvent(evs, "token.issued", func(e, p map[string]any) bool { return p["subject"] == "alice" && p["client_id"] == clientID })
		if issued == nil {
			t.Error("no token.issued event for alice")
		} else if d, _ := issued["detail"].(map[string]any); d["refresh_family"] == nil || !contains(anyStrings(d["scopes"]), "ev.read") {
			t.Errorf("token.issued detail: %v", issued["detail"])
		}
		echo := aliceEcho(evs)
		if echo == nil {
			t.Fatal("no tools/call event for ev echo by alice")
		}
		if p, _ := echo["principal"].(map[string]any); p["auth_method"] != "jwt" || p["issuer"] != issuer || p["anonymous"] == true {
			t.Errorf("echo principal: %v", p)
		}
		if findEvent(evs, "token.revoked", func(e, p map[string]any) bool {
			d, _ := e["detail"].(map[string]any)
			return d["reason"] == "refresh token reused"
		}) == nil {
			t.Error("no token.revoked event for the refresh token replay")
		}
		var csrf, wrongPW bool
		for _, e := range eventsOf(evs, "auth.login_failed") {
			d, _ := e["decision"].(map[string]any)
			switch d["reason"] {
			case "CSRF token mismatch":
				csrf = true
			case "wrong user name or password":
				wrongPW = true
			}
		}
		if !csrf || !wrongPW {
			t.Errorf("auth.login_failed events: csrf %v, wrong password %v", csrf, wrongPW)
		}
		noTokensInAudit(t, evs, r.Tokens.AccessToken, r.Tokens.RefreshToken, r.Refresh.Tokens.AccessToken, r.Refresh.Tokens.RefreshToken, password)
		if t.Failed() {
			t.Logf("audit:\n%s", tail(auditText(t, g.Audit), 60))
		}
	})
}

var (
	loginCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	loginID   = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// codeFlow is one headless authorization request at the embedded server.
type codeFlow struct {
	t                                    *testing.T
	issuer, resource, clientID, redirect string
	verifier, state                      string
	id, csrf                             string
}

// startCodeFlow registers a public client and opens an authorization
// request up to the login page.
func startCodeFlow(t *testing.T, issuer, resource string) *codeFlow {
	t.Helper()
	f := &codeFlow{t: t, issuer: issuer, resource: resource, redirect: "http://127.0.0.1:9/callback", state: randID()}
	resp, err := http.Post(issuer+"/oauth/register", "application/json",
		strings.NewReader(`{"redirect_uris":["`+f.redirect+`"],"client_name":"Go login test","token_endpoint_auth_method":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	f.clientID, _ = reg["client_id"].(string)
	if resp.StatusCode != 201 || f.clientID == "" {
		t.Fatalf("register: %d %v", resp.StatusCode, reg)
	}
	f.restart()
	return f
}

// restart opens a new authorization request for the same client.
func (f *codeFlow) restart() {
	t := f.t
	t.Helper()
	v := make([]byte, 32)
	_, _ = rand.Read(v)
	f.verifier = base64.RawURLEncoding.EncodeToString(v)
	sum := sha256.Sum256([]byte(f.verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {f.redirect}, "state": {f.state},
		"scope": {"ev.read"}, "resource": {f.resource}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	resp, err := noRedirect.Get(f.issuer + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Path != "/oauth/login" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page, err := noRedirect.Get(f.issuer + loc.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	c, id := loginCSRF.FindStringSubmatch(string(body)), loginID.FindStringSubmatch(string(body))
	if page.StatusCode != 200 || c == nil || id == nil {
		t.Fatalf("login page: %d %s", page.StatusCode, body)
	}
	f.csrf, f.id = c[1], id[1]
}

// submit posts the login form.
func (f *codeFlow) submit(user, password, csrf, decision string) (int, string) {
	f.t.Helper()
	resp, err := noRedirect.PostForm(f.issuer+"/oauth/login", url.Values{"id": {f.id}, "csrf": {csrf},
		"username": {user}, "password": {password}, "decision": {decision}})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// testLoginAttacks: the login and consent page on the gateway's listener,
// each attack next to its benign twin.
func testLoginAttacks(t *testing.T, bot *ciBot, issuer, resource, password string) {
	f := startCodeFlow(t, issuer, resource)

	// A forged form (no or another request's CSRF token) is refused and does
	// not count as a sign-in, even with the right password.
	other := startCodeFlow(t, issuer, resource)
	for name, csrf := range map[string]string{"no csrf": "", "another request's csrf": other.csrf} {
		if st, loc := f.submit("alice", password, csrf, "approve"); st != 403 || loc != "" {
			t.Errorf("%s: want 403, got %d %q", name, st, loc)
		}
	}
	// Wrong passwords, an unknown user with alice's password, and an empty
	// password: 401 with the page again; the fifth failure ends the request,
	// after which even the right password cannot finish it.
	for i, cred := range [][2]string{{"alice", "wrong"}, {"bob", password}, {"alice", ""}, {"ALICE", password}} {
		if st, loc := f.submit(cred[0], cred[1], f.csrf, "approve"); st != 401 || loc != "" {
			t.Errorf("failure %d (%s): want 401, got %d %q", i+1, cred[0], st, loc)
		}
	}
	if st, _ := f.submit("alice", "wrong again", f.csrf, "approve"); st != 403 {
		t.Errorf("fifth failure: want 403 (request ended), got %d", st)
	}
	if st, loc := f.submit("alice", password, f.csrf, "approve"); st != 400 || loc != "" {
		t.Errorf("right password on the ended request: want 400, got %d %q", st, loc)
	}

	// The user denies: back to the client with error=access_denied, no code.
	f.restart()
	st, loc := f.submit("alice", password, f.csrf, "deny")
	u, _ := url.Parse(loc)
	if st != 302 || u == nil || !strings.HasPrefix(loc, f.redirect) || u.Query().Get("error") != "access_denied" || u.Query().Get("code") != "" || u.Query().Get("state") != f.state {
		t.Errorf("deny: %d %q", st, loc)
	}

	// Benign twin: a fresh request, the right password, approve -> a code,
	// a token, an MCP session at the gateway.
	f.restart()
	st, loc = f.submit("alice", password, f.csrf, "approve")
	if st != 302 || !strings.Contains(loc, "/oauth/authorize/callback") {
		t.Fatalf("sign-in: %d %q", st, loc)
	}
	cbURL, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Get(f.issuer + cbURL.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	final, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(final.String(), f.redirect) || final.Query().Get("code") == "" || final.Query().Get("state") != f.state {
		t.Fatalf("callback: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code := final.Query().Get("code")
	// The code belongs to this client: another registered client cannot
	// redeem it (even with the right verifier); the owner can, once.
	exchange := func(clientID string) (int, map[string]any) {
		return postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {f.redirect}, "client_id": {clientID}, "code_verifier": {f.verifier}, "resource": {resource}})
	}
	if st, m := exchange(other.clientID); st != 400 || m["access_token"] != nil {
		t.Errorf("code redeemed by another client: want 400, got %d %v", st, m)
	}
	st, tok := exchange(f.clientID)
	access, _ := tok["access_token"].(string)
	if st != 200 || access == "" {
		t.Fatalf("code exchange: %d %v", st, tok)
	}
	if st, _, body := authRaw(t, resource, access, "", initBody); st != 200 {
		t.Fatalf("alice's token from the Go flow at the gateway: %d %s", st, body)
	}

	// The ID token of the same response (same issuer and key) is not an
	// access token: the gateway refuses it.
	if idt, _ := tok["id_token"].(string); idt != "" {
		if st, h, body := authRaw(t, resource, idt, "", initBody); st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("the ID token as a bearer token: want 401 invalid_token, got %d %q %s", st, h.Get("WWW-Authenticate"), body)
		}
	}

	// Revocation by someone else: ci-bot (another, authenticated client)
	// is refused; another public client gets RFC 7009's 200 but revokes
	// nothing. alice's tokens keep working.
	rt, _ := tok["refresh_token"].(string)
	if st, m := postForm(t, issuer+"/oauth/revoke", url.Values{"token": {access}, "client_assertion_type": {clientAssertionType},
		"client_assertion": {bot.assertion(t, issuer, randID(), time.Now().Add(time.Minute))}}); st != 401 && st != 400 {
		t.Errorf("ci-bot revoking alice's access token: want a refusal, got %d %v", st, m)
	}
	if st, m := postForm(t, issuer+"/oauth/revoke", url.Values{"token": {rt}, "client_id": {other.clientID}}); st != 200 && st != 400 && st != 401 {
		t.Errorf("another client revoking alice's refresh token: %d %v", st, m)
	}
	if st, _, body := authRaw(t, resource, access, "", initBody); st != 200 {
		t.Fatalf("alice's access token after the others' revocation attempts: %d %s", st, body)
	}
	st, tok2 := postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {f.clientID}})
	access2, _ := tok2["access_token"].(string)
	rt2, _ := tok2["refresh_token"].(string)
	if st != 200 || access2 == "" || rt2 == "" || rt2 == rt {
		t.Fatalf("alice's refresh token after the others' revocation attempts: %d %v", st, tok2)
	}

	// Benign twin: the owner signs out (revokes its refresh token): the
	// whole family, with the access tokens issued from it, is refused by
	// the gateway at once.
	sid := authInit(t, resource, access2)
	if st, m := postForm(t, issuer+"/oauth/revoke", url.Values{"token": {rt2}, "token_type_hint": {"refresh_token"}, "client_id": {f.clientID}}); st != 200 {
		t.Fatalf("the owner revoking its refresh token: %d %v", st, m)
	}
	if st, _, body := authRaw(t, resource, access2, sid, callBody(2, "ev__echo", `{"message":"x"}`)); st != 401 {
		t.Errorf("access token of the revoked family on its session: want 401, got %d %s", st, body)
	}
	if st, _, body := authRaw(t, resource, access, "", initBody); st != 401 {
		t.Errorf("first access token of the revoked family: want 401, got %d %s", st, body)
	}
	if st, m := postForm(t, issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt2}, "client_id": {f.clientID}}); st != 400 {
		t.Errorf("revoked refresh token: want 400, got %d %v", st, m)
	}
}
