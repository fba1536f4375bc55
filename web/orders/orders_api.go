package orders

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// shipAnswer is the 202 of POST /orders/{id}/ship.
type shipAnswer struct {
	ID         int64         `json:"id"`
	Status     orders.Status `json:"status"`
	ShipmentID *int64        `json:"shipment_id"`
}

// mountOrdersAPI registers placing, listing and following orders, and cancelling, shipping and delivering them.
func (h *Handlers) mountOrdersAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/orders", Summary: "Order a kit or products for a citizen; reserved at once or backordered (Idempotency-Key honoured)",
		Roles: orderPlacers, Body: orders.NewOrder{}, Resp: orders.Order{}, Status: 201, Handler: h.apiPlaceOrder})
	api.Handle(httpx.Route{Method: "GET", Path: "/orders", Summary: "List orders, newest first; a member user sees its own",
		Query: []string{"status", "member_id", "q", "sort", "limit", "cursor"}, Roles: memberAndStaff, Resp: httpx.List[orders.Order]{}, Handler: h.apiListOrders})
	api.Handle(httpx.Route{Method: "GET", Path: "/orders/:id", Summary: "One order with its lines and reserved devices",
		Roles: memberAndStaff, Resp: orders.Order{}, Handler: h.apiGetOrder})
	api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/cancel", Summary: "Cancel an order not yet shipped; releases its reservations",
		Roles: memberOrLogistics, Resp: orders.Order{}, Handler: h.apiCancelOrder})
	api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/ship", Summary: "Dispatch a reserved order; a background job books the carrier",
		Roles: httpx.Logistics, Resp: shipAnswer{}, Status: 202, Handler: h.apiShipOrder})
	api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/deliver", Summary: "Mark a shipped order delivered when the carrier reports none",
		Roles: httpx.Logistics, Resp: orders.Order{}, Handler: h.apiDeliverOrder})
}

func (h *Handlers) apiPlaceOrder(c *fiber.Ctx) error {
	var in orders.NewOrder
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.Place(c.UserContext(), in, c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	return httpx.Created(c, o)
}

func (h *Handlers) apiListOrders(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := orders.Filter{Status: orders.Status(c.Query("status")), MemberID: httpx.Int64Query(c, "member_id", &fe),
		Query: c.Query("q"), After: p.After, Limit: p.Limit}
	var ok bool
	if f.Sort, ok = parseSort(c.Query("sort")); !ok {
		fe.Add("sort", apperr.OneOf, "must be one of %s", "newest, oldest, due, due_last")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	os, next, err := h.Orders.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(os, next))
}

// withOrder runs fn on the order named by the :id parameter.
func (h *Handlers) withOrder(c *fiber.Ctx, fn func(id int64) (*orders.Order, error)) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := fn(id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (h *Handlers) apiGetOrder(c *fiber.Ctx) error {
	return h.withOrder(c, func(id int64) (*orders.Order, error) { return h.Orders.Get(c.UserContext(), id) })
}

func (h *Handlers) apiCancelOrder(c *fiber.Ctx) error {
	return h.withOrder(c, func(id int64) (*orders.Order, error) { return h.Orders.Cancel(c.UserContext(), id) })
}

func (h *Handlers) apiDeliverOrder(c *fiber.Ctx) error {
	return h.withOrder(c, func(id int64) (*orders.Order, error) { return h.Orders.Deliver(c.UserContext(), id) })
}

func (h *Handlers) apiShipOrder(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.Orders.Ship(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(shipAnswer{ID: o.ID, Status: o.Status, ShipmentID: o.ShipmentID})
}
