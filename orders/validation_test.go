package orders_test

import (
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

// An order with a past day, a CPR-looking citizen reference and a bad postcode is
// refused with all three errors in one answer.
func TestPlaceNamesEveryErrorAtOnce(t *testing.T) {
	f := setup(t)
	in := f.kitOrder("010170-1234")
	in.RequestedOn = civil.Today().AddDays(-2)
	in.Delivery = &orders.Address{Name: "Borger", Street: "Vestergade 1", Postcode: "80", City: "Aarhus C"}
	_, err := f.svc.Place(f.ctx, in, "")
	got := fieldCodes(t, err)
	if got["requested_on"] != apperr.InPast || got["citizen_ref"] != apperr.CPR || got["delivery.postcode"].String() == "" {
		t.Fatalf("field codes %v, want requested_on, citizen_ref and delivery.postcode together", got)
	}
}

// A return's scan matches its devices trimmed and case-insensitively, and the pickup
// shipment is delivered once the parcel is in.
func TestReturnScanIgnoresCase(t *testing.T) {
	f := setup(t)
	f.stock(t, 1)
	o := f.deliveredKit(t, "RC-1")
	devs := devicesOf(o)
	ret, err := f.svc.RequestReturn(f.ctx, orders.NewReturn{MemberID: f.member.ID, DeviceIDs: devs, Reason: "not_needed", Pickup: addr}, "")
	if err != nil {
		t.Fatal(err)
	}
	var scans []string
	for _, id := range devs {
		scans = append(scans, "  "+strings.ToLower(f.device(t, id).Serial)+" ")
	}
	rc, err := f.svc.ReceiveReturn(f.ctx, ret.ID, orders.ReceiveRequest{LocationID: f.loc.ID, Serials: scans})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status != orders.ReturnReceived || len(rc.Received) != len(devs) || len(rc.Unexpected) != 0 || len(rc.Missing) != 0 {
		t.Fatalf("receipt = %+v", rc)
	}
	f.expectStates(t, devs, inventory.Cleaning)
	if sh := f.shipment(t, *ret.ShipmentID); sh.Status != orders.ShipmentDelivered || sh.DeliveredAt == nil {
		t.Fatalf("pickup shipment = %s, want delivered", sh.Status)
	}
}
