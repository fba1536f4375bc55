package inventory_test

import (
	"testing"
)

func TestReorderCheckNotifiesOncePerDay(t *testing.T) {
	f := setup(t)
	f.receive(t, "R-1", "R-2") // tablet reorder level 5: below; strips 10 with none: below
	n, err := f.svc.CheckReorder(f.ctx)
	if err != nil || n != 2 {
		t.Fatalf("first check wrote %d, %v; want 2", n, err)
	}
	if n, err := f.svc.CheckReorder(f.ctx); err != nil || n != 0 {
		t.Fatalf("second check the same day wrote %d, %v; want 0", n, err)
	}
	ns, err := f.svc.ReorderNotices(f.ctx, 10)
	if err != nil || len(ns) != 2 || ns[0].SKU == "" {
		t.Fatalf("notices = %+v, %v", ns, err)
	}
	for _, x := range ns {
		if x.SKU == "TAB-1" && (x.Available != 2 || x.ReorderLevel != 5) {
			t.Fatalf("tablet notice = %+v", x)
		}
	}
}
