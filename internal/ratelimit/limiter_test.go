package ratelimit

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// fakeClock is the limiter's clock in tests: refill math is pure.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newFake(cfg Config) (*Limiter, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)}
	cfg.Now = clk.now
	return New(cfg), clk
}

func user(sub string) guard.Principal {
	return guard.Principal{Subject: sub, Issuer: "https://idp.example", ClientID: "ide"}
}

func call(p guard.Principal, tool string) *guard.Call {
	return &guard.Call{Method: "tools/call", Server: "srv", Name: tool, Principal: p, Session: guard.Session{ID: "s-" + p.Subject, ClientAddr: "127.0.0.1"}}
}

// live is the context of a call the gateway runs (a call scope that is
// never ended: these tests set no in-flight cap unless they say so).
var live, _ = guard.WithCallScope(context.Background())

func mustAllow(t *testing.T, l *Limiter, c *guard.Call) {
	t.Helper()
	if d := l.Check(live, c); d.Action != guard.Allow {
		t.Fatalf("refused: %+v", d)
	}
}

func mustDeny(t *testing.T, l *Limiter, c *guard.Call, limit string) guard.Decision {
	t.Helper()
	d := l.Check(live, c)
	if d.Action != guard.Deny || d.Code != jsonrpc.CodeRateLimited || d.Guard != GuardName || !strings.HasPrefix(d.Reason, "rate_limited: "+limit+":") {
		t.Fatalf("want a refusal by %s, got %+v", limit, d)
	}
	if d.RetryAfter <= 0 {
		t.Fatalf("no retry hint: %+v", d)
	}
	return d
}

func TestDefaultBurst(t *testing.T) {
	for _, tc := range []struct{ perMin, want int }{{120, 20}, {6, 1}, {1, 1}, {7, 2}, {30, 5}, {20, 4}} {
		if got := DefaultBurst(tc.perMin); got != tc.want {
			t.Errorf("DefaultBurst(%d) = %d, want %d", tc.perMin, got, tc.want)
		}
	}
}

// A burst over the limit is refused with the right error and a retry hint
// that matches the refill rate; calls under the limit pass; tokens come
// back at calls_per_minute/60 a second.
func TestCallsPerMinute(t *testing.T) {
	l, clk := newFake(Config{CallsPerMinute: 60, Burst: 5})
	alice := call(user("alice"), "echo")
	for i := 0; i < 5; i++ {
		mustAllow(t, l, alice)
	}
	d := mustDeny(t, l, alice, LimitCalls)
	if Seconds(d.RetryAfter) != 1 || !strings.Contains(d.Reason, `principal "alice"`) || !strings.Contains(d.Reason, "60 calls per minute") {
		t.Fatalf("decision: %+v", d)
	}
	// Another principal is unaffected.
	mustAllow(t, l, call(user("bob"), "echo"))
	// A refused call spends nothing: half a second later still refused,
	// with half a second to wait.
	clk.advance(500 * time.Millisecond)
	d = mustDeny(t, l, alice, LimitCalls)
	if d.RetryAfter > 500*time.Millisecond+time.Millisecond || d.RetryAfter < 499*time.Millisecond {
		t.Fatalf("retry after %v, want 500ms", d.RetryAfter)
	}
	clk.advance(500 * time.Millisecond)
	mustAllow(t, l, alice)
	mustDeny(t, l, alice, LimitCalls)
	// After the refill time the whole burst is back, no more.
	clk.advance(time.Hour)
	for i := 0; i < 5; i++ {
		mustAllow(t, l, alice)
	}
	mustDeny(t, l, alice, LimitCalls)
	// Over a minute of steady calls, the sustained rate holds.
	passed := 0
	for i := 0; i < 600; i++ {
		clk.advance(100 * time.Millisecond)
		if l.Check(live, alice).Action == guard.Allow {
			passed++
		}
	}
	if passed != 60 {
		t.Fatalf("%d calls passed in a minute at 60/min", passed)
	}
}

func TestListingsAndOtherMethodsNotLimited(t *testing.T) {
	l, _ := newFake(Config{CallsPerMinute: 1, Burst: 1, InflightPerSession: 1})
	c := call(user("alice"), "echo")
	mustAllow(t, l, c)
	lc := *c
	lc.Listing = true
	for i := 0; i < 10; i++ {
		mustAllow(t, l, &lc)
		mustAllow(t, l, &guard.Call{Method: "resources/read", URI: "x://y", Principal: c.Principal, Session: c.Session})
	}
}

// A category's limit is stricter than the general one and applies in
// addition to it; a call refused by its category spends no general token.
func TestCategories(t *testing.T) {
	cat := func(c *guard.Call) string {
		switch c.Name {
		case "post_webhook":
			return CategoryOutboundHTTP
		case "unlimited_cat":
			return "no_limit_for_this"
		}
		return ""
	}
	l, clk := newFake(Config{CallsPerMinute: 60, Burst: 10, Categories: map[string]int{CategoryOutboundHTTP: 12}, Category: cat})
	alice := user("alice")
	// burst of outbound_http = DefaultBurst(12) = 2
	mustAllow(t, l, call(alice, "post_webhook"))
	mustAllow(t, l, call(alice, "post_webhook"))
	d := mustDeny(t, l, call(alice, "post_webhook"), "categories.outbound_http")
	if Seconds(d.RetryAfter) != 5 || !strings.Contains(d.Reason, `tool "post_webhook" is in category outbound_http`) {
		t.Fatalf("decision: %+v", d)
	}
	// Reads go on: 8 general tokens are left (2 spent, the refusal none).
	for i := 0; i < 8; i++ {
		mustAllow(t, l, call(alice, "read"))
	}
	mustDeny(t, l, call(alice, "read"), LimitCalls)
	// With general tokens gone, a category call is refused by the general limit.
	clk.advance(5 * time.Second) // 5 general tokens, 1 outbound_http
	mustAllow(t, l, call(alice, "post_webhook"))
	mustDeny(t, l, call(alice, "post_webhook"), "categories.outbound_http")
	// A category without a limit is only counted in the general bucket.
	for i := 0; i < 4; i++ {
		mustAllow(t, l, call(alice, "unlimited_cat"))
	}
	mustDeny(t, l, call(alice, "unlimited_cat"), LimitCalls)
	// Bob has his own category bucket.
	mustAllow(t, l, call(user("bob"), "post_webhook"))
}

// Categories alone (no calls_per_minute) limit only their tools.
func TestCategoriesOnly(t *testing.T) {
	l, _ := newFake(Config{Categories: map[string]int{CategoryDBWrite: 6}, Category: func(c *guard.Call) string {
		if c.Name == "insert_row" {
			return CategoryDBWrite
		}
		return ""
	}})
	alice := user("alice")
	mustAllow(t, l, call(alice, "insert_row"))
	mustDeny(t, l, call(alice, "insert_row"), "categories.db_write")
	for i := 0; i < 100; i++ {
		mustAllow(t, l, call(alice, "select"))
	}
	if l.Keys() != 1 {
		t.Fatalf("%d keys, want 1 (reads without a limit keep no state)", l.Keys())
	}
}

// Anonymous callers are keyed by their address (or their session on
// stdio); authenticated ones by issuer and subject, whatever the client.
func TestPrincipalKeys(t *testing.T) {
	l, _ := newFake(Config{CallsPerMinute: 6, Burst: 1})
	anon := func(addr, sid string) *guard.Call {
		return &guard.Call{Method: "tools/call", Name: "echo", Principal: guard.Anonymous, Session: guard.Session{ID: sid, ClientAddr: addr}}
	}
	mustAllow(t, l, anon("127.0.0.1", "a"))
	d := mustDeny(t, l, anon("127.0.0.1", "b"), LimitCalls) // same address, new session: same bucket
	if !strings.Contains(d.Reason, "anonymous client 127.0.0.1") {
		t.Fatal(d.Reason)
	}
	mustAllow(t, l, anon("127.0.0.2", "c"))
	mustAllow(t, l, anon("", "stdio-1"))
	mustAllow(t, l, anon("", "stdio-2"))
	// Same user through two OAuth clients: one budget.
	p := user("alice")
	mustAllow(t, l, call(p, "echo"))
	p.ClientID = "cli"
	mustDeny(t, l, call(p, "echo"), LimitCalls)
	// Same subject at another issuer: another principal.
	p.Issuer = "https://other.example"
	mustAllow(t, l, call(p, "echo"))
}

// In-flight slots: held while the call runs, given back when its scope
// ends, never counted without a scope.
func TestInflightPerSession(t *testing.T) {
	l, _ := newFake(Config{InflightPerSession: 2})
	c := call(user("alice"), "slow")
	var ends []func()
	for i := 0; i < 2; i++ {
		ctx, end := guard.WithCallScope(context.Background())
		if d := l.Check(ctx, c); d.Action != guard.Allow {
			t.Fatal(d)
		}
		ends = append(ends, end)
	}
	ctx, end3 := guard.WithCallScope(context.Background())
	d := l.Check(ctx, c)
	if d.Action != guard.Deny || !strings.HasPrefix(d.Reason, "rate_limited: inflight_per_session:") || d.Code != jsonrpc.CodeRateLimited {
		t.Fatalf("third in flight: %+v", d)
	}
	end3() // a refused call holds nothing
	if n := l.Inflight(c.Session.ID); n != 2 {
		t.Fatalf("%d in flight, want 2", n)
	}
	// Another session is unaffected.
	other := *c
	other.Session.ID = "other"
	ctxO, endO := guard.WithCallScope(context.Background())
	if d := l.Check(ctxO, &other); d.Action != guard.Allow {
		t.Fatal(d)
	}
	endO()
	ends[0]()
	ends[0]() // ending twice releases once
	if n := l.Inflight(c.Session.ID); n != 1 {
		t.Fatalf("%d in flight after one ended, want 1", n)
	}
	ctx4, end4 := guard.WithCallScope(context.Background())
	if d := l.Check(ctx4, c); d.Action != guard.Allow {
		t.Fatal(d)
	}
	end4()
	ends[1]()
	if n := l.Inflight(c.Session.ID); n != 0 || len(l.inflight) != 0 {
		t.Fatalf("leak: %d in flight, %d sessions tracked", n, len(l.inflight))
	}
}

// A call refused by a rate holds no in-flight slot, and one refused for
// in-flight spends no token.
func TestRefusalsSpendNothing(t *testing.T) {
	l, _ := newFake(Config{CallsPerMinute: 60, Burst: 2, InflightPerSession: 1})
	c := call(user("alice"), "slow")
	ctx1, end1 := guard.WithCallScope(context.Background())
	if d := l.Check(ctx1, c); d.Action != guard.Allow {
		t.Fatal(d)
	}
	for i := 0; i < 5; i++ { // refused for in-flight: no token spent
		ctx, end := guard.WithCallScope(context.Background())
		if d := l.Check(ctx, c); !strings.HasPrefix(d.Reason, "rate_limited: inflight_per_session:") {
			t.Fatal(d)
		}
		end()
	}
	end1()
	ctx2, end2 := guard.WithCallScope(context.Background())
	if d := l.Check(ctx2, c); d.Action != guard.Allow {
		t.Fatalf("second token: %+v", d)
	}
	end2()
	ctx3, end3 := guard.WithCallScope(context.Background())
	if d := l.Check(ctx3, c); !strings.HasPrefix(d.Reason, "rate_limited: calls_per_minute:") {
		t.Fatal(d)
	}
	if n := l.Inflight(c.Session.ID); n != 0 {
		t.Fatalf("a call refused by the rate holds %d slots", n)
	}
	end3()
}

// Offline decisions (no call scope: mcpwarden policy test) are not
// limited and spend nothing.
func TestOfflineDecisionsNotCounted(t *testing.T) {
	l, _ := newFake(Config{CallsPerMinute: 6, Burst: 1, InflightPerSession: 1, Categories: map[string]int{"x": 6}, Category: func(*guard.Call) string { return "x" }})
	c := call(user("alice"), "echo")
	for i := 0; i < 10; i++ {
		if d := l.Check(context.Background(), c); d.Action != guard.Allow {
			t.Fatalf("offline decision %d: %+v", i, d)
		}
	}
	if l.Keys() != 0 || l.Inflight(c.Session.ID) != 0 {
		t.Fatal("an offline decision kept state")
	}
	mustAllow(t, l, c)
}

// Under a bounded concurrent load the cap holds, and every slot comes back.
func TestInflightConcurrentLoad(t *testing.T) {
	const limit, workers, rounds = 3, 20, 50
	l := New(Config{InflightPerSession: limit})
	c := call(user("alice"), "slow")
	var cur, peak, allowed, refused atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				ctx, end := guard.WithCallScope(context.Background())
				if l.Check(ctx, c).Action == guard.Allow {
					allowed.Add(1)
					n := cur.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(100 * time.Microsecond)
					cur.Add(-1)
				} else {
					refused.Add(1)
				}
				end()
			}
		}()
	}
	wg.Wait()
	if peak.Load() > limit {
		t.Fatalf("peak %d in flight, cap %d", peak.Load(), limit)
	}
	if allowed.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("allowed %d refused %d: the load did not test the cap", allowed.Load(), refused.Load())
	}
	if n := l.Inflight(c.Session.ID); n != 0 {
		t.Fatalf("leak: %d in flight", n)
	}
}

func TestSessionsPerClient(t *testing.T) {
	l, _ := newFake(Config{SessionsPerClient: 2})
	alice := SessionKey{Key: PrincipalKey(user("alice"), guard.Session{}), ClientID: "ide"}
	r1, d := l.OpenSession(alice)
	r2, d2 := l.OpenSession(alice)
	if d.Action != guard.Allow || d2.Action != guard.Allow {
		t.Fatal(d, d2)
	}
	_, d3 := l.OpenSession(alice)
	if d3.Action != guard.Deny || d3.Code != jsonrpc.CodeRateLimited || d3.RetryAfter != SessionRetryAfter ||
		!strings.HasPrefix(d3.Reason, "rate_limited: sessions_per_client:") || !strings.Contains(d3.Reason, `client "ide"`) {
		t.Fatalf("third session: %+v", d3)
	}
	// The same user's other client counts apart.
	cli := alice
	cli.ClientID = "cli"
	if _, d := l.OpenSession(cli); d.Action != guard.Allow {
		t.Fatal(d)
	}
	r1()
	r1() // idempotent
	if n := l.OpenSessions(alice); n != 1 {
		t.Fatalf("%d open, want 1", n)
	}
	r3, d := l.OpenSession(alice)
	if d.Action != guard.Allow {
		t.Fatal(d)
	}
	r2()
	r3()
	if len(l.sessions) != 1 { // cli's only
		t.Fatalf("sessions tracked: %v", l.sessions)
	}
	// No limit: always a slot.
	u := New(Config{})
	for i := 0; i < 100; i++ {
		if _, d := u.OpenSession(alice); d.Action != guard.Allow {
			t.Fatal(d)
		}
	}
}

// Idle buckets are dropped once full again (nothing changes for their
// principal), and the number of keys never exceeds MaxKeys.
func TestEviction(t *testing.T) {
	l, clk := newFake(Config{CallsPerMinute: 60, Burst: 10, MaxKeys: 100})
	if l.idle != 10*time.Second {
		t.Fatalf("idle %v, want 10s (burst 10 at 1/s)", l.idle)
	}
	for i := 0; i < 50; i++ {
		mustAllow(t, l, call(user("u"+itoa(i)), "echo"))
	}
	if l.Keys() != 50 {
		t.Fatalf("%d keys", l.Keys())
	}
	clk.advance(5 * time.Second)
	mustAllow(t, l, call(user("late"), "echo")) // young keys stay
	if l.Keys() != 51 {
		t.Fatalf("%d keys after 5s", l.Keys())
	}
	clk.advance(6 * time.Second)
	mustAllow(t, l, call(user("later"), "echo")) // the 50 are full again: dropped
	if l.Keys() != 2 {
		t.Fatalf("%d keys after the idle time, want 2", l.Keys())
	}
	// A flood of distinct principals is capped at MaxKeys.
	for i := 0; i < 1000; i++ {
		l.Check(live, call(user("flood"+itoa(i)), "echo"))
	}
	if l.Keys() != 100 {
		t.Fatalf("%d keys, cap 100", l.Keys())
	}
	// A principal in active use stays while the flood passes through:
	// its bucket is the most recently used.
	victim := call(user("victim"), "echo")
	for i := 0; i < 10; i++ {
		mustAllow(t, l, victim)
	}
	for i := 0; i < 50; i++ {
		l.Check(live, call(user("flood2-"+itoa(i)), "echo"))
	}
	mustDeny(t, l, victim, LimitCalls)
}

func TestCategoryCacheBounded(t *testing.T) {
	n := 0
	l, _ := newFake(Config{Categories: map[string]int{"x": 60}, Category: func(*guard.Call) string { n++; return "x" }})
	c := call(user("alice"), "t")
	l.Check(live, c)
	l.Check(live, c)
	if n != 1 {
		t.Fatalf("category resolved %d times, want once", n)
	}
	for i := 0; i < 3*maxCategoryCache; i++ {
		l.Check(live, call(user("alice"), "t"+itoa(i)))
	}
	if len(l.cats) > maxCategoryCache {
		t.Fatalf("category cache %d entries", len(l.cats))
	}
}

func TestSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {30 * time.Second, 30}} {
		if got := Seconds(tc.d); got != tc.want {
			t.Errorf("Seconds(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
