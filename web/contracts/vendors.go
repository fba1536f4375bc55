package contracts

import (
	"fmt"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountVendors registers the vendor pages: the list and its download for staff, one
// vendor (with its contracts) and its edit form for staff and the vendor's own users.
func (h *Handlers) mountVendors(r ui.Router) {
	r.Get("/vendors", httpx.Staff, h.vendorsPage)
	r.Post("/vendors", httpx.Admins, h.vendorCreateSubmit)
	r.Get("/vendors.xlsx", httpx.Staff, h.vendorsExport)
	r.Get("/vendors/:id", vendorReaders, h.vendorPage)
	r.Get("/vendors/:id/contracts.xlsx", vendorReaders, h.vendorContractsExport)
	r.Get("/vendors/:id/edit", vendorReaders, h.vendorEditPage)
	r.Post("/vendors/:id/edit", vendorReaders, h.vendorEditSubmit)
}

// vendorColumns are the vendors list, on its page and in its download.
func vendorColumns() []httpx.Column[contracts.Vendor] {
	return []httpx.Column[contracts.Vendor]{
		{Header: "con.vendor.name", Value: func(v contracts.Vendor) any { return v.Name },
			Link: func(v contracts.Vendor) string { return fmt.Sprintf("/vendors/%d", v.ID) }},
		{Header: "con.vendor.cvr", Value: func(v contracts.Vendor) any { return v.CVR }, Class: "mono"},
		{Header: "con.vendor.contact", Value: func(v contracts.Vendor) any { return v.Contact }},
		{Header: "con.vendor.email", Value: func(v contracts.Vendor) any { return v.Email }},
		{Header: "con.vendor.phone", Value: func(v contracts.Vendor) any { return v.Phone }},
	}
}

// vendorForm is the vendor form as typed.
type vendorForm struct {
	ID                               int64
	Name, CVR, Email, Phone, Contact string
	ContactOnly                      bool // a vendor user may change only e-mail, phone and contact
}

func readVendorForm(c *fiber.Ctx) vendorForm {
	return vendorForm{Name: c.FormValue("name"), CVR: c.FormValue("cvr"), Email: c.FormValue("email"),
		Phone: c.FormValue("phone"), Contact: c.FormValue("contact")}
}

type vendorsView struct {
	Table   httpx.Table
	Q       string
	Pager   ui.Pager
	IsAdmin bool
	Form    vendorForm
}

func (h *Handlers) renderVendors(c *fiber.Ctx, f vendorForm, formErr error) error {
	p, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	vs, next, err := h.Contracts.ListVendors(c.UserContext(), contracts.VendorFilter{Query: q, After: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	v := vendorsView{Table: httpx.TableOf(ui.Lang(c), vendorColumns(), vs), Q: q, IsAdmin: isAdmin(c), Form: f,
		Pager: ui.PagerFor(c, p, next)}
	v.Pager.Export = "/vendors.xlsx?" + httpx.Query(c, "cursor", "")
	return h.UI.RenderError(c, "con_vendors", "con.vendors.title", v, formErr)
}

func (h *Handlers) vendorsPage(c *fiber.Ctx) error { return h.renderVendors(c, vendorForm{}, nil) }

func (h *Handlers) vendorCreateSubmit(c *fiber.Ctx) error {
	f := readVendorForm(c)
	v, err := h.Contracts.CreateVendor(c.UserContext(), contracts.NewVendor{Name: f.Name, CVR: f.CVR, Email: f.Email,
		Phone: f.Phone, Contact: f.Contact})
	if err != nil {
		return h.renderVendors(c, f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/vendors/%d", v.ID), fiber.StatusSeeOther)
}

func (h *Handlers) vendorsExport(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := contracts.VendorFilter{Query: strings.TrimSpace(c.Query("q")), Limit: 500}
	var all []contracts.Vendor
	for {
		vs, next, err := h.Contracts.ListVendors(c.UserContext(), f)
		if err != nil {
			return err
		}
		all = append(all, vs...)
		if next == 0 {
			break
		}
		f.After = next
	}
	return httpx.SendColumns(c, l, "vendors.xlsx", l.T("con.vendors.title"), vendorColumns(), all)
}

type vendorView struct {
	Vendor  *contracts.Vendor
	Table   httpx.Table // its contracts
	CanEdit bool
}

func (h *Handlers) vendorPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := h.Contracts.GetVendor(ctx, id)
	if err != nil {
		return err
	}
	cs, err := h.allContracts(c, contracts.ContractFilter{VendorID: id})
	if err != nil {
		return err
	}
	return h.UI.Render(c, "con_vendor", "con.vendors.title", vendorView{Vendor: v, Table: h.contractTable(ui.Lang(c), h.rows(cs), false), CanEdit: true})
}

func (h *Handlers) vendorContractsExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.Contracts.GetVendor(c.UserContext(), id)
	if err != nil {
		return err
	}
	cs, err := h.allContracts(c, contracts.ContractFilter{VendorID: id})
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	return httpx.SendColumns(c, l, "contracts.xlsx", v.Name, h.contractColumns(l), h.rows(cs))
}

func (h *Handlers) vendorEditPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.Contracts.GetVendor(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := vendorForm{ID: v.ID, Name: v.Name, CVR: v.CVR, Email: v.Email, Phone: v.Phone, Contact: v.Contact,
		ContactOnly: !principal(c).IsStaff()}
	return h.UI.Render(c, "con_vendor_form", "con.vendor.edit", f)
}

func (h *Handlers) vendorEditSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v, err := h.Contracts.GetVendor(ctx, id)
	if err != nil {
		return err
	}
	f := readVendorForm(c)
	f.ID, f.ContactOnly = id, !principal(c).IsStaff()
	patch := contracts.VendorPatch{Email: &f.Email, Phone: &f.Phone, Contact: &f.Contact}
	if f.ContactOnly {
		f.Name, f.CVR = v.Name, v.CVR
	} else {
		patch.Name, patch.CVR = &f.Name, &f.CVR
	}
	if _, err := h.Contracts.UpdateVendor(ctx, id, patch); err != nil {
		return h.UI.RenderError(c, "con_vendor_form", "con.vendor.edit", f, err)
	}
	ui.Flash(c, "common.saved")
	return c.Redirect(fmt.Sprintf("/vendors/%d", id), fiber.StatusSeeOther)
}
