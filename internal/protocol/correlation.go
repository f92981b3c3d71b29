package protocol

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"io"
	"strings"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// Correlation is the stable id of one 2026-07-28 client's requests (its
// virtual session, the audit session_id; design section 6):
// "st-" + 26 base32 characters of HMAC-SHA256(key, principal key, credential,
// clientInfo name, clientInfo version). Stable for one client program with
// one credential; different for two users, two tokens or two programs;
// reveals nothing about the token; cannot be chosen by the client
// (clientInfo only splits what the credential already separates).
func Correlation(key []byte, principalKey, cred, clientName, clientVersion string) string {
	return "st-" + strings.ToLower(b32.EncodeToString(mac(key, "correlation", principalKey, cred, clientName, clientVersion)))[:26]
}

// CredentialGroup identifies every correlation of one principal and
// credential, whatever the clientInfo: what a request without clientInfo
// (a notifications/cancelled) may be matched within.
func CredentialGroup(key []byte, principalKey, cred string) string {
	return "cg-" + strings.ToLower(b32.EncodeToString(mac(key, "group", principalKey, cred)))[:26]
}
