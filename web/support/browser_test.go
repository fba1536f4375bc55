package support_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/fsc/backoffice/web/webtest"
)

// TestBrowserJourneyPhoneCallToSwap: an agent takes a phone call from the queue to a
// swap without leaving the pages, by keyboard where a call-centre agent would; the
// member reports a problem in the portal; the vendor resolves what was escalated to
// it; an admin changes an SLA policy.
func TestBrowserJourneyPhoneCallToSwap(t *testing.T) {
	b := webtest.StartBrowser(t)
	e := setupOn(t, b.TS)
	d := e.deploy(t, e.a, "borger-b1")
	d2 := e.deploy(t, e.a, "borger-b2")
	must(t, createReceipt(e, "TAB-REPL-B"))
	breached, atRisk, _, _ := queueData(t, e)
	_ = atRisk

	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("support@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/tickets"]`), 200, "/tickets")
	b.ExpectText("h1", "Sagskø")
	b.ExpectText(fmt.Sprintf(`tr.late[data-number="%s"]`, breached.Number), "Overskredet")
	b.ExpectText(fmt.Sprintf(`tr.below[data-number="%s"]`, atRisk.Number), "I fare")
	b.Shot("support-queue")

	// The call: find the device by its serial (typed, then Enter), and open the ticket.
	b.ExpectPage(b.Click(`.page-head a[href="/tickets/new"]`), 200, "/tickets/new")
	b.ExpectFocus("subject", "the form starts at the subject")
	b.Follow("look up the serial", chromedp.SendKeys(chromedp.ID("serial"), d.Serial+kb.Enter))
	b.ExpectText("#found-device", d.Serial)
	b.ExpectText("#found-device", "borger-b1")
	if got := b.Value("#device_id"); got != fmt.Sprint(d.ID) {
		t.Errorf("device_id filled with %q", got)
	}
	if got := b.Value("#member_id"); got != fmt.Sprint(e.a.ID) {
		t.Errorf("member filled with %q", got)
	}
	b.Do("fill in the call",
		chromedp.SetValue(chromedp.ID("priority"), "high"),
		chromedp.SendKeys(chromedp.ID("subject"), "Tabletten starter ikke"),
		chromedp.SendKeys(chromedp.ID("description"), "Borgeren har prøvet at genstarte."),
		chromedp.SendKeys(chromedp.ID("contact_name"), "Sygeplejerske Holm"),
		chromedp.SendKeys(chromedp.ID("contact_phone"), "20304050"),
	)
	b.Shot("support-new-ticket")
	b.Follow("open the ticket", chromedp.Click(chromedp.CSS(`#new-ticket button[type="submit"]`), chromedp.NodeVisible))
	if p := b.Path(); !regexp.MustCompile(`^/tickets/[0-9]+$`).MatchString(p) {
		t.Fatalf("after the form the tab is at %s: %q", p, b.Text("main"))
	}
	b.ExpectText(`.flash[role="status"]`, "Sagen er oprettet.")
	b.ExpectText("#ticket-status", "Ny")
	b.ExpectText("table.clocks", "Første svar")

	// Answer, open, escalate, swap.
	b.Do("write the answer", chromedp.SendKeys(chromedp.ID("body"), "Vi sender en ny tablet i morgen."))
	b.Follow("send the comment", chromedp.Click(chromedp.CSS(`form[action$="/comments"] button`), chromedp.NodeVisible))
	b.ExpectText("#timeline", "Vi sender en ny tablet i morgen.")
	b.ExpectText("table.clocks", "Overholdt")
	b.Follow("open", chromedp.Click(chromedp.CSS(`button[value="open"]`), chromedp.NodeVisible))
	b.ExpectText("#ticket-status", "Åben")
	b.Do("choose the vendor", chromedp.SetValue(chromedp.ID("vendor_id"), fmt.Sprint(e.vendor.ID)),
		chromedp.SendKeys(chromedp.ID("vendor_ref"), "MT-4711"))
	b.Follow("escalate", chromedp.Click(chromedp.CSS(`form[action$="/escalate"] button`), chromedp.NodeVisible))
	b.ExpectText("#ticket-status", "Eskaleret")
	b.ExpectText("table.clocks", "Leverandør (OLA)")
	b.Follow("swap", chromedp.Click(chromedp.CSS(`form[action$="/swap"] button`), chromedp.NodeVisible))
	b.ExpectText(`.flash[role="status"]`, "Erstatningsordren og returneringen er oprettet.")
	b.ExpectText("#timeline", "Ombyt enhed")
	b.ExpectText("#timeline", "Ordre #")
	ticketPath := b.Path()
	b.Shot("support-ticket")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// The member reports a problem in the portal and sees only its own tickets.
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/tickets/new"]`), 200, "/tickets/new")
	b.ExpectText("h1", "Meld en fejl")
	b.Do("describe the problem", chromedp.SetValue(chromedp.ID("device_id"), fmt.Sprint(d2.ID)),
		chromedp.SendKeys(chromedp.ID("subject"), "Vægten viser forkert"))
	b.Follow("report", chromedp.Click(chromedp.CSS(`#new-ticket button[type="submit"]`), chromedp.NodeVisible))
	b.ExpectText("h1", "Vægten viser forkert")
	b.ExpectText("dl.facts", "Portal")
	b.ExpectPage(b.Click(`nav.side a[href="/tickets"]`), 200, "/tickets")
	b.ExpectText("h1", "Vores sager")
	b.ExpectNoText("#queue", "Herning: forkert adresse")
	b.Shot("member-tickets")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// The vendor sees the escalated ticket and resolves it.
	b.ExpectPage(b.Login("vendor@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Open("/tickets"), 200, "/tickets")
	b.ExpectText("h1", "Sager eskaleret til os")
	if n := b.Count("#queue tbody tr"); n != 1 {
		t.Errorf("vendor's list has %d rows", n)
	}
	b.Shot("vendor-tickets")
	b.ExpectPage(b.Click("#queue tbody a"), 200, ticketPath)
	b.Follow("resolve", chromedp.Click(chromedp.CSS(`button[value="resolved"]`), chromedp.NodeVisible))
	b.ExpectText("#ticket-status", "Løst")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// An admin changes the low policy.
	b.ExpectPage(b.Login("admin@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/sla-policies"]`), 200, "/sla-policies")
	b.Do("change low", chromedp.SetValue(chromedp.ID("first-low"), "420"))
	b.Follow("save", chromedp.Click(chromedp.CSS(`#f-low button`), chromedp.NodeVisible))
	b.ExpectText(`.flash[role="status"]`, "Gemt.")
	if got := b.Value("#first-low"); got != "420" {
		t.Errorf("low first response %q", got)
	}
	b.Shot("admin-sla-policies")
}
