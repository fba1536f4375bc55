package inventory_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
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

// The import form offers the file to fill in: the header row the import reads and text
// columns; filled in, it imports as it is.
func TestInventoryImportTemplate(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/imports/new", 200, `href="/imports/template.xlsx"`, "Hent skabelon")
	st, body, _ := b.Get("/imports/template.xlsx")
	if st != 200 {
		t.Fatalf("template: %d: %s", st, webtest.PageSnippet(body))
	}
	wb, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the template is not a workbook: %v", err)
	}
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	if rows, _ := wb.GetRows(sheet); len(rows) != 1 || strings.Join(rows[0], ",") != "sku,serial" {
		t.Fatalf("template rows = %v, want the header sku, serial alone", rows)
	}
	if style, _ := wb.GetCellStyle(sheet, "B2"); style == 0 {
		t.Error("the serial column has no (text) style: Excel would drop a serial's leading zeros")
	}
	_ = wb.SetSheetRow(sheet, "A2", &[]any{"TAB-10", "0001234"})
	var filled bytes.Buffer
	if err := wb.Write(&filled); err != nil {
		t.Fatal(err)
	}
	st, page, loc := upload(t, b, "/imports/new", map[string]string{"location_id": fmt.Sprint(f.loc.ID)}, "skabelon.xlsx", filled.Bytes())
	if st != 303 {
		t.Fatalf("the filled-in template: %d: %s", st, webtest.PageSnippet(page))
	}
	b.ExpectPage(loc, 200, "Færdig", "1 / 1")
	if ds, _ := ts.Inventory.FindBySerial(f.sysCtx, "0001234"); len(ds) != 1 {
		t.Errorf("serial 0001234 imported as %d devices", len(ds))
	}
	if st, _, _ := loggedIn(t, ts, "member").Get("/imports/template.xlsx"); st != 403 {
		t.Errorf("template for a member: %d, want 403", st)
	}
}
