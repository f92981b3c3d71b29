package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// KeySource gives the verification keys of an issuer.
type KeySource interface {
	// Keys returns the current key set. refresh asks for a fresh copy
	// (a token named a key id the cached set lacks); implementations rate
	// limit it.
	Keys(ctx context.Context, refresh bool) (jwk.Set, error)
}

// StaticKeys is a fixed key set (the embedded authorization server's own
// public keys, or tests).
type StaticKeys struct {
	mu  sync.RWMutex
	set jwk.Set
}

// NewStaticKeys returns a KeySource serving set.
func NewStaticKeys(set jwk.Set) *StaticKeys { return &StaticKeys{set: set} }

// Set replaces the keys (rotation).
func (s *StaticKeys) Set(set jwk.Set) {
	s.mu.Lock()
	s.set = set
	s.mu.Unlock()
}

// Keys implements KeySource.
func (s *StaticKeys) Keys(context.Context, bool) (jwk.Set, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.set, nil
}

// RemoteKeys is a JWKS URL cached by jwx's jwk.Cache: refreshed in the
// background (between MinRefresh and an hour, following Cache-Control), and
// on demand when a token names an unknown key id, at most once per
// MinRefresh.
type RemoteKeys struct {
	url   string
	cache *jwk.Cache

	mu          sync.Mutex
	lastRefresh time.Time
	minRefresh  time.Duration
}

// NewRemoteKeys registers url in a new jwk.Cache. It does not wait for the
// first fetch: until it succeeds, Keys fails and tokens are refused.
func NewRemoteKeys(ctx context.Context, url string, client *http.Client) (*RemoteKeys, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	c, err := jwk.NewCache(ctx, httprc.NewClient(httprc.WithHTTPClient(client)))
	if err != nil {
		return nil, err
	}
	min := 5 * time.Second
	if err := c.Register(ctx, url, jwk.WithMinInterval(5*time.Minute), jwk.WithMaxInterval(time.Hour), jwk.WithWaitReady(false)); err != nil {
		return nil, fmt.Errorf("auth: register JWKS %s: %w", url, err)
	}
	return &RemoteKeys{url: url, cache: c, minRefresh: min}, nil
}

// Keys implements KeySource.
func (r *RemoteKeys) Keys(ctx context.Context, refresh bool) (jwk.Set, error) {
	if refresh {
		if set, ok := r.refresh(ctx); ok {
			return set, nil
		}
	}
	set, err := r.cache.Lookup(ctx, r.url)
	if err != nil {
		// Not fetched yet (or failing): try once now.
		if set, ok := r.refresh(ctx); ok {
			return set, nil
		}
		return nil, err
	}
	return set, nil
}

// refresh fetches the set anew, at most once per minRefresh.
func (r *RemoteKeys) refresh(ctx context.Context) (jwk.Set, bool) {
	r.mu.Lock()
	due := time.Since(r.lastRefresh) >= r.minRefresh
	if due {
		r.lastRefresh = time.Now()
	}
	r.mu.Unlock()
	if !due {
		return nil, false
	}
	set, err := r.cache.Refresh(ctx, r.url)
	return set, err == nil
}

// verifySigned checks a compact JWS: the header (algorithm allowlist
// before any key is touched, no crit, no key named by the token, a typ
// typOK accepts), the signature with the issuer's key for its kid, and
// iss, exp (required), nbf, iat and sub (required).
func (v *JWTVerifier) verifySigned(ctx context.Context, tok string, typOK func(string) bool) (jwt.Token, error) {
	if strings.Count(tok, ".") != 2 {
		return nil, invalid("not a compact JWS")
	}
	hb, err := base64.RawURLEncoding.DecodeString(tok[:strings.IndexByte(tok, '.')])
	if err != nil {
		return nil, invalid("JWS header is not base64url")
	}
	var hd jwsHeader
	if err := json.Unmarshal(hb, &hd); err != nil {
		return nil, invalid("JWS header is not JSON")
	}
	// The algorithm allowlist is checked before any key is looked at:
	// "none" and MACs never reach a verifier.
	allowed := false
	for _, a := range v.Algorithms {
		if hd.Alg == a {
			allowed = true
			break
		}
	}
	if !allowed {
		return nil, invalid("algorithm %q is not allowed", hd.Alg)
	}
	if len(hd.Crit) > 0 {
		return nil, invalid("JWS crit header is not supported")
	}
	if hd.Jku != "" || hd.X5u != "" || len(hd.Jwk) > 0 {
		// Keys come from the issuer's JWKS only, never from the token.
		return nil, invalid("token names its own key (jku/x5u/jwk); refused")
	}
	if !typOK(strings.ToLower(hd.Typ)) {
		return nil, invalid("token type %q is not accepted here", hd.Typ)
	}
	alg, ok := jwa.LookupSignatureAlgorithm(hd.Alg)
	if !ok {
		return nil, invalid("unknown algorithm %q", hd.Alg)
	}
	key, terr := v.key(ctx, hd.Kid, hd.Alg)
	if terr != nil {
		return nil, terr
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t, err := jwt.Parse([]byte(tok),
		jwt.WithKey(alg, key),
		jwt.WithValidate(true),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAcceptableSkew(v.Skew),
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("sub"),
		jwt.WithClock(jwt.ClockFunc(now)),
	)
	if err != nil {
		return nil, invalid("%s", describeJWTError(err))
	}
	return t, nil
}

// VerifyIDToken checks an OpenID Connect ID token the gateway received as
// a relying party (signing a user in on its own pages): signature and
// claims as for access tokens, aud naming clientID, and the nonce of the
// sign-in. It returns the subject.
func (v *JWTVerifier) VerifyIDToken(ctx context.Context, tok, clientID, nonce string) (string, error) {
	t, err := v.verifySigned(ctx, tok, func(typ string) bool { return typ == "" || typ == "jwt" })
	if err != nil {
		return "", err
	}
	if aud, _ := t.Audience(); !slices.Contains(aud, clientID) {
		return "", invalid("ID token audience %q does not name this client", aud)
	}
	var got string
	if t.Get("nonce", &got) != nil || nonce == "" || got != nonce {
		return "", invalid("ID token nonce does not match the sign-in")
	}
	sub, _ := t.Subject()
	return sub, nil
}

// JWTVerifier verifies JWT access tokens.
type JWTVerifier struct {
	Issuer     string
	Audience   string // the resource URI the token must be meant for
	Algorithms []string
	Skew       time.Duration
	Keys       KeySource
	// RequireJTI refuses tokens without a jti (the embedded server always
	// sets one, and revokes by it).
	RequireJTI bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	Jku  string          `json:"jku"`
	X5u  string          `json:"x5u"`
	Jwk  json.RawMessage `json:"jwk"`
}

// LooksLikeJWT reports whether tok has the compact JWS shape with a JSON
// header naming an algorithm.
func LooksLikeJWT(tok string) bool {
	h, _, ok := strings.Cut(tok, ".")
	if !ok || strings.Count(tok, ".") != 2 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return false
	}
	var hd jwsHeader
	return json.Unmarshal(b, &hd) == nil && hd.Alg != ""
}

// Verify checks tok and returns its identity.
func (v *JWTVerifier) Verify(ctx context.Context, tok string) (*Identity, error) {
	t, err := v.verifySigned(ctx, tok, func(typ string) bool {
		return typ == "" || typ == "jwt" || typ == "at+jwt" || typ == "application/at+jwt"
	})
	if err != nil {
		return nil, err
	}
	// An ID token is not an access token (OpenID Connect), even when its
	// audience and issuer fit: refuse the claims only ID tokens carry.
	for _, c := range []string{"at_hash", "c_hash", "nonce", "s_hash"} {
		if t.Has(c) {
			return nil, invalid("an ID token (claim %s) is not an access token", c)
		}
	}
	if v.RequireJTI {
		if j, _ := t.JwtID(); j == "" {
			return nil, invalid("token has no jti")
		}
	}
	if aud, _ := t.Audience(); !AudienceMatches(aud, v.Audience) {
		return nil, invalid("wrong audience %q (the token is not meant for this resource %s)", aud, v.Audience)
	}
	id := &Identity{Method: MethodJWT}
	id.Issuer, _ = t.Issuer()
	id.Subject, _ = t.Subject()
	id.TokenID, _ = t.JwtID()
	id.Expiry, _ = t.Expiration()
	var cid string
	for _, claim := range []string{"client_id", "azp", "cid"} {
		if t.Get(claim, &cid) == nil && cid != "" {
			id.ClientID = cid
			break
		}
	}
	var scope, scp any
	_ = t.Get("scope", &scope)
	_ = t.Get("scp", &scp)
	id.Scopes = parseScopes(scope, scp)
	if id.Subject == "" {
		return nil, invalid("token has an empty sub")
	}
	return id, nil
}

func describeJWTError(err error) string {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return "token expired"
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return "token not valid yet (nbf)"
	case errors.Is(err, jwt.InvalidIssuerError()):
		return "wrong issuer"
	case errors.Is(err, jwt.InvalidAudienceError()):
		return "wrong audience (the token is not meant for this resource)"
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return "missing required claim: " + err.Error()
	}
	return "signature or claims invalid: " + err.Error()
}

// key finds the verification key for kid and checks that it fits alg.
func (v *JWTVerifier) key(ctx context.Context, kid, alg string) (jwk.Key, *TokenError) {
	for attempt := 0; attempt < 2; attempt++ {
		set, err := v.Keys.Keys(ctx, attempt == 1)
		if err != nil {
			return nil, unavailable("issuer keys unavailable: %v", err)
		}
		var key jwk.Key
		var found bool
		if kid != "" {
			key, found = set.LookupKeyID(kid)
		} else if set.Len() == 1 {
			key, found = set.Key(0)
		} else {
			return nil, invalid("token has no kid and the issuer has %d keys", set.Len())
		}
		if !found {
			continue // rotated: refresh once
		}
		if err := keyFits(key, alg); err != nil {
			return nil, invalid("%v", err)
		}
		return key, nil
	}
	return nil, invalid("no issuer key with kid %q", kid)
}

// keyFits refuses a key whose type, declared algorithm or use does not
// match the token's algorithm (so an RSA public key can never serve as an
// HMAC secret, and an encryption key never verifies a signature).
func keyFits(key jwk.Key, alg string) error {
	kty := key.KeyType().String()
	var want string
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		want = "RSA"
	case strings.HasPrefix(alg, "ES"):
		want = "EC"
	case alg == "EdDSA":
		want = "OKP"
	default:
		return fmt.Errorf("algorithm %q has no key type", alg)
	}
	if kty != want {
		return fmt.Errorf("key type %s does not fit algorithm %s", kty, alg)
	}
	if ka, ok := key.Algorithm(); ok && ka.String() != "" && ka.String() != alg {
		return fmt.Errorf("key is for %s, token says %s", ka.String(), alg)
	}
	if use, ok := key.KeyUsage(); ok && use != "" && use != "sig" {
		return fmt.Errorf("key use is %q, not sig", use)
	}
	return nil
}
