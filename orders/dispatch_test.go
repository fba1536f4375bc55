package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// ---------------------------------------------------------------------------
// A fake carrier on loopback: POST /shipments with Idempotency-Key semantics.

// fakeCarrier books parcels like the real carrier's API (API.md): the same
// Idempotency-Key always answers the same tracking number and books once. It can be
// told to answer 5xx a number of times, to refuse with 4xx, or to be slow. It checks
// what the back office sends: the key header and exactly the pinned body fields.
type fakeCarrier struct {
	*httptest.Server
	mu       sync.Mutex
	tracking map[string]string // key → tracking number, set by its first booking
	calls    map[string]int    // requests per key, failed ones included
	booked   map[string]int    // bookings made per key (must never exceed 1)
	bodies   map[string][]byte // the last body per key
	fail5xx  int               // answer 503 to this many more requests
	fail4xx  bool              // refuse every booking with 422
	sleep    time.Duration     // wait this long before answering
	protocol []string          // protocol errors: missing key, bad body
	seq      int
}

func newFakeCarrier(t testing.TB) *fakeCarrier {
	fc := &fakeCarrier{tracking: map[string]string{}, calls: map[string]int{}, booked: map[string]int{}, bodies: map[string][]byte{}}
	fc.Server = httptest.NewServer(http.HandlerFunc(fc.serve))
	t.Cleanup(fc.Close)
	return fc
}

type carrierBooking struct {
	Reference string `json:"reference"`
	Direction string `json:"direction"`
	Recipient struct {
		Name     string `json:"name"`
		Street   string `json:"street"`
		Postcode string `json:"postcode"`
		City     string `json:"city"`
		Phone    string `json:"phone"`
	} `json:"recipient"`
	Parcels int `json:"parcels"`
}

func (fc *fakeCarrier) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/shipments" {
		http.NotFound(w, r)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	var b carrierBooking
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&b)
	fc.mu.Lock()
	switch {
	case key == "":
		fc.protocol = append(fc.protocol, "no Idempotency-Key")
	case err != nil:
		fc.protocol = append(fc.protocol, fmt.Sprintf("key %s: body: %v", key, err))
	case b.Reference == "" || (b.Direction != "outbound" && b.Direction != "inbound") || b.Parcels < 1 ||
		b.Recipient.Name == "" || b.Recipient.Postcode == "":
		fc.protocol = append(fc.protocol, fmt.Sprintf("key %s: incomplete booking %+v", key, b))
		err = errors.New("incomplete")
	}
	if key == "" || err != nil {
		fc.mu.Unlock()
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	fc.calls[key]++
	sleep := fc.sleep
	fc.mu.Unlock()
	if sleep > 0 {
		select {
		case <-time.After(sleep):
		case <-r.Context().Done():
			return
		}
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	switch {
	case fc.fail5xx > 0:
		fc.fail5xx--
		http.Error(w, `{"error":"try again"}`, http.StatusServiceUnavailable)
		return
	case fc.fail4xx:
		http.Error(w, `{"error":"postcode not served"}`, http.StatusUnprocessableEntity)
		return
	}
	tr, ok := fc.tracking[key]
	if !ok {
		fc.seq++
		tr = fmt.Sprintf("TRK%08d", fc.seq)
		fc.tracking[key] = tr
		fc.booked[key]++
	}
	raw, _ := json.Marshal(b)
	fc.bodies[key] = raw
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"tracking_number": tr})
}

// stats returns calls, bookings and the tracking number for shipment id.
func (fc *fakeCarrier) stats(id int64) (calls, booked int, tracking string) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	k := fmt.Sprint(id)
	return fc.calls[k], fc.booked[k], fc.tracking[k]
}

func (fc *fakeCarrier) set(f func(fc *fakeCarrier)) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f(fc)
}

func (fc *fakeCarrier) checkProtocol(t testing.TB) {
	t.Helper()
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for _, p := range fc.protocol {
		t.Errorf("carrier protocol: %s", p)
	}
}

// ---------------------------------------------------------------------------
// helpers

// stock puts n tablets and oximeters and 2n strips on the shelf.
func (f *fixture) stock(t *testing.T, n int) {
	t.Helper()
	f.receive(t, f.tablet, n)
	f.receive(t, f.oximeter, n)
	f.receive(t, f.strips, 2*n)
}

func (f *fixture) placeKit(t *testing.T, ref string) *orders.Order {
	t.Helper()
	in := f.kitOrder(ref)
	o, err := f.svc.Place(f.ctx, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.Reserved {
		t.Fatalf("order %s is %s, want reserved", o.Number, o.Status)
	}
	return o
}

func devicesOf(o *orders.Order) []int64 {
	var ids []int64
	for _, l := range o.Lines {
		ids = append(ids, l.DeviceIDs...)
	}
	return ids
}

func (f *fixture) order(t *testing.T, id int64) *orders.Order {
	t.Helper()
	o, err := f.svc.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) shipment(t *testing.T, id int64) *orders.Shipment {
	t.Helper()
	sh, err := f.svc.GetShipment(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func (f *fixture) device(t *testing.T, id int64) *inventory.Device {
	t.Helper()
	d, err := f.inv.GetDevice(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) expectStates(t *testing.T, ids []int64, want inventory.State) {
	t.Helper()
	if len(ids) == 0 {
		t.Fatal("no devices to check")
	}
	for _, id := range ids {
		if d := f.device(t, id); d.State != want {
			t.Fatalf("device %s is %s, want %s", d.Serial, d.State, want)
		}
	}
}

// bookTask is the task the outbox hands to the worker for shipment id.
func bookTask(id int64) *asynq.Task {
	b, _ := json.Marshal(orders.BookPayload{ShipmentID: id})
	return asynq.NewTask(orders.TypeBookShipment, b)
}

// book runs the booking job for shipment id in-process, as a worker would.
func (f *fixture) book(t *testing.T, id int64) {
	t.Helper()
	if err := f.svc.HandleBookShipment(f.sys, bookTask(id)); err != nil {
		t.Fatalf("book shipment %d: %v", id, err)
	}
}

// shipAndBook ships o and books it with the fixture's carrier (the manual one unless
// the test set another).
func (f *fixture) shipAndBook(t *testing.T, o *orders.Order) *orders.Shipment {
	t.Helper()
	o, err := f.svc.Ship(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.book(t, *o.ShipmentID)
	sh := f.shipment(t, *o.ShipmentID)
	if sh.Status != orders.ShipmentBooked || sh.TrackingNumber == nil {
		t.Fatalf("shipment not booked: %+v", sh)
	}
	return sh
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startWorker runs the real asynq worker on r with the outbox middleware and the
// handlers orders registers in production, until the test ends.
// queuesIdle reports whether no task waits, runs or is due for a retry in any queue.
func queuesIdle(t testing.TB, r *jobs.Redis) bool {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	queues, err := insp.Queues()
	if err != nil {
		t.Fatalf("queues: %v", err)
	}
	for _, q := range queues {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			t.Fatalf("queue %s: %v", q, err)
		}
		if info.Pending+info.Active+info.Scheduled+info.Retry > 0 {
			return false
		}
	}
	return true
}

func startWorker(t testing.TB, g *gorm.DB, r *jobs.Redis, d *jobs.Dispatcher, svc *orders.Service, concurrency int) {
	t.Helper()
	base := func() context.Context {
		return auth.WithPrincipal(d.NewContext(db.NewContext(context.Background(), g)), auth.System)
	}
	w := jobs.NewWorker(r, jobs.WorkerConfig{Concurrency: concurrency, BaseContext: base})
	w.UseOutbox(d)
	svc.RegisterJobs(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Shutdown()
		d.Wait()
	})
}

// outboxRow returns the booking task's outbox row for shipment id.
func outboxRow(t testing.TB, g *gorm.DB, shipmentID int64) jobs.OutboxRow {
	t.Helper()
	var rows []jobs.OutboxRow
	if err := g.Where("type = ?", orders.TypeBookShipment).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var p orders.BookPayload
		if json.Unmarshal([]byte(r.Payload), &p) == nil && p.ShipmentID == shipmentID {
			return r
		}
	}
	t.Fatalf("no outbox row books shipment %d", shipmentID)
	return jobs.OutboxRow{}
}

// waitBooked waits until shipment id is booked, and fails at once if it failed.
func waitBooked(t testing.TB, g *gorm.DB, id int64, fc *fakeCarrier) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("shipment %d to be booked", id), func() bool {
		var sh orders.Shipment
		g.Take(&sh, id)
		if sh.Status == orders.ShipmentFailed {
			fc.checkProtocol(t)
			t.Fatalf("shipment %d failed: %s", id, sh.LastError)
		}
		return sh.Status == orders.ShipmentBooked
	})
}

func shipmentStatus(g *gorm.DB, id int64) string {
	var s string
	g.Table("shipments").Where("id = ?", id).Pluck("status", &s)
	return s
}

// ---------------------------------------------------------------------------
// dispatch through the real worker

// The carrier answers 503 once: the worker retries with back-off, the second call gets
// the booking. The carrier booked once, the order is shipped, its devices in transit.
func TestDispatchRetriesCarrier5xx(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stock(t, 2)
	g := db.Root(f.ctx)
	fc := newFakeCarrier(t)
	fc.set(func(fc *fakeCarrier) { fc.fail5xx = 1 })
	f.svc.Carrier = orders.NewHTTPCarrier(fc.URL)
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	startWorker(t, g, r, d, f.svc, 2)

	o := f.placeKit(t, "RETRY-1")
	o, err := f.svc.Ship(d.NewContext(f.ctx), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.Dispatching || o.ShipmentID == nil {
		t.Fatalf("ship answered %+v", o)
	}
	id := *o.ShipmentID
	waitBooked(t, g, id, fc)
	waitFor(t, 5*time.Second, "the outbox row to be done", func() bool { return outboxRow(t, g, id).DoneAt != nil })

	calls, booked, tracking := fc.stats(id)
	if calls != 2 || booked != 1 {
		t.Fatalf("carrier saw %d calls and made %d bookings for shipment %d; want 2 and 1", calls, booked, id)
	}
	sh := f.shipment(t, id)
	if sh.TrackingNumber == nil || *sh.TrackingNumber != tracking || sh.Attempts != 2 || sh.LastError != "" || sh.BookedAt == nil {
		t.Fatalf("shipment = %+v, carrier tracking %s", sh, tracking)
	}
	if got := f.order(t, o.ID); got.Status != orders.Shipped {
		t.Fatalf("order is %s, want shipped", got.Status)
	}
	f.expectStates(t, devicesOf(o), inventory.InTransit)
	var b carrierBooking
	fc.mu.Lock()
	json.Unmarshal(fc.bodies[fmt.Sprint(id)], &b)
	fc.mu.Unlock()
	if b.Reference != o.Number || b.Direction != "outbound" || b.Recipient.Postcode != "8000" || b.Parcels != 1 {
		t.Fatalf("carrier got %+v", b)
	}
	fc.checkProtocol(t)
}

// The worker dies after the carrier answered and before the booking committed: the
// re-delivered task calls the carrier again with the same Idempotency-Key, which
// answers the first tracking number, so each shipment is booked once.
func TestDispatchCrashAfterCarrierAnswered(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stock(t, 2)
	g := db.Root(f.ctx)
	fc := newFakeCarrier(t)
	crash := &crashingCarrier{Carrier: orders.NewHTTPCarrier(fc.URL), crashed: map[int64]bool{}}
	f.svc.Carrier = crash
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	startWorker(t, g, r, d, f.svc, 4)

	var ids []int64
	var orderList []*orders.Order
	for i := 0; i < 2; i++ {
		o := f.placeKit(t, fmt.Sprintf("CRASH-%d", i))
		o, err := f.svc.Ship(d.NewContext(f.ctx), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *o.ShipmentID)
		orderList = append(orderList, o)
	}
	for _, id := range ids {
		waitBooked(t, g, id, fc)
	}
	for i, id := range ids {
		calls, booked, tracking := fc.stats(id)
		if calls != 2 || booked != 1 {
			t.Fatalf("shipment %d: carrier saw %d calls, %d bookings; want 2 calls (one before the crash), 1 booking", id, calls, booked)
		}
		if first := crash.first(id); first != tracking {
			t.Fatalf("shipment %d: carrier's first answer %q, now %q", id, first, tracking)
		}
		sh := f.shipment(t, id)
		if sh.TrackingNumber == nil || *sh.TrackingNumber != tracking {
			t.Fatalf("shipment %d tracking %v, want the carrier's first answer %s", id, sh.TrackingNumber, tracking)
		}
		if o := f.order(t, orderList[i].ID); o.Status != orders.Shipped {
			t.Fatalf("order is %s, want shipped", o.Status)
		}
		f.expectStates(t, devicesOf(orderList[i]), inventory.InTransit)
	}
	// One device event per device into in_transit: the crashed run wrote nothing.
	var moves int64
	g.Table("device_events").Where("to_state = ?", inventory.InTransit).Count(&moves)
	if moves != 4 {
		t.Fatalf("%d moves to in_transit, want 4", moves)
	}
	fc.checkProtocol(t)
}

// crashingCarrier books through the real HTTP carrier and then, the first time for
// each shipment, dies as if the process was killed before it could commit.
type crashingCarrier struct {
	orders.Carrier
	mu      sync.Mutex
	crashed map[int64]bool
	firsts  sync.Map
}

func (c *crashingCarrier) Book(ctx context.Context, b orders.Booking) (string, error) {
	tr, err := c.Carrier.Book(ctx, b)
	if err != nil {
		return tr, err
	}
	c.mu.Lock()
	first := !c.crashed[b.ShipmentID]
	c.crashed[b.ShipmentID] = true
	c.mu.Unlock()
	if first {
		c.firsts.Store(b.ShipmentID, tr)
		panic(fmt.Sprintf("worker killed after the carrier answered %s", tr))
	}
	return tr, nil
}

func (c *crashingCarrier) first(id int64) string {
	v, _ := c.firsts.Load(id)
	s, _ := v.(string)
	return s
}

// The carrier refuses (4xx): no retry, the shipment fails, the order goes back to
// reserved with an alert for logistics, its devices stay reserved; it can be shipped
// again.
func TestDispatchCarrier4xxFailsShipment(t *testing.T) {
	f := setup(t)
	f.stock(t, 1)
	fc := newFakeCarrier(t)
	fc.set(func(fc *fakeCarrier) { fc.fail4xx = true })
	f.svc.Carrier = orders.NewHTTPCarrier(fc.URL)
	o := f.placeKit(t, "REFUSED-1")
	o, err := f.svc.Ship(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := *o.ShipmentID
	// A refusal is final even with retries left, so the handler returns nil.
	if err := f.svc.HandleBookShipment(f.sys, bookTask(id)); err != nil {
		t.Fatalf("refused booking returned %v; want it handled", err)
	}
	sh := f.shipment(t, id)
	if sh.Status != orders.ShipmentFailed || sh.TrackingNumber != nil || !strings.Contains(sh.LastError, "422") {
		t.Fatalf("shipment = %+v", sh)
	}
	got := f.order(t, o.ID)
	if got.Status != orders.Reserved || got.ShipmentID != nil {
		t.Fatalf("order = %+v, want reserved without shipment", got)
	}
	f.expectStates(t, devicesOf(o), inventory.Reserved)
	var alerts []orders.Alert
	db.Conn(f.ctx).Where("shipment_id = ?", id).Find(&alerts)
	if len(alerts) != 1 || alerts[0].Kind != "shipment_failed" || alerts[0].OrderID == nil || *alerts[0].OrderID != o.ID || alerts[0].ResolvedAt != nil {
		t.Fatalf("alerts = %+v", alerts)
	}
	if calls, booked, _ := fc.stats(id); calls != 1 || booked != 0 {
		t.Fatalf("carrier: %d calls, %d bookings; want 1, 0", calls, booked)
	}
	// The task again (a re-delivery) leaves the failed shipment alone.
	if err := f.svc.HandleBookShipment(f.sys, bookTask(id)); err != nil {
		t.Fatal(err)
	}
	if calls, _, _ := fc.stats(id); calls != 1 {
		t.Fatalf("failed shipment booked again: %d calls", calls)
	}
	// Logistics fixes it and ships again: a new shipment, booked once.
	fc.set(func(fc *fakeCarrier) { fc.fail4xx = false })
	sh2 := f.shipAndBook(t, got)
	if sh2.ID == id {
		t.Fatal("re-shipping reused the failed shipment")
	}
	if got := f.order(t, o.ID); got.Status != orders.Shipped || *got.ShipmentID != sh2.ID {
		t.Fatalf("re-shipped order = %+v", got)
	}
	fc.checkProtocol(t)
}

// A timeout is retried, not a refusal: with retries left the handler returns the
// error for asynq and records it on the shipment.
func TestDispatchCarrierTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stock(t, 1)
	g := db.Root(f.ctx)
	fc := newFakeCarrier(t)
	fc.set(func(fc *fakeCarrier) { fc.sleep = 2 * time.Second })
	c := orders.NewHTTPCarrier(fc.URL)
	c.Client.Timeout = 200 * time.Millisecond
	f.svc.Carrier = c
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	startWorker(t, g, r, d, f.svc, 2)
	o := f.placeKit(t, "SLOW-1")
	o, err := f.svc.Ship(d.NewContext(f.ctx), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := *o.ShipmentID
	waitFor(t, 10*time.Second, "a failed attempt", func() bool {
		var sh orders.Shipment
		g.Take(&sh, id)
		return sh.Attempts >= 1 && sh.LastError != ""
	})
	fc.set(func(fc *fakeCarrier) { fc.sleep = 0 })
	waitBooked(t, g, id, fc)
	if _, booked, _ := fc.stats(id); booked != 1 {
		t.Fatalf("%d bookings, want 1", booked)
	}
	if got := f.order(t, o.ID); got.Status != orders.Shipped {
		t.Fatalf("order is %s", got.Status)
	}
}

// Redis is down: orders are still taken and shipped (the outbox row waits); when Redis
// is back the reconciler hands the row over and the worker books it exactly once.
func TestDispatchSurvivesRedisOutage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stock(t, 2)
	g := db.Root(f.ctx)
	fc := newFakeCarrier(t)
	f.svc.Carrier = orders.NewHTTPCarrier(fc.URL)

	gone := miniredis.NewMiniRedis()
	if err := gone.Start(); err != nil {
		t.Fatal(err)
	}
	deadClient := asynq.NewClient(asynq.RedisClientOpt{Addr: gone.Addr(), DialTimeout: 500 * time.Millisecond})
	gone.Close()
	t.Cleanup(func() { deadClient.Close() })
	down := jobs.NewDispatcher(g, deadClient)
	ctx := down.NewContext(f.ctx)

	in := f.kitOrder("OUTAGE-1")
	o, err := f.svc.Place(ctx, in, "outage-1")
	if err != nil || o.Status != orders.Reserved {
		t.Fatalf("place without redis: %v, %v", o, err)
	}
	start := time.Now()
	o, err = f.svc.Ship(ctx, o.ID)
	if err != nil {
		t.Fatalf("ship without redis: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("ship waited %s for redis", took)
	}
	if o.Status != orders.Dispatching {
		t.Fatalf("order is %s, want dispatching", o.Status)
	}
	id := *o.ShipmentID
	down.Wait() // the background enqueue has failed by now
	if row := outboxRow(t, g, id); row.EnqueuedAt != nil || row.DoneAt != nil {
		t.Fatalf("outbox row = %+v, want neither enqueued nor done", row)
	}
	if st := shipmentStatus(g, id); st != orders.ShipmentPending {
		t.Fatalf("shipment is %s", st)
	}

	// Redis is back.
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	n, err := d.Reconcile(f.sys, 100)
	if err != nil || n < 1 {
		t.Fatalf("reconcile: %d, %v", n, err)
	}
	if row := outboxRow(t, g, id); row.EnqueuedAt == nil {
		t.Fatal("reconcile did not mark the row enqueued")
	}
	// A second reconcile offers nothing new; one that treats every row as stale offers
	// it again, and asynq refuses the duplicate task id.
	if n, err := d.Reconcile(f.sys, 100); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d, %v", n, err)
	}
	d.Stale = 0
	if _, err := d.Reconcile(f.sys, 100); err != nil {
		t.Fatalf("stale reconcile: %v", err)
	}
	startWorker(t, g, r, d, f.svc, 2)
	waitBooked(t, g, id, fc)
	waitFor(t, 5*time.Second, "the outbox row to be done", func() bool { return outboxRow(t, g, id).DoneAt != nil })
	if _, err := d.Reconcile(f.sys, 100); err != nil {
		t.Fatal(err)
	}
	// A wrongly re-run task would be in a queue (or running) until it has called the
	// carrier: wait for the queues to be idle rather than for a fixed time.
	waitFor(t, 5*time.Second, "the queues to be idle", func() bool { return queuesIdle(t, r) })
	if calls, booked, _ := fc.stats(id); calls != 1 || booked != 1 {
		t.Fatalf("carrier: %d calls, %d bookings; want exactly 1 and 1", calls, booked)
	}
	if got := f.order(t, o.ID); got.Status != orders.Shipped {
		t.Fatalf("order is %s, want shipped", got.Status)
	}
	fc.checkProtocol(t)
}

// ---------------------------------------------------------------------------
// racing kit orders

// Kit orders with a consumable race for the ledger: on PostgreSQL each one holds a key
// share on the consumable's product row (the foreign key of its order line) when it
// locks that row to reserve, so a plain FOR UPDATE there deadlocks two orders. All of
// them must go through, none sharing a device, the strips counted exactly.
func TestRacingKitOrders(t *testing.T) {
	f := setup(t)
	const n = 24
	f.stock(t, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]*orders.Order, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			in := f.kitOrder(fmt.Sprintf("RACE-%d", i))
			got[i], errs[i] = f.svc.Place(f.ctx, in, fmt.Sprintf("race-%d", i))
		}(i)
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("order %d: %v", i, errs[i])
		}
		if got[i].Status != orders.Reserved {
			t.Fatalf("order %d is %s", i, got[i].Status)
		}
		for _, d := range devicesOf(got[i]) {
			if seen[d] {
				t.Fatalf("device %d reserved twice", d)
			}
			seen[d] = true
		}
	}
	levels, err := f.inv.Stock(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		if l.ProductID == f.strips.ID && (l.OnHand != 2*n || l.Reserved != 2*n || l.Available != 0) {
			t.Fatalf("strips = %+v, want %d on hand, all reserved", l, 2*n)
		}
	}
	assertBalancesMatchLedger(t, f.ctx)
}

// Orders by lines name two consumables in opposite orders: each locks the balances of
// both, always in the same order, so none deadlocks and every unit is counted.
func TestRacingOrdersOfTwoConsumables(t *testing.T) {
	f := setup(t)
	gel, err := f.inv.CreateProduct(f.ctx, inventory.NewProduct{SKU: "GEL", Name: "Gel", Category: "consumable", Tracking: "quantity"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	f.receive(t, f.strips, n)
	f.receive(t, gel, n)
	f.receive(t, f.oximeter, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			lines := []orders.NewLine{{ProductID: f.strips.ID, Quantity: 1}, {ProductID: gel.ID, Quantity: 1}, {ProductID: f.oximeter.ID, Quantity: 1}}
			if i%2 == 1 {
				slices.Reverse(lines)
			}
			in := orders.NewOrder{MemberID: f.member.ID, Lines: lines, CitizenRef: fmt.Sprintf("TWO-%d", i), Delivery: addr}
			o, err := f.svc.Place(f.ctx, in, "")
			if err == nil && o.Status != orders.Reserved {
				err = fmt.Errorf("order is %s", o.Status)
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
	}
	levels, err := f.inv.Stock(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		if (l.ProductID == f.strips.ID || l.ProductID == gel.ID) && (l.OnHand != n || l.Reserved != n || l.Available != 0) {
			t.Fatalf("%s = %+v, want %d on hand, all reserved", l.SKU, l, n)
		}
	}
	assertBalancesMatchLedger(t, f.ctx)
}

// ---------------------------------------------------------------------------
// carrier events

func TestCarrierSignature(t *testing.T) {
	const secret = "s3cret"
	b := []byte(`{"tracking_number":"MAN-00000001","event":"delivered","occurred_at":"2026-01-02T10:00:00Z"}`)
	sig := orders.Sign(secret, b)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if err := orders.VerifySignature(secret, sig, b); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	if err := orders.VerifySignature(secret, " "+sig+" ", b); err != nil {
		t.Fatalf("signature with spaces refused: %v", err)
	}
	tampered := append([]byte(nil), b...)
	tampered[len(tampered)-3] = '1'
	for name, c := range map[string]struct {
		secret, header string
		body           []byte
	}{
		"wrong secret":    {secret, orders.Sign("other", b), b},
		"missing":         {secret, "", b},
		"no prefix":       {secret, strings.TrimPrefix(sig, "sha256="), b},
		"other algorithm": {secret, "sha1=" + strings.TrimPrefix(sig, "sha256="), b},
		"not hex":         {secret, "sha256=zz" + sig[9:], b},
		"truncated":       {secret, sig[:len(sig)-2], b},
		"empty hex":       {secret, "sha256=", b},
		"tampered body":   {secret, sig, tampered},
		"no secret set":   {"", orders.Sign("", b), b},
	} {
		if err := orders.VerifySignature(c.secret, c.header, c.body); !apperr.Is(err, apperr.KindUnauthorized) {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
}

func event(tracking, kind string) orders.CarrierEvent {
	return orders.CarrierEvent{TrackingNumber: tracking, Event: kind, OccurredAt: time.Now().UTC().Truncate(time.Second)}
}

func TestCarrierEvents(t *testing.T) {
	f := setup(t)
	f.stock(t, 2)
	o := f.placeKit(t, "EV-1")
	sh := f.shipAndBook(t, o)
	if want := fmt.Sprintf("MAN-%08d", sh.ID); *sh.TrackingNumber != want {
		t.Fatalf("manual tracking %s, want %s", *sh.TrackingNumber, want)
	}
	f.expectStates(t, devicesOf(o), inventory.InTransit)

	if _, err := f.svc.HandleCarrierEvent(f.sys, event("NO-SUCH-PARCEL", "delivered")); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown tracking number: %v, want not found", err)
	}
	changed, err := f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, "picked_up"))
	if err != nil || !changed {
		t.Fatalf("picked_up: %v, %v", changed, err)
	}
	if got := f.order(t, o.ID); got.Status != orders.Shipped {
		t.Fatalf("picked_up changed the order to %s", got.Status)
	}
	changed, err = f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, "delivered"))
	if err != nil || !changed {
		t.Fatalf("delivered: %v, %v", changed, err)
	}
	got := f.order(t, o.ID)
	if got.Status != orders.Delivered {
		t.Fatalf("order is %s, want delivered", got.Status)
	}
	if s := f.shipment(t, sh.ID); s.Status != orders.ShipmentDelivered || s.DeliveredAt == nil {
		t.Fatalf("shipment = %+v", s)
	}
	for _, id := range devicesOf(o) {
		d := f.device(t, id)
		if d.State != inventory.Deployed || d.MemberID == nil || *d.MemberID != f.member.ID || d.CitizenRef == nil || *d.CitizenRef != "EV-1" {
			t.Fatalf("delivered device = %+v", d)
		}
	}
	counts := func() (ev, au, de int64) {
		db.Conn(f.ctx).Table("carrier_events").Count(&ev)
		db.Conn(f.ctx).Table("audit_entries").Count(&au)
		db.Conn(f.ctx).Table("device_events").Count(&de)
		return
	}
	ev0, au0, de0 := counts()
	for _, kind := range []string{"delivered", "picked_up", "delivered"} {
		changed, err = f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, kind))
		if err != nil || changed {
			t.Fatalf("repeated %s: changed %v, %v", kind, changed, err)
		}
	}
	if ev, au, de := counts(); ev != ev0 || au != au0 || de != de0 {
		t.Fatalf("repeated events wrote: carrier events %d→%d, audit %d→%d, device events %d→%d", ev0, ev, au0, au, de0, de)
	}
	// Repeated events racing each other still record one.
	var wg sync.WaitGroup
	var changes atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, "failed"))
			if err != nil {
				t.Error(err)
			}
			if c {
				changes.Add(1)
			}
		}()
	}
	wg.Wait()
	if changes.Load() != 1 {
		t.Fatalf("%d of 8 racing events changed something, want 1", changes.Load())
	}
	// ... and a failure after delivery changes nothing of the order.
	if got := f.order(t, o.ID); got.Status != orders.Delivered {
		t.Fatalf("failure after delivery moved the order to %s", got.Status)
	}
	f.expectStates(t, devicesOf(o), inventory.Deployed)
}

// The carrier loses a booked parcel: the order goes back to reserved, its devices back
// to reserved, its consumables back into reserved stock; a late "delivered" for the
// failed shipment changes nothing.
func TestCarrierFailedAfterBooking(t *testing.T) {
	f := setup(t)
	f.stock(t, 1) // 1 tablet, 1 oximeter, 2 strips: exactly one kit
	strips := func() inventory.StockLevel {
		t.Helper()
		levels, err := f.inv.Stock(f.ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range levels {
			if l.ProductID == f.strips.ID {
				return l
			}
		}
		t.Fatal("no strips in stock")
		return inventory.StockLevel{}
	}
	o := f.placeKit(t, "LOST-1")
	sh := f.shipAndBook(t, o)
	if s := strips(); s.OnHand != 0 || s.Reserved != 0 || s.Available != 0 {
		t.Fatalf("strips after shipping = %+v, want all gone", s)
	}
	changed, err := f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, "failed"))
	if err != nil || !changed {
		t.Fatalf("failed: %v, %v", changed, err)
	}
	got := f.order(t, o.ID)
	if got.Status != orders.Reserved || got.ShipmentID != nil {
		t.Fatalf("order = %+v, want reserved", got)
	}
	f.expectStates(t, devicesOf(o), inventory.Reserved)
	if s := f.shipment(t, sh.ID); s.Status != orders.ShipmentFailed {
		t.Fatalf("shipment is %s", s.Status)
	}
	if s := strips(); s.OnHand != 2 || s.Reserved != 2 || s.Available != 0 {
		t.Fatalf("strips after the failure = %+v, want 2 on hand, 2 reserved", s)
	}
	var alerts int64
	db.Conn(f.ctx).Table("alerts").Where("shipment_id = ?", sh.ID).Count(&alerts)
	if alerts != 1 {
		t.Fatalf("%d alerts, want 1", alerts)
	}
	changed, err = f.svc.HandleCarrierEvent(f.sys, event(*sh.TrackingNumber, "delivered"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.order(t, o.ID); got.Status != orders.Reserved {
		t.Fatalf("late delivered event moved the failed order to %s", got.Status)
	}
	// Cancelling now gives every unit back exactly once.
	if _, err := f.svc.Cancel(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if s := strips(); s.OnHand != 2 || s.Reserved != 0 || s.Available != 2 {
		t.Fatalf("strips after cancelling = %+v, want 2 available", s)
	}
	f.expectStates(t, devicesOf(o), inventory.Available)
}

// ---------------------------------------------------------------------------
// manual delivery and returns

func TestDeliverByHand(t *testing.T) {
	f := setup(t)
	f.stock(t, 2)
	reserved := f.placeKit(t, "HAND-1")
	if _, err := f.svc.Deliver(f.ctx, reserved.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("deliver a reserved order: %v, want conflict", err)
	}
	o := f.placeKit(t, "HAND-2")
	o, err := f.svc.Ship(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Deliver(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("deliver a dispatching order: %v, want conflict", err)
	}
	f.book(t, *o.ShipmentID)
	member := testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &f.member.ID})
	if _, err := f.svc.Deliver(member, o.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member delivers: %v, want forbidden", err)
	}
	got, err := f.svc.Deliver(f.ctx, o.ID)
	if err != nil || got.Status != orders.Delivered {
		t.Fatalf("deliver: %v, %v", got, err)
	}
	if s := f.shipment(t, *o.ShipmentID); s.Status != orders.ShipmentDelivered {
		t.Fatalf("shipment is %s", s.Status)
	}
	for _, id := range devicesOf(o) {
		if d := f.device(t, id); d.State != inventory.Deployed || *d.CitizenRef != "HAND-2" || *d.MemberID != f.member.ID {
			t.Fatalf("device = %+v", d)
		}
	}
	if _, err := f.svc.Deliver(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("deliver twice: %v, want conflict", err)
	}
	if _, err := f.svc.Cancel(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("cancel a delivered order: %v, want conflict", err)
	}
}

// deliveredKit places, ships, books and hands over a kit for ref of member m.
func (f *fixture) deliveredKit(t *testing.T, ref string) *orders.Order {
	t.Helper()
	o := f.placeKit(t, ref)
	f.shipAndBook(t, o)
	if _, err := f.svc.Deliver(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestReturnPickupAndReceive(t *testing.T) {
	f := setup(t)
	f.stock(t, 2)
	member := testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &f.member.ID})
	o := f.deliveredKit(t, "RET-1")
	devs := devicesOf(o) // tablet, oximeter
	// A device deployed for the other member.
	in := orders.NewOrder{MemberID: f.other.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "H-1", Delivery: addr}
	theirs, err := f.svc.Place(f.ctx, in, "")
	if err != nil || theirs.Status != orders.Reserved {
		t.Fatalf("other member's order: %v, %v", theirs, err)
	}
	f.shipAndBook(t, theirs)
	if _, err := f.svc.Deliver(f.ctx, theirs.ID); err != nil {
		t.Fatal(err)
	}
	theirDevice := devicesOf(theirs)[0]

	pickup := &orders.Address{Name: "Borger", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C", Phone: "+4512345678"}
	req := orders.NewReturn{MemberID: f.member.ID, DeviceIDs: []int64{devs[0], theirDevice}, Reason: "not_needed", Pickup: pickup}
	_, err = f.svc.RequestReturn(member, req, "")
	if e, ok := err.(*apperr.Error); !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "device_ids[1]" {
		t.Fatalf("returning another member's device: %v, want invalid on device_ids[1]", err)
	}
	req = orders.NewReturn{MemberID: f.other.ID, DeviceIDs: []int64{theirDevice}, Reason: "moved", Pickup: pickup}
	if _, err := f.svc.RequestReturn(member, req, ""); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("requesting for another member: %v, want forbidden", err)
	}
	req = orders.NewReturn{MemberID: f.member.ID, DeviceIDs: []int64{devs[0], devs[0]}, Reason: "lost", Pickup: &orders.Address{Name: "x"}}
	_, err = f.svc.RequestReturn(member, req, "")
	if e, ok := err.(*apperr.Error); !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("bad return: %v", err)
	} else {
		var fields []string
		for _, fe := range e.Fields {
			fields = append(fields, fe.Field)
		}
		for _, want := range []string{"reason", "pickup.street", "pickup.postcode", "device_ids[1]"} {
			if !slices.Contains(fields, want) {
				t.Errorf("no error on %s: %v", want, fields)
			}
		}
	}
	f.expectStates(t, devs, inventory.Deployed) // nothing half written

	req = orders.NewReturn{MemberID: f.member.ID, DeviceIDs: devs, Reason: "defect", Pickup: pickup}
	ret, err := f.svc.RequestReturn(member, req, "ret-key")
	if err != nil {
		t.Fatal(err)
	}
	if ret.Status != orders.ReturnRequested || ret.ShipmentID == nil {
		t.Fatalf("return = %+v", ret)
	}
	again, err := f.svc.RequestReturn(member, req, "ret-key")
	if err != nil || again.ID != ret.ID {
		t.Fatalf("retried return: %v, %v; want return %d", again, err, ret.ID)
	}
	f.expectStates(t, devs, inventory.Returning)
	sh := f.shipment(t, *ret.ShipmentID)
	if sh.Direction != orders.Inbound || sh.Status != orders.ShipmentPending || sh.ReturnID == nil || *sh.ReturnID != ret.ID ||
		sh.OrderID != nil || sh.MemberID != f.member.ID || sh.Recipient.Phone != pickup.Phone {
		t.Fatalf("pickup shipment = %+v", sh)
	}
	outboxRow(t, db.Root(f.ctx), sh.ID)
	// The other member sees neither the return nor its shipment.
	other := testenv.As(f.ctx, auth.Principal{UserID: 10, Name: "herning", Role: auth.RoleMember, MemberID: &f.other.ID})
	if _, err := f.svc.GetReturn(other, ret.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member sees the return: %v", err)
	}
	if _, err := f.svc.GetShipment(other, sh.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member sees the shipment: %v", err)
	}

	// Book the pickup with the HTTP carrier: an inbound booking.
	fc := newFakeCarrier(t)
	f.svc.Carrier = orders.NewHTTPCarrier(fc.URL)
	f.book(t, sh.ID)
	if s := f.shipment(t, sh.ID); s.Status != orders.ShipmentBooked || s.TrackingNumber == nil {
		t.Fatalf("pickup not booked: %+v", s)
	}
	var b carrierBooking
	fc.mu.Lock()
	json.Unmarshal(fc.bodies[fmt.Sprint(sh.ID)], &b)
	fc.mu.Unlock()
	if b.Direction != "inbound" || b.Reference != fmt.Sprintf("R-%d", ret.ID) {
		t.Fatalf("carrier got %+v", b)
	}
	fc.checkProtocol(t)
	f.expectStates(t, devs, inventory.Returning)

	// Receive one at another location, with a serial that does not belong.
	loc2, err := f.inv.CreateLocation(f.ctx, inventory.NewLocation{Code: "ODE", Name: "Odense"})
	if err != nil {
		t.Fatal(err)
	}
	tablet, oxi := f.device(t, devs[0]), f.device(t, devs[1])
	if _, err := f.svc.ReceiveReturn(member, ret.ID, orders.ReceiveRequest{LocationID: loc2.ID, Serials: []string{tablet.Serial}}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member receives: %v, want forbidden", err)
	}
	if _, err := f.svc.ReceiveReturn(f.ctx, ret.ID, orders.ReceiveRequest{LocationID: 987654}); err == nil {
		t.Fatal("unknown location accepted")
	}
	rc, err := f.svc.ReceiveReturn(f.ctx, ret.ID, orders.ReceiveRequest{LocationID: loc2.ID, Serials: []string{" " + tablet.Serial, "NOT-OURS-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status != orders.ReturnPartial || !slices.Equal(rc.Received, []string{tablet.Serial}) ||
		!slices.Equal(rc.Missing, []string{oxi.Serial}) || !slices.Equal(rc.Unexpected, []string{"NOT-OURS-1"}) {
		t.Fatalf("first receipt = %+v", rc)
	}
	d := f.device(t, tablet.ID)
	if d.State != inventory.Cleaning || d.LocationID == nil || *d.LocationID != loc2.ID || d.MemberID != nil || d.CitizenRef != nil || d.OrderID != nil {
		t.Fatalf("received device = %+v, want cleaning at %d with no holder", d, loc2.ID)
	}
	f.expectStates(t, []int64{oxi.ID}, inventory.Returning)
	rc, err = f.svc.ReceiveReturn(f.ctx, ret.ID, orders.ReceiveRequest{LocationID: loc2.ID, Serials: []string{oxi.Serial, tablet.Serial}})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status != orders.ReturnReceived || !slices.Equal(rc.Received, []string{oxi.Serial}) || len(rc.Missing) != 0 || len(rc.Unexpected) != 0 {
		t.Fatalf("second receipt = %+v", rc)
	}
	got, err := f.svc.GetReturn(member, ret.ID)
	if err != nil || got.Status != orders.ReturnReceived || got.ReceivedAt == nil || len(got.DeviceIDs) != 2 {
		t.Fatalf("return = %+v, %v", got, err)
	}
	f.expectStates(t, devs, inventory.Cleaning)
	// Cleaned devices can be ordered again.
	for _, id := range devs {
		if _, err := f.inv.Transition(f.ctx, id, inventory.TransitionRequest{To: inventory.Available, Reason: "cleaned"}); err != nil {
			t.Fatal(err)
		}
	}
	f.expectStates(t, devs, inventory.Available)
}

// ---------------------------------------------------------------------------
// BenchmarkDispatch10k ships 10,000 one-device orders and books them through the real
// worker against the fake carrier on loopback, reporting shipments/s. It runs only with
// -bench (on SQLite placing the orders takes a while):
//
//	go test ./orders -run '^$' -bench Dispatch10k -benchtime 1x
func BenchmarkDispatch10k(b *testing.B) {
	const n = 10_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := testenv.DB(b)
		ctx := testenv.Context(b, g)
		sys := testenv.As(ctx, auth.System)
		lager := testenv.As(ctx, auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics})
		cs := contracts.NewService()
		inv := inventory.NewService(cs)
		svc := orders.NewService(inv, cs)
		m, err := cs.CreateMember(sys, contracts.NewMember{Code: "751", Name: "Aarhus", Kind: "municipality", EAN: "5798000416604"})
		if err != nil {
			b.Fatal(err)
		}
		loc, err := inv.CreateLocation(lager, inventory.NewLocation{Code: "AAR", Name: "Aarhus"})
		if err != nil {
			b.Fatal(err)
		}
		p, err := inv.CreateProduct(lager, inventory.NewProduct{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: "serial"})
		if err != nil {
			b.Fatal(err)
		}
		line := inventory.NewReceiptLine{ProductID: p.ID}
		for j := 0; j < n; j++ {
			line.Serials = append(line.Serials, fmt.Sprintf("OXI-%06d", j))
		}
		if _, err := inv.CreateReceipt(lager, inventory.NewReceipt{LocationID: loc.ID, Lines: []inventory.NewReceiptLine{line}}); err != nil {
			b.Fatal(err)
		}
		ids := make([]int64, n)
		parallel(b, n, 8, func(j int) error {
			in := orders.NewOrder{MemberID: m.ID, Lines: []orders.NewLine{{ProductID: p.ID, Quantity: 1}}, CitizenRef: fmt.Sprintf("B-%d", j), Delivery: addr}
			o, err := svc.Place(lager, in, "")
			if err == nil {
				ids[j] = o.ID
			}
			return err
		})
		fc := newFakeCarrier(b)
		svc.Carrier = orders.NewHTTPCarrier(fc.URL)
		r := testenv.Redis(b)
		d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
		startWorker(b, g, r, d, svc, 16)
		dctx := d.NewContext(lager)
		b.StartTimer()

		start := time.Now()
		parallel(b, n, 8, func(j int) error {
			_, err := svc.Ship(dctx, ids[j])
			return err
		})
		shipped := time.Since(start)
		waitFor(b, 30*time.Minute, "every shipment to be booked", func() bool {
			var booked int64
			g.Table("shipments").Where("status = ?", orders.ShipmentBooked).Count(&booked)
			return booked == n
		})
		total := time.Since(start)
		b.StopTimer()
		fc.mu.Lock()
		if len(fc.booked) != n {
			b.Fatalf("carrier booked %d shipments, want %d", len(fc.booked), n)
		}
		fc.mu.Unlock()
		fc.checkProtocol(b)
		b.ReportMetric(float64(n)/shipped.Seconds(), "ship-calls/s")
		b.ReportMetric(float64(n)/total.Seconds(), "shipments/s")
	}
}

// parallel runs fn(0..n-1) from conc goroutines and fails tb on the first error.
func parallel(tb testing.TB, n, conc int, fn func(i int) error) {
	tb.Helper()
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = fmt.Errorf("item %d: %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		tb.Fatal(first)
	}
}
