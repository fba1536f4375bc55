//go:build unix

package db

import (
	"errors"
	"os"
	"syscall"
)

var errLocked = errors.New("locked")

// flock takes f's lock, shared or exclusive, without waiting.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
