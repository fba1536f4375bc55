package inventory

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountReceiptsAPI registers the receipts of goods.
func (h *Handlers) mountReceiptsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/receipts", Summary: "Record goods received: all or nothing, every bad row named",
		Roles: httpx.Logistics, Body: inventory.NewReceipt{}, Resp: inventory.Receipt{}, Status: 201, Handler: h.apiCreateReceipt})
}

func (h *Handlers) apiCreateReceipt(c *fiber.Ctx) error {
	var in inventory.NewReceipt
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := h.Inventory.CreateReceipt(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}
