package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Annotated results are scanned behind the answer. With scan.results:
// annotate the result is passed on whatever the scanner finds, so the
// answer does not wait for it: the call's own event is written, the answer
// goes back, and the scan runs meanwhile. Its findings are a scan.result
// event that follows the call's event (same correlation_id). Nothing later
// in the session is decided without them: the session's next request waits
// until the scans of its earlier results are recorded (and have tainted the
// session, in toxic_flows dynamic mode), and the gateway's Close waits for
// all. Block and redact need the findings to answer, so they scan inline.

// scanWaitMax bounds how long Close waits for scans behind answers.
const scanWaitMax = 30 * time.Second

// pendingScans are the scans behind answers not yet recorded.
type pendingScans struct {
	mu   sync.Mutex
	jobs map[chan struct{}]struct{}
}

// add registers a scan; done(ch) ends it.
func (p *pendingScans) add() chan struct{} {
	ch := make(chan struct{})
	p.mu.Lock()
	if p.jobs == nil {
		p.jobs = map[chan struct{}]struct{}{}
	}
	p.jobs[ch] = struct{}{}
	p.mu.Unlock()
	return ch
}

func (p *pendingScans) done(ch chan struct{}) {
	p.mu.Lock()
	delete(p.jobs, ch)
	p.mu.Unlock()
	close(ch)
}

// wait returns once every scan registered before the call is done, or
// with ctx's error. Scans added meanwhile are not waited for, so a busy
// session cannot starve a request.
func (p *pendingScans) wait(ctx context.Context) error {
	p.mu.Lock()
	if len(p.jobs) == 0 {
		p.mu.Unlock()
		return nil
	}
	chs := make([]chan struct{}, 0, len(p.jobs))
	for ch := range p.jobs {
		chs = append(chs, ch)
	}
	p.mu.Unlock()
	for _, ch := range chs {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// scansBehind reports whether results are scanned behind the answer.
func (st *scanState) scansBehind() bool { return st.results == "annotate" }

// scanBehind starts scanning an annotated result and returns the function
// the call runs once its own event was written: the findings' event comes
// after it. The session's and the gateway's pending sets hold the scan
// from now until its event is written.
func (s *Session) scanBehind(ctx context.Context, srv *server, gc *guard.Call, result json.RawMessage, call *audit.Event) (written func()) {
	g := s.g
	ctx = context.WithoutCancel(ctx) // the call's values (trace), not its end
	if len(result) < scanBehindMin && !g.scan.classifier {
		// A small result is scanned at once: cheaper than a goroutine
		// (and the stack the scanner grows in it). Its findings' event
		// still follows the call's, before the answer. A classifier's
		// round trip is never waited for.
		fs, _, _ := g.scan.scanResult(srv.name, gc.Name, result)
		return func() { s.recordScan(ctx, srv, gc, call, fs) }
	}
	emitted := make(chan struct{})
	sj, gj := s.scans.add(), g.scans.add()
	go func() {
		defer g.scans.done(gj)
		defer s.scans.done(sj)
		fs := s.scanSafely(srv, gc, result)
		<-emitted
		defer func() {
			// Off the request's goroutine no handler recovers: a bug here
			// is logged rather than ending the process.
			if r := recover(); r != nil {
				g.log.Error("recording an annotated result's findings panicked", "server", srv.name, "tool", gc.Name, "correlation_id", call.CorrelationID, "panic", r)
			}
		}()
		s.recordScan(ctx, srv, gc, call, fs)
	}()
	return func() { close(emitted) }
}

// scanSafely scans a result behind its answer. The scanner turns its own
// failures into a high finding; anything else that panics here becomes
// one too, so the result counts as unchecked (recorded, and tainting in
// toxic_flows dynamic mode) rather than clean.
func (s *Session) scanSafely(srv *server, gc *guard.Call, result json.RawMessage) (fs []scan.Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []scan.Finding{{Server: srv.name, Tool: gc.Name, Rule: scan.RuleUnparsable, Severity: scan.High, Field: "result",
				Message: fmt.Sprintf("the result could not be checked: the scan failed: %v", r)}}
		}
	}()
	fs, _, _ = s.g.scan.scanResult(srv.name, gc.Name, result)
	return fs
}

// scanBehindMin: results from this size on are scanned behind the answer
// (a 16 KiB result takes the scanner about 60 µs; a small one a few).
const scanBehindMin = 16 << 10

// recordScan writes the scan.result event of a call's findings (none: no
// event) and taints the session when they reach the scan severity.
func (s *Session) recordScan(ctx context.Context, srv *server, gc *guard.Call, call *audit.Event, fs []scan.Finding) {
	g := s.g
	if len(fs) == 0 {
		return
	}
	ev := &audit.Event{
		Type: audit.TypeScanResult, SessionID: call.SessionID, Principal: call.Principal, Client: call.Client,
		Transport: call.Transport, RemoteAddr: call.RemoteAddr, CorrelationID: call.CorrelationID,
		Server: call.Server, Tool: call.Tool, ExposedName: call.ExposedName,
		Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK},
		Detail: map[string]any{"scan": findingsDetail(fs), "scan_max_severity": scan.Max(fs).String(), "call_event_id": call.EventID},
	}
	if scan.Max(fs) >= g.scan.min && s.noteInjection(srv, gc) {
		ev.Detail["tainted_session"] = true
	}
	_ = g.emit(ctx, ev) // a failure is logged and refuses later calls (fail closed)
}
