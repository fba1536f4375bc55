package support

import (
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

func (h *Handlers) apiStatus(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in support.StatusInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	t, err := h.Support.SetStatus(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (h *Handlers) apiEscalate(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in support.EscalateInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	t, err := h.Support.Escalate(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (h *Handlers) apiSwap(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in support.SwapInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	s, err := h.Support.SwapDevice(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, s)
}

func (h *Handlers) apiAlarm(c *fiber.Ctx) error {
	var in support.AlarmInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	in.Serial, in.Kind, in.Message = strings.Clone(in.Serial), strings.Clone(in.Kind), strings.Clone(in.Message)
	res, err := h.Support.RaiseAlarm(c.UserContext(), in)
	if err != nil {
		return err
	}
	if res.Created {
		return httpx.Created(c, res)
	}
	return c.JSON(res)
}

// maxEmail is what POST /email/inbound reads; the service refuses larger messages.
const maxEmail = support.MaxEmailSize

func (h *Handlers) apiEmail(c *fiber.Ctx) error {
	body := c.Body()
	if len(body) > maxEmail {
		return apperr.Invalid(apperr.Field("raw", apperr.TooLarge, "must be at most %d bytes", maxEmail))
	}
	raw := make([]byte, len(body))
	copy(raw, body)
	res, err := h.Support.IngestEmail(c.UserContext(), raw, time.Time{})
	if err != nil {
		return err
	}
	if res.Created && !res.Duplicate {
		return httpx.Created(c, res)
	}
	return c.JSON(res)
}

func (h *Handlers) apiEmailRoutes(c *fiber.Ctx) error {
	rs, err := h.Support.EmailRoutes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.List[support.EmailRoute]{Items: nonNil(rs)})
}

func (h *Handlers) apiAddEmailRoute(c *fiber.Ctx) error {
	var in support.NewEmailRoute
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	r, err := h.Support.AddEmailRoute(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, r)
}

func (h *Handlers) apiDeleteEmailRoute(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Support.DeleteEmailRoute(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handlers) apiPolicies(c *fiber.Ctx) error {
	ps, err := h.Support.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.List[support.Policy]{Items: nonNil(ps)})
}

func (h *Handlers) apiUpdatePolicy(c *fiber.Ctx) error {
	pr := support.Priority(strings.Clone(c.Params("priority")))
	var in support.PolicyInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Support.UpdatePolicy(c.UserContext(), pr, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
