package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// An RFC 7662 endpoint stands in for an IdP here (the test IdP's
// introspection answers only for tokens whose audience is the caller's
// client id, which no token for the gateway's resource has); it checks the
// gateway's request and answers per token.
func TestIntrospection(t *testing.T) {
	now := time.Now()
	answers := map[string]map[string]any{
		"good":        {"active": true, "sub": "alice", "client_id": "ide", "scope": "ev.read", "exp": now.Add(time.Minute).Unix(), "aud": testResource, "iss": testIssuer, "jti": "o-1"},
		"inactive":    {"active": false},
		"other-aud":   {"active": true, "sub": "alice", "exp": now.Add(time.Minute).Unix(), "aud": []string{"https://other/mcp"}},
		"no-aud":      {"active": true, "sub": "alice", "exp": now.Add(time.Minute).Unix()},
		"expired":     {"active": true, "sub": "alice", "exp": now.Add(-time.Minute).Unix(), "aud": testResource},
		"wrong-iss":   {"active": true, "sub": "alice", "exp": now.Add(time.Minute).Unix(), "aud": testResource, "iss": "https://evil/"},
		"aud-in-list": {"active": true, "sub": "bob", "exp": now.Add(time.Minute).Unix(), "aud": []string{"x", testResource + "/"}},
	}
	calls := 0
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		user, pass, ok := r.BasicAuth()
		if r.Method != http.MethodPost || !ok || user != "gw" || pass != "s3cret" || r.FormValue("token_type_hint") != "access_token" {
			http.Error(w, "bad request", http.StatusUnauthorized)
			return
		}
		a, ok := answers[r.FormValue("token")]
		if !ok {
			a = map[string]any{"active": false}
		}
		_ = json.NewEncoder(w).Encode(a)
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	in := &Introspector{Endpoint: srv.URL, ClientID: "gw", ClientSecret: "s3cret", Issuer: testIssuer, Audience: testResource}
	rs := NewResourceServer(testResource, []string{testIssuer}, nil, Options{})
	rs.Opaque = in
	ctx := context.Background()
	id, _, err := rs.Verify(ctx, "good")
	if err != nil || id.Subject != "alice" || id.ClientID != "ide" || strings.Join(id.Scopes, " ") != "ev.read" || id.Method != MethodIntrospection {
		t.Fatalf("good: %v %+v", err, id)
	}
	before := calls
	if _, _, err := rs.Verify(ctx, "good"); err != nil || calls != before {
		t.Fatalf("a verified opaque token is asked again (%d calls) or refused: %v", calls-before, err)
	}
	if _, _, err := rs.Verify(ctx, "aud-in-list"); err != nil {
		t.Fatalf("audience among several: %v", err)
	}
	for _, tok := range []string{"inactive", "other-aud", "no-aud", "expired", "wrong-iss", "unknown"} {
		if _, _, err := rs.Verify(ctx, tok); err == nil {
			t.Errorf("%s: accepted", tok)
		}
	}
	// The endpoint unreachable: refused as unavailable (503), not accepted.
	in.Endpoint = "http://127.0.0.1:1/introspect"
	_, _, err = rs.Verify(ctx, "never-seen")
	var te *TokenError
	if !errors.As(err, &te) || !te.Unavailable {
		t.Fatalf("unreachable endpoint: %v", err)
	}
}
