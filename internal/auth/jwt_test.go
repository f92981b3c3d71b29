package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

const (
	testIssuer   = "https://idp.test/"
	testResource = "http://127.0.0.1:8931/mcp"
)

// issuerKeys is an RSA and an EC signing key and a JWKS server on
// 127.0.0.1 that publishes their public halves (a real HTTP fetch through
// jwx's cache, as in production).
type issuerKeys struct {
	rsa, ec    jwk.Key
	rsaPub     *rsa.PublicKey
	srv        *httptest.Server
	fetches    atomic.Int64
	publishSet atomic.Pointer[jwk.Set]
}

func newIssuerKeys(t testing.TB) *issuerKeys {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ik := &issuerKeys{rsaPub: &rk.PublicKey}
	ik.rsa = mustKey(t, rk, "rsa-1")
	ik.ec = mustKey(t, ek, "ec-1")
	ik.publish(t, ik.rsa, ik.ec)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ik.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ik.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(*ik.publishSet.Load())
	}))
	ik.srv.Listener = ln
	ik.srv.Start()
	t.Cleanup(ik.srv.Close)
	return ik
}

func mustKey(t testing.TB, raw any, kid string) jwk.Key {
	t.Helper()
	k, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	return k
}

// publish replaces the published public keys (rotation).
func (ik *issuerKeys) publish(t testing.TB, keys ...jwk.Key) {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := k.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := set.AddKey(pub); err != nil {
			t.Fatal(err)
		}
	}
	ik.publishSet.Store(&set)
}

func (ik *issuerKeys) verifier(t testing.TB) *JWTVerifier {
	t.Helper()
	keys, err := NewRemoteKeys(context.Background(), ik.srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys.minRefresh = 0 // tests rotate keys at once
	return &JWTVerifier{Issuer: testIssuer, Audience: testResource, Skew: 30 * time.Second, Keys: keys,
		Algorithms: []string{"RS256", "ES256", "PS256"}}
}

type claims map[string]any

func goodClaims() claims {
	now := time.Now()
	return claims{"iss": testIssuer, "sub": "alice", "aud": testResource, "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "jti": "tok-1", "client_id": "ide", "scope": "ev.read ev.write"}
}

func sign(t testing.TB, key jwk.Key, alg jwa.SignatureAlgorithm, c claims) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range c {
		if k == "exp" || k == "iat" || k == "nbf" {
			v = time.Unix(v.(int64), 0)
		}
		if err := tok.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := jwt.Sign(tok, jwt.WithKey(alg, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rawToken builds a compact JWS by hand (for tokens no library would sign:
// alg none, HS256 keyed with the public key, odd headers).
func rawToken(header, payload map[string]any, sig func(signingInput string) string) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	return in + "." + sig(in)
}

func TestJWTVerify(t *testing.T) {
	ik := newIssuerKeys(t)
	v := ik.verifier(t)
	ctx := context.Background()

	// Benign: RS256 and ES256 tokens with every claim right.
	for _, tc := range []struct {
		key jwk.Key
		alg jwa.SignatureAlgorithm
	}{{ik.rsa, jwa.RS256()}, {ik.ec, jwa.ES256()}} {
		id, err := v.Verify(ctx, sign(t, tc.key, tc.alg, goodClaims()))
		if err != nil {
			t.Fatalf("%s: valid token refused: %v", tc.alg, err)
		}
		if id.Subject != "alice" || id.ClientID != "ide" || strings.Join(id.Scopes, " ") != "ev.read ev.write" || id.TokenID != "tok-1" || id.Method != MethodJWT {
			t.Fatalf("identity %+v", id)
		}
	}
	// The audience may differ in scheme/host case and a trailing slash.
	c := goodClaims()
	c["aud"] = []string{"https://other", "HTTP://127.0.0.1:8931/mcp/"}
	if _, err := v.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), c)); err != nil {
		t.Fatalf("equivalent audience refused: %v", err)
	}
	// scp as a list instead of scope.
	c = goodClaims()
	delete(c, "scope")
	c["scp"] = []string{"a", "b"}
	if id, err := v.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), c)); err != nil || strings.Join(id.Scopes, ",") != "a,b" {
		t.Fatalf("scp: %v %+v", err, id)
	}

	pubDER, _ := x509.MarshalPKIXPublicKey(ik.rsaPub)
	hsWithPublicKey := func(in string) string {
		m := hmac.New(sha256.New, pubDER)
		m.Write([]byte(in))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	attacks := []struct {
		name string
		tok  string
		want string
	}{
		{"expired", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "exp", time.Now().Add(-2*time.Minute).Unix())), "expired"},
		{"not yet valid", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "nbf", time.Now().Add(5*time.Minute).Unix())), "not valid yet"},
		{"wrong audience", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "aud", "http://127.0.0.1:8931/other")), "audience"},
		{"no audience", sign(t, ik.rsa, jwa.RS256(), without(goodClaims(), "aud")), "audience"},
		{"wrong issuer", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "iss", "https://evil.test/")), "issuer"},
		{"no exp", sign(t, ik.rsa, jwa.RS256(), without(goodClaims(), "exp")), "exp"},
		{"no sub", sign(t, ik.rsa, jwa.RS256(), without(goodClaims(), "sub")), "sub"},
		{"alg none", rawToken(map[string]any{"alg": "none", "typ": "JWT"}, goodClaims(), func(string) string { return "" }), `"none" is not allowed`},
		{"alg None", rawToken(map[string]any{"alg": "None", "kid": "rsa-1"}, goodClaims(), func(string) string { return "" }), "not allowed"},
		{"HS256 keyed with the RSA public key", rawToken(map[string]any{"alg": "HS256", "kid": "rsa-1"}, goodClaims(), hsWithPublicKey), `"HS256" is not allowed`},
		{"RS256 header on the EC key", rawToken(map[string]any{"alg": "RS256", "kid": "ec-1"}, goodClaims(), func(string) string { return "AAAA" }), "does not fit"},
		{"forged signature", func() string {
			tok := sign(t, ik.rsa, jwa.RS256(), goodClaims())
			parts := strings.Split(tok, ".")
			p, _ := json.Marshal(with(goodClaims(), "sub", "admin"))
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
		}(), "signature"},
		{"key from the token (jwk header)", rawToken(map[string]any{"alg": "RS256", "kid": "rsa-1", "jwk": map[string]any{"kty": "RSA"}}, goodClaims(), func(string) string { return "AAAA" }), "names its own key"},
		{"jku header", rawToken(map[string]any{"alg": "RS256", "kid": "rsa-1", "jku": "https://evil.test/jwks"}, goodClaims(), func(string) string { return "AAAA" }), "names its own key"},
		{"crit header", rawToken(map[string]any{"alg": "RS256", "kid": "rsa-1", "crit": []string{"exp"}}, goodClaims(), func(string) string { return "AAAA" }), "crit"},
		{"ID token type", signWithTyp(t, ik.rsa, "id_token+jwt"), "not accepted"},
		{"unknown kid", rawToken(map[string]any{"alg": "RS256", "kid": "nope"}, goodClaims(), func(string) string { return "AAAA" }), "no issuer key"},
		{"not a JWS", "abc.def", "compact JWS"},
		{"ID token (at_hash)", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "at_hash", "x")), "ID token"},
		{"ID token (nonce)", sign(t, ik.rsa, jwa.RS256(), with(goodClaims(), "nonce", "n")), "ID token"},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			id, err := v.Verify(ctx, a.tok)
			if err == nil {
				t.Fatalf("accepted: %+v", id)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Unavailable {
				t.Fatalf("error %v (%T), want an invalid-token error", err, err)
			}
			if !strings.Contains(err.Error(), a.want) {
				t.Fatalf("error %q, want it to mention %q", err, a.want)
			}
		})
	}
}

func signWithTyp(t testing.TB, key jwk.Key, typ string) string {
	t.Helper()
	payload, _ := json.Marshal(goodClaims())
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.TypeKey, typ)
	b, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func with(c claims, k string, v any) claims { c[k] = v; return c }
func without(c claims, k string) claims     { delete(c, k); return c }

// A token signed with a key the issuer published after the verifier last
// fetched the JWKS is accepted after one refresh (rotation); a retired key
// stops working once the new set is fetched.
func TestJWTKeyRotation(t *testing.T) {
	ik := newIssuerKeys(t)
	v := ik.verifier(t)
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), goodClaims())); err != nil {
		t.Fatal(err)
	}
	nk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rotated := mustKey(t, nk, "rsa-2")
	ik.publish(t, rotated)
	before := ik.fetches.Load()
	if _, err := v.Verify(ctx, sign(t, rotated, jwa.RS256(), goodClaims())); err != nil {
		t.Fatalf("token of the rotated key refused: %v", err)
	}
	if ik.fetches.Load() == before {
		t.Fatal("the JWKS was not fetched again for the unknown kid")
	}
	if _, err := v.Verify(ctx, sign(t, ik.rsa, jwa.RS256(), goodClaims())); err == nil {
		t.Fatal("token of the retired key still accepted after the refresh")
	}
}

// The issuer's keys unreachable: refused as unavailable (fail closed, 503).
func TestJWTKeysUnavailable(t *testing.T) {
	ik := newIssuerKeys(t)
	tok := sign(t, ik.rsa, jwa.RS256(), goodClaims())
	keys, err := NewRemoteKeys(context.Background(), "http://127.0.0.1:1/jwks", &http.Client{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	v := &JWTVerifier{Issuer: testIssuer, Audience: testResource, Algorithms: []string{"RS256"}, Keys: keys}
	_, err = v.Verify(context.Background(), tok)
	var te *TokenError
	if !errors.As(err, &te) || !te.Unavailable || Status(err) != http.StatusServiceUnavailable {
		t.Fatalf("got %v, want an unavailable error (503)", err)
	}
}
