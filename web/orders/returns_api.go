package orders

import (
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountReturnsAPI registers requesting, following and receiving returns.
func (h *Handlers) mountReturnsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/returns", Summary: "Request a pickup of devices at a member's citizens (Idempotency-Key honoured)",
		Roles: memberOrLogistics, Body: orders.NewReturn{}, Resp: orders.Return{}, Status: 201, Handler: h.apiRequestReturn})
	api.Handle(httpx.Route{Method: "GET", Path: "/returns/:id", Summary: "One return",
		Roles: memberAndStaff, Resp: orders.Return{}, Handler: h.apiGetReturn})
	api.Handle(httpx.Route{Method: "POST", Path: "/returns/:id/receive", Summary: "Receive returned devices into cleaning by their serials",
		Roles: httpx.Logistics, Body: orders.ReceiveRequest{}, Resp: orders.ReturnReceipt{}, Handler: h.apiReceiveReturn})
}

func (h *Handlers) apiRequestReturn(c *fiber.Ctx) error {
	var in orders.NewReturn
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := h.Orders.RequestReturn(c.UserContext(), in, c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

func (h *Handlers) apiGetReturn(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.Orders.GetReturn(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (h *Handlers) apiReceiveReturn(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in orders.ReceiveRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := h.Orders.ReceiveReturn(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
