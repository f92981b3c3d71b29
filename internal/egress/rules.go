// Package egress is the gateway's outbound HTTP proxy for sandboxed
// servers: the only way a sandboxed stdio server reaches the network. It
// speaks HTTP CONNECT (for HTTPS and any TCP protocol) and plain HTTP with
// absolute URIs. Each server has its own endpoint (a Unix socket bound into
// its sandbox, or a loopback port for Landlock), so the proxy knows who is
// calling without trusting anything the server says.
//
// It guards against a sandboxed server reaching a destination its
// configuration does not list (servers.NAME.egress: host patterns and
// ports), and against one that is listed but resolves to a loopback,
// private, link-local or metadata address (the SSRF checker of package
// ssrf, applied to the address actually dialed, so DNS rebinding between
// check and connect does not help). Every connection, allowed or refused,
// is reported (an egress.connect audit event), tied to the session and
// call in flight when the gateway can tell.
//
// It trusts the destination names it is given only as far as the
// allowlist: it does not inspect TLS traffic, so an allowed host receives
// whatever the server sends it.
package egress

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Rule is one allowlist entry: a host (exact, or "*.example.com" for any
// name below example.com, not example.com itself) and a port.
type Rule struct {
	Host     string // lower case, no trailing dot; for a wildcard the suffix without "*."
	Wildcard bool
	Port     int
}

func (r Rule) String() string {
	h := r.Host
	if r.Wildcard {
		h = "*." + h
	}
	return net.JoinHostPort(h, strconv.Itoa(r.Port))
}

// DefaultPort is the port of an entry without one: HTTPS only.
const DefaultPort = 443

// ParseRule reads "host", "host:port", "*.example.com[:port]", an IPv4
// address or "[IPv6]:port". A bare host means port 443 only.
func ParseRule(s string) (Rule, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Rule{}, fmt.Errorf("empty entry")
	}
	host, port := in, DefaultPort
	if h, p, err := net.SplitHostPort(in); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(p, "+") {
			return Rule{}, fmt.Errorf("%q: port must be a number from 1 to 65535", s)
		}
		host, port = h, n
	} else if strings.Count(in, ":") == 1 {
		return Rule{}, fmt.Errorf("%q: %v", s, err)
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	r := Rule{Port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.Wildcard, host = true, rest
	}
	if ip := net.ParseIP(host); ip != nil {
		if r.Wildcard {
			return Rule{}, fmt.Errorf("%q: a wildcard needs a domain name", s)
		}
		r.Host = ip.String()
		return r, nil
	}
	if !validName(host) {
		return Rule{}, fmt.Errorf("%q: not a host name, \"*.\" + a domain, or an IP address", s)
	}
	if r.Wildcard && !strings.Contains(host, ".") {
		return Rule{}, fmt.Errorf("%q: a wildcard must name a domain with at least two labels (*.example.com)", s)
	}
	r.Host = host
	return r, nil
}

// ParseRules reads every entry; the error names the first bad one's index.
func ParseRules(list []string) ([]Rule, error) {
	out := make([]Rule, 0, len(list))
	for i, s := range list {
		r, err := ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func validName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Allowed reports whether host:port matches a rule. host is the name the
// client asked for (CONNECT authority or URL host), not an address it
// resolves to.
func Allowed(rules []Rule, host string, port int) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		host = ip.String()
	}
	for _, r := range rules {
		if r.Port != port {
			continue
		}
		if r.Wildcard {
			if strings.HasSuffix(host, "."+r.Host) {
				return true
			}
			continue
		}
		if host == r.Host {
			return true
		}
	}
	return false
}
