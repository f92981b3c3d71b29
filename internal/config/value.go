package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"
)

// Value is a string setting that is either a literal or a reference to a
// secret kept outside the configuration file:
//
//	env:NAME          the environment variable NAME
//	file:PATH         the contents of the file PATH with one trailing
//	                  newline removed; a relative PATH is relative to the
//	                  directory of the configuration file
//	vault:PATH#FIELD  the field FIELD of the secret at PATH of a HashiCorp
//	                  Vault / OpenBao server (secrets.vault); for KV v2 the
//	                  PATH includes the data/ segment: secret/data/mcp/github
//
// Any value that begins with "env:", "file:" or "vault:" is a reference;
// there is no way to write such a literal. The zero Value is the empty
// literal. While a [Resolver] is installed (the gateway installs one that
// caches and refreshes, internal/secrets), Resolve asks it.
//
// A Value never holds a resolved secret: String returns the reference as
// written, and Resolve's errors name the reference but never contain what it
// resolves to.
type Value struct {
	raw  string
	base string // directory that relative file: paths are relative to
}

const (
	envPrefix  = "env:"
	filePrefix = "file:"
	// VaultPrefix starts a Vault reference.
	VaultPrefix = "vault:"
	// maxSecretFile bounds how much of a file: reference is read.
	maxSecretFile = 1 << 20
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// NewValue parses raw as a Value. baseDir is the directory relative file:
// paths are resolved against ("" means the process working directory).
func NewValue(raw, baseDir string) (Value, error) {
	v := Value{raw: raw, base: baseDir}
	if err := v.check(); err != nil {
		return Value{}, err
	}
	return v, nil
}

func (v Value) check() error {
	switch {
	case strings.HasPrefix(v.raw, envPrefix):
		name := v.raw[len(envPrefix):]
		if !envNameRE.MatchString(name) {
			return fmt.Errorf("invalid reference %q: env:NAME needs a variable name of letters, digits and _ (not starting with a digit)", truncate(v.raw))
		}
	case strings.HasPrefix(v.raw, filePrefix):
		p := v.raw[len(filePrefix):]
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("invalid reference %q: file:PATH needs a path", v.raw)
		}
		if strings.ContainsRune(p, 0) {
			return errors.New("invalid reference: file path contains a NUL byte")
		}
	case strings.HasPrefix(v.raw, VaultPrefix):
		if _, _, err := v.VaultPath(); err != nil {
			return err
		}
	}
	return nil
}

// VaultPath splits a vault:PATH#FIELD reference.
func (v Value) VaultPath() (path, field string, err error) {
	rest, ok := strings.CutPrefix(v.raw, VaultPrefix)
	if !ok {
		return "", "", fmt.Errorf("%q is not a vault: reference", truncate(v.raw))
	}
	path, field, ok = strings.Cut(rest, "#")
	path = strings.Trim(path, "/")
	if !ok || path == "" || field == "" || strings.ContainsAny(rest, "\x00?\n\r ") || strings.Contains(path, "..") {
		return "", "", fmt.Errorf("invalid reference %q: vault:PATH#FIELD needs a secret path and a field, such as vault:secret/data/mcp/github#token", truncate(v.raw))
	}
	return path, field, nil
}

// Resolver resolves references (caching them, reading vault:). Installed
// with [SetResolver]; ResolveRef is called only for references.
type Resolver interface {
	ResolveRef(v Value) (string, error)
}

type resolverBox struct{ r Resolver }

var resolver atomic.Pointer[resolverBox]

// SetResolver installs r for every Value's Resolve (nil uninstalls it).
func SetResolver(r Resolver) {
	if r == nil {
		resolver.Store(nil)
		return
	}
	resolver.Store(&resolverBox{r})
}

// UnmarshalYAMLNode implements NodeUnmarshaler.
func (v *Value) UnmarshalYAMLNode(n *yaml.Node) error {
	s, err := scalarString(n)
	if err != nil {
		return err
	}
	nv := Value{raw: s, base: v.base}
	if err := nv.check(); err != nil {
		return err
	}
	*v = nv
	return nil
}

// IsRef reports whether v is an env:, file: or vault: reference.
func (v Value) IsRef() bool {
	return strings.HasPrefix(v.raw, envPrefix) || strings.HasPrefix(v.raw, filePrefix) || v.IsVault()
}

// IsVault reports whether v is a vault: reference.
func (v Value) IsVault() bool { return strings.HasPrefix(v.raw, VaultPrefix) }

// String returns the value as written in the configuration: the reference
// for env:/file: values (never the secret), the text for literals.
func (v Value) String() string { return v.raw }

// IsZero reports whether v is the empty literal.
func (v Value) IsZero() bool { return v.raw == "" }

// WithBaseDir returns v with relative file: paths resolved against dir.
func (v Value) WithBaseDir(dir string) Value {
	v.base = dir
	return v
}

// FilePath returns the path a file: reference reads, made relative to the
// configuration directory, and "" for other values.
func (v Value) FilePath() string {
	if !strings.HasPrefix(v.raw, filePrefix) {
		return ""
	}
	p := v.raw[len(filePrefix):]
	if !filepath.IsAbs(p) && v.base != "" {
		p = filepath.Join(v.base, p)
	}
	return p
}

// Resolve returns the value: the literal itself, the environment variable of
// an env: reference (an unset variable is an error, an empty one is not), or
// the contents of the file of a file: reference with one trailing newline
// removed, or the Vault secret's field. With a [Resolver] installed,
// references are resolved by it (cached, refreshed). Errors name the
// reference, never the value.
func (v Value) Resolve() (string, error) {
	if b := resolver.Load(); b != nil && v.IsRef() {
		return b.r.ResolveRef(v)
	}
	return v.ResolveDirect()
}

// ResolveDirect resolves v without the installed Resolver: env: and file:
// are read now; a vault: reference is an error (only a Resolver reads
// Vault).
func (v Value) ResolveDirect() (string, error) {
	switch {
	case v.IsVault():
		return "", fmt.Errorf("%s: vault: references need secrets.vault in the configuration", v.raw)
	case strings.HasPrefix(v.raw, envPrefix):
		name := v.raw[len(envPrefix):]
		s, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("%s: environment variable %s is not set", v.raw, name)
		}
		return s, nil
	case strings.HasPrefix(v.raw, filePrefix):
		p := v.FilePath()
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("%s: %w", v.raw, err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			return "", fmt.Errorf("%s: %w", v.raw, err)
		}
		if len(b) > maxSecretFile {
			return "", fmt.Errorf("%s: file is larger than %d bytes", v.raw, maxSecretFile)
		}
		s := string(b)
		if strings.HasSuffix(s, "\n") {
			s = strings.TrimSuffix(s[:len(s)-1], "\r")
		}
		return s, nil
	}
	return v.raw, nil
}

// Duration is a time.Duration written in the file as a string with a unit,
// such as "500ms", "30s", "2m" or "1h30m". Bare numbers are refused because
// their unit would be a guess.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAMLNode implements NodeUnmarshaler.
func (d *Duration) UnmarshalYAMLNode(n *yaml.Node) error {
	v, err := parseDuration(n)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ByteSize is a size in bytes, written in the file as a number of bytes
// (1048576) or a string with a unit: "500MB", "1GiB", "64 KiB" (SI units
// are powers of 1000, IEC units powers of 1024, as
// github.com/dustin/go-humanize parses them).
type ByteSize int64

// Bytes returns the size in bytes.
func (b ByteSize) Bytes() int64 { return int64(b) }

// String formats b with an IEC unit ("1.0 GiB").
func (b ByteSize) String() string { return humanize.IBytes(uint64(max(b, 0))) }

// UnmarshalYAMLNode implements NodeUnmarshaler.
func (b *ByteSize) UnmarshalYAMLNode(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		u, err := scalarUint(n, 63)
		if err != nil {
			return err
		}
		*b = ByteSize(u)
		return nil
	}
	s, err := scalarString(n)
	if err != nil {
		return fmt.Errorf(`expected a size such as "500MB" or "1GiB", got %s`, describe(n))
	}
	u, err := humanize.ParseBytes(s)
	if err != nil || u > math.MaxInt64 {
		return fmt.Errorf(`invalid size %q: expected a number with a unit such as "500MB", "1GiB" or "64KiB"`, truncate(s))
	}
	*b = ByteSize(u)
	return nil
}
