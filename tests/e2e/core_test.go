package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// twoUpstreams is a config with a stdio upstream (the demo server as a child
// process) and a Streamable HTTP upstream (a Go SDK server in this process).
func twoUpstreams(httpURL string) string {
	return `
listen: {{LISTEN}}
servers:
  local:
    command: {{BIN}}
    args: ["demo-server", "--name", "local"]
    timeout: 3s
    restart: {initial_backoff: 100ms, max_backoff: 1s}
    tools:
      get_env: {allow: false}
      "delete_*": {allow: false}
  remote:
    url: ` + httpURL + `
    timeout: 5s
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
}

func TestAggregationRoutingAndAudit(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	g := startGateway(t, twoUpstreams(up.URL))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(tools)
	for _, want := range []string{"local__echo", "local__add", "remote__echo", "remote__get_env", "remote__delete_item"} {
		if !contains(names, want) {
			t.Errorf("tools/list lacks %s: %v", want, names)
		}
	}
	for _, hidden := range []string{"local__get_env", "local__delete_item", "echo", "get_env"} {
		if contains(names, hidden) {
			t.Errorf("tools/list shows %s, which must be hidden or namespaced", hidden)
		}
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__echo", Arguments: map[string]any{"message": "hello local"}})
	if err != nil || textOf(res) != "hello local" {
		t.Fatalf("local__echo: %v %v", res, err)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote__add", Arguments: map[string]any{"a": 2, "b": 40}})
	if err != nil || textOf(res) != "42" {
		t.Fatalf("remote__add: %v %v", res, err)
	}
	// A denied tool: a JSON-RPC error naming the guard, and audited.
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__get_env", Arguments: map[string]any{}})
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) || werr.Code != -32010 || !strings.Contains(werr.Message, "get_env") {
		t.Fatalf("denied call: want -32010 error, got %v", err)
	}
	// The same tool name on the other server is allowed (rules are per server).
	if res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote__get_env", Arguments: map[string]any{}}); err != nil || res.IsError {
		t.Fatalf("remote__get_env: %v %v", res, err)
	}
	// Unknown tool.
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "nosuch__tool"})
	if !errors.As(err, &werr) || werr.Code != -32602 {
		t.Fatalf("unknown tool: want -32602, got %v", err)
	}
	// isError results pass through.
	if res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote__fail"}); err != nil || !res.IsError {
		t.Fatalf("remote__fail: %v %v", res, err)
	}

	// Resources, templates, prompts.
	rl, err := cs.ListResources(ctx, nil)
	if err != nil || len(rl.Resources) != 2 {
		t.Fatalf("resources: %v %v", rl, err)
	}
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "demo://remote/readme"})
	if err != nil || rr.Contents[0].Text != "This is remote." {
		t.Fatalf("read remote readme: %v %v", rr, err)
	}
	rr, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "demo://local/items/42"})
	if err != nil || !strings.Contains(rr.Contents[0].Text, "items/42") {
		t.Fatalf("read templated resource: %v %v", rr, err)
	}
	tl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tl.ResourceTemplates) != 2 || !strings.HasPrefix(tl.ResourceTemplates[0].Name, "local__") {
		t.Fatalf("templates: %+v %v", tl, err)
	}
	pl, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(pl.Prompts) != 2 {
		t.Fatalf("prompts: %v %v", pl, err)
	}
	pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "remote__greet", Arguments: map[string]string{"name": "Ada"}})
	if err != nil || pr.Messages[0].Content.(*mcp.TextContent).Text != "Hello, Ada!" {
		t.Fatalf("prompt: %v %v", pr, err)
	}
	_ = cs.Close()
	time.Sleep(300 * time.Millisecond)

	evs := auditEvents(t, g.Audit)
	calls := eventsOf(evs, "tools/call")
	if len(calls) != 6 {
		t.Fatalf("want 6 tools/call events, got %d", len(calls))
	}
	for _, e := range calls {
		for _, f := range []string{"event_id", "time", "type", "correlation_id", "session_id", "principal", "client", "server", "tool", "schema_hash", "contains_base64", "decision", "status", "duration_ms", "schema_version"} {
			if _, ok := e[f]; !ok && !(f == "server" || f == "tool" || f == "schema_hash") {
				t.Errorf("event lacks %s: %v", f, e)
			}
		}
	}
	var denied map[string]any
	for _, e := range calls {
		if e["exposed_name"] == "local__get_env" {
			denied = e
		}
	}
	if denied == nil || denied["decision"].(map[string]any)["action"] != "deny" || denied["decision"].(map[string]any)["guard"] != "tool-allowlist" {
		t.Fatalf("denied call not audited as deny by tool-allowlist: %v", denied)
	}
	ok := calls[0]
	if ok["server"] != "local" || ok["tool"] != "echo" || !strings.HasPrefix(ok["schema_hash"].(string), "sha256:") ||
		ok["status"].(map[string]any)["outcome"] != "ok" || ok["client"].(map[string]any)["name"] != "e2e-go-client" {
		t.Fatalf("allowed call event: %v", ok)
	}
	if len(eventsOf(evs, "session.start")) != 1 || len(eventsOf(evs, "session.end")) != 1 || len(eventsOf(evs, "tools/list")) != 1 {
		t.Fatalf("session/list events: start=%d end=%d list=%d", len(eventsOf(evs, "session.start")), len(eventsOf(evs, "session.end")), len(eventsOf(evs, "tools/list")))
	}
	if len(eventsOf(evs, "resources/read")) != 2 || len(eventsOf(evs, "prompts/get")) != 1 {
		t.Fatalf("read/get events missing")
	}
}

// Server-to-client requests and notifications pass through both ways.
func TestServerToClientAndNotifications(t *testing.T) {
	for _, mode := range []string{"stdio-shared", "http-per-client"} {
		t.Run(mode, func(t *testing.T) {
			up := demoHTTP(t, demo.Options{Name: "remote"}, false)
			g := startGateway(t, twoUpstreams(up.URL))
			prefix := "local__"
			if mode == "http-per-client" {
				prefix = "remote__"
			}
			var mu sync.Mutex
			var progress []float64
			var logs []string
			opts := &mcp.ClientOptions{
				CreateMessageHandler: func(ctx context.Context, r *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					q := r.Params.Messages[0].Content.(*mcp.TextContent).Text
					return &mcp.CreateMessageResult{Model: "test-model", Role: "assistant", Content: &mcp.TextContent{Text: "answer to " + q}}, nil
				},
				ElicitationHandler: func(ctx context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": "blue"}}, nil
				},
				ProgressNotificationHandler: func(ctx context.Context, r *mcp.ProgressNotificationClientRequest) {
					mu.Lock()
					progress = append(progress, r.Params.Progress)
					mu.Unlock()
				},
				LoggingMessageHandler: func(ctx context.Context, r *mcp.LoggingMessageRequest) {
					mu.Lock()
					logs = append(logs, fmt.Sprint(r.Params.Data))
					mu.Unlock()
				},
			}
			c := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, opts)
			c.AddRoots(&mcp.Root{URI: "file:///srv/project", Name: "project"})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, legacySession)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
				t.Fatal(err)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "ask_model", Arguments: map[string]any{"question": "why?"}})
			if err != nil || textOf(res) != "model said: answer to why?" {
				t.Fatalf("sampling: %v %v", res, err)
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "ask_user", Arguments: map[string]any{"question": "colour?"}})
			if err != nil || textOf(res) != "user accept: blue" {
				t.Fatalf("elicitation: %v %v", res, err)
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "list_roots"})
			if err != nil || textOf(res) != "file:///srv/project" {
				t.Fatalf("roots: %v %v", res, err)
			}
			params := &mcp.CallToolParams{Name: prefix + "progress", Arguments: map[string]any{"steps": 3}}
			params.SetProgressToken("tok-1")
			res, err = cs.CallTool(ctx, params)
			if err != nil || textOf(res) != "done 3 steps" {
				t.Fatalf("progress: %v %v", res, err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				n, l := len(progress), len(logs)
				mu.Unlock()
				if n == 3 && l >= 3 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(progress) != 3 || progress[2] != 3 {
				t.Errorf("progress notifications: %v", progress)
			}
			if len(logs) < 3 {
				t.Errorf("log notifications: %v", logs)
			}
		})
	}
}

// A slow upstream hits the per-call timeout; cancelling a call cancels it
// upstream; a crashed stdio server is restarted and in-flight calls fail.
func TestUpstreamFaults(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	g := startGateway(t, twoUpstreams(up.URL))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()

	start := time.Now()
	_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__sleep", Arguments: map[string]any{"ms": 10000}})
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) || werr.Code != -32012 {
		t.Fatalf("slow call: want timeout -32012, got %v", err)
	}
	if time.Since(start) > 8*time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}

	// Client-side cancellation.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	_, err = cs.CallTool(cctx, &mcp.CallToolParams{Name: "remote__sleep", Arguments: map[string]any{"ms": 10000}})
	if err == nil {
		t.Fatal("cancelled call returned a result")
	}

	// Crash: the in-flight call gets an error, not a hang; the server comes back.
	_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__crash"})
	if !errors.As(err, &werr) || werr.Code != -32011 {
		t.Fatalf("crash: want -32011 upstream unavailable, got %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "local__echo", Arguments: map[string]any{"message": "back"}})
		if err == nil && textOf(res) == "back" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The other upstream was never affected.
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote__echo", Arguments: map[string]any{"message": "still"}}); err != nil || textOf(res) != "still" {
		t.Fatalf("remote after local crash: %v %v", res, err)
	}
	time.Sleep(200 * time.Millisecond)
	evs := auditEvents(t, g.Audit)
	var outcomes []string
	for _, e := range eventsOf(evs, "tools/call") {
		outcomes = append(outcomes, e["status"].(map[string]any)["outcome"].(string))
	}
	for _, want := range []string{"timeout", "cancelled", "unavailable", "ok"} {
		if !contains(outcomes, want) {
			t.Errorf("no %s outcome among %v", want, outcomes)
		}
	}
	if len(eventsOf(evs, "upstream.exit")) == 0 {
		t.Errorf("no upstream.exit event")
	}
}
