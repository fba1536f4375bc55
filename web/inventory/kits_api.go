package inventory

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountKitsAPI registers the kits.
func (h *Handlers) mountKitsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/kits", Summary: "Add a kit (a bundle of products) to a scheme",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Status: 201, Handler: h.apiCreateKit})
	api.Handle(httpx.Route{Method: "GET", Path: "/kits", Summary: "List kits; a member user sees those of schemes its member takes part in today",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Kit]{}, Handler: h.apiListKits})
	api.Handle(httpx.Route{Method: "GET", Path: "/kits/:id", Summary: "One kit with its components",
		Roles: httpx.AnyUser, Resp: inventory.Kit{}, Handler: h.apiGetKit})
	api.Handle(httpx.Route{Method: "PUT", Path: "/kits/:id", Summary: "Replace a kit's name and components; code and scheme stay",
		Roles: adminsLogistics, Body: inventory.NewKit{}, Resp: inventory.Kit{}, Handler: h.apiUpdateKit})
}

func (h *Handlers) apiCreateKit(c *fiber.Ctx) error {
	var in inventory.NewKit
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	k, err := h.Inventory.CreateKit(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, k)
}

func (h *Handlers) apiListKits(c *fiber.Ctx) error {
	ks, err := h.Inventory.ListKits(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ks, 0))
}

func (h *Handlers) apiGetKit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	k, err := h.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(k)
}

func (h *Handlers) apiUpdateKit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.NewKit
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	k, err := h.Inventory.UpdateKit(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(k)
}
