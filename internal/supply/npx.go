// Package supply pins the packages stdio servers are launched from, so the
// code the gateway runs is the code that was reviewed.
//
// A server configured as `command: npx, args: [-y, PACKAGE, ...]` would
// otherwise run whatever the registry serves at each start: a new version,
// a hijacked maintainer's release, or a tampered local cache. `mcpwarden
// pin` resolves the exact version, checks the registry's integrity hash
// against what npm installed (install scripts never run), hashes the whole
// installed tree and records it in the lockfile. The gateway then runs the
// package's bin with node from that cache (never npx, which may fetch) and
// verifies the tree hash before every start, refusing a mismatch.
//
// What it trusts: the npm CLI (to fetch and verify tarballs against the
// integrity the registry gives) and the registry's answer at pin time. What
// it guards against: a version other than the pinned one, and any change
// to the installed files after pinning. A change made between the check
// and node reading the files is outside it (keep the cache writable only by
// the gateway's user).
package supply

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// EcosystemNPM is the npm registry.
const EcosystemNPM = "npm"

// Spec is a package a server is launched from, as the config asks for it.
type Spec struct {
	Ecosystem string
	Name      string
	// Version is what the config asked for: an exact version, a range, a
	// dist-tag, or "" (the registry's latest).
	Version string
	// Bin is the executable named with npx --package (-p); "" means the
	// package's own bin.
	Bin string
}

// String is NAME[@VERSION] (pypi: NAME[==VERSION]).
func (s Spec) String() string {
	if s.Version == "" {
		return s.Name
	}
	if s.Ecosystem == EcosystemPyPI {
		return s.Name + "==" + s.Version
	}
	return s.Name + "@" + s.Version
}

// Exact reports whether Version is one exact version (no range, tag or
// query).
func (s Spec) Exact() bool {
	switch s.Ecosystem {
	case EcosystemGo:
		return goExact(s.Version)
	case EcosystemPyPI:
		return s.Version != ""
	}
	return exactVersion.MatchString(s.Version)
}

var (
	exactVersion = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	// npm package names: lower case, URL-safe, optionally scoped.
	npmName = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$`)
	// Versions, ranges and tags: no paths, URLs or shell-looking text.
	npmVersion = regexp.MustCompile(`^[0-9A-Za-z.^~<>=*| +-]+$`)
)

// ParseSpec parses NAME[@VERSION] (NAME may be scoped: @scope/name). Git
// URLs, tarballs, paths and aliases are not registry packages and are
// refused.
func ParseSpec(s string) (Spec, error) {
	name, version := s, ""
	if i := strings.LastIndex(s, "@"); i > 0 {
		name, version = s[:i], s[i+1:]
		if version == "" {
			return Spec{}, fmt.Errorf("package %q: empty version after @", s)
		}
	}
	if len(name) > 214 || !npmName.MatchString(name) {
		return Spec{}, fmt.Errorf("package %q: not an npm registry package name", s)
	}
	if version != "" && (len(version) > 256 || !npmVersion.MatchString(version) || strings.HasPrefix(version, "npm:")) {
		return Spec{}, fmt.Errorf("package %q: version %q is not a version, range or tag", s, version)
	}
	return Spec{Ecosystem: EcosystemNPM, Name: name, Version: strings.TrimSpace(version)}, nil
}

// npxFlags are npx/npm exec options that take no value and do not change
// what is run.
var npxFlags = map[string]bool{
	"-y": true, "--yes": true, "-q": true, "--quiet": true, "--silent": true,
	"--prefer-online": true, "--prefer-offline": true,
}

// ParseNpx recognises a server launched with npx: command is npx (or a
// path ending in /npx) and args are npx options, then the package and the
// server's own arguments, or `--package PKG BIN args...`. It returns the
// package and the server's arguments; ok is false for any other command.
// An npx command it cannot read (a -c script, unknown options, a non-
// registry package) is an error: such a server cannot be pinned.
func ParseNpx(command string, args []string) (spec Spec, rest []string, ok bool, err error) {
	if filepath.Base(command) != "npx" {
		return Spec{}, nil, false, nil
	}
	var pkg string
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case npxFlags[a]:
			continue
		case a == "-p" || a == "--package":
			if pkg != "" || i+1 >= len(args) {
				return Spec{}, nil, true, fmt.Errorf("npx %s: give exactly one package", a)
			}
			pkg = args[i+1]
			i++
			continue
		case strings.HasPrefix(a, "--package="):
			if pkg != "" {
				return Spec{}, nil, true, fmt.Errorf("npx: give exactly one package")
			}
			pkg = strings.TrimPrefix(a, "--package=")
			continue
		case a == "--":
			i++
		case strings.HasPrefix(a, "-"):
			return Spec{}, nil, true, fmt.Errorf("npx option %q is not understood (pinning reads -y, --yes, -q, --package)", a)
		}
		break
	}
	if i >= len(args) {
		return Spec{}, nil, true, fmt.Errorf("npx: no package or command")
	}
	if pkg == "" {
		spec, err = ParseSpec(args[i])
		if err != nil {
			return Spec{}, nil, true, err
		}
		return spec, args[i+1:], true, nil
	}
	spec, err = ParseSpec(pkg)
	if err != nil {
		return Spec{}, nil, true, err
	}
	bin := args[i]
	if strings.ContainsAny(bin, "/\\ ") || strings.HasPrefix(bin, ".") {
		return Spec{}, nil, true, fmt.Errorf("npx --package %s: %q is not a bin name", pkg, bin)
	}
	spec.Bin = bin
	return spec, args[i+1:], true, nil
}

// NpxArgs are npx arguments that run spec with the server's args (the
// inverse of ParseNpx).
func (s Spec) NpxArgs(args []string) []string {
	out := []string{"-y"}
	if s.Bin != "" {
		out = append(out, "--package", s.String(), s.Bin)
	} else {
		out = append(out, s.String())
	}
	return append(out, args...)
}
