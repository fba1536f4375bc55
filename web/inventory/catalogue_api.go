package inventory

import (
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountCatalogueAPI registers the locations and the catalogue of products.
func (h *Handlers) mountCatalogueAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/locations", Summary: "Add a warehouse or a member's stock room",
		Roles: adminsLogistics, Body: inventory.NewLocation{}, Resp: inventory.Location{}, Status: 201, Handler: h.apiCreateLocation})
	api.Handle(httpx.Route{Method: "GET", Path: "/locations", Summary: "List locations",
		Roles: httpx.Staff, Resp: httpx.List[inventory.Location]{}, Handler: h.apiListLocations})
	api.Handle(httpx.Route{Method: "POST", Path: "/products", Summary: "Add a catalogue item",
		Roles: adminsLogistics, Body: inventory.NewProduct{}, Resp: inventory.Product{}, Status: 201, Handler: h.apiCreateProduct})
	api.Handle(httpx.Route{Method: "GET", Path: "/products", Summary: "The catalogue",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Product]{}, Handler: h.apiListProducts})
	api.Handle(httpx.Route{Method: "GET", Path: "/products/:id", Summary: "One product",
		Roles: httpx.AnyUser, Resp: inventory.Product{}, Handler: h.apiGetProduct})
}

func (h *Handlers) apiCreateLocation(c *fiber.Ctx) error {
	var in inventory.NewLocation
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	l, err := h.Inventory.CreateLocation(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, l)
}

func (h *Handlers) apiListLocations(c *fiber.Ctx) error {
	ls, err := h.Inventory.ListLocations(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ls, 0))
}

func (h *Handlers) apiCreateProduct(c *fiber.Ctx) error {
	var in inventory.NewProduct
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Inventory.CreateProduct(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (h *Handlers) apiListProducts(c *fiber.Ctx) error {
	ps, err := h.Inventory.ListProducts(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ps, 0))
}

func (h *Handlers) apiGetProduct(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.Inventory.GetProduct(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
