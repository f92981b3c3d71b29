package pin

import (
	"context"
	"fmt"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// Mode is how pins are enforced (config pin.mode).
type Mode string

const (
	// ModeOff: no verification (the default without a pin block).
	ModeOff Mode = ""
	// ModeStrict: a changed or unpinned tool, prompt or template is not
	// shown and not callable until a human approves it.
	ModeStrict Mode = "strict"
	// ModeTOFU: a definition never seen is pinned on first sight; a
	// changed one is refused as in strict.
	ModeTOFU Mode = "tofu"
	// ModeAudit: mismatches are reported (audit events), nothing is refused.
	ModeAudit Mode = "audit"
)

// Guard refuses calls and listings of definitions that do not match their
// pin. It is a pure function of the call (its definition's hash, which the
// gateway computed from what the upstream listed) and the current lock.
type Guard struct {
	Mode Mode
	// Lock returns the lock in force (the gateway reloads it when the
	// lockfile changes, e.g. after mcpwarden pin approve).
	Lock func() *Lock
}

// Name implements guard.Guard.
func (g *Guard) Name() string { return "pin" }

// KindOf is the kind of definition a call of method uses.
func KindOf(method string) string {
	switch method {
	case "tools/call":
		return KindTool
	case "prompts/get":
		return KindPrompt
	}
	return ""
}

// Check implements guard.Guard.
func (g *Guard) Check(ctx context.Context, c *guard.Call) guard.Decision {
	if g.Mode != ModeStrict && g.Mode != ModeTOFU {
		return guard.Allowed
	}
	kind := KindOf(c.Method)
	if kind == "" {
		return guard.Allowed
	}
	if c.SchemaHash == "" {
		return guard.Decision{Action: guard.Deny, Guard: g.Name(),
			Reason: fmt.Sprintf("%s %q of server %q has no listed definition to verify against its pin", kind, c.Name, c.Server)}
	}
	st, p := g.Lock().Check(c.Server, kind, c.Name, c.SchemaHash)
	switch st {
	case Pinned:
		return guard.Allowed
	case Changed:
		return guard.Decision{Action: guard.Deny, Guard: g.Name(),
			Reason: fmt.Sprintf("the definition of %s %q of server %q changed since it was pinned (pinned %s, now %s): review with `mcpwarden pin pending`, accept with `mcpwarden pin approve %s %s`",
				kind, c.Name, c.Server, short(p.Hash), short(c.SchemaHash), c.Server, c.Name)}
	}
	return guard.Decision{Action: guard.Deny, Guard: g.Name(),
		Reason: fmt.Sprintf("%s %q of server %q is not pinned: review with `mcpwarden pin pending`, accept with `mcpwarden pin approve %s %s`",
			kind, c.Name, c.Server, c.Server, c.Name)}
}

func short(h string) string {
	if len(h) > len("sha256:")+12 {
		return h[:len("sha256:")+12]
	}
	return h
}
