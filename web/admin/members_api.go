package admin

import (
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// mountMembersAPI registers the member endpoints.
func (h *Handlers) mountMembersAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/members", Summary: "Register a member (municipality or region)",
		Roles: httpx.Admins, Body: contracts.NewMember{}, Resp: contracts.Member{}, Status: 201, Handler: h.apiCreateMember})
	api.Handle(httpx.Route{Method: "GET", Path: "/members", Summary: "List members; a member user sees only its own",
		Query: []string{"kind", "q", "limit", "cursor"}, Roles: httpx.AnyUser, Resp: httpx.List[contracts.Member]{}, Handler: h.apiListMembers})
	api.Handle(httpx.Route{Method: "GET", Path: "/members/:id", Summary: "One member",
		Roles: httpx.AnyUser, Resp: contracts.Member{}, Handler: h.apiGetMember})
	api.Handle(httpx.Route{Method: "PATCH", Path: "/members/:id", Summary: "Change a member's name, kind, EAN or figures",
		Roles: httpx.Staff, Body: contracts.MemberPatch{}, Resp: contracts.Member{}, Handler: h.apiUpdateMember})
}

func (h *Handlers) apiCreateMember(c *fiber.Ctx) error {
	var in contracts.NewMember
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	m, err := h.Contracts.CreateMember(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, m)
}

func (h *Handlers) apiListMembers(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	f := contracts.MemberFilter{Kind: c.Query("kind"), Query: c.Query("q"), After: p.After, Limit: p.Limit}
	if f.Kind != "" && f.Kind != contracts.KindMunicipality && f.Kind != contracts.KindRegion {
		return apperr.Invalid(apperr.Field("kind", apperr.OneOf, "must be one of %s", "municipality, region"))
	}
	ms, next, err := h.Contracts.ListMembers(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ms, next))
}

func (h *Handlers) apiGetMember(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *Handlers) apiUpdateMember(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in contracts.MemberPatch
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	m, err := h.Contracts.UpdateMember(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(m)
}
