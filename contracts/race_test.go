package contracts_test

import (
	"sync"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/testenv"
)

// Racing extensions each use their own option: with three options and eight callers,
// exactly three succeed, each option is used once, and the end moved by all three.
// On PostgreSQL the callers run on separate connections at once; SQLite's single
// writer serialises them.
func TestExtendRace(t *testing.T) {
	f := newFix(t)
	v := f.vendor(t, "Viewcare A/S", "29190925")
	c := f.contract(t, "C-1", v, "2024-01-01", "2025-01-31", 1, 2, 12)
	const callers = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.svc.Extend(f.ctx, c.ID)
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !apperr.Is(err, apperr.KindConflict):
			t.Fatalf("racing extend: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d extends succeeded, want 3", ok)
	}
	got, err := f.svc.GetContract(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 31 Jan 2025 +1 → 28 Feb 2025 +2 → 28 Apr 2025 +12 → 28 Apr 2026.
	if got.EndsOn != d("2026-04-28") || got.ExtensionsLeft != 0 || got.NoticeDeadline != d("2026-01-28") {
		t.Fatalf("after the race: ends %s, deadline %s, left %d", got.EndsOn, got.NoticeDeadline, got.ExtensionsLeft)
	}
	prev := d("2025-01-31")
	for _, e := range got.Extensions {
		if !e.Used() || e.EndsBefore != prev {
			t.Fatalf("option %d = %+v; want used, starting from %s", e.Position, e, prev)
		}
		prev = e.EndsAfter
	}
	if !testenv.OnPostgres() {
		t.Log("SQLite: the callers were serialised by the single writer")
	}
}
