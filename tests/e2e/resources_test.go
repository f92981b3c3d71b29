package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestResourceRules: a server's resource URIs are restricted to its
// allowed patterns (listing, reading, subscribing), and path traversal is
// refused in any encoding.
func TestResourceRules(t *testing.T) {
	g := startGateway(t, `
listen: {{LISTEN}}
policy:
  default: allow
servers:
  ev:
    command: node
    args: ["`+npmServer(t, "server-everything")+`", "stdio"]
    resources:
      allow: ["demo://resource/static/document/architecture.md", "demo://resource/static/document/*.txt"]
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	cs := connect(t, g.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range res.Resources {
		listed = append(listed, r.URI)
		if !strings.HasPrefix(r.URI, "demo://resource/static/document/") {
			t.Errorf("listed outside the allowlist: %s", r.URI)
		}
	}
	t.Logf("listed: %v", listed)
	if len(listed) == 0 {
		t.Fatal("nothing listed: the allowlist patterns do not fit server-everything's resources")
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: listed[0]}); err != nil {
		t.Fatalf("read %s: %v", listed[0], err)
	}
	for _, uri := range []string{
		"demo://resource/dynamic/text/1",
		"demo://resource/static/document/../../dynamic/text/1",
		"demo://resource/static/document/%2e%2e/%2e%2e/dynamic/text/1",
		"demo://resource/static/document/..%2f..%2fdynamic/text/1",
		"demo://resource/static/document//architecture.md",
	} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil {
			t.Errorf("%s: read", uri)
		}
		if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: uri}); err == nil {
			t.Errorf("%s: subscribed", uri)
		}
	}
}
