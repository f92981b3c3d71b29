package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// benchAuth is the -auth setting: the gateway runs its embedded
// authorization server, every tool needs a scope, and the bench's
// sessions carry a token it gets with client_credentials and
// private_key_jwt, as a CI service would.
type benchAuth struct {
	key      jwk.Key
	jwksFile string
}

func newBenchAuth(dir string) (*benchAuth, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	k, err := jwk.Import(priv)
	if err != nil {
		return nil, err
	}
	_ = k.Set(jwk.KeyIDKey, "bench-1")
	pub, err := k.PublicKey()
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	b, _ := json.Marshal(set)
	f := filepath.Join(dir, "bench.jwks.json")
	return &benchAuth{key: k, jwksFile: f}, os.WriteFile(f, b, 0o600)
}

// yaml is the auth block and the scope rule for the demo server.
func (a *benchAuth) yaml(gwAddr string) (authYAML, toolsYAML string) {
	return fmt.Sprintf(`auth:
  mode: embedded
  resource: http://%s/mcp
  clients:
    bench:
      grant_types: [client_credentials]
      jwks_file: %s
      scopes: [demo.read]
`, gwAddr, a.jwksFile), "    tools:\n      \"*\": {scopes: [demo.read]}\n"
}

// token gets an access token from the gateway's authorization server.
func (a *benchAuth) token(gwBase string) (string, error) {
	tok, _ := jwt.NewBuilder().Issuer("bench").Subject("bench").Audience([]string{gwBase}).
		IssuedAt(time.Now()).Expiration(time.Now().Add(time.Minute)).JwtID(fmt.Sprint(time.Now().UnixNano())).Build()
	assertion, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), a.key))
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"demo.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {string(assertion)}}
	resp, err := http.PostForm(gwBase+"/oauth/token", form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	if resp.StatusCode != 200 || tr.AccessToken == "" {
		return "", fmt.Errorf("token: HTTP %d %s", resp.StatusCode, strings.TrimSpace(tr.Error))
	}
	return tr.AccessToken, nil
}

// bearer adds the token to every request of a client.
type bearer struct {
	tok  string
	base http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}

// withToken returns hc sending tok (hc itself when tok is empty).
func withToken(hc *http.Client, tok string) *http.Client {
	if tok == "" {
		return hc
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{Transport: bearer{tok: tok, base: base}, Timeout: hc.Timeout}
}
