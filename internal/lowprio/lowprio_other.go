//go:build !linux

package lowprio

import "errors"

var errUnsupported = errors.New("lowprio: not supported on this system")

func lowerThread() error { return errUnsupported }

func threadNice() (int, error) { return 0, errUnsupported }

func onMainThread() bool { return false }
