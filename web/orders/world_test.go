package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

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
