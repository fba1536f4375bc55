package inventory

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountStocktakesAPI registers the stocktakes.
func (h *Handlers) mountStocktakesAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes", Summary: "Start a stocktake of a location",
		Roles: httpx.Logistics, Body: inventory.NewStocktake{}, Resp: inventory.Stocktake{}, Status: 201, Handler: h.apiStartStocktake})
	api.Handle(httpx.Route{Method: "GET", Path: "/stocktakes/:id", Summary: "A stocktake with its differences: missing, unexpected, miscounted",
		Roles: httpx.Staff, Resp: inventory.Stocktake{}, Handler: h.apiGetStocktake})
	api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes/:id/counts", Summary: "Add scanned serials and counted quantities to an open stocktake",
		Roles: httpx.Logistics, Body: inventory.StocktakeCount{}, Resp: inventory.Stocktake{}, Handler: h.apiRecordCount})
	api.Handle(httpx.Route{Method: "POST", Path: "/stocktakes/:id/confirm", Summary: "Book a stocktake's differences: missing devices lost, found ones moved here, consumables adjusted",
		Roles: httpx.Logistics, Body: inventory.ConfirmStocktakeRequest{}, Resp: inventory.Stocktake{}, Handler: h.apiConfirmStocktake})
}

func (h *Handlers) apiStartStocktake(c *fiber.Ctx) error {
	var in inventory.NewStocktake
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	st, err := h.Inventory.StartStocktake(c.UserContext(), in.LocationID)
	if err != nil {
		return err
	}
	return httpx.Created(c, st)
}

func (h *Handlers) apiGetStocktake(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	st, err := h.Inventory.GetStocktake(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (h *Handlers) apiRecordCount(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.StocktakeCount
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	st, err := h.Inventory.RecordCount(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (h *Handlers) apiConfirmStocktake(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.ConfirmStocktakeRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	st, err := h.Inventory.ConfirmStocktake(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(st)
}
