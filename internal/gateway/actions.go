package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/approval"
	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/detect"
)

// Alert actions (detect.actions): the gateway carries them out for the
// detection engine. It implements detect.Actions.

// Audit event types of the actions.
const (
	// TypePrincipalHold: a detection held a principal's calls.
	TypePrincipalHold = "principal.hold"
	// TypePrincipalRelease: a held principal was released.
	TypePrincipalRelease = "principal.release"
)

// ErrSessionEnded is EndSession's answer for a session that is gone.
var ErrSessionEnded = errors.New("session already ended")

var _ detect.Actions = (*Gateway)(nil)

// EndSession ends a client session: its upstream sessions are closed, its
// calls in flight are answered with an error, session.end is recorded with
// reason, and the transport forgets the session id (a later request on it
// gets HTTP 404: the client must initialize, and authenticate, again).
func (g *Gateway) EndSession(_ context.Context, sessionID, reason string) error {
	s := g.Session(sessionID)
	if s == nil || !s.end(reason) {
		return ErrSessionEnded
	}
	return nil
}

// HoldPrincipal holds every further call of the principal (issuer and
// subject) until h.Until: the detect-hold guard then answers Hold for
// them. Recorded as a principal.hold event.
func (g *Gateway) HoldPrincipal(ctx context.Context, h detect.HoldRequest) error {
	if g.holds == nil {
		return errors.New("holds are not set up")
	}
	hold, err := g.holds.Add(ctx, approval.Hold{Issuer: h.Principal.Issuer, Subject: h.Principal.Subject, Rule: h.Rule,
		Reason: h.Reason, AlertID: h.AlertID, Until: h.Until})
	if err != nil {
		return err
	}
	_ = g.emit(ctx, &audit.Event{Type: TypePrincipalHold, Principal: h.Principal,
		Decision: audit.Decision{Action: audit.ActionHold, Guard: approval.HoldGuardName, Reason: h.Reason},
		Status:   audit.Status{Outcome: audit.OutcomeOK}, Rule: h.Rule, EventIDs: []string{h.AlertID},
		Detail: map[string]any{"hold_id": hold.ID, "until": hold.Until.UTC().Format(time.RFC3339)}})
	return nil
}

// released records the release of a hold (from the CLI, found in the
// store) as a principal.release event.
func (g *Gateway) released(h approval.Hold) {
	rel := ""
	if h.ReleasedAt != nil {
		rel = h.ReleasedAt.UTC().Format(time.RFC3339)
	}
	_ = g.emit(context.Background(), &audit.Event{Type: TypePrincipalRelease,
		Principal: audit.Principal{Subject: h.Subject, Issuer: h.Issuer},
		Decision:  audit.Decision{Action: audit.ActionAllow, Guard: approval.HoldGuardName, Reason: h.ReleaseReason},
		Status:    audit.Status{Outcome: audit.OutcomeOK}, Rule: h.Rule,
		Detail: map[string]any{"hold_id": h.ID, "releaser": h.Releaser, "released_at": rel, "until": h.Until.UTC().Format(time.RFC3339)}})
}

// watchHolds notices releases made through the store by another process
// (mcpwarden approvals release-principal) even when the principal makes
// no call, so each is recorded.
func (g *Gateway) watchHolds(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.holds.Sync(ctx)
		}
	}
}
