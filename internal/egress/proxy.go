package egress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/ssrf"
)

// Decisions in events.
const (
	Allow = "allow"
	Deny  = "deny"
)

// Event is one connection (a CONNECT tunnel or a plain HTTP request),
// allowed or refused.
type Event struct {
	Server        string
	Method        string // "CONNECT" or the HTTP method
	Destination   string // host:port as asked
	Address       string // the address dialed (allowed connections)
	Decision      string // Allow or Deny
	Reason        string
	Status        int   // HTTP status given to the server
	BytesOut      int64 // server → destination
	BytesIn       int64 // destination → server
	Duration      time.Duration
	SessionID     string // "" when the gateway could not tell
	CorrelationID string
	Err           string // how an allowed connection failed, if it did
}

// Attribution names the call that caused a connection.
type Attribution struct {
	SessionID, CorrelationID string
}

// Proxy serves the endpoints of every server with an allowlist.
type Proxy struct {
	// Checker refuses loopback, private, link-local and metadata
	// addresses (its AllowHosts open specific ones).
	Checker *ssrf.Checker
	// Resolver looks names up. Default net.DefaultResolver.
	Resolver ssrf.Resolver
	// OnEvent receives every event (must not block for long).
	OnEvent func(Event)
	// Attribute names the call in flight for a server, if exactly one is.
	Attribute func(server string) (Attribution, bool)
	// DialTimeout bounds connecting to a destination. Default 10s.
	DialTimeout time.Duration
	// IdleTimeout ends a tunnel without traffic either way. Default 10m.
	IdleTimeout time.Duration

	mu     sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Serve accepts connections of server on ln (until Close) and applies
// rules to them. It returns at once.
func (p *Proxy) Serve(server string, rules []Rule, ln net.Listener) {
	p.mu.Lock()
	if p.conns == nil {
		p.conns = map[net.Conn]struct{}{}
	}
	p.lns = append(p.lns, ln)
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				return
			}
			if !p.track(c, true) {
				c.Close()
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer p.track(c, false)
				defer c.Close()
				p.handle(server, rules, c)
			}()
		}
	}()
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.closed {
			return false
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

// Close stops every endpoint and ends open connections.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for _, ln := range p.lns {
		ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// maxHeader bounds a request head from a sandboxed server.
const maxHeader = 64 << 10

// handle serves one client connection: requests one after another until
// a CONNECT takes it over or it closes.
func (p *Proxy) handle(server string, rules []Rule, c net.Conn) {
	lr := &headLimit{r: c}
	br := bufio.NewReaderSize(lr, 16<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(p.idle()))
		lr.n = maxHeader
		req, err := http.ReadRequest(br)
		lr.n = -1
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				var ne net.Error
				if !errors.As(err, &ne) {
					writeStatus(c, http.StatusBadRequest, "malformed request: "+err.Error())
				}
			}
			return
		}
		_ = c.SetReadDeadline(time.Time{})
		if req.Method == http.MethodConnect {
			p.connect(server, rules, c, br, req)
			return
		}
		if !p.plain(server, rules, c, req) {
			return
		}
	}
}

// headLimit bounds what a request head may read (n >= 0); n < 0: no
// bound (bodies and tunnels).
type headLimit struct {
	r io.Reader
	n int64
}

func (h *headLimit) Read(b []byte) (int, error) {
	if h.n == 0 {
		return 0, errors.New("request head too large")
	}
	if h.n > 0 && int64(len(b)) > h.n {
		b = b[:h.n]
	}
	n, err := h.r.Read(b)
	if h.n > 0 {
		h.n -= int64(n)
	}
	return n, err
}

func (p *Proxy) idle() time.Duration {
	if p.IdleTimeout > 0 {
		return p.IdleTimeout
	}
	return 10 * time.Minute
}

func (p *Proxy) dialTimeout() time.Duration {
	if p.DialTimeout > 0 {
		return p.DialTimeout
	}
	return 10 * time.Second
}

// decide checks host:port against the allowlist and the SSRF checker and
// dials it. On refusal it returns the reason and an HTTP status.
func (p *Proxy) decide(ctx context.Context, rules []Rule, host string, port int) (net.Conn, string, int) {
	if !Allowed(rules, host, port) {
		return nil, "not in the server's egress allowlist", http.StatusForbidden
	}
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	if err := p.Checker.CheckHost(ctx, hp); err != nil {
		return nil, err.Error(), http.StatusForbidden
	}
	// Resolve once and dial the addresses found; the dialer checks each
	// address it actually connects to (no second lookup to rebind).
	var addrs []netip.Addr
	if a, ok := ssrf.ParseIP(host); ok {
		addrs = []netip.Addr{a}
	} else {
		r := p.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		var err error
		if addrs, err = r.LookupNetIP(ctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, fmt.Sprintf("cannot resolve %s: %v", host, err), http.StatusBadGateway
		}
	}
	d := &net.Dialer{Timeout: p.dialTimeout(), Control: p.Checker.Control}
	var last error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(a.Unmap(), uint16(port)).String())
		if err == nil {
			return c, "", 0
		}
		last = err
		var b *ssrf.Blocked
		if errors.As(err, &b) {
			return nil, b.Error(), http.StatusForbidden
		}
	}
	return nil, fmt.Sprintf("connecting to %s: %v", hp, last), http.StatusBadGateway
}

// connect serves a CONNECT: a tunnel to an allowed destination.
func (p *Proxy) connect(server string, rules []Rule, c net.Conn, br *bufio.Reader, req *http.Request) {
	start := time.Now()
	ev := Event{Server: server, Method: http.MethodConnect, Destination: req.Host}
	p.attribute(&ev)
	host, port, err := splitHostPort(req.Host, 0)
	if err != nil {
		ev.Decision, ev.Reason, ev.Status = Deny, err.Error(), http.StatusBadRequest
		writeStatus(c, ev.Status, ev.Reason)
		p.emit(ev, start)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.dialTimeout()+5*time.Second)
	up, reason, status := p.decide(ctx, rules, host, port)
	cancel()
	if up == nil {
		ev.Decision, ev.Reason, ev.Status = Deny, reason, status
		writeStatus(c, status, reason)
		p.emit(ev, start)
		return
	}
	defer up.Close()
	ev.Decision, ev.Status, ev.Address = Allow, http.StatusOK, up.RemoteAddr().String()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		ev.Err = err.Error()
		p.emit(ev, start)
		return
	}
	// Bytes the client sent after the head belong to the tunnel.
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		w, err := up.Write(b)
		ev.BytesOut += int64(w)
		if err != nil {
			ev.Err = err.Error()
			p.emit(ev, start)
			return
		}
		_, _ = br.Discard(n)
	}
	out, in := pipeIdle(c, up, p.idle())
	ev.BytesOut += out
	ev.BytesIn = in
	p.emit(ev, start)
}

// hopHeaders are not forwarded (RFC 9110 7.6.1, and proxy credentials).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// plain forwards one absolute-URI HTTP request; it reports whether the
// client connection may carry another request.
func (p *Proxy) plain(server string, rules []Rule, c net.Conn, req *http.Request) bool {
	start := time.Now()
	ev := Event{Server: server, Method: req.Method}
	p.attribute(&ev)
	if req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" {
		ev.Decision, ev.Reason, ev.Status = Deny, "only CONNECT or absolute http:// URIs are proxied", http.StatusBadRequest
		ev.Destination = req.Host
		writeStatus(c, ev.Status, ev.Reason)
		p.emit(ev, start)
		return false
	}
	host, port, err := splitHostPort(req.URL.Host, 80)
	ev.Destination = net.JoinHostPort(host, strconv.Itoa(port))
	if err != nil {
		ev.Decision, ev.Reason, ev.Status = Deny, err.Error(), http.StatusBadRequest
		writeStatus(c, ev.Status, ev.Reason)
		p.emit(ev, start)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.dialTimeout()+5*time.Second)
	up, reason, status := p.decide(ctx, rules, host, port)
	cancel()
	if up == nil {
		ev.Decision, ev.Reason, ev.Status = Deny, reason, status
		writeStatus(c, status, reason)
		p.emit(ev, start)
		return false
	}
	defer up.Close()
	ev.Decision, ev.Address = Allow, up.RemoteAddr().String()
	out := req.Clone(context.Background())
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.Close = true
	if ev.CorrelationID != "" {
		out.Header.Set("X-Request-ID", ev.CorrelationID)
	}
	_ = up.SetDeadline(time.Now().Add(p.idle()))
	cw := &countWriter{w: up}
	if err := out.Write(cw); err != nil {
		ev.Err, ev.Status = err.Error(), http.StatusBadGateway
		writeStatus(c, ev.Status, "writing the request: "+err.Error())
		ev.BytesOut = cw.n
		p.emit(ev, start)
		return false
	}
	ev.BytesOut = cw.n
	resp, err := http.ReadResponse(bufio.NewReader(up), out)
	if err != nil {
		ev.Err, ev.Status = err.Error(), http.StatusBadGateway
		writeStatus(c, ev.Status, "reading the response: "+err.Error())
		p.emit(ev, start)
		return false
	}
	defer resp.Body.Close()
	ev.Status = resp.StatusCode
	resp.Close = true
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	rc := &countReader{r: resp.Body}
	resp.Body = rc
	resp.ContentLength = -1
	if err := resp.Write(c); err != nil {
		ev.Err = err.Error()
	}
	ev.BytesIn = rc.n
	p.emit(ev, start)
	return false
}

func (p *Proxy) attribute(ev *Event) {
	if p.Attribute == nil {
		return
	}
	if a, ok := p.Attribute(ev.Server); ok {
		ev.SessionID, ev.CorrelationID = a.SessionID, a.CorrelationID
	}
}

func (p *Proxy) emit(ev Event, start time.Time) {
	ev.Duration = time.Since(start)
	if p.OnEvent != nil {
		p.OnEvent(ev)
	}
}

// splitHostPort reads "host:port" (or "host" with def > 0).
func splitHostPort(hp string, def int) (string, int, error) {
	h, ps, err := net.SplitHostPort(hp)
	if err != nil {
		if def == 0 || strings.Count(hp, ":") == 1 {
			return "", 0, fmt.Errorf("bad destination %q: need host:port", hp)
		}
		return strings.Trim(hp, "[]"), def, nil
	}
	n, err := strconv.Atoi(ps)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", hp)
	}
	if h == "" {
		return "", 0, fmt.Errorf("bad destination %q: no host", hp)
	}
	return h, n, nil
}

func writeStatus(c net.Conn, status int, reason string) {
	body := "mcpwarden egress: " + reason + "\n"
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

type countReader struct {
	r io.ReadCloser
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func (c *countReader) Close() error { return c.r.Close() }

// pipeIdle copies both ways (a→b counted as out, b→a as in) until both
// are done or nothing moved for idle.
func pipeIdle(a, b net.Conn, idle time.Duration) (out, in int64) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(idle / 4)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if time.Since(time.Unix(0, last.Load())) > idle {
					a.Close()
					b.Close()
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		in = copyTouch(a, b, &last)
		closeWrite(a)
	}()
	out = copyTouch(b, a, &last)
	closeWrite(b)
	wg.Wait()
	close(done)
	return out, in
}

func copyTouch(dst io.Writer, src io.Reader, last *atomic.Int64) int64 {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		r, err := src.Read(buf)
		if r > 0 {
			last.Store(time.Now().UnixNano())
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n
			}
		}
		if err != nil {
			return n
		}
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
