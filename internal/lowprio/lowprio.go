// Package lowprio runs work that no answer waits for on OS threads of the
// lowest CPU priority, so that it uses the CPU the request path leaves
// idle. The gateway shares its machine with the processes around it (the
// client, local servers, other tenants): the scan of a large result behind
// its answer, run at normal priority, competes with the client that is
// parsing that very answer. At the lowest priority it waits while they
// run and still finishes as soon as the CPU is idle.
//
// The priority is a property of an OS thread (Linux: SCHED_IDLE at nice 19 on the
// thread). A goroutine that lowers its thread stays locked to it until it
// returns, and the thread then ends with it, so no goroutine runs at low
// priority by accident; the main thread is never lowered. Where lowering is not supported the work runs at
// normal priority.
//
// Low priority can starve under sustained load. Work that something later
// waits for must have a way out: Pool.Submit refuses when its queue is
// full (the caller runs the work itself), and a caller that needs queued
// or running work done runs it at normal priority (see gateway's scan
// jobs, which may run twice and keep the first result).
package lowprio

import (
	"runtime"
	"sync"
)

// Go runs fn on a new goroutine locked to an OS thread of the lowest CPU
// priority; the thread ends when fn returns. The thread is never the
// process's main thread: tools such as ps and top show the main thread's
// priority as the process's, and the main thread cannot end with fn.
func Go(fn func()) {
	go func() {
		runtime.LockOSThread()
		if onMainThread() {
			// While this goroutine holds the main thread, the goroutine it
			// starts takes another; it lets go once that one is locked.
			locked := make(chan struct{})
			go lowered(fn, locked)
			<-locked
			runtime.UnlockOSThread()
			return
		}
		lowered(fn, nil)
	}()
}

// lowered locks the goroutine to its thread for good (announced on
// locked), lowers the thread and runs fn.
func lowered(fn func(), locked chan struct{}) {
	runtime.LockOSThread() // never unlocked: the thread ends with fn
	if locked != nil {
		close(locked)
	}
	_ = lowerThread()
	fn()
}

// Pool runs functions on a fixed set of low-priority goroutines. The zero
// Pool is not usable; use NewPool.
type Pool struct {
	mu     sync.Mutex
	q      chan func()
	closed bool
	wg     sync.WaitGroup
}

// NewPool starts workers goroutines (at least one), each on a thread of
// its own at the lowest priority, taking functions from a queue of depth
// entries.
func NewPool(workers, depth int) *Pool {
	p := &Pool{q: make(chan func(), max(depth, 1))}
	for range max(workers, 1) {
		p.wg.Add(1)
		Go(p.work)
	}
	return p
}

// Workers is the worker count NewPool callers use by default: one for
// every two CPUs the Go runtime uses, at least one. A worker that the OS
// does not schedule keeps its runtime processor (P) meanwhile, so more
// workers would take more of them from the request path.
func Workers() int { return max(runtime.GOMAXPROCS(0)/2, 1) }

func (p *Pool) work() {
	defer p.wg.Done()
	for fn := range p.q {
		fn()
	}
}

// Submit queues fn and reports true, or reports false without queueing
// when the queue is full or the pool is closed: the caller then runs fn
// itself.
func (p *Pool) Submit(fn func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	select {
	case p.q <- fn:
		return true
	default:
		return false
	}
}

// Close stops taking work and returns once the queued functions have run.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.q)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
