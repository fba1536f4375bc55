package orders

import (
	"github.com/fsc/backoffice/contracts"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountBoard registers the orders board (a member's own orders) and its download.
func (h *Handlers) mountBoard(r ui.Router) {
	r.Get("/orders", memberAndStaff, h.ordersPage)
	r.Get("/orders.xlsx", memberAndStaff, h.ordersExport)
}

type statusTab struct {
	Status, Href string
	Count        int64
	Active       bool
}

type orderRow struct {
	orders.Order
	MemberName, KitName string
	CreatedOn           civil.Date
	Late                bool
}

type ordersView struct {
	Staff, Member bool
	Status        string
	// The search: number or citizen reference, member, and the order of the list.
	Query, MemberID string
	Sort            string // the sort parameter as given, "" for the default
	Members         []contracts.Member
	ByNumber, ByDue sortColumn
	Tabs            []statusTab
	Total, Late     int64
	Rows            []orderRow
	Pager           ui.Pager
	Export          string
}

func (h *Handlers) ordersPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains(orders.Statuses, orders.Status(status)) {
		status = ""
	}
	f, v := boardFilter(c, status)
	f.After, f.Limit = pg.After, pg.Limit
	list, next, err := h.Orders.List(ctx, f)
	if err != nil {
		return err
	}
	if p.IsStaff() {
		if v.Members, _, err = h.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
			return err
		}
	}
	n, err := h.Orders.CountOrders(ctx, 0)
	if err != nil {
		return err
	}
	counts := n.ByStatus
	v.Staff, v.Member, v.Status, v.Late, v.Total = p.IsStaff(), p.Role == auth.RoleMember, status, n.Late, n.Total
	v.Export = "/orders.xlsx?" + httpx.Query(c, "", "", "cursor", "limit")
	v.Tabs = append(v.Tabs, statusTab{Href: "/orders", Count: v.Total, Active: status == ""})
	for _, st := range orders.Statuses {
		v.Tabs = append(v.Tabs, statusTab{Status: string(st), Href: "/orders?status=" + string(st), Count: counts[st], Active: status == string(st)})
	}
	names, today := h.lookups(ctx), civil.Today()
	for i := range list {
		o := &list[i]
		r := orderRow{Order: *o, KitName: names.kit(o.KitID), CreatedOn: civil.Of(o.CreatedAt), Late: o.IsLate(today)}
		if v.Staff {
			r.MemberName = names.member(o.MemberID)
		}
		v.Rows = append(v.Rows, r)
	}
	v.Pager = ui.PagerFor(c, pg, next)
	title := "ord.mine.title"
	if v.Staff {
		title = "ord.list.title"
	}
	return h.UI.Render(c, "ord_list", title, v)
}

func (h *Handlers) ordersExport(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	p, _ := auth.From(ctx)
	status := c.Query("status")
	if status != "" && !slices.Contains(orders.Statuses, orders.Status(status)) {
		status = ""
	}
	names, today := h.lookups(ctx), civil.Today()
	f, _ := boardFilter(c, status)
	list, err := httpx.All(func(after int64) ([]orders.Order, int64, error) {
		f.After, f.Limit = after, 500
		return h.Orders.List(ctx, f)
	})
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(list))
	for i := range list {
		o := &list[i]
		late := l.T("common.no")
		if o.IsLate(today) {
			late = l.T("common.yes")
		}
		row := []any{o.Number, o.CreatedAt}
		if p.IsStaff() {
			row = append(row, names.member(o.MemberID))
		}
		row = append(row, o.CitizenRef, names.kit(o.KitID), l.T("ord.statuses."+string(o.Status)), o.RequestedOn, late,
			o.Delivery.Name, o.Delivery.Street, o.Delivery.Postcode, o.Delivery.City)
		rows = append(rows, row)
	}
	header := []string{l.T("ord.number"), l.T("ord.created")}
	if p.IsStaff() {
		header = append(header, l.T("ord.member"))
	}
	header = append(header, l.T("ord.f.citizen_ref"), l.T("ord.kit"), l.T("ord.status"), l.T("ord.f.requested_on"), l.T("ord.late"),
		l.T("ord.f.delivery_name"), l.T("ord.f.delivery_street"), l.T("ord.f.delivery_postcode"), l.T("ord.f.delivery_city"))
	return httpx.SendXLSX(c, "orders.xlsx", l.T("ord.list.title"), header, rows)
}

// boardFilter reads the board's search (q, member_id, sort) into a filter, and the
// view's copy of it; a member id that is not a number is ignored, as a bad status is.
func boardFilter(c *fiber.Ctx, status string) (orders.Filter, ordersView) {
	v := ordersView{Query: strings.TrimSpace(c.Query("q")), MemberID: c.Query("member_id")}
	sort, ok := parseSort(c.Query("sort"))
	if ok && sort != orders.SortNewest {
		v.Sort = c.Query("sort")
	}
	f := orders.Filter{Status: orders.Status(status), Query: v.Query, Sort: sort}
	if id, err := strconv.ParseInt(v.MemberID, 10, 64); err == nil && id > 0 {
		f.MemberID = id
	} else {
		v.MemberID = ""
	}
	v.ByNumber = sortColumnOf(c, sort, orders.SortOldest, orders.SortNewest, false)
	v.ByDue = sortColumnOf(c, sort, orders.SortDue, orders.SortDueLast, true)
	return f, v
}

// parseSort reads a sort parameter of the board and the API: "" or newest, oldest,
// due, due_last; ok is false for anything else (the default then).
func parseSort(s string) (orders.Sort, bool) {
	if s == "newest" {
		return orders.SortNewest, true
	}
	if st := orders.Sort(s); slices.Contains(orders.Sorts, st) {
		return st, true
	}
	return orders.SortNewest, false
}

// sortColumn is a column header that sorts the whole list (in the database, page by
// page), not only the rows shown.
type sortColumn struct {
	Href     string
	AriaSort string // ascending, descending or none
	Arrow    string
	Next     string // the catalogue key of what a click does
}

// sortColumnOf is the header of the column sorted by asc or desc, given the list's sort
// cur: a click turns the column's sort round, or sorts by it (ascending first when
// ascFirst).
func sortColumnOf(c *fiber.Ctx, cur, asc, desc orders.Sort, ascFirst bool) sortColumn {
	param := func(s orders.Sort) string {
		if s == orders.SortNewest {
			return "newest"
		}
		return string(s)
	}
	col := sortColumn{AriaSort: "none"}
	next := desc
	switch {
	case cur == asc:
		col.AriaSort, col.Arrow = "ascending", "↑"
	case cur == desc:
		col.AriaSort, col.Arrow, next = "descending", "↓", asc
	case ascFirst:
		next = asc
	}
	col.Href = "/orders?" + httpx.Query(c, "sort", param(next), "cursor")
	col.Next = map[orders.Sort]string{orders.SortNewest: "ord.list.sort_newest", orders.SortOldest: "ord.list.sort_oldest",
		orders.SortDue: "ord.list.sort_due", orders.SortDueLast: "ord.list.sort_due_last"}[next]
	return col
}
