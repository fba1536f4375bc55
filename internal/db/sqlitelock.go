package db

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Every process that opens a SQLite database through Open holds a shared lock on the
// file beside it, path + ".lock", until Close; Restore takes it exclusively, so it
// refuses while any fsc has the database open and no fsc opens it while a restore
// replaces the file. The operating system drops the lock of a process that dies.
var sqliteLocks sync.Map // *sql.DB → *os.File

func lockPath(path string) string { return path + ".lock" }

// lockSQLiteShared takes the shared lock of path, before the database is opened.
func lockSQLiteShared(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(lockPath(path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: lock file: %w", path, err)
	}
	if err := flock(f, false); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("open sqlite %s: a restore is replacing it; try again when it has finished", path)
		}
		return nil, fmt.Errorf("open sqlite %s: lock: %w", path, err)
	}
	return f, nil
}

func closeLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// unlockSQLite releases the shared lock held for pool, if any.
func unlockSQLite(pool *sql.DB) {
	if f, ok := sqliteLocks.LoadAndDelete(pool); ok {
		f.(*os.File).Close()
	}
}

// lockSQLiteExclusive takes the lock of path exclusively, or says the database is in
// use.
func lockSQLiteExclusive(path string) (unlock func(), err error) {
	f, err := os.OpenFile(lockPath(path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("restore: lock file: %w", err)
	}
	if err := flock(f, true); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("restore: %s is open in a running fsc; stop every fsc process using it, then restore", path)
		}
		return nil, fmt.Errorf("restore: lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// openSQLiteRaw opens a SQLite file without the shared lock, for Restore's checks.
func openSQLiteRaw(path string) (*gorm.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	g, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(10000)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, err
	}
	return g, nil
}
