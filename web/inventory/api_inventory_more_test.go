package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/webtest"
)

// mustCreate posts body as user and returns the id of what was created (201).
func mustCreate(ts *webtest.Server, path, user string, body any) int64 {
	ts.T.Helper()
	st, b := ts.Do("POST", path, user, body)
	if st != 201 {
		ts.T.Fatalf("POST %s: %d %s", path, st, b)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	webtest.DecodeInto(ts.T, b, &out)
	return out.ID
}

func TestKitsAPI(t *testing.T) {
	ts := webtest.New(t)
	today := civil.Today()
	own, other := ts.Members["751"].ID, ts.Members["657"].ID
	copd := mustCreate(ts, "/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "COPD"})
	heart := mustCreate(ts, "/api/v1/schemes", "admin", map[string]any{"code": "heart", "name": "Heart failure"})
	later := mustCreate(ts, "/api/v1/schemes", "admin", map[string]any{"code": "later", "name": "Starts later"})
	mustCreate(ts, fmt.Sprintf("/api/v1/schemes/%d/participants", copd), "admin", map[string]any{"member_id": own, "joined_on": today.String()})
	mustCreate(ts, fmt.Sprintf("/api/v1/schemes/%d/participants", heart), "admin", map[string]any{"member_id": other, "joined_on": today.AddDays(-5).String()})
	mustCreate(ts, fmt.Sprintf("/api/v1/schemes/%d/participants", later), "admin", map[string]any{"member_id": own, "joined_on": today.AddDays(1).String()})
	tablet := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "TAB", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	oxi := mustCreate(ts, "/api/v1/products", "logistics", map[string]any{"sku": "OXI", "name": "Oximeter", "category": "oximeter", "tracking": "serial"})

	copdKit := mustCreate(ts, "/api/v1/kits", "logistics", map[string]any{"code": "copd-kit", "name": "COPD kit", "scheme_id": copd,
		"components": []map[string]any{{"product_id": tablet, "quantity": 1}, {"product_id": oxi, "quantity": 1}}})
	heartKit := mustCreate(ts, "/api/v1/kits", "admin", map[string]any{"code": "heart-kit", "name": "Heart kit", "scheme_id": heart,
		"components": []map[string]any{{"product_id": tablet, "quantity": 1}}})
	mustCreate(ts, "/api/v1/kits", "admin", map[string]any{"code": "later-kit", "name": "Later kit", "scheme_id": later,
		"components": []map[string]any{{"product_id": tablet, "quantity": 1}}})

	var l httpx.List[inventory.Kit]
	st, body := ts.Do("GET", "/api/v1/kits", "member", nil)
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 || l.Items[0].ID != copdKit || len(l.Items[0].Components) != 2 || l.Items[0].Components[0].SKU != "OXI" ||
		!strings.Contains(string(body), `"next_cursor":""`) {
		t.Fatalf("member kits: %d %s", st, body)
	}
	st, body = ts.Do("GET", "/api/v1/kits", "member2", nil)
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 1 || l.Items[0].ID != heartKit {
		t.Fatalf("member2 kits: %d %s", st, body)
	}
	st, body = ts.Do("GET", "/api/v1/kits", "support", nil)
	webtest.DecodeInto(t, body, &l)
	if st != 200 || len(l.Items) != 3 {
		t.Fatalf("staff kits: %d %s", st, body)
	}
	if st, body := ts.Do("GET", fmt.Sprintf("/api/v1/kits/%d", copdKit), "member", nil); st != 200 || !strings.Contains(string(body), `"sku":"TAB"`) {
		t.Fatalf("member gets own kit: %d %s", st, body)
	}
	if st, _ := ts.Do("GET", fmt.Sprintf("/api/v1/kits/%d", heartKit), "member", nil); st != 404 {
		t.Fatalf("member gets another scheme's kit: %d, want 404", st)
	}
	if st, _ := ts.Do("POST", "/api/v1/kits", "member", map[string]any{"code": "x"}); st != 403 {
		t.Fatalf("member creates kit: %d", st)
	}

	st, body = ts.Do("POST", "/api/v1/kits", "logistics", map[string]any{"code": "bad code", "name": "", "scheme_id": 4242,
		"components": []map[string]any{{"product_id": tablet, "quantity": 0}, {"product_id": 999, "quantity": 1}, {"product_id": tablet, "quantity": 1}}})
	webtest.ExpectFields(t, st, body, "code", "name", "scheme_id", "components[0].quantity", "components[1].product_id", "components[2].product_id")
	st, body = ts.Do("POST", "/api/v1/kits", "logistics", map[string]any{"code": "k", "name": "k", "scheme_id": copd, "components": []any{}, "colour": "red"})
	webtest.ExpectFields(t, st, body, "colour")
	st, body = ts.Do("POST", "/api/v1/kits", "logistics", map[string]any{"code": "copd-kit", "name": "again", "scheme_id": copd,
		"components": []map[string]any{{"product_id": tablet, "quantity": 1}}})
	webtest.ExpectFields(t, st, body, "code")

	st, body = ts.Do("PUT", fmt.Sprintf("/api/v1/kits/%d", copdKit), "admin", map[string]any{"name": "COPD kit 2",
		"components": []map[string]any{{"product_id": tablet, "quantity": 2}}})
	var k inventory.Kit
	webtest.DecodeInto(t, body, &k)
	if st != 200 || k.Name != "COPD kit 2" || k.Code != "copd-kit" || len(k.Components) != 1 || k.Components[0].Quantity != 2 {
		t.Fatalf("update kit: %d %s", st, body)
	}
	st, body = ts.Do("PUT", fmt.Sprintf("/api/v1/kits/%d", copdKit), "logistics", map[string]any{"code": "renamed", "name": "x", "components": []any{}})
	webtest.ExpectFields(t, st, body, "code", "components")
	if st, _ := ts.Do("PUT", "/api/v1/kits/99999", "logistics", map[string]any{"name": "x", "components": []map[string]any{{"product_id": tablet, "quantity": 1}}}); st != 404 {
		t.Fatalf("update unknown kit: %d", st)
	}
}

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
