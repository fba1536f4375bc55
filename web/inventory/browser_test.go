package inventory_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
)

// browserData is what browserSeed put in the database.
type browserData struct {
	aar, hor         *inventory.Location
	tablet, oxi, bpm *inventory.Product
	devices          map[string]int64
	recall           *inventory.Recall
	scheme           *contracts.Scheme
	queuedImport     *inventory.Import
	deployedTablet   string
	availableTablet  string
	horSerials       []string
}

// browserSeed fills a warehouse as a centre would have it: two locations, five
// products, some fifty devices in several states, a recall, a kit and a large import
// waiting in the queue.
func browserSeed(t *testing.T, ts *webtest.Server) *browserData {
	t.Helper()
	ctx := ts.Ctx
	lctx := auth.WithPrincipal(ctx, auth.Principal{Name: "Lene Logistik", Role: auth.RoleLogistics})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := &browserData{devices: map[string]int64{}}
	var err error
	d.aar, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Centrallager Aarhus"})
	must(err)
	d.hor, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "HOR", Name: "Lager Horsens"})
	must(err)
	product := func(sku, name, tracking string, reorder int64) *inventory.Product {
		p, err := ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: sku, Name: name, Category: "telemedicin", Tracking: tracking, ReorderLevel: reorder})
		must(err)
		return p
	}
	d.tablet = product("TAB-10", "Tablet 10\" til KOL-monitorering", "serial", 10)
	d.oxi = product("OXI-2", "Pulsoximeter Nonin 3230", "serial", 5)
	d.bpm = product("BPM-1", "Blodtryksmåler A&D UA-651", "serial", 4)
	scale := product("SCL-1", "Personvægt med Bluetooth", "serial", 0)
	strips := product("STRIP-50", "Teststrimler, 50 stk.", "quantity", 100)
	receive := func(loc int64, p *inventory.Product, prefix string, n int) []string {
		serials := make([]string, n)
		for i := range serials {
			serials[i] = fmt.Sprintf("%s-%05d", prefix, i+1)
		}
		r, err := ts.Inventory.CreateReceipt(lctx, inventory.NewReceipt{LocationID: loc, Reference: "FS-2025-0412",
			Lines: []inventory.NewReceiptLine{{ProductID: p.ID, Serials: serials, UnitCostOre: 249500}}})
		must(err)
		for i, id := range r.Lines[0].DeviceIDs {
			d.devices[serials[i]] = id
		}
		return serials
	}
	tabs := receive(d.aar.ID, d.tablet, "TAB25", 14)
	oxis := receive(d.aar.ID, d.oxi, "NON3230", 8)
	d.horSerials = receive(d.hor.ID, d.oxi, "NON3230H", 3)
	receive(d.aar.ID, d.bpm, "UA651", 3)
	receive(d.aar.ID, scale, "BTW", 6)
	q := int64(60)
	_, err = ts.Inventory.CreateReceipt(lctx, inventory.NewReceipt{LocationID: d.aar.ID, Reference: "FS-2025-0413",
		Lines: []inventory.NewReceiptLine{{ProductID: strips.ID, Quantity: &q, UnitCostOre: 8900}}})
	must(err)

	move := func(serial string, states []inventory.State, c inventory.Change) {
		for _, st := range states {
			_, err := ts.Inventory.Move(lctx, []int64{d.devices[serial]}, st, c)
			must(err)
			c = inventory.Change{Why: c.Why}
		}
	}
	deploy := func(serial, member, citizen string) {
		m := ts.Members[member]
		move(serial, []inventory.State{inventory.Reserved}, inventory.Change{Why: inventory.Because(inventory.WhyReserved, "O-2025-00"+serial[len(serial)-2:]), MemberID: &m.ID, CitizenRef: &citizen})
		move(serial, []inventory.State{inventory.InTransit}, inventory.Change{Why: inventory.Because(inventory.WhyShipped, "00370726201234567890")})
		move(serial, []inventory.State{inventory.Deployed}, inventory.Change{Why: inventory.Because(inventory.WhyDeliveredCarrier)})
	}
	deploy(tabs[0], "751", "KOL-4711")
	deploy(tabs[1], "751", "KOL-4712")
	deploy(tabs[2], "657", "HOR-0042")
	deploy(oxis[0], "751", "KOL-4711")
	deploy(oxis[1], "657", "HOR-0042")
	deploy(tabs[3], "751", "KOL-4800")
	move(tabs[3], []inventory.State{inventory.Returning}, inventory.Change{Why: inventory.Because(inventory.WhyPickup, "moved")})
	move(tabs[3], []inventory.State{inventory.Cleaning}, inventory.Change{Why: inventory.Because(inventory.WhyPickedUp), ClearHolder: true, LocationID: &d.aar.ID})
	_, err = ts.Inventory.Transition(lctx, d.devices[tabs[4]], inventory.TransitionRequest{To: inventory.Repair, Reason: "Skærmen blinker ved opstart"})
	must(err)
	d.deployedTablet, d.availableTablet = tabs[0], tabs[6]

	d.recall, err = ts.Inventory.CreateRecall(lctx, inventory.NewRecall{ProductID: d.oxi.ID, VendorRef: "Nonin FSN-2025-03",
		Reason: "Batteriet kan blive varmt under opladning", SerialFrom: "NON3230-00001", SerialTo: "NON3230-00004"})
	must(err)

	d.scheme, err = ts.Contracts.CreateScheme(ctx, contracts.NewScheme{Code: "KOL-TELE", Name: "KOL telemonitorering"})
	must(err)
	_, err = ts.Inventory.CreateKit(lctx, inventory.NewKit{Code: "KOL-BASIS", Name: "KOL basiskit", SchemeID: d.scheme.ID,
		Components: []inventory.NewKitComponent{{ProductID: d.tablet.ID, Quantity: 1}, {ProductID: d.oxi.ID, Quantity: 1}, {ProductID: d.bpm.ID, Quantity: 1}}})
	must(err)

	var big strings.Builder
	big.WriteString("sku;serial\n")
	for i := range inventory.ImportSyncRows + 500 {
		fmt.Fprintf(&big, "BTW;BTW-BULK-%06d\n", i)
	}
	d.queuedImport, err = ts.Inventory.StartImport(lctx, d.aar.ID, "stor-levering-vaegte.csv", []byte(strings.ReplaceAll(big.String(), "BTW;", "SCL-1;")))
	must(err)
	if d.queuedImport.Status != inventory.ImportQueued {
		t.Fatalf("the large import is %s, want queued", d.queuedImport.Status)
	}
	return d
}

func TestBrowserInventoryPages(t *testing.T) {
	b := webtest.StartBrowser(t)
	d := browserSeed(t, b.TS)

	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("logistics@example.dk", webtest.Password), 200, "/")
	for _, h := range []string{"/devices", "/stock", "/receipts/new", "/kits", "/stocktakes", "/recalls"} {
		if n := b.Count(fmt.Sprintf(`nav.side a[href="%s"]`, h)); n != 1 {
			t.Errorf("the navigation has %d links to %s", n, h)
		}
	}

	// The device list, the scanner box focused.
	b.ExpectPage(b.Click(`nav.side a[href="/devices"]`), 200, "/devices")
	b.ExpectText("h1", "Enheder")
	b.ExpectFocus("serial", "the scanner box")
	if n := b.Count("table.list tbody tr"); n != 34 {
		t.Errorf("the list shows %d devices; want all 34", n)
	}
	b.Shot("inv-devices")
	b.ExpectFits("the device list at 1280 px")
	b.Viewport(500, 900)
	b.ExpectFits("the device list at 500 px")
	b.Viewport(1280, 900)

	// A scan (the scanner types the serial and Enter) opens the device.
	st := b.Follow("scan a serial", chromedp.SendKeys(chromedp.ID("serial"), d.deployedTablet+kb.Enter))
	b.ExpectPage(st, 200, fmt.Sprintf("/devices/%d", d.devices[d.deployedTablet]))
	b.ExpectText("h1", d.deployedTablet)
	b.ExpectText("dl.facts", "KOL-4711")
	b.ExpectText("dl.facts", "Kommune 751")
	if n := b.Count("ol.inv-history > li"); n != 4 {
		t.Errorf("the timeline has %d events; want 4 (received, reserved, shipped, delivered)", n)
	}
	if n := b.Count(`form[action$="/transfer"]`); n != 1 {
		t.Error("a deployed device offers no transfer")
	}
	b.Shot("inv-device-deployed")

	// A manual move of a device on the shelf.
	b.ExpectPage(b.Open(fmt.Sprintf("/devices/%d", d.devices[d.availableTablet])), 200, fmt.Sprintf("/devices/%d", d.devices[d.availableTablet]))
	b.Do("fill in the move", chromedp.SetValue(chromedp.ID("to"), "repair"), chromedp.SendKeys(chromedp.ID("reason"), "Revnet skærm fundet ved pluk"))
	b.Click(`form[action$="/transition"] button[type="submit"]`)
	b.ExpectText(`.flash[role="status"]`, "Status er skiftet.")
	b.ExpectText("ol.inv-history > li:first-child", "Revnet skærm fundet ved pluk")
	b.ExpectText(".page-head", "Reparation")
	b.Shot("inv-device-moved")

	// Stock, with products under the reorder level flagged.
	b.ExpectPage(b.Click(`nav.side a[href="/stock"]`), 200, "/stock")
	if n := b.Count("table.stock tr.below"); n < 1 {
		t.Error("no product is flagged below its reorder level")
	}
	b.Shot("inv-stock")

	// Receiving: a duplicate is refused with its row named, the box keeps the scans.
	b.ExpectPage(b.Click(`nav.side a[href="/receipts/new"]`), 200, "/receipts/new")
	b.Do("fill in the receipt",
		chromedp.SetValue(chromedp.ID("location_id"), fmt.Sprint(d.aar.ID)),
		chromedp.SetValue(chromedp.ID("product_id"), fmt.Sprint(d.tablet.ID)),
		chromedp.SendKeys(chromedp.ID("reference"), "FS-2025-0501"),
		chromedp.SendKeys(chromedp.ID("unit_cost"), "2.495,00"),
		chromedp.SendKeys(chromedp.ID("serials"), "TAB25-00101"+kb.Enter+"TAB25-00102"+kb.Enter+"TAB25-00003"+kb.Enter+"TAB25-00104"+kb.Enter+"TAB25-00104"+kb.Enter),
	)
	b.ExpectText("#serial-count", "5 serienumre")
	b.Shot("inv-receipt-form")
	b.ExpectPage(b.Click(`form.receipt-form button[type="submit"]`), 422, "/receipts/new")
	b.ExpectText(`.alert[role="alert"]`, "Linje 5")
	b.ExpectText(`.alert[role="alert"]`, "også linje 4")
	if got := b.Value("#serials"); !strings.Contains(got, "TAB25-00104\nTAB25-00104") {
		t.Errorf("the serials box after the refusal holds %q", got)
	}
	b.Shot("inv-receipt-error")
	b.Do("drop the repeated row", chromedp.SetValue(chromedp.ID("serials"), "TAB25-00101\nTAB25-00102\nTAB25-00003\nTAB25-00104\n"))
	b.ExpectPage(b.Click(`form.receipt-form button[type="submit"]`), 422, "/receipts/new")
	b.ExpectText(`.alert[role="alert"]`, "Linje 3: serienummeret TAB25-00003 findes allerede")
	b.Do("drop the existing serial", chromedp.SetValue(chromedp.ID("serials"), "TAB25-00101\nTAB25-00102\nTAB25-00104\n"))
	b.ExpectPage(b.Click(`form.receipt-form button[type="submit"]`), 201, "/receipts/new")
	b.ExpectText(".flash", "3 enheder oprettet")
	b.Shot("inv-receipt-done")

	// Import from a file: a bad file lists its rows.
	bad := filepath.Join(t.TempDir(), "levering-uge-18.csv")
	if err := os.WriteFile(bad, []byte("sku;serial\nTAB-10;TAB25-00201\nTAB-10;TAB25-00003\nTAB-11;TAB25-00203\nTAB-10;TAB25 00204\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.ExpectPage(b.Open("/imports/new"), 200, "/imports/new")
	b.Do("choose the file", chromedp.SetValue(chromedp.ID("location_id"), fmt.Sprint(d.aar.ID)), chromedp.SetUploadFiles(chromedp.ID("file"), []string{bad}))
	b.Shot("inv-import-form")
	b.Click(`form[action="/imports/new"] button[type="submit"]`)
	if p := b.Path(); !regexp.MustCompile(`^/imports/[0-9]+$`).MatchString(p) {
		t.Fatalf("after the upload the tab is at %s", p)
	}
	b.ExpectText(".page-head", "Afvist")
	b.ExpectText("table.list", "Række 3 (serienummer)")
	b.Shot("inv-import-failed")
	b.ExpectPage(b.Open(fmt.Sprintf("/imports/%d", d.queuedImport.ID)), 200, fmt.Sprintf("/imports/%d", d.queuedImport.ID))
	b.ExpectText(".progress-panel", "0 af 10.500 rækker")
	b.Shot("inv-import-queued")

	// Kits.
	b.ExpectPage(b.Open("/kits"), 200, "/kits")
	b.ExpectText("table.list", "KOL basiskit")
	b.Shot("inv-kits")
	b.ExpectPage(b.Click(`a[href="/kits/new"]`), 200, "/kits/new")
	b.Do("fill in a kit with a repeated product",
		chromedp.SendKeys(chromedp.ID("code"), "KOL-UDVIDET"),
		chromedp.SendKeys(chromedp.ID("name"), "KOL udvidet kit"),
		chromedp.SetValue(chromedp.ID("scheme_id"), fmt.Sprint(d.scheme.ID)),
		chromedp.SetValue(chromedp.ID("product_0"), fmt.Sprint(d.tablet.ID)),
		chromedp.SetValue(chromedp.ID("product_1"), fmt.Sprint(d.oxi.ID)),
		chromedp.SetValue(chromedp.ID("product_2"), fmt.Sprint(d.tablet.ID)),
	)
	b.ExpectPage(b.Click(`form.kit-form button[type="submit"]`), 422, "/kits/new")
	b.ExpectText(`.alert[role="alert"]`, "Række 3, Produkt")
	b.Shot("inv-kit-form-error")

	// Stocktaking at Horsens: one device not found, one from Aarhus found there.
	b.ExpectPage(b.Open("/stocktakes"), 200, "/stocktakes")
	b.Shot("inv-stocktakes")
	b.Do("choose Horsens", chromedp.SetValue(chromedp.ID("location_id"), fmt.Sprint(d.hor.ID)))
	b.Click(`form[action="/stocktakes"] button[type="submit"]`)
	if p := b.Path(); !regexp.MustCompile(`^/stocktakes/[0-9]+$`).MatchString(p) {
		t.Fatalf("after starting the stocktake the tab is at %s", p)
	}
	b.ExpectFocus("serials", "the scan box")
	b.ExpectText("#confirm-h + p", "Scan hvad der står på hylderne først.")
	b.Shot("inv-stocktake-uncounted")
	b.Do("scan", chromedp.SendKeys(chromedp.ID("serials"), d.horSerials[0]+kb.Enter+d.horSerials[1]+kb.Enter+"NON3230-00007"+kb.Enter+"UKENDT-998"+kb.Enter))
	b.Click(`form[action$="/count"] button[type="submit"]`)
	b.ExpectText(`.flash[role="status"]`, "Optællingen er registreret.")
	b.ExpectText("#missing + table", d.horSerials[2])
	b.Shot("inv-stocktake")

	// Recalls.
	b.ExpectPage(b.Click(`nav.side a[href="/recalls"]`), 200, "/recalls")
	b.Shot("inv-recalls")
	b.ExpectPage(b.Click(fmt.Sprintf(`a[href="/recalls/%d"]`, d.recall.ID)), 200, fmt.Sprintf("/recalls/%d", d.recall.ID))
	b.ExpectText("table.list", "Kommune 751")
	b.ExpectText("table.list", "KOL-4711")
	b.Shot("inv-recall")

	// English.
	b.ExpectPage(b.Open("/lang/en?next=/stock"), 200, "/stock")
	b.ExpectText("h1", "Stock")
	b.Shot("inv-stock-en")
	b.ExpectPage(b.Open("/lang/da?next=/"), 200, "/")

	// A municipality's nurse sees the devices at its own citizens.
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/devices"]`), 200, "/devices")
	b.ExpectText("h1", "Mine enheder")
	if n := b.Count("table.list tbody tr"); n != 3 {
		t.Errorf("the member sees %d devices; want 3", n)
	}
	b.ExpectNoText("main", "HOR-0042")
	b.Shot("inv-devices-member")
	b.ExpectPage(b.Click("table.list tbody tr:first-child a"), 200, fmt.Sprintf("/devices/%d", d.devices[d.deployedTablet]))
	b.Shot("inv-device-member")
}
