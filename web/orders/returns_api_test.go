package orders_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/web/webtest"
)

func TestOrdersAPIReturns(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("R-1")
	id := idOf(t, o)
	devs := deviceIDsOf(t, o)
	// Not deployed yet: nothing to pick up.
	st, b := w.ts.Do("POST", "/api/v1/returns", "member", map[string]any{"member_id": w.member, "device_ids": devs,
		"reason": "not_needed", "pickup": w.delivery()})
	webtest.ExpectFields(t, st, b, "device_ids[0]", "device_ids[1]")
	w.ship(id)
	w.expect(200, "POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "logistics", nil)
	st, b = w.ts.Do("POST", "/api/v1/returns", "member", map[string]any{"member_id": w.member, "device_ids": devs,
		"reason": "bored", "pickup": map[string]any{"name": "x", "street": "y", "postcode": "0000", "city": "z"}})
	webtest.ExpectFields(t, st, b, "reason", "pickup.postcode")

	r := w.expect(201, "POST", "/api/v1/returns", "member", map[string]any{"member_id": w.member, "device_ids": devs,
		"reason": "not_needed", "pickup": w.delivery()})
	hasKeys(t, "return", r, "id", "status", "shipment_id")
	if r["status"] != "requested" || r["shipment_id"] == nil {
		t.Fatalf("return = %v", r)
	}
	rid, sid := idOf(t, r), int64(r["shipment_id"].(float64))
	sh := w.expect(200, "GET", fmt.Sprintf("/api/v1/shipments/%d", sid), "member", nil)
	if sh["direction"] != "inbound" || sh["return_id"] != float64(rid) || sh["order_id"] != nil || sh["status"] != "pending" {
		t.Fatalf("pickup shipment = %v", sh)
	}
	var serials []string
	for _, d := range devs {
		dev := w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", d), "member", nil)
		if dev["state"] != "returning" {
			t.Fatalf("device after the request = %v", dev)
		}
		serials = append(serials, dev["serial"].(string))
	}
	got := w.expect(200, "GET", fmt.Sprintf("/api/v1/returns/%d", rid), "member", nil)
	if got["status"] != "requested" || len(got["device_ids"].([]any)) != 2 {
		t.Fatalf("GET return = %v", got)
	}
	w.book(sid)
	if sh := w.expect(200, "GET", fmt.Sprintf("/api/v1/shipments/%d", sid), "logistics", nil); sh["status"] != "booked" {
		t.Fatalf("pickup after booking = %v", sh)
	}

	recv := fmt.Sprintf("/api/v1/returns/%d/receive", rid)
	if st, _ := w.ts.Do("POST", recv, "member", map[string]any{"location_id": w.loc, "serials": serials}); st != 403 {
		t.Fatalf("member receives: %d", st)
	}
	st, b = w.ts.Do("POST", recv, "logistics", map[string]any{"location_id": 0, "serials": serials})
	webtest.ExpectFields(t, st, b, "location_id")
	a := w.expect(200, "POST", recv, "logistics", map[string]any{"location_id": w.loc, "serials": []string{serials[0], "STRAY-1"}})
	if a["status"] != "partially_received" || fmt.Sprint(a["received"]) != fmt.Sprint([]any{serials[0]}) ||
		fmt.Sprint(a["missing"]) != fmt.Sprint([]any{serials[1]}) || fmt.Sprint(a["unexpected"]) != "[STRAY-1]" {
		t.Fatalf("first receipt = %v", a)
	}
	dev := w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", devs[0]), "logistics", nil)
	if dev["state"] != "cleaning" || dev["member_id"] != nil || dev["citizen_ref"] != nil || dev["location_id"] != float64(w.loc) {
		t.Fatalf("received device = %v", dev)
	}
	// It left the member's view with its holder.
	if st, _ := w.ts.Do("GET", fmt.Sprintf("/api/v1/devices/%d", devs[0]), "member", nil); st != 404 {
		t.Fatalf("member still sees the received device: %d", st)
	}
	a = w.expect(200, "POST", recv, "logistics", map[string]any{"location_id": w.loc, "serials": []string{serials[1]}})
	if a["status"] != "received" || len(a["missing"].([]any)) != 0 || fmt.Sprint(a["received"]) != fmt.Sprint([]any{serials[1]}) {
		t.Fatalf("second receipt = %v", a)
	}
	if got := w.expect(200, "GET", fmt.Sprintf("/api/v1/returns/%d", rid), "member", nil); got["status"] != "received" {
		t.Fatalf("return after receiving = %v", got)
	}
	// The return is in the audit trail with its devices' moves.
	var moves []string
	db.Conn(w.ts.Ctx).Table("device_events").Where("device_id = ?", devs[1]).Order("id").Pluck("to_state", &moves)
	if want := []string{"available", "reserved", "in_transit", "deployed", "returning", "cleaning"}; !slices.Equal(moves, want) {
		t.Fatalf("device history %v, want %v", moves, want)
	}
}
