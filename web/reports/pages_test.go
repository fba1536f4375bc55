package reports_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/webtest"
)

// TestBillingPages walks finance through a month on the pages (no JavaScript): keys
// with the live preview, pools, a run started, computed, checked and finalised, the
// statement with its explanation, downloads; then the member's own statements.
func TestBillingPages(t *testing.T) {
	ts := webtest.New(t)
	s := newSeed(t, ts)
	fin := webtest.LoggedIn(ts, "finance")

	// The live preview splits this month's pools as a run would now.
	now := civil.Today().String()[:7]
	st, body := ts.Do("POST", "/api/v1/cost-pools", "finance", map[string]any{"scheme_id": s.scheme, "period": now, "name": "Callcenter", "amount_ore": 30001, "allocation_key_id": s.key})
	mustStatus(t, "pool", st, body, 201)
	fin.ExpectPage("/billing/keys", 200, "Fordelingsnøgler", "INDB", "Callcenter", "150,01", "150,00")
	// A refused key says each problem in Danish beside its input.
	st, page, _ := fin.Post("/billing/keys", url.Values{"code": {""}, "name": {"Ny"}, "w_inhabitants": {"0"}})
	if st != 422 || !strings.Contains(page, "code-error") {
		t.Errorf("bad key: %d %s", st, webtest.PageSnippet(page))
	}
	st, _, loc := fin.Post("/billing/keys", url.Values{"code": {"REGION"}, "name": {"Region 50 %"}, "w_inhabitants": {"1"},
		"fixed_member_0": {fmt.Sprint(s.m657)}, "fixed_bp_0": {"5000"}})
	if st != 303 || loc != "/billing/keys" {
		t.Fatalf("create key: %d %s", st, loc)
	}
	st, page, _ = fin.Post("/billing/keys/preview", url.Values{"allocation_key_id": {fmt.Sprint(s.key)}, "scheme_id": {fmt.Sprint(s.scheme)},
		"period": {period}, "amount": {"100,01"}})
	if st != 200 || !strings.Contains(page, "50,01") || !strings.Contains(page, "1/2") {
		t.Errorf("preview: %d %s", st, webtest.PageSnippet(page))
	}
	fin.ExpectPage("/billing/pools?period="+period, 200, "Personale", "100,01", "Kredit for september")

	st, _, loc = fin.Post("/billing/runs", url.Values{"period": {period}})
	if st != 303 || !strings.HasPrefix(loc, "/billing/runs/") {
		t.Fatalf("start run: %d %s", st, loc)
	}
	fin.ExpectPage(loc, 200, "Beregnes")
	runJobs(t, ts)
	page = fin.ExpectPage(loc, 200, "Kladde", "Kommune 751", "515,00", "Ikke afregnet", "Godkend")
	if strings.Contains(page, "export.xlsx") {
		t.Error("a draft offers the workbook")
	}
	// The statement and the unbilled items say their lines in the reader's language.
	stmt := fmt.Sprintf("%s/members/%d", loc, s.m751)
	page = fin.ExpectPage(stmt, 200, "Forbrug", "42 enhedsdage à 310,00 kr. om måneden ÷ 31 dage, kontrakt K-1", ">Kontrakt</span>: K-1",
		"forsendelse: 1 × 50,00 kr., kontrakt K-1", "Kredit for september", "515,00")
	if strings.Contains(page, "device-days") {
		t.Errorf("the Danish statement says a line in English: %s", webtest.PageSnippet(page))
	}
	fin.ExpectPage(loc, 200, "31 enhedsdage af ")
	en := webtest.LoggedIn(ts, "finance")
	en.Get("/lang/en")
	en.ExpectPage(stmt, 200, "Usage", "42 device-days at 310,00 kr. a month ÷ 31 days, contract K-1", ">Contract</span>: K-1", "shipment: 1 × 50,00 kr., contract K-1")
	en.ExpectPage(loc, 200, "31 device-days of ", "no contract of the member prices the product (monthly)")
	// Finalising needs the box ticked.
	if st, body, _ := fin.Post(loc+"/finalize", nil); st != 422 {
		t.Errorf("finalise without confirming: %d %s", st, webtest.PageSnippet(body))
	}
	if st, _, _ := fin.Post(loc+"/finalize", url.Values{"confirm": {"yes"}}); st != 303 {
		t.Fatalf("finalise: %d", st)
	}
	fin.ExpectPage(loc, 200, "Godkendt", "skrives")
	runJobs(t, ts)
	fin.ExpectPage(loc, 200, "export.xlsx", ".xml")
	if st, body, _ := fin.Get(loc + "/export.xlsx"); st != 200 || !strings.HasPrefix(body, "PK") {
		t.Errorf("workbook download: %d", st)
	}
	fin.ExpectPage("/billing", 200, period, "Godkendt", "565,01")

	// The member sees its own statement and invoice, not the runs.
	mem := webtest.LoggedIn(ts, "member")
	mem.ExpectPage("/statements", 200, "Vores opgørelser", period, "515,00")
	runID := strings.TrimPrefix(loc, "/billing/runs/")
	mem.ExpectPage(fmt.Sprintf("/billing/runs/%s/members/%d", runID, s.m751), 200, "515,00")
	if st, _, _ := mem.Get(fmt.Sprintf("/billing/runs/%s/members/%d", runID, s.m657)); st != 404 {
		t.Errorf("member opens another member's statement: %d", st)
	}
	if st, body, _ := mem.Get(fmt.Sprintf("/billing/runs/%s/invoices/%d.xml", runID, s.m751)); st != 200 || !strings.Contains(body, "<Invoice") {
		t.Errorf("member's invoice: %d", st)
	}
	if st, _, _ := mem.Get("/billing"); st != 403 {
		t.Errorf("member opens the runs: %d", st)
	}
	mem.ExpectPage("/reports/costs?from=2026-10-01&to=2026-10-31", 200, "<svg", "515,00")

	// Reports for staff: each has its page, chart and download.
	lg := webtest.LoggedIn(ts, "logistics")
	lg.ExpectPage("/reports", 200, "Lager og genbestilling", "Fejlrater")
	for _, name := range []string{"stock", "utilisation", "lead-times", "sla", "failure-rates", "costs"} {
		lg.ExpectPage("/reports/"+name+"?from=2026-10-01&to=2026-10-31", 200, "/reports/"+name+"/xlsx")
		if st, body, _ := lg.Get("/reports/" + name + "/xlsx?from=2026-10-01&to=2026-10-31"); st != 200 || !strings.HasPrefix(body, "PK") {
			t.Errorf("%s download: %d", name, st)
		}
	}
	lg.ExpectPage("/reports/utilisation?from=2026-10-01&to=2026-10-31", 200, "<svg", "TAB-1", "100,0")
	if st, body, _ := lg.Get("/reports/sla?from=2026-10-31&to=2026-10-01"); st != 422 || !strings.Contains(body, "to-error") {
		t.Errorf("bad range: %d", st)
	}
}

// Every code a billing line or unbilled item is written with has words in every
// language, taking the arguments the code gives.
func TestEveryBillingCodeHasWords(t *testing.T) {
	for prefix, codes := range map[string][]string{"bill.line.": reports.LineCodes(), "bill.unbilled.": reports.UnbilledCodes()} {
		for _, code := range codes {
			for _, lc := range i18n.Codes {
				if !i18n.For(lc).Has(prefix + code) {
					t.Errorf("%s lacks %s%s", lc, prefix, code)
				}
			}
		}
	}
}
