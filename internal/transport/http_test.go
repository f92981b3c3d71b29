package transport

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestKeepAlive: an idle standalone stream gets keep-alive comments and
// stays open across many of them; an open stream keeps the session from
// being reaped however short the idle timeout, and once it is gone the
// session is reaped.
func TestKeepAlive(t *testing.T) {
	const keepAlive, idle = 50 * time.Millisecond, 100 * time.Millisecond
	env := startGateway(t, HTTPOptions{KeepAlive: keepAlive, IdleTimeout: idle}, "")
	for _, version := range []string{"2025-11-25", "2025-06-18"} {
		t.Run(version, func(t *testing.T) {
			c := newClient(t, env.URL)
			c.initialize(version)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			resp := c.open(ctx, http.MethodGet, "", nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("GET: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			s := newSSEStream(resp.Body)
			if version >= "2025-11-25" {
				it, err := s.next()
				if err != nil || !it.HasID || it.Data != "" || it.Comment != "" {
					t.Fatalf("first item %+v, %v; want a priming event", it, err)
				}
			}
			// Many keep-alives: the stream outlives several idle timeouts
			// (a reaped session would end the stream).
			const want = 12
			start := time.Now()
			for n := 0; n < want; {
				it, err := s.next()
				if err != nil {
					t.Fatalf("stream ended after %d keep-alives (%v): %v", n, time.Since(start), err)
				}
				if it.Comment != "keep-alive" {
					t.Fatalf("unexpected item %+v", it)
				}
				n++
			}
			if env.HS.session(c.sid) == nil {
				t.Fatal("session reaped while its stream was open")
			}
			if st, _, body := c.do(http.MethodPost, `{"jsonrpc":"2.0","id":2,"method":"ping"}`, nil); st != http.StatusOK {
				t.Fatalf("ping on a session with an open stream: %d %s", st, body)
			}
			resp.Body.Close()
			poll(t, "session reaped after the stream closed", func() bool { return env.HS.session(c.sid) == nil })
			if st, _, _ := c.do(http.MethodPost, `{"jsonrpc":"2.0","id":3,"method":"ping"}`, nil); st != http.StatusNotFound {
				t.Fatalf("reaped session answered %d", st)
			}
		})
	}
}

// TestPrimingEvent: 2025-11-25 clients accepting SSE get a primed stream
// whose first event has an id and empty data; older clients get JSON when
// the response is immediate.
func TestPrimingEvent(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	cases := []struct {
		version string
		accept  string
		wantSSE bool
	}{
		{"2025-11-25", "application/json, text/event-stream", true},
		{"2025-11-25", "text/event-stream, application/json", true},
		{"2025-11-25", "application/json", false},
		{"2025-11-25", "", false}, // no Accept: anything goes; JSON it is
		{"2025-06-18", "application/json, text/event-stream", false},
		{"2025-03-26", "application/json, text/event-stream", false},
		{"2024-11-05", "application/json, text/event-stream", false},
	}
	for _, tc := range cases {
		for _, req := range []struct{ name, body, id, text string }{
			{"ping", `{"jsonrpc":"2.0","id":7,"method":"ping"}`, "7", ""},
			{"tools/call", callBody(`"call-8"`, "demo__echo", `{"message":"primed"}`), `"call-8"`, "primed"},
		} {
			t.Run(tc.version+" "+tc.accept+" "+req.name, func(t *testing.T) {
				c := newClient(t, env.URL)
				c.initialize(tc.version)
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				resp := c.open(ctx, http.MethodPost, req.body, map[string]string{"Accept": tc.accept})
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				ct := resp.Header.Get("Content-Type")
				if !tc.wantSSE {
					if ct != "application/json" {
						t.Fatalf("Content-Type %q, want application/json", ct)
					}
					body := readAllString(t, resp)
					r := parseRPC(t, body)
					if string(r.ID) != req.id || r.Error != nil || r.text() != req.text {
						t.Fatalf("response %s", body)
					}
					return
				}
				if ct != "text/event-stream" {
					t.Fatalf("Content-Type %q, want text/event-stream", ct)
				}
				// The gateway answers ping itself, before anything else could
				// be streamed: priming event and response go out as one body
				// with a length (no chunked framing, one write).
				if req.name == "ping" && resp.ContentLength <= 0 {
					t.Fatalf("ping answered without Content-Length (%d)", resp.ContentLength)
				}
				s := newSSEStream(resp.Body)
				first, err := s.next()
				if err != nil {
					t.Fatal(err)
				}
				if !first.HasID || first.ID == "" || first.Data != "" || first.Comment != "" || !strings.HasSuffix(first.ID, "_0") {
					t.Fatalf("first event %+v, want a priming event (an id, empty data)", first)
				}
				r, seen := s.readResponse(t, req.id)
				if r.Error != nil || r.text() != req.text {
					t.Fatalf("response %+v", r)
				}
				last := seen[len(seen)-1]
				prefix := strings.TrimSuffix(first.ID, "0")
				if !last.HasID || !strings.HasPrefix(last.ID, prefix) || last.Event != "message" {
					t.Fatalf("response event %+v, want an id on stream %q", last, prefix)
				}
				// The stream ends with the response.
				if it, err := s.next(); err == nil {
					t.Fatalf("stream continued after the response: %+v", it)
				}
			})
		}
	}
}

func readAllString(t testing.TB, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestResumption: a client that loses a POST's stream resumes it with GET
// and Last-Event-ID and receives the final response, however many times
// the connection drops.
func TestResumption(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	for _, drops := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("%d drops", drops), func(t *testing.T) {
			c := newClient(t, env.URL)
			c.initialize("2025-11-25")
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			resp := c.open(ctx, http.MethodPost, callBody("5", "demo__sleep", `{"ms":300}`), nil)
			if resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			it, err := newSSEStream(resp.Body).nextEvent()
			if err != nil || !it.HasID || it.Data != "" {
				t.Fatalf("priming event %+v, %v", it, err)
			}
			last := it.ID
			resp.Body.Close() // the connection drops mid-call
			// Later drops: the resumed stream drops too, right after its
			// own priming event; the same Last-Event-ID resumes again.
			for i := 1; i < drops; i++ {
				resp = c.open(ctx, http.MethodGet, "", map[string]string{"Last-Event-ID": last})
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("resume %d: %d %s", i, resp.StatusCode, readAllString(t, resp))
				}
				if it, err := newSSEStream(resp.Body).next(); err != nil || it.Data != "" {
					t.Fatalf("resume %d: first item %+v %v", i, it, err)
				}
				resp.Body.Close()
			}
			resp = c.open(ctx, http.MethodGet, "", map[string]string{"Last-Event-ID": last})
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("resume: %d %s", resp.StatusCode, readAllString(t, resp))
			}
			r, _ := newSSEStream(resp.Body).readResponse(t, "5")
			if r.Error != nil || r.text() != "slept" {
				t.Fatalf("resumed response %+v", r)
			}
			// The finished stream is forgotten once delivered.
			poll(t, "stream forgotten", func() bool {
				st, _, _ := c.do(http.MethodGet, "", map[string]string{"Last-Event-ID": last})
				return st == http.StatusBadRequest
			})
		})
	}
}

// TestStandaloneReplay: messages on the standalone stream are replayed
// after Last-Event-ID, and only those.
func TestStandaloneReplay(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	c := newClient(t, env.URL)
	c.initialize("2025-11-25")
	hs := env.HS.session(c.sid)
	for i := 1; i <= 3; i++ {
		if err := hs.standalone.Send([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/message","params":{"n":%d}}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		last string
		want []string // ids of the replayed events
	}{
		{"0_0", []string{"0_1", "0_2", "0_3"}},
		{"0_2", []string{"0_3"}},
	}
	for _, tc := range cases {
		t.Run(tc.last, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			resp := c.open(ctx, http.MethodGet, "", map[string]string{"Last-Event-ID": tc.last})
			defer resp.Body.Close()
			s := newSSEStream(resp.Body)
			for _, want := range tc.want {
				it, err := s.nextEvent()
				if err != nil {
					t.Fatal(err)
				}
				if it.Data == "" { // a priming event
					if it, err = s.nextEvent(); err != nil {
						t.Fatal(err)
					}
				}
				if it.ID != want || !strings.Contains(it.Data, "notifications/message") {
					t.Fatalf("event %+v, want %s", it, want)
				}
			}
		})
	}
}

// TestIdleReaping: a session without requests or streams is ended after
// the idle timeout, and its end is audited.
func TestIdleReaping(t *testing.T) {
	env := startGateway(t, HTTPOptions{IdleTimeout: 100 * time.Millisecond}, "")
	c := newClient(t, env.URL)
	c.initialize("2025-06-18")
	// Poll the session table, not the endpoint: a request would keep the
	// session alive.
	poll(t, "session reaped", func() bool { return env.HS.session(c.sid) == nil })
	for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		body := ""
		if m == http.MethodPost {
			body = `{"jsonrpc":"2.0","id":2,"method":"ping"}`
		}
		if st, _, resp := c.do(m, body, nil); st != http.StatusNotFound {
			t.Errorf("%s on a reaped session: %d %s", m, st, resp)
		}
	}
	if env.GW.Session(c.sid) != nil {
		t.Error("the gateway still holds the reaped session")
	}
	var end map[string]any
	poll(t, "session.end audited", func() bool {
		for _, ev := range env.eventsOf(t, "session.end") {
			if ev["session_id"] == c.sid {
				end = ev
				return true
			}
		}
		return false
	})
	if d, _ := end["detail"].(map[string]any); d["reason"] != "idle timeout" {
		t.Errorf("session.end %v, want reason idle timeout", end)
	}
}

// TestIdleTimeoutSpareCallsInFlight: a call that takes longer than the idle
// timeout is not cut off by the reaper (a JSON response holds no stream).
func TestIdleTimeoutSpareCallsInFlight(t *testing.T) {
	env := startGateway(t, HTTPOptions{IdleTimeout: 100 * time.Millisecond}, "")
	for _, version := range []string{"2025-06-18", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			c := newClient(t, env.URL)
			c.initialize(version)
			st, h, body := c.do(http.MethodPost, callBody("2", "demo__sleep", `{"ms":600}`), map[string]string{"Accept": "application/json"})
			if st != http.StatusOK {
				t.Fatalf("call outliving the idle timeout: %d %s", st, body)
			}
			if h.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q", h.Get("Content-Type"))
			}
			if r := parseRPC(t, body); r.text() != "slept" {
				t.Fatalf("response %s", body)
			}
		})
	}
}

// TestSessionErrors covers the session rules of the endpoint.
func TestSessionErrors(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	live := newClient(t, env.URL)
	live.initialize("2025-11-25")
	cases := []struct {
		name   string
		method string
		sid    string // "live" for the live session
		body   string
		hdr    map[string]string
		status int
		code   int
	}{
		{"GET without session", "GET", "", "", nil, 400, -32600},
		{"GET unknown session", "GET", "nope", "", nil, 404, -32600},
		{"GET not accepting SSE", "GET", "live", "", map[string]string{"Accept": "application/json"}, 406, -32600},
		{"GET unsupported protocol version", "GET", "live", "", map[string]string{"MCP-Protocol-Version": "1999-01-01"}, 400, -32600},
		{"GET Last-Event-ID of an unknown stream", "GET", "live", "", map[string]string{"Last-Event-ID": "zz_1"}, 400, -32600},
		{"GET Last-Event-ID without separator", "GET", "live", "", map[string]string{"Last-Event-ID": "garbage"}, 400, -32600},
		{"GET Last-Event-ID bad sequence", "GET", "live", "", map[string]string{"Last-Event-ID": "0_x"}, 400, -32600},
		{"GET Last-Event-ID negative sequence", "GET", "live", "", map[string]string{"Last-Event-ID": "0_-1"}, 400, -32600},
		{"POST without session", "POST", "", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil, 400, -32600},
		{"POST unknown session", "POST", "nope", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil, 404, -32600},
		{"notification unknown session", "POST", "nope", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil, 404, -32600},
		{"initialize on a live session", "POST", "live", initBody(9, "2025-11-25"), nil, 400, -32600},
		{"DELETE without session", "DELETE", "", "", nil, 400, -32600},
		{"DELETE unknown session", "DELETE", "nope", "", nil, 404, -32600},
		{"PUT", "PUT", "live", "{}", nil, 405, -32600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, env.URL)
			switch tc.sid {
			case "live":
				c.sid, c.version = live.sid, live.version
			default:
				c.sid = tc.sid
			}
			st, _, body := c.do(tc.method, tc.body, tc.hdr)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
			if r := parseRPC(t, body); r.code() != tc.code {
				t.Fatalf("code %d, want %d: %s", r.code(), tc.code, body)
			}
		})
	}
	// The live session survived all of that.
	if st, _, body := live.do("POST", `{"jsonrpc":"2.0","id":2,"method":"ping"}`, nil); st != http.StatusOK {
		t.Fatalf("live session: %d %s", st, body)
	}
}

// TestDelete: DELETE ends the session, its open streams and its calls;
// everything after is 404; the end is audited.
func TestDelete(t *testing.T) {
	env := startGateway(t, HTTPOptions{KeepAlive: time.Hour}, "")
	c := newClient(t, env.URL)
	c.initialize("2025-11-25")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	get := c.open(ctx, http.MethodGet, "", nil)
	defer get.Body.Close()
	gs := newSSEStream(get.Body)
	if it, err := gs.next(); err != nil || !it.HasID {
		t.Fatalf("priming %+v %v", it, err)
	}
	// A call in flight on its own stream.
	call := c.open(ctx, http.MethodPost, callBody("3", "demo__sleep", `{"ms":60000}`), nil)
	defer call.Body.Close()
	cs := newSSEStream(call.Body)
	if it, err := cs.next(); err != nil || !it.HasID {
		t.Fatalf("priming %+v %v", it, err)
	}
	st, _, body := c.do(http.MethodDelete, "", nil)
	if st != http.StatusOK {
		t.Fatalf("DELETE: %d %s", st, body)
	}
	// Both streams end.
	for name, s := range map[string]*sseStream{"GET": gs, "POST": cs} {
		for {
			it, err := s.next()
			if err != nil {
				break
			}
			if it.Data != "" {
				if r := parseRPC(t, it.Data); r.Result != nil && r.text() == "slept" {
					t.Errorf("%s stream: the call completed after DELETE", name)
				}
			}
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		body := ""
		if m == http.MethodPost {
			body = `{"jsonrpc":"2.0","id":4,"method":"ping"}`
		}
		if st, _, resp := c.do(m, body, nil); st != http.StatusNotFound {
			t.Errorf("%s after DELETE: %d %s", m, st, resp)
		}
	}
	var found bool
	for _, ev := range env.eventsOf(t, "session.end") {
		if ev["session_id"] == c.sid {
			found = true
			if d, _ := ev["detail"].(map[string]any); d["reason"] != "client ended the session" {
				t.Errorf("session.end %v", ev)
			}
		}
	}
	if !found {
		t.Error("session.end not audited")
	}
}

// TestConcurrentSessions: 16 sessions × 20 calls at once, each answered
// with its own id and its own result.
func TestConcurrentSessions(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	const sessions, calls = 16, 20
	var wg sync.WaitGroup
	for s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, env.URL)
			version := "2025-06-18"
			if s%2 == 0 {
				version = "2025-11-25" // SSE responses
			}
			c.initialize(version)
			var cwg sync.WaitGroup
			for i := range calls {
				cwg.Add(1)
				go func() {
					defer cwg.Done()
					id := fmt.Sprint(i)
					if i%3 == 0 {
						id = fmt.Sprintf(`"s%d-%d"`, s, i)
					}
					msg := fmt.Sprintf("session %d call %d", s, i)
					ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
					defer cancel()
					resp := c.open(ctx, http.MethodPost, callBody(id, "demo__echo", fmt.Sprintf(`{"message":%q}`, msg)), nil)
					defer resp.Body.Close()
					var r rpc
					switch ct := resp.Header.Get("Content-Type"); ct {
					case "application/json":
						r = parseRPC(t, readAllString(t, resp))
					case "text/event-stream":
						r, _ = newSSEStream(resp.Body).readResponse(t, id)
					default:
						t.Errorf("Content-Type %q", ct)
						return
					}
					if string(r.ID) != id || r.text() != msg {
						t.Errorf("session %d call %s answered id %s %q", s, id, r.ID, r.text())
					}
				}()
			}
			cwg.Wait()
			if st, _, _ := c.do(http.MethodDelete, "", nil); st != http.StatusOK {
				t.Errorf("DELETE %d", st)
			}
		}()
	}
	wg.Wait()
	poll(t, "all sessions ended", func() bool { return env.GW.SessionCount() == 0 })
}

// TestSDKClient: the Go SDK's Streamable HTTP client works against the
// gateway end to end.
func TestSDKClient(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cl := mcp.NewClient(&mcp.Implementation{Name: "sdk-test", Version: "1"}, nil)
	cs, err := cl.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: env.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "demo__echo") {
		t.Fatalf("tools %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__echo", Arguments: map[string]any{"message": "via sdk"}})
	if err != nil {
		t.Fatal(err)
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); !ok || tc.Text != "via sdk" {
		t.Fatalf("result %+v", res.Content[0])
	}
}

// TestRequestGuards: Origin allowlist, Host check on loopback (DNS
// rebinding), body limit and media types, before any session logic; the
// refusals are audited as protocol errors.
func TestRequestGuards(t *testing.T) {
	env := startGateway(t, HTTPOptions{LoopbackOnly: true, MaxBodyBytes: 1024, AllowedOrigins: []string{"http://localhost:*"}}, "")
	ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	padded := func(n int) string {
		pre, post := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"`, `","version":"1"}}}`
		return pre + strings.Repeat("x", n-len(pre)-len(post)) + post
	}
	cases := []struct {
		name   string
		path   string
		method string
		body   string
		hdr    map[string]string
		status int
		code   int // 0: not checked
	}{
		{"foreign origin", "/mcp", "POST", ping, map[string]string{"Origin": "http://evil.example.com"}, 403, -32600},
		{"foreign origin on healthz", "/healthz", "GET", "", map[string]string{"Origin": "http://evil.example.com"}, 403, -32600},
		{"null origin", "/mcp", "POST", ping, map[string]string{"Origin": "null"}, 403, -32600},
		{"rebinding host", "/mcp", "POST", ping, map[string]string{"Host": "evil.example.com"}, 403, -32600},
		{"rebinding host with port", "/mcp", "POST", ping, map[string]string{"Host": "evil.example.com:8931"}, 403, -32600},
		{"rebinding host on healthz", "/healthz", "GET", "", map[string]string{"Host": "evil.example.com"}, 403, -32600},
		{"localhost host", "/mcp", "POST", padded(300), map[string]string{"Host": "localhost:1234"}, 200, 0},
		{"IPv6 loopback host", "/mcp", "POST", padded(300), map[string]string{"Host": "[::1]:1234"}, 200, 0},
		{"allowed origin", "/mcp", "POST", padded(300), map[string]string{"Origin": "http://localhost:5173"}, 200, 0},
		{"body at the limit", "/mcp", "POST", padded(1024), nil, 200, 0},
		{"body over the limit", "/mcp", "POST", padded(1025), nil, 413, -32600},
		{"wrong content type", "/mcp", "POST", ping, map[string]string{"Content-Type": "text/plain"}, 415, -32600},
		{"not acceptable", "/mcp", "POST", ping, map[string]string{"Accept": "text/html"}, 406, -32600},
		{"not JSON", "/mcp", "POST", `{nope`, nil, 400, -32700},
		{"batch", "/mcp", "POST", `[` + ping + `]`, nil, 400, -32600},
		{"healthz", "/healthz", "GET", "", nil, 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, env.Base+tc.path)
			req := c.request(context.Background(), tc.method, tc.body, tc.hdr)
			if h, ok := tc.hdr["Host"]; ok {
				req.Host = h
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAllString(t, resp)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.code != 0 {
				if r := parseRPC(t, body); r.code() != tc.code {
					t.Fatalf("code %d, want %d: %s", r.code(), tc.code, body)
				}
			}
		})
	}
	var reasons []string
	for _, ev := range env.eventsOf(t, "protocol.error") {
		if d, _ := ev["decision"].(map[string]any); d != nil {
			reasons = append(reasons, fmt.Sprint(d["reason"]))
		}
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"origin http://evil.example.com is not allowed", "host evil.example.com is not a loopback name", "max_body_bytes"} {
		if !strings.Contains(all, want) {
			t.Errorf("no protocol.error audited for %q; got:\n%s", want, all)
		}
	}
}
