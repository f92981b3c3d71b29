package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/scan"
	"golang.org/x/sys/unix"
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
	if err := p.wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	newJob := func() *scanJob { return testJob(nil, func([]scan.Finding) {}) }
	job := newJob()
	p.add(job)
	released := make(chan error, 1)
	go func() { released <- p.wait(context.Background(), nil) }()
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
	if err := p.wait(ctx, nil); err == nil {
		t.Fatal("a cancelled request kept waiting for a pending scan")
	}
	p.done(later)
	close(later.done)
	if err := p.wait(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// testJob is a scan job with the given scan (nil: no findings) and
// record.
func testJob(scanFn func() []scan.Finding, record func([]scan.Finding)) *scanJob {
	if scanFn == nil {
		scanFn = func() []scan.Finding { return nil }
	}
	return &scanJob{done: make(chan struct{}), compute: func() func() {
		fs := scanFn()
		return func() { record(fs) }
	}}
}

// threadNice is the nice value of the calling goroutine's thread.
func threadNice() int {
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		return -100
	}
	return 20 - p
}

// A scan put off until the reply is written runs once the transport says
// so, on a low-priority worker (nice 19 on Linux); at once where no
// transport said it would (or it already did); on a goroutine of its own
// at normal priority when it waits on a classifier; and, when the workers
// take no more, on the goroutine that wrote the answer.
func TestScheduleScan(t *testing.T) {
	g := &Gateway{scan: &scanState{}}
	defer g.behind.close()
	type run struct{ nice int }
	newJob := func() (*scanJob, chan run) {
		ran := make(chan run, 1)
		var j *scanJob
		j = testJob(nil, func([]scan.Finding) { ran <- run{threadNice()}; close(j.done) })
		return j, ran
	}
	wait := func(t *testing.T, ran chan run) run {
		t.Helper()
		select {
		case r := <-ran:
			return r
		case <-time.After(5 * time.Second):
			t.Fatal("the scan did not run")
			return run{}
		}
	}
	j, ran := newJob()
	g.scheduleScan(context.Background(), j)
	if r := wait(t, ran); r.nice != 19 {
		t.Fatalf("without a transport's hook: ran at nice %d, want 19", r.nice)
	}

	ctx, written := WithAfterReply(context.Background())
	j, ran = newJob()
	g.scheduleScan(ctx, j)
	select {
	case <-ran:
		t.Fatal("the scan ran before the reply was written")
	case <-time.After(50 * time.Millisecond):
	}
	written()
	if r := wait(t, ran); r.nice != 19 {
		t.Fatalf("after the reply: ran at nice %d, want 19", r.nice)
	}
	late, ran := newJob()
	g.scheduleScan(ctx, late)
	wait(t, ran)

	g.scan.classifier = true
	j, ran = newJob()
	g.scheduleScan(context.Background(), j)
	if r := wait(t, ran); r.nice != 0 {
		t.Fatalf("a classifier's scan ran at nice %d, want 0", r.nice)
	}
	g.scan.classifier = false

	// The workers take no more (their queue is full, or the gateway
	// closes): the transport's goroutine runs it once the reply is written.
	g.behind.close()
	ctx, written = WithAfterReply(context.Background())
	j, ran = newJob()
	g.scheduleScan(ctx, j)
	written()
	select {
	case r := <-ran:
		if r.nice != 0 {
			t.Fatalf("on the transport's goroutine: nice %d, want 0", r.nice)
		}
	default:
		t.Fatal("with the workers closed, the scan did not run on the transport's goroutine")
	}
}

// A request that waits for a scan a starved low-priority worker runs does
// not wait for that worker: a second run at normal priority records the
// findings, once.
func TestWaitRescuesScanOfStarvedWorker(t *testing.T) {
	g := &Gateway{scan: &scanState{}}
	var p pendingScans
	release := make(chan struct{})
	var scans, records atomic.Int32
	var j *scanJob
	j = testJob(func() []scan.Finding {
		if scans.Add(1) == 1 {
			<-release // the worker's run: never scheduled, as it were
		}
		return []scan.Finding{{Rule: "x"}}
	}, func([]scan.Finding) { records.Add(1); p.done(j); close(j.done) })
	p.add(j)
	g.scheduleScan(context.Background(), j)
	deadline := time.Now().Add(5 * time.Second)
	for scans.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not take the scan")
		}
		time.Sleep(time.Millisecond)
	}
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.wait(wctx, nil); err != nil {
		t.Fatalf("the wait was held by the worker's run: %v", err)
	}
	close(release)
	g.behind.close() // the worker's run ends
	if n := records.Load(); n != 1 {
		t.Fatalf("findings recorded %d times, want once", n)
	}
	if n := scans.Load(); n != 2 {
		t.Fatalf("%d runs, want 2 (the worker's and the rescue)", n)
	}
}

// A scan put off until its answer is written starts when the session's next
// request waits for it, even if the transport never said the answer was
// written (no hang).
func TestPendingScanKickedByWait(t *testing.T) {
	var p pendingScans
	var j *scanJob
	j = testJob(nil, func([]scan.Finding) { p.done(j); close(j.done) })
	p.add(j)
	ctx, _ := WithAfterReply(context.Background()) // the reply is never written
	if !putOff(ctx, j.runHere) {
		t.Fatal("the scan was not put off until the reply")
	}
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.wait(wctx, nil); err != nil {
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
	// echo labelled exfiltration: a call the findings can decide, whether
	// or not the catalog is listed yet (unlabelled, it waits only while
	// the tool is unknown, and the test raced the listing)
	_, s := newTestGatewayServer(t, "    tools:\n      echo:\n        labels: [exfiltration]\n", func(string) { calls.Add(1) }, sink)
	j := testJob(nil, func([]scan.Finding) {}) // never done
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

// A call waits for the fingerprints behind the answers of other servers'
// results (mcp.cross_app_flow matches its arguments against them), not
// for those of its own server's; no other request waits for them.
func TestWaitForFingerprintsOfOtherServers(t *testing.T) {
	_, s := newTestGatewayServer(t, "", nil, &memSink{})
	fpJob := func(server string) *scanJob {
		j := testJob(nil, func([]scan.Finding) {})
		j.kind, j.server = jobFingerprints, server
		return j
	}
	parse := func(raw string) *jsonrpc.Message {
		m, perr := jsonrpc.Parse([]byte(raw), jsonrpc.DefaultLimits)
		if perr != nil {
			t.Fatal(perr)
		}
		return m
	}
	call := parse(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"r__echo","arguments":{"message":"hi"}}}`)
	list := parse(`{"jsonrpc":"2.0","id":8,"method":"tools/list"}`)

	own := fpJob("r") // never done
	s.scans.add(own)
	defer close(own.done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if resp := string(s.HandleRequest(ctx, call, nopSink{})); !strings.Contains(resp, `"hi"`) {
		t.Fatalf("a call waited for its own server's fingerprints: %s", resp)
	}

	other := fpJob("crm") // never done
	s.scans.add(other)
	defer close(other.done)
	if need := s.waitsFor(list); need != nil && need(other) {
		t.Fatal("tools/list waits for fingerprints")
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	resp, _ := jsonrpc.Parse(s.HandleRequest(short, parse(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"r__echo","arguments":{"message":"hi"}}}`), nopSink{}), jsonrpc.DefaultLimits)
	if resp == nil || resp.Error == nil || resp.Error.Code != codeRequestCancelled {
		t.Fatalf("a call did not wait for another server's fingerprints: %v", resp)
	}
}
