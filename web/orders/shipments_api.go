package orders

import (
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountShipmentsAPI registers one shipment and the carrier's webhook.
func (h *Handlers) mountShipmentsAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "GET", Path: "/shipments/:id", Summary: "One shipment; a member user sees its own",
		Roles: memberAndStaff, Resp: orders.Shipment{}, Handler: h.apiGetShipment})
	api.Handle(httpx.Route{Method: "POST", Path: "/carrier/events", Summary: "Carrier webhook, signed with X-Carrier-Signature (HMAC-SHA256 of the body)",
		Roles: httpx.Public, Body: orders.CarrierEvent{}, Raw: true, Handler: h.apiCarrierEvent})
}

func (h *Handlers) apiGetShipment(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	sh, err := h.Orders.GetShipment(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

// apiCarrierEvent checks the signature over the raw body before reading it.
func (h *Handlers) apiCarrierEvent(c *fiber.Ctx) error {
	body := c.Body()
	if err := orders.VerifySignature(h.CarrierSecret, c.Get("X-Carrier-Signature"), body); err != nil {
		return err
	}
	e, err := orders.ParseCarrierEvent(body)
	if err != nil {
		return err
	}
	changed, err := h.Orders.HandleCarrierEvent(c.UserContext(), e)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "ok", "changed": changed})
}
