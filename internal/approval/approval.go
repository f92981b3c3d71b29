// Package approval holds calls for a human's decision. A held call is a
// persisted record (who asked, what, why it was held, until when); it ends
// approved, denied, timed out or cut short by a restart, and only an
// explicit approval lets the call run: no answer, an error, a restart all
// end in denial. Decisions come from the CLI (through the store), and a
// webhook announces each request (a signed JSON POST).
package approval

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Decisions.
const (
	Approved = "approved"
	Denied   = "denied"
	Timeout  = "timeout"
	Restart  = "restart"
)

// ImpactDetection is the impact of a call held because a detection holds
// its principal (detect-hold guard): the principal may not approve it,
// whatever approvals.allow_self_approval says.
const ImpactDetection = "detection"

// Request is a held call.
type Request struct {
	ID            string          `json:"id"`
	CorrelationID string          `json:"correlation_id"`
	SessionID     string          `json:"session_id,omitempty"`
	Server        string          `json:"server"`
	Tool          string          `json:"tool"`
	Arguments     json.RawMessage `json:"arguments"`
	Principal     Principal       `json:"principal"`
	Impact        string          `json:"impact"`
	Reason        string          `json:"reason"`
	RequestedAt   time.Time       `json:"requested_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
	DecidedAt     *time.Time      `json:"decided_at,omitempty"`
	Decision      string          `json:"decision,omitempty"`
	Reviewer      string          `json:"reviewer,omitempty"`
	ReviewReason  string          `json:"review_reason,omitempty"`
}

// Principal is who asked.
type Principal struct {
	Subject  string `json:"subject"`
	ClientID string `json:"client_id,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
}

// Store keeps approval records in the embedded store's approvals table.
type Store struct{ DB *sql.DB }

// ErrNotPending is returned for a decision on a request already decided.
var ErrNotPending = errors.New("the request is not pending (already decided, or unknown)")

// NewID returns a new approval request id.
func NewID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return "ap-" + hex.EncodeToString(b[:])
}

// Create records a pending request.
func (s *Store) Create(ctx context.Context, r *Request) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	p, _ := json.Marshal(r.Principal)
	args := string(r.Arguments)
	if args == "" {
		args = "{}"
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO approvals (id, correlation_id, session_id, server, tool, arguments, principal, impact, reason, requested_ns, expires_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CorrelationID, r.SessionID, r.Server, r.Tool, args, string(p), r.Impact, r.Reason,
		r.RequestedAt.UnixNano(), r.ExpiresAt.UnixNano())
	return err
}

// Decide records a decision on a pending request (only once).
func (s *Store) Decide(ctx context.Context, id, decision, reviewer, reason string) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE approvals SET decided_ns = ?, decision = ?, reviewer = ?, review_reason = ? WHERE id = ? AND decided_ns IS NULL`,
		time.Now().UnixNano(), decision, reviewer, reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotPending
	}
	return nil
}

// Get reads one request.
func (s *Store) Get(ctx context.Context, id string) (*Request, error) {
	rows, err := s.query(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no approval request %q", id)
	}
	return rows[0], nil
}

// List returns requests, newest first; pending only if asked.
func (s *Store) List(ctx context.Context, pendingOnly bool, limit int) ([]*Request, error) {
	where := ""
	if pendingOnly {
		where = "WHERE decided_ns IS NULL"
	}
	if limit <= 0 {
		limit = 1000
	}
	return s.query(ctx, where+fmt.Sprintf(" ORDER BY requested_ns DESC LIMIT %d", limit))
}

func (s *Store) query(ctx context.Context, tail string, args ...any) ([]*Request, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, correlation_id, COALESCE(session_id, ''), server, tool, arguments, principal, impact, reason,
		requested_ns, expires_ns, decided_ns, COALESCE(decision, ''), COALESCE(reviewer, ''), COALESCE(review_reason, '') FROM approvals `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		var r Request
		var args, p string
		var req, exp int64
		var dec sql.NullInt64
		if err := rows.Scan(&r.ID, &r.CorrelationID, &r.SessionID, &r.Server, &r.Tool, &args, &p, &r.Impact, &r.Reason,
			&req, &exp, &dec, &r.Decision, &r.Reviewer, &r.ReviewReason); err != nil {
			return nil, err
		}
		r.Arguments = json.RawMessage(args)
		_ = json.Unmarshal([]byte(p), &r.Principal)
		r.RequestedAt, r.ExpiresAt = time.Unix(0, req).UTC(), time.Unix(0, exp).UTC()
		if dec.Valid {
			t := time.Unix(0, dec.Int64).UTC()
			r.DecidedAt = &t
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// EndPending denies every request still pending (at startup: the calls
// waiting for them were lost with the previous process).
func (s *Store) EndPending(ctx context.Context) (int64, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE approvals SET decided_ns = ?, decision = ?, reviewer = 'mcpwarden', review_reason = 'the gateway restarted while the call was held' WHERE decided_ns IS NULL`,
		time.Now().UnixNano(), Restart)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Webhook announces new requests to a URL, signed with HMAC-SHA256 of the
// body under the secret (header X-Mcpwarden-Signature: sha256=<hex>).
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client
}

// Sign is the signature header value for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Notify posts the event; it tries three times.
func (w *Webhook) Notify(ctx context.Context, event string, r *Request) error {
	return w.Post(ctx, event, map[string]any{"event": event, "approval": r})
}

// Post sends payload as JSON, signed, as event; it tries three times.
func (w *Webhook) Post(ctx context.Context, event string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Mcpwarden-Event", event)
		req.Header.Set("X-Mcpwarden-Signature", Sign(w.Secret, body))
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return nil
			}
			err = fmt.Errorf("webhook answered HTTP %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 300 * time.Millisecond):
		}
	}
	return last
}

// Service holds calls and waits for decisions.
type Service struct {
	Store   *Store
	Timeout time.Duration
	Webhook *Webhook
	// AllowSelfApproval lets a principal approve its own held call.
	AllowSelfApproval bool
	Log               *slog.Logger
	// Poll is how often a waiting call looks for a decision.
	Poll time.Duration
}

// Outcome is how a hold ended.
type Outcome struct {
	Approved bool
	Request  *Request
}

// Hold records r, announces it, and waits until it is decided, it times
// out, or ctx ends (the client gave up): only an approval returns
// Approved.
func (s *Service) Hold(ctx context.Context, r *Request) (Outcome, error) {
	return s.HoldThen(ctx, r, nil)
}

// HoldThen is Hold; recorded, if set, runs once the request is recorded
// and before the wait, so that what may answer it at once (an elicitation
// to the requester, answered in their client) never answers a request
// that does not exist yet: such an answer would be lost and the call held
// until the timeout.
func (s *Service) HoldThen(ctx context.Context, r *Request, recorded func()) (Outcome, error) {
	now := time.Now().UTC()
	r.RequestedAt, r.ExpiresAt = now, now.Add(s.Timeout)
	if err := s.Store.Create(ctx, r); err != nil {
		return Outcome{Request: r}, fmt.Errorf("the approval request could not be recorded: %w", err)
	}
	if recorded != nil {
		recorded()
	}
	if s.Webhook != nil {
		go func(r Request) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Webhook.Notify(ctx, "approval.requested", &r); err != nil && s.Log != nil {
				s.Log.Warn("approval webhook failed", "id", r.ID, "err", err)
			}
		}(*r)
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		cur, err := s.Store.Get(context.WithoutCancel(ctx), r.ID)
		if err == nil && cur.DecidedAt != nil {
			return Outcome{Approved: cur.Decision == Approved, Request: cur}, nil
		}
		if time.Now().After(r.ExpiresAt) {
			_ = s.Store.Decide(context.WithoutCancel(ctx), r.ID, Timeout, "mcpwarden", "nobody decided within "+s.Timeout.String())
			cur, _ := s.Store.Get(context.WithoutCancel(ctx), r.ID)
			if cur != nil && cur.Decision == Approved { // decided in the last instant
				return Outcome{Approved: true, Request: cur}, nil
			}
			return Outcome{Request: cur}, nil
		}
		select {
		case <-ctx.Done():
			_ = s.Store.Decide(context.WithoutCancel(ctx), r.ID, Denied, "mcpwarden", "the client cancelled the call while it was held")
			cur, _ := s.Store.Get(context.WithoutCancel(ctx), r.ID)
			return Outcome{Approved: cur != nil && cur.Decision == Approved, Request: cur}, nil
		case <-t.C:
		}
	}
}

// Review decides a request as reviewer. A reviewer cannot approve a call
// of their own (same subject) unless self-approval is allowed.
func (s *Service) Review(ctx context.Context, id string, approve bool, reviewer, reason string) error {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if r.DecidedAt != nil {
		return ErrNotPending
	}
	decision := Denied
	if approve {
		decision = Approved
		if reviewer == r.Principal.Subject && r.Impact == ImpactDetection {
			return fmt.Errorf("%s cannot approve their own call held by a detection", reviewer)
		}
		if !s.AllowSelfApproval && reviewer == r.Principal.Subject {
			return fmt.Errorf("%s cannot approve their own held call (approvals.allow_self_approval is off)", reviewer)
		}
	}
	return s.Store.Decide(ctx, id, decision, reviewer, reason)
}
