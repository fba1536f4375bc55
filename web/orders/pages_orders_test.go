package orders_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/hibiken/asynq"
	"github.com/xuri/excelize/v2"
)

// fixture is a catalogue and stock for the order pages: member 751 has joined the
// COPD scheme, whose kit holds a tablet, an oximeter and two boxes of strips; three of
// each device and 50 strips are on the shelf at AAR.
type fixture struct {
	ts                  *webtest.Server
	loc                 *inventory.Location
	tablet, oxi, strips *inventory.Product
	kit                 *inventory.Kit
}

func seedOrders(t *testing.T, ts *webtest.Server) *fixture {
	t.Helper()
	ctx := ts.Ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{ts: ts}
	sc, err := ts.Contracts.CreateScheme(ctx, contracts.NewScheme{Code: "kol", Name: "KOL telemonitorering"})
	must(err)
	_, err = ts.Contracts.Join(ctx, sc.ID, contracts.NewParticipation{MemberID: ts.Members["751"].ID, JoinedOn: civil.MustParse("2020-01-01")})
	must(err)
	f.loc, err = ts.Inventory.CreateLocation(ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	must(err)
	f.tablet, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "TAB-10", Name: "Tablet 10\"", Category: "tablet", Tracking: "serial"})
	must(err)
	f.oxi, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "OXI-1", Name: "Pulsoximeter", Category: "oximeter", Tracking: "serial"})
	must(err)
	f.strips, err = ts.Inventory.CreateProduct(ctx, inventory.NewProduct{SKU: "STRIP", Name: "Teststrimler", Category: "consumable", Tracking: "quantity"})
	must(err)
	f.kit, err = ts.Inventory.CreateKit(ctx, inventory.NewKit{Code: "kol-kit", Name: "KOL-kit", SchemeID: sc.ID,
		Components: []inventory.NewKitComponent{{ProductID: f.tablet.ID, Quantity: 1}, {ProductID: f.oxi.ID, Quantity: 1}, {ProductID: f.strips.ID, Quantity: 2}}})
	must(err)
	fifty := int64(50)
	_, err = ts.Inventory.CreateReceipt(ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"TAB-0001", "TAB-0002", "TAB-0003"}},
		{ProductID: f.oxi.ID, Serials: []string{"OXI-0001", "OXI-0002", "OXI-0003"}},
		{ProductID: f.strips.ID, Quantity: &fifty},
	}})
	must(err)
	return f
}

// orderForm is a filled-in order form for the kit.
func (f *fixture) orderForm(key, citizen string) url.Values {
	return url.Values{"key": {key}, "kit_id": {fmt.Sprint(f.kit.ID)}, "citizen_ref": {citizen},
		"delivery_name": {"Karen Jensen"}, "delivery_street": {"Vestergade 12, 2. th."}, "delivery_postcode": {"8000"},
		"delivery_city": {"Aarhus C"}, "delivery_phone": {"+45 12 34 56 78"}, "requested_on": {""}, "note": {"Ring på hos naboen"}}
}

var orderPathRE = regexp.MustCompile(`^/orders/([0-9]+)$`)

// placeByForm orders the kit through the form as the logged-in member and returns the
// order's id.
func (f *fixture) placeByForm(t *testing.T, b *webtest.Client, citizen string) int64 {
	t.Helper()
	form := b.ExpectPage("/orders/new", 200)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)
	if key == nil {
		t.Fatal("order form has no idempotency key")
	}
	st, body, loc := b.Post("/orders/new", f.orderForm(key[1], citizen))
	m := orderPathRE.FindStringSubmatch(loc)
	if st != 303 || m == nil {
		t.Fatalf("POST /orders/new: %d to %q: %s", st, loc, webtest.PageSnippet(body))
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

// book runs the booking job of the order's shipment, as the worker would.
func (f *fixture) book(t *testing.T, orderID int64) {
	t.Helper()
	o, err := f.ts.Orders.Get(f.ts.Ctx, orderID)
	if err != nil || o.ShipmentID == nil {
		t.Fatalf("order %d has no shipment (%v)", orderID, err)
	}
	f.bookShipment(t, *o.ShipmentID)
}

func (f *fixture) bookShipment(t *testing.T, id int64) {
	t.Helper()
	payload, _ := json.Marshal(orders.BookPayload{ShipmentID: id})
	if err := f.ts.Orders.HandleBookShipment(f.ts.Ctx, asynq.NewTask(orders.TypeBookShipment, payload)); err != nil {
		t.Fatalf("book shipment %d: %v", id, err)
	}
}

func (f *fixture) deviceState(t *testing.T, serial string) inventory.Device {
	t.Helper()
	ds, err := f.ts.Inventory.FindBySerial(f.ts.Ctx, serial)
	if err != nil || len(ds) != 1 {
		t.Fatalf("device %s: %v (%d found)", serial, err, len(ds))
	}
	return ds[0]
}

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

	// Staff pages are not the nurse's.
	for _, p := range []string{"/picklists", "/shipments", "/returns", fmt.Sprintf("/orders/%d/picklist", id)} {
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

	// In English the same rules speak English.
	b.Cookies[ui.LangCookie] = i18n.EN
	st, body, _ = b.Post("/orders/new", f.orderForm("k-4", "0101901234"))
	if st != 422 || !strings.Contains(body, "Citizen reference: That looks like a CPR number") {
		t.Errorf("English CPR error: %d: %s", st, webtest.PageSnippet(body))
	}
}

func TestOrderPagesLogisticsShipsAndDelivers(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	nurse := webtest.NewClient(ts)
	nurse.Login("member@example.dk", webtest.Password)
	id := f.placeByForm(t, nurse, "SAG-100")
	page := fmt.Sprintf("/orders/%d", id)

	b := webtest.NewClient(ts)
	b.Login("logistics@example.dk", webtest.Password)
	for _, p := range []string{"/orders", "/picklists", "/shipments", "/returns"} {
		b.ExpectPage("/", 200, fmt.Sprintf(`href="%s"`, p))
	}

	// The board counts per status; the order is there with its member.
	b.ExpectPage("/orders", 200, "<h1>Bestillinger</h1>", "Kommune 751", `href="/orders?status=reserved"`, `<span class="count">1</span>`)

	// The pick list of the order and the day's batch list name the serials and shelves.
	b.ExpectPage(page+"/picklist", 200, fmt.Sprintf("Plukliste O-%06d", id), "Karen Jensen", "Vestergade 12, 2. th.",
		"TAB-0001", "OXI-0001", "Teststrimler", "AAR", "Lager Aarhus", "window.print()")
	b.ExpectPage("/picklists", 200, "Dagens plukliste", "Bestillinger at pakke: 1", fmt.Sprintf("O-%06d", id), "TAB-0001", "OXI-0001", "Lokation")

	// Ship: the order is dispatching until the worker has booked the carrier.
	b.ExpectPage(page, 200, `action="`+page+`/ship"`, "Afsend nu", "(AAR)")
	st, _, loc := b.Post(page+"/ship", nil)
	if st != 303 || loc != page {
		t.Fatalf("ship: %d to %q", st, loc)
	}
	b.ExpectPage(page, 200, "Bestillingen er afsendt", `class="pill status-dispatching">Afsendes`, "Kommer, når fragtfirmaet har booket pakken")
	// Shipping twice is refused in words, not with an error page.
	st, body, _ := b.Post(page+"/ship", nil)
	if st != 409 || !strings.Contains(body, "Kun en reserveret bestilling kan afsendes") {
		t.Errorf("second ship: %d: %s", st, webtest.PageSnippet(body))
	}
	f.book(t, id)
	body = b.ExpectPage(page, 200, `class="pill status-shipped">Afsendt`, `class="mono tracking"`, "Marker som leveret")
	o, _ := ts.Orders.Get(ts.Ctx, id)
	sh, _ := ts.Orders.GetShipment(ts.Ctx, *o.ShipmentID)
	if sh.TrackingNumber == nil || !strings.Contains(body, *sh.TrackingNumber) {
		t.Errorf("order page does not show the tracking number %v", sh.TrackingNumber)
	}
	nurse.ExpectPage(page, 200, *sh.TrackingNumber, "Pakken er på vej til borgeren")

	// The shipments list shows it; its export opens.
	b.ExpectPage("/shipments", 200, "<h1>Forsendelser</h1>", *sh.TrackingNumber, "Udlevering", "Booket", fmt.Sprintf("O-%06d", id))
	st, raw, _ := b.Get("/shipments.xlsx")
	if st != 200 {
		t.Fatalf("shipments.xlsx: %d", st)
	}
	x, err := excelize.OpenReader(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("shipments.xlsx does not open: %v", err)
	}
	rows, _ := x.GetRows(x.GetSheetList()[0])
	if len(rows) != 2 || rows[1][5] != *sh.TrackingNumber {
		t.Errorf("shipments.xlsx rows = %v", rows)
	}

	st, _, _ = b.Post(page+"/deliver", nil)
	if st != 303 {
		t.Fatalf("deliver: %d", st)
	}
	b.ExpectPage(page, 200, "Bestillingen er markeret som leveret", `class="pill status-delivered">Leveret`)
	if got := f.deviceState(t, "TAB-0001"); got.State != inventory.Deployed || got.CitizenRef == nil || *got.CitizenRef != "SAG-100" {
		t.Errorf("after delivery TAB-0001 is %s at %v", got.State, got.CitizenRef)
	}

	// The whole list as Excel, opened as a spreadsheet.
	st, raw, _ = b.Get("/orders.xlsx")
	if st != 200 {
		t.Fatalf("orders.xlsx: %d", st)
	}
	x, err = excelize.OpenReader(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("orders.xlsx does not open: %v", err)
	}
	rows, _ = x.GetRows(x.GetSheetList()[0])
	if len(rows) != 2 || rows[0][0] != "Nummer" || rows[1][0] != fmt.Sprintf("O-%06d", id) || rows[1][2] != "Kommune 751" || rows[1][5] != "Leveret" {
		t.Errorf("orders.xlsx rows = %v", rows)
	}
}

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

func TestOrderPagesLateAndFailedHighlighted(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	o, err := ts.Orders.Place(ts.Ctx, orders.NewOrder{MemberID: ts.Members["751"].ID, KitID: &f.kit.ID, CitizenRef: "SAG-L",
		Delivery: &orders.Address{Name: "A", Street: "B 1", Postcode: "8000", City: "Aarhus"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	// The requested day has passed (the service accepts only today or later, so set it).
	db.Conn(ts.Ctx).Table("orders").Where("id = ?", o.ID).Update("requested_on", civil.Today().AddDays(-3).String())
	if _, err := ts.Orders.Ship(ts.Ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	o, _ = ts.Orders.Get(ts.Ctx, o.ID)
	// The carrier refuses: the shipment fails and an alert is raised.
	db.Conn(ts.Ctx).Exec("UPDATE shipments SET status = 'failed', last_error = 'carrier refused: bad postcode' WHERE id = ?", *o.ShipmentID)
	db.Conn(ts.Ctx).Create(&orders.Alert{Kind: "shipment_failed", Message: "Shipment failed: carrier refused", OrderID: &o.ID, ShipmentID: o.ShipmentID, CreatedAt: o.CreatedAt})

	b := webtest.NewClient(ts)
	b.Login("admin@example.dk", webtest.Password)
	b.ExpectPage("/orders", 200, `<tr class="late">`, "Forsinkede bestillinger: 1", `<span class="badge bad">Forsinket</span>`)
	b.ExpectPage(fmt.Sprintf("/orders/%d", o.ID), 200, "Forsinket: den ønskede leveringsdato")
	b.ExpectPage("/shipments", 200, `<tr class="failed">`, "carrier refused: bad postcode", "Åbne advarsler (1)", "Forsendelse fejlet", "Fejlede forsendelser: 1")
	// Admin sees the warehouse pages but the actions are logistics' own.
	if body := b.ExpectPage(fmt.Sprintf("/orders/%d", o.ID), 200); strings.Contains(body, "Afsend nu") || strings.Contains(body, "Annuller bestillingen") {
		t.Error("admin is offered logistics' actions")
	}
}
