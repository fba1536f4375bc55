package reports_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/webhook"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/reports"
)

// lineSig is what a line says, without ids.
func lineSig(l reports.Line) string {
	return fmt.Sprintf("%s|%s|%d|%d|%d|%s", l.Kind, l.Event, l.Quantity, l.UnitOre, l.AmountOre, l.Description)
}

func (f *billingFix) runTo(t *testing.T, period string) *reports.Run {
	t.Helper()
	run, err := f.svc.StartRun(f.as(finance), period)
	f.must(err)
	if run.Status != reports.RunComputing {
		t.Fatalf("new run %s, want computing", run.Status)
	}
	f.must(f.svc.ComputeRun(f.ctx, run.ID))
	run, err = f.svc.GetRun(f.as(finance), run.ID)
	f.must(err)
	return run
}

func (f *billingFix) statement(t *testing.T, run, member int64) *reports.Statement {
	t.Helper()
	st, err := f.svc.Statement(f.as(finance), run, member)
	f.must(err)
	var sum int64
	for _, l := range st.Lines {
		sum += l.AmountOre
	}
	if sum != st.TotalOre {
		t.Errorf("member %d: lines add up to %d, total %d", member, sum, st.TotalOre)
	}
	return st
}

// TestBillingRunByHand checks every line of March 2026 against figures worked out by
// hand (the comments), the unbilled items, the freeze, and the exports.
func TestBillingRunByHand(t *testing.T) {
	f := newBillingFix(t)
	run := f.runTo(t, "2026-03")
	if run.Status != reports.RunDraft {
		t.Fatalf("run %s (%s), want draft", run.Status, run.Error)
	}
	want := map[int64][]string{
		f.a: {
			// 30 device-days at 499,00 (a1 1st–20th, a2 11th–20th), 22 at 529,00 (both 21st–31st), of 31 days.
			"usage||30|49900|48290|", // 49900 × 30 ÷ 31 = 48290.32
			"usage||22|52900|37542|", // 52900 × 22 ÷ 31 = 37541.94
			"event|shipment|1|7500|7500|",
			"event|ticket|1|10000|10000|",
			"consumable||30|1200|36000|",
			"shared||1|333334|333334|", // 1/3 of 1.000.001 = 333333.67, +1 øre (remainder .67)
			"shared||1|432|432|",       // 254/588 of 1000 = 431.97, +1
			"adjustment||1|-1500|-1500|Kredit for februar",
		},
		f.b: {
			"usage||15|49900|24145|", // 49900 × 15 ÷ 31 = 24145.16
			"event|cleaning|1|2500|2500|",
			"event|pickup|1|5000|5000|",
			"shared||1|166667|166667|", // 1/6 of 1.000.001 = 166666.83, +1
			"shared||1|243|243|",       // 143/588 of 1000 = 243.20
		},
		f.r: {
			"shared||1|500000|500000|", // 1/2 of 1.000.001 = 500000.5, no øre left for it
			"shared||1|325|325|",       // 191/588 of 1000 = 324.83, +1
		},
	}
	totals := map[int64]int64{f.a: 471598, f.b: 198555, f.r: 500325}
	for m, lines := range want {
		st := f.statement(t, run.ID, m)
		if st.TotalOre != totals[m] {
			t.Errorf("member %s total %d, want %d", st.MemberCode, st.TotalOre, totals[m])
		}
		if len(st.Lines) != len(lines) {
			t.Errorf("member %s: %d lines, want %d", st.MemberCode, len(st.Lines), len(lines))
		}
		for i, l := range st.Lines {
			if i >= len(lines) {
				break
			}
			sig := lineSig(l)
			w := lines[i]
			if !strings.HasPrefix(sig, w) || (strings.HasSuffix(w, "|") == false && sig != w) {
				t.Errorf("member %s line %d: %s, want %s", st.MemberCode, i+1, sig, w)
			}
			if l.Kind != reports.KindShared && l.Kind != reports.KindAdjustment && (l.ContractID == nil || *l.ContractID != f.c1) {
				t.Errorf("line %s names contract %v, want %d", sig, l.ContractID, f.c1)
			}
			if l.Kind == reports.KindShared && (l.CostPoolID == nil || l.SchemeID == nil || *l.SchemeID != f.s || !strings.Contains(string(l.Basis), `"fraction"`)) {
				t.Errorf("shared line %s without its pool, scheme or basis: %s", sig, l.Basis)
			}
		}
	}
	if run.TotalOre != 471598+198555+500325 {
		t.Errorf("run total %d", run.TotalOre)
	}
	if len(run.Statements) != 3 || run.Statements[0].MemberCode != "101" || run.Statements[2].MemberCode != "900" {
		t.Errorf("statements %+v", run.Statements)
	}
	// Not billed: R's 31 device-days (no contract of R), B's ticket before the price.
	var unb []string
	for _, u := range run.Unbilled {
		unb = append(unb, fmt.Sprintf("%s/%s/%d", u.Kind, u.Event, u.Quantity))
	}
	if got := strings.Join(unb, " "); got != "usage//31 event/ticket/1" {
		t.Errorf("unbilled %q, want R's usage and B's early ticket", got)
	}

	// Recomputing an unchanged month gives the same lines and the same workbook.
	var wb1 bytes.Buffer
	f.must(f.svc.WriteWorkbook(f.ctx, run, &wb1))
	before := f.statement(t, run.ID, f.a)
	_, err := f.svc.Recompute(f.as(finance), run.ID)
	f.must(err)
	f.must(f.svc.ComputeRun(f.ctx, run.ID))
	f.must(f.svc.ComputeRun(f.ctx, run.ID)) // a second delivery of the task does nothing
	run, err = f.svc.GetRun(f.as(finance), run.ID)
	f.must(err)
	if run.Computations != 2 {
		t.Errorf("computations %d, want 2", run.Computations)
	}
	after := f.statement(t, run.ID, f.a)
	for i := range before.Lines {
		if lineSig(before.Lines[i]) != lineSig(after.Lines[i]) || before.Lines[i].Basis != after.Lines[i].Basis {
			t.Errorf("line %d changed on recompute: %s → %s", i, lineSig(before.Lines[i]), lineSig(after.Lines[i]))
		}
	}
	var wb2 bytes.Buffer
	f.must(f.svc.WriteWorkbook(f.ctx, run, &wb2))
	if !bytes.Equal(wb1.Bytes(), wb2.Bytes()) {
		t.Error("the workbook of a recomputed unchanged month differs")
	}

	// Finalise: frozen for good.
	if _, _, err := f.svc.Workbook(f.as(finance), run.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("workbook of a draft: %v, want Conflict", err)
	}
	// An integration's webhook on finalised runs gets a delivery from the finalising
	// transaction.
	hooks := webhook.NewService()
	hooks.AllowPrivate = true
	_, err = hooks.Create(f.as(auth.Principal{Name: "admin", Role: auth.RoleAdmin}),
		webhook.NewSubscription{URL: "http://127.0.0.1:9/finance", Events: []string{webhook.BillingRunFinalized}})
	f.must(err)
	run, err = f.svc.Finalize(f.as(finance), run.ID)
	f.must(err)
	if run.Status != reports.RunFinalized {
		t.Fatalf("finalised run is %s", run.Status)
	}
	var deliveries int64
	f.must(db.Conn(f.ctx).Table("webhook_deliveries").Where("event = ?", webhook.BillingRunFinalized).Count(&deliveries).Error)
	if deliveries != 1 {
		t.Fatalf("%d billing_run.finalized deliveries after finalising, want 1", deliveries)
	}
	if _, err := f.svc.Finalize(f.as(finance), run.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("finalise twice: %v, want Conflict", err)
	}
	if _, err := f.svc.Recompute(f.as(finance), run.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("recompute a finalised run: %v, want Conflict", err)
	}
	if _, err := f.svc.StartRun(f.as(finance), "2026-03"); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("a second run of a finalised month: %v, want Conflict", err)
	}
	if _, err := f.svc.CreateAdjustment(f.as(finance), reports.NewAdjustment{MemberID: f.a, Period: "2026-03", AmountOre: 100, Description: "x"}); !apperr.Is(err, apperr.KindConflict) {
		t.Errorf("adjustment of a finalised month: %v, want Conflict", err)
	}
	conn := db.Conn(f.ctx)
	for _, sql := range []string{
		fmt.Sprintf("UPDATE billing_lines SET amount_ore = 0 WHERE run_id = %d", run.ID),
		fmt.Sprintf("DELETE FROM billing_lines WHERE run_id = %d", run.ID),
		fmt.Sprintf("INSERT INTO billing_lines (run_id, member_id, seq, kind, description, quantity, unit_ore, amount_ore, basis, event) VALUES (%d, %d, 99, 'adjustment', 'x', 1, 1, 1, '{}', '')", run.ID, f.a),
		fmt.Sprintf("UPDATE billing_statements SET total_ore = 0 WHERE run_id = %d", run.ID),
		fmt.Sprintf("DELETE FROM billing_device_days WHERE run_id = %d", run.ID),
		fmt.Sprintf("UPDATE billing_runs SET total_ore = 0 WHERE id = %d", run.ID),
		fmt.Sprintf("UPDATE billing_runs SET status = 'draft' WHERE id = %d", run.ID),
		fmt.Sprintf("DELETE FROM billing_runs WHERE id = %d", run.ID),
	} {
		if err := conn.Exec(sql).Error; err == nil {
			t.Errorf("the database let through %s", sql)
		}
	}
	if st := f.statement(t, run.ID, f.a); st.TotalOre != 471598 || len(st.Lines) != 8 {
		t.Errorf("finalised statement changed: %d in %d lines", st.TotalOre, len(st.Lines))
	}

	// Exports: written once by the job, the workbook byte for byte what the run gives.
	if _, ready, err := f.svc.Workbook(f.as(finance), run.ID); err != nil || ready {
		t.Errorf("workbook before the export job: ready %v, %v", ready, err)
	}
	f.must(f.svc.ExportRun(f.ctx, run.ID))
	f.must(f.svc.ExportRun(f.ctx, run.ID))
	stored, ready, err := f.svc.Workbook(f.as(finance), run.ID)
	f.must(err)
	if !ready || !bytes.Equal(stored, wb1.Bytes()) {
		t.Errorf("stored workbook (ready %v, %d bytes) differs from the draft's (%d bytes)", ready, len(stored), wb1.Len())
	}
	x, ready, err := f.svc.Invoice(f.as(finance), run.ID, f.a)
	f.must(err)
	if !ready {
		t.Fatal("invoice not ready")
	}
	checkInvoice(t, x, "Invoice", "4715.98", "1179.00", "5894.98", 8) // VAT 117899.5 → 117900

	// The exports and the adjustments the finalised run carried are frozen too, against
	// any SQL through the application's connection, and so is every frozen table
	// against TRUNCATE (PostgreSQL; SQLite has none, and its DELETE fires the row
	// triggers above).
	adjs, err := f.svc.ListAdjustments(f.as(finance), "2026-03")
	f.must(err)
	if len(adjs) != 1 {
		t.Fatalf("%d adjustments of 2026-03, want 1", len(adjs))
	}
	open, err := f.svc.CreateAdjustment(f.as(finance), reports.NewAdjustment{MemberID: f.b, Period: "2026-04", AmountOre: 700, Description: "Gebyr"})
	f.must(err)
	frozen := []string{
		fmt.Sprintf("UPDATE billing_exports SET data = data WHERE run_id = %d", run.ID),
		fmt.Sprintf("UPDATE billing_exports SET name = 'invoice:0' WHERE run_id = %d AND name = 'workbook'", run.ID),
		fmt.Sprintf("DELETE FROM billing_exports WHERE run_id = %d AND name = 'invoice:%d'", run.ID, f.a),
		fmt.Sprintf("DELETE FROM billing_exports WHERE run_id = %d", run.ID),
		// Written once: nothing is added to a finalised run's export after its workbook.
		fmt.Sprintf("INSERT INTO billing_exports (run_id, name, data, created_at) VALUES (%d, 'invoice:0', 'x', CURRENT_TIMESTAMP)", run.ID),
		fmt.Sprintf("UPDATE billing_adjustments SET amount_ore = 0 WHERE id = %d", adjs[0].ID),
		fmt.Sprintf("UPDATE billing_adjustments SET period = '2026-04' WHERE id = %d", adjs[0].ID),
		fmt.Sprintf("UPDATE billing_adjustments SET period = '2026-03' WHERE id = %d", open.ID),
		fmt.Sprintf("DELETE FROM billing_adjustments WHERE id = %d", adjs[0].ID),
		"DELETE FROM billing_adjustments",
		fmt.Sprintf("INSERT INTO billing_adjustments (member_id, period, amount_ore, description, created_by, created_at) VALUES (%d, '2026-03', 100, 'x', 'sql', CURRENT_TIMESTAMP)", f.a),
	}
	if db.DialectOf(conn) == db.Postgres {
		for _, tb := range []string{"billing_lines", "billing_statements", "billing_unbilled", "billing_device_days", "billing_exports", "billing_adjustments"} {
			frozen = append(frozen, "TRUNCATE "+tb)
		}
		frozen = append(frozen, "TRUNCATE billing_runs CASCADE")
	}
	for _, sql := range frozen {
		if err := conn.Exec(sql).Error; err == nil {
			t.Errorf("the database let through %s", sql)
		}
	}
	if again, _, err := f.svc.Invoice(f.as(finance), run.ID, f.a); err != nil || !bytes.Equal(again, x) {
		t.Errorf("stored invoice changed (%v)", err)
	}
	if got, _, err := f.svc.Workbook(f.as(finance), run.ID); err != nil || !bytes.Equal(got, stored) {
		t.Errorf("stored workbook changed (%v)", err)
	}
	if adjs2, err := f.svc.ListAdjustments(f.as(finance), "2026-03"); err != nil || len(adjs2) != 1 || adjs2[0].AmountOre != adjs[0].AmountOre {
		t.Errorf("adjustments of the finalised month: %+v (%v)", adjs2, err)
	}
	if st := f.statement(t, run.ID, f.a); st.TotalOre != 471598 || len(st.Lines) != 8 {
		t.Errorf("finalised statement changed: %d in %d lines", st.TotalOre, len(st.Lines))
	}
	// An open month's adjustment still changes.
	for _, sql := range []string{
		fmt.Sprintf("UPDATE billing_adjustments SET amount_ore = 800 WHERE id = %d", open.ID),
		fmt.Sprintf("DELETE FROM billing_adjustments WHERE id = %d", open.ID),
	} {
		f.must(conn.Exec(sql).Error)
	}
}

// checkInvoice parses an OIOUBL document and checks its pinned elements and totals.
func checkInvoice(t *testing.T, x []byte, root, lineExt, vat, payable string, lines int) {
	t.Helper()
	var doc struct {
		XMLName         xml.Name
		UBLVersionID    string `xml:"UBLVersionID"`
		CustomizationID string `xml:"CustomizationID"`
		ProfileID       string `xml:"ProfileID"`
		InvoiceTypeCode string `xml:"InvoiceTypeCode"`
		Currency        string `xml:"DocumentCurrencyCode"`
		Supplier        struct {
			Endpoint struct {
				Scheme string `xml:"schemeID,attr"`
				Value  string `xml:",chardata"`
			} `xml:"Party>EndpointID"`
		} `xml:"AccountingSupplierParty"`
		Customer struct {
			Endpoint struct {
				Scheme string `xml:"schemeID,attr"`
				Value  string `xml:",chardata"`
			} `xml:"Party>EndpointID"`
		} `xml:"AccountingCustomerParty"`
		TaxAmount string `xml:"TaxTotal>TaxAmount"`
		Total     struct {
			LineExtension string `xml:"LineExtensionAmount"`
			Payable       string `xml:"PayableAmount"`
		} `xml:"LegalMonetaryTotal"`
		InvoiceLines []struct {
			Amount string `xml:"LineExtensionAmount"`
		} `xml:"InvoiceLine"`
		CreditLines []struct {
			Amount string `xml:"LineExtensionAmount"`
		} `xml:"CreditNoteLine"`
	}
	if err := xml.Unmarshal(x, &doc); err != nil {
		t.Fatalf("invoice XML: %v\n%s", err, x)
	}
	ns := "urn:oasis:names:specification:ubl:schema:xsd:" + root + "-2"
	if doc.XMLName.Local != root || doc.XMLName.Space != ns {
		t.Errorf("root %v, want %s in %s", doc.XMLName, root, ns)
	}
	if doc.UBLVersionID != "2.0" || doc.CustomizationID != "OIOUBL-2.02" || doc.ProfileID != "Procurement-BilSim-1.0" || doc.Currency != "DKK" {
		t.Errorf("header %s %s %s %s", doc.UBLVersionID, doc.CustomizationID, doc.ProfileID, doc.Currency)
	}
	if root == "Invoice" && doc.InvoiceTypeCode != "380" {
		t.Errorf("InvoiceTypeCode %q", doc.InvoiceTypeCode)
	}
	if doc.Supplier.Endpoint.Value != "5790000000005" || doc.Customer.Endpoint.Scheme != "GLN" || doc.Customer.Endpoint.Value != "5798000416604" {
		t.Errorf("parties %+v %+v", doc.Supplier, doc.Customer)
	}
	if doc.Total.LineExtension != lineExt || doc.TaxAmount != vat || doc.Total.Payable != payable {
		t.Errorf("totals %s + VAT %s = %s, want %s + %s = %s", doc.Total.LineExtension, doc.TaxAmount, doc.Total.Payable, lineExt, vat, payable)
	}
	n := len(doc.InvoiceLines) + len(doc.CreditLines)
	if n != lines {
		t.Errorf("%d lines, want %d", n, lines)
	}
	if !bytes.Contains(x, []byte(`xmlns:cbc=`)) || !bytes.Contains(x, []byte(`<cbc:UBLVersionID>2.0</cbc:UBLVersionID>`)) {
		t.Errorf("prefixes missing:\n%s", x)
	}
}

// TestCreditNote: a statement with a negative total is an OIOUBL CreditNote with the
// magnitudes, and a month with no price for anything bills what it can.
func TestCreditNote(t *testing.T) {
	f := newFix(t)
	m := f.member("101", 1000, 100)
	_, err := f.svc.CreateAdjustment(f.as(finance), reports.NewAdjustment{MemberID: m, Period: "2026-02", AmountOre: -12345, Description: "Kredit"})
	f.must(err)
	run, err := f.svc.StartRun(f.as(finance), "2026-02")
	f.must(err)
	f.must(f.svc.ComputeRun(f.ctx, run.ID))
	run, err = f.svc.Finalize(f.as(finance), run.ID)
	f.must(err)
	f.must(f.svc.ExportRun(f.ctx, run.ID))
	x, ready, err := f.svc.Invoice(f.as(finance), run.ID, m)
	f.must(err)
	if !ready {
		t.Fatal("credit note not written")
	}
	// 123,45 + 25 % VAT (30,8625 → 30,86) = 154,31
	checkInvoice(t, x, "CreditNote", "123.45", "30.86", "154.31", 1)
	if bytes.Contains(x, []byte("InvoiceTypeCode")) || !bytes.Contains(x, []byte("<cbc:CreditedQuantity")) {
		t.Errorf("credit note:\n%s", x)
	}
}

// TestFailedRunStartsAgain: a run whose computation gave up is failed with the reason;
// starting the month again computes that run, not a second one.
func TestFailedRunStartsAgain(t *testing.T) {
	f := newFix(t)
	f.member("101", 1000, 100)
	run, err := f.svc.StartRun(f.as(finance), "2026-02")
	f.must(err)
	f.must(f.svc.FailRun(f.ctx, run.ID, "database gone"))
	got, err := f.svc.GetRun(f.as(finance), run.ID)
	f.must(err)
	if got.Status != reports.RunFailed || got.Error != "database gone" {
		t.Fatalf("failed run: %s %q", got.Status, got.Error)
	}
	again, err := f.svc.StartRun(f.as(finance), "2026-02")
	f.must(err)
	if again.ID != run.ID || again.Status != reports.RunComputing {
		t.Fatalf("start again: run %d %s, want run %d computing", again.ID, again.Status, run.ID)
	}
	f.must(f.svc.ComputeRun(f.ctx, run.ID))
	got, err = f.svc.GetRun(f.as(finance), run.ID)
	f.must(err)
	if got.Status != reports.RunDraft || got.Error != "" {
		t.Errorf("recomputed run: %s %q", got.Status, got.Error)
	}
	if _, err := f.svc.StartRun(f.as(finance), "2026-13"); !apperr.Is(err, apperr.KindInvalid) {
		t.Errorf("month 13: %v", err)
	}
}
