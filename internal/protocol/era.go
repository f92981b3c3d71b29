package protocol

import (
	"encoding/json"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// IsModern reports whether one HTTP POST is of the stateless revision
// (docs/protocol-2026-07-28.md 2.1): its MCP-Protocol-Version header names a
// revision that is not a session revision (an unknown future one counts as
// modern, so it gets the modern -32022), or its body carries the per-request
// _meta protocol version. Everything else takes the session path.
func IsModern(headerVersion string, m *jsonrpc.Message) bool {
	if hv := strings.TrimSpace(headerVersion); hv != "" && !IsLegacy(hv) {
		return true
	}
	if m == nil || (m.Kind != jsonrpc.KindRequest && m.Kind != jsonrpc.KindNotification) {
		return false
	}
	return jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), MetaProtocolVersion) != nil
}

// RequestMeta is one request's per-request metadata (_meta) of 2026-07-28.
type RequestMeta struct {
	// Version is io.modelcontextprotocol/protocolVersion (required).
	Version string
	// Caps is io.modelcontextprotocol/clientCapabilities, verbatim (required).
	Caps json.RawMessage
	// ClientInfo is io.modelcontextprotocol/clientInfo, verbatim (optional).
	ClientInfo    json.RawMessage
	ClientName    string
	ClientVersion string
	// LogLevel is io.modelcontextprotocol/logLevel; empty: the client wants
	// no notifications/message for this request.
	LogLevel string
}

// logLevels are the syslog severities of MCP logging, lowest first.
var logLevels = []string{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

// LogLevelRank is the rank of a logging level (-1 when unknown).
func LogLevelRank(level string) int {
	for i, l := range logLevels {
		if l == level {
			return i
		}
	}
	return -1
}

// ParseRequestMeta reads the _meta of a request's params. A request
// missing a required field, or with one of the wrong type, is malformed:
// the error is -32602 (Invalid params), to be sent with HTTP 400.
func ParseRequestMeta(params json.RawMessage) (RequestMeta, *jsonrpc.Error) {
	var rm RequestMeta
	if len(params) == 0 || string(params) == "null" {
		return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "missing params._meta (%s is required)", MetaProtocolVersion)
	}
	if params[0] != '{' {
		return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "params must be an object")
	}
	meta := jsonrpc.Field(params, "_meta")
	if len(meta) == 0 || meta[0] != '{' {
		return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "missing or invalid params._meta (%s is required)", MetaProtocolVersion)
	}
	v, ok := jsonrpc.StringField(meta, MetaProtocolVersion)
	if !ok || v == "" {
		return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "missing or invalid _meta field %q", MetaProtocolVersion)
	}
	rm.Version = v
	caps := jsonrpc.Field(meta, MetaClientCapabilities)
	if len(caps) == 0 || caps[0] != '{' {
		return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "missing or invalid _meta field %q", MetaClientCapabilities)
	}
	rm.Caps = caps
	if ci := jsonrpc.Field(meta, MetaClientInfo); ci != nil && string(ci) != "null" {
		if ci[0] != '{' {
			return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid _meta field %q: must be an object", MetaClientInfo)
		}
		rm.ClientInfo = ci
		rm.ClientName, _ = jsonrpc.StringField(ci, "name")
		rm.ClientVersion, _ = jsonrpc.StringField(ci, "version")
	}
	if lv := jsonrpc.Field(meta, MetaLogLevel); lv != nil && string(lv) != "null" {
		l, ok := jsonrpc.StringField(meta, MetaLogLevel)
		if !ok || LogLevelRank(l) < 0 {
			return rm, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid _meta field %q: must be one of %s", MetaLogLevel, strings.Join(logLevels, ", "))
		}
		rm.LogLevel = l
	}
	return rm, nil
}

// HasCapability reports whether the client capabilities declare name
// (elicitation, sampling, roots) with a non-null value. For elicitation a
// mode may be given: "form" holds for {} and {"form":{}}, "url" only for
// {"url":{}}.
func HasCapability(caps json.RawMessage, name, mode string) bool {
	c := jsonrpc.Field(caps, name)
	if c == nil || string(c) == "null" {
		return false
	}
	if name != "elicitation" || mode == "" {
		return true
	}
	f, u := jsonrpc.Field(c, "form"), jsonrpc.Field(c, "url")
	switch mode {
	case "url":
		return u != nil && string(u) != "null"
	default:
		return (f != nil && string(f) != "null") || u == nil
	}
}

// ModernMethods are the client requests a 2026-07-28 server answers; any
// other method on the modern path is 404 / -32601.
var ModernMethods = []string{MethodDiscover, "tools/list", "tools/call", "prompts/list", "prompts/get",
	"resources/list", "resources/read", "resources/templates/list", "completion/complete", MethodListen}

// IsModernMethod reports whether method is a request of 2026-07-28.
func IsModernMethod(method string) bool {
	for _, m := range ModernMethods {
		if m == method {
			return true
		}
	}
	return false
}

// NameField is the params field a method's Mcp-Name header mirrors
// ("name" or "uri"), or "" when the method has no Mcp-Name.
func NameField(method string) string {
	switch method {
	case "tools/call", "prompts/get":
		return "name"
	case "resources/read":
		return "uri"
	}
	return ""
}

// requestMetaKeys are the per-request _meta keys the gateway consumes at
// its client edge (it recomputes what an upstream gets).
var requestMetaKeys = []string{MetaProtocolVersion, MetaClientCapabilities, MetaClientInfo, MetaLogLevel}

// StripRequestMeta returns m without the per-request _meta keys of
// 2026-07-28 (and without _meta when nothing else is left in it), so they
// never reach an upstream verbatim. extra names further params members to
// drop (inputResponses, requestState of a retry).
func StripRequestMeta(m *jsonrpc.Message, extra ...string) *jsonrpc.Message {
	params := m.Params
	if len(params) == 0 || params[0] != '{' {
		return m
	}
	changed := false
	for _, k := range extra {
		if jsonrpc.Field(params, k) != nil {
			if p, err := jsonrpc.DeleteField(params, k); err == nil {
				params, changed = p, true
			}
		}
	}
	if meta := jsonrpc.Field(params, "_meta"); len(meta) > 0 && meta[0] == '{' {
		nm := meta
		for _, k := range requestMetaKeys {
			if jsonrpc.Field(nm, k) != nil {
				if x, err := jsonrpc.DeleteField(nm, k); err == nil {
					nm = x
				}
			}
		}
		if len(nm) != len(meta) {
			var err error
			if string(nm) == "{}" {
				params, err = jsonrpc.DeleteField(params, "_meta")
			} else {
				params, err = jsonrpc.SetField(params, "_meta", nm)
			}
			if err == nil {
				changed = true
			}
		}
	}
	if !changed {
		return m
	}
	b, err := jsonrpc.Rewrite(m, nil, params)
	if err != nil {
		return m
	}
	nm, perr := jsonrpc.Parse(b, jsonrpc.DefaultLimits)
	if perr != nil {
		return m
	}
	return nm
}
