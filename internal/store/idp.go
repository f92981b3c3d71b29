package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// IDPEvent is one event of an identity provider's log (an Okta System Log
// LogEvent, a Keycloak event, an Auth0 log event), imported into table
// idp_events so that a query can join it with audit_events (see
// docs/investigation.md).
type IDPEvent struct {
	Source      string // okta | keycloak | keycloak-admin | auth0
	ID          string // unique within Source; importing it again is a no-op
	Time        time.Time
	EventType   string
	Subject     string // the user's (or client's) id at the IdP: a token's sub
	AlternateID string // login or email
	ClientID    string
	IP          string
	SessionID   string
	Outcome     string
	Data        json.RawMessage // the record as exported
}

// InsertIDPEvents stores events in one transaction and returns how many
// were new; an event whose (source, id) is already stored is skipped.
func (s *Store) InsertIDPEvents(ctx context.Context, evs []IDPEvent) (int64, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO idp_events
		(source, id, time_ns, event_type, subject, alternate_id, client_id, ip, session_id, outcome, data, imported_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("store: prepare: %w", err)
	}
	defer stmt.Close()
	now := time.Now().UnixNano()
	var inserted int64
	for i := range evs {
		e := &evs[i]
		if e.Source == "" || e.ID == "" || e.EventType == "" || e.Time.IsZero() || !json.Valid(e.Data) {
			return 0, fmt.Errorf("store: idp event %q of %q: source, id, type, time and JSON data are required", e.ID, e.Source)
		}
		res, err := stmt.ExecContext(ctx, e.Source, e.ID, e.Time.UnixNano(), e.EventType, nullable(e.Subject), nullable(e.AlternateID),
			nullable(e.ClientID), nullable(e.IP), nullable(e.SessionID), nullable(e.Outcome), string(e.Data), now)
		if err != nil {
			return 0, fmt.Errorf("store: insert idp event %s/%s: %w", e.Source, e.ID, err)
		}
		n, _ := res.RowsAffected()
		inserted += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: commit: %w", err)
	}
	return inserted, nil
}
