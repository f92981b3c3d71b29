package upstream

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// A 2026-07-28 connection to a real stateless Go SDK server: every POST
// carries the headers computed from its body (the server checks them and
// would answer 400 -32020 otherwise), never a session id; notifications
// are not posted; Close sends no DELETE; a cancelled request's stream is
// closed (the server's handler sees it).
func TestStreamableModern(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "modern", Version: "1"}, &mcp.ServerOptions{SupportedProtocolVersions: []string{protocol.Modern}})
	cancelled := make(chan struct{}, 1)
	type in struct {
		Region string `json:"region"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "deploy", InputSchema: map[string]any{"type": "object", "properties": map[string]any{
		"region": map[string]any{"type": "string", "x-mcp-header": "Region"}}}},
		func(ctx context.Context, req *mcp.CallToolRequest, a in) (*mcp.CallToolResult, any, error) {
			if a.Region == "slow" {
				<-ctx.Done()
				cancelled <- struct{}{}
				return nil, nil, ctx.Err()
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "deployed to " + a.Region}}}, nil, nil
		})
	rec := &recorder{next: mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true, PropagateRequestCancellation: true})}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	// A header from the configuration that tries to stand in for a
	// computed one is dropped.
	d := &StreamableDialer{URL: srv.URL, Protocol: protocol.Modern, Headers: http.Header{"Mcp-Name": {"other"}}}
	col := newCollector()
	conn := dialStreamable(t, d, col)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	def := json.RawMessage(`{"name":"deploy","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}}`)
	ctx := context.Background()
	if err := conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"eu-west-1"},` + meta + `}}`),
		ID: json.RawMessage("1"), Method: "tools/call", Definition: def}); err != nil {
		t.Fatal(err)
	}
	r := col.response(t, "1")
	if r.msg.Error != nil || textOf(t, r.msg) != "deployed to eu-west-1" {
		t.Fatalf("call: %s", r.msg.Raw)
	}
	post := rec.find(func(r *recordedRequest) bool { return r.Method == http.MethodPost })[0]
	for k, want := range map[string]string{"Mcp-Protocol-Version": protocol.Modern, "Mcp-Method": "tools/call", "Mcp-Name": "deploy", "Mcp-Param-Region": "eu-west-1", "Mcp-Session-Id": ""} {
		if got := post.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// Without the definition the x-mcp-header is missing: the server
	// refuses (400 -32020), and that answer is delivered as the response.
	_ = conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"x"},` + meta + `}}`), ID: json.RawMessage("2"), Method: "tools/call"})
	if r := col.response(t, "2"); r.msg.Error == nil || r.msg.Error.Code != protocol.CodeHeaderMismatch {
		t.Fatalf("call without Mcp-Param-Region: %s", r.msg.Raw)
	}
	// Notifications are not posted (cancellation is closing the stream).
	n := len(rec.find(func(*recordedRequest) bool { return true }))
	if err := conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`), Method: "notifications/cancelled"}); err != nil {
		t.Fatal(err)
	}
	if m := len(rec.find(func(*recordedRequest) bool { return true })); m != n {
		t.Fatalf("a notification was posted to a 2026-07-28 server")
	}
	// Cancel: the POST's context ends, the server's handler sees it.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	_ = conn.Send(cctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"deploy","arguments":{"region":"slow"},` + meta + `}}`),
		ID: json.RawMessage("3"), Method: "tools/call", Definition: def})
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's handler did not see the cancellation")
	}
	_ = conn.Close()
	for _, r := range rec.find(func(*recordedRequest) bool { return true }) {
		if r.Method != http.MethodPost || r.Header.Get("Last-Event-ID") != "" {
			t.Errorf("unexpected %s request (Last-Event-ID %q)", r.Method, r.Header.Get("Last-Event-ID"))
		}
	}
	if !strings.Contains(conn.Info(), "stateless") {
		t.Errorf("Info: %s", conn.Info())
	}
}
