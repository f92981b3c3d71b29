// Package detect watches the audit stream for attacks no single call
// reveals: reconnaissance, injected content, rug pulls, shadowing, a token
// used after its session ended (controls D1-D3). It is an audit sink: it
// sees every event the gateway writes, after the durable sinks, and its
// alerts are audit events themselves (type "alert", with rule, severity,
// principal, session_id, event_ids and summary), so they are stored,
// queried and exported like any other event.
//
// It trusts the events (the gateway wrote them); it does not trust what
// they carry (arguments and results are scanned as untrusted text). State
// is windowed and bounded: sessions and tokens are evicted by age and
// count, so memory does not grow with the number of sessions.
package detect

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// Built-in rule ids (the contract).
const (
	RuleHarvest        = "mcp.harvest"
	RuleRecon          = "mcp.recon"
	RuleInjection      = "mcp.injection"
	RuleRugPull        = "mcp.rug_pull"
	RuleShadowing      = "mcp.shadowing"
	RuleTokenReuse     = "mcp.token_reuse"
	RuleCrossAppFlow   = "mcp.cross_app_flow"
	RuleHeaderMismatch = "mcp.header_mismatch"
)

// Alert is what a rule raises.
type Alert struct {
	Rule      string
	Severity  string // info, low, medium, high, critical
	Summary   string
	Principal audit.Principal
	SessionID string
	Server    string
	Tool      string
	EventIDs  []string
	// Key deduplicates: one alert per rule and key within the dedupe window.
	Key    string
	Detail map[string]any
}

// Rule is a streaming rule: it sees each event in order and may raise
// alerts. Rules keep their own bounded state; Observe is called from one
// goroutine.
type Rule interface {
	ID() string
	Observe(ev *audit.Event, now time.Time) []Alert
}

// Options configure an engine.
type Options struct {
	Rules []Rule
	// Emit writes an alert event (to the audit logger: the store, the file,
	// the webhook sink ...).
	Emit func(ctx context.Context, ev *audit.Event) error
	// Notify, if set, is told of every alert after it was emitted (the
	// webhook).
	Notify func(ev *audit.Event)
	// Dedupe is the window in which one rule raises one alert per key.
	// Default 10 minutes.
	Dedupe time.Duration
	// Buffer bounds the events waiting to be examined. Default 65536.
	Buffer int
	Logger *slog.Logger
	// RuleActions gives rules an action, by rule id (end_session,
	// hold_principal, none); user rules may carry their own (action:).
	// Actions are carried out through the Actions set with SetActions.
	RuleActions map[string]string
	// HoldFor is how long hold_principal holds a principal. Default 1h.
	HoldFor time.Duration
}

// Engine runs the rules over the audit stream. It is an audit.Sink.
type Engine struct {
	o       Options
	in      chan *audit.Event
	done    chan struct{}
	closed  atomic.Bool
	dropped atomic.Int64
	closeMu sync.RWMutex // Write (read) vs Close (write)
	alerts  atomic.Int64
	seen    atomic.Int64

	mu     sync.Mutex
	recent map[string]time.Time // rule + key → last alert
	once   sync.Once

	actionOf map[string]string // rule id → action
	actor    atomic.Pointer[Actions]
}

// New starts an engine.
func New(o Options) *Engine {
	if o.Dedupe <= 0 {
		o.Dedupe = 10 * time.Minute
	}
	if o.Buffer <= 0 {
		o.Buffer = 65536
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HoldFor <= 0 {
		o.HoldFor = time.Hour
	}
	e := &Engine{o: o, in: make(chan *audit.Event, o.Buffer), done: make(chan struct{}), recent: map[string]time.Time{}, actionOf: map[string]string{}}
	for _, r := range o.Rules {
		if ar, ok := r.(actionRule); ok && ar.Action() != "" {
			e.actionOf[r.ID()] = ar.Action()
		}
	}
	for id, a := range o.RuleActions {
		e.actionOf[id] = a
	}
	go e.run()
	return e
}

// Name implements audit.Sink.
func (e *Engine) Name() string { return "detect" }

// Write implements audit.Sink: events are queued, never waited on. When
// the queue is full the event is counted as dropped (the durable sinks
// have it; detection misses it) and the count is reported.
func (e *Engine) Write(_ context.Context, events ...*audit.Event) error {
	// The read lock keeps Close from closing the queue under a send.
	e.closeMu.RLock()
	defer e.closeMu.RUnlock()
	if e.closed.Load() {
		return nil
	}
	for _, ev := range events {
		if ev.Type == audit.TypeAlert {
			continue // alerts are not examined again
		}
		select {
		case e.in <- ev:
		default:
			if e.dropped.Add(1)%1000 == 1 {
				e.o.Logger.Error("detect: queue full, events not examined", "dropped", e.dropped.Load())
			}
		}
	}
	return nil
}

// Close stops the engine after the queued events were examined.
func (e *Engine) Close() error {
	e.once.Do(func() {
		e.closeMu.Lock()
		e.closed.Store(true)
		close(e.in)
		e.closeMu.Unlock()
		<-e.done
	})
	return nil
}

// Stats reports what the engine has done (for metrics and tests).
func (e *Engine) Stats() (seen, alerts, dropped int64) {
	return e.seen.Load(), e.alerts.Load(), e.dropped.Load()
}

// Flush waits until every event queued so far has been examined (tests).
func (e *Engine) Flush(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for len(e.in) > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the event being examined
	return true
}

func (e *Engine) run() {
	defer close(e.done)
	for ev := range e.in {
		e.seen.Add(1)
		now := time.Now()
		for _, r := range e.o.Rules {
			for _, a := range e.observe(r, ev, now) {
				e.raise(a, now)
			}
		}
	}
}

func (e *Engine) observe(r Rule, ev *audit.Event, now time.Time) (out []Alert) {
	defer func() {
		if p := recover(); p != nil {
			e.o.Logger.Error("detect: rule panicked", "rule", r.ID(), "panic", p)
			out = nil
		}
	}()
	return r.Observe(ev, now)
}

func (e *Engine) raise(a Alert, now time.Time) {
	key := a.Rule + "\x00" + a.Key
	e.mu.Lock()
	if t, ok := e.recent[key]; ok && now.Sub(t) < e.o.Dedupe {
		e.mu.Unlock()
		return
	}
	e.recent[key] = now
	if len(e.recent) > 100000 {
		for k, t := range e.recent {
			if now.Sub(t) >= e.o.Dedupe {
				delete(e.recent, k)
			}
		}
	}
	e.mu.Unlock()
	ev := &audit.Event{Type: audit.TypeAlert, Principal: a.Principal, SessionID: a.SessionID, Server: a.Server, Tool: a.Tool,
		Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK},
		Rule: a.Rule, Severity: a.Severity, EventIDs: a.EventIDs, Summary: a.Summary, Detail: a.Detail, EventID: audit.NewEventID()}
	// The action runs before the alert is written, so the alert records
	// what was done (detail.action, detail.action_result).
	e.act(ev, now)
	if e.o.Emit != nil {
		if err := e.o.Emit(context.Background(), ev); err != nil {
			e.o.Logger.Error("detect: alert not written", "rule", a.Rule, "err", err)
		}
	}
	e.alerts.Add(1)
	e.o.Logger.Warn("detect: alert", "rule", a.Rule, "severity", a.Severity, "summary", a.Summary, "session", a.SessionID, "principal", a.Principal.Subject)
	if e.o.Notify != nil {
		e.o.Notify(ev)
	}
}

// ids returns the last n event ids of a list, in order.
func lastIDs(ids []string, n int) []string {
	if len(ids) > n {
		ids = ids[len(ids)-n:]
	}
	return append([]string(nil), ids...)
}

// principalKey identifies a principal across sessions.
func principalKey(p audit.Principal) string {
	return p.Issuer + "\x00" + p.Subject + "\x00" + p.ClientID
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
