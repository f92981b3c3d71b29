package supply

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Ecosystems besides npm.
const (
	// EcosystemGo is a Go module from the module proxy (GOPROXY), its
	// sums from the checksum database (GOSUMDB).
	EcosystemGo = "go"
	// EcosystemPyPI is a Python distribution from a package index (PyPI
	// or the index pip is configured with).
	EcosystemPyPI = "pypi"
)

// ParseLaunch recognises a stdio server launched from a registry: npx
// (see ParseNpx), `go run [-mod=...] PACKAGE@VERSION args...`, `uvx
// [--from PKG[==VER]] PKG[==VER|@VER] args...` and `pipx run [--spec
// PKG[==VER]] APP[==VER] args...`. ok is false for any other command (a
// `go run` of local source included: it is not fetched). A launch it
// cannot read is an error: such a server cannot be pinned.
func ParseLaunch(command string, args []string) (spec Spec, rest []string, ok bool, err error) {
	switch filepath.Base(command) {
	case "npx":
		return ParseNpx(command, args)
	case "go":
		return parseGoRun(args)
	case "uvx":
		return parseUvx(args)
	case "pipx":
		if len(args) == 0 || args[0] != "run" {
			return Spec{}, nil, false, nil
		}
		return parsePipxRun(args[1:])
	}
	return Spec{}, nil, false, nil
}

// goRunFlags are go run flags that take no separate value and do not
// change what is built from the module (-mod only matters inside a
// module; pinning always builds read-only).
var goRunFlag = regexp.MustCompile(`^-{1,2}(mod=(mod|readonly|vendor)|trimpath)$`)

// goQuery is a version query of go run PACKAGE@QUERY: a version, a
// prefix, latest, a branch or a commit.
var goQuery = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]*$`)

func parseGoRun(args []string) (Spec, []string, bool, error) {
	if len(args) == 0 || args[0] != "run" {
		return Spec{}, nil, false, nil
	}
	i := 1
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		if !goRunFlag.MatchString(args[i]) {
			if !anyHasAt(args[i+1:]) {
				return Spec{}, nil, false, nil // local source
			}
			return Spec{}, nil, true, fmt.Errorf("go run option %q is not understood (pinning reads -mod=... and -trimpath)", args[i])
		}
	}
	if i >= len(args) {
		return Spec{}, nil, false, nil
	}
	pkg, version, found := strings.Cut(args[i], "@")
	if !found {
		return Spec{}, nil, false, nil // go run ./cmd/x, go run main.go: local source, not fetched
	}
	if err := module.CheckImportPath(pkg); err != nil || !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
		return Spec{}, nil, true, fmt.Errorf("go run %s: %q is not a module package path", args[i], pkg)
	}
	if !goQuery.MatchString(version) {
		return Spec{}, nil, true, fmt.Errorf("go run %s: %q is not a version or query", args[i], version)
	}
	return Spec{Ecosystem: EcosystemGo, Name: pkg, Version: version}, args[i+1:], true, nil
}

func anyHasAt(args []string) bool {
	for _, a := range args {
		if strings.Contains(a, "@") && !strings.HasPrefix(a, "-") {
			return true
		}
	}
	return false
}

// goExact: a canonical semantic version (pseudo-versions included), not a
// query.
func goExact(v string) bool {
	return semver.IsValid(v) && (semver.Canonical(v) == v || semver.Canonical(v)+"+incompatible" == v)
}

var (
	// PEP 508 names.
	pyName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	// PEP 440 public and local versions (loosely: no operators, no
	// wildcards, no spaces).
	pyVersion = regexp.MustCompile(`^[vV]?([0-9]+!)?[0-9]+(\.[0-9]+)*[A-Za-z0-9._+-]*$`)
	pyNorm    = regexp.MustCompile(`[-_.]+`)
)

// NormalizePyName is the PEP 503 normalised name.
func NormalizePyName(name string) string { return strings.ToLower(pyNorm.ReplaceAllString(name, "-")) }

// ParsePySpec parses NAME, NAME==VERSION or NAME@VERSION (uvx's form).
// Ranges, extras, markers, URLs and paths are refused: they are not one
// distribution from an index.
func ParsePySpec(s string) (Spec, error) {
	name, version := s, ""
	if n, v, ok := strings.Cut(s, "=="); ok {
		name, version = n, v
	} else if n, v, ok := strings.Cut(s, "@"); ok {
		name, version = n, v
	}
	name, version = strings.TrimSpace(name), strings.TrimSpace(version)
	if version == "latest" {
		version = ""
	}
	if len(name) > 200 || !pyName.MatchString(name) {
		return Spec{}, fmt.Errorf("package %q: not a Python package name from an index (extras, ranges, URLs and paths cannot be pinned)", s)
	}
	if version != "" && (len(version) > 100 || !pyVersion.MatchString(version)) {
		return Spec{}, fmt.Errorf("package %q: version %q is not one exact version", s, version)
	}
	return Spec{Ecosystem: EcosystemPyPI, Name: NormalizePyName(name), Version: version}, nil
}

// uvxFlags are uvx options without a value that do not change what runs.
var uvxFlags = map[string]bool{"-q": true, "--quiet": true, "--isolated": true, "--no-progress": true}

func parseUvx(args []string) (Spec, []string, bool, error) {
	var from string
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case uvxFlags[a]:
			continue
		case a == "--from":
			if from != "" || i+1 >= len(args) {
				return Spec{}, nil, true, fmt.Errorf("uvx --from: give exactly one package")
			}
			from = args[i+1]
			i++
			continue
		case strings.HasPrefix(a, "--from="):
			from = strings.TrimPrefix(a, "--from=")
			continue
		case strings.HasPrefix(a, "-"):
			return Spec{}, nil, true, fmt.Errorf("uvx option %q is not understood (pinning reads --from, -q, --isolated)", a)
		}
		break
	}
	return pyLaunch("uvx", from, args[i:])
}

var pipxFlags = map[string]bool{"-q": true, "--quiet": true, "--no-cache": true, "-v": true, "--verbose": true}

func parsePipxRun(args []string) (Spec, []string, bool, error) {
	var from string
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case pipxFlags[a]:
			continue
		case a == "--spec":
			if from != "" || i+1 >= len(args) {
				return Spec{}, nil, true, fmt.Errorf("pipx run --spec: give exactly one package")
			}
			from = args[i+1]
			i++
			continue
		case strings.HasPrefix(a, "--spec="):
			from = strings.TrimPrefix(a, "--spec=")
			continue
		case a == "--":
			i++
		case strings.HasPrefix(a, "-"):
			return Spec{}, nil, true, fmt.Errorf("pipx run option %q is not understood (pinning reads --spec, -q, --no-cache)", a)
		}
		break
	}
	return pyLaunch("pipx run", from, args[i:])
}

// pyLaunch: with from, args[0] is the console script to run; else args[0]
// is the package, whose script of the same name runs.
func pyLaunch(tool, from string, args []string) (Spec, []string, bool, error) {
	if len(args) == 0 {
		return Spec{}, nil, true, fmt.Errorf("%s: no package or command", tool)
	}
	if from == "" {
		spec, err := ParsePySpec(args[0])
		if err != nil {
			return Spec{}, nil, true, err
		}
		return spec, args[1:], true, nil
	}
	spec, err := ParsePySpec(from)
	if err != nil {
		return Spec{}, nil, true, err
	}
	bin := args[0]
	if strings.ContainsAny(bin, "/\\ =@") || strings.HasPrefix(bin, ".") || strings.HasPrefix(bin, "-") {
		return Spec{}, nil, true, fmt.Errorf("%s %s: %q is not a command name", tool, from, bin)
	}
	spec.Bin = bin
	return spec, args[1:], true, nil
}

// LaunchArgs are the command and arguments that run spec with the
// server's args from the registry (the inverse of ParseLaunch), in the
// form of the ecosystem's usual launcher.
func (s Spec) LaunchArgs(args []string) (string, []string) {
	switch s.Ecosystem {
	case EcosystemGo:
		return "go", append([]string{"run", s.String()}, args...)
	case EcosystemPyPI:
		if s.Bin != "" {
			return "uvx", append([]string{"--from", s.String(), s.Bin}, args...)
		}
		return "uvx", append([]string{s.String()}, args...)
	}
	return "npx", s.NpxArgs(args)
}
