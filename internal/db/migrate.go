package db

import (
	"fmt"
	"sort"
	"sync"

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
	ms := Migrations()
	if len(ms) == 0 {
		return nil
	}
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	if DialectOf(g) != Postgres {
		return runMigrations(g, &opts, ms)
	}
	opts.UseTransaction = true
	// Several `fsc migrate` (or instances starting together) take turns: an advisory
	// lock held on one connection for the whole run.
	return g.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(74657301)").Error; err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(74657301)")
		return runMigrations(conn, &opts, ms)
	})
}

func runMigrations(g *gorm.DB, opts *gormigrate.Options, ms []*gormigrate.Migration) error {
	if err := gormigrate.New(g, opts, ms).Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pending returns the ids of registered migrations not yet applied to g.
func Pending(g *gorm.DB) ([]string, error) {
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
	for _, m := range Migrations() {
		if !applied[m.ID] {
			out = append(out, m.ID)
		}
	}
	return out, nil
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
