package supply

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// Go servers (`go run PACKAGE@VERSION`) are built once with `go install`
// into the cache and the binary runs directly. The go command fetches the
// module through GOPROXY and checks every module of the build list
// against the checksum database (GOSUMDB; GONOSUMDB/GOPRIVATE exempt
// private paths, as for any go command); the pin records the main
// module's h1: sum and the build list with its sums, read back from the
// binary's build information, so a rebuild is checked against them
// whatever GOSUMDB says then.

func (c *Cache) goCmd() string {
	if c.Go == "" {
		return "go"
	}
	return c.Go
}

// goEnv is the go command's environment for pinned builds: modules only,
// no workspace, no toolchain download, read-only module graph.
func (c *Cache) goEnv(gobin string) []string {
	env := c.env()
	flags := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			flags = v
		}
	}
	return append(env, "GOBIN="+gobin, "GO111MODULE=on", "GOWORK=off", "GOTOOLCHAIN=local",
		"GOFLAGS="+strings.TrimSpace(flags+" -mod=readonly"))
}

// goVersion is the go command's version (go1.26.8).
func (c *Cache) goVersion(ctx context.Context) (string, error) {
	return c.toolVersion(ctx, "go\x00"+c.goCmd()+"\x00"+os.Getenv("PATH"), func() (string, error) {
		out, err := c.run(ctx, "", c.goEnv(os.TempDir()), c.goCmd(), "env", "GOVERSION")
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(out)), nil
	})
}

// goBuild installs pkg@version into tmp/bin (with -trimpath, so the
// binary does not depend on where the module cache is) and returns the
// binary and its build information.
func (c *Cache) goBuild(ctx context.Context, tmp, pkg, version string) (string, *goBuildInfo, error) {
	bin, work := filepath.Join(tmp, "bin"), filepath.Join(tmp, "work")
	for _, d := range []string{bin, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return "", nil, err
		}
	}
	if _, err := c.run(ctx, work, c.goEnv(bin), c.goCmd(), "install", "-trimpath", pkg+"@"+version); err != nil {
		return "", nil, err
	}
	ents, err := os.ReadDir(bin)
	if err != nil {
		return "", nil, err
	}
	if len(ents) != 1 || !ents[0].Type().IsRegular() {
		return "", nil, fmt.Errorf("go install %s@%s did not build one binary (is it a main package?)", pkg, version)
	}
	bi, err := readGoBuildInfo(filepath.Join(bin, ents[0].Name()))
	if err != nil {
		return "", nil, err
	}
	return ents[0].Name(), bi, nil
}

type goBuildInfo struct {
	GoVersion, Path      string
	Module, Version, Sum string
	Deps                 map[string]goDep
}

type goDep struct {
	Version string `json:"version"`
	Sum     string `json:"sum"`
}

func readGoBuildInfo(bin string) (*goBuildInfo, error) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("build information of %s: %w", filepath.Base(bin), err)
	}
	out := &goBuildInfo{GoVersion: bi.GoVersion, Path: bi.Path, Module: bi.Main.Path, Version: bi.Main.Version, Sum: bi.Main.Sum, Deps: map[string]goDep{}}
	if bi.Main.Replace != nil || out.Sum == "" || out.Version == "" || out.Version == "(devel)" {
		return nil, fmt.Errorf("%s was not built from a module version with a checksum (version %q, sum %q)", filepath.Base(bin), out.Version, out.Sum)
	}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			return nil, fmt.Errorf("dependency %s is replaced: a module version cannot be pinned with replacements", d.Path)
		}
		if d.Sum == "" {
			return nil, fmt.Errorf("dependency %s@%s has no checksum in the build information", d.Path, d.Version)
		}
		out.Deps[d.Path] = goDep{Version: d.Version, Sum: d.Sum}
	}
	return out, nil
}

// goModSum asks the module proxy (through the go command, which checks
// GOSUMDB) for the h1: sum of module@version.
func (c *Cache) goModSum(ctx context.Context, work, mod, version string) (string, error) {
	out, err := c.run(ctx, work, c.goEnv(work), c.goCmd(), "mod", "download", "-json", mod+"@"+version)
	if err != nil {
		return "", err
	}
	var d struct {
		Version, Sum, Error string
	}
	if err := json.Unmarshal(out, &d); err != nil {
		return "", fmt.Errorf("go mod download -json: %w", err)
	}
	if d.Error != "" {
		return "", errors.New(d.Error)
	}
	if d.Version != version || d.Sum == "" {
		return "", fmt.Errorf("go mod download %s@%s answered version %q sum %q", mod, version, d.Version, d.Sum)
	}
	return d.Sum, nil
}

// pinGo builds spec, checks the module's sum with the proxy, and pins the
// version, the module sum, the build list and the tree of the directory
// holding the binary.
func (c *Cache) pinGo(ctx context.Context, spec Spec, by string, now time.Time) (*pin.Package, error) {
	tmp, err := c.tempDir(EcosystemGo)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	name, bi, err := c.goBuild(ctx, tmp, spec.Name, spec.Version)
	if err != nil {
		return nil, err
	}
	if bi.Path != spec.Name {
		return nil, fmt.Errorf("go install %s built package %s", spec, bi.Path)
	}
	sum, err := c.goModSum(ctx, filepath.Join(tmp, "work"), bi.Module, bi.Version)
	if err != nil {
		return nil, err
	}
	if sum != bi.Sum {
		return nil, fmt.Errorf("%s@%s: the binary was built from a module with sum %s, the proxy's is %s", bi.Module, bi.Version, bi.Sum, sum)
	}
	deps, err := json.Marshal(bi.Deps)
	if err != nil {
		return nil, err
	}
	p := &pin.Package{Ecosystem: EcosystemGo, Name: spec.Name, Module: bi.Module, Version: bi.Version, Integrity: bi.Sum,
		Bin: name, Toolchain: bi.GoVersion, Dependencies: deps, PinnedAt: now.UTC().Truncate(time.Second), PinnedBy: by}
	bin := filepath.Join(tmp, "bin")
	if p.Tree, err = TreeHash(bin); err != nil {
		return nil, err
	}
	unlock := c.lock(c.Dir(p))
	defer unlock()
	trusted.Delete(c.Dir(p))
	if err := c.place(bin, c.Dir(p)); err != nil {
		return nil, err
	}
	return p, nil
}

// rebuildGo builds the pinned version into dir; its build information
// must name the pinned package, module, version and sum and the pinned
// build list with the same sums.
func (c *Cache) rebuildGo(ctx context.Context, p *pin.Package, dir string) (string, error) {
	tmp, err := c.tempDir(EcosystemGo)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	name, bi, err := c.goBuild(ctx, tmp, p.Name, p.Version)
	if err != nil {
		return "", err
	}
	if bi.Path != p.Name || bi.Module != p.Module || bi.Version != p.Version || bi.Sum != p.Integrity || name != p.Bin {
		return "", fmt.Errorf("the rebuild is %s (module %s@%s %s, binary %s), not the pinned %s (module %s@%s %s, binary %s)",
			bi.Path, bi.Module, bi.Version, bi.Sum, name, p.Name, p.Module, p.Version, p.Integrity, p.Bin)
	}
	var want map[string]goDep
	if err := json.Unmarshal(p.Dependencies, &want); err != nil && len(p.Dependencies) > 0 {
		return "", fmt.Errorf("the lockfile's dependencies cannot be read (%v): run mcpwarden pin", err)
	}
	if len(want) != len(bi.Deps) {
		return "", fmt.Errorf("the rebuild's build list has %d modules, the pin %d", len(bi.Deps), len(want))
	}
	for path, d := range bi.Deps {
		if want[path] != d {
			return "", fmt.Errorf("the rebuild uses %s %s %s, the pin %s %s", path, d.Version, d.Sum, want[path].Version, want[path].Sum)
		}
	}
	bin := filepath.Join(tmp, "bin")
	tree, err := TreeHash(bin)
	if err != nil {
		return "", err
	}
	return tree, c.place(bin, dir)
}
