package orders_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

// tabletOf returns the tablet order o holds.
func (f *fixture) tabletOf(t *testing.T, o *orders.Order) *inventory.Device {
	t.Helper()
	for _, id := range devicesOf(o) {
		if d := f.device(t, id); d.ProductID == f.tablet.ID || d.ProductID == f.tablet2.ID {
			return d
		}
	}
	t.Fatalf("order %s holds no tablet", o.Number)
	return nil
}

func (f *fixture) timeline(t *testing.T, o *orders.Order) []orders.OrderEvent {
	t.Helper()
	evs, err := f.svc.Timeline(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func assertCounts(t *testing.T, f *fixture) {
	t.Helper()
	drift, err := inventory.CountDrift(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("device counts drifted from the devices table: %v", drift)
	}
}

// Each way a reserved device can leave reserved outside the order's workflow (a recall,
// a stocktake booking it lost, a manual transition) goes through one mechanism: the
// order gives the device up and reserves another, or is backordered, with the reason on
// its timeline; it never keeps a device it does not have.
func TestReservedDeviceLeftReserved(t *testing.T) {
	f := setup(t)
	f.receive(t, f.tablet, 2)
	f.receive(t, f.oximeter, 3)
	f.receive(t, f.strips, 10)

	// 1. Recall: the order gets the other tablet.
	o := f.placeKit(t, "B-1")
	first := f.tabletOf(t, o)
	if _, err := f.inv.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V-1", Reason: "battery", Serials: []string{first.Serial}}); err != nil {
		t.Fatal(err)
	}
	o = f.order(t, o.ID)
	second := f.tabletOf(t, o)
	if o.Status != orders.Reserved || second.ID == first.ID || slices.Contains(devicesOf(o), first.ID) {
		t.Fatalf("after the recall order is %s holding %v (recalled %d)", o.Status, devicesOf(o), first.ID)
	}
	if d := f.device(t, first.ID); d.State != inventory.Available || !d.Recalled || d.OrderID != nil || d.MemberID != nil {
		t.Fatalf("recalled device = %+v, want available, recalled, held by none", d)
	}
	if evs := f.timeline(t, o); len(evs) != 1 || evs[0].Kind != orders.EventDeviceTaken {
		t.Fatalf("timeline %+v", evs)
	}

	// 2. A stocktake that does not find the second tablet books it lost: no tablet is
	// left, so the order is backordered.
	st, err := f.inv.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var scan []string
	for _, id := range devicesOf(o) {
		if id != second.ID {
			scan = append(scan, f.device(t, id).Serial)
		}
	}
	ds, _, err := f.inv.ListDevices(f.ctx, inventory.DeviceFilter{State: inventory.Available, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		scan = append(scan, d.Serial)
	}
	if _, err := f.inv.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: scan}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inv.ConfirmStocktake(f.ctx, st.ID, "yearly count"); err != nil {
		t.Fatal(err)
	}
	o = f.order(t, o.ID)
	if o.Status != orders.Backordered || slices.Contains(devicesOf(o), second.ID) {
		t.Fatalf("after the stocktake order is %s holding %v (lost %d)", o.Status, devicesOf(o), second.ID)
	}
	if d := f.device(t, second.ID); d.State != inventory.Lost || d.OrderID != nil {
		t.Fatalf("lost device = %+v", d)
	}
	if _, err := f.svc.Ship(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("shipping a backordered order: %v, want conflict", err)
	}

	// 3. A new tablet fills it; a manual transition to scrapped takes it again.
	f.receive(t, f.tablet, 1)
	if _, err := f.svc.FillBackorders(f.sys); err != nil {
		t.Fatal(err)
	}
	o = f.order(t, o.ID)
	third := f.tabletOf(t, o)
	if o.Status != orders.Reserved {
		t.Fatalf("order is %s after new stock", o.Status)
	}
	if _, err := f.inv.Transition(f.ctx, third.ID, inventory.TransitionRequest{To: inventory.Scrapped, Reason: "dropped on the floor"}); err != nil {
		t.Fatal(err)
	}
	o = f.order(t, o.ID)
	if o.Status != orders.Backordered || slices.Contains(devicesOf(o), third.ID) {
		t.Fatalf("after scrapping order is %s holding %v", o.Status, devicesOf(o))
	}
	evs := f.timeline(t, o)
	if len(evs) != 3 {
		t.Fatalf("timeline has %d entries, want 3: %+v", len(evs), evs)
	}
	// Each entry says its parts too, for the page to put in the reader's words.
	for i, w := range []struct {
		serial, code, outcome string
		args                  inventory.Args
	}{
		{first.Serial, inventory.WhyRecall, orders.OutcomeReserved, inventory.Args{"1", "V-1", "battery"}},
		{second.Serial, inventory.WhyStocktakeMissing, orders.OutcomeBackordered, inventory.Args{fmt.Sprint(st.ID)}},
		{third.Serial, inventory.WhyManual, orders.OutcomeBackordered, inventory.Args{"dropped on the floor"}},
	} {
		e := evs[i]
		if e.Serial != w.serial || e.ReasonCode != w.code || e.Outcome != w.outcome || !slices.Equal(e.ReasonArgs, w.args) {
			t.Errorf("entry %d = %+v, want serial %s, %s %q, %s", i, e, w.serial, w.code, w.args, w.outcome)
		}
		if want := fmt.Sprintf("device %s left the order (%s); ", w.serial, e.Why().Text()); !strings.HasPrefix(e.Message, want) {
			t.Errorf("entry %d message %q, want it to start %q", i, e.Message, want)
		}
	}
	for _, id := range devicesOf(o) {
		if d := f.device(t, id); d.State != inventory.Reserved || d.Recalled {
			t.Fatalf("order holds %+v", d)
		}
	}
	var audits int64
	if err := db.Conn(f.ctx).Table("audit_entries").Where("entity = 'order' AND entity_id = ? AND action = 'device-taken'", o.ID).Count(&audits).Error; err != nil {
		t.Fatal(err)
	}
	if audits != 3 {
		t.Errorf("%d device-taken audit entries, want 3", audits)
	}
	assertCounts(t, f)
}

// A dispatching order whose device is recalled before the carrier is booked: with
// other stock the shipment takes the new device; without, the order leaves dispatch and
// the booking job drops the shipment instead of booking it.
func TestRecallWhileDispatching(t *testing.T) {
	f := setup(t)
	f.receive(t, f.tablet, 2)
	f.receive(t, f.oximeter, 2)
	f.receive(t, f.strips, 10)
	o := f.placeKit(t, "D-1")
	o, err := f.svc.Ship(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	recall := func(serial string) {
		t.Helper()
		if _, err := f.inv.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: []string{serial}}); err != nil {
			t.Fatal(err)
		}
	}
	first := f.tabletOf(t, o)
	recall(first.Serial)
	o = f.order(t, o.ID)
	if o.Status != orders.Dispatching || o.ShipmentID == nil || slices.Contains(devicesOf(o), first.ID) {
		t.Fatalf("order %s is %s holding %v", o.Number, o.Status, devicesOf(o))
	}
	f.book(t, *o.ShipmentID)
	if sh := f.shipment(t, *o.ShipmentID); sh.Status != orders.ShipmentBooked {
		t.Fatalf("shipment is %s", sh.Status)
	}
	for _, id := range devicesOf(f.order(t, o.ID)) {
		if d := f.device(t, id); d.State != inventory.InTransit || d.Recalled {
			t.Fatalf("shipped %+v", d)
		}
	}

	// Now without other stock.
	f.receive(t, f.tablet, 1)
	f.receive(t, f.oximeter, 1)
	o2 := f.placeKit(t, "D-2")
	o2, err = f.svc.Ship(f.ctx, o2.ID)
	if err != nil {
		t.Fatal(err)
	}
	shID := *o2.ShipmentID
	recall(f.tabletOf(t, o2).Serial)
	o2 = f.order(t, o2.ID)
	if o2.Status != orders.Backordered || o2.ShipmentID != nil {
		t.Fatalf("order %s is %s with shipment %v", o2.Number, o2.Status, o2.ShipmentID)
	}
	f.book(t, shID)
	if sh := f.shipment(t, shID); sh.Status != orders.ShipmentFailed || sh.TrackingNumber != nil {
		t.Fatalf("dropped shipment = %+v", sh)
	}
	assertCounts(t, f)
}

// Shipping refuses an order that holds a recalled device (one that slipped past the
// release, here put there by hand in the database).
func TestShipRefusesRecalledDevice(t *testing.T) {
	f := setup(t)
	f.stock(t, 1)
	o := f.placeKit(t, "S-1")
	d := f.tabletOf(t, o)
	if err := db.Conn(f.ctx).Exec("UPDATE devices SET recalled = ? WHERE id = ?", true, d.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Ship(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("ship = %v, want conflict", err)
	}
}

// Racing recalls, orders, shipments and cancellations: no order keeps a recalled
// device, no order holds a device that is not reserved for it (shipping a recalled one
// is refused under the device's row lock, which the recall takes too), and the kept device
// counts equal a full count. Run on PostgreSQL by make test.
func TestRacingRecallsAndOrders(t *testing.T) {
	f := setup(t)
	const n = 40
	f.receive(t, f.tablet, n)
	f.receive(t, f.oximeter, 2*n)
	f.receive(t, f.strips, 4*n)
	var placed []*orders.Order
	for i := 0; i < n/2; i++ {
		placed = append(placed, f.placeKit(t, fmt.Sprintf("P-%d", i)))
	}
	var serials []string
	ds, _, err := f.inv.ListDevices(f.ctx, inventory.DeviceFilter{ProductID: f.tablet.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		serials = append(serials, d.Serial)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i, o := range placed {
		wg.Add(1)
		go func(i int, o *orders.Order) {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				if o, err = f.svc.Ship(f.ctx, o.ID); err == nil {
					err = f.svc.HandleBookShipment(f.sys, bookTask(*o.ShipmentID))
				}
			case 1:
				_, err = f.svc.Cancel(f.ctx, o.ID)
			default:
				_, err = f.svc.Place(f.ctx, f.kitOrder(fmt.Sprintf("N-%d", i)), "")
			}
			if err != nil && !apperr.Is(err, apperr.KindConflict) {
				errs <- err
			}
		}(i, o)
	}
	for i := 0; i < n; i += 4 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := f.inv.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r", Serials: serials[i : i+2]})
			if err != nil && !apperr.Is(err, apperr.KindConflict) && !apperr.Is(err, apperr.KindInvalid) {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var bad []struct {
		DeviceID int64
		State    string
		Recalled bool
	}
	if err := db.Conn(f.ctx).Raw(`SELECT d.id AS device_id, d.state, d.recalled FROM order_reservations r JOIN devices d ON d.id = r.device_id
		JOIN orders o ON o.id = r.order_id
		WHERE r.released_at IS NULL AND ((o.status IN ('reserved','backordered','dispatching') AND (d.state <> 'reserved' OR d.order_id IS NULL OR d.order_id <> o.id))
			OR d.recalled AND d.state = 'reserved')`).Scan(&bad).Error; err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("orders hold devices they do not have or recalled ones: %+v", bad)
	}
	var lines []struct{ ID, Q, R, Held int64 }
	db.Conn(f.ctx).Raw(`SELECT l.id, l.quantity AS q, l.reserved_quantity AS r,
		(SELECT COUNT(*) FROM order_reservations x WHERE x.line_id = l.id AND x.released_at IS NULL AND x.device_id IS NOT NULL) AS held
		FROM order_lines l JOIN products p ON p.id = l.product_id JOIN orders o ON o.id = l.order_id
		WHERE p.tracking = 'serial' AND o.status IN ('reserved','backordered','dispatching')`).Scan(&lines)
	for _, l := range lines {
		if l.R != l.Held {
			t.Errorf("line %d: reserved %d, holds %d", l.ID, l.R, l.Held)
		}
	}
	assertCounts(t, f)
	assertBalancesMatchLedger(t, f.ctx)
	if testenv.OnPostgres() {
		t.Logf("raced %d orders and %d recalls on PostgreSQL", len(placed), n/4)
	}
}

// racingHolders is the orders service as inventory's Holders, with a hook run on the
// first LockHolders call: inside a recall's locking, after it has read the holders and
// before it locks the devices.
type racingHolders struct {
	*orders.Service
	once  sync.Once
	race  func()
	calls [][]int64
}

func (h *racingHolders) LockHolders(ctx context.Context, ids []int64) error {
	h.calls = append(h.calls, slices.Clone(ids))
	h.once.Do(h.race)
	return h.Service.LockHolders(ctx, ids)
}

// A device reserved for another order between a recall's read of the holders and its
// lock on the devices: the recall must lock that order too, before the devices, or it
// waits on a shipment of that order in a circle (a deadlock PostgreSQL breaks by
// failing one of them). The recall starts its locking again with the new holder.
func TestRecallLocksAHolderThatCameMeanwhile(t *testing.T) {
	if !testenv.OnPostgres() {
		t.Skip("the race needs row locks, which only PostgreSQL takes; make test runs it there")
	}
	f := setup(t)
	f.receive(t, f.tablet, 2)
	f.receive(t, f.oximeter, 1)
	f.receive(t, f.strips, 2)
	a := f.placeKit(t, "A-1")
	first := f.tabletOf(t, a)
	var second *inventory.Device
	ds, _, err := f.inv.ListDevices(f.ctx, inventory.DeviceFilter{ProductID: f.tablet.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds {
		if ds[i].ID != first.ID {
			second = &ds[i]
		}
	}
	var b *orders.Order
	h := &racingHolders{Service: f.svc}
	h.race = func() {
		in := f.kitOrder("B-1")
		in.KitID, in.Lines = nil, []orders.NewLine{{ProductID: f.tablet.ID, Quantity: 1}}
		if b, err = f.svc.Place(f.ctx, in, ""); err != nil { // its own transaction, committed
			t.Error(err)
		}
	}
	f.inv.Holders = h
	if _, err := f.inv.CreateRecall(f.ctx, inventory.NewRecall{ProductID: f.tablet.ID, VendorRef: "V", Reason: "r",
		Serials: []string{first.Serial, second.Serial}}); err != nil {
		t.Fatal(err)
	}
	if b == nil || f.tabletOf(t, b) == nil {
		t.Fatal("the racing order was not placed")
	}
	want := [][]int64{{a.ID}, {a.ID, b.ID}}
	if !slices.EqualFunc(h.calls, want, slices.Equal[[]int64]) {
		t.Fatalf("LockHolders calls = %v, want %v", h.calls, want)
	}
	for _, o := range []*orders.Order{a, b} {
		if got := f.order(t, o.ID); got.Status != orders.Backordered {
			t.Errorf("order %s is %s, want backordered: its tablet was recalled", got.Number, got.Status)
		}
	}
}
