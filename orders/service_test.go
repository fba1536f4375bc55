package orders_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

type fixture struct {
	ctx      context.Context // logistics
	sys      context.Context
	svc      *orders.Service
	inv      *inventory.Service
	member   *contracts.Member
	other    *contracts.Member
	loc      *inventory.Location
	tablet   *inventory.Product
	tablet2  *inventory.Product
	oximeter *inventory.Product
	strips   *inventory.Product
	kitID    int64
}

func setup(t *testing.T) *fixture {
	t.Helper()
	g := testenv.DB(t)
	base := testenv.Context(t, g)
	cs := contracts.NewService()
	inv := inventory.NewService(cs)
	f := &fixture{sys: testenv.As(base, auth.System), inv: inv, svc: orders.NewService(inv, cs),
		ctx: testenv.As(base, auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics})}
	inv.StockArrived = f.svc.StockArrived
	inv.Holders = f.svc
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.member, err = cs.CreateMember(f.sys, contracts.NewMember{Code: "751", Name: "Aarhus", Kind: "municipality", EAN: "5798000416604"})
	must(err)
	f.other, err = cs.CreateMember(f.sys, contracts.NewMember{Code: "657", Name: "Herning", Kind: "municipality", EAN: "5798000416604"})
	must(err)
	sc, err := cs.CreateScheme(f.sys, contracts.NewScheme{Code: "copd", Name: "COPD"})
	must(err)
	_, err = cs.Join(f.sys, sc.ID, contracts.NewParticipation{MemberID: f.member.ID, JoinedOn: civil.MustParse("2020-01-01")})
	must(err)
	f.loc, err = inv.CreateLocation(f.ctx, inventory.NewLocation{Code: "AAR", Name: "Aarhus"})
	must(err)
	f.tablet, err = inv.CreateProduct(f.ctx, inventory.NewProduct{SKU: "TAB-A", Name: "Tablet A", Category: "tablet", Tracking: "serial", SubstitutionGroup: "tablet"})
	must(err)
	f.tablet2, err = inv.CreateProduct(f.ctx, inventory.NewProduct{SKU: "TAB-B", Name: "Tablet B", Category: "tablet", Tracking: "serial", SubstitutionGroup: "tablet"})
	must(err)
	f.oximeter, err = inv.CreateProduct(f.ctx, inventory.NewProduct{SKU: "OXI", Name: "Oximeter", Category: "oximeter", Tracking: "serial"})
	must(err)
	f.strips, err = inv.CreateProduct(f.ctx, inventory.NewProduct{SKU: "STRIP", Name: "Strips", Category: "consumable", Tracking: "quantity"})
	must(err)
	must(db.Conn(f.ctx).Exec("INSERT INTO kits (code, name, scheme_id, created_at) VALUES ('copd-kit', 'COPD kit', ?, CURRENT_TIMESTAMP)", sc.ID).Error)
	must(db.Conn(f.ctx).Table("kits").Where("code = 'copd-kit'").Pluck("id", &f.kitID).Error)
	must(db.Conn(f.ctx).Exec("INSERT INTO kit_components (kit_id, product_id, quantity) VALUES (?, ?, 1), (?, ?, 1), (?, ?, 2)",
		f.kitID, f.tablet.ID, f.kitID, f.oximeter.ID, f.kitID, f.strips.ID).Error)
	return f
}

func (f *fixture) receive(t *testing.T, p *inventory.Product, n int) {
	t.Helper()
	line := inventory.NewReceiptLine{ProductID: p.ID}
	if p.Tracking == inventory.TrackQuantity {
		q := int64(n)
		line.Quantity = &q
	} else {
		for i := 0; i < n; i++ {
			line.Serials = append(line.Serials, fmt.Sprintf("%s-%05d-%p", p.SKU, i, &line))
		}
	}
	if _, err := f.inv.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{line}}); err != nil {
		t.Fatal(err)
	}
}

var addr = &orders.Address{Name: "Borger", Street: "Vestergade 1", Postcode: "8000", City: "Aarhus C"}

func (f *fixture) kitOrder(ref string) orders.NewOrder {
	return orders.NewOrder{MemberID: f.member.ID, KitID: &f.kitID, CitizenRef: ref, Delivery: addr}
}

// 100 goroutines order one tablet each while 10 are in stock: exactly 10 orders are
// reserved, no device is reserved twice, and the stock figures agree. Run on PostgreSQL
// by make test, where the picks race under FOR UPDATE SKIP LOCKED.
func TestRacingOrdersNeverShareADevice(t *testing.T) {
	for round := 0; round < 3; round++ {
		f := setup(t)
		f.receive(t, f.tablet, 10)
		var wg sync.WaitGroup
		results := make([]*orders.Order, 100)
		errs := make([]error, 100)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := orders.NewOrder{MemberID: f.member.ID, Lines: []orders.NewLine{{ProductID: f.tablet.ID, Quantity: 1}},
					CitizenRef: fmt.Sprintf("R-%d", i), Delivery: addr}
				results[i], errs[i] = f.svc.Place(f.ctx, in, "")
			}(i)
		}
		wg.Wait()
		reserved, backordered := 0, 0
		seen := map[int64]bool{}
		for i, o := range results {
			if errs[i] != nil {
				t.Fatalf("order %d: %v", i, errs[i])
			}
			switch o.Status {
			case orders.Reserved:
				reserved++
				for _, d := range o.Lines[0].DeviceIDs {
					if seen[d] {
						t.Fatalf("device %d reserved twice", d)
					}
					seen[d] = true
				}
			case orders.Backordered:
				backordered++
			}
		}
		if reserved != 10 || backordered != 90 || len(seen) != 10 {
			t.Fatalf("round %d: reserved %d, backordered %d, devices %d; want 10, 90, 10", round, reserved, backordered, len(seen))
		}
		stock, err := f.inv.Stock(f.ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stock {
			if s.ProductID == f.tablet.ID && (s.Reserved != 10 || s.Available != 0 || s.OnHand != 10) {
				t.Fatalf("stock = %+v", s)
			}
		}
		var resRows int64
		db.Conn(f.ctx).Table("order_reservations").Where("released_at IS NULL").Count(&resRows)
		if resRows != 10 {
			t.Fatalf("reservation rows = %d", resRows)
		}
		assertCounts(t, f) // the stock figures above are the kept counts: equal to a full count
	}
}

func TestKitOrderReservesSubstitutesAndConsumables(t *testing.T) {
	f := setup(t)
	f.receive(t, f.tablet2, 1) // only the substitute tablet is in stock
	f.receive(t, f.oximeter, 1)
	f.receive(t, f.strips, 5)
	in := f.kitOrder("AAR-1")
	o, err := f.svc.Place(f.ctx, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.Reserved || o.Number == "" || len(o.Lines) != 3 {
		t.Fatalf("order = %+v", o)
	}
	for _, l := range o.Lines {
		if l.ReservedQuantity != l.Quantity {
			t.Fatalf("line %+v not fully reserved", l)
		}
	}
	d, _ := f.inv.GetDevice(f.ctx, o.Lines[0].DeviceIDs[0])
	if d.ProductID != f.tablet2.ID || d.State != inventory.Reserved || *d.OrderID != o.ID {
		t.Fatalf("substitute device = %+v", d)
	}
	// A second kit is backordered; cancelling the first makes its stock go to it.
	in2 := f.kitOrder("AAR-2")
	o2, err := f.svc.Place(f.ctx, in2, "")
	if err != nil || o2.Status != orders.Backordered {
		t.Fatalf("second order = %v, %v", o2, err)
	}
	if o2.Lines[2].ReservedQuantity != 2 {
		t.Fatalf("strips partly available: reserved %d, want 2", o2.Lines[2].ReservedQuantity)
	}
	if _, err := f.svc.Cancel(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Cancel(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("second cancel: %v, want conflict", err)
	}
	n, err := f.svc.FillBackorders(f.sys)
	if err != nil || n != 1 {
		t.Fatalf("filled %d, %v", n, err)
	}
	o2, _ = f.svc.Get(f.ctx, o2.ID)
	if o2.Status != orders.Reserved {
		t.Fatalf("backorder not reserved: %+v", o2)
	}
	assertBalancesMatchLedger(t, f.ctx)
	var outbox int64
	db.Conn(f.ctx).Table("outbox").Where("type = ?", orders.TypeFillBackorders).Count(&outbox)
	if outbox == 0 {
		t.Fatal("no fill-backorders task written when stock arrived")
	}
}

func TestPlaceValidates(t *testing.T) {
	f := setup(t)
	member := testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &f.member.ID})
	bad := orders.NewOrder{MemberID: f.member.ID, KitID: &f.kitID, Lines: []orders.NewLine{{ProductID: 1, Quantity: 1}},
		CitizenRef: "010170-1234", Delivery: &orders.Address{Name: "x", Street: "y", Postcode: "80000", City: "z"}}
	_, err := f.svc.Place(member, bad, "")
	want := []string{"kit_id", "citizen_ref", "delivery.postcode"}
	e, ok := err.(*apperr.Error)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	got := map[string]bool{}
	for _, fe := range e.Fields {
		got[fe.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no error for %s: %v", w, e.Fields)
		}
	}
	// The other member has not joined the kit's scheme.
	in := f.kitOrder("HER-1")
	in.MemberID = f.other.ID
	if _, err := f.svc.Place(f.ctx, in, ""); err == nil || !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("order for a scheme not joined: %v", err)
	}
	// A member cannot order for another member.
	if _, err := f.svc.Place(member, in, ""); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member orders for another: %v", err)
	}
	// Nor see another member's orders.
	o, err := f.svc.Place(f.ctx, orders.NewOrder{MemberID: f.other.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "H", Delivery: addr}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(member, o.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("member sees another member's order: %v", err)
	}
	if _, err := f.svc.Cancel(member, o.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("member cancels another member's order: %v", err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := setup(t)
	f.receive(t, f.oximeter, 3)
	in := orders.NewOrder{MemberID: f.member.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "I-1", Delivery: addr}
	a, err := f.svc.Place(f.ctx, in, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Place(f.ctx, in, "key-1")
	if err != nil || b.ID != a.ID {
		t.Fatalf("retry gave %v, %v; want order %d", b, err, a.ID)
	}
	in.CitizenRef = "I-2"
	if _, err := f.svc.Place(f.ctx, in, "key-1"); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("same key, other body: %v", err)
	}
	var n int64
	db.Conn(f.ctx).Table("orders").Count(&n)
	if n != 1 {
		t.Fatalf("orders = %d, want 1", n)
	}
	// Racing retries with one key still make one order.
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	in.CitizenRef = "I-3"
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			o, err := f.svc.Place(f.ctx, in, "key-2")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = o.ID
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racing retries made orders %v", ids)
		}
	}
}

// assertBalancesMatchLedger checks that every stock balance equals the sum of its
// ledger, the invariant the reservation relies on.
func assertBalancesMatchLedger(t *testing.T, ctx context.Context) {
	t.Helper()
	var diff []struct {
		ProductID, LocationID int64
	}
	err := db.Conn(ctx).Raw(`SELECT m.product_id, m.location_id FROM
		(SELECT product_id, location_id, SUM(delta_on_hand) AS oh, SUM(delta_reserved) AS rs FROM stock_movements GROUP BY product_id, location_id) m
		LEFT JOIN stock_balances b ON b.product_id = m.product_id AND b.location_id = m.location_id
		WHERE b.product_id IS NULL OR b.on_hand <> m.oh OR b.reserved <> m.rs`).Scan(&diff).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Fatalf("stock balances differ from the ledger at %v", diff)
	}
}
