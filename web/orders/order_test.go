package orders_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/xuri/excelize/v2"
)

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

// A recalled device leaves the order: the order page says so in the reader's words,
// with the recall and what became of the order.
func TestOrderPageSaysADeviceLeftIt(t *testing.T) {
	ts := webtest.New(t)
	f := seedOrders(t, ts)
	nurse := webtest.NewClient(ts)
	nurse.Login("member@example.dk", webtest.Password)
	id := f.placeByForm(t, nurse, "SAG-200")
	page := fmt.Sprintf("/orders/%d", id)
	r, err := ts.Inventory.CreateRecall(ts.Ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "LEV-7", Reason: "Skærmen flimrer",
		Serials: []string{"TAB-0001"}})
	if err != nil {
		t.Fatal(err)
	}
	body := nurse.ExpectPage(page, 200, "<h2>Hændelser</h2>",
		fmt.Sprintf("Enheden TAB-0001 forlod ordren (Tilbagekaldelse %d (LEV-7): Skærmen flimrer); reserveret igen fra andet lager", r.ID))
	if strings.Contains(body, "left the order") {
		t.Errorf("the Danish page says the entry in English: %s", webtest.PageSnippet(body))
	}
	en := webtest.NewClient(ts)
	en.Login("logistics@example.dk", webtest.Password)
	en.Get("/lang/en")
	en.ExpectPage(page, 200, "What happened", "Device TAB-0001 left the order (Recall")
}

// Every outcome an order's history entry names has words in every language.
func TestEveryOutcomeHasWords(t *testing.T) {
	for _, code := range orders.Outcomes() {
		for _, lc := range i18n.Codes {
			if !i18n.For(lc).Has("ord.outcome." + code) {
				t.Errorf("%s lacks ord.outcome.%s", lc, code)
			}
		}
	}
}
