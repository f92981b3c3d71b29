package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The test IdP (tests/idp: the zitadel/oidc example OpenID Provider) is
// built once, next to the gateway binary (TestMain removes that directory).
var (
	idpOnce sync.Once
	idpPath string
	idpErr  error
)

func buildIDP(t testing.TB) string {
	t.Helper()
	idpOnce.Do(func() {
		idpPath = filepath.Join(filepath.Dir(binPath), "idp")
		cmd := exec.Command("go", "build", "-o", idpPath, "./tests/idp")
		cmd.Dir = repoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			idpErr = errors.New("building tests/idp: " + err.Error() + "\n" + string(out))
		}
	})
	if idpErr != nil {
		t.Fatal(idpErr)
	}
	return idpPath
}

// startIDP runs the test IdP on 127.0.0.1 and returns its issuer (with the
// trailing slash it prints).
func startIDP(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(buildIDP(t), append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("idp log:\n%s", tail(logs.String(), 40))
		}
	})
	issuer := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "ISSUER "); ok {
				issuer <- strings.TrimSpace(rest)
			}
		}
	}()
	select {
	case iss := <-issuer:
		return iss
	case <-time.After(30 * time.Second):
		t.Fatalf("idp did not start:\n%s", logs.String())
	}
	return ""
}

// idpToken gets a client_credentials access token from the IdP.
func idpToken(t testing.TB, issuer, client, secret, scope, resource string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	if resource != "" {
		form.Set("resource", resource)
	}
	req, err := http.NewRequest("POST", issuer+"oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("token request (%s, scope %q): %d %s", client, scope, resp.StatusCode, body)
	}
	if strings.Count(tr.AccessToken, ".") != 2 {
		t.Fatalf("the IdP issued a non-JWT access token: %s", tr.AccessToken)
	}
	return tr.AccessToken
}

// bearer adds an Authorization header to every request.
type bearer struct {
	tok  string
	base http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}

// connectWithToken opens a Go SDK session that sends tok on every request.
func connectWithToken(t testing.TB, endpoint, tok string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "e2e-auth-client", Version: "1.0"}, nil)
	hc := &http.Client{Transport: bearer{tok: tok, base: http.DefaultTransport}}
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc}, legacySession)
	if err != nil {
		t.Fatalf("connect %s: %v", endpoint, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// authRaw speaks Streamable HTTP by hand with an optional token.
func authRaw(t *testing.T, endpoint, tok, sid, body string) (int, http.Header, string) {
	t.Helper()
	c := &rawClient{t: t, url: endpoint, sid: sid}
	hdr := map[string]string{"MCP-Protocol-Version": "2025-06-18"}
	if tok != "" {
		hdr["Authorization"] = "Bearer " + tok
	}
	if sid == "" {
		delete(hdr, "MCP-Protocol-Version")
	}
	return c.do("POST", body, hdr)
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw-auth","version":"1"}}}`

// authInit opens a session with tok (JSON responses: an older protocol
// version) and returns its id.
func authInit(t *testing.T, endpoint, tok string) string {
	t.Helper()
	st, h, body := authRaw(t, endpoint, tok, "", initBody)
	if st != 200 || h.Get("Mcp-Session-Id") == "" {
		t.Fatalf("initialize: %d %s", st, body)
	}
	sid := h.Get("Mcp-Session-Id")
	if st, _, body := authRaw(t, endpoint, tok, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); st != 202 {
		t.Fatalf("initialized: %d %s", st, body)
	}
	return sid
}

func callBody(id int, tool string, args string) string {
	if args == "" {
		args = "{}"
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, args)
}

// rpcResult decodes a JSON-RPC response body.
type rpcResult struct {
	Result *struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		IsError bool `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

func decodeRPC(t *testing.T, body string) rpcResult {
	t.Helper()
	var r rpcResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not a JSON-RPC response: %v: %s", err, body)
	}
	return r
}

// recorder is a Go SDK Streamable HTTP server that records the headers of
// every request it receives.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (rc *recorder) all() []http.Header {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]http.Header(nil), rc.headers...)
}

func startRecorder(t testing.TB) (*recorder, string) {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "rec", Version: "1.0"}, nil)
	type empty struct{}
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Say which headers arrived."}, func(ctx context.Context, r *mcp.CallToolRequest, in empty) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "rec ok"}}}, nil, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	rc := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func authConfig(issuer, recURL string) string {
	return `
listen: {{LISTEN}}
auth:
  issuer: "` + issuer + `"
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
    timeout: 5s
    tools:
      echo: {scopes: [demo.read]}
      "*": {scopes: [demo.admin]}
  rec:
    url: ` + recURL + `
    timeout: 5s
    tools:
      "*": {scopes: [demo.read]}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

// authParams parses the auth-params of a Bearer challenge (quoted values).
func authParams(t *testing.T, h string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "Bearer")
	if !ok {
		t.Fatalf("WWW-Authenticate is not a Bearer challenge: %q", h)
	}
	out := map[string]string{}
	s := strings.TrimSpace(rest)
	for s != "" {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			t.Fatalf("malformed challenge %q", h)
		}
		k = strings.TrimSpace(k)
		v = strings.TrimLeft(v, " ")
		if strings.HasPrefix(v, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			out[k] = b.String()
			v = v[min(i+1, len(v)):]
		} else {
			end := strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			out[k] = strings.TrimSpace(v[:end])
			v = v[end:]
		}
		s = strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(v), ","), " ")
	}
	return out
}

// TestAuthExternalIdP runs the gateway as an OAuth protected resource
// behind a real OpenID Provider (the zitadel/oidc example), over real HTTP:
// every attack next to its benign twin.
func TestAuthExternalIdP(t *testing.T) {
	issuer := startIDP(t)
	rec, recURL := startRecorder(t)
	g := startGateway(t, authConfig(issuer, recURL))
	resource := g.URL // "http://127.0.0.1:PORT/mcp", the default auth.resource
	metadataURL := "http://" + g.Addr + "/.well-known/oauth-protected-resource/mcp"

	// Tokens: sid1 and sid2 are two principals of the IdP.
	readA := idpToken(t, issuer, "sid1", "verysecret", "demo.read", resource)
	adminA := idpToken(t, issuer, "sid1", "verysecret", "demo.read demo.admin", resource)
	readB := idpToken(t, issuer, "sid2", "verysecret2", "demo.read", resource)
	ctx := context.Background()

	t.Run("NoTokenChallengeAndMetadata", func(t *testing.T) {
		st, h, body := authRaw(t, g.URL, "", "", initBody)
		if st != 401 {
			t.Fatalf("initialize without a token: want 401, got %d %s", st, body)
		}
		p := authParams(t, h.Get("WWW-Authenticate"))
		if p["resource_metadata"] != metadataURL {
			t.Errorf("resource_metadata = %q, want %q (header %q)", p["resource_metadata"], metadataURL, h.Get("WWW-Authenticate"))
		}
		if _, ok := p["error"]; ok {
			t.Errorf("a request without a token must get the bare challenge (no error=): %q", h.Get("WWW-Authenticate"))
		}
		if !strings.Contains(p["scope"], "demo.read") {
			t.Errorf("challenge scope = %q, want the supported scopes", p["scope"])
		}

		resp, err := http.Get(metadataURL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var md struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("metadata: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
			t.Fatal(err)
		}
		if md.Resource != resource || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != issuer {
			t.Fatalf("metadata: %+v, want resource %s and authorization_servers [%s]", md, resource, issuer)
		}
		if !contains(md.ScopesSupported, "demo.read") || !contains(md.ScopesSupported, "demo.admin") {
			t.Errorf("scopes_supported = %v", md.ScopesSupported)
		}
	})

	t.Run("SDKClientWithScopedToken", func(t *testing.T) {
		cs := connectWithToken(t, g.URL, readA)
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		names := toolNames(tools)
		for _, want := range []string{"demo__echo", "rec__whoami"} {
			if !contains(names, want) {
				t.Errorf("tools/list lacks %s: %v", want, names)
			}
		}
		for _, hidden := range []string{"demo__get_env", "demo__delete_item", "demo__add"} {
			if contains(names, hidden) {
				t.Errorf("tools/list shows %s, which needs demo.admin the token lacks: %v", hidden, names)
			}
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__echo", Arguments: map[string]any{"message": "hello idp"}})
		if err != nil || res.IsError || textOf(res) != "hello idp" {
			t.Fatalf("demo__echo: %v %v", res, err)
		}
		// The admin token sees every tool.
		cs2 := connectWithToken(t, g.URL, adminA)
		tools, err = cs2.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		names = toolNames(tools)
		for _, want := range []string{"demo__echo", "demo__get_env", "demo__delete_item", "demo__add"} {
			if !contains(names, want) {
				t.Errorf("admin tools/list lacks %s: %v", want, names)
			}
		}
	})

	t.Run("InsufficientScopeStepUp", func(t *testing.T) {
		sid := authInit(t, g.URL, readA)
		st, h, body := authRaw(t, g.URL, readA, sid, callBody(2, "demo__get_env", ""))
		if st != 403 {
			t.Fatalf("demo__get_env with demo.read only: want 403, got %d %s", st, body)
		}
		p := authParams(t, h.Get("WWW-Authenticate"))
		if p["error"] != "insufficient_scope" || !contains(strings.Fields(p["scope"]), "demo.admin") || p["resource_metadata"] != metadataURL {
			t.Errorf("step-up challenge: %q", h.Get("WWW-Authenticate"))
		}
		if !contains(strings.Fields(p["scope"]), "demo.read") {
			t.Errorf("step-up scope should keep the scopes the token has (demo.read): %q", p["scope"])
		}
		r := decodeRPC(t, body)
		if r.Error == nil || r.Error.Code != -32016 {
			t.Fatalf("want JSON-RPC error -32016, got %s", body)
		}
		var data struct {
			Scope any `json:"scope"`
		}
		_ = json.Unmarshal(r.Error.Data, &data)
		var dataScopes []string
		switch v := data.Scope.(type) {
		case string:
			dataScopes = strings.Fields(v)
		case []any:
			dataScopes = anyStrings(v)
		}
		if !contains(dataScopes, "demo.admin") {
			t.Errorf("error data.scope should list demo.admin: %s", body)
		}
		// delete_item too.
		if st, _, body := authRaw(t, g.URL, readA, sid, callBody(3, "demo__delete_item", `{"id":"1"}`)); st != 403 {
			t.Errorf("demo__delete_item with demo.read only: want 403, got %d %s", st, body)
		}
		// The session survives a refused call: echo still works.
		st, _, body = authRaw(t, g.URL, readA, sid, callBody(4, "demo__echo", `{"message":"still here"}`))
		if r := decodeRPC(t, body); st != 200 || r.Result == nil || r.Result.Content[0].Text != "still here" {
			t.Fatalf("echo after refusal: %d %s", st, body)
		}

		// Benign twin: a token with demo.admin calls it.
		sid2 := authInit(t, g.URL, adminA)
		st, _, body = authRaw(t, g.URL, adminA, sid2, callBody(2, "demo__get_env", ""))
		if r := decodeRPC(t, body); st != 200 || r.Result == nil || r.Error != nil || r.Result.IsError {
			t.Fatalf("demo__get_env with demo.admin: %d %s", st, body)
		}
	})

	t.Run("InvalidTokens", func(t *testing.T) {
		wrongAud := idpToken(t, issuer, "sid1", "verysecret", "demo.read demo.admin", "http://127.0.0.1:1/other")
		// Another IdP (its own issuer and signing key) issues a token for
		// this very resource.
		otherIssuer := startIDP(t)
		foreign := idpToken(t, otherIssuer, "sid1", "verysecret", "demo.read demo.admin", resource)
		noAud := idpToken(t, issuer, "sid1", "verysecret", "demo.read", "") // aud = the client id
		for name, tok := range map[string]string{
			"wrong audience":     wrongAud,
			"client-id audience": noAud,
			"garbage":            "not-a-token",
			"garbage JWT shape":  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
			"tampered":           tamper(adminA),
			"other issuer":       foreign,
		} {
			st, h, body := authRaw(t, g.URL, tok, "", initBody)
			if st != 401 {
				t.Errorf("%s: want 401, got %d %s", name, st, body)
				continue
			}
			p := authParams(t, h.Get("WWW-Authenticate"))
			if p["error"] != "invalid_token" || p["resource_metadata"] != metadataURL {
				t.Errorf("%s: challenge %q", name, h.Get("WWW-Authenticate"))
			}
		}
		// A token in the query string is refused, even a valid one (MCP:
		// the Authorization header only).
		c := &rawClient{t: t, url: g.URL + "?access_token=" + url.QueryEscape(readA)}
		if st, h, body := c.do("POST", initBody, nil); st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("token in the query string: want 401 invalid_token, got %d %q %s", st, h.Get("WWW-Authenticate"), body)
		}
		// Benign twin: the right audience works (the same request).
		if st, _, body := authRaw(t, g.URL, readA, "", initBody); st != 200 {
			t.Fatalf("right audience: %d %s", st, body)
		}
	})

	t.Run("TokenWithoutConfiguredScope", func(t *testing.T) {
		for _, scope := range []string{"openid", "other.scope", ""} {
			tok := idpToken(t, issuer, "sid1", "verysecret", scope, resource)
			st, h, body := authRaw(t, g.URL, tok, "", initBody)
			if st != 403 {
				t.Errorf("scope %q: initialize want 403, got %d %s", scope, st, body)
				continue
			}
			p := authParams(t, h.Get("WWW-Authenticate"))
			if p["error"] != "insufficient_scope" || p["scope"] == "" {
				t.Errorf("scope %q: challenge %q", scope, h.Get("WWW-Authenticate"))
			}
			if r := decodeRPC(t, body); r.Error == nil || r.Error.Code != -32016 {
				t.Errorf("scope %q: body %s", scope, body)
			}
		}
	})

	t.Run("SessionBinding", func(t *testing.T) {
		sid := authInit(t, g.URL, readA)
		list := `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`
		// Another principal's (valid) token on A's session.
		st, _, body := authRaw(t, g.URL, readB, sid, list)
		if st != 403 {
			t.Fatalf("B's token on A's session: want 403, got %d %s", st, body)
		}
		if st, _, body := authRaw(t, g.URL, readB, sid, callBody(8, "demo__echo", `{"message":"hijack"}`)); st != 403 {
			t.Fatalf("B's tools/call on A's session: want 403, got %d %s", st, body)
		}
		// B's GET (standalone stream) and DELETE on A's session.
		for _, method := range []string{"GET", "DELETE"} {
			c := &rawClient{t: t, url: g.URL, sid: sid}
			st, _, body := c.do(method, "", map[string]string{"Authorization": "Bearer " + readB, "Accept": "text/event-stream", "MCP-Protocol-Version": "2025-06-18"})
			if st != 403 {
				t.Errorf("B's %s on A's session: want 403, got %d %s", method, st, body)
			}
		}
		// No token at all on A's session.
		if st, h, body := authRaw(t, g.URL, "", sid, list); st != 401 || h.Get("WWW-Authenticate") == "" {
			t.Fatalf("no token on A's session: want 401 with a challenge, got %d %s", st, body)
		}
		// B's own session works (B is a valid principal).
		sidB := authInit(t, g.URL, readB)
		if st, _, body := authRaw(t, g.URL, readB, sidB, callBody(9, "demo__echo", `{"message":"b"}`)); st != 200 || decodeRPC(t, body).Result == nil {
			t.Fatalf("B on its own session: %d %s", st, body)
		}
		// Benign twin: A continues its session, also with a stepped-up
		// token (same principal, more scopes).
		st, _, body = authRaw(t, g.URL, readA, sid, callBody(10, "demo__echo", `{"message":"a"}`))
		if r := decodeRPC(t, body); st != 200 || r.Result == nil || r.Result.Content[0].Text != "a" {
			t.Fatalf("A on its session after the hijack attempts: %d %s", st, body)
		}
		st, _, body = authRaw(t, g.URL, adminA, sid, callBody(11, "demo__get_env", ""))
		if r := decodeRPC(t, body); st != 200 || r.Result == nil || r.Error != nil {
			t.Fatalf("A's stepped-up token on the same session: %d %s", st, body)
		}
	})

	t.Run("TokenNeverReachesUpstream", func(t *testing.T) {
		cs := connectWithToken(t, g.URL, adminA)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "rec__whoami"})
		if err != nil || res.IsError || textOf(res) != "rec ok" {
			t.Fatalf("rec__whoami: %v %v", res, err)
		}
		sid := authInit(t, g.URL, readA)
		if st, _, body := authRaw(t, g.URL, readA, sid, callBody(2, "rec__whoami", "")); st != 200 || decodeRPC(t, body).Result == nil {
			t.Fatalf("rec__whoami raw: %d %s", st, body)
		}
		hs := rec.all()
		if len(hs) == 0 {
			t.Fatal("the recording upstream received no request")
		}
		for i, h := range hs {
			if v := h.Values("Authorization"); len(v) > 0 {
				t.Errorf("upstream request %d carried Authorization %q", i, v)
			}
			for k, vs := range h {
				for _, v := range vs {
					for _, tok := range []string{readA, adminA, readB} {
						if strings.Contains(v, tok) || strings.Contains(v, tok[strings.LastIndexByte(tok, '.')+1:]) {
							t.Errorf("upstream request %d header %s carries the client's token", i, k)
						}
					}
				}
			}
		}
	})

	t.Run("Audit", func(t *testing.T) {
		var evs []map[string]any
		var echo map[string]any
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			evs = auditEvents(t, g.Audit)
			for _, e := range eventsOf(evs, "tools/call") {
				if e["server"] == "demo" && e["tool"] == "echo" {
					echo = e
					break
				}
			}
			if echo != nil && len(eventsOf(evs, "auth.denied")) > 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if echo == nil {
			t.Fatal("no tools/call event for demo echo")
		}
		p, _ := echo["principal"].(map[string]any)
		if p["subject"] != "sid1" || p["client_id"] != "sid1" || p["auth_method"] != "jwt" || p["issuer"] != issuer ||
			p["jti"] == nil || p["jti"] == "" || p["anonymous"] == true {
			t.Errorf("echo principal: %v", p)
		}
		if sc, _ := p["scopes"].([]any); !contains(anyStrings(sc), "demo.read") {
			t.Errorf("echo principal scopes: %v", p["scopes"])
		}
		for _, e := range evs {
			b, _ := json.Marshal(e)
			for _, tok := range []string{readA, adminA, readB} {
				if strings.Contains(string(b), tok) {
					t.Errorf("an audit event carries a raw access token: %s", b)
				}
			}
		}

		denied := eventsOf(evs, "auth.denied")
		var noToken, invalidTok, hijack, noScope bool
		for _, e := range denied {
			d, _ := e["decision"].(map[string]any)
			reason, _ := d["reason"].(string)
			if d["action"] != "deny" {
				t.Errorf("auth.denied event not a deny: %v", e)
			}
			switch {
			case reason == "no bearer token":
				noToken = true
			case strings.Contains(reason, "hijack"):
				hijack = true
				if pr, _ := e["principal"].(map[string]any); pr["subject"] != "sid2" {
					t.Errorf("hijack event should name the intruder sid2: %v", e)
				}
				if e["session_id"] == "" || e["session_id"] == nil {
					t.Errorf("hijack event lacks the session id: %v", e)
				}
			case strings.Contains(reason, "none of the scopes"):
				noScope = true
			case strings.Contains(reason, "audience") || strings.Contains(reason, "signature") || strings.Contains(reason, "issuer") || strings.Contains(reason, "kid") || strings.Contains(reason, "not a compact JWS") || strings.Contains(reason, "format"):
				invalidTok = true
			}
		}
		if !noToken || !invalidTok || !hijack || !noScope {
			t.Errorf("auth.denied events: no token %v, invalid token %v, hijack %v, no scope %v; got %d events", noToken, invalidTok, hijack, noScope, len(denied))
			for _, e := range denied {
				b, _ := json.Marshal(e)
				t.Logf("  %s", b)
			}
		}
		// The refused step-up call is a tools/call deny by the scope guard.
		var scopeDeny bool
		for _, e := range eventsOf(evs, "tools/call") {
			d, _ := e["decision"].(map[string]any)
			if e["tool"] == "get_env" && d["action"] == "deny" && d["guard"] == "scopes" {
				scopeDeny = true
			}
		}
		if !scopeDeny {
			t.Errorf("no tools/call deny by the scopes guard for get_env")
		}
	})

	if t.Failed() {
		if b, err := os.ReadFile(g.Audit); err == nil {
			t.Logf("audit:\n%s", tail(string(b), 40))
		}
	}
}

// tamper flips a character of the token's payload (the signature no longer
// matches).
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	if p[5] == 'A' {
		p[5] = 'B'
	} else {
		p[5] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}
