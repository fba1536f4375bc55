package reports

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/money"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountBillingPages registers the billing pages.
func (h *Handlers) mountBillingPages(r ui.Router) {
	r.Get("/billing", financeAdmin, h.runsPage)
	r.Post("/billing/runs", finance, h.runStartSubmit)
	r.Get("/billing/runs/:id", financeAdmin, h.runPage)
	r.Post("/billing/runs/:id/recompute", finance, h.runRecomputeSubmit)
	r.Post("/billing/runs/:id/finalize", finance, h.runFinalizeSubmit)
	r.Get("/billing/runs/:id/export.xlsx", financeAdmin, h.apiWorkbook)
	r.Get("/billing/runs/:id/invoices/:member_id.xml", financeAdminMb, h.apiInvoice)
	r.Get("/billing/runs/:id/members/:member_id", financeAdminMb, h.statementPage)
	r.Get("/billing/keys", financeAdmin, h.keysPage)
	r.Post("/billing/keys", finance, h.keyCreateSubmit)
	r.Post("/billing/keys/preview", finance, h.previewSubmit)
	r.Get("/billing/pools", financeAdmin, h.poolsPage)
	r.Post("/billing/pools", finance, h.poolCreateSubmit)
	r.Post("/billing/adjustments", finance, h.adjustmentSubmit)
	r.Get("/statements", members, h.myStatementsPage)
}

func isFinance(c *fiber.Ctx) bool {
	p, _ := auth.From(c.UserContext())
	return p.Role == auth.RoleFinance
}

// currentPeriod is this month in Copenhagen.
func currentPeriod() string { return civil.Today().String()[:7] }

// ---- runs ----

type runsView struct {
	Runs      []reports.Run
	CanStart  bool
	Period    string
	NextAfter int64
}

func (h *Handlers) renderRuns(c *fiber.Ctx, period string, formErr error) error {
	runs, _, err := h.Reports.ListRuns(c.UserContext(), reports.RunFilter{Limit: 100})
	if err != nil {
		return err
	}
	return h.UI.RenderError(c, "billing_runs", "bill.runs.title", runsView{Runs: runs, CanStart: isFinance(c), Period: period}, formErr)
}

func (h *Handlers) runsPage(c *fiber.Ctx) error { return h.renderRuns(c, currentPeriod(), nil) }

func (h *Handlers) runStartSubmit(c *fiber.Ctx) error {
	period := strings.TrimSpace(c.FormValue("period"))
	run, err := h.Reports.StartRun(c.UserContext(), period)
	if err != nil {
		return h.renderRuns(c, period, err)
	}
	ui.Flash(c, "bill.flash.started")
	return c.Redirect(fmt.Sprintf("/billing/runs/%d", run.ID), fiber.StatusSeeOther)
}

// statementRow is a member's total beside its previous finalised month.
type statementRow struct {
	reports.StatementSummary
	Previous *int64
	Diff     int64
}

type runView struct {
	Run        *reports.Run
	Rows       []statementRow
	Previous   *reports.Run
	CanAct     bool
	MemberCode map[int64]string
	Refresh    bool
}

func (h *Handlers) renderRun(c *fiber.Ctx, id int64, formErr error) error {
	ctx := c.UserContext()
	run, err := h.Reports.GetRun(ctx, id)
	if err != nil {
		return err
	}
	v := runView{Run: run, CanAct: isFinance(c), MemberCode: map[int64]string{}, Refresh: run.Status == reports.RunComputing}
	// The differences to the previous month's finalised run, per member.
	if per, ok := reports.ParsePeriod(run.Period); ok {
		prevPeriod := reports.PeriodOf(per.First().AddDays(-1)).String()
		prev, _, err := h.Reports.ListRuns(ctx, reports.RunFilter{Period: prevPeriod, Limit: 10})
		if err != nil {
			return err
		}
		for i := range prev {
			if prev[i].Status == reports.RunFinalized {
				v.Previous = &prev[i]
			}
		}
	}
	before := map[int64]int64{}
	if v.Previous != nil {
		for _, st := range v.Previous.Statements {
			before[st.MemberID] = st.TotalOre
		}
	}
	for _, st := range run.Statements {
		row := statementRow{StatementSummary: st, Diff: st.TotalOre}
		if p, ok := before[st.MemberID]; ok {
			row.Previous, row.Diff = &p, st.TotalOre-p
		}
		v.Rows = append(v.Rows, row)
		v.MemberCode[st.MemberID] = st.MemberCode
	}
	return h.UI.RenderError(c, "billing_run", "bill.run.title", v, formErr)
}

// Member is member id's code in the run, "#id" for one without a statement.
func (v runView) Member(id *int64) string {
	if id == nil {
		return ""
	}
	if c, ok := v.MemberCode[*id]; ok {
		return c
	}
	return fmt.Sprintf("#%d", *id)
}

func (h *Handlers) runPage(c *fiber.Ctx) error {
	id, err := httpxID(c, "id")
	if err != nil {
		return err
	}
	return h.renderRun(c, id, nil)
}

func (h *Handlers) runRecomputeSubmit(c *fiber.Ctx) error {
	id, err := httpxID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Reports.Recompute(c.UserContext(), id); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderRun(c, id, err)
	}
	ui.Flash(c, "bill.flash.recompute")
	return c.Redirect(fmt.Sprintf("/billing/runs/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) runFinalizeSubmit(c *fiber.Ctx) error {
	id, err := httpxID(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return h.renderRun(c, id, apperr.Invalid(apperr.Field("confirm", apperr.Required, "tick the box to confirm")))
	}
	if _, err := h.Reports.Finalize(c.UserContext(), id); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderRun(c, id, err)
	}
	ui.Flash(c, "bill.flash.finalized")
	return c.Redirect(fmt.Sprintf("/billing/runs/%d", id), fiber.StatusSeeOther)
}

// ---- statements ----

// basisItem is one entry of a line's basis, for the explanation column.
type basisItem struct{ Key, Value string }

type lineRow struct {
	reports.Line
	Basis []basisItem
}

type statementView struct {
	Statement *reports.Statement
	Lines     []lineRow
	IsMember  bool
}

func (h *Handlers) statementPage(c *fiber.Ctx) error {
	id, err := httpxID(c, "id")
	if err != nil {
		return err
	}
	mid, err := httpxID(c, "member_id")
	if err != nil {
		return err
	}
	st, err := h.Reports.Statement(c.UserContext(), id, mid)
	if err != nil {
		return err
	}
	p, _ := auth.From(c.UserContext())
	v := statementView{Statement: st, IsMember: p.Role == auth.RoleMember}
	for _, l := range st.Lines {
		v.Lines = append(v.Lines, lineRow{Line: l, Basis: basisOf(l.Basis)})
	}
	return h.UI.Render(c, "billing_statement", "bill.statement.title", v)
}

// basisOf lays out a line's basis JSON as sorted key/value pairs.
func basisOf(b reports.JSONText) []basisItem {
	var m map[string]any
	if json.Unmarshal([]byte(b), &m) != nil {
		return nil
	}
	out := make([]basisItem, 0, len(m))
	for k, v := range m {
		s := fmt.Sprint(v)
		if x, ok := v.(float64); ok && strings.HasSuffix(k, "_ore") {
			s = money.FormatDanish(int64(x))
		} else if x, ok := v.(float64); ok {
			s = strconv.FormatInt(int64(x), 10)
		} else if raw, err := json.Marshal(v); err == nil && (strings.HasPrefix(string(raw), "{") || strings.HasPrefix(string(raw), "[")) {
			s = string(raw)
		}
		out = append(out, basisItem{Key: k, Value: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

type myStatementsView struct {
	Runs     []reports.Run
	MemberID int64
}

// myStatementsPage lists a member's statements of finalised runs.
func (h *Handlers) myStatementsPage(c *fiber.Ctx) error {
	p, _ := auth.From(c.UserContext())
	if p.MemberID == nil {
		return apperr.NotFound("no member")
	}
	runs, err := h.Reports.MemberRuns(c.UserContext())
	if err != nil {
		return err
	}
	return h.UI.Render(c, "billing_mine", "bill.mine.title", myStatementsView{Runs: runs, MemberID: *p.MemberID})
}

// ---- keys and preview ----

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
				pp.Error = err.Error()
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
