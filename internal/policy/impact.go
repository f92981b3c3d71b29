package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
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
	// Infer classifies tools without a configured impact from their
	// annotations and names (InferImpact).
	Infer bool
	cache sync.Map
}

var (
	highWords   = []string{"delete", "remove", "drop", "destroy", "purge", "wipe", "truncate", "kill", "exec", "execute", "eval", "shell", "sudo", "transfer", "pay", "payment", "send", "email", "mail", "deploy", "revoke", "erase", "format", "shutdown"}
	mediumWords = []string{"write", "update", "create", "modify", "edit", "set", "put", "post", "upload", "move", "rename", "grant", "insert", "publish", "run", "install", "merge", "push", "commit", "invite", "share"}
)

// InferImpact classifies a tool from its definition: destructiveHint or a
// high-impact word in its name (delete, drop, send, transfer, exec ...) is
// high; readOnlyHint is low; a write-like word (write, update, create, run
// ...) is medium; anything else low. Annotations are the server's claims:
// a readOnlyHint cannot lower a name that says delete.
func InferImpact(name string, def json.RawMessage) string {
	var d struct {
		Annotations struct {
			ReadOnly    *bool `json:"readOnlyHint"`
			Destructive *bool `json:"destructiveHint"`
		} `json:"annotations"`
	}
	_ = json.Unmarshal(def, &d)
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	has := func(list []string) bool {
		for _, w := range words {
			if slices.Contains(list, w) {
				return true
			}
		}
		return false
	}
	switch {
	case d.Annotations.Destructive != nil && *d.Annotations.Destructive && (d.Annotations.ReadOnly == nil || !*d.Annotations.ReadOnly):
		return "high"
	case has(highWords):
		return "high"
	case d.Annotations.ReadOnly != nil && *d.Annotations.ReadOnly:
		return "low"
	case has(mediumWords):
		return "medium"
	}
	return "low"
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
	imp := g.ImpactOf(c.Server, c.Name)
	if imp == "" && g.Infer {
		imp = InferImpact(c.Name, c.Definition)
	}
	switch imp {
	case "high", "medium":
		return guard.Decision{Action: guard.Hold, Guard: ImpactGuardName,
			Reason: fmt.Sprintf("tool %q of server %q has %s impact: the call is held for a human's approval", c.Name, c.Server, imp)}
	}
	return guard.Allowed
}
