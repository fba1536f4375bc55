package inventory_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryRecallPages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "OXI-0002", ts.Members["657"], "borger-42")
	b := loggedIn(t, ts, "logistics")
	// Recalling asks first.
	b.ExpectPage("/recalls", 200, "Ingen tilbagekaldelser endnu.", `name="serial_from"`, `onsubmit="return confirm(&#34;Tilbagekald de angivne enheder?`)

	form := url.Values{"product_id": {fmt.Sprint(f.oxi.ID)}, "vendor_ref": {"FSN-2025-01"}, "reason": {"Fejl i batteri"},
		"serials": {"OXI-0001\nOXI-0002\nOXI-9999"}}
	st, body, _ := b.Post("/recalls", form)
	if st != 422 || !strings.Contains(body, "<strong>Linje 3</strong>: ingen enhed af OXI-2 har serienummeret OXI-9999") {
		t.Errorf("recall with an unknown serial: %d: %s", st, webtest.PageSnippet(body))
	}
	form.Set("serials", "OXI-0001\nOXI-0002")
	st, _, loc := b.Post("/recalls", form)
	if st != 303 {
		t.Fatalf("recall: %d", st)
	}
	b.ExpectPage(loc, 200, "FSN-2025-01", "Fejl i batteri", "Kommune 657", "borger-42", "Lager Aarhus", "OXI-0001")
	b.ExpectPage("/recalls", 200, "FSN-2025-01", loc)
	if rows := workbook(t, b, loc+"/devices.xlsx"); len(rows) != 3 {
		t.Errorf("recall workbook: %v", rows)
	}
	// By range.
	st, _, _ = b.Post("/recalls", url.Values{"product_id": {fmt.Sprint(f.oxi.ID)}, "vendor_ref": {"FSN-2"}, "reason": {"x"},
		"serial_from": {"OXI-0004"}, "serial_to": {"OXI-0006"}})
	if st != 303 {
		t.Errorf("recall by range: %d", st)
	}
	b.ExpectPage(fmt.Sprintf("/devices/%d", f.devices["OXI-0005"]), 200, "badge bad")
}
