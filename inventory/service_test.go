package inventory_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

type fixture struct {
	ctx     context.Context // logistics
	sys     context.Context
	svc     *inventory.Service
	cs      *contracts.Service
	loc     *inventory.Location
	tablet  *inventory.Product
	strips  *inventory.Product
	members []*contracts.Member
}

func setup(t *testing.T) *fixture {
	t.Helper()
	g := testenv.DB(t)
	base := testenv.Context(t, g)
	cs := contracts.NewService()
	sys := testenv.As(base, auth.System)
	f := &fixture{svc: inventory.NewService(cs), cs: cs, sys: sys, ctx: testenv.As(base, auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics})}
	cs.Products = f.svc
	for _, code := range []string{"751", "657"} {
		m, err := cs.CreateMember(sys, contracts.NewMember{Code: contracts.Code(code), Name: "K" + code, Kind: "municipality", EAN: "5798000416604"})
		if err != nil {
			t.Fatal(err)
		}
		f.members = append(f.members, m)
	}
	var err error
	if f.loc, err = f.svc.CreateLocation(f.ctx, inventory.NewLocation{Code: "AAR", Name: "Lager Aarhus"}); err != nil {
		t.Fatal(err)
	}
	if f.tablet, err = f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "TAB-1", Name: "Tablet", Category: "tablet", Tracking: "serial", ReorderLevel: 5}); err != nil {
		t.Fatal(err)
	}
	if f.strips, err = f.svc.CreateProduct(f.ctx, inventory.NewProduct{SKU: "STRIP", Name: "Strips", Category: "consumable", Tracking: "quantity", ReorderLevel: 10}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) receive(t *testing.T, serials ...string) []int64 {
	t.Helper()
	r, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{{ProductID: f.tablet.ID, Serials: serials}}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Lines[0].DeviceIDs
}

func fields(err error) []string {
	e, ok := err.(*apperr.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Every pair of states: a manual transition succeeds exactly when the table marks it
// manual, a workflow move exactly when the table has it; the rest answer Conflict and
// leave the device and its history untouched.
func TestTransitionTableEveryPair(t *testing.T) {
	f := setup(t)
	var serials []string
	for i := 0; i < len(inventory.States)*len(inventory.States)*2; i++ {
		serials = append(serials, fmt.Sprintf("SN-%04d", i))
	}
	ids := f.receive(t, serials...)
	legal := map[[2]inventory.State]bool{}
	manual := map[[2]inventory.State]bool{}
	for _, m := range inventory.Moves() {
		legal[[2]inventory.State{m.From, m.To}] = true
		manual[[2]inventory.State{m.From, m.To}] = m.Manual
	}
	next := 0
	for _, from := range inventory.States {
		for _, to := range inventory.States {
			for _, byHand := range []bool{true, false} {
				id := ids[next]
				next++
				if err := db.Conn(f.ctx).Table("devices").Where("id = ?", id).Update("state", from).Error; err != nil {
					t.Fatal(err)
				}
				if err := inventory.RecountDevices(f.ctx); err != nil { // the update above bypassed the counts
					t.Fatal(err)
				}
				var err error
				want := legal[[2]inventory.State{from, to}]
				if byHand {
					want = want && manual[[2]inventory.State{from, to}]
					_, err = f.svc.Transition(f.ctx, id, inventory.TransitionRequest{To: to, Reason: "test"})
				} else {
					_, err = f.svc.Move(f.ctx, []int64{id}, to, inventory.Change{Reason: "test"})
				}
				d, gerr := f.svc.GetDevice(f.ctx, id)
				if gerr != nil {
					t.Fatal(gerr)
				}
				switch {
				case want && err != nil:
					t.Errorf("%s→%s (manual=%v): %v, want ok", from, to, byHand, err)
				case want && d.State != to:
					t.Errorf("%s→%s: state %s after success", from, to, d.State)
				case !want && !apperr.Is(err, apperr.KindConflict):
					t.Errorf("%s→%s (manual=%v): %v, want conflict", from, to, byHand, err)
				case !want && d.State != from:
					t.Errorf("%s→%s refused but state is %s", from, to, d.State)
				}
				es, _ := f.svc.Events(f.ctx, id)
				if wantN := 1 + btoi(want); len(es) != wantN {
					t.Errorf("%s→%s (manual=%v): %d events, want %d", from, to, byHand, len(es), wantN)
				}
			}
		}
	}
	// The manual moves are exactly those API.md lists.
	var got []string
	for _, m := range inventory.Moves() {
		if m.Manual {
			got = append(got, string(m.From)+">"+string(m.To))
		}
	}
	for _, want := range []string{"cleaning>available", "cleaning>repair", "available>repair", "deployed>repair", "repair>available", "reserved>lost", "deployed>scrapped"} {
		if !slices.Contains(got, want) {
			t.Errorf("manual move %s missing", want)
		}
	}
	if slices.Contains(got, "available>reserved") || slices.Contains(got, "scrapped>available") {
		t.Errorf("workflow or terminal move marked manual: %v", got)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestTransitionValidates(t *testing.T) {
	f := setup(t)
	id := f.receive(t, "A1")[0]
	_, err := f.svc.Transition(f.ctx, id, inventory.TransitionRequest{To: "shelf"})
	if got := fields(err); !slices.Contains(got, "to") || !slices.Contains(got, "reason") {
		t.Fatalf("fields = %v (%v)", got, err)
	}
	if _, err := f.svc.Transition(f.ctx, 999999, inventory.TransitionRequest{To: "repair", Reason: "x"}); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown device: %v", err)
	}
	admin := testenv.As(f.ctx, auth.Principal{UserID: 1, Name: "a", Role: auth.RoleAdmin})
	if _, err := f.svc.Transition(admin, id, inventory.TransitionRequest{To: "repair", Reason: "x"}); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("admin transition: %v, want forbidden (logistics only)", err)
	}
}

func TestReceiptAllOrNothingNamesEveryBadRow(t *testing.T) {
	f := setup(t)
	f.receive(t, "EXIST-1")
	qty := int64(5)
	_, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"OK-1", "", "bad serial!", "OK-1", "EXIST-1", "OK-2"}},
		{ProductID: 4242, Serials: []string{"X"}},
		{ProductID: f.strips.ID, Quantity: &qty},
		{ProductID: f.strips.ID},
	}})
	got := fields(err)
	want := []string{"lines[0].serials[1]", "lines[0].serials[2]", "lines[0].serials[3]", "lines[1].product_id", "lines[3].quantity"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no error for %s; got %v", w, got)
		}
	}
	// Existing serials are checked once the receipt is otherwise clean.
	_, err = f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"NEW-1", "EXIST-1"}}}})
	if got := fields(err); len(got) != 1 || got[0] != "lines[0].serials[1]" {
		t.Fatalf("existing serial: %v (%v)", got, err)
	}
	if !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("message: %v", err)
	}
	var n int64
	db.Conn(f.ctx).Table("devices").Count(&n)
	if n != 1 {
		t.Fatalf("devices = %d after refused receipts, want 1", n)
	}
	db.Conn(f.ctx).Table("receipts").Count(&n)
	if n != 1 {
		t.Fatalf("receipts = %d, want 1", n)
	}
}

func TestReceiptAndStock(t *testing.T) {
	f := setup(t)
	qty := int64(40)
	var arrived []int64
	f.svc.StockArrived = func(ctx context.Context, ids []int64) error { arrived = append(arrived, ids...); return nil }
	r, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Reference: "PO-1", Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{" T-1", "T-2", "T-3"}, UnitCostOre: 250000},
		{ProductID: f.strips.ID, Quantity: &qty}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.DevicesCreated != 3 || len(r.Lines) != 2 || r.Lines[0].Serials[0] != "T-1" {
		t.Fatalf("receipt = %+v", r)
	}
	if !slices.Contains(arrived, f.tablet.ID) || !slices.Contains(arrived, f.strips.ID) {
		t.Fatalf("stock-arrived hook got %v", arrived)
	}
	ids := r.Lines[0].DeviceIDs
	if _, err := f.svc.Move(f.ctx, ids[:1], inventory.Reserved, inventory.Change{Reason: "order"}); err != nil {
		t.Fatal(err)
	}
	m := f.members[0].ID
	ref := "AAR-0042"
	if _, err := f.svc.Move(f.ctx, ids[1:2], inventory.Reserved, inventory.Change{}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []inventory.State{inventory.InTransit, inventory.Deployed} {
		if _, err := f.svc.Move(f.ctx, ids[1:2], to, inventory.Change{MemberID: &m, CitizenRef: &ref}); err != nil {
			t.Fatal(err)
		}
	}
	levels, err := f.svc.Stock(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byS := map[string]inventory.StockLevel{}
	for _, l := range levels {
		byS[l.SKU] = l
	}
	tab := byS["TAB-1"]
	if tab.OnHand != 2 || tab.Reserved != 1 || tab.Available != 1 || tab.Deployed != 1 || !tab.BelowReorder {
		t.Fatalf("tablet stock = %+v", tab)
	}
	st := byS["STRIP"]
	if st.OnHand != 40 || st.Available != 40 || st.BelowReorder {
		t.Fatalf("strips stock = %+v", st)
	}
}

func TestMemberSeesOnlyDevicesDeployedForIt(t *testing.T) {
	f := setup(t)
	ids := f.receive(t, "D-1", "D-2", "D-3")
	own, other := f.members[0].ID, f.members[1].ID
	deploy := func(id, member int64) {
		ref := "ref-1"
		for _, to := range []inventory.State{inventory.Reserved, inventory.InTransit, inventory.Deployed} {
			if _, err := f.svc.Move(f.ctx, []int64{id}, to, inventory.Change{MemberID: &member, CitizenRef: &ref}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deploy(ids[0], own)
	deploy(ids[1], other)
	mctx := testenv.As(f.ctx, auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &own})
	ds, _, err := f.svc.ListDevices(mctx, inventory.DeviceFilter{Limit: 50})
	if err != nil || len(ds) != 1 || ds[0].ID != ids[0] {
		t.Fatalf("member list = %v, %v", ds, err)
	}
	ds, _, _ = f.svc.ListDevices(mctx, inventory.DeviceFilter{MemberID: other, Limit: 50})
	if len(ds) != 0 {
		t.Fatalf("member filtered by another member sees %d devices", len(ds))
	}
	for _, id := range ids[1:] {
		if _, err := f.svc.GetDevice(mctx, id); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("device %d: %v, want not found", id, err)
		}
		if _, err := f.svc.Events(mctx, id); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("events %d: %v, want not found", id, err)
		}
	}
	// Transfer: the device now belongs to the other member, and its history says so;
	// the new member's history does not show the old member's citizen.
	d, err := f.svc.Transfer(f.ctx, ids[0], inventory.TransferRequest{MemberID: other, CitizenRef: "HER-7"})
	if err != nil || *d.MemberID != other {
		t.Fatalf("transfer: %v", err)
	}
	if _, err := f.svc.GetDevice(mctx, ids[0]); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("after transfer the old member still sees it: %v", err)
	}
	octx := testenv.As(f.ctx, auth.Principal{UserID: 10, Name: "nurse2", Role: auth.RoleMember, MemberID: &other})
	es, err := f.svc.Events(octx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.CitizenRef != nil && *e.CitizenRef == "ref-1" {
			t.Fatalf("new member sees the old member's citizen in event %+v", e)
		}
	}
	if last := es[len(es)-1]; last.CitizenRef == nil || *last.CitizenRef != "HER-7" {
		t.Fatalf("new member does not see its own citizen: %+v", last)
	}
	if _, err := f.svc.Transfer(f.ctx, ids[2], inventory.TransferRequest{MemberID: other, CitizenRef: "HER-7"}); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("transfer of an available device: %v", err)
	}
	if _, err := f.svc.Transfer(f.ctx, ids[1], inventory.TransferRequest{MemberID: own, CitizenRef: "010170-1234"}); !slices.Contains(fields(err), "citizen_ref") {
		t.Fatalf("CPR citizen ref: %v", err)
	}
}

func TestDatabaseRefusesBadStateAndDuplicateSerial(t *testing.T) {
	f := setup(t)
	id := f.receive(t, "U-1")[0]
	if err := db.Conn(f.ctx).Table("devices").Where("id = ?", id).Update("state", "on_shelf").Error; err == nil {
		t.Fatal("database accepted an unknown state")
	}
	now := time.Now()
	err := db.Conn(f.ctx).Exec("INSERT INTO devices (serial, product_id, state, received_at, updated_at) VALUES (?, ?, 'available', ?, ?)", "U-1", f.tablet.ID, now, now).Error
	if err == nil || !db.IsUniqueViolation(err) {
		t.Fatalf("duplicate serial: %v", err)
	}
}
