package reports

import (
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/reports"
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

// unbilledRow is an item not billed, with its reason said in the reader's language.
type unbilledRow struct {
	reports.Unbilled
	Text string
}

type runView struct {
	Run        *reports.Run
	Rows       []statementRow
	Unbilled   []unbilledRow
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
	for _, u := range run.Unbilled {
		v.Unbilled = append(v.Unbilled, unbilledRow{Unbilled: u, Text: unbilledText(ui.Lang(c), u)})
	}
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
