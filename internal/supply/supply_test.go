package supply

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

func TestParseNpx(t *testing.T) {
	tests := []struct {
		cmd     string
		args    []string
		npx     bool
		name    string
		version string
		bin     string
		rest    []string
		err     string
	}{
		{cmd: "node", args: []string{"server.js"}},
		{cmd: "/usr/local/bin/mcp", args: []string{"-y", "x"}},
		{cmd: "npx", args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/srv/data"}, npx: true,
			name: "@modelcontextprotocol/server-filesystem", rest: []string{"/srv/data"}},
		{cmd: "/usr/bin/npx", args: []string{"--yes", "-q", "pkg@1.2.3", "--port", "3"}, npx: true,
			name: "pkg", version: "1.2.3", rest: []string{"--port", "3"}},
		{cmd: "npx", args: []string{"@scope/pkg@^2.0.0"}, npx: true, name: "@scope/pkg", version: "^2.0.0", rest: []string{}},
		{cmd: "npx", args: []string{"-y", "--package", "@s/tools@latest", "tool-a", "x"}, npx: true,
			name: "@s/tools", version: "latest", bin: "tool-a", rest: []string{"x"}},
		{cmd: "npx", args: []string{"--package=pkg", "b"}, npx: true, name: "pkg", bin: "b", rest: []string{}},
		{cmd: "npx", args: []string{"-y", "--", "pkg", "-v"}, npx: true, name: "pkg", rest: []string{"-v"}},
		{cmd: "npx", args: []string{"-c", "evil"}, npx: true, err: "not understood"},
		{cmd: "npx", args: []string{"-y"}, npx: true, err: "no package"},
		{cmd: "npx", args: []string{"-y", "./local-dir"}, npx: true, err: "not an npm registry package"},
		{cmd: "npx", args: []string{"-y", "git+https://example.invalid/x.git"}, npx: true, err: "not an npm registry package"},
		{cmd: "npx", args: []string{"-y", "alias@npm:other@1"}, npx: true, err: "not an npm registry package"},
		{cmd: "npx", args: []string{"-y", "x@npm:y"}, npx: true, err: "not a version"},
		{cmd: "npx", args: []string{"-y", "pkg@"}, npx: true, err: "empty version"},
		{cmd: "npx", args: []string{"-y", "Upper"}, npx: true, err: "not an npm registry package"},
		{cmd: "npx", args: []string{"-p", "pkg", "../x"}, npx: true, err: "not a bin name"},
		{cmd: "npx", args: []string{"-p", "a", "-p", "b", "c"}, npx: true, err: "exactly one package"},
	}
	for _, tc := range tests {
		spec, rest, npx, err := ParseNpx(tc.cmd, tc.args)
		label := tc.cmd + " " + strings.Join(tc.args, " ")
		if npx != tc.npx {
			t.Errorf("%s: npx = %v, want %v", label, npx, tc.npx)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", label, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		if !tc.npx {
			continue
		}
		if spec.Name != tc.name || spec.Version != tc.version || spec.Bin != tc.bin || !slices.Equal(rest, tc.rest) {
			t.Errorf("%s: got %+v rest %q", label, spec, rest)
		}
		// NpxArgs is the inverse.
		s2, r2, _, err := ParseNpx("npx", spec.NpxArgs(rest))
		if err != nil || s2 != spec || !slices.Equal(r2, rest) {
			t.Errorf("%s: NpxArgs round trip: %+v %q %v", label, s2, r2, err)
		}
	}
}

func FuzzParseNpx(f *testing.F) {
	f.Add("-y", "@scope/name@1.2.3", "arg")
	f.Add("--package", "x", "bin")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		spec, rest, _, err := ParseNpx("npx", []string{a, b, c})
		if err == nil && (spec.Name == "" || len(rest) > 3) {
			t.Fatalf("%+v %q", spec, rest)
		}
	})
}

func TestExact(t *testing.T) {
	for v, want := range map[string]bool{"1.2.3": true, "1.0.0-rc.1": true, "^1.2.3": false, "latest": false, "": false, "1.2": false} {
		if got := (Spec{Version: v}).Exact(); got != want {
			t.Errorf("%q: Exact = %v", v, got)
		}
	}
}

func writeTree(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "@s", "pkg", "lib"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, ".bin"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "@s", "pkg", "package.json"), []byte(`{"name":"@s/pkg","bin":{"pkg":"index.js"}}`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "@s", "pkg", "index.js"), []byte("console.log(1)\n"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "@s", "pkg", "lib", "a.js"), []byte("module.exports = 1\n"), 0o644))
	must(os.Symlink("../@s/pkg/index.js", filepath.Join(dir, ".bin", "pkg")))
	must(os.WriteFile(filepath.Join(dir, npmHiddenLock), []byte(`{"v":1}`), 0o644))
}

func TestTreeHash(t *testing.T) {
	base := t.TempDir()
	writeTree(t, base)
	h0, err := TreeHash(base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h0, "sha256:") || len(h0) != len("sha256:")+64 {
		t.Fatalf("hash %q", h0)
	}
	same := func(name string, change func(dir string) error, wantSame bool) {
		t.Helper()
		dir := t.TempDir()
		writeTree(t, dir)
		if err := change(dir); err != nil {
			t.Fatal(err)
		}
		h, err := TreeHash(dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (h == h0) != wantSame {
			t.Errorf("%s: hash equal = %v, want %v", name, h == h0, wantSame)
		}
	}
	p := func(dir string, parts ...string) string { return filepath.Join(append([]string{dir}, parts...)...) }
	same("another copy", func(string) error { return nil }, true)
	same("npm's hidden lockfile rewritten", func(d string) error {
		return os.WriteFile(p(d, npmHiddenLock), []byte(`{"v":2}`), 0o644)
	}, true)
	same("group-writable (another umask)", func(d string) error { return os.Chmod(p(d, "@s", "pkg", "lib", "a.js"), 0o664) }, true)
	same("a file's content", func(d string) error {
		return os.WriteFile(p(d, "@s", "pkg", "lib", "a.js"), []byte("module.exports = 2\n"), 0o644)
	}, false)
	same("one byte appended", func(d string) error {
		f, err := os.OpenFile(p(d, "@s", "pkg", "index.js"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(" ")
		return err
	}, false)
	same("executable bit", func(d string) error { return os.Chmod(p(d, "@s", "pkg", "lib", "a.js"), 0o755) }, false)
	same("a file added", func(d string) error { return os.WriteFile(p(d, "@s", "pkg", "lib", "b.js"), nil, 0o644) }, false)
	same("a file renamed", func(d string) error {
		return os.Rename(p(d, "@s", "pkg", "lib", "a.js"), p(d, "@s", "pkg", "lib", "c.js"))
	}, false)
	same("a symlink retargeted", func(d string) error {
		if err := os.Remove(p(d, ".bin", "pkg")); err != nil {
			return err
		}
		return os.Symlink("../@s/pkg/lib/a.js", p(d, ".bin", "pkg"))
	}, false)
	same("a file replaced by a symlink to it", func(d string) error {
		if err := os.Rename(p(d, "@s", "pkg", "lib", "a.js"), p(d, "a.js")); err != nil {
			return err
		}
		return os.Symlink("../../../a.js", p(d, "@s", "pkg", "lib", "a.js"))
	}, false)
	same("an empty directory removed", func(d string) error { return os.Remove(p(d, "empty")) }, false)

	fifo := t.TempDir()
	writeTree(t, fifo)
	if err := syscall.Mkfifo(filepath.Join(fifo, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := TreeHash(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a pipe in the tree: err = %v", err)
	}
	// The root itself a symlink: nothing is followed, so nothing matches.
	link := filepath.Join(t.TempDir(), "nm")
	if err := os.Symlink(base, link); err != nil {
		t.Fatal(err)
	}
	if h, err := TreeHash(link); err == nil && h == h0 {
		t.Error("a symlinked root hashed as the tree it points to")
	}
}

func BenchmarkTreeHash(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		d := filepath.Join(dir, "pkg", string(rune('a'+i%26)))
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, strings.Repeat("f", 1+i%7)+string(rune('a'+i/26))+".js"), []byte(strings.Repeat("x", 4096)), 0o644)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := TreeHash(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBinOf(t *testing.T) {
	dir := t.TempDir()
	write := func(bin string) {
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"@s/srv","bin":`+bin+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a.js", "srv.js"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ bin, want, got, err string }{
		{bin: `"./srv.js"`, got: "srv.js"},
		{bin: `{"only":"a.js"}`, got: "a.js"},
		{bin: `{"a":"a.js","srv":"srv.js"}`, got: "srv.js"},
		{bin: `{"a":"a.js","srv":"srv.js"}`, want: "a", got: "a.js"},
		{bin: `{"a":"a.js","b":"srv.js"}`, err: "no bin \"srv\""},
		{bin: `{}`, err: "declares no bin"},
		{bin: `"../../etc/passwd"`, err: "leaves the package"},
		{bin: `"missing.js"`, err: "not a file"},
	}
	for _, tc := range tests {
		write(tc.bin)
		got, err := binOf(dir, "@s/srv", tc.want)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("bin %s: err = %v, want %q", tc.bin, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.got {
			t.Errorf("bin %s want %q: got %q, %v", tc.bin, tc.want, got, err)
		}
	}
}

func manifest(t *testing.T, s string) *Manifest {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func TestVet(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	clean := manifest(t, `{"name":"srv","version":"1.2.0","versions":["1.0.0","1.2.0","1.3.0-rc.1","2.0.0"],
		"dist-tags":{"latest":"2.0.0"},"time":{"1.2.0":"2026-03-01T00:00:00Z"},
		"_npmUser":{"name":"alice","email":"a@example.invalid"},"maintainers":["alice <a@example.invalid>",{"name":"bob"}],
		"repository":{"type":"git","url":"git+https://example.invalid/srv.git"},"license":"MIT",
		"scripts":{"test":"node test.js","build":"tsc"},"dependencies":{"a":"1","b":"2"},
		"dist":{"integrity":"sha512-x","signatures":[{"keyid":"SHA256:k","sig":"s"}],
		        "attestations":{"url":"https://example.invalid/att","provenance":{"predicateType":"https://slsa.dev/provenance/v1"}}}}`)
	r := Vet(clean, VetOptions{MinAge: 72 * time.Hour, Now: now})
	if len(r.RedFlags) != 0 {
		t.Errorf("clean package flagged: %v", r.RedFlags)
	}
	if r.Publisher != "alice <a@example.invalid>" || !slices.Equal(r.Maintainers, []string{"alice <a@example.invalid>", "bob"}) ||
		r.Repository != "git+https://example.invalid/srv.git" || r.Dependencies != 2 || r.Provenance == "" || len(r.Signatures) != 1 || r.Age != "61 days" {
		t.Errorf("report: %+v", r)
	}
	if !slices.Contains(r.Notes, "a newer version is tagged latest: 2.0.0") {
		t.Errorf("notes: %v", r.Notes)
	}
	if got := Newer(clean, "1.2.0"); !slices.Equal(got, []string{"2.0.0"}) {
		t.Errorf("Newer = %v", got)
	}

	bad := manifest(t, `{"name":"srv","version":"9.9.9","time":{"9.9.9":"2026-04-30T12:00:00Z"},
		"scripts":{"postinstall":"node steal.js","preinstall":"curl x","prepare":"tsc"},"deprecated":"use srv2","dist":{"integrity":"sha512-y"}}`)
	sc := &Scorecard{Score: 3.5}
	r = Vet(bad, VetOptions{MinAge: 72 * time.Hour, MinScore: 5, Scorecard: sc, Now: now})
	joined := strings.Join(r.RedFlags, "\n")
	for _, want := range []string{"install script postinstall: node steal.js", "install script preinstall", "deprecated: use srv2", "less than --min-age 72h0m0s", "Scorecard 3.5"} {
		if !strings.Contains(joined, want) {
			t.Errorf("red flags lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "prepare") {
		t.Errorf("a prepare script (not run for registry installs) is a red flag:\n%s", joined)
	}
	for _, want := range []string{"prepare script tsc (npm runs it for git and local installs, not from the registry)", "no registry signature", "no provenance attestation: the build cannot be traced to a source commit", "no repository declared", "the registry names no publisher"} {
		if !slices.Contains(r.Notes, want) {
			t.Errorf("notes lack %q: %v", want, r.Notes)
		}
	}
	var b strings.Builder
	r.WriteTable(&b)
	if !strings.Contains(b.String(), "RED FLAG: install script postinstall") || !strings.Contains(b.String(), "install scripts      preinstall: curl x; postinstall: node steal.js; prepare: tsc") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestReadScorecard(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "sc.json")
	if err := os.WriteFile(good, []byte(`{"date":"2026-04-01","repo":{"name":"github.com/x/srv","commit":"abc"},"scorecard":{"version":"v5"},
		"score":7.4,"checks":[{"name":"Code-Review","score":8,"reason":"found 8/10 approved changesets","details":null,"documentation":{"url":"u"}},
		{"name":"Pinned-Dependencies","score":-1,"reason":"internal error"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := ReadScorecard(good)
	if err != nil || sc.Score != 7.4 || len(sc.Checks) != 2 || sc.Checks[0].Name != "Code-Review" {
		t.Fatalf("%+v %v", sc, err)
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"name":"not a scorecard"}`), 0o644)
	if _, err := ReadScorecard(bad); err == nil || !strings.Contains(err.Error(), "not a Scorecard JSON result") {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadScorecard(filepath.Join(dir, "none.json")); err == nil {
		t.Error("missing file read")
	}
}

// Ensure on an installed cache: the pinned tree passes, a changed one is a
// *MismatchError naming both hashes (no npm needed: nothing is missing).
func TestCacheEnsure(t *testing.T) {
	c := &Cache{Root: t.TempDir(), NPM: &NPM{Path: "/nonexistent/npm"}}
	p := &pin.Package{Ecosystem: EcosystemNPM, Name: "@s/pkg", Version: "1.0.0", Bin: "index.js"}
	nm := filepath.Join(c.Dir(p), "node_modules")
	if c.Dir(p) != filepath.Join(c.Root, "npm", "@s+pkg@1.0.0") {
		t.Fatalf("Dir = %s", c.Dir(p))
	}
	writeTree(t, nm)
	var err error
	if p.Tree, err = TreeHash(nm); err != nil {
		t.Fatal(err)
	}
	if err := c.Ensure(context.Background(), p); err != nil {
		t.Fatalf("untouched cache: %v", err)
	}
	cmd, args := c.Command(p, []string{"--flag"})
	if cmd != "node" || !slices.Equal(args, []string{filepath.Join(nm, "@s", "pkg", "index.js"), "--flag"}) {
		t.Fatalf("Command = %s %q", cmd, args)
	}
	if err := os.WriteFile(filepath.Join(nm, "@s", "pkg", "index.js"), []byte("evil()\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = c.Ensure(context.Background(), p)
	var me *MismatchError
	if !errors.As(err, &me) || me.Want != p.Tree || me.Got == p.Tree || me.Reinstalled ||
		!strings.Contains(err.Error(), "npm:@s/pkg@1.0.0") || !strings.Contains(err.Error(), me.Got) {
		t.Fatalf("tampered cache: %v", err)
	}
	bad := *p
	bad.Bin = "../../../evil.js"
	if err := c.Ensure(context.Background(), &bad); err == nil || !strings.Contains(err.Error(), "leaves the package directory") {
		t.Fatalf("bin outside the package: %v", err)
	}
	// Missing and npm cannot run: an install error, not a start.
	gone := *p
	gone.Version = "2.0.0"
	if err := c.Ensure(context.Background(), &gone); err == nil || !strings.Contains(err.Error(), "install") {
		t.Fatalf("missing cache without npm: %v", err)
	}
}
