package pin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Candidate is a definition the gateway saw that differs from its pin: a
// change or a new definition waiting for review.
type Candidate struct {
	Server     string          `json:"server"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	Hash       string          `json:"hash"`
	Status     string          `json:"status"` // changed | unpinned
	Change     Change          `json:"change"`
	SeenAt     time.Time       `json:"seen_at"`
	Definition json.RawMessage `json:"definition"`
}

// Candidates keeps candidates in the store (table pin_candidates).
type Candidates struct{ DB *sql.DB }

// Put records a candidate (once per server, kind, name and hash).
func (c *Candidates) Put(ctx context.Context, cand *Candidate) error {
	ch, _ := json.Marshal(cand.Change)
	_, err := c.DB.ExecContext(ctx, `INSERT INTO pin_candidates (server, kind, name, hash, definition, status, change, seen_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server, kind, name, hash) DO UPDATE SET seen_ns = excluded.seen_ns`,
		cand.Server, cand.Kind, cand.Name, cand.Hash, string(cand.Definition), cand.Status, string(ch), cand.SeenAt.UnixNano())
	if err != nil {
		return fmt.Errorf("pin: record candidate: %w", err)
	}
	return nil
}

// Pending returns the candidates that the lock does not pin yet, the most
// recently seen first.
func (c *Candidates) Pending(ctx context.Context, lock *Lock) ([]Candidate, error) {
	rows, err := c.DB.QueryContext(ctx, `SELECT server, kind, name, hash, definition, status, change, seen_ns
		FROM pin_candidates ORDER BY seen_ns DESC`)
	if err != nil {
		return nil, fmt.Errorf("pin: read candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var cand Candidate
		var def, ch string
		var ns int64
		if err := rows.Scan(&cand.Server, &cand.Kind, &cand.Name, &cand.Hash, &def, &cand.Status, &ch, &ns); err != nil {
			return nil, fmt.Errorf("pin: read candidates: %w", err)
		}
		cand.Definition, cand.SeenAt = json.RawMessage(def), time.Unix(0, ns).UTC()
		_ = json.Unmarshal([]byte(ch), &cand.Change)
		if p := lock.Get(cand.Server, cand.Kind, cand.Name); p != nil && p.Hash == cand.Hash {
			continue
		}
		out = append(out, cand)
	}
	return out, rows.Err()
}

// ErrNoCandidate: nothing is waiting for review under that name.
var ErrNoCandidate = errors.New("no pending definition")

// Latest returns the most recently seen candidate of (server, kind, name)
// that the lock does not pin yet.
func (c *Candidates) Latest(ctx context.Context, lock *Lock, server, kind, name string) (*Candidate, error) {
	all, err := c.Pending(ctx, lock)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Server == server && all[i].Kind == kind && all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("%w for %s %q of server %q", ErrNoCandidate, kind, name, server)
}
