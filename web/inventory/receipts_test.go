package inventory_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
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

// Receiving under a contract: the form offers the active contracts, and a line without
// a unit cost gets the contract's purchase price in force; one the contract does not
// price is refused naming the cost field, in Danish.
func TestInventoryReceiptUnderContract(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	v, err := ts.Contracts.CreateVendor(ts.Ctx, contracts.NewVendor{Name: "Viewcare A/S", CVR: "29190925"})
	if err != nil {
		t.Fatal(err)
	}
	notice := 3
	c, err := ts.Contracts.CreateContract(ts.Ctx, contracts.NewContract{Number: "K-77", Title: "Tablets 2026", VendorID: v.ID,
		StartsOn: civil.Today().AddDays(-30), EndsOn: civil.Today().AddMonths(24), NoticeMonths: &notice})
	if err != nil {
		t.Fatal(err)
	}
	price := int64(249500)
	if _, err := ts.Contracts.AddPrice(ts.Ctx, c.ID, contracts.NewPrice{ProductID: &f.tablet.ID, Kind: contracts.PricePurchase,
		AmountOre: &price, ValidFrom: civil.Today().AddDays(-30)}); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/receipts/new", 200, `<select id="contract_id" name="contract_id">`, fmt.Sprintf(`<option value="%d">K-77 – Tablets 2026</option>`, c.ID))

	form := url.Values{"location_id": {fmt.Sprint(f.loc.ID)}, "product_id": {fmt.Sprint(f.oxi.ID)}, "contract_id": {fmt.Sprint(c.ID)},
		"serials": {"OXI-K-1"}}
	st, body, _ := b.Post("/receipts/new", form)
	if st != 422 || !strings.Contains(body, "<strong>Stykpris i kr.</strong>") || !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>`, c.ID)) {
		t.Errorf("a product the contract does not price: %d: %s", st, webtest.PageSnippet(body))
	}
	form.Set("product_id", fmt.Sprint(f.tablet.ID))
	form.Set("serials", "TAB-K-1\nTAB-K-2")
	if st, body, _ = b.Post("/receipts/new", form); st != 201 || !strings.Contains(body, "2.495,00 kr.") {
		t.Fatalf("receipt under the contract: %d: %s", st, webtest.PageSnippet(body))
	}
	if ds, err := ts.Inventory.FindBySerial(ts.Ctx, "TAB-K-2"); err != nil || len(ds) != 1 || ds[0].UnitCostOre != price {
		t.Fatalf("TAB-K-2: %+v, %v; want the contract's price %d", ds, err, price)
	}
	form.Set("contract_id", "x")
	if st, body, _ = b.Post("/receipts/new", form); st != 422 || !strings.Contains(body, "<strong>Kontrakt</strong>") {
		t.Errorf("a contract id that is not one: %d: %s", st, webtest.PageSnippet(body))
	}
}
