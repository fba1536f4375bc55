package web

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

var (
	memberAndStaff    = []auth.Role{auth.RoleAdmin, auth.RoleLogistics, auth.RoleSupport, auth.RoleFinance, auth.RoleMember}
	orderPlacers      = []auth.Role{auth.RoleMember, auth.RoleLogistics, auth.RoleAdmin}
	memberOrLogistics = []auth.Role{auth.RoleMember, auth.RoleLogistics}
)

// shipAnswer is the 202 of POST /orders/{id}/ship.
type shipAnswer struct {
	ID         int64         `json:"id"`
	Status     orders.Status `json:"status"`
	ShipmentID *int64        `json:"shipment_id"`
}

func (s *Server) mountOrdersAPI() {
	s.api.Handle(httpx.Route{Method: "POST", Path: "/orders", Summary: "Order a kit or products for a citizen; reserved at once or backordered (Idempotency-Key honoured)",
		Roles: orderPlacers, Body: orders.NewOrder{}, Resp: orders.Order{}, Status: 201, Handler: s.apiPlaceOrder})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/orders", Summary: "List orders, newest first; a member user sees its own",
		Query: []string{"status", "member_id", "limit", "cursor"}, Roles: memberAndStaff, Resp: httpx.List[orders.Order]{}, Handler: s.apiListOrders})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/orders/:id", Summary: "One order with its lines and reserved devices",
		Roles: memberAndStaff, Resp: orders.Order{}, Handler: s.apiGetOrder})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/cancel", Summary: "Cancel an order not yet shipped; releases its reservations",
		Roles: memberOrLogistics, Resp: orders.Order{}, Handler: s.apiCancelOrder})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/ship", Summary: "Dispatch a reserved order; a background job books the carrier",
		Roles: httpx.Logistics, Resp: shipAnswer{}, Status: 202, Handler: s.apiShipOrder})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/orders/:id/deliver", Summary: "Mark a shipped order delivered when the carrier reports none",
		Roles: httpx.Logistics, Resp: orders.Order{}, Handler: s.apiDeliverOrder})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/shipments/:id", Summary: "One shipment; a member user sees its own",
		Roles: memberAndStaff, Resp: orders.Shipment{}, Handler: s.apiGetShipment})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/carrier/events", Summary: "Carrier webhook, signed with X-Carrier-Signature (HMAC-SHA256 of the body)",
		Roles: httpx.Public, Body: orders.CarrierEvent{}, Raw: true, Handler: s.apiCarrierEvent})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/returns", Summary: "Request a pickup of devices at a member's citizens (Idempotency-Key honoured)",
		Roles: memberOrLogistics, Body: orders.NewReturn{}, Resp: orders.Return{}, Status: 201, Handler: s.apiRequestReturn})
	s.api.Handle(httpx.Route{Method: "GET", Path: "/returns/:id", Summary: "One return",
		Roles: memberAndStaff, Resp: orders.Return{}, Handler: s.apiGetReturn})
	s.api.Handle(httpx.Route{Method: "POST", Path: "/returns/:id/receive", Summary: "Receive returned devices into cleaning by their serials",
		Roles: httpx.Logistics, Body: orders.ReceiveRequest{}, Resp: orders.ReturnReceipt{}, Handler: s.apiReceiveReturn})
}

func (s *Server) apiPlaceOrder(c *fiber.Ctx) error {
	var in orders.NewOrder
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.Place(c.UserContext(), in, c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	return httpx.Created(c, o)
}

func (s *Server) apiListOrders(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := orders.Filter{Status: orders.Status(c.Query("status")), MemberID: httpx.Int64Query(c, "member_id", &fe), After: p.After, Limit: p.Limit}
	if err := fe.Err(); err != nil {
		return err
	}
	os, next, err := s.Orders.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(os, next))
}

// withOrder runs fn on the order named by the :id parameter.
func (s *Server) withOrder(c *fiber.Ctx, fn func(id int64) (*orders.Order, error)) error {
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

func (s *Server) apiGetOrder(c *fiber.Ctx) error {
	return s.withOrder(c, func(id int64) (*orders.Order, error) { return s.Orders.Get(c.UserContext(), id) })
}

func (s *Server) apiCancelOrder(c *fiber.Ctx) error {
	return s.withOrder(c, func(id int64) (*orders.Order, error) { return s.Orders.Cancel(c.UserContext(), id) })
}

func (s *Server) apiDeliverOrder(c *fiber.Ctx) error {
	return s.withOrder(c, func(id int64) (*orders.Order, error) { return s.Orders.Deliver(c.UserContext(), id) })
}

func (s *Server) apiShipOrder(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Orders.Ship(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(shipAnswer{ID: o.ID, Status: o.Status, ShipmentID: o.ShipmentID})
}

func (s *Server) apiGetShipment(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	sh, err := s.Orders.GetShipment(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

// apiCarrierEvent checks the signature over the raw body before reading it.
func (s *Server) apiCarrierEvent(c *fiber.Ctx) error {
	body := c.Body()
	if err := orders.VerifySignature(s.CarrierSecret, c.Get("X-Carrier-Signature"), body); err != nil {
		return err
	}
	e, err := orders.ParseCarrierEvent(body)
	if err != nil {
		return err
	}
	changed, err := s.Orders.HandleCarrierEvent(c.UserContext(), e)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "ok", "changed": changed})
}

func (s *Server) apiRequestReturn(c *fiber.Ctx) error {
	var in orders.NewReturn
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := s.Orders.RequestReturn(c.UserContext(), in, c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

func (s *Server) apiGetReturn(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Orders.GetReturn(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) apiReceiveReturn(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in orders.ReceiveRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := s.Orders.ReceiveReturn(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
