package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
)

func TestInventoryImportPages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/imports/new", 200, `enctype="multipart/form-data"`, `type="file"`)

	st, body, loc := upload(t, b, "/imports/new", map[string]string{"location_id": fmt.Sprint(f.loc.ID)}, "levering.csv",
		[]byte("sku;serial\nTAB-10;IMP-1\nTAB-10;IMP-2\nOXI-2;IMP-3\n"))
	if st != 303 || !strings.HasPrefix(loc, "/imports/") {
		t.Fatalf("import: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	b.ExpectPage(loc, 200, "Færdig", "levering.csv", "3 / 3")

	// A bad file: every bad row named by its row in the file, and the errors as Excel.
	st, _, loc = upload(t, b, "/imports/new", map[string]string{"location_id": fmt.Sprint(f.loc.ID)}, "fejl.csv",
		[]byte("sku;serial\nTAB-10;IMP-1\nNOPE;IMP-9\nTAB-10;IMP-7\nTAB-10;IMP-7\n"))
	if st != 303 {
		t.Fatalf("bad import: %d", st)
	}
	body = b.ExpectPage(loc, 200, "Afvist", "Række 2 (serienummer)", "serienummeret IMP-1 findes allerede",
		"Række 3 (varenummer)", "Række 5 (serienummer)", "også række 4 (serienummer)", loc+"/errors.xlsx")
	if rows := workbook(t, b, loc+"/errors.xlsx"); len(rows) < 4 {
		t.Errorf("errors.xlsx: %v", rows)
	}
	_ = body

	// No file, no location: the form again, with both named.
	st, body, _ = upload(t, b, "/imports/new", map[string]string{"location_id": ""}, "tom.csv", nil)
	if st != 422 || !strings.Contains(body, "<strong>Lokation</strong>") {
		t.Errorf("empty import: %d: %s", st, webtest.PageSnippet(body))
	}
}
