//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f without waiting; the lock
// goes with the file's descriptor (released when it is closed, or when
// the process ends).
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errJournalLocked
	}
	if err != nil {
		return fmt.Errorf("store: lock the audit journal: %w", err)
	}
	return nil
}
