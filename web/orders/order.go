package orders

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	webinventory "github.com/fsc/backoffice/web/inventory"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountOrder registers one order and what may be done with it.
func (h *Handlers) mountOrder(r ui.Router) {
	r.Get("/orders/:id", memberAndStaff, h.orderPage)
	r.Post("/orders/:id/cancel", memberOrLogistics, h.orderCancelSubmit)
	r.Post("/orders/:id/ship", httpx.Logistics, h.orderShipSubmit)
	r.Post("/orders/:id/deliver", httpx.Logistics, h.orderDeliverSubmit)
}

type timelineStep struct {
	Key, State string // State: done, current or todo
	Current    bool   // the order is here (a delivered order's last step is done and current)
	When       string
}

type deviceLine struct {
	Serial   string
	Location inventory.Location
}

type orderLineView struct {
	Product  inventory.Product
	Quantity int64
	Reserved int64
	Devices  []deviceLine
}

type orderView struct {
	O                                    *orders.Order
	MemberName, KitName                  string
	Staff                                bool
	Steps                                []timelineStep
	Lines                                []orderLineView
	Shipment                             *orders.Shipment
	Late                                 bool
	Reserving                            bool // stock is still being held for it: show what is reserved
	CanCancel, CanShip, CanDeliver, Pick bool
	Events                               []eventRow
	Pickups                              []returnRow // pickups of its devices not yet received
}

// eventRow is an entry of the order's history besides its steps: a device it lost.
type eventRow struct {
	At   time.Time
	Text string
}

var timeline = []orders.Status{orders.Backordered, orders.Reserved, orders.Dispatching, orders.Shipped, orders.Delivered}

func (h *Handlers) orderView(ctx context.Context, l i18n.Lang, id int64) (*orderView, error) {
	o, err := h.Orders.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _ := auth.From(ctx)
	names := h.lookups(ctx)
	v := &orderView{O: o, MemberName: names.member(o.MemberID), KitName: names.kit(o.KitID), Staff: p.IsStaff(),
		Late: o.IsLate(civil.Today())}
	if o.ShipmentID != nil {
		if sh, err := h.Orders.GetShipment(ctx, *o.ShipmentID); err == nil {
			v.Shipment = sh
		}
	}
	cur := slices.Index(timeline, o.Status)
	for i, st := range timeline {
		step := timelineStep{Key: string(st), State: "todo"}
		switch {
		case i < cur || (i == cur && st == orders.Delivered):
			step.State = "done"
		case i == cur:
			step.State = "current"
		}
		step.Current = i == cur
		switch {
		case i == 0:
			if cur > 0 || o.Status == orders.Cancelled {
				step.Key = "placed" // it may never have waited for stock
			}
			step.When = i18n.Date(&o.CreatedAt)
		case st == orders.Shipped && v.Shipment != nil && cur >= i:
			step.When = i18n.Date(v.Shipment.BookedAt)
		case st == orders.Delivered && v.Shipment != nil && cur >= i:
			step.When = i18n.Date(v.Shipment.DeliveredAt)
		}
		v.Steps = append(v.Steps, step)
	}
	// Where a device sits matters to the warehouse only until it has left.
	onShelf := o.Status == orders.Backordered || o.Status == orders.Reserved || o.Status == orders.Dispatching
	v.Reserving = o.Status == orders.Backordered || o.Status == orders.Reserved
	for _, l := range o.Lines {
		lv := orderLineView{Product: names.product(l.ProductID), Quantity: l.Quantity, Reserved: l.ReservedQuantity}
		for _, did := range l.DeviceIDs {
			d, err := h.Inventory.GetDevice(ctx, did)
			if err != nil {
				continue
			}
			dl := deviceLine{Serial: d.Serial}
			if p.IsStaff() && onShelf {
				dl.Location = names.location(d.LocationID)
			}
			lv.Devices = append(lv.Devices, dl)
		}
		v.Lines = append(v.Lines, lv)
	}
	evs, err := h.Orders.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		v.Events = append(v.Events, eventRow{At: e.At, Text: eventText(l, e, names.member)})
	}
	if o.Status == orders.Delivered {
		rs, err := h.Orders.OrderPickups(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			v.Pickups = append(v.Pickups, pickupRow(r))
		}
	}
	may := o.ActionsFor(p)
	v.CanCancel, v.CanShip, v.CanDeliver = may.Cancel, may.Ship, may.Deliver
	v.Pick = (o.Status == orders.Reserved || o.Status == orders.Dispatching) && (p.Role == auth.RoleLogistics || p.Role == auth.RoleAdmin)
	return v, nil
}

// eventText says entry e in l; one written before entries had their parts, as it was
// written.
func eventText(l i18n.Lang, e orders.OrderEvent, member func(int64) string) string {
	if e.Kind != orders.EventDeviceTaken || e.Outcome == "" {
		return e.Message
	}
	name := func(id *int64) string {
		if id == nil {
			return ""
		}
		return member(*id)
	}
	return l.T("ord.event.device_taken", e.Serial, webinventory.SayWhy(l, e.Why(), name), l.T("ord.outcome."+e.Outcome))
}

func (h *Handlers) renderOrder(c *fiber.Ctx, id int64, formErr error) error {
	v, err := h.orderView(c.UserContext(), ui.Lang(c), id)
	if err != nil {
		return err
	}
	return h.UI.RenderError(c, "ord_order", "ord.order.title", v, formErr)
}

func (h *Handlers) orderPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.renderOrder(c, id, nil)
}

// orderAction runs an action on the order of the :id parameter; on success it shows the
// order with flashKey, when the order's state refuses it the order with refusedKey.
func (h *Handlers) orderAction(c *fiber.Ctx, act func(context.Context, int64) (*orders.Order, error), flashKey, refusedKey string) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := act(c.UserContext(), id); err != nil {
		if apperr.Is(err, apperr.KindConflict) {
			return h.renderOrder(c, id, conflictText(ui.Lang(c), refusedKey))
		}
		return err
	}
	ui.Flash(c, flashKey)
	return c.Redirect(fmt.Sprintf("/orders/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) orderCancelSubmit(c *fiber.Ctx) error {
	return h.orderAction(c, h.Orders.Cancel, "ord.flash.cancelled", "ord.refused.cancel")
}

func (h *Handlers) orderShipSubmit(c *fiber.Ctx) error {
	return h.orderAction(c, h.Orders.Ship, "ord.flash.shipped", "ord.refused.ship")
}

func (h *Handlers) orderDeliverSubmit(c *fiber.Ctx) error {
	return h.orderAction(c, h.Orders.Deliver, "ord.flash.delivered", "ord.refused.deliver")
}

// conflictText is the alert for a refused action: the page's own words, not the
// service's English.
func conflictText(l i18n.Lang, key string) error {
	return &apperr.Error{Kind: apperr.KindConflict, Msg: l.T(key)}
}
