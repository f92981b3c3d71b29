package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// goEchoModule is a tiny Go SDK MCP stdio server, published by the test
// as a module version on a local module proxy.
const goEchoModule = "example.invalid/mcpwarden-test/echoserver"

const goEchoMain = `// Command echoserver is a tiny MCP stdio server (mcpwarden's supply-chain test).
package main

import (
	"context"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type args struct {
	Text string ` + "`" + `json:"text" jsonschema:"the text to echo"` + "`" + `
}

func main() {
	s := mcp.NewServer(&mcp.Implementation{Name: "go-echo", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echo the text back."}, func(ctx context.Context, req *mcp.CallToolRequest, a args) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Text}}}, nil, nil
	})
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
`

// goEchoGoMod is the test module's go.mod: the SDK and the modules it
// needs at the versions this repository selects (go list -m), so every
// module of the build list is one `go mod download` in the repository put
// into this machine's module cache. (Fixed versions broke on a fresh
// machine once this repository's go.mod moved past them.)
func goEchoGoMod(t *testing.T) string {
	t.Helper()
	mods := []string{"github.com/modelcontextprotocol/go-sdk", "github.com/google/jsonschema-go", "github.com/segmentio/asm", "github.com/segmentio/encoding", "github.com/yosida95/uritemplate/v3", "golang.org/x/oauth2", "golang.org/x/sync", "golang.org/x/sys", "golang.org/x/time"}
	out, err := exec.Command("go", append([]string{"list", "-m", "-f", "{{.Path}} {{.Version}}"}, mods...)...).Output()
	if err != nil {
		t.Fatalf("go list -m (the repository's module versions): %v", err)
	}
	var b strings.Builder
	b.WriteString("module " + goEchoModule + "\n\ngo 1.25.0\n\nrequire (\n")
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		b.WriteString("\t" + line + "\n")
	}
	b.WriteString(")\n")
	return b.String()
}

// goProxy is a module proxy directory (the GOPROXY protocol's file
// layout, read by the real go command through file://) holding the test
// module; everything else comes from this machine's module download
// cache, so nothing is fetched from beyond this machine.
type goProxy struct {
	Dir string
	Env []string
}

func startGoProxy(t *testing.T) *goProxy {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	machine := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	if _, err := os.Stat(filepath.Join(machine, "github.com", "modelcontextprotocol", "go-sdk", "@v", "v1.8.0.zip")); err != nil {
		t.Fatalf("the Go SDK v1.8.0 is not in this machine's module cache (go mod download in the repository puts it there): %v", err)
	}
	dir := t.TempDir()
	p := &goProxy{Dir: filepath.Join(dir, "proxy")}
	p.Env = []string{
		"GOPROXY=file://" + p.Dir + ",file://" + machine,
		"GOSUMDB=off",               // no checksum database here; the pin's sums are checked by mcpwarden
		"GONOSUMDB=example.invalid", // GOPRIVATE would also bypass the proxy
		"GOFLAGS=-mod=mod -modcacherw",
		"GOMODCACHE=" + filepath.Join(dir, "modcache"),
	}
	return p
}

// publish writes module@version with main.go into the proxy and returns
// its h1: sum, computed here from the zip.
func (p *goProxy) publish(t *testing.T, version, main string) string {
	t.Helper()
	src := t.TempDir()
	goMod := goEchoGoMod(t)
	for f, text := range map[string]string{"go.mod": goMod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(src, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v := filepath.Join(p.Dir, goEchoModule, "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(v, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(zf, module.Version{Path: goEchoModule, Version: version}, src); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": "2026-01-02T03:04:05Z"})
	list, _ := os.ReadFile(filepath.Join(v, "list"))
	for f, b := range map[string][]byte{version + ".info": info, version + ".mod": []byte(goMod), "list": append(list, []byte(version+"\n")...)} {
		if err := os.WriteFile(filepath.Join(v, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := dirhash.HashZip(filepath.Join(v, version+".zip"), dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func (p *goProxy) run(args ...string) (string, int) {
	r := &npmRegistry{Env: p.Env}
	return r.run(args...)
}

// TestSupplyChainGo: a stdio server launched with `go run MODULE@VERSION`
// from a (local) module proxy. `mcpwarden pin` builds the exact version
// into the cache and pins the module's h1: sum (checked with the proxy and
// read back from the binary), the build list and the binary's hash; the
// gateway runs the binary directly, never go run. The attack: the cached
// binary is changed; the restart is refused (audited, server unavailable)
// and the changed binary never runs. The benign twins: the untouched
// binary starts; a deleted one is rebuilt from the pinned version and
// matches; a pin made with another Go version is rebuilt from the pinned
// sums, trusted, audited, and recorded by `mcpwarden pin`.
func TestSupplyChainGo(t *testing.T) {
	px := startGoProxy(t)
	sum := px.publish(t, "v1.0.0", goEchoMain)
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "mcpwarden.lock")
	cfgText := `
listen: {{LISTEN}}
servers:
  gecho:
    command: go
    args: ["run", "-mod=mod", "` + goEchoModule + `@v1.0.0"]
pin: {mode: strict, lockfile: ` + lockPath + `}
audit: {file: audit.jsonl}
store: {path: ` + filepath.Join(dir, "gateway.db") + `}
`
	cfgFile := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(cfgFile, []byte(strings.ReplaceAll(cfgText, "{{LISTEN}}", "127.0.0.1:0")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := px.run("pin", "--check", "--config", cfgFile); code != 1 || !strings.Contains(out, "gecho package "+goEchoModule+"@v1.0.0: not pinned") {
		t.Fatalf("pin --check before pin: exit %d\n%s", code, out)
	}
	out, code := px.run("pin", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "gecho: package go:"+goEchoModule+"@v1.0.0 pinned") {
		t.Fatalf("pin: exit %d\n%s", code, out)
	}
	lock, _, err := pin.LoadLock(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	p := lock.Packages["gecho"]
	gover, _ := exec.Command("go", "env", "GOVERSION").Output()
	var deps map[string]struct{ Version, Sum string }
	_ = json.Unmarshal(p.Dependencies, &deps)
	if p == nil || p.Ecosystem != "go" || p.Name != goEchoModule || p.Module != goEchoModule || p.Version != "v1.0.0" ||
		p.Integrity != sum || p.Bin != "echoserver" || p.Toolchain != strings.TrimSpace(string(gover)) || len(p.Tree) != len("sha256:")+64 ||
		deps["github.com/modelcontextprotocol/go-sdk"].Version != "v1.8.0" || !strings.HasPrefix(deps["github.com/modelcontextprotocol/go-sdk"].Sum, "h1:") {
		t.Fatalf("package pin (module sum %s): %s", sum, toJSON(p))
	}
	if lock.Get("gecho", pin.KindTool, "echo") == nil {
		t.Fatalf("the tools were not pinned: %s", toJSON(lock))
	}
	if out, code := px.run("pin", "--check", "--config", cfgFile); code != 0 {
		t.Fatalf("pin --check after pin: exit %d\n%s", code, out)
	}

	// The gateway runs the cached binary, not go run.
	binDir := filepath.Join(dir, "mcpwarden-packages", "go", strings.ReplaceAll(goEchoModule, "/", "+")+"@v1.0.0")
	g := startGateway(t, cfgText, px.Env...)
	cs := connect(t, g.URL, nil)
	if got, err := callEv(t, cs, "gecho__echo", map[string]any{"text": "hi"}); err != nil || got != "hi" {
		t.Fatalf("call through the pinned module: %q %v", got, err)
	}
	start := waitSupplyEvent(t, g.Audit, func(ev map[string]any) bool { return ev["type"] == "upstream.start" && ev["server"] == "gecho" })
	conn, _ := start["detail"].(map[string]any)["conn"].(string)
	m := regexp.MustCompile(`^stdio pid (\d+) \(` + regexp.QuoteMeta(filepath.Join(binDir, "echoserver")) + `\)$`).FindStringSubmatch(conn)
	if m == nil {
		t.Fatalf("the server was not started from the built binary: %q", conn)
	}

	// The attack: the cached binary is replaced by another program (a
	// shell script leaving a marker, then exec'ing the original).
	bin := filepath.Join(binDir, "echoserver")
	orig, err := os.ReadFile(bin)
	if err != nil {
		t.Fatalf("the cached binary is not where the docs say: %v", err)
	}
	marker := filepath.Join(dir, "tampered-binary-ran")
	if err := os.WriteFile(bin+".real", orig, 0o755); err != nil {
		t.Fatal(err)
	}
	// (Renamed over it: the running binary cannot be written.)
	if err := os.WriteFile(bin+".new", []byte("#!/bin/sh\ntouch "+marker+"\nexec "+bin+".real \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		t.Fatal(err)
	}
	expectTamperRefused(t, g, cs, m[1], "gecho", "go:"+goEchoModule+"@v1.0.0", p.Tree, marker)
	if out, code := px.run("pin", "--check", "--config", cfgFile); code != 1 || !strings.Contains(out, "differs from the pinned "+p.Tree) {
		t.Fatalf("pin --check with a tampered binary: exit %d\n%s", code, out)
	}

	// Benign twin: the cache deleted, the gateway rebuilds the pinned
	// version (same Go: the binary must be the pinned one) and starts it.
	if err := os.RemoveAll(binDir); err != nil {
		t.Fatal(err)
	}
	g2 := startGateway(t, cfgText, px.Env...)
	cs2 := connect(t, g2.URL, nil)
	if got, err := callEv(t, cs2, "gecho__echo", map[string]any{"text": "again"}); err != nil || got != "again" {
		t.Fatalf("call after a rebuild: %q %v", got, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the tampered binary ran")
	}

	// A pin recorded with another Go version (as after a toolchain
	// upgrade): the binary is rebuilt from the pinned sums, trusted for
	// this process and audited; mcpwarden pin records the new build.
	other := *p
	other.Toolchain, other.Tree = "go1.25.0", "sha256:"+strings.Repeat("0", 64)
	lock.Packages["gecho"] = &other
	if err := lock.Save(lockPath); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(binDir); err != nil {
		t.Fatal(err)
	}
	g3 := startGateway(t, cfgText, px.Env...)
	cs3 := connect(t, g3.URL, nil)
	if got, err := callEv(t, cs3, "gecho__echo", map[string]any{"text": "rebuilt"}); err != nil || got != "rebuilt" {
		t.Fatalf("call after a rebuild with another Go: %q %v", got, err)
	}
	warn := waitSupplyEvent(t, g3.Audit, func(ev map[string]any) bool {
		det, _ := ev["detail"].(map[string]any)
		return ev["type"] == "config.warning" && ev["server"] == "gecho" && det["reason"] == "toolchain_rebuild"
	})
	if det := warn["detail"].(map[string]any); det["pinned_toolchain"] != "go1.25.0" || det["installed_tree"] != p.Tree {
		t.Fatalf("toolchain rebuild event: %s", toJSON(warn))
	}
	if out, code := px.run("pin", "--check", "--config", cfgFile); code != 1 || !strings.Contains(out, "pinned with go1.25.0, built here with "+p.Toolchain) {
		t.Fatalf("pin --check with another Go: exit %d\n%s", code, out)
	}
	if out, code := px.run("pin", "--config", cfgFile); code != 0 || !strings.Contains(out, "rebuilt with "+p.Toolchain+" (pinned with go1.25.0)") {
		t.Fatalf("pin with another Go: exit %d\n%s", code, out)
	}
	if l, _, _ := pin.LoadLock(lockPath); l.Packages["gecho"].Tree != p.Tree || l.Packages["gecho"].Toolchain != p.Toolchain {
		t.Fatalf("the new build was not recorded: %s", toJSON(l.Packages["gecho"]))
	}

	// A module whose content changed under the same version (a proxy
	// serving other bytes): the rebuild's sum is not the pinned one.
	vdir := filepath.Join(px.Dir, goEchoModule, "@v")
	os.Remove(filepath.Join(vdir, "list"))
	px.publish(t, "v1.0.0", strings.Replace(goEchoMain, "Echo the text back.", "Echo the text back, and mail a copy.", 1))
	if err := os.RemoveAll(binDir); err != nil {
		t.Fatal(err)
	}
	px.Env = append(px.Env, "GOMODCACHE="+t.TempDir()) // a fresh module cache: the new bytes are fetched
	g4 := startGatewayNoWait(t, cfgText, px.Env...)
	refused := waitSupplyEvent(t, g4.Audit, func(ev map[string]any) bool {
		d, _ := ev["decision"].(map[string]any)
		return ev["type"] == "upstream.error" && ev["server"] == "gecho" && d["guard"] == "supply"
	})
	if det, _ := refused["detail"].(map[string]any); det["reason"] != "install" || !strings.Contains(refused["decision"].(map[string]any)["reason"].(string), p.Integrity) {
		t.Fatalf("refusal of a changed module: %s", toJSON(refused))
	}

	// vet go:MODULE@VERSION: what the proxy can tell.
	out, code = px.run("vet", "go:"+goEchoModule+"@v1.0.0", "--min-age", "0")
	if code != 0 || !strings.Contains(out, "published            2026-01-02T03:04:05Z") || !strings.Contains(out, "no red flags") {
		t.Fatalf("vet go: exit %d\n%s", code, out)
	}
}
