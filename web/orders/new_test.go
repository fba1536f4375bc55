package orders_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/fsc/backoffice/web/webtest"
)

func TestOrderPagesMemberOrdersAKit(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	b := webtest.NewClient(ts)
	b.Login("member@example.dk", webtest.Password)

	// The navigation offers ordering; the form offers the kit of the member's scheme.
	b.ExpectPage("/", 200, `href="/orders/new"`, `href="/orders"`, `href="/returns/new"`, "Bestil kit", "Mine bestillinger", "Bestil afhentning")
	newForm := b.ExpectPage("/orders/new", 200, "<h1>Bestil kit til en borger</h1>", "KOL-kit", "1 × Pulsoximeter", `name="_csrf"`,
		`<label for="citizen_ref">Borgerreference</label>`, "Skriv aldrig et CPR-nummer", `type="date"`, `aria-current="page" class="active">Bestil kit`)
	if strings.Contains(newForm, `class="active">Mine bestillinger`) {
		t.Error("/orders/new marks both Bestil kit and Mine bestillinger as current")
	}

	id := f.placeByForm(t, b, "SAG-2024-0117")
	body := b.ExpectPage(fmt.Sprintf("/orders/%d", id), 200, "Tak, bestillingen er modtaget", fmt.Sprintf("Bestilling O-%06d", id),
		`class="pill status-reserved">Reserveret`, `aria-current="step"`, "SAG-2024-0117", "Vestergade 12, 2. th.", "8000 Aarhus C",
		"KOL-kit", "TAB-0001", "OXI-0001", "Teststrimler", "Ikke afsendt endnu", "Annuller bestillingen")
	for _, staffOnly := range []string{"Afsend nu", "Plukliste", "(AAR)"} {
		if strings.Contains(body, staffOnly) {
			t.Errorf("member's order page shows %q", staffOnly)
		}
	}
	b.ExpectPage("/orders", 200, "<h1>Mine bestillinger</h1>", fmt.Sprintf("O-%06d", id), "SAG-2024-0117", "Reserveret")

	// The same form sent twice (a double click) is one order.
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(b.ExpectPage("/orders/new", 200))[1]
	_, _, loc1 := b.Post("/orders/new", f.orderForm(key, "SAG-2"))
	_, _, loc2 := b.Post("/orders/new", f.orderForm(key, "SAG-2"))
	if loc1 == "" || loc1 != loc2 {
		t.Errorf("double submit went to %q and %q; want the same order", loc1, loc2)
	}
	var n int64
	db.Conn(ts.Ctx).Table("orders").Where("citizen_ref = ?", "SAG-2").Count(&n)
	if n != 1 {
		t.Errorf("double submit made %d orders; want 1", n)
	}

	// Another municipality's nurse does not learn that the order exists.
	b2 := webtest.NewClient(ts)
	b2.Login("member2@example.dk", webtest.Password)
	b2.ExpectPage(fmt.Sprintf("/orders/%d", id), 404)
	if body := b2.ExpectPage("/orders", 200); strings.Contains(body, "SAG-2024-0117") {
		t.Error("member2's order list shows member's order")
	}
	b2.ExpectPage("/orders/new", 200, "Din kommune er ikke tilmeldt en ordning med kits")

	// Staff pages are not the nurse's (/returns is, as the list of her own pickups).
	for _, p := range []string{"/picklists", "/shipments", fmt.Sprintf("/orders/%d/picklist", id)} {
		b.ExpectPage(p, 403)
	}

	// The nurse cancels the second order; it shows cancelled and releases its devices.
	m := orderPathRE.FindStringSubmatch(loc1)
	st, _, loc := b.Post(fmt.Sprintf("/orders/%s/cancel", m[1]), nil)
	if st != 303 || loc != loc1 {
		t.Fatalf("cancel: %d to %q", st, loc)
	}
	if body := b.ExpectPage(loc1, 200, "Bestillingen er annulleret, og enhederne er frigivet", `class="cancelled-banner"`); strings.Contains(body, `class="timeline"`) {
		t.Error("a cancelled order still shows the progress timeline")
	}
}

func TestOrderPagesFormErrorsInDanish(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	b := webtest.NewClient(ts)
	b.Login("member@example.dk", webtest.Password)
	b.ExpectPage("/orders/new", 200)

	form := f.orderForm("k-1", "010190-1234")
	form.Set("delivery_postcode", "80")
	form.Set("delivery_city", "")
	st, body, _ := b.Post("/orders/new", form)
	if st != 422 {
		t.Fatalf("CPR citizen ref: %d, want 422: %s", st, webtest.PageSnippet(body))
	}
	for _, want := range []string{
		"Bestillingen er ikke sendt", `<a href="#citizen_ref">Borgerreference: Det ligner et CPR-nummer`,
		`id="citizen_ref-error">Det ligner et CPR-nummer`, `aria-invalid="true"`,
		`<a href="#delivery_postcode">Postnummer: Skriv et dansk postnummer med fire cifre`,
		`<a href="#delivery_city">By: Skriv byen.`,
		`value="Karen Jensen"`, `value="010190-1234"`, "Ring på hos naboen", // what was typed is kept
		fmt.Sprintf(`<option value="%d" selected>KOL-kit`, f.kit.ID),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("422 page lacks %q: %s", want, webtest.PageSnippet(body))
		}
	}
	if strings.Contains(body, "looks like a CPR") || strings.Contains(body, "delivery.postcode") {
		t.Errorf("422 page speaks the service's English or field paths: %s", webtest.PageSnippet(body))
	}
	var n int64
	db.Conn(ts.Ctx).Table("orders").Count(&n)
	if n != 0 {
		t.Errorf("a rejected form stored %d orders", n)
	}

	// No kit chosen and a date in the past.
	form = f.orderForm("k-2", "SAG-9")
	form.Set("kit_id", "")
	st, body, _ = b.Post("/orders/new", form)
	if st != 422 || !strings.Contains(body, "Vælg et kit.") {
		t.Errorf("no kit: %d: %s", st, webtest.PageSnippet(body))
	}
	form = f.orderForm("k-3", "SAG-9")
	form.Set("requested_on", civil.Today().AddDays(-1).String())
	st, body, _ = b.Post("/orders/new", form)
	if st != 422 || !strings.Contains(body, "Datoen er passeret") {
		t.Errorf("past date: %d: %s", st, webtest.PageSnippet(body))
	}

	// A date that cannot be read is said with every other error, not alone first.
	form = f.orderForm("k-5", "010190-1234")
	form.Set("requested_on", "31-02")
	form.Set("delivery_postcode", "80")
	st, body, _ = b.Post("/orders/new", form)
	for _, want := range []string{`<a href="#requested_on">`, `<a href="#citizen_ref">`, `<a href="#delivery_postcode">`} {
		if st != 422 || !strings.Contains(body, want) {
			t.Errorf("unreadable date with other errors: %d, the summary lacks %q: %s", st, want, webtest.PageSnippet(body))
		}
	}

	// In English the same rules speak English.
	b.Cookies[ui.LangCookie] = i18n.EN
	st, body, _ = b.Post("/orders/new", f.orderForm("k-4", "0101901234"))
	if st != 422 || !strings.Contains(body, "Citizen reference: That looks like a CPR number") {
		t.Errorf("English CPR error: %d: %s", st, webtest.PageSnippet(body))
	}
}
