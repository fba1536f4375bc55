package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

func qty(n int64) *int64 { return &n }

func deviceBySerial(t *testing.T, f *fixture, serial string) inventory.Device {
	t.Helper()
	ds, err := f.svc.FindBySerial(f.ctx, serial)
	if err != nil || len(ds) != 1 {
		t.Fatalf("device %s: %v, %v", serial, ds, err)
	}
	return ds[0]
}

func TestStocktakeDifferencesAndConfirm(t *testing.T) {
	f := setup(t)
	var arrived []int64
	f.svc.StockArrived = func(ctx context.Context, ids []int64) error { arrived = append(arrived, ids...); return nil }
	cph, err := f.svc.CreateLocation(f.ctx, inventory.NewLocation{Code: "CPH", Name: "Lager København"})
	if err != nil {
		t.Fatal(err)
	}
	gauze, err := f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "GAUZE", Name: "Gauze", Category: "consumable", Tracking: "quantity"})
	if err != nil {
		t.Fatal(err)
	}
	ids := f.receive(t, "T-1", "T-2", "T-3", "T-4", "T-5", "T-6")
	if _, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.strips.ID, Quantity: qty(40)}, {ProductID: gauze.ID, Quantity: qty(10)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: cph.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"T-9"}}, {ProductID: f.strips.ID, Quantity: qty(5)}}}); err != nil {
		t.Fatal(err)
	}
	// T-4 waits for repair on the shelf, T-5 is at a citizen's, T-6 was written off.
	if _, err := f.svc.Transition(f.ctx, ids[3], inventory.TransitionRequest{To: inventory.Repair, Reason: "cracked"}); err != nil {
		t.Fatal(err)
	}
	m, ref := f.members[0].ID, "AAR-1"
	for _, to := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
		if _, err := f.svc.Move(f.ctx, ids[4:5], to, inventory.Change{MemberID: &m, CitizenRef: &ref}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Transition(f.ctx, ids[5], inventory.TransitionRequest{To: inventory.Lost, Reason: "gone"}); err != nil {
		t.Fatal(err)
	}

	st, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "open" || len(st.Result.Missing) != 4 {
		t.Fatalf("started = %+v %+v", st, st.Result)
	}
	if _, err := f.svc.StartStocktake(f.ctx, f.loc.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("second open stocktake: %v, want conflict", err)
	}
	if _, err := f.svc.StartStocktake(f.ctx, 9999); !slices.Equal(fields(err), []string{"location_id"}) {
		t.Fatalf("unknown location: %v", err)
	}

	// A bad batch is refused whole, each bad entry named.
	_, err = f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: []string{"T-1", " ", "bad serial!"},
		Lines: []inventory.StocktakeCountLine{{ProductID: f.tablet.ID, Quantity: qty(1)}, {ProductID: f.strips.ID}, {ProductID: gauze.ID, Quantity: qty(-1)}, {ProductID: 4242, Quantity: qty(1)}}})
	got := fields(err)
	for _, w := range []string{"serials[1]", "serials[2]", "lines[0].product_id", "lines[1].quantity", "lines[2].quantity", "lines[3].product_id"} {
		if !slices.Contains(got, w) {
			t.Errorf("no error for %s; got %v", w, got)
		}
	}
	if _, err := f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{}); !slices.Equal(fields(err), []string{"serials"}) {
		t.Fatalf("empty batch: %v", err)
	}

	batches := []inventory.StocktakeCount{
		{Serials: []string{" T-1 ", "T-9"}, Lines: []inventory.StocktakeCountLine{{ProductID: f.strips.ID, Quantity: qty(30)}}},
		{Serials: []string{"T-2", "T-1", "GHOST-1", "T-6"}, Lines: []inventory.StocktakeCountLine{{ProductID: f.strips.ID, Quantity: qty(37)}, {ProductID: gauze.ID, Quantity: qty(12)}}},
	}
	for _, b := range batches {
		if st, err = f.svc.RecordCount(f.ctx, st.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	r := st.Result
	if r.Scanned != 5 || r.Matched != 2 {
		t.Fatalf("scanned %d matched %d, want 5 and 2", r.Scanned, r.Matched)
	}
	var missing []string
	for _, d := range r.Missing {
		missing = append(missing, fmt.Sprintf("%s:%s", d.Serial, d.State))
	}
	if !slices.Equal(missing, []string{"T-3:available", "T-4:repair"}) {
		t.Fatalf("missing = %v", missing)
	}
	byS := map[string]inventory.UnexpectedSerial{}
	for _, u := range r.Unexpected {
		byS[u.Serial] = u
	}
	if len(r.Unexpected) != 3 {
		t.Fatalf("unexpected = %+v", r.Unexpected)
	}
	if u := byS["T-9"]; u.DeviceID == nil || *u.State != inventory.Available || *u.LocationID != cph.ID || *u.LocationCode != "CPH" || !u.Relocate {
		t.Fatalf("T-9 = %+v", u)
	}
	if u := byS["GHOST-1"]; u.DeviceID != nil || u.State != nil || u.Relocate {
		t.Fatalf("GHOST-1 = %+v", u)
	}
	if u := byS["T-6"]; u.DeviceID == nil || *u.State != inventory.Lost || u.Relocate {
		t.Fatalf("T-6 = %+v", u)
	}
	wantMis := []inventory.StocktakeMiscount{
		{ProductID: gauze.ID, SKU: "GAUZE", Name: "Gauze", Counted: 12, Booked: 10, Difference: 2},
		{ProductID: f.strips.ID, SKU: "STRIP", Name: "Strips", Counted: 37, Booked: 40, Difference: -3},
	}
	if !slices.Equal(r.Miscounted, wantMis) {
		t.Fatalf("miscounted = %+v", r.Miscounted)
	}
	// Any staff member may look; a member may not.
	support := testenv.As(f.ctx, auth.Principal{UserID: 3, Name: "support", Role: auth.RoleSupport})
	if got, err := f.svc.GetStocktake(support, st.ID); err != nil || len(got.Result.Missing) != 2 {
		t.Fatalf("support reads stocktake: %v", err)
	}
	if _, err := f.svc.GetStocktake(f.memberCtx(0), st.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member reads stocktake: %v", err)
	}

	if _, err := f.svc.ConfirmStocktake(f.ctx, st.ID, " "); !slices.Equal(fields(err), []string{"reason"}) {
		t.Fatalf("confirm without reason: %v", err)
	}
	arrived = nil
	c, err := f.svc.ConfirmStocktake(f.ctx, st.ID, "annual count")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "confirmed" || c.ConfirmedAt == nil || *c.ConfirmedBy != "lager@fsc.dk" || c.Reason != "annual count" {
		t.Fatalf("confirmed = %+v", c)
	}
	for _, sn := range []string{"T-3", "T-4"} {
		d := deviceBySerial(t, f, sn)
		if d.State != inventory.Lost {
			t.Errorf("%s is %s, want lost", sn, d.State)
		}
		es, _ := f.svc.Events(f.ctx, d.ID)
		if last := es[len(es)-1]; last.Reason != fmt.Sprintf("stocktake %d: not found", st.ID) || last.To != "lost" {
			t.Errorf("%s last event = %+v", sn, last)
		}
	}
	t9 := deviceBySerial(t, f, "T-9")
	if t9.State != inventory.Available || *t9.LocationID != f.loc.ID {
		t.Fatalf("T-9 = %s at %v, want available here", t9.State, *t9.LocationID)
	}
	es, _ := f.svc.Events(f.ctx, t9.ID)
	if last := es[len(es)-1]; last.Reason != fmt.Sprintf("stocktake %d: found here", st.ID) || last.From != "available" || last.To != "available" {
		t.Fatalf("T-9 last event = %+v", last)
	}
	if d := deviceBySerial(t, f, "T-6"); d.State != inventory.Lost {
		t.Fatalf("T-6 = %s, a terminal device stays as it is", d.State)
	}
	if d := deviceBySerial(t, f, "T-5"); d.State != inventory.Deployed {
		t.Fatalf("T-5 = %s, a deployed device is not counted", d.State)
	}
	var moves []inventory.Movement
	db.Conn(f.ctx).Where("stocktake_id = ?", st.ID).Order("product_id").Find(&moves)
	if len(moves) != 2 || moves[0].Kind != "adjusted" {
		t.Fatalf("ledger = %+v", moves)
	}
	levels, _ := f.svc.Stock(f.ctx, f.loc.ID)
	for _, l := range levels {
		switch l.SKU {
		case "STRIP":
			if l.OnHand != 37 {
				t.Errorf("strips on hand here = %d, want 37", l.OnHand)
			}
		case "GAUZE":
			if l.OnHand != 12 {
				t.Errorf("gauze on hand = %d, want 12", l.OnHand)
			}
		case "TAB-1":
			if l.OnHand != 3 || l.Available != 3 { // T-1, T-2, T-9
				t.Errorf("tablets here = %+v", l)
			}
		}
	}
	if !slices.Contains(arrived, gauze.ID) || !slices.Contains(arrived, f.tablet.ID) || slices.Contains(arrived, f.strips.ID) {
		t.Fatalf("stock arrived for %v", arrived)
	}
	// The confirmed result is kept as it was booked, not recomputed against new books.
	g, err := f.svc.GetStocktake(f.ctx, st.ID)
	if err != nil || len(g.Result.Missing) != 2 || len(g.Result.Miscounted) != 2 || len(g.Result.Unexpected) != 3 {
		t.Fatalf("confirmed result = %+v, %v", g.Result, err)
	}
	if _, err := f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: []string{"T-3"}}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("count after confirm: %v", err)
	}
	if _, err := f.svc.ConfirmStocktake(f.ctx, st.ID, "again"); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("confirm twice: %v", err)
	}
	// A new stocktake of the location can start now, and finds the books in order.
	st2, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	st2, err = f.svc.RecordCount(f.ctx, st2.ID, inventory.StocktakeCount{Serials: []string{"T-1", "T-2", "T-9"},
		Lines: []inventory.StocktakeCountLine{{ProductID: f.strips.ID, Quantity: qty(37)}}})
	if err != nil || len(st2.Result.Missing)+len(st2.Result.Unexpected)+len(st2.Result.Miscounted) != 0 {
		t.Fatalf("second stocktake = %+v, %v", st2.Result, err)
	}
	if _, err := f.svc.GetStocktake(f.ctx, 99999); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown stocktake: %v", err)
	}
}

func TestStocktakeRoles(t *testing.T) {
	f := setup(t)
	admin := testenv.As(f.ctx, auth.Principal{UserID: 1, Name: "a", Role: auth.RoleAdmin})
	if _, err := f.svc.StartStocktake(admin, f.loc.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("admin starts stocktake: %v, want forbidden (logistics only)", err)
	}
	st, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmStocktake(admin, st.ID, "x"); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("admin confirms: %v", err)
	}
	// An empty location with nothing counted confirms to no change.
	c, err := f.svc.ConfirmStocktake(f.ctx, st.ID, "nothing here")
	if err != nil || c.Status != "confirmed" || len(c.Result.Missing) != 0 {
		t.Fatalf("empty confirm: %+v, %v", c, err)
	}
}

// A stocktake with nothing counted yet would book every device on the shelves lost:
// confirming it is refused until a serial or a quantity has been counted.
func TestStocktakeConfirmNeedsACount(t *testing.T) {
	f := setup(t)
	f.receive(t, "T-1", "T-2")
	st, err := f.svc.StartStocktake(f.ctx, f.loc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetStocktake(f.ctx, st.ID); got.Result.Counted || len(got.Result.Missing) != 2 {
		t.Fatalf("before counting: %+v", got.Result)
	}
	_, err = f.svc.ConfirmStocktake(f.ctx, st.ID, "year end")
	if e, ok := errors.AsType[*apperr.Error](err); !ok || e.Kind != apperr.KindConflict || e.Code != inventory.CodeStocktakeUncounted {
		t.Fatalf("confirm with nothing counted: %v, want conflict %s", err, inventory.CodeStocktakeUncounted)
	}
	if d := deviceBySerial(t, f, "T-1"); d.State != inventory.Available {
		t.Fatalf("T-1 is %s after the refused confirmation", d.State)
	}
	if _, err := f.svc.RecordCount(f.ctx, st.ID, inventory.StocktakeCount{Serials: []string{"T-1"}}); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.ConfirmStocktake(f.ctx, st.ID, "year end")
	if err != nil || !c.Result.Counted || len(c.Result.Missing) != 1 {
		t.Fatalf("confirm after a count: %+v, %v", c, err)
	}
	if d := deviceBySerial(t, f, "T-2"); d.State != inventory.Lost {
		t.Errorf("T-2 is %s, want lost", d.State)
	}
}
