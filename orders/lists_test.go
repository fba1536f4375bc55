package orders_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/orders"
)

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func shipmentIDs(shs []orders.Shipment) []int64 {
	return ids(shs, func(s orders.Shipment) int64 { return s.ID })
}

// listsFixture: a delivered kit of the fixture's member with a pickup requested for its
// devices, and a booked one-oximeter order of the other member.
type listsFixture struct {
	*fixture
	member, other, vendor context.Context
	mine, theirs          *orders.Order
	outMine, outTheirs    *orders.Shipment
	pickup                *orders.Return
}

func setupLists(t *testing.T) *listsFixture {
	t.Helper()
	f := &listsFixture{fixture: setup(t)}
	f.stock(t, 3)
	f.member = testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &f.fixture.member.ID})
	f.other = testenv.As(f.ctx, auth.Principal{UserID: 10, Name: "herning", Role: auth.RoleMember, MemberID: &f.fixture.other.ID})
	f.vendor = testenv.As(f.ctx, auth.Principal{UserID: 11, Name: "vendor", Role: auth.RoleVendor})
	f.mine = f.deliveredKit(t, "L-1")
	f.outMine = f.shipment(t, *f.order(t, f.mine.ID).ShipmentID)
	in := orders.NewOrder{MemberID: f.fixture.other.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "H-1", Delivery: addr}
	var err error
	if f.theirs, err = f.svc.Place(f.ctx, in, ""); err != nil {
		t.Fatal(err)
	}
	f.outTheirs = f.shipAndBook(t, f.theirs)
	f.pickup, err = f.svc.RequestReturn(f.member, orders.NewReturn{MemberID: f.fixture.member.ID, DeviceIDs: devicesOf(f.mine),
		Reason: "not_needed", Pickup: addr}, "")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestShipmentListsAreScopedAndFiltered(t *testing.T) {
	f := setupLists(t)
	inMine := *f.pickup.ShipmentID
	list := func(ctx context.Context, sf orders.ShipmentFilter) []int64 {
		t.Helper()
		if sf.Limit == 0 {
			sf.Limit = 50
		}
		shs, _, err := f.svc.ListShipments(ctx, sf)
		if err != nil {
			t.Fatal(err)
		}
		return shipmentIDs(shs)
	}
	today := civil.Today()
	for _, c := range []struct {
		name string
		ctx  context.Context
		f    orders.ShipmentFilter
		want []int64
	}{
		{"member sees its own", f.member, orders.ShipmentFilter{}, []int64{inMine, f.outMine.ID}},
		{"the other member its own", f.other, orders.ShipmentFilter{}, []int64{f.outTheirs.ID}},
		{"staff see all", f.ctx, orders.ShipmentFilter{}, []int64{inMine, f.outTheirs.ID, f.outMine.ID}},
		{"a vendor none", f.vendor, orders.ShipmentFilter{}, []int64{}},
		{"a member asking for another's: none", f.member, orders.ShipmentFilter{MemberID: f.fixture.other.ID}, []int64{}},
		{"staff by member", f.ctx, orders.ShipmentFilter{MemberID: f.fixture.other.ID}, []int64{f.outTheirs.ID}},
		{"by status", f.member, orders.ShipmentFilter{Status: orders.ShipmentDelivered}, []int64{f.outMine.ID}},
		{"by direction", f.ctx, orders.ShipmentFilter{Direction: orders.Inbound}, []int64{inMine}},
		{"created today", f.ctx, orders.ShipmentFilter{From: today, To: today}, []int64{inMine, f.outTheirs.ID, f.outMine.ID}},
		{"created from tomorrow", f.ctx, orders.ShipmentFilter{From: today.AddDays(1)}, []int64{}},
		{"created until yesterday", f.ctx, orders.ShipmentFilter{To: today.AddDays(-1)}, []int64{}},
	} {
		if got := list(c.ctx, c.f); !equalIDs(got, c.want) {
			t.Errorf("%s: shipments %v, want %v", c.name, got, c.want)
		}
	}
	// Keyset paging, newest first.
	page, next, err := f.svc.ListShipments(f.ctx, orders.ShipmentFilter{Limit: 2})
	if err != nil || len(page) != 2 || next != page[1].ID {
		t.Fatalf("first page %v, next %d, %v", shipmentIDs(page), next, err)
	}
	rest, next, err := f.svc.ListShipments(f.ctx, orders.ShipmentFilter{Limit: 2, After: next})
	if err != nil || !equalIDs(shipmentIDs(rest), []int64{f.outMine.ID}) || next != 0 {
		t.Fatalf("second page %v, next %d, %v", shipmentIDs(rest), next, err)
	}
	for _, bad := range []orders.ShipmentFilter{{Status: "lost"}, {Direction: "sideways"}, {From: today, To: today.AddDays(-1)}} {
		if _, _, err := f.svc.ListShipments(f.ctx, bad); !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("filter %+v: %v, want invalid", bad, err)
		}
	}
	if n, err := f.svc.CountShipments(f.ctx, orders.ShipmentFilter{Status: orders.ShipmentBooked}); err != nil || n != 1 {
		t.Errorf("booked shipments = %d, %v; want 1", n, err)
	}
	if n, err := f.svc.CountShipments(f.other, orders.ShipmentFilter{}); err != nil || n != 1 {
		t.Errorf("the other member counts %d, %v; want 1", n, err)
	}

	// One shipment: its member and staff; anyone else is told it does not exist.
	sh, err := f.svc.GetShipment(f.member, f.outMine.ID)
	if err != nil || sh.OrderNumber != f.mine.Number {
		t.Fatalf("own shipment = %+v, %v; want order number %s", sh, err, f.mine.Number)
	}
	for _, ctx := range []context.Context{f.other, f.vendor} {
		if _, err := f.svc.GetShipment(ctx, f.outMine.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Errorf("another's shipment: %v, want not found", err)
		}
	}
	if _, err := f.svc.GetShipment(f.ctx, f.outTheirs.ID); err != nil {
		t.Errorf("staff get a member's shipment: %v", err)
	}

	// A refused shipment raises an alert for the centre, naming the order.
	if _, err := f.svc.HandleCarrierEvent(f.ctx, event(*f.outTheirs.TrackingNumber, "failed")); err != nil {
		t.Fatal(err)
	}
	as, err := f.svc.OpenAlerts(f.ctx, 10)
	if err != nil || len(as) != 1 || as[0].OrderNumber != f.theirs.Number || as[0].LastError == "" {
		t.Fatalf("alerts = %+v, %v", as, err)
	}
	if _, err := f.svc.OpenAlerts(f.member, 10); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member reads alerts: %v, want forbidden", err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReturnListsAreScopedAndFiltered(t *testing.T) {
	f := setupLists(t)
	ret := f.pickup.ID
	list := func(ctx context.Context, rf orders.ReturnFilter) []orders.Return {
		t.Helper()
		rf.Limit = 50
		rs, _, err := f.svc.ListReturns(ctx, rf)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	returnIDs := func(rs []orders.Return) []int64 { return ids(rs, func(r orders.Return) int64 { return r.ID }) }
	today := civil.Today()
	for _, c := range []struct {
		name string
		ctx  context.Context
		f    orders.ReturnFilter
		want []int64
	}{
		{"member sees its own", f.member, orders.ReturnFilter{}, []int64{ret}},
		{"the other member none", f.other, orders.ReturnFilter{}, []int64{}},
		{"a member asking for another's", f.other, orders.ReturnFilter{MemberID: f.fixture.member.ID}, []int64{}},
		{"staff all", f.ctx, orders.ReturnFilter{}, []int64{ret}},
		{"staff by member", f.ctx, orders.ReturnFilter{MemberID: f.fixture.other.ID}, []int64{}},
		{"open", f.member, orders.ReturnFilter{Open: true}, []int64{ret}},
		{"received", f.member, orders.ReturnFilter{Status: orders.ReturnReceived}, []int64{}},
		{"requested today", f.ctx, orders.ReturnFilter{From: today, To: today}, []int64{ret}},
		{"requested from tomorrow", f.ctx, orders.ReturnFilter{From: today.AddDays(1)}, []int64{}},
	} {
		if got := returnIDs(list(c.ctx, c.f)); !equalIDs(got, c.want) {
			t.Errorf("%s: returns %v, want %v", c.name, got, c.want)
		}
	}
	for _, bad := range []orders.ReturnFilter{{Status: "lost"}, {Status: orders.ReturnReceived, Open: true}, {From: today, To: today.AddDays(-1)}} {
		if _, _, err := f.svc.ListReturns(f.ctx, bad); !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("filter %+v: %v, want invalid", bad, err)
		}
	}
	r := list(f.member, orders.ReturnFilter{})[0]
	if len(r.DeviceIDs) != 2 || r.ReceivedCount != 0 || r.Shipment == nil || r.Shipment.Direction != orders.Inbound {
		t.Fatalf("listed return = %+v", r)
	}

	// Its devices, with their products, for those who see the return.
	rds, err := f.svc.ReturnDevices(f.member, ret)
	if err != nil || len(rds) != 2 || rds[0].SKU == "" || rds[0].ProductID == 0 || rds[0].Serial == "" {
		t.Fatalf("return devices = %+v, %v", rds, err)
	}
	if _, err := f.svc.ReturnDevices(f.other, ret); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member reads the devices: %v, want not found", err)
	}

	// The order page's pending pickup.
	ps, err := f.svc.OrderPickups(f.member, f.mine.ID)
	if err != nil || !equalIDs(returnIDs(ps), []int64{ret}) {
		t.Fatalf("pickups of the order = %v, %v", returnIDs(ps), err)
	}
	if _, err := f.svc.OrderPickups(f.other, f.mine.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member's pickups of the order: %v, want not found", err)
	}
	if ps, err := f.svc.OrderPickups(f.ctx, f.theirs.ID); err != nil || len(ps) != 0 {
		t.Fatalf("pickups of an order with none = %v, %v", ps, err)
	}

	// Received in full: no longer open, and its pickup shipment is delivered.
	var serials []string
	for _, id := range r.DeviceIDs {
		serials = append(serials, f.device(t, id).Serial)
	}
	if _, err := f.svc.ReceiveReturn(f.ctx, ret, orders.ReceiveRequest{LocationID: f.loc.ID, Serials: serials}); err != nil {
		t.Fatal(err)
	}
	if got := list(f.member, orders.ReturnFilter{Open: true}); len(got) != 0 {
		t.Fatalf("open returns after receiving = %v", returnIDs(got))
	}
	got := list(f.member, orders.ReturnFilter{Status: orders.ReturnReceived})
	if len(got) != 1 || got[0].ReceivedCount != 2 || got[0].Shipment.Status != orders.ShipmentDelivered || got[0].Shipment.DeliveredAt == nil {
		t.Fatalf("received return = %+v (shipment %+v)", got, got[0].Shipment)
	}
	if ps, err := f.svc.OrderPickups(f.member, f.mine.ID); err != nil || len(ps) != 0 {
		t.Fatalf("pickups after receiving = %v, %v", returnIDs(ps), err)
	}
}

func TestOrderCountsAndPicksAreScoped(t *testing.T) {
	f := setupLists(t)
	open := f.placeKit(t, "L-2") // the member's, reserved with two strips
	for _, c := range []struct {
		name                       string
		ctx                        context.Context
		member                     int64
		total, reserved, delivered int64
	}{
		{"member", f.member, 0, 2, 1, 1},
		{"other member", f.other, 0, 1, 0, 0},
		{"other member asking for the first", f.other, f.fixture.member.ID, 0, 0, 0},
		{"staff", f.ctx, 0, 3, 1, 1},
		{"staff for the other member", f.ctx, f.fixture.other.ID, 1, 0, 0},
	} {
		n, err := f.svc.CountOrders(c.ctx, c.member)
		if err != nil {
			t.Fatal(err)
		}
		if n.Total != c.total || n.ByStatus[orders.Reserved] != c.reserved || n.ByStatus[orders.Delivered] != c.delivered {
			t.Errorf("%s: counts %+v, want total %d, reserved %d, delivered %d", c.name, n, c.total, c.reserved, c.delivered)
		}
	}
	picks, err := f.svc.ConsumablePicks(f.member, []int64{open.ID, f.theirs.ID})
	if err != nil || len(picks) != 1 || picks[0].OrderID != open.ID || picks[0].Quantity != 2 || picks[0].LocationID == nil {
		t.Fatalf("member's picks = %+v, %v", picks, err)
	}
	if picks, err := f.svc.ConsumablePicks(f.other, []int64{open.ID}); err != nil || len(picks) != 0 {
		t.Fatalf("other member's picks of the first's order = %+v, %v", picks, err)
	}
	if picks, err := f.svc.ConsumablePicks(f.ctx, []int64{open.ID}); err != nil || len(picks) != 1 {
		t.Fatalf("staff picks = %+v, %v", picks, err)
	}
}

// The board's sort by the day due pages through every order once, in order, both ways;
// an order "as soon as possible" is due the day it was placed.
func TestListSortedByDueDay(t *testing.T) {
	f := setup(t)
	f.stock(t, 1)
	today := civil.Today()
	var placed []*orders.Order
	for i, days := range []int{5, 0, 2, -1, 2, 9} {
		in := f.kitOrder(fmt.Sprintf("D-%d", i))
		if days >= 0 {
			in.RequestedOn = today.AddDays(days)
		}
		o, err := f.svc.Place(f.ctx, in, "")
		if err != nil {
			t.Fatal(err)
		}
		placed = append(placed, o)
	}
	for _, sort := range []orders.Sort{orders.SortDue, orders.SortDueLast} {
		var got []orders.Order
		flt := orders.Filter{Sort: sort, Limit: 2}
		for pages := 0; ; pages++ {
			os, next, err := f.svc.List(f.ctx, flt)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, os...)
			if next == 0 {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			flt.After = next
		}
		if len(got) != len(placed) {
			t.Fatalf("%s: %d orders over the pages, want %d", sort, len(got), len(placed))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			c := int(a.ID - b.ID)
			if a.DueOn() != b.DueOn() {
				c = 1
				if a.DueOn().Before(b.DueOn()) {
					c = -1
				}
			}
			if (sort == orders.SortDue) != (c < 0) {
				t.Fatalf("%s: %s (due %s) before %s (due %s)", sort, a.Number, a.DueOn(), b.Number, b.DueOn())
			}
		}
	}
	if _, _, err := f.svc.List(f.ctx, orders.Filter{Sort: "sideways"}); !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("unknown sort: %v", err)
	}
}
