package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountSchemes registers the scheme pages.
func (h *Handlers) mountSchemes(r ui.Router) {
	r.Get("/schemes", httpx.AnyUser, h.schemesPage)
	r.Post("/schemes", httpx.Admins, h.schemeCreateSubmit)
	r.Get("/schemes/:id", httpx.AnyUser, h.schemePage)
	r.Post("/schemes/:id/participants", httpx.Admins, h.schemeJoinSubmit)
	r.Post("/schemes/:id/participants/:pid", httpx.Admins, h.participationSubmit)
}

// schemeForm is the new-scheme form as typed.
type schemeForm struct{ Code, Name string }

type schemesView struct {
	Items   []contracts.Scheme
	IsAdmin bool
	Form    schemeForm
}

func (h *Handlers) renderSchemes(c *fiber.Ctx, f schemeForm, formErr error) error {
	items, err := h.Contracts.ListSchemes(c.UserContext())
	if err != nil {
		return err
	}
	return h.UI.RenderError(c, "schemes", "schemes.title",
		schemesView{Items: items, IsAdmin: isAdmin(c), Form: f}, formErr)
}

func (h *Handlers) schemesPage(c *fiber.Ctx) error { return h.renderSchemes(c, schemeForm{}, nil) }

func (h *Handlers) schemeCreateSubmit(c *fiber.Ctx) error {
	f := schemeForm{Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name"))}
	sc, err := h.Contracts.CreateScheme(c.UserContext(), contracts.NewScheme{Code: f.Code, Name: f.Name})
	if err != nil {
		return h.renderSchemes(c, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", sc.ID), fiber.StatusSeeOther)
}

// joinForm is the "member joins" form as typed.
type joinForm struct{ MemberID, JoinedOn, LeftOn string }

// leaveForm is one participation's leaving-date form as typed.
type leaveForm struct {
	PID    int64
	LeftOn string
}

type schemeView struct {
	Scheme  *contracts.Scheme
	IsAdmin bool
	Members []contracts.Member // the choices of the join form (admins only)
	Join    joinForm
	Leave   leaveForm
}

func (h *Handlers) renderScheme(c *fiber.Ctx, id int64, join joinForm, leave leaveForm, formErr error) error {
	ctx := c.UserContext()
	sc, err := h.Contracts.GetScheme(ctx, id)
	if err != nil {
		return err
	}
	v := schemeView{Scheme: sc, IsAdmin: isAdmin(c), Join: join, Leave: leave}
	if v.IsAdmin {
		if v.Members, _, err = h.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
			return err
		}
	}
	return h.UI.RenderError(c, "scheme", "schemes.title", v, formErr)
}

func (h *Handlers) schemePage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.renderScheme(c, id, joinForm{JoinedOn: civil.Today().String()}, leaveForm{}, nil)
}

func (h *Handlers) schemeJoinSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := joinForm{MemberID: c.FormValue("member_id"), JoinedOn: strings.TrimSpace(c.FormValue("joined_on")),
		LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	var fe apperr.Fields
	var in contracts.NewParticipation
	if f.MemberID == "" {
		fe.Add("member_id", apperr.Required, "is required")
	} else if in.MemberID, err = strconv.ParseInt(f.MemberID, 10, 64); err != nil {
		fe.Add("member_id", apperr.Unknown, "is not a member")
	}
	if f.JoinedOn == "" {
		fe.Add("joined_on", apperr.Required, "is required")
	}
	in.JoinedOn = ui.ParseDate(&fe, "joined_on", f.JoinedOn)
	in.LeftOn = ui.ParseDate(&fe, "left_on", f.LeftOn)
	if err := fe.Err(); err != nil {
		return h.renderScheme(c, id, f, leaveForm{}, err)
	}
	if _, err := h.Contracts.Join(c.UserContext(), id, in); err != nil {
		return h.renderScheme(c, id, f, leaveForm{}, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) participationSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	pid, err := httpx.PathID(c, "pid")
	if err != nil {
		return err
	}
	f := leaveForm{PID: pid, LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	var fe apperr.Fields
	patch := contracts.ParticipationPatch{LeftOn: ui.ParseDate(&fe, "left_on", f.LeftOn)}
	join := joinForm{JoinedOn: civil.Today().String()}
	if err := fe.Err(); err != nil {
		return h.renderScheme(c, id, join, f, err)
	}
	if _, err := h.Contracts.UpdateParticipation(c.UserContext(), id, pid, patch); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderScheme(c, id, join, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/schemes/%d", id), fiber.StatusSeeOther)
}
