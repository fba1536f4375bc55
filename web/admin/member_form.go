package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

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

func (h *Handlers) memberNewPage(c *fiber.Ctx) error {
	return h.UI.Render(c, "member_form", "members.new", memberForm{IsNew: true, Kind: contracts.KindMunicipality})
}

func (h *Handlers) memberCreateSubmit(c *fiber.Ctx) error {
	f, inh, inh65, fe := readMemberForm(c)
	f.IsNew = true
	if err := fe.Err(); err != nil {
		return h.UI.RenderError(c, "member_form", "members.new", f, err)
	}
	m, err := h.Contracts.CreateMember(c.UserContext(), contracts.NewMember{Code: contracts.Code(f.Code), Name: f.Name,
		Kind: f.Kind, EAN: f.EAN, Inhabitants: *inh, Inhabitants65Plus: *inh65})
	if err != nil {
		return h.UI.RenderError(c, "member_form", "members.new", f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/members/%d", m.ID), fiber.StatusSeeOther)
}

func (h *Handlers) memberEditPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.UI.Render(c, "member_form", "members.edit", formOfMember(m))
}

func (h *Handlers) memberEditSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Contracts.GetMember(c.UserContext(), id)
	if err != nil {
		return err
	}
	f, inh, inh65, fe := readMemberForm(c)
	f.ID, f.Code = id, m.Code
	if err := fe.Err(); err != nil {
		return h.UI.RenderError(c, "member_form", "members.edit", f, err)
	}
	_, err = h.Contracts.UpdateMember(c.UserContext(), id, contracts.MemberPatch{Name: &f.Name, Kind: &f.Kind, EAN: &f.EAN,
		Inhabitants: inh, Inhabitants65Plus: inh65})
	if err != nil {
		return h.UI.RenderError(c, "member_form", "members.edit", f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/members/%d", id), fiber.StatusSeeOther)
}
