package inventory_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

// fixture is a warehouse with a tablet (serialised, reorder level 5), an oximeter
// (serialised, no reorder level) and test strips (counted by quantity).
type fixture struct {
	loc, loc2            *inventory.Location
	tablet, oxi, strips  *inventory.Product
	devices              map[string]int64 // serial → device id
	logisticsCtx, sysCtx context.Context
}

func setup(t *testing.T, ts *webtest.Server) *fixture {
	t.Helper()
	ctx := ts.Ctx
	f := &fixture{devices: map[string]int64{}, sysCtx: ctx,
		logisticsCtx: auth.WithPrincipal(ctx, auth.Principal{Name: "logistics", Role: auth.RoleLogistics})}
	var err error
	if f.loc, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"}); err != nil {
		t.Fatal(err)
	}
	if f.loc2, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "HOR", Name: "Lager Horsens"}); err != nil {
		t.Fatal(err)
	}
	if f.tablet, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-10", Name: "Tablet 10 tommer", Category: "tablet", Tracking: "serial", ReorderLevel: 5}); err != nil {
		t.Fatal(err)
	}
	if f.oxi, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "OXI-2", Name: "Pulsoximeter", Category: "oximeter", Tracking: "serial"}); err != nil {
		t.Fatal(err)
	}
	if f.strips, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "STRIP-50", Name: "Teststrimler 50 stk.", Category: "consumable", Tracking: "quantity", ReorderLevel: 10}); err != nil {
		t.Fatal(err)
	}
	f.receive(t, ts, f.loc.ID, f.tablet.ID, "TAB-0001", "TAB-0002", "TAB-0003")
	f.receive(t, ts, f.loc.ID, f.oxi.ID, "OXI-0001", "OXI-0002", "OXI-0003", "OXI-0004", "OXI-0005", "OXI-0006")
	q := int64(40)
	if _, err := ts.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: f.loc.ID, Reference: "FS-1",
		Lines: []inventory.NewReceiptLine{{ProductID: f.strips.ID, Quantity: &q, UnitCostOre: 1250}}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) receive(t *testing.T, ts *webtest.Server, loc, product int64, serials ...string) {
	t.Helper()
	r, err := ts.Inventory.CreateReceipt(f.sysCtx, inventory.NewReceipt{LocationID: loc, Reference: "setup",
		Lines: []inventory.NewReceiptLine{{ProductID: product, Serials: serials, UnitCostOre: 99900}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range r.Lines[0].DeviceIDs {
		f.devices[serials[i]] = id
	}
}

// deploy takes device serial through its workflow to a citizen of member.
func (f *fixture) deploy(t *testing.T, ts *webtest.Server, serial string, member *contracts.Member, citizen string) {
	t.Helper()
	id := f.devices[serial]
	for _, st := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
		c := inventory.Change{Reason: "test"}
		if st == inventory.Reserved {
			c.MemberID, c.CitizenRef = &member.ID, &citizen
		}
		if _, err := ts.Inventory.Move(f.sysCtx, []int64{id}, st, c); err != nil {
			t.Fatalf("move %s to %s: %v", serial, st, err)
		}
	}
}

func loggedIn(t *testing.T, ts *webtest.Server, user string) *webtest.Client {
	t.Helper()
	b := webtest.NewClient(ts)
	b.Login(user+"@example.dk", webtest.Password)
	return b
}

func TestInventoryPagesNavigation(t *testing.T) {
	ts := webtest.New(t)
	b := loggedIn(t, ts, "logistics")
	for _, h := range []string{"/devices", "/stock", "/receipts/new", "/kits", "/stocktakes", "/recalls"} {
		b.ExpectPage("/", 200, fmt.Sprintf(`href="%s"`, h))
	}
	m := loggedIn(t, ts, "member")
	body := m.ExpectPage("/", 200, `href="/devices">Mine enheder`)
	for _, h := range []string{`href="/stock"`, `href="/receipts/new"`, `href="/stocktakes"`} {
		if strings.Contains(body, h) {
			t.Errorf("member navigation offers %s", h)
		}
	}
}

func TestInventoryScannerSearchRedirectsToTheDevice(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")

	body := b.ExpectPage("/devices", 200, `name="serial"`, "autofocus", "TAB-0001", "OXI-0006")
	if !strings.Contains(body, `<input id="serial" name="serial"`) {
		t.Errorf("the device list has no scanner box at the top")
	}
	// A scanner types the serial and Enter: a single match opens the device.
	st, _, loc := b.Get("/devices?serial=" + url.QueryEscape(" TAB-0002 "))
	if want := fmt.Sprintf("/devices/%d", f.devices["TAB-0002"]); st != 303 || loc != want {
		t.Fatalf("scan TAB-0002: %d to %q; want 303 to %s", st, loc, want)
	}
	b.ExpectPage("/devices?serial=NOPE-1", 200, "Ingen enhed har serienummeret NOPE-1.")

	// The same serial on two products lists both.
	tab := f.devices["TAB-0001"]
	f.receive(t, ts, f.loc.ID, f.oxi.ID, "TAB-0001")
	body = b.ExpectPage("/devices?serial=TAB-0001", 200, "Flere enheder har serienummeret TAB-0001")
	for _, id := range []int64{tab, f.devices["TAB-0001"]} {
		if !strings.Contains(body, fmt.Sprintf(`href="/devices/%d"`, id)) {
			t.Errorf("the list of matches lacks device %d", id)
		}
	}

	// Filters: state and product.
	body = b.ExpectPage(fmt.Sprintf("/devices?product_id=%d", f.tablet.ID), 200, "TAB-0003")
	if strings.Contains(body, "OXI-0002") {
		t.Error("the product filter lets another product through")
	}
	b.ExpectPage("/devices?state=repair", 200, "Intet at vise.")
	// Keyset pages: 10 devices, 4 a page.
	body = b.ExpectPage("/devices?limit=4", 200, "Næste side")
	if n := strings.Count(body, `<td><a class="mono" href="/devices/`); n != 4 {
		t.Errorf("a page of 4 shows %d devices", n)
	}
}

func TestInventoryDevicePageTimelineAndTransitions(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	id := f.devices["TAB-0001"]
	path := fmt.Sprintf("/devices/%d", id)

	body := b.ExpectPage(path, 200, `<ol class="inv-history"`, "Modtaget på varemodtagelse", "TAB-10", "Tablet 10 tommer",
		"AAR – Lager Aarhus", `action="`+path+`/transition"`)
	// Only the manual moves from available are offered.
	for _, want := range []string{`value="repair"`, `value="scrapped"`, `value="lost"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the move form lacks %s", want)
		}
	}
	for _, not := range []string{`value="reserved"`, `value="deployed"`, `value="cleaning"`, `action="` + path + `/transfer"`} {
		if strings.Contains(body, not) {
			t.Errorf("the device page offers %s for an available device", not)
		}
	}

	// A manual move through the form.
	st, _, loc := b.Post(path+"/transition", url.Values{"to": {"repair"}, "reason": {"revnet skærm"}})
	if st != 303 || loc != path {
		t.Fatalf("transition: %d to %q", st, loc)
	}
	body = b.ExpectPage(path, 200, "Status er skiftet.", "revnet skærm", `badge state-repair`)
	if strings.Index(body, "revnet skærm") > strings.Index(body, "Modtaget på varemodtagelse") {
		t.Error("the timeline does not show the newest event first")
	}
	d, err := ts.Inventory.GetDevice(ts.Ctx, id)
	if err != nil || d.State != inventory.Repair {
		t.Fatalf("device after the move: %+v, %v", d, err)
	}

	// An illegal move (a crafted or stale form) is refused and said in Danish.
	st, body, _ = b.Post(path+"/transition", url.Values{"to": {"deployed"}, "reason": {"forsøg"}})
	if st != 409 || !strings.Contains(body, "En enhed kan ikke skifte fra »Reparation« til »Hos borger« her.") {
		t.Errorf("illegal move: %d: %s", st, webtest.PageSnippet(body))
	}
	if !strings.Contains(body, `<ol class="inv-history"`) || !strings.Contains(body, `value="forsøg"`) {
		t.Error("a refused move does not show the device page again with the reason kept")
	}
	// Without a reason.
	st, body, _ = b.Post(path+"/transition", url.Values{"to": {"available"}, "reason": {" "}})
	if st != 422 || !strings.Contains(body, "<strong>Begrundelse</strong>: skal udfyldes") {
		t.Errorf("move without reason: %d: %s", st, webtest.PageSnippet(body))
	}

	// A deployed device can be transferred to another member's citizen.
	f.deploy(t, ts, "TAB-0002", ts.Members["751"], "borger-17")
	p2 := fmt.Sprintf("/devices/%d", f.devices["TAB-0002"])
	b.ExpectPage(p2, 200, `action="`+p2+`/transfer"`, "borger-17", "Kommune 751")
	st, body, _ = b.Post(p2+"/transfer", url.Values{"member_id": {fmt.Sprint(ts.Members["657"].ID)}, "citizen_ref": {"0101701234"}})
	if st != 422 || !strings.Contains(body, "ligner et CPR-nummer") {
		t.Errorf("transfer with a CPR number: %d: %s", st, webtest.PageSnippet(body))
	}
	st, _, _ = b.Post(p2+"/transfer", url.Values{"member_id": {fmt.Sprint(ts.Members["657"].ID)}, "citizen_ref": {"ref-9"}})
	if st != 303 {
		t.Fatalf("transfer: %d", st)
	}
	b.ExpectPage(p2, 200, "Enheden er overdraget.", "Overdraget fra Kommune 751 til Kommune 657", "ref-9")

	// Support sees the page but not the forms.
	s := loggedIn(t, ts, "support")
	body = s.ExpectPage(path, 200, `<ol class="inv-history"`)
	if strings.Contains(body, "/transition") {
		t.Error("support is offered the move form")
	}
	if st, _, _ := s.Post(path+"/transition", url.Values{"to": {"available"}, "reason": {"x"}}); st != 403 {
		t.Errorf("support posts a move: %d, want 403", st)
	}
}

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

func TestInventoryStockFlagsBelowReorder(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	b := loggedIn(t, ts, "logistics")
	body := b.ExpectPage("/stock", 200, "TAB-10", "OXI-2", "STRIP-50", "1 produkt under genbestillingsniveau.")
	row := func(sku string) string {
		i := strings.Index(body, ">"+sku+"<")
		if i < 0 {
			t.Fatalf("no row for %s", sku)
		}
		start := strings.LastIndex(body[:i], "<tr")
		end := strings.Index(body[i:], "</tr>")
		return body[start : i+end]
	}
	// 3 tablets available under a reorder level of 5; 6 oximeters without a level; 40 strips over 10.
	if r := row("TAB-10"); !strings.Contains(r, `class="below"`) || !strings.Contains(r, ">Genbestil<") {
		t.Errorf("TAB-10 row is not flagged: %s", r)
	}
	for _, sku := range []string{"OXI-2", "STRIP-50"} {
		if r := row(sku); strings.Contains(r, "below") {
			t.Errorf("%s is flagged: %s", sku, r)
		}
	}
	// At the other warehouse there is nothing, so the strips are under their level too.
	b.ExpectPage(fmt.Sprintf("/stock?location_id=%d", f.loc2.ID), 200, "2 produkter under genbestillingsniveau.")

	// The dashboard's panel shows the same warning to staff, and nothing to a member.
	dash := b.ExpectPage("/", 200, `class="panel reorder"`, "1 produkt under genbestillingsniveau.", `<a href="/stock">TAB-10</a>`)
	if strings.Contains(dash, `<a href="/stock">STRIP-50</a>`) {
		t.Error("the dashboard warns of a product above its reorder level")
	}
	m := loggedIn(t, ts, "member")
	if st, _, _ := m.Get("/stock"); st != 403 {
		t.Errorf("member opens /stock: %d", st)
	}
	if strings.Contains(m.ExpectPage("/", 200), "panel reorder") {
		t.Error("a member's dashboard warns of stock")
	}
}

// workbook fetches path as b and opens the workbook it answers.
func workbook(t *testing.T, b *webtest.Client, path string) [][]string {
	t.Helper()
	st, body, _ := b.Get(path)
	if st != 200 {
		t.Fatalf("GET %s: %d: %s", path, st, webtest.PageSnippet(body))
	}
	wb, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s is not a workbook: %v", path, err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(wb.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestInventoryExcelExports(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "TAB-0003", ts.Members["751"], "borger-3")
	b := loggedIn(t, ts, "logistics")

	rows := workbook(t, b, "/devices.xlsx")
	if len(rows) != 1+9 || rows[0][0] != "Serienummer" {
		t.Fatalf("devices.xlsx: %d rows, header %v", len(rows), rows[0])
	}
	rows = workbook(t, b, fmt.Sprintf("/devices.xlsx?state=deployed&product_id=%d", f.tablet.ID))
	if len(rows) != 2 || rows[1][0] != "TAB-0003" || rows[1][3] != "Hos borger" || rows[1][5] != "Kommune 751" || rows[1][6] != "borger-3" {
		t.Errorf("filtered devices.xlsx: %v", rows)
	}
	// The list page's export link carries its filters.
	b.ExpectPage("/devices?state=deployed", 200, `href="/devices.xlsx?state=deployed"`)

	rows = workbook(t, b, "/stock.xlsx")
	if len(rows) != 1+3 || rows[0][0] != "Varenummer" {
		t.Fatalf("stock.xlsx: %v", rows)
	}
	for _, r := range rows[1:] {
		if r[0] == "TAB-10" && (r[5] != "2" || r[6] != "1" || r[8] != "TRUE") {
			t.Errorf("stock.xlsx TAB-10 row: %v", r)
		}
	}
	if rows := workbook(t, b, fmt.Sprintf("/stock.xlsx?location_id=%d", f.loc2.ID)); len(rows) != 4 {
		t.Errorf("stock.xlsx at a location: %v", rows)
	}
}

func TestInventoryMemberSeesOnlyOwnDevices(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "TAB-0001", ts.Members["751"], "borger-751")
	f.deploy(t, ts, "OXI-0001", ts.Members["657"], "borger-657")
	m := loggedIn(t, ts, "member")

	body := m.ExpectPage("/devices", 200, "<h1>Mine enheder</h1>", "TAB-0001", "borger-751")
	for _, not := range []string{"OXI-0001", "borger-657", "TAB-0002", "Lager Aarhus"} {
		if strings.Contains(body, not) {
			t.Errorf("the member's list shows %s", not)
		}
	}
	m.ExpectPage(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]), 200, "borger-751", `<ol class="inv-history"`)
	st, body, _ := m.Get(fmt.Sprintf("/devices/%d", f.devices["OXI-0001"]))
	if st != 404 || strings.Contains(body, "borger-657") {
		t.Errorf("another member's device: %d", st)
	}
	// Scanning another member's serial finds nothing.
	m.ExpectPage("/devices?serial=OXI-0001", 200, "Ingen enhed har serienummeret OXI-0001.")
	st, _, loc := m.Get("/devices?serial=TAB-0001")
	if st != 303 || loc != fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]) {
		t.Errorf("member scans own serial: %d to %q", st, loc)
	}
	rows := workbook(t, m, "/devices.xlsx")
	if len(rows) != 2 || rows[1][0] != "TAB-0001" {
		t.Errorf("member's devices.xlsx: %v", rows)
	}
	if st, _, _ := m.Post(fmt.Sprintf("/devices/%d/transition", f.devices["TAB-0001"]), url.Values{"to": {"lost"}, "reason": {"x"}}); st != 403 {
		t.Errorf("member posts a move: %d", st)
	}

	// After a transfer to 657, the new member's user does not see 751's citizen in the history.
	if _, err := ts.Inventory.Transfer(f.logisticsCtx, f.devices["TAB-0001"], inventory.TransferRequest{MemberID: ts.Members["657"].ID, CitizenRef: "ny-borger"}); err != nil {
		t.Fatal(err)
	}
	m2 := loggedIn(t, ts, "member2")
	body = m2.ExpectPage(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"]), 200, "ny-borger")
	if strings.Contains(body, "borger-751") {
		t.Error("the new member sees the former member's citizen reference")
	}
	if st, _, _ := m.Get(fmt.Sprintf("/devices/%d", f.devices["TAB-0001"])); st != 404 {
		t.Errorf("former member still opens the device: %d", st)
	}
}

// upload posts a multipart form with one file as b would from the import page.
func upload(t *testing.T, b *webtest.Client, path string, fields map[string]string, filename string, data []byte) (int, string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields["_csrf"] = b.CSRF
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.TS.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header.Get("Location")
}

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

func TestInventoryStocktakePages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.receive(t, ts, f.loc2.ID, f.oxi.ID, "OXI-HOR-1")
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/stocktakes", 200, `action="/stocktakes"`)
	st, _, loc := b.Post("/stocktakes", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}})
	if st != 303 || !strings.HasPrefix(loc, "/stocktakes/") {
		t.Fatalf("start: %d %q", st, loc)
	}
	// A second one at the same location is refused.
	st, body, _ := b.Post("/stocktakes", url.Values{"location_id": {fmt.Sprint(f.loc.ID)}})
	if st != 409 || !strings.Contains(body, "Der er allerede en åben optælling") {
		t.Errorf("second stocktake: %d: %s", st, webtest.PageSnippet(body))
	}
	body = b.ExpectPage(loc, 200, "Optælling nr.", `<textarea id="serials" name="serials"`, `name="qty_`+fmt.Sprint(f.strips.ID)+`"`)

	// Scan all but TAB-0003, one from the other warehouse and one unknown; count 38 strips.
	scan := "TAB-0001\nTAB-0002\nOXI-0001\nOXI-0002\nOXI-0003\nOXI-0004\nOXI-0005\nOXI-0006\nOXI-HOR-1\nUKENDT-1\n"
	st, _, _ = b.Post(loc+"/count", url.Values{"serials": {scan}, "qty_" + fmt.Sprint(f.strips.ID): {"38"}})
	if st != 303 {
		t.Fatalf("count: %d", st)
	}
	body = b.ExpectPage(loc, 200, "Optællingen er registreret.", "TAB-0003", "OXI-HOR-1", "flyttes hertil", "UKENDT-1", "ukendt serienummer", "STRIP-50", "-2",
		"1 enhed bogføres som bortkommet.")
	// A malformed serial names its row.
	st, body, _ = b.Post(loc+"/count", url.Values{"serials": {"TAB-0001\nbad serial!"}})
	if st != 422 || !strings.Contains(body, "<strong>Linje 2</strong>") {
		t.Errorf("bad scan: %d: %s", st, webtest.PageSnippet(body))
	}
	st, body, _ = b.Post(loc+"/confirm", url.Values{"reason": {""}})
	if st != 422 {
		t.Errorf("confirm without reason: %d", st)
	}
	if st, _, _ = b.Post(loc+"/confirm", url.Values{"reason": {"årsoptælling"}}); st != 303 {
		t.Fatalf("confirm: %d", st)
	}
	body = b.ExpectPage(loc, 200, "Bogført", "årsoptælling")
	if strings.Contains(body, `action="`+loc+`/count"`) {
		t.Error("a confirmed stocktake still offers the count form")
	}
	d, _ := ts.Inventory.GetDevice(ts.Ctx, f.devices["TAB-0003"])
	if d.State != inventory.Lost {
		t.Errorf("the missing tablet is %s after confirmation", d.State)
	}
}

func TestInventoryRecallPages(t *testing.T) {
	ts := webtest.New(t)
	f := setup(t, ts)
	f.deploy(t, ts, "OXI-0002", ts.Members["657"], "borger-42")
	b := loggedIn(t, ts, "logistics")
	b.ExpectPage("/recalls", 200, "Ingen tilbagekaldelser endnu.", `name="serial_from"`)

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

// Every page answers the roles the brief gives it.
func TestInventoryPagesRoles(t *testing.T) {
	ts := webtest.New(t)
	setup(t, ts)
	cases := []struct {
		user, path string
		status     int
	}{
		{"support", "/stock", 200}, {"finance", "/devices", 200}, {"support", "/receipts/new", 403},
		{"admin", "/kits/new", 200}, {"support", "/kits/new", 403}, {"admin", "/stocktakes", 200},
		{"admin", "/recalls", 200}, {"member", "/recalls", 403}, {"member", "/stocktakes", 403},
		{"member", "/kits", 200}, {"member", "/imports/new", 403},
	}
	clients := map[string]*webtest.Client{}
	for _, c := range cases {
		b := clients[c.user]
		if b == nil {
			b = loggedIn(t, ts, c.user)
			clients[c.user] = b
		}
		if st, body, _ := b.Get(c.path); st != c.status {
			t.Errorf("%s GET %s: %d, want %d: %s", c.user, c.path, st, c.status, webtest.PageSnippet(body))
		}
	}
}
