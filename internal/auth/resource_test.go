package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
)

func newRS(t testing.TB, ik *issuerKeys, now func() time.Time) *ResourceServer {
	rs := NewResourceServer(testResource, []string{testIssuer}, []string{"ev.read"}, Options{CacheSize: 4, Now: now})
	v := ik.verifier(t)
	if now != nil {
		v.Now = now
	}
	rs.JWT = v
	return rs
}

func TestResourceServerCacheAndRevocation(t *testing.T) {
	ik := newIssuerKeys(t)
	clock := time.Now()
	rs := newRS(t, ik, func() time.Time { return clock })
	ctx := context.Background()
	c := goodClaims()
	c["exp"] = clock.Add(2 * time.Minute).Unix()
	tok := sign(t, ik.rsa, jwa.RS256(), c)
	id, h, err := rs.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	// Served from the cache: the same identity, no new verification.
	id2, _, err := rs.Verify(ctx, tok)
	if err != nil || id2 != id {
		t.Fatalf("second verify: %v, same identity %v", err, id2 == id)
	}
	// Never past exp, even from the cache.
	clock = clock.Add(3 * time.Minute)
	if _, _, err := rs.Verify(ctx, tok); err == nil {
		t.Fatal("expired token served from the cache")
	}
	clock = clock.Add(-3 * time.Minute)
	// Revoked: refused although cached and otherwise valid.
	if _, _, err := rs.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	rs.Revoke(h, id)
	if _, _, err := rs.Verify(ctx, tok); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked token: %v", err)
	}
	// Another token of the same principal is not affected (benign twin).
	c2 := goodClaims()
	c2["jti"] = "tok-2"
	if _, _, err := rs.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), c2)); err != nil {
		t.Fatalf("another token refused: %v", err)
	}
	// The cache stays bounded.
	for i := 0; i < 20; i++ {
		ci := goodClaims()
		ci["jti"] = "many-" + string(rune('a'+i))
		if _, _, err := rs.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), ci)); err != nil {
			t.Fatal(err)
		}
	}
	if n := rs.cache.len(); n > 4 {
		t.Fatalf("cache holds %d entries, bound is 4", n)
	}
}

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		query   string
		want    string
		errWant string
	}{
		{"ok", []string{"Bearer abc.def-ghi_"}, "", "abc.def-ghi_", ""},
		{"scheme case-insensitive", []string{"bearer abc"}, "", "abc", ""},
		{"none", nil, "", "", "no bearer token"},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, "", "", "no bearer token"},
		{"query string", nil, "access_token=abc", "", "query string"},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", "", "more than one"},
		{"bad characters", []string{"Bearer a b"}, "", "", "malformed"},
		{"empty", []string{"Bearer "}, "", "", "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/mcp?"+tc.query, nil)
			for _, h := range tc.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := BearerToken(r)
			if tc.errWant != "" {
				if err == nil || !strings.Contains(Reason(err), tc.errWant) {
					t.Fatalf("got %q, %v; want error %q", got, err, tc.errWant)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestMetadataAndChallenges(t *testing.T) {
	rs := NewResourceServer("https://gw.example.com/team/mcp", []string{"https://idp.example.com/"}, []string{"ev.read"}, Options{})
	if got := MetadataPath(rs.Resource); got != "/.well-known/oauth-protected-resource/team/mcp" {
		t.Fatalf("path %q", got)
	}
	if got := rs.MetadataURL(); got != "https://gw.example.com/.well-known/oauth-protected-resource/team/mcp" {
		t.Fatalf("url %q", got)
	}
	if got := rs.Challenge(ErrNoToken, []string{"ev.read"}); got != `Bearer resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource/team/mcp", scope="ev.read"` {
		t.Fatalf("challenge %s", got)
	}
	if got := rs.Challenge(invalid("wrong audience xyzzy"), nil); !strings.Contains(got, `error="invalid_token"`) || strings.Contains(got, "xyzzy") {
		t.Fatalf("invalid-token challenge %s (must not tell the client which check failed)", got)
	}
	if got := rs.InsufficientScope([]string{"ev.read", "ev.admin"}, `needs "admin"`); !strings.Contains(got, `error="insufficient_scope", scope="ev.read ev.admin"`) || !strings.Contains(got, `error_description="needs \"admin\""`) {
		t.Fatalf("insufficient scope %s", got)
	}
	w := httptest.NewRecorder()
	rs.ServeMetadata(w, httptest.NewRequest(http.MethodGet, "/.well-known/oauth-protected-resource/team/mcp", nil))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `"resource":"https://gw.example.com/team/mcp"`) || !strings.Contains(body, `"authorization_servers":["https://idp.example.com/"]`) || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("metadata %d %s %v", w.Code, body, w.Header())
	}
}

func TestMetadataURLs(t *testing.T) {
	got, _ := MetadataURLs("https://auth.example.com/tenant1")
	want := []string{"https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
		"https://auth.example.com/.well-known/openid-configuration/tenant1",
		"https://auth.example.com/tenant1/.well-known/openid-configuration"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v", got)
	}
	got, _ = MetadataURLs("https://auth.example.com/")
	if strings.Join(got, " ") != "https://auth.example.com/.well-known/oauth-authorization-server https://auth.example.com/.well-known/openid-configuration" {
		t.Fatalf("got %v", got)
	}
}

// BenchmarkVerify: a signature check (first sight of a token) against a
// token already verified (served from the cache by its SHA-256).
func BenchmarkVerify(b *testing.B) {
	ik := newIssuerKeys(b)
	for _, alg := range []struct {
		name string
		tok  string
	}{{"RS256", sign(b, ik.rsa, jwa.RS256(), goodClaims())}, {"ES256", sign(b, ik.ec, jwa.ES256(), goodClaims())}} {
		b.Run(alg.name+"/signature", func(b *testing.B) {
			v := ik.verifier(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, alg.tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg.name+"/cached", func(b *testing.B) {
			rs := newRS(b, ik, nil)
			ctx := context.Background()
			if _, _, err := rs.Verify(ctx, alg.tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := rs.Verify(ctx, alg.tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
