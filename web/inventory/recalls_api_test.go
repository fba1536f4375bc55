package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

func TestRecallsAPI(t *testing.T) {
	ts := webtest.New(t)
	loc := mustCreate(ts, "/api/v1/locations", "logistics", map[string]any{"code": "AAR", "name": "Lager Aarhus"})
	tablet := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "TAB", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	st, body := ts.Do("POST", "/api/v1/receipts", "logistics", map[string]any{"location_id": loc, "lines": []map[string]any{
		{"product_id": tablet, "serials": []string{"B-01", "B-02", "B-03", "B-04", "B-05"}}}})
	var rc inventory.Receipt
	webtest.DecodeInto(t, body, &rc)
	if st != 201 {
		t.Fatalf("receipt: %d %s", st, body)
	}
	// B-01 is at a citizen's of member 751.
	m, ref := ts.Members["751"].ID, "AAR-42"
	for _, to := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
		if _, err := ts.Inventory.Move(ts.Ctx, rc.Lines[0].DeviceIDs[:1], to, inventory.Change{MemberID: &m, CitizenRef: &ref}); err != nil {
			t.Fatal(err)
		}
	}

	st, body = ts.Do("POST", "/api/v1/recalls", "logistics", map[string]any{"product_id": tablet, "vendor_ref": "V-1", "reason": "battery",
		"serials": []string{"B-01", "NOPE", "B-02"}})
	webtest.ExpectFields(t, st, body, "serials[1]")
	st, body = ts.Do("POST", "/api/v1/recalls", "logistics", map[string]any{"product_id": tablet, "vendor_ref": "V-1", "reason": "battery",
		"serials": []string{"B-01"}, "serial_from": "B-01", "serial_to": "B-09"})
	webtest.ExpectFields(t, st, body, "serials")
	if st, _ := ts.Do("POST", "/api/v1/recalls", "support", map[string]any{"product_id": tablet}); st != 403 {
		t.Fatalf("support creates recall: %d", st)
	}

	byList := mustCreate(ts, "/api/v1/recalls", "logistics", map[string]any{"product_id": tablet, "vendor_ref": "V-1", "reason": "battery",
		"serials": []string{"B-01", "B-02"}})
	st, body = ts.Do("POST", "/api/v1/recalls", "admin", map[string]any{"product_id": tablet, "vendor_ref": "V-2", "reason": "firmware",
		"serial_from": "B-03", "serial_to": "B-04"})
	var rr inventory.Recall
	webtest.DecodeInto(t, body, &rr)
	if st != 201 || rr.DeviceCount != 2 || rr.SKU != "TAB" {
		t.Fatalf("recall by range: %d %s", st, body)
	}

	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/recalls/%d", byList), "support", nil)
	webtest.DecodeInto(t, body, &rr)
	if st != 200 || len(rr.Devices) != 2 {
		t.Fatalf("recall: %d %s", st, body)
	}
	d1, d2 := rr.Devices[0], rr.Devices[1]
	if d1.Serial != "B-01" || d1.State != inventory.Deployed || d1.MemberID == nil || *d1.MemberID != m || *d1.MemberName != "Kommune 751" ||
		*d1.CitizenRef != "AAR-42" || d1.LocationCode != nil {
		t.Fatalf("deployed recalled device: %s", body)
	}
	if d2.Serial != "B-02" || d2.State != inventory.Available || d2.MemberID != nil || *d2.LocationCode != "AAR" || *d2.LocationName != "Lager Aarhus" {
		t.Fatalf("available recalled device: %s", body)
	}
	var l httpx.List[inventory.Recall]
	st, body = ts.Do("GET", "/api/v1/recalls", "finance", nil)
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 2 || l.Items[0].VendorRef != "V-2" || l.Items[1].DeviceCount != 2 || l.NextCursor != "" {
		t.Fatalf("recalls: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", "/api/v1/recalls", "member", nil); st != 403 {
		t.Fatalf("member lists recalls: %d", st)
	}
	if st, _ := ts.Do("GET", "/api/v1/recalls/99999", "admin", nil); st != 404 {
		t.Fatalf("unknown recall: %d", st)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/devices/%d", rc.Lines[0].DeviceIDs[1]), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"recalled":true`) {
		t.Fatalf("device after recall: %d %s", st, body)
	}
	st, body = ts.Do("GET", fmt.Sprintf("/api/v1/stock?location_id=%d", loc), "logistics", nil)
	if st != 200 || !strings.Contains(string(body), `"available":1`) {
		t.Fatalf("stock after recalls: %d %s", st, body)
	}
}
