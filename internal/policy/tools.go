// Package policy holds the gateway's authorization rules as pure functions of
// (call, configuration): no I/O, no clocks, no state, so every decision can be
// replayed and explained.
//
// This file is the first guard: a per-server tool allowlist/denylist. It
// guards against a client reaching tools the operator did not mean to expose,
// whether by calling them or by seeing them listed (the gateway asks the same
// guard for both). It trusts the router to have resolved the upstream server
// and tool name from the parsed body.
package policy

import (
	"context"
	"fmt"
	"path"
	"sync"
	"sync/atomic"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// GuardName is the name this guard has in audit events and errors.
const GuardName = "tool-allowlist"

// ToolRule is one pattern's setting. Allow nil means the rule says nothing
// about allowing (later issues add other settings to the same block).
type ToolRule struct {
	Pattern string
	Allow   *bool
}

// ServerRules are one server's rules in precedence order.
type ServerRules struct {
	Rules []ToolRule
	// Default overrides the global default for this server when set.
	Default *bool
}

// ToolRules is the whole allowlist configuration.
type ToolRules struct {
	Servers map[string]ServerRules
	// DefaultAllow decides for tools that no rule matches.
	DefaultAllow bool
}

// ToolGuard enforces ToolRules. Decisions are the same for every call of
// a tool, so they are kept per tool (a call does not scan the rules).
type ToolGuard struct {
	Rules  ToolRules
	cache  sync.Map // server + "\x00" + tool -> guard.Decision
	cached atomic.Int64
}

// Name implements guard.Guard.
func (g *ToolGuard) Name() string { return GuardName }

// maxCachedTools bounds the decisions kept (tool names come from clients).
const maxCachedTools = 10000

// Check implements guard.Guard.
func (g *ToolGuard) Check(_ context.Context, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" {
		return guard.Allowed
	}
	key := c.Server + "\x00" + c.Name
	if d, ok := g.cache.Load(key); ok {
		return d.(guard.Decision)
	}
	d := DecideTool(g.Rules, c)
	if g.cached.Add(1) <= maxCachedTools {
		g.cache.Store(key, d)
	}
	return d
}

// DecideTool is the pure decision. It rules on tools/call only (and on
// listing tools); prompts and resources pass (URI rules come later).
// Precedence: a rule whose pattern is exactly the name, then glob rules in
// configuration order, then the server's default, then the global default.
func DecideTool(r ToolRules, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" {
		return guard.Allowed
	}
	sr := r.Servers[c.Server]
	if rule, ok := match(sr.Rules, c.Name); ok {
		if *rule.Allow {
			return guard.Allowed
		}
		return guard.Decision{Action: guard.Deny, Guard: GuardName,
			Reason: fmt.Sprintf("tool %q of server %q is denied by rule servers.%s.tools[%q]", c.Name, c.Server, c.Server, rule.Pattern)}
	}
	def, where := r.DefaultAllow, "policy.default"
	if sr.Default != nil {
		def, where = *sr.Default, "servers."+c.Server+".policy.default"
	}
	if def {
		return guard.Allowed
	}
	return guard.Decision{Action: guard.Deny, Guard: GuardName,
		Reason: fmt.Sprintf("tool %q of server %q matches no rule and %s is deny", c.Name, c.Server, where)}
}

func match(rules []ToolRule, name string) (ToolRule, bool) {
	for _, r := range rules {
		if r.Allow != nil && r.Pattern == name {
			return r, true
		}
	}
	for _, r := range rules {
		if r.Allow == nil {
			continue
		}
		if ok, err := path.Match(r.Pattern, name); err == nil && ok {
			return r, true
		}
	}
	return ToolRule{}, false
}
