package support_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
	"github.com/hibiken/asynq"
)

// fixture is a database with two members, a warehouse, a tablet product and the real
// contracts, inventory, orders and support services on it. The support service's
// clock is the fixture's (set), so SLA times are fixed instants.
type fixture struct {
	base                   context.Context
	sys, agent, admin, log context.Context
	platform               context.Context // an API token of role support, for alarms
	memberA, memberB       context.Context
	vendor, vendor2        context.Context
	svc                    *support.Service
	inv                    *inventory.Service
	ord                    *orders.Service
	a, b                   *contracts.Member
	loc                    *inventory.Location
	tablet, scale          *inventory.Product
	terms                  *fakeTerms
	notes                  *recorder
	clock                  atomic.Pointer[time.Time]
	serial                 atomic.Int64
}

const vendorID, vendor2ID = int64(7), int64(8)

func setup(t testing.TB) *fixture {
	t.Helper()
	g := testenv.DB(t)
	f := &fixture{base: testenv.Context(t, g), terms: &fakeTerms{sla: map[int64][2]int{}}, notes: &recorder{}}
	as := func(p auth.Principal) context.Context { return testenv.As(f.base, p) }
	ida, idb, v1, v2 := int64(0), int64(0), vendorID, vendor2ID
	f.sys = as(auth.System)
	f.agent = as(auth.Principal{UserID: 10, Name: "agent@fsc.dk", Role: auth.RoleSupport})
	f.admin = as(auth.Principal{UserID: 1, Name: "admin@fsc.dk", Role: auth.RoleAdmin})
	f.log = as(auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics})
	f.platform = as(auth.Principal{TokenID: 5, Name: "platform", Role: auth.RoleSupport})
	f.vendor = as(auth.Principal{UserID: 30, Name: "service@vendor.dk", Role: auth.RoleVendor, VendorID: &v1})
	f.vendor2 = as(auth.Principal{UserID: 31, Name: "service@other.dk", Role: auth.RoleVendor, VendorID: &v2})
	cs := contracts.NewService()
	f.inv = inventory.NewService(cs)
	f.ord = orders.NewService(f.inv, cs)
	f.inv.StockArrived = f.ord.StockArrived
	f.svc = support.NewService(cs, f.inv, f.ord)
	f.svc.Vendors, f.svc.Notifier = f.terms, f.notes
	f.svc.Now = func() time.Time { return *f.clock.Load() }
	f.set(time.Now())
	var err error
	f.a, err = cs.CreateMember(f.sys, contracts.NewMember{Code: "751", Name: "Aarhus", Kind: "municipality", EAN: "5798000416604"})
	must(t, err)
	f.b, err = cs.CreateMember(f.sys, contracts.NewMember{Code: "657", Name: "Herning", Kind: "municipality", EAN: "5798000416604"})
	must(t, err)
	ida, idb = f.a.ID, f.b.ID
	f.memberA = as(auth.Principal{UserID: 20, Name: "sygeplejerske@aarhus.dk", Role: auth.RoleMember, MemberID: &ida})
	f.memberB = as(auth.Principal{UserID: 21, Name: "sosu@herning.dk", Role: auth.RoleMember, MemberID: &idb})
	f.loc, err = f.inv.CreateLocation(f.log, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"})
	must(t, err)
	f.tablet, err = f.inv.CreateProduct(f.log, inventory.NewProduct{SKU: "TAB-A", Name: "Tablet A", Category: "tablet", Tracking: "serial"})
	must(t, err)
	f.scale, err = f.inv.CreateProduct(f.log, inventory.NewProduct{SKU: "SCALE", Name: "Vægt", Category: "scale", Tracking: "serial"})
	must(t, err)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// set moves the support service's clock to at.
func (f *fixture) set(at time.Time) { at = at.UTC().Truncate(time.Microsecond); f.clock.Store(&at) }

func (f *fixture) now() time.Time { return *f.clock.Load() }

var addr = &orders.Address{Name: "Borger Hansen", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C", Phone: "12345678"}

// receive puts n new devices of p on the shelf and returns their serials.
func (f *fixture) receive(t testing.TB, p *inventory.Product, n int) []string {
	t.Helper()
	var serials []string
	for i := 0; i < n; i++ {
		serials = append(serials, fmt.Sprintf("%s-%06d", p.SKU, f.serial.Add(1)))
	}
	_, err := f.inv.CreateReceipt(f.log, inventory.NewReceipt{LocationID: f.loc.ID,
		Lines: []inventory.NewReceiptLine{{ProductID: p.ID, Serials: serials}}})
	must(t, err)
	return serials
}

// deploy receives a device of p and delivers it through a real order to citizen ref of
// member m; it returns the device.
func (f *fixture) deploy(t testing.TB, p *inventory.Product, m *contracts.Member, ref string) *inventory.Device {
	t.Helper()
	f.receive(t, p, 1)
	in := orders.NewOrder{MemberID: m.ID, Lines: []orders.NewLine{{ProductID: p.ID, Quantity: 1}}, CitizenRef: ref, Delivery: addr}
	o, err := f.ord.Place(f.log, in, "")
	must(t, err)
	if o.Status != orders.Reserved {
		t.Fatalf("order %s is %s", o.Number, o.Status)
	}
	o, err = f.ord.Ship(f.log, o.ID)
	must(t, err)
	pl, _ := json.Marshal(orders.BookPayload{ShipmentID: *o.ShipmentID})
	must(t, f.ord.HandleBookShipment(f.sys, asynq.NewTask(orders.TypeBookShipment, pl)))
	_, err = f.ord.Deliver(f.log, o.ID)
	must(t, err)
	d, err := f.inv.GetDevice(f.log, o.Lines[0].DeviceIDs[0])
	must(t, err)
	if d.State != inventory.Deployed {
		t.Fatalf("device %s is %s", d.Serial, d.State)
	}
	return d
}

// phone is a phone ticket for member a, received at the fixture's clock unless given.
func (f *fixture) phone(prio support.Priority, received *time.Time) support.NewTicket {
	return support.NewTicket{MemberID: f.a.ID, Channel: support.Phone, Category: support.Usage, Priority: prio,
		Subject: "Borgeren kan ikke logge ind", Contact: &support.Contact{Name: "Sygeplejerske Jensen", Phone: "87654321"},
		ReceivedAt: received}
}

func (f *fixture) create(t testing.TB, in support.NewTicket) *support.Ticket {
	t.Helper()
	tk, err := f.svc.Create(f.agent, in, "")
	must(t, err)
	return tk
}

func (f *fixture) get(t testing.TB, ctx context.Context, id int64) *support.Detail {
	t.Helper()
	d, err := f.svc.Get(ctx, id)
	must(t, err)
	return d
}

func (f *fixture) status(t testing.TB, ctx context.Context, id int64, s support.Status) *support.Ticket {
	t.Helper()
	tk, err := f.svc.SetStatus(ctx, id, support.StatusInput{Status: s})
	must(t, err)
	return tk
}

// wantKind fails t unless err carries kind k.
func wantKind(t testing.TB, err error, k apperr.Kind, what string) {
	t.Helper()
	if !apperr.Is(err, k) {
		t.Fatalf("%s: got %v (kind %d), want kind %d", what, err, apperr.KindOf(err), k)
	}
}

// wantField fails t unless err is Invalid naming field with code.
func wantField(t testing.TB, err error, field string, code apperr.Code) {
	t.Helper()
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		t.Fatalf("want Invalid naming %s, got %v", field, err)
	}
	for _, fe := range ae.Fields {
		if fe.Field == field && fe.Code == code {
			return
		}
	}
	t.Fatalf("want %s: %s, got %+v", field, code, ae.Fields)
}

// fakeTerms stands in for the contracts domain's vendors (not on this branch yet):
// vendors 7 and 8 exist; sla holds a vendor's active contract's hours.
type fakeTerms struct {
	mu  sync.Mutex
	sla map[int64][2]int
}

func (f *fakeTerms) VendorExists(_ context.Context, id int64) error {
	if id == vendorID || id == vendor2ID {
		return nil
	}
	return apperr.NotFound("vendor %d not found", id)
}

func (f *fakeTerms) ActiveSLA(_ context.Context, id int64, _ time.Time) (int, int, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.sla[id]
	return h[0], h[1], ok, nil
}

// recorder stands in for internal/notice (not on this branch yet): it keeps one
// notice per key, as Raise must.
type recorder struct {
	mu    sync.Mutex
	calls int
	byKey map[string]support.Notice
	order []string
}

func (r *recorder) Raise(_ context.Context, n support.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.byKey == nil {
		r.byKey = map[string]support.Notice{}
	}
	if _, dup := r.byKey[n.Key]; !dup {
		r.byKey[n.Key] = n
		r.order = append(r.order, n.Key)
	}
	return nil
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}
