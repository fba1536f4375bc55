package inventory_test

import (
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// The notices of the old reorder_notices table move to the notices table: the
// dashboard lists them as before, and the day's check does not raise them again.
func TestReorderNoticesMoveToNotices(t *testing.T) {
	g := testenv.DBBefore(t, "202612010210_inventory_reorder_notices_to_notices")
	now := time.Now().UTC()
	if err := g.Exec("INSERT INTO products (id, sku, name, category, tracking, reorder_level, created_at) VALUES (1, 'TAB-1', 'Tablet', 'tablet', 'serial', 5, ?)", now).Error; err != nil {
		t.Fatal(err)
	}
	err := g.Exec("INSERT INTO reorder_notices (product_id, day, available, reorder_level, created_at) VALUES (1, ?, 0, 5, ?)", civil.Today(), now).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(g); err != nil {
		t.Fatal(err)
	}
	if g.Migrator().HasTable("reorder_notices") {
		t.Fatal("reorder_notices still there")
	}
	ctx := testenv.As(testenv.Context(t, g), auth.Principal{UserID: 1, Name: "a", Role: auth.RoleAdmin})
	svc := inventory.NewService(nil)
	ns, err := svc.ReorderNotices(ctx, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notices = %+v, %v", ns, err)
	}
	if n := ns[0]; n.SKU != "TAB-1" || n.Name != "Tablet" || n.Available != 0 || n.ReorderLevel != 5 || n.ProductID != 1 || n.Day != civil.Today() {
		t.Fatalf("moved notice = %+v", n)
	}
	if n, err := svc.CheckReorder(ctx); err != nil || n != 0 {
		t.Fatalf("today's check after the move raised %d, %v; want 0", n, err)
	}
}
