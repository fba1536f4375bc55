package inventory

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountRecallsAPI registers the recalls.
func (h *Handlers) mountRecallsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/recalls", Summary: "Recall devices of a product by a list of serials or a serial range",
		Roles: adminsLogistics, Body: inventory.NewRecall{}, Resp: inventory.Recall{}, Status: 201, Handler: h.apiCreateRecall})
	api.Handle(httpx.Route{Method: "GET", Path: "/recalls", Summary: "List recalls, newest first",
		Roles: httpx.Staff, Resp: httpx.List[inventory.Recall]{}, Handler: h.apiListRecalls})
	api.Handle(httpx.Route{Method: "GET", Path: "/recalls/:id", Summary: "A recall and where each recalled device is: location, or member and citizen",
		Roles: httpx.Staff, Resp: inventory.Recall{}, Handler: h.apiGetRecall})
}

func (h *Handlers) apiCreateRecall(c *fiber.Ctx) error {
	var in inventory.NewRecall
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := h.Inventory.CreateRecall(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

func (h *Handlers) apiListRecalls(c *fiber.Ctx) error {
	rs, err := h.Inventory.ListRecalls(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(rs, 0))
}

func (h *Handlers) apiGetRecall(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.Inventory.GetRecall(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
