package reports

import (
	"context"
	"reflect"
	"strings"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// report is one of the operational reports: its name in the path, who may read it,
// and how it is computed for a range.
type report struct {
	name   string
	roles  []auth.Role
	resp   any
	ranged bool // stock is as of now
	run    func(h *Handlers, ctx context.Context, r reports.Range) (any, error)
}

// reportAnswer is what GET /reports/{name} answers.
type reportAnswer[T any] struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Items []T    `json:"items"`
}

var staffAndMembers = append(append([]auth.Role{}, auth.Staff...), auth.RoleMember)

var reportList = []report{
	{name: "stock", roles: httpx.Staff, resp: reportAnswer[reports.StockItem]{}, run: func(h *Handlers, ctx context.Context, _ reports.Range) (any, error) {
		return h.Reports.Stock(ctx)
	}},
	{name: "utilisation", roles: httpx.Staff, ranged: true, resp: reportAnswer[reports.UtilisationItem]{}, run: func(h *Handlers, ctx context.Context, r reports.Range) (any, error) {
		return h.Reports.Utilisation(ctx, r)
	}},
	{name: "lead-times", roles: httpx.Staff, ranged: true, resp: reportAnswer[reports.LeadTimeItem]{}, run: func(h *Handlers, ctx context.Context, r reports.Range) (any, error) {
		return h.Reports.LeadTimes(ctx, r)
	}},
	{name: "sla", roles: httpx.Staff, ranged: true, resp: reportAnswer[reports.SLAItem]{}, run: func(h *Handlers, ctx context.Context, r reports.Range) (any, error) {
		return h.Reports.SLA(ctx, r)
	}},
	{name: "failure-rates", roles: httpx.Staff, ranged: true, resp: reportAnswer[reports.FailureItem]{}, run: func(h *Handlers, ctx context.Context, r reports.Range) (any, error) {
		return h.Reports.FailureRates(ctx, r)
	}},
	{name: "costs", roles: staffAndMembers, ranged: true, resp: reportAnswer[reports.CostItem]{}, run: func(h *Handlers, ctx context.Context, r reports.Range) (any, error) {
		return h.Reports.Costs(ctx, r)
	}},
}

func findReport(name string) *report {
	for i := range reportList {
		if reportList[i].name == name {
			return &reportList[i]
		}
	}
	return nil
}

// mountReportsAPI registers GET /reports/{name} and /reports/{name}.xlsx of each report.
func (h *Handlers) mountReportsAPI(api httpx.Router) {
	for i := range reportList {
		rp := &reportList[i]
		api.Handle(httpx.Route{Method: "GET", Path: "/reports/" + rp.name + ".xlsx", Summary: "Report " + rp.name + " as a workbook",
			Roles: rp.roles, Query: []string{"from", "to"}, Raw: true, Handler: func(c *fiber.Ctx) error { return h.apiReport(c, rp, true) }})
		api.Handle(httpx.Route{Method: "GET", Path: "/reports/" + rp.name, Summary: "Report " + rp.name,
			Roles: rp.roles, Query: []string{"from", "to"}, Resp: rp.resp, Handler: func(c *fiber.Ctx) error { return h.apiReport(c, rp, false) }})
	}
}

// runReport checks the range and computes rp.
func (h *Handlers) runReport(ctx context.Context, rp *report, from, to string) (reports.Range, any, error) {
	r, err := h.Reports.CheckRange(from, to)
	if err != nil {
		return r, nil, err
	}
	items, err := rp.run(h, ctx, r)
	return r, items, err
}

func (h *Handlers) apiReport(c *fiber.Ctx, rp *report, xlsx bool) error {
	r, items, err := h.runReport(c.UserContext(), rp, c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	if xlsx {
		header, rows := tableOf(items)
		return httpx.SendXLSX(c, rp.name+"-"+r.From.String()+"-"+r.To.String()+".xlsx", rp.name, header, rows)
	}
	return c.JSON(fiber.Map{"from": r.From.String(), "to": r.To.String(), "items": items})
}

// tableOf lays out a slice of structs as its JSON field names and values, pointers
// followed (nil: empty).
func tableOf(items any) ([]string, [][]any) {
	v := reflect.ValueOf(items)
	t := v.Type().Elem()
	var header []string
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		header, idx = append(header, name), append(idx, i)
	}
	rows := make([][]any, v.Len())
	for r := 0; r < v.Len(); r++ {
		row := make([]any, len(idx))
		for k, i := range idx {
			f := v.Index(r).Field(i)
			if f.Kind() == reflect.Pointer {
				if f.IsNil() {
					row[k] = ""
					continue
				}
				f = f.Elem()
			}
			row[k] = f.Interface()
		}
		rows[r] = row
	}
	return header, rows
}
