package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// StreamableDialer connects to a Streamable HTTP server (MCP 2025-03-26 and
// later). Each Dial is a new MCP session; the session id is learned from the
// initialize response.
type StreamableDialer struct {
	URL string
	// Headers are sent on every request (credentials resolved already).
	Headers http.Header
	// HeaderFunc, if set, gives the headers for each request instead of
	// Headers (a rotated credential is used from the next request on).
	HeaderFunc func() http.Header
	// Credentials, if set, give each session its owner's bearer token
	// (overriding an Authorization header in Headers).
	Credentials Credentials
	Opts        Options
	// Protocol is the MCP revision spoken: "" for the session revisions
	// (initialize, Mcp-Session-Id, the GET stream, resumption), or
	// protocol.Modern (2026-07-28: stateless; each message carries
	// MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* computed
	// from its body; no session id, no GET stream, no DELETE, no
	// Last-Event-ID resumption; closing a request's stream cancels it).
	Protocol string

	clientOnce sync.Once
	client     *http.Client
	grace      time.Duration // expiredGrace, unless a test sets it
	drainWait  time.Duration // drainWait, unless a test sets it
}

// httpClient is shared by every session of this upstream, so connections
// are pooled across sessions and none is left behind when a session ends.
func (d *StreamableDialer) httpClient() *http.Client {
	d.clientOnce.Do(func() {
		d.client = d.Opts.HTTPClient
		if d.client == nil {
			d.client = defaultHTTPClient(d.Opts.TLS)
		}
	})
	return d.client
}

// Kind implements Dialer.
func (d *StreamableDialer) Kind() string { return "streamable-http" }

// Dial returns a connection in the dialer's Protocol; nothing is sent
// until the first message.
func (d *StreamableDialer) Dial(ctx context.Context, h Handler) (Conn, error) {
	return d.DialProtocol(ctx, h, d.Protocol)
}

// DialProtocol returns a connection speaking revision p ("" or
// protocol.Modern), whatever the dialer's Protocol: the gateway probes an
// upstream in the modern revision and falls back to a session.
func (d *StreamableDialer) DialProtocol(ctx context.Context, h Handler, p string) (Conn, error) {
	if p != "" && p != protocol.Modern {
		return nil, fmt.Errorf("streamable-http: protocol %q is not one a connection can be dialed in", p)
	}
	bg, cancel := context.WithCancel(context.Background())
	return &streamConn{d: d, h: h, client: d.httpClient(), done: make(chan struct{}), bg: bg, cancel: cancel, owner: OwnerFrom(ctx), modern: p == protocol.Modern}, nil
}

// expiredGrace is how long a POST still waiting for its status may go on
// once another request of the session found it expired (see Send).
const expiredGrace = time.Second

type streamConn struct {
	d      *StreamableDialer
	h      Handler
	client *http.Client
	bg     context.Context
	cancel context.CancelFunc
	owner  any  // for Credentials
	modern bool // 2026-07-28: stateless, headers per message

	mu         sync.Mutex
	sessionID  string
	protocol   string
	getStarted bool
	err        error
	done       chan struct{}
	closed     bool

	// posting counts the POSTs in flight; drained is closed when the
	// stream of the last answered call is read to its end (see
	// drainBehind).
	posting atomic.Int32
	drainMu sync.Mutex
	drained chan struct{}
}

func (c *streamConn) Info() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.modern {
		return fmt.Sprintf("streamable-http %s (%s, stateless)", c.d.URL, protocol.Modern)
	}
	return fmt.Sprintf("streamable-http %s session %q", c.d.URL, c.sessionID)
}

func (c *streamConn) Done() <-chan struct{} { return c.done }

func (c *streamConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *streamConn) die(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
		c.cancel()
	}
}

func (c *streamConn) newRequest(ctx context.Context, method string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.d.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range headersOf(c.d.HeaderFunc, c.d.Headers) {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if cr := c.d.Credentials; cr != nil {
		tok, err := cr.Token(ctx, c.owner)
		if err != nil {
			return nil, err
		}
		req.Header.Del("Authorization")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	if c.modern {
		// Set per message from its body (post); nothing the
		// configuration or a client says stands in for them.
		for k := range req.Header {
			if strings.HasPrefix(strings.ToLower(k), "mcp-") {
				req.Header.Del(k)
			}
		}
		req.Header.Set(protocol.HeaderProtocolVersion, protocol.Modern)
		return req, nil
	}
	c.mu.Lock()
	if c.sessionID != "" {
		req.Header.Set("Mcp-Session-Id", c.sessionID)
	}
	if c.protocol != "" {
		req.Header.Set("MCP-Protocol-Version", c.protocol)
	}
	c.mu.Unlock()
	return req, nil
}

// Send posts one message and returns when it is answered: for a request,
// once the response (or a synthesized error response) went to the Handler,
// or ctx ended; for a notification or response, on 202.
func (c *streamConn) Send(ctx context.Context, m *Outgoing) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	if c.modern && m.ID == nil {
		// 2026-07-28 over HTTP has no client-to-server notifications
		// (cancellation is closing the request's stream) and no
		// server-to-client requests to respond to.
		return nil
	}
	if m.ID == nil {
		err := c.post(ctx, m, nil)
		if err == nil && m.Method == "notifications/initialized" {
			c.startGET()
		}
		return err
	}
	// A request is posted in the caller's goroutine, which has nothing to
	// do but wait for the response (no hand-off on the hot path); the
	// response and every message of its stream go through the Handler.
	// The POST lives as long as the caller's context (the call, bounded by
	// its timeout) and the connection.
	// It carries the caller's values (the user's token for credentials).
	//
	// When the session ends while the POST still waits for its status
	// (another request of the session, the GET stream under load, met the
	// upstream's 404 first), the POST is given expiredGrace to get it: a
	// 404 of its own says the upstream never acted on it, so the gateway
	// may send it again on a new session. A POST that has its status was
	// taken by the upstream and ends at once (-32011, never marked safe to
	// send again), as does one still without a status after the grace.
	pctx, pcancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, pcancel)
	var gotStatus atomic.Bool
	stopBG := context.AfterFunc(c.bg, func() {
		if gotStatus.Load() || !errors.Is(c.Err(), ErrSessionExpired) {
			pcancel()
			return
		}
		grace := c.d.grace
		if grace == 0 {
			grace = expiredGrace
		}
		t := time.AfterFunc(grace, pcancel)
		context.AfterFunc(pctx, func() { t.Stop() })
	})
	defer pcancel()
	defer stop()
	defer stopBG()
	onStatus := func() {
		gotStatus.Store(true)
		if c.bg.Err() != nil {
			pcancel()
		}
	}
	if err := c.post(pctx, m, onStatus); err != nil {
		if pctx.Err() != nil && c.bg.Err() == nil {
			return nil // the caller gave up; it no longer waits for a response
		}
		resp := errorResponse(m.ID, errorCodeFor(err), "upstream "+c.d.URL+": "+err.Error())
		if re, ok := AsRPCError(err); ok {
			// An error meant for the client (authorization required).
			resp = &jsonrpc.Message{Raw: jsonrpc.NewError(m.ID, re), Kind: jsonrpc.KindResponse, ID: m.ID, Error: re}
		} else if errors.Is(err, ErrSessionExpired) {
			// This POST itself got 404: the upstream did not act on it.
			e := NotDeliveredError(resp.Error.Code, resp.Error.Message)
			resp = &jsonrpc.Message{Raw: jsonrpc.NewError(m.ID, e), Kind: jsonrpc.KindResponse, ID: m.ID, Error: e}
		}
		c.h(resp, m.ID)
	}
	return nil
}

// post sends m and handles the reply. For a request, it returns nil only
// once the response was delivered. onStatus, if set, is called once the
// upstream's status is in, unless it is a 404.
func (c *streamConn) post(ctx context.Context, m *Outgoing, onStatus func()) error {
	// A call alone on the connection waits for the stream of the call
	// before it to end, so it reuses that connection rather than dialling
	// another.
	if c.posting.Add(1) == 1 {
		c.awaitDrain(ctx)
	}
	defer c.posting.Add(-1)
	// The request runs in ctx, except that a call answered does not cut
	// its stream off: the end of the stream is read behind the answer
	// (drainBehind), and the connection is reused.
	rctx, rcancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, rcancel)
	var rest io.ReadCloser // a response stream left to drain
	defer func() {
		if rest != nil && stop() {
			c.drainBehind(rest, rcancel)
			return
		}
		stop()
		rcancel()
		if rest != nil {
			rest.Close()
		}
	}()
	req, err := c.newRequest(rctx, http.MethodPost, m.Body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if m.RequestID != "" {
		req.Header.Set("X-Request-ID", m.RequestID)
	}
	for k, v := range m.Headers {
		req.Header.Set(k, v)
	}
	if c.modern {
		// Recomputed from the body being sent: the upstream's own tool
		// name and arguments.
		h, err := protocol.OutgoingHeaders(m.Body, m.Definition)
		if err != nil {
			return err
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		if rest == nil {
			resp.Body.Close()
		}
	}()
	if onStatus != nil && resp.StatusCode != http.StatusNotFound {
		onStatus()
	}
	if m.Method == "initialize" {
		if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
			c.mu.Lock()
			c.sessionID = sid
			c.mu.Unlock()
		}
	}
	switch {
	case resp.StatusCode == http.StatusAccepted:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		if m.ID != nil {
			return fmt.Errorf("HTTP 202 for a request")
		}
		return nil
	case resp.StatusCode == http.StatusNotFound && c.hasSession():
		c.die(ErrSessionExpired)
		return ErrSessionExpired
	case (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && c.d.Credentials != nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return c.d.Credentials.Refused(ctx, c.owner, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		// An error body that is a JSON-RPC response for this id is the
		// upstream's own answer: deliver it.
		if m.ID != nil {
			if msg := c.d.Opts.parse(body); msg != nil && msg.Kind == jsonrpc.KindResponse && bytes.Equal(msg.ID, m.ID) {
				c.h(msg, m.ID)
				return nil
			}
		}
		return statusError(resp.StatusCode, body)
	}
	if m.ID == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.d.Opts.maxMsg())+1))
		if err != nil {
			return err
		}
		if len(body) > c.d.Opts.maxMsg() {
			return fmt.Errorf("response larger than %d bytes", c.d.Opts.maxMsg())
		}
		msg := c.d.Opts.parse(body)
		if msg == nil {
			return fmt.Errorf("invalid JSON-RPC response")
		}
		c.learn(m, msg)
		c.h(msg, m.ID)
		return nil
	case "text/event-stream":
		rest, err = c.readStream(ctx, rctx, resp.Body, m)
		return err
	default:
		return fmt.Errorf("unexpected Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

func (c *streamConn) hasSession() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID != ""
}

// learn records the negotiated protocol version from an initialize result.
func (c *streamConn) learn(m *Outgoing, resp *jsonrpc.Message) {
	if m.Method != "initialize" || resp.Result == nil {
		return
	}
	if v, ok := jsonrpc.StringField(resp.Result, "protocolVersion"); ok {
		c.mu.Lock()
		c.protocol = v
		c.mu.Unlock()
	}
}

// readStream reads a POST's SSE stream until the response to m arrives,
// resuming with GET and Last-Event-ID if the server closes it early.
func (c *streamConn) readStream(ctx, rctx context.Context, body io.ReadCloser, m *Outgoing) (rest io.ReadCloser, err error) {
	lastID := ""
	retry := time.Second
	for attempt := 0; ; attempt++ {
		got, err := c.consume(body, m, &lastID, &retry)
		if got {
			// The response is delivered: the caller answers now, and the
			// rest of the stream (normally just its end, which the server
			// writes after the event) is read behind the call.
			return body, nil
		}
		body.Close()
		if lastID == "" || attempt >= 5 || c.modern {
			// 2026-07-28 has no resumption: a broken stream loses the
			// request (the caller may issue it again as a new one).
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("stream ended before the response")
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retry):
		}
		req, rerr := c.newRequest(rctx, http.MethodGet, nil)
		if rerr != nil {
			return nil, rerr
		}
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Last-Event-ID", lastID)
		resp, rerr := c.client.Do(req)
		if rerr != nil {
			return nil, rerr
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return nil, fmt.Errorf("resume stream: %w", statusError(resp.StatusCode, b))
		}
		body = resp.Body
	}
}

// consume reads events; it reports whether the response to m arrived.
func (c *streamConn) consume(body io.Reader, m *Outgoing, lastID *string, retry *time.Duration) (bool, error) {
	r := newPostSSEReader(body, c.d.Opts.maxMsg())
	defer r.close()
	for {
		ev, err := r.Next()
		if err != nil {
			return false, err
		}
		if ev.HasID {
			*lastID = ev.ID
		}
		if ev.Retry > 0 {
			*retry = ev.Retry
		}
		if len(ev.Data) == 0 || (ev.Event != "" && ev.Event != "message") {
			continue
		}
		msg := c.d.Opts.parse(ev.Data)
		if msg == nil {
			continue
		}
		if msg.Kind == jsonrpc.KindResponse && bytes.Equal(msg.ID, m.ID) {
			c.learn(m, msg)
			c.h(msg, m.ID)
			return true, nil
		}
		c.h(msg, m.ID)
	}
}

// startGET opens the standalone stream for server-initiated messages.
func (c *streamConn) startGET() {
	if c.modern {
		return // no standalone stream: subscriptions/listen instead
	}
	c.mu.Lock()
	if c.getStarted {
		c.mu.Unlock()
		return
	}
	c.getStarted = true
	c.mu.Unlock()
	go c.getLoop()
}

func (c *streamConn) getLoop() {
	lastID := ""
	retry := time.Second
	failures := 0
	for {
		if c.bg.Err() != nil {
			return
		}
		req, err := c.newRequest(c.bg, http.MethodGet, nil)
		if err != nil {
			return
		}
		req.Header.Set("Accept", "text/event-stream")
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := c.client.Do(req)
		switch {
		case err != nil:
		case resp.StatusCode == http.StatusMethodNotAllowed:
			resp.Body.Close()
			return // the server offers no standalone stream
		case resp.StatusCode == http.StatusNotFound && c.hasSession():
			resp.Body.Close()
			c.die(ErrSessionExpired)
			return
		case resp.StatusCode == http.StatusNotFound:
			// No session to have expired: a (stateless) server that has
			// no standalone stream here; like 405.
			resp.Body.Close()
			return
		case resp.StatusCode != http.StatusOK:
			resp.Body.Close()
		default:
			failures = 0
			r := newSSEReader(resp.Body, c.d.Opts.maxMsg())
			for {
				ev, err := r.Next()
				if err != nil {
					break
				}
				if ev.HasID {
					lastID = ev.ID
				}
				if ev.Retry > 0 {
					retry = ev.Retry
				}
				if len(ev.Data) == 0 || (ev.Event != "" && ev.Event != "message") {
					continue
				}
				if msg := c.d.Opts.parse(ev.Data); msg != nil {
					c.h(msg, nil)
				}
			}
			resp.Body.Close()
		}
		failures++
		wait := retry
		if failures > 1 {
			wait = min(retry*time.Duration(1<<min(failures, 5)), 30*time.Second)
		}
		select {
		case <-c.bg.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Close ends the session with DELETE.
func (c *streamConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	sid := c.sessionID
	c.mu.Unlock()
	if sid != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if req, err := c.newRequest(ctx, http.MethodDelete, nil); err == nil {
			if resp, err := c.client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
	c.die(ErrClosed)
	return nil
}

// drainWait is how long an answered call's response stream may stay open.
const drainWait = 100 * time.Millisecond

// drainBehind reads what is left of an answered call's response stream
// (the server ends it after the response) in its own goroutine, so the
// connection is reused rather than torn down, without holding up the
// answer; a server that keeps the stream open is cut off after drainWait.
// cancel ends the stream's request.
func (c *streamConn) drainBehind(body io.ReadCloser, cancel context.CancelFunc) {
	done := make(chan struct{})
	c.drainMu.Lock()
	c.drained = done
	c.drainMu.Unlock()
	go func() {
		defer close(done)
		wait := drainWait
		if c.d.drainWait > 0 {
			wait = c.d.drainWait
		}
		t := time.AfterFunc(wait, cancel)
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
		t.Stop()
		body.Close()
		cancel()
	}()
}

// awaitDrain waits until the last answered call's stream ended (at most
// drainWait, its bound) or ctx ends.
func (c *streamConn) awaitDrain(ctx context.Context) {
	c.drainMu.Lock()
	ch := c.drained
	c.drainMu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// headersOf returns f() when f is set, else h.
func headersOf(f func() http.Header, h http.Header) http.Header {
	if f != nil {
		return f()
	}
	return h
}
