package contracts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
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

// contractForm is the new-contract form as typed.
type contractForm struct {
	Number, Title, VendorID, SchemeID, TenderRef, StartsOn, EndsOn, NoticeMonths string
	Extensions, ResponseHours, ResolutionHours                                   string
	Vendors                                                                      []contracts.Vendor
	Schemes                                                                      []contracts.Scheme
}

func (h *Handlers) renderContractForm(c *fiber.Ctx, f contractForm, formErr error) error {
	ctx := c.UserContext()
	var err error
	if f.Vendors, _, err = h.Contracts.ListVendors(ctx, contracts.VendorFilter{Limit: 500}); err != nil {
		return err
	}
	if f.Schemes, err = h.Contracts.ListSchemes(ctx); err != nil {
		return err
	}
	return h.UI.RenderError(c, "con_contract_form", "con.contract.new", f, formErr)
}

func (h *Handlers) contractNewPage(c *fiber.Ctx) error {
	return h.renderContractForm(c, contractForm{VendorID: c.Query("vendor_id"), NoticeMonths: "6"}, nil)
}

func (h *Handlers) contractCreateSubmit(c *fiber.Ctx) error {
	f := contractForm{Number: c.FormValue("number"), Title: c.FormValue("title"), VendorID: c.FormValue("vendor_id"),
		SchemeID: c.FormValue("scheme_id"), TenderRef: c.FormValue("tender_ref"), StartsOn: strings.TrimSpace(c.FormValue("starts_on")),
		EndsOn: strings.TrimSpace(c.FormValue("ends_on")), NoticeMonths: strings.TrimSpace(c.FormValue("notice_months")),
		Extensions: strings.TrimSpace(c.FormValue("extensions")), ResponseHours: strings.TrimSpace(c.FormValue("response_hours")),
		ResolutionHours: strings.TrimSpace(c.FormValue("resolution_hours"))}
	var fe apperr.Fields
	in := contracts.NewContract{Number: f.Number, Title: f.Title, TenderRef: f.TenderRef}
	if id := ui.ParseID(&fe, "vendor_id", f.VendorID); id != nil {
		in.VendorID = *id
	}
	in.SchemeID = ui.ParseID(&fe, "scheme_id", f.SchemeID)
	in.StartsOn = ui.ParseDate(&fe, "starts_on", f.StartsOn)
	in.EndsOn = ui.ParseDate(&fe, "ends_on", f.EndsOn)
	if f.NoticeMonths != "" {
		if n, err := strconv.Atoi(f.NoticeMonths); err != nil {
			fe.Add("notice_months", apperr.NotInteger, "must be a whole number")
		} else {
			in.NoticeMonths = &n
		}
	}
	if f.Extensions != "" {
		for _, part := range strings.FieldsFunc(f.Extensions, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			n, err := strconv.Atoi(part)
			if err != nil {
				fe.Add("extensions", apperr.NotInteger, "must be a whole number")
				continue
			}
			in.Extensions = append(in.Extensions, contracts.NewExtension{Months: n})
		}
	}
	if f.ResponseHours != "" || f.ResolutionHours != "" {
		in.SLA = &contracts.SLA{}
		var err error
		if in.SLA.ResponseHours, err = strconv.Atoi(f.ResponseHours); err != nil {
			fe.Add("sla.response_hours", apperr.NotInteger, "must be a whole number")
		}
		if in.SLA.ResolutionHours, err = strconv.Atoi(f.ResolutionHours); err != nil {
			fe.Add("sla.resolution_hours", apperr.NotInteger, "must be a whole number")
		}
	}
	if !in.StartsOn.IsZero() && !in.EndsOn.IsZero() && in.EndsOn.Before(in.StartsOn) {
		// Said here too, so a form with other problems names this one as well.
		fe.Add("ends_on", contracts.CodeEndsBeforeStarts, "must not be before starts_on (%s)", in.StartsOn)
	}
	if err := fe.Err(); err != nil {
		return h.renderContractForm(c, f, err)
	}
	k, err := h.Contracts.CreateContract(c.UserContext(), in)
	if err != nil {
		return h.renderContractForm(c, f, onInput(err, "extensions"))
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/contracts/%d", k.ID), fiber.StatusSeeOther)
}

// onInput names the field errors of err inside list (extensions[2].months) by list,
// the one input of the form that holds them.
func onInput(err error, list string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	for i, fe := range ae.Fields {
		if strings.HasPrefix(fe.Field, list+"[") {
			ae.Fields[i].Field = list
		}
	}
	return err
}

// priceRow is a price as the contract page shows it: what it is for, and until when.
type priceRow struct {
	contracts.Price
	Item     string     // the product's name, or the event
	Until    civil.Date // the day before the next price of the same item; zero: open
	InForce  bool       // the price in force today
	Upcoming bool
}

// auditRow is an audit entry with its action in the user's language, where known.
type auditRow struct {
	audit.Entry
	ActionText string
}

// priceForm and partForm are the contract page's forms as typed.
type priceForm struct{ Kind, Event, ProductID, Amount, ValidFrom string }
type partForm struct{ MemberID, JoinedOn, LeftOn string }

type contractView struct {
	Contract   *contracts.ContractDetail
	Row        contractRow
	Prices     []priceRow
	Audit      []auditRow
	CanManage  bool
	Products   []inventory.Product
	Members    []contracts.Member
	Kinds      []contracts.PriceKind
	Events     []contracts.Event
	Price      priceForm
	Part       partForm
	NextOption *contracts.Extension
	MaxDocMB   int64
}

func (h *Handlers) renderContract(c *fiber.Ctx, id int64, pf priceForm, part partForm, formErr error) error {
	ctx := c.UserContext()
	d, err := h.Contracts.GetContract(ctx, id)
	if err != nil {
		return err
	}
	v := contractView{Contract: d, Row: h.rows([]contracts.Contract{d.Contract})[0], CanManage: canManage(c),
		Kinds: contracts.PriceKinds, Events: contracts.Events, Price: pf, Part: part, MaxDocMB: h.maxDocBytes() >> 20}
	for i := range d.Extensions {
		if !d.Extensions[i].Used() {
			v.NextOption = &d.Extensions[i]
			break
		}
	}
	names := map[int64]string{}
	if h.Inventory != nil {
		if v.Products, err = h.Inventory.ListProducts(ctx); err != nil {
			return err
		}
		for _, p := range v.Products {
			names[p.ID] = p.SKU + " " + p.Name
		}
	}
	v.Prices = pricesOf(ui.Lang(c), d.Prices, names, h.today())
	if v.CanManage {
		if v.Members, _, err = h.Contracts.ListMembers(ctx, contracts.MemberFilter{Limit: 500}); err != nil {
			return err
		}
		es, _, err := audit.List(ctx, audit.Filter{Entity: "contract", EntityID: id, Limit: 50})
		if err != nil {
			return err
		}
		l := ui.Lang(c)
		for _, e := range es {
			r := auditRow{Entry: e, ActionText: e.Action}
			if l.Has("audit.actions." + e.Action) {
				r.ActionText = l.T("audit.actions." + e.Action)
			}
			v.Audit = append(v.Audit, r)
		}
	}
	if !v.CanManage {
		v.Products = nil
	}
	return h.UI.RenderError(c, "con_contract", "con.contracts.title", v, formErr)
}

func (h *Handlers) maxDocBytes() int64 {
	if h.Contracts.MaxDocumentBytes > 0 {
		return h.Contracts.MaxDocumentBytes
	}
	return contracts.DefaultMaxDocumentBytes
}

// pricesOf lays out a contract's prices (by item, then valid_from) with the day each
// stops being in force.
func pricesOf(l i18n.Lang, ps []contracts.Price, names map[int64]string, today civil.Date) []priceRow {
	out := make([]priceRow, len(ps))
	for i, p := range ps {
		r := priceRow{Price: p}
		switch {
		case p.Kind == contracts.PriceEvent && p.ProductID == nil:
			r.Item = l.T("con.event." + string(p.Event))
		case p.Kind == contracts.PriceEvent:
			r.Item = l.T("con.event."+string(p.Event)) + ": " + productName(names, *p.ProductID)
		default:
			r.Item = productName(names, *p.ProductID)
		}
		if i+1 < len(ps) && ps[i+1].Item() == p.Item() {
			r.Until = ps[i+1].ValidFrom.AddDays(-1)
		}
		r.Upcoming = p.ValidFrom.After(today)
		r.InForce = !r.Upcoming && (r.Until.IsZero() || !r.Until.Before(today))
		out[i] = r
	}
	return out
}

func productName(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("#%d", id)
}

func (h *Handlers) contractPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.renderContract(c, id, priceForm{Kind: string(contracts.PricePurchase), ValidFrom: h.today().String()},
		partForm{JoinedOn: h.today().String()}, nil)
}

func (h *Handlers) pricesExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := h.Contracts.GetContract(ctx, id)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	if h.Inventory != nil {
		ps, err := h.Inventory.ListProducts(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			names[p.ID] = p.SKU + " " + p.Name
		}
	}
	l := ui.Lang(c)
	cols := []httpx.Column[priceRow]{
		{Header: "con.price.item", Value: func(r priceRow) any { return r.Item }},
		{Header: "con.price.kind", Value: func(r priceRow) any { return l.T("con.kind." + string(r.Kind)) }},
		{Header: "con.price.amount_ore", Value: func(r priceRow) any { return r.AmountOre }},
		{Header: "con.price.valid_from", Value: func(r priceRow) any { return r.ValidFrom }},
		{Header: "con.price.until", Value: func(r priceRow) any { return r.Until }},
	}
	return httpx.SendColumns(c, l, "prices-"+d.Number+".xlsx", d.Number, cols, pricesOf(l, d.Prices, names, h.today()))
}

func (h *Handlers) extendSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Contracts.Extend(c.UserContext(), id); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderContract(c, id, priceForm{Kind: string(contracts.PricePurchase)}, partForm{}, err)
	}
	ui.Flash(c, "con.flash.extended")
	return c.Redirect(fmt.Sprintf("/contracts/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) priceSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := priceForm{Kind: c.FormValue("kind"), Event: c.FormValue("event"), ProductID: c.FormValue("product_id"),
		Amount: strings.TrimSpace(c.FormValue("amount")), ValidFrom: strings.TrimSpace(c.FormValue("valid_from"))}
	var fe apperr.Fields
	in := contracts.NewPrice{Kind: contracts.PriceKind(f.Kind), ProductID: ui.ParseID(&fe, "product_id", f.ProductID)}
	if in.Kind == contracts.PriceEvent {
		in.Event = contracts.Event(f.Event)
	} else if in.ProductID == nil && f.ProductID == "" && (in.Kind == contracts.PricePurchase || in.Kind == contracts.PriceMonthly) {
		// Said here too, so a form with other problems names this one as well.
		fe.Add("product_id", contracts.CodeRequiredForKind, "is required for %s prices", string(in.Kind))
	}
	if f.Amount == "" {
		fe.Add("amount_ore", apperr.Required, "is required")
	} else if ore, ok := ui.ParseKroner(f.Amount); !ok {
		fe.Add("amount_ore", apperr.BadFormat, "must be an amount in kroner, as 1.234,50")
	} else {
		in.AmountOre = &ore
	}
	if f.ValidFrom == "" {
		fe.Add("valid_from", apperr.Required, "is required")
	}
	in.ValidFrom = ui.ParseDate(&fe, "valid_from", f.ValidFrom)
	if err := fe.Err(); err != nil {
		return h.renderContract(c, id, f, partForm{JoinedOn: h.today().String()}, err)
	}
	if _, err := h.Contracts.AddPrice(c.UserContext(), id, in); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderContract(c, id, f, partForm{JoinedOn: h.today().String()}, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/contracts/%d#prices", id), fiber.StatusSeeOther)
}

func (h *Handlers) participantSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := partForm{MemberID: c.FormValue("member_id"), JoinedOn: strings.TrimSpace(c.FormValue("joined_on")),
		LeftOn: strings.TrimSpace(c.FormValue("left_on"))}
	var fe apperr.Fields
	var in contracts.NewParticipation
	if mid := ui.ParseID(&fe, "member_id", f.MemberID); mid != nil {
		in.MemberID = *mid
	}
	in.JoinedOn = ui.ParseDate(&fe, "joined_on", f.JoinedOn)
	in.LeftOn = ui.ParseDate(&fe, "left_on", f.LeftOn)
	pf := priceForm{Kind: string(contracts.PricePurchase), ValidFrom: h.today().String()}
	if err := fe.Err(); err != nil {
		return h.renderContract(c, id, pf, f, err)
	}
	if _, err := h.Contracts.AddParticipant(c.UserContext(), id, in); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderContract(c, id, pf, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/contracts/%d#participants", id), fiber.StatusSeeOther)
}

func (h *Handlers) documentSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.addDocument(c, id); err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return err
		}
		return h.renderContract(c, id, priceForm{Kind: string(contracts.PricePurchase), ValidFrom: h.today().String()},
			partForm{JoinedOn: h.today().String()}, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/contracts/%d#documents", id), fiber.StatusSeeOther)
}

func (h *Handlers) participantsExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.Contracts.GetContract(c.UserContext(), id)
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	cols := []httpx.Column[contracts.ContractParticipant]{
		{Header: "members.code", Value: func(p contracts.ContractParticipant) any { return p.MemberCode }},
		{Header: "part.member", Value: func(p contracts.ContractParticipant) any { return p.MemberName }},
		{Header: "part.joined", Value: func(p contracts.ContractParticipant) any { return p.JoinedOn }},
		{Header: "part.left", Value: func(p contracts.ContractParticipant) any { return p.LeftOn }},
	}
	return httpx.SendColumns(c, l, "participants-"+d.Number+".xlsx", d.Number, cols, d.Participants)
}
