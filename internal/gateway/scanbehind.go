package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/lowprio"
	"github.com/mcpwarden/mcpwarden/internal/policy"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Annotated results are scanned behind the answer. With scan.results:
// annotate the result is passed on whatever the scanner finds, so the
// answer does not wait for it: the call's own event is written, the answer
// goes back, and the scan runs meanwhile. Its findings are a scan.result
// event that follows the call's event (same correlation_id). Nothing later
// in the session that they can decide is decided without them: a request
// waits until the scans of the session's earlier results are recorded (and
// have tainted the session, in toxic_flows dynamic mode), unless it is a
// call of a tool not labelled exfiltration (scansDecide), and the
// gateway's Close waits for all. Block and redact need the findings to
// answer, so they scan inline.

// scanWaitMax bounds how long Close waits for scans behind answers.
const scanWaitMax = 30 * time.Second

// pendingScans are the scans behind answers not yet recorded.
type pendingScans struct {
	mu   sync.Mutex
	jobs map[*scanJob]struct{}
}

// scanJob is one piece of work behind an answer: the scan of an annotated
// result, or the content fingerprints of a large result (jobFingerprints).
// It is registered as soon as the result is in, so nothing later waits
// less for it, and run once the answer is written: on a low-priority
// worker (behindPool), so that it takes the CPU the answers leave idle,
// or, when the workers' queue is full, on the transport's goroutine.
// Anything that waits for it starts it at normal priority on its own
// goroutine, and if a low-priority worker already runs it, runs it a
// second time beside that worker (a busy machine may not schedule the
// worker soon): the work is a pure function of the result, and the first
// to finish records its outcome.
type scanJob struct {
	done     chan struct{}
	state    atomic.Int32 // jobIdle, then jobRunning or jobRunningLow
	rescued  atomic.Bool  // a second run was started beside the worker's
	finished atomic.Bool
	// compute is the pure part (safe to run twice); it returns the
	// recording of its outcome (its event), which is called once
	compute func() (record func())
	size    int    // the result's bytes (behindPool's bound)
	kind    int    // jobScan or jobFingerprints
	server  string // the server whose result it is
}

// Kinds of work behind an answer.
const (
	jobScan         = iota // the scan of an annotated result (scan.result)
	jobFingerprints        // a large result's content fingerprints (result.fingerprints)
)

const (
	jobIdle = iota
	jobRunning
	jobRunningLow
)

// run scans and records, unless another run finished first.
func (j *scanJob) run() {
	record := j.compute()
	if j.finished.CompareAndSwap(false, true) {
		record()
	}
}

// runHere runs the job on the caller's goroutine, unless it was started.
func (j *scanJob) runHere() {
	if j.state.CompareAndSwap(jobIdle, jobRunning) {
		j.run()
	}
}

// runLow is runHere on a low-priority worker.
func (j *scanJob) runLow() {
	if j.state.CompareAndSwap(jobIdle, jobRunningLow) {
		j.run()
	}
}

// start runs the job on a goroutine of its own, unless it was started; if
// a low-priority worker runs it, a second run starts beside it (once).
func (j *scanJob) start() {
	if j.state.CompareAndSwap(jobIdle, jobRunning) {
		go j.run()
		return
	}
	if j.state.Load() == jobRunningLow && !j.finished.Load() && j.rescued.CompareAndSwap(false, true) {
		go j.run()
	}
}

// add registers a job; done(job) ends it.
func (p *pendingScans) add(j *scanJob) {
	p.mu.Lock()
	if p.jobs == nil {
		p.jobs = map[*scanJob]struct{}{}
	}
	p.jobs[j] = struct{}{}
	p.mu.Unlock()
}

func (p *pendingScans) done(j *scanJob) {
	p.mu.Lock()
	delete(p.jobs, j)
	p.mu.Unlock()
}

// wait returns once every job registered before the call that need
// reports true for (nil: every job) is done, or with ctx's error. Jobs
// added meanwhile are not waited for, so a busy session cannot starve a
// request. A job not started yet starts now.
func (p *pendingScans) wait(ctx context.Context, need func(*scanJob) bool) error {
	p.mu.Lock()
	if len(p.jobs) == 0 {
		p.mu.Unlock()
		return nil
	}
	js := make([]*scanJob, 0, len(p.jobs))
	for j := range p.jobs {
		if need == nil || need(j) {
			js = append(js, j)
		}
	}
	p.mu.Unlock()
	for _, j := range js {
		j.start()
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// waitsFor returns which of the session's jobs behind answers request m
// waits for (nil: none is pending). Scans: a result's findings taint the
// session (dynamic toxic flows), which holds or denies calls of tools
// labelled exfiltration only, and the built-in injection detection
// correlates them with such calls only; so a call of a tool known and not
// labelled exfiltration (configured or inferred, from its name or its
// definition) need not wait, and does not pay for a large result's scan on
// a busy machine. Every other request waits, and every request does when
// user detection rules read scan.result events (their order before the
// next call is kept). Fingerprints: mcp.cross_app_flow matches a call's
// arguments against the results of other servers' tools, so a call waits
// for the fingerprints of results of servers other than its own (or of
// any, where its server is not known); other requests do not.
func (s *Session) waitsFor(m *jsonrpc.Message) func(*scanJob) bool {
	if m.Method == "ping" || !s.scans.pending() {
		return nil
	}
	// the called tool's server, routed once for both kinds of job
	var srv *server
	var up string
	if m.Method == "tools/call" {
		name, _ := jsonrpc.StringField(m.Params, "name")
		if r, u, withheld := s.g.route("tool", name); r != nil && !withheld {
			srv, up = r, u
		}
	}
	scans := s.scansDecide(m, srv, up)
	return func(j *scanJob) bool {
		if j.kind == jobFingerprints {
			return m.Method == "tools/call" && (srv == nil || srv.name != j.server)
		}
		return scans
	}
}

// scansDecide reports whether the findings of results still scanned
// behind their answers can decide request m or what is detected of it
// (see waitsFor); srv and up are the called tool's server and upstream
// name (srv nil: not a call, or a tool not routed to one server).
func (s *Session) scansDecide(m *jsonrpc.Message, srv *server, up string) bool {
	g := s.g
	if m.Method != "tools/call" || g.scanOrdered || srv == nil {
		return true
	}
	e := srv.lookup("tool", up)
	if e == nil {
		return true
	}
	return slices.Contains(g.flows.LabelsOf(srv.name, up, e.def), policy.LabelExfiltration) ||
		slices.Contains(g.flows.LabelsOf(srv.name, up, nil), policy.LabelExfiltration)
}

// pending reports whether any scan is registered.
func (p *pendingScans) pending() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.jobs) > 0
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
	if len(result) < scanBehindMin && !g.scan.classifier && !afterReplyPending(ctx) {
		// A small result, and no transport to say when its answer is
		// written: scanned at once, cheaper than a goroutine (and the
		// stack the scanner grows in it). Its findings' event still
		// follows the call's, before the answer. A classifier's round
		// trip is never waited for.
		fs, _, _ := g.scan.scanResult(srv.name, gc.Name, result)
		return func() { s.recordScan(ctx, srv, gc, call, fs) }
	}
	return s.behind(ctx, jobScan, srv, gc, len(result), call, func() func() {
		fs := s.scanSafely(srv, gc, result)
		return func() { s.recordScan(ctx, srv, gc, call, fs) }
	})
}

// fingerprintsBehind computes a large result's content fingerprints (for
// mcp.cross_app_flow) behind its answer, as scanBehind scans it: their
// result.fingerprints event follows the call's, and a later call of
// another server's tool in the session waits for it (waitsFor).
func (s *Session) fingerprintsBehind(ctx context.Context, srv *server, gc *guard.Call, result json.RawMessage, call *audit.Event) (written func()) {
	ctx = context.WithoutCancel(ctx)
	return s.behind(ctx, jobFingerprints, srv, gc, len(result), call, func() func() {
		fp, err := fingerprints(result)
		return func() { s.recordFingerprints(ctx, srv, gc, call, fp, err) }
	})
}

// behind registers work behind the call's answer (compute, as scanJob's)
// in the session's and the gateway's pending sets, schedules it, and
// returns the function the call runs once its own event was written: the
// work's event comes after it.
func (s *Session) behind(ctx context.Context, kind int, srv *server, gc *guard.Call, size int, call *audit.Event, compute func() func()) (written func()) {
	g := s.g
	emitted := make(chan struct{})
	job := &scanJob{done: make(chan struct{}), size: size, kind: kind, server: srv.name}
	job.compute = func() func() {
		record := compute()
		return func() {
			defer close(job.done)
			defer g.scans.done(job)
			defer s.scans.done(job)
			<-emitted
			defer func() {
				// Off the request's goroutine no handler recovers: a bug
				// here is logged rather than ending the process.
				if r := recover(); r != nil {
					g.log.Error("recording the outcome of work behind an answer panicked", "server", srv.name, "tool", gc.Name, "correlation_id", call.CorrelationID, "panic", r)
				}
			}()
			record()
		}
	}
	s.scans.add(job)
	g.scans.add(job)
	g.scheduleScan(ctx, job)
	return func() { close(emitted) }
}

// scheduleScan runs job once the answer to ctx's request is written (or
// now, where the transport does not say when that is, or already did): on
// a low-priority worker, or, when their queue is full, on the goroutine
// that wrote the answer (on one of its own where there is none). A
// classifier's round trip always gets a goroutine of its own: the
// connection would wait for it.
func (g *Gateway) scheduleScan(ctx context.Context, job *scanJob) {
	if g.scan.classifier {
		if !putOff(ctx, job.start) {
			job.start()
		}
		return
	}
	if !putOff(ctx, func() { g.behind.submit(job, job.runHere) }) {
		g.behind.submit(job, job.start)
	}
}

// behindPool holds the low-priority workers of the scans behind answers,
// started on first use. Its queue holds at most behindQueue jobs and
// behindQueueBytes of results; beyond, jobs run at normal priority.
type behindPool struct {
	once   sync.Once
	mu     sync.Mutex
	pool   *lowprio.Pool
	bytes  int
	closed bool
}

const (
	behindQueue      = 64
	behindQueueBytes = 64 << 20
)

// submit queues job on a low-priority worker, or calls otherwise.
func (b *behindPool) submit(job *scanJob, otherwise func()) {
	b.once.Do(func() { b.pool = lowprio.NewPool(lowprio.Workers(), behindQueue) })
	b.mu.Lock()
	if b.closed || b.bytes+job.size > behindQueueBytes {
		b.mu.Unlock()
		otherwise()
		return
	}
	b.bytes += job.size
	b.mu.Unlock()
	ok := b.pool.Submit(func() {
		b.release(job.size)
		job.runLow()
	})
	if !ok {
		b.release(job.size)
		otherwise()
	}
}

func (b *behindPool) release(n int) {
	b.mu.Lock()
	b.bytes -= n
	b.mu.Unlock()
}

// close stops the workers once the queued jobs were taken (each is then
// already done, or runs).
func (b *behindPool) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.once.Do(func() {})
	if b.pool != nil {
		b.pool.Close()
	}
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
// (on a 2-core machine 64 KiB of prose takes the scanner 0.5–0.75 ms,
// BenchmarkResult64KProse, and of German mail 2.5–2.9 ms; 300 bytes about
// 17 µs: BenchmarkArgs).
const scanBehindMin = 16 << 10

// recordScan writes the scan.result event of a call's findings (none: no
// event) and taints the session when they reach the scan severity.
func (s *Session) recordScan(ctx context.Context, srv *server, gc *guard.Call, call *audit.Event, fs []scan.Finding) {
	g := s.g
	if len(fs) == 0 {
		return
	}
	ev := followUp(call, audit.TypeScanResult)
	ev.Detail["scan"], ev.Detail["scan_max_severity"] = findingsDetail(fs), scan.Max(fs).String()
	if scan.Max(fs) >= g.scan.min && s.noteInjection(srv, gc) {
		ev.Detail["tainted_session"] = true
	}
	_ = g.emit(ctx, ev) // a failure is logged and refuses later calls (fail closed)
}

// followUp is an event of type typ that follows the call's event with what
// was found behind its answer: the call's session, principal, client,
// server, tool and correlation id, and its event id (detail.call_event_id).
func followUp(call *audit.Event, typ string) *audit.Event {
	return &audit.Event{
		Type: typ, SessionID: call.SessionID, Principal: call.Principal, Client: call.Client,
		Transport: call.Transport, RemoteAddr: call.RemoteAddr, CorrelationID: call.CorrelationID,
		Server: call.Server, Tool: call.Tool, ExposedName: call.ExposedName,
		Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK},
		Detail: map[string]any{"call_event_id": call.EventID},
	}
}

// recordFingerprints writes the result.fingerprints event of a large
// result's content fingerprints, computed behind its answer (none and no
// error: no event).
func (s *Session) recordFingerprints(ctx context.Context, srv *server, gc *guard.Call, call *audit.Event, fp []uint64, err error) {
	if len(fp) == 0 && err == nil {
		return
	}
	ev := followUp(call, audit.TypeResultFingerprints)
	s.g.fingerprintsDetail(ev, srv, call.CorrelationID, fp, err)
	_ = s.g.emit(ctx, ev) // a failure is logged and refuses later calls (fail closed)
}

// afterReplyKey carries the work put off until a request's reply is
// written (WithAfterReply).
type afterReplyKey struct{}

type afterReply struct {
	mu   sync.Mutex
	fns  []func()
	done bool
}

// WithAfterReply is for transports: work the gateway puts off while it
// answers the request of ctx (the scan of an annotated result) runs when
// the transport calls the returned function, once the reply is written or
// the request ended without one. Put off work that waits for it also
// starts when something waits for it (pendingScans), so a transport that
// is slow to call it delays nothing that matters.
func WithAfterReply(ctx context.Context) (context.Context, func()) {
	a := &afterReply{}
	return context.WithValue(ctx, afterReplyKey{}, a), func() {
		a.mu.Lock()
		fns := a.fns
		a.fns, a.done = nil, true
		a.mu.Unlock()
		for _, fn := range fns {
			fn()
		}
	}
}

// replyHook is the transport's record of work put off until the reply to
// ctx's request is written (WithAfterReply), or nil.
func replyHook(ctx context.Context) *afterReply {
	a, _ := ctx.Value(afterReplyKey{}).(*afterReply)
	return a
}

// putOff queues fn to run once the reply to ctx's request is written, and
// reports false when the transport does not say when that is (or already
// did): then fn was not queued.
func putOff(ctx context.Context, fn func()) bool {
	a := replyHook(ctx)
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return false
	}
	a.fns = append(a.fns, fn)
	return true
}

// afterReplyPending reports whether work can still be put off until the
// reply to ctx's request is written.
func afterReplyPending(ctx context.Context) bool {
	a := replyHook(ctx)
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.done
}
