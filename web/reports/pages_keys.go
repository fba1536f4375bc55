package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

type keyForm struct {
	Code, Name                   string
	WInh, WInh65, WUsage, WEqual string
	FixedMember, FixedBP         [3]string
}

type previewForm struct{ KeyID, SchemeID, Period, Amount string }

type poolPreview struct {
	Pool  reports.CostPool
	Key   string
	Split *reports.Split
	Error string
}

type keysView struct {
	Keys      []reports.AllocationKey
	Members   []contracts.Member
	Schemes   []contracts.Scheme
	Names     map[int64]string
	CanEdit   bool
	Form      keyForm
	Preview   previewForm
	Result    *reports.Split
	Current   []poolPreview
	Period    string
	FixedRows []int
}

func (h *Handlers) renderKeys(c *fiber.Ctx, f keyForm, pf previewForm, result *reports.Split, formErr error) error {
	ctx := c.UserContext()
	keys, err := h.Reports.ListAllocationKeys(ctx)
	if err != nil {
		return err
	}
	v := keysView{Keys: keys, CanEdit: isFinance(c), Form: f, Preview: pf, Result: result, Period: currentPeriod(), FixedRows: []int{0, 1, 2}, Names: map[int64]string{}}
	if v.Members, _, err = h.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
		return err
	}
	for _, m := range v.Members {
		v.Names[m.ID] = m.Code + " " + m.Name
	}
	if v.Schemes, err = h.Contracts.ListSchemes(ctx); err != nil {
		return err
	}
	if v.Preview.Period == "" {
		v.Preview.Period = v.Period
	}
	// The live preview: this month's pools, each split by its key as a run would now.
	if v.CanEdit {
		pools, err := h.Reports.ListCostPools(ctx, v.Period)
		if err != nil {
			return err
		}
		for _, p := range pools {
			pp := poolPreview{Pool: p}
			for _, k := range keys {
				if k.ID == p.AllocationKeyID {
					pp.Key = k.Code
				}
			}
			sp, err := h.Reports.Preview(ctx, reports.PreviewRequest{AllocationKeyID: p.AllocationKeyID, SchemeID: p.SchemeID, Period: p.Period, AmountOre: p.AmountOre})
			if err != nil {
				pp.Error = errorText(ui.Lang(c), err)
			}
			pp.Split = sp
			v.Current = append(v.Current, pp)
		}
	}
	return h.UI.RenderError(c, "billing_keys", "bill.keys.title", v, formErr)
}

// sharesArg is the "bill_shares" partial's argument.
type sharesArg struct {
	L i18n.Lang
	S *reports.Split
}

// Arg builds the "bill_shares" partial's argument.
func (keysView) Arg(l i18n.Lang, s *reports.Split) sharesArg { return sharesArg{L: l, S: s} }

func (h *Handlers) keysPage(c *fiber.Ctx) error {
	return h.renderKeys(c, keyForm{WInh: "1"}, previewForm{}, nil, nil)
}

func formInt(fe *apperr.Fields, field, s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		fe.Add(field, apperr.NotInteger, "must be a whole number")
	}
	return n
}

func (h *Handlers) keyCreateSubmit(c *fiber.Ctx) error {
	f := keyForm{Code: c.FormValue("code"), Name: c.FormValue("name"), WInh: c.FormValue("w_inhabitants"), WInh65: c.FormValue("w_inhabitants_65_plus"),
		WUsage: c.FormValue("w_usage"), WEqual: c.FormValue("w_equal")}
	var fe apperr.Fields
	in := reports.NewAllocationKey{Code: f.Code, Name: f.Name, Weights: money.Weights{
		Inhabitants: formInt(&fe, "weights.inhabitants", f.WInh), Inhabitants65Plus: formInt(&fe, "weights.inhabitants_65_plus", f.WInh65),
		Usage: formInt(&fe, "weights.usage", f.WUsage), Equal: formInt(&fe, "weights.equal", f.WEqual)}}
	for i := range f.FixedMember {
		f.FixedMember[i], f.FixedBP[i] = c.FormValue(fmt.Sprintf("fixed_member_%d", i)), c.FormValue(fmt.Sprintf("fixed_bp_%d", i))
		if f.FixedMember[i] == "" {
			continue
		}
		n := len(in.Fixed)
		in.Fixed = append(in.Fixed, reports.FixedShare{MemberID: formInt(&fe, fmt.Sprintf("fixed[%d].member_id", n), f.FixedMember[i]),
			ShareBP: formInt(&fe, fmt.Sprintf("fixed[%d].share_bp", n), f.FixedBP[i])})
	}
	if err := fe.Err(); err != nil {
		return h.renderKeys(c, f, previewForm{}, nil, err)
	}
	if _, err := h.Reports.CreateAllocationKey(c.UserContext(), in); err != nil {
		return h.renderKeys(c, f, previewForm{}, nil, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/billing/keys", fiber.StatusSeeOther)
}

func (h *Handlers) previewSubmit(c *fiber.Ctx) error {
	pf := previewForm{KeyID: c.FormValue("allocation_key_id"), SchemeID: c.FormValue("scheme_id"), Period: strings.TrimSpace(c.FormValue("period")), Amount: c.FormValue("amount")}
	var fe apperr.Fields
	in := reports.PreviewRequest{AllocationKeyID: formInt(&fe, "allocation_key_id", pf.KeyID), SchemeID: formInt(&fe, "scheme_id", pf.SchemeID), Period: pf.Period}
	ore, ok := ui.ParseKroner(pf.Amount)
	if !ok {
		fe.Add("amount_ore", apperr.BadFormat, "must be an amount in kroner")
	}
	in.AmountOre = ore
	if err := fe.Err(); err != nil {
		return h.renderKeys(c, keyForm{WInh: "1"}, pf, nil, err)
	}
	// The amount's bounds (its validate tag), as the API checks them.
	if err := validate.Struct(in); err != nil {
		return h.renderKeys(c, keyForm{WInh: "1"}, pf, nil, err)
	}
	sp, err := h.Reports.Preview(c.UserContext(), in)
	if err != nil {
		return h.renderKeys(c, keyForm{WInh: "1"}, pf, nil, err)
	}
	return h.renderKeys(c, keyForm{WInh: "1"}, pf, sp, nil)
}

// ---- pools and adjustments ----
