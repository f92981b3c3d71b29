package approval

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// TestHoldGuard: the guard's decision is a pure function of the call and
// the lookup: every call kind of a held principal is held, with the rule
// and time in the reason; listings, other methods and other principals
// pass.
func TestHoldGuard(t *testing.T) {
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	g := &HoldGuard{Lookup: func(_ context.Context, issuer, subject string) (Hold, bool) {
		if issuer == "https://idp" && subject == "mallory" {
			return Hold{Rule: "mcp.recon", Until: until}, true
		}
		return Hold{}, false
	}}
	mallory := guard.Principal{Issuer: "https://idp", Subject: "mallory"}
	cases := []struct {
		name string
		call guard.Call
		want guard.Action
	}{
		{"tools/call held", guard.Call{Method: "tools/call", Principal: mallory}, guard.Hold},
		{"resources/read held", guard.Call{Method: "resources/read", Principal: mallory}, guard.Hold},
		{"prompts/get held", guard.Call{Method: "prompts/get", Principal: mallory}, guard.Hold},
		{"listing passes", guard.Call{Method: "tools/call", Listing: true, Principal: mallory}, guard.Allow},
		{"other method passes", guard.Call{Method: "completion/complete", Principal: mallory}, guard.Allow},
		{"other principal passes", guard.Call{Method: "tools/call", Principal: guard.Principal{Issuer: "https://idp", Subject: "alice"}}, guard.Allow},
		{"same subject, other issuer passes", guard.Call{Method: "tools/call", Principal: guard.Principal{Issuer: "https://other", Subject: "mallory"}}, guard.Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := g.Check(context.Background(), &tc.call)
			if d.Action != tc.want {
				t.Fatalf("got %v (%s), want %v", d.Action, d.Reason, tc.want)
			}
			if d.Action == guard.Hold && (d.Guard != HoldGuardName || d.Reason != "held by detection mcp.recon until 2030-01-02T03:04:05Z") {
				t.Fatalf("decision %+v", d)
			}
		})
	}
	if d := (&HoldGuard{}).Check(context.Background(), &cases[0].call); d.Action != guard.Allow {
		t.Fatalf("no lookup: %+v", d)
	}
}

// TestHoldsStore: holds are kept in the store, survive a restart (Load),
// expire, and are released by another process (the CLI) through the
// store: the gateway's next lookup sees it and reports the release once.
func TestHoldsStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var released []Hold
	gw := &Holds{DB: st.DB(), OnRelease: func(h Hold) { mu.Lock(); released = append(released, h); mu.Unlock() }}
	now := time.Now()
	if _, err := gw.Add(ctx, Hold{Issuer: "https://idp", Subject: "mallory", Rule: "mcp.recon", Reason: "recon", Until: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Add(ctx, Hold{Subject: "short", Rule: "team.x", Until: now.Add(-time.Millisecond)}); err != nil { // already over
		t.Fatal(err)
	}
	if _, err := gw.Add(ctx, Hold{Rule: "mcp.recon", Until: now.Add(time.Hour)}); err == nil {
		t.Fatal("a hold without a subject was accepted")
	}
	if h, ok := gw.Active(ctx, "https://idp", "mallory", now); !ok || h.Rule != "mcp.recon" {
		t.Fatalf("active: %+v %v", h, ok)
	}
	if _, ok := gw.Active(ctx, "", "mallory", now); ok {
		t.Fatal("held under another issuer")
	}
	if _, ok := gw.Active(ctx, "", "short", now.Add(time.Second)); ok {
		t.Fatal("an expired hold is still in force")
	}
	// A second hold of the same principal never shortens the first.
	if h, _ := gw.Add(ctx, Hold{Issuer: "https://idp", Subject: "mallory", Rule: "mcp.harvest", Until: now.Add(time.Minute)}); !h.Until.After(now.Add(59 * time.Minute)) {
		t.Fatalf("the hold was shortened to %v", h.Until)
	}

	// A restart: the hold is loaded again.
	st.Close()
	st, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gw = &Holds{DB: st.DB(), OnRelease: gw.OnRelease}
	if n, err := gw.Load(ctx); err != nil || n != 2 { // both holds of mallory; short expired
		t.Fatalf("load: %d %v", n, err)
	}
	if _, ok := gw.Active(ctx, "https://idp", "mallory", time.Now()); !ok {
		t.Fatal("the hold did not survive the restart")
	}

	// The CLI (another Holds on the same database) releases it.
	cli := &Holds{DB: st.DB()}
	if _, err := cli.Release(ctx, "", "nobody", "local:op", ""); !errors.Is(err, ErrNoHold) {
		t.Fatalf("release of nobody: %v", err)
	}
	rel, err := cli.Release(ctx, "", "mallory", "local:op", "false positive")
	if err != nil || len(rel) != 2 || rel[0].Releaser != "local:op" {
		t.Fatalf("release: %+v %v", rel, err)
	}
	if _, ok := gw.Active(ctx, "https://idp", "mallory", time.Now()); ok {
		t.Fatal("still held after the release")
	}
	gw.Sync(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(released) != 1 || released[0].Subject != "mallory" || released[0].ReleaseReason != "false positive" {
		t.Fatalf("releases reported: %+v", released)
	}
	all, err := cli.List(ctx, true)
	if err != nil || len(all) != 3 {
		t.Fatalf("list --all: %d %v", len(all), err)
	}
	if act, _ := cli.List(ctx, false); len(act) != 0 {
		t.Fatalf("active after release: %+v", act)
	}
}

// TestHoldsMemory: without a store, holds live in memory and are released
// there.
func TestHoldsMemory(t *testing.T) {
	ctx := context.Background()
	var n int
	hs := &Holds{OnRelease: func(Hold) { n++ }}
	if _, err := hs.Add(ctx, Hold{Subject: "anonymous", Rule: "mcp.injection", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := hs.Active(ctx, "", "anonymous", time.Now()); !ok {
		t.Fatal("not held")
	}
	if rel, err := hs.Release(ctx, "", "anonymous", "admin:x", ""); err != nil || len(rel) != 1 || n != 1 {
		t.Fatalf("release: %v %v %d", rel, err, n)
	}
	if _, ok := hs.Active(ctx, "", "anonymous", time.Now()); ok {
		t.Fatal("held after release")
	}
}

// TestDetectionHoldNotSelfApproved: a call held by a detection cannot be
// approved by the held principal, even where self-approval is allowed.
func TestDetectionHoldNotSelfApproved(t *testing.T) {
	ctx := context.Background()
	s := newService(t, true)
	r := &Request{ID: NewID(), Server: "s", Tool: "t", Principal: Principal{Subject: "mallory"}, Impact: ImpactDetection, RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
	if err := s.Store.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Review(ctx, r.ID, true, "mallory", "mine"); err == nil || !strings.Contains(err.Error(), "held by a detection") {
		t.Fatalf("self-approval of a detection hold: %v", err)
	}
	if err := s.Review(ctx, r.ID, true, "admin:sec", "checked"); err != nil {
		t.Fatal(err)
	}
}

// A store that refuses to record a hold does not leave the principal free:
// the hold is in force in this process (the error says it will not survive
// a restart); the benign twin, another principal, is not held.
func TestHoldStoreWriteFailsClosed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().Exec(`CREATE TRIGGER refuse_holds BEFORE INSERT ON principal_holds BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	hs := &Holds{DB: st.DB()}
	now := time.Now()
	if _, err := hs.Add(ctx, Hold{Subject: "mallory", Rule: "mcp.recon", Until: now.Add(time.Hour)}); err == nil || !strings.Contains(err.Error(), "in force") {
		t.Fatalf("Add with a refusing store: %v", err)
	}
	if _, ok := hs.Active(ctx, "", "mallory", now); !ok {
		t.Fatal("the hold the store could not record was lifted")
	}
	if _, ok := hs.Active(ctx, "", "alice", now); ok {
		t.Fatal("a principal never held is held")
	}
}
