package supply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// Go binaries and Python virtualenvs are built by a toolchain: the same
// pinned sources give another tree with another Go version or Python
// interpreter. The pin records the toolchain with the tree. When the
// toolchain here is the pinned one, the tree must match (a missing one is
// rebuilt and must match too). When it is another one, the gateway
// rebuilds the package once per process from the pinned sources, which the
// installer verifies against the pinned hashes (the Go module's h1: sums
// of the whole build list, read back from the binary; pip's hash-checking
// mode for every distribution), trusts that tree for the life of the
// process and says so (Cache.OnRebuild, audited); `mcpwarden pin` records
// the new toolchain's tree.

// Rebuild says a package pinned with another toolchain was rebuilt from
// its verified sources.
type Rebuild struct {
	PinnedToolchain string
	Toolchain       string
	PinnedTree      string
	Tree            string
	// PreviousTree is the tree that was in the cache before, if any (it
	// matched neither the pin nor a rebuild of this process).
	PreviousTree string
}

// trusted are the trees this process rebuilt with another toolchain than
// the pin's (directory → tree hash).
var trusted sync.Map

// Trusted returns the tree this process rebuilt into dir with another
// toolchain than the pin's, if any.
func Trusted(dir string) (string, bool) {
	t, ok := trusted.Load(dir)
	if !ok {
		return "", false
	}
	return t.(string), true
}

// ensureBuilt checks the built tree of p against its pin (or this
// process's trusted rebuild) and builds it when it is missing or was
// pinned with another toolchain. build installs the pinned sources into
// dir and returns the tree hash.
func (c *Cache) ensureBuilt(ctx context.Context, p *pin.Package, toolchain func(context.Context) (string, error), build func(context.Context, *pin.Package, string) (string, error)) error {
	dir := c.Dir(p)
	unlock := c.lock(dir)
	defer unlock()
	prev := ""
	if _, err := os.Lstat(dir); err == nil {
		got, err := TreeHash(dir)
		if err != nil {
			return fmt.Errorf("package %s: %w", p.Key(), err)
		}
		if got == p.Tree {
			return nil
		}
		if t, ok := Trusted(dir); ok {
			if t == got {
				return nil
			}
			return &MismatchError{Package: p.Key(), Want: t, Got: got, Dir: dir}
		}
		prev = got
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("package %s: %w", p.Key(), err)
	}
	tc, err := toolchain(ctx)
	if err != nil {
		if prev != "" {
			return &MismatchError{Package: p.Key(), Want: p.Tree, Got: prev, Dir: dir}
		}
		return fmt.Errorf("package %s: install: %w", p.Key(), err)
	}
	if tc == p.Toolchain && prev != "" {
		return &MismatchError{Package: p.Key(), Want: p.Tree, Got: prev, Dir: dir}
	}
	got, err := build(ctx, p, dir)
	if err != nil {
		return fmt.Errorf("package %s: install: %w", p.Key(), err)
	}
	if tc == p.Toolchain {
		if got != p.Tree {
			_ = os.RemoveAll(dir)
			return &MismatchError{Package: p.Key(), Want: p.Tree, Got: got, Dir: dir, Reinstalled: true}
		}
		return nil
	}
	trusted.Store(dir, got)
	if c.OnRebuild != nil {
		c.OnRebuild(p, Rebuild{PinnedToolchain: p.Toolchain, Toolchain: tc, PinnedTree: p.Tree, Tree: got, PreviousTree: prev})
	}
	return nil
}

func (c *Cache) env(extra ...string) []string {
	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	return append(append([]string(nil), env...), extra...)
}

// run runs a toolchain command in dir and returns its standard output; an
// error carries the last lines of its standard error.
func (c *Cache) run(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLines(stderr.String(), 8))
	}
	return stdout.Bytes(), nil
}

// versions caches toolchain versions (command and environment → version).
var versions sync.Map

func (c *Cache) toolVersion(ctx context.Context, key string, get func() (string, error)) (string, error) {
	if v, ok := versions.Load(key); ok {
		return v.(string), nil
	}
	v, err := get()
	if err != nil {
		return "", err
	}
	versions.Store(key, v)
	return v, nil
}
