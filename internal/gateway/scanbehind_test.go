package gateway

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// A scan behind the answer that fails counts as an unchecked result (a high
// finding, recorded and tainting), never as a clean one, and never ends the
// process.
func TestScanSafelyFailsClosed(t *testing.T) {
	s := &Session{g: &Gateway{}} // no scan state: scanResult panics
	fs := s.scanSafely(&server{name: "demo"}, &guard.Call{Name: "fetch"}, json.RawMessage(`{"content":[]}`))
	if len(fs) != 1 || fs[0].Rule != scan.RuleUnparsable || fs[0].Severity != scan.High {
		t.Fatalf("a failed scan gave %+v, want one high %s finding", fs, scan.RuleUnparsable)
	}
}

// The wait of a session's next request: immediate with nothing pending,
// until the pending scans are done, cut short by the request's end, and
// not held by scans that start after it began.
func TestPendingScansWait(t *testing.T) {
	var p pendingScans
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	newJob := func() *scanJob { j := &scanJob{done: make(chan struct{})}; j.run = func() {}; return j }
	job := newJob()
	p.add(job)
	released := make(chan error, 1)
	go func() { released <- p.wait(context.Background()) }()
	select {
	case <-released:
		t.Fatal("wait returned while a scan was pending")
	case <-time.After(50 * time.Millisecond):
	}
	later := newJob() // started after the wait began: not waited for
	p.add(later)
	p.done(job)
	close(job.done)
	select {
	case err := <-released:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait did not return once the scan it waited for was done")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Fatal("a cancelled request kept waiting for a pending scan")
	}
	p.done(later)
	close(later.done)
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Work put off until the reply is written runs when the transport says so,
// and at once where no transport said it would (or it already did).
func TestAfterReply(t *testing.T) {
	ran := 0
	AfterReply(context.Background(), func() { ran++ })
	if ran != 1 {
		t.Fatal("without a transport's hook the work did not run at once")
	}
	ctx, written := WithAfterReply(context.Background())
	AfterReply(ctx, func() { ran++ })
	if ran != 1 {
		t.Fatal("the work ran before the reply was written")
	}
	written()
	if ran != 2 {
		t.Fatal("the work did not run once the reply was written")
	}
	AfterReply(ctx, func() { ran++ })
	if ran != 3 {
		t.Fatal("work put off after the reply was written did not run at once")
	}
}

// A scan put off until its answer is written starts when the session's next
// request waits for it, even if the transport never said the answer was
// written (no hang).
func TestPendingScanKickedByWait(t *testing.T) {
	var p pendingScans
	j := &scanJob{done: make(chan struct{})}
	j.run = func() { p.done(j); close(j.done) }
	p.add(j)
	ctx, _ := WithAfterReply(context.Background()) // the reply is never written
	if !putOff(ctx, j.runHere) {
		t.Fatal("the scan was not put off until the reply")
	}
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.wait(wctx); err != nil {
		t.Fatalf("the wait did not start the put-off scan: %v", err)
	}
}
