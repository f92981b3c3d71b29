package guard

import (
	"context"
	"sync"
)

// A call scope lets a guard hold something for as long as the call it
// allowed runs (a rate limiter's in-flight slot): the gateway opens a
// scope around each call it handles and ends it when the call is over,
// whatever the outcome (result, error, denial, cancellation, timeout,
// panic), and the guard registers what to release. Decisions stay pure
// functions of the call; only the release is deferred.

type callScope struct {
	mu    sync.Mutex
	fns   []func()
	ended bool
}

type callScopeKey struct{}

// WithCallScope returns ctx carrying a new call scope and the function
// that ends it (running what guards registered, once; safe to call more
// than once).
func WithCallScope(ctx context.Context) (context.Context, func()) {
	sc := &callScope{}
	return context.WithValue(ctx, callScopeKey{}, sc), sc.end
}

func (sc *callScope) end() {
	sc.mu.Lock()
	fns := sc.fns
	sc.fns, sc.ended = nil, true
	sc.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// HasCallScope reports whether ctx carries a call scope (OnCallDone would
// register).
func HasCallScope(ctx context.Context) bool {
	_, ok := ctx.Value(callScopeKey{}).(*callScope)
	return ok
}

// OnCallDone registers fn to run when the call scope in ctx ends. Without
// a scope, or once the scope has ended, fn runs at once and OnCallDone
// returns false: a guard never holds something nobody will release.
func OnCallDone(ctx context.Context, fn func()) bool {
	sc, ok := ctx.Value(callScopeKey{}).(*callScope)
	if ok {
		sc.mu.Lock()
		if !sc.ended {
			sc.fns = append(sc.fns, fn)
			sc.mu.Unlock()
			return true
		}
		sc.mu.Unlock()
	}
	fn()
	return false
}
