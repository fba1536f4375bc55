package contracts

import (
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountVendorsAPI registers the vendor endpoints.
func (h *Handlers) mountVendorsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/vendors", Summary: "Register a vendor; cvr is 8 digits passing the modulus-11 check (422), one already registered is 409",
		Roles: httpx.Admins, Body: contracts.NewVendor{}, Resp: contracts.Vendor{}, Status: 201, Handler: h.apiCreateVendor})
	api.Handle(httpx.Route{Method: "GET", Path: "/vendors", Summary: "List vendors; a vendor user sees only its own",
		Query: []string{"q", "limit", "cursor"}, Roles: vendorReaders, Resp: httpx.List[contracts.Vendor]{}, Handler: h.apiListVendors})
	api.Handle(httpx.Route{Method: "GET", Path: "/vendors/:id", Summary: "One vendor (a vendor user: only its own, else 404)",
		Roles: vendorReaders, Resp: contracts.Vendor{}, Handler: h.apiGetVendor})
	api.Handle(httpx.Route{Method: "PATCH", Path: "/vendors/:id", Summary: "Change a vendor; a vendor user only its own e-mail, phone and contact",
		Roles: vendorReaders, Body: contracts.VendorPatch{}, Resp: contracts.Vendor{}, Handler: h.apiUpdateVendor})
}

func (h *Handlers) apiCreateVendor(c *fiber.Ctx) error {
	var in contracts.NewVendor
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	v, err := h.Contracts.CreateVendor(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, v)
}

func (h *Handlers) apiListVendors(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	f := contracts.VendorFilter{Query: c.Query("q"), After: p.After, Limit: p.Limit}
	if len(f.Query) > 200 {
		return tooLong("q", 200)
	}
	vs, next, err := h.Contracts.ListVendors(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(vs, next))
}

func (h *Handlers) apiGetVendor(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.Contracts.GetVendor(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h *Handlers) apiUpdateVendor(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.VendorPatch
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	v, err := h.Contracts.UpdateVendor(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
