package orders

import (
	"context"
	"sort"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountPickLists registers the pick lists: of one order, and of every reserved order.
func (h *Handlers) mountPickLists(r ui.Router) {
	r.Get("/orders/:id/picklist", warehouseRoles, h.orderPickListPage)
	r.Get("/picklists", warehouseRoles, h.pickListsPage)
}

// pickRow is one thing to take from a shelf: a device by serial, or a quantity.
type pickRow struct {
	OrderID     int64
	OrderNumber string
	Product     inventory.Product
	Location    inventory.Location
	Serial      string
	Quantity    int64
}

type pickGroup struct {
	Location inventory.Location
	Rows     []pickRow
}

type pickOrder struct {
	*orders.Order
	MemberName string
	Items      int64
}

type pickListView struct {
	Orders []pickOrder
	Groups []pickGroup
	Rows   int
	Single bool
	Today  string
}

// pickList groups what the orders hold by location, then product and serial.
func (h *Handlers) pickList(ctx context.Context, os []*orders.Order, devices []inventory.Device) (*pickListView, error) {
	names := h.lookups(ctx)
	v := &pickListView{Today: civil.Today().String(), Orders: make([]pickOrder, len(os))}
	byID := map[int64]*pickOrder{}
	ids := make([]int64, len(os))
	for i, o := range os {
		v.Orders[i] = pickOrder{Order: o, MemberName: names.member(o.MemberID)}
		byID[o.ID], ids[i] = &v.Orders[i], o.ID
	}
	var rows []pickRow
	for _, d := range devices {
		if d.OrderID == nil || byID[*d.OrderID] == nil {
			continue
		}
		po := byID[*d.OrderID]
		rows = append(rows, pickRow{OrderID: po.ID, OrderNumber: po.Number, Product: names.product(d.ProductID),
			Location: names.location(d.LocationID), Serial: d.Serial, Quantity: 1})
		po.Items++
	}
	cons, err := h.Orders.ConsumablePicks(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range cons {
		po := byID[r.OrderID]
		rows = append(rows, pickRow{OrderID: po.ID, OrderNumber: po.Number, Product: names.product(r.ProductID),
			Location: names.location(r.LocationID), Quantity: r.Quantity})
		po.Items += r.Quantity
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Location.Code != b.Location.Code {
			return a.Location.Code < b.Location.Code
		}
		if a.Product.SKU != b.Product.SKU {
			return a.Product.SKU < b.Product.SKU
		}
		if a.Serial != b.Serial {
			return a.Serial < b.Serial
		}
		return a.OrderNumber < b.OrderNumber
	})
	for _, r := range rows {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Location.ID != r.Location.ID {
			v.Groups = append(v.Groups, pickGroup{Location: r.Location})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Rows = append(g.Rows, r)
	}
	v.Rows = len(rows)
	return v, nil
}

func (h *Handlers) orderPickListPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.Orders.Get(ctx, id)
	if err != nil {
		return err
	}
	var ds []inventory.Device
	for _, l := range o.Lines {
		for _, did := range l.DeviceIDs {
			d, err := h.Inventory.GetDevice(ctx, did)
			if err != nil {
				return err
			}
			ds = append(ds, *d)
		}
	}
	v, err := h.pickList(ctx, []*orders.Order{o}, ds)
	if err != nil {
		return err
	}
	v.Single = true
	return h.UI.Render(c, "ord_picklist", "ord.pick.title", v)
}

func (h *Handlers) pickListsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	list, err := httpx.All(func(after int64) ([]orders.Order, int64, error) {
		return h.Orders.List(ctx, orders.Filter{Status: orders.Reserved, After: after, Limit: 500})
	})
	if err != nil {
		return err
	}
	os := make([]*orders.Order, len(list))
	for i := range list {
		os[i] = &list[i]
	}
	// Soonest due first (an order "as soon as possible" is due the day it was placed):
	// that is the order to pack them in.
	sort.SliceStable(os, func(i, j int) bool {
		if di, dj := os[i].DueOn(), os[j].DueOn(); di != dj {
			return di.Before(dj)
		}
		return os[i].ID < os[j].ID
	})
	ds, err := httpx.All(func(after int64) ([]inventory.Device, int64, error) {
		return h.Inventory.ListDevices(ctx, inventory.DeviceFilter{State: inventory.Reserved, After: after, Limit: 500})
	})
	if err != nil {
		return err
	}
	v, err := h.pickList(ctx, os, ds)
	if err != nil {
		return err
	}
	return h.UI.Render(c, "ord_picklist", "ord.picks.title", v)
}
