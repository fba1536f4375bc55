package orders_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/webtest"
)

// Ship, book, the carrier's webhook, and who sees what.
func TestOrdersAPIShipAndCarrierEvents(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("S-1")
	id := idOf(t, o)
	if st, _ := w.ts.Do("POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), "member", nil); st != 403 {
		t.Fatalf("member ships: %d", st)
	}
	a := w.expect(202, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), "logistics", nil)
	hasKeys(t, "ship answer", a, "id", "status", "shipment_id")
	if a["id"] != float64(id) || a["status"] != "dispatching" || a["shipment_id"] == nil {
		t.Fatalf("ship = %v", a)
	}
	w.expect(409, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), "logistics", nil)
	sid := int64(a["shipment_id"].(float64))
	shPath := fmt.Sprintf("/api/v1/shipments/%d", sid)
	sh := w.expect(200, "GET", shPath, "member", nil)
	hasKeys(t, "shipment", sh, "id", "direction", "order_id", "return_id", "status", "tracking_number", "attempts")
	if sh["direction"] != "outbound" || sh["order_id"] != float64(id) || sh["return_id"] != nil || sh["status"] != "pending" ||
		sh["tracking_number"] != nil || sh["attempts"] != float64(0) {
		t.Fatalf("pending shipment = %v", sh)
	}
	var outbox int64
	db.Conn(w.ts.Ctx).Table("outbox").Where("type = ? AND payload LIKE ?", orders.TypeBookShipment, fmt.Sprintf("%%:%d}", sid)).Count(&outbox)
	if outbox != 1 {
		t.Fatalf("%d booking tasks in the outbox, want 1", outbox)
	}

	w.book(sid)
	sh = w.expect(200, "GET", shPath, "logistics", nil)
	tracking := fmt.Sprintf("MAN-%08d", sid)
	if sh["status"] != "booked" || sh["tracking_number"] != tracking || sh["attempts"] != float64(1) {
		t.Fatalf("booked shipment = %v", sh)
	}
	if got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", id), "member", nil); got["status"] != "shipped" {
		t.Fatalf("order after booking = %v", got)
	}
	for _, d := range deviceIDsOf(t, o) {
		if dev := w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", d), "logistics", nil); dev["state"] != "in_transit" {
			t.Fatalf("device after booking = %v", dev)
		}
	}

	// The webhook.
	delivered := fmt.Sprintf(`{"tracking_number":%q,"event":"delivered","occurred_at":"2026-03-01T10:00:00Z"}`, tracking)
	for name, sig := range map[string]string{
		"missing":      "",
		"wrong secret": orders.Sign("not-the-secret", []byte(delivered)),
		"malformed":    "sha256=not-hex",
		"no prefix":    strings.TrimPrefix(orders.Sign(webtest.CarrierSecret, []byte(delivered)), "sha256="),
		"other body":   orders.Sign(webtest.CarrierSecret, []byte(delivered+" ")),
	} {
		st, b := w.carrierEvent(delivered, sig)
		if st != 401 {
			t.Errorf("%s signature: %d %s, want 401", name, st, b)
		}
	}
	if got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", id), "logistics", nil); got["status"] != "shipped" {
		t.Fatalf("an unsigned event changed the order: %v", got)
	}
	if st, b := w.signed(`{"tracking_number":"NOPE-1","event":"delivered","occurred_at":"2026-03-01T10:00:00Z"}`); st != 404 {
		t.Fatalf("unknown tracking: %d %s", st, b)
	}
	if st, b := w.signed(fmt.Sprintf(`{"tracking_number":%q,"event":"eaten","occurred_at":"2026-03-01T10:00:00Z"}`, tracking)); st != 422 {
		t.Fatalf("unknown event: %d %s", st, b)
	}
	if st, b := w.signed(`{"tracking_number":`); st != 400 {
		t.Fatalf("malformed event: %d %s", st, b)
	}
	st, b := w.signed(delivered)
	if st != 200 || !strings.Contains(string(b), `"changed":true`) {
		t.Fatalf("delivered: %d %s", st, b)
	}
	st, b = w.signed(delivered)
	if st != 200 || !strings.Contains(string(b), `"changed":false`) {
		t.Fatalf("repeated delivered: %d %s", st, b)
	}
	if got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", id), "member", nil); got["status"] != "delivered" {
		t.Fatalf("order after delivery = %v", got)
	}
	if sh := w.expect(200, "GET", shPath, "member", nil); sh["status"] != "delivered" {
		t.Fatalf("shipment after delivery = %v", sh)
	}
	for _, d := range deviceIDsOf(t, o) {
		dev := w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", d), "member", nil)
		if dev["state"] != "deployed" || dev["member_id"] != float64(w.member) || dev["citizen_ref"] != "S-1" {
			t.Fatalf("delivered device = %v", dev)
		}
	}
}
