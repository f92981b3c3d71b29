package policy

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// ArgsGuardName is the argument guard's name in audit events and errors.
const ArgsGuardName = "arguments"

// ArgRule is what a tool rule says about arguments. Each attribute is
// resolved on its own, like scopes: the rule keyed by the exact tool name
// if it sets the attribute, else the first glob rule in order that does.
type ArgRule struct {
	Pattern string
	// Arguments, if not nil, are the only argument names permitted.
	Arguments []string
	// When, if set, must be true for the call to run.
	When *Expr
}

// ArgRules are the argument rules of every server.
type ArgRules struct {
	Servers map[string][]ArgRule
}

// resolved is the rule set that applies to one tool.
type resolved struct {
	arguments []string
	argsFrom  string
	when      *Expr
	whenFrom  string
}

// ArgumentGuard refuses calls whose arguments a rule does not permit, that
// do not match the tool's input schema, or whose `when` condition is false
// (or cannot be evaluated: fail closed).
type ArgumentGuard struct {
	Rules   ArgRules
	Schemas *Schemas
	Now     func() time.Time

	cache sync.Map // server + "\x00" + tool -> *resolved
}

// Name implements guard.Guard.
func (g *ArgumentGuard) Name() string { return ArgsGuardName }

func (g *ArgumentGuard) resolve(server, tool string) *resolved {
	key := server + "\x00" + tool
	if r, ok := g.cache.Load(key); ok {
		return r.(*resolved)
	}
	r := &resolved{}
	rules := g.Rules.Servers[server]
	pick := func(has func(ArgRule) bool) (ArgRule, bool) {
		for _, rule := range rules {
			if rule.Pattern == tool && has(rule) {
				return rule, true
			}
		}
		for _, rule := range rules {
			if ok, err := path.Match(rule.Pattern, tool); err == nil && ok && has(rule) {
				return rule, true
			}
		}
		return ArgRule{}, false
	}
	if rule, ok := pick(func(r ArgRule) bool { return r.Arguments != nil }); ok {
		r.arguments, r.argsFrom = rule.Arguments, rule.Pattern
	}
	if rule, ok := pick(func(r ArgRule) bool { return r.When != nil }); ok {
		r.when, r.whenFrom = rule.When, rule.Pattern
	}
	g.cache.Store(key, r)
	return r
}

// Check implements guard.Guard.
func (g *ArgumentGuard) Check(ctx context.Context, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" || c.Listing {
		return guard.Allowed
	}
	deny := func(format string, a ...any) guard.Decision {
		return guard.Decision{Action: guard.Deny, Guard: ArgsGuardName, Reason: fmt.Sprintf(format, a...)}
	}
	r := g.resolve(c.Server, c.Name)
	var args map[string]any
	if r.arguments != nil || r.when != nil {
		var err error
		if args, err = ArgsOf(c.Arguments); err != nil {
			return deny("tool %q: arguments cannot be read: %v", c.Name, err)
		}
	}
	if r.arguments != nil {
		for k := range args {
			if !slices.Contains(r.arguments, k) {
				return deny("tool %q: argument %q is not permitted by rule servers.%s.tools[%q].arguments", c.Name, k, c.Server, r.argsFrom)
			}
		}
	}
	// A tool the server lists is checked against its input schema. One it
	// does not list has none; the gateway lets such a call reach a guard
	// only where the policy default is allow (and it is refused otherwise).
	if g.Schemas != nil && len(c.Definition) > 0 {
		if err := g.Schemas.Validate(c.SchemaHash, c.Definition, c.Arguments); err != nil {
			return deny("tool %q: %v", c.Name, err)
		}
	}
	if r.when != nil {
		now := time.Now
		if g.Now != nil {
			now = g.Now
		}
		ok, err := r.when.Eval(ctx, Input{Args: args, Principal: c.Principal, Tool: c.Name, Server: c.Server, Session: c.Session, Now: now()})
		if err != nil {
			return deny("tool %q: condition servers.%s.tools[%q].when could not be evaluated: %v (denied: fail closed)", c.Name, c.Server, r.whenFrom, err)
		}
		if !ok {
			return deny("tool %q: condition servers.%s.tools[%q].when is false: %s", c.Name, c.Server, r.whenFrom, r.when.Source)
		}
	}
	return guard.Allowed
}
