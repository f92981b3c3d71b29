package policy

import (
	"context"
	"fmt"
	"path"
	"sync"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// ImpactGuardName is the impact guard's name in audit events and errors.
const ImpactGuardName = "impact"

// ImpactRule sets a tool pattern's impact class.
type ImpactRule struct {
	Pattern string
	Impact  string // low, medium, high
}

// ImpactGuard holds calls of medium and high impact for a human's
// approval. (Only the impact set in the configuration counts in this
// build; until an approval service is configured a hold ends in denial.)
type ImpactGuard struct {
	Rules map[string][]ImpactRule // by server
	cache sync.Map
}

// Name implements guard.Guard.
func (g *ImpactGuard) Name() string { return ImpactGuardName }

// ImpactOf is a tool's configured impact class ("" when none is set).
func (g *ImpactGuard) ImpactOf(server, tool string) string {
	key := server + "\x00" + tool
	if v, ok := g.cache.Load(key); ok {
		return v.(string)
	}
	imp := ""
	rules := g.Rules[server]
	for _, r := range rules {
		if r.Pattern == tool {
			imp = r.Impact
			break
		}
	}
	if imp == "" {
		for _, r := range rules {
			if ok, err := path.Match(r.Pattern, tool); err == nil && ok {
				imp = r.Impact
				break
			}
		}
	}
	g.cache.Store(key, imp)
	return imp
}

// Check implements guard.Guard.
func (g *ImpactGuard) Check(_ context.Context, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" || c.Listing {
		return guard.Allowed
	}
	switch imp := g.ImpactOf(c.Server, c.Name); imp {
	case "high", "medium":
		return guard.Decision{Action: guard.Hold, Guard: ImpactGuardName,
			Reason: fmt.Sprintf("tool %q of server %q has %s impact: the call is held for a human's approval", c.Name, c.Server, imp)}
	}
	return guard.Allowed
}
