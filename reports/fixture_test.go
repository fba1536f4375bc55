package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/reports"
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
