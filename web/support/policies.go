package support

import (
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountPolicies registers the SLA policy page: support reads it, admins change it.
func (h *Handlers) mountPolicies(r ui.Router) {
	r.Get("/sla-policies", agents, h.policiesPage)
	r.Post("/sla-policies/:priority", httpx.Admins, h.policySubmit)
}

// policyForm is one priority's form as typed.
type policyForm struct{ Priority, First, Resolution, Calendar string }

type policiesView struct {
	Items   []support.Policy
	IsAdmin bool
	Form    policyForm // the refused one, if any
}

func (h *Handlers) renderPolicies(c *fiber.Ctx, f policyForm, formErr error) error {
	ps, err := h.Support.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return h.UI.RenderError(c, "sup_policies", "sup.policies.title", policiesView{Items: ps, IsAdmin: isAdmin(c), Form: f}, formErr)
}

func (h *Handlers) policiesPage(c *fiber.Ctx) error { return h.renderPolicies(c, policyForm{}, nil) }

func (h *Handlers) policySubmit(c *fiber.Ctx) error {
	f := policyForm{Priority: strings.Clone(c.Params("priority")), First: strings.Clone(c.FormValue("first_response_minutes")),
		Resolution: strings.Clone(c.FormValue("resolution_minutes")), Calendar: strings.Clone(c.FormValue("calendar"))}
	var fe apperr.Fields
	minutes := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			fe.Add(field, apperr.OutOfRange, "must be a whole number from %d to %d", 1, support.MaxPolicyMinutes)
		}
		return n
	}
	in := support.PolicyInput{FirstResponseMinutes: minutes("first_response_minutes", f.First),
		ResolutionMinutes: minutes("resolution_minutes", f.Resolution), Calendar: f.Calendar}
	if err := fe.Err(); err != nil {
		return h.renderPolicies(c, f, err)
	}
	if _, err := h.Support.UpdatePolicy(c.UserContext(), support.Priority(f.Priority), in); err != nil {
		if apperr.Is(err, apperr.KindNotFound) || apperr.Is(err, apperr.KindInternal) {
			return err
		}
		return h.renderPolicies(c, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/sla-policies", fiber.StatusSeeOther)
}

func isAdmin(c *fiber.Ctx) bool {
	p, _ := auth.From(c.UserContext())
	return p.Role == auth.RoleAdmin
}
