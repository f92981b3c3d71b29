package authserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// authRequest is a pending /authorize request (kept in memory: it lives
// for minutes, and a restart only makes the user sign in again).
type authRequest struct {
	id           string
	clientID     string
	redirectURI  string
	state, nonce string
	scopes       []string
	challenge    *oidc.CodeChallenge
	responseType oidc.ResponseType
	responseMode oidc.ResponseMode
	created      time.Time
	csrf         string

	mu       sync.Mutex
	subject  string
	authTime time.Time
	done     bool
	failures int
	resource string
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.resource} }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetAuthTime() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.authTime
}
func (a *authRequest) GetSubject() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.subject
}
func (a *authRequest) Done() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

// refreshRequest is a stored refresh token being redeemed.
type refreshRequest struct {
	family, clientID, subject string
	scopes                    []string
	authTime                  time.Time
	expires                   time.Time
	resource                  string
}

func (r *refreshRequest) GetAMR() []string            { return []string{"pwd"} }
func (r *refreshRequest) GetAudience() []string       { return []string{r.resource} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.authTime }
func (r *refreshRequest) GetClientID() string         { return r.clientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// storage implements op.Storage, op.ClientCredentialsStorage and
// op.CanGetPrivateClaimsFromRequest.
type storage struct {
	s *Server

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code -> request id
}

const authRequestTTL = 10 * time.Minute

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("authserver: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func (st *storage) Health(context.Context) error { return nil }

// CreateAuthRequest stores a validated /authorize request. PKCE S256 is
// required: no challenge, or the plain method, is refused here (the library
// would accept both).
func (st *storage) CreateAuthRequest(ctx context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if ar.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	if ar.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE method must be S256 (plain is refused)")
	}
	c, err := st.s.lookupClient(ctx, ar.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient()
	}
	if !c.hasGrant(oidc.GrantTypeCode) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the client may not use the authorization code grant")
	}
	scopes := slices.Clone(ar.Scopes)
	if c.hasGrant(oidc.GrantTypeRefreshToken) && !slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		scopes = append(scopes, oidc.ScopeOfflineAccess) // the library issues refresh tokens only then
	}
	req := &authRequest{id: randomToken(24), clientID: ar.ClientID, redirectURI: ar.RedirectURI, state: ar.State,
		nonce: ar.Nonce, scopes: scopes, responseType: ar.ResponseType, responseMode: ar.ResponseMode,
		challenge: &oidc.CodeChallenge{Challenge: ar.CodeChallenge, Method: ar.CodeChallengeMethod},
		created:   time.Now(), csrf: randomToken(24), resource: st.s.resource}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.gcLocked()
	if len(st.requests) > 10000 {
		return nil, oidc.ErrServerError().WithDescription("too many pending authorization requests")
	}
	st.requests[req.id] = req
	return req, nil
}

func (st *storage) gcLocked() {
	now := time.Now()
	for id, r := range st.requests {
		if now.Sub(r.created) > authRequestTTL {
			delete(st.requests, id)
		}
	}
	for code, id := range st.codes {
		if _, ok := st.requests[id]; !ok {
			delete(st.codes, code)
		}
	}
}

func (st *storage) request(id string) (*authRequest, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.requests[id]
	if !ok || time.Since(r.created) > authRequestTTL {
		return nil, errors.New("authorization request not found or expired")
	}
	return r, nil
}

func (st *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	return st.request(id)
}

func (st *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	st.mu.Lock()
	id, ok := st.codes[code]
	st.mu.Unlock()
	if !ok {
		return nil, oidc.ErrInvalidGrant().WithDescription("unknown or used authorization code")
	}
	return st.request(id)
}

func (st *storage) SaveAuthCode(_ context.Context, id, code string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.requests[id]; !ok {
		return errors.New("authorization request not found")
	}
	st.codes[code] = id
	return nil
}

// DeleteAuthRequest runs after the code is exchanged: codes are single use.
func (st *storage) DeleteAuthRequest(_ context.Context, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.requests, id)
	for code, rid := range st.codes {
		if rid == id {
			delete(st.codes, code)
		}
	}
	return nil
}

// tokenInfo is what an access token is issued for.
func tokenInfo(req op.TokenRequest) (clientID, family string) {
	switch r := req.(type) {
	case *authRequest:
		return r.clientID, ""
	case *refreshRequest:
		return r.clientID, r.family
	case *oidc.JWTTokenRequest:
		return r.Subject, "" // client_credentials: the client is the subject
	}
	if c, ok := req.(interface{ GetClientID() string }); ok {
		return c.GetClientID(), ""
	}
	return req.GetSubject(), ""
}

func (st *storage) insertAccess(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, req op.TokenRequest, family string) (string, time.Time, error) {
	clientID, _ := tokenInfo(req)
	jti := randomToken(18)
	exp := time.Now().Add(st.s.accessTTL)
	_, err := q.ExecContext(ctx, `INSERT INTO oauth_access_tokens (jti, family, client_id, subject, scopes, expires_ns) VALUES (?, ?, ?, ?, ?, ?)`,
		jti, nullable(family), clientID, req.GetSubject(), strings.Join(st.s.knownOnly(req.GetScopes()), " "), exp.UnixNano())
	if err != nil {
		return "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	return jti, exp, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	jti, exp, err := st.insertAccess(ctx, st.s.db, req, "")
	if err == nil {
		st.s.issued(ctx, req, jti, "")
	}
	return jti, exp, err
}

// CreateAccessAndRefreshTokens issues an access token and a new refresh
// token. Redeeming a refresh token marks it used in the same transaction;
// if it was used already (a replay, or a race with a thief), the whole
// family is revoked and the request refused.
func (st *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	now := time.Now()
	tx, err := st.s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	family := randomToken(12)
	expires := now.Add(st.s.refreshTTL)
	authTime := now
	if a, ok := req.(*authRequest); ok {
		authTime = a.GetAuthTime()
	}
	if current != "" {
		var fam string
		var exp, auth int64
		err := tx.QueryRowContext(ctx, `SELECT family, expires_ns, auth_ns FROM oauth_refresh_tokens WHERE hash = ?`, hashToken(current)).Scan(&fam, &exp, &auth)
		if err != nil {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("unknown refresh token")
		}
		res, err := tx.ExecContext(ctx, `UPDATE oauth_refresh_tokens SET used_ns = ? WHERE hash = ? AND used_ns IS NULL AND revoked = 0`, now.UnixNano(), hashToken(current))
		if err != nil {
			return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			_ = tx.Rollback()
			st.s.revokeFamily(ctx, fam, "refresh token reused")
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used; its token family is revoked")
		}
		family, expires, authTime = fam, time.Unix(0, exp), time.Unix(0, auth)
	}
	jti, exp, err := st.insertAccess(ctx, tx, req, family)
	if err != nil {
		return "", "", time.Time{}, err
	}
	clientID, _ := tokenInfo(req)
	refresh := randomToken(32)
	if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_refresh_tokens (hash, family, client_id, subject, scopes, auth_ns, expires_ns) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		hashToken(refresh), family, clientID, req.GetSubject(), strings.Join(req.GetScopes(), " "), authTime.UnixNano(), expires.UnixNano()); err != nil {
		return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	if err := tx.Commit(); err != nil {
		return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	st.s.issued(ctx, req, jti, family)
	return jti, refresh, exp, nil
}

// TokenRequestByRefreshToken looks a refresh token up. A token that was
// already used revokes its family (reuse detection, OAuth 2.1 section
// 4.3.1).
func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	var r refreshRequest
	var scopes string
	var auth, exp int64
	var used sql.NullInt64
	var revoked int
	err := st.s.db.QueryRowContext(ctx, `SELECT family, client_id, subject, scopes, auth_ns, expires_ns, used_ns, revoked FROM oauth_refresh_tokens WHERE hash = ?`,
		hashToken(token)).Scan(&r.family, &r.clientID, &r.subject, &scopes, &auth, &exp, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oidc.ErrInvalidGrant().WithDescription("unknown refresh token")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if used.Valid {
		st.s.revokeFamily(ctx, r.family, "refresh token reused")
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token already used; its token family is revoked")
	}
	if revoked != 0 {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token revoked")
	}
	if time.Now().After(time.Unix(0, exp)) {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token expired")
	}
	r.scopes, r.authTime, r.expires, r.resource = strings.Fields(scopes), time.Unix(0, auth), time.Unix(0, exp), st.s.resource
	return &r, nil
}

func (st *storage) TerminateSession(context.Context, string, string) error { return nil }

// GetRefreshTokenInfo identifies a refresh token for revocation.
func (st *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	var subject, owner string
	err := st.s.db.QueryRowContext(ctx, `SELECT subject, client_id FROM oauth_refresh_tokens WHERE hash = ?`, hashToken(token)).Scan(&subject, &owner)
	if err != nil || owner != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return subject, "rt:" + hashToken(token), nil
}

// RevokeToken revokes a refresh token (its whole family) or an access
// token (by jti) of clientID (RFC 7009). Unknown tokens are not an error.
func (st *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	if h, ok := strings.CutPrefix(tokenOrID, "rt:"); ok {
		var fam, owner string
		if err := st.s.db.QueryRowContext(ctx, `SELECT family, client_id FROM oauth_refresh_tokens WHERE hash = ?`, h).Scan(&fam, &owner); err != nil {
			return nil
		}
		if owner != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token belongs to another client")
		}
		st.s.revokeFamily(ctx, fam, "revoked by the client")
		return nil
	}
	var owner string
	var exp int64
	if err := st.s.db.QueryRowContext(ctx, `SELECT client_id, expires_ns FROM oauth_access_tokens WHERE jti = ?`, tokenOrID).Scan(&owner, &exp); err != nil {
		return nil
	}
	if owner != clientID {
		return oidc.ErrInvalidClient().WithDescription("the token belongs to another client")
	}
	st.s.revokeAccess(ctx, tokenOrID, time.Unix(0, exp), "revoked by the client")
	return nil
}

func (st *storage) SigningKey(context.Context) (op.SigningKey, error) {
	k := st.s.keys.signing()
	if k == nil {
		return nil, errors.New("no signing key")
	}
	return k, nil
}

func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (st *storage) KeySet(context.Context) ([]op.Key, error) {
	var out []op.Key
	for _, k := range st.s.keys.public() {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (st *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := st.s.lookupClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AuthorizeClientIDSecret: the server has no secret-based clients.
func (st *storage) AuthorizeClientIDSecret(context.Context, string, string) error {
	return oidc.ErrInvalidClient().WithDescription("client secrets are not accepted; use private_key_jwt or a public client with PKCE")
}

// SetUserinfoFromScopes names the subject (the library copies the user
// info over the ID token's claims, so an empty subject would erase sub).
func (st *storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, userID, _ string, _ []string) error {
	ui.Subject = userID
	return nil
}

func (st *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, _, subject, _ string) error {
	ui.Subject = subject
	return nil
}

// SetIntrospectionFromToken answers introspection for our access tokens;
// an error means inactive (revoked, expired, unknown).
func (st *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, caller string) error {
	var clientID, scopes string
	var exp int64
	var revoked int
	if err := st.s.db.QueryRowContext(ctx, `SELECT client_id, scopes, expires_ns, revoked FROM oauth_access_tokens WHERE jti = ?`, tokenID).Scan(&clientID, &scopes, &exp, &revoked); err != nil {
		return errors.New("unknown token")
	}
	if revoked != 0 || time.Now().After(time.Unix(0, exp)) {
		return errors.New("token revoked or expired")
	}
	if caller != clientID {
		return errors.New("a client may introspect only its own tokens")
	}
	resp.Subject, resp.ClientID, resp.JWTID = subject, clientID, tokenID
	resp.Scope = oidc.SpaceDelimitedArray(strings.Fields(scopes))
	resp.Audience = oidc.Audience{st.s.resource}
	resp.Issuer = st.s.issuer
	resp.Expiration = oidc.FromTime(time.Unix(0, exp))
	resp.TokenType = "Bearer"
	return nil
}

func (st *storage) GetPrivateClaimsFromScopes(_ context.Context, _, _ string, scopes []string) (map[string]any, error) {
	return map[string]any{"scope": strings.Join(st.s.knownOnly(scopes), " ")}, nil
}

// GetPrivateClaimsFromRequest puts the granted scopes in the access token
// (the library does not).
func (st *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	return map[string]any{"scope": strings.Join(st.s.knownOnly(req.GetScopes()), " ")}, nil
}

// GetKeyByIDAndClientID gives a client's public key for private_key_jwt.
func (st *storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := st.s.lookupClient(ctx, clientID)
	if err != nil || c.keys == nil {
		return nil, errors.New("client has no registered keys")
	}
	if keyID == "" {
		if len(c.keys.Keys) == 1 {
			return &c.keys.Keys[0], nil
		}
		return nil, errors.New("assertion has no kid and the client has several keys")
	}
	for i := range c.keys.Keys {
		if c.keys.Keys[i].KeyID == keyID {
			return &c.keys.Keys[i], nil
		}
	}
	return nil, errors.New("no client key with that kid")
}

// ValidateJWTProfileScopes: the jwt-bearer grant is not offered.
func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// ClientCredentials: secret-based client credentials are not offered
// (private_key_jwt clients are verified in VerifyClient).
func (st *storage) ClientCredentials(context.Context, string, string) (op.Client, error) {
	return nil, oidc.ErrInvalidClient().WithDescription("client_credentials needs private_key_jwt (RFC 7523)")
}

// ClientCredentialsTokenRequest: the client is the subject; scopes are
// what it asked for within its allowlist (all of its scopes when it asked
// for none).
func (st *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, err := st.s.lookupClient(ctx, clientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient()
	}
	var granted []string
	if len(scopes) == 0 {
		granted = slices.Clone(c.Scopes)
	}
	for _, sc := range scopes {
		if c.IsScopeAllowed(sc) {
			granted = append(granted, sc)
		} else {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %s is not allowed for this client", sc)
		}
	}
	return &oidc.JWTTokenRequest{Subject: clientID, Audience: oidc.Audience{st.s.resource}, Scopes: granted}, nil
}
