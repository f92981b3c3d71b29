package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// External verifies tokens of an external issuer whose metadata is
// discovered on first use (and again, at most every retryEvery, until it
// succeeds): the gateway starts even while the IdP is down, and refuses
// tokens (503) until it can check them.
type External struct {
	Issuer   string
	Audience string
	// JWKSURL overrides the discovered jwks_uri.
	JWKSURL    string
	Algorithms []string
	Skew       time.Duration
	// Introspection, if set, verifies opaque tokens; an empty Endpoint
	// means the discovered introspection_endpoint.
	Introspection *Introspector
	Client        *http.Client

	mu        sync.Mutex
	ready     bool
	lastTry   time.Time
	lastErr   error
	jwt       *JWTVerifier
	opaque    Verifier
	keysOwner *RemoteKeys
}

const retryEvery = 5 * time.Second

func (e *External) init(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ready {
		return nil
	}
	if time.Since(e.lastTry) < retryEvery && e.lastErr != nil {
		return e.lastErr
	}
	e.lastTry = time.Now()
	client := e.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	jwks := e.JWKSURL
	var introspect string
	if jwks == "" || (e.Introspection != nil && e.Introspection.Endpoint == "") {
		md, err := Discover(ctx, client, e.Issuer)
		if err != nil {
			e.lastErr = err
			return err
		}
		if jwks == "" {
			jwks = md.JWKSURI
		}
		introspect = md.IntrospectionEndpoint
	}
	if jwks != "" {
		keys, err := NewRemoteKeys(context.Background(), jwks, client)
		if err != nil {
			e.lastErr = err
			return err
		}
		e.keysOwner = keys
		e.jwt = &JWTVerifier{Issuer: e.Issuer, Audience: e.Audience, Algorithms: e.Algorithms, Skew: e.Skew, Keys: keys}
	}
	if in := e.Introspection; in != nil {
		cp := *in
		if cp.Endpoint == "" {
			cp.Endpoint = introspect
		}
		if cp.Endpoint != "" {
			if cp.Client == nil {
				cp.Client = client
			}
			cp.Issuer, cp.Audience = e.Issuer, e.Audience
			e.opaque = &cp
		}
	}
	e.ready, e.lastErr = true, nil
	return nil
}

// JWTVerifier returns a Verifier for JWTs.
func (e *External) JWTVerifier() Verifier { return externalKind{e, true} }

// OpaqueVerifier returns a Verifier for opaque tokens, or nil when no
// introspection is configured.
func (e *External) OpaqueVerifier() Verifier {
	if e.Introspection == nil {
		return nil
	}
	return externalKind{e, false}
}

type externalKind struct {
	e   *External
	jwt bool
}

func (k externalKind) Verify(ctx context.Context, tok string) (*Identity, error) {
	if err := k.e.init(ctx); err != nil {
		return nil, unavailable("issuer %s: %v", k.e.Issuer, err)
	}
	if k.jwt {
		if k.e.jwt == nil {
			return nil, invalid("the issuer publishes no JWKS; JWT access tokens cannot be checked")
		}
		return k.e.jwt.Verify(ctx, tok)
	}
	if k.e.opaque == nil {
		return nil, invalid("the issuer has no introspection endpoint")
	}
	return k.e.opaque.Verify(ctx, tok)
}

// IDTokenVerifier returns a verifier for the issuer's ID tokens (the
// gateway signing users in as a relying party), sharing the discovered
// JWKS. The audience is checked by VerifyIDToken (the client id).
func (e *External) IDTokenVerifier(context.Context) (*JWTVerifier, error) {
	return &JWTVerifier{Issuer: e.Issuer, Algorithms: e.Algorithms, Skew: e.Skew, Keys: externalKeys{e}}, nil
}

type externalKeys struct{ e *External }

func (k externalKeys) Keys(ctx context.Context, refresh bool) (jwk.Set, error) {
	if err := k.e.init(ctx); err != nil {
		return nil, err
	}
	if k.e.keysOwner == nil {
		return nil, errors.New("the issuer publishes no JWKS")
	}
	return k.e.keysOwner.Keys(ctx, refresh)
}
