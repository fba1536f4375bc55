package web

import (
	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/gofiber/fiber/v2"
)

func (s *Server) mountContractsAPI() {
	s.handle(route{Method: "POST", Path: "/members", Summary: "Register a member (municipality or region)",
		Roles: admins, Body: contracts.NewMember{}, Resp: contracts.Member{}, Status: 201, Handler: s.apiCreateMember})
	s.handle(route{Method: "GET", Path: "/members", Summary: "List members; a member user sees only its own",
		Query: []string{"kind", "q", "limit", "cursor"}, Roles: anyUser, Resp: list[contracts.Member]{}, Handler: s.apiListMembers})
	s.handle(route{Method: "GET", Path: "/members/:id", Summary: "One member",
		Roles: anyUser, Resp: contracts.Member{}, Handler: s.apiGetMember})
	s.handle(route{Method: "PATCH", Path: "/members/:id", Summary: "Change a member's name, kind, EAN or figures",
		Roles: staff, Body: contracts.MemberPatch{}, Resp: contracts.Member{}, Handler: s.apiUpdateMember})
	s.handle(route{Method: "POST", Path: "/schemes", Summary: "Create a scheme",
		Roles: admins, Body: contracts.NewScheme{}, Resp: contracts.Scheme{}, Status: 201, Handler: s.apiCreateScheme})
	s.handle(route{Method: "GET", Path: "/schemes", Summary: "List schemes",
		Roles: anyUser, Resp: list[contracts.Scheme]{}, Handler: s.apiListSchemes})
	s.handle(route{Method: "GET", Path: "/schemes/:id", Summary: "One scheme with its participants",
		Roles: anyUser, Resp: schemeDetail{}, Handler: s.apiGetScheme})
	s.handle(route{Method: "POST", Path: "/schemes/:id/participants", Summary: "A member joins the scheme for a period",
		Roles: admins, Body: contracts.NewParticipation{}, Resp: contracts.Participation{}, Status: 201, Handler: s.apiJoinScheme})
	s.handle(route{Method: "PATCH", Path: "/schemes/:id/participants/:pid", Summary: "Set or clear the day a member leaves the scheme",
		Roles: admins, Body: contracts.ParticipationPatch{}, Resp: contracts.Participation{}, Handler: s.apiUpdateParticipation})
}

// schemeDetail always carries the participants list, even when empty.
type schemeDetail struct {
	*contracts.Scheme
	Participants []contracts.Participation `json:"participants"`
}

func (s *Server) apiCreateMember(c *fiber.Ctx) error {
	var in contracts.NewMember
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := s.Contracts.CreateMember(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, m)
}

func (s *Server) apiListMembers(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := contracts.MemberFilter{Kind: c.Query("kind"), Query: c.Query("q"), After: p.After, Limit: p.Limit}
	if f.Kind != "" && f.Kind != contracts.KindMunicipality && f.Kind != contracts.KindRegion {
		return apperr.Invalid(apperr.Field("kind", apperr.OneOf, "must be one of %s", "municipality, region"))
	}
	ms, next, err := s.Contracts.ListMembers(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(listOf(ms, next))
}

func (s *Server) apiGetMember(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := s.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) apiUpdateMember(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in contracts.MemberPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := s.Contracts.UpdateMember(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) apiCreateScheme(c *fiber.Ctx) error {
	var in contracts.NewScheme
	if err := decode(c, &in); err != nil {
		return err
	}
	sc, err := s.Contracts.CreateScheme(c.UserContext(), in)
	if err != nil {
		return err
	}
	return created(c, sc)
}

func (s *Server) apiListSchemes(c *fiber.Ctx) error {
	scs, err := s.Contracts.ListSchemes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listOf(scs, 0))
}

func (s *Server) apiGetScheme(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sc, err := s.Contracts.GetScheme(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := schemeDetail{Scheme: sc, Participants: sc.Participants}
	if out.Participants == nil {
		out.Participants = []contracts.Participation{}
	}
	return c.JSON(out)
}

func (s *Server) apiJoinScheme(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in contracts.NewParticipation
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.Contracts.Join(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return created(c, p)
}

func (s *Server) apiUpdateParticipation(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pid, err := idParam(c, "pid")
	if err != nil {
		return err
	}
	var in contracts.ParticipationPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.Contracts.UpdateParticipation(c.UserContext(), id, pid, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
