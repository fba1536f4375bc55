package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/webtest"
	"github.com/hibiken/asynq"
)

// apiWorld is a test server with a warehouse, a tablet + oximeter + strips kit of a
// scheme member 751 has joined (657 has not), and stock for a few kits, all made through
// the API.
type apiWorld struct {
	t                            *testing.T
	ts                           *webtest.Server
	loc, tablet, oxi, strips     int64
	scheme, kit, member, member2 int64
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	ts := webtest.New(t)
	w := &apiWorld{t: t, ts: ts, member: ts.Members["751"].ID, member2: ts.Members["657"].ID}
	w.loc = w.create("POST", "/api/v1/locations", "logistics", map[string]any{"code": "AAR", "name": "Aarhus"})
	w.tablet = w.create("POST", "/api/v1/products", "logistics", map[string]any{"sku": "TAB-A", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	w.oxi = w.create("POST", "/api/v1/products", "admin", map[string]any{"sku": "OXI", "name": "Oximeter", "category": "oximeter", "tracking": "serial"})
	w.strips = w.create("POST", "/api/v1/products", "logistics", map[string]any{"sku": "STRIP", "name": "Strips", "category": "consumable", "tracking": "quantity"})
	var tabs, oxis []string
	for i := 1; i <= 4; i++ {
		tabs = append(tabs, fmt.Sprintf("TAB-%03d", i))
		oxis = append(oxis, fmt.Sprintf("OXI-%03d", i))
	}
	w.create("POST", "/api/v1/receipts", "logistics", map[string]any{"location_id": w.loc, "lines": []map[string]any{
		{"product_id": w.tablet, "serials": tabs}, {"product_id": w.oxi, "serials": oxis}, {"product_id": w.strips, "quantity": 20}}})
	w.scheme = w.create("POST", "/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "COPD"})
	w.create("POST", fmt.Sprintf("/api/v1/schemes/%d/participants", w.scheme), "admin", map[string]any{"member_id": w.member, "joined_on": "2020-01-01"})
	w.kit = w.create("POST", "/api/v1/kits", "logistics", map[string]any{"code": "copd-kit", "name": "COPD kit", "scheme_id": w.scheme,
		"components": []map[string]any{{"product_id": w.tablet, "quantity": 1}, {"product_id": w.oxi, "quantity": 1}, {"product_id": w.strips, "quantity": 2}}})
	return w
}

// create sends a request that must answer 201 and returns the id in the answer.
func (w *apiWorld) create(method, path, user string, body any) int64 {
	w.t.Helper()
	st, b := w.ts.Do(method, path, user, body)
	if st != 201 {
		w.t.Fatalf("%s %s as %s: %d %s", method, path, user, st, b)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	webtest.DecodeInto(w.t, b, &out)
	if out.ID == 0 {
		w.t.Fatalf("%s %s: no id in %s", method, path, b)
	}
	return out.ID
}

// expect sends a request, checks its status and decodes the answer into a map.
func (w *apiWorld) expect(want int, method, path, user string, body any) map[string]any {
	w.t.Helper()
	st, b := w.ts.Do(method, path, user, body)
	if st != want {
		w.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, user, st, want, b)
	}
	var m map[string]any
	if len(b) > 0 {
		webtest.DecodeInto(w.t, b, &m)
	}
	return m
}

func (w *apiWorld) delivery() map[string]any {
	return map[string]any{"name": "Borger", "street": "Vestergade 1", "postcode": "8000", "city": "Aarhus C", "phone": "+4512345678"}
}

func (w *apiWorld) kitOrder(ref string) map[string]any {
	return map[string]any{"member_id": w.member, "kit_id": w.kit, "citizen_ref": ref, "delivery": w.delivery(),
		"requested_on": civil.Today().String(), "note": "ring på"} // today in the business calendar, which may not be the machine's
}

// place orders a kit as the member and returns the answer.
func (w *apiWorld) place(ref string) map[string]any {
	w.t.Helper()
	o := w.expect(201, "POST", "/api/v1/orders", "member", w.kitOrder(ref))
	if o["status"] != "reserved" {
		w.t.Fatalf("order not reserved: %v", o)
	}
	return o
}

// book runs the booking job the way the worker does, with the manual carrier.
func (w *apiWorld) book(shipmentID int64) {
	w.t.Helper()
	payload, _ := json.Marshal(orders.BookPayload{ShipmentID: shipmentID})
	ctx := db.NewContext(context.Background(), w.ts.DB)
	if err := w.ts.Orders.HandleBookShipment(ctx, asynq.NewTask(orders.TypeBookShipment, payload)); err != nil {
		w.t.Fatalf("book shipment %d: %v", shipmentID, err)
	}
}

// ship ships order id as logistics, books it and returns the shipment id.
func (w *apiWorld) ship(id int64) int64 {
	w.t.Helper()
	a := w.expect(202, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", id), "logistics", nil)
	sid := int64(a["shipment_id"].(float64))
	w.book(sid)
	return sid
}

// carrierEvent posts a carrier webhook body with the given signature header ("" for
// none) and returns status and answer.
func (w *apiWorld) carrierEvent(body, signature string) (int, []byte) {
	w.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/carrier/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Carrier-Signature", signature)
	}
	return w.ts.Send(req)
}

func (w *apiWorld) signed(body string) (int, []byte) {
	w.t.Helper()
	return w.carrierEvent(body, orders.Sign(webtest.CarrierSecret, []byte(body)))
}

func idOf(t *testing.T, m map[string]any) int64 {
	t.Helper()
	f, ok := m["id"].(float64)
	if !ok {
		t.Fatalf("no id in %v", m)
	}
	return int64(f)
}

func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q: %v", what, k, m)
		}
	}
}

func deviceIDsOf(t *testing.T, o map[string]any) []int64 {
	t.Helper()
	var ids []int64
	for _, l := range o["lines"].([]any) {
		for _, d := range l.(map[string]any)["device_ids"].([]any) {
			ids = append(ids, int64(d.(float64)))
		}
	}
	return ids
}

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
