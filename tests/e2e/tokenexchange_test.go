package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/demo"
)

// protectedUpstream is a Go SDK MCP server that accepts only JWTs from the
// IdP meant for itself (aud = its URL), verified by the gateway's own
// resource-server code, and records who called and what token came.
type protectedUpstream struct {
	url string
	mu  sync.Mutex
	ids []*auth.Identity
	raw []string
}

func startProtectedUpstream(t *testing.T, issuer string) *protectedUpstream {
	t.Helper()
	pu := &protectedUpstream{}
	h := demo.HTTPHandler(demo.Options{Name: "exchanged"})
	var rs *auth.ResourceServer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := auth.BearerToken(r)
		id, _, err := rs.Authenticate(r)
		pu.mu.Lock()
		pu.raw = append(pu.raw, tok)
		if err == nil {
			pu.ids = append(pu.ids, id)
		}
		pu.mu.Unlock()
		if err != nil {
			w.Header().Set("WWW-Authenticate", rs.Challenge(err, nil))
			http.Error(w, err.Error(), auth.Status(err))
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	pu.url = srv.URL + "/mcp"
	keys, err := auth.NewRemoteKeys(context.Background(), issuer+"keys", nil)
	if err != nil {
		t.Fatal(err)
	}
	rs = auth.NewResourceServer(pu.url, []string{issuer}, nil, auth.Options{})
	rs.JWT = &auth.JWTVerifier{Issuer: issuer, Audience: pu.url, Algorithms: []string{"RS256"}, Skew: 30 * time.Second, Keys: keys}
	return pu
}

// TestAuthTokenExchange: the gateway gets each user's token for an
// upstream by RFC 8693 token exchange at the IdP; the upstream sees a
// token meant for it, naming the user and the gateway as actor, never the
// client's own token (which it would refuse: wrong audience).
func TestAuthTokenExchange(t *testing.T) {
	issuer := startIDP(t)
	up := startProtectedUpstream(t, issuer)
	g := startGateway(t, `
listen: {{LISTEN}}
auth:
  issuer: "`+issuer+`"
servers:
  up:
    url: `+up.url+`
    timeout: 5s
    token_exchange:
      client_id: gateway
      client_secret: "env:TX_GATEWAY_SECRET"
      scopes: [up.read]
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`, "TX_GATEWAY_SECRET=gatewaysecret")
	clientTok := idpToken(t, issuer, "sid1", "verysecret", "gw.use", g.URL)

	// Attack on the upstream directly with the client's token: refused (it
	// is meant for the gateway).
	req, _ := http.NewRequest("POST", up.url, strings.NewReader(initBody))
	req.Header.Set("Authorization", "Bearer "+clientTok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("the client's own token at the upstream: %d, want 401", resp.StatusCode)
	}
	up.mu.Lock()
	up.raw, up.ids = nil, nil // from here on, only what the gateway sends
	up.mu.Unlock()

	cs := connectWithToken(t, g.URL, clientTok)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__echo", Arguments: map[string]any{"message": "exchanged"}})
	if err != nil || res.IsError || !strings.Contains(textOf(res), "exchanged") {
		t.Fatalf("call through token exchange: %v %+v", err, res)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if len(up.ids) == 0 {
		t.Fatal("the upstream accepted no token")
	}
	for _, raw := range up.raw {
		if raw == clientTok {
			t.Fatal("the client's token reached the upstream")
		}
	}
	id := up.ids[len(up.ids)-1]
	if id.Subject != "sid1" || !strings.Contains(strings.Join(id.Scopes, " "), "up.read") {
		t.Fatalf("exchanged token identity %+v: want the user sid1 with up.read", id)
	}
}
