package inventory

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountStockAPI registers the stock levels.
func (h *Handlers) mountStockAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/stock", Summary: "Stock per product, optionally at one location",
		Query: []string{"location_id"}, Roles: httpx.Staff, Resp: httpx.List[inventory.StockLevel]{}, Handler: h.apiStock})
}

func (h *Handlers) apiStock(c *fiber.Ctx) error {
	var fe apperr.Fields
	loc := httpx.Int64Query(c, "location_id", &fe)
	if err := fe.Err(); err != nil {
		return err
	}
	rows, err := h.Inventory.Stock(c.UserContext(), loc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": httpx.NonNil(rows)})
}
