package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	// BehindBuffer is how many events a write-behind sink keeps while the
	// store refuses writes (it retries them with backoff). Events beyond
	// it are dropped, counted, and recorded in a gap event.
	BehindBuffer = 1 << 15
	// retryMin and retryMax bound the backoff between attempts while the
	// store refuses writes.
	retryMin = 50 * time.Millisecond
	retryMax = 2 * time.Second
	// closeBudget is how long Close keeps retrying a failing store before
	// it gives up on the events still buffered (counted in a gap event,
	// which goes to the gap handler: the JSONL file).
	closeBudget = 5 * time.Second
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
	onGap  func(*audit.Event)
	queue  chan *writeReq

	mu      sync.RWMutex // guards closed and sends on queue
	closed  bool
	stopped chan struct{} // closed when the writer goroutine exits
	once    sync.Once

	// async: Write returns once the events are queued (write-behind);
	// failures are retried, then counted and recorded (see runBehind).
	async   bool
	onError func(error)

	// The writer goroutine's state: the chain head of the table, and for
	// write-behind the events not yet committed and the events given up.
	head       audit.ChainHead
	headLoaded bool
	scratch    []byte
	pending    []eventRow
	gap        audit.Gap
	maxPending int
	closeWait  time.Duration

	// journal, when set, holds each event written until the store has it
	// (see journal.go); resolved counts the rows of each segment that left
	// the sink (writer-owned).
	journal  *journal
	resolved [2]int64
	// accepted and settled count the events Write took and the events
	// that left the sink (committed or given up): a reader of the store
	// waits until settled reaches what was accepted before it read
	// (await). flushNow cuts the writer's linger short for such a reader;
	// progress is closed after each commit attempt.
	accepted atomic.Int64
	settled  atomic.Int64
	flushNow chan struct{}
	pmu      sync.Mutex
	progress chan struct{}

	commits atomic.Int64 // transactions committed (or attempted)
	written atomic.Int64 // events committed
	failed  atomic.Int64 // transactions that failed
	dropped atomic.Int64 // events given up (write-behind), each in a gap event
	queued  atomic.Int64 // events accepted by Write and not yet committed or dropped
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
// Each stored row's data carries the chain field (see audit.Chain): the
// sink continues the chain from the table's last row (by rowid) on its
// first commit, and assigns seq numbers at commit, so a failed transaction
// leaves no hole. Only one sink may write a store's audit table at a time.
//
// Options: audit.WithRedactor scrubs the serialized event (and the indexed
// columns derived from it) before storage. Close drains queued writes and
// stops the writer; it does not close s.
func AuditSink(s *Store, opts ...audit.SinkOption) audit.Sink {
	return newAuditSink(s, false, nil, opts...).start()
}

func newAuditSink(s *Store, async bool, onError func(error), opts ...audit.SinkOption) *auditSink {
	o := audit.ApplySinkOptions(opts...)
	k := &auditSink{
		st:         s,
		redact:     o.Redactor,
		onGap:      o.OnGap,
		queue:      make(chan *writeReq, queueDepth),
		stopped:    make(chan struct{}),
		async:      async,
		onError:    onError,
		maxPending: BehindBuffer,
		closeWait:  closeBudget,
		flushNow:   make(chan struct{}, 1),
	}
	return k
}

// AuditSinkJournal is the store's audit sink when it is the only record:
// Write returns once its events are appended to the store's journal (one
// write to a file next to the database, see journal.go) and the store
// commits them behind the call in batches, as AuditSinkBehind does. A
// reader of the store (QueryEvents, CountEvents, QueryRaw, Export) first
// waits, briefly, for what was written before it to be committed, so the
// store reads as if it were written synchronously.
//
// On open it stores the events a previous run journaled but did not
// store (a crash, or a store that refused writes until shutdown), skipping
// those already stored, and logs how many. It fails when the journal
// cannot be used (an in-memory store, a platform without file locks,
// another process holding the journal, a store that refuses the replay):
// the caller then writes through AuditSink, synchronously, and the
// journal stays on disk for a later start.
func AuditSinkJournal(s *Store, log *slog.Logger, opts ...audit.SinkOption) (audit.Sink, error) {
	if s.memory || strings.HasPrefix(s.path, "file:") {
		return nil, ErrNoJournal
	}
	j, err := openJournal(s.path)
	if err != nil {
		return nil, err
	}
	k := newAuditSink(s, true, func(err error) {
		log.Error("audit store", "err", err)
	}, opts...)
	k.journal = j
	n, bad, err := k.replay()
	if err != nil {
		j.close(s.path, false)
		return nil, err
	}
	if n > 0 || bad > 0 {
		log.Warn("audit journal: stored the events of an earlier run that had not reached the store (it did not stop cleanly)",
			"events", n, "unreadable_lines", bad)
	}
	s.barrier.Store(k)
	return k.start(), nil
}

// ErrNoJournal is AuditSinkJournal's answer for a database that is not a
// plain file (in memory, or opened by URI): it has no place for a journal.
var ErrNoJournal = errors.New("store: no audit journal for an in-memory or URI database")

// replay stores the journal's rows that the store lacks, in their time
// order, then empties the journal. It returns how many it stored and how
// many lines it could not read (the tail of a write cut short by a crash:
// that call was never answered).
func (k *auditSink) replay() (stored, bad int, err error) {
	rows, bad, err := k.journal.read()
	if err != nil {
		return 0, bad, err
	}
	fresh, err := k.st.missingRows(context.Background(), rows)
	if err != nil {
		return 0, bad, err
	}
	for len(fresh) > 0 {
		n := min(len(fresh), 4*MaxBatchEvents)
		if err := k.tx(fresh[:n]); err != nil {
			return stored, bad, fmt.Errorf("store: replay the audit journal: %w", err)
		}
		stored += n
		fresh = fresh[n:]
	}
	return stored, bad, k.journal.empty()
}

// awaitMax bounds how long a reader waits for the journaled events to be
// committed (a store that refuses writes must not hang its readers).
const awaitMax = 2 * time.Second

// await returns once every event accepted before it was called has been
// committed or given up, or after awaitMax, or when ctx ends.
func (k *auditSink) await(ctx context.Context) {
	target := k.accepted.Load()
	if k.settled.Load() >= target {
		return
	}
	select {
	case k.flushNow <- struct{}{}:
	default:
	}
	t := time.NewTimer(awaitMax)
	defer t.Stop()
	for {
		k.pmu.Lock()
		if k.progress == nil {
			k.progress = make(chan struct{})
		}
		ch := k.progress
		k.pmu.Unlock()
		if k.settled.Load() >= target {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		case <-t.C:
			return
		case <-k.stopped:
			return
		}
	}
}

// progressed is called by the writer after each commit attempt: it empties
// the journal segments whose rows are all stored and wakes the readers
// waiting in await.
func (k *auditSink) progressed() {
	if k.journal != nil {
		if err := k.journal.release(&k.resolved); err != nil {
			k.report(err)
		}
	}
	k.pmu.Lock()
	if k.progress != nil {
		close(k.progress)
		k.progress = nil
	}
	k.pmu.Unlock()
}

func (k *auditSink) start() *auditSink {
	if k.async {
		go k.runBehind()
	} else {
		go k.run()
	}
	return k
}

// AuditSinkBehind is AuditSink in write-behind mode: Write returns once its
// events are queued, and they are committed in batches by the writer. It is
// for a store that indexes a log another, synchronous sink already holds
// (the JSONL file): the call does not wait for SQLite.
//
// No event is lost silently. While the store refuses writes (locked,
// read-only, disk full, gone) the sink keeps up to BehindBuffer events and
// retries with backoff (50 ms doubling to 2 s), reporting failures to
// onError. An event the store rejects while it accepts others (e.g. a
// duplicate event_id), and events beyond the buffer, are given up: counted
// in Stats().Dropped and recorded in a gap event (type audit.gap) written
// into the store as soon as it accepts writes again and handed to the gap
// handler (audit.WithGapHandler: the application writes it into the JSONL
// file too). Close retries for up to 5 s, then gives up on what is left
// the same way. When the queue is full, Write waits (back-pressure),
// bounded by ctx.
func AuditSinkBehind(s *Store, onError func(error), opts ...audit.SinkOption) audit.Sink {
	return newAuditSink(s, true, onError, opts...).start()
}

// Stats implements audit.StatsSink.
func (k *auditSink) Stats() audit.SinkStats {
	return audit.SinkStats{
		Sink:    k.Name(),
		Written: uint64(k.written.Load()),
		Failed:  uint64(k.failed.Load()),
		Dropped: uint64(k.dropped.Load()),
		Queued:  int(k.queued.Load()),
	}
}

func (k *auditSink) Name() string { return "store" }

// Write implements audit.Sink. ctx is honoured only while waiting for room
// in the queue (nothing has been written then); once queued, Write waits
// for the commit, which is bounded by the store's busy timeout.
func (k *auditSink) Write(ctx context.Context, events ...*audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	req := &writeReq{done: make(chan error, 1)}
	if k.async && k.journal == nil {
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
	if k.journal != nil {
		if err := k.journal.appendRows(req.rows); err != nil {
			k.mu.RUnlock()
			k.failed.Add(1)
			return err
		}
		// Journaled: the event is recorded. The send waits for room
		// (back-pressure) but not for ctx: a journaled row must reach
		// the writer, or its segment would never be emptied.
		k.accepted.Add(int64(len(events)))
		k.queued.Add(int64(len(events)))
		k.queue <- req
		k.mu.RUnlock()
		return nil
	}
	k.queued.Add(int64(len(events)))
	select {
	case k.queue <- req:
	case <-ctx.Done():
		k.queued.Add(-int64(len(events)))
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
	if k.journal != nil && k.st.barrier.CompareAndSwap(k, nil) {
		// Every journaled row stored: nothing to replay, remove the
		// files. Rows still unstored (the store refused them until
		// shutdown) stay in the journal for the next start.
		k.journal.close(k.st.path, k.queued.Load() == 0)
	}
	return nil
}

// run is the writer of a synchronous sink: group commit, each Write
// waiting for its own result.
func (k *auditSink) run() {
	defer close(k.stopped)
	batch := make([]*writeReq, 0, 64)
	for req := range k.queue {
		batch = append(batch[:0], req)
		n := len(req.rows)
	collect:
		for n < MaxBatchEvents {
			select {
			case r, ok := <-k.queue:
				if !ok {
					break collect // closed: commit this batch, loop ends next
				}
				batch = append(batch, r)
				n += len(r.rows)
			default:
				break collect // queue empty: commit what we have
			}
		}
		k.commit(batch, n)
		k.queued.Add(-int64(n))
		clear(batch) // drop references to committed requests
	}
}

func (k *auditSink) commit(batch []*writeReq, n int) {
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

// tx commits rows in one transaction, each row's data chained to the one
// before (the chain head advances only when the transaction commits). It
// never panics: a panic in the driver becomes the error of the Writes in
// the batch, instead of leaving them blocked forever.
func (k *auditSink) tx(rows []eventRow) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: audit commit panicked: %v", p)
		}
		if err != nil {
			k.failed.Add(1)
		}
	}()
	k.commits.Add(1)
	// Background: one caller's cancellation must not abort a commit that
	// carries other callers' events. The busy timeout bounds the wait.
	ctx := context.Background()
	if !k.headLoaded {
		h, err := k.st.chainHead(ctx)
		if err != nil {
			return err
		}
		k.head, k.headLoaded = h, true
	}
	head := k.head
	data := make([]string, len(rows))
	for i := range rows {
		k.scratch, head = head.Append(k.scratch[:0], rows[i].data)
		data[i] = string(k.scratch)
	}
	if cap(k.scratch) > 1<<20 {
		k.scratch = nil // do not pin a huge buffer
	}
	if err := k.st.insertTx(ctx, rows, data); err != nil {
		return err
	}
	k.head = head
	k.written.Add(int64(len(rows)))
	return nil
}

// chainHead reads the chain head of the audit table: its last row by
// rowid (the order rows were inserted in).
func (s *Store) chainHead(ctx context.Context) (audit.ChainHead, error) {
	var data string
	err := s.db.QueryRowContext(ctx, "SELECT data FROM audit_events ORDER BY rowid DESC LIMIT 1").Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.ChainHead{}, nil
	}
	if err != nil {
		return audit.ChainHead{}, fmt.Errorf("store: read the audit chain head: %w", err)
	}
	return audit.HeadOf([]byte(data)), nil
}
