package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// Retention is the policy of a retention pass (store.retention).
//
// Deletion always takes the oldest end of the audit trail: rows are
// examined in insertion order (rowid, which is also time order up to the
// few milliseconds a write-behind batch may reorder) and only a leading run
// is deleted, never rows after a kept one. The one exception is alerts kept
// longer than other events (AlertsMaxAge > MaxAge): they stay behind as the
// oldest rows while the events around them go.
type Retention struct {
	// MaxAge deletes events older than this; 0: no age limit.
	MaxAge time.Duration
	// AlertsMaxAge applies to events of type "alert" instead of MaxAge;
	// 0 or less than MaxAge: MaxAge.
	AlertsMaxAge time.Duration
	// MaxSize (bytes): while the database's used pages exceed it, the
	// oldest rows are deleted until they are under LowWater of it; 0: no
	// size limit. Imported IdP events (idp_events), which can be imported
	// again, go first; then audit events of any type.
	MaxSize int64

	// BatchRows is how many rows one delete transaction takes (default
	// 1000); MaxBatches bounds the transactions of one pass (default 100);
	// Pause is the time between them (default 10ms), in which the audit
	// writer gets the lock.
	BatchRows  int
	MaxBatches int
	Pause      time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// LowWater is the share of MaxSize a size-triggered pass deletes down to,
// so that a store at its limit is not trimmed by a few rows on every pass.
const LowWater = 0.9

func (r Retention) withDefaults() Retention {
	if r.BatchRows <= 0 {
		r.BatchRows = 1000
	}
	if r.MaxBatches <= 0 {
		r.MaxBatches = 100
	}
	if r.Pause <= 0 {
		r.Pause = 10 * time.Millisecond
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.AlertsMaxAge < r.MaxAge {
		r.AlertsMaxAge = r.MaxAge
	}
	return r
}

// PruneResult is what one retention pass did.
type PruneResult struct {
	// DeletedByAge and DeletedBySize count audit events.
	DeletedByAge  int64
	DeletedBySize int64
	// IDPDeleted counts imported IdP events deleted for size.
	IDPDeleted int64
	// LastDeletedID and LastDeletedTime are the newest audit event the
	// pass deleted (the end of the removed prefix).
	LastDeletedID   string
	LastDeletedTime time.Time
	// ThroughSeq is the highest chain seq among the deleted audit events:
	// `audit verify --store` reads seq numbers up to it that are missing
	// as removed by retention, not by tampering.
	ThroughSeq uint64
	// OldestKept is the time of the oldest audit event left (zero: none).
	OldestKept time.Time
	// UsedBytes is the database's used size after the pass: page_count
	// minus freelist_count, times page_size.
	UsedBytes int64
	// More: the pass stopped at its budget (MaxBatches) with work left.
	More bool
}

// Deleted is the number of audit events the pass deleted.
func (p PruneResult) Deleted() int64 { return p.DeletedByAge + p.DeletedBySize }

// Reason is "age", "size" or "age+size": why audit events were deleted.
func (p PruneResult) Reason() string {
	var r []string
	if p.DeletedByAge > 0 {
		r = append(r, "age")
	}
	if p.DeletedBySize > 0 || p.IDPDeleted > 0 {
		r = append(r, "size")
	}
	return strings.Join(r, "+")
}

// Event returns the audit.retention event that records the pass, or nil
// when it deleted nothing.
func (p PruneResult) Event(r Retention) *audit.Event {
	if p.Deleted() == 0 && p.IDPDeleted == 0 {
		return nil
	}
	d := map[string]any{
		"deleted":         p.Deleted(),
		"deleted_by_age":  p.DeletedByAge,
		"deleted_by_size": p.DeletedBySize,
		"reason":          p.Reason(),
		"db_used_bytes":   p.UsedBytes,
	}
	if p.IDPDeleted > 0 {
		d["idp_events_deleted"] = p.IDPDeleted
	}
	if !p.OldestKept.IsZero() {
		d["oldest_kept_time"] = p.OldestKept.UTC().Format(time.RFC3339Nano)
	}
	if p.ThroughSeq > 0 {
		d["through_seq"] = p.ThroughSeq
	}
	if p.LastDeletedID != "" {
		d["last_deleted_event_id"] = p.LastDeletedID
		d["last_deleted_time"] = p.LastDeletedTime.UTC().Format(time.RFC3339Nano)
	}
	if r.MaxAge > 0 {
		d["max_age"] = r.MaxAge.String()
		d["alerts_max_age"] = max(r.AlertsMaxAge, r.MaxAge).String()
	}
	if r.MaxSize > 0 {
		d["max_size"] = r.MaxSize
	}
	return &audit.Event{
		Type:      audit.TypeAuditRetention,
		Principal: audit.Principal{Subject: "mcpwarden"},
		Decision:  audit.Decision{Action: audit.ActionAllow},
		Status:    audit.Status{Outcome: audit.OutcomeOK},
		Detail:    d,
	}
}

// UsedBytes is the size of the database's pages in use: page_count minus
// freelist_count, times page_size. Pages freed by deletions are reused by
// new rows before the file grows, so this (not the file's size) is what
// retention bounds. The WAL file is not counted: checkpoints keep it at a
// few MiB (SQLite's default of 1000 pages).
func (s *Store) UsedBytes(ctx context.Context) (int64, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var pages, free, size int64
	for _, p := range []struct {
		q   string
		dst *int64
	}{{"PRAGMA page_count", &pages}, {"PRAGMA freelist_count", &free}, {"PRAGMA page_size", &size}} {
		if err := conn.QueryRowContext(ctx, p.q).Scan(p.dst); err != nil {
			return 0, fmt.Errorf("store: %s: %w", p.q, err)
		}
	}
	return (pages - free) * size, nil
}

// Prune runs one bounded retention pass: events older than MaxAge
// (alerts: AlertsMaxAge), then, while the database is larger than MaxSize,
// the oldest rows until it is under LowWater of it; then it hands free
// pages back to the filesystem if the database is in incremental
// auto-vacuum mode (new databases are). Each delete is its own short
// transaction of at most BatchRows rows, with Pause between them, so the
// audit writer is never held up for long. A cancelled ctx ends the pass
// between transactions; what was deleted stays deleted and is reported.
func (s *Store) Prune(ctx context.Context, r Retention) (PruneResult, error) {
	r = r.withDefaults()
	var res PruneResult
	budget := r.MaxBatches
	err := s.pruneAge(ctx, r, &res, &budget)
	if err == nil {
		err = s.pruneSize(ctx, r, &res, &budget)
	}
	if err == nil {
		err = s.incrementalVacuum(ctx, r, &budget)
	}
	res.More = budget <= 0
	var oldest sql.NullInt64
	if qerr := s.db.QueryRowContext(context.WithoutCancel(ctx), "SELECT MIN(time_ns) FROM audit_events").Scan(&oldest); qerr == nil && oldest.Valid {
		res.OldestKept = time.Unix(0, oldest.Int64).UTC()
	}
	if used, uerr := s.UsedBytes(context.WithoutCancel(ctx)); uerr == nil {
		res.UsedBytes = used
	}
	return res, err
}

// pause waits between transactions (and returns ctx's error if it ends).
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Store) pruneAge(ctx context.Context, r Retention, res *PruneResult, budget *int) error {
	if r.MaxAge <= 0 {
		return nil
	}
	now := r.Now()
	cutoff := now.Add(-r.MaxAge).UnixNano()
	alertCutoff := now.Add(-r.AlertsMaxAge).UnixNano()
	var cursor int64 // rows up to this rowid are deleted or kept alerts
	for *budget > 0 {
		type row struct {
			rowid, timeNS int64
			typ, id       string
		}
		rows, err := s.db.QueryContext(ctx, "SELECT rowid, time_ns, type, event_id FROM audit_events WHERE rowid > ? ORDER BY rowid LIMIT ?", cursor, r.BatchRows)
		if err != nil {
			return fmt.Errorf("store: retention: %w", err)
		}
		var batch []row
		for rows.Next() {
			var x row
			if err := rows.Scan(&x.rowid, &x.timeNS, &x.typ, &x.id); err != nil {
				rows.Close()
				return fmt.Errorf("store: retention: %w", err)
			}
			batch = append(batch, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: retention: %w", err)
		}
		var (
			hi, scanned int64 = -1, cursor
			last        row
			young       bool
		)
		for _, x := range batch {
			if x.timeNS >= cutoff {
				young = true // the oldest end ends here
				break
			}
			scanned = x.rowid
			if x.typ == audit.TypeAlert && x.timeNS >= alertCutoff {
				continue // an alert kept longer
			}
			hi, last = x.rowid, x
		}
		*budget-- // a scan counts, deleting or not
		if hi >= 0 {
			const which = `rowid > ? AND rowid <= ? AND time_ns < ? AND (type != 'alert' OR time_ns < ?)`
			if err := s.noteThroughSeq(ctx, res, `SELECT max(json_extract(data, '$.chain.seq')) FROM audit_events WHERE `+which, cursor, hi, cutoff, alertCutoff); err != nil {
				return err
			}
			n, err := s.deleteRange(ctx, `DELETE FROM audit_events WHERE `+which,
				cursor, hi, cutoff, alertCutoff)
			if err != nil {
				return err
			}
			res.DeletedByAge += n
			res.LastDeletedID, res.LastDeletedTime = last.id, time.Unix(0, last.timeNS).UTC()
		}
		cursor = scanned
		if young || len(batch) < r.BatchRows {
			return nil
		}
		if err := pause(ctx, r.Pause); err != nil {
			return err
		}
	}
	return nil
}

// noteThroughSeq raises res.ThroughSeq to the highest chain seq q finds
// among the rows about to be deleted.
func (s *Store) noteThroughSeq(ctx context.Context, res *PruneResult, q string, args ...any) error {
	var seq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&seq); err != nil {
		return fmt.Errorf("store: retention: %w", err)
	}
	if seq.Valid && uint64(seq.Int64) > res.ThroughSeq {
		res.ThroughSeq = uint64(seq.Int64)
	}
	return nil
}

func (s *Store) deleteRange(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: retention: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (s *Store) pruneSize(ctx context.Context, r Retention, res *PruneResult, budget *int) error {
	if r.MaxSize <= 0 {
		return nil
	}
	used, err := s.UsedBytes(ctx)
	if err != nil || used <= r.MaxSize {
		return err
	}
	target := int64(float64(r.MaxSize) * LowWater)
	for used > target && *budget > 0 {
		if err := pause(ctx, r.Pause); err != nil {
			return err
		}
		// Imported IdP events first: they can be imported again; the
		// audit trail cannot.
		n, err := s.deleteRange(ctx, `DELETE FROM idp_events WHERE rowid IN (SELECT rowid FROM idp_events ORDER BY time_ns LIMIT ?)`, r.BatchRows)
		if err != nil {
			return err
		}
		if n > 0 {
			res.IDPDeleted += n
		} else {
			var (
				hi     int64
				id     string
				timeNS int64
			)
			err := s.db.QueryRowContext(ctx, `SELECT rowid, event_id, time_ns FROM audit_events ORDER BY rowid LIMIT 1 OFFSET ?`, r.BatchRows-1).Scan(&hi, &id, &timeNS)
			if errors.Is(err, sql.ErrNoRows) { // fewer rows than a batch: all of them
				err = s.db.QueryRowContext(ctx, `SELECT rowid, event_id, time_ns FROM audit_events ORDER BY rowid DESC LIMIT 1`).Scan(&hi, &id, &timeNS)
				if errors.Is(err, sql.ErrNoRows) {
					return nil // no audit events left; what fills the store is not ours to delete
				}
			}
			if err != nil {
				return fmt.Errorf("store: retention: %w", err)
			}
			if err := s.noteThroughSeq(ctx, res, `SELECT max(json_extract(data, '$.chain.seq')) FROM audit_events WHERE rowid <= ?`, hi); err != nil {
				return err
			}
			n, err := s.deleteRange(ctx, `DELETE FROM audit_events WHERE rowid <= ?`, hi)
			if err != nil {
				return err
			}
			res.DeletedBySize += n
			res.LastDeletedID, res.LastDeletedTime = id, time.Unix(0, timeNS).UTC()
		}
		*budget--
		if used, err = s.UsedBytes(ctx); err != nil {
			return err
		}
	}
	return nil
}

// incrementalVacuum returns free pages to the filesystem, at most 2048
// pages a transaction, if the database is in auto_vacuum=INCREMENTAL mode.
// A database created before that mode (auto_vacuum=NONE) keeps its free
// pages for new rows: its file stops growing but does not shrink, and a
// full VACUUM, which would hold the write lock for as long as copying the
// file takes, is left to the operator (see docs/config.md).
func (s *Store) incrementalVacuum(ctx context.Context, r Retention, budget *int) error {
	var mode int
	if err := s.db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil || mode != 2 {
		return err
	}
	for *budget > 0 {
		var free int64
		if err := s.db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
			return fmt.Errorf("store: retention: %w", err)
		}
		if free == 0 {
			return nil
		}
		if _, err := s.db.ExecContext(ctx, "PRAGMA incremental_vacuum(2048)"); err != nil {
			return fmt.Errorf("store: retention: incremental_vacuum: %w", err)
		}
		*budget--
		if free <= 2048 {
			return nil
		}
		if err := pause(ctx, r.Pause); err != nil {
			return err
		}
	}
	return nil
}

// Retainer runs retention passes in the background (see StartRetention).
type Retainer struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StartRetention runs a retention pass now and then every interval until
// Stop; a pass that stopped at its budget with work left is followed by
// the next one after a second instead. Every pass that deletes anything
// emits one audit.retention event through emit (the audit logger), so a
// deletion is never silent; if emit fails, the failure is logged as an
// error. Pass errors are logged and retried at the next interval.
func (s *Store) StartRetention(r Retention, interval time.Duration, emit func(context.Context, *audit.Event) error, log *slog.Logger) *Retainer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Retainer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rt.done)
		for {
			res, err := s.Prune(ctx, r)
			if err != nil && ctx.Err() == nil {
				log.Error("store retention pass failed", "err", err)
			}
			if ev := res.Event(r); ev != nil {
				log.Info("store retention", "deleted", res.Deleted(), "reason", res.Reason(), "idp_events_deleted", res.IDPDeleted, "used_bytes", res.UsedBytes)
				if emit == nil {
					log.Error("store retention deleted events and no audit logger records it", "deleted", res.Deleted())
				} else if err := emit(context.WithoutCancel(ctx), ev); err != nil {
					log.Error("store retention: the audit.retention event could not be written", "err", err, "deleted", res.Deleted(), "reason", res.Reason())
				}
			}
			wait := interval
			if res.More {
				wait = time.Second
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	return rt
}

// Stop ends the loop (a pass in progress stops between transactions,
// and its event is still emitted) and waits for it.
func (rt *Retainer) Stop() {
	if rt == nil {
		return
	}
	rt.cancel()
	<-rt.done
}
