package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// SSEDialer connects to a server speaking the HTTP+SSE transport of MCP
// 2024-11-05: a GET event stream whose first event names the endpoint that
// messages are POSTed to.
type SSEDialer struct {
	URL     string
	Headers http.Header
	// HeaderFunc, if set, gives the headers for each request instead of
	// Headers.
	HeaderFunc func() http.Header
	Opts       Options

	clientOnce sync.Once
	client     *http.Client
}

// httpClient is shared by every session of this upstream (pooled
// connections, none left behind when a session ends).
func (d *SSEDialer) httpClient() *http.Client {
	d.clientOnce.Do(func() {
		d.client = d.Opts.HTTPClient
		if d.client == nil {
			d.client = defaultHTTPClient(d.Opts.TLS)
		}
	})
	return d.client
}

// Kind implements Dialer.
func (d *SSEDialer) Kind() string { return "sse" }

// Dial opens the event stream and waits for the endpoint event.
func (d *SSEDialer) Dial(ctx context.Context, h Handler) (Conn, error) {
	client := d.httpClient()
	bg, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(bg, http.MethodGet, d.URL, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	for k, vs := range headersOf(d.HeaderFunc, d.Headers) {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "text/event-stream")
	stopDial := context.AfterFunc(ctx, cancel)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("sse %s: %w", d.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("sse %s: %w", d.URL, statusError(resp.StatusCode, b))
	}
	r := newSSEReader(resp.Body, d.Opts.maxMsg())
	var endpoint *url.URL
	for endpoint == nil {
		ev, err := r.Next()
		if err != nil {
			resp.Body.Close()
			cancel()
			return nil, fmt.Errorf("sse %s: no endpoint event: %w", d.URL, err)
		}
		if ev.Event == "endpoint" {
			base, _ := url.Parse(d.URL)
			u, err := base.Parse(string(bytes.TrimSpace(ev.Data)))
			if err != nil {
				resp.Body.Close()
				cancel()
				return nil, fmt.Errorf("sse %s: bad endpoint %q", d.URL, ev.Data)
			}
			// The endpoint must be on the same origin: an upstream must not
			// redirect the gateway's credentials elsewhere.
			if u.Scheme != base.Scheme || u.Host != base.Host {
				resp.Body.Close()
				cancel()
				return nil, fmt.Errorf("sse %s: endpoint %q is on another origin", d.URL, u)
			}
			endpoint = u
		}
	}
	if !stopDial() {
		resp.Body.Close()
		cancel()
		return nil, ctx.Err()
	}
	c := &sseConn{d: d, h: h, client: client, endpoint: endpoint.String(), bg: bg, cancel: cancel, done: make(chan struct{}), pending: map[string]struct{}{}}
	go c.readLoop(r, resp.Body)
	return c, nil
}

type sseConn struct {
	d        *SSEDialer
	h        Handler
	client   *http.Client
	endpoint string
	bg       context.Context
	cancel   context.CancelFunc

	mu      sync.Mutex
	pending map[string]struct{}
	err     error
	done    chan struct{}
}

func (c *sseConn) Info() string { return "sse " + c.d.URL }

func (c *sseConn) Done() <-chan struct{} { return c.done }

func (c *sseConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *sseConn) readLoop(r *sseReader, body io.ReadCloser) {
	defer body.Close()
	var err error
	for {
		var ev *sseEvent
		ev, err = r.Next()
		if err != nil {
			break
		}
		if len(ev.Data) == 0 || (ev.Event != "" && ev.Event != "message") {
			continue
		}
		msg := c.d.Opts.parse(ev.Data)
		if msg == nil {
			continue
		}
		if msg.Kind == jsonrpc.KindResponse {
			c.mu.Lock()
			delete(c.pending, string(msg.ID))
			c.mu.Unlock()
		}
		c.h(msg, nil)
	}
	if errors.Is(err, io.EOF) || err == nil {
		err = errors.New("event stream closed")
	}
	c.die(fmt.Errorf("sse %s: %w", c.d.URL, err))
}

func (c *sseConn) die(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	ids := make([]string, 0, len(c.pending))
	for id := range c.pending {
		ids = append(ids, id)
	}
	c.pending = nil
	close(c.done)
	c.cancel()
	c.mu.Unlock()
	for _, id := range ids {
		c.h(errorResponse([]byte(id), jsonrpc.CodeUpstreamUnavailable, "upstream "+err.Error()), nil)
	}
}

func (c *sseConn) Send(ctx context.Context, m *Outgoing) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return ErrClosed
	}
	if m.ID != nil {
		c.pending[string(m.ID)] = struct{}{}
	}
	c.mu.Unlock()
	err := c.post(m)
	if err != nil && m.ID != nil {
		c.mu.Lock()
		_, still := c.pending[string(m.ID)]
		delete(c.pending, string(m.ID))
		c.mu.Unlock()
		if still {
			c.h(errorResponse(m.ID, errorCodeFor(err), "upstream "+c.d.URL+": "+err.Error()), nil)
		}
		return nil
	}
	return err
}

func (c *sseConn) post(m *Outgoing) error {
	ctx, cancel := context.WithTimeout(c.bg, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(m.Body))
	if err != nil {
		return err
	}
	for k, vs := range headersOf(c.d.HeaderFunc, c.d.Headers) {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	if m.RequestID != "" {
		req.Header.Set("X-Request-ID", m.RequestID)
	}
	for k, v := range m.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(resp.StatusCode, b)
	}
	return nil
}

func (c *sseConn) Close() error {
	c.die(ErrClosed)
	return nil
}
