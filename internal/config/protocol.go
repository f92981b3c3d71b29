package config

import "time"

// DefaultInputTTL is protocol.input_ttl's default.
const DefaultInputTTL = 10 * time.Minute

// Protocol configures how the gateway serves the MCP revisions (see
// docs/config.md#protocol-revisions-protocol).
type Protocol struct {
	// InputTTL is how long a call of a 2026-07-28 client that needs the
	// client's input (an elicitation, sampling or roots request of a
	// 2025-11-25 upstream, answered by an InputRequiredResult) waits for
	// the client's retry before it is cancelled upstream. Default "10m".
	// Must be > 0.
	InputTTL Duration `yaml:"input_ttl"`
}

// InputTTLOrDefault is protocol.input_ttl with its default applied.
func (p Protocol) InputTTLOrDefault() time.Duration {
	if p.InputTTL > 0 {
		return p.InputTTL.D()
	}
	return DefaultInputTTL
}
