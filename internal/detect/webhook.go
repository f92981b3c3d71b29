package detect

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/approval"
	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// Webhook delivery bounds: alerts wait in a queue of WebhookQueue; each is
// tried until it is delivered or WebhookGiveUp has passed, with a backoff
// from 1 s doubling to 1 min. What it gives up on (queue full, time out)
// is counted (Stats) and logged; the alert itself is in the audit stream
// and the store either way.
const (
	WebhookQueue  = 1024
	WebhookGiveUp = 10 * time.Minute
)

// WebhookSink posts alerts to a URL, signed with HMAC-SHA256 like the
// approvals webhook, from one goroutine, in order, retrying; it never
// blocks the engine.
type WebhookSink struct {
	w   *approval.Webhook
	log *slog.Logger
	q   chan *audit.Event

	written, failed, dropped atomic.Uint64
	stop                     chan struct{}
	done                     chan struct{}
	closeOnce                sync.Once
	// backoff is the first retry delay (tests shorten it).
	backoff time.Duration
	giveUp  time.Duration
}

// NewWebhookSink starts the sink's sender.
func NewWebhookSink(url, secret string, log *slog.Logger) *WebhookSink {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &WebhookSink{w: &approval.Webhook{URL: url, Secret: secret}, log: log, q: make(chan *audit.Event, WebhookQueue),
		stop: make(chan struct{}), done: make(chan struct{}), backoff: time.Second, giveUp: WebhookGiveUp}
	go s.run()
	return s
}

// Notify queues ev (Options.Notify); a full queue counts it as dropped.
func (s *WebhookSink) Notify(ev *audit.Event) {
	select {
	case s.q <- ev:
	default:
		if s.dropped.Add(1)%100 == 1 {
			s.log.Error("detect: alert webhook queue full; alerts not posted (they are in the audit stream)", "dropped", s.dropped.Load())
		}
	}
}

func (s *WebhookSink) run() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case ev := <-s.q:
			s.deliver(ev)
		}
	}
}

func (s *WebhookSink) deliver(ev *audit.Event) {
	deadline := time.Now().Add(s.giveUp)
	wait := s.backoff
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.w.Post(ctx, "alert", map[string]any{"event": "alert", "alert": ev})
		cancel()
		if err == nil {
			s.written.Add(1)
			return
		}
		s.failed.Add(1)
		if time.Now().Add(wait).After(deadline) {
			s.dropped.Add(1)
			s.log.Error("detect: alert webhook gave up on an alert (it is in the audit stream)", "rule", ev.Rule, "event_id", ev.EventID, "err", err)
			return
		}
		s.log.Warn("detect: alert webhook failed; retrying", "rule", ev.Rule, "retry_in", wait, "err", err)
		select {
		case <-s.stop:
			s.dropped.Add(1) // this one; Close counts the queued ones
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// Stats implements the counters of audit.StatsSink.
func (s *WebhookSink) Stats() audit.SinkStats {
	return audit.SinkStats{Sink: "alert-webhook", Written: s.written.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(), Queued: len(s.q)}
}

// Close stops the sender after at most the delivery in progress;
// alerts still queued are counted as dropped.
func (s *WebhookSink) Close() {
	s.closeOnce.Do(func() {
		// Give queued alerts a moment to go out.
		deadline := time.Now().Add(2 * time.Second)
		for len(s.q) > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		close(s.stop)
		<-s.done
		for {
			select {
			case <-s.q:
				s.dropped.Add(1)
				continue
			default:
			}
			break
		}
	})
}
