// Package jsonrpc parses and builds the JSON-RPC 2.0 messages that MCP
// carries, for a proxy that must decide on exactly what the peer will act on.
//
// It guards against parser differentials: a message is first checked by
// Strict (no duplicate or case-colliding keys, valid UTF-8, one value), then
// its envelope is read with exact key matching only. A message that passes is
// kept as its original bytes, so what the gateway forwards is byte for byte
// what it decided on, except for the fields it rewrites on purpose (id, a
// tool name) through the helpers here.
//
// It trusts nothing in the input; it trusts encoding/json to decode the
// values of keys it has already matched exactly.
package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Standard JSON-RPC error codes and the gateway's own stable codes.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603

	// CodeDenied: a guard refused the call. data.guard names it.
	CodeDenied = -32010
	// CodeUpstreamUnavailable: the upstream server could not be reached,
	// crashed or restarted while the call was in flight.
	CodeUpstreamUnavailable = -32011
	// CodeTimeout: the upstream did not answer within the server's timeout.
	CodeTimeout = -32012
	// CodeAuditFailed: the audit event could not be written, so the
	// gateway withholds the result (fail closed).
	CodeAuditFailed = -32013
	// CodeHeld: the call is held for approval (reserved for the approvals issue).
	CodeHeld = -32014
	// CodeNameWithheld: the name is withheld because it collides with another server's.
	CodeNameWithheld = -32015
	// CodeInsufficientScope: the caller's token lacks a scope the call
	// needs; data.scope lists the scopes to ask for (step-up). Over HTTP
	// the same refusal is a 403 with WWW-Authenticate insufficient_scope.
	CodeInsufficientScope = -32016
	// CodeUnauthorized: the request carried no valid token (an HTTP 401
	// body; also used for a session bound to another principal).
	CodeUnauthorized = -32017
	// CodeURLElicitationRequired is MCP's URLElicitationRequiredError
	// (2025-11-25): the request can proceed once the user has completed
	// the URL-mode elicitations in data.elicitations (here: authorizing the
	// gateway at an upstream server).
	CodeURLElicitationRequired = -32042
	// CodeResourceNotFound is MCP's code for an unknown resource.
	CodeResourceNotFound = -32002
	// CodeCancelled: the request (or the task it started) was cancelled
	// before it completed; what tasks/result of a cancelled task returns.
	CodeCancelled = -32018
	// CodeRateLimited: a rate limit or quota (limits) refused the request;
	// the message names the limit ("rate_limited: calls_per_minute: ...")
	// and data.retry_after_seconds says when to retry. At session creation
	// over HTTP it is the body of a 429 with Retry-After.
	CodeRateLimited = -32019
)

// Kind is what a message is.
type Kind int

const (
	KindInvalid Kind = iota
	KindRequest
	KindNotification
	KindResponse
)

func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindNotification:
		return "notification"
	case KindResponse:
		return "response"
	}
	return "invalid"
}

// Message is one parsed JSON-RPC message. Raw holds the exact bytes.
type Message struct {
	Raw    []byte
	Kind   Kind
	ID     json.RawMessage // request or response id; nil for a notification
	Method string
	Params json.RawMessage
	Result json.RawMessage
	Error  *Error
}

// Error is a JSON-RPC error object.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// Errorf builds an *Error.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithData returns e with data set to the JSON encoding of v.
func (e *Error) WithData(v any) *Error {
	b, err := json.Marshal(v)
	if err == nil {
		e.Data = b
	}
	return e
}

// DefaultLimits are used when a caller gives none.
var DefaultLimits = Limits{MaxDepth: 64}

var knownEnvelope = [...]string{"jsonrpc", "id", "method", "params", "result", "error"}

// Parse validates b strictly and reads the envelope. The returned error is an
// *Error carrying the JSON-RPC code to answer with (-32700 for bytes that are
// not acceptable JSON, -32600 for a JSON value that is not a valid message).
func Parse(b []byte, lim Limits) (*Message, *Error) {
	b = bytes.Trim(b, " \t\r\n") // JSON whitespace only (RFC 8259)
	if len(b) == 0 {
		return nil, Errorf(CodeParseError, "parse error: empty message")
	}
	if b[0] == '[' {
		if err := Strict(b, lim); err != nil {
			return nil, Errorf(CodeParseError, "parse error: %v", err)
		}
		return nil, Errorf(CodeInvalidRequest, "invalid request: JSON-RPC batches are not supported (MCP 2025-06-18 and later)")
	}
	if err := Strict(b, lim); err != nil {
		return nil, Errorf(CodeParseError, "parse error: %v", err)
	}
	if b[0] != '{' {
		return nil, Errorf(CodeInvalidRequest, "invalid request: a message must be a JSON object")
	}
	// The top level is read by scanning (values stay slices of b); Strict
	// has already made the keys unique and case-distinct.
	env := make(map[string]json.RawMessage, 4)
	if err := eachMember(b, func(k string, v []byte) bool {
		env[k] = v
		return true
	}); err != nil {
		return nil, Errorf(CodeParseError, "parse error: %v", err)
	}
	// Keys that differ from a known envelope key only by case are refused:
	// a lenient parser downstream could read them as the known key.
	for k := range env {
		for _, kk := range knownEnvelope {
			if k != kk && equalFoldASCII(k, kk) {
				return nil, Errorf(CodeInvalidRequest, "invalid request: key %q is not %q (keys are case-sensitive)", k, kk)
			}
		}
	}
	m := &Message{Raw: b}
	v, ok := env["jsonrpc"]
	if !ok || string(v) != `"2.0"` {
		return nil, Errorf(CodeInvalidRequest, `invalid request: "jsonrpc" must be "2.0"`)
	}
	idRaw, hasID := env["id"]
	if hasID {
		if !validID(idRaw) {
			return nil, Errorf(CodeInvalidRequest, "invalid request: id must be a string or an integer")
		}
		m.ID = idRaw
	}
	methodRaw, hasMethod := env["method"]
	if hasMethod {
		if err := json.Unmarshal(methodRaw, &m.Method); err != nil || m.Method == "" {
			return nil, Errorf(CodeInvalidRequest, "invalid request: method must be a non-empty string")
		}
	}
	if p, ok := env["params"]; ok {
		if len(p) == 0 || (p[0] != '{' && p[0] != '[') {
			return nil, Errorf(CodeInvalidRequest, "invalid request: params must be an object")
		}
		m.Params = p
	}
	res, hasResult := env["result"]
	errRaw, hasError := env["error"]
	switch {
	case hasMethod && (hasResult || hasError):
		return nil, Errorf(CodeInvalidRequest, "invalid request: a message cannot have both method and result/error")
	case hasMethod && hasID:
		m.Kind = KindRequest
	case hasMethod:
		m.Kind = KindNotification
	case hasResult && hasError:
		return nil, Errorf(CodeInvalidRequest, "invalid request: a response cannot have both result and error")
	case hasResult:
		if !hasID {
			return nil, Errorf(CodeInvalidRequest, "invalid request: a response needs an id")
		}
		m.Kind = KindResponse
		m.Result = res
	case hasError:
		// An error response may carry a null id (parse errors).
		m.Kind = KindResponse
		var e Error
		if err := json.Unmarshal(errRaw, &e); err != nil {
			return nil, Errorf(CodeInvalidRequest, "invalid request: malformed error object")
		}
		m.Error = &e
	default:
		return nil, Errorf(CodeInvalidRequest, "invalid request: neither a request, a notification nor a response")
	}
	return m, nil
}

func validID(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '"':
		return true
	case 'n':
		return string(raw) == "null"
	default:
		_, err := strconv.ParseInt(string(raw), 10, 64)
		return err == nil
	}
}

func equalFoldASCII(a, b string) bool {
	return len(a) == len(b) && bytes.EqualFold([]byte(a), []byte(b))
}

// wire is the encoding form used to build messages.
type wire struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// NewRequest encodes a request.
func NewRequest(id json.RawMessage, method string, params any) []byte {
	return mustEncode(wire{JSONRPC: "2.0", ID: id, Method: method, Params: rawOf(params)})
}

// NewNotification encodes a notification.
func NewNotification(method string, params any) []byte {
	return mustEncode(wire{JSONRPC: "2.0", Method: method, Params: rawOf(params)})
}

// NewResult encodes a success response.
func NewResult(id json.RawMessage, result any) []byte {
	r := rawOf(result)
	if r == nil {
		r = json.RawMessage("{}")
	}
	return mustEncode(wire{JSONRPC: "2.0", ID: id, Result: r})
}

// NewError encodes an error response. A nil id is written as null.
func NewError(id json.RawMessage, e *Error) []byte {
	if id == nil {
		id = json.RawMessage("null")
	}
	return mustEncode(wire{JSONRPC: "2.0", ID: id, Error: e})
}

func rawOf(v any) json.RawMessage {
	switch t := v.(type) {
	case nil:
		return nil
	case json.RawMessage:
		return t
	case []byte:
		return t
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("jsonrpc: cannot encode %T: %v", v, err))
	}
	return b
}

func mustEncode(w wire) []byte {
	b, err := json.Marshal(w)
	if err != nil {
		panic(fmt.Sprintf("jsonrpc: cannot encode message: %v", err))
	}
	return b
}

// Rewrite returns m's bytes with the top-level id replaced (when id is not
// nil) and params replaced (when params is not nil), keeping every other
// top-level field, known or not, as it was. An id the same as m's changes
// nothing; with no params either, m.Raw itself is returned (not a copy).
func Rewrite(m *Message, id json.RawMessage, params json.RawMessage) ([]byte, error) {
	var keyBuf [2]string
	var valBuf [2][]byte
	keys, vals := keyBuf[:0], valBuf[:0]
	if id != nil && !bytes.Equal(id, m.ID) {
		keys, vals = append(keys, "id"), append(vals, id)
	}
	if params != nil {
		keys, vals = append(keys, "params"), append(vals, params)
	}
	if len(keys) == 0 {
		return m.Raw, nil
	}
	return spliceKV(m.Raw, keys, vals)
}

// SetField returns obj (a JSON object that passed Strict, so its keys are
// unique; empty means {}) with the top-level key set to the JSON encoding of
// value, added when absent. Every other byte is kept: the gateway changes
// what it means to change and nothing else (no re-encoding, no key
// reordering), and nothing is decoded to do it.
func SetField(obj json.RawMessage, key string, value any) (json.RawMessage, error) {
	if len(obj) == 0 || string(obj) == "null" {
		obj = json.RawMessage("{}")
	}
	v := rawOf(value)
	if v == nil {
		v = json.RawMessage("null")
	}
	return spliceKV(obj, []string{key}, [][]byte{v})
}

// Field returns the raw value of key in obj (exact match), or nil. It scans
// the top level without decoding the values, so it is cheap on large
// results. obj is expected to have passed Strict (unique keys).
func Field(obj json.RawMessage, key string) json.RawMessage {
	if len(obj) == 0 {
		return nil
	}
	return field(obj, key)
}

// StringField returns the string value of key in obj, if it is a string.
func StringField(obj json.RawMessage, key string) (string, bool) {
	v := Field(obj, key)
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// IDKey returns a comparable key for an id.
func IDKey(id json.RawMessage) string { return string(id) }

// DeleteField returns obj (a JSON object that passed Strict) without the
// top-level key; the other members keep their bytes and their order.
func DeleteField(obj json.RawMessage, key string) (json.RawMessage, error) {
	if Field(obj, key) == nil {
		return obj, nil
	}
	out := make([]byte, 0, len(obj))
	out = append(out, '{')
	err := eachMember(obj, func(k string, v []byte) bool {
		if k == key {
			return true
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, v...)
		return true
	})
	if err != nil {
		return nil, err
	}
	return append(out, '}'), nil
}
