// Package db opens the database (PostgreSQL or an embedded SQLite file) from a URL and
// carries the connection and the current transaction in a context.Context, so that a
// store call joins whatever transaction its caller opened.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Dialect names the SQL dialect behind a connection.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DefaultURL is the embedded default: a SQLite file under ./data.
const DefaultURL = "sqlite://data/fsc.db"

// Open connects to url: "postgres://…" (or "postgresql://…") for PostgreSQL,
// "sqlite://path" or a bare file path for SQLite. It returns an error if the database
// cannot be reached.
func Open(url string) (*gorm.DB, error) {
	if url == "" {
		url = DefaultURL
	}
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		DisableForeignKeyConstraintWhenMigrating: false,
		TranslateError:                           true,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		g, err := gorm.Open(postgres.Open(url), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(40)
		sqlDB.SetMaxIdleConns(40)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return g, nil
	default:
		return openSQLite(strings.TrimPrefix(url, "sqlite://"), cfg)
	}
}

func openSQLite(path string, cfg *gorm.Config) (*gorm.DB, error) {
	var lock *os.File // see sqlitelock.go
	if path != ":memory:" {
		var err error
		if lock, err = lockSQLiteShared(path); err != nil {
			return nil, err
		}
	}
	// _txlock=immediate: every transaction takes the write lock when it begins, so that
	// two processes on one file wait for each other (busy_timeout) instead of failing
	// when a reader tries to become a writer after the other one wrote; inside one
	// process the single connection serialises transactions anyway. busy_timeout comes
	// first: the pragmas run in order, and switching to WAL while another process
	// holds the file failed at once (SQLITE_BUSY) when the timeout was not yet set.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	g, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		closeLock(lock)
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		closeLock(lock)
		return nil, err
	}
	// SQLite has one writer; one connection serialises transactions instead of failing
	// them with SQLITE_BUSY when two try to upgrade to a write lock at once.
	sqlDB.SetMaxOpenConns(1)
	if lock != nil {
		sqliteLocks.Store(sqlDB, lock)
	}
	return g, nil
}

// DialectOf returns the dialect of g.
func DialectOf(g *gorm.DB) Dialect {
	if g.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Close closes the pool behind g.
func Close(g *gorm.DB) {
	if sqlDB, err := g.DB(); err == nil {
		if err := sqlDB.Close(); err != nil {
			slog.Warn("close database", "err", err)
		}
		unlockSQLite(sqlDB)
	}
}

type ctxKey int

const (
	rootKey ctxKey = iota
	txKey
)

type txState struct {
	tx           *gorm.DB
	afterCommit  []func()
	beforeCommit []func(ctx context.Context) error
	locals       map[any]any
}

// NewContext returns ctx carrying the root connection g.
func NewContext(ctx context.Context, g *gorm.DB) context.Context {
	return context.WithValue(ctx, rootKey, g)
}

// Root returns the root connection in ctx, ignoring any transaction. It panics if ctx
// carries none: that is a wiring bug, not a runtime condition.
func Root(ctx context.Context) *gorm.DB {
	g, ok := ctx.Value(rootKey).(*gorm.DB)
	if !ok {
		panic("db: context carries no database; wrap it with db.NewContext")
	}
	return g
}

// Conn returns the transaction in ctx if there is one, else the root connection, bound
// to ctx.
func Conn(ctx context.Context) *gorm.DB {
	if st, ok := ctx.Value(txKey).(*txState); ok {
		return st.tx.WithContext(ctx)
	}
	return Root(ctx).WithContext(ctx)
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey).(*txState)
	return ok
}

// WithTx runs fn in a transaction carried in the ctx it passes to fn. If ctx already
// carries one, fn joins it. The transaction commits when fn returns nil and rolls back
// otherwise; functions registered with AfterCommit run only after a successful commit.
func WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if InTx(ctx) {
		return fn(ctx)
	}
	st := &txState{}
	err := Root(ctx).WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		st.tx = tx
		tctx := context.WithValue(ctx, txKey, st)
		if err := fn(tctx); err != nil {
			return err
		}
		for i := 0; i < len(st.beforeCommit); i++ { // one may register another
			if err := st.beforeCommit[i](tctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range st.afterCommit {
		f()
	}
	return nil
}

// AfterCommit registers f to run once the transaction in ctx has committed. Outside a
// transaction f runs at once.
func AfterCommit(ctx context.Context, f func()) {
	if st, ok := ctx.Value(txKey).(*txState); ok {
		st.afterCommit = append(st.afterCommit, f)
		return
	}
	f()
}

// TxLocal returns the value kept under key for the transaction in ctx, made by mk (and
// then its BeforeCommit hook registered, when mk returns one) on the first call in that
// transaction; ok is false outside a transaction. It lets a package gather work during
// a transaction and do it once at its end, in an order of its choosing (such as
// counters updated in key order, so racing transactions never lock them in a circle).
func TxLocal(ctx context.Context, key any, mk func() (any, func(ctx context.Context) error)) (v any, ok bool) {
	st, ok := ctx.Value(txKey).(*txState)
	if !ok {
		return nil, false
	}
	if v, ok := st.locals[key]; ok {
		return v, true
	}
	if st.locals == nil {
		st.locals = map[any]any{}
	}
	v, before := mk()
	st.locals[key] = v
	if before != nil {
		st.beforeCommit = append(st.beforeCommit, before)
	}
	return v, true
}

// IsUniqueViolation reports whether err is a unique-constraint violation; nil is not.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsNotFound reports whether err is gorm's record-not-found.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// Locking adds the row lock l to q on PostgreSQL, held until the transaction ends.
// SQLite gets none: its single writer already serialises transactions.
func Locking(q *gorm.DB, l clause.Locking) *gorm.DB {
	if DialectOf(q) != Postgres {
		return q
	}
	return q.Clauses(l)
}

// ForUpdate is Locking with FOR UPDATE.
func ForUpdate(q *gorm.DB) *gorm.DB { return Locking(q, clause.Locking{Strength: "UPDATE"}) }
