// Package protocol holds what the gateway needs to know about the MCP
// revisions it serves and bridges: 2026-07-28 (stateless: per-request
// _meta, server/discover, Mcp-Method/Mcp-Name headers, resultType,
// InputRequiredResult round trips, subscriptions/listen) and the session
// revisions up to 2025-11-25. Pure functions, no I/O (docs/protocol-2026-07-28.md).
package protocol

import "slices"

// Modern is the stateless revision.
const Modern = "2026-07-28"

// Legacy are the session revisions the gateway serves, newest first.
var Legacy = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// LatestLegacy is the newest session revision (what an initialize is
// answered with at most).
const LatestLegacy = "2025-11-25"

// IsLegacy reports whether v is a session revision.
func IsLegacy(v string) bool { return slices.Contains(Legacy, v) }

// Supported returns every revision served, Modern first.
func Supported() []string { return append([]string{Modern}, Legacy...) }

// Per-request _meta keys of 2026-07-28.
const (
	MetaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	MetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	MetaClientInfo         = "io.modelcontextprotocol/clientInfo"
	MetaLogLevel           = "io.modelcontextprotocol/logLevel"
	MetaServerInfo         = "io.modelcontextprotocol/serverInfo"
	MetaSubscriptionID     = "io.modelcontextprotocol/subscriptionId"
)

// HTTP headers of 2026-07-28 (and MCP-Protocol-Version of both).
const (
	HeaderProtocolVersion = "MCP-Protocol-Version"
	HeaderMethod          = "Mcp-Method"
	HeaderName            = "Mcp-Name"
	HeaderParamPrefix     = "Mcp-Param-"
)

// Error codes defined by 2026-07-28.
const (
	CodeHeaderMismatch             = -32020
	CodeMissingClientCapability    = -32021
	CodeUnsupportedProtocolVersion = -32022
)

// Result types (resultType) of 2026-07-28.
const (
	ResultComplete      = "complete"
	ResultInputRequired = "input_required"
)

// Methods new in 2026-07-28.
const (
	MethodDiscover = "server/discover"
	MethodListen   = "subscriptions/listen"
)
