package ssrf

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// stubResolver answers for the public names in these tests, which the
// real resolver would look up beyond this machine (tests must not).
type stubResolver map[string][]string

func (s stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := s[host]
	if !ok {
		return nil, errors.New("no such host (test resolver)")
	}
	var out []netip.Addr
	for _, ip := range ips {
		out = append(out, netip.MustParseAddr(ip))
	}
	return out, nil
}

var resolver = stubResolver{
	"example.com":            {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"api.github.com":         {"140.82.121.6"},
	"www.wikipedia.org":      {"185.15.59.224"},
	"rebind.attacker.test":   {"93.184.215.14", "127.0.0.1"},
	"internal.corp.test":     {"10.20.30.40"},
	"metadata.attacker.test": {"169.254.169.254"},
	"v6only.test":            {"fd00:ec2::254"},
	"cgnat.test":             {"100.100.100.200"},
	"allowed.corp.test":      {"10.1.2.3"},
}

func TestBlockedSpellings(t *testing.T) {
	c := &Checker{Resolver: resolver}
	blocked := []string{
		"http://127.0.0.1/",
		"http://127.1/",
		"http://127.0.1/",
		"http://2130706433/",
		"http://0x7f000001/",
		"http://0x7f.0x0.0x0.0x1/",
		"http://0177.0.0.1/",
		"http://0177.1/",
		"http://017700000001/",
		"http://127.000.000.001/",
		"http://[::1]/",
		"http://[0:0:0:0:0:0:0:1]/",
		"http://[::ffff:127.0.0.1]/",
		"http://[::ffff:7f00:1]/",
		"http://[::127.0.0.1]/",
		"http://[64:ff9b::127.0.0.1]/",
		"http://[2002:7f00:1::]/",
		"http://localhost/",
		"http://LOCALHOST./",
		"http://app.localhost/",
		"http://0.0.0.0/",
		"http://0/",
		"http://[::]/",
		"http://10.0.0.1/",
		"http://10.255.255.255:8080/admin",
		"http://172.16.0.1/",
		"http://172.31.255.254/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://169.254.169.254.:80/",
		"http://0xa9fea9fe/",
		"http://2852039166/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://[fe80::1%25eth0]/",
		"http://[fc00::1]/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://metadata/",
		"http://good.com@10.0.0.1/",
		"http://user:pass@example.com/",
		"http://%31%32%37.0.0.1/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://rebind.attacker.test/",
		"http://internal.corp.test/",
		"http://metadata.attacker.test/",
		"http://v6only.test/",
		"http://cgnat.test/",
		"http://nosuchname.test/",
		"file:///etc/passwd",
		"gopher://127.0.0.1:70/_x",
		"dict://127.0.0.1:11211/stat",
		"ftp://example.com/x",
		"http:\\\\127.0.0.1\\",
		"http://example.com\t@127.0.0.1/",
		"//127.0.0.1/",
		"http:///",
	}
	for _, u := range blocked {
		if err := c.CheckURL(context.Background(), u); err == nil {
			t.Errorf("%s: not blocked", u)
		}
	}
	if len(blocked) < 40 {
		t.Fatalf("only %d spellings", len(blocked))
	}
	public := []string{
		"https://example.com/",
		"http://example.com:8080/path?q=1#frag",
		"https://api.github.com/repos/x/y",
		"https://www.wikipedia.org/",
		"wss://example.com/socket",
		"http://93.184.215.14/",
		"http://8.8.8.8/",
		"https://1.1.1.1/dns-query",
		"http://[2606:4700:4700::1111]/",
		"HTTPS://EXAMPLE.COM./",
		"http://140.82.121.6/",
	}
	for _, u := range public {
		if err := c.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s: blocked: %v", u, err)
		}
	}
}

func TestAllowHosts(t *testing.T) {
	c := &Checker{Resolver: resolver, AllowHosts: []string{"allowed.corp.test", "10.9.0.0/16", "192.168.7.7"}}
	for _, u := range []string{"http://allowed.corp.test/", "http://10.9.1.2/", "http://192.168.7.7:8080/"} {
		if err := c.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	// The allowlist opens exactly what it names.
	for _, u := range []string{"http://internal.corp.test/", "http://10.8.1.2/", "http://192.168.7.8/"} {
		if err := c.CheckURL(context.Background(), u); err == nil {
			t.Errorf("%s: allowed", u)
		}
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.1/", "http://[::ffff:10.0.0.1]:80/", "http://0x7f.1/", "https://example.com/", "http://%31%32%37.1/"} {
		f.Add(s)
	}
	c := &Checker{Resolver: resolver}
	f.Fuzz(func(t *testing.T, s string) {
		err := c.CheckURL(context.Background(), s)
		// Whatever the spelling, an accepted URL's host never parses to a
		// blocked address.
		if err == nil {
			if a, ok := ParseIP(hostOf(s)); ok && CheckAddr(a) != nil {
				t.Fatalf("%q accepted but its host %v is blocked", s, a)
			}
		}
	})
}

// The dialer refuses a connection to a loopback address even when the
// name's check passed (DNS rebinding), and allows it when allowed.
func TestDialerRefusesBlockedAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }),
		ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	c := &Checker{}
	if _, err := c.HTTPClient(5 * time.Second).Get("http://" + ln.Addr().String() + "/"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("connection to loopback: %v", err)
	}
	open := &Checker{AllowHosts: []string{"127.0.0.1"}}
	resp, err := open.HTTPClient(5 * time.Second).Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatalf("allowed host: %v", err)
	}
	resp.Body.Close()
}
