package orders

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountListsAPI registers the lists of shipments and returns that integrations poll.
func (h *Handlers) mountListsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/shipments", Summary: "List shipments, newest first; a member user sees its own",
		Query: []string{"status", "direction", "member_id", "from", "to", "limit", "cursor"},
		Roles: memberAndStaff, Resp: httpx.List[orders.Shipment]{}, Handler: h.apiListShipments})
	api.Handle(httpx.Route{Method: "GET", Path: "/returns", Summary: "List returns, newest first; a member user sees its own",
		Query: []string{"status", "open", "member_id", "from", "to", "limit", "cursor"},
		Roles: memberAndStaff, Resp: httpx.List[orders.Return]{}, Handler: h.apiListReturns})
}

func (h *Handlers) apiListShipments(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := orders.ShipmentFilter{Status: c.Query("status"), Direction: c.Query("direction"),
		MemberID: httpx.Int64Query(c, "member_id", &fe), From: ui.ParseDate(&fe, "from", c.Query("from")), To: ui.ParseDate(&fe, "to", c.Query("to")),
		After: p.After, Limit: p.Limit}
	if err := fe.Err(); err != nil {
		return err
	}
	items, next, err := h.Orders.ListShipments(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(items, next))
}

func (h *Handlers) apiListReturns(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := orders.ReturnFilter{Status: c.Query("status"), MemberID: httpx.Int64Query(c, "member_id", &fe),
		From: ui.ParseDate(&fe, "from", c.Query("from")), To: ui.ParseDate(&fe, "to", c.Query("to")), After: p.After, Limit: p.Limit}
	f.Open = httpx.BoolQuery(c, "open", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	items, next, err := h.Orders.ListReturns(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(items, next))
}
