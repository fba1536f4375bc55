package reports

import (
	"strconv"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// Role sets of billing.
var (
	finance        = []auth.Role{auth.RoleFinance}
	financeAdmin   = []auth.Role{auth.RoleFinance, auth.RoleAdmin}
	financeAdminMb = []auth.Role{auth.RoleFinance, auth.RoleAdmin, auth.RoleMember}
)

// runStart is the body of POST /billing-runs.
type runStart struct {
	Period string `json:"period" validate:"max=7"`
}

// decodeAmounts decodes the body into in, a request whose numbers carry their bounds
// in validate tags (the amounts in øre), and checks those bounds: the billing service
// checks the rest of the request, not the amounts' range, and a run would only find
// 9.2e18 øre when its sums overflow.
func decodeAmounts(c *fiber.Ctx, in any) error {
	if err := httpx.Decode(c, in); err != nil {
		return err
	}
	return validate.Struct(in)
}

// mountBillingAPI registers the billing endpoints (API.md "Billing (pinned)").
func (h *Handlers) mountBillingAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/allocation-keys", Summary: "Create an allocation key",
		Roles: finance, Body: reports.NewAllocationKey{}, Resp: reports.AllocationKey{}, Status: 201, Handler: h.apiCreateKey})
	api.Handle(httpx.Route{Method: "GET", Path: "/allocation-keys", Summary: "List allocation keys",
		Roles: financeAdmin, Resp: httpx.List[reports.AllocationKey]{}, Handler: h.apiListKeys})
	api.Handle(httpx.Route{Method: "POST", Path: "/allocations/preview", Summary: "How a pool would be split, each member with its basis; nothing stored",
		Roles: finance, Body: reports.PreviewRequest{}, Resp: reports.Split{}, Handler: h.apiPreview})
	api.Handle(httpx.Route{Method: "POST", Path: "/cost-pools", Summary: "Create a cost pool of a scheme and month",
		Roles: finance, Body: reports.NewCostPool{}, Resp: reports.CostPool{}, Status: 201, Handler: h.apiCreatePool})
	api.Handle(httpx.Route{Method: "GET", Path: "/cost-pools", Summary: "List cost pools",
		Roles: financeAdmin, Query: []string{"period"}, Resp: httpx.List[reports.CostPool]{}, Handler: h.apiListPools})
	api.Handle(httpx.Route{Method: "POST", Path: "/billing-runs", Summary: "Start the billing run of a month (computed in the background)",
		Roles: finance, Body: runStart{}, Resp: reports.Run{}, Status: 202, Handler: h.apiStartRun})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-runs", Summary: "List billing runs, newest first",
		Roles: financeAdmin, Query: []string{"period", "limit", "cursor"}, Resp: httpx.List[reports.Run]{}, Handler: h.apiListRuns})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-runs/:id", Summary: "One billing run with its statements and what it could not bill",
		Roles: financeAdmin, Resp: reports.Run{}, Handler: h.apiGetRun})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-runs/:id/statements/:member_id", Summary: "A member's statement with every line",
		Roles: financeAdminMb, Resp: reports.Statement{}, Handler: h.apiStatement})
	api.Handle(httpx.Route{Method: "POST", Path: "/billing-runs/:id/recompute", Summary: "Compute a draft run again from today's data",
		Roles: finance, Resp: reports.Run{}, Status: 202, Handler: h.apiRecompute})
	api.Handle(httpx.Route{Method: "POST", Path: "/billing-runs/:id/finalize", Summary: "Finalise a draft run for good",
		Roles: finance, Resp: reports.Run{}, Handler: h.apiFinalize})
	api.Handle(httpx.Route{Method: "POST", Path: "/billing-adjustments", Summary: "A credit or charge for a member, billed by the run of its month",
		Roles: finance, Body: reports.NewAdjustment{}, Resp: reports.Adjustment{}, Status: 201, Handler: h.apiCreateAdjustment})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-adjustments", Summary: "List adjustments",
		Roles: financeAdmin, Query: []string{"period"}, Resp: httpx.List[reports.Adjustment]{}, Handler: h.apiListAdjustments})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-runs/:id/export.xlsx", Summary: "The workbook of a finalised run (202 while it is written)",
		Roles: financeAdmin, Raw: true, Handler: h.apiWorkbook})
	api.Handle(httpx.Route{Method: "GET", Path: "/billing-runs/:id/invoices/:member_id.xml", Summary: "A member's OIOUBL invoice of a finalised run",
		Roles: financeAdminMb, Raw: true, Handler: h.apiInvoice})
}

func (h *Handlers) apiCreateKey(c *fiber.Ctx) error {
	var in reports.NewAllocationKey
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	k, err := h.Reports.CreateAllocationKey(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, k)
}

func (h *Handlers) apiListKeys(c *fiber.Ctx) error {
	ks, err := h.Reports.ListAllocationKeys(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ks, 0))
}

func (h *Handlers) apiPreview(c *fiber.Ctx) error {
	var in reports.PreviewRequest
	if err := decodeAmounts(c, &in); err != nil {
		return err
	}
	sp, err := h.Reports.Preview(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(sp)
}

func (h *Handlers) apiCreatePool(c *fiber.Ctx) error {
	var in reports.NewCostPool
	if err := decodeAmounts(c, &in); err != nil {
		return err
	}
	p, err := h.Reports.CreateCostPool(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, p)
}

func (h *Handlers) apiListPools(c *fiber.Ctx) error {
	ps, err := h.Reports.ListCostPools(c.UserContext(), c.Query("period"))
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(ps, 0))
}

func (h *Handlers) apiStartRun(c *fiber.Ctx) error {
	var in runStart
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	run, err := h.Reports.StartRun(c.UserContext(), in.Period)
	if err != nil {
		return err
	}
	if run.Statements == nil {
		run.Statements, run.Unbilled = []reports.StatementSummary{}, []reports.Unbilled{}
	}
	return c.Status(fiber.StatusAccepted).JSON(run)
}

func (h *Handlers) apiListRuns(c *fiber.Ctx) error {
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	runs, next, err := h.Reports.ListRuns(c.UserContext(), reports.RunFilter{Period: c.Query("period"), Before: pg.After, Limit: pg.Limit})
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(runs, next))
}

func (h *Handlers) apiGetRun(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	run, err := h.Reports.GetRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(run)
}

func (h *Handlers) apiStatement(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := httpx.PathID(c, "member_id")
	if err != nil {
		return err
	}
	st, err := h.Reports.Statement(c.UserContext(), id, mid)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (h *Handlers) apiRecompute(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	run, err := h.Reports.Recompute(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(run)
}

func (h *Handlers) apiFinalize(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	run, err := h.Reports.Finalize(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(run)
}

func (h *Handlers) apiCreateAdjustment(c *fiber.Ctx) error {
	var in reports.NewAdjustment
	if err := decodeAmounts(c, &in); err != nil {
		return err
	}
	a, err := h.Reports.CreateAdjustment(c.UserContext(), in)
	if err != nil {
		return err
	}
	return httpx.Created(c, a)
}

func (h *Handlers) apiListAdjustments(c *fiber.Ctx) error {
	as, err := h.Reports.ListAdjustments(c.UserContext(), c.Query("period"))
	if err != nil {
		return err
	}
	return c.JSON(httpx.ListOf(as, 0))
}

// retryAfter answers 202 with Retry-After while an export is being written.
func retryAfter(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "5")
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "exporting"})
}

func (h *Handlers) apiWorkbook(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	b, ready, err := h.Reports.Workbook(c.UserContext(), id)
	if err != nil {
		return err
	}
	if !ready {
		return retryAfter(c)
	}
	return sendFile(c, b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "billing-run-"+strconv.FormatInt(id, 10)+".xlsx")
}

func (h *Handlers) apiInvoice(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	mid, err := httpx.PathID(c, "member_id")
	if err != nil {
		return err
	}
	b, ready, err := h.Reports.Invoice(c.UserContext(), id, mid)
	if err != nil {
		return err
	}
	if !ready {
		return retryAfter(c)
	}
	return sendFile(c, b, "application/xml; charset=utf-8", "invoice-"+strconv.FormatInt(id, 10)+"-"+strconv.FormatInt(mid, 10)+".xml")
}

func sendFile(c *fiber.Ctx, b []byte, contentType, filename string) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Send(b)
}
