package policy

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// ResourceGuardName is the resource guard's name in audit events.
const ResourceGuardName = "resources"

// ResourceGuard restricts the resource URIs of a server to allowed
// patterns (servers.NAME.resources.allow), and refuses on every server
// URIs that climb out of a directory (".." segments, also percent-encoded
// or double-encoded, backslashes, NUL) or are not in canonical form.
type ResourceGuard struct {
	// Allow are glob patterns per server: "*" matches within a path
	// segment, "**" across segments. A server without patterns has no
	// allowlist (only the traversal checks apply).
	Allow map[string][]string
}

// Name implements guard.Guard.
func (g *ResourceGuard) Name() string { return ResourceGuardName }

// Check implements guard.Guard.
func (g *ResourceGuard) Check(_ context.Context, c *guard.Call) guard.Decision {
	if c.Method != "resources/read" || c.URI == "" {
		return guard.Allowed
	}
	return DecideResource(g.Allow[c.Server], c.Server, c.URI)
}

// DecideResource is the pure decision for one URI.
func DecideResource(allow []string, server, uri string) guard.Decision {
	deny := func(format string, a ...any) guard.Decision {
		return guard.Decision{Action: guard.Deny, Guard: ResourceGuardName, Reason: fmt.Sprintf(format, a...)}
	}
	if why := traversal(uri); why != "" {
		return deny("resource %q refused: %s", uri, why)
	}
	if len(allow) == 0 {
		return guard.Allowed
	}
	for _, p := range allow {
		if MatchURI(p, uri) {
			return guard.Allowed
		}
	}
	return deny("resource %q of server %q matches no pattern of servers.%s.resources.allow", uri, server, server)
}

// traversal explains why a URI tries to leave where it points, or "".
func traversal(uri string) string {
	s := uri
	for i := 0; i < 4; i++ { // undo up to three layers of percent-encoding
		if strings.ContainsAny(s, "\\\x00") {
			return "backslash or NUL in the URI"
		}
		for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '?' || r == '#' }) {
			if seg == ".." {
				return "a \"..\" path segment (path traversal)"
			}
		}
		dec, err := url.PathUnescape(s)
		if err != nil {
			return "malformed percent-encoding"
		}
		if dec == s {
			break
		}
		s = dec
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "malformed URI"
	}
	if u.Path != "" && u.Opaque == "" {
		clean := path.Clean(u.Path)
		if strings.HasSuffix(u.Path, "/") && clean != "/" {
			clean += "/"
		}
		if clean != u.Path {
			return "the path is not in canonical form (//, /./ or /../)"
		}
	}
	return ""
}

// MatchURI matches a URI against a pattern in which "**" spans any
// characters and "*" any characters but "/". Scheme and host compare
// case-insensitively; the rest exactly.
func MatchURI(pattern, uri string) bool {
	ps, pr, ok1 := strings.Cut(pattern, "://")
	us, ur, ok2 := strings.Cut(uri, "://")
	if ok1 != ok2 {
		return false
	}
	if ok1 {
		if !strings.EqualFold(ps, us) {
			return false
		}
		// host part up to the first "/"
		ph, pp, _ := strings.Cut(pr, "/")
		uh, up, _ := strings.Cut(ur, "/")
		if !strings.EqualFold(ph, uh) && !globMatch(ph, uh) {
			return false
		}
		return globMatch(pp, up)
	}
	return globMatch(pattern, uri)
}

// globMatch: "**" matches anything, "*" anything without "/".
func globMatch(p, s string) bool {
	for len(p) > 0 {
		switch {
		case strings.HasPrefix(p, "**"):
			rest := strings.TrimLeft(p, "*")
			if rest == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(rest, s[i:]) {
					return true
				}
			}
			return false
		case p[0] == '*':
			rest := p[1:]
			for i := 0; i <= len(s); i++ {
				if i > 0 && s[i-1] == '/' {
					break
				}
				if globMatch(rest, s[i:]) {
					return true
				}
			}
			return false
		default:
			if len(s) == 0 || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return len(s) == 0
}
