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
