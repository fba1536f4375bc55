package inventory_test

import (
	"testing"

	"github.com/fsc/backoffice/inventory"
)

// The stock's value follows from the receipts: devices on the shelves (available or
// reserved) at their own unit cost, consumables on hand at the average cost of their
// receipts. It is kept with the counts, so a full recount must agree with it.
func TestStockValue(t *testing.T) {
	f := setup(t)
	q10, q30 := int64(10), int64(30)
	if _, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"V-1", "V-2"}, UnitCostOre: 249500},
		{ProductID: f.strips.ID, Quantity: &q10, UnitCostOre: 1000}}}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"V-3"}, UnitCostOre: 199900},
		{ProductID: f.strips.ID, Quantity: &q30, UnitCostOre: 1333}}})
	if err != nil {
		t.Fatal(err)
	}
	// V-3 goes to repair: off the shelf, out of the value.
	if _, err := f.svc.Transition(f.ctx, r.Lines[0].DeviceIDs[0], inventory.TransitionRequest{To: inventory.Repair, Reason: "cracked"}); err != nil {
		t.Fatal(err)
	}
	value := func(productID int64) int64 {
		t.Helper()
		levels, err := f.svc.Stock(f.ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range levels {
			if l.ProductID == productID {
				return l.ValueOre
			}
		}
		t.Fatalf("no stock line for product %d", productID)
		return 0
	}
	if got := value(f.tablet.ID); got != 2*249500 {
		t.Errorf("tablets on the shelf are worth %d øre, want %d", got, 2*249500)
	}
	// 40 strips cost 10×10.00 + 30×13.33 = 499.90 kr.: 12.4975 kr. each, all 40 on hand.
	if got := value(f.strips.ID); got != 49990 {
		t.Errorf("strips are worth %d øre, want 49990", got)
	}
	if drift, err := inventory.CountDrift(f.ctx); err != nil || len(drift) != 0 {
		t.Fatalf("count drift %v, %v", drift, err)
	}
}
