// Package authserver is the embedded OAuth 2.1 authorization server, the
// default for a single machine (auth.mode: embedded): the gateway issues
// the access tokens it then checks, so no external IdP is needed.
//
// It is built on zitadel/oidc's OpenID Provider (pkg/op) with our storage in
// the embedded SQLite store, and closes what that library leaves open:
// PKCE is S256 only (plain refused at /authorize, a code exchange without
// code_verifier refused), client_credentials authenticate with
// private_key_jwt (RFC 7523; an assertion's jti is accepted once), access
// tokens are JWTs whose aud is the gateway's resource URI (RFC 8707; another
// resource is refused as invalid_target), refresh tokens rotate on every
// use and reusing an old one revokes its whole family (and the family's
// access tokens), revocation (RFC 7009) reaches the gateway's resource
// server at once, public clients register dynamically (RFC 7591), and a
// minimal login and consent page signs in the configured users. Signing
// keys (ES256) are generated in the store and rotated by age, the retired
// key kept for verification until the tokens it signed have expired.
//
// The protocol handlers are the library's; this package holds storage,
// policy and the pages.
package authserver
