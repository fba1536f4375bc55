package support

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountQueue registers the queue (staff), "our tickets" (members), "escalated to us"
// (vendors) — one page the service scopes — and its Excel download.
func (h *Handlers) mountQueue(r ui.Router) {
	r.Get("/tickets", readers, h.queuePage)
	r.Get("/tickets.xlsx", readers, h.queueExport)
}

// SLA states of the queue's filter and colours.
const (
	slaBreached = "breached"
	slaAtRisk   = "at_risk"
	slaOK       = "ok"
)

// slaState is a ticket's SLA as one word: breached, at risk, ok; "" once resolved.
func slaState(t support.Ticket) string {
	switch {
	case t.SLA.Breached:
		return slaBreached
	case !t.Status.Active():
		return ""
	case t.SLA.AtRisk:
		return slaAtRisk
	}
	return slaOK
}

// names are the members' and vendors' names by id, as far as the caller may see them.
type names struct{ members, vendors map[int64]string }

func (n names) member(id int64) string {
	if s, ok := n.members[id]; ok {
		return s
	}
	return fmt.Sprintf("#%d", id)
}

// memberOf is member for an id that may be missing.
func (n names) memberOf(id *int64) string {
	if id == nil {
		return ""
	}
	return n.member(*id)
}

func (n names) vendor(id *int64) string {
	if id == nil {
		return ""
	}
	if s, ok := n.vendors[*id]; ok {
		return s
	}
	return fmt.Sprintf("#%d", *id)
}

// lookups returns the names the caller may see: staff every member and vendor, a member
// user its own member, a vendor user its own vendor.
func (h *Handlers) lookups(ctx context.Context) (names, []contracts.Member, []contracts.Vendor, error) {
	n := names{members: map[int64]string{}, vendors: map[int64]string{}}
	ms, err := h.allMembers(ctx)
	if err != nil && !apperr.Is(err, apperr.KindForbidden) {
		return n, nil, nil, err
	}
	for _, m := range ms {
		n.members[m.ID] = m.Name
	}
	vs, err := h.allVendors(ctx)
	if err != nil && !apperr.Is(err, apperr.KindForbidden) {
		return n, nil, nil, err
	}
	for _, v := range vs {
		n.vendors[v.ID] = v.Name
	}
	return n, ms, vs, nil
}

func (h *Handlers) allMembers(ctx context.Context) ([]contracts.Member, error) {
	f := contracts.MemberFilter{Limit: 500}
	var out []contracts.Member
	for {
		ms, next, err := h.Contracts.ListMembers(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if next == 0 {
			return out, nil
		}
		f.After = next
	}
}

func (h *Handlers) allVendors(ctx context.Context) ([]contracts.Vendor, error) {
	f := contracts.VendorFilter{Limit: 500}
	var out []contracts.Vendor
	for {
		vs, next, err := h.Contracts.ListVendors(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
		if next == 0 {
			return out, nil
		}
		f.After = next
	}
}

// queueColumns are the queue, on its page and in its download.
func queueColumns(l i18n.Lang, n names, p auth.Principal) []httpx.Column[support.Ticket] {
	cols := []httpx.Column[support.Ticket]{
		{Header: "sup.number", Value: func(t support.Ticket) any { return t.Number }, Class: "mono",
			Link: func(t support.Ticket) string { return fmt.Sprintf("/tickets/%d", t.ID) }},
		{Header: "sup.subject", Value: func(t support.Ticket) any { return t.Subject }},
	}
	if p.IsStaff() {
		cols = append(cols, httpx.Column[support.Ticket]{Header: "sup.member", Value: func(t support.Ticket) any { return n.member(t.MemberID) }})
	}
	cols = append(cols,
		httpx.Column[support.Ticket]{Header: "sup.priority", Value: func(t support.Ticket) any { return l.T("sup.priorities." + string(t.Priority)) }},
		httpx.Column[support.Ticket]{Header: "sup.status", Value: func(t support.Ticket) any { return l.T("sup.statuses." + string(t.Status)) }},
		httpx.Column[support.Ticket]{Header: "sup.channel", Value: func(t support.Ticket) any { return l.T("sup.channels." + string(t.Channel)) }},
		httpx.Column[support.Ticket]{Header: "sup.category", Value: func(t support.Ticket) any { return CategoryLabel(l, t.Category) }},
		httpx.Column[support.Ticket]{Header: "sup.serial", Value: func(t support.Ticket) any { return ui.Deref(t.Serial) }, Class: "mono"},
		httpx.Column[support.Ticket]{Header: "sup.received", Value: func(t support.Ticket) any { return t.ReceivedAt }},
		httpx.Column[support.Ticket]{Header: "sup.next_due", Value: func(t support.Ticket) any { return nextDue(t) }},
		httpx.Column[support.Ticket]{Header: "sup.sla", Value: func(t support.Ticket) any {
			if s := slaState(t); s != "" {
				return l.T("sup.sla_states." + s)
			}
			return ""
		}},
	)
	if p.Role != auth.RoleVendor {
		cols = append(cols, httpx.Column[support.Ticket]{Header: "sup.vendor", Value: func(t support.Ticket) any { return n.vendor(t.VendorID) }})
	}
	return cols
}

// nextDue is the nearest unmet due time of an active ticket, zero for none.
func nextDue(t support.Ticket) time.Time {
	if !t.Status.Active() {
		return time.Time{}
	}
	if t.SLA.FirstResponseAt == nil && t.SLA.FirstResponseDue.Before(t.SLA.ResolutionDue) {
		return t.SLA.FirstResponseDue
	}
	return t.SLA.ResolutionDue
}

// queueForm is the queue's filter as typed.
type queueForm struct {
	Status, Priority, Category, Member, Vendor, SLA, Q string
	All                                                bool // resolved and closed too
}

func queueFormOf(c *fiber.Ctx) queueForm {
	return queueForm{Status: c.Query("status"), Priority: c.Query("priority"), Category: c.Query("category"),
		Member: c.Query("member_id"), Vendor: c.Query("vendor_id"), SLA: c.Query("sla"), Q: c.Query("q"),
		All: c.Query("all") == "1"}
}

// filter is the service's filter of the form; a bad value is a 422 naming it.
func (f queueForm) filter(c *fiber.Ctx) (support.Filter, error) {
	var fe apperr.Fields
	sf := support.Filter{Status: support.Status(f.Status), Priority: support.Priority(f.Priority),
		Category: support.Category(f.Category), Query: strings.Clone(f.Q),
		MemberID: httpx.Int64Query(c, "member_id", &fe), VendorID: httpx.Int64Query(c, "vendor_id", &fe)}
	sf.Status, sf.Priority, sf.Category = support.Status(strings.Clone(f.Status)), support.Priority(strings.Clone(f.Priority)),
		support.Category(strings.Clone(f.Category))
	switch f.SLA {
	case "", slaAtRisk:
	case slaBreached:
		sf.Breached = true
	default:
		fe.Add("sla", apperr.OneOf, "must be one of %s", "breached, at_risk")
	}
	if len(f.Q) > maxQueryParam {
		fe.Add("q", apperr.TooLong, "must be at most %d characters", maxQueryParam)
	}
	sf.Active = !f.All && f.Status == ""
	return sf, fe.Err()
}

// maxScan bounds how many tickets the at-risk filter reads for one page: at-risk tickets
// are those nearest their due time, at the head of the queue.
const maxScan = 5000

// page returns one page of the queue for f (the at-risk filter read through the
// service's pages), and the cursor of the next.
func (h *Handlers) page(ctx context.Context, f support.Filter, atRisk bool) ([]support.Ticket, *support.Cursor, error) {
	if !atRisk {
		return h.Support.List(ctx, f)
	}
	want := f.Limit
	f.Limit = 500
	var out []support.Ticket
	for scanned := 0; scanned < maxScan; {
		ts, next, err := h.Support.List(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		scanned += len(ts)
		for _, t := range ts {
			if slaState(t) == slaAtRisk {
				out = append(out, t)
				if len(out) == want {
					return out, &support.Cursor{Due: t.NextDueAt, ID: t.ID}, nil
				}
			}
		}
		if next == nil {
			return out, nil, nil
		}
		f.After = next
	}
	return out, nil, nil
}

// Row is one ticket of the queue as the page shows it.
type Row struct {
	support.Ticket
	MemberName, VendorName, State string
	NextDue                       time.Time
	// The row's words, said once per page for each value (labels).
	PriorityLabel, StatusLabel, ChannelLabel, StateLabel string
}

// labels says the queue's enumerations in l, each value once: a page of 50 rows would
// otherwise look up the same few words hundreds of times.
type labels struct {
	l     i18n.Lang
	words map[string]string
}

func newLabels(l i18n.Lang) *labels { return &labels{l: l, words: map[string]string{}} }

func (lb *labels) say(key string) string {
	if w, ok := lb.words[key]; ok {
		return w
	}
	w := lb.l.T(key)
	lb.words[key] = w
	return w
}

// row is t as the queue shows it.
func (lb *labels) row(t support.Ticket, n names) Row {
	r := Row{Ticket: t, MemberName: n.member(t.MemberID), VendorName: n.vendor(t.VendorID), State: slaState(t), NextDue: nextDue(t),
		PriorityLabel: lb.say("sup.priorities." + string(t.Priority)), StatusLabel: lb.say("sup.statuses." + string(t.Status)),
		ChannelLabel: lb.say("sup.channels." + string(t.Channel))}
	if r.State != "" {
		r.StateLabel = lb.say("sup.sla_states." + r.State)
	}
	return r
}

type queueView struct {
	Rows      []Row
	Form      queueForm
	Members   []contracts.Member
	Vendors   []contracts.Vendor
	Statuses  []support.Status
	Prios     []support.Priority
	Cats      []support.Category
	Pager     ui.Pager
	Heading   string
	IsStaff   bool
	IsVendor  bool
	CanCreate bool
	Filtered  bool
}

var categories = []support.Category{support.DeviceFault, support.Delivery, support.Pickup, support.Usage, support.Other}

func (h *Handlers) queuePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	form := queueFormOf(c)
	f, err := form.filter(c)
	if err != nil {
		return err
	}
	f.Limit = 50
	if s := c.Query("cursor"); s != "" {
		if f.After, err = support.ParseCursor(s); err != nil {
			return err
		}
	}
	ts, next, err := h.page(ctx, f, form.SLA == slaAtRisk)
	if err != nil {
		return err
	}
	n, ms, vs, err := h.lookups(ctx)
	if err != nil {
		return err
	}
	v := queueView{Form: form, Statuses: support.Statuses, Prios: support.Priorities, Cats: categories,
		IsStaff: p.IsStaff(), IsVendor: p.Role == auth.RoleVendor, CanCreate: slices.Contains(creators, p.Role),
		Heading:  "sup.queue.title",
		Filtered: form != queueForm{}}
	switch p.Role {
	case auth.RoleMember:
		v.Heading = "sup.queue.mine"
	case auth.RoleVendor:
		v.Heading = "sup.queue.escalated"
	}
	if p.IsStaff() {
		v.Members, v.Vendors = ms, vs
	}
	lb := newLabels(ui.Lang(c))
	for _, t := range ts {
		v.Rows = append(v.Rows, lb.row(t, n))
	}
	if next != nil {
		v.Pager.Next = "?" + httpx.Query(c, "cursor", next.String())
	}
	if f.After != nil {
		v.Pager.First = c.Path()
		if q := httpx.Query(c, "cursor", ""); q != "" {
			v.Pager.First += "?" + q
		}
	}
	v.Pager.Export = "/tickets.xlsx"
	if q := httpx.Query(c, "cursor", ""); q != "" {
		v.Pager.Export += "?" + q
	}
	return h.UI.Render(c, "sup_queue", v.Heading, v)
}

// maxExport bounds the queue's download.
const maxExport = 20000

// queueExport answers the filtered queue (every page) as a workbook.
func (h *Handlers) queueExport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	l := ui.Lang(c)
	form := queueFormOf(c)
	f, err := form.filter(c)
	if err != nil {
		return err
	}
	f.Limit = 500
	var all []support.Ticket
	for len(all) < maxExport {
		ts, next, err := h.page(ctx, f, form.SLA == slaAtRisk)
		if err != nil {
			return err
		}
		all = append(all, ts...)
		if next == nil {
			break
		}
		f.After = next
	}
	n, _, _, err := h.lookups(ctx)
	if err != nil {
		return err
	}
	return httpx.SendColumns(c, l, "tickets.xlsx", l.T("sup.queue.title"), queueColumns(l, n, p), all)
}

// CategoryLabel says a category in l: the catalogue cannot hold a key "other" in a
// table of words (go-i18n takes it for a plural form), so other is "misc" there. The
// pages call it as the template function catLabel.
func CategoryLabel(l i18n.Lang, c support.Category) string {
	if c == support.Other {
		return l.T("sup.cats.misc")
	}
	return l.T("sup.cats." + string(c))
}
