package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

const (
	// MaxBatchEvents bounds one group-commit transaction. A single Write
	// with more events is committed alone, never split.
	MaxBatchEvents = 256
	// behindLinger is how long a write-behind sink waits to fill a batch.
	// The JSONL record is written before the response; the store follows
	// it by at most about this much (plus the commit).
	behindLinger = 50 * time.Millisecond
	// queueDepth is how many Write calls may wait for the writer: room for
	// a linger's worth of calls at several thousand calls per second, after
	// which Write waits (back-pressure).
	queueDepth = 4096
)

type writeReq struct {
	rows []eventRow
	// events are prepared into rows by the writer (write-behind: the
	// serialization is off the caller's path).
	events []*audit.Event
	done   chan error // buffered(1): the commit result
}

// auditSink is the group-commit audit.Sink on a Store.
type auditSink struct {
	st     *Store
	redact audit.Redactor
	queue  chan *writeReq

	mu      sync.RWMutex // guards closed and sends on queue
	closed  bool
	stopped chan struct{} // closed when the writer goroutine exits
	once    sync.Once

	// async: Write returns once the events are queued (write-behind);
	// failures go to onError and are counted in failed.
	async   bool
	onError func(error)
	failed  atomic.Int64

	// statistics, for tests and benchmarks
	commits atomic.Int64 // transactions committed (or attempted)
	written atomic.Int64 // events committed
}

// AuditSink returns an audit.Sink that stores events in s with group
// commit: one writer goroutine gathers the events of all concurrent Write
// calls into a single transaction (up to MaxBatchEvents events, or whatever
// is queued when the queue runs empty), so concurrent callers share one
// commit. Each Write blocks until its own events are committed and returns
// that commit's error; a Write's events are always committed together.
// If a shared transaction fails, every Write in it is retried in its own
// transaction, so one bad Write (e.g. a duplicate event_id) cannot fail
// its neighbours.
//
// Options: audit.WithRedactor scrubs the serialized event (and the indexed
// columns derived from it) before storage. Close drains queued writes and
// stops the writer; it does not close s.
func AuditSink(s *Store, opts ...audit.SinkOption) audit.Sink {
	o := audit.ApplySinkOptions(opts...)
	k := &auditSink{
		st:      s,
		redact:  o.Redactor,
		queue:   make(chan *writeReq, queueDepth),
		stopped: make(chan struct{}),
	}
	go k.run()
	return k
}

// AuditSinkBehind is AuditSink in write-behind mode: Write returns once its
// events are queued, and they are committed in batches by the writer. It is
// for a store that indexes a log another, synchronous sink already holds
// (the JSONL file): the call does not wait for SQLite. A failed commit is
// reported to onError (never silently); Close still drains the queue. When
// the queue is full, Write waits (back-pressure), bounded by ctx.
func AuditSinkBehind(s *Store, onError func(error), opts ...audit.SinkOption) audit.Sink {
	k := AuditSink(s, opts...).(*auditSink)
	k.async, k.onError = true, onError
	return k
}

// Failed is the number of events a write-behind sink could not commit.
func (k *auditSink) Failed() int64 { return k.failed.Load() }

func (k *auditSink) Name() string { return "store" }

// Write implements audit.Sink. ctx is honoured only while waiting for room
// in the queue (nothing has been written then); once queued, Write waits
// for the commit, which is bounded by the store's busy timeout.
func (k *auditSink) Write(ctx context.Context, events ...*audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	req := &writeReq{done: make(chan error, 1)}
	if k.async {
		// The caller must not change the events after Write (the audit
		// Logger never does).
		req.events = append([]*audit.Event(nil), events...)
	} else {
		req.rows = make([]eventRow, 0, len(events))
		for _, ev := range events {
			r, err := prepareRow(ev, k.redact)
			if err != nil {
				return err
			}
			req.rows = append(req.rows, r)
		}
	}

	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: audit write not queued: %w", err)
	}
	k.mu.RLock()
	if k.closed {
		k.mu.RUnlock()
		return audit.ErrClosed
	}
	select {
	case k.queue <- req:
	case <-ctx.Done():
		k.mu.RUnlock()
		return fmt.Errorf("store: audit write not queued: %w", ctx.Err())
	}
	k.mu.RUnlock()
	if k.async {
		return nil
	}
	return <-req.done
}

// Close stops accepting writes, waits until everything queued is committed
// and stops the writer goroutine. It is idempotent.
func (k *auditSink) Close() error {
	k.once.Do(func() {
		k.mu.Lock()
		k.closed = true
		close(k.queue)
		k.mu.Unlock()
	})
	<-k.stopped
	return nil
}

func (k *auditSink) run() {
	defer close(k.stopped)
	batch := make([]*writeReq, 0, 64)
	var linger *time.Timer
	for req := range k.queue {
		k.prepare(req)
		batch = append(batch[:0], req)
		n := len(req.rows)
		if k.async {
			// Write-behind: nobody waits, so sleep through the linger and
			// then take whatever came meanwhile. The writer does not wake
			// for each event (a goroutine wake-up per call is a measurable
			// share of a call's cost), and one transaction costs about as
			// much as one event, so batches are as large as the linger
			// allows.
			if linger == nil {
				linger = time.NewTimer(behindLinger)
			} else {
				linger.Reset(behindLinger)
			}
			<-linger.C
		}
	collect:
		for n < k.maxBatch() {
			select {
			case r, ok := <-k.queue:
				if !ok {
					break collect // closed: commit this batch, loop ends next
				}
				k.prepare(r)
				batch = append(batch, r)
				n += len(r.rows)
			default:
				break collect // queue empty: commit what we have
			}
		}
		k.commit(batch, n)
		clear(batch) // drop references to committed requests
	}
}

// maxBatch bounds a transaction: MaxBatchEvents for a synchronous sink
// (its callers wait for the commit), more for write-behind.
func (k *auditSink) maxBatch() int {
	if k.async {
		return 4 * MaxBatchEvents
	}
	return MaxBatchEvents
}

// prepare turns a write-behind request's events into rows. An event that
// cannot be serialized is reported (and counted) rather than dropped quietly.
func (k *auditSink) prepare(req *writeReq) {
	for _, ev := range req.events {
		r, err := prepareRow(ev, k.redact)
		if err != nil {
			k.failed.Add(1)
			if k.onError != nil {
				k.onError(err)
			}
			continue
		}
		req.rows = append(req.rows, r)
	}
	req.events = nil
}

func (k *auditSink) commit(batch []*writeReq, n int) {
	k.commitBatch(batch, n)
	if !k.async {
		return
	}
	for _, r := range batch {
		if err := <-r.done; err != nil {
			k.failed.Add(int64(len(r.rows)))
			if k.onError != nil {
				k.onError(err)
			}
		}
	}
}

func (k *auditSink) commitBatch(batch []*writeReq, n int) {
	if len(batch) == 1 {
		batch[0].done <- k.tx(batch[0].rows)
		return
	}
	rows := make([]eventRow, 0, n)
	for _, r := range batch {
		rows = append(rows, r.rows...)
	}
	if err := k.tx(rows); err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	// Isolate the failure: each Write gets its own transaction and result.
	for _, r := range batch {
		r.done <- k.tx(r.rows)
	}
}

// tx commits rows in one transaction. It never panics: a panic in the
// driver becomes the error of the Writes in the batch, instead of leaving
// them blocked forever.
func (k *auditSink) tx(rows []eventRow) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: audit commit panicked: %v", p)
		}
	}()
	k.commits.Add(1)
	// Background: one caller's cancellation must not abort a commit that
	// carries other callers' events. The busy timeout bounds the wait.
	if err := k.st.insertTx(context.Background(), rows); err != nil {
		return err
	}
	k.written.Add(int64(len(rows)))
	return nil
}
