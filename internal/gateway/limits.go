package gateway

import (
	"context"
	"encoding/json"
	"net"
	"path"
	"slices"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/policy"
	"github.com/mcpwarden/mcpwarden/internal/ratelimit"
)

// Rate limits (limits): the gateway's part is building the ratelimit
// guard from the configuration (with the tool categories), giving each
// session a slot of its client's sessions_per_client at initialize, and
// giving the slot back when the session ends.

// newLimiter is the ratelimit guard of cfg, nil when no limit is set.
func newLimiter(cfg *config.Config, flows *policy.Flows) *ratelimit.Limiter {
	l := cfg.Limits
	if !l.RateLimited() {
		return nil
	}
	return ratelimit.New(ratelimit.Config{CallsPerMinute: l.CallsPerMinute, Burst: l.Burst, SessionsPerClient: l.SessionsPerClient,
		InflightPerSession: l.InflightPerSession, Categories: l.Categories, MaxKeys: l.MaxKeys, Category: ToolCategories(cfg, flows)})
}

// ToolCategories resolves a called tool's rate-limit category: the first
// matching servers.NAME.tools rule with a category (exact name, then
// patterns in file order), else outbound_http for a tool labelled
// exfiltration (configured labels or inferred, as for toxic flows), else
// none. No db_write or file_write is inferred: nothing in a tool's
// definition says reliably that it writes a database or a file, so those
// come from the configuration only.
func ToolCategories(cfg *config.Config, flows *policy.Flows) func(*guard.Call) string {
	type rule struct{ pattern, category string }
	rules := map[string][]rule{}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		for _, pat := range sc.Tools.Keys {
			if r := sc.Tools.Values[pat]; r != nil && r.Category != "" {
				rules[name] = append(rules[name], rule{pat, r.Category})
			}
		}
	}
	return func(c *guard.Call) string {
		rs := rules[c.Server]
		for _, r := range rs {
			if r.pattern == c.Name {
				return r.category
			}
		}
		for _, r := range rs {
			if ok, err := path.Match(r.pattern, c.Name); err == nil && ok {
				return r.category
			}
		}
		if flows != nil && slices.Contains(flows.LabelsOf(c.Server, c.Name, c.Definition), policy.LabelExfiltration) {
			return ratelimit.CategoryOutboundHTTP
		}
		return ""
	}
}

// clientAddr is a remote address without its port.
func clientAddr(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// admitSession takes a session slot for s (sessions_per_client). On a
// refusal it records a denied session.start and returns the error
// response (jsonrpc.CodeRateLimited, data.retry_after_seconds; the HTTP
// transport makes it a 429 with Retry-After).
func (g *Gateway) admitSession(ctx context.Context, s *Session, id json.RawMessage) []byte {
	if g.limits == nil {
		return nil
	}
	p := s.meta.Principal
	release, d := g.limits.OpenSession(ratelimit.SessionKey{Key: ratelimit.PrincipalKey(p, s.guardSession()), ClientID: p.ClientID})
	if d.Action == guard.Allow {
		s.mu.Lock()
		s.releaseSlot = release
		s.mu.Unlock()
		return nil
	}
	secs := ratelimit.Seconds(d.RetryAfter)
	ev := s.event(ctx, audit.TypeSessionStart)
	ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: d.Guard, Reason: d.Reason, Code: d.Code}
	ev.Status = audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: d.Code, ErrorMessage: d.Reason}
	ev.Detail = map[string]any{"retry_after_seconds": secs}
	_ = g.emit(ctx, ev) // refused either way
	return jsonrpc.NewError(id, jsonrpc.Errorf(d.Code, "%s", d.Reason).WithData(map[string]any{"guard": d.Guard, "retry_after_seconds": secs}))
}

// releaseLimits gives back the session's slot (idempotent).
func (s *Session) releaseLimits() {
	s.mu.Lock()
	release := s.releaseSlot
	s.releaseSlot = nil
	s.mu.Unlock()
	if release != nil {
		release()
	}
}
