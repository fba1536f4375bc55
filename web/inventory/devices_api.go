package inventory

import (
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountDevicesAPI registers the device list, one device, its history and its moves.
func (h *Handlers) mountDevicesAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/devices", Summary: "List devices; a member user sees those deployed for it",
		Query: []string{"serial", "state", "product_id", "member_id", "location_id", "limit", "cursor"},
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Device]{}, Handler: h.apiListDevices})
	api.Handle(httpx.Route{Method: "GET", Path: "/devices/:id", Summary: "One device",
		Roles: httpx.AnyUser, Resp: inventory.Device{}, Handler: h.apiGetDevice})
	api.Handle(httpx.Route{Method: "GET", Path: "/devices/:id/events", Summary: "A device's history, oldest first",
		Roles: httpx.AnyUser, Resp: httpx.List[inventory.Event]{}, Handler: h.apiDeviceEvents})
	api.Handle(httpx.Route{Method: "POST", Path: "/devices/:id/transition", Summary: "A manual lifecycle step; illegal moves answer 409",
		Roles: httpx.Logistics, Body: inventory.TransitionRequest{}, Resp: inventory.Device{}, Handler: h.apiTransitionDevice})
	api.Handle(httpx.Route{Method: "POST", Path: "/devices/:id/transfer", Summary: "Move a deployed device to another member's citizen",
		Roles: httpx.Logistics, Body: inventory.TransferRequest{}, Resp: inventory.Device{}, Handler: h.apiTransferDevice})
}

// deviceFilter reads the filters of a device list.
func deviceFilter(c *fiber.Ctx) (inventory.DeviceFilter, error) {
	p, err := httpx.PageParams(c)
	if err != nil {
		return inventory.DeviceFilter{}, err
	}
	var fe apperr.Fields
	f := inventory.DeviceFilter{Serial: c.Query("serial"), State: inventory.State(c.Query("state")),
		ProductID: httpx.Int64Query(c, "product_id", &fe), MemberID: httpx.Int64Query(c, "member_id", &fe),
		LocationID: httpx.Int64Query(c, "location_id", &fe), After: p.After, Limit: p.Limit}
	return f, fe.Err()
}

func (h *Handlers) apiListDevices(c *fiber.Ctx) error {
	f, err := deviceFilter(c)
	if err != nil {
		return err
	}
	ds, next, err := h.Inventory.ListDevices(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ds, next))
}

func (h *Handlers) apiGetDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.Inventory.GetDevice(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiDeviceEvents(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	es, err := h.Inventory.Events(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": httpx.NonNil(es)})
}

func (h *Handlers) apiTransitionDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransitionRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	d, err := h.Inventory.Transition(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiTransferDevice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in inventory.TransferRequest
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	d, err := h.Inventory.Transfer(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}
