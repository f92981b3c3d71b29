package supply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// NPM runs the npm CLI, so the user's registry configuration (.npmrc,
// npm_config_* variables, a private mirror and its credentials) applies
// as it does to npx.
type NPM struct {
	// Path is the npm executable; default "npm" from PATH.
	Path string
	// Env is npm's environment; nil means this process's.
	Env []string
}

// installFlags keep installs inert and minimal: no lifecycle scripts of
// any package, no audit or funding calls, no dev dependencies.
var installFlags = []string{"--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev", "--no-update-notifier"}

func (n *NPM) run(ctx context.Context, args ...string) ([]byte, error) {
	path := n.Path
	if path == "" {
		path = "npm"
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = n.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := npmError(stdout.Bytes())
		if msg == "" {
			msg = lastLines(stderr.String(), 6)
		}
		return stdout.Bytes(), fmt.Errorf("npm %s: %w: %s", strings.Join(args, " "), err, msg)
	}
	return stdout.Bytes(), nil
}

// npmError is the summary of npm's --json error object, if any.
func npmError(out []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Summary string `json:"summary"`
		} `json:"error"`
	}
	if json.Unmarshal(out, &e) != nil || e.Error.Code == "" {
		return ""
	}
	return strings.TrimSpace(e.Error.Code + " " + e.Error.Summary)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

// Manifest is what `npm view --json NAME@VERSION` says of one version
// (with the package-wide time, dist-tags and versions).
type Manifest struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description"`
	License      json.RawMessage   `json:"license"`
	Time         map[string]string `json:"time"`
	DistTags     map[string]string `json:"dist-tags"`
	Versions     []string          `json:"versions"`
	NpmUser      json.RawMessage   `json:"_npmUser"`
	Maintainers  []json.RawMessage `json:"maintainers"`
	Scripts      map[string]string `json:"scripts"`
	Repository   json.RawMessage   `json:"repository"`
	Dependencies map[string]string `json:"dependencies"`
	Deprecated   json.RawMessage   `json:"deprecated"`
	Bin          json.RawMessage   `json:"bin"`
	GitHead      string            `json:"gitHead"`
	Dist         struct {
		Integrity  string `json:"integrity"`
		Shasum     string `json:"shasum"`
		Tarball    string `json:"tarball"`
		Signatures []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
		Attestations *struct {
			URL        string `json:"url"`
			Provenance struct {
				PredicateType string `json:"predicateType"`
			} `json:"provenance"`
		} `json:"attestations"`
	} `json:"dist"`
}

// View asks the registry about spec. A range matching several versions
// gives the one npm installs: the latest tag if it matches, else the
// highest.
func (n *NPM) View(ctx context.Context, spec Spec) (*Manifest, error) {
	out, err := n.run(ctx, "view", "--json", spec.String())
	if err != nil {
		return nil, err
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("npm view %s: no version matches", spec)
	}
	var ms []*Manifest
	if out[0] == '[' {
		if err := json.Unmarshal(out, &ms); err != nil {
			return nil, fmt.Errorf("npm view %s: %w", spec, err)
		}
	} else {
		var m Manifest
		if err := json.Unmarshal(out, &m); err != nil {
			return nil, fmt.Errorf("npm view %s: %w", spec, err)
		}
		ms = []*Manifest{&m}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("npm view %s: no version matches", spec)
	}
	m := ms[len(ms)-1]
	for _, c := range ms {
		if c.DistTags["latest"] == c.Version {
			m = c
		}
	}
	if m.Name != spec.Name || !exactVersion.MatchString(m.Version) {
		return nil, fmt.Errorf("npm view %s: the registry answered for %q version %q", spec, m.Name, m.Version)
	}
	return m, nil
}

// install installs exactly name@version into dir (a new, empty
// directory), without scripts, and returns npm's lock of what it
// installed.
func (n *NPM) install(ctx context.Context, dir, name, version string) (*npmLock, error) {
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"mcpwarden-package","private":true}`+"\n"), 0o644); err != nil {
		return nil, err
	}
	args := append([]string{"install"}, installFlags...)
	args = append(args, "--save-exact", "--prefix", dir, name+"@"+version)
	if _, err := n.run(ctx, args...); err != nil {
		return nil, err
	}
	return readNpmLock(dir)
}

// ci reinstalls a pinned package into dir (a new, empty directory) from
// its recorded dependency entries, with npm ci: the same versions, each
// checked against its recorded integrity.
func (n *NPM) ci(ctx context.Context, dir, name, version string, deps json.RawMessage) error {
	pkg := map[string]any{"name": "mcpwarden-package", "private": true, "dependencies": map[string]string{name: version}}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(deps, &entries); err != nil || entries == nil {
		return fmt.Errorf("the lockfile's dependency entries cannot be read (%v): run mcpwarden pin", err)
	}
	root, _ := json.Marshal(map[string]any{"name": "mcpwarden-package", "dependencies": map[string]string{name: version}})
	entries[""] = root
	lock := map[string]any{"name": "mcpwarden-package", "lockfileVersion": 3, "requires": true, "packages": entries}
	for file, v := range map[string]any{"package.json": pkg, "package-lock.json": lock} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			return err
		}
	}
	args := append([]string{"ci"}, installFlags...)
	args = append(args, "--prefix", dir)
	_, err := n.run(ctx, args...)
	return err
}

// npmLock is the part of package-lock.json (v2, v3) read here.
type npmLock struct {
	Packages map[string]json.RawMessage `json:"packages"`
}

type npmLockEntry struct {
	Version   string `json:"version"`
	Integrity string `json:"integrity"`
}

func readNpmLock(dir string) (*npmLock, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return nil, fmt.Errorf("npm wrote no package-lock.json: %w", err)
	}
	var l npmLock
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("package-lock.json: %w", err)
	}
	if l.Packages == nil {
		return nil, errors.New("package-lock.json has no packages (npm 7 or later is required)")
	}
	return &l, nil
}

// entry returns the lock entry of the installed top-level package.
func (l *npmLock) entry(name string) (npmLockEntry, bool) {
	var e npmLockEntry
	raw, ok := l.Packages["node_modules/"+name]
	if !ok || json.Unmarshal(raw, &e) != nil {
		return e, false
	}
	return e, true
}

// dependencies are the lock entries without the root and without resolved
// URLs (which name the registry host; the integrity binds the content).
func (l *npmLock) dependencies() (json.RawMessage, error) {
	out := map[string]map[string]json.RawMessage{}
	for k, raw := range l.Packages {
		if k == "" {
			continue
		}
		var e map[string]json.RawMessage
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("package-lock.json %q: %w", k, err)
		}
		delete(e, "resolved")
		out[k] = e
	}
	return json.Marshal(out)
}
