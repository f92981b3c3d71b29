// Package audit records the evidence of what passed through the gateway.
//
// # What it guards
//
// Every MCP request the gateway handles on a client's behalf — tools/call,
// resources/read and prompts/get, and also the list methods, session
// start/end, upstream lifecycle and protocol errors — produces exactly one
// [Event]. The gateway calls [Logger.Emit] for the event BEFORE the response
// goes back to the client, and Emit returns only once every configured
// [Sink] has accepted the event (for the store sink: once the SQLite
// transaction holding it has committed). If any sink fails, Emit returns an
// error and the gateway fails the call closed: a call that cannot be
// recorded is not answered. Events are therefore never silently lost; the
// worst case is a call that was refused because its evidence could not be
// written.
//
// # What it trusts
//
//   - The caller (the gateway) to fill the event truthfully and to emit it
//     before answering. This package does not observe traffic itself.
//   - The sinks to report write failures honestly. A sink that returns nil
//     has taken responsibility for the event. The JSONL file sink hands the
//     bytes to the operating system (page cache) and does not fsync unless
//     [WithSync] is given; the store sink relies on SQLite's WAL with
//     synchronous=NORMAL, which survives a process crash but may lose the
//     last transactions on power loss.
//   - The local clock for Event.Time and for the time-ordered UUIDv7 event IDs.
//
// # What it does not trust
//
// Event content that originates from clients or upstream servers (tool
// arguments, names, URIs, error messages) is treated as opaque, possibly
// hostile data: it is never interpreted, only encoded. Arguments that are not
// valid JSON are recorded as a JSON string instead of failing the write, so a
// malformed request cannot suppress its own evidence. [ContainsBase64] flags
// arguments that carry encoded blobs, and [Redact] / [WithRedactor] scrub
// known secret values (for example upstream credentials) from the serialized
// event before it reaches a sink.
//
// # Tamper evidence
//
// Each sink's output is a hash chain: a sink appends a [Chain] field
// (seq, and the SHA-256 of the previous record's bytes as written) to the
// encoded event, without re-encoding it, and continues the chain when it
// reopens its stream. [VerifyJSONL] and [Verifier] report removed,
// reordered, edited and duplicated records. A loss the gateway causes
// itself (a failed or torn write, a store that was down) is recorded as an
// event of type [TypeGap] with the count, never silently. The chain has no
// key and cannot show a truncated tail: the reference is a copy kept
// elsewhere.
//
// The event schema and its versioning rule are documented in
// docs/audit-events.md; [SchemaVersion] is the version this package writes.
package audit
