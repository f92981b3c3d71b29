package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// fakeVault stands in for Vault: no Vault or OpenBao server can run on this
// machine (neither is packaged for it), so this local HTTP server
// implements the one endpoint the gateway reads, KV v2
// GET /v1/<mount>/data/<path> with X-Vault-Token, as Vault documents it.
// The gateway reaches it through the official Vault client, unchanged.
type fakeVault struct {
	mu    sync.Mutex
	data  map[string]map[string]any
	token string
	reads int
}

func (v *fakeVault) set(path, field, value string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.data[path] == nil {
		v.data[path] = map[string]any{}
	}
	v.data[path][field] = value
}

func (v *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r.Header.Get("X-Vault-Token") != v.token {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":["permission denied"]}`))
		return
	}
	v.reads++
	d, ok := v.data[strings.TrimPrefix(r.URL.Path, "/v1/")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[]}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"data": d, "metadata": map[string]any{"version": 1}}})
}

// A credential kept in Vault reaches the upstream; rotated in Vault and
// picked up on SIGHUP, the next call of the same session uses the new one;
// neither value nor a credential-shaped argument reaches the audit file.
func TestVaultSecretRotationAndRedaction(t *testing.T) {
	vault := &fakeVault{data: map[string]map[string]any{}, token: "hvs.test-root-token"}
	vault.set("secret/data/mcp/api", "authorization", "Bearer rotating-credential-one")
	vsrv := httptest.NewServer(vault)
	t.Cleanup(vsrv.Close)

	// The upstream accepts only the current credential.
	var mu sync.Mutex
	want := "Bearer rotating-credential-one"
	var seen []string
	demoH := demo.HTTPHandler(demo.Options{Name: "api"})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, ok := r.Header.Get("Authorization"), r.Header.Get("Authorization") == want
		seen = append(seen, got)
		mu.Unlock()
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		demoH.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)

	g := startGateway(t, `listen: {{LISTEN}}
secrets:
  refresh: 1h
  vault:
    address: `+vsrv.URL+`
    auth: {token: "env:TEST_VAULT_TOKEN"}
servers:
  api:
    url: `+up.URL+`
    headers: {Authorization: "vault:secret/data/mcp/api#authorization"}
audit:
  file: audit.jsonl
store:
  path: gateway.db
`, "TEST_VAULT_TOKEN=hvs.test-root-token")
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "api__echo", Arguments: map[string]any{"message": "one"}}); err != nil {
		t.Fatal(err)
	}

	// Rotate: Vault has the new value, the upstream accepts only it.
	vault.set("secret/data/mcp/api", "authorization", "Bearer rotating-credential-two")
	mu.Lock()
	want = "Bearer rotating-credential-two"
	mu.Unlock()
	if err := g.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var res *mcp.CallToolResult
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "api__echo", Arguments: map[string]any{"message": "two"}})
		if err == nil && !res.IsError {
			break
		}
	}
	if err != nil || res.IsError {
		t.Fatalf("the same session did not recover after the rotation: %v %+v", err, res)
	}
	mu.Lock()
	last := seen[len(seen)-1]
	mu.Unlock()
	if last != "Bearer rotating-credential-two" {
		t.Fatalf("upstream last saw %q", last)
	}

	// A credential pasted into arguments reaches the upstream (the call
	// works) but the audit record masks it by its shape.
	const awsKey = "AKIAIOSFODNN7EXAMPLE"
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "api__echo", Arguments: map[string]any{"message": "key " + awsKey + " please"}})
	if err != nil || !strings.Contains(textOf(res), awsKey) {
		t.Fatalf("echo with a key: %v %q", err, textOf(res))
	}
	raw, err := os.ReadFile(g.Audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"rotating-credential-one", "rotating-credential-two", awsKey, "hvs.test-root-token"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the audit file contains %q", s)
		}
	}
	if !strings.Contains(string(raw), `"message":"key [REDACTED:aws_access_key] please"`) {
		t.Errorf("the shaped credential is not masked as such in the audit file")
	}
	// The benign twin: an ordinary argument is recorded as sent.
	if !strings.Contains(string(raw), `"message":"two"`) {
		t.Errorf("an ordinary argument was not recorded")
	}
	if strings.Contains(g.stderr.String(), "rotating-credential") {
		t.Errorf("a secret reached the gateway's log")
	}
}

// A literal secret in the configuration is refused at load, naming the
// line; the benign twin (a reference) passes `mcpwarden check`.
func TestLiteralSecretRefused(t *testing.T) {
	dir := t.TempDir()
	check := func(cfg string, env ...string) (string, error) {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binPath, "check", "--config", p)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	ghp := "ghp_" + strings.Repeat("Zx9Y", 9)
	out, err := check("servers:\n  gh:\n    command: /bin/true\n    env:\n      GH_TOKEN: " + ghp + "\n")
	if err == nil || !strings.Contains(out, "c.yaml:5: servers.gh.env.GH_TOKEN") || strings.Contains(out, ghp) {
		t.Fatalf("literal secret: err=%v\n%s", err, out)
	}
	out, err = check("servers:\n  gh:\n    command: /bin/true\n    args: [--key, " + ghp + "]\n")
	if err == nil || !strings.Contains(out, "c.yaml:4: servers.gh.args[1]: a literal secret") {
		t.Fatalf("literal secret in args: err=%v\n%s", err, out)
	}
	out, err = check("servers:\n  gh:\n    command: /bin/true\n    env:\n      GH_TOKEN: env:TEST_GH\n", "TEST_GH="+ghp)
	if err != nil {
		t.Fatalf("a reference was refused: %v\n%s", err, out)
	}
}
