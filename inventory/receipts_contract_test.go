package inventory_test

import (
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
)

// A receipt under a contract costs each line without a unit cost at the contract's
// purchase price in force today; a given unit cost wins; a product the contract has no
// price for is named.
func TestReceiptAtContractPrices(t *testing.T) {
	f := setup(t)
	v, err := f.cs.CreateVendor(f.sys, contracts.NewVendor{Name: "Viewcare A/S", CVR: "29190925"})
	if err != nil {
		t.Fatal(err)
	}
	notice := 3
	c, err := f.cs.CreateContract(f.sys, contracts.NewContract{Number: "K-1", Title: "Tablets", VendorID: v.ID,
		StartsOn: civil.MustParse("2024-01-01"), EndsOn: civil.Today().AddMonths(24), NoticeMonths: &notice})
	if err != nil {
		t.Fatal(err)
	}
	today := civil.Today()
	for _, p := range []struct {
		from civil.Date
		ore  int64
	}{{today.AddDays(-400), 239500}, {today, 249500}, {today.AddDays(1), 259500}} {
		amount := p.ore
		if _, err := f.cs.AddPrice(f.sys, c.ID, contracts.NewPrice{ProductID: &f.tablet.ID, Kind: contracts.PricePurchase, AmountOre: &amount, ValidFrom: p.from}); err != nil {
			t.Fatal(err)
		}
	}
	q := int64(40)
	r, err := f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, ContractID: &c.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"T-1", "T-2"}},
		{ProductID: f.strips.ID, Quantity: &q, UnitCostOre: 1250},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.ContractID == nil || *r.ContractID != c.ID || r.Lines[0].UnitCostOre != 249500 || r.Lines[1].UnitCostOre != 1250 {
		t.Fatalf("receipt = %+v", r)
	}
	var costs []int64
	db.Conn(f.ctx).Table("devices").Where("receipt_id = ?", r.ID).Order("serial").Pluck("unit_cost_ore", &costs)
	if len(costs) != 2 || costs[0] != 249500 {
		t.Fatalf("device costs = %v, want the contract price", costs)
	}
	var stored []int64
	db.Conn(f.ctx).Table("receipts").Where("id = ?", r.ID).Pluck("contract_id", &stored)
	if len(stored) != 1 || stored[0] != c.ID {
		t.Fatalf("stored contract_id = %v", stored)
	}
	_, err = f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, ContractID: &c.ID, Lines: []inventory.NewReceiptLine{
		{ProductID: f.strips.ID, Quantity: &q},
	}})
	if got := fields(err); len(got) != 1 || got[0] != "lines[0].unit_cost_ore" {
		t.Fatalf("no contract price: %v", err)
	}
	unknown := c.ID + 9
	_, err = f.svc.CreateReceipt(f.ctx, inventory.NewReceipt{LocationID: f.loc.ID, ContractID: &unknown, Lines: []inventory.NewReceiptLine{
		{ProductID: f.tablet.ID, Serials: []string{"T-3"}},
	}})
	if got := fields(err); len(got) != 1 || got[0] != "contract_id" || !apperr.Is(err, apperr.KindInvalid) {
		t.Fatalf("unknown contract: %v", err)
	}
}

// Wired with inventory as its catalogue, contracts refuses a price for an unknown
// product.
func TestContractPriceOfUnknownProduct(t *testing.T) {
	f := setup(t)
	v, _ := f.cs.CreateVendor(f.sys, contracts.NewVendor{Name: "Viewcare A/S", CVR: "29190925"})
	notice := 3
	c, err := f.cs.CreateContract(f.sys, contracts.NewContract{Number: "K-1", Title: "Tablets", VendorID: v.ID,
		StartsOn: civil.MustParse("2024-01-01"), EndsOn: civil.MustParse("2026-12-31"), NoticeMonths: &notice})
	if err != nil {
		t.Fatal(err)
	}
	amount, unknown := int64(100), f.tablet.ID+f.strips.ID+7
	_, err = f.cs.AddPrice(f.sys, c.ID, contracts.NewPrice{ProductID: &unknown, Kind: contracts.PriceMonthly, AmountOre: &amount, ValidFrom: civil.MustParse("2024-01-01")})
	if got := fields(err); len(got) != 1 || got[0] != "product_id" {
		t.Fatalf("unknown product: %v", err)
	}
}
