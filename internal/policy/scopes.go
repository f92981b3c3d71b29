package policy

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// ScopeGuardName is the scope guard's name in audit events and errors.
const ScopeGuardName = "scopes"

// ScopeRule requires scopes for the tools a pattern matches.
type ScopeRule struct {
	Pattern string
	Scopes  []string
}

// ServerScopes are one server's scope requirements.
type ServerScopes struct {
	// Rules for tools, in precedence order (as ToolRule).
	Rules []ScopeRule
	// Scopes are required for the server's prompts and resources, and
	// for its tools that no rule matches.
	Scopes []string
}

// ScopeRules are the scope requirements of the whole configuration.
type ScopeRules struct {
	Servers map[string]ServerScopes
	// OneShot scopes are good for one call per token.
	OneShot map[string]bool
	// Known are all scopes the configuration names; a step-up challenge
	// keeps those of them the token already has.
	Known []string
}

// ScopeGuard enforces ScopeRules on the caller's token scopes. It only runs
// when authentication is configured.
type ScopeGuard struct{ Rules ScopeRules }

// Name implements guard.Guard.
func (g *ScopeGuard) Name() string { return ScopeGuardName }

// Check implements guard.Guard: DecideScopes, plus recording the step-up
// challenge and the use of a one-shot scope for the transport.
func (g *ScopeGuard) Check(ctx context.Context, c *guard.Call) guard.Decision {
	d := DecideScopes(g.Rules, c)
	if c.Listing {
		return d
	}
	st := guard.RequestStateFrom(ctx)
	if d.Action == guard.Deny && d.Code == jsonrpc.CodeInsufficientScope {
		st.SetStepUp(d.Scopes)
	} else if d.Action == guard.Allow {
		for _, s := range RequiredScopes(g.Rules, c) {
			if g.Rules.OneShot[s] {
				st.MarkOneShot()
				break
			}
		}
	}
	return d
}

// RequiredScopes are the scopes a call (or a listed item) needs: for a
// tool, those of the rule keyed by its exact name, else of the first glob
// rule in order that matches, else the server's scopes; for prompts and
// resources, the server's scopes.
func RequiredScopes(r ScopeRules, c *guard.Call) []string {
	ss, ok := r.Servers[c.Server]
	if !ok {
		return nil
	}
	if c.Method == "tools/call" {
		for _, rule := range ss.Rules {
			if rule.Pattern == c.Name {
				return rule.Scopes
			}
		}
		for _, rule := range ss.Rules {
			if ok, err := path.Match(rule.Pattern, c.Name); err == nil && ok {
				return rule.Scopes
			}
		}
	}
	return ss.Scopes
}

// DecideScopes allows a call whose principal carries every required scope.
// A refusal names the scopes to ask for: the required ones plus those
// configured scopes the token already has, so that re-authorizing for the
// challenge does not lose what the client could already do (MCP
// 2025-11-25, "Scope Challenge Handling").
func DecideScopes(r ScopeRules, c *guard.Call) guard.Decision {
	if c.Principal.AuthMethod == guard.AuthLocal {
		return guard.Allowed // a stdio client: the local operator (no token exists)
	}
	need := RequiredScopes(r, c)
	if len(need) == 0 || c.Principal.HasScopes(need) {
		return guard.Allowed
	}
	var missing []string
	for _, n := range need {
		if !c.Principal.HasScopes([]string{n}) {
			missing = append(missing, n)
		}
	}
	challenge := append([]string(nil), need...)
	for _, k := range r.Known {
		if c.Principal.HasScopes([]string{k}) && !contains(challenge, k) && !r.OneShot[k] {
			challenge = append(challenge, k)
		}
	}
	what := "tool " + fmt.Sprintf("%q", c.Name)
	switch c.Method {
	case "prompts/get":
		what = fmt.Sprintf("prompt %q", c.Name)
	case "resources/read":
		what = fmt.Sprintf("resource %q", c.URI)
	}
	return guard.Decision{Action: guard.Deny, Guard: ScopeGuardName, Code: jsonrpc.CodeInsufficientScope,
		Reason: fmt.Sprintf("insufficient_scope: %s of server %q needs scope %s; the token lacks %s",
			what, c.Server, strings.Join(need, " "), strings.Join(missing, " ")),
		Scopes: challenge}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
