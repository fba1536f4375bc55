package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/support"
)

var d = civil.MustParse

// local is a wall-clock time in Copenhagen.
func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, civil.Copenhagen)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// fix is a database with the reports service, acting as the system; its rows are
// written straight into the other domains' tables, as reports reads them.
type fix struct {
	t   testing.TB
	ctx context.Context
	svc *reports.Service
	cs  *contracts.Service
}

func newFix(t testing.TB) *fix {
	t.Helper()
	g := testenv.DB(t)
	f := &fix{t: t, ctx: testenv.As(testenv.Context(t, g), auth.System), svc: reports.NewService(reports.Centre{
		Name: "FSC Midt", GLN: "5790000000005", CVR: "12345674"}), cs: contracts.NewService()}
	f.svc.Now = func() time.Time { return local("2026-04-15 12:00") }
	return f
}

func (f *fix) as(p auth.Principal) context.Context { return auth.WithPrincipal(f.ctx, p) }

func (f *fix) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fix) member(code string, inh, inh65 int64) int64 {
	f.t.Helper()
	m, err := f.cs.CreateMember(f.ctx, contracts.NewMember{Code: contracts.Code(code), Name: "Kommune " + code,
		Kind: "municipality", EAN: "5798000416604", Inhabitants: inh, Inhabitants65Plus: inh65})
	f.must(err)
	return m.ID
}

func (f *fix) scheme(code string) int64 {
	f.t.Helper()
	sc, err := f.cs.CreateScheme(f.ctx, contracts.NewScheme{Code: code, Name: "Ordning " + code})
	f.must(err)
	return sc.ID
}

func (f *fix) join(scheme, member int64, from string) {
	f.t.Helper()
	_, err := f.cs.Join(f.ctx, scheme, contracts.NewParticipation{MemberID: member, JoinedOn: d(from)})
	f.must(err)
}

func (f *fix) product(sku, tracking string) int64 {
	f.t.Helper()
	row := map[string]any{"sku": sku, "name": "Produkt " + sku, "category": "test", "tracking": tracking, "reorder_level": 0, "created_at": time.Now().UTC()}
	f.must(db.Conn(f.ctx).Table("products").Create(row).Error)
	var id int64
	f.must(db.Conn(f.ctx).Table("products").Where("sku = ?", sku).Pluck("id", &id).Error)
	return id
}

// kit puts products into a kit of scheme, which makes them the scheme's products.
func (f *fix) kit(code string, scheme int64, products ...int64) {
	f.t.Helper()
	f.must(db.Conn(f.ctx).Table("kits").Create(map[string]any{"code": code, "name": code, "scheme_id": scheme, "created_at": time.Now().UTC()}).Error)
	var id int64
	f.must(db.Conn(f.ctx).Table("kits").Where("code = ?", code).Pluck("id", &id).Error)
	for _, p := range products {
		f.must(db.Conn(f.ctx).Table("kit_components").Create(map[string]any{"kit_id": id, "product_id": p, "quantity": 1}).Error)
	}
}

// device is a device of product received at received (its first event).
func (f *fix) device(product int64, serial string, received time.Time) int64 {
	f.t.Helper()
	dv := inventory.Device{Serial: serial, ProductID: product, State: inventory.Available, ReceivedAt: received}
	f.must(db.Conn(f.ctx).Create(&dv).Error)
	f.event(dv.ID, received, "", "available", nil, nil)
	return dv.ID
}

func (f *fix) event(device int64, at time.Time, from, to string, member, shipment *int64) {
	f.t.Helper()
	e := inventory.Event{DeviceID: device, At: at, From: from, To: to, Actor: "test", MemberID: member, ShipmentID: shipment}
	f.must(db.Conn(f.ctx).Create(&e).Error)
}

// shipment is a shipment of direction for member, booked at booked and delivered at
// delivered (zero: not delivered).
func (f *fix) shipment(direction string, member int64, booked, delivered time.Time) int64 {
	f.t.Helper()
	sh := orders.Shipment{Direction: direction, MemberID: member, Status: orders.ShipmentBooked, CreatedAt: booked, BookedAt: &booked,
		Recipient: orders.Address{Name: "Borger", Street: "Vej 1", Postcode: "8000", City: "Aarhus"}}
	if !delivered.IsZero() {
		sh.DeliveredAt, sh.Status = &delivered, orders.ShipmentDelivered
	}
	f.must(db.Conn(f.ctx).Create(&sh).Error)
	return sh.ID
}

func ptr[T any](v T) *T { return &v }

var finance = auth.Principal{Name: "finance", Role: auth.RoleFinance}

// billingFix is March 2026 with members A (101), B (102) and the region R (900) in
// scheme S, contract C1 for A and B, prices, events, pools and an adjustment whose
// statements were computed by hand (see TestBillingRunByHand).
type billingFix struct {
	*fix
	a, b, r, s, p, q, c1, k1, k2 int64
}

func newBillingFix(t *testing.T) *billingFix {
	f := &billingFix{fix: newFix(t)}
	f.a, f.b, f.r = f.member("101", 60000, 12000), f.member("102", 30000, 9000), f.member("900", 1000, 100)
	f.s = f.scheme("COPD")
	for _, m := range []int64{f.a, f.b, f.r} {
		f.join(f.s, m, "2026-01-01")
	}
	f.p, f.q = f.product("TAB-1", "serial"), f.product("STOMA-1", "quantity")
	f.kit("COPD-KIT", f.s, f.p)
	v, err := f.cs.CreateVendor(f.ctx, contracts.NewVendor{Name: "Leverandør A/S", CVR: "12345674", Email: "a@example.dk"})
	f.must(err)
	c, err := f.cs.CreateContract(f.ctx, contracts.NewContract{Number: "C1", Title: "Tablets", VendorID: v.ID, SchemeID: &f.s,
		StartsOn: d("2026-01-01"), EndsOn: d("2027-12-31"), NoticeMonths: ptr(3)})
	f.must(err)
	f.c1 = c.ID
	for _, m := range []int64{f.a, f.b} {
		_, err := f.cs.AddParticipant(f.ctx, f.c1, contracts.NewParticipation{MemberID: m, JoinedOn: d("2026-01-01")})
		f.must(err)
	}
	price := func(kind contracts.PriceKind, product *int64, ev contracts.Event, ore int64, from string) {
		_, err := f.cs.AddPrice(f.ctx, f.c1, contracts.NewPrice{ProductID: product, Kind: kind, Event: ev, AmountOre: &ore, ValidFrom: d(from)})
		f.must(err)
	}
	price(contracts.PriceMonthly, &f.p, "", 49900, "2026-01-01")
	price(contracts.PriceMonthly, &f.p, "", 52900, "2026-03-21")
	price(contracts.PricePurchase, &f.q, "", 1200, "2026-01-01")
	price(contracts.PriceEvent, nil, contracts.EventShipment, 7500, "2026-01-01")
	price(contracts.PriceEvent, nil, contracts.EventPickup, 5000, "2026-01-01")
	price(contracts.PriceEvent, nil, contracts.EventCleaning, 2500, "2026-01-01")
	price(contracts.PriceEvent, nil, contracts.EventTicket, 10000, "2026-03-16")

	recv := local("2026-01-05 10:00")
	a1, a2, b1, r1 := f.device(f.p, "A1", recv), f.device(f.p, "A2", recv), f.device(f.p, "B1", recv), f.device(f.p, "R1", recv)
	f.event(a1, local("2026-02-01 00:00"), "available", "deployed", &f.a, nil) // opening balance: all March
	f.event(a2, local("2026-03-11 10:00"), "in_transit", "deployed", &f.a, nil)
	f.event(b1, local("2026-02-01 00:00"), "available", "deployed", &f.b, nil)
	f.event(b1, local("2026-03-16 08:00"), "deployed", "returning", &f.b, nil)
	f.event(r1, local("2026-02-01 00:00"), "available", "deployed", &f.r, nil)

	f.shipment("outbound", f.a, local("2026-03-10 09:00"), local("2026-03-11 10:00"))
	f.shipment("outbound", f.a, local("2026-02-27 09:00"), time.Time{}) // February's
	pick := f.shipment("inbound", f.b, local("2026-03-16 08:00"), time.Time{})
	ret := orders.Return{MemberID: f.b, Reason: "not_needed", Status: orders.ReturnReceived, ShipmentID: &pick, CreatedBy: "test", CreatedAt: local("2026-03-16 08:00"),
		Pickup: orders.Address{Name: "Borger", Street: "Vej 1", Postcode: "7400", City: "Herning"}}
	f.must(db.Conn(f.ctx).Create(&ret).Error)
	e := inventory.Event{DeviceID: b1, At: local("2026-03-20 11:00"), From: "returning", To: "cleaning", Actor: "test", ReturnID: &ret.ID}
	f.must(db.Conn(f.ctx).Create(&e).Error)

	f.must(db.Conn(f.ctx).Exec("UPDATE devices SET state = 'deployed' WHERE id IN ?", []int64{a1, a2, r1}).Error)
	f.must(db.Conn(f.ctx).Exec("UPDATE devices SET state = 'cleaning' WHERE id = ?", b1).Error)

	f.ticket(f.b, local("2026-03-05 10:00"), "T-1") // before the ticket price: not billed
	f.ticket(f.a, local("2026-03-20 10:00"), "T-2")

	// 30 stoma bags shipped to A.
	f.must(db.Conn(f.ctx).Table("locations").Create(map[string]any{"code": "L1", "name": "Lager", "created_at": time.Now().UTC()}).Error)
	var loc int64
	f.must(db.Conn(f.ctx).Table("locations").Where("code = 'L1'").Pluck("id", &loc).Error)
	o := orders.Order{Number: "O-1", Status: orders.Shipped, MemberID: f.a, CitizenRef: "borger-1", CreatedBy: "test", CreatedAt: local("2026-03-12 09:00"),
		UpdatedAt: local("2026-03-12 09:00"), Delivery: orders.Address{Name: "Borger", Street: "Vej 1", Postcode: "8000", City: "Aarhus"}}
	f.must(db.Conn(f.ctx).Create(&o).Error)
	f.must(db.Conn(f.ctx).Table("stock_movements").Create(map[string]any{"at": local("2026-03-12 10:00"), "product_id": f.q, "location_id": loc,
		"kind": "shipped", "delta_on_hand": -30, "delta_reserved": -30, "order_id": o.ID, "actor": "test", "note": ""}).Error)

	fctx := f.as(finance)
	k1, err := f.svc.CreateAllocationKey(fctx, reports.NewAllocationKey{Code: "REGION50", Name: "Region 50 %, resten efter indbyggere",
		Fixed: []reports.FixedShare{{MemberID: f.r, ShareBP: 5000}}, Weights: money.Weights{Inhabitants: 1}})
	f.must(err)
	k2, err := f.svc.CreateAllocationKey(fctx, reports.NewAllocationKey{Code: "USE-EQ", Name: "Forbrug og lige dele", Weights: money.Weights{Usage: 1, Equal: 1}})
	f.must(err)
	f.k1, f.k2 = k1.ID, k2.ID
	_, err = f.svc.CreateCostPool(fctx, reports.NewCostPool{SchemeID: f.s, Period: "2026-03", Name: "Personale", AmountOre: 1000001, AllocationKeyID: f.k1})
	f.must(err)
	_, err = f.svc.CreateCostPool(fctx, reports.NewCostPool{SchemeID: f.s, Period: "2026-03", Name: "IT", AmountOre: 1000, AllocationKeyID: f.k2})
	f.must(err)
	_, err = f.svc.CreateAdjustment(fctx, reports.NewAdjustment{MemberID: f.a, Period: "2026-03", AmountOre: -1500, Description: "Kredit for februar"})
	f.must(err)
	return f
}

func (f *fix) ticket(member int64, at time.Time, number string) {
	f.t.Helper()
	tk := support.Ticket{Number: number, Status: "new", MemberID: member, Channel: "phone", Category: "usage", Priority: "normal", Subject: "Spørgsmål",
		ReceivedAt: at, Calendar: "business", FirstResponseDue: at, ResolutionDue: at, FirstResponseWarn: at, ResolutionWarn: at, NextDueAt: at,
		CreatedBy: "test", CreatedAt: at, UpdatedAt: at}
	f.must(db.Conn(f.ctx).Create(&tk).Error)
}
