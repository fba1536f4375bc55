package admin

import (
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountSchemesAPI registers the scheme and participation endpoints.
func (h *Handlers) mountSchemesAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/schemes", Summary: "Create a scheme",
		Roles: httpx.Admins, Body: contracts.NewScheme{}, Resp: contracts.Scheme{}, Status: 201, Handler: h.apiCreateScheme})
	api.Handle(httpx.Route{Method: "GET", Path: "/schemes", Summary: "List schemes",
		Roles: httpx.AnyUser, Resp: httpx.List[contracts.Scheme]{}, Handler: h.apiListSchemes})
	api.Handle(httpx.Route{Method: "GET", Path: "/schemes/:id", Summary: "One scheme with its participants",
		Roles: httpx.AnyUser, Resp: schemeDetail{}, Handler: h.apiGetScheme})
	api.Handle(httpx.Route{Method: "POST", Path: "/schemes/:id/participants", Summary: "A member joins the scheme for a period",
		Roles: httpx.Admins, Body: contracts.NewParticipation{}, Resp: contracts.Participation{}, Status: 201, Handler: h.apiJoinScheme})
	api.Handle(httpx.Route{Method: "PATCH", Path: "/schemes/:id/participants/:pid", Summary: "Set or clear the day a member leaves the scheme",
		Roles: httpx.Admins, Body: contracts.ParticipationPatch{}, Resp: contracts.Participation{}, Handler: h.apiUpdateParticipation})
}

// schemeDetail always carries the participants list, even when empty.
type schemeDetail struct {
	*contracts.Scheme
	Participants []contracts.Participation `json:"participants"`
}

func (h *Handlers) apiCreateScheme(c *fiber.Ctx) error {
	var in contracts.NewScheme
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	sc, err := h.Contracts.CreateScheme(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, sc)
}

func (h *Handlers) apiListSchemes(c *fiber.Ctx) error {
	scs, err := h.Contracts.ListSchemes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(scs, 0))
}

func (h *Handlers) apiGetScheme(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	sc, err := h.Contracts.GetScheme(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := schemeDetail{Scheme: sc, Participants: sc.Participants}
	if out.Participants == nil {
		out.Participants = []contracts.Participation{}
	}
	return c.JSON(out)
}

func (h *Handlers) apiJoinScheme(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.NewParticipation
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Contracts.Join(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (h *Handlers) apiUpdateParticipation(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	pid, err := httpx.PathID(c, "pid")
	if err != nil {
		return err
	}
	var in contracts.ParticipationPatch
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	p, err := h.Contracts.UpdateParticipation(c.UserContext(), id, pid, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
