// Package secretshape recognises well-known credential formats by their
// shape: cloud access keys, source-forge tokens, JWTs, private keys. The
// configuration refuses them as literals, and the audit redaction pass
// masks them wherever they appear in arguments and results.
//
// Matching works on raw bytes (a serialized JSON event or a config value)
// and is cheap when nothing matches: every shape has a literal prefix that
// is looked for first, and the regular expression runs only where a prefix
// occurs.
package secretshape

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Shape is one credential format.
type Shape struct {
	// Name identifies the shape in configuration (audit.redact_shapes)
	// and in the mask: "[REDACTED:" + Name + "]".
	Name string
	// prefixes: at least one occurs in every match.
	prefixes [][]byte
	re       *regexp.Regexp
}

// Shapes are the formats known, by name. The expressions match what the
// issuers document; each is anchored on a fixed prefix, and none needs a
// word boundary before it (in JSON text a token may follow an escape such
// as \n, whose "n" is a word character).
var Shapes = []*Shape{
	shape("aws_access_key", `(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`, "AKIA", "ASIA", "ABIA", "ACCA"),
	shape("github_token", `(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b`, "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
	shape("github_pat", `github_pat_[A-Za-z0-9_]{22,255}\b`, "github_pat_"),
	shape("gitlab_token", `glpat-[A-Za-z0-9_-]{20,}\b`, "glpat-"),
	shape("slack_token", `xox[abposr]-[A-Za-z0-9-]{10,}\b`, "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
	shape("google_api_key", `AIza[0-9A-Za-z_-]{35}\b`, "AIza"),
	shape("stripe_key", `(?:sk|rk)_live_[0-9A-Za-z]{20,}\b`, "sk_live_", "rk_live_"),
	shape("openai_key", `sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b`, "T3BlbkFJ"),
	shape("anthropic_key", `sk-ant-[a-z0-9]{2,10}-[A-Za-z0-9_-]{80,}\b`, "sk-ant-"),
	// A JWS compact serialization whose header and payload are JSON
	// objects (base64url of "{" is "ey").
	shape("jwt", `eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`, "eyJ"),
	// PEM private keys, also as JSON string content (lines joined by \n
	// escapes).
	shape("private_key", `-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\[nr])*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----`, "PRIVATE KEY-----"),
}

func shape(name, expr string, prefixes ...string) *Shape {
	s := &Shape{Name: name, re: regexp.MustCompile(expr)}
	for _, p := range prefixes {
		s.prefixes = append(s.prefixes, []byte(p))
	}
	return s
}

// Names returns the names of all shapes.
func Names() []string {
	out := make([]string, len(Shapes))
	for i, s := range Shapes {
		out[i] = s.Name
	}
	return out
}

// Select returns the shapes named (all of them for nil), and the names
// that are unknown.
func Select(names []string) (sel []*Shape, unknown []string) {
	if names == nil {
		return Shapes, nil
	}
	for _, n := range names {
		i := slices.IndexFunc(Shapes, func(s *Shape) bool { return s.Name == n })
		if i < 0 {
			unknown = append(unknown, n)
			continue
		}
		sel = append(sel, Shapes[i])
	}
	return sel, unknown
}

// finder finds which shapes of a selection have a prefix in a text. It is
// built once per selection (see finderFor), so a search allocates nothing.
//
// Prefixes that end in '_' or '-' are found by visiting those bytes (rare
// in prose, common in JSON keys and UUIDs) and looking up the byte before
// them, so a visit costs a table lookup. The other prefixes are found by
// their rarest byte in text (an upper-case 'J' rather than the 'e' of
// "eyJ"), one search per such byte.
type finder struct {
	// bySep[k][c]: the prefixes ending in seps[k] whose byte before the
	// separator is c.
	bySep [2][256][]bitPrefix
	// groups: the other prefixes, by the byte searched for.
	groups []prefixGroup
}

var seps = [2]byte{'_', '-'}

type bitPrefix struct {
	p   []byte
	bit uint64
	at  int // where the group's byte is in p
}

type prefixGroup struct {
	anchor byte
	ps     []bitPrefix
}

// rarity ranks a byte by how rare it is in prose and JSON: lower-case
// letters by English frequency, then digits, then upper-case letters.
func rarity(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return strings.IndexByte("etaoinsrhldcumfpgwybvkxjqz", c)
	case c >= '0' && c <= '9':
		return 28
	case c >= 'A' && c <= 'Z':
		return 30 + strings.IndexByte("TSACIMPBRDHEFLGNWOUKVJYQXZ", c)
	}
	return 26
}

func newFinder(sel []*Shape) *finder {
	f := &finder{}
	for i, s := range sel {
		if i >= 64 {
			break
		}
		bit := uint64(1) << i
		for _, p := range s.prefixes {
			if k := bytes.IndexByte(seps[:], p[len(p)-1]); k >= 0 && len(p) >= 2 {
				c := p[len(p)-2]
				f.bySep[k][c] = append(f.bySep[k][c], bitPrefix{p: p, bit: bit})
				continue
			}
			at := 0
			for i := range p {
				if rarity(p[i]) > rarity(p[at]) {
					at = i
				}
			}
			g := slices.IndexFunc(f.groups, func(g prefixGroup) bool { return g.anchor == p[at] })
			if g < 0 {
				f.groups = append(f.groups, prefixGroup{anchor: p[at]})
				g = len(f.groups) - 1
			}
			f.groups[g].ps = append(f.groups[g].ps, bitPrefix{p: p, bit: bit, at: at})
		}
	}
	return f
}

// candidates returns a bit per shape of the selection (at most 64 are
// checked) whose prefix occurs in b.
func (f *finder) candidates(b []byte) uint64 {
	var mask uint64
	for _, g := range f.groups {
		for i := 0; i < len(b); {
			j := bytes.IndexByte(b[i:], g.anchor)
			if j < 0 {
				break
			}
			h := i + j
			for _, c := range g.ps {
				if start := h - c.at; start >= 0 && start+len(c.p) <= len(b) && bytes.Equal(b[start:start+len(c.p)], c.p) {
					mask |= c.bit
				}
			}
			i = h + 1
		}
	}
	for k, sep := range seps {
		tab := &f.bySep[k]
		for i := 1; i < len(b); {
			j := bytes.IndexByte(b[i:], sep)
			if j < 0 {
				break
			}
			end := i + j + 1
			for _, c := range tab[b[end-2]] {
				if end >= len(c.p) && bytes.Equal(b[end-len(c.p):end], c.p) {
					mask |= c.bit
				}
			}
			i = end
		}
	}
	return mask
}

// finders caches the finder of each selection by its first element's
// address and length (selections are made once, at start).
var finders sync.Map // finderKey -> *finder

type finderKey struct {
	first *Shape
	ptr   **Shape
	n     int
}

func finderFor(sel []*Shape) *finder {
	if len(sel) == 0 {
		return &finder{}
	}
	k := finderKey{sel[0], &sel[0], len(sel)}
	if f, ok := finders.Load(k); ok {
		return f.(*finder)
	}
	f, _ := finders.LoadOrStore(k, newFinder(sel))
	return f.(*finder)
}

func candidates(b []byte, sel []*Shape) uint64 { return finderFor(sel).candidates(b) }

// Match returns the name of the first shape found in b, or "".
func Match(b []byte, shapes []*Shape) string {
	c := candidates(b, shapes)
	for i, s := range shapes {
		if i < 64 && c&(1<<i) != 0 && s.re.Match(b) {
			return s.Name
		}
	}
	return ""
}

// Mask returns b with every match of the shapes replaced by
// "[REDACTED:name]", and how many were replaced. b itself is returned (not
// copied) when nothing matches. The masks contain no JSON metacharacters,
// and no match can end inside an escape sequence, so a JSON document stays
// valid.
func Mask(b []byte, shapes []*Shape) ([]byte, int) {
	n := 0
	c := candidates(b, shapes)
	for i, s := range shapes {
		if i >= 64 || c&(1<<i) == 0 {
			continue
		}
		mask := []byte("[REDACTED:" + s.Name + "]")
		count := 0
		out := s.re.ReplaceAllFunc(b, func(m []byte) []byte {
			count++
			return mask
		})
		if count > 0 {
			b = out
			n += count
		}
	}
	return b, n
}
