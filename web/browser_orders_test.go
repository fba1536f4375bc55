package web

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
)

// A nurse orders a kit and follows it; the warehouse packs, ships and delivers it; the
// nurse asks for the devices to be collected and the warehouse receives them. Buttons
// that change something are pressed with the keyboard (focus, Enter), as a user
// without a mouse would.
func TestBrowserOrderJourney(t *testing.T) {
	b := startBrowser(t)
	f := seedOrders(t, b.ts)

	// The nurse opens "Bestil kit" from the navigation.
	b.expectPage(b.open("/login"), 200, "/login")
	b.expectPage(b.login("member@example.dk", testPassword), 200, "/")
	b.expectPage(b.click(`nav.side a[href="/orders/new"]`), 200, "/orders/new")
	b.expectText("h1", "Bestil kit til en borger")
	b.expectText(`nav.side a[aria-current="page"]`, "Bestil kit")
	b.expectText(".kit-contents", "1 × Pulsoximeter")
	b.shot("ord-new")

	// She types a CPR number as the reference: refused, in Danish, beside the field.
	b.do("fill in the order form",
		chromedp.SetValue(chromedp.ID("kit_id"), fmt.Sprint(f.kit.ID)),
		chromedp.SendKeys(chromedp.ID("citizen_ref"), "010190-1234"),
		chromedp.SendKeys(chromedp.ID("delivery_name"), "Karen Jensen"),
		chromedp.SendKeys(chromedp.ID("delivery_street"), "Vestergade 12, 2. th."),
		chromedp.SendKeys(chromedp.ID("delivery_postcode"), "8000"),
		chromedp.SendKeys(chromedp.ID("delivery_city"), "Aarhus C"),
		chromedp.SendKeys(chromedp.ID("delivery_phone"), "12 34 56 78"),
		chromedp.SendKeys(chromedp.ID("note"), "Ring på hos naboen, hvis borgeren ikke åbner."),
	)
	b.expectPage(b.follow("send the order with Enter",
		chromedp.Focus(chromedp.CSS(`form.order-form button[type="submit"]`)), chromedp.KeyEvent(kb.Enter)), 422, "/orders/new")
	b.expectText(`.error-summary[role="alert"]`, "Bestillingen er ikke sendt")
	b.expectText(".error-summary", "Borgerreference: Det ligner et CPR-nummer")
	b.expectText("#citizen_ref-error", "Det ligner et CPR-nummer")
	if got := b.attr("#citizen_ref", "aria-invalid"); got != "true" {
		t.Errorf("citizen_ref aria-invalid = %q; want true", got)
	}
	if got := b.value("#delivery_street"); got != "Vestergade 12, 2. th." {
		t.Errorf("street after the refusal = %q; want it kept", got)
	}
	b.shot("ord-new-error")

	// She corrects it and sends again: the order page, reserved at once.
	b.do("correct the reference", chromedp.SetValue(chromedp.ID("citizen_ref"), "SAG-2024-0117"))
	b.follow("send the order", chromedp.Click(chromedp.CSS(`form.order-form button[type="submit"]`), chromedp.NodeVisible))
	orderPath := b.path()
	if !regexp.MustCompile(`^/orders/[0-9]+$`).MatchString(orderPath) {
		t.Fatalf("after ordering the tab is at %s (%q)", orderPath, b.text("main"))
	}
	b.expectText(`.flash[role="status"]`, "Tak, bestillingen er modtaget")
	b.expectText(`.timeline [aria-current="step"]`, "Reserveret")
	b.expectText("table.lines", "TAB-0001")
	b.expectText("dl.facts", "Vestergade 12, 2. th.")
	number := strings.TrimSpace(strings.TrimPrefix(b.text("h1"), "Bestilling"))
	number = strings.Fields(number)[0]
	b.shot("ord-order-reserved")

	// Her orders list shows it.
	b.expectPage(b.click(`nav.side a[href="/orders"]`), 200, "/orders")
	b.expectText("h1", "Mine bestillinger")
	b.expectText("table.orders", number)
	b.expectText("table.orders", "Reserveret")
	b.shot("ord-mine")
	b.expectPage(b.click(`.top form[action="/logout"] button`), 200, "/login")

	// The warehouse: the board, the day's pick list, the order's pick list.
	b.expectPage(b.login("logistics@example.dk", testPassword), 200, "/")
	b.expectPage(b.click(`nav.side a[href="/orders"]`), 200, "/orders")
	if got := b.text(`nav.tabs a[href="/orders?status=reserved"] .count`); got != "1" {
		t.Errorf("the Reserveret tab counts %q; want 1", got)
	}
	b.expectText("table.orders", "Kommune 751")
	b.shot("ord-board")
	b.expectPage(b.click(`nav.side a[href="/picklists"]`), 200, "/picklists")
	b.expectText("h1", "Dagens plukliste")
	b.expectText(".pick-group", "TAB-0001")
	b.expectText(".pick-group h2", "AAR")
	b.shot("ord-picklists")
	b.expectPage(b.open(orderPath+"/picklist"), 200, orderPath+"/picklist")
	b.expectText(".label-address", "Karen Jensen")
	b.expectText("table.pick", "OXI-0001")
	b.shot("ord-picklist")
	b.do("print the pick list", printMedia(true), shot("ord-picklist-print"), printMedia(false))

	// Ship, with the keyboard: dispatching until the carrier is booked.
	b.expectPage(b.open(orderPath), 200, orderPath)
	b.expectPage(b.follow("ship with Enter", chromedp.Focus(chromedp.ID("ship")), chromedp.KeyEvent(kb.Enter)), 200, orderPath)
	b.expectText(".flash", "Bestillingen er afsendt")
	b.expectText(`.timeline [aria-current="step"]`, "Afsendes")
	b.shot("ord-dispatching")

	id := orderID(t, orderPath)
	f.book(t, id) // the worker books the carrier
	b.expectPage(b.open(orderPath), 200, orderPath)
	b.expectText(`.timeline [aria-current="step"]`, "Afsendt")
	tracking := b.text(".tracking")
	if tracking == "" {
		t.Error("no tracking number after booking")
	}
	b.shot("ord-shipped")

	b.expectPage(b.follow("mark delivered with Enter", chromedp.Focus(chromedp.ID("deliver")), chromedp.KeyEvent(kb.Enter)), 200, orderPath)
	b.expectText(".flash", "markeret som leveret")
	b.expectText(`.timeline [aria-current="step"]`, "Leveret")
	if n := b.count(".timeline .step.done"); n != 5 {
		t.Errorf("%d steps done after delivery; want all 5", n)
	}
	b.shot("ord-delivered")

	b.expectPage(b.click(`nav.side a[href="/shipments"]`), 200, "/shipments")
	b.expectText("table.shipments", tracking)
	b.shot("ord-shipments")
	b.expectPage(b.click(`.top form[action="/logout"] button`), 200, "/login")

	// The nurse follows the order to delivery and asks for a pickup from it.
	b.expectPage(b.login("member@example.dk", testPassword), 200, "/")
	b.expectPage(b.open(orderPath), 200, orderPath)
	b.expectText(".tracking", tracking)
	b.shot("ord-delivered-member")
	b.expectPage(b.click(`.page-head a[href^="/returns/new"]`), 200, "/returns/new")
	if n := b.count(`input[name="device_ids"]:checked`); n != 2 {
		t.Errorf("%d devices ticked for the citizen; want 2", n)
	}
	if got := b.value("#pickup_street"); got != "Vestergade 12, 2. th." {
		t.Errorf("pickup street = %q; want the delivery address", got)
	}
	b.do("choose a reason", chromedp.SetValue(chromedp.ID("reason"), "moved"))
	b.shot("ord-pickup-form")
	b.follow("request the pickup", chromedp.Click(chromedp.CSS(`form.order-form button[type="submit"]`), chromedp.NodeVisible))
	returnPath := b.path()
	if !regexp.MustCompile(`^/returns/[0-9]+$`).MatchString(returnPath) {
		t.Fatalf("after requesting the pickup the tab is at %s (%q)", returnPath, b.text("main"))
	}
	b.expectText(".flash", "afhentningen er bestilt")
	b.shot("ord-pickup-requested")
	b.expectPage(b.click(`.top form[action="/logout"] button`), 200, "/login")

	// The warehouse scans what came back: one device, and one that is not on the pickup.
	b.expectPage(b.login("logistics@example.dk", testPassword), 200, "/")
	b.expectPage(b.click(`nav.side a[href="/returns"]`), 200, "/returns")
	b.expectText("table.returns", "Borgeren er flyttet")
	b.shot("ord-returns")
	b.expectPage(b.click(`table.returns a[href$="/receive"]`), 200, returnPath+"/receive")
	if got := b.focused(); got != "serials" {
		t.Errorf("the receive page focuses #%s; want the scan box", got)
	}
	b.do("scan", chromedp.SendKeys(chromedp.ID("serials"), "TAB-0001\nXYZ-999\n"))
	b.expectPage(b.click(`form[action$="/receive"] button[type="submit"]`), 200, returnPath+"/receive")
	b.expectText(".receipt .rc.ok", "TAB-0001")
	b.expectText(".receipt .rc.warn", "OXI-0001")
	b.expectText(".receipt .rc.bad", "XYZ-999")
	b.shot("ord-received")
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
	b := startBrowser(t)
	f := seedOrders(t, b.ts)
	ts := b.ts
	place := func(ref, city string) *orders.Order {
		o, err := ts.s.Orders.Place(ts.ctx, orders.NewOrder{MemberID: ts.members["751"].ID, KitID: &f.kit.ID, CitizenRef: ref,
			Delivery: &orders.Address{Name: "Borger " + ref, Street: "Søndergade 3", Postcode: "8600", City: city}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	late := place("SAG-31", "Silkeborg")
	place("SAG-32", "Skanderborg")
	// The requested day has passed (the form accepts only today or later, so set it).
	db.Conn(ts.ctx).Table("orders").Where("id = ?", late.ID).Update("requested_on", civil.Today().AddDays(-2).String())
	failed := place("SAG-33", "Horsens")
	if _, err := ts.s.Orders.Ship(ts.ctx, failed.ID); err != nil {
		t.Fatal(err)
	}
	failed, _ = ts.s.Orders.Get(ts.ctx, failed.ID)
	db.Conn(ts.ctx).Exec("UPDATE shipments SET status = 'failed', attempts = 3, last_error = 'carrier answered 422: unknown postcode' WHERE id = ?", *failed.ShipmentID)
	db.Conn(ts.ctx).Create(&orders.Alert{Kind: "shipment_failed", Message: fmt.Sprintf("Shipment %d (outbound) failed: carrier answered 422: unknown postcode", *failed.ShipmentID),
		OrderID: &failed.ID, ShipmentID: failed.ShipmentID, CreatedAt: failed.CreatedAt})

	b.expectPage(b.open("/login"), 200, "/login")
	b.expectPage(b.login("logistics@example.dk", testPassword), 200, "/")
	b.expectPage(b.open("/orders"), 200, "/orders")
	b.expectText(".late-note", "Forsinkede bestillinger: 1")
	if n := b.count("table.orders tr.late"); n != 1 {
		t.Errorf("%d late rows; want 1", n)
	}
	b.expectText("table.orders tr.late", "SAG-31")
	b.shot("ord-board-late")
	b.expectPage(b.open("/shipments"), 200, "/shipments")
	b.expectText(".alerts-panel", "Åbne advarsler (1)")
	b.expectText("table.shipments tr.failed", "Horsens")
	b.expectText("table.shipments tr.error-line", "unknown postcode")
	b.shot("ord-shipments-failed")
}
