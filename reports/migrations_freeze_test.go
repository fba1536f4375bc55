package reports_test

import (
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// TestFreezeMigrationRollsBack: the freeze of exports, adjustments and TRUNCATE rolls
// back to no trigger of its own and applies again (what it refuses is in
// TestBillingRunByHand).
func TestFreezeMigrationRollsBack(t *testing.T) {
	const step = "202612100100_reports_freeze_exports_adjustments"
	g := testenv.DB(t)
	ms := db.Migrations()
	i := slices.IndexFunc(ms, func(m *gormigrate.Migration) bool { return m.ID == step })
	if i < 0 {
		t.Fatalf("migration %s is not registered", step)
	}
	triggers := func() int64 {
		t.Helper()
		var n int64
		q := "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'trg_billing_exports_%' OR name LIKE 'trg_billing_adjustments_%')"
		if db.DialectOf(g) == db.Postgres {
			q = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trg_billing_exports_%' OR tgname LIKE 'trg_billing_adjustments_%' OR tgname LIKE '%_no_truncate'"
		}
		if err := g.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := int64(6) // SQLite: insert, update and delete on each table
	if db.DialectOf(g) == db.Postgres {
		want = 2 + 7 // a row trigger on each table, a TRUNCATE trigger on each frozen table
	}
	if n := triggers(); n != want {
		t.Fatalf("%d triggers after migrating, want %d", n, want)
	}
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	if err := g.Transaction(func(tx *gorm.DB) error { return gormigrate.New(tx, &opts, ms).RollbackMigration(ms[i]) }); err != nil {
		t.Fatalf("roll back %s: %v", step, err)
	}
	if n := triggers(); n != 0 {
		t.Errorf("%d triggers after rolling back, want 0", n)
	}
	if err := db.Migrate(g); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if n := triggers(); n != want {
		t.Errorf("%d triggers after migrating again, want %d", n, want)
	}
}
