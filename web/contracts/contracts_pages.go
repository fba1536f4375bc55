package contracts

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// UrgentDays: a notice deadline fewer days ahead than this is shown red.
const UrgentDays = 30

// mountContracts registers the contract pages.
func (h *Handlers) mountContracts(r ui.Router) {
	r.Get("/contracts", contractReaders, h.contractsPage)
	r.Get("/contracts.xlsx", contractReaders, h.contractsExport)
	r.Get("/contracts/deadlines", httpx.Staff, h.deadlinesPage)
	r.Get("/contracts/deadlines.xlsx", httpx.Staff, h.deadlinesExport)
	r.Get("/contracts/new", contractWriters, h.contractNewPage)
	r.Post("/contracts/new", contractWriters, h.contractCreateSubmit)
	r.Get("/contracts/:id", contractReaders, h.contractPage)
	r.Get("/contracts/:id/prices.xlsx", contractReaders, h.pricesExport)
	r.Get("/contracts/:id/participants.xlsx", contractReaders, h.participantsExport)
	r.Post("/contracts/:id/extend", contractWriters, h.extendSubmit)
	r.Post("/contracts/:id/prices", contractWriters, h.priceSubmit)
	r.Post("/contracts/:id/participants", contractWriters, h.participantSubmit)
	r.Post("/contracts/:id/documents", contractWriters, h.documentSubmit)
	r.Get("/contracts/:id/documents/:doc", contractReaders, h.sendDocument)
}

// contractRow is a contract as the lists show it: with the days left to its notice
// deadline and its end, and whether the deadline is urgent.
type contractRow struct {
	contracts.Contract
	NoticeDays, EndDays int
	Urgent              bool // the notice deadline is ahead, under UrgentDays away
	Passed              bool // the notice deadline has passed
	PassedDays          int  // how many days ago, when it has
}

func (h *Handlers) rows(cs []contracts.Contract) []contractRow {
	today := h.today()
	out := make([]contractRow, len(cs))
	for i, c := range cs {
		r := contractRow{Contract: c, NoticeDays: c.NoticeDaysLeft(today), EndDays: c.EndDaysLeft(today)}
		r.Passed, r.PassedDays = r.NoticeDays < 0, -r.NoticeDays
		r.Urgent = !r.Passed && r.NoticeDays < UrgentDays
		out[i] = r
	}
	return out
}

// contractColumns are the contract lists in their downloads.
func (h *Handlers) contractColumns(l i18n.Lang) []httpx.Column[contractRow] {
	return []httpx.Column[contractRow]{
		{Header: "con.contract.number", Value: func(r contractRow) any { return r.Number }},
		{Header: "con.contract.title", Value: func(r contractRow) any { return r.Title }},
		{Header: "con.contract.vendor", Value: func(r contractRow) any { return r.VendorName }},
		{Header: "con.contract.scheme", Value: func(r contractRow) any { return schemeText(l, r.SchemeCode) }},
		{Header: "con.contract.status", Value: func(r contractRow) any { return l.T("con.status." + string(r.Status)) }},
		{Header: "con.contract.starts_on", Value: func(r contractRow) any { return r.StartsOn }},
		{Header: "con.contract.ends_on", Value: func(r contractRow) any { return r.EndsOn }},
		{Header: "con.contract.notice_deadline", Value: func(r contractRow) any { return r.NoticeDeadline }},
		{Header: "con.contract.days_left", Value: func(r contractRow) any { return r.NoticeDays }},
		{Header: "con.contract.extensions_left", Value: func(r contractRow) any { return r.ExtensionsLeft }},
	}
}

// contractTable lays rows out for a page (the columns of the download but the start
// and the options left, so that it fits): number and vendor link to their pages, and
// the days to the notice deadline are red when under UrgentDays (or passed).
func (h *Handlers) contractTable(l i18n.Lang, rows []contractRow, vendorLinks bool) httpx.Table {
	all := h.contractColumns(l)
	cols := []httpx.Column[contractRow]{all[0], all[1], all[2], all[3], all[4], all[6], all[7], all[8]}
	const days = 7
	cols[0].Link = func(r contractRow) string { return fmt.Sprintf("/contracts/%d", r.ID) }
	cols[0].Class = "mono"
	if vendorLinks {
		cols[2].Link = func(r contractRow) string { return fmt.Sprintf("/vendors/%d", r.VendorID) }
	}
	cols[days].Num = true
	t := httpx.TableOf(l, cols, rows)
	for i, r := range rows {
		cell := &t.Rows[i][days]
		switch {
		case r.Status == contracts.StatusExpired:
			cell.Text = ""
		case r.Passed:
			cell.Class += " danger"
			cell.Text = l.T("con.deadlines.passed", r.PassedDays)
		case r.Urgent:
			cell.Class += " danger"
			cell.Text = l.T("con.deadlines.days", r.NoticeDays)
		default:
			cell.Text = l.T("con.deadlines.days", r.NoticeDays)
		}
	}
	return t
}

func schemeText(l i18n.Lang, code *string) string {
	if code == nil {
		return l.T("con.contract.all_schemes")
	}
	return *code
}

// allContracts returns every contract of f the caller may see.
func (h *Handlers) allContracts(c *fiber.Ctx, f contracts.ContractFilter) ([]contracts.Contract, error) {
	f.Limit = 500
	var all []contracts.Contract
	for {
		cs, next, err := h.Contracts.ListContracts(c.UserContext(), f)
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
		if next == 0 {
			return all, nil
		}
		f.After = next
	}
}

type contractsView struct {
	Table                      httpx.Table
	Vendors                    []contracts.Vendor
	Schemes                    []contracts.Scheme
	Statuses                   []contracts.Status
	VendorID, SchemeID, Status string
	Q                          string
	Filtered, CanManage        bool
	Pager                      ui.Pager
}

// filterView is the list's filter as typed, and the filter it makes.
func (h *Handlers) filterView(c *fiber.Ctx) (contractsView, contracts.ContractFilter, error) {
	v := contractsView{VendorID: c.Query("vendor_id"), SchemeID: c.Query("scheme_id"), Status: c.Query("status"),
		Q: strings.TrimSpace(c.Query("q")), Statuses: contracts.Statuses, CanManage: canManage(c)}
	v.Filtered = v.VendorID != "" || v.SchemeID != "" || v.Status != "" || v.Q != ""
	ctx := c.UserContext()
	var err error
	if principal(c).IsStaff() {
		if v.Vendors, _, err = h.Contracts.ListVendors(ctx, contracts.VendorFilter{Limit: 500}); err != nil {
			return v, contracts.ContractFilter{}, err
		}
	}
	if v.Schemes, err = h.Contracts.ListSchemes(ctx); err != nil {
		return v, contracts.ContractFilter{}, err
	}
	f, err := contractFilter(c)
	return v, f, err
}

func (h *Handlers) contractsPage(c *fiber.Ctx) error {
	v, f, err := h.filterView(c)
	if err != nil {
		return h.UI.RenderError(c, "con_contracts", "con.contracts.title", v, err)
	}
	p, err := httpx.PageParams(c)
	if err != nil {
		return h.UI.RenderError(c, "con_contracts", "con.contracts.title", v, err)
	}
	f.After, f.Limit = p.After, p.Limit
	cs, next, err := h.Contracts.ListContracts(c.UserContext(), f)
	if err != nil {
		return h.UI.RenderError(c, "con_contracts", "con.contracts.title", v, err)
	}
	v.Table, v.Pager = h.contractTable(ui.Lang(c), h.rows(cs), principal(c).IsStaff()), ui.PagerFor(c, p, next)
	v.Pager.Export = "/contracts.xlsx?" + httpx.Query(c, "cursor", "")
	return h.UI.Render(c, "con_contracts", "con.contracts.title", v)
}

func (h *Handlers) contractsExport(c *fiber.Ctx) error {
	f, err := contractFilter(c)
	if err != nil {
		return err
	}
	cs, err := h.allContracts(c, f)
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	return httpx.SendColumns(c, l, "contracts.xlsx", l.T("con.contracts.title"), h.contractColumns(l), h.rows(cs))
}

type deadlinesView struct {
	Table httpx.Table
	Days  string
	Pager ui.Pager
}

// deadlinesFilter is the deadlines view: contracts not expired, by notice deadline,
// optionally only those whose end or deadline falls within ?days=. Without it the window
// is the longest there is, so that expired contracts (whose deadlines sort first) are
// left out in the query, not page by page.
func deadlinesFilter(c *fiber.Ctx) (contracts.ContractFilter, string, error) {
	longest := contracts.MaxExpiringDays
	f := contracts.ContractFilter{Sort: contracts.SortByDeadline, ExpiringWithinDays: &longest}
	days := strings.TrimSpace(c.Query("days"))
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > contracts.MaxExpiringDays {
			return f, days, apperr.Invalid(apperr.Field("days", apperr.OutOfRange, "must be a whole number from %d to %d", 0, contracts.MaxExpiringDays))
		}
		f.ExpiringWithinDays = &n
	}
	return f, days, nil
}

func (h *Handlers) deadlinesPage(c *fiber.Ctx) error {
	f, days, err := deadlinesFilter(c)
	v := deadlinesView{Days: days}
	if err != nil {
		return h.UI.RenderError(c, "con_deadlines", "con.deadlines.title", v, err)
	}
	p, err := httpx.PageParams(c)
	if err != nil {
		return h.UI.RenderError(c, "con_deadlines", "con.deadlines.title", v, err)
	}
	f.After, f.Limit = p.After, p.Limit
	cs, next, err := h.Contracts.ListContracts(c.UserContext(), f)
	if err != nil {
		return err
	}
	v.Table = h.contractTable(ui.Lang(c), h.rows(notExpired(cs)), true)
	v.Pager = ui.PagerFor(c, p, next)
	v.Pager.Export = "/contracts/deadlines.xlsx?" + httpx.Query(c, "cursor", "")
	return h.UI.Render(c, "con_deadlines", "con.deadlines.title", v)
}

// notExpired drops expired contracts: nobody gives notice on them any more.
func notExpired(cs []contracts.Contract) []contracts.Contract {
	out := cs[:0:0]
	for _, c := range cs {
		if c.Status != contracts.StatusExpired {
			out = append(out, c)
		}
	}
	return out
}

func (h *Handlers) deadlinesExport(c *fiber.Ctx) error {
	f, _, err := deadlinesFilter(c)
	if err != nil {
		return err
	}
	cs, err := h.allContracts(c, f)
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	return httpx.SendColumns(c, l, "deadlines.xlsx", l.T("con.deadlines.title"), h.contractColumns(l), h.rows(notExpired(cs)))
}
