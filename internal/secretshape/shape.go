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

// Prefixes that end in '_' or '-' are found by visiting those bytes (rare
// in prose) rather than by one search per prefix; the others by a search
// each. candidates returns a bit per shape of sel (at most 64 are checked)
// whose prefix occurs in b.
func candidates(b []byte, sel []*Shape) uint64 {
	var mask uint64
	var seps [2][]struct {
		p   []byte
		bit uint64
	}
	for i, s := range sel {
		if i >= 64 {
			break
		}
		bit := uint64(1) << i
		for _, p := range s.prefixes {
			switch p[len(p)-1] {
			case '_':
				seps[0] = append(seps[0], struct {
					p   []byte
					bit uint64
				}{p, bit})
			case '-':
				seps[1] = append(seps[1], struct {
					p   []byte
					bit uint64
				}{p, bit})
			default:
				if mask&bit == 0 && bytes.Contains(b, p) {
					mask |= bit
				}
			}
		}
	}
	for k, sep := range []byte{'_', '-'} {
		if len(seps[k]) == 0 {
			continue
		}
		for i := 0; i < len(b); {
			j := bytes.IndexByte(b[i:], sep)
			if j < 0 {
				break
			}
			end := i + j + 1
			for _, c := range seps[k] {
				if end >= len(c.p) && bytes.Equal(b[end-len(c.p):end], c.p) {
					mask |= c.bit
				}
			}
			i = end
		}
	}
	return mask
}

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
