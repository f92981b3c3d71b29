package supply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// CacheDirName is the cache's directory next to the store (or, with an
// in-memory store, next to the lockfile).
const CacheDirName = "mcpwarden-packages"

// CacheRoot is where the configuration's pinned packages are installed.
func CacheRoot(cfg *config.Config) string {
	if cfg.Store.Path != "" && cfg.Store.Path != config.MemoryStore {
		return filepath.Join(filepath.Dir(cfg.Store.Path), CacheDirName)
	}
	return filepath.Join(filepath.Dir(cfg.Pin.Lockfile), CacheDirName)
}

// MismatchError says the installed tree is not the pinned one: the
// package was changed after it was pinned (or a reinstall fetched
// something else). The server must not start.
type MismatchError struct {
	Package string // npm:NAME@VERSION
	Want    string // the pinned tree hash
	Got     string // the installed tree hash
	Dir     string
	// Reinstalled: the cache was missing and npm installed a tree that
	// differs (the registry now serves other content for the version).
	Reinstalled bool
}

func (e *MismatchError) Error() string {
	if e.Reinstalled {
		return fmt.Sprintf("package %s: reinstalled tree %s differs from the pinned %s: refusing to start it (run mcpwarden vet and mcpwarden pin to review)", e.Package, e.Got, e.Want)
	}
	return fmt.Sprintf("package %s: installed tree %s differs from the pinned %s (in %s): refusing to start it; if the lockfile is right, delete that directory to reinstall", e.Package, e.Got, e.Want, e.Dir)
}

// Cache installs pinned packages under Root/ECOSYSTEM/NAME@VERSION (a
// slash of the name written as +) and verifies them.
type Cache struct {
	Root string
	NPM  *NPM
	// Go and Python are the go command and the Python interpreter that
	// build Go servers and install Python ones (default "go" and
	// "python3" from PATH); Env is their environment (nil: this
	// process's, so GOPROXY, GONOSUMDB, PIP_INDEX_URL and pip.conf apply).
	Go, Python string
	Env        []string
	// OnRebuild, when set, is told when a package pinned with another
	// toolchain was rebuilt from its verified sources and is trusted for
	// the life of this process (see Rebuild).
	OnRebuild func(p *pin.Package, r Rebuild)
}

// dirLocks serialise installs and checks of one directory in this process
// (servers running the same package share its directory).
var dirLocks sync.Map // dir → *sync.Mutex

func (c *Cache) lock(dir string) func() {
	m, _ := dirLocks.LoadOrStore(dir, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

func (c *Cache) npm() *NPM {
	if c.NPM == nil {
		return &NPM{}
	}
	return c.NPM
}

// Dir is the install directory of p (holding node_modules).
func (c *Cache) Dir(p *pin.Package) string {
	return filepath.Join(c.Root, p.Ecosystem, strings.ReplaceAll(p.Name, "/", "+")+"@"+p.Version)
}

// PackageDir is the installed package's own directory.
func (c *Cache) PackageDir(p *pin.Package) string {
	return filepath.Join(c.Dir(p), "node_modules", filepath.FromSlash(p.Name))
}

// Command is what runs the pinned package: node with the package's bin
// script (npx is never used: it may fetch), the built Go binary (never go
// run), or the virtualenv's interpreter, isolated and writing no
// bytecode, with its console script; then args.
func (c *Cache) Command(p *pin.Package, args []string) (string, []string) {
	switch p.Ecosystem {
	case EcosystemGo:
		return filepath.Join(c.Dir(p), p.Bin), args
	case EcosystemPyPI:
		return filepath.Join(c.Dir(p), "bin", "python"), append([]string{"-I", "-B", filepath.Join(c.Dir(p), filepath.FromSlash(p.Bin))}, args...)
	}
	return "node", append([]string{filepath.Join(c.PackageDir(p), filepath.FromSlash(p.Bin))}, args...)
}

// Pin resolves spec in the registry and installs exactly that version
// into the cache, checking the registry's integrity against what was
// installed, and returns the pin. The Manifest is npm's (nil for other
// ecosystems).
func (c *Cache) Pin(ctx context.Context, spec Spec, by string, now time.Time) (*pin.Package, *Manifest, error) {
	switch spec.Ecosystem {
	case EcosystemGo:
		p, err := c.pinGo(ctx, spec, by, now)
		return p, nil, err
	case EcosystemPyPI:
		p, err := c.pinPy(ctx, spec, by, now)
		return p, nil, err
	}
	return c.pinNpm(ctx, spec, by, now)
}

// pinNpm installs exactly the version without install scripts, checks
// that npm's record of the tarball's integrity is the registry's
// dist.integrity, and pins the tree hash of node_modules and the bin.
func (c *Cache) pinNpm(ctx context.Context, spec Spec, by string, now time.Time) (*pin.Package, *Manifest, error) {
	m, err := c.npm().View(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	if m.Dist.Integrity == "" {
		return nil, m, fmt.Errorf("%s@%s: the registry gives no dist.integrity", m.Name, m.Version)
	}
	p := &pin.Package{Ecosystem: EcosystemNPM, Name: m.Name, Version: m.Version, Integrity: m.Dist.Integrity,
		PinnedAt: now.UTC().Truncate(time.Second), PinnedBy: by}
	tmp, err := c.tempDir(EcosystemNPM)
	if err != nil {
		return nil, m, err
	}
	defer os.RemoveAll(tmp)
	l, err := c.npm().install(ctx, tmp, p.Name, p.Version)
	if err != nil {
		return nil, m, err
	}
	e, ok := l.entry(p.Name)
	if !ok || e.Version != p.Version {
		return nil, m, fmt.Errorf("%s: npm did not install version %s (its lock says %q)", p.Key(), p.Version, e.Version)
	}
	if e.Integrity != p.Integrity {
		return nil, m, fmt.Errorf("%s: npm installed a tarball with integrity %s, the registry's dist.integrity is %s", p.Key(), e.Integrity, p.Integrity)
	}
	if p.Dependencies, err = l.dependencies(); err != nil {
		return nil, m, err
	}
	if p.Bin, err = binOf(filepath.Join(tmp, "node_modules", filepath.FromSlash(p.Name)), p.Name, spec.Bin); err != nil {
		return nil, m, fmt.Errorf("%s: %w", p.Key(), err)
	}
	if p.Tree, err = TreeHash(filepath.Join(tmp, "node_modules")); err != nil {
		return nil, m, err
	}
	unlock := c.lock(c.Dir(p))
	defer unlock()
	if err := c.place(tmp, c.Dir(p)); err != nil {
		return nil, m, err
	}
	return p, m, nil
}

// Ensure makes p ready to run: when it is not in the cache it is
// reinstalled from its pinned entries (npm ci without scripts; go install
// of the pinned module version, its sums checked; pip in hash-checking
// mode); then the installed tree must hash to the pinned tree, else a
// *MismatchError. Called before every start of the server.
func (c *Cache) Ensure(ctx context.Context, p *pin.Package) error {
	if !filepath.IsLocal(filepath.FromSlash(p.Bin)) {
		return fmt.Errorf("package %s: bin %q leaves the package directory", p.Key(), p.Bin)
	}
	switch p.Ecosystem {
	case EcosystemGo:
		return c.ensureBuilt(ctx, p, c.goVersion, c.rebuildGo)
	case EcosystemPyPI:
		return c.ensureBuilt(ctx, p, c.pyVersion, c.reinstallPy)
	}
	return c.ensureNpm(ctx, p)
}

func (c *Cache) ensureNpm(ctx context.Context, p *pin.Package) error {
	dir := c.Dir(p)
	unlock := c.lock(dir)
	defer unlock()
	nm := filepath.Join(dir, "node_modules")
	if _, err := os.Lstat(nm); errors.Is(err, fs.ErrNotExist) {
		tmp, err := c.tempDir(EcosystemNPM)
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := c.npm().ci(ctx, tmp, p.Name, p.Version, p.Dependencies); err != nil {
			return fmt.Errorf("package %s: install: %w", p.Key(), err)
		}
		got, err := TreeHash(filepath.Join(tmp, "node_modules"))
		if err != nil {
			return err
		}
		if got != p.Tree {
			return &MismatchError{Package: p.Key(), Want: p.Tree, Got: got, Dir: dir, Reinstalled: true}
		}
		return c.place(tmp, dir)
	} else if err != nil {
		return fmt.Errorf("package %s: %w", p.Key(), err)
	}
	got, err := TreeHash(nm)
	if err != nil {
		return fmt.Errorf("package %s: %w", p.Key(), err)
	}
	if got != p.Tree {
		return &MismatchError{Package: p.Key(), Want: p.Tree, Got: got, Dir: dir}
	}
	return nil
}

func (c *Cache) tempDir(ecosystem string) (string, error) {
	base := filepath.Join(c.Root, ecosystem)
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", fmt.Errorf("package cache: %w", err)
	}
	return os.MkdirTemp(base, ".install-")
}

// place moves a finished install over dir.
func (c *Cache) place(tmp, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("package cache: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("package cache: %w", err)
	}
	return nil
}

// binOf chooses the script to run from the installed package.json: the
// bin named want, else the only bin, else the one named after the package
// (what npx does).
func binOf(pkgDir, name, want string) (string, error) {
	b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return "", err
	}
	var pj struct {
		Name string          `json:"name"`
		Bin  json.RawMessage `json:"bin"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		return "", fmt.Errorf("package.json: %w", err)
	}
	bins := map[string]string{}
	var s string
	if json.Unmarshal(pj.Bin, &s) == nil && s != "" {
		bins[path.Base(name)] = s
	} else {
		_ = json.Unmarshal(pj.Bin, &bins)
	}
	var names []string
	for k := range bins {
		names = append(names, k)
	}
	sort.Strings(names)
	pick := ""
	switch {
	case want != "":
		pick = want
	case len(bins) == 1:
		pick = names[0]
	default:
		pick = path.Base(name)
	}
	script, ok := bins[pick]
	if !ok {
		if len(bins) == 0 {
			return "", errors.New("package.json declares no bin: there is nothing to run")
		}
		return "", fmt.Errorf("package.json has no bin %q (it has %s): name one with npx --package %s BIN", pick, strings.Join(names, ", "), name)
	}
	script = path.Clean(filepath.ToSlash(script))
	if !filepath.IsLocal(filepath.FromSlash(script)) {
		return "", fmt.Errorf("bin %q leaves the package directory", script)
	}
	if fi, err := os.Stat(filepath.Join(pkgDir, filepath.FromSlash(script))); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("bin %q is not a file in the package", script)
	}
	return script, nil
}

// ReadDirs are what a sandboxed server of p must be able to read: its
// cache directory and, for a Python virtualenv, the interpreter's
// installation the virtualenv links to (the home of its pyvenv.cfg, part
// of the pinned tree), unless it is a system directory already visible.
func (c *Cache) ReadDirs(p *pin.Package) []string {
	dirs := []string{c.Dir(p)}
	if p.Ecosystem != EcosystemPyPI {
		return dirs
	}
	b, err := os.ReadFile(filepath.Join(c.Dir(p), "pyvenv.cfg"))
	if err != nil {
		// Not installed yet: the interpreter that will install it.
		out, err := c.run(context.Background(), "", c.pipEnv(), c.python(), "-I", "-c", "import os, sys; print('home = ' + os.path.join(sys.base_prefix, 'bin'))")
		if err != nil {
			return dirs
		}
		b = out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "home" {
			continue
		}
		home := filepath.Clean(strings.TrimSpace(v))
		prefix := filepath.Dir(home) // .../bin → the installation
		if filepath.IsAbs(prefix) && prefix != "/" && prefix != "/usr" {
			dirs = append(dirs, prefix)
		}
	}
	return dirs
}
