package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// LockVersion is the lockfile format this build writes and reads.
const LockVersion = 1

// Lock is the content of the lockfile (mcpwarden.lock): per server, the
// identity it was pinned with and a pin for every tool, prompt, resource
// template and the instructions text. It is JSON with sorted keys and one
// definition per entry, so a change reads as a small diff in review.
type Lock struct {
	Version int                    `json:"version"`
	Servers map[string]*ServerPins `json:"servers"`
	// Packages are the package pins of stdio servers launched from a
	// registry (npx, go run MODULE@VERSION, uvx, pipx run), by server name: exactly what runs (see Package).
	// Absent in lockfiles written before package pinning.
	Packages map[string]*Package `json:"packages,omitempty"`
}

// Package pins the package a stdio server runs: the exact version, the
// registry's integrity hash of its tarball, and a hash of the whole
// installed tree (the package and its dependencies, as installed without
// install scripts), which the gateway checks before every start.
type Package struct {
	// Ecosystem is the registry kind: "npm", "go" (a Go module from the
	// module proxy) or "pypi" (a Python distribution from a package
	// index).
	Ecosystem string `json:"ecosystem"`
	// Name is the npm package, the Go package path that is built (in
	// Module), or the normalised Python distribution name.
	Name string `json:"name"`
	// Module is the Go module path (go only).
	Module  string `json:"module,omitempty"`
	Version string `json:"version"`
	// Integrity is the registry's hash of the version: npm's
	// dist.integrity (SRI, sha512-...), the Go module's h1: sum (the
	// checksum database's), or "sha256:HEX" of the Python distribution
	// file as the index lists it; checked against what was installed.
	Integrity string `json:"integrity"`
	// Tree is "sha256:HEX" over the installed files (paths, the
	// executable bit, symlink targets and file contents): node_modules,
	// the directory holding the built Go binary, or the Python
	// virtualenv.
	Tree string `json:"tree"`
	// Bin is what runs: the script run with node (relative to the package
	// directory), the Go binary or the virtualenv's console script
	// (relative to the cache directory).
	Bin string `json:"bin"`
	// Toolchain is what built the tree when it is toolchain-dependent:
	// the Go version ("go1.26.8") or the Python interpreter
	// ("cpython-3.11.7"). Another toolchain builds another tree.
	Toolchain string    `json:"toolchain,omitempty"`
	PinnedAt  time.Time `json:"pinned_at"`
	PinnedBy  string    `json:"pinned_by,omitempty"`
	// Dependencies are the installer's lock entries of the dependencies
	// (npm package-lock "packages" without the root and without resolved
	// URLs), so a missing cache is reinstalled exactly (npm ci); for go
	// the build list (module path → version and h1: sum), for pypi every
	// other distribution installed (name → version and sha256).
	Dependencies json.RawMessage `json:"dependencies,omitempty"`
}

// Key names the package for messages: npm:NAME@VERSION.
func (p *Package) Key() string { return p.Ecosystem + ":" + p.Name + "@" + p.Version }

// ServerPins are one server's pins.
type ServerPins struct {
	Identity     Identity        `json:"identity"`
	Instructions *Pin            `json:"instructions,omitempty"`
	Tools        map[string]*Pin `json:"tools,omitempty"`
	Prompts      map[string]*Pin `json:"prompts,omitempty"`
	Templates    map[string]*Pin `json:"resource_templates,omitempty"`
}

// Identity is what the server was when it was pinned: how it is reached
// and what it said it was (serverInfo).
type Identity struct {
	Command string `json:"command,omitempty"`
	URL     string `json:"url,omitempty"`
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Pin is one pinned definition: its hash, when it was first seen, who
// pinned it, and the canonical definition (for readable diffs).
type Pin struct {
	Hash       string          `json:"hash"`
	FirstSeen  time.Time       `json:"first_seen"`
	PinnedBy   string          `json:"pinned_by,omitempty"`
	Definition json.RawMessage `json:"definition,omitempty"`
}

// NewLock returns an empty lock.
func NewLock() *Lock { return &Lock{Version: LockVersion, Servers: map[string]*ServerPins{}} }

// LoadLock reads a lockfile; a missing file is an empty lock (and
// exists=false).
func LoadLock(path string) (l *Lock, exists bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewLock(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pin: read %s: %w", path, err)
	}
	l = &Lock{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(l); err != nil {
		return nil, true, fmt.Errorf("pin: %s: %w", path, err)
	}
	if l.Version != LockVersion {
		return nil, true, fmt.Errorf("pin: %s: lockfile version %d, this build reads %d", path, l.Version, LockVersion)
	}
	if l.Servers == nil {
		l.Servers = map[string]*ServerPins{}
	}
	for name, p := range l.Packages {
		switch {
		case p == nil:
			return nil, true, fmt.Errorf("pin: %s: packages.%s has no entry", path, name)
		case p.Ecosystem != "npm" && p.Ecosystem != "go" && p.Ecosystem != "pypi":
			return nil, true, fmt.Errorf("pin: %s: packages.%s.ecosystem: %q is not supported (npm, go, pypi)", path, name, p.Ecosystem)
		case p.Ecosystem == "go" && p.Module == "":
			return nil, true, fmt.Errorf("pin: %s: packages.%s.module: missing", path, name)
		case p.Name == "" || p.Version == "" || p.Bin == "":
			return nil, true, fmt.Errorf("pin: %s: packages.%s: name, version and bin are required", path, name)
		case p.Integrity == "":
			return nil, true, fmt.Errorf("pin: %s: packages.%s.integrity: missing", path, name)
		case len(p.Tree) != len("sha256:")+64:
			return nil, true, fmt.Errorf("pin: %s: packages.%s.tree: missing or malformed hash", path, name)
		}
	}
	for name, sp := range l.Servers {
		if sp == nil {
			return nil, true, fmt.Errorf("pin: %s: server %q has no entry", path, name)
		}
		for kind, m := range map[string]map[string]*Pin{KindTool: sp.Tools, KindPrompt: sp.Prompts, KindTemplate: sp.Templates} {
			for n, p := range m {
				if p == nil || len(p.Hash) != len("sha256:")+64 {
					return nil, true, fmt.Errorf("pin: %s: servers.%s %s %q: missing or malformed hash", path, name, kind, n)
				}
			}
		}
	}
	return l, true, nil
}

// Save writes the lockfile atomically (a temporary file renamed over it).
func (l *Lock) Save(path string) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("pin: encode lock: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".mcpwarden.lock-*")
	if err != nil {
		return fmt.Errorf("pin: write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("pin: write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pin: write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("pin: write %s: %w", path, err)
	}
	return nil
}

// Clone returns a deep copy (pins are shared: they are never modified).
func (l *Lock) Clone() *Lock {
	c := &Lock{Version: l.Version, Servers: make(map[string]*ServerPins, len(l.Servers))}
	for name, sp := range l.Servers {
		n := &ServerPins{Identity: sp.Identity, Instructions: sp.Instructions,
			Tools: cloneMap(sp.Tools), Prompts: cloneMap(sp.Prompts), Templates: cloneMap(sp.Templates)}
		c.Servers[name] = n
	}
	if l.Packages != nil {
		c.Packages = make(map[string]*Package, len(l.Packages))
		for name, p := range l.Packages {
			c.Packages[name] = p
		}
	}
	return c
}

func cloneMap(m map[string]*Pin) map[string]*Pin {
	if m == nil {
		return nil
	}
	out := make(map[string]*Pin, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Get returns the pin of (server, kind, name), or nil. For instructions
// the name is ignored.
func (l *Lock) Get(server, kind, name string) *Pin {
	if l == nil {
		return nil
	}
	sp := l.Servers[server]
	if sp == nil {
		return nil
	}
	switch kind {
	case KindInstructions:
		return sp.Instructions
	case KindTool:
		return sp.Tools[name]
	case KindPrompt:
		return sp.Prompts[name]
	case KindTemplate:
		return sp.Templates[name]
	}
	return nil
}

// Set pins (server, kind, name); a nil p removes the pin.
func (l *Lock) Set(server, kind, name string, p *Pin) {
	sp := l.Servers[server]
	if sp == nil {
		sp = &ServerPins{}
		l.Servers[server] = sp
	}
	var m *map[string]*Pin
	switch kind {
	case KindInstructions:
		sp.Instructions = p
		return
	case KindTool:
		m = &sp.Tools
	case KindPrompt:
		m = &sp.Prompts
	case KindTemplate:
		m = &sp.Templates
	default:
		return
	}
	if p == nil {
		delete(*m, name)
		return
	}
	if *m == nil {
		*m = map[string]*Pin{}
	}
	(*m)[name] = p
}

// Status is how a definition compares with its pin.
type Status int

const (
	// Pinned: the hash is the pinned one.
	Pinned Status = iota
	// Changed: a pin exists with another hash (a rug pull, or an update
	// nobody reviewed yet).
	Changed
	// Unpinned: nothing of that name is pinned for the server.
	Unpinned
)

func (s Status) String() string {
	switch s {
	case Pinned:
		return "pinned"
	case Changed:
		return "changed"
	}
	return "unpinned"
}

// Check compares hash with the pin of (server, kind, name).
func (l *Lock) Check(server, kind, name, hash string) (Status, *Pin) {
	p := l.Get(server, kind, name)
	switch {
	case p == nil:
		return Unpinned, nil
	case p.Hash == hash:
		return Pinned, p
	}
	return Changed, p
}

// NewPin pins def (of kind) as seen now.
func NewPin(kind string, def json.RawMessage, by string, now time.Time) (*Pin, error) {
	c, err := Canonical(kind, def)
	if err != nil {
		return nil, err
	}
	return &Pin{Hash: HashBytes(c), FirstSeen: now.UTC().Truncate(time.Second), PinnedBy: by, Definition: c}, nil
}
