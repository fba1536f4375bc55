package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/internal/webhook"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

const secret = "test-secret-0123456789"

var admin = auth.Principal{UserID: 1, Name: "admin@example.dk", Role: auth.RoleAdmin}

// receiver is a loopback webhook receiver: it records every request and answers what
// answer says for the n-th one (1-based); 200 by default.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	reqs   []request
	answer func(n int, w http.ResponseWriter) int
	ln     net.Listener
	srv    *http.Server
	addr   string
	block  chan struct{} // when set, requests wait on it (or their own end)
	inside chan struct{} // signalled when a request waits on block
}

type request struct {
	at       time.Time
	delivery string
	event    string
	sigOK    bool
	status   int
	body     webhook.Body
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc.addr = ln.Addr().String()
	rc.serve(ln)
	t.Cleanup(rc.stop)
	return rc
}

func (rc *receiver) URL() string { return "http://" + rc.addr + "/hook" }

func (rc *receiver) serve(ln net.Listener) {
	rc.ln = ln
	rc.srv = &http.Server{Handler: rc}
	go rc.srv.Serve(ln)
}

// stop closes the listener: connections are refused, as from a receiver that is down.
func (rc *receiver) stop() {
	if rc.srv != nil {
		rc.srv.Close()
		rc.srv = nil
	}
}

// restart listens on the same address again.
func (rc *receiver) restart() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", rc.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		rc.t.Fatal(err)
	}
	rc.serve(ln)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if rc.block != nil {
		rc.inside <- struct{}{}
		select {
		case <-rc.block:
		case <-r.Context().Done():
			return
		}
	}
	rq := request{at: time.Now(), delivery: r.Header.Get(webhook.HeaderDelivery), event: r.Header.Get(webhook.HeaderEvent),
		sigOK: webhook.Verify(secret, r.Header.Get(webhook.HeaderSignature), b)}
	if err := json.Unmarshal(b, &rq.body); err != nil {
		rc.t.Errorf("body %s: %v", b, err)
	}
	rc.mu.Lock()
	n := len(rc.reqs) + 1
	status := 200
	if rc.answer != nil {
		status = rc.answer(n, w)
	}
	rq.status = status
	rc.reqs = append(rc.reqs, rq)
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

type rig struct {
	t   *testing.T
	g   *gorm.DB
	r   *jobs.Redis
	d   *jobs.Dispatcher
	svc *webhook.Service
	ctx context.Context
}

func newRig(t *testing.T) *rig {
	g := testenv.DB(t)
	r := testenv.Redis(t)
	d := jobs.NewDispatcher(g, asynq.NewClientFromRedisClient(r.Client))
	d.UseRedis(r.Client)
	t.Cleanup(d.Wait)
	svc := webhook.NewService()
	svc.AllowPrivate, svc.Queue = true, d.Client
	svc.MinBackoff, svc.MaxBackoff, svc.Timeout = 20*time.Millisecond, 200*time.Millisecond, 2*time.Second
	ctx := auth.WithPrincipal(d.NewContext(testenv.Context(t, g)), admin)
	rg := &rig{t: t, g: g, r: r, d: d, svc: svc, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			for _, d := range rg.deliveries() {
				t.Logf("delivery %d: %s attempts %d next %v lease %v err %q", d.ID, d.Status, d.Attempts, d.NextAttemptAt, d.LeaseUntil, d.LastError)
			}
			var rows []jobs.OutboxRow
			g.Find(&rows)
			for _, o := range rows {
				t.Logf("outbox %d %s %s enq %v done %v failed %v %s", o.ID, o.Type, o.Payload, o.EnqueuedAt, o.DoneAt, o.FailedAt, o.LastError)
			}
		}
	})
	return rg
}

// start starts a worker with the outbox and the webhook jobs; it stops when t ends
// unless stopped before.
func (rg *rig) start(shutdown time.Duration) (stop func()) {
	rg.t.Helper()
	base := func() context.Context { return rg.d.NewContext(db.NewContext(context.Background(), rg.g)) }
	w := jobs.NewWorker(rg.r, jobs.WorkerConfig{Concurrency: 4, BaseContext: base, ShutdownTimeout: shutdown,
		DelayedCheck: 50 * time.Millisecond})
	w.UseOutbox(rg.d)
	rg.svc.RegisterJobs(w)
	if err := w.Start(); err != nil {
		rg.t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(w.Shutdown) }
	rg.t.Cleanup(stop)
	return stop
}

func (rg *rig) subscribe(url string, events ...string) *webhook.Created {
	rg.t.Helper()
	c, err := rg.svc.Create(rg.ctx, webhook.NewSubscription{URL: url, Events: events, Secret: secret})
	if err != nil {
		rg.t.Fatal(err)
	}
	return c
}

func (rg *rig) emit(event string, data any) {
	rg.t.Helper()
	if err := db.WithTx(rg.ctx, func(ctx context.Context) error { return webhook.Emit(ctx, event, nil, data) }); err != nil {
		rg.t.Fatal(err)
	}
}

func (rg *rig) deliveries() []webhook.Delivery {
	rg.t.Helper()
	var ds []webhook.Delivery
	if err := rg.g.Order("id").Find(&ds).Error; err != nil {
		rg.t.Fatal(err)
	}
	return ds
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allDone(rg *rig, want int) func() bool {
	return func() bool {
		ds := rg.deliveries()
		if len(ds) != want {
			return false
		}
		for _, d := range ds {
			if d.Status == webhook.Pending {
				return false
			}
		}
		return true
	}
}

// A delivery is signed with the secret over the raw body, carries its id and event in
// headers and body, and the data as given; it is recorded delivered after one try.
func TestDeliverySigned(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	other := rg.subscribe(rc.URL(), webhook.TicketCreated) // not asked for this event
	rg.start(0)
	rg.emit(webhook.OrderStatusChanged, map[string]any{"id": 7, "status": "shipped"})
	waitFor(t, "delivered", 15*time.Second, allDone(rg, 1))
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	rq, d := reqs[0], rg.deliveries()[0]
	if !rq.sigOK {
		t.Error("signature does not verify with the secret")
	}
	if rq.delivery != fmt.Sprint(d.ID) || rq.body.ID != d.ID || rq.event != webhook.OrderStatusChanged || rq.body.Event != rq.event {
		t.Errorf("request %+v for delivery %d", rq, d.ID)
	}
	if string(rq.body.Data) != `{"id":7,"status":"shipped"}` || rq.body.OccurredAt.IsZero() {
		t.Errorf("body = %+v", rq.body)
	}
	if d.Status != webhook.Delivered || d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != 200 || d.DeliveredAt == nil || d.WebhookID == other.ID {
		t.Errorf("delivery = %+v", d)
	}
	if webhook.Verify("another-secret-123456", "sha256=00", []byte("x")) || webhook.Verify(secret, webhook.Sign(secret, []byte("a")), []byte("b")) {
		t.Error("Verify accepts a wrong signature")
	}
}

// A rolled-back change writes no delivery and sends nothing; the same change committed
// is sent, so the silence means something.
func TestRollbackSendsNothing(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	rg.start(0)
	boom := errors.New("boom")
	err := db.WithTx(rg.ctx, func(ctx context.Context) error {
		if err := webhook.Emit(ctx, webhook.OrderStatusChanged, nil, map[string]string{"n": "rolled back"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var outbox int64
	rg.g.Model(&jobs.OutboxRow{}).Where("type = ?", webhook.TypeDeliver).Count(&outbox)
	if n := len(rg.deliveries()); n != 0 || outbox != 0 {
		t.Fatalf("after rollback: %d deliveries, %d outbox rows", n, outbox)
	}
	rg.emit(webhook.OrderStatusChanged, map[string]string{"n": "committed"})
	waitFor(t, "the committed one delivered", 15*time.Second, allDone(rg, 1))
	reqs := rc.requests()
	if len(reqs) != 1 || string(reqs[0].body.Data) != `{"n":"committed"}` {
		t.Fatalf("requests = %+v, want only the committed change", reqs)
	}
	if err := webhook.Emit(rg.ctx, "order.made_up", nil, nil); err == nil {
		t.Error("Emit accepted an unknown event")
	}
}

// 5xx, 408 and 429 are retried with back-off under the same delivery id; Retry-After
// is honoured; the attempts and the last answer are recorded.
func TestRetriesKeepDeliveryID(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rc.answer = func(n int, w http.ResponseWriter) int {
		switch n {
		case 1:
			return 503
		case 2:
			return 408
		case 3:
			w.Header().Set("Retry-After", "1")
			return 429
		case 4:
			return 500
		}
		return 204
	}
	rg.subscribe(rc.URL(), webhook.DeviceStateChanged)
	rg.start(0)
	rg.emit(webhook.DeviceStateChanged, map[string]int{"id": 1})
	waitFor(t, "delivered after retries", 20*time.Second, allDone(rg, 1))
	reqs := rc.requests()
	if len(reqs) != 5 {
		t.Fatalf("requests = %d, want 5", len(reqs))
	}
	for _, rq := range reqs {
		if rq.delivery != reqs[0].delivery || !rq.sigOK || rq.body.ID != reqs[0].body.ID {
			t.Fatalf("retry under another id or unsigned: %+v vs %+v", rq, reqs[0])
		}
	}
	if gap := reqs[3].at.Sub(reqs[2].at); gap < 900*time.Millisecond {
		t.Errorf("retry %s after a 429 with Retry-After: 1", gap)
	}
	d := rg.deliveries()[0]
	if d.Status != webhook.Delivered || d.Attempts != 5 || *d.LastStatusCode != 204 {
		t.Errorf("delivery = %+v", d)
	}
}

// A 4xx other than 408 and 429 fails the delivery at once: no retry is due, and
// another try does nothing.
func TestClientErrorFailsAtOnce(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rc.answer = func(int, http.ResponseWriter) int { return 410 }
	rg.subscribe(rc.URL(), webhook.TicketCreated)
	rg.start(0)
	rg.emit(webhook.TicketCreated, map[string]int{"id": 1})
	waitFor(t, "failed", 15*time.Second, allDone(rg, 1))
	d := rg.deliveries()[0]
	if d.Status != webhook.Failed || d.Attempts != 1 || *d.LastStatusCode != 410 || d.NextAttemptAt != nil {
		t.Fatalf("delivery = %+v", d)
	}
	if err := rg.svc.Attempt(rg.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := rg.svc.Sweep(rg.ctx, 100); err != nil || n != 0 {
		t.Fatalf("Sweep = %d, %v", n, err)
	}
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
}

// A receiver that is down (connections refused) and then back gets every delivery,
// each once, under one id per event.
func TestReceiverDownThenBack(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	rc.stop()
	rg.start(0)
	const n = 30
	for i := range n {
		rg.emit(webhook.OrderStatusChanged, map[string]int{"n": i})
	}
	waitFor(t, "every delivery tried and refused", 15*time.Second, func() bool {
		ds := rg.deliveries()
		for _, d := range ds {
			if d.Attempts < 2 || d.LastError == "" {
				return false
			}
		}
		return len(ds) == n
	})
	rc.restart()
	waitFor(t, "every delivery delivered", 30*time.Second, allDone(rg, n))
	perID, perEvent := map[string]int{}, map[string]string{}
	for _, rq := range rc.requests() {
		if rq.status != 200 {
			continue
		}
		perID[rq.delivery]++
		ev := string(rq.body.Data)
		if id, ok := perEvent[ev]; ok && id != rq.delivery {
			t.Errorf("event %s delivered under ids %s and %s", ev, id, rq.delivery)
		}
		perEvent[ev] = rq.delivery
	}
	if len(perID) != n || len(perEvent) != n {
		t.Fatalf("%d delivery ids, %d events received; want %d", len(perID), len(perEvent), n)
	}
	for id, c := range perID {
		if c != 1 {
			t.Errorf("delivery %s received %d times", id, c)
		}
	}
	for _, d := range rg.deliveries() {
		if d.Status != webhook.Delivered {
			t.Errorf("delivery %d is %s", d.ID, d.Status)
		}
	}
}

// A worker stopped mid-send (its handler's context cancelled) leaves the delivery
// pending; the next worker sends it again under the same id.
func TestWorkerKilledMidSend(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rc.block, rc.inside = make(chan struct{}), make(chan struct{}, 10)
	rg.subscribe(rc.URL(), webhook.ReturnStatusChanged)
	stop := rg.start(200 * time.Millisecond)
	rg.emit(webhook.ReturnStatusChanged, map[string]int{"id": 3})
	select {
	case <-rc.inside:
	case <-time.After(15 * time.Second):
		t.Fatal("the receiver never got the first try")
	}
	stop() // cancels the try in flight after 200 ms
	d := rg.deliveries()[0]
	if d.Status != webhook.Pending || d.Attempts != 1 {
		t.Fatalf("after the kill: %+v", d)
	}
	close(rc.block) // later requests pass at once (block is not reset: handlers read it)
	rg.start(0)
	waitFor(t, "delivered by the next worker", 20*time.Second, allDone(rg, 1))
	reqs := rc.requests()
	if len(reqs) != 1 || reqs[0].delivery != fmt.Sprint(d.ID) {
		t.Fatalf("answered requests = %+v, want one for delivery %d", reqs, d.ID)
	}
	if d = rg.deliveries()[0]; d.Status != webhook.Delivered || d.Attempts != 2 {
		t.Fatalf("delivery = %+v", d)
	}
}

// A worker that died for good mid-send (its claim never released, its task gone)
// is taken over by the sweep once the claim has run out, under the same id.
func TestSweepTakesOverADeadClaim(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.ShipmentStatusChanged)
	// Written without a dispatcher and its outbox row marked done: as if a worker
	// claimed it, started sending and died, and Redis lost its task.
	if err := db.WithTx(db.NewContext(context.Background(), rg.g), func(ctx context.Context) error {
		return webhook.Emit(ctx, webhook.ShipmentStatusChanged, nil, map[string]int{"id": 9})
	}); err != nil {
		t.Fatal(err)
	}
	past := time.Now().UTC().Add(-time.Hour)
	rg.g.Model(&jobs.OutboxRow{}).Where("1 = 1").Update("done_at", past)
	rg.g.Model(&webhook.Delivery{}).Where("1 = 1").Updates(map[string]any{"attempts": 1, "lease_until": time.Now().UTC().Add(time.Hour), "next_attempt_at": past})
	if n, err := rg.svc.Sweep(rg.ctx, 100); err != nil || n != 0 {
		t.Fatalf("Sweep while the claim holds = %d, %v; want 0", n, err)
	}
	rg.g.Model(&webhook.Delivery{}).Where("1 = 1").Update("lease_until", past)
	if n, err := rg.svc.Sweep(rg.ctx, 100); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	rg.start(0)
	waitFor(t, "delivered", 15*time.Second, allDone(rg, 1))
	d := rg.deliveries()[0]
	if reqs := rc.requests(); len(reqs) != 1 || reqs[0].delivery != fmt.Sprint(d.ID) || d.Attempts != 2 {
		t.Fatalf("requests %+v, delivery %+v", reqs, d)
	}
}

// Many workers offered the same delivery at once send it once (the claim).
func TestConcurrentAttemptsSendOnce(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	if err := db.WithTx(db.NewContext(context.Background(), rg.g), func(ctx context.Context) error {
		return webhook.Emit(ctx, webhook.OrderStatusChanged, nil, map[string]int{"id": 1})
	}); err != nil {
		t.Fatal(err)
	}
	id := rg.deliveries()[0].ID
	var wg sync.WaitGroup
	var errs atomic.Int32
	for range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := rg.svc.Attempt(rg.ctx, id); err != nil {
				errs.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(rc.requests()); n != 1 || errs.Load() != 0 {
		t.Fatalf("requests = %d, want 1", n)
	}
	if d := rg.deliveries()[0]; d.Status != webhook.Delivered || d.Attempts != 1 {
		t.Fatalf("delivery = %+v", d)
	}
}

// The purge deletes deliveries older than 30 days and keeps the rest; its job does it.
func TestPurge(t *testing.T) {
	rg := newRig(t)
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	for range 3 {
		rg.emit(webhook.OrderStatusChanged, map[string]int{"id": 1})
	}
	ds := rg.deliveries()
	rg.g.Model(&webhook.Delivery{}).Where("id IN ?", []int64{ds[0].ID, ds[1].ID}).Update("created_at", time.Now().UTC().Add(-31*24*time.Hour))
	rg.g.Model(&webhook.Delivery{}).Where("id = ?", ds[2].ID).Update("created_at", time.Now().UTC().Add(-29*24*time.Hour))
	// ds[0] was delivered long ago; ds[1], as old, is being sent again (pending).
	rg.g.Model(&webhook.Delivery{}).Where("id IN ?", []int64{ds[0].ID, ds[2].ID}).Update("status", webhook.Delivered)
	rg.g.Model(&webhook.Delivery{}).Where("id = ?", ds[1].ID).Update("status", webhook.Pending)
	if err := rg.svc.HandlePurge(rg.ctx, asynq.NewTask(webhook.TypePurge, nil)); err != nil {
		t.Fatal(err)
	}
	var left []int64
	for _, d := range rg.deliveries() {
		left = append(left, d.ID)
	}
	slices.Sort(left)
	if want := []int64{ds[1].ID, ds[2].ID}; !slices.Equal(left, want) {
		t.Fatalf("left after purge: %v, want %v (the recent one and the old one still pending)", left, want)
	}
}

// The URL must be http(s) without credentials and, unless private addresses are
// allowed, not loopback or private; the events known and once each; every problem
// is named in one answer. The sender refuses private addresses as well.
func TestCreateValidation(t *testing.T) {
	rg := newRig(t)
	rg.svc.AllowPrivate = false
	cases := []struct {
		url  string
		code apperr.Code
	}{
		{"", apperr.Required},
		{"ftp://example.com/x", webhook.CodeURLScheme},
		{"https://user:pw@example.com/x", webhook.CodeURLCredentials},
		{"http://localhost:9000/x", webhook.CodeURLPrivate},
		{"http://127.0.0.1/x", webhook.CodeURLPrivate},
		{"http://10.1.2.3/x", webhook.CodeURLPrivate},
		{"http://192.168.1.1/x", webhook.CodeURLPrivate},
		{"http://[::1]:80/x", webhook.CodeURLPrivate},
		{"http://169.254.169.254/latest", webhook.CodeURLPrivate},
		{"https://example.com/a b", apperr.ControlChars},
		{"https://" + strings.Repeat("a", 2001), apperr.TooLong},
		{"not a url", apperr.ControlChars},
		{"mailto:x@example.com", webhook.CodeURLScheme},
	}
	for _, c := range cases {
		_, err := rg.svc.Create(rg.ctx, webhook.NewSubscription{URL: c.url, Events: []string{webhook.TicketCreated}})
		if code := fieldCode(err, "url"); code != c.code {
			t.Errorf("url %.40q: code %v (%v), want %v", c.url, code, err, c.code)
		}
	}
	_, err := rg.svc.Create(rg.ctx, webhook.NewSubscription{URL: "http://127.0.0.1/x",
		Events: []string{"order.made_up", webhook.TicketCreated, webhook.TicketCreated}, Secret: "short"})
	for field, want := range map[string]apperr.Code{"url": webhook.CodeURLPrivate, "events[0]": apperr.OneOf,
		"events[2]": apperr.Duplicate, "secret": apperr.TooShort} {
		if code := fieldCode(err, field); code != want {
			t.Errorf("%s: %v, want %v (%v)", field, code, want, err)
		}
	}
	if _, err := rg.svc.Create(rg.ctx, webhook.NewSubscription{URL: "https://example.com/x"}); fieldCode(err, "events") != apperr.Required {
		t.Errorf("no events: %v", err)
	}
	c, err := rg.svc.Create(rg.ctx, webhook.NewSubscription{URL: "https://example.com/hook", Events: []string{webhook.TicketCreated}})
	if err != nil || !strings.HasPrefix(c.Secret, "whsec_") || len(c.Secret) < 40 {
		t.Fatalf("public URL: %+v, %v", c, err)
	}
	// Allowed now, refused by the sender when private addresses are not.
	rg.svc.AllowPrivate = true
	rc := newReceiver(t)
	rg.subscribe(rc.URL(), webhook.OrderStatusChanged)
	strict := webhook.NewService()
	strict.Queue = nil
	rg.emit(webhook.OrderStatusChanged, map[string]int{"id": 1})
	var d webhook.Delivery
	rg.g.Where("event = ?", webhook.OrderStatusChanged).Take(&d)
	if err := strict.Attempt(rg.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	rg.g.Take(&d, d.ID)
	if len(rc.requests()) != 0 || d.Status != webhook.Pending || !strings.Contains(d.LastError, "refusing") {
		t.Fatalf("strict sender reached a loopback receiver: %+v", d)
	}
	// Only admins and member users manage webhooks.
	if _, err := rg.svc.Create(auth.WithPrincipal(rg.ctx, auth.Principal{Name: "l", Role: auth.RoleLogistics}),
		webhook.NewSubscription{URL: "https://example.com/x", Events: []string{webhook.TicketCreated}}); !apperr.Is(err, apperr.KindForbidden) {
		t.Errorf("logistics: %v, want forbidden", err)
	}
}

func fieldCode(err error, field string) apperr.Code {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return apperr.Code{}
	}
	for _, f := range ae.Fields {
		if f.Field == field {
			return f.Code
		}
	}
	return apperr.Code{}
}

// The receiver's check of docs/API.md, as written there, accepts what Sign signs and
// refuses a changed body or another secret.
func TestDocumentedReceiverCheck(t *testing.T) {
	verify := func(secret string, r *http.Request) ([]byte, bool) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		sig, ok := strings.CutPrefix(r.Header.Get("X-FSC-Signature"), "sha256=")
		got, herr := hex.DecodeString(sig)
		if err != nil || !ok || herr != nil {
			return nil, false
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		return body, hmac.Equal(got, mac.Sum(nil)) // constant time
	}
	body := []byte(`{"id":1,"event":"order.status_changed","occurred_at":"2026-12-02T10:00:00Z","data":{}}`)
	req := func(b []byte) *http.Request {
		r, _ := http.NewRequest("POST", "http://x/", bytes.NewReader(b))
		r.Header.Set("X-FSC-Signature", webhook.Sign(secret, body))
		return r
	}
	if got, ok := verify(secret, req(body)); !ok || !bytes.Equal(got, body) {
		t.Error("the documented check refuses a signed body")
	}
	if _, ok := verify(secret, req(append(body, ' '))); ok {
		t.Error("the documented check accepts a changed body")
	}
	if _, ok := verify("another-secret-0123456", req(body)); ok {
		t.Error("the documented check accepts another secret")
	}
}
