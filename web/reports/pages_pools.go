package reports

import (
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

type poolForm struct{ SchemeID, Period, Name, Amount, KeyID string }

type adjForm struct{ MemberID, Period, Amount, Description string }

type poolsView struct {
	Period      string
	Pools       []reports.CostPool
	Adjustments []reports.Adjustment
	Keys        []reports.AllocationKey
	Schemes     []contracts.Scheme
	Members     []contracts.Member
	KeyCode     map[int64]string
	SchemeName  map[int64]string
	MemberName  map[int64]string
	CanEdit     bool
	Form        poolForm
	Adj         adjForm
}

func (h *Handlers) renderPools(c *fiber.Ctx, period string, f poolForm, af adjForm, formErr error) error {
	ctx := c.UserContext()
	if _, ok := reports.ParsePeriod(period); !ok {
		period = currentPeriod()
	}
	v := poolsView{Period: period, CanEdit: isFinance(c), Form: f, Adj: af, KeyCode: map[int64]string{}, SchemeName: map[int64]string{}, MemberName: map[int64]string{}}
	var err error
	if v.Pools, err = h.Reports.ListCostPools(ctx, period); err != nil {
		return err
	}
	if v.Adjustments, err = h.Reports.ListAdjustments(ctx, period); err != nil {
		return err
	}
	if v.Keys, err = h.Reports.ListAllocationKeys(ctx); err != nil {
		return err
	}
	for _, k := range v.Keys {
		v.KeyCode[k.ID] = k.Code
	}
	if v.Schemes, err = h.Contracts.ListSchemes(ctx); err != nil {
		return err
	}
	for _, s := range v.Schemes {
		v.SchemeName[s.ID] = s.Name
	}
	if v.Members, _, err = h.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
		return err
	}
	for _, m := range v.Members {
		v.MemberName[m.ID] = m.Code + " " + m.Name
	}
	if v.Form.Period == "" {
		v.Form.Period = period
	}
	if v.Adj.Period == "" {
		v.Adj.Period = period
	}
	return h.UI.RenderError(c, "billing_pools", "bill.pools.title", v, formErr)
}

func (h *Handlers) poolsPage(c *fiber.Ctx) error {
	return h.renderPools(c, strings.Clone(c.Query("period")), poolForm{}, adjForm{}, nil)
}

func (h *Handlers) poolCreateSubmit(c *fiber.Ctx) error {
	f := poolForm{SchemeID: c.FormValue("scheme_id"), Period: strings.TrimSpace(c.FormValue("period")), Name: c.FormValue("name"),
		Amount: c.FormValue("amount"), KeyID: c.FormValue("allocation_key_id")}
	var fe apperr.Fields
	in := reports.NewCostPool{SchemeID: formInt(&fe, "scheme_id", f.SchemeID), Period: f.Period, Name: f.Name, AllocationKeyID: formInt(&fe, "allocation_key_id", f.KeyID)}
	ore, ok := ui.ParseKroner(f.Amount)
	if !ok {
		fe.Add("amount_ore", apperr.BadFormat, "must be an amount in kroner")
	}
	in.AmountOre = ore
	if err := fe.Err(); err != nil {
		return h.renderPools(c, f.Period, f, adjForm{}, err)
	}
	// The amount's bounds (its validate tag), as the API checks them.
	if err := validate.Struct(in); err != nil {
		return h.renderPools(c, f.Period, f, adjForm{}, err)
	}
	if _, err := h.Reports.CreateCostPool(c.UserContext(), in); err != nil {
		return h.renderPools(c, f.Period, f, adjForm{}, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/billing/pools?period="+in.Period, fiber.StatusSeeOther)
}

func (h *Handlers) adjustmentSubmit(c *fiber.Ctx) error {
	af := adjForm{MemberID: c.FormValue("member_id"), Period: strings.TrimSpace(c.FormValue("period")), Amount: c.FormValue("amount"), Description: c.FormValue("description")}
	var fe apperr.Fields
	in := reports.NewAdjustment{MemberID: formInt(&fe, "member_id", af.MemberID), Period: af.Period, Description: af.Description}
	ore, ok := ui.ParseKroner(af.Amount)
	if !ok {
		fe.Add("amount_ore", apperr.BadFormat, "must be an amount in kroner")
	}
	in.AmountOre = ore
	if err := fe.Err(); err != nil {
		return h.renderPools(c, af.Period, poolForm{}, af, err)
	}
	// The amount's bounds (its validate tag), as the API checks them.
	if err := validate.Struct(in); err != nil {
		return h.renderPools(c, af.Period, poolForm{}, af, err)
	}
	if _, err := h.Reports.CreateAdjustment(c.UserContext(), in); err != nil {
		return h.renderPools(c, af.Period, poolForm{}, af, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/billing/pools?period="+in.Period, fiber.StatusSeeOther)
}
