// Package ssrf decides whether a URL or host named in a tool call (or
// learned by the gateway from an untrusted party) may be reached: not
// loopback, private (RFC 1918), link-local, CGNAT, unspecified, multicast
// or reserved addresses, not cloud metadata endpoints, not IPv6 unique-local
// or link-local, not IPv4 hidden in IPv6 (mapped, compatible, NAT64,
// 6to4), whatever the spelling (decimal, octal, hex or shortened IPv4,
// percent-encoding, trailing dots, brackets, zones), and not a name that
// resolves to any such address. An explicit allowlist opens specific
// internal hosts.
//
// It guards the tool arguments an agent sends (the upstream would fetch
// them) and the gateway's own connections to addresses it did not choose
// (a dialer that checks the address actually connected to, so DNS
// rebinding between check and use does not help). It cannot see what an
// upstream does with a URL after a redirect; that is containment's job
// (sandbox and egress allowlists).
package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Blocked is a refusal with its reason.
type Blocked struct {
	Target string
	Reason string
}

func (b *Blocked) Error() string { return fmt.Sprintf("%s: %s", b.Target, b.Reason) }

var blockedPrefixes = []struct {
	p   netip.Prefix
	why string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (this host)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata lives here)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (and broadcast)"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (the AWS metadata endpoint fd00:ec2::254 is here)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// embedded IPv4 in IPv6: the IPv4 address is checked too.
var (
	nat64    = netip.MustParsePrefix("64:ff9b::/96")
	nat64Loc = netip.MustParsePrefix("64:ff9b:1::/48")
	sixTo4   = netip.MustParsePrefix("2002::/16")
	teredo   = netip.MustParsePrefix("2001::/32")
	compat   = netip.MustParsePrefix("::/96")
)

// CheckAddr refuses an address that is not a public unicast address.
func CheckAddr(a netip.Addr) error {
	a = a.WithZone("")
	if a.Is4In6() {
		return wrap(CheckAddr(a.Unmap()), "IPv4-mapped IPv6 address")
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a) || nat64Loc.Contains(a):
			return wrap(CheckAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})), "NAT64 address")
		case sixTo4.Contains(a):
			return wrap(CheckAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})), "6to4 address")
		case teredo.Contains(a):
			// The client's IPv4 address is stored inverted.
			return wrap(CheckAddr(netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})), "Teredo address")
		case compat.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
			return wrap(CheckAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})), "IPv4-compatible IPv6 address")
		}
	}
	for _, bp := range blockedPrefixes {
		if bp.p.Contains(a) {
			return errors.New(bp.why + " address " + a.String())
		}
	}
	if a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return errors.New("broadcast address")
	}
	return nil
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s of a %w", what, err)
}

// metadataNames are cloud metadata service names (with and without a
// trailing dot) that must never be reached, whatever they resolve to.
var metadataNames = map[string]bool{
	"metadata.google.internal": true, "metadata.goog": true, "metadata": true,
	"instance-data": true, "instance-data.ec2.internal": true,
	"metadata.azure.internal": true, "kubernetes.default.svc": true,
}

// ParseIP reads an IPv4 address in any spelling inet_aton accepts
// (decimal, octal with a leading 0, hex with 0x, one to four parts:
// "127.1", "2130706433", "0177.0.0.1", "0x7f.1") or an IPv6 address
// (brackets and a zone allowed). ok is false for anything else.
func ParseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if i := strings.IndexByte(s, '%'); i > 0 { // zone
		if a, err := netip.ParseAddr(s[:i]); err == nil {
			return a, true
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" {
			vals[i] = 0
			continue
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// The last part fills the remaining bytes (a.b.c.d, a.b.c16, a.b24, a32).
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n = n<<8 | vals[i]
	}
	rem := uint(4 - last)
	if vals[last] >= 1<<(8*rem) {
		return netip.Addr{}, false
	}
	n = n<<(8*rem) | vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// Resolver looks names up (net.DefaultResolver in production; tests stub
// only names that would leave the machine).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Checker checks hosts and URLs.
type Checker struct {
	Resolver Resolver
	// Allow opens hosts (exact names, IP addresses or CIDR prefixes) that
	// would otherwise be refused.
	AllowHosts []string
}

func (c *Checker) allowed(host string, a netip.Addr) bool {
	for _, h := range c.AllowHosts {
		if strings.EqualFold(strings.TrimSuffix(h, "."), host) {
			return true
		}
		if a.IsValid() {
			if p, err := netip.ParsePrefix(h); err == nil && p.Contains(a.Unmap()) {
				return true
			}
			if ha, err := netip.ParseAddr(h); err == nil && ha == a.Unmap() {
				return true
			}
		}
	}
	return false
}

// CheckHost refuses a host (a name or an address in any spelling, with an
// optional port) that is, or resolves to, an address not to be reached.
func (c *Checker) CheckHost(ctx context.Context, hostport string) error {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if dec, err := url.PathUnescape(host); err == nil {
		host = dec
	}
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" {
		return &Blocked{Target: hostport, Reason: "empty host"}
	}
	if strings.ContainsAny(host, " \t\r\n\\/@?#") {
		return &Blocked{Target: hostport, Reason: "malformed host"}
	}
	if a, ok := ParseIP(host); ok {
		if c.allowed(host, a) {
			return nil
		}
		if err := CheckAddr(a); err != nil {
			return &Blocked{Target: hostport, Reason: err.Error()}
		}
		return nil
	}
	name := strings.TrimSuffix(host, ".")
	if c.allowed(name, netip.Addr{}) {
		return nil
	}
	if metadataNames[name] {
		return &Blocked{Target: hostport, Reason: "cloud metadata service name"}
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") || strings.HasSuffix(name, ".local") || strings.HasSuffix(name, ".internal") {
		return &Blocked{Target: hostport, Reason: "a name of this machine or its local network"}
	}
	if c.Resolver == nil {
		return nil
	}
	addrs, err := c.Resolver.LookupNetIP(ctx, "ip", name)
	if err != nil {
		// Unresolvable: refused (a check that cannot run denies).
		return &Blocked{Target: hostport, Reason: "cannot resolve " + name + ": " + err.Error()}
	}
	for _, a := range addrs {
		if c.allowed(name, a) {
			continue
		}
		if err := CheckAddr(a); err != nil {
			return &Blocked{Target: hostport, Reason: "resolves to " + err.Error()}
		}
	}
	return nil
}

// allowedSchemes are the URL schemes a tool may be pointed at.
var allowedSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true}

// CheckURL refuses a URL that is malformed, uses another scheme (file,
// gopher, dict ...), carries credentials, or names a host CheckHost
// refuses.
func (c *Checker) CheckURL(ctx context.Context, raw string) error {
	s := strings.TrimSpace(raw)
	if strings.ContainsAny(s, "\\\t\r\n") || strings.ContainsRune(s, 0) {
		return &Blocked{Target: raw, Reason: "malformed URL (backslash or control character)"}
	}
	u, err := url.Parse(s)
	if err != nil {
		return &Blocked{Target: raw, Reason: "malformed URL: " + err.Error()}
	}
	scheme := strings.ToLower(u.Scheme)
	if !allowedSchemes[scheme] {
		return &Blocked{Target: raw, Reason: fmt.Sprintf("scheme %q is not allowed (http, https, ws, wss)", u.Scheme)}
	}
	if u.User != nil {
		return &Blocked{Target: raw, Reason: "credentials in the URL (userinfo) are refused"}
	}
	if u.Host == "" {
		return &Blocked{Target: raw, Reason: "no host"}
	}
	if err := c.CheckHost(ctx, u.Host); err != nil {
		var b *Blocked
		if errors.As(err, &b) {
			b.Target = raw
		}
		return err
	}
	return nil
}

// hostOf is the host of a URL as url.Parse sees it ("" if none).
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	h := u.Hostname()
	if dec, err := url.PathUnescape(h); err == nil {
		h = dec
	}
	return h
}
