package reports

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/reports"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountReportPages registers the report pages: the index, and per report a page with
// its range, a chart, the table and the Excel download.
func (h *Handlers) mountReportPages(r ui.Router) {
	r.Get("/reports", httpx.Staff, h.reportsIndex)
	for i := range reportList {
		rp := &reportList[i]
		r.Get("/reports/"+rp.name+"/xlsx", rp.roles, func(c *fiber.Ctx) error { return h.apiReport(c, rp, true) })
		r.Get("/reports/"+rp.name, rp.roles, func(c *fiber.Ctx) error { return h.reportPage(c, rp) })
	}
}

type reportsIndexView struct{ Names []string }

func (h *Handlers) reportsIndex(c *fiber.Ctx) error {
	v := reportsIndexView{}
	for _, rp := range reportList {
		v.Names = append(v.Names, rp.name)
	}
	return h.UI.Render(c, "reports_index", "rep.title", v)
}

// bar is one bar of a chart, laid out in the SVG's coordinates.
type bar struct {
	Label, Value      string
	X, Y, W, H, TextX float64
}

// chart is a server-rendered bar chart.
type chart struct {
	Title  string
	Bars   []bar
	Width  int
	Height int
}

const chartW, chartH, chartBottom = 720.0, 240.0, 200.0

// barChart lays values out as bars scaled to the largest.
func barChart(title string, labels []string, values []float64, format func(float64) string) chart {
	ch := chart{Title: title, Width: chartW, Height: chartH}
	maxV := 0.0
	for _, v := range values {
		maxV = math.Max(maxV, v)
	}
	n := float64(len(values))
	if n == 0 {
		return ch
	}
	slot := (chartW - 20) / n
	w := math.Max(2, slot*0.7)
	for i, v := range values {
		h := 0.0
		if maxV > 0 {
			h = (chartBottom - 20) * v / maxV
		}
		x := 10 + slot*float64(i) + (slot-w)/2
		ch.Bars = append(ch.Bars, bar{Label: labels[i], Value: format(v), X: x, Y: chartBottom - h, W: w, H: h, TextX: x + w/2})
	}
	return ch
}

type reportView struct {
	Name    string
	From    string
	To      string
	Ranged  bool
	Header  []string
	Rows    [][]string
	Chart   chart
	XLSX    template.URL
	Summary string
}

func (h *Handlers) reportPage(c *fiber.Ctx, rp *report) error {
	l := ui.Lang(c)
	from, to := strings.Clone(c.Query("from")), strings.Clone(c.Query("to"))
	r, items, err := h.runReport(c.UserContext(), rp, from, to)
	v := reportView{Name: rp.name, Ranged: rp.ranged, From: from, To: to}
	if err != nil {
		if !apperr.Is(err, apperr.KindInvalid) {
			return err
		}
		return h.UI.RenderError(c, "report", "rep.names."+rp.name, v, err)
	}
	v.From, v.To = r.From.String(), r.To.String()
	v.XLSX = template.URL(fmt.Sprintf("/reports/%s/xlsx?from=%s&to=%s", rp.name, v.From, v.To))
	header, rows := tableOf(items)
	v.Header = header
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, x := range row {
			cells[i] = cellText(header[i], x)
		}
		v.Rows = append(v.Rows, cells)
	}
	v.Chart = chartOf(l, rp.name, items)
	return h.UI.Render(c, "report", "rep.names."+rp.name, v)
}

// cellText shows a value: øre as kroner, numbers with Danish separators.
func cellText(col string, x any) string {
	switch n := x.(type) {
	case int64:
		if strings.HasSuffix(col, "_ore") {
			return i18n.Kroner(n)
		}
		return i18n.Number(n)
	case float64:
		return strings.Replace(fmt.Sprintf("%.1f", n), ".", ",", 1)
	case bool:
		if n {
			return "✓"
		}
		return ""
	}
	return fmt.Sprint(x)
}

// chartOf picks each report's measure for its chart.
func chartOf(l i18n.Lang, name string, items any) chart {
	var labels []string
	var values []float64
	one := func(f float64) string { return strings.Replace(fmt.Sprintf("%.1f", f), ".", ",", 1) }
	title := l.T("rep.chart." + name)
	switch xs := items.(type) {
	case []reports.StockItem:
		byProduct := map[string]float64{}
		var order []string
		for _, x := range xs {
			if _, ok := byProduct[x.SKU]; !ok {
				order = append(order, x.SKU)
			}
			byProduct[x.SKU] += float64(x.Available)
		}
		for _, s := range order {
			labels, values = append(labels, s), append(values, byProduct[s])
		}
		return barChart(title, labels, values, func(f float64) string { return i18n.Number(int64(f)) })
	case []reports.UtilisationItem:
		for _, x := range xs {
			labels, values = append(labels, x.SKU), append(values, x.UtilisationPct)
		}
	case []reports.LeadTimeItem:
		for _, x := range xs {
			labels, values = append(labels, fmt.Sprintf("#%d", x.MemberID)), append(values, x.P50Hours)
		}
	case []reports.SLAItem:
		for _, x := range xs {
			labels, values = append(labels, l.T("rep.priority."+x.Priority)), append(values, x.CompliancePct)
		}
	case []reports.FailureItem:
		for _, x := range xs {
			labels, values = append(labels, x.SKU), append(values, x.Per100Deployed)
		}
	case []reports.CostItem:
		byPeriod := map[string]float64{}
		var order []string
		for _, x := range xs {
			if _, ok := byPeriod[x.Period]; !ok {
				order = append(order, x.Period)
			}
			byPeriod[x.Period] += float64(x.TotalOre) / 100
		}
		for _, p := range order {
			labels, values = append(labels, p), append(values, byPeriod[p])
		}
		return barChart(title, labels, values, func(f float64) string { return i18n.Kroner(int64(math.Round(f * 100))) })
	}
	return barChart(title, labels, values, one)
}
