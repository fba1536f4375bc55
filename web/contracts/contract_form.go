package contracts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

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
