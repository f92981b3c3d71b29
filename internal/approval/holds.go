package approval

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// A principal hold: a detection rule's alert (action hold_principal) holds
// every further call of a principal (its issuer and subject, whatever the
// client) until a time, or until someone releases it. While it lasts the
// HoldGuard answers Hold for the principal's tools/call, resources/read and
// prompts/get, so each call waits for a human like an approval-required
// call (denied where no approvals are configured).
//
// Holds live in memory and, with the store on, in its principal_holds
// table: they survive a restart, and `mcpwarden approvals
// release-principal` (another process) releases them through the store.

// HoldGuardName is the guard's name in decisions and audit events.
const HoldGuardName = "detect-hold"

// Hold is one principal hold.
type Hold struct {
	ID            string     `json:"id"`
	Issuer        string     `json:"issuer,omitempty"`
	Subject       string     `json:"subject"`
	Rule          string     `json:"rule"`
	Reason        string     `json:"reason"`
	AlertID       string     `json:"alert_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Until         time.Time  `json:"until"`
	ReleasedAt    *time.Time `json:"released_at,omitempty"`
	Releaser      string     `json:"releaser,omitempty"`
	ReleaseReason string     `json:"release_reason,omitempty"`
}

// HoldKey identifies a held principal: issuer and subject.
func HoldKey(issuer, subject string) string { return issuer + "\x00" + subject }

// Holds is the set of principal holds. Safe for concurrent use. A nil DB
// keeps them in memory only.
type Holds struct {
	DB *sql.DB
	// OnRelease, if set, is told of each hold found released in the store
	// (by the CLI) or through Release, once.
	OnRelease func(Hold)

	mu sync.Mutex
	m  map[string]*Hold // key → the latest active hold
}

// ErrNoHold is returned when there is no active hold to release.
var ErrNoHold = errors.New("no active hold")

func (hs *Holds) init() {
	if hs.m == nil {
		hs.m = map[string]*Hold{}
	}
}

// Load reads the active holds from the store (at start).
func (hs *Holds) Load(ctx context.Context) (int, error) {
	if hs.DB == nil {
		return 0, nil
	}
	list, err := hs.query(ctx, `WHERE released_ns IS NULL AND until_ns > ? ORDER BY created_ns`, time.Now().UnixNano())
	if err != nil {
		return 0, err
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.init()
	for _, h := range list {
		hs.m[HoldKey(h.Issuer, h.Subject)] = h
	}
	return len(list), nil
}

// Add records a hold. A principal already held stays held until the later
// of the two times.
func (hs *Holds) Add(ctx context.Context, h Hold) (Hold, error) {
	if h.Subject == "" {
		return h, errors.New("the alert names no principal to hold")
	}
	if h.ID == "" {
		var b [9]byte
		_, _ = rand.Read(b[:])
		h.ID = "hold-" + hex.EncodeToString(b[:])
	}
	if h.CreatedAt.IsZero() {
		h.CreatedAt = time.Now().UTC()
	}
	k := HoldKey(h.Issuer, h.Subject)
	hs.mu.Lock()
	hs.init()
	if cur := hs.m[k]; cur != nil && cur.Until.After(h.Until) && cur.Until.After(time.Now()) {
		h.Until = cur.Until
	}
	// In force in this process first: a store that cannot record the hold
	// must not leave the principal free (fail closed); the error says the
	// hold will not survive a restart.
	hc := h
	hs.m[k] = &hc
	hs.mu.Unlock()
	if hs.DB != nil {
		if _, err := hs.DB.ExecContext(ctx, `INSERT INTO principal_holds (id, issuer, subject, rule, reason, alert_id, created_ns, until_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, h.Issuer, h.Subject, h.Rule, h.Reason, h.AlertID, h.CreatedAt.UnixNano(), h.Until.UnixNano()); err != nil {
			return h, fmt.Errorf("the hold is in force but could not be recorded in the store (it will not survive a restart): %w", err)
		}
	}
	return h, nil
}

// Active returns the principal's hold in force at now, if any. With a
// store, a hold in memory is checked against it, so a release by another
// process takes effect at the principal's next call.
func (hs *Holds) Active(ctx context.Context, issuer, subject string, now time.Time) (Hold, bool) {
	k := HoldKey(issuer, subject)
	hs.mu.Lock()
	cur := hs.m[k]
	var h Hold
	if cur != nil {
		h = *cur
	}
	hs.mu.Unlock()
	if cur == nil {
		return Hold{}, false
	}
	if !now.Before(h.Until) {
		hs.forget(k, cur)
		return Hold{}, false
	}
	if hs.DB != nil {
		released, err := hs.releasedIn(ctx, issuer, subject, now)
		if err == nil && released {
			// Only a release recorded in the store lifts the hold; a hold
			// the store never recorded (its write failed) stays in force.
			hs.Sync(ctx)
			hs.mu.Lock()
			still := hs.m[k] == cur
			hs.mu.Unlock()
			if !still {
				return Hold{}, false
			}
		}
		// A store that cannot be read keeps the hold (fail closed).
	}
	return h, true
}

// releasedIn reports whether the store has no active hold of the principal.
func (hs *Holds) releasedIn(ctx context.Context, issuer, subject string, now time.Time) (bool, error) {
	var n int
	err := hs.DB.QueryRowContext(ctx, `SELECT count(*) FROM principal_holds WHERE subject = ? AND issuer = ? AND released_ns IS NULL AND until_ns > ?`,
		subject, issuer, now.UnixNano()).Scan(&n)
	return n == 0, err
}

func (hs *Holds) forget(k string, h *Hold) {
	hs.mu.Lock()
	if hs.m[k] == h {
		delete(hs.m, k)
	}
	hs.mu.Unlock()
}

// Sync drops from memory the holds the store says were released (by
// another process) and reports each to OnRelease once.
func (hs *Holds) Sync(ctx context.Context) {
	if hs.DB == nil {
		return
	}
	hs.mu.Lock()
	var ids []string
	for _, h := range hs.m {
		ids = append(ids, h.ID)
	}
	hs.mu.Unlock()
	for _, id := range ids {
		list, err := hs.query(ctx, `WHERE id = ? AND released_ns IS NOT NULL`, id)
		if err != nil || len(list) == 0 {
			continue
		}
		hs.dropReleased(list[0])
	}
}

// dropReleased removes a released hold from memory and tells OnRelease,
// unless a newer hold replaced it.
func (hs *Holds) dropReleased(rel *Hold) {
	k := HoldKey(rel.Issuer, rel.Subject)
	hs.mu.Lock()
	cur := hs.m[k]
	mine := cur != nil && cur.ID == rel.ID
	if mine {
		delete(hs.m, k)
	}
	hs.mu.Unlock()
	if mine && hs.OnRelease != nil {
		hs.OnRelease(*rel)
	}
}

// Release ends the active holds of subject (of every issuer, or only of
// issuer when it is not empty) and returns them. ErrNoHold when there is
// none.
func (hs *Holds) Release(ctx context.Context, issuer, subject, releaser, reason string) ([]Hold, error) {
	now := time.Now()
	var out []Hold
	if hs.DB != nil {
		where, args := `WHERE subject = ? AND released_ns IS NULL AND until_ns > ?`, []any{subject, now.UnixNano()}
		if issuer != "" {
			where += ` AND issuer = ?`
			args = append(args, issuer)
		}
		list, err := hs.query(ctx, where, args...)
		if err != nil {
			return nil, err
		}
		for _, h := range list {
			res, err := hs.DB.ExecContext(ctx, `UPDATE principal_holds SET released_ns = ?, releaser = ?, release_reason = ? WHERE id = ? AND released_ns IS NULL`,
				now.UnixNano(), releaser, reason, h.ID)
			if err != nil {
				return out, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				t := now.UTC()
				h.ReleasedAt, h.Releaser, h.ReleaseReason = &t, releaser, reason
				out = append(out, *h)
			}
		}
	}
	hs.mu.Lock()
	hs.init()
	var mem []*Hold
	for k, h := range hs.m {
		if h.Subject == subject && (issuer == "" || h.Issuer == issuer) {
			delete(hs.m, k)
			mem = append(mem, h)
		}
	}
	hs.mu.Unlock()
	for _, h := range mem {
		found := false
		for _, o := range out {
			found = found || o.ID == h.ID
		}
		if !found && h.Until.After(now) {
			t := now.UTC()
			h.ReleasedAt, h.Releaser, h.ReleaseReason = &t, releaser, reason
			out = append(out, *h)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w for %q", ErrNoHold, subject)
	}
	if hs.OnRelease != nil {
		for _, h := range out {
			hs.OnRelease(h)
		}
	}
	return out, nil
}

// List returns the holds in the store, newest first: the active ones, or
// all.
func (hs *Holds) List(ctx context.Context, all bool) ([]*Hold, error) {
	if hs.DB == nil {
		hs.mu.Lock()
		defer hs.mu.Unlock()
		var out []*Hold
		for _, h := range hs.m {
			c := *h
			out = append(out, &c)
		}
		return out, nil
	}
	if all {
		return hs.query(ctx, `ORDER BY created_ns DESC LIMIT 1000`)
	}
	return hs.query(ctx, `WHERE released_ns IS NULL AND until_ns > ? ORDER BY created_ns DESC LIMIT 1000`, time.Now().UnixNano())
}

func (hs *Holds) query(ctx context.Context, tail string, args ...any) ([]*Hold, error) {
	rows, err := hs.DB.QueryContext(ctx, `SELECT id, issuer, subject, rule, reason, alert_id, created_ns, until_ns, released_ns,
		COALESCE(releaser, ''), COALESCE(release_reason, '') FROM principal_holds `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Hold
	for rows.Next() {
		var h Hold
		var created, until int64
		var rel sql.NullInt64
		if err := rows.Scan(&h.ID, &h.Issuer, &h.Subject, &h.Rule, &h.Reason, &h.AlertID, &created, &until, &rel, &h.Releaser, &h.ReleaseReason); err != nil {
			return nil, err
		}
		h.CreatedAt, h.Until = time.Unix(0, created).UTC(), time.Unix(0, until).UTC()
		if rel.Valid {
			t := time.Unix(0, rel.Int64).UTC()
			h.ReleasedAt = &t
		}
		out = append(out, &h)
	}
	return out, rows.Err()
}

// HoldGuard holds every call (tools/call, resources/read, prompts/get) of
// a principal that a detection holds. Listings are not affected. It is a
// pure function of the call and Lookup.
type HoldGuard struct {
	// Lookup returns the principal's hold in force, if any.
	Lookup func(ctx context.Context, issuer, subject string) (Hold, bool)
}

// Name implements guard.Guard.
func (g *HoldGuard) Name() string { return HoldGuardName }

// Check implements guard.Guard.
func (g *HoldGuard) Check(ctx context.Context, c *guard.Call) guard.Decision {
	if c.Listing || g.Lookup == nil {
		return guard.Allowed
	}
	switch c.Method {
	case "tools/call", "resources/read", "prompts/get":
	default:
		return guard.Allowed
	}
	h, ok := g.Lookup(ctx, c.Principal.Issuer, c.Principal.Subject)
	if !ok {
		return guard.Allowed
	}
	return guard.Decision{Action: guard.Hold, Guard: HoldGuardName,
		Reason: fmt.Sprintf("held by detection %s until %s", h.Rule, h.Until.UTC().Format(time.RFC3339))}
}
