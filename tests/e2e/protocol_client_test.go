package e2e

// MCP 2026-07-28 clients at the gateway's client edge
// (docs/protocol-2026-07-28.md): a Go SDK v1.8.0 client of the stateless
// revision against the gateway in front of a 2025-11-25 Go SDK server and
// the npm server-everything (stdio), with 2025-11-25 clients (Go SDK and
// TypeScript SDK) on the same endpoint at the same time; and the header
// checks of a stateless request, by raw HTTP.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type protoIn struct {
	Text string `json:"text"`
}

// legacyUpstream is a Go SDK server speaking only 2025-11-25 (a stateful
// Streamable HTTP handler): it asks the client by elicitation/create on
// the call's stream, and sends list_changed on its session stream.
type legacyUpstream struct {
	srv       *mcp.Server
	url       string
	cancelled chan error
	deleted   atomic.Int32
	versions  sync.Map // protocol versions the tools were called at
}

func startLegacyUpstream(t testing.TB) *legacyUpstream {
	t.Helper()
	u := &legacyUpstream{cancelled: make(chan error, 4)}
	s := mcp.NewServer(&mcp.Implementation{Name: "legacy-up", Version: "1"}, &mcp.ServerOptions{
		SupportedProtocolVersions: []string{"2025-11-25"}, HasTools: true})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "echo with progress"},
		func(ctx context.Context, req *mcp.CallToolRequest, in protoIn) (*mcp.CallToolResult, any, error) {
			u.versions.Store(req.Session.InitializeParams().ProtocolVersion, true)
			if tok := req.Params.GetProgressToken(); tok != nil {
				for i := 1; i <= 2; i++ {
					_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Progress: float64(i), Total: 2, Message: "step"})
				}
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + in.Text}}}, nil, nil
		})
	// On this stateful handler the SDK turns InputRequests into a
	// server-to-client elicitation/create (what a 2025-11-25 server does).
	mcp.AddTool(s, &mcp.Tool{Name: "confirm", Description: "asks the user"},
		func(ctx context.Context, req *mcp.CallToolRequest, in protoIn) (*mcp.CallToolResult, any, error) {
			if r, ok := req.Params.InputResponses["ok"].(*mcp.ElicitResult); ok {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("user said %s %v", r.Action, r.Content["yes"])}}}, nil, nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"ok": &mcp.ElicitParams{Mode: "form", Message: "Proceed with " + in.Text + "?",
				RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"yes": map[string]any{"type": "boolean"}}}}}, RequestState: "s1"}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "slow", Description: "waits until cancelled"},
		func(ctx context.Context, req *mcp.CallToolRequest, in protoIn) (*mcp.CallToolResult, any, error) {
			select {
			case <-ctx.Done():
				u.cancelled <- context.Cause(ctx)
				return nil, nil, ctx.Err()
			case <-time.After(20 * time.Second):
				u.cancelled <- nil
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "finished"}}}, nil, nil
			}
		})
	mcp.AddTool(s, &mcp.Tool{Name: "delete", Description: "deletes everything"},
		func(ctx context.Context, req *mcp.CallToolRequest, in protoIn) (*mcp.CallToolResult, any, error) {
			u.deleted.Add(1)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "deleted"}}}, nil, nil
		})
	u.srv = s
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(hs.Close)
	u.url = hs.URL
	return u
}

func protocolGatewayConfig(t testing.TB, upURL string, withEverything bool) string {
	cfg := `
listen: {{LISTEN}}
servers:
  up:
    url: ` + upURL + `
    timeout: 30s
    tools:
      delete: {allow: false}
`
	if withEverything {
		cfg += `  ev:
    command: node
    args: ["` + npmServer(t, "server-everything") + `", "stdio"]
    timeout: 30s
`
	}
	return cfg + `policy:
  default: allow
protocol:
  input_ttl: 2m
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

func TestProtocolModernClient(t *testing.T) {
	up := startLegacyUpstream(t)
	g := startGateway(t, protocolGatewayConfig(t, up.url, true))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var elicited, progress, changed atomic.Int32
	c := mcp.NewClient(&mcp.Implementation{Name: "modern-e2e", Version: "1.0"}, &mcp.ClientOptions{
		ElicitationHandler: func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			elicited.Add(1)
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"yes": true}}, nil
		},
		ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) },
		ToolListChangedHandler:      func(context.Context, *mcp.ToolListChangedRequest) { changed.Add(1) },
	})
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" || cs.ID() != "" {
		t.Fatalf("the Go SDK client did not stay on 2026-07-28: version %q, session %q", v, cs.ID())
	}

	// A 2025-11-25 Go SDK client and the TypeScript SDK client on the same
	// endpoint at the same time.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		legacyClientRound(t, g.URL)
	}()
	go func() {
		defer wg.Done()
		r := runTSClient(t, `[{"op":"listTools"},{"op":"callTool","name":"up__echo","arguments":{"text":"from ts"}}]`, "--http", g.URL)
		if r.ProtocolVersion != "2025-11-25" || !contains(r.toolNames(t, 0), "up__echo") || r.text(t, 1) != "echo: from ts" {
			t.Errorf("TypeScript client: %s %v %q", r.ProtocolVersion, r.toolNames(t, 0), r.text(t, 1))
		}
	}()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil || !contains(toolNames(tools), "up__echo") || !contains(toolNames(tools), "up__confirm") || !contains(toolNames(tools), "ev__echo") {
		t.Fatalf("tools/list: %v %v", toolNames(tools), err)
	}
	if contains(toolNames(tools), "up__delete") {
		t.Fatal("a denied tool is listed")
	}

	p := &mcp.CallToolParams{Name: "up__echo", Arguments: map[string]any{"text": "hi"}}
	p.SetProgressToken("tok-1")
	res, err := cs.CallTool(ctx, p)
	if err != nil || textOf(res) != "echo: hi" {
		t.Fatalf("call with progress: %v %v", res, err)
	}
	for i := 0; i < 100 && progress.Load() == 0; i++ {
		time.Sleep(20 * time.Millisecond) // the SDK delivers notifications asynchronously
	}
	if progress.Load() == 0 {
		t.Fatal("no progress reached the 2026-07-28 client")
	}

	// The legacy upstream asks by elicitation/create; the gateway parks the
	// call and answers with an InputRequiredResult; the SDK's middleware
	// asks the ElicitationHandler and retries with the sealed requestState.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__confirm", Arguments: map[string]any{"text": "deploy"}})
	if err != nil || textOf(res) != "user said accept true" || elicited.Load() != 1 {
		t.Fatalf("elicitation round trip: %v %v (elicited %d)", res, err, elicited.Load())
	}

	// Cancellation: the client gives up; the upstream sees the call cancelled.
	cctx, ccancel := context.WithTimeout(ctx, 700*time.Millisecond)
	_, err = cs.CallTool(cctx, &mcp.CallToolParams{Name: "up__slow", Arguments: map[string]any{"text": "x"}})
	ccancel()
	if err == nil {
		t.Fatal("the cancelled call succeeded")
	}
	select {
	case cause := <-up.cancelled:
		if cause == nil {
			t.Fatal("the upstream call ran to its end: not cancelled")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the upstream did not see the cancellation")
	}

	// server-everything (2025-11-25 over stdio) for one call.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ev__echo", Arguments: map[string]any{"message": "everything"}})
	if err != nil || !strings.Contains(textOf(res), "everything") {
		t.Fatalf("server-everything: %v %v", res, err)
	}

	// A list change upstream reaches the client's subscriptions/listen stream.
	up.srv.AddTool(&mcp.Tool{Name: "late", InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "late ran"}}}, nil
	})
	for changed.Load() == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	if changed.Load() == 0 {
		t.Fatal("no tools/list_changed on the listen stream")
	}
	tools, err = cs.ListTools(ctx, nil)
	if err != nil || !contains(toolNames(tools), "up__late") {
		t.Fatalf("relisting: %v %v", toolNames(tools), err)
	}
	wg.Wait()

	// The audit: the modern client's calls carry its correlation as
	// session_id and its revision; the upstream was reached at 2025-11-25.
	var modern, legacy int
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		sid, _ := ev["session_id"].(string)
		cl, _ := ev["client"].(map[string]any)
		if strings.HasPrefix(sid, "st-") && cl["protocol_version"] == "2026-07-28" {
			modern++
		} else if cl["protocol_version"] == "2025-11-25" {
			legacy++
		}
	}
	if modern < 4 || legacy < 2 {
		t.Fatalf("audit: %d modern and %d legacy call events", modern, legacy)
	}
	if _, ok := up.versions.Load("2025-11-25"); !ok {
		t.Fatal("the legacy upstream was not reached at 2025-11-25")
	}
}

// legacyClientRound: a 2025-11-25 Go SDK client lists, calls with
// progress, and answers an elicitation relayed the session way.
func legacyClientRound(t *testing.T, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var asked atomic.Int32
	c := mcp.NewClient(&mcp.Implementation{Name: "legacy-e2e", Version: "1.0"}, &mcp.ClientOptions{
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked.Add(1)
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"yes": true}}, nil
		},
	})
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Errorf("legacy connect: %v", err)
		return
	}
	defer cs.Close()
	if cs.ID() == "" || cs.InitializeResult().ProtocolVersion != "2025-11-25" {
		t.Errorf("legacy client: session %q version %q", cs.ID(), cs.InitializeResult().ProtocolVersion)
	}
	if tools, err := cs.ListTools(ctx, nil); err != nil || !contains(toolNames(tools), "up__echo") {
		t.Errorf("legacy tools/list: %v", err)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__echo", Arguments: map[string]any{"text": "old"}}); err != nil || textOf(res) != "echo: old" {
		t.Errorf("legacy call: %v %v", res, err)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__confirm", Arguments: map[string]any{"text": "old"}}); err != nil || textOf(res) != "user said accept true" || asked.Load() != 1 {
		t.Errorf("legacy elicitation: %v %v", res, err)
	}
}

const rawMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"}}`

func rawPost(t *testing.T, url, method, body string, hdr map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, "{") {
		_ = json.Unmarshal([]byte(s), &m)
	} else if i := strings.LastIndex(s, "data: "); i >= 0 {
		_ = json.Unmarshal([]byte(s[i+6:]), &m)
	}
	return resp.StatusCode, resp.Header, m
}

func rpcErrCode(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

// TestProtocolHeaderChecks: a stateless request's mirrored headers must
// equal its body; policy is decided on the body. A smuggled Mcp-Name
// (allowed tool) over a body calling a denied tool is refused before any
// guard or upstream, audited and raises mcp.header_mismatch.
func TestProtocolHeaderChecks(t *testing.T) {
	up := startLegacyUpstream(t)
	g := startGateway(t, protocolGatewayConfig(t, up.url, false))
	call := func(id int, tool string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{"text":"x"},%s}}`, id, tool, rawMeta)
	}
	h := func(kv ...string) map[string]string {
		m := map[string]string{"MCP-Protocol-Version": "2026-07-28"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// Benign twin: matching headers.
	st, _, m := rawPost(t, g.URL, "POST", call(1, "up__echo"), h("Mcp-Method", "tools/call", "Mcp-Name", "up__echo"))
	if st != 200 || m["result"] == nil {
		t.Fatalf("matching headers: %d %v", st, m)
	}
	// Smuggling: allowed name in the header, denied tool in the body.
	st, _, m = rawPost(t, g.URL, "POST", call(7, "up__delete"), h("Mcp-Method", "tools/call", "Mcp-Name", "up__echo"))
	if st != 400 || rpcErrCode(m) != -32020 || m["id"] != float64(7) {
		t.Fatalf("smuggled Mcp-Name: %d %v", st, m)
	}
	if up.deleted.Load() != 0 {
		t.Fatal("the upstream ran the smuggled call")
	}
	// Version mismatch, unsupported version, unknown method, initialize.
	st, _, m = rawPost(t, g.URL, "POST", call(8, "up__echo"), map[string]string{"MCP-Protocol-Version": "2025-11-25", "Mcp-Method": "tools/call", "Mcp-Name": "up__echo"})
	if st != 400 || rpcErrCode(m) != -32020 || m["id"] != float64(8) {
		t.Fatalf("version mismatch: %d %v", st, m)
	}
	st, _, m = rawPost(t, g.URL, "POST", strings.ReplaceAll(call(9, "up__echo"), "2026-07-28", "2030-01-01"), map[string]string{"MCP-Protocol-Version": "2030-01-01", "Mcp-Method": "tools/call", "Mcp-Name": "up__echo"})
	data, _ := m["error"].(map[string]any)["data"].(map[string]any)
	if st != 400 || rpcErrCode(m) != -32022 || fmt.Sprint(data["supported"]) != "[2026-07-28 2025-11-25 2025-06-18 2025-03-26 2024-11-05]" || data["requested"] != "2030-01-01" {
		t.Fatalf("unsupported version: %d %v", st, m)
	}
	st, _, m = rawPost(t, g.URL, "POST", `{"jsonrpc":"2.0","id":10,"method":"nope/nothing","params":{`+rawMeta+`}}`, h("Mcp-Method", "nope/nothing"))
	if st != 404 || rpcErrCode(m) != -32601 {
		t.Fatalf("unknown method: %d %v", st, m)
	}
	st, _, m = rawPost(t, g.URL, "POST", `{"jsonrpc":"2.0","id":11,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"},`+rawMeta+`}}`, h("Mcp-Method", "initialize"))
	if st != 404 || rpcErrCode(m) != -32601 {
		t.Fatalf("initialize on the modern path: %d %v", st, m)
	}
	for _, meth := range []string{"GET", "DELETE"} {
		st, hd, _ := rawPost(t, g.URL, meth, "", map[string]string{"MCP-Protocol-Version": "2026-07-28"})
		if st != 405 || hd.Get("Allow") != "POST" {
			t.Fatalf("%s without a session: %d", meth, st)
		}
	}

	// Audited (decided on the parsed body) and alerted.
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := auditEvents(t, g.Audit)
		var refusal, alert map[string]any
		for _, ev := range eventsOf(evs, "protocol.error") {
			if d, _ := ev["detail"].(map[string]any); d != nil && d["header"] == "Mcp-Name" {
				refusal = ev
			}
		}
		for _, ev := range eventsOf(evs, "alert") {
			if ev["rule"] == "mcp.header_mismatch" && ev["severity"] == "high" {
				alert = ev
			}
		}
		if refusal != nil && alert != nil {
			d := refusal["detail"].(map[string]any)
			if d["header_value"] != "up__echo" || d["body_value"] != "up__delete" || refusal["tool"] != "delete" || d["body_denied"] != true ||
				!strings.HasPrefix(fmt.Sprint(refusal["session_id"]), "st-") {
				t.Fatalf("refusal event: %s", toJSON(refusal))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audited refusal with alert: %s", toJSON(eventsOf(evs, "alert")))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
