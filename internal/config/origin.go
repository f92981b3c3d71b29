package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

type originPattern struct {
	scheme, host, port string
	anyPort            bool
}

// parseOriginPattern parses an allowed_origins entry:
// scheme://host[:port] or scheme://host:* with scheme http or https.
func parseOriginPattern(s string) (originPattern, error) {
	if s == "*" || strings.Contains(s, "*.") {
		return originPattern{}, errors.New("wildcard origins are not supported; list each origin (a port may be *)")
	}
	rest, anyPort := strings.CutSuffix(s, ":*")
	u, err := url.Parse(rest)
	if err != nil || u.Opaque != "" {
		return originPattern{}, fmt.Errorf("invalid origin %q: expected scheme://host[:port], such as http://localhost:3000", truncate(s))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return originPattern{}, fmt.Errorf("invalid origin %q: scheme must be http or https", truncate(s))
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.Contains(s, "#") {
		return originPattern{}, fmt.Errorf("invalid origin %q: an origin is only scheme://host[:port], without path, query or credentials", truncate(s))
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return originPattern{}, fmt.Errorf("invalid origin %q: no host", truncate(s))
	}
	if anyPort && u.Port() != "" {
		return originPattern{}, fmt.Errorf("invalid origin %q: two ports", truncate(s))
	}
	if anyPort && strings.HasSuffix(u.Host, ":") {
		return originPattern{}, fmt.Errorf("invalid origin %q", truncate(s))
	}
	return originPattern{scheme: u.Scheme, host: host, port: u.Port(), anyPort: anyPort}, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// OriginAllowed reports whether the value of an Origin request header
// matches one of the allowed_origins patterns (see Config.AllowedOrigins).
// Host names compare case-insensitively; a pattern without a port also
// matches the scheme's default port written out. "null" and malformed
// origins never match.
func OriginAllowed(allowed []string, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Hostname() == "" {
		return false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == defaultPort(u.Scheme) {
		port = ""
	}
	for _, a := range allowed {
		p, err := parseOriginPattern(a)
		if err != nil || p.scheme != u.Scheme || p.host != host {
			continue
		}
		pp := p.port
		if pp == defaultPort(p.scheme) {
			pp = ""
		}
		if p.anyPort || pp == port {
			return true
		}
	}
	return false
}
