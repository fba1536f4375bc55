package inventory_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryReceiptForm(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/receipts/new", 200, `<textarea id="serials" name="serials"`, `name="unit_cost"`, "AAR – Lager Aarhus")

	// Row 3 repeats an existing serial, row 5 repeats row 4, row 6 is malformed;
	// the blank row 2 still counts as a row of the box.
	serials := "NEW-1\n\nTAB-0001\nNEW-2\nNEW-2\nbad serial!\n"
	form := url.Values{"location_id": {fmt.Sprint(f.loc.ID)}, "product_id": {fmt.Sprint(f.tablet.ID)},
		"reference": {"FS-2025-77"}, "unit_cost": {"1.234,50"}, "serials": {serials}}
	st, body, _ := b.Post("/receipts/new", form)
	if st != 422 {
		t.Fatalf("receipt with bad rows: %d: %s", st, webtest.PageSnippet(body))
	}
	for _, want := range []string{
		"<strong>Linje 5</strong>: serienummeret NEW-2 står to gange (også linje 4)",
		"<strong>Linje 6</strong>: serienummeret »bad serial!« er ugyldigt",
	} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the rejected receipt does not say %q: %s", want, webtest.PageSnippet(body))
		}
	}
	// The existing serial is named once the rows themselves are well formed.
	form.Set("serials", "NEW-1\n\nTAB-0001\nNEW-2\n")
	st, body, _ = b.Post("/receipts/new", form)
	if st != 422 || !strings.Contains(body, "<strong>Linje 3</strong>: serienummeret TAB-0001 findes allerede") {
		t.Errorf("duplicate of an existing serial: %d: %s", st, webtest.PageSnippet(body))
	}
	if !strings.Contains(body, "NEW-1\n\nTAB-0001\nNEW-2\n</textarea>") || !strings.Contains(body, `value="FS-2025-77"`) {
		t.Errorf("the rejected form does not keep what was scanned: %s", webtest.PageSnippet(body))
	}
	if ds, err := ts.Inventory.FindBySerial(ts.Ctx, "NEW-1"); err != nil || len(ds) != 0 {
		t.Errorf("a rejected receipt stored a device: %v, %v", ds, err)
	}

	// A unit cost that is not an amount.
	form.Set("serials", "NEW-1\nNEW-2")
	form.Set("unit_cost", "12,345")
	st, body, _ = b.Post("/receipts/new", form)
	if st != 422 || !strings.Contains(body, "<strong>Stykpris i kr.</strong>: skal være et beløb i kroner") {
		t.Errorf("bad unit cost: %d: %s", st, webtest.PageSnippet(body))
	}

	// Good: devices created, cost in øre.
	form.Set("unit_cost", "1.234,50")
	st, body, _ = b.Post("/receipts/new", form)
	if st != 201 || !strings.Contains(body, "2 enheder oprettet") || !strings.Contains(body, "1.234,50 kr.") {
		t.Fatalf("good receipt: %d: %s", st, webtest.PageSnippet(body))
	}
	ds, err := ts.Inventory.FindBySerial(ts.Ctx, "NEW-2")
	if err != nil || len(ds) != 1 || ds[0].UnitCostOre != 123450 {
		t.Fatalf("NEW-2 after the receipt: %+v, %v", ds, err)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/devices/%d"`, ds[0].ID)) {
		t.Error("the receipt does not link its devices")
	}

	// A consumable by quantity.
	st, body, _ = b.Post("/receipts/new", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}, "product_id": {fmt.Sprint(f.strips.ID)},
		"quantity": {"25"}, "unit_cost": {"12,50"}})
	if st != 201 || !strings.Contains(body, "25 stk. à 12,50 kr.") {
		t.Errorf("consumable receipt: %d: %s", st, webtest.PageSnippet(body))
	}

	// Only logistics records receipts.
	a := loggedIn(t, ts, "admin")
	if st, _, _ := a.Get("/receipts/new"); st != 403 {
		t.Errorf("admin opens the receipt form: %d, want 403", st)
	}
}
