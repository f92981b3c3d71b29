package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
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

// A scan put off until the reply is written runs when the transport says
// so, on the transport's goroutine; at once where no transport said it
// would (or it already did), on a goroutine of its own; and on one of its
// own when asked (a classifier's round trip), also without a transport's
// hook (it was never started there).
func TestScheduleScan(t *testing.T) {
	newJob := func() *scanJob {
		j := &scanJob{done: make(chan struct{})}
		j.run = func() { close(j.done) }
		return j
	}
	ran := func(j *scanJob) bool {
		select {
		case <-j.done:
			return true
		case <-time.After(5 * time.Second):
			return false
		}
	}
	for _, own := range []bool{false, true} {
		j := newJob()
		scheduleScan(context.Background(), j, own)
		if !ran(j) {
			t.Fatalf("own goroutine %v: without a transport's hook the scan did not run at once", own)
		}
	}
	ctx, written := WithAfterReply(context.Background())
	j := newJob()
	scheduleScan(ctx, j, false)
	select {
	case <-j.done:
		t.Fatal("the scan ran before the reply was written")
	case <-time.After(50 * time.Millisecond):
	}
	written()
	select {
	case <-j.done: // on the transport's goroutine: done when written returns
	default:
		t.Fatal("the scan did not run on the transport's goroutine once the reply was written")
	}
	late := newJob()
	scheduleScan(ctx, late, false)
	if !ran(late) {
		t.Fatal("a scan put off after the reply was written did not run at once")
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

// memSink keeps the events written to it.
type memSink struct {
	mu  sync.Mutex
	evs []*audit.Event
}

func (m *memSink) Write(_ context.Context, evs ...*audit.Event) error {
	m.mu.Lock()
	m.evs = append(m.evs, evs...)
	m.mu.Unlock()
	return nil
}
func (m *memSink) Close() error { return nil }
func (m *memSink) Name() string { return "mem" }

// A call the client gives up on while it waits for an earlier result's
// findings gets -32800, is not sent upstream, and is recorded.
func TestCallCancelledWhileScansPendingRecorded(t *testing.T) {
	sink := &memSink{}
	var calls atomic.Int32
	_, s := newTestGateway(t, sink, func(string) { calls.Add(1) })
	j := &scanJob{done: make(chan struct{}), run: func() {}} // never done
	s.scans.add(j)
	defer close(j.done)
	m, perr := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"r__echo","arguments":{"message":"hi"}}}`), jsonrpc.DefaultLimits)
	if perr != nil {
		t.Fatal(perr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, _ := jsonrpc.Parse(s.HandleRequest(ctx, m, nopSink{}), jsonrpc.DefaultLimits)
	if resp == nil || resp.Error == nil || resp.Error.Code != codeRequestCancelled {
		t.Fatalf("answer %v, want a %d error", resp, codeRequestCancelled)
	}
	if calls.Load() != 0 {
		t.Fatal("the cancelled call reached the upstream")
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, ev := range sink.evs {
		if ev.Type == "tools/call" && ev.Status.Outcome == audit.OutcomeCancelled && ev.ExposedName == "r__echo" && ev.Decision.Action == audit.ActionDeny {
			return
		}
	}
	t.Fatalf("no cancelled tools/call event among %d events", len(sink.evs))
}
