package orders

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountNew registers the form that orders a kit for a citizen.
func (h *Handlers) mountNew(r ui.Router) {
	r.Get("/orders/new", memberOnly, h.orderNewPage)
	r.Post("/orders/new", memberOnly, h.orderNewSubmit)
}

// orderForm is the order form as typed.
type orderForm struct {
	Key                                 string
	KitID, CitizenRef                   string
	Name, Street, Postcode, City, Phone string
	RequestedOn, Note                   string
	Today                               string
	Kits                                []inventory.Kit
	Errs                                ui.FormErrors
}

var orderFields = []ui.Field{
	{Path: "kit_id", ID: "kit_id"}, {Path: "citizen_ref", ID: "citizen_ref"},
	{Path: "delivery.name", ID: "delivery_name"}, {Path: "delivery.street", ID: "delivery_street"}, {Path: "delivery.postcode", ID: "delivery_postcode"},
	{Path: "delivery.city", ID: "delivery_city"}, {Path: "delivery.phone", ID: "delivery_phone"},
	{Path: "requested_on", ID: "requested_on"}, {Path: "note", ID: "note"},
}

func (h *Handlers) renderOrderForm(c *fiber.Ctx, status int, f orderForm) error {
	ks, err := h.Inventory.ListKits(c.UserContext())
	if err != nil {
		return err
	}
	f.Kits, f.Today = ks, civil.Today().String()
	if len(ks) == 1 && f.KitID == "" {
		f.KitID = strconv.FormatInt(ks[0].ID, 10)
	}
	return h.UI.RenderStatus(c, status, "ord_new", "ord.new.title", f)
}

func (h *Handlers) orderNewPage(c *fiber.Ctx) error {
	return h.renderOrderForm(c, fiber.StatusOK, orderForm{Key: newFormKey()})
}

func (h *Handlers) orderNewSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	p, _ := auth.From(ctx)
	f := orderForm{Key: c.FormValue("key"), KitID: c.FormValue("kit_id"), CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref")),
		Name: strings.TrimSpace(c.FormValue("delivery_name")), Street: strings.TrimSpace(c.FormValue("delivery_street")),
		Postcode: strings.TrimSpace(c.FormValue("delivery_postcode")), City: strings.TrimSpace(c.FormValue("delivery_city")),
		Phone: strings.TrimSpace(c.FormValue("delivery_phone")), RequestedOn: strings.TrimSpace(c.FormValue("requested_on")),
		Note: strings.TrimSpace(c.FormValue("note"))}
	if f.Key == "" {
		f.Key = newFormKey()
	}
	in := orders.NewOrder{CitizenRef: f.CitizenRef, Note: f.Note,
		Delivery: &orders.Address{Name: f.Name, Street: f.Street, Postcode: f.Postcode, City: f.City, Phone: f.Phone}}
	if p.MemberID != nil {
		in.MemberID = *p.MemberID
	}
	// What the service cannot see in its input: a kit not chosen, a date it cannot read.
	// The rest (a date in the past too) is the service's to judge, all fields at once.
	var pre apperr.Fields
	if f.KitID != "" { // none chosen: the service says so, with every other problem
		id, err := strconv.ParseInt(f.KitID, 10, 64)
		if err != nil {
			pre.Add("kit_id", apperr.Required, "is required")
		} else {
			in.KitID = &id
		}
	}
	if f.RequestedOn != "" {
		d, err := civil.Parse(f.RequestedOn)
		if err != nil {
			pre = append(pre, apperr.FieldError{Field: "requested_on", Message: l.T("ord.rule.date")})
		} else {
			in.RequestedOn = d
		}
	}
	var o *orders.Order
	err := pre.Err()
	if err == nil {
		o, err = h.Orders.Place(ctx, in, f.Key)
	} else if cerr := h.Orders.Check(ctx, in); cerr != nil {
		// Every error at once: the service's with the ones read here.
		var ae *apperr.Error
		if !errors.As(cerr, &ae) || ae.Kind != apperr.KindInvalid {
			return cerr
		}
		all := pre
		for _, x := range ae.Fields {
			if !slices.ContainsFunc(pre, func(y apperr.FieldError) bool { return y.Field == x.Field }) {
				all = append(all, x)
			}
		}
		err = apperr.Invalid(all...)
	}
	if err != nil {
		errs, ok := formErrorsOf(l, err, orderFields)
		if !ok {
			return err
		}
		for _, x := range err.(*apperr.Error).Fields {
			if x.Field == "Idempotency-Key" {
				f.Key = newFormKey() // the earlier order stands; a deliberate resend is a new one
			}
		}
		f.Errs = errs
		return h.renderOrderForm(c, fiber.StatusUnprocessableEntity, f)
	}
	if o.Status == orders.Backordered {
		ui.Flash(c, "ord.flash.placed_backordered")
	} else {
		ui.Flash(c, "ord.flash.placed")
	}
	return c.Redirect(fmt.Sprintf("/orders/%d", o.ID), fiber.StatusSeeOther)
}
