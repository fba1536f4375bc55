package admin_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/web/webtest"
)

func TestBrowserJourneyAdminCreatesMemberMemberSeesOwn(t *testing.T) {
	b := webtest.StartBrowser(t)
	good, bad := webtest.ValidEAN("579800000706")
	if !validate.GS1(good) || validate.GS1(bad) {
		t.Fatalf("validEAN: %s should pass and %s fail", good, bad)
	}

	// The admin logs in and lands on the dashboard.
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("admin@example.dk", webtest.Password), 200, "/")
	b.ExpectText("h1", "Goddag, admin")
	b.ExpectText(".top .who", "Administrator")
	b.ExpectText(".cards", "Medlemmer")
	if got := b.Text(`.cards a[href="/members"] .num`); got != "2" {
		t.Errorf("members card shows %q; want 2", got)
	}
	b.ExpectText(`nav.side a[aria-current="page"]`, "Overblik")
	b.Shot("dashboard-admin")

	// The members list shows both members and a button for a new one.
	b.ExpectPage(b.Click(`nav.side a[href="/members"]`), 200, "/members")
	b.ExpectText("h1", "Medlemmer")
	if n := b.Count("table.list tbody tr"); n != 2 {
		t.Errorf("members table has %d rows; want 2", n)
	}
	b.ExpectText("table.list", "Kommune 751")
	b.ExpectText("table.list", "Kommune 657")
	b.Shot("members")

	b.ExpectPage(b.Click(`.page-head a[href="/members/new"]`), 200, "/members/new")
	b.ExpectText("h1", "Nyt medlem")
	b.Do("fill in the member form",
		chromedp.SendKeys(chromedp.ID("code"), "706"),
		chromedp.SendKeys(chromedp.ID("name"), "Syddjurs Kommune"),
		chromedp.SetValue(chromedp.ID("kind"), "municipality"),
		chromedp.SendKeys(chromedp.ID("ean"), bad),
		chromedp.SendKeys(chromedp.ID("inhabitants"), "43.512"),
		chromedp.SendKeys(chromedp.ID("inhabitants_65_plus"), "11.204"),
	)

	// A wrong check digit is refused, naming the field, and the form keeps what was typed.
	b.ExpectPage(b.Click(`form.form button[type="submit"]`), 422, "/members/new")
	b.ExpectText(`.alert[role="alert"]`, "Ret venligst følgende:")
	b.ExpectText(`.alert[role="alert"] li[data-field="ean"]`, "EAN-nummer: skal være 13 cifre med gyldigt GS1-kontrolciffer")
	for sel, want := range map[string]string{"#code": "706", "#name": "Syddjurs Kommune", "#kind": "municipality", "#ean": bad, "#inhabitants": "43.512"} {
		if got := b.Value(sel); got != want {
			t.Errorf("after the rejected submit %s = %q; want %q", sel, got, want)
		}
	}
	b.Shot("member-form-error")

	// With a valid EAN the member is created and its page shown.
	b.Do("correct the EAN", chromedp.SetValue(chromedp.ID("ean"), good))
	b.Follow("submit the member form", chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`), chromedp.NodeVisible))
	if p := b.Path(); !regexp.MustCompile(`^/members/[0-9]+$`).MatchString(p) {
		t.Fatalf("after creating the member the tab is at %s (%q); want /members/<id>", p, b.Text("main"))
	}
	b.ExpectText("h1", "Syddjurs Kommune")
	b.ExpectText("h1", "(706)")
	b.ExpectText(`.flash[role="status"]`, "Gemt.")
	b.ExpectText("dl.facts", good)
	b.ExpectText("dl.facts", "43.512")
	b.ExpectText("dl.facts", "Kommune")
	b.Shot("member-created")

	// The admin logs out with the button in the header.
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")
	b.ExpectPage(b.Open("/"), 200, "/login") // the session is really gone

	// A member user sees the dashboard of their own municipality.
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectText("h1", "Goddag, member")
	b.ExpectText(".lead", "Du arbejder for Kommune 751.")
	b.ExpectText(".top .who", "Medlem")
	b.ExpectText("nav.side", "Min kommune")
	b.ExpectNoText("nav.side", "Medlemmer")
	if n := b.Count(".cards"); n != 0 {
		t.Error("member dashboard shows the staff counters")
	}
	b.Shot("dashboard-member")

	own, other := b.TS.Members["751"].ID, b.TS.Members["657"].ID
	b.ExpectPage(b.Open(fmt.Sprintf("/members/%d", own)), 200, fmt.Sprintf("/members/%d", own))
	b.ExpectText("h1", "Kommune 751")
	if n := b.Count(`a[href$="/edit"]`); n != 0 {
		t.Error("a member user is offered the edit button")
	}

	// Another municipality's page does not exist for them, and the list is forbidden.
	b.ExpectPage(b.Open(fmt.Sprintf("/members/%d", other)), 404, fmt.Sprintf("/members/%d", other))
	if got := b.Text(".error-page .status"); got != "404" {
		t.Errorf("error page status shows %q; want 404", got)
	}
	b.ExpectText(".error-page h1", "Siden blev ikke fundet")
	b.ExpectText(".error-page", "Siden findes ikke")
	b.ExpectNoText("main", "Kommune 657")
	b.ExpectNoText("main", "not found") // the service's English detail, with the id
	if n := b.Count(`nav.side a[aria-current="page"]`); n != 0 {
		t.Errorf("a page the member may not see marks %q as current", b.Text(`nav.side a[aria-current="page"]`))
	}
	b.Shot("member-404")

	b.ExpectPage(b.Open("/members"), 403, "/members")
	if got := b.Text(".error-page .status"); got != "403" {
		t.Errorf("error page status shows %q; want 403", got)
	}
	b.ExpectText(".error-page h1", "Ingen adgang")
	b.ExpectText(".error-page", "Du har ikke adgang til denne side.")

	// The language link in the header switches to English and stays on the page.
	b.ExpectPage(b.Open("/"), 200, "/")
	b.ExpectText(".top a.lang", "English")
	b.ExpectPage(b.Click(".top a.lang"), 200, "/")
	if got := b.Text(`.top form[action="/logout"] button`); got != "Log out" {
		t.Errorf("logout button shows %q; want Log out", got)
	}
	b.ExpectText("h1", "Hello, member")
	b.ExpectText(".lead", "You work for Kommune 751.")
	b.ExpectText(".top a.lang", "Dansk")
	if got := b.Attr("html", "lang"); got != "en" {
		t.Errorf("html lang = %q after switching to English; want en", got)
	}
	b.Shot("dashboard-member-en")
}
