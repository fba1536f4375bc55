package inventory_test

import (
	"slices"
	"testing"

	"github.com/fsc/backoffice/inventory"
)

func TestWhyTextAndArgs(t *testing.T) {
	w := inventory.Because(inventory.WhyShipFailed, "carrier said:\nno\x1fway")
	if got, want := w.Text(), "shipment failed: carrier said: no way"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	v, err := inventory.Because(inventory.WhyRecall, 7, "V-1", "battery").Args.Value()
	if err != nil {
		t.Fatal(err)
	}
	var back inventory.Args
	if err := back.Scan(v); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, inventory.Args{"7", "V-1", "battery"}) {
		t.Errorf("args round trip = %q", back)
	}
	if err := back.Scan([]byte("")); err != nil || back != nil {
		t.Errorf("empty args = %q, %v", back, err)
	}
	if got := inventory.Because(inventory.WhyPickedUp).Text(); got != "received from pickup" {
		t.Errorf("no-argument text = %q", got)
	}
}
