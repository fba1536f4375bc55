package contracts

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// NoticeItem is a notice as a page shows it: said in the user's language, with a link
// to what it is about.
type NoticeItem struct {
	Text      string
	Href      string
	CreatedAt time.Time
}

// NoticeItems says ns in l. The dashboard (web/home) shows them too.
func NoticeItems(l i18n.Lang, ns []notice.Notice) []NoticeItem {
	out := make([]NoticeItem, len(ns))
	for i, n := range ns {
		args := make([]any, len(n.Args))
		for j, a := range n.Args {
			args[j] = a
		}
		it := NoticeItem{Text: n.Code.String(), CreatedAt: n.CreatedAt}
		if key := "notice." + n.Code.String(); l.Has(key) {
			it.Text = l.T(key, args...)
		}
		switch n.Entity {
		case "contract":
			it.Href = fmt.Sprintf("/contracts/%d", n.EntityID)
		case "product":
			it.Href = "/stock"
		}
		out[i] = it
	}
	return out
}

func (h *Handlers) mountNotices(r ui.Router) {
	r.Get("/notices", httpx.AnyUser, h.noticesPage)
	r.Get("/notices.xlsx", httpx.AnyUser, h.noticesExport)
}

type noticesView struct {
	Items []NoticeItem
	Pager ui.Pager
}

func (h *Handlers) noticesPage(c *fiber.Ctx) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	ns, next, err := notice.List(c.UserContext(), notice.Filter{Before: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	v := noticesView{Items: NoticeItems(ui.Lang(c), ns), Pager: ui.PagerFor(c, p, next)}
	v.Pager.Export = "/notices.xlsx"
	return h.UI.Render(c, "con_notices", "con.notices.title", v)
}

func (h *Handlers) noticesExport(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := notice.Filter{Limit: 500}
	var all []notice.Notice
	for {
		ns, next, err := notice.List(c.UserContext(), f)
		if err != nil {
			return err
		}
		all = append(all, ns...)
		if next == 0 {
			break
		}
		f.Before = next
	}
	cols := []httpx.Column[NoticeItem]{
		{Header: "con.notices.created", Value: func(n NoticeItem) any { return n.CreatedAt }},
		{Header: "con.notices.text", Value: func(n NoticeItem) any { return n.Text }},
	}
	return httpx.SendColumns(c, l, "notices.xlsx", l.T("con.notices.title"), cols, NoticeItems(l, all))
}

// mountFigures registers the member figures form (the member page of web/admin shows
// the figures and links here).
func (h *Handlers) mountFigures(r ui.Router) {
	r.Get("/members/:id/figures", httpx.Admins, h.figuresPage)
	r.Post("/members/:id/figures", httpx.Admins, h.figuresSubmit)
	r.Get("/members/:id/figures.xlsx", httpx.AnyUser, h.figuresExport)
}

type figuresForm struct {
	Member                            *contracts.Member
	ValidFrom, Inhabitants, Inh65Plus string
}

func (h *Handlers) figuresPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.UI.Render(c, "con_figures_form", "con.figures.new", figuresForm{Member: m, ValidFrom: h.today().String()})
}

func (h *Handlers) figuresSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := h.Contracts.GetMember(ctx, id)
	if err != nil {
		return err
	}
	f := figuresForm{Member: m, ValidFrom: strings.TrimSpace(c.FormValue("valid_from")),
		Inhabitants: strings.TrimSpace(c.FormValue("inhabitants")), Inh65Plus: strings.TrimSpace(c.FormValue("inhabitants_65_plus"))}
	var fe apperr.Fields
	in := contracts.NewFigures{ValidFrom: ui.ParseDate(&fe, "valid_from", f.ValidFrom)}
	if f.ValidFrom == "" {
		fe.Add("valid_from", apperr.Required, "is required")
	}
	num := func(field, s string) *int64 {
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ".", ""), 10, 64)
		if err != nil {
			fe.Add(field, apperr.NotInteger, "must be a whole number")
			return nil
		}
		return &n
	}
	in.Inhabitants, in.Inhabitants65Plus = num("inhabitants", f.Inhabitants), num("inhabitants_65_plus", f.Inh65Plus)
	if err := fe.Err(); err != nil {
		return h.UI.RenderError(c, "con_figures_form", "con.figures.new", f, err)
	}
	if _, err := h.Contracts.AddFigures(ctx, id, in); err != nil {
		return h.UI.RenderError(c, "con_figures_form", "con.figures.new", f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/members/%d#figures", id), fiber.StatusSeeOther)
}

// figuresExport answers a member's figures over time, oldest first, as a workbook (an
// unknown 65+ figure is an empty cell).
func (h *Handlers) figuresExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	cols := []httpx.Column[contracts.Figures]{
		{Header: "con.figures.valid_from", Value: func(f contracts.Figures) any { return f.ValidFrom }},
		{Header: "members.inhabitants", Value: func(f contracts.Figures) any { return f.Inhabitants }},
		{Header: "members.inh65", Value: func(f contracts.Figures) any {
			if f.Inhabitants65Plus == nil {
				return ""
			}
			return *f.Inhabitants65Plus
		}},
	}
	return httpx.SendColumns(c, l, "figures-"+m.Code+".xlsx", m.Name, cols, m.Figures)
}
