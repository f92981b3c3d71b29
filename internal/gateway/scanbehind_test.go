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
	job := p.add()
	released := make(chan error, 1)
	go func() { released <- p.wait(context.Background()) }()
	select {
	case <-released:
		t.Fatal("wait returned while a scan was pending")
	case <-time.After(50 * time.Millisecond):
	}
	later := p.add() // started after the wait began: not waited for
	p.done(job)
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
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
