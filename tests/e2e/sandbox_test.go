package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/sandbox"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

var (
	sandboxServerOnce sync.Once
	sandboxServerPath string
	sandboxServerErr  error
)

// sandboxServer builds the Go SDK test server of tests/sandboxserver.
func sandboxServer(t testing.TB) string {
	t.Helper()
	sandboxServerOnce.Do(func() {
		sandboxServerPath = filepath.Join(filepath.Dir(binPath), "sandboxserver")
		cmd := exec.Command("go", "build", "-o", sandboxServerPath, "./tests/sandboxserver")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			sandboxServerErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if sandboxServerErr != nil {
		t.Fatalf("building the sandbox test server: %v", sandboxServerErr)
	}
	return sandboxServerPath
}

// needSandbox fails loudly (never skips) when this host cannot run the
// sandbox kind.
func needSandbox(t testing.TB, kind string) {
	t.Helper()
	for _, s := range sandbox.Probe() {
		if s.Kind == kind && !s.Available {
			t.Fatalf("this host cannot run the %s sandbox: %s (bwrap: install the Debian package bubblewrap and enable unprivileged user namespaces; landlock: Linux 6.7 or later)", kind, s.Detail)
		}
	}
}

// call runs a tool and returns its text and isError.
func call(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return err.Error(), true
	}
	return textOf(res), res.IsError
}

// waitEvent waits for an audit event matching pred.
func waitEvent(t testing.TB, path string, what string, pred func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range auditEvents(t, path) {
			if pred(e) {
				return e
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no audit event: %s", what)
	return nil
}

func detail(e map[string]any) map[string]any {
	d, _ := e["detail"].(map[string]any)
	return d
}

func decisionOf(e map[string]any) map[string]any {
	d, _ := e["decision"].(map[string]any)
	return d
}

// lineServer is a TCP listener on the host that greets every connection.
func lineServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "HOST-LISTENER")
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// plantSecret writes an ~/.ssh/id_rsa-style file into a fake home.
func plantSecret(t testing.TB) (home, secret string) {
	t.Helper()
	home = t.TempDir()
	secret = filepath.Join(home, ".ssh", "id_rsa")
	if err := os.MkdirAll(filepath.Dir(secret), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("-----BEGIN OPENSSH PRIVATE KEY----- e2e-stolen-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, secret
}

func yamlList(xs ...string) string {
	b, _ := json.Marshal(xs)
	return string(b)
}

// (a) The npm filesystem server under bwrap: a granted file is read; a
// key planted outside the grant is not, although the server was told it
// may read there (its benign twin without a sandbox reads it).
func TestSandboxFilesystemServer(t *testing.T) {
	needSandbox(t, sandbox.KindBwrap)
	// Grants are resolved (symlinks followed), so name the script by its
	// real path too.
	script, err := filepath.EvalSymlinks(npmServer(t, "server-filesystem"))
	if err != nil {
		t.Fatal(err)
	}
	modules, err := filepath.EvalSymlinks(filepath.Join(npmDir(t), "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	granted := t.TempDir()
	if err := os.WriteFile(filepath.Join(granted, "hello.txt"), []byte("granted hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	home, secret := plantSecret(t)
	args := yamlList(script, granted, home)
	g := startGateway(t, "policy:\n  default: allow\n"+gatewayConfig(`
  fs:
    command: node
    args: `+args+`
    sandbox: bwrap
    fs: {read: `+yamlList(granted, modules)+`, write: []}
  fsopen:
    command: node
    args: `+args+`
`))
	cs := connect(t, g.URL, nil)
	if txt, isErr := call(t, cs, "fs__read_text_file", map[string]any{"path": filepath.Join(granted, "hello.txt")}); isErr || !strings.Contains(txt, "granted hello") {
		t.Fatalf("granted read: %v %s", isErr, txt)
	}
	if txt, isErr := call(t, cs, "fs__read_text_file", map[string]any{"path": secret}); !isErr || strings.Contains(txt, "stolen-key") {
		t.Fatalf("read outside the grant succeeded under bwrap: %s", txt)
	}
	if txt, isErr := call(t, cs, "fs__write_file", map[string]any{"path": filepath.Join(granted, "new.txt"), "content": "x"}); !isErr {
		t.Fatalf("write into a read-only grant succeeded: %s", txt)
	}
	if _, err := os.Stat(filepath.Join(granted, "new.txt")); err == nil {
		t.Fatal("the sandboxed server wrote into a read-only grant")
	}
	// Benign twin: the same server without a sandbox reads the key.
	if txt, isErr := call(t, cs, "fsopen__read_text_file", map[string]any{"path": secret}); isErr || !strings.Contains(txt, "stolen-key") {
		t.Fatalf("unsandboxed twin should read the key: %v %s", isErr, txt)
	}
	waitEvent(t, g.Audit, "sandbox.start of fs", func(e map[string]any) bool {
		return e["type"] == "sandbox.start" && e["server"] == "fs" && detail(e)["sandbox"] == "bwrap"
	})
	// The server's own complaint (it cannot see the home it was given)
	// reaches the audit log.
	waitEvent(t, g.Audit, "upstream.stderr of fs naming the hidden directory", func(e map[string]any) bool {
		line, _ := detail(e)["line"].(string)
		return e["type"] == "upstream.stderr" && e["server"] == "fs" && strings.Contains(line, home)
	})
}

// httpRecorder is a local HTTP server that remembers the request ids and
// bodies it saw.
type httpRecorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	ids    []string
	bodies []string
}

func newHTTPRecorder(t testing.TB, reply string) *httpRecorder {
	h := &httpRecorder{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.ids = append(h.ids, r.Header.Get("X-Request-ID"))
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		io.WriteString(w, reply)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *httpRecorder) addr() string { return strings.TrimPrefix(h.srv.URL, "http://") }
func (h *httpRecorder) seen() ([]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...), append([]string(nil), h.bodies...)
}

// networkChecks: a direct TCP connection fails; a fetch through the egress
// proxy to the allowed host works (with the call's correlation id), to
// another host fails; each connection is audited.
func networkChecks(t *testing.T, kind string) {
	needSandbox(t, kind)
	srv := sandboxServer(t)
	host := lineServer(t)
	allowed := newHTTPRecorder(t, "allowed-ok")
	refused := newHTTPRecorder(t, "refused-should-not-see")
	granted := t.TempDir()
	if err := os.WriteFile(filepath.Join(granted, "data.txt"), []byte("granted data"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, secret := plantSecret(t)
	g := startGateway(t, "policy:\n  default: allow\n  ssrf: {allow_hosts: [\"127.0.0.1\"]}\n"+gatewayConfig(`
  net:
    command: `+srv+`
    sandbox: `+kind+`
    fs: {read: `+yamlList(granted)+`}
    egress: ["`+allowed.addr()+`"]
`))
	cs := connect(t, g.URL, nil)

	if txt, isErr := call(t, cs, "net__read_file", map[string]any{"path": filepath.Join(granted, "data.txt")}); isErr || txt != "granted data" {
		t.Fatalf("granted read: %v %s", isErr, txt)
	}
	if txt, isErr := call(t, cs, "net__read_file", map[string]any{"path": secret}); !isErr || strings.Contains(txt, "stolen-key") {
		t.Fatalf("read outside the grant: %v %s", isErr, txt)
	}
	if txt, isErr := call(t, cs, "net__dial", map[string]any{"addr": host}); !isErr || strings.Contains(txt, "HOST-LISTENER") {
		t.Fatalf("direct TCP connection from the sandbox succeeded: %s", txt)
	}
	if txt, isErr := call(t, cs, "net__fetch", map[string]any{"url": allowed.srv.URL + "/ok"}); isErr || !strings.Contains(txt, "allowed-ok") {
		t.Fatalf("fetch through the proxy to the allowed host: %v %s", isErr, txt)
	}
	if txt, isErr := call(t, cs, "net__fetch", map[string]any{"url": refused.srv.URL + "/x"}); !isErr || !strings.Contains(txt, "403") {
		t.Fatalf("fetch to a host not allowed: %v %s", isErr, txt)
	}
	if ids, _ := refused.seen(); len(ids) != 0 {
		t.Fatal("the refused host was reached")
	}
	ids, _ := allowed.seen()
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "c-") {
		t.Fatalf("X-Request-ID at the allowed host: %v", ids)
	}
	allow := waitEvent(t, g.Audit, "egress.connect allow", func(e map[string]any) bool {
		return e["type"] == "egress.connect" && decisionOf(e)["action"] == "allow" && detail(e)["destination"] == allowed.addr()
	})
	if allow["correlation_id"] != ids[0] || allow["session_id"] == nil {
		t.Errorf("allowed connection not tied to its call: %v (request id %s)", allow, ids[0])
	}
	// The correlation id is the fetch call's.
	waitEvent(t, g.Audit, "the fetch call with the same correlation id", func(e map[string]any) bool {
		return e["type"] == "tools/call" && e["tool"] == "fetch" && e["correlation_id"] == ids[0]
	})
	deny := waitEvent(t, g.Audit, "egress.connect deny", func(e map[string]any) bool {
		return e["type"] == "egress.connect" && decisionOf(e)["action"] == "deny" && detail(e)["destination"] == refused.addr()
	})
	if r, _ := decisionOf(deny)["reason"].(string); !strings.Contains(r, "allowlist") {
		t.Errorf("deny reason: %v", deny)
	}
}

// (b) bwrap: direct connections fail, the egress proxy allows only its list.
func TestSandboxNetworkBwrap(t *testing.T) { networkChecks(t, sandbox.KindBwrap) }

// (d) landlock: the same attempts, the same outcomes.
func TestSandboxNetworkLandlock(t *testing.T) { networkChecks(t, sandbox.KindLandlock) }

// (c) The malicious server: send_email also reads a key and posts it to
// an attacker, through the proxy and around it. Sandboxed, both attempts
// fail and are audited, and the email still goes out; its unsandboxed
// twin shows the attack works without the sandbox.
func TestSandboxMaliciousServer(t *testing.T) {
	needSandbox(t, sandbox.KindBwrap)
	srv := sandboxServer(t)
	attacker := newHTTPRecorder(t, "thanks")
	_, secret := plantSecret(t)
	args := yamlList("--attacker", attacker.srv.URL+"/collect", "--secret", secret)
	g := startGateway(t, "policy:\n  default: allow\n  ssrf: {allow_hosts: [\"127.0.0.1\"]}\n"+gatewayConfig(`
  mail:
    command: `+srv+`
    args: `+args+`
    sandbox: bwrap
    egress: ["smtp-api.example.com:443"]
  mailopen:
    command: `+srv+`
    args: `+args+`
`))
	cs := connect(t, g.URL, nil)
	if txt, isErr := call(t, cs, "mail__send_email", map[string]any{"to": "bob@example.com", "subject": "hi", "body": "quarterly numbers"}); isErr || txt != "email sent to bob@example.com" {
		t.Fatalf("the legitimate part of the call: %v %s", isErr, txt)
	}
	call1 := waitEvent(t, g.Audit, "the send_email call", func(e map[string]any) bool {
		return e["type"] == "tools/call" && e["server"] == "mail" && e["tool"] == "send_email"
	})
	deny := waitEvent(t, g.Audit, "egress refusal of the attacker", func(e map[string]any) bool {
		return e["type"] == "egress.connect" && e["server"] == "mail" && decisionOf(e)["action"] == "deny" && detail(e)["destination"] == attacker.addr()
	})
	if deny["correlation_id"] != call1["correlation_id"] {
		t.Errorf("the refusal is not tied to the call: %v vs %v", deny["correlation_id"], call1["correlation_id"])
	}
	waitEvent(t, g.Audit, "stderr: the secret could not be read", func(e map[string]any) bool {
		line, _ := detail(e)["line"].(string)
		return e["type"] == "upstream.stderr" && e["server"] == "mail" && strings.Contains(line, "reading the secret failed")
	})
	waitEvent(t, g.Audit, "stderr: the direct post failed", func(e map[string]any) bool {
		line, _ := detail(e)["line"].(string)
		return e["type"] == "upstream.stderr" && e["server"] == "mail" && strings.Contains(line, "posting to the attacker failed") && !strings.Contains(line, "answered 403")
	})
	if _, bodies := attacker.seen(); len(bodies) != 0 {
		t.Fatalf("the attacker received data from the sandboxed server: %v", bodies)
	}
	// Benign twin: without the sandbox the attack succeeds.
	if txt, isErr := call(t, cs, "mailopen__send_email", map[string]any{"to": "bob@example.com", "subject": "hi", "body": "quarterly numbers"}); isErr {
		t.Fatalf("twin: %s", txt)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, bodies := attacker.seen(); len(bodies) > 0 {
			if !strings.Contains(bodies[0], "e2e-stolen-key") {
				t.Fatalf("attacker got: %v", bodies)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the unsandboxed twin did not reach the attacker: the test would not prove the sandbox stops it")
}

// A grant that exposes the gateway's own files is a configuration error
// naming the key.
func TestSandboxGrantRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mcpwarden.yaml")
	cfg := "servers:\n  fs:\n    command: node\n    sandbox: bwrap\n    fs: {read: [\"" + dir + "\"]}\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binPath, "check", "--config", p).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "servers.fs.fs.read[0]") || !strings.Contains(string(out), "covers") {
		t.Fatalf("check: %v\n%s", err, out)
	}
}

// startInit starts the demo server (dialer d) and completes initialize.
func startInit(b *testing.B, d *upstream.StdioDialer) {
	got := make(chan struct{}, 1)
	conn, err := d.Dial(context.Background(), func(m *jsonrpc.Message, _ json.RawMessage) {
		if m.Kind == jsonrpc.KindResponse {
			select {
			case got <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	init := []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	if err := conn.Send(context.Background(), &upstream.Outgoing{Body: init, ID: json.RawMessage("1")}); err != nil {
		b.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(20 * time.Second):
		b.Fatal("no initialize response")
	}
	_ = conn.Close()
}

// BenchmarkSandboxStart: starting a stdio server (mcpwarden demo-server)
// until its initialize response, unsandboxed, under bwrap (with and
// without the egress forwarder) and under Landlock.
func BenchmarkSandboxStart(b *testing.B) {
	self, _ := filepath.EvalSymlinks(binPath)
	egressDir := b.TempDir()
	ln, err := net.Listen("unix", filepath.Join(egressDir, "egress.sock"))
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct {
		name string
		spec *sandbox.Spec
	}{
		{"none", nil},
		{"bwrap", &sandbox.Spec{Kind: sandbox.KindBwrap}},
		{"bwrap-egress", &sandbox.Spec{Kind: sandbox.KindBwrap, EgressDir: egressDir}},
		{"landlock", &sandbox.Spec{Kind: sandbox.KindLandlock}},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.spec != nil {
				needSandbox(b, c.spec.Kind)
			}
			for i := 0; i < b.N; i++ {
				d := &upstream.StdioDialer{Command: self, Args: []string{"demo-server"}, Env: []string{"PATH=/usr/bin:/bin"}}
				if c.spec != nil {
					spec := *c.spec
					d.Wrap = func(cmd *exec.Cmd) (func(), error) {
						spec.Command, spec.Args, spec.Env, spec.Self = self, cmd.Args[1:], cmd.Env, self
						if spec.Kind == sandbox.KindLandlock {
							spec.StateDir = b.TempDir()
						}
						return sandbox.Apply(&spec, cmd)
					}
				}
				startInit(b, d)
			}
		})
	}
}
