package upstreamauth

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mcpwarden/mcpwarden/internal/auth"
)

// SignInPath is where the external IdP returns a user who signed in to
// confirm a connect link.
const SignInPath = "/oauth/upstream/signin"

// SignIn signs users of an external IdP in on the connect page (OpenID
// Connect, authorization code with PKCE and a nonce), so the gateway knows
// the person at the link is the user it was made for.
type SignIn struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// IDTokens verifies the IdP's ID tokens (its JWKS).
	IDTokens *auth.JWTVerifier
}

func (b *Broker) signInConfig(ctx context.Context) (*oauth2.Config, error) {
	md, err := auth.Discover(ctx, b.hc, b.signIn.Issuer)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: b.signIn.ClientID, ClientSecret: b.signIn.ClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: b.base + SignInPath, Scopes: []string{"openid"}}, nil
}

// startSignIn sends the browser to the IdP to sign in.
func (b *Broker) startSignIn(w http.ResponseWriter, r *http.Request, f *flow) {
	cfg, err := b.signInConfig(r.Context())
	if err != nil {
		http.Error(w, "Cannot reach the identity provider to confirm who you are: "+err.Error(), http.StatusBadGateway)
		return
	}
	b.mu.Lock()
	f.signInVerifier = oauth2.GenerateVerifier()
	f.nonce = randomString(24)
	b.mu.Unlock()
	u := cfg.AuthCodeURL("si."+f.id, oauth2.S256ChallengeOption(f.signInVerifier), oauth2.SetAuthURLParam("nonce", f.nonce),
		oauth2.SetAuthURLParam("login_hint", f.owner.Subject))
	http.Redirect(w, r, u, http.StatusFound)
}

// signInCallback checks the ID token against the user the link was made
// for and goes back to the connect page.
func (b *Broker) signInCallback(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	q := r.URL.Query()
	id, ok := strings.CutPrefix(q.Get("state"), "si.")
	f := b.flow(id)
	if !ok || f == nil || f.nonce == "" || b.signIn == nil {
		http.Error(w, "Unknown or expired sign-in; retry the call in your MCP client.", http.StatusBadRequest)
		return
	}
	fail := func(reason string, status int) {
		b.event(f.owner, "upstream.auth_failed", f.server, "sign-in at the link: "+reason)
		http.Error(w, "Could not confirm who you are: "+reason, status)
	}
	if e := q.Get("error"); e != "" {
		fail("the identity provider answered "+e, http.StatusBadGateway)
		return
	}
	cfg, err := b.signInConfig(r.Context())
	if err != nil {
		fail(err.Error(), http.StatusBadGateway)
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, b.hc)
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.signInVerifier))
	if err != nil {
		fail(err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	sub, err := b.signIn.IDTokens.VerifyIDToken(r.Context(), raw, b.signIn.ClientID, f.nonce)
	if err != nil {
		fail(err.Error(), http.StatusUnauthorized)
		return
	}
	if sub != f.owner.Subject || f.owner.Issuer == "" || !sameIssuer(f.owner.Issuer, b.signIn.Issuer) {
		b.mu.Lock()
		f.failures++
		b.mu.Unlock()
		fail("you signed in as "+sub+", but the link was made for "+f.owner.Subject, http.StatusUnauthorized)
		return
	}
	b.mu.Lock()
	f.verified = true
	f.nonce = ""
	b.mu.Unlock()
	http.Redirect(w, r, b.base+AuthorizePath+"?flow="+f.id, http.StatusFound)
}

func sameIssuer(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }
