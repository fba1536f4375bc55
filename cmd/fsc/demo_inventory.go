package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
)

var demoProducts = []inventory.NewProduct{
	{SKU: "TAB-SAM-A9", Name: "Tablet Samsung Galaxy Tab A9", Category: "tablet", Tracking: inventory.TrackSerial, ReorderLevel: 20, SubstitutionGroup: "tablet"},
	{SKU: "TAB-LEN-M10", Name: "Tablet Lenovo Tab M10", Category: "tablet", Tracking: inventory.TrackSerial, ReorderLevel: 25, SubstitutionGroup: "tablet"},
	{SKU: "OXI-NONIN-3230", Name: "Pulsoximeter Nonin 3230", Category: "pulse oximeter", Tracking: inventory.TrackSerial, ReorderLevel: 15},
	{SKU: "BP-AND-UA651", Name: "Blodtryksmåler A&D UA-651BLE", Category: "blood pressure monitor", Tracking: inventory.TrackSerial, ReorderLevel: 15},
	{SKU: "SCALE-AND-UC352", Name: "Personvægt A&D UC-352BLE", Category: "scale", Tracking: inventory.TrackSerial, ReorderLevel: 10},
	{SKU: "DISP-EVONDOS-E300", Name: "Medicindispenser Evondos E300", Category: "medicine dispenser", Tracking: inventory.TrackSerial, ReorderLevel: 8},
	{SKU: "CONS-BATT-AA", Name: "Batterier AA (4 stk.)", Category: "consumable", Tracking: inventory.TrackQuantity, ReorderLevel: 200},
	{SKU: "CONS-DISP-ROLL", Name: "Doseringsposer, rulle", Category: "consumable", Tracking: inventory.TrackQuantity, ReorderLevel: 100},
	{SKU: "STOMA-BAG-50", Name: "Stomiposer, æske á 50", Category: "stoma", Tracking: inventory.TrackQuantity, ReorderLevel: 60},
}

// demoInventory adds the catalogue, two warehouses and a few hundred devices in various
// states; members for deployed devices are the two demo members.
func demoInventory(ctx context.Context, a *app, byCode map[string]int64) error {
	logistics := auth.WithPrincipal(ctx, auth.Principal{Name: "demo", Role: auth.RoleLogistics})
	var n int64
	if err := db.Conn(ctx).Table("products").Count(&n).Error; err != nil || n > 0 {
		return err
	}
	inv := a.Inventory
	var products []*inventory.Product
	for _, p := range demoProducts {
		pr, err := inv.CreateProduct(logistics, p)
		if err != nil {
			return fmt.Errorf("demo product %s: %w", p.SKU, err)
		}
		products = append(products, pr)
	}
	aar, err := inv.CreateLocation(logistics, inventory.NewLocation{Code: "AAR-CENTRAL", Name: "Centrallager Aarhus"})
	if err != nil {
		return err
	}
	her, err := inv.CreateLocation(logistics, inventory.NewLocation{Code: "HER-LAGER", Name: "Lager Herning"})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	counts := []int{90, 25, 70, 60, 40, 30}
	var devices []int64
	for i, pr := range products {
		if pr.Tracking == inventory.TrackQuantity {
			qty := int64(150 + rng.IntN(300))
			loc := aar.ID
			if i%2 == 1 {
				loc = her.ID
			}
			if _, err := inv.CreateReceipt(logistics, inventory.NewReceipt{LocationID: loc, Reference: "PO-2026-" + pr.SKU,
				Lines: []inventory.NewReceiptLine{{ProductID: pr.ID, Quantity: &qty, UnitCostOre: int64(2000 + rng.IntN(8000))}}}); err != nil {
				return err
			}
			continue
		}
		serials := make([]string, counts[i])
		for j := range serials {
			serials[j] = fmt.Sprintf("%s-%06d", pr.SKU[:3], 100000+i*1000+j)
		}
		loc := aar.ID
		if i%3 == 2 {
			loc = her.ID
		}
		r, err := inv.CreateReceipt(logistics, inventory.NewReceipt{LocationID: loc, Reference: "PO-2026-" + pr.SKU,
			Lines: []inventory.NewReceiptLine{{ProductID: pr.ID, Serials: serials, UnitCostOre: int64(50000 + rng.IntN(300000))}}})
		if err != nil {
			return fmt.Errorf("demo receipt %s: %w", pr.SKU, err)
		}
		devices = append(devices, r.Lines[0].DeviceIDs...)
	}
	return demoLifecycles(logistics, inv, devices, []int64{byCode["751"], byCode["657"]}, rng)
}

// demoLifecycles sends about half the devices out to citizens and some on through
// returns, cleaning and repair, so most states have examples with a history. Reserved
// and in-transit devices belong to orders, which the orders demo adds.
func demoLifecycles(ctx context.Context, inv *inventory.Service, ids []int64, members []int64, rng *rand.Rand) error {
	paths := [][]inventory.State{
		{inventory.Reserved, inventory.InTransit, inventory.Deployed},
		{inventory.Reserved, inventory.InTransit, inventory.Deployed},
		{inventory.Reserved, inventory.InTransit, inventory.Deployed},
		{inventory.Reserved, inventory.InTransit, inventory.Deployed, inventory.Returning},
		{inventory.Reserved, inventory.InTransit, inventory.Deployed, inventory.Returning, inventory.Cleaning},
		{inventory.Reserved, inventory.InTransit, inventory.Deployed, inventory.Returning, inventory.Cleaning, inventory.Available},
		{inventory.Repair},
		{inventory.Scrapped},
	}
	for i, id := range ids {
		if i%2 == 0 {
			continue // half stay on the shelf
		}
		path := paths[rng.IntN(len(paths))]
		m := members[rng.IntN(len(members))]
		ref := fmt.Sprintf("BORGER-%04d", rng.IntN(10000))
		for _, to := range path {
			c := inventory.Change{Reason: "demo"}
			switch to {
			case inventory.InTransit:
				c.MemberID, c.CitizenRef = &m, &ref
			case inventory.Available:
				c.ClearHolder = true
			}
			if to == inventory.Repair || to == inventory.Scrapped {
				if _, err := inv.Transition(ctx, id, inventory.TransitionRequest{To: to, Reason: "demo: defect found at intake"}); err != nil {
					return err
				}
				continue
			}
			if _, err := inv.Move(ctx, []int64{id}, to, c); err != nil {
				return err
			}
		}
	}
	return nil
}
