package store

import (
	"fmt"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// runBehind is the writer of a write-behind sink. It moves queued events
// into k.pending (at most k.maxPending; the rest are given up and counted)
// and commits them in batches. While the store refuses writes it keeps
// retrying with backoff and keeps draining the queue, so Write never waits
// on a store that is down. Events it gives up on are recorded in a gap
// event, committed with the next batch the store accepts.
func (k *auditSink) runBehind() {
	defer close(k.stopped)
	queue := k.queue // nil once closed
	var deadline time.Time
	attempts := 0
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	for {
		if len(k.pending) == 0 && !k.gap.Pending() {
			if queue == nil {
				return
			}
			req, ok := <-queue
			if !ok {
				return
			}
			k.accept(req)
			// Nobody waits, so sleep through the linger and then take
			// whatever came meanwhile: one transaction costs about as much
			// as one event, and the writer does not wake for each call. A
			// reader of the store cuts the linger short (see await).
			wait.Reset(behindLinger)
			select {
			case <-wait.C:
			case <-k.flushNow:
				wait.Stop()
			}
		}
		if queue != nil && k.drain() {
			queue = nil
		}
		err := k.commitPending()
		k.progressed()
		if err == nil {
			attempts = 0
			continue
		}
		attempts++
		if attempts == 1 || attempts%30 == 0 {
			k.report(fmt.Errorf("store: audit write failed (attempt %d; %d event(s) buffered, retrying): %w", attempts, len(k.pending), err))
		}
		if queue == nil { // closing: retry for k.closeWait at most
			if deadline.IsZero() {
				deadline = time.Now().Add(k.closeWait)
			} else if time.Now().After(deadline) {
				k.giveUp("the store did not accept writes before shutdown: " + err.Error())
				return
			}
		}
		d := retryMin << min(attempts-1, 10)
		if d > retryMax {
			d = retryMax
		}
		wait.Reset(d)
	backoff:
		for {
			select {
			case req, ok := <-queue:
				if !ok {
					queue = nil
					break backoff // closing: retry now, then the deadline applies
				}
				k.accept(req)
			case <-wait.C:
				break backoff
			}
		}
		if !wait.Stop() {
			select {
			case <-wait.C:
			default:
			}
		}
	}
}

// accept turns a request's events into pending rows. An event that cannot
// be serialized, or that finds the buffer full, is given up and counted.
func (k *auditSink) accept(req *writeReq) {
	for _, r := range req.rows { // journaled: prepared by Write
		if len(k.pending) >= k.maxPending {
			k.drop(r.id, time.Unix(0, r.timeNS).UTC(), r.seg, fmt.Sprintf("the write-behind buffer was full (%d events waiting for the store)", k.maxPending))
			continue
		}
		k.pending = append(k.pending, r)
	}
	for _, ev := range req.events {
		r, err := prepareRow(ev, k.redact)
		if err != nil {
			k.report(err)
			k.drop(ev.EventID, ev.Time, 0, "the event could not be serialized: "+err.Error())
			continue
		}
		if len(k.pending) >= k.maxPending {
			k.drop(ev.EventID, ev.Time, 0, fmt.Sprintf("the write-behind buffer was full (%d events waiting for the store)", k.maxPending))
			continue
		}
		k.pending = append(k.pending, r)
	}
}

// drain accepts every request queued now; it reports whether the queue
// is closed.
func (k *auditSink) drain() (closed bool) {
	for {
		select {
		case req, ok := <-k.queue:
			if !ok {
				return true
			}
			k.accept(req)
		default:
			return false
		}
	}
}

func (k *auditSink) drop(id string, t time.Time, seg int8, reason string) {
	k.gap.Add(id, t, reason)
	k.dropped.Add(1)
	k.queued.Add(-1)
	k.resolve(seg)
}

// resolve counts a row that left the sink (committed or given up), for
// the journal segment holding it and for readers waiting in await.
func (k *auditSink) resolve(seg int8) {
	if seg > 0 {
		k.resolved[seg-1]++
	}
	k.settled.Add(1)
}

func (k *auditSink) report(err error) {
	if k.onError != nil {
		k.onError(err)
	}
}

// commitPending commits the oldest pending rows (up to the batch limit).
// If the batch fails, its rows are retried one at a time: a row that
// fails while the row after it commits is rejected by the store (not a
// store that is down) and is given up; two rows failing in a row mean the
// store is down, and the error is returned for a retry later.
func (k *auditSink) commitPending() error {
	if len(k.pending) == 0 {
		return k.commitRows(nil) // only a gap event is due
	}
	n := min(len(k.pending), 4*MaxBatchEvents)
	if err := k.commitRows(k.pending[:n]); err == nil {
		k.pop(n)
		return nil
	}
	for i := 0; i < n && len(k.pending) > 0; i++ {
		err := k.commitRows(k.pending[:1])
		if err == nil {
			k.pop(1)
			continue
		}
		if len(k.pending) < 2 || k.commitRows(k.pending[1:2]) != nil {
			return err
		}
		// pending[0] is rejected; pending[1] is committed.
		bad, good := k.pending[0], k.pending[1].seg
		clear(k.pending[:2])
		k.pending = k.pending[2:]
		k.queued.Add(-1)
		k.resolve(good)
		k.drop(bad.id, time.Unix(0, bad.timeNS).UTC(), bad.seg, "the store rejected the event: "+err.Error())
		k.compact()
		i++
	}
	return nil
}

// pop removes n committed rows from the head of pending.
func (k *auditSink) pop(n int) {
	for i := range n {
		k.resolve(k.pending[i].seg)
	}
	clear(k.pending[:n])
	k.pending = k.pending[n:]
	k.queued.Add(-int64(n))
	k.compact()
}

// compact gives the buffer's memory back once it is empty.
func (k *auditSink) compact() {
	if len(k.pending) == 0 {
		k.pending = nil
	}
}

// commitRows commits rows in one transaction, preceded by the gap event
// if one is due. On success the gap is cleared and handed to the gap
// handler.
func (k *auditSink) commitRows(rows []eventRow) error {
	var gapEv *audit.Event
	if k.gap.Pending() {
		gapEv = k.gap.Event(k.Name())
		gr, err := prepareRow(gapEv, k.redact)
		if err != nil {
			return err
		}
		rows = append([]eventRow{gr}, rows...)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := k.tx(rows); err != nil {
		return err
	}
	if gapEv != nil {
		k.gap = audit.Gap{}
		k.report(fmt.Errorf("store: audit writes resumed; %d event(s) were lost and are recorded in gap event %s", gapEv.Detail["count"], gapEv.EventID))
		if k.onGap != nil {
			k.onGap(gapEv)
		}
	}
	return nil
}

// giveUp drops everything still buffered (the store is down at shutdown)
// and hands the gap event to the gap handler, which is then the only
// record of the loss besides the error report.
func (k *auditSink) giveUp(reason string) {
	kept := 0
	for _, r := range k.pending {
		if r.seg > 0 {
			kept++ // in the journal: the next start stores it
			continue
		}
		k.drop(r.id, time.Unix(0, r.timeNS).UTC(), r.seg, reason)
	}
	k.pending = nil
	if kept > 0 {
		k.report(fmt.Errorf("store: %d audit event(s) not stored (%s); they stay in the audit journal and the next start stores them", kept, reason))
	}
	if !k.gap.Pending() {
		return
	}
	ev := k.gap.Event(k.Name())
	k.report(fmt.Errorf("store: %d audit event(s) not stored (%s); recorded in gap event %s", k.gap.Count, reason, ev.EventID))
	if k.onGap != nil {
		k.onGap(ev)
	}
	k.gap = audit.Gap{}
}
