package orders_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/webtest"
)

func TestOrderPagesPickupAndReceiving(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	nurse := webtest.NewClient(ts)
	nurse.Login("member@example.dk", webtest.Password)
	id := f.placeByForm(t, nurse, "SAG-7")
	logi := webtest.NewClient(ts)
	logi.Login("logistics@example.dk", webtest.Password)
	logi.ExpectPage(fmt.Sprintf("/orders/%d", id), 200)
	logi.Post(fmt.Sprintf("/orders/%d/ship", id), nil)
	f.book(t, id)
	logi.ExpectPage(fmt.Sprintf("/orders/%d", id), 200)
	if st, _, _ := logi.Post(fmt.Sprintf("/orders/%d/deliver", id), nil); st != 303 {
		t.Fatalf("deliver: %d", st)
	}

	// The delivered order offers a pickup for that citizen, with the address filled in.
	nurse.ExpectPage(fmt.Sprintf("/orders/%d", id), 200, `href="/returns/new?citizen=SAG-7"`)
	body := nurse.ExpectPage("/returns/new?citizen=SAG-7", 200, "<h1>Bestil afhentning</h1>", "Borger SAG-7", "TAB-0001", "OXI-0001",
		`value="Karen Jensen"`, "Borgeren er flyttet", "Borgeren er død")
	ids := regexp.MustCompile(`name="device_ids" value="([0-9]+)" checked`).FindAllStringSubmatch(body, -1)
	if len(ids) != 2 {
		t.Fatalf("pickup form ticks %d devices; want the citizen's 2: %s", len(ids), webtest.PageSnippet(body))
	}

	// Without a device or reason it says what to do, in Danish.
	st, body, _ := nurse.Post("/returns/new", url.Values{"key": {"r-1"}, "pickup_name": {"Karen Jensen"}, "pickup_street": {"Vestergade 12"},
		"pickup_postcode": {"8000"}, "pickup_city": {"Aarhus C"}})
	if st != 422 || !strings.Contains(body, "Vælg mindst én enhed, der skal hentes.") || !strings.Contains(body, "Vælg en begrundelse.") {
		t.Errorf("empty pickup: %d: %s", st, webtest.PageSnippet(body))
	}

	form := url.Values{"key": {"r-2"}, "reason": {"moved"}, "pickup_name": {"Karen Jensen"}, "pickup_street": {"Vestergade 12"},
		"pickup_postcode": {"8000"}, "pickup_city": {"Aarhus C"}, "device_ids": {ids[0][1], ids[1][1]}}
	st, body, loc := nurse.Post("/returns/new", form)
	if st != 303 || !strings.HasPrefix(loc, "/returns/") {
		t.Fatalf("request pickup: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	nurse.ExpectPage(loc, 200, "Tak, afhentningen er bestilt", "Borgeren er flyttet", "TAB-0001", "OXI-0001", "Afventer")
	for _, sn := range []string{"TAB-0001", "OXI-0001"} {
		if got := f.deviceState(t, sn); got.State != inventory.Returning {
			t.Errorf("%s is %s after the pickup request; want returning", sn, got.State)
		}
	}
	nurse.ExpectPage("/returns/new", 200, "Der er ingen udleverede enheder hos jeres borgere.")
	if st, _, to := webtest.NewClient(ts).Get(loc); st != 302 || !strings.HasPrefix(to, "/login") {
		t.Errorf("pickup page without a session: %d to %q; want the login page", st, to)
	}
	other := webtest.NewClient(ts)
	other.Login("member2@example.dk", webtest.Password)
	other.ExpectPage(loc, 404)

	// The nurse follows her pickups on a list of her own, and the order shows its pickup.
	rid := strings.TrimPrefix(loc, "/returns/")
	mine := nurse.ExpectPage("/returns", 200, "<h1>Afhentninger</h1>", `href="`+loc+`">R-`+rid+`</a>`, "Bestilt", "0 / 2", `href="/returns/new"`)
	for _, not := range []string{"Kommune 751", `action="/transfers"`, "/receive"} {
		if strings.Contains(mine, not) {
			t.Errorf("the nurse's pickup list shows %q (a warehouse thing)", not)
		}
	}
	nurse.ExpectPage(fmt.Sprintf("/orders/%d", id), 200, "Afhentning undervejs", `href="`+loc+`">R-`+rid+`</a>`)
	if body := other.ExpectPage("/returns", 200, "Ingen af jeres afhentninger venter."); strings.Contains(body, `href="`+loc+`"`) {
		t.Error("another member's pickup list shows this pickup")
	}

	// Logistics receives one of the two, and scans a serial that is not on the pickup.
	logi.ExpectPage("/returns", 200, "<h1>Returneringer</h1>", "Kommune 751", "Borgeren er flyttet", "0 / 2", `href="`+loc+`/receive"`)
	logi.ExpectPage(loc+"/receive", 200, `<textarea id="serials"`, "autofocus", "AAR – Lager Aarhus")
	st, body, _ = logi.Post(loc+"/receive", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}, "serials": {"TAB-0001\r\nNOPE-9\r\n"}})
	if st != 200 {
		t.Fatalf("receive: %d: %s", st, webtest.PageSnippet(body))
	}
	for _, want := range []string{"Modtaget nu (1)", "Mangler stadig (1)", "Hører ikke til denne afhentning (1)", "NOPE-9", "Delvist modtaget"} {
		if !strings.Contains(body, want) {
			t.Errorf("receipt lacks %q: %s", want, webtest.PageSnippet(body))
		}
	}
	missing := body[strings.Index(body, "Mangler stadig"):]
	if !strings.Contains(missing[:strings.Index(missing, "</div>")], "OXI-0001") {
		t.Errorf("receipt does not name OXI-0001 as missing: %s", missing)
	}
	if got := f.deviceState(t, "TAB-0001"); got.State != inventory.Cleaning {
		t.Errorf("TAB-0001 is %s after receiving; want cleaning", got.State)
	}
	st, body, _ = logi.Post(loc+"/receive", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}, "serials": {"  "}})
	if st != 422 || !strings.Contains(body, "Scan eller skriv mindst ét serienummer.") {
		t.Errorf("empty scan: %d: %s", st, webtest.PageSnippet(body))
	}
}

func TestOrderPagesTransfer(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	o, err := ts.Orders.Place(ts.Ctx, orders.NewOrder{MemberID: ts.Members["751"].ID, KitID: &f.kit.ID, CitizenRef: "SAG-5",
		Delivery: &orders.Address{Name: "A", Street: "B 1", Postcode: "8000", City: "Aarhus"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Orders.Ship(ts.Ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	f.book(t, o.ID)
	if _, err := ts.Orders.Deliver(ts.Ctx, o.ID); err != nil {
		t.Fatal(err)
	}

	b := webtest.NewClient(ts)
	b.Login("logistics@example.dk", webtest.Password)
	b.ExpectPage("/returns", 200, "Overfør en udleveret enhed", `action="/transfers"`, "Kommune 657 (657)")
	to := fmt.Sprint(ts.Members["657"].ID)

	st, body, _ := b.Post("/transfers", url.Values{"serial": {"TAB-0002"}, "member_id": {to}, "citizen_ref": {"H-1"}})
	if st != 422 || !strings.Contains(body, "Enhed TAB-0002 er ikke udleveret til en borger (den er på lager).") {
		t.Errorf("transfer of a shelf device: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post("/transfers", url.Values{"serial": {"TAB-0001"}, "member_id": {to}, "citizen_ref": {"3112991234"}})
	if st != 422 || !strings.Contains(body, "Det ligner et CPR-nummer") || !strings.Contains(body, `value="TAB-0001"`) {
		t.Errorf("transfer to a CPR number: %d: %s", st, webtest.PageSnippet(body))
	}
	st, _, loc := b.Post("/transfers", url.Values{"serial": {"TAB-0001"}, "member_id": {to}, "citizen_ref": {"H-1"}})
	if st != 303 || loc != "/returns" {
		t.Fatalf("transfer: %d to %q", st, loc)
	}
	b.ExpectPage("/returns", 200, "Enheden er overført.")
	if d := f.deviceState(t, "TAB-0001"); d.MemberID == nil || *d.MemberID != ts.Members["657"].ID || *d.CitizenRef != "H-1" {
		t.Errorf("after the transfer TAB-0001 is with member %v citizen %v", d.MemberID, d.CitizenRef)
	}
}
