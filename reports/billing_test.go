package reports_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
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

	// Recomputing an unchanged month gives the same lines, the same workbook and the
	// same invoices, byte for byte.
	var wb1 bytes.Buffer
	f.must(f.svc.WriteWorkbook(f.ctx, run, &wb1))
	inv1 := map[int64][]byte{}
	for m := range want {
		x, err := f.svc.InvoiceXML(f.ctx, run, m)
		f.must(err)
		inv1[m] = x
	}
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
	for m, x1 := range inv1 {
		x2, err := f.svc.InvoiceXML(f.ctx, run, m)
		f.must(err)
		if !bytes.Equal(x1, x2) {
			t.Errorf("the invoice of member %d of a recomputed unchanged month differs:\n%s\n%s", m, x1, x2)
		}
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
	// A member's webhook on the same event gets nothing: a run is not its object.
	_, err = hooks.Create(f.as(auth.Principal{Name: "a", Role: auth.RoleMember, MemberID: &f.a}),
		webhook.NewSubscription{URL: "http://127.0.0.1:9/member", Events: []string{webhook.BillingRunFinalized}})
	f.must(err)
	run, err = f.svc.Finalize(f.as(finance), run.ID)
	f.must(err)
	if run.Status != reports.RunFinalized {
		t.Fatalf("finalised run is %s", run.Status)
	}
	var deliveries int64
	f.must(db.Conn(f.ctx).Table("webhook_deliveries").Where("event = ?", webhook.BillingRunFinalized).Count(&deliveries).Error)
	if deliveries != 1 {
		t.Fatalf("%d billing_run.finalized deliveries after finalising, want 1 (the integration's, not the member's)", deliveries)
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
	// Each member's stored invoice: the draft's bytes (the same clock, so the same issue
	// date), and its totals worked out by hand.
	for m, tot := range map[int64][3]string{
		f.a: {"4715.98", "1179.00", "5894.98"}, // VAT 117899.5 → 117900
		f.b: {"1985.55", "496.39", "2481.94"},  // VAT 49638.75 → 49639
		f.r: {"5003.25", "1250.81", "6254.06"}, // VAT 125081.25 → 125081
	} {
		x, ready, err := f.svc.Invoice(f.as(finance), run.ID, m)
		f.must(err)
		if !ready {
			t.Fatalf("invoice of member %d not ready", m)
		}
		if !bytes.Equal(x, inv1[m]) {
			t.Errorf("stored invoice of member %d differs from the draft's", m)
		}
		checkInvoice(t, x, f.statement(t, run.ID, m), "Invoice", tot[0], tot[1], tot[2])
	}
	x := inv1[f.a]

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

// ubl is what checkInvoice reads of an OIOUBL Invoice or CreditNote.
type ubl struct {
	XMLName         xml.Name
	UBLVersionID    string   `xml:"UBLVersionID"`
	CustomizationID string   `xml:"CustomizationID"`
	ProfileID       string   `xml:"ProfileID"`
	InvoiceTypeCode string   `xml:"InvoiceTypeCode"`
	Currency        string   `xml:"DocumentCurrencyCode"`
	Supplier        ublParty `xml:"AccountingSupplierParty>Party"`
	Customer        ublParty `xml:"AccountingCustomerParty>Party"`
	Tax             struct {
		Amount string `xml:"TaxAmount"`
		Subs   []struct {
			Taxable string `xml:"TaxableAmount"`
			Amount  string `xml:"TaxAmount"`
			Percent string `xml:"TaxCategory>Percent"`
			Scheme  string `xml:"TaxCategory>TaxScheme>ID"`
		} `xml:"TaxSubtotal"`
	} `xml:"TaxTotal"`
	Total struct {
		LineExtension string `xml:"LineExtensionAmount"`
		Payable       string `xml:"PayableAmount"`
	} `xml:"LegalMonetaryTotal"`
	InvoiceLines []ublLine `xml:"InvoiceLine"`
	CreditLines  []ublLine `xml:"CreditNoteLine"`
}

type ublID struct {
	Scheme string `xml:"schemeID,attr"`
	Value  string `xml:",chardata"`
}

type ublParty struct {
	Endpoint ublID  `xml:"EndpointID"`
	Name     string `xml:"PartyName>Name"`
	ID       ublID  `xml:"PartyIdentification>ID"`
	Legal    struct {
		Name      string `xml:"RegistrationName"`
		CompanyID ublID  `xml:"CompanyID"`
	} `xml:"PartyLegalEntity"`
}

type ublLine struct {
	ID           string `xml:"ID"`
	Invoiced     string `xml:"InvoicedQuantity"`
	Credited     string `xml:"CreditedQuantity"`
	Amount       string `xml:"LineExtensionAmount"`
	Description  string `xml:"Item>Description"`
	Price        string `xml:"Price>PriceAmount"`
	BaseQuantity string `xml:"Price>BaseQuantity"`
}

var kroner = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)

// oreOf reads an amount in kroner with two decimals.
func oreOf(t *testing.T, s string) int64 {
	t.Helper()
	if !kroner.MatchString(s) {
		t.Errorf("amount %q is not kroner with two decimals", s)
		return 0
	}
	n, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	if err != nil {
		t.Errorf("amount %q: %v", s, err)
	}
	return n
}

// checkInvoice parses the OIOUBL document of statement st and checks every element the
// pinned e-invoice paragraph of docs/API.md names against st, the fixture's centre
// (FSC Midt, GLN 5790000000005, CVR 12345674), VAT at 25 % and the hand-worked totals
// lineExt + vat = payable.
func checkInvoice(t *testing.T, x []byte, st *reports.Statement, root, lineExt, vat, payable string) {
	t.Helper()
	var doc ubl
	if err := xml.Unmarshal(x, &doc); err != nil {
		t.Fatalf("invoice XML: %v\n%s", err, x)
	}
	if (root == "CreditNote") != (st.TotalOre < 0) {
		t.Fatalf("want %s for a total of %d øre", root, st.TotalOre)
	}
	ns := "urn:oasis:names:specification:ubl:schema:xsd:" + root + "-2"
	if doc.XMLName.Local != root || doc.XMLName.Space != ns {
		t.Errorf("root %v, want %s in %s", doc.XMLName, root, ns)
	}
	if doc.UBLVersionID != "2.0" || doc.CustomizationID != "OIOUBL-2.02" || doc.ProfileID != "Procurement-BilSim-1.0" || doc.Currency != "DKK" {
		t.Errorf("header %s %s %s %s", doc.UBLVersionID, doc.CustomizationID, doc.ProfileID, doc.Currency)
	}
	if root == "Invoice" && doc.InvoiceTypeCode != "380" || root == "CreditNote" && doc.InvoiceTypeCode != "" {
		t.Errorf("%s with InvoiceTypeCode %q", root, doc.InvoiceTypeCode)
	}
	// The centre: name, GLN and CVR; the member: its EAN as GLN, its name.
	sup := doc.Supplier
	if sup.Name != "FSC Midt" || sup.Endpoint != (ublID{"GLN", "5790000000005"}) || sup.Legal.Name != "FSC Midt" ||
		sup.Legal.CompanyID != (ublID{"DK:CVR", "DK12345674"}) || sup.ID != (ublID{"DK:CVR", "DK12345674"}) {
		t.Errorf("supplier %+v", sup)
	}
	if cus := doc.Customer; cus.Endpoint != (ublID{"GLN", "5798000416604"}) || cus.Name != st.MemberName {
		t.Errorf("customer %+v, want GLN 5798000416604 and %q", cus, st.MemberName)
	}
	// Every amount in DKK, kroner with two decimals.
	dec := xml.NewDecoder(bytes.NewReader(x))
	amounts := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Local == "currencyID" {
				amounts++
				var v string
				if err := dec.DecodeElement(&v, &se); err != nil {
					t.Fatal(err)
				}
				if a.Value != "DKK" || !kroner.MatchString(v) {
					t.Errorf("%s %q %s: want DKK in kroner with two decimals", se.Name.Local, v, a.Value)
				}
			}
		}
	}
	if amounts < 6+2*len(st.Lines) {
		t.Errorf("%d amounts, want at least %d", amounts, 6+2*len(st.Lines))
	}
	// Totals: LineExtensionAmount = the statement total (its magnitude for a credit
	// note), VAT at 25 % rounded half away from zero, PayableAmount = total + VAT.
	sign := int64(1)
	if st.TotalOre < 0 {
		sign = -1
	}
	total := sign * st.TotalOre
	ext, tax, pay := oreOf(t, doc.Total.LineExtension), oreOf(t, doc.Tax.Amount), oreOf(t, doc.Total.Payable)
	if doc.Total.LineExtension != lineExt || doc.Tax.Amount != vat || doc.Total.Payable != payable {
		t.Errorf("totals %s + VAT %s = %s, want %s + %s = %s", doc.Total.LineExtension, doc.Tax.Amount, doc.Total.Payable, lineExt, vat, payable)
	}
	if ext != total || tax != (total*2500+5000)/10000 || pay != ext+tax {
		t.Errorf("LineExtensionAmount %d øre (total %d), VAT %d, PayableAmount %d", ext, total, tax, pay)
	}
	if len(doc.Tax.Subs) != 1 || doc.Tax.Subs[0].Percent != "25" || doc.Tax.Subs[0].Amount != doc.Tax.Amount ||
		doc.Tax.Subs[0].Taxable != doc.Total.LineExtension || doc.Tax.Subs[0].Scheme != "63" {
		t.Errorf("TaxTotal %+v, want one subtotal of 25 %% on %s", doc.Tax, doc.Total.LineExtension)
	}
	// One line per statement line, in order, with its quantity and amount; they add up
	// to LineExtensionAmount.
	lines, other := doc.InvoiceLines, doc.CreditLines
	if root == "CreditNote" {
		lines, other = other, lines
	}
	if len(lines) != len(st.Lines) || len(other) != 0 {
		t.Fatalf("%d %s lines and %d others, want %d", len(lines), root, len(other), len(st.Lines))
	}
	var sum int64
	for i, l := range lines {
		sl := st.Lines[i]
		q := l.Invoiced
		if root == "CreditNote" {
			q = l.Credited
		}
		a := oreOf(t, l.Amount)
		sum += a
		if a != sign*sl.AmountOre || q != fmt.Sprint(sl.Quantity) || l.Description != sl.Description ||
			l.Price != l.Amount || l.BaseQuantity != q {
			t.Errorf("line %d: %+v, want quantity %d and %d øre (%q)", i+1, l, sl.Quantity, sign*sl.AmountOre, sl.Description)
		}
	}
	if sum != ext {
		t.Errorf("the lines add up to %d øre, LineExtensionAmount %d", sum, ext)
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
	st, err := f.svc.Statement(f.as(finance), run.ID, m)
	f.must(err)
	checkInvoice(t, x, st, "CreditNote", "123.45", "30.86", "154.31")
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
