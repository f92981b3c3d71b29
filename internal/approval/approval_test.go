package approval

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/store"
)

func newService(t *testing.T, self bool) *Service {
	st, err := store.Open(filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Service{Store: &Store{DB: st.DB()}, Timeout: 2 * time.Second, AllowSelfApproval: self, Poll: 10 * time.Millisecond}
}

func TestSelfApprovalAndRestart(t *testing.T) {
	ctx := context.Background()
	s := newService(t, false)
	r := &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "alice"}, Impact: "high", RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
	if err := s.Store.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Review(ctx, r.ID, true, "alice", "mine"); err == nil || !strings.Contains(err.Error(), "own held call") {
		t.Fatalf("self-approval: %v", err)
	}
	if err := s.Review(ctx, r.ID, false, "alice", "never mind"); err != nil {
		t.Fatalf("denying one's own call is allowed: %v", err)
	}
	// Another pending request, then a restart: it ends in denial.
	r2 := &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "alice"}, Impact: "high", RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
	_ = s.Store.Create(ctx, r2)
	if n, err := s.Store.EndPending(ctx); err != nil || n != 1 {
		t.Fatalf("end pending: %d %v", n, err)
	}
	got, _ := s.Store.Get(ctx, r2.ID)
	if got.Decision != Restart {
		t.Fatalf("after restart: %+v", got)
	}
	if err := s.Review(ctx, r2.ID, true, "bob", "late"); err == nil {
		t.Fatal("a request ended by the restart was approved afterwards")
	}
	// With self-approval allowed, the requester may approve.
	s2 := newService(t, true)
	r3 := &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "alice"}, RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
	_ = s2.Store.Create(ctx, r3)
	if err := s2.Review(ctx, r3.ID, true, "alice", "allowed"); err != nil {
		t.Fatal(err)
	}
}

func TestHoldTimesOutToDenial(t *testing.T) {
	s := newService(t, false)
	s.Timeout = 100 * time.Millisecond
	out, err := s.Hold(context.Background(), &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "a"}})
	if err != nil || out.Approved || out.Request.Decision != Timeout {
		t.Fatalf("%+v %v", out.Request, err)
	}
}

// An answer that comes at once (the requester's elicitation, answered in
// their client) is given only once the request is recorded: it decides the
// held call. Given before, it finds no request and is lost, and the call
// would wait for the timeout (the race the e2e TestApprovalByElicitation
// met under load).
func TestHoldThenAnswersTheRecordedRequest(t *testing.T) {
	ctx := context.Background()
	s := newService(t, true)
	s.Timeout = 5 * time.Second
	r := &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "alice"}, Impact: "high"}
	if err := s.Review(ctx, r.ID, true, "alice", "too early"); err == nil {
		t.Fatal("a review of a request not yet recorded was accepted")
	}
	var reviewErr error
	start := time.Now()
	out, err := s.HoldThen(ctx, r, func() { reviewErr = s.Review(ctx, r.ID, true, "alice", "answered in the client") })
	if err != nil || reviewErr != nil || !out.Approved {
		t.Fatalf("hold: %+v %v, review: %v", out, err, reviewErr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the answer took %v to count", d)
	}
}
