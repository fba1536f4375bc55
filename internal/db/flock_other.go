//go:build !unix

package db

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// flock is a no-op where flock(2) does not exist: Restore cannot tell whether the
// database is in use, and the README says to stop fsc first.
func flock(*os.File, bool) error { return nil }
