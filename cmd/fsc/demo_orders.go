package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/hibiken/asynq"
)

// demoKits adds a kit per scheme from the demo catalogue.
func demoKits(ctx context.Context, a *app) (map[string]int64, error) {
	logistics := auth.WithPrincipal(ctx, auth.Principal{Name: "demo", Role: auth.RoleLogistics})
	sku := map[string]int64{}
	var ps []inventory.Product
	if err := db.Conn(ctx).Find(&ps).Error; err != nil {
		return nil, err
	}
	for _, p := range ps {
		sku[p.SKU] = p.ID
	}
	scheme := map[string]int64{}
	var scs []struct {
		ID   int64
		Code string
	}
	if err := db.Conn(ctx).Table("schemes").Find(&scs).Error; err != nil {
		return nil, err
	}
	for _, s := range scs {
		scheme[s.Code] = s.ID
	}
	kits := []inventory.NewKit{
		{Code: "KOL-KIT", Name: "KOL-kit (tablet, pulsoximeter, blodtryksmåler, vægt)", SchemeID: scheme["copd"], Components: []inventory.NewKitComponent{
			{ProductID: sku["TAB-SAM-A9"], Quantity: 1}, {ProductID: sku["OXI-NONIN-3230"], Quantity: 1},
			{ProductID: sku["BP-AND-UA651"], Quantity: 1}, {ProductID: sku["SCALE-AND-UC352"], Quantity: 1},
			{ProductID: sku["CONS-BATT-AA"], Quantity: 2}}},
		{Code: "MED-KIT", Name: "Medicinpåmindelse (dispenser og poser)", SchemeID: scheme["medicine"], Components: []inventory.NewKitComponent{
			{ProductID: sku["DISP-EVONDOS-E300"], Quantity: 1}, {ProductID: sku["CONS-DISP-ROLL"], Quantity: 4}}},
		{Code: "STOMA-KIT", Name: "Stomiposer, kvartalsforbrug", SchemeID: scheme["stoma"], Components: []inventory.NewKitComponent{
			{ProductID: sku["STOMA-BAG-50"], Quantity: 3}}},
	}
	out := map[string]int64{}
	for _, k := range kits {
		var have []struct{ ID int64 }
		if err := db.Conn(ctx).Table("kits").Where("code = ?", k.Code).Limit(1).Find(&have).Error; err != nil {
			return nil, err
		}
		if len(have) > 0 {
			out[k.Code] = have[0].ID
			continue
		}
		got, err := a.Inventory.CreateKit(logistics, k)
		if err != nil {
			return nil, fmt.Errorf("demo kit %s: %w", k.Code, err)
		}
		out[k.Code] = got.ID
	}
	return out, nil
}

// demoOrders places orders of the two demo members and takes them through every
// status: reserved, backordered, dispatching to shipped, delivered, cancelled, and a
// pickup of a delivered kit.
func demoOrders(ctx context.Context, a *app, kits map[string]int64, byCode map[string]int64) error {
	logistics := auth.WithPrincipal(ctx, auth.Principal{Name: "demo", Role: auth.RoleLogistics})
	streets := []string{"Søndergade 12", "Vestergade 4, 2. tv.", "Skovvej 33", "Bakkedraget 7", "Havnegade 2", "Kirkevej 19"}
	place := func(i int, member string, kit string) (*orders.Order, error) {
		k := kits[kit]
		in := orders.NewOrder{MemberID: byCode[member], KitID: &k, CitizenRef: fmt.Sprintf("%s-BORGER-%03d", member, 100+i),
			Delivery: &orders.Address{Name: fmt.Sprintf("Borger %d", i), Street: streets[i%len(streets)], Postcode: map[string]string{"751": "8000", "657": "7400"}[member],
				City: map[string]string{"751": "Aarhus C", "657": "Herning"}[member], Phone: "+45 20 30 40 50"},
			Note: "Ring på forhånd; borgeren hører dårligt."}
		return a.Orders.Place(logistics, in, "")
	}
	ship := func(o *orders.Order) error {
		o, err := a.Orders.Ship(logistics, o.ID)
		if err != nil {
			return err
		}
		payload, _ := json.Marshal(orders.BookPayload{ShipmentID: *o.ShipmentID})
		return a.Orders.HandleBookShipment(ctx, asynq.NewTask(orders.TypeBookShipment, payload))
	}
	for i := 0; i < 12; i++ {
		member := []string{"751", "657"}[i%2]
		kit := []string{"KOL-KIT", "KOL-KIT", "MED-KIT"}[i%3]
		if member == "657" && kit == "MED-KIT" {
			kit = "KOL-KIT"
		}
		o, err := place(i, member, kit)
		if err != nil {
			return fmt.Errorf("demo order %d: %w", i, err)
		}
		switch i % 6 {
		case 0, 1: // delivered
			if err := ship(o); err != nil {
				return err
			}
			if _, err := a.Orders.Deliver(logistics, o.ID); err != nil {
				return err
			}
			if i == 1 {
				if err := demoReturn(logistics, a, o); err != nil {
					return err
				}
			}
		case 2: // shipped
			if err := ship(o); err != nil {
				return err
			}
		case 3: // cancelled
			if _, err := a.Orders.Cancel(logistics, o.ID); err != nil {
				return err
			}
		}
		// 4 and 5 stay reserved, or backordered when stock ran short.
	}
	// A large order that the stock cannot cover stays backordered.
	var p struct{ ID int64 }
	db.Conn(ctx).Table("products").Where("sku = ?", "DISP-EVONDOS-E300").Take(&p)
	in := orders.NewOrder{MemberID: byCode["751"], Lines: []orders.NewLine{{ProductID: p.ID, Quantity: 40}}, CitizenRef: demoMarker,
		Delivery: &orders.Address{Name: "Plejecenter Solbakken", Street: "Solbakken 1", Postcode: "8210", City: "Aarhus V"}}
	_, err := a.Orders.Place(logistics, in, "")
	return err
}

func demoReturn(ctx context.Context, a *app, o *orders.Order) error {
	var ids []int64
	for _, l := range o.Lines {
		ids = append(ids, l.DeviceIDs...)
	}
	if len(ids) == 0 {
		return nil
	}
	in := orders.NewReturn{MemberID: o.MemberID, DeviceIDs: ids[:1], Reason: "not_needed", Pickup: &o.Delivery}
	_, err := a.Orders.RequestReturn(ctx, in, "")
	return err
}
