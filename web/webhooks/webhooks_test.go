package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
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

// A member's webhook receives the events of its own objects of every kind and never
// another member's; an integration's receives everyone's and the contract notices;
// each delivery is signed and arrives once.
func TestMemberIsolationOverEveryEvent(t *testing.T) {
	w := newWorld(t)
	w.startWorker()
	mine, theirs, integ := newSink(t), newSink(t), newSink(t)
	w.subscribe("member", mine)
	w.subscribe("member2", theirs)
	w.subscribe("admin", integ)
	own := map[string]map[string][]int64{"751": w.lifecycle("member", "751", "C-1"), "657": w.lifecycle("member2", "657", "C-2")}

	// A contract whose notice deadline is near: a notice to integrations only.
	ctx := w.ts.Ctx
	v, err := w.ts.Contracts.CreateVendor(ctx, contracts.NewVendor{Name: "Leverandør A/S", CVR: "29190925"})
	if err != nil {
		t.Fatal(err)
	}
	months := 1
	if _, err := w.ts.Contracts.CreateContract(ctx, contracts.NewContract{Number: "K-1", Title: "Tablets", VendorID: v.ID,
		StartsOn: civil.Today().AddDays(-300), EndsOn: civil.Today().AddDays(40), NoticeMonths: &months}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.ts.Contracts.CheckNotices(w.ts.Dispatcher.NewContext(ctx)); err != nil || n == 0 {
		t.Fatalf("CheckNotices = %d, %v", n, err)
	}

	var total int64
	waitFor(t, "every delivery done", func() bool {
		var pending int64
		db.Conn(ctx).Model(&webhook.Delivery{}).Where("status <> ?", webhook.Delivered).Count(&pending)
		db.Conn(ctx).Model(&webhook.Delivery{}).Count(&total)
		return pending == 0 && total > 0
	})
	memberKinds := []string{webhook.OrderStatusChanged, webhook.ShipmentStatusChanged, webhook.ReturnStatusChanged,
		webhook.DeviceStateChanged, webhook.TicketCreated, webhook.TicketStatusChanged}
	check := func(name string, s *sink, code string) map[string]int {
		t.Helper()
		kinds := map[string]int{}
		for _, b := range s.bodies() {
			kinds[b.Event]++
			var data struct {
				ID       int64  `json:"id"`
				MemberID *int64 `json:"member_id"`
			}
			if err := json.Unmarshal(b.Data, &data); err != nil {
				t.Fatalf("%s: data %s: %v", name, b.Data, err)
			}
			if code == "" {
				continue
			}
			k := kindOf(b.Event)
			if !slices.Contains(own[code][k], data.ID) {
				t.Errorf("%s received %s of %s %d, not one of its own %v", name, b.Event, k, data.ID, own[code][k])
			}
			if data.MemberID != nil && *data.MemberID != w.ts.Members[code].ID {
				t.Errorf("%s received %s of member %d", name, b.Event, *data.MemberID)
			}
		}
		for id, n := range s.ids {
			if n != 1 {
				t.Errorf("%s: delivery %s received %d times", name, id, n)
			}
		}
		if s.bad > 0 {
			t.Errorf("%s: %d deliveries with a bad signature or headers", name, s.bad)
		}
		return kinds
	}
	for name, c := range map[string]struct {
		s    *sink
		code string
	}{"751's webhook": {mine, "751"}, "657's webhook": {theirs, "657"}} {
		kinds := check(name, c.s, c.code)
		t.Logf("%s received %v", name, kinds)
		for _, k := range memberKinds {
			if kinds[k] == 0 {
				t.Errorf("%s received no %s (got %v)", name, k, kinds)
			}
		}
		if kinds[webhook.ContractNoticeDue] != 0 {
			t.Errorf("%s received a contract notice", name)
		}
	}
	kinds := check("the integration", integ, "")
	t.Logf("the integration received %v", kinds)
	for _, k := range append(memberKinds, webhook.ContractNoticeDue) {
		if kinds[k] == 0 {
			t.Errorf("the integration received no %s (got %v)", k, kinds)
		}
	}
	if got, want := len(integ.bodies()), len(mine.bodies())+len(theirs.bodies()); got <= want {
		t.Errorf("the integration received %d deliveries, the members %d together; want more (device moves without a member, notices)", got, want)
	}
	if int(total) != len(integ.bodies())+len(mine.bodies())+len(theirs.bodies()) {
		t.Errorf("%d deliveries, %d received", total, len(integ.bodies())+len(mine.bodies())+len(theirs.bodies()))
	}
	// The data is the object as GET answers it: the last order event is the delivered
	// order with its lines.
	var last map[string]any
	for _, b := range mine.bodies() {
		if b.Event == webhook.OrderStatusChanged {
			json.Unmarshal(b.Data, &last)
		}
	}
	got := w.expect(200, "GET", fmt.Sprintf("/api/v1/orders/%d", own["751"]["order"][0]), "member", nil)
	if last["status"] != "delivered" || fmt.Sprint(last["lines"]) != fmt.Sprint(got["lines"]) || last["number"] != got["number"] {
		t.Errorf("last order event %v, GET %v", last, got)
	}
}

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
