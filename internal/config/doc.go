// Package config loads and validates the mcpwarden configuration file.
//
// The gateway sits between MCP clients and upstream MCP servers and decides
// which tool calls pass. A configuration that is ambiguous or mistyped can
// silently weaken that decision: a misspelled key ("alow: false") that a
// lenient decoder drops, "allow: no" read as the string "no", a merge key
// whose precedence nobody remembers, a second YAML document that is never
// read, two servers whose tools end up under the same prefix, or a bearer
// token pasted into the file in clear text. This package refuses all of
// these at load time. Decoding is strict: unknown keys, duplicate keys, wrong
// scalar types, bare numbers where a duration is expected, YAML 1.1 booleans
// (yes/no/on/off), merge keys (<<), custom tags, multiple documents and empty
// files are errors. Every error names the file, the line and the key path
// (for example "mcpwarden.yaml:7: servers.ev.tools.get-env.allow: expected a
// boolean, got string "maybe""), and all errors are reported at once.
//
// What it trusts: the configuration file itself and the directory it lives
// in. Whoever can write the file controls the gateway, so the package does
// not try to defend against a hostile author beyond never panicking and
// bounding work on malformed input. References to secrets ("env:NAME",
// "file:PATH", see [Value]) are trusted to point where the author meant and
// are only resolved when the caller asks; resolved values never appear in
// errors or in [Value.String].
//
// The [Config] struct and its field comments are the configuration reference.
package config
