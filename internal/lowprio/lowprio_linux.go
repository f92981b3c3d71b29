package lowprio

import "golang.org/x/sys/unix"

// lowerThread sets the calling thread's nice value to 19. On Linux the
// value belongs to the thread (its TID), not to the process.
func lowerThread() error {
	return unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
}

// threadNice is the calling thread's nice value.
func threadNice() (int, error) {
	// getpriority returns 20 - nice, so that it is never negative
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	return 20 - p, err
}

// onMainThread reports whether the calling goroutine runs on the
// process's main thread (its thread ID is the process ID).
func onMainThread() bool { return unix.Gettid() == unix.Getpid() }
