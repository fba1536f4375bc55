package reports_test

import (
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/reports"
)

// TestRunWritesWords: every line and unbilled item a run computes has a code whose
// arguments say its English text again, so the pages lose nothing by saying the code.
func TestRunWritesWords(t *testing.T) {
	f := newBillingFix(t)
	// A scheme no one takes part in: its pool cannot be split.
	empty := f.scheme("EMPTY")
	_, err := f.svc.CreateCostPool(f.as(finance), reports.NewCostPool{SchemeID: empty, Period: "2026-03", Name: "Tom", AmountOre: 500, AllocationKeyID: f.k2})
	f.must(err)
	run := f.runTo(t, "2026-03")
	codes := map[string]bool{}
	for _, m := range []int64{f.a, f.b, f.r} {
		for _, l := range f.statement(t, run.ID, m).Lines {
			w := l.Words()
			codes[w.Code] = true
			if w.Code == "" || w.Text() != l.Description {
				t.Errorf("line %q: code %q with args %q says %q", l.Description, w.Code, w.Args, w.Text())
			}
		}
	}
	for _, u := range run.Unbilled {
		w := u.Words()
		codes[w.Code] = true
		if w.Code == "" || w.Text() != u.Reason {
			t.Errorf("unbilled %q: code %q with args %q says %q", u.Reason, w.Code, w.Args, w.Text())
		}
	}
	for _, c := range []string{reports.LineUsage, reports.LineEvent, reports.LineConsumable, reports.LineShared, reports.LineSharedFixed,
		reports.LineAdjustment, reports.UnbilledNoMonthlyPrice, reports.UnbilledNoEventPrice, reports.UnbilledNoSplit} {
		if !codes[c] {
			t.Errorf("no line or item of code %s (got %v)", c, codes)
		}
	}
	st := f.statement(t, run.ID, f.a)
	if got, want := st.Lines[0].Description, "Produkt TAB-1 (TAB-1): 30 device-days at 499.00 kr. a month ÷ 31 days, contract C1"; got != want {
		t.Errorf("usage line %q, want %q", got, want)
	}
	if got := st.Lines[0].DescriptionArgs; len(got) != 5 || got[1] != "30" || got[2] != "49900" {
		t.Errorf("usage line args %q, want the device-days and øre", got)
	}
}

// TestOldBillingRowsKeepTheirText: the migration that adds the codes runs with a
// finalised run in place (its rows frozen by the triggers), leaves the rows as they
// were, without a code, and the freeze still holds.
func TestOldBillingRowsKeepTheirText(t *testing.T) {
	g := testenv.DBBefore(t, "202612110900_reports_billing_words")
	exec := func(q string, args ...any) {
		t.Helper()
		if err := g.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec("INSERT INTO billing_runs (id, period, status, created_by, created_at) VALUES (1, '2026-01', 'draft', 'a', ?)", time.Now().UTC())
	exec(`INSERT INTO billing_lines (run_id, member_id, seq, kind, description, quantity, unit_ore, amount_ore, basis, event)
		VALUES (1, 7, 1, 'event', 'shipment: 1 × 75.00 kr., contract C1', 1, 7500, 7500, '{}', 'shipment')`)
	exec(`INSERT INTO billing_unbilled (run_id, seq, kind, quantity, reason, event) VALUES (1, 1, 'event', 1, '1 × ticket: no contract of the member prices the event', 'ticket')`)
	exec("UPDATE billing_runs SET status = 'finalized' WHERE id = 1")
	if err := db.Migrate(g); err != nil {
		t.Fatal(err)
	}
	var l reports.Line
	if err := g.Where("run_id = 1").Take(&l).Error; err != nil {
		t.Fatal(err)
	}
	if l.Description != "shipment: 1 × 75.00 kr., contract C1" || l.Words().Code != "" || len(l.DescriptionArgs) != 0 {
		t.Errorf("old line %q, code %q, args %q", l.Description, l.DescriptionCode, l.DescriptionArgs)
	}
	var u reports.Unbilled
	if err := g.Where("run_id = 1").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	if u.Reason != "1 × ticket: no contract of the member prices the event" || u.Words().Code != "" {
		t.Errorf("old item %q, code %q", u.Reason, u.ReasonCode)
	}
	for _, q := range []string{
		"UPDATE billing_lines SET description_code = 'event' WHERE run_id = 1",
		"UPDATE billing_unbilled SET reason_code = 'no_event_price' WHERE run_id = 1",
	} {
		if err := g.Exec(q).Error; err == nil {
			t.Errorf("the database let through %s", q)
		}
	}
}
