package inventory_test

import (
	"math"
	"slices"
	"testing"

	"github.com/fsc/backoffice/inventory"
)

// A unit cost beyond any device (9,223,372,036,854,775,807 øre was accepted) is refused
// with the other problems of the receipt.
func TestReceiptRefusesAbsurdUnitCost(t *testing.T) {
	f := setup(t)
	_, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"C-1"}, UnitCostOre: math.MaxInt64},
		{ProductID: f.tablet.ID, Serials: []string{"C-2"}, UnitCostOre: inventory.MaxUnitCostOre + 1},
		{ProductID: 4242, Serials: []string{"C-3"}},
	}})
	got := fields(err)
	for _, w := range []string{"lines[0].unit_cost_ore", "lines[1].unit_cost_ore", "lines[2].product_id"} {
		if !slices.Contains(got, w) {
			t.Errorf("no error for %s; got %v", w, got)
		}
	}
	if _, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"C-4"}, UnitCostOre: inventory.MaxUnitCostOre}}}); err != nil {
		t.Fatalf("the largest unit cost: %v", err)
	}
}
