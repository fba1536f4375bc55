package orders_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/testenv"
	"github.com/fsc/backoffice/inventory"
)

// A device at a citizen is with the citizen's member, not at the warehouse it left;
// after a transfer the new member sees only its own part of the device's history: no
// order, shipment or member of the one it came from.
func TestDeviceCustodyAfterTransfer(t *testing.T) {
	f := setup(t)
	f.stock(t, 1)
	o := f.deliveredKit(t, "T-1")
	tablet := f.tabletOf(t, o)

	d := f.device(t, tablet.ID)
	if d.State != inventory.Deployed || d.LocationID != nil || d.MemberID == nil || *d.MemberID != f.member.ID {
		t.Fatalf("deployed device = %+v, want with member %d and at no location", d, f.member.ID)
	}
	ds, _, err := f.inv.ListDevices(f.ctx, inventory.DeviceFilter{LocationID: f.loc.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ds {
		if x.ID == tablet.ID {
			t.Fatal("the warehouse lists a device that is at a citizen")
		}
	}

	if _, err := f.inv.Transfer(f.ctx, tablet.ID, inventory.TransferRequest{MemberID: f.other.ID, CitizenRef: "H-9"}); err != nil {
		t.Fatal(err)
	}
	herning := testenv.As(f.ctx, auth.Principal{UserID: 11, Name: "herning", Role: auth.RoleMember, MemberID: &f.other.ID})
	hd, err := f.inv.GetDevice(herning, tablet.ID)
	if err != nil {
		t.Fatal(err)
	}
	if hd.OrderID != nil || hd.LocationID != nil || *hd.MemberID != f.other.ID {
		t.Fatalf("Herning sees %+v", hd)
	}
	evs, err := f.inv.Events(herning, tablet.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("Herning sees %d events, want only the transfer: %+v", len(evs), evs)
	}
	for _, e := range evs {
		if e.OrderID != nil || e.ShipmentID != nil || strings.Contains(e.Reason, fmt.Sprint(f.member.ID)) || strings.Contains(e.Reason, "from") {
			t.Fatalf("Herning sees Aarhus's custody: %+v", e)
		}
	}
	hs, _, err := f.inv.ListDevices(herning, inventory.DeviceFilter{Limit: 10})
	if err != nil || len(hs) != 1 || hs[0].OrderID != nil {
		t.Fatalf("Herning's list = %+v, %v", hs, err)
	}
	// Staff see the whole history, Aarhus no longer sees the device.
	all, _ := f.inv.Events(f.ctx, tablet.ID)
	if len(all) < 5 || !strings.Contains(all[len(all)-1].Reason, "from member") {
		t.Fatalf("staff history = %+v", all)
	}
	aarhus := testenv.As(f.ctx, auth.Principal{UserID: 12, Name: "aarhus", Role: auth.RoleMember, MemberID: &f.member.ID})
	if _, err := f.inv.GetDevice(aarhus, tablet.ID); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("Aarhus reads the transferred device: %v", err)
	}
}
