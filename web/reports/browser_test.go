package reports_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fsc/backoffice/web/webtest"
)

// TestBrowserJourneyFinanceBillsAMonth: finance starts October's run, reads a member's
// statement with its explanation, finalises with the confirmation and downloads; the
// keys page and a report show their preview and chart.
func TestBrowserJourneyFinanceBillsAMonth(t *testing.T) {
	b := webtest.StartBrowser(t)
	s := newSeed(t, b.TS)
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("finance@example.dk", webtest.Password), 200, "/")

	b.ExpectPage(b.Click(`nav.side a[href="/billing"]`), 200, "/billing")
	b.ExpectText("h1", "Afregninger")
	st := b.Follow("start October's run",
		chromedp.SetValue(chromedp.ID("period"), period),
		chromedp.Click(chromedp.ID("start-run-button"), chromedp.NodeVisible))
	if st != 200 {
		t.Fatalf("start run: %d", st)
	}
	b.ExpectText("#run-status", "Beregnes")
	b.Shot("billing-run-computing")
	runJobs(t, b.TS)
	runPath := b.Path()
	b.ExpectPage(b.Open(runPath), 200, runPath)
	b.ExpectText("#run-status", "Kladde")
	b.ExpectText("#statements", "Kommune 751")
	b.ExpectText("#run-total", "565,01")
	b.ExpectText("#unbilled", "31")
	b.Shot("billing-run-draft")

	b.ExpectPage(b.Click(fmt.Sprintf(`#statements a[href$="/members/%d"]`, s.m751)), 200, fmt.Sprintf("%s/members/%d", runPath, s.m751))
	b.ExpectText("#lines", "enhedsdage")
	b.ExpectText("#lines", "Kontrakt")
	b.ExpectText("#statement-total", "515,00")
	b.Shot("billing-statement")

	b.ExpectPage(b.Open(runPath), 200, runPath)
	st = b.Follow("finalise with the confirmation",
		chromedp.Evaluate[chromedp.Void](`(window.confirm = () => true, {})`),
		chromedp.Click(chromedp.ID("confirm"), chromedp.NodeVisible),
		chromedp.Click(chromedp.ID("finalize"), chromedp.NodeVisible))
	if st != 200 {
		t.Fatalf("finalise: %d", st)
	}
	b.ExpectText("#run-status", "Godkendt")
	runJobs(t, b.TS)
	b.ExpectPage(b.Open(runPath), 200, runPath)
	if n := b.Count("#workbook"); n != 1 {
		t.Errorf("%d workbook links after the export", n)
	}
	b.Shot("billing-run-finalized")

	b.ExpectPage(b.Open("/billing/keys"), 200, "/billing/keys")
	b.ExpectText("#keys", "INDB")
	b.Shot("billing-keys")
	b.ExpectPage(b.Open("/reports/utilisation?from=2026-10-01&to=2026-10-31"), 200, "/reports/utilisation")
	if n := b.Count("#chart rect"); n != 1 {
		t.Errorf("utilisation chart has %d bars, want 1", n)
	}
	b.Shot("report-utilisation")
}
