package detect

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// What an alert may do besides being recorded (detect.actions for the
// built-in rules, action: for a user rule). The default is none: alerts
// only.
const (
	ActionNone          = "none"
	ActionEndSession    = "end_session"
	ActionHoldPrincipal = "hold_principal"
)

// Actions carries out alert actions. The gateway implements it.
type Actions interface {
	// EndSession ends the client session: its upstream sessions are
	// closed, its calls in flight fail, and the transport forgets its id
	// (the client must initialize, and authenticate, again). reason is
	// the session.end event's detail.reason.
	EndSession(ctx context.Context, sessionID, reason string) error
	// HoldPrincipal holds every further call of the principal (issuer and
	// subject) for approval until h.Until, or until it is released.
	HoldPrincipal(ctx context.Context, h HoldRequest) error
}

// HoldRequest is what hold_principal asks of Actions.
type HoldRequest struct {
	Principal audit.Principal
	Until     time.Time
	Rule      string
	AlertID   string
	Reason    string
}

// actionRule is a rule that carries its own action (user rules).
type actionRule interface {
	Action() string
}

// Action implements actionRule.
func (r *streamRule) Action() string { return r.u.Action }

// Action implements actionRule.
func (r *corrRule) Action() string { return r.u.Action }

// SetActions sets what carries out alert actions (the gateway, built after
// the engine). Until it is set, an action is recorded as not carried out.
func (e *Engine) SetActions(a Actions) {
	e.actor.Store(&a)
}

// act carries out the action of ev's rule, if any, and records it in the
// alert's detail: detail.action and detail.action_result ("ok", or why it
// was not carried out).
func (e *Engine) act(ev *audit.Event, now time.Time) {
	action := e.actionOf[ev.Rule]
	if action == "" || action == ActionNone {
		return
	}
	if ev.Detail == nil {
		ev.Detail = map[string]any{}
	}
	ev.Detail["action"] = action
	result := "ok"
	defer func() {
		if p := recover(); p != nil {
			result = fmt.Sprintf("failed: %v", p)
		}
		ev.Detail["action_result"] = result
		if result != "ok" {
			e.o.Logger.Warn("detect: alert action not carried out", "rule", ev.Rule, "action", action, "result", result)
		}
	}()
	ap := e.actor.Load()
	if ap == nil || *ap == nil {
		result = "no gateway to act on (not started)"
		return
	}
	a := *ap
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	switch action {
	case ActionEndSession:
		if ev.SessionID == "" {
			result = "the alert names no session"
			return
		}
		err = a.EndSession(ctx, ev.SessionID, "ended by detection "+ev.Rule)
	case ActionHoldPrincipal:
		if ev.Principal.Subject == "" {
			result = "the alert names no principal"
			return
		}
		until := now.Add(e.o.HoldFor).UTC()
		ev.Detail["hold_until"] = until.Format(time.RFC3339)
		err = a.HoldPrincipal(ctx, HoldRequest{Principal: ev.Principal, Until: until, Rule: ev.Rule, AlertID: ev.EventID,
			Reason: "held by detection " + ev.Rule + ": " + ev.Summary})
	default:
		result = "unknown action " + action
		return
	}
	if err != nil {
		result = err.Error()
	}
}

// ValidAction reports whether a is an action name (for user rules).
func ValidAction(a string) bool {
	switch a {
	case "", ActionNone, ActionEndSession, ActionHoldPrincipal:
		return true
	}
	return false
}
