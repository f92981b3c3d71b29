package gateway

import "github.com/mcpwarden/mcpwarden/internal/jsonrpc"

// The gateway's telemetry hooks are one line each on the request path
// (Options.Tracing; a nil *telemetry.Tracing costs a nil check):
//   - HandleRequest and Initialize start the server span of the request;
//   - forwardTo and upSession.request start a client span and send its
//     trace context upstream (params._meta per SEP-414, and HTTP headers);
//   - emit stamps audit events with the trace and span id.
// Metrics need no hook: they are derived from the audit stream.

// traceFailure is what failed an upstream request, for its span ("" if
// nothing did).
func traceFailure(r *jsonrpc.Message, jerr *jsonrpc.Error) string {
	switch {
	case jerr != nil:
		return jerr.Message
	case r != nil && r.Error != nil:
		return r.Error.Message
	}
	return ""
}
