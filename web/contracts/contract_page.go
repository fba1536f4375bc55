package contracts

import (
	"fmt"
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
