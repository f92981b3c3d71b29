// Package auth makes the gateway an OAuth 2.1 protected resource (RFC 9728,
// the MCP authorization specification 2025-11-25): it authenticates every
// HTTP request by its bearer token and turns the token into a
// guard.Principal; it does not decide what the principal may do (scopes per
// tool are a guard in package policy).
//
// Tokens are JWTs verified against the issuer's JWKS (cached by
// lestrrat-go/jwx, refreshed on an unknown key id, rate limited), with an
// allowlist of asymmetric algorithms checked before any key is touched, the
// issuer, the audience (this gateway's resource URI, RFC 8707), exp and nbf
// with a small skew; or opaque tokens introspected (RFC 7662). A token
// once verified is served from a bounded cache keyed by its SHA-256, never
// past its exp and never after it was revoked here.
//
// What it guards against: forged, expired, replayed-after-revocation or
// misdirected tokens (issued for another resource), algorithm confusion
// (alg none, HS256 keyed with a public key), and a client probing which
// check failed (the client gets invalid_token; the audit event gets the
// reason). What it trusts: the configured issuer and its metadata, fetched
// over https (http only on loopback).
package auth
