package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// notifications/tools/list_changed reaches clients, and the new tool is
// listed and callable, for shared (stdio) and per-client (HTTP) upstreams.
func TestToolListChanged(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	g := startGateway(t, twoUpstreams(up.URL))
	for _, prefix := range []string{"local", "remote"} {
		t.Run(prefix, func(t *testing.T) {
			var changed atomic.Int32
			c := mcp.NewClient(&mcp.Implementation{Name: "lc", Version: "1"}, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed.Add(1) },
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, legacySession)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			if _, err := cs.ListTools(ctx, nil); err != nil {
				t.Fatal(err)
			}
			name := "fresh_" + prefix
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "__add_tool", Arguments: map[string]any{"id": name}}); err != nil {
				t.Fatal(err)
			}
			for changed.Load() == 0 && ctx.Err() == nil {
				time.Sleep(20 * time.Millisecond)
			}
			if changed.Load() == 0 {
				t.Fatal("no tools/list_changed reached the client")
			}
			tools, err := cs.ListTools(ctx, nil)
			if err != nil || !contains(toolNames(tools), prefix+"__"+name) {
				t.Fatalf("new tool not listed: %v %v", toolNames(tools), err)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "__" + name})
			if err != nil || textOf(res) != name+" ran" {
				t.Fatalf("new tool: %v %v", res, err)
			}
		})
	}
}

// Many client sessions use one shared stdio upstream session at once: the
// gateway's own ids keep their (identical) client ids apart.
func TestConcurrentSessionsSharedUpstream(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "remote"}, false)
	g := startGateway(t, twoUpstreams(up.URL))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := connect(t, g.URL, nil)
			for j := 0; j < 25; j++ {
				msg := fmt.Sprintf("s%d-c%d", i, j)
				for _, p := range []string{"local", "remote"} {
					res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: p + "__echo", Arguments: map[string]any{"message": msg}})
					if err != nil || textOf(res) != msg {
						errs <- fmt.Errorf("%s %s: %v %v", p, msg, res, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
