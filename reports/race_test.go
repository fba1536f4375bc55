package reports_test

import (
	"sync"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/reports"
)

// TestRaceStartAndFinalize: many finance users starting the same month get one run,
// and many finalising it at once finalise it once; on PostgreSQL the goroutines really
// race (the period lock and the run's row lock decide).
func TestRaceStartAndFinalize(t *testing.T) {
	f := newBillingFix(t)
	const n = 16
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := f.svc.StartRun(f.as(finance), "2026-03")
			errs[i] = err
			if err == nil {
				ids[i] = r.ID
			}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("start %d got run %d, start 0 run %d", i, ids[i], ids[0])
		}
	}
	var runs int64
	db.Conn(f.ctx).Model(&reports.Run{}).Where("period = ?", "2026-03").Count(&runs)
	if runs != 1 {
		t.Fatalf("%d runs of the month, want 1", runs)
	}
	f.must(f.svc.ComputeRun(f.ctx, ids[0]))
	var ok, conflicts int
	var mu sync.Mutex
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Finalize(f.as(finance), ids[0])
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.KindConflict):
				conflicts++
			default:
				t.Errorf("finalise: %v", err)
			}
		}()
	}
	// Adjustments of the month race the finalising: each is taken before it or refused
	// with 409 after it, never by the freeze trigger as a 500.
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.CreateAdjustment(f.as(finance), reports.NewAdjustment{MemberID: f.a, Period: "2026-03", AmountOre: 100, Description: "race"})
			if err != nil && !apperr.Is(err, apperr.KindConflict) {
				t.Errorf("adjustment racing the finalising: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || conflicts != n-1 {
		t.Errorf("%d finalised and %d conflicts, want 1 and %d", ok, conflicts, n-1)
	}
	var outbox int64
	db.Conn(f.ctx).Table("outbox").Where("type = ?", reports.TypeExportRun).Count(&outbox)
	if outbox != 1 {
		t.Errorf("%d export tasks, want 1", outbox)
	}

	// Deliveries of the export task at once write the export once, and none fails on
	// the freeze of the written export (they take turns on the run's row).
	errs = make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = f.svc.ExportRun(f.ctx, ids[0])
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("export %d: %v", i, err)
		}
	}
	var files int64
	db.Conn(f.ctx).Table("billing_exports").Where("run_id = ?", ids[0]).Count(&files)
	if files != 3+1 {
		t.Errorf("%d export files, want 3 invoices and the workbook", files)
	}
}
