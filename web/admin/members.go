package admin

import (
	"fmt"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountMembers registers the member pages: the list and its download for staff, one
// member for anyone who may see it, the forms for admins (new) and staff (edit).
func (h *Handlers) mountMembers(r ui.Router) {
	r.Get("/members", httpx.Staff, h.membersPage)
	r.Get("/members.xlsx", httpx.Staff, h.membersExport)
	r.Get("/members/new", httpx.Admins, h.memberNewPage)
	r.Post("/members/new", httpx.Admins, h.memberCreateSubmit)
	r.Get("/members/:id", httpx.AnyUser, h.memberPage)
	r.Get("/members/:id/edit", httpx.Staff, h.memberEditPage)
	r.Post("/members/:id/edit", httpx.Staff, h.memberEditSubmit)
}

// memberColumns are the members list, on its page and in its download.
func memberColumns(l i18n.Lang) []httpx.Column[contracts.Member] {
	return []httpx.Column[contracts.Member]{
		{Header: "members.code", Value: func(m contracts.Member) any { return string(m.Code) }},
		{Header: "members.name", Value: func(m contracts.Member) any { return m.Name },
			Link: func(m contracts.Member) string { return fmt.Sprintf("/members/%d", m.ID) }},
		{Header: "members.kind", Value: func(m contracts.Member) any { return l.T("members.kinds." + m.Kind) }},
		{Header: "members.ean", Value: func(m contracts.Member) any { return m.EAN }, Class: "mono"},
		{Header: "members.inhabitants", Value: func(m contracts.Member) any { return m.Inhabitants }, Num: true},
		{Header: "members.inh65", Value: func(m contracts.Member) any { return m.Inhabitants65Plus }, Num: true},
	}
}

type membersView struct {
	Table    httpx.Table
	Q, Kind  string
	Pager    ui.Pager
	IsAdmin  bool
	Filtered bool
}

// memberFilter is the list's filter of the request's query.
func memberFilter(c *fiber.Ctx) contracts.MemberFilter {
	return contracts.MemberFilter{Query: c.Query("q"), Kind: c.Query("kind")}
}

func (h *Handlers) membersPage(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	f := memberFilter(c)
	f.After, f.Limit = p.After, p.Limit
	ms, next, err := h.Contracts.ListMembers(c.UserContext(), f)
	if err != nil {
		return err
	}
	v := membersView{Table: httpx.TableOf(ui.Lang(c), memberColumns(ui.Lang(c)), ms), Q: f.Query, Kind: f.Kind,
		IsAdmin: isAdmin(c), Filtered: f.Query != "" || f.Kind != "", Pager: ui.PagerFor(c, p, next)}
	return h.UI.Render(c, "members", "members.title", v)
}

// membersExport answers the whole filtered list as a workbook.
func (h *Handlers) membersExport(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := memberFilter(c)
	f.Limit = 500
	var all []contracts.Member
	for {
		ms, next, err := h.Contracts.ListMembers(c.UserContext(), f)
		if err != nil {
			return err
		}
		all = append(all, ms...)
		if next == 0 {
			break
		}
		f.After = next
	}
	return httpx.SendColumns(c, l, "members.xlsx", l.T("members.title"), memberColumns(l), all)
}

type memberView struct {
	Member         *contracts.Member
	Participations []contracts.Participation
	Contracts      []contracts.Contract // the contracts it participates in, at any time
	Figures65Gaps  bool                 // some figures lack the 65+ figure
	CanEdit        bool
	IsAdmin        bool
}

func (h *Handlers) memberPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := h.Contracts.GetMember(ctx, id)
	if err != nil {
		return err
	}
	ps, err := h.Contracts.MemberParticipations(ctx, id)
	if err != nil {
		return err
	}
	cs, err := h.Contracts.MemberContracts(ctx, id)
	if err != nil {
		return err
	}
	pr, _ := auth.From(ctx)
	v := memberView{Member: m, Participations: ps, Contracts: cs, CanEdit: pr.IsStaff(), IsAdmin: pr.Role == auth.RoleAdmin}
	for _, f := range m.Figures {
		if f.Inhabitants65Plus == nil {
			v.Figures65Gaps = true
		}
	}
	return h.UI.Render(c, "member", "members.title", v)
}
