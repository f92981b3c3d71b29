package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Control refuses, at connect time, a socket to an address CheckAddr
// refuses (unless allowed): the check runs on the address actually dialed,
// after name resolution, so a name that resolved to a public address for a
// check and to a private one for the connection (DNS rebinding) is still
// refused.
func (c *Checker) Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("ssrf: dialing %q: not an address", address)
	}
	if c.allowed("", a) {
		return nil
	}
	if err := CheckAddr(a); err != nil {
		return &Blocked{Target: address, Reason: err.Error()}
	}
	return nil
}

// HTTPClient is an HTTP client for URLs the gateway did not choose (learned
// from an upstream or a client): its dialer refuses blocked addresses at
// connect time, every redirect is checked, and at most 5 are followed.
func (c *Checker) HTTPClient(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: c.Control}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, ForceAttemptHTTP2: true,
		MaxIdleConns: 16, IdleConnTimeout: 60 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return c.CheckURL(context.Background(), req.URL.String())
	}}
}
