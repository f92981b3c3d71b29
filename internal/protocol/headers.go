package protocol

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// HeaderError is a refusal by the header checks: the HTTP status, the
// JSON-RPC error to answer with (under the request's id), and for a
// mismatch the header, its value and the body's value (for the audit).
type HeaderError struct {
	Status      int
	Err         *jsonrpc.Error
	Header      string
	HeaderValue string
	BodyValue   string
	// Mismatch is true when a header contradicts the body (the smuggling
	// signal), false for a malformed or unsupported request.
	Mismatch bool
}

func (e *HeaderError) Error() string { return e.Err.Message }

func mismatch(header, hv, bv, msg string) *HeaderError {
	return &HeaderError{Status: http.StatusBadRequest, Err: &jsonrpc.Error{Code: CodeHeaderMismatch, Message: msg},
		Header: header, HeaderValue: hv, BodyValue: bv, Mismatch: true}
}

// single returns the one value of header k; ok is false when it is sent
// more than once (a proxy and the server could each read another one).
func single(h http.Header, k string) (v string, present, ok bool) {
	vs := h.Values(k)
	switch len(vs) {
	case 0:
		return "", false, true
	case 1:
		return strings.TrimSpace(vs[0]), true, true
	}
	return strings.TrimSpace(vs[0]), true, false
}

// CheckHeaders runs the header checks of a modern request in the order of
// docs/protocol-2026-07-28.md section 5 (steps 4 to 10), first failure
// wins. known tells which methods the endpoint serves (404 / -32601 for
// the others). For a request it returns the parsed _meta. Notifications
// need no _meta; only their version header and Mcp-Method are checked.
// Policy is never decided on these headers: they are only compared with
// the body, which alone is routed and guarded.
func CheckHeaders(h http.Header, m *jsonrpc.Message, known func(method string) bool) (RequestMeta, *HeaderError) {
	var rm RequestMeta
	hv, hvPresent, hvOK := single(h, HeaderProtocolVersion)
	if !hvOK {
		return rm, mismatch(HeaderProtocolVersion, hv, "", "header mismatch: MCP-Protocol-Version is sent more than once")
	}
	metaVersion := jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), MetaProtocolVersion)
	// 4. The header is required when the body carries a version.
	if metaVersion != nil && (!hvPresent || hv == "") {
		bv, _ := jsonrpc.StringField(jsonrpc.Field(m.Params, "_meta"), MetaProtocolVersion)
		return rm, mismatch(HeaderProtocolVersion, "", bv,
			fmt.Sprintf("header mismatch: MCP-Protocol-Version header is required for requests carrying %q", MetaProtocolVersion))
	}
	if m.Kind == jsonrpc.KindRequest {
		// 5. Required _meta fields.
		var perr *jsonrpc.Error
		if rm, perr = ParseRequestMeta(m.Params); perr != nil {
			return rm, &HeaderError{Status: http.StatusBadRequest, Err: perr}
		}
		// 6. Header and body agree on the version.
		if hv != rm.Version {
			return rm, mismatch(HeaderProtocolVersion, hv, rm.Version,
				fmt.Sprintf("header mismatch: MCP-Protocol-Version header %q does not match request %s %q", hv, MetaProtocolVersion, rm.Version))
		}
		// 7. The version is served statelessly.
		if rm.Version != Modern {
			return rm, &HeaderError{Status: http.StatusBadRequest, Err: UnsupportedVersionError(rm.Version)}
		}
	} else if metaVersion != nil {
		bv, _ := jsonrpc.StringField(jsonrpc.Field(m.Params, "_meta"), MetaProtocolVersion)
		if hv != bv {
			return rm, mismatch(HeaderProtocolVersion, hv, bv,
				fmt.Sprintf("header mismatch: MCP-Protocol-Version header %q does not match %s %q", hv, MetaProtocolVersion, bv))
		}
	} else if hv != Modern {
		return rm, &HeaderError{Status: http.StatusBadRequest, Err: UnsupportedVersionError(hv)}
	}
	// 8. Mcp-Method mirrors the body's method (case-sensitive).
	mh, present, ok := single(h, HeaderMethod)
	if !ok {
		return rm, mismatch(HeaderMethod, mh, m.Method, "header mismatch: Mcp-Method is sent more than once")
	}
	if !present {
		return rm, mismatch(HeaderMethod, "", m.Method, fmt.Sprintf("header mismatch: missing required Mcp-Method header (body method %q)", m.Method))
	}
	if mh != m.Method {
		return rm, mismatch(HeaderMethod, mh, m.Method, fmt.Sprintf("header mismatch: Mcp-Method header value '%s' does not match body value '%s'", printable(mh), printable(m.Method)))
	}
	if m.Kind != jsonrpc.KindRequest {
		return rm, nil
	}
	// 9. Known method.
	if !known(m.Method) {
		return rm, &HeaderError{Status: http.StatusNotFound, Err: jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "method not found: %q", m.Method)}
	}
	// 10. Mcp-Name mirrors params.name or params.uri.
	field := NameField(m.Method)
	if field == "" {
		return rm, nil
	}
	bv, _ := jsonrpc.StringField(m.Params, field)
	nh, present, ok := single(h, HeaderName)
	if !ok {
		return rm, mismatch(HeaderName, nh, bv, "header mismatch: Mcp-Name is sent more than once")
	}
	if !present {
		return rm, mismatch(HeaderName, "", bv, fmt.Sprintf("header mismatch: missing required Mcp-Name header for method %q", m.Method))
	}
	dv, ok := DecodeHeaderValue(nh)
	if !ok {
		return rm, mismatch(HeaderName, nh, bv, "header mismatch: Mcp-Name header value is not a valid header value or Base64 sentinel")
	}
	if dv != bv {
		return rm, mismatch(HeaderName, dv, bv, fmt.Sprintf("header mismatch: Mcp-Name header value '%s' does not match body value '%s'", printable(dv), printable(bv)))
	}
	return rm, nil
}

// UnsupportedVersionError is the -32022 error listing every revision the
// gateway serves.
func UnsupportedVersionError(requested string) *jsonrpc.Error {
	return jsonrpc.Errorf(CodeUnsupportedProtocolVersion, "Unsupported protocol version").
		WithData(map[string]any{"supported": Supported(), "requested": requested})
}

const (
	sentinelPrefix = "=?base64?"
	sentinelSuffix = "?="
)

// plainHeaderSafe reports whether s can be sent as a header value as is:
// visible ASCII and inner spaces, no surrounding whitespace, and not
// mistakable for the Base64 sentinel.
func plainHeaderSafe(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || (strings.HasPrefix(s, sentinelPrefix) && strings.HasSuffix(s, sentinelSuffix)) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// EncodeHeaderValue encodes a value for Mcp-Name or Mcp-Param-*: as is when
// it is safe, else as the Base64 sentinel =?base64?...?=.
func EncodeHeaderValue(s string) string {
	if plainHeaderSafe(s) {
		return s
	}
	return sentinelPrefix + base64.StdEncoding.EncodeToString([]byte(s)) + sentinelSuffix
}

// DecodeHeaderValue decodes a header value that may be the Base64
// sentinel. ok is false for a malformed sentinel or a plain value with
// characters outside visible ASCII.
func DecodeHeaderValue(v string) (string, bool) {
	if strings.HasPrefix(v, sentinelPrefix) && strings.HasSuffix(v, sentinelSuffix) && len(v) >= len(sentinelPrefix)+len(sentinelSuffix) {
		b, err := base64.StdEncoding.Strict().DecodeString(v[len(sentinelPrefix) : len(v)-len(sentinelSuffix)])
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return "", false
		}
	}
	return v, true
}

// printable bounds a value quoted in an error message.
func printable(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
