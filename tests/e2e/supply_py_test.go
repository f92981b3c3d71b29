package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// pyEchoServer is a minimal MCP stdio server in pure Python: newline-
// delimited JSON-RPC, initialize, tools/list and tools/call of one tool.
const pyEchoServer = `import json
import sys

DESCRIPTION = "Echo the text back."


def reply(msg_id, result=None, error=None):
    out = {"jsonrpc": "2.0", "id": msg_id}
    if error is not None:
        out["error"] = error
    else:
        out["result"] = result
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        if "id" not in msg or "method" not in msg:
            continue
        method, params = msg["method"], msg.get("params") or {}
        if method == "initialize":
            reply(msg["id"], {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                              "capabilities": {"tools": {}},
                              "serverInfo": {"name": "py-echo", "version": "1.0.0"}})
        elif method == "tools/list":
            reply(msg["id"], {"tools": [{"name": "echo", "description": DESCRIPTION,
                                         "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}},
                                                         "required": ["text"]}}]})
        elif method == "tools/call":
            reply(msg["id"], {"content": [{"type": "text", "text": params["arguments"]["text"]}]})
        elif method == "ping":
            reply(msg["id"], {})
        else:
            reply(msg["id"], error={"code": -32601, "message": "method not found"})
`

// pyIndex is a PEP 503 simple index (a static file tree served on
// 127.0.0.1): it stands in for PyPI, which this machine cannot reach.
type pyIndex struct {
	Dir   string
	URL   string
	Env   []string
	files map[string][]pyIndexFile // normalised project → files
}

type pyIndexFile struct {
	name, sha256, yanked string
}

func startPyIndex(t *testing.T) *pyIndex {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 (with pip and venv) is required for this test: %v", err)
	}
	dir := t.TempDir()
	ix := &pyIndex{Dir: filepath.Join(dir, "index"), files: map[string][]pyIndexFile{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.FileServer(http.Dir(ix.Dir)))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	ix.URL = srv.URL + "/simple/"
	ix.Env = []string{"PIP_INDEX_URL=" + ix.URL, "PIP_CONFIG_FILE=/dev/null", "PIP_CACHE_DIR=" + filepath.Join(dir, "pip-cache"),
		"PIP_DISABLE_PIP_VERSION_CHECK=1"}
	return ix
}

// publish builds a wheel of name==version whose tool has description
// (archive/zip: a module, METADATA, WHEEL, entry_points.txt with a console
// script, RECORD) and lists it in the index. It returns the wheel's
// sha256.
func (ix *pyIndex) publish(t *testing.T, name, version, description, yanked string) string {
	t.Helper()
	mod := strings.ReplaceAll(name, "-", "_")
	info := mod + "-" + version + ".dist-info/"
	files := [][2]string{
		{mod + "/__init__.py", strings.Replace(pyEchoServer, `"Echo the text back."`, strconv.Quote(description), 1)},
		{info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: mcpwarden test server\nRequires-Python: >=3.8\n"},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: mcpwarden-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{info + "entry_points.txt", "[console_scripts]\n" + name + " = " + mod + ":main\n"},
	}
	var record strings.Builder
	for _, f := range files {
		sum := sha256.Sum256([]byte(f[1]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(f[1]))
	}
	record.WriteString(info + "RECORD,,\n")
	files = append(files, [2]string{info + "RECORD", record.String()})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	wheel := mod + "-" + version + "-py3-none-any.whl"
	if err := os.MkdirAll(filepath.Join(ix.Dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ix.Dir, "files", wheel), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	h := hex.EncodeToString(sum[:])
	list := ix.files[name][:0:0]
	for _, f := range ix.files[name] {
		if f.name != wheel {
			list = append(list, f)
		}
	}
	ix.files[name] = append(list, pyIndexFile{wheel, h, yanked})
	sort.Slice(ix.files[name], func(i, j int) bool { return ix.files[name][i].name < ix.files[name][j].name })
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html><body>\n")
	for _, f := range ix.files[name] {
		y := ""
		if f.yanked != "" {
			y = ` data-yanked="` + f.yanked + `"`
		}
		fmt.Fprintf(&page, "<a href=\"../../files/%s#sha256=%s\" data-requires-python=\"&gt;=3.8\"%s>%s</a>\n", f.name, f.sha256, y, f.name)
	}
	page.WriteString("</body></html>\n")
	if err := os.MkdirAll(filepath.Join(ix.Dir, "simple", name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ix.Dir, "simple", name, "index.html"), []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

func (ix *pyIndex) run(args ...string) (string, int) {
	return (&npmRegistry{Env: ix.Env}).run(args...)
}

// TestSupplyChainPython: stdio servers launched with uvx and pipx run from
// a (local) package index. `mcpwarden pin` resolves the exact version with
// pip (wheels only), installs it into a virtualenv of its own in the cache
// in pip's hash-checking mode, and pins the version, the index's sha256 of
// the wheel and the virtualenv's tree; the gateway runs the console script
// with the virtualenv's Python (uv and pipx are not needed, nor
// installed here). The attacks: an installed file is changed (the restart
// is refused, audited, the code never runs); the index serves other bytes
// for the pinned version (pip's hash check refuses the reinstall). The
// benign twins: the untouched install starts; a deleted one is
// reinstalled exactly.
func TestSupplyChainPython(t *testing.T) {
	ix := startPyIndex(t)
	const name = "mcpw-echo"
	sum := ix.publish(t, name, "1.0.0", "Echo the text back.", "")
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "mcpwarden.lock")
	cfgText := `
listen: {{LISTEN}}
servers:
  pyecho:
    command: uvx
    args: ["` + name + `==1.0.0"]
  pxecho:
    command: pipx
    args: ["run", "--spec", "` + name + `==1.0.0", "` + name + `"]
    sandbox: bwrap
pin: {mode: strict, lockfile: ` + lockPath + `}
audit: {file: audit.jsonl}
store: {path: ` + filepath.Join(dir, "gateway.db") + `}
`
	cfgFile := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(cfgFile, []byte(strings.ReplaceAll(cfgText, "{{LISTEN}}", "127.0.0.1:0")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := ix.run("pin", "--check", "--config", cfgFile); code != 1 || !strings.Contains(out, "pyecho package "+name+"==1.0.0: not pinned") {
		t.Fatalf("pin --check before pin: exit %d\n%s", code, out)
	}
	out, code := ix.run("pin", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "pyecho: package pypi:"+name+"@1.0.0 pinned") || !strings.Contains(out, "pxecho: package pypi:"+name+"@1.0.0 pinned") {
		t.Fatalf("pin: exit %d\n%s", code, out)
	}
	lock, _, err := pin.LoadLock(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	p := lock.Packages["pyecho"]
	if p == nil || p.Ecosystem != "pypi" || p.Name != name || p.Version != "1.0.0" || p.Integrity != "sha256:"+sum ||
		p.Bin != "bin/"+name || !strings.HasPrefix(p.Toolchain, "cpython-3.") || len(p.Tree) != len("sha256:")+64 || string(p.Dependencies) != "{}" {
		t.Fatalf("package pin: %s", toJSON(p))
	}
	if lock.Get("pyecho", pin.KindTool, "echo") == nil || lock.Get("pxecho", pin.KindTool, "echo") == nil {
		t.Fatalf("the tools were not pinned: %s", toJSON(lock))
	}
	if out, code := ix.run("pin", "--check", "--config", cfgFile); code != 0 {
		t.Fatalf("pin --check after pin: exit %d\n%s", code, out)
	}

	venv := filepath.Join(dir, "mcpwarden-packages", "pypi", name+"@1.0.0")
	g := startGateway(t, cfgText, ix.Env...)
	cs := connect(t, g.URL, nil)
	for _, s := range []string{"pyecho", "pxecho"} {
		if got, err := callEv(t, cs, s+"__echo", map[string]any{"text": "hi " + s}); err != nil || got != "hi "+s {
			t.Fatalf("call through the pinned package (%s): %q %v", s, got, err)
		}
	}
	start := waitSupplyEvent(t, g.Audit, func(ev map[string]any) bool { return ev["type"] == "upstream.start" && ev["server"] == "pyecho" })
	conn, _ := start["detail"].(map[string]any)["conn"].(string)
	m := regexp.MustCompile(`^stdio pid (\d+) \(` + regexp.QuoteMeta(filepath.Join(venv, "bin", "python")) + `\)$`).FindStringSubmatch(conn)
	if m == nil {
		t.Fatalf("the server was not started with the virtualenv's python: %q", conn)
	}

	// The attack: an installed file of the package is changed.
	src := filepath.Join(venv, "lib")
	matches, _ := filepath.Glob(filepath.Join(src, "python*", "site-packages", "mcpw_echo", "__init__.py"))
	if len(matches) != 1 {
		t.Fatalf("the installed package is not where the docs say: %v", matches)
	}
	orig, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "tampered-code-ran")
	evil := append([]byte("open("+strconv.Quote(marker)+", 'w').close()\n"), orig...)
	if err := os.WriteFile(matches[0], evil, 0o644); err != nil {
		t.Fatal(err)
	}
	expectTamperRefused(t, g, cs, m[1], "pyecho", "pypi:"+name+"@1.0.0", p.Tree, marker)
	if out, code := ix.run("pin", "--check", "--config", cfgFile); code != 1 || !strings.Contains(out, "differs from the pinned "+p.Tree) {
		t.Fatalf("pin --check with a tampered install: exit %d\n%s", code, out)
	}

	// Benign twin: the virtualenv deleted, the gateway reinstalls the
	// pinned distribution (hash-checked) and it hashes to the pin.
	if err := os.RemoveAll(venv); err != nil {
		t.Fatal(err)
	}
	g2 := startGateway(t, cfgText, ix.Env...)
	cs2 := connect(t, g2.URL, nil)
	if got, err := callEv(t, cs2, "pyecho__echo", map[string]any{"text": "again"}); err != nil || got != "again" {
		t.Fatalf("call after a reinstall: %q %v", got, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the tampered code ran")
	}

	// The index serves other bytes for the pinned version: pip's hash
	// check refuses the reinstall, and the server does not start.
	if other := ix.publish(t, name, "1.0.0", "Echo the text back, and mail a copy.", ""); other == sum {
		t.Fatal("the republished wheel has the same hash")
	}
	if err := os.RemoveAll(venv); err != nil {
		t.Fatal(err)
	}
	env3 := append(append([]string(nil), ix.Env...), "PIP_CACHE_DIR="+t.TempDir())
	g3 := startGatewayNoWait(t, cfgText, env3...)
	refused := waitSupplyEvent(t, g3.Audit, func(ev map[string]any) bool {
		d, _ := ev["decision"].(map[string]any)
		return ev["type"] == "upstream.error" && ev["server"] == "pyecho" && d["guard"] == "supply"
	})
	reason := refused["decision"].(map[string]any)["reason"].(string)
	if det, _ := refused["detail"].(map[string]any); det["reason"] != "install" || !strings.Contains(reason, "HASHES") {
		t.Fatalf("refusal of a republished distribution: %s", toJSON(refused))
	}

	// vet pypi:NAME==VERSION: what the simple index tells.
	ix.publish(t, name, "0.9.0", "Echo.", "broken release")
	out, code = ix.run("vet", "pypi:"+name+"==1.0.0", "--min-age", "0")
	if code != 0 || !strings.Contains(out, "requires-python      >=3.8") || !strings.Contains(out, "integrity            sha256:") || !strings.Contains(out, "no red flags") {
		t.Fatalf("vet pypi: exit %d\n%s", code, out)
	}
	if out, code := ix.run("vet", "pypi:"+name+"==0.9.0"); code != 1 || !strings.Contains(out, "RED FLAG: yanked: broken release") {
		t.Fatalf("vet of a yanked version: exit %d\n%s", code, out)
	}
	if out, code := ix.run("vet", "pypi:"+name+"[extra]"); code != 2 || !strings.Contains(out, "not a Python package name") {
		t.Fatalf("vet of an extra: exit %d\n%s", code, out)
	}
}
