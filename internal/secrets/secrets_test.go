package secrets

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/config"
)

// kvServer stands in for Vault: no Vault or OpenBao server can run on this
// machine (neither is packaged here), so this local HTTP server implements
// the two endpoints the gateway uses, as Vault documents them: KV v2 read
// (GET /v1/<mount>/data/<path>), KV v1 read (GET /v1/<mount>/<path>) and
// AppRole login (POST /v1/auth/approle/login). Requests go through the
// official client unchanged.
type kvServer struct {
	mu      sync.Mutex
	v2      map[string]map[string]any // path → fields
	v1      map[string]map[string]any
	tokens  map[string]bool
	roleID  string
	secret  string
	logins  int
	reads   int
	revoked bool
}

func newKV(t *testing.T) (*kvServer, *httptest.Server) {
	kv := &kvServer{v2: map[string]map[string]any{}, v1: map[string]map[string]any{}, tokens: map[string]bool{"root-token": true}, roleID: "role-1", secret: "secret-id-1"}
	srv := httptest.NewServer(http.HandlerFunc(kv.serve))
	t.Cleanup(srv.Close)
	return kv, srv
}

func (kv *kvServer) serve(w http.ResponseWriter, r *http.Request) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	fail := func(code int, msg string) {
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{msg}})
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		if r.URL.Path != "/v1/auth/approle/login" {
			fail(404, "no handler")
			return
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["role_id"] != kv.roleID || body["secret_id"] != kv.secret {
			fail(400, "invalid role or secret ID")
			return
		}
		kv.logins++
		tok := "approle-token-" + string(rune('a'+kv.logins))
		kv.tokens[tok] = true
		_ = json.NewEncoder(w).Encode(map[string]any{"auth": map[string]any{"client_token": tok, "lease_duration": 60}})
		return
	}
	if !kv.tokens[r.Header.Get("X-Vault-Token")] {
		fail(403, "permission denied")
		return
	}
	kv.reads++
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	if d, ok := kv.v2[p]; ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"data": d, "metadata": map[string]any{"version": 1}}})
		return
	}
	if d, ok := kv.v1[p]; ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"data": d})
		return
	}
	fail(404, "")
}

func vaultConfig(t *testing.T, addr string, auth string) *config.Config {
	t.Helper()
	y := "secrets:\n  vault:\n    address: " + addr + "\n" + auth + "servers:\n  a: {command: x}\n"
	c, _, err := config.Parse([]byte(y), "t.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ref(t *testing.T, raw string) config.Value {
	v, err := config.NewValue(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVaultTokenKV2RotationAndRelogin(t *testing.T) {
	kv, srv := newKV(t)
	kv.v2["secret/data/mcp/github"] = map[string]any{"token": "gh-secret-1"}
	kv.v1["kv1/app"] = map[string]any{"password": "pw-1"}
	t.Setenv("MCPW_VT", "root-token")
	m, err := New(vaultConfig(t, srv.URL, "    auth: {token: \"env:MCPW_VT\"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	gh := ref(t, "vault:secret/data/mcp/github#token")
	if s, err := m.ResolveRef(gh); s != "gh-secret-1" || err != nil {
		t.Fatalf("resolve = %q, %v", s, err)
	}
	if s, err := m.ResolveRef(ref(t, "vault:kv1/app#password")); s != "pw-1" || err != nil {
		t.Fatalf("KV v1 resolve = %q, %v", s, err)
	}
	reads := kv.reads
	if s, _ := m.ResolveRef(gh); s != "gh-secret-1" || kv.reads != reads {
		t.Fatalf("second resolve went to Vault (reads %d → %d)", reads, kv.reads)
	}

	// Rotation: picked up by Refresh, and the old value stays known for
	// redaction.
	kv.mu.Lock()
	kv.v2["secret/data/mcp/github"]["token"] = "gh-secret-2"
	kv.mu.Unlock()
	changedHook := 0
	m.OnChange(func() { changedHook++ })
	changed, err := m.Refresh(context.Background())
	if err != nil || len(changed) != 1 || changed[0] != "vault:secret/data/mcp/github#token" || changedHook != 1 {
		t.Fatalf("Refresh = %v, %v (hook %d)", changed, err, changedHook)
	}
	if s, _ := m.ResolveRef(gh); s != "gh-secret-2" {
		t.Fatalf("after rotation: %q", s)
	}
	if vals := strings.Join(m.Values(), ","); !strings.Contains(vals, "gh-secret-1") || !strings.Contains(vals, "gh-secret-2") {
		t.Fatalf("Values = %q", vals)
	}

	// Vault unreachable: the refresh fails, the last value stays in use.
	srv.Close()
	if _, err := m.Refresh(context.Background()); err == nil {
		t.Fatal("refresh against a stopped Vault succeeded")
	} else if strings.Contains(err.Error(), "gh-secret") {
		t.Fatalf("error repeats the secret: %v", err)
	}
	if s, _ := m.ResolveRef(gh); s != "gh-secret-2" {
		t.Fatalf("value lost on a failed refresh: %q", s)
	}
}

func TestVaultAppRoleAndErrors(t *testing.T) {
	kv, srv := newKV(t)
	kv.v2["secret/data/db"] = map[string]any{"password": "db-pw", "port": 5432}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sid"), []byte("secret-id-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := New(vaultConfig(t, srv.URL, "    auth: {method: approle, role_id: role-1, secret_id: \"file:"+filepath.Join(dir, "sid")+"\"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.ResolveRef(ref(t, "vault:secret/data/db#password")); s != "db-pw" || err != nil || kv.logins != 1 {
		t.Fatalf("approle resolve = %q, %v (logins %d)", s, err, kv.logins)
	}
	// The token is revoked: the next read gets 403, logs in again, succeeds.
	kv.mu.Lock()
	kv.tokens = map[string]bool{}
	kv.mu.Unlock()
	if s, err := m.resolve(context.Background(), ref(t, "vault:secret/data/db#password")); s != "db-pw" || err != nil || kv.logins != 2 {
		t.Fatalf("after revocation = %q, %v (logins %d)", s, err, kv.logins)
	}
	for raw, want := range map[string]string{
		"vault:secret/data/db#user":    `has no field "user"`,
		"vault:secret/data/db#port":    "not a string",
		"vault:secret/data/nope#x":     "vault:secret/data/nope#x",
		"vault:secret/data/db#missing": "vault:secret/data/db#missing",
	} {
		_, err := m.ResolveRef(ref(t, raw))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "db-pw") {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

func TestFileRotationWithoutVault(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tok")
	if err := os.WriteFile(p, []byte("v1-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := config.Parse([]byte("servers:\n  a: {command: x}\n"), "t.yaml", dir)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := New(c, nil)
	config.SetResolver(m)
	t.Cleanup(func() { config.SetResolver(nil) })
	v := ref(t, "file:"+p)
	if s, _ := v.Resolve(); s != "v1-secret" {
		t.Fatalf("resolve = %q", s)
	}
	if err := os.WriteFile(p, []byte("v2-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, _ := v.Resolve(); s != "v1-secret" {
		t.Fatalf("cached value changed before a refresh: %q", s)
	}
	if _, err := m.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, _ := v.Resolve(); s != "v2-secret" {
		t.Fatalf("after refresh = %q", s)
	}
	if _, err := ref(t, "vault:a/b#c").Resolve(); err == nil || !strings.Contains(err.Error(), "secrets.vault") {
		t.Fatalf("vault ref without vault: %v", err)
	}
}
