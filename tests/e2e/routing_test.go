package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// The legacy HTTP+SSE transport (2024-11-05) as an upstream.
func TestLegacySSEUpstream(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "old"}, true)
	g := startGateway(t, gatewayConfig(`
  old:
    url: `+up.URL+`
    transport: sse
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || !contains(toolNames(tools), "old__echo") {
		t.Fatalf("tools over sse: %v %v", tools, err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "old__echo", Arguments: map[string]any{"message": "legacy"}})
	if err != nil || textOf(res) != "legacy" {
		t.Fatalf("call over sse: %v %v", res, err)
	}
	params := &mcp.CallToolParams{Name: "old__progress", Arguments: map[string]any{"steps": 2}}
	params.SetProgressToken("p")
	if res, err = cs.CallTool(ctx, params); err != nil || textOf(res) != "done 2 steps" {
		t.Fatalf("progress over sse: %v %v", res, err)
	}
}

// A server with prefix "" that lists a name another server exposes cannot
// shadow it: the colliding name is withheld and calls reach the owner.
func TestShadowingWithheld(t *testing.T) {
	var bCalls, aCalls atomic.Int32
	a := demoHTTP(t, demo.Options{Name: "a", ExtraTools: []string{"b__echo", "only_in_a"}, OnCall: func(string) { aCalls.Add(1) }}, false)
	b := demoHTTP(t, demo.Options{Name: "b", OnCall: func(string) { bCalls.Add(1) }}, false)
	g := startGateway(t, gatewayConfig(`
  b:
    url: `+b.URL+`
  a:
    url: `+a.URL+`
    prefix: ""
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(tools)
	n := 0
	for _, x := range names {
		if x == "b__echo" {
			n++
		}
	}
	if n != 1 || !contains(names, "only_in_a") || !contains(names, "echo") {
		t.Fatalf("tools: %v", names)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "b__echo", Arguments: map[string]any{"message": "to b"}})
	if err != nil || textOf(res) != "to b" || bCalls.Load() != 1 || aCalls.Load() != 0 {
		t.Fatalf("b__echo reached a=%d b=%d: %v %v", aCalls.Load(), bCalls.Load(), res, err)
	}
	if res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "only_in_a"}); err != nil || !strings.Contains(textOf(res), "from a") {
		t.Fatalf("unprefixed call: %v %v", res, err)
	}
	_ = cs.Close()
	evs := auditEvents(t, g.Audit)
	found := false
	for _, e := range eventsOf(evs, "tools/list") {
		if d, ok := e["detail"].(map[string]any); ok && d["withheld"] != nil {
			found = strings.Contains(strings.Join(anyStrings(d["withheld"]), ","), "a:b__echo")
		}
	}
	if !found {
		t.Fatal("withheld name not reported in the audit event")
	}
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Upstream pagination passes through under the gateway's own cursors.
func TestPagination(t *testing.T) {
	a := demoHTTP(t, demo.Options{Name: "a", PageSize: 3}, false)
	b := demoHTTP(t, demo.Options{Name: "b", PageSize: 4}, false)
	g := startGateway(t, gatewayConfig(`
  a:
    url: `+a.URL+`
  b:
    url: `+b.URL+`
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	first, err := cs.ListTools(ctx, nil)
	if err != nil || first.NextCursor == "" || len(first.Tools) != 3 {
		t.Fatalf("first page: %d tools, cursor %q, %v", len(first.Tools), first.NextCursor, err)
	}
	var all []string
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, tl.Name)
	}
	sort.Strings(all)
	seen := map[string]bool{}
	for _, n := range all {
		if seen[n] {
			t.Fatalf("duplicate %s across pages", n)
		}
		seen[n] = true
	}
	if !seen["a__echo"] || !seen["b__echo"] || !seen["a__list_roots"] || !seen["b__sleep"] || len(all) != 26 {
		t.Fatalf("paginated listing: %d %v", len(all), all)
	}
	if _, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: "not-a-cursor"}); err == nil {
		t.Fatal("invalid cursor accepted")
	}
}

// An HTTP upstream that forgets its sessions (restart) is reconnected
// transparently: the client's session keeps working.
func TestUpstreamSessionExpiry(t *testing.T) {
	var mu sync.Mutex
	h := demo.HTTPHandler(demo.Options{Name: "r"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cur := h
		mu.Unlock()
		cur.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g := startGateway(t, gatewayConfig(`
  r:
    url: `+srv.URL+`
`))
	cs := connect(t, g.URL, nil)
	ctx := context.Background()
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "one"}}); err != nil || textOf(res) != "one" {
		t.Fatalf("before: %v %v", res, err)
	}
	mu.Lock()
	h = demo.HTTPHandler(demo.Options{Name: "r"}) // every old session id is now unknown (404)
	mu.Unlock()
	for i := 0; i < 3; i++ {
		if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "two"}}); err != nil || textOf(res) != "two" {
			t.Fatalf("after upstream restart (call %d): %v %v", i, res, err)
		}
	}
}
