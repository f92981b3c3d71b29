//go:build linux

package lowprio

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// niceOfThreads is the nice value of each thread of this process
// (/proc/self/task/TID/stat, field 19).
func niceOfThreads(t *testing.T) map[string]int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/self/task/*")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 on
		n, err := strconv.Atoi(f[19-3])
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		out[filepath.Base(d)] = n
	}
	return out
}

func requireLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("this test needs Linux (thread priorities), not %s", runtime.GOOS)
	}
}

func TestGoLowersOnlyItsThreadAndEndsWithIt(t *testing.T) {
	requireLinux(t)
	main := strconv.Itoa(os.Getpid())
	// Several times: a goroutine may start on the main thread, which must
	// never be lowered.
	for range 20 {
		type lowered struct{ tid, nice int }
		got := make(chan lowered, 1)
		release := make(chan struct{})
		ended := make(chan struct{})
		Go(func() {
			defer close(ended)
			n, err := threadNice()
			if err != nil {
				n = -200
			}
			if pol, err := threadPolicy(); err != nil || pol != unix.SCHED_IDLE {
				n = -300 // not in SCHED_IDLE
			}
			got <- lowered{unix.Gettid(), n}
			<-release
		})
		l := <-got
		if l.nice != 19 {
			t.Fatalf("nice of the lowered thread: %d, want 19 in SCHED_IDLE (-300: not SCHED_IDLE)", l.nice)
		}
		tid := strconv.Itoa(l.tid)
		if tid == main {
			t.Fatal("the main thread was lowered")
		}
		if n := niceOfThreads(t)[tid]; n != 19 {
			t.Fatalf("/proc: thread %s at nice %d, want 19", tid, n)
		}
		close(release)
		<-ended
		// The thread ends with its goroutine (it stayed locked), so it
		// runs no other goroutine at low priority.
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, alive := niceOfThreads(t)[tid]; !alive {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("thread %s (nice 19) outlived its goroutine", tid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if n := niceOfThreads(t)[main]; n != 0 {
		t.Fatalf("the main thread is at nice %d", n)
	}
	// This goroutine's own thread is untouched.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if n, err := threadNice(); err != nil || n != 0 {
		t.Fatalf("nice of an ordinary thread: %d, %v", n, err)
	}
	if pol, err := threadPolicy(); err != nil || pol != unix.SCHED_NORMAL {
		t.Fatalf("policy of an ordinary thread: %d, %v", pol, err)
	}
}

func TestPoolRunsAtLowPriority(t *testing.T) {
	requireLinux(t)
	p := NewPool(2, 8)
	defer p.Close()
	var mu sync.Mutex
	var nices []int
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		if !p.Submit(func() {
			defer wg.Done()
			n, err := threadNice()
			if err != nil {
				n = -1
			}
			if pol, err := threadPolicy(); err != nil || pol != unix.SCHED_IDLE {
				n = -2 // not in SCHED_IDLE
			}
			mu.Lock()
			nices = append(nices, n)
			mu.Unlock()
		}) {
			t.Fatal("Submit refused with room in the queue")
		}
	}
	wg.Wait()
	for _, n := range nices {
		if n != 19 {
			t.Fatalf("work ran at nice %d, want 19 in SCHED_IDLE (-2: not SCHED_IDLE) (%v)", n, nices)
		}
	}
}

func TestPoolSubmitRefusesWhenFullOrClosed(t *testing.T) {
	p := NewPool(1, 2)
	block := make(chan struct{})
	started := make(chan struct{})
	if !p.Submit(func() { close(started); <-block }) {
		t.Fatal("first Submit refused")
	}
	<-started // the worker holds it; the queue is empty
	ran := make(chan int, 4)
	for i := range 2 {
		if !p.Submit(func() { ran <- i }) {
			t.Fatalf("Submit %d refused with room in the queue", i)
		}
	}
	if p.Submit(func() { ran <- 99 }) {
		t.Fatal("Submit accepted beyond the queue's depth: the caller must run it itself")
	}
	close(block)
	p.Close() // runs what was queued
	if len(ran) != 2 {
		t.Fatalf("Close returned with %d of 2 queued functions run", len(ran))
	}
	if p.Submit(func() {}) {
		t.Fatal("Submit accepted after Close")
	}
}
