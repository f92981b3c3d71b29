package upstreamauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"
	_ "modernc.org/sqlite"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// gw is an in-process mcpwarden on 127.0.0.1.
type gw struct {
	base string
	dir  string
	rt   *app.Runtime
}

func startGW(t *testing.T, cfgFor func(addr, dir string) string) *gw {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(p, []byte(cfgFor(ln.Addr().String(), dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = rt.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; rt.Close() })
	return &gw{base: "http://" + ln.Addr().String(), dir: dir, rt: rt}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// mcpwardenBinary builds mcpwarden once (the demo MCP server behind
// gateway B is its demo-server command).
func mcpwardenBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upstreamauth-test-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "mcpwarden")
		out, err := exec.Command("go", "build", "-o", builtBin, "../../cmd/mcpwarden").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

func connect(t *testing.T, endpoint, tok string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	// A 2025-11-25 session: these tests read the -32042 error, which a
	// 2026-07-28 client receives as a URL input request instead.
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: bearer{tok}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// call calls b__echo and returns the authorization URL of a -32042, or "".
func call(t *testing.T, cs *mcp.ClientSession) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "b__echo", Arguments: map[string]any{"message": "hello B"}})
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
	var out strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			out.WriteString(tc.Text)
		}
	}
	return "", out.String()
}

var (
	hidden   = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)
	noFollow = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
)

// browse plays the user's browser from the link: A's consent page, B's
// login page (as user at B), and the redirects between; it returns the
// pages it saw.
// creds are the user name and password to type on pages of a host.
type creds map[string][2]string

func browse(t *testing.T, u string, who creds) []string {
	t.Helper()
	var seen []string
	var post url.Values
	for hops := 0; hops < 12; hops++ {
		var req *http.Request
		if post != nil {
			req, _ = http.NewRequest(http.MethodPost, u, strings.NewReader(post.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post = nil
		} else {
			req, _ = http.NewRequest(http.MethodGet, u, nil)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 3 {
			next, _ := req.URL.Parse(resp.Header.Get("Location"))
			u = next.String()
			continue
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", req.Method, u, resp.StatusCode, body)
		}
		page := string(body)
		seen = append(seen, page)
		fields := hidden.FindAllStringSubmatch(page, -1)
		if len(fields) == 0 {
			return seen // a final page
		}
		post = url.Values{"decision": {"approve"}}
		for _, f := range fields {
			post.Set(f[1], f[2])
		}
		if strings.Contains(page, `name="password"`) {
			c, ok := who[req.URL.Host]
			if !ok {
				t.Fatalf("a sign-in page at %s, for which the test has no user", req.URL.Host)
			}
			post.Set("username", c[0])
			post.Set("password", c[1])
		}
		if a := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page); a != nil {
			next, _ := req.URL.Parse(a[1])
			u = next.String()
		}
	}
	t.Fatal("too many hops")
	return nil
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	v := oauth2.GenerateVerifier()
	return v, oauth2.S256ChallengeFromVerifier(v)
}

// userToken registers a public client at the gateway (RFC 7591) and signs
// user in through the authorization code flow; it returns the client id
// and the access token.
func userToken(t *testing.T, base, user, password string) (string, string) {
	t.Helper()
	redirect := "http://127.0.0.1:1/cb"
	resp, err := http.Post(base+"/oauth/register", "application/json", strings.NewReader(`{"redirect_uris":["`+redirect+`"],"client_name":"IDE of `+user+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	verifier, challenge := pkce()
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "state": {"s"},
		"scope": {"a.read"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}, "resource": {base + "/mcp"}}
	u := base + "/oauth/authorize?" + q.Encode()
	var code string
	var post url.Values
	for hops := 0; hops < 10 && code == ""; hops++ {
		var req *http.Request
		if post != nil {
			req, _ = http.NewRequest(http.MethodPost, u, strings.NewReader(post.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post = nil
		} else {
			req, _ = http.NewRequest(http.MethodGet, u, nil)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 3:
			next, _ := req.URL.Parse(resp.Header.Get("Location"))
			if strings.HasPrefix(next.String(), redirect) {
				code = next.Query().Get("code")
				break
			}
			u = next.String()
		case resp.StatusCode == 200:
			post = url.Values{"decision": {"approve"}, "username": {user}, "password": {password}}
			for _, f := range hidden.FindAllStringSubmatch(string(body), -1) {
				post.Set(f[1], f[2])
			}
			u = base + "/oauth/login"
		default:
			t.Fatalf("code flow: %s %s: %d %s", req.Method, u, resp.StatusCode, body)
		}
	}
	resp, err = http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {reg.ClientID}, "code_verifier": {verifier}, "resource": {base + "/mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	if tr.AccessToken == "" {
		t.Fatalf("code flow for %s: no token (HTTP %d)", user, resp.StatusCode)
	}
	return reg.ClientID, tr.AccessToken
}

// TestUpstreamOAuthPerUserPerClient: gateway A reaches gateway B (an MCP
// server with its own authorization server and users) as each user's OAuth
// client. The person at the link must sign in at A as the user it was made
// for; a grant is per user, its use per client; tokens are sealed in A's
// store and refreshed.
func TestUpstreamOAuthPerUserPerClient(t *testing.T) {
	for k, v := range map[string]string{"UA_BOB_PW": "bob's long password", "UA_CAROL_B_PW": "carol at B",
		"UA_ALICE_PW": "alice's long password", "UA_CAROL_PW": "carol's long password"} {
		t.Setenv(k, v)
	}
	self := mcpwardenBinary(t)
	b := startGW(t, func(addr, dir string) string {
		return `listen: ` + addr + `
auth:
  mode: embedded
  users: {bob: "env:UA_BOB_PW", carol: "env:UA_CAROL_B_PW"}
servers:
  demo:
    command: ` + self + `
    args: [demo-server]
    prefix: ""
    tools: {"*": {scopes: [b.read]}}
policy: {default: allow}
audit: {file: audit.jsonl}
store: {path: b.db}
`
	})
	a := startGW(t, func(addr, dir string) string {
		return `listen: ` + addr + `
auth:
  mode: embedded
  users: {alice: "env:UA_ALICE_PW", carol: "env:UA_CAROL_PW"}
servers:
  b:
    url: ` + b.base + `/mcp
    oauth: {}
    tools: {"*": {scopes: [a.read]}}
policy: {default: allow}
audit: {file: audit.jsonl}
store: {path: a.db}
`
	})
	aHost, bHost := strings.TrimPrefix(a.base, "http://"), strings.TrimPrefix(b.base, "http://")
	aliceAtA := [2]string{"alice", "alice's long password"}
	carolAtA := [2]string{"carol", "carol's long password"}

	// Alice, with her IDE (client X), calls a tool of B. Before any
	// authorization the listing shows the stand-in tool that starts it.
	clientX, tokX := userToken(t, a.base, "alice", "alice's long password")
	csX := connect(t, a.base+"/mcp", tokX)
	if names := toolNames(t, csX); !slices.Contains(names, "b__mcpwarden-authorize") || slices.Contains(names, "b__echo") {
		t.Fatalf("tools before authorizing: %v", names)
	}
	link, _ := call(t, csX)
	if !strings.HasPrefix(link, a.base+"/oauth/upstream/authorize?flow=") {
		t.Fatalf("link %q", link)
	}
	// Phishing: the link forwarded to carol, who signs in as herself at A
	// (and would connect her account at B): refused, nothing is bound.
	resp, err := noFollow.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"decision": {"approve"}, "username": {carolAtA[0]}, "password": {carolAtA[1]}}
	for _, f := range hidden.FindAllStringSubmatch(string(page), -1) {
		form.Set(f[1], f[2])
	}
	resp, err = noFollow.PostForm(a.base+"/oauth/upstream/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("carol at alice's link: HTTP %d, want 401", resp.StatusCode)
	}
	// Alice herself: A's page (naming her client), B's login as bob.
	pages := browse(t, link, creds{aHost: aliceAtA, bHost: {"bob", "bob's long password"}})
	if !strings.Contains(pages[0], clientX) || !strings.Contains(pages[0], "Sign in as <strong>alice</strong>") {
		t.Fatalf("first page is not A's consent page naming the client and the user:\n%s", pages[0])
	}
	if !strings.Contains(strings.Join(pages, "\n"), "Sign in to mcpwarden") {
		t.Fatal("B's login page was not shown")
	}
	if _, text := call(t, csX); !strings.Contains(text, "hello B") {
		t.Fatalf("after authorizing: %q", text)
	}
	if names := toolNames(t, csX); slices.Contains(names, "b__mcpwarden-authorize") || !slices.Contains(names, "b__echo") {
		t.Fatalf("tools after authorizing: %v", names)
	}
	// B saw bob (A's grant), never a token from A.
	if !auditHas(t, filepath.Join(b.dir, "audit.jsonl"), `"type":"tools/call"`, `"subject":"bob"`) {
		t.Fatal("B did not record bob's call")
	}
	// The tokens are sealed in A's store: no JWT in it.
	db, err := sql.Open("sqlite", filepath.Join(a.dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sealed []byte
	if err := db.QueryRow(`SELECT token_enc FROM upstream_oauth_tokens`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "eyJ") || strings.Contains(string(sealed), "access_token") {
		t.Fatal("the upstream token is stored in clear")
	}

	// The same user with another client (Y): her grant does not serve it
	// until she approves Y (signing in again); then no new grant is made.
	_, tokY := userToken(t, a.base, "alice", "alice's long password")
	csY := connect(t, a.base+"/mcp", tokY)
	linkY, _ := call(t, csY)
	if linkY == "" {
		t.Fatal("alice's grant served a client she never approved")
	}
	pagesY := browse(t, linkY, creds{aHost: aliceAtA})
	if !strings.Contains(pagesY[len(pagesY)-1], "Approved") {
		t.Fatalf("approving client Y: %v", pagesY)
	}
	if _, text := call(t, csY); !strings.Contains(text, "hello B") {
		t.Fatalf("client Y after approval: %q", text)
	}

	// Another user (carol) has no grant: she authorizes herself (as carol
	// at B).
	_, tokC := userToken(t, a.base, "carol", "carol's long password")
	csC := connect(t, a.base+"/mcp", tokC)
	linkC, _ := call(t, csC)
	if linkC == "" {
		t.Fatal("carol's call used alice's grant")
	}
	browse(t, linkC, creds{aHost: carolAtA, bHost: {"carol", "carol at B"}})
	if _, text := call(t, csC); !strings.Contains(text, "hello B") {
		t.Fatalf("carol after her authorization: %q", text)
	}
	if !auditHas(t, filepath.Join(b.dir, "audit.jsonl"), `"type":"tools/call"`, `"subject":"carol"`) {
		t.Fatal("B did not record carol's call")
	}

	// An expired access token is refreshed with the refresh token (B
	// rotates it), without asking the user again. Counted for alice's
	// account at B (bob) only: carol's session, still open, may refresh
	// her own expired token meanwhile (a keep-alive of its upstream
	// session).
	if n, err := a.rt.Upstream.Expire(context.Background(), "b"); err != nil || n != 2 {
		t.Fatalf("expire: %d %v", n, err)
	}
	issuedBefore := issuedTo(t, filepath.Join(b.dir, "audit.jsonl"), "bob")
	csX2 := connect(t, a.base+"/mcp", tokX)
	if link, text := call(t, csX2); link != "" || !strings.Contains(text, "hello B") {
		t.Fatalf("after expiry: link %q text %q (want a silent refresh)", link, text)
	}
	if after := issuedTo(t, filepath.Join(b.dir, "audit.jsonl"), "bob"); after != issuedBefore+1 {
		t.Fatalf("B issued %d tokens on refresh, want 1", after-issuedBefore)
	}

	// Requests that find the token expired together share one refresh:
	// two refreshes with the same refresh token would have B issue twice
	// (or, detecting the reuse, revoke alice's grant).
	var userKey string
	if err := db.QueryRow(`SELECT user_key FROM upstream_oauth_consents WHERE client_id = ?`, clientX).Scan(&userKey); err != nil {
		t.Fatal(err)
	}
	iss, sub, _ := strings.Cut(userKey, "\x00")
	alice := guard.Principal{Issuer: iss, Subject: sub, ClientID: clientX}
	if n, err := a.rt.Upstream.Expire(context.Background(), "b"); err != nil || n != 2 {
		t.Fatalf("expire: %d %v", n, err)
	}
	issuedBefore = issuedTo(t, filepath.Join(b.dir, "audit.jsonl"), "bob")
	creds := a.rt.Upstream.Credentials("b")
	toks := make([]string, 8)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() {
			tok, err := creds.Token(context.Background(), alice)
			if err != nil {
				t.Errorf("concurrent refresh %d: %v", i, err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for _, tok := range toks {
		if tok == "" || tok != toks[0] {
			t.Fatalf("concurrent refreshes returned different tokens")
		}
	}
	if after := issuedTo(t, filepath.Join(b.dir, "audit.jsonl"), "bob"); after != issuedBefore+1 {
		t.Fatalf("B issued %d tokens for %d concurrent requests, want 1", after-issuedBefore, len(toks))
	}
}

// issuedTo counts the tokens B issued to its user subject.
func issuedTo(t *testing.T, path, subject string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(readFile(t, path), "\n") {
		if strings.Contains(line, `"type":"token.issued"`) && strings.Contains(line, `"subject":"`+subject+`"`) {
			n++
		}
	}
	return n
}

func auditHas(t *testing.T, path string, subs ...string) bool {
	t.Helper()
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok && line != "" {
			return true
		}
	}
	return false
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tl := range res.Tools {
		out = append(out, tl.Name)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
