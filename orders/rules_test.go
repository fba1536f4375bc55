package orders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/orders"
)

// fieldCodes returns the code of every field error of err by field.
func fieldCodes(t *testing.T, err error) map[string]apperr.Code {
	t.Helper()
	e, ok := err.(*apperr.Error)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	out := map[string]apperr.Code{}
	for _, f := range e.Fields {
		out[f.Field] = f.Code
	}
	return out
}

func TestRequestedDay(t *testing.T) {
	f := setup(t)
	f.receive(t, f.oximeter, 3)
	today := civil.Today()
	in := orders.NewOrder{MemberID: f.member.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "D-1", Delivery: addr}

	// Before today: refused, with every other problem at once.
	past := in
	past.RequestedOn, past.CitizenRef = today.AddDays(-1), "010170-1234"
	_, err := f.svc.Place(f.ctx, past, "")
	if got := fieldCodes(t, err); got["requested_on"] != apperr.InPast || got["citizen_ref"] != apperr.CPR {
		t.Fatalf("past day: field codes %v", got)
	}
	if p := orders.CheckRequestedOn(today, today); p != nil {
		t.Fatalf("today refused: %v", p)
	}

	// None: "as soon as possible", stored as none, due the day it was placed.
	asap, err := f.svc.Place(f.ctx, in, "")
	if err != nil {
		t.Fatal(err)
	}
	var stored int64
	if err := db.Conn(f.ctx).Table("orders").Where("id = ? AND requested_on IS NULL", asap.ID).Count(&stored).Error; err != nil || stored != 1 {
		t.Fatalf("requested_on stored for an order as soon as possible (%d rows with NULL, %v)", stored, err)
	}
	if got := f.order(t, asap.ID); !got.RequestedOn.IsZero() || got.DueOn() != today || got.IsLate(today) || !got.IsLate(today.AddDays(1)) {
		t.Fatalf("order as soon as possible: requested %q, due %s, late today %v", got.RequestedOn, got.DueOn(), got.IsLate(today))
	}
	later := in
	later.RequestedOn = today.AddDays(2)
	wanted, err := f.svc.Place(f.ctx, later, "")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.CountOrders(f.ctx, 0); err != nil || n.Late != 0 {
		t.Fatalf("late orders = %+v, %v; want none", n, err)
	}

	// Three days on: both are late, by the same rule in the count as on the order.
	back := time.Now().UTC().AddDate(0, 0, -3)
	if err := db.Conn(f.ctx).Table("orders").Where("id = ?", asap.ID).Update("created_at", back).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Conn(f.ctx).Table("orders").Where("id = ?", wanted.ID).Update("requested_on", today.AddDays(-1).String()).Error; err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{asap.ID, wanted.ID} {
		if o := f.order(t, id); !o.IsLate(today) {
			t.Errorf("order %s (requested %q, placed %s) is not late", o.Number, o.RequestedOn, o.CreatedAt)
		}
	}
	if n, err := f.svc.CountOrders(f.ctx, 0); err != nil || n.Late != 2 {
		t.Fatalf("late orders = %+v, %v; want 2", n, err)
	}
	if _, err := f.svc.Cancel(f.ctx, asap.ID); err != nil {
		t.Fatal(err)
	}
	if o := f.order(t, asap.ID); o.IsLate(today) {
		t.Error("a cancelled order is late")
	}
	if n, err := f.svc.CountOrders(f.ctx, 0); err != nil || n.Late != 1 {
		t.Fatalf("late orders after cancelling one = %+v, %v; want 1", n, err)
	}
}

// ActionsFor says what the guards of Cancel, Ship and Deliver then allow.
func TestActionsAreWhatTheServiceAllows(t *testing.T) {
	f := setup(t)
	f.stock(t, 2)
	member := auth.Principal{UserID: 9, Name: "nurse", Role: auth.RoleMember, MemberID: &f.member.ID}
	other := auth.Principal{UserID: 10, Name: "herning", Role: auth.RoleMember, MemberID: &f.other.ID}
	admin := auth.Principal{UserID: 1, Name: "admin", Role: auth.RoleAdmin}
	lager := auth.Principal{UserID: 2, Name: "lager@fsc.dk", Role: auth.RoleLogistics}
	o := f.placeKit(t, "A-1")
	for _, c := range []struct {
		who  auth.Principal
		want orders.Actions
	}{
		{member, orders.Actions{Cancel: true}},
		{other, orders.Actions{}},
		{admin, orders.Actions{}},
		{lager, orders.Actions{Cancel: true, Ship: true}},
	} {
		if got := o.ActionsFor(c.who); got != c.want {
			t.Errorf("%s on a reserved order: %+v, want %+v", c.who.Name, got, c.want)
		}
	}
	if _, err := f.svc.Cancel(testenv.As(f.ctx, admin), o.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("admin cancels: %v", err)
	}
	if _, err := f.svc.Ship(testenv.As(f.ctx, member), o.ID); !apperr.Is(err, apperr.KindForbidden) {
		t.Fatalf("member ships: %v", err)
	}
	if _, err := f.svc.Cancel(testenv.As(f.ctx, other), o.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("other member cancels: %v", err)
	}
	if _, err := f.svc.Deliver(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("deliver a reserved order: %v", err)
	}
	shipped, err := f.svc.Ship(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := shipped.ActionsFor(lager); got != (orders.Actions{}) {
		t.Fatalf("logistics on a dispatching order: %+v", got)
	}
	if _, err := f.svc.Cancel(f.ctx, o.ID); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("cancel a dispatching order: %v", err)
	}
	f.book(t, *shipped.ShipmentID)
	if got := f.order(t, o.ID).ActionsFor(lager); got != (orders.Actions{Deliver: true}) {
		t.Fatalf("logistics on a shipped order: %+v", got)
	}
}

// A database that fails while checking a request is an internal error, never a
// field error that blames the caller's input.
func TestLookupFailureIsNotInvalid(t *testing.T) {
	f := setup(t)
	in := orders.NewOrder{MemberID: f.member.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "E-1", Delivery: addr}
	breakTable := func(name string) {
		t.Helper()
		if err := db.Conn(f.ctx).Exec("ALTER TABLE " + name + " RENAME TO " + name + "_gone").Error; err != nil {
			t.Fatal(err)
		}
	}
	breakTable("products")
	_, err := f.svc.Place(f.ctx, in, "")
	if err == nil || apperr.KindOf(err) != apperr.KindInternal {
		t.Fatalf("products unreadable: Place gave %v (kind %d), want an internal error", err, apperr.KindOf(err))
	}
	breakTable("locations")
	_, err = f.svc.ReceiveReturn(f.ctx, 1, orders.ReceiveRequest{LocationID: f.loc.ID, Serials: []string{"X"}})
	if err == nil || apperr.KindOf(err) != apperr.KindInternal {
		t.Fatalf("locations unreadable: ReceiveReturn gave %v (kind %d), want an internal error", err, apperr.KindOf(err))
	}
}

// The same request is the same however it was written; another one under the same key
// is refused with the key's own code.
func TestIdempotencyOnTheDecodedRequest(t *testing.T) {
	f := setup(t)
	f.receive(t, f.oximeter, 3)
	in := orders.NewOrder{MemberID: f.member.ID, Lines: []orders.NewLine{{ProductID: f.oximeter.ID, Quantity: 1}}, CitizenRef: "K-1", Delivery: addr, Note: "ring"}
	a, err := f.svc.Place(f.ctx, in, "k")
	if err != nil {
		t.Fatal(err)
	}
	same := in
	same.CitizenRef, same.Note = "  K-1 ", "ring\n" // as a form or another client may send it
	b, err := f.svc.Place(f.ctx, same, "k")
	if err != nil || b.ID != a.ID {
		t.Fatalf("the same request again: %v, %v; want order %d", b, err, a.ID)
	}
	other := in
	other.Note = "ring twice"
	_, err = f.svc.Place(f.ctx, other, "k")
	if got := fieldCodes(t, err); got["Idempotency-Key"] != orders.CodeKeyReused {
		t.Fatalf("another request under the key: %v", got)
	}
	// The key is the caller's: another user's same key makes its own order.
	them := testenv.As(f.ctx, auth.Principal{UserID: 3, Name: "lager2@fsc.dk", Role: auth.RoleLogistics})
	c, err := f.svc.Place(them, in, "k")
	if err != nil || c.ID == a.ID {
		t.Fatalf("another caller's key: %v, %v", c, err)
	}
	if !strings.HasPrefix(c.Number, "O-") {
		t.Fatalf("number %q", c.Number)
	}
}
