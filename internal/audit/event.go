package audit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// SchemaVersion is the version of the event schema this package writes.
// Additive changes bump the minor version; renames, removals or changes of
// meaning bump the major version (see docs/audit-events.md).
const SchemaVersion = "1.8"

// Event types. The list is open: new types may be added in a minor schema
// version, so consumers must tolerate types they do not know.
const (
	TypeToolsCall              = "tools/call"
	TypeResourcesRead          = "resources/read"
	TypePromptsGet             = "prompts/get"
	TypeToolsList              = "tools/list"
	TypeResourcesList          = "resources/list"
	TypeResourcesTemplatesList = "resources/templates/list"
	TypePromptsList            = "prompts/list"
	TypeSessionStart           = "session.start"
	TypeSessionEnd             = "session.end"
	TypeUpstreamStart          = "upstream.start"
	TypeUpstreamExit           = "upstream.exit"
	TypeUpstreamError          = "upstream.error"
	TypeProtocolError          = "protocol.error"
	TypeConfigWarning          = "config.warning"
	TypeAlert                  = "alert"
	// TypeAuthDenied: a request refused before it reached a session: no
	// or invalid token, a token without usable scopes at initialize, or a
	// session id used with another principal's token (status.error_code is
	// the HTTP status).
	TypeAuthDenied = "auth.denied"
	// TypeAuditRetention: store retention deleted the oldest events (or
	// imported IdP events) by age or size; detail says how many, why and
	// the oldest event kept.
	TypeAuditRetention = "audit.retention"
	// TypeSandboxStart: a sandboxed stdio server is being started (or
	// could not be: status.outcome "error"); detail says how.
	TypeSandboxStart = "sandbox.start"
	// TypeEgressConnect: a sandboxed server's connection through the
	// egress proxy, allowed or refused (decision).
	TypeEgressConnect = "egress.connect"
	// TypeUpstreamStderr: one line a sandboxed server wrote to stderr
	// (rate-bounded, truncated).
	TypeUpstreamStderr = "upstream.stderr"
	// TypeGap (since 1.5): a sink could not write some events (the store
	// was down, its buffer was full) or a line of the file was torn by a
	// failed write or a crash. detail says which sink, how many events
	// (count), which (first/last event id and time) and why; the gap is
	// the gateway's own record of the loss, never silent. See
	// docs/audit-events.md.
	TypeGap = "audit.gap"
	// TypeScanResult (since 1.6): the scanner's findings in an annotated
	// tools/call result (scan.results: annotate), scanned behind the
	// answer; it follows the call's event and carries its correlation_id.
	// Block and redact mode put the findings in the call's event.
	TypeScanResult = "scan.result"
	// TypeResultFingerprints (since 1.8): the content fingerprints of a
	// large tools/call result (detail.result_fp, for mcp.cross_app_flow),
	// computed behind the answer; it follows the call's event and carries
	// its correlation_id and detail.call_event_id.
	TypeResultFingerprints = "result.fingerprints"
	// TypeSampling and TypeElicitation (since 1.7): a request an upstream
	// sent for the client (a server-to-client request, or an entry of an
	// InputRequiredResult's inputRequests), with the gateway's decision.
	TypeSampling    = "sampling/createMessage"
	TypeElicitation = "elicitation/create"
)

// Decision actions.
const (
	ActionAllow = "allow"
	ActionDeny  = "deny"
	ActionHold  = "hold"
)

// Status outcomes.
const (
	OutcomeOK          = "ok"          // upstream answered with a result
	OutcomeIsError     = "is_error"    // tool result with isError=true
	OutcomeError       = "error"       // JSON-RPC error from upstream or gateway
	OutcomeDenied      = "denied"      // a guard refused the call
	OutcomeTimeout     = "timeout"     // deadline exceeded
	OutcomeCancelled   = "cancelled"   // client cancelled / disconnected
	OutcomeUnavailable = "unavailable" // upstream not running or unreachable
)

// Transports.
const (
	TransportStreamableHTTP = "streamable-http"
	TransportStdio          = "stdio"
)

// Event is one audit record. Its JSON encoding is the wire/storage format
// documented in docs/audit-events.md.
type Event struct {
	SchemaVersion string    `json:"schema_version"`
	EventID       string    `json:"event_id"` // UUIDv7 (time-ordered), set by Logger if empty
	Time          time.Time `json:"time"`     // UTC, RFC3339Nano; set by Logger if zero
	Type          string    `json:"type"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	// TraceID and SpanID (since 1.5; telemetry.otlp set): the W3C trace id
	// (32 hex) and the id of the gateway's span (16 hex) of the request.
	TraceID        string          `json:"trace_id,omitempty"`
	SpanID         string          `json:"span_id,omitempty"`
	SessionID      string          `json:"session_id,omitempty"`
	Principal      Principal       `json:"principal"`
	Client         *ClientInfo     `json:"client,omitempty"`
	Transport      string          `json:"transport,omitempty"` // "streamable-http" | "stdio"
	RemoteAddr     string          `json:"remote_addr,omitempty"`
	Server         string          `json:"server,omitempty"`
	Tool           string          `json:"tool,omitempty"`         // upstream tool name (tools/call) or prompt name (prompts/get)
	ExposedName    string          `json:"exposed_name,omitempty"` // the namespaced name the client used
	Resource       string          `json:"resource,omitempty"`     // URI for resources/read
	Arguments      json.RawMessage `json:"arguments,omitempty"`
	SchemaHash     string          `json:"schema_hash,omitempty"` // "sha256:<hex>"
	ContainsBase64 bool            `json:"contains_base64"`
	Decision       Decision        `json:"decision"`
	Status         Status          `json:"status"`
	DurationMS     float64         `json:"duration_ms"`
	// Rule, Severity, EventIDs and Summary are set on alerts (type
	// "alert"): the detection rule, its severity, the events that matched.
	Rule     string         `json:"rule,omitempty"`
	Severity string         `json:"severity,omitempty"`
	EventIDs []string       `json:"event_ids,omitempty"`
	Summary  string         `json:"summary,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
	// Chain (since 1.5) links the record to the previous record of the
	// same stream; each sink sets it on the bytes it writes (see [Chain]).
	// It is ignored when an event is emitted.
	Chain *Chain `json:"chain,omitempty"`

	// enc is the event's encoding (before redaction), made once by
	// Logger.Emit for all its sinks. Events are not changed after Emit.
	enc []byte
}

// Principal identifies who made the request.
type Principal struct {
	Subject   string `json:"subject"`
	Anonymous bool   `json:"anonymous"`
	ClientID  string `json:"client_id,omitempty"`
	// Since 1.1: how the principal was authenticated.
	Scopes     []string `json:"scopes,omitempty"`
	Issuer     string   `json:"issuer,omitempty"`
	TokenID    string   `json:"jti,omitempty"`         // the access token's jti
	AuthMethod string   `json:"auth_method,omitempty"` // jwt | introspection | mtls
}

// ClientInfo is what the MCP client reported in initialize.
type ClientInfo struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	ProtocolVersion string `json:"protocol_version,omitempty"`
}

// Decision is the policy verdict for the request.
type Decision struct {
	Action string `json:"action"` // "allow" | "deny" | "hold"
	Guard  string `json:"guard,omitempty"`
	Reason string `json:"reason,omitempty"`
	Code   int    `json:"code,omitempty"` // JSON-RPC error code given to the client
	// WouldDeny (since 1.2): policy.mode audit let the call run although a
	// policy guard refused it (Guard and Reason say which and why).
	WouldDeny bool `json:"would_deny,omitempty"`
}

// Status is how the request ended.
type Status struct {
	Outcome      string `json:"outcome"` // see Outcome* constants
	ErrorCode    int    `json:"error_code,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
}

var fallbackSeq atomic.Uint64

// NewEventID returns a new UUIDv7 string (time-ordered, monotonic within the
// process). It never panics: if the random source fails it falls back to a
// time+counter based identifier in the same textual shape.
func NewEventID() string {
	id, err := uuid.NewV7()
	if err == nil {
		return id.String()
	}
	return fallbackID()
}

// NewCorrelationID returns a new correlation ID: "c-" followed by a UUIDv7.
func NewCorrelationID() string {
	return "c-" + NewEventID()
}

// fallbackID builds a UUIDv7-shaped identifier from the clock and a
// process-wide counter. Used only when crypto/rand fails.
func fallbackID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	seq := fallbackSeq.Add(1)
	_, _ = rand.Read(b[6:]) // best effort; overwritten by the counter below if it fails
	for i := 0; i < 8; i++ {
		b[15-i] ^= byte(seq >> (8 * i))
	}
	b[6] = (b[6] & 0x0f) | 0x70 // version 7
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
