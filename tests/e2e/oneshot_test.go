package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// TestAuthOneShotScope: a token that carries a one-shot scope is good for
// one call that needs it; the gateway then revokes it, so the next request
// with it is refused (401) and the client must step up again. A token
// without the one-shot scope is not affected (benign twin).
func TestAuthOneShotScope(t *testing.T) {
	bot := newCIBot(t)
	g := startGateway(t, `
listen: {{LISTEN}}
auth:
  mode: embedded
  resource: http://{{LISTEN}}/mcp
  one_shot_scopes: [demo.admin]
  clients:
    ci-bot:
      grant_types: [client_credentials]
      jwks_file: "`+bot.jwksFile+`"
      scopes: [demo.read, demo.admin]
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
    tools:
      echo: {scopes: [demo.read]}
      "*": {scopes: [demo.admin]}
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	issuer := "http://" + g.Addr
	token := func(scope string) string {
		st, m := bot.token(t, issuer, issuer, url.Values{"scope": {scope}})
		tok, _ := m["access_token"].(string)
		if st != 200 || tok == "" {
			t.Fatalf("token %q: %d %v", scope, st, m)
		}
		return tok
	}
	echo := callBody(2, "demo__echo", `{"message":"x"}`)
	getEnv := callBody(3, "demo__get_env", `{}`)

	// Benign twin: ev.read only, used many times.
	reader := token("demo.read")
	sid := authInit(t, g.URL, reader)
	for i := 0; i < 3; i++ {
		if st, _, body := authRaw(t, g.URL, reader, sid, echo); st != 200 || strings.Contains(body, `"error"`) {
			t.Fatalf("reader echo %d: %d %s", i, st, body)
		}
	}

	// The elevated token: its one admin call works, then it is revoked.
	admin := token("demo.read demo.admin")
	sid = authInit(t, g.URL, admin)
	if st, _, body := authRaw(t, g.URL, admin, sid, echo); st != 200 || strings.Contains(body, `"error"`) {
		t.Fatalf("echo before the one-shot call: %d %s", st, body)
	}
	if st, _, body := authRaw(t, g.URL, admin, sid, getEnv); st != 200 || strings.Contains(body, `"error"`) {
		t.Fatalf("the one-shot call: %d %s", st, body)
	}
	st, h, body := authRaw(t, g.URL, admin, sid, getEnv)
	if st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("second admin call with the same token: %d %s %v", st, body, h)
	}
	if st, _, body := authRaw(t, g.URL, admin, sid, echo); st != 401 {
		t.Fatalf("any request with the spent token: %d %s", st, body)
	}
	// A new elevated token (a new step-up) works once more, on the same
	// session (same principal).
	admin2 := token("demo.read demo.admin")
	if st, _, body := authRaw(t, g.URL, admin2, sid, getEnv); st != 200 || strings.Contains(body, `"error"`) {
		t.Fatalf("after a new step-up: %d %s", st, body)
	}
}
