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
	opts.UseTransaction = DialectOf(g) == Postgres
	m := gormigrate.New(g, &opts, ms)
	if err := m.Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
