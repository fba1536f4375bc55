package webhooks_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/web/webtest"
)

// The pinned calls: who may call them, what they answer, and 404 for another
// member's webhook.
func TestWebhooksAPI(t *testing.T) {
	ts := webtest.New(t)
	s := newSink(t)
	do := func(want int, method, path, user string, body any) map[string]any {
		t.Helper()
		st, b := ts.Do(method, path, user, body)
		if st != want {
			t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, user, st, want, b)
		}
		var m map[string]any
		if len(b) > 0 {
			webtest.DecodeInto(t, b, &m)
		}
		return m
	}
	integ := do(201, "POST", "/api/v1/webhooks", "admin", map[string]any{"url": s.srv.URL, "events": []string{"order.status_changed", "billing_run.finalized"}})
	if sec, _ := integ["secret"].(string); len(sec) < 32 || integ["url"] != s.srv.URL || fmt.Sprint(integ["events"]) != "[order.status_changed billing_run.finalized]" || integ["id"] == nil {
		t.Fatalf("created = %v", integ)
	}
	mine := do(201, "POST", "/api/v1/webhooks", "member", map[string]any{"url": s.srv.URL + "/751", "events": []string{"ticket.created"}, "secret": "my-own-secret-1234567"})
	if mine["secret"] != "my-own-secret-1234567" || mine["member_id"] != float64(ts.Members["751"].ID) {
		t.Fatalf("member's = %v", mine)
	}
	for _, u := range []string{"logistics", "support", "finance"} {
		if st, _ := ts.Do("POST", "/api/v1/webhooks", u, map[string]any{"url": s.srv.URL, "events": []string{"ticket.created"}}); st != 403 {
			t.Errorf("%s subscribes: %d, want 403", u, st)
		}
		if st, _ := ts.Do("GET", "/api/v1/webhooks", u, nil); st != 403 {
			t.Errorf("%s lists: %d, want 403", u, st)
		}
	}
	if st, _ := ts.Do("GET", "/api/v1/webhooks", "", nil); st != 401 {
		t.Errorf("no token: %d", st)
	}
	st, b := ts.Do("POST", "/api/v1/webhooks", "admin", map[string]any{"url": "ftp://x.example/", "events": []string{"order.shipped", "ticket.created", "ticket.created"}, "secret": "short"})
	webtest.ExpectFields(t, st, b, "url", "events[0]", "events[2]", "secret")
	st, b = ts.Do("POST", "/api/v1/webhooks", "admin", map[string]any{"url": "https://u:p@x.example/", "events": []string{}})
	webtest.ExpectFields(t, st, b, "url", "events")
	st, b = ts.Do("POST", "/api/v1/webhooks", "admin", map[string]any{"url": "https://x.example/", "events": []string{"ticket.created"}, "format": "xml"})
	webtest.ExpectFields(t, st, b, "format")
	if st, _ := ts.Do("POST", "/api/v1/webhooks", "admin", `{"url":`); st != 400 {
		t.Errorf("malformed JSON: %d", st)
	}

	ids := func(user string) []float64 {
		var out []float64
		for _, it := range do(200, "GET", "/api/v1/webhooks", user, nil)["items"].([]any) {
			m := it.(map[string]any)
			if _, ok := m["secret"]; ok {
				t.Errorf("list shows a secret: %v", m)
			}
			out = append(out, m["id"].(float64))
		}
		sort.Float64s(out)
		return out
	}
	if got := ids("admin"); fmt.Sprint(got) != fmt.Sprint([]float64{integ["id"].(float64), mine["id"].(float64)}) {
		t.Errorf("admin sees %v", got)
	}
	if got := ids("member"); fmt.Sprint(got) != fmt.Sprint([]float64{mine["id"].(float64)}) {
		t.Errorf("member sees %v", got)
	}
	if got := ids("member2"); len(got) != 0 {
		t.Errorf("member2 sees %v", got)
	}
	mid, iid := int64(mine["id"].(float64)), int64(integ["id"].(float64))
	for _, path := range []string{fmt.Sprintf("/api/v1/webhooks/%d/deliveries", mid), fmt.Sprintf("/api/v1/webhooks/%d/deliveries", iid)} {
		if st, _ := ts.Do("GET", path, "member2", nil); st != 404 {
			t.Errorf("member2 GET %s: %d, want 404", path, st)
		}
	}
	if st, _ := ts.Do("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", mid), "member2", nil); st != 404 {
		t.Errorf("member2 deletes 751's webhook: %d", st)
	}
	if st, _ := ts.Do("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", iid), "member", nil); st != 404 {
		t.Errorf("member deletes the integration's webhook: %d", st)
	}

	// A delivery in the log, newest first, and redelivered under the same id.
	for i := range 3 {
		if err := db.WithTx(ts.Ctx, func(ctx context.Context) error {
			return webhook.Emit(ctx, webhook.OrderStatusChanged, nil, map[string]int{"n": i})
		}); err != nil {
			t.Fatal(err)
		}
	}
	log := do(200, "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=2", iid), "admin", nil)
	items := log["items"].([]any)
	if len(items) != 2 || log["next_cursor"] == "" {
		t.Fatalf("log page = %v", log)
	}
	first := items[0].(map[string]any)
	for _, k := range []string{"id", "event", "status", "attempts", "last_status_code", "created_at"} {
		if _, ok := first[k]; !ok {
			t.Errorf("delivery lacks %s: %v", k, first)
		}
	}
	if first["status"] != "pending" || first["event"] != "order.status_changed" || first["id"].(float64) < items[1].(map[string]any)["id"].(float64) {
		t.Errorf("log not newest first or wrong: %v", items)
	}
	rest := do(200, "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?cursor=%s", iid, log["next_cursor"]), "admin", nil)["items"].([]any)
	if len(rest) != 1 {
		t.Errorf("second page = %v", rest)
	}
	did := int64(first["id"].(float64))
	if st, b := ts.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?status=lost", iid), "admin", nil); st != 422 {
		t.Errorf("bad status filter: %d %s", st, b)
	}
	re := do(202, "POST", fmt.Sprintf("/api/v1/webhooks/%d/deliveries/%d/redeliver", iid, did), "admin", nil)
	if re["id"] != first["id"] || re["status"] != "pending" {
		t.Errorf("redeliver = %v", re)
	}
	if st, _ := ts.Do("POST", fmt.Sprintf("/api/v1/webhooks/%d/deliveries/%d/redeliver", mid, did), "member", nil); st != 404 {
		t.Errorf("redeliver another webhook's delivery: %d", st)
	}
	do(204, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", mid), "member", nil)
	if got := ids("member"); len(got) != 0 {
		t.Errorf("after delete member sees %v", got)
	}
	if st, _ := ts.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", mid), "member", nil); st != 404 {
		t.Errorf("deleted webhook's log: %d", st)
	}
}
