package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestProtocolPairingsScopes: the scope guard in every pairing of client
// and server revision. A token of the test IdP holding demo.read calls a
// tool that needs it and is refused a tool that needs demo.admin, whatever
// the revisions; a token holding both (the benign twin) calls both. The
// token is checked on every request of a 2026-07-28 client (no session).
func TestProtocolPairingsScopes(t *testing.T) {
	issuer := startIDP(t)
	modern := newProtoServer(t, "modern", true)
	legacy := newProtoServer(t, "legacy", false)
	g := startGateway(t, `
listen: {{LISTEN}}
auth:
  issuer: "`+issuer+`"
servers:
  modern:
    url: `+modern.url+`
    protocol: auto
    timeout: 10s
    tools:
      note: {scopes: [demo.admin]}
      "*": {scopes: [demo.read]}
  legacy:
    url: `+legacy.url+`
    protocol: auto
    timeout: 10s
    tools:
      note: {scopes: [demo.admin]}
      "*": {scopes: [demo.read]}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	read := idpToken(t, issuer, "sid1", "verysecret", "demo.read", g.URL)
	admin := idpToken(t, issuer, "sid1", "verysecret", "demo.read demo.admin", g.URL)

	connectAs := func(t *testing.T, tok string, modernClient bool) *mcp.ClientSession {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := mcp.NewClient(&mcp.Implementation{Name: "scopes-pairing", Version: "1.0"}, nil)
		hc := &http.Client{Transport: bearer{tok: tok, base: http.DefaultTransport}}
		var opts *mcp.ClientSessionOptions
		if !modernClient {
			opts = legacySession
		}
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: g.URL, HTTPClient: hc}, opts)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		want := "2025-11-25"
		if modernClient {
			want = "2026-07-28"
		}
		if v := cs.InitializeResult().ProtocolVersion; v != want {
			t.Fatalf("client got %q, want %q", v, want)
		}
		return cs
	}
	for _, modernClient := range []bool{false, true} {
		for _, server := range []string{"legacy", "modern"} {
			name := map[bool]string{false: "old client", true: "new client"}[modernClient] + " to " + server + " server"
			t.Run(name, func(t *testing.T) {
				cs := connectAs(t, read, modernClient)
				if out, err := callEv(t, cs, server+"__echo", map[string]any{"text": "hi"}); err != nil || out != "echo: hi" {
					t.Fatalf("echo with demo.read: %q %v", out, err)
				}
				_, err := callEv(t, cs, server+"__note", map[string]any{"text": "x"})
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), "scope") {
					t.Fatalf("note without demo.admin: %v", err)
				}
				// The benign twin: a token with the scope.
				cs2 := connectAs(t, admin, modernClient)
				if out, err := callEv(t, cs2, server+"__note", map[string]any{"text": "ok"}); err != nil || out != "noted ok" {
					t.Fatalf("note with demo.admin: %q %v", out, err)
				}
			})
		}
	}
	// Every refusal is audited with the scope guard's decision.
	denied := 0
	for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
		if d, ok := ev["decision"].(map[string]any); ok && d["action"] == "deny" && d["guard"] == "scopes" {
			denied++
		}
	}
	if denied < 4 {
		t.Fatalf("%d scope refusals audited, want 4", denied)
	}
}
