package orders_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/webtest"
)

// A nurse orders a kit and follows it; the warehouse packs, ships and delivers it; the
// nurse asks for the devices to be collected and the warehouse receives them. Buttons
// that change something are pressed with the keyboard (focus, Enter), as a user
// without a mouse would.
func TestBrowserOrderJourney(t *testing.T) {
	b := webtest.StartBrowser(t)
	f := seedOrders(t, b.TS)

	// The nurse opens "Bestil kit" from the navigation.
	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/orders/new"]`), 200, "/orders/new")
	b.ExpectText("h1", "Bestil kit til en borger")
	b.ExpectText(`nav.side a[aria-current="page"]`, "Bestil kit")
	b.ExpectText(".kit-contents", "1 × Pulsoximeter")
	b.Shot("ord-new")

	// She types a CPR number as the reference: refused, in Danish, beside the field.
	b.Do("fill in the order form",
		chromedp.SetValue(chromedp.ID("kit_id"), fmt.Sprint(f.kit.ID)),
		chromedp.SendKeys(chromedp.ID("citizen_ref"), "010190-1234"),
		chromedp.SendKeys(chromedp.ID("delivery_name"), "Karen Jensen"),
		chromedp.SendKeys(chromedp.ID("delivery_street"), "Vestergade 12, 2. th."),
		chromedp.SendKeys(chromedp.ID("delivery_postcode"), "8000"),
		chromedp.SendKeys(chromedp.ID("delivery_city"), "Aarhus C"),
		chromedp.SendKeys(chromedp.ID("delivery_phone"), "12 34 56 78"),
		chromedp.SendKeys(chromedp.ID("note"), "Ring på hos naboen, hvis borgeren ikke åbner."),
	)
	b.ExpectPage(b.Follow("send the order with Enter",
		chromedp.Focus(chromedp.CSS(`form.order-form button[type="submit"]`)), chromedp.KeyEvent(kb.Enter)), 422, "/orders/new")
	b.ExpectText(`.error-summary[role="alert"]`, "Bestillingen er ikke sendt")
	b.ExpectText(".error-summary", "Borgerreference: Det ligner et CPR-nummer")
	b.ExpectText("#citizen_ref-error", "Det ligner et CPR-nummer")
	if got := b.Attr("#citizen_ref", "aria-invalid"); got != "true" {
		t.Errorf("citizen_ref aria-invalid = %q; want true", got)
	}
	if got := b.Value("#delivery_street"); got != "Vestergade 12, 2. th." {
		t.Errorf("street after the refusal = %q; want it kept", got)
	}
	b.Shot("ord-new-error")

	// She corrects it and sends again: the order page, reserved at once.
	b.Do("correct the reference", chromedp.SetValue(chromedp.ID("citizen_ref"), "SAG-2024-0117"))
	b.Follow("send the order", chromedp.Click(chromedp.CSS(`form.order-form button[type="submit"]`), chromedp.NodeVisible))
	orderPath := b.Path()
	if !regexp.MustCompile(`^/orders/[0-9]+$`).MatchString(orderPath) {
		t.Fatalf("after ordering the tab is at %s (%q)", orderPath, b.Text("main"))
	}
	b.ExpectText(`.flash[role="status"]`, "Tak, bestillingen er modtaget")
	b.ExpectText(`.timeline [aria-current="step"]`, "Reserveret")
	b.ExpectText("table.lines", "TAB-0001")
	b.ExpectText("dl.facts", "Vestergade 12, 2. th.")
	number := strings.TrimSpace(strings.TrimPrefix(b.Text("h1"), "Bestilling"))
	number = strings.Fields(number)[0]
	b.Shot("ord-order-reserved")

	// Her orders list shows it.
	b.ExpectPage(b.Click(`nav.side a[href="/orders"]`), 200, "/orders")
	b.ExpectText("h1", "Mine bestillinger")
	b.ExpectText("table.orders", number)
	b.ExpectText("table.orders", "Reserveret")
	b.Shot("ord-mine")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// The warehouse: the board, the day's pick list, the order's pick list.
	b.ExpectPage(b.Login("logistics@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/orders"]`), 200, "/orders")
	if got := b.Text(`nav.tabs a[href="/orders?status=reserved"] .count`); got != "1" {
		t.Errorf("the Reserveret tab counts %q; want 1", got)
	}
	b.ExpectText("table.orders", "Kommune 751")
	b.Shot("ord-board")
	b.ExpectPage(b.Click(`nav.side a[href="/picklists"]`), 200, "/picklists")
	b.ExpectText("h1", "Dagens plukliste")
	b.ExpectText(".pick-group", "TAB-0001")
	b.ExpectText(".pick-group h2", "AAR")
	b.Shot("ord-picklists")
	b.ExpectPage(b.Open(orderPath+"/picklist"), 200, orderPath+"/picklist")
	b.ExpectText(".label-address", "Karen Jensen")
	b.ExpectText("table.pick", "OXI-0001")
	b.Shot("ord-picklist")
	b.Do("print the pick list", printMedia(true), webtest.Shot("ord-picklist-print"), printMedia(false))

	// Ship, with the keyboard: dispatching until the carrier is booked.
	b.ExpectPage(b.Open(orderPath), 200, orderPath)
	b.ExpectPage(b.Follow("ship with Enter", chromedp.Focus(chromedp.ID("ship")), chromedp.KeyEvent(kb.Enter)), 200, orderPath)
	b.ExpectText(".flash", "Bestillingen er afsendt")
	if ds := b.Dialogs(); len(ds) != 1 || !strings.HasPrefix(ds[0], "Afsend bestilling O-") {
		t.Errorf("shipping asked %q; want one confirmation naming the order", ds)
	}
	b.ExpectText(`.timeline [aria-current="step"]`, "Afsendes")
	b.Shot("ord-dispatching")

	id := orderID(t, orderPath)
	f.book(t, id) // the worker books the carrier
	b.ExpectPage(b.Open(orderPath), 200, orderPath)
	b.ExpectText(`.timeline [aria-current="step"]`, "Afsendt")
	tracking := b.Text(".tracking")
	if tracking == "" {
		t.Error("no tracking number after booking")
	}
	b.Shot("ord-shipped")

	b.ExpectPage(b.Follow("mark delivered with Enter", chromedp.Focus(chromedp.ID("deliver")), chromedp.KeyEvent(kb.Enter)), 200, orderPath)
	b.ExpectText(".flash", "markeret som leveret")
	b.ExpectText(`.timeline [aria-current="step"]`, "Leveret")
	if n := b.Count(".timeline .step.done"); n != 5 {
		t.Errorf("%d steps done after delivery; want all 5", n)
	}
	b.Shot("ord-delivered")

	b.ExpectPage(b.Click(`nav.side a[href="/shipments"]`), 200, "/shipments")
	b.ExpectText("table.shipments", tracking)
	b.Shot("ord-shipments")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// The nurse follows the order to delivery and asks for a pickup from it.
	b.ExpectPage(b.Login("member@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Open(orderPath), 200, orderPath)
	b.ExpectText(".tracking", tracking)
	b.Shot("ord-delivered-member")
	b.ExpectPage(b.Click(`.page-head a[href^="/returns/new"]`), 200, "/returns/new")
	if n := b.Count(`input[name="device_ids"]:checked`); n != 2 {
		t.Errorf("%d devices ticked for the citizen; want 2", n)
	}
	if got := b.Value("#pickup_street"); got != "Vestergade 12, 2. th." {
		t.Errorf("pickup street = %q; want the delivery address", got)
	}
	b.Do("choose a reason", chromedp.SetValue(chromedp.ID("reason"), "moved"))
	b.Shot("ord-pickup-form")
	b.Follow("request the pickup", chromedp.Click(chromedp.CSS(`form.order-form button[type="submit"]`), chromedp.NodeVisible))
	returnPath := b.Path()
	if !regexp.MustCompile(`^/returns/[0-9]+$`).MatchString(returnPath) {
		t.Fatalf("after requesting the pickup the tab is at %s (%q)", returnPath, b.Text("main"))
	}
	b.ExpectText(".flash", "afhentningen er bestilt")
	b.Shot("ord-pickup-requested")
	// Her pickups, from the menu, and the order's page now says its pickup is on its way.
	b.ExpectPage(b.Click(`nav.side a[href="/returns"]`), 200, "/returns")
	b.ExpectText("table.returns", "Bestilt")
	b.Shot("ord-pickups-mine")
	b.ExpectPage(b.Open(orderPath), 200, orderPath)
	b.ExpectText("#pickups-h", "Afhentning undervejs")
	b.Shot("ord-delivered-pickup")
	b.ExpectPage(b.Click(`.top form[action="/logout"] button`), 200, "/login")

	// The warehouse scans what came back: one device, and one that is not on the pickup.
	b.ExpectPage(b.Login("logistics@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Click(`nav.side a[href="/returns"]`), 200, "/returns")
	b.ExpectText("table.returns", "Borgeren er flyttet")
	b.Shot("ord-returns")
	b.ExpectPage(b.Click(`table.returns a[href$="/receive"]`), 200, returnPath+"/receive")
	b.ExpectFocus("serials", "the receive page starts in the scan box")
	b.Do("scan", chromedp.SendKeys(chromedp.ID("serials"), "TAB-0001\nXYZ-999\n"))
	b.ExpectPage(b.Click(`form[action$="/receive"] button[type="submit"]`), 200, returnPath+"/receive")
	b.ExpectText(".receipt .rc.ok", "TAB-0001")
	b.ExpectText(".receipt .rc.warn", "OXI-0001")
	b.ExpectText(".receipt .rc.bad", "XYZ-999")
	b.Shot("ord-received")
}

// printMedia makes the tab lay pages out for print (on) or the screen (off).
func printMedia(on bool) chromedp.Action[chromedp.Void] {
	media := ""
	if on {
		media = "print"
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

func orderID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/orders/%d", &id); err != nil {
		t.Fatalf("order path %q: %v", path, err)
	}
	return id
}

// The warehouse's lists make what needs attention stand out: an order whose requested
// day has passed, and a shipment the carrier refused, with its alert.
func TestBrowserOrderBoardLateAndFailed(t *testing.T) {
	b := webtest.StartBrowser(t)
	f := seedOrders(t, b.TS)
	ts := b.TS
	place := func(ref, city string) *orders.Order {
		o, err := ts.Orders.Place(ts.Ctx, orders.NewOrder{MemberID: ts.Members["751"].ID, KitID: &f.kit.ID, CitizenRef: ref,
			Delivery: &orders.Address{Name: "Borger " + ref, Street: "Søndergade 3", Postcode: "8600", City: city}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	late := place("SAG-31", "Silkeborg")
	place("SAG-32", "Skanderborg")
	// The requested day has passed (the form accepts only today or later, so set it).
	db.Conn(ts.Ctx).Table("orders").Where("id = ?", late.ID).Update("requested_on", civil.Today().AddDays(-2).String())
	failed := place("SAG-33", "Horsens")
	if _, err := ts.Orders.Ship(ts.Ctx, failed.ID); err != nil {
		t.Fatal(err)
	}
	failed, _ = ts.Orders.Get(ts.Ctx, failed.ID)
	db.Conn(ts.Ctx).Exec("UPDATE shipments SET status = 'failed', attempts = 3, last_error = 'carrier answered 422: unknown postcode' WHERE id = ?", *failed.ShipmentID)
	db.Conn(ts.Ctx).Create(&orders.Alert{Kind: "shipment_failed", Message: fmt.Sprintf("Shipment %d (outbound) failed: carrier answered 422: unknown postcode", *failed.ShipmentID),
		OrderID: &failed.ID, ShipmentID: failed.ShipmentID, CreatedAt: failed.CreatedAt})

	b.ExpectPage(b.Open("/login"), 200, "/login")
	b.ExpectPage(b.Login("logistics@example.dk", webtest.Password), 200, "/")
	b.ExpectPage(b.Open("/orders"), 200, "/orders")
	b.ExpectText(".late-note", "Forsinkede bestillinger: 1")
	if n := b.Count("table.orders tr.late"); n != 1 {
		t.Errorf("%d late rows; want 1", n)
	}
	b.ExpectText("table.orders tr.late", "SAG-31")
	b.Shot("ord-board-late")
	// The board fits a 1280 px window and, under 560 px, stacks each order as a card
	// with its column names.
	b.ExpectFits("the orders board at 1280 px")
	b.Viewport(500, 900)
	b.ExpectFits("the orders board at 500 px")
	if label := b.Attr("table.orders tbody tr td:nth-child(4)", "data-label"); label != "Borgerreference" {
		t.Errorf("a cell of the stacked board is labelled %q; want its column's header", label)
	}
	b.Shot("ord-board-500")
	b.Viewport(1280, 900)
	b.ExpectPage(b.Open("/shipments"), 200, "/shipments")
	b.ExpectText(".alerts-panel", "Åbne advarsler (1)")
	b.ExpectText("table.shipments tr.failed", "Horsens")
	b.ExpectText("table.shipments tr.error-line", "unknown postcode")
	b.Shot("ord-shipments-failed")
}
