package detect

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// A webhook that fails four times then accepts gets the alert (one
// delivery is three tries, so this is one failed delivery and a retry); one that never accepts is given up on and counted; nothing
// blocks the caller.
func TestWebhookSinkRetriesAndCounts(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 4 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("X-Mcpwarden-Signature") == "" {
			t.Errorf("unsigned webhook request: %v", r.Header)
		}
	}))
	defer srv.Close()
	s := NewWebhookSink(srv.URL, "webhook-secret", nil)
	s.backoff = 10 * time.Millisecond
	s.Notify(&audit.Event{EventID: "a1", Type: audit.TypeAlert, Rule: "mcp.recon"})
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Written == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stats()
	if st.Written != 1 || st.Failed != 1 || st.Dropped != 0 {
		t.Fatalf("stats after a failed delivery then success: %+v", st)
	}
	s.Close()

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer down.Close()
	s = NewWebhookSink(down.URL, "webhook-secret", nil)
	s.backoff, s.giveUp = 5*time.Millisecond, 50*time.Millisecond
	start := time.Now()
	for i := 0; i < WebhookQueue+50; i++ { // more than the queue holds
		s.Notify(&audit.Event{EventID: "x", Type: audit.TypeAlert, Rule: "mcp.recon"})
	}
	if time.Since(start) > time.Second {
		t.Fatalf("Notify blocked for %v", time.Since(start))
	}
	for s.Stats().Failed < 1 && time.Since(start) < 10*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	s.Close()
	st = s.Stats()
	if st.Written != 0 || st.Dropped != uint64(WebhookQueue+50) || st.Queued != 0 {
		t.Fatalf("stats with the webhook down: %+v", st)
	}
}
