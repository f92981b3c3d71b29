package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// cannedUpstream is the demo server, except that every tools/call is
// answered with one prepared SSE event: a result of text (the bench's
// prose). What a call costs the upstream is then a few copies, so the
// hop benchmarks below compare the gateway with a plain proxy without the
// SDK server's JSON encoding in the figure.
func cannedUpstream(tb testing.TB, text string) *httptest.Server {
	demoH := demo.HTTPHandler(demo.Options{Name: "demo", BenchTools: true})
	quoted, err := json.Marshal(text)
	if err != nil {
		tb.Fatal(err)
	}
	head := []byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":")
	tail := append(append([]byte(`,"result":{"content":[{"type":"text","text":`), quoted...), "}]}}\n\n"...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			demoH.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(body, &m) != nil || m.Method != "tools/call" {
			r.Body = io.NopCloser(bytes.NewReader(body))
			demoH.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(m.ID)+len(tail)))
		w.WriteHeader(http.StatusOK)
		w.Write(head)
		w.Write(m.ID)
		w.Write(tail)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// plainProxy is the floor of the end-to-end bench (bench/proxy.go): an
// httputil.ReverseProxy hop that parses nothing.
func plainProxy(tb testing.TB, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }, Transport: tr, FlushInterval: -1}
	srv := httptest.NewServer(rp)
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkHop64KiB is one tools/call with a 64 KiB text result, on one
// session, three ways: straight to the upstream, through a plain reverse
// proxy (the floor), and through the gateway as `mcpwarden serve` wires it
// (audit file and store, detection, result scanning annotate or off). The
// upstream answers from a prepared event (cannedUpstream). What a hop
// adds is its ns/op minus direct's; the issue 6 bar is the gateway's
// added at most 1.5 times the proxy's (the end-to-end bench, bench/, is
// the judge: separate processes, real SDK client and server).
func BenchmarkHop64KiB(b *testing.B) {
	text := demo.BenchText(64 << 10)
	up := cannedUpstream(b, text)
	run := func(b *testing.B, c *callPath, tool string) {
		hopLoop(b, c, tool, text[len(text)-40:])
	}
	b.Run("direct", func(b *testing.B) { run(b, newRawPath(b, up.URL), "report") })
	b.Run("proxy", func(b *testing.B) { run(b, newRawPath(b, plainProxy(b, up.URL).URL), "report") })
	for _, mode := range []string{"off", "annotate"} {
		b.Run("gateway-scan="+mode, func(b *testing.B) { run(b, newCallPathTo(b, up.URL, mode), "demo__report") })
	}
	// Two servers: results are also fingerprinted (mcp.cross_app_flow).
	b.Run("gateway-2servers", func(b *testing.B) { run(b, newCallPathServers(b, up.URL, "annotate", 2), "demo__report") })
}

// newRawPath is a session straight to url (the upstream or a proxy).
func newRawPath(tb testing.TB, url string) *callPath {
	c := &callPath{url: url, client: &http.Client{}}
	c.initialize(tb)
	return c
}

func hopLoop(b *testing.B, c *callPath, tool, want string) {
	callLoop(b, c, func(id int) []byte {
		return []byte(`{"jsonrpc":"2.0","id":` + strconv.Itoa(id) + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":{"bytes":65536}}}`)
	}, want)
}

// BenchmarkHopSmall is BenchmarkHop64KiB with the bench's small call: a
// result of 71 bytes of text (what echo answers in bench/), where the
// gateway's fixed cost per call is the whole of what it adds.
func BenchmarkHopSmall(b *testing.B) {
	text := "Echo: the quick brown fox jumps over the lazy dog, 0123456789 abcdefgh"
	up := cannedUpstream(b, text)
	run := func(b *testing.B, c *callPath, tool string) {
		hopLoop(b, c, tool, text[len(text)-20:])
	}
	b.Run("direct", func(b *testing.B) { run(b, newRawPath(b, up.URL), "report") })
	b.Run("proxy", func(b *testing.B) { run(b, newRawPath(b, plainProxy(b, up.URL).URL), "report") })
	b.Run("gateway", func(b *testing.B) { run(b, newCallPathTo(b, up.URL, "annotate"), "demo__report") })
}
