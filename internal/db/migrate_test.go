package db_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Two migrations of the tests' own, sorting after every real one: a table, then a row
// in it. The row count tells how often the second step ran.
const (
	probeTableID  = "299901010000_dbtest_probe_table"
	probeInsertID = "299901010001_dbtest_probe_insert"
)

func init() {
	type migrationProbe struct {
		ID   int64 `gorm:"primaryKey"`
		Note string
	}
	db.Register(
		&gormigrate.Migration{ID: probeTableID, Migrate: func(tx *gorm.DB) error {
			return db.CreateTables(tx, db.Table{Name: "migration_probes", Model: &migrationProbe{}})
		}},
		&gormigrate.Migration{ID: probeInsertID, Migrate: func(tx *gorm.DB) error {
			return tx.Table("migration_probes").Create(&migrationProbe{Note: "applied"}).Error
		}},
	)
}

func migrationIDs() []string {
	var ids []string
	for _, m := range db.Migrations() {
		ids = append(ids, m.ID)
	}
	return ids
}

func openEmpty(t *testing.T) *gorm.DB {
	t.Helper()
	g, err := db.Open(testenv.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(g) })
	return g
}

func appliedIDs(t *testing.T, g *gorm.DB) []string {
	t.Helper()
	var ids []string
	if err := g.Table("schema_migrations").Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func probeRows(t *testing.T, g *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := g.Table("migration_probes").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrationsAreSortedAndIncludeEveryPackage(t *testing.T) {
	ids := migrationIDs()
	if !slices.IsSorted(ids) {
		t.Fatalf("Migrations() not in id order: %v", ids)
	}
	// testenv links audit, auth and jobs; their tables must be among the steps.
	for _, want := range []string{"202611220010_audit_entries", "202611220020_auth_users_tokens", "202611220030_jobs_outbox", probeTableID} {
		if !slices.Contains(ids, want) {
			t.Errorf("migration %s not registered", want)
		}
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering an id twice did not panic")
		}
	}()
	db.Register(&gormigrate.Migration{ID: probeTableID, Migrate: func(*gorm.DB) error { return nil }})
}

func TestMigrateIsIdempotentAndPendingReportsUnapplied(t *testing.T) {
	g := openEmpty(t)
	all := migrationIDs()
	pending, err := db.Pending(g)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pending, all) {
		t.Fatalf("Pending on an empty database = %v, want every migration %v", pending, all)
	}
	for run := 1; run <= 3; run++ {
		if err := db.Migrate(g); err != nil {
			t.Fatalf("Migrate run %d: %v", run, err)
		}
		if got := appliedIDs(t, g); !slices.Equal(got, all) {
			t.Fatalf("after run %d applied = %v, want %v", run, got, all)
		}
		if n := probeRows(t, g); n != 1 {
			t.Fatalf("after run %d the probe step ran %d times, want once", run, n)
		}
		if pending, err := db.Pending(g); err != nil || len(pending) != 0 {
			t.Fatalf("Pending after run %d = %v, %v; want none", run, pending, err)
		}
	}

}

// A database migrated by an older binary (the steps up to some id) has the rest
// pending, and Migrate applies exactly those.
func TestPendingAfterPartialMigration(t *testing.T) {
	g := openEmpty(t)
	all := migrationIDs()
	upTo := slices.Index(all, probeTableID)
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	if err := gormigrate.New(g, &opts, db.Migrations()).MigrateTo(probeTableID); err != nil {
		t.Fatal(err)
	}
	pending, err := db.Pending(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := all[upTo+1:]; !slices.Equal(pending, want) {
		t.Fatalf("Pending = %v, want %v", pending, want)
	}
	if n := probeRows(t, g); n != 0 {
		t.Fatalf("probe rows before Migrate = %d, want 0", n)
	}
	if err := db.Migrate(g); err != nil {
		t.Fatal(err)
	}
	if n := probeRows(t, g); n != 1 {
		t.Fatalf("probe rows after Migrate = %d, want 1", n)
	}
	if pending, err := db.Pending(g); err != nil || len(pending) != 0 {
		t.Fatalf("Pending after Migrate = %v, %v; want none", pending, err)
	}
}

// Instances starting together each run Apply (on SQLite: separate connections to one
// file, as separate processes have); every step is applied once, none of them fails,
// and each reports only the steps it applied itself, so their counts add up to the
// total (three concurrent `fsc migrate` each logged applied=12).
func TestConcurrentApplyAppliesEachStepOnce(t *testing.T) {
	url := testenv.URL(t)
	const instances = 6
	gs := make([]*gorm.DB, instances)
	for i := range gs {
		g, err := db.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(g) })
		gs[i] = g
	}
	start := make(chan struct{})
	errs := make([]error, instances)
	applied := make([][]string, instances)
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = db.Apply(g)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	var all []string
	for _, a := range applied {
		all = append(all, a...)
	}
	slices.Sort(all)
	if !slices.Equal(all, migrationIDs()) {
		t.Fatalf("the instances report applying %v together, want each step once: %v", applied, migrationIDs())
	}
	if got := appliedIDs(t, gs[0]); !slices.Equal(got, migrationIDs()) {
		t.Fatalf("applied = %v, want %v", got, migrationIDs())
	}
	if n := probeRows(t, gs[0]); n != 1 {
		t.Fatalf("the probe step ran %d times, want once", n)
	}
}
