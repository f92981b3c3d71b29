package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// rawClient speaks Streamable HTTP by hand, to send what SDKs never would.
type rawClient struct {
	t   *testing.T
	url string
	sid string
}

func (c *rawClient) do(method, body string, hdr map[string]string) (int, http.Header, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.sid != "" {
		req.Header.Set("Mcp-Session-Id", c.sid)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// initialize opens a session (JSON response: an old protocol version).
func (c *rawClient) initialize() {
	c.t.Helper()
	st, h, body := c.do("POST", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, nil)
	if st != 200 || h.Get("Mcp-Session-Id") == "" {
		c.t.Fatalf("initialize: %d %s", st, body)
	}
	c.sid = h.Get("Mcp-Session-Id")
	if st, _, body := c.do("POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil); st != 202 {
		c.t.Fatalf("initialized: %d %s", st, body)
	}
}

func errCode(t *testing.T, body string) int {
	t.Helper()
	var r struct {
		Error *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.Error == nil {
		t.Fatalf("not a JSON-RPC error: %s", body)
	}
	return r.Error.Code
}

func TestBadInputHTTP(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]int{}
	up := demoHTTP(t, demo.Options{Name: "remote", OnCall: func(n string) { mu.Lock(); ran[n]++; mu.Unlock() }}, false)
	g := startGateway(t, `
listen: {{LISTEN}}
max_body_bytes: 2048
servers:
  remote:
    url: `+up.URL+`
    tools:
      delete_item: {allow: false}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	c := &rawClient{t: t, url: g.URL}
	// Before a session.
	cases := []struct {
		name   string
		method string
		body   string
		hdr    map[string]string
		status int
		code   int
	}{
		{"not json", "POST", `{not json`, nil, 400, -32700},
		{"empty body", "POST", ``, nil, 400, -32700},
		{"wrong version", "POST", `{"jsonrpc":"1.0","id":1,"method":"initialize"}`, nil, 400, -32600},
		{"batch", "POST", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, nil, 400, -32600},
		{"oversize", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 4096) + `"}}`, nil, 413, -32600},
		{"no session", "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil, 400, -32600},
		{"unknown session", "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Mcp-Session-Id": "deadbeef"}, 404, -32600},
		{"foreign origin", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Origin": "http://evil.example.com"}, 403, -32600},
		{"rebinding host", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Host": "evil.example.com"}, 403, -32600},
		{"wrong content type", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Content-Type": "text/plain"}, 415, -32600},
		{"not acceptable", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Accept": "text/html"}, 406, -32600},
		{"get without session", "GET", ``, map[string]string{"Accept": "text/event-stream"}, 400, -32600},
		{"put", "PUT", `{}`, nil, 405, -32600},
		{"delete unknown", "DELETE", ``, map[string]string{"Mcp-Session-Id": "deadbeef"}, 404, -32600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			st, _, body := c.do(tc.method, tc.body, tc.hdr)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
			if got := errCode(t, body); got != tc.code {
				t.Fatalf("code %d, want %d", got, tc.code)
			}
		})
	}
	c.t = t
	// An allowed browser origin works.
	if st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`, map[string]string{"Origin": "http://localhost:5173"}); st != 200 {
		t.Fatalf("allowed origin refused: %d %s", st, body)
	}
	c.initialize()
	if st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, map[string]string{"MCP-Protocol-Version": "1999-01-01"}); st != 400 {
		t.Fatalf("unsupported protocol version: %d %s", st, body)
	}
	// Every spelling that could smuggle the denied tool past the gateway is
	// refused, and the tool never runs.
	smuggle := []string{
		`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"remote__echo","name":"remote__delete_item","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"remote__echo","Name":"remote__delete_item","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"Name":"remote__delete_item","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"NAME":"remote__delete_item","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":"remote__echo","n\u0061me":"remote__delete_item"}}`,
		`{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"remote__delete\u005fitem","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":16,"Method":"tools/call","method":"tools/list","params":{"name":"remote__delete_item"}}`,
		`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"remote__echo"},"params":{"name":"remote__delete_item"}}`,
		`{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"remote__delete_item\u0000","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":19,"method":"tools/call","params":{"name":"REMOTE__DELETE_ITEM","arguments":{"id":"1"}}}`,
		`{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"remote__delete_item","arguments":{"id":"1"}}}`,
		"{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\",\"params\":{\"name\":\"remote__delete_item\xff\"}}",
		`{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"remote__\ud800delete_item"}}`,
		`{"jsonrpc":"2.0","id":23,"method":"tools/call","params":{"name":["remote__delete_item"]}}`,
	}
	for i, s := range smuggle {
		st, _, body := c.do("POST", s, nil)
		if strings.Contains(body, `"result"`) && !strings.Contains(body, `"error"`) {
			t.Errorf("smuggle %d got a result (status %d): %s", i, st, body)
		}
	}
	mu.Lock()
	if ran["delete_item"] != 0 {
		t.Fatalf("the denied tool ran %d times", ran["delete_item"])
	}
	mu.Unlock()
	// A method that differs from a known one only by case is refused, not
	// forwarded (a lenient upstream could read it as tools/call).
	st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":24,"method":"Tools/call","params":{"name":"delete_item","arguments":{"id":"1"}}}`, nil)
	if !strings.Contains(body, "-32601") {
		t.Errorf("case-variant method: %d %s", st, body)
	}
	// A method the gateway does not know is forwarded to the single
	// upstream, and audited.
	if st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":25,"method":"vendor/custom","params":{}}`, nil); !strings.Contains(body, "-32600") || !strings.Contains(body, "vendor/custom") {
		t.Errorf("unknown method: %d %s", st, body)
	}
	// The health endpoint has the same Host check.
	req, _ := http.NewRequest("GET", strings.TrimSuffix(g.URL, "/mcp")+"/healthz", nil)
	req.Host = "evil.example.com"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("healthz with a foreign Host: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// The benign twin runs.
	st, _, body = c.do("POST", `{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"remote__echo","arguments":{"message":"ok"}}}`, nil)
	if st != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("benign call: %d %s", st, body)
	}
	mu.Lock()
	if ran["echo"] != 1 {
		t.Fatalf("echo ran %d times", ran["echo"])
	}
	mu.Unlock()
	// Denials and protocol errors are audited.
	evs := auditEvents(t, g.Audit)
	if n := len(eventsOf(evs, "protocol.error")); n < 5 {
		t.Errorf("want protocol.error events for refused requests, got %d", n)
	}
	denied := 0
	for _, e := range eventsOf(evs, "tools/call") {
		if e["decision"].(map[string]any)["action"] == "deny" {
			denied++
		}
	}
	if denied < 2 {
		t.Errorf("denied tool calls audited: %d", denied)
	}
	if reqs := eventsOf(evs, "request"); len(reqs) != 1 || reqs[0]["detail"].(map[string]any)["method"] != "vendor/custom" {
		t.Errorf("forwarded unknown method not audited: %v", reqs)
	}
	// The gateway is still serving after all of it.
	if st, _, body := c.do("POST", `{"jsonrpc":"2.0","id":31,"method":"ping"}`, nil); st != 200 {
		t.Fatalf("gateway stopped serving: %d %s", st, body)
	}
	// DELETE ends the session; it is then unknown.
	if st, _, _ := c.do("DELETE", "", nil); st != 200 {
		t.Fatalf("delete: %d", st)
	}
	if st, _, _ := c.do("POST", `{"jsonrpc":"2.0","id":32,"method":"ping"}`, nil); st != 404 {
		t.Fatalf("after delete: %d", st)
	}
}

func TestBadConfigNamesKeyAndLine(t *testing.T) {
	cases := []struct {
		cfg, want string
	}{
		{"listen: 127.0.0.1:1\nservers:\n  ev:\n    comand: x\n", `mcpwarden.yaml:4: servers.ev.comand: unknown key`},
		{"servers:\n  ev:\n    command: x\n    timeout: soon\n", `mcpwarden.yaml:4: servers.ev.timeout`},
		{"servers:\n  ev:\n    command: x\n    tools:\n      get-env: {allow: maybe}\n", `mcpwarden.yaml:5: servers.ev.tools.get-env.allow`},
		{"servers:\n  docs:\n    url: http://127.0.0.1:1/mcp\n    headers: {Authorization: \"Bearer abc\"}\n", `servers.docs.headers.Authorization`},
		{"servers:\n  ev:\n    command: x\n    url: http://127.0.0.1/\n", `servers.ev`},
		{"auth:\n  clients:\n    ci-bot: {grant_types: [client_credentials], jwks_file: missing.json}\nservers:\n  ev: {command: x}\n", `auth.clients.ci-bot.jwks_file: open`},
		{"auth:\n  users: {alice: \"env:MCPW_TEST_UNSET_PW\"}\nservers:\n  ev: {command: x}\n", `auth.users.alice: env:MCPW_TEST_UNSET_PW`},
		{"auth:\n  users: {alice: hunter2hunter2}\nservers:\n  ev: {command: x}\n", `auth.users.alice: a password must be a reference`},
		{"tls: {cert_file: nope.pem, key_file: nope.key}\nservers:\n  ev: {command: x}\n", `tls.cert_file: open`},
	}
	for i, tc := range cases {
		dir := t.TempDir()
		p := filepath.Join(dir, "mcpwarden.yaml")
		_ = os.WriteFile(p, []byte(tc.cfg), 0o600)
		out, err := exec.Command(binPath, "check", "--config", p).CombinedOutput()
		if err == nil {
			t.Errorf("case %d: bad config accepted", i)
			continue
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("case %d: error %q does not contain %q", i, out, tc.want)
		}
		if strings.Contains(string(out), "Bearer abc") {
			t.Errorf("case %d: the error repeats a secret: %s", i, out)
		}
	}
	// A non-loopback listener without authentication is refused at startup.
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	_ = os.WriteFile(p, []byte("listen: 0.0.0.0:0\nservers:\n  ev:\n    command: x\n"), 0o600)
	out, err := exec.Command(binPath, "serve", "--config", p).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a loopback address") {
		t.Fatalf("non-loopback listen: err=%v out=%s", err, out)
	}
}

func TestBadInputStdio(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	_ = os.WriteFile(p, []byte(fmt.Sprintf("max_body_bytes: 1024\nservers:\n  remote:\n    url: %s\naudit:\n  file: audit.jsonl\nstore:\n  path: \":memory:\"\n", up.URL)), 0o600)
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, // before initialize
		`garbage`,
		`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"s","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"` + strings.Repeat("a", 2048) + `"}}`,
		`[{"jsonrpc":"2.0","id":4,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"remote__echo","Name":"x"}}`,
		`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"remote__echo","arguments":{"message":"alive"}}}`,
	}, "\n") + "\n"
	cmd := exec.Command(binPath, "stdio", "--config", p)
	cmd.Stdin = strings.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("stdio exited with %v: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var codes []int
	alive := false
	for _, l := range lines {
		var r struct {
			Error *struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(l), &r) != nil {
			t.Fatalf("stdout line is not JSON: %q", l)
		}
		if r.Error != nil {
			codes = append(codes, r.Error.Code)
		}
		if strings.Contains(l, "alive") {
			alive = true
		}
	}
	want := []int{-32600, -32700, -32600, -32600, -32700}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("error codes %v, want %v\n%s", codes, want, out.String())
	}
	if !alive {
		t.Errorf("the gateway did not keep serving after bad input:\n%s", out.String())
	}
}
