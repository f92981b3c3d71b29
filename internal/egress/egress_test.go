package egress

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/ssrf"
)

func TestParseRule(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		bad  bool
	}{
		{in: "api.github.com:443", want: "api.github.com:443"},
		{in: "api.github.com", want: "api.github.com:443"},
		{in: "API.GitHub.com.:8443", want: "api.github.com:8443"},
		{in: "*.example.com", want: "*.example.com:443"},
		{in: "*.example.com:80", want: "*.example.com:80"},
		{in: "127.0.0.1:8080", want: "127.0.0.1:8080"},
		{in: "[::1]:8080", want: "[::1]:8080"},
		{in: "", bad: true},
		{in: "host:0", bad: true},
		{in: "host:99999", bad: true},
		{in: "host:http", bad: true},
		{in: "*.com", bad: true},
		{in: "*.127.0.0.1", bad: true},
		{in: "http://x.com", bad: true},
		{in: "a b.com", bad: true},
		{in: "*", bad: true},
	} {
		r, err := ParseRule(c.in)
		if (err != nil) != c.bad {
			t.Errorf("ParseRule(%q) err = %v, bad = %v", c.in, err, c.bad)
			continue
		}
		if !c.bad && r.String() != c.want {
			t.Errorf("ParseRule(%q) = %s, want %s", c.in, r, c.want)
		}
	}
}

func TestAllowed(t *testing.T) {
	rules, err := ParseRules([]string{"api.github.com:443", "*.example.com", "plain.test:80", "10.0.0.5:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host string
		port int
		ok   bool
	}{
		{"api.github.com", 443, true},
		{"API.GITHUB.COM.", 443, true},
		{"api.github.com", 80, false},
		{"github.com", 443, false},
		{"evil-api.github.com", 443, false},
		{"api.github.com.evil.com", 443, false},
		{"a.example.com", 443, true},
		{"a.b.example.com", 443, true},
		{"example.com", 443, false}, // the wildcard is for names below
		{"a.example.com", 80, false},
		{"plain.test", 80, true},
		{"plain.test", 443, false},
		{"10.0.0.5", 8080, true},
		{"attacker.example.net", 443, false},
	} {
		if got := Allowed(rules, c.host, c.port); got != c.ok {
			t.Errorf("Allowed(%s:%d) = %v, want %v", c.host, c.port, got, c.ok)
		}
	}
}

// names resolves test names to loopback (a stub for names only; the
// dialing and the address checks are real).
type names map[string]string

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, fmt.Errorf("no such host %s", host)
}

type recorder struct {
	mu  sync.Mutex
	evs []Event
}

func (r *recorder) add(e Event) { r.mu.Lock(); r.evs = append(r.evs, e); r.mu.Unlock() }
func (r *recorder) wait(t *testing.T, n int) []Event {
	t.Helper()
	for i := 0; i < 200; i++ {
		r.mu.Lock()
		if len(r.evs) >= n {
			out := append([]Event(nil), r.evs...)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d events", n)
	return nil
}

// startProxy serves one endpoint with rules; returns the proxy URL.
func startProxy(t *testing.T, rules []string, allowHosts []string, res names, attr *Attribution) (*url.URL, *recorder) {
	t.Helper()
	rs, err := ParseRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	p := &Proxy{Checker: &ssrf.Checker{Resolver: res, AllowHosts: allowHosts}, Resolver: res, OnEvent: rec.add,
		Attribute: func(string) (Attribution, bool) {
			if attr == nil {
				return Attribution{}, false
			}
			return *attr, true
		}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Serve("srv", rs, ln)
	t.Cleanup(p.Close)
	u, _ := url.Parse("http://" + ln.Addr().String())
	return u, rec
}

func TestProxy(t *testing.T) {
	var gotID string
	var mu sync.Mutex
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotID = r.Header.Get("X-Request-ID")
		mu.Unlock()
		io.WriteString(w, "hello from backend")
	}))
	defer backend.Close()
	tlsBackend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls hello") }))
	defer tlsBackend.Close()
	_, bport, _ := net.SplitHostPort(strings.TrimPrefix(backend.URL, "http://"))
	_, tport, _ := net.SplitHostPort(strings.TrimPrefix(tlsBackend.URL, "https://"))
	res := names{"allowed.test": "127.0.0.1", "rebind.test": "169.254.169.254", "attacker.test": "127.0.0.1"}
	attr := &Attribution{SessionID: "sess-1", CorrelationID: "c-123"}
	purl, rec := startProxy(t, []string{"allowed.test:" + bport, "allowed.test:" + tport, "rebind.test:" + bport, "127.0.0.1:" + bport},
		[]string{"127.0.0.1"}, res, attr)
	client := func(tls bool) *http.Client {
		tr := &http.Transport{Proxy: http.ProxyURL(purl)}
		if tls {
			tr.TLSClientConfig = tlsBackend.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
			tr.TLSClientConfig.ServerName = "example.com"
		}
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}

	// Plain HTTP to an allowed host: forwarded, correlation id injected.
	resp, err := client(false).Get("http://allowed.test:" + bport + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello from backend" {
		t.Fatalf("plain: %d %s", resp.StatusCode, b)
	}
	mu.Lock()
	if gotID != "c-123" {
		t.Errorf("X-Request-ID = %q", gotID)
	}
	mu.Unlock()
	evs := rec.wait(t, 1)
	if e := evs[0]; e.Decision != Allow || e.Destination != "allowed.test:"+bport || e.BytesIn == 0 || e.CorrelationID != "c-123" || e.SessionID != "sess-1" {
		t.Errorf("plain event: %+v", e)
	}

	// CONNECT (HTTPS) to an allowed host; its event comes when the
	// tunnel closes (bytes and duration).
	tc := client(true)
	resp, err = tc.Get("https://allowed.test:" + tport + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "tls hello" {
		t.Fatalf("connect: %s", b)
	}
	tc.CloseIdleConnections()
	evs = rec.wait(t, 2)
	if e := evs[1]; e.Decision != Allow || e.Method != "CONNECT" || e.BytesIn == 0 || e.BytesOut == 0 {
		t.Errorf("connect event: %+v", e)
	}

	// Refused: not listed (a listening host, so only the allowlist stops it).
	for i, u := range []string{"http://attacker.test:" + bport + "/steal", "https://attacker.test:" + bport + "/"} {
		resp, err = client(strings.HasPrefix(u, "https")).Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d", u, resp.StatusCode)
			}
		}
		evs = rec.wait(t, 3+i)
		if e := evs[2+i]; e.Decision != Deny || !strings.Contains(e.Reason, "allowlist") {
			t.Errorf("refused event: %+v", e)
		}
	}

	// Refused: listed, but resolves to a metadata address.
	resp, err = client(false).Get("http://rebind.test:" + bport + "/")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("rebind: status %d", resp.StatusCode)
		}
	}
	evs = rec.wait(t, 5)
	if e := evs[4]; e.Decision != Deny || !strings.Contains(e.Reason, "link-local") {
		t.Errorf("metadata event: %+v", e)
	}
}

// Loopback is refused unless opened (policy.ssrf.allow_hosts).
func TestProxyRefusesLoopbackByDefault(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	purl, rec := startProxy(t, []string{"127.0.0.1:" + port}, nil, names{}, nil)
	c, err := net.Dial("tcp", purl.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "CONNECT 127.0.0.1:%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n", port, port)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status: %v %v", resp, err)
	}
	if e := rec.wait(t, 1)[0]; e.Decision != Deny || !strings.Contains(e.Reason, "loopback") || e.SessionID != "" {
		t.Errorf("event: %+v", e)
	}
}

func BenchmarkProxyConnect(b *testing.B) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer backend.Close()
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() { buf := make([]byte, 1); c.Read(buf); c.Write(buf); c.Close() }()
		}
	}()
	addr := backend.Addr().String()
	rs, _ := ParseRules([]string{addr})
	p := &Proxy{Checker: &ssrf.Checker{AllowHosts: []string{"127.0.0.1"}}}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	p.Serve("srv", rs, ln)
	defer p.Close()
	roundTrip := func(viaProxy bool) {
		target := addr
		if viaProxy {
			target = ln.Addr().String()
		}
		c, err := net.Dial("tcp", target)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		if viaProxy {
			fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", addr, addr)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(resp, err)
			}
		}
		c.Write([]byte{'x'})
		if _, err := br.ReadByte(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("direct", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			roundTrip(false)
		}
	})
	b.Run("via-proxy", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			roundTrip(true)
		}
	})
}
