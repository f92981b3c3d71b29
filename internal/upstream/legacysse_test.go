package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

func TestSSEDialerDemo(t *testing.T) {
	rec := &recorder{next: demo.SSEHandler(demo.Options{})}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	col := newCollector()
	d := &SSEDialer{URL: srv.URL, Headers: http.Header{"X-Tenant": {"acme"}}}
	if d.Kind() != "sse" {
		t.Fatalf("Kind %q", d.Kind())
	}
	conn, err := d.Dial(context.Background(), col.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	get := rec.find(func(r *recordedRequest) bool { return r.Method == http.MethodGet })
	if len(get) != 1 || get[0].Header.Get("Accept") != "text/event-stream" || get[0].Header.Get("X-Tenant") != "acme" {
		t.Fatalf("event stream request: %+v", get)
	}
	ctx := context.Background()
	if err := conn.Send(ctx, &Outgoing{Body: initializeBody("1", "2024-11-05"), ID: json.RawMessage("1"), Method: "initialize", RequestID: "corr-init"}); err != nil {
		t.Fatal(err)
	}
	r := col.response(t, "1")
	if v, _ := jsonrpc.StringField(r.msg.Result, "protocolVersion"); v != "2024-11-05" {
		t.Fatalf("initialize: %s", r.msg.Raw)
	}
	if r.related != nil {
		t.Errorf("HTTP+SSE cannot tell the related request, got %q", r.related)
	}
	if err := conn.Send(ctx, &Outgoing{Body: initializedBody, Method: "notifications/initialized"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		id, body, reqID, want string
		code                  int
	}{
		{id: "2", body: string(callBody("2", "echo", `{"message":"over sse"}`)), reqID: "corr-2", want: "over sse"},
		{id: "3", body: string(callBody("3", "add", `{"a":1,"b":2}`)), want: "3"},
		{id: `"s"`, body: string(callBody(`"s"`, "echo", `{"message":"string id"}`)), want: "string id"},
		{id: "4", body: string(callBody("4", "nope", `{}`)), code: -32602},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			if err := conn.Send(ctx, &Outgoing{Body: []byte(tc.body), ID: json.RawMessage(tc.id), Method: "tools/call", RequestID: tc.reqID}); err != nil {
				t.Fatal(err)
			}
			r := col.response(t, tc.id)
			if tc.code != 0 {
				if errCode(r.msg) != tc.code {
					t.Fatalf("got %s, want code %d", r.msg.Raw, tc.code)
				}
				return
			}
			if got := textOf(t, r.msg); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.reqID != "" {
				posts := rec.find(func(r *recordedRequest) bool {
					return r.Method == http.MethodPost && r.Header.Get("X-Request-ID") == tc.reqID
				})
				if len(posts) != 1 {
					t.Fatalf("%d POSTs with X-Request-ID %q", len(posts), tc.reqID)
				}
				if !strings.Contains(string(posts[0].Body), `"id":`+tc.id) || posts[0].Header.Get("X-Tenant") != "acme" {
					t.Errorf("POST %s %v", posts[0].Body, posts[0].Header)
				}
			}
		})
	}
	// Every POST went to the endpoint the server named (same origin).
	for _, p := range rec.find(func(r *recordedRequest) bool { return r.Method == http.MethodPost }) {
		if p.Header.Get("Content-Type") != "application/json" {
			t.Errorf("POST Content-Type %q", p.Header.Get("Content-Type"))
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "Done after Close", conn.Done())
	if !errors.Is(conn.Err(), ErrClosed) {
		t.Errorf("Err = %v", conn.Err())
	}
	if err := conn.Send(ctx, &Outgoing{Body: callBody("9", "echo", `{}`), ID: json.RawMessage("9")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v", err)
	}
}

// endpointServer serves an event stream whose first event is the given
// endpoint, then holds the stream open until the client leaves or done
// closes. POSTs are counted.
type endpointServer struct {
	endpoint string
	status   int // non-zero: answer GET with this status
	noEvent  bool
	done     chan struct{}

	mu    sync.Mutex
	posts int
}

func (s *endpointServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.mu.Lock()
		s.posts++
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if s.status != 0 {
		http.Error(w, "no", s.status)
		return
	}
	if s.noEvent {
		sse(w, ": hello\n\n", "event: message\ndata: {}\n\n")
		return
	}
	sse(w, ": first a comment\n\n", "event: endpoint\ndata: "+s.endpoint+"\n\n")
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// TestSSEDialerEndpointOrigin: the endpoint must be on the stream's origin;
// anything else is refused before a message is posted anywhere.
func TestSSEDialerEndpointOrigin(t *testing.T) {
	other := &endpointServer{}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	cases := []struct {
		name     string
		endpoint func(base string) string
		status   int
		noEvent  bool
		wantErr  string // "" means the dial succeeds
	}{
		{name: "relative path", endpoint: func(string) string { return "/messages?sessionid=1" }},
		{name: "relative without slash", endpoint: func(string) string { return "messages" }},
		{name: "absolute same origin", endpoint: func(b string) string { return b + "/messages" }},
		{name: "other host", endpoint: func(string) string { return otherSrv.URL + "/messages" }, wantErr: "another origin"},
		{name: "other host by name", endpoint: func(string) string { return "http://evil.example.com/messages" }, wantErr: "another origin"},
		{name: "scheme-relative other host", endpoint: func(string) string { return "//evil.example.com/messages" }, wantErr: "another origin"},
		{name: "other scheme", endpoint: func(b string) string { return strings.Replace(b, "http://", "https://", 1) + "/messages" }, wantErr: "another origin"},
		{name: "same host other port", endpoint: func(string) string { return otherSrv.URL + "/m" }, wantErr: "another origin"},
		{name: "localhost alias", endpoint: func(b string) string { return strings.Replace(b, "127.0.0.1", "localhost", 1) + "/m" }, wantErr: "another origin"},
		{name: "userinfo to other host", endpoint: func(b string) string { return "http://" + strings.TrimPrefix(b, "http://") + "@evil.example.com/m" }, wantErr: "another origin"},
		{name: "opaque", endpoint: func(string) string { return "http:evil.example.com" }, wantErr: "another origin"},
		{name: "unparsable", endpoint: func(string) string { return "http://[::1" }, wantErr: "bad endpoint"},
		{name: "HTTP error", status: http.StatusUnauthorized, wantErr: "HTTP 401"},
		{name: "no endpoint event", noEvent: true, wantErr: "no endpoint event"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := &endpointServer{status: tc.status, noEvent: tc.noEvent, done: make(chan struct{})}
			srv := httptest.NewServer(es)
			defer srv.Close()
			defer close(es.done)
			if tc.endpoint != nil {
				es.endpoint = tc.endpoint(srv.URL)
			}
			col := newCollector()
			conn, err := (&SSEDialer{URL: srv.URL}).Dial(context.Background(), col.handle)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				defer conn.Close()
				if err := conn.Send(context.Background(), &Outgoing{Body: initializedBody, Method: "notifications/initialized"}); err != nil {
					t.Fatalf("posting to the endpoint: %v", err)
				}
				es.mu.Lock()
				n := es.posts
				es.mu.Unlock()
				if n != 1 {
					t.Fatalf("%d POSTs reached the stream's server", n)
				}
				return
			}
			if err == nil {
				conn.Close()
				t.Fatalf("Dial succeeded with endpoint %q", es.endpoint)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Dial error %q, want %q", err, tc.wantErr)
			}
		})
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if other.posts != 0 {
		t.Fatalf("%d messages were posted to another origin", other.posts)
	}
}

// TestSSEDialerContext: a Dial whose context ends while waiting for the
// endpoint returns rather than hanging.
func TestSSEDialerContext(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse(w, ": no endpoint yet\n\n")
		select {
		case <-r.Context().Done():
		case <-hold:
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := (&SSEDialer{URL: srv.URL}).Dial(ctx, func(*jsonrpc.Message, json.RawMessage) {})
		errc <- err
	}()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Dial succeeded without an endpoint")
		}
	case <-time.After(waitTimeout):
		t.Fatal("Dial ignored its context")
	}
}

// TestSSEDialerFailures: requests in flight when the event stream ends, and
// requests whose POST fails, each get one synthesized -32011 response.
func TestSSEDialerFailures(t *testing.T) {
	endStream := make(chan struct{})
	var mu sync.Mutex
	var posted []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			m, _ := jsonrpc.Parse(b, UpstreamLimits)
			mu.Lock()
			posted = append(posted, string(m.ID))
			mu.Unlock()
			if string(m.ID) == "3" {
				http.Error(w, "refused", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		sse(w, "event: endpoint\ndata: /messages\n\n")
		select {
		case <-r.Context().Done():
		case <-endStream:
			// An answer for request 1 only, then the stream ends.
			_, _ = io.WriteString(w, "event: message\n"+sseData(jsonrpc.NewResult(json.RawMessage("1"), map[string]any{})))
		}
	}))
	defer srv.Close()
	col := newCollector()
	conn, err := (&SSEDialer{URL: srv.URL}).Dial(context.Background(), col.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	for _, id := range []string{"1", "2", "3"} {
		if err := conn.Send(ctx, &Outgoing{Body: []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"ping"}`, id)), ID: json.RawMessage(id), Method: "ping"}); err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
	}
	// The refused POST is answered at once.
	if r := col.response(t, "3"); errCode(r.msg) != jsonrpc.CodeUpstreamUnavailable {
		t.Fatalf("refused POST: %s", r.msg.Raw)
	}
	close(endStream)
	if r := col.response(t, "1"); r.msg.Error != nil {
		t.Fatalf("request 1: %s", r.msg.Raw)
	}
	if r := col.response(t, "2"); errCode(r.msg) != jsonrpc.CodeUpstreamUnavailable {
		t.Fatalf("request 2 after the stream ended: %s", r.msg.Raw)
	}
	waitClosed(t, "Done", conn.Done())
	if conn.Err() == nil || !strings.Contains(conn.Err().Error(), "event stream closed") {
		t.Fatalf("Err = %v", conn.Err())
	}
	for _, id := range []string{"1", "2", "3"} {
		if n := col.count(func(r received) bool { return string(r.msg.ID) == id }); n != 1 {
			t.Errorf("request %s answered %d times", id, n)
		}
	}
	if err := conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":4,"method":"ping"}`), ID: json.RawMessage("4")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send on a dead conn = %v", err)
	}
}
