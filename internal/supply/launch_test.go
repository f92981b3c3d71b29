package supply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

func TestParseLaunch(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		args []string
		ok   bool
		err  string
		spec Spec
		rest []string
	}{
		{cmd: "go", args: []string{"run", "example.com/m/cmd/s@v1.2.3", "--x"}, ok: true,
			spec: Spec{Ecosystem: EcosystemGo, Name: "example.com/m/cmd/s", Version: "v1.2.3"}, rest: []string{"--x"}},
		{cmd: "/usr/local/go/bin/go", args: []string{"run", "-mod=mod", "example.com/m@latest"}, ok: true,
			spec: Spec{Ecosystem: EcosystemGo, Name: "example.com/m", Version: "latest"}, rest: []string{}},
		{cmd: "go", args: []string{"run", "./cmd/server"}},
		{cmd: "go", args: []string{"run", "main.go"}},
		{cmd: "go", args: []string{"build", "example.com/m@v1.0.0"}},
		{cmd: "go", args: []string{"run", "-exec", "x", "example.com/m@v1.0.0"}, ok: true, err: "not understood"},
		{cmd: "go", args: []string{"run", "notamodule@v1.0.0"}, ok: true, err: "not a module package path"},
		{cmd: "go", args: []string{"run", "example.com/m@v1;rm"}, ok: true, err: "not a version"},
		{cmd: "uvx", args: []string{"mcp-server-fetch==1.2.0", "--a"}, ok: true,
			spec: Spec{Ecosystem: EcosystemPyPI, Name: "mcp-server-fetch", Version: "1.2.0"}, rest: []string{"--a"}},
		{cmd: "uvx", args: []string{"Mcp_Server.Fetch@2.0"}, ok: true,
			spec: Spec{Ecosystem: EcosystemPyPI, Name: "mcp-server-fetch", Version: "2.0"}, rest: []string{}},
		{cmd: "uvx", args: []string{"-q", "--from", "pkg==1.0", "srv", "x"}, ok: true,
			spec: Spec{Ecosystem: EcosystemPyPI, Name: "pkg", Version: "1.0", Bin: "srv"}, rest: []string{"x"}},
		{cmd: "uvx", args: []string{"pkg@latest"}, ok: true, spec: Spec{Ecosystem: EcosystemPyPI, Name: "pkg"}, rest: []string{}},
		{cmd: "uvx", args: []string{"pkg>=1.0"}, ok: true, err: "not a Python package name"},
		{cmd: "uvx", args: []string{"pkg[extra]"}, ok: true, err: "not a Python package name"},
		{cmd: "uvx", args: []string{"git+https://x/y"}, ok: true, err: "not a Python package name"},
		{cmd: "uvx", args: []string{"--with", "x", "pkg"}, ok: true, err: "not understood"},
		{cmd: "uvx", args: nil, ok: true, err: "no package"},
		{cmd: "pipx", args: []string{"run", "pkg==3"}, ok: true, spec: Spec{Ecosystem: EcosystemPyPI, Name: "pkg", Version: "3"}, rest: []string{}},
		{cmd: "pipx", args: []string{"run", "--spec", "pkg==3", "app", "--", "y"}, ok: true,
			spec: Spec{Ecosystem: EcosystemPyPI, Name: "pkg", Version: "3", Bin: "app"}, rest: []string{"--", "y"}},
		{cmd: "pipx", args: []string{"run", "--spec", "pkg==3", "../app"}, ok: true, err: "not a command name"},
		{cmd: "pipx", args: []string{"install", "pkg"}},
		{cmd: "python3", args: []string{"-m", "pkg"}},
	} {
		spec, rest, ok, err := ParseLaunch(c.cmd, c.args)
		name := c.cmd + " " + strings.Join(c.args, " ")
		if ok != c.ok {
			t.Errorf("%s: ok = %v", name, ok)
			continue
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if ok && (spec != c.spec || !slices.Equal(rest, c.rest)) {
			t.Errorf("%s: %+v %q, want %+v %q", name, spec, rest, c.spec, c.rest)
		}
	}
}

func FuzzParseLaunch(f *testing.F) {
	f.Add("go", "run", "example.com/m@v1.0.0")
	f.Add("uvx", "--from", "pkg==1")
	f.Add("pipx", "run", "pkg")
	f.Fuzz(func(t *testing.T, cmd, a, b string) {
		spec, _, ok, err := ParseLaunch(cmd, []string{a, b})
		if ok && err == nil && (spec.Name == "" || strings.ContainsAny(spec.Name+spec.Version, " \n;|&$")) {
			t.Fatalf("%q %q %q: %+v", cmd, a, b, spec)
		}
	})
}

func TestExactGoPy(t *testing.T) {
	for v, want := range map[string]bool{"v1.2.3": true, "v0.0.0-20240101000000-abcdefabcdef": true, "v2.0.0+incompatible": true,
		"v1.2": false, "latest": false, "master": false} {
		if got := (Spec{Ecosystem: EcosystemGo, Version: v}).Exact(); got != want {
			t.Errorf("go %s: %v", v, got)
		}
	}
	if (Spec{Ecosystem: EcosystemPyPI}).Exact() || !(Spec{Ecosystem: EcosystemPyPI, Version: "1.0"}).Exact() {
		t.Error("pypi Exact")
	}
	if s := (Spec{Ecosystem: EcosystemPyPI, Name: "p", Version: "1"}).String(); s != "p==1" {
		t.Error(s)
	}
}

// Ensure of a built Go or Python package: the pinned tree passes; a
// changed one is refused without building anything; a missing one whose
// toolchain cannot run is an install error. (Building and installing for
// real is in the e2e tests TestSupplyChainGo and TestSupplyChainPython.)
func TestEnsureBuilt(t *testing.T) {
	for _, eco := range []string{EcosystemGo, EcosystemPyPI} {
		c := &Cache{Root: t.TempDir(), Go: "/nonexistent/go", Python: "/nonexistent/python3"}
		p := &pin.Package{Ecosystem: eco, Name: "example.com/m/cmd/s", Module: "example.com/m", Version: "v1.0.0", Bin: "s", Toolchain: "go1.26.0"}
		dir := c.Dir(p)
		if dir != filepath.Join(c.Root, eco, "example.com+m+cmd+s@v1.0.0") {
			t.Fatalf("Dir = %s", dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "s"), []byte("binary"), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if p.Tree, err = TreeHash(dir); err != nil {
			t.Fatal(err)
		}
		if err := c.Ensure(context.Background(), p); err != nil {
			t.Fatalf("%s untouched: %v", eco, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "s"), []byte("binary, changed"), 0o755); err != nil {
			t.Fatal(err)
		}
		var me *MismatchError
		if err := c.Ensure(context.Background(), p); !errors.As(err, &me) || me.Want != p.Tree || me.Reinstalled {
			t.Fatalf("%s tampered: %v", eco, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := c.Ensure(context.Background(), p); err == nil || !strings.Contains(err.Error(), "install") {
			t.Fatalf("%s missing without a toolchain: %v", eco, err)
		}
	}
	c := &Cache{Root: "/c"}
	cmd, args := c.Command(&pin.Package{Ecosystem: EcosystemPyPI, Name: "p", Version: "1", Bin: "bin/p"}, []string{"x"})
	if cmd != "/c/pypi/p@1/bin/python" || !slices.Equal(args, []string{"-I", "-B", "/c/pypi/p@1/bin/p", "x"}) {
		t.Fatalf("pypi Command = %s %q", cmd, args)
	}
	cmd, args = c.Command(&pin.Package{Ecosystem: EcosystemGo, Name: "example.com/m", Version: "v1.0.0", Bin: "m"}, []string{"x"})
	if cmd != "/c/go/example.com+m@v1.0.0/m" || !slices.Equal(args, []string{"x"}) {
		t.Fatalf("go Command = %s %q", cmd, args)
	}
}

func TestParseVetTarget(t *testing.T) {
	for in, want := range map[string]Spec{
		"go:example.com/m@v1.0.0": {Ecosystem: EcosystemGo, Name: "example.com/m", Version: "v1.0.0"},
		"go:example.com/m":        {Ecosystem: EcosystemGo, Name: "example.com/m", Version: "latest"},
		"pypi:Foo_Bar==2":         {Ecosystem: EcosystemPyPI, Name: "foo-bar", Version: "2"},
		"left-pad@1.0.0":          {Ecosystem: EcosystemNPM, Name: "left-pad", Version: "1.0.0"},
		"npm:left-pad":            {Ecosystem: EcosystemNPM, Name: "left-pad"},
	} {
		if got, err := ParseVetTarget(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"go:../x", "go:example.com/m@v1 x", "pypi:x>=1", "./x"} {
		if _, err := ParseVetTarget(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestPyHelpers(t *testing.T) {
	for f, want := range map[string][2]string{
		"mcp_server_fetch-1.2.0-py3-none-any.whl": {"mcp_server_fetch", "1.2.0"},
		"pkg-2.0.1.tar.gz":                        {"pkg", "2.0.1"},
		"my-pkg-2.0.zip":                          {"my-pkg", "2.0"},
	} {
		n, v, ok := pyFileVersion(f)
		if !ok || n != want[0] || v != want[1] {
			t.Errorf("%s: %s %s %v", f, n, v, ok)
		}
	}
	if !pyLess("1.9", "1.10") || pyLess("2.0", "1.10") {
		t.Error("pyLess")
	}
	dir := t.TempDir()
	ep := filepath.Join(dir, "entry_points.txt")
	os.WriteFile(ep, []byte("[gui_scripts]\ng = m:g\n\n[console_scripts]\na = m:a\nb=m:b [extra]\n"), 0o644)
	if s, err := consoleScripts(ep); err != nil || !slices.Equal(s, []string{"a", "b"}) {
		t.Errorf("consoleScripts = %q %v", s, err)
	}
}
