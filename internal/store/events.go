package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// eventRow is an event prepared for insertion.
type eventRow struct {
	id      string
	timeNS  int64
	typ     string
	session string
	corr    string
	subject string
	server  string
	tool    string
	action  string
	data    []byte
	// seg is the journal segment holding the row, plus one (0: the row
	// is in no journal segment).
	seg int8
}

// indexed holds the indexed columns as they appear in the (possibly
// redacted) JSON, so the columns never hold what the JSON does not.
type indexed struct {
	Type          string `json:"type"`
	SessionID     string `json:"session_id"`
	CorrelationID string `json:"correlation_id"`
	Principal     struct {
		Subject string `json:"subject"`
	} `json:"principal"`
	Server   string `json:"server"`
	Tool     string `json:"tool"`
	Decision struct {
		Action string `json:"action"`
	} `json:"decision"`
}

func prepareRow(ev *audit.Event, redact audit.Redactor) (eventRow, error) {
	plain, err := audit.MarshalEvent(ev, nil) // normalizes ev
	if err != nil {
		return eventRow{}, err
	}
	data := plain
	if redact != nil {
		data = redact(plain)
	}
	r := eventRow{
		id:      ev.EventID,
		timeNS:  ev.Time.UnixNano(),
		typ:     ev.Type,
		session: ev.SessionID,
		corr:    ev.CorrelationID,
		subject: ev.Principal.Subject,
		server:  ev.Server,
		tool:    ev.Tool,
		action:  ev.Decision.Action,
		data:    data,
	}
	// Redactors return their input itself when nothing matched: the
	// indexed fields are then the event's own, and the record need not be
	// parsed again (for a 64 KiB record that parse was most of the store's
	// cost). Only a record the redactor changed is read back.
	if redact != nil && !sameBytes(data, plain) {
		var ix indexed
		if err := json.Unmarshal(data, &ix); err != nil {
			return eventRow{}, fmt.Errorf("store: redactor broke event %s: %w", ev.EventID, err)
		}
		r.typ, r.session, r.corr, r.subject = ix.Type, ix.SessionID, ix.CorrelationID, ix.Principal.Subject
		r.server, r.tool, r.action = ix.Server, ix.Tool, ix.Decision.Action
	}
	return r, nil
}

// sameBytes reports whether a and b are the same slice (not merely equal).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const insertSQL = `INSERT INTO audit_events
	(event_id, time_ns, type, session_id, correlation_id, principal_subject, server, tool, decision_action, data)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertTx inserts rows in one transaction: all or nothing. data, if
// non-nil, holds what to store in the data column for each row (the row's
// data with its chain added); otherwise the row's data is stored as is.
func (s *Store) insertTx(ctx context.Context, rows []eventRow, data []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed { // error or panic
			_ = tx.Rollback()
		}
	}()
	stmt, err := tx.PrepareContext(ctx, insertSQL)
	if err != nil {
		return fmt.Errorf("store: prepare insert: %w", err)
	}
	defer stmt.Close()
	for i := range rows {
		r := &rows[i]
		var d string
		if data != nil {
			d = data[i]
		} else {
			d = string(r.data)
		}
		if _, err := stmt.ExecContext(ctx, r.id, r.timeNS, r.typ, nullable(r.session), nullable(r.corr),
			nullable(r.subject), nullable(r.server), nullable(r.tool), nullable(r.action), d); err != nil {
			return fmt.Errorf("store: insert event %s: %w", r.id, err)
		}
	}
	committed = true // after Commit the transaction is over either way
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// InsertEvents normalizes (see audit.Normalize) and stores events in one
// transaction: either all are committed or none is. An event whose
// event_id is already stored fails the call. The rows are not chained
// (for imports and tests): the gateway writes through [AuditSink].
func (s *Store) InsertEvents(ctx context.Context, events []*audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]eventRow, 0, len(events))
	for _, ev := range events {
		r, err := prepareRow(ev, nil)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	return s.insertTx(ctx, rows, nil)
}

// Filter selects audit events. Zero fields do not filter.
type Filter struct {
	SessionID      string
	CorrelationID  string
	Type           string
	Server         string
	Tool           string
	Subject        string    // principal.subject
	DecisionAction string    // "allow" | "deny" | "hold"
	Since          time.Time // inclusive
	Until          time.Time // exclusive
	// Limit caps the number of events returned; <= 0 means no limit.
	Limit int
	// Descending returns the newest events first (with Limit: the last N).
	Descending bool
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	eq("session_id", f.SessionID)
	eq("correlation_id", f.CorrelationID)
	eq("type", f.Type)
	eq("server", f.Server)
	eq("tool", f.Tool)
	eq("principal_subject", f.Subject)
	eq("decision_action", f.DecisionAction)
	if !f.Since.IsZero() {
		conds = append(conds, "time_ns >= ?")
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		conds = append(conds, "time_ns < ?")
		args = append(args, f.Until.UnixNano())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// QueryEvents returns the events matching f, ordered by time (then
// event_id), oldest first unless f.Descending.
func (s *Store) QueryEvents(ctx context.Context, f Filter) ([]*audit.Event, error) {
	s.awaitAudit(ctx)
	where, args := f.where()
	q := "SELECT event_id, time_ns, data FROM audit_events" + where
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
		return nil, fmt.Errorf("store: query events: %w", err)
	}
	defer rows.Close()
	var out []*audit.Event
	for rows.Next() {
		var (
			id     string
			timeNS int64
			data   []byte
		)
		if err := rows.Scan(&id, &timeNS, &data); err != nil {
			return nil, fmt.Errorf("store: scan event: %w", err)
		}
		out = append(out, decodeEvent(id, timeNS, data))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query events: %w", err)
	}
	return out, nil
}

// CountEvents returns the number of events matching f (Limit and
// Descending are ignored).
func (s *Store) CountEvents(ctx context.Context, f Filter) (int64, error) {
	s.awaitAudit(ctx)
	where, args := f.where()
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events"+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count events: %w", err)
	}
	return n, nil
}

// decodeEvent turns a stored row back into an Event. A row whose JSON no
// longer decodes strictly (a redactor may have replaced part of a typed
// field, e.g. digits of the time) is decoded field by field, keeping what
// can be read; event_id and time then come from their columns and
// Detail["store_decode_error"] says what happened. Stored evidence is
// never dropped on read.
func decodeEvent(id string, timeNS int64, data []byte) *audit.Event {
	ev := new(audit.Event)
	err := json.Unmarshal(data, ev)
	if err == nil {
		return ev
	}
	ev = new(audit.Event)
	var fields map[string]json.RawMessage
	if jerr := json.Unmarshal(data, &fields); jerr == nil {
		for k, v := range fields {
			one, _ := json.Marshal(map[string]json.RawMessage{k: v})
			_ = json.Unmarshal(one, ev) // fields that fail stay zero
		}
	}
	ev.EventID = id
	ev.Time = time.Unix(0, timeNS).UTC()
	if ev.Detail == nil {
		ev.Detail = map[string]any{}
	}
	ev.Detail["store_decode_error"] = err.Error()
	return ev
}

// QueryRaw runs one read-only SELECT (an analyst's query) and returns the
// column names and rows. The statement runs on a connection with
// query_only set, so it cannot change the store whatever it says.
func (s *Store) QueryRaw(ctx context.Context, query string, limit int) ([]string, [][]any, error) {
	s.awaitAudit(ctx)
	q := strings.TrimSpace(query)
	up := strings.ToUpper(q)
	if !(strings.HasPrefix(up, "SELECT") || strings.HasPrefix(up, "WITH")) || strings.Contains(strings.TrimRight(q, "; \n\t"), ";") {
		return nil, nil, fmt.Errorf("store: --sql takes one SELECT statement")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		return nil, nil, err
	}
	defer conn.ExecContext(context.Background(), "PRAGMA query_only = OFF") //nolint:errcheck
	rows, err := conn.QueryContext(ctx, strings.TrimRight(q, "; \n\t"))
	if err != nil {
		return nil, nil, fmt.Errorf("store: query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, fmt.Errorf("store: query: %w", err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, vals)
	}
	return cols, out, rows.Err()
}
