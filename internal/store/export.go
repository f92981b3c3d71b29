package store

import (
	"context"
	"fmt"
)

// EachEventData calls fn with the stored JSON of every event matching f, in
// the order QueryEvents uses, without decoding it: exactly the line the
// JSONL sink wrote (after redaction), for shipping to a SIEM. data is only
// valid during the call.
func (s *Store) EachEventData(ctx context.Context, f Filter, fn func(data []byte) error) error {
	s.awaitAudit(ctx)
	where, args := f.where()
	q := "SELECT data FROM audit_events" + where
	if f.Descending {
		q += " ORDER BY time_ns DESC, event_id DESC"
	} else {
		q += " ORDER BY time_ns, event_id"
	}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: query events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("store: scan event: %w", err)
		}
		if err := fn(data); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: query events: %w", err)
	}
	return nil
}
