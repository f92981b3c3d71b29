package e2e

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// Closing client sessions that used per-client upstream sessions leaves no
// upstream connections behind (they once leaked one HTTP client each).
func TestNoConnectionLeakAcrossSessions(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "r"}, false)
	g := startGateway(t, gatewayConfig(`
  r:
    url: `+up.URL+`
`))
	fds := func() int {
		ents, err := os.ReadDir("/proc/" + strconv.Itoa(g.cmd.Process.Pid) + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	ctx := context.Background()
	cycle := func() {
		c := mcp.NewClient(&mcp.Implementation{Name: "leak", Version: "1"}, nil)
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL}, legacySession)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": "x"}}); err != nil {
			t.Fatal(err)
		}
		_ = cs.Close()
	}
	for i := 0; i < 20; i++ {
		cycle()
	}
	base := fds()
	for i := 0; i < 300; i++ {
		cycle()
	}
	if after := fds(); after > base+40 {
		t.Fatalf("gateway open files grew from %d to %d over 300 closed sessions", base, after)
	}
}
