package inventory_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryKitPages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	sc, err := ts.Contracts.CreateScheme(ts.Ctx, contracts.NewScheme{Code: "KOL-TELE", Name: "KOL telemonitorering"})
	if err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/kits/new", 200, `name="product_7"`, `name="quantity_7"`)

	form := url.Values{"code": {"KOL-BASIS"}, "name": {"KOL basiskit"}, "scheme_id": {fmt.Sprint(sc.ID)},
		"product_0": {fmt.Sprint(f.tablet.ID)}, "quantity_0": {"1"},
		"product_2": {fmt.Sprint(f.oxi.ID)}, "quantity_2": {"0"},
		"product_4": {fmt.Sprint(f.tablet.ID)}, "quantity_4": {"2"}}
	st, body, _ := b.Post("/kits/new", form)
	if st != 422 || !strings.Contains(body, "<strong>Række 3, Antal</strong>: skal være mindst 1") ||
		!strings.Contains(body, "<strong>Række 5, Produkt</strong>: produktet står allerede i række 1") {
		t.Errorf("bad kit: %d: %s", st, webtest.PageSnippet(body))
	}
	form.Set("quantity_2", "1")
	form.Del("product_4")
	if st, body, loc := b.Post("/kits/new", form); st != 303 || loc != "/kits" {
		t.Fatalf("kit: %d %q: %s", st, loc, webtest.PageSnippet(body))
	}
	body = b.ExpectPage("/kits", 200, "KOL-BASIS", "KOL basiskit", "KOL telemonitorering", "Tablet 10 tommer", "Pulsoximeter")
	ks, _ := ts.Inventory.ListKits(ts.Ctx)
	edit := fmt.Sprintf("/kits/%d/edit", ks[0].ID)
	if !strings.Contains(body, edit) {
		t.Fatal("no edit link")
	}
	b.ExpectPage(edit, 200, `value="KOL-BASIS" readonly`)
	st, _, _ = b.Post(edit, url.Values{"name": {"KOL kit"}, "product_0": {fmt.Sprint(f.oxi.ID)}, "quantity_0": {"2"}})
	if st != 303 {
		t.Fatalf("edit kit: %d", st)
	}
	k, _ := ts.Inventory.GetKit(ts.Ctx, ks[0].ID)
	if k.Name != "KOL kit" || len(k.Components) != 1 || k.Components[0].Quantity != 2 {
		t.Errorf("kit after edit: %+v", k)
	}
}
