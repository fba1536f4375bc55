package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/webtest"
)

func TestStocktakeAPI(t *testing.T) {
	ts := webtest.New(t)
	loc := mustCreate(ts, "/api/v1/locations", "logistics", map[string]any{"code": "AAR", "name": "Aarhus"})
	tablet := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "TAB", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	strips := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "STRIP", "name": "Strips", "category": "consumable", "tracking": "quantity"})
	st, body := ts.Do("POST", "/api/v1/receipts", "logistics", map[string]any{"location_id": loc, "lines": []map[string]any{
		{"product_id": tablet, "serials": []string{"A-1", "A-2", "A-3"}}, {"product_id": strips, "quantity": 100}}})
	var rc inventory.Receipt
	webtest.DecodeInto(t, body, &rc)
	if st != 201 {
		t.Fatalf("receipt: %d %s", st, body)
	}
	a3 := rc.Lines[0].DeviceIDs[2]

	if st, body := ts.Do("POST", "/api/v1/stocktakes", "logistics", map[string]any{"location_id": 999}); st != 422 {
		t.Fatalf("stocktake of unknown location: %d %s", st, body)
	}
	id := mustCreate(ts, "/api/v1/stocktakes", "logistics", map[string]any{"location_id": loc})
	if st, _ := ts.Do("POST", "/api/v1/stocktakes", "logistics", map[string]any{"location_id": loc}); st != 409 {
		t.Fatalf("second open stocktake: %d, want 409", st)
	}
	path := fmt.Sprintf("/api/v1/stocktakes/%d", id)
	st, body = ts.Do("POST", path+"/counts", "logistics", map[string]any{"serials": []string{"A-1", ""}, "lines": []map[string]any{{"product_id": tablet, "quantity": 1}}})
	webtest.ExpectFields(t, st, body, "serials[1]", "lines[0].product_id")
	st, body = ts.Do("POST", path+"/counts", "logistics", map[string]any{"serials": []string{"A-1", " A-2", "X-404"}, "lines": []map[string]any{{"product_id": strips, "quantity": 96}}})
	if st != 200 {
		t.Fatalf("counts: %d %s", st, body)
	}
	var got inventory.Stocktake
	st, body = ts.Do("GET", path, "finance", nil)
	webtest.DecodeInto(t, body, &got)
	r := got.Result
	if st != 200 || got.Status != "open" || r == nil || len(r.Missing) != 1 || r.Missing[0].Serial != "A-3" ||
		len(r.Unexpected) != 1 || r.Unexpected[0].Serial != "X-404" || r.Unexpected[0].DeviceID != nil ||
		len(r.Miscounted) != 1 || r.Miscounted[0].Booked != 100 || r.Miscounted[0].Counted != 96 || r.Miscounted[0].Difference != -4 {
		t.Fatalf("stocktake: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", path, "member", nil); st != 403 {
		t.Fatalf("member reads stocktake: %d", st)
	}
	st, body = ts.Do("POST", path+"/confirm", "logistics", map[string]any{"reason": ""})
	webtest.ExpectFields(t, st, body, "reason")
	st, body = ts.Do("POST", path+"/confirm", "logistics", map[string]any{"reason": "quarterly count"})
	webtest.DecodeInto(t, body, &got)
	if st != 200 || got.Status != "confirmed" || got.Result == nil || len(got.Result.Missing) != 1 {
		t.Fatalf("confirm: %d %s", st, body)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/devices/%d", a3), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"state":"lost"`) {
		t.Fatalf("missing device after confirm: %d %s", st, body)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/stock?location_id=%d", loc), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"sku":"STRIP","name":"Strips","tracking":"quantity","on_hand":96`) {
		t.Fatalf("stock after confirm: %d %s", st, body)
	}
	if st, _ := ts.Do("POST", path+"/confirm", "logistics", map[string]any{"reason": "again"}); st != 409 {
		t.Fatalf("confirm twice: %d", st)
	}
	if st, _ := ts.Do("POST", path+"/counts", "logistics", map[string]any{"serials": []string{"A-3"}}); st != 409 {
		t.Fatalf("count after confirm: %d", st)
	}
}
