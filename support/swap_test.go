package support_test

import (
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/support"
)

// A swap goes through the real orders service: the replacement is reserved from stock
// (or backordered), delivered where the old device was, and the old device is picked up
// as defect; both are linked to the ticket.
func TestSwapCreatesOrderAndReturnThroughOrders(t *testing.T) {
	f := setup(t)
	old := f.deploy(t, f.tablet, f.a, "borger-42")
	f.receive(t, f.tablet, 1) // the replacement on the shelf
	in := f.phone(support.High, nil)
	in.DeviceID, in.Category = &old.ID, support.DeviceFault
	in.CitizenRef = ""
	tk := f.create(t, in)

	sw, err := f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{DeviceID: old.ID})
	must(t, err)
	o, err := f.ord.Get(f.log, sw.OrderID)
	must(t, err)
	if o.MemberID != f.a.ID || o.CitizenRef != "borger-42" || o.Delivery != *addr || o.Status != orders.Reserved ||
		len(o.Lines) != 1 || o.Lines[0].ProductID != f.tablet.ID || o.Lines[0].Quantity != 1 || len(o.Lines[0].DeviceIDs) != 1 {
		t.Fatalf("replacement order %+v", o)
	}
	r, err := f.ord.GetReturn(f.log, sw.ReturnID)
	must(t, err)
	if r.Reason != "defect" || r.MemberID != f.a.ID || r.Pickup != *addr || len(r.DeviceIDs) != 1 || r.DeviceIDs[0] != old.ID {
		t.Fatalf("return %+v", r)
	}
	if d, err := f.inv.GetDevice(f.log, old.ID); err != nil || d.State != inventory.Returning {
		t.Fatalf("old device %+v %v", d, err)
	}
	d := f.get(t, f.agent, tk.ID)
	if len(d.Swaps) != 1 || d.Swaps[0].OrderID != o.ID || d.Swaps[0].ReturnID != r.ID || d.Swaps[0].ProductID != f.tablet.ID {
		t.Fatalf("swaps on the ticket %+v", d.Swaps)
	}
	if last := d.Events[len(d.Events)-1]; last.Action != "swap" || last.Actor != "agent@fsc.dk" {
		t.Fatalf("event %+v", last)
	}
	for _, id := range []struct {
		get func() (*int64, error)
	}{{func() (*int64, error) { return f.svc.TicketOfOrder(f.log, o.ID) }}, {func() (*int64, error) { return f.svc.TicketOfReturn(f.log, r.ID) }}} {
		got, err := id.get()
		if err != nil || got == nil || *got != tk.ID {
			t.Fatalf("linked ticket %v %v", got, err)
		}
	}
	// The audit trail names the agent, not the system the orders were placed as.
	es, _, err := audit.List(f.agent, audit.Filter{Entity: "order", EntityID: o.ID, Limit: 10})
	must(t, err)
	if len(es) == 0 || es[len(es)-1].Actor != "agent@fsc.dk" {
		t.Fatalf("order audit %+v", es)
	}
	// Again: the same swap, nothing new.
	again, err := f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{DeviceID: old.ID})
	must(t, err)
	if again.ID != sw.ID || again.OrderID != o.ID {
		t.Fatalf("second swap %+v", again)
	}
}

func TestSwapRefusals(t *testing.T) {
	f := setup(t)
	mine := f.deploy(t, f.tablet, f.a, "borger-1")
	theirs := f.deploy(t, f.tablet, f.b, "borger-2")
	tk := f.create(t, f.phone(support.Normal, nil))
	_, err := f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{DeviceID: theirs.ID})
	wantField(t, err, "device_id", orders.CodeNotAtMember)
	bad := int64(99999)
	_, err = f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{DeviceID: mine.ID, ProductID: &bad})
	wantField(t, err, "product_id", apperr.Unknown)
	_, err = f.svc.SwapDevice(f.admin, tk.ID, support.SwapInput{DeviceID: mine.ID})
	wantKind(t, err, apperr.KindForbidden, "admin swaps (support and logistics do)")
	_, err = f.svc.SwapDevice(f.memberA, tk.ID, support.SwapInput{DeviceID: mine.ID})
	wantKind(t, err, apperr.KindForbidden, "member swaps")
	_, err = f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{})
	wantField(t, err, "device_id", apperr.Required)
	// Nothing half written by the refusals.
	if d := f.get(t, f.agent, tk.ID); len(d.Swaps) != 0 {
		t.Fatalf("swaps %+v", d.Swaps)
	}
	if d, _ := f.inv.GetDevice(f.log, mine.ID); d.State != inventory.Deployed {
		t.Fatalf("device %s", d.State)
	}
	// Logistics may swap; out of stock of another product, the order is backordered.
	sw, err := f.svc.SwapDevice(f.log, tk.ID, support.SwapInput{DeviceID: mine.ID, ProductID: &f.scale.ID})
	must(t, err)
	o, err := f.ord.Get(f.log, sw.OrderID)
	must(t, err)
	if o.Status != orders.Backordered || o.Lines[0].ProductID != f.scale.ID {
		t.Fatalf("order %+v", o)
	}
	f.status(t, f.agent, tk.ID, support.Resolved)
	f.status(t, f.agent, tk.ID, support.Closed)
	_, err = f.svc.SwapDevice(f.agent, tk.ID, support.SwapInput{DeviceID: theirs.ID})
	wantKind(t, err, apperr.KindConflict, "swap from a closed ticket")
}
