package orders_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/web/webtest"
)

// ---------------------------------------------------------------------------

func TestOrdersAPIPlacePinned(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("AAR-1")
	hasKeys(t, "order", o, "id", "number", "status", "member_id", "citizen_ref", "lines", "shipment_id")
	if o["member_id"] != float64(w.member) || o["citizen_ref"] != "AAR-1" || o["shipment_id"] != nil ||
		!strings.HasPrefix(o["number"].(string), "O-") {
		t.Fatalf("order = %v", o)
	}
	lines := o["lines"].([]any)
	if len(lines) != 3 {
		t.Fatalf("lines = %v", lines)
	}
	for _, l := range lines {
		l := l.(map[string]any)
		hasKeys(t, "line", l, "product_id", "quantity", "reserved_quantity", "device_ids")
		if l["quantity"] != l["reserved_quantity"] {
			t.Errorf("line not reserved: %v", l)
		}
		want := 1
		if l["product_id"] == float64(w.strips) {
			want = 0 // a consumable has no devices
		}
		if n := len(l["device_ids"].([]any)); n != want {
			t.Errorf("line %v has %d devices, want %d", l, n, want)
		}
	}
	got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", idOf(t, o)), "member", nil)
	if got["number"] != o["number"] || got["status"] != "reserved" {
		t.Fatalf("GET order = %v", got)
	}
	list := w.expect(200, "GET", "/api/v1/orders?status=reserved", "logistics", nil)
	if items := list["items"].([]any); len(items) != 1 || list["next_cursor"] != "" {
		t.Fatalf("list = %v", list)
	}
	// Lines instead of a kit, by logistics, for the other member (no scheme needed).
	byLines := map[string]any{"member_id": w.member2, "lines": []map[string]any{{"product_id": w.oxi, "quantity": 1}},
		"citizen_ref": "HER-1", "delivery": w.delivery()}
	o2 := w.expect(201, "POST", "/api/v1/orders", "logistics", byLines)
	if o2["status"] != "reserved" || o2["member_id"] != float64(w.member2) {
		t.Fatalf("order by lines = %v", o2)
	}
	if o2["requested_on"] != nil {
		t.Fatalf("no requested day (as soon as possible) answered %v, want null", o2["requested_on"])
	}
	// More than is in stock is backordered.
	big := map[string]any{"member_id": w.member, "lines": []map[string]any{{"product_id": w.tablet, "quantity": 50}},
		"citizen_ref": "AAR-2", "delivery": w.delivery()}
	if o3 := w.expect(201, "POST", "/api/v1/orders", "admin", big); o3["status"] != "backordered" {
		t.Fatalf("big order = %v", o3)
	}
}

func TestOrdersAPIValidation(t *testing.T) {
	w := newAPIWorld(t)
	post := func(user string, body map[string]any) (int, []byte) {
		return w.ts.Do("POST", "/api/v1/orders", user, body)
	}
	both := w.kitOrder("X-1")
	both["lines"] = []map[string]any{{"product_id": w.oxi, "quantity": 1}}
	st, b := post("member", both)
	webtest.ExpectFields(t, st, b, "kit_id")
	neither := w.kitOrder("X-2")
	delete(neither, "kit_id")
	st, b = post("member", neither)
	webtest.ExpectFields(t, st, b, "kit_id")
	for _, cpr := range []string{"0101701234", "010170-1234"} {
		st, b = post("member", w.kitOrder(cpr))
		webtest.ExpectFields(t, st, b, "citizen_ref")
		if strings.Contains(string(b), cpr) {
			t.Errorf("the problem repeats the CPR-like reference: %s", b)
		}
	}
	bad := w.kitOrder("X-3")
	bad["delivery"] = map[string]any{"name": "Borger", "street": "Vestergade 1", "postcode": "80000", "city": "Aarhus C"}
	st, b = post("member", bad)
	webtest.ExpectFields(t, st, b, "delivery.postcode")
	noDelivery := w.kitOrder("X-4")
	delete(noDelivery, "delivery")
	st, b = post("member", noDelivery)
	webtest.ExpectFields(t, st, b, "delivery")
	// 657 has not joined the kit's scheme.
	notJoined := w.kitOrder("HER-1")
	notJoined["member_id"] = w.member2
	st, b = post("member2", notJoined)
	webtest.ExpectFields(t, st, b, "kit_id")
	// Joined only from next year: not on the requested date.
	w.create("POST", fmt.Sprintf("/api/v1/schemes/%d/participants", w.scheme), "admin",
		map[string]any{"member_id": w.member2, "joined_on": fmt.Sprintf("%d-01-01", time.Now().Year()+1)})
	st, b = post("member2", notJoined)
	webtest.ExpectFields(t, st, b, "kit_id")
	// A member orders only for itself.
	if st, b := post("member2", w.kitOrder("AAR-9")); st != 403 {
		t.Fatalf("member2 orders for 751: %d %s", st, b)
	}
	for _, user := range []string{"support", "finance"} {
		if st, _ := post(user, w.kitOrder("AAR-9")); st != 403 {
			t.Fatalf("%s places an order: %d", user, st)
		}
	}
	unknown := w.kitOrder("X-5")
	unknown["priority"] = "high"
	st, b = post("member", unknown)
	webtest.ExpectFields(t, st, b, "priority")
	// A requested day before today, as the order form refuses it.
	past := w.kitOrder("X-7")
	past["requested_on"] = civil.Today().AddDays(-1).String()
	st, b = post("member", past)
	webtest.ExpectFields(t, st, b, "requested_on")
	lines := w.kitOrder("X-6")
	delete(lines, "kit_id")
	lines["lines"] = []map[string]any{{"product_id": 999999, "quantity": 1}, {"product_id": w.oxi, "quantity": 0}}
	st, b = post("member", lines)
	webtest.ExpectFields(t, st, b, "lines[0].product_id", "lines[1].quantity")
	if st, b := w.ts.Do("POST", "/api/v1/orders", "member", `{"member_id": `); st != 400 {
		t.Fatalf("malformed JSON: %d %s", st, b)
	}
	var n int64
	db.Conn(w.ts.Ctx).Table("orders").Count(&n)
	if n != 0 {
		t.Fatalf("%d orders stored from bad requests", n)
	}
}

func TestOrdersAPIIdempotencyKey(t *testing.T) {
	w := newAPIWorld(t)
	send := func(key string, body map[string]any) (int, map[string]any) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest("POST", "/api/v1/orders", strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.ts.Tokens["member"])
		req.Header.Set("Idempotency-Key", key)
		st, b := w.ts.Send(req)
		var m map[string]any
		webtest.DecodeInto(t, b, &m)
		return st, m
	}
	in := w.kitOrder("IDEM-1")
	st, a := send("k-1", in)
	if st != 201 {
		t.Fatalf("first: %d %v", st, a)
	}
	st, b := send("k-1", in)
	if st != 201 || b["id"] != a["id"] || b["number"] != a["number"] {
		t.Fatalf("retry: %d %v, want order %v", st, b, a["id"])
	}
	in["citizen_ref"] = "IDEM-2"
	st, c := send("k-1", in)
	if st != 422 || !strings.Contains(fmt.Sprint(c["errors"]), "Idempotency-Key") {
		t.Fatalf("same key, other body: %d %v", st, c)
	}
	// Another key is another order.
	st, d := send("k-2", in)
	if st != 201 || d["id"] == a["id"] {
		t.Fatalf("new key: %d %v", st, d)
	}
	var n int64
	db.Conn(w.ts.Ctx).Table("orders").Count(&n)
	if n != 2 {
		t.Fatalf("%d orders, want 2", n)
	}
}

func TestOrdersAPICancel(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("C-1")
	path := fmt.Sprintf("/api/v1/orders/%d/cancel", idOf(t, o))
	if st, _ := w.ts.Do("POST", path, "support", nil); st != 403 {
		t.Fatalf("support cancels: %d", st)
	}
	c := w.expect(200, "POST", path, "member", nil)
	if c["status"] != "cancelled" {
		t.Fatalf("cancel = %v", c)
	}
	for _, l := range c["lines"].([]any) {
		l := l.(map[string]any)
		if ids, ok := l["device_ids"].([]any); l["reserved_quantity"] != float64(0) || !ok || len(ids) != 0 {
			t.Fatalf("reservation kept (or device_ids not []): %v", l)
		}
	}
	for _, id := range deviceIDsOf(t, o) {
		d := w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", id), "logistics", nil)
		if d["state"] != "available" || d["member_id"] != nil || d["citizen_ref"] != nil {
			t.Fatalf("device after cancel = %v", d)
		}
	}
	w.expect(409, "POST", path, "member", nil)
	// Once shipping started, no cancel.
	o2 := w.place("C-2")
	w.expect(202, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", idOf(t, o2)), "logistics", nil)
	w.expect(409, "POST", fmt.Sprintf("/api/v1/orders/%d/cancel", idOf(t, o2)), "logistics", nil)
	w.expect(404, "POST", "/api/v1/orders/999999/cancel", "logistics", nil)
}

func TestOrdersAPIDeliverByHand(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("D-1")
	id := idOf(t, o)
	w.expect(409, "POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "logistics", nil)
	w.ship(id)
	if st, _ := w.ts.Do("POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "admin", nil); st != 403 {
		t.Fatalf("admin delivers: %d", st)
	}
	got := w.expect(200, "POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "logistics", nil)
	if got["status"] != "delivered" {
		t.Fatalf("deliver = %v", got)
	}
	w.expect(409, "POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "logistics", nil)
}

// A member never learns about another member's order, shipment or return.
func TestOrdersAPIMemberIsolation(t *testing.T) {
	w := newAPIWorld(t)
	o := w.place("ISO-1")
	id := idOf(t, o)
	sid := w.ship(id)
	w.expect(200, "POST", fmt.Sprintf("/api/v1/orders/%d/deliver", id), "logistics", nil)
	r := w.expect(201, "POST", "/api/v1/returns", "member", map[string]any{"member_id": w.member, "device_ids": deviceIDsOf(t, o),
		"reason": "moved", "pickup": w.delivery()})
	rid := idOf(t, r)
	pending := w.place("ISO-2")
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/orders/%d", id)},
		{"GET", fmt.Sprintf("/api/v1/orders/%d", idOf(t, pending))},
		{"POST", fmt.Sprintf("/api/v1/orders/%d/cancel", idOf(t, pending))},
		{"GET", fmt.Sprintf("/api/v1/shipments/%d", sid)},
		{"GET", fmt.Sprintf("/api/v1/shipments/%d", int64(r["shipment_id"].(float64)))},
		{"GET", fmt.Sprintf("/api/v1/returns/%d", rid)},
	} {
		st, b := w.ts.Do(c.method, c.path, "member2", nil)
		if st != 404 {
			t.Errorf("member2 %s %s: %d, want 404: %s", c.method, c.path, st, b)
		}
		if strings.Contains(string(b), "ISO-") {
			t.Errorf("member2 %s %s leaks: %s", c.method, c.path, b)
		}
	}
	for _, path := range []string{
		fmt.Sprintf("/api/v1/orders/%d/ship", idOf(t, pending)),
		fmt.Sprintf("/api/v1/orders/%d/deliver", id),
		fmt.Sprintf("/api/v1/returns/%d/receive", rid),
	} {
		if st, _ := w.ts.Do("POST", path, "member2", map[string]any{}); st != 403 {
			t.Errorf("member2 POST %s: %d, want 403", path, st)
		}
	}
	list := w.expect(200, "GET", "/api/v1/orders", "member2", nil)
	if items := list["items"].([]any); len(items) != 0 {
		t.Fatalf("member2 lists %v", items)
	}
	list = w.expect(200, "GET", fmt.Sprintf("/api/v1/orders?member_id=%d", w.member), "member2", nil)
	if items := list["items"].([]any); len(items) != 0 {
		t.Fatalf("member2 lists 751's orders: %v", items)
	}
	if got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", idOf(t, pending)), "member", nil); got["status"] != "reserved" {
		t.Fatalf("member2's cancel went through: %v", got)
	}
	// A return for another member, or of its devices.
	if st, _ := w.ts.Do("POST", "/api/v1/returns", "member2", map[string]any{"member_id": w.member, "device_ids": deviceIDsOf(t, o),
		"reason": "moved", "pickup": w.delivery()}); st != 403 {
		t.Fatalf("member2 requests a return for 751: %d", st)
	}
	st, b := w.ts.Do("POST", "/api/v1/returns", "member2", map[string]any{"member_id": w.member2, "device_ids": deviceIDsOf(t, o)[:1],
		"reason": "moved", "pickup": w.delivery()})
	webtest.ExpectFields(t, st, b, "device_ids[0]")
}
