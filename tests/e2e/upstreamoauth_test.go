package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"
)

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)
	formAction  = regexp.MustCompile(`action="([^"]+)"`)
	stopRedir   = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
)

// browser follows redirects and fills forms: sign-in pages (a password
// field) with the credentials for their host, consent pages with approve.
// It returns the last page, its URL and status.
func browser(t *testing.T, u string, who map[string][2]string) (string, string, int) {
	t.Helper()
	var post url.Values
	for hops := 0; hops < 16; hops++ {
		var req *http.Request
		if post != nil {
			req, _ = http.NewRequest(http.MethodPost, u, strings.NewReader(post.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post = nil
		} else {
			req, _ = http.NewRequest(http.MethodGet, u, nil)
		}
		resp, err := stopRedir.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 3 {
			next, _ := req.URL.Parse(resp.Header.Get("Location"))
			u = next.String()
			if next.Host == "127.0.0.1:1" {
				return "", u, resp.StatusCode // a test client's redirect URI: where the code is read
			}
			continue
		}
		page := string(body)
		fields := hiddenInput.FindAllStringSubmatch(page, -1)
		if resp.StatusCode != 200 || len(fields) == 0 {
			return page, u, resp.StatusCode
		}
		post = url.Values{"decision": {"approve"}}
		for _, f := range fields {
			post.Set(f[1], f[2])
		}
		if strings.Contains(page, `name="password"`) {
			c := who[req.URL.Host]
			post.Set("username", c[0])
			post.Set("password", c[1])
		}
		if a := formAction.FindStringSubmatch(page); a != nil {
			next, _ := req.URL.Parse(a[1])
			u = next.String()
		}
	}
	t.Fatal("too many hops")
	return "", "", 0
}

// idpUserToken signs a user in at the test IdP through the authorization
// code flow (the gateway client, PKCE) and returns an access token for
// resource.
func idpUserToken(t *testing.T, issuer, redirect, user, password, resource string) string {
	t.Helper()
	cfg := &oauth2.Config{ClientID: "gateway", ClientSecret: "gatewaysecret", RedirectURL: redirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "auth", TokenURL: issuer + "oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	u := cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", resource))
	host := strings.TrimSuffix(strings.TrimPrefix(issuer, "http://"), "/")
	_, last, _ := browser(t, u, map[string][2]string{host: {user, password}})
	lu, _ := url.Parse(last)
	code := lu.Query().Get("code")
	if code == "" {
		t.Fatalf("no code: ended at %s", last)
	}
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resource))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// TestUpstreamOAuthExternalIdPUser: with an external IdP, the person at an
// upstream connect link signs in at the IdP (OpenID Connect) and must be
// the user the link was made for; then the user authorizes the gateway at
// the upstream (another mcpwarden, with its own authorization server).
func TestUpstreamOAuthExternalIdPUser(t *testing.T) {
	aAddr := freeAddr(t)
	testRedirect := "http://127.0.0.1:1/cb" // never reached: the test reads the code from it
	issuer := startIDP(t, "--redirect", "http://"+aAddr+"/oauth/upstream/signin", "--redirect", testRedirect)
	idpHost := strings.TrimSuffix(strings.TrimPrefix(issuer, "http://"), "/")
	b := startGateway(t, `
listen: {{LISTEN}}
auth:
  mode: embedded
  users: {bob: "env:UPO_BOB_PW"}
servers:
  demo:
    command: "@self"
    args: ["demo-server"]
    prefix: ""
policy: {default: allow}
audit: {file: audit.jsonl}
store: {path: b.db}
`, "UPO_BOB_PW=bob at B")
	a := startGatewayAt(t, aAddr, `
listen: {{LISTEN}}
auth:
  issuer: "`+issuer+`"
  login_client: {client_id: gateway, client_secret: "env:UPO_LOGIN_SECRET"}
servers:
  b:
    url: `+b.URL+`
    timeout: 10s
    oauth: {}
policy: {default: allow}
audit: {file: audit.jsonl}
store: {path: a.db}
`, true, "UPO_LOGIN_SECRET=gatewaysecret")

	user := [2]string{"test-user@127.0.0.1", "verysecure"} // the example IdP's user id1
	tok := idpUserToken(t, issuer, testRedirect, user[0], user[1], a.URL)
	cs := connectWithToken(t, a.URL, tok)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	callEcho := func() (string, string) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "b__echo", Arguments: map[string]any{"message": "via IdP user"}})
		var we *jsonrpc.Error
		if errors.As(err, &we) && we.Code == -32042 {
			var d struct {
				Elicitations []struct{ URL string } `json:"elicitations"`
			}
			_ = json.Unmarshal(we.Data, &d)
			return d.Elicitations[0].URL, ""
		}
		if err != nil || res.IsError {
			t.Fatalf("call: %v %+v", err, res)
		}
		return "", textOf(res)
	}
	link, _ := callEcho()
	if link == "" {
		t.Fatal("no authorization link")
	}
	bHost := strings.TrimPrefix(strings.TrimSuffix(b.URL, "/mcp"), "http://")
	// Phishing: another IdP user opens the link and signs in as himself:
	// refused, nothing bound.
	page, _, status := browser(t, link, map[string][2]string{idpHost: {"test-user2", "verysecure"}, bHost: {"bob", "bob at B"}})
	if status != http.StatusUnauthorized || !strings.Contains(page, "the link was made for id1") {
		t.Fatalf("another user at the link: %d %s", status, page)
	}
	if l, _ := callEcho(); l == "" {
		t.Fatal("the other user's sign-in bound a grant")
	}
	// The user herself: IdP sign-in as id1, A's consent, B's login as bob.
	link, _ = callEcho()
	page, _, status = browser(t, link, map[string][2]string{idpHost: user, bHost: {"bob", "bob at B"}})
	if status != 200 || !strings.Contains(page, "connected") {
		t.Fatalf("authorizing: %d %s", status, page)
	}
	if l, text := callEcho(); l != "" || !strings.Contains(text, "via IdP user") {
		t.Fatalf("after authorizing: link %q text %q", l, text)
	}
}
