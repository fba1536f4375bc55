package db

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

var (
	regMu      sync.Mutex
	registered = map[string]*gormigrate.Migration{}
)

// Register adds versioned migrations; each package that owns tables calls it from
// init. IDs start with a timestamp (YYYYMMDDhhmm_name) so that sorting by ID applies
// them in the order they were written, which respects the one-way package order.
func Register(ms ...*gormigrate.Migration) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, m := range ms {
		if _, dup := registered[m.ID]; dup {
			panic("db: migration registered twice: " + m.ID)
		}
		registered[m.ID] = m
	}
}

// Migrations returns every registered migration in the order they apply.
func Migrations() []*gormigrate.Migration {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]*gormigrate.Migration, 0, len(registered))
	for _, m := range registered {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Migrate applies every registered migration not yet recorded in the migrations table.
func Migrate(g *gorm.DB) error {
	_, err := Apply(g)
	return err
}

// Apply is Migrate, and returns the ids of the migrations this call applied: those
// still pending once it held the lock, so that of several runs at once each reports its
// own work, not what was pending when it started.
func Apply(g *gorm.DB) ([]string, error) {
	ms := Migrations()
	if len(ms) == 0 {
		return nil, nil
	}
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	var applied []string
	run := func(conn *gorm.DB) error {
		var err error
		// A session of its own: chaining on conn itself would leave the query's table
		// and destination in conn's statement for gormigrate to trip over.
		if applied, err = pendingOf(conn.Session(&gorm.Session{}), ms); err != nil {
			return err
		}
		return runMigrations(conn, &opts, ms)
	}
	if DialectOf(g) != Postgres {
		// One transaction, which on SQLite holds the write lock from its start
		// (_txlock=immediate): two processes opening one file take turns, and a failed
		// step leaves nothing half-applied.
		// defer_foreign_keys: PRAGMA foreign_keys cannot change inside a transaction, so
		// a step that rebuilds a referenced table has its references checked at commit.
		err := g.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("PRAGMA defer_foreign_keys = ON").Error; err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			return run(tx)
		})
		if err != nil {
			return nil, err
		}
		return applied, nil
	}
	opts.UseTransaction = true
	// Several `fsc migrate` (or instances starting together) take turns: an advisory
	// lock held on one connection for the whole run.
	err := g.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(74657301)").Error; err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(74657301)")
		return run(conn)
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

func runMigrations(g *gorm.DB, opts *gormigrate.Options, ms []*gormigrate.Migration) error {
	if err := gormigrate.New(g, opts, ms).Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pending returns the ids of registered migrations not yet applied to g.
func Pending(g *gorm.DB) ([]string, error) { return pendingOf(g, Migrations()) }

func pendingOf(g *gorm.DB, ms []*gormigrate.Migration) ([]string, error) {
	applied := map[string]bool{}
	if g.Migrator().HasTable("schema_migrations") {
		var ids []string
		if err := g.Table("schema_migrations").Pluck("id", &ids).Error; err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		for _, id := range ids {
			applied[id] = true
		}
	}
	var out []string
	for _, m := range ms {
		if !applied[m.ID] {
			out = append(out, m.ID)
		}
	}
	return out, nil
}

// WaitMigrated returns once g has no pending migration, checking every poll, logging
// how many are pending each time it is still waiting (that is: while `fsc migrate` runs
// elsewhere, or before it was started). It returns an error naming the first pending
// migration when wait has passed or ctx ends.
func WaitMigrated(ctx context.Context, g *gorm.DB, wait, poll time.Duration) error {
	deadline := time.Now().Add(wait)
	logged := time.Time{}
	for {
		pending, err := Pending(g)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("database has %d unapplied migrations (first: %s) after waiting %s; run `fsc migrate`", len(pending), pending[0], wait)
		}
		if time.Since(logged) >= 10*time.Second {
			slog.Warn(fmt.Sprintf("waiting for migrations: %d pending; run fsc migrate", len(pending)),
				"pending", len(pending), "first", pending[0], "wait", wait)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for migrations: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
}

// Table names a snapshot model for a migration step, so the step keeps creating the
// same table whatever the live types become.
type Table struct {
	Name  string
	Model any
}

// CreateTables creates each table in order (referenced tables first), stopping at the
// first error.
func CreateTables(tx *gorm.DB, tables ...Table) error {
	for _, t := range tables {
		if err := tx.Table(t.Name).Migrator().CreateTable(t.Model); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
	}
	return nil
}

// ExecAll runs the statements of a migration step in order on tx, and stops at the
// first that fails, naming it.
func ExecAll(tx *gorm.DB, stmts ...string) error {
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
