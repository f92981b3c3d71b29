// Package ratelimit is the gateway's rate limits and quotas: a token bucket
// of tools/call per principal, stricter buckets per tool category (outbound
// HTTP, database writes, file writes, or a category of the operator's), a
// cap on the calls one session has in flight, and a cap on the sessions one
// client holds open.
//
// It guards against one caller exhausting upstreams, the gateway or the
// budgets behind tools (a runaway agent loop, a scripted flood, a client
// opening sessions until memory runs out), and against a flood of distinct
// callers growing the limiter's own state without bound: bucket state is
// kept for at most Config.MaxKeys principals, least recently used first
// out, and a bucket idle long enough to be full again is dropped (it is
// then indistinguishable from a new one).
//
// It trusts the principal the transport authenticated (issuer and subject;
// for an anonymous caller, the peer address the transport saw) and the
// category the gateway resolves for a tool. Decisions need no I/O: a
// lookup, a token bucket (golang.org/x/time/rate) and a counter.
package ratelimit
