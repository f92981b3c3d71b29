package e2e

// Resource subscriptions of a 2026-07-28 client's subscriptions/listen
// (docs/protocol-2026-07-28.md 4.6): the Go SDK v1.8 client subscribes
// (Subscribe opens a listen with resourceSubscriptions) through the
// gateway to a Go SDK server of each revision; the gateway subscribes
// upstream in the server's revision, delivers resources/updated on the
// client's listen stream, and unsubscribes upstream when the stream
// closes. A URI the resource rules deny is neither subscribed nor updated.

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	listenPublicURI = "doc://public/a"
	listenSecretURI = "doc://secret/b"
)

// subServer is a Go SDK server with two subscribable resources; it records
// the URIs subscribed and unsubscribed.
type subServer struct {
	srv   *mcp.Server
	url   string
	mu    sync.Mutex
	subs  map[string]int
	unsub map[string]int
}

func (ss *subServer) count(m map[string]int, uri string) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return m[uri]
}

func newSubServer(t *testing.T, modern bool) *subServer {
	t.Helper()
	ss := &subServer{subs: map[string]int{}, unsub: map[string]int{}}
	versions := []string{"2025-11-25"}
	var hopts *mcp.StreamableHTTPOptions
	if modern {
		versions = []string{"2026-07-28"}
		hopts = &mcp.StreamableHTTPOptions{Stateless: true}
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "sub-up", Version: "1"}, &mcp.ServerOptions{
		SupportedProtocolVersions: versions,
		SubscribeHandler: func(_ context.Context, req *mcp.SubscribeRequest) error {
			ss.mu.Lock()
			ss.subs[req.Params.URI]++
			ss.mu.Unlock()
			return nil
		},
		UnsubscribeHandler: func(_ context.Context, req *mcp.UnsubscribeRequest) error {
			ss.mu.Lock()
			ss.unsub[req.Params.URI]++
			ss.mu.Unlock()
			return nil
		},
	})
	for _, uri := range []string{listenPublicURI, listenSecretURI} {
		s.AddResource(&mcp.Resource{URI: uri, Name: uri, MIMEType: "text/plain"}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "text"}}}, nil
		})
	}
	ss.srv = s
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, hopts))
	t.Cleanup(hs.Close)
	ss.url = hs.URL
	return ss
}

func listenGatewayConfig(upURL string) string {
	return `
listen: {{LISTEN}}
servers:
  up:
    url: ` + upURL + `
    timeout: 10s
    resources:
      allow: ["doc://public/*"]
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

func TestProtocolListenResourceSubscriptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modern bool
	}{{"legacy-upstream", false}, {"modern-upstream", true}} {
		t.Run(tc.name, func(t *testing.T) {
			up := newSubServer(t, tc.modern)
			g := startGateway(t, listenGatewayConfig(up.url))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			updated := make(chan string, 64)
			c := mcp.NewClient(&mcp.Implementation{Name: "modern-listen", Version: "1.0"}, &mcp.ClientOptions{
				ResourceUpdatedHandler: func(_ context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
					updated <- req.Params.URI
				},
			})
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
				t.Fatalf("client at %q, want 2026-07-28", v)
			}

			// Subscribe holds its listen stream open in the background.
			for _, uri := range []string{listenPublicURI, listenSecretURI} {
				go func() { _ = cs.Subscribe(ctx, &mcp.SubscribeParams{URI: uri}) }()
			}

			// The upstream announces both; only the allowed one arrives.
			got := false
			for i := 0; i < 150 && !got; i++ {
				for _, uri := range []string{listenPublicURI, listenSecretURI} {
					_ = up.srv.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: uri})
				}
				select {
				case u := <-updated:
					if u == listenSecretURI {
						t.Fatal("the denied URI's update reached the client")
					}
					got = u == listenPublicURI
				case <-time.After(100 * time.Millisecond):
				}
			}
			if !got {
				t.Fatalf("no resources/updated for %s reached the client", listenPublicURI)
			}
			for i := 0; i < 5; i++ {
				_ = up.srv.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: listenSecretURI})
			}
			deadline := time.After(500 * time.Millisecond)
		drain:
			for {
				select {
				case u := <-updated:
					if u == listenSecretURI {
						t.Fatal("the denied URI's update reached the client")
					}
				case <-deadline:
					break drain
				}
			}
			if up.count(up.subs, listenPublicURI) == 0 {
				t.Fatal("the allowed URI was not subscribed upstream")
			}
			if n := up.count(up.subs, listenSecretURI); n != 0 {
				t.Fatalf("the denied URI was subscribed upstream %d times", n)
			}

			// Closing the listen stream unsubscribes upstream.
			if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: listenPublicURI}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 100 && up.count(up.unsub, listenPublicURI) == 0; i++ {
				time.Sleep(50 * time.Millisecond)
			}
			if up.count(up.unsub, listenPublicURI) == 0 {
				t.Fatal("closing the listen stream did not unsubscribe upstream")
			}
		})
	}
}

// TestProtocolListenAcknowledgment: the acknowledgment echoes only the
// URIs honored: the allowed one, not the denied one.
func TestProtocolListenAcknowledgment(t *testing.T) {
	up := newSubServer(t, false)
	g := startGateway(t, listenGatewayConfig(up.url))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := `{"jsonrpc":"2.0","id":5,"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["` +
		listenPublicURI + `","` + listenSecretURI + `"]},` + rawMeta + `}}`
	req, err := http.NewRequestWithContext(ctx, "POST", g.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("listen: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	var ack struct {
		Method string `json:"method"`
		Params struct {
			Notifications struct {
				URIs []string `json:"resourceSubscriptions"`
			} `json:"notifications"`
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(line), &ack); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if ack.Method != "notifications/subscriptions/acknowledged" || ack.Params.Meta["io.modelcontextprotocol/subscriptionId"] != float64(5) {
		t.Fatalf("first message: %+v", ack)
	}
	if len(ack.Params.Notifications.URIs) != 1 || ack.Params.Notifications.URIs[0] != listenPublicURI {
		t.Fatalf("acknowledged %v, want only %s", ack.Params.Notifications.URIs, listenPublicURI)
	}
	if up.count(up.subs, listenSecretURI) != 0 {
		t.Fatal("the denied URI was subscribed upstream")
	}
}
