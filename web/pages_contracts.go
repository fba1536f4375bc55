package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/gofiber/fiber/v2"
)

func (s *Server) mountContractsPages(r fiber.Router) {
	r.Get("/members", s.requirePage(staff), s.membersPage)
	r.Get("/members.xlsx", s.requirePage(staff), s.membersExport)
	r.Get("/members/new", s.requirePage(admins), s.memberNewPage)
	r.Post("/members/new", s.requirePage(admins), s.memberCreateSubmit)
	r.Get("/members/:id", s.requirePage(anyUser), s.memberPage)
	r.Get("/members/:id/edit", s.requirePage(staff), s.memberEditPage)
	r.Post("/members/:id/edit", s.requirePage(staff), s.memberEditSubmit)
	s.mountSchemePages(r)
}

type membersView struct {
	Items    []contracts.Member
	Q, Kind  string
	Next     string
	IsAdmin  bool
	Filtered bool
}

func (s *Server) membersPage(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := contracts.MemberFilter{Query: c.Query("q"), Kind: c.Query("kind"), After: p.After, Limit: p.Limit}
	ms, next, err := s.Contracts.ListMembers(c.UserContext(), f)
	if err != nil {
		return err
	}
	pr, _ := auth.From(c.UserContext())
	v := membersView{Items: ms, Q: f.Query, Kind: f.Kind, IsAdmin: pr.Role == auth.RoleAdmin, Filtered: f.Query != "" || f.Kind != ""}
	if next != 0 {
		v.Next = "?" + queryWith(c, "cursor", encodeCursor(next))
	}
	return s.pages.render(c, "members", "members.title", v)
}

// queryWith returns the request's query string with key set to value.
func queryWith(c *fiber.Ctx, key, value string) string {
	args := c.Request().URI().QueryArgs()
	var b strings.Builder
	args.VisitAll(func(k, v []byte) {
		if string(k) == key {
			return
		}
		fmt.Fprintf(&b, "%s=%s&", k, v)
	})
	b.WriteString(key + "=" + value)
	return b.String()
}

func (s *Server) membersExport(c *fiber.Ctx) error {
	l := lang(c)
	f := contracts.MemberFilter{Query: c.Query("q"), Kind: c.Query("kind"), Limit: 500}
	var rows [][]any
	for {
		ms, next, err := s.Contracts.ListMembers(c.UserContext(), f)
		if err != nil {
			return err
		}
		for _, m := range ms {
			rows = append(rows, []any{m.Code, m.Name, l.T("members.kind." + m.Kind), m.EAN, m.Inhabitants, m.Inhabitants65Plus})
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	header := []string{l.T("members.code"), l.T("members.name"), l.T("members.kind"), l.T("members.ean"), l.T("members.inhabitants"), l.T("members.inh65")}
	return sendXLSX(c, "members.xlsx", l.T("members.title"), header, rows)
}

type memberView struct {
	Member         *contracts.Member
	Participations []contracts.Participation
	CanEdit        bool
}

func (s *Server) memberPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := s.Contracts.GetMember(ctx, id)
	if err != nil {
		return err
	}
	ps, err := s.Contracts.MemberParticipations(ctx, id)
	if err != nil {
		return err
	}
	pr, _ := auth.From(ctx)
	return s.pages.render(c, "member", "members.title", memberView{Member: m, Participations: ps, CanEdit: pr.IsStaff()})
}

// memberForm is the member form's values as typed, so a rejected form shows them again.
type memberForm struct {
	IsNew                                         bool
	ID                                            int64
	Code, Name, Kind, EAN, Inhabitants, Inh65Plus string
}

func formOfMember(m *contracts.Member) memberForm {
	return memberForm{ID: m.ID, Code: m.Code, Name: m.Name, Kind: m.Kind, EAN: m.EAN,
		Inhabitants: strconv.FormatInt(m.Inhabitants, 10), Inh65Plus: strconv.FormatInt(m.Inhabitants65Plus, 10)}
}

func readMemberForm(c *fiber.Ctx) (memberForm, *int64, *int64, apperr.Fields) {
	f := memberForm{Code: strings.TrimSpace(c.FormValue("code")), Name: c.FormValue("name"), Kind: c.FormValue("kind"),
		EAN: strings.TrimSpace(c.FormValue("ean")), Inhabitants: strings.TrimSpace(c.FormValue("inhabitants")),
		Inh65Plus: strings.TrimSpace(c.FormValue("inhabitants_65_plus"))}
	var fe apperr.Fields
	num := func(field, s string) *int64 {
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ".", ""), 10, 64)
		if err != nil {
			fe.Add(field, apperr.NotInteger, "must be a whole number")
			return nil
		}
		return &n
	}
	return f, num("inhabitants", f.Inhabitants), num("inhabitants_65_plus", f.Inh65Plus), fe
}

func (s *Server) memberNewPage(c *fiber.Ctx) error {
	return s.pages.render(c, "member_form", "members.new", memberForm{IsNew: true, Kind: contracts.KindMunicipality})
}

func (s *Server) memberCreateSubmit(c *fiber.Ctx) error {
	f, inh, inh65, fe := readMemberForm(c)
	f.IsNew = true
	if err := fe.Err(); err != nil {
		return s.pages.renderStatus(c, 0, "member_form", "members.new", f, err)
	}
	m, err := s.Contracts.CreateMember(c.UserContext(), contracts.NewMember{Code: contracts.Code(f.Code), Name: f.Name,
		Kind: f.Kind, EAN: f.EAN, Inhabitants: *inh, Inhabitants65Plus: *inh65})
	if err != nil {
		return s.pages.renderStatus(c, 0, "member_form", "members.new", f, err)
	}
	flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/members/%d", m.ID), fiber.StatusSeeOther)
}

func (s *Server) memberEditPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := s.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.pages.render(c, "member_form", "members.edit", formOfMember(m))
}

func (s *Server) memberEditSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := s.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	f, inh, inh65, fe := readMemberForm(c)
	f.ID, f.Code = id, m.Code
	if err := fe.Err(); err != nil {
		return s.pages.renderStatus(c, 0, "member_form", "members.edit", f, err)
	}
	_, err = s.Contracts.UpdateMember(c.UserContext(), id, contracts.MemberPatch{Name: &f.Name, Kind: &f.Kind, EAN: &f.EAN,
		Inhabitants: inh, Inhabitants65Plus: inh65})
	if err != nil {
		return s.pages.renderStatus(c, 0, "member_form", "members.edit", f, err)
	}
	flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/members/%d", id), fiber.StatusSeeOther)
}
