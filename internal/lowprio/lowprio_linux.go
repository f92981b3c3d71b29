package lowprio

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// lowerThread puts the calling thread in the SCHED_IDLE policy at nice 19.
// On Linux both belong to the thread (its TID), not to the process.
//
// Nice 19 alone is not enough under EEVDF (Linux 6.6 on): a thread of the
// request path that wakes up may wait for a running nice-19 thread to use
// up its slice. A SCHED_IDLE thread is preempted at once by any normal
// thread that wakes on its CPU, and the scheduler counts a CPU that runs
// only SCHED_IDLE threads as idle when it places a waking thread. Where
// SCHED_IDLE is refused (a seccomp filter), nice 19 stays.
func lowerThread() error {
	if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19); err != nil {
		return err
	}
	attr := unix.SchedAttr{Size: uint32(unsafe.Sizeof(unix.SchedAttr{})), Policy: unix.SCHED_IDLE, Nice: 19}
	return unix.SchedSetAttr(0, &attr, 0)
}

// threadNice is the calling thread's nice value.
func threadNice() (int, error) {
	// getpriority returns 20 - nice, so that it is never negative
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	return 20 - p, err
}

// threadPolicy is the calling thread's scheduling policy (unix.SCHED_*).
func threadPolicy() (uint32, error) {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return 0, err
	}
	return attr.Policy, nil
}

// onMainThread reports whether the calling goroutine runs on the
// process's main thread (its thread ID is the process ID).
func onMainThread() bool { return unix.Gettid() == unix.Getpid() }
