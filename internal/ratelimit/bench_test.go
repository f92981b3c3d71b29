package ratelimit

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// BenchmarkGuard is the guard's decision path for an allowed call: the
// principal's bucket and a category bucket. The budget is under 1 µs/op.
func BenchmarkGuard(b *testing.B) {
	l := New(Config{CallsPerMinute: 1 << 30, Burst: 1 << 30,
		Categories: map[string]int{CategoryOutboundHTTP: 1 << 30}, Category: func(*guard.Call) string { return CategoryOutboundHTTP }})
	c := call(user("alice"), "post_webhook")
	ctx, end := guard.WithCallScope(context.Background())
	defer end()
	b.ReportAllocs()
	for b.Loop() {
		if l.Check(ctx, c).Action != guard.Allow {
			b.Fatal("refused")
		}
	}
}

// BenchmarkGuardInflight adds an in-flight slot, taken in the check and
// given back when the call's scope ends (the scope is the gateway's, and
// counted here).
func BenchmarkGuardInflight(b *testing.B) {
	l := New(Config{CallsPerMinute: 1 << 30, Burst: 1 << 30, InflightPerSession: 8})
	c := call(user("alice"), "echo")
	b.ReportAllocs()
	for b.Loop() {
		ctx, end := guard.WithCallScope(context.Background())
		if l.Check(ctx, c).Action != guard.Allow {
			b.Fatal("refused")
		}
		end()
	}
}

// BenchmarkGuardParallel is the decision path from many goroutines, each a
// principal of its own.
func BenchmarkGuardParallel(b *testing.B) {
	l := New(Config{CallsPerMinute: 1 << 30, Burst: 1 << 30})
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := call(user("p"+itoa(int(n.Add(1)))), "echo")
		ctx, end := guard.WithCallScope(context.Background())
		defer end()
		for pb.Next() {
			l.Check(ctx, c)
		}
	})
}
