package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/webtest"
)

// sink is a loopback receiver that keeps every delivery it accepts, checking the
// signature with its webhook's secret.
type sink struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []webhook.Body
	ids    map[string]int
	bad    int
}

func newSink(t *testing.T) *sink {
	s := &sink{t: t, ids: map[string]int{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	var body webhook.Body
	if !webhook.Verify(s.secret, r.Header.Get(webhook.HeaderSignature), b) || json.Unmarshal(b, &body) != nil ||
		r.Header.Get(webhook.HeaderEvent) != body.Event || r.Header.Get(webhook.HeaderDelivery) != fmt.Sprint(body.ID) {
		s.bad++
		w.WriteHeader(400)
		return
	}
	s.got = append(s.got, body)
	s.ids[r.Header.Get(webhook.HeaderDelivery)]++
	w.WriteHeader(200)
}

func (s *sink) bodies() []webhook.Body {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

type world struct {
	t        *testing.T
	ts       *webtest.Server
	loc, kit int64
	support  *support.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ts := webtest.New(t)
	w := &world{t: t, ts: ts}
	w.loc = w.create("/api/v1/locations", "logistics", map[string]any{"code": "AAR", "name": "Aarhus"})
	tab := w.create("/api/v1/products", "logistics", map[string]any{"sku": "TAB-A", "name": "Tablet", "category": "tablet", "tracking": "serial"})
	oxi := w.create("/api/v1/products", "logistics", map[string]any{"sku": "OXI", "name": "Oximeter", "category": "oximeter", "tracking": "serial"})
	var tabs, oxis []string
	for i := 1; i <= 4; i++ {
		tabs, oxis = append(tabs, fmt.Sprintf("TAB-%03d", i)), append(oxis, fmt.Sprintf("OXI-%03d", i))
	}
	w.create("/api/v1/receipts", "logistics", map[string]any{"location_id": w.loc, "lines": []map[string]any{
		{"product_id": tab, "serials": tabs}, {"product_id": oxi, "serials": oxis}}})
	scheme := w.create("/api/v1/schemes", "admin", map[string]any{"code": "copd", "name": "COPD"})
	for _, m := range ts.Members {
		w.create(fmt.Sprintf("/api/v1/schemes/%d/participants", scheme), "admin", map[string]any{"member_id": m.ID, "joined_on": "2020-01-01"})
	}
	w.kit = w.create("/api/v1/kits", "logistics", map[string]any{"code": "copd-kit", "name": "COPD kit", "scheme_id": scheme,
		"components": []map[string]any{{"product_id": tab, "quantity": 1}, {"product_id": oxi, "quantity": 1}}})
	w.support = support.NewService(ts.Contracts, ts.Inventory, ts.Orders)
	return w
}

func (w *world) create(path, user string, body any) int64 {
	w.t.Helper()
	return idOf(w.t, w.expect(201, "POST", path, user, body))
}

func (w *world) expect(want int, method, path, user string, body any) map[string]any {
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

func idOf(t *testing.T, m map[string]any) int64 {
	t.Helper()
	f, ok := m["id"].(float64)
	if !ok {
		t.Fatalf("no id in %v", m)
	}
	return int64(f)
}

// startWorker runs the jobs of orders, inventory and webhooks as cmd/fsc's worker
// does, with retries looked for often.
func (w *world) startWorker() {
	w.t.Helper()
	g := w.ts.DB
	base := func() context.Context {
		return auth.WithPrincipal(w.ts.Dispatcher.NewContext(db.NewContext(context.Background(), g)), auth.System)
	}
	wk := jobs.NewWorker(w.ts.Redis, jobs.WorkerConfig{Concurrency: 4, BaseContext: base, DelayedCheck: 50 * time.Millisecond})
	wk.UseOutbox(w.ts.Dispatcher)
	w.ts.Inventory.RegisterJobs(wk)
	w.ts.Orders.RegisterJobs(wk)
	w.ts.Webhooks.RegisterJobs(wk)
	if err := wk.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(wk.Shutdown)
}

func (w *world) subscribe(user string, s *sink) int64 {
	w.t.Helper()
	s.secret = "secret-of-" + user + "-0123456789"
	return w.create("/api/v1/webhooks", user, map[string]any{"url": s.srv.URL + "/in", "events": webhook.Events, "secret": s.secret})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// lifecycle drives every member-owned event kind for the member of user: an order
// placed, shipped, booked by the worker and delivered by the carrier; a pickup of its
// devices requested, booked and received; a ticket opened and moved. It returns the
// ids of the member's orders, shipments, returns, devices and tickets.
func (w *world) lifecycle(user, code, ref string) map[string][]int64 {
	w.t.Helper()
	m := w.ts.Members[code]
	own := map[string][]int64{}
	delivery := map[string]any{"name": "Borger", "street": "Vestergade 1", "postcode": "8000", "city": "Aarhus C"}
	o := w.expect(201, "POST", "/api/v1/orders", user, map[string]any{"member_id": m.ID, "kit_id": w.kit, "citizen_ref": ref, "delivery": delivery})
	oid := idOf(w.t, o)
	own["order"] = []int64{oid}
	var devs []int64
	for _, l := range o["lines"].([]any) {
		for _, d := range l.(map[string]any)["device_ids"].([]any) {
			devs = append(devs, int64(d.(float64)))
		}
	}
	own["device"] = devs
	a := w.expect(202, "POST", fmt.Sprintf("/api/v1/orders/%d/ship", oid), "logistics", nil)
	sid := int64(a["shipment_id"].(float64))
	own["shipment"] = []int64{sid}
	var tracking string
	waitFor(w.t, "the worker booked the shipment", func() bool {
		sh := w.expect(200, "GET", fmt.Sprintf("/api/v1/shipments/%d", sid), "logistics", nil)
		tracking, _ = sh["tracking_number"].(string)
		return sh["status"] == "booked"
	})
	body := fmt.Sprintf(`{"tracking_number":%q,"event":"delivered","occurred_at":%q}`, tracking, time.Now().UTC().Format(time.RFC3339))
	req := httptest.NewRequest("POST", "/api/v1/carrier/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Carrier-Signature", orders.Sign(webtest.CarrierSecret, []byte(body)))
	if st, b := w.ts.Send(req); st != 200 {
		w.t.Fatalf("carrier event: %d %s", st, b)
	}
	r := w.expect(201, "POST", "/api/v1/returns", user, map[string]any{"member_id": m.ID, "device_ids": devs, "reason": "not_needed", "pickup": delivery})
	rid := idOf(w.t, r)
	own["return"] = []int64{rid}
	rsid := int64(r["shipment_id"].(float64))
	own["shipment"] = append(own["shipment"], rsid)
	waitFor(w.t, "the worker booked the pickup", func() bool {
		return w.expect(200, "GET", fmt.Sprintf("/api/v1/shipments/%d", rsid), "logistics", nil)["status"] == "booked"
	})
	var serials []string
	for _, d := range devs {
		serials = append(serials, w.expect(200, "GET", fmt.Sprintf("/api/v1/devices/%d", d), "logistics", nil)["serial"].(string))
	}
	w.expect(200, "POST", fmt.Sprintf("/api/v1/returns/%d/receive", rid), "logistics", map[string]any{"location_id": w.loc, "serials": serials})

	p := auth.Principal{Name: "support@example.dk", Role: auth.RoleSupport}
	ctx := auth.WithPrincipal(w.ts.Dispatcher.NewContext(db.NewContext(context.Background(), w.ts.DB)), p)
	tk, err := w.support.Create(ctx, support.NewTicket{MemberID: m.ID, Channel: support.Phone, Category: "usage", Priority: "normal", Subject: "Hjælp " + code}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.support.SetStatus(ctx, tk.ID, support.StatusInput{Status: "open"}); err != nil {
		w.t.Fatal(err)
	}
	own["ticket"] = []int64{tk.ID}
	return own
}

// kindOf is the object kind an event's data is.
func kindOf(event string) string {
	switch event {
	case webhook.TicketCreated, webhook.TicketStatusChanged:
		return "ticket"
	case webhook.DeviceStateChanged:
		return "device"
	case webhook.ContractNoticeDue:
		return "contract"
	}
	return event[:len(event)-len(".status_changed")]
}
