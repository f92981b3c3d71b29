package upstreamauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	_ "modernc.org/sqlite"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
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

// service is a client_credentials identity at gateway A (an MCP client of
// some user: its own principal, so its consent is separate).
type service struct {
	id  string
	key jwk.Key
}

func newService(t *testing.T, dir, id string) (*service, string) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k, _ := jwk.Import(priv)
	_ = k.Set(jwk.KeyIDKey, id+"-1")
	pub, _ := k.PublicKey()
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	b, _ := json.Marshal(set)
	f := filepath.Join(dir, id+".jwks.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &service{id: id, key: k}, f
}

func (s *service) token(t *testing.T, base string) string {
	t.Helper()
	tok, _ := jwt.NewBuilder().Issuer(s.id).Subject(s.id).Audience([]string{base}).IssuedAt(time.Now()).
		Expiration(time.Now().Add(time.Minute)).JwtID(fmt.Sprint(time.Now().UnixNano())).Build()
	a, _ := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), s.key))
	resp, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"a.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {string(a)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	if tr.AccessToken == "" {
		t.Fatalf("token for %s: HTTP %d", s.id, resp.StatusCode)
	}
	return tr.AccessToken
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
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: bearer{tok}}}, nil)
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
func browse(t *testing.T, u, user, password string) []string {
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
			post.Set("username", user)
			post.Set("password", password)
		}
		if a := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page); a != nil {
			next, _ := req.URL.Parse(a[1])
			u = next.String()
		}
	}
	t.Fatal("too many hops")
	return nil
}

// TestUpstreamOAuthPerUserPerClient: gateway A reaches gateway B (an MCP
// server with its own authorization server and users) as each user's OAuth
// client. A grant is per user, its use is per client, and tokens are
// sealed in A's store.
func TestUpstreamOAuthPerUserPerClient(t *testing.T) {
	os.Setenv("UPSTREAMAUTH_BOB_PW", "bob's long password")
	os.Setenv("UPSTREAMAUTH_CAROL_PW", "carol's long password")
	self := mcpwardenBinary(t)
	b := startGW(t, func(addr, dir string) string {
		return `listen: ` + addr + `
auth:
  mode: embedded
  users: {bob: "env:UPSTREAMAUTH_BOB_PW", carol: "env:UPSTREAMAUTH_CAROL_PW"}
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
	var x, z *service
	a := startGW(t, func(addr, dir string) string {
		var xf, zf string
		x, xf = newService(t, dir, "client-x")
		z, zf = newService(t, dir, "client-z")
		return `listen: ` + addr + `
auth:
  mode: embedded
  clients:
    client-x: {grant_types: [client_credentials], jwks_file: ` + xf + `, scopes: [a.read]}
    client-z: {grant_types: [client_credentials], jwks_file: ` + zf + `, scopes: [a.read]}
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
	// client-x (its own principal at A) calls a tool of B: A answers with
	// a URL elicitation; the user approves at A and signs in at B as bob.
	csX := connect(t, a.base+"/mcp", x.token(t, a.base))
	// Before any authorization, the listing shows the stand-in tool that
	// starts it, not B's tools.
	if names := toolNames(t, csX); !slices.Contains(names, "b__mcpwarden-authorize") || slices.Contains(names, "b__echo") {
		t.Fatalf("tools before authorizing: %v", names)
	}
	link, _ := call(t, csX)
	if !strings.HasPrefix(link, a.base+"/oauth/upstream/authorize?flow=") {
		t.Fatalf("link %q", link)
	}
	pages := browse(t, link, "bob", "bob's long password")
	if !strings.Contains(pages[0], "client-x") || !strings.Contains(pages[0], "Approve") {
		t.Fatalf("first page is not A's consent page naming the client:\n%s", pages[0])
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
	// An expired access token is refreshed with the refresh token (B
	// rotates it), without asking the user again. A fresh client session
	// dials B anew, so the stored token is used (and refreshed) now.
	if n, err := a.rt.Upstream.Expire(context.Background(), "b"); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	issuedBefore := strings.Count(readFile(t, filepath.Join(b.dir, "audit.jsonl")), `"type":"token.issued"`)
	csX2 := connect(t, a.base+"/mcp", x.token(t, a.base))
	if link, text := call(t, csX2); link != "" || !strings.Contains(text, "hello B") {
		t.Fatalf("after expiry: link %q text %q (want a silent refresh)", link, text)
	}
	if after := strings.Count(readFile(t, filepath.Join(b.dir, "audit.jsonl")), `"type":"token.issued"`); after != issuedBefore+1 {
		t.Fatalf("B issued %d tokens on refresh, want 1", after-issuedBefore)
	}
	// B saw bob (A's grant), never client-x's token from A.
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
	// Another principal at A (client-z is its own subject: another user)
	// has no grant: it must authorize itself, and sees the consent page.
	csZ := connect(t, a.base+"/mcp", z.token(t, a.base))
	linkZ, _ := call(t, csZ)
	if linkZ == "" {
		t.Fatal("another user's call used bob's grant")
	}
	pagesZ := browse(t, linkZ, "carol", "carol's long password")
	if !strings.Contains(pagesZ[0], "client-z") {
		t.Fatalf("consent page for the other user:\n%s", pagesZ[0])
	}
	if _, text := call(t, csZ); !strings.Contains(text, "hello B") {
		t.Fatalf("client-z after its own authorization: %q", text)
	}
	if !auditHas(t, filepath.Join(b.dir, "audit.jsonl"), `"type":"tools/call"`, `"subject":"carol"`) {
		t.Fatal("B did not record carol's call")
	}
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
