package inventory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountKits registers the kit list and its forms.
func (h *Handlers) mountKits(r ui.Router) {
	r.Get("/kits", httpx.AnyUser, h.kitsPage)
	r.Get("/kits/new", adminsLogistics, h.kitNewPage)
	r.Post("/kits/new", adminsLogistics, h.kitCreateSubmit)
	r.Get("/kits/:id/edit", adminsLogistics, h.kitEditPage)
	r.Post("/kits/:id/edit", adminsLogistics, h.kitEditSubmit)
}

// kitRows is how many component rows the kit form offers.
const kitRows = 8

type kitsView struct {
	Items   []kitRow
	CanEdit bool
}

type kitRow struct {
	inventory.Kit
	Scheme string
}

func (h *Handlers) schemes(ctx context.Context) ([]contracts.Scheme, map[int64]contracts.Scheme, error) {
	ss, err := h.Contracts.ListSchemes(ctx)
	if err != nil {
		return nil, nil, err
	}
	by := make(map[int64]contracts.Scheme, len(ss))
	for _, x := range ss {
		by[x.ID] = x
	}
	return ss, by, nil
}

func (h *Handlers) kitsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ks, err := h.Inventory.ListKits(ctx)
	if err != nil {
		return err
	}
	_, schemes, err := h.schemes(ctx)
	if err != nil {
		return err
	}
	pr, _ := auth.From(ctx)
	v := kitsView{CanEdit: pr.Role == auth.RoleAdmin || pr.Role == auth.RoleLogistics}
	for _, k := range ks {
		sc := schemes[k.SchemeID]
		v.Items = append(v.Items, kitRow{Kit: k, Scheme: strings.TrimSpace(sc.Name)})
	}
	return h.UI.Render(c, "inv_kits", "inv.kits.title", v)
}

type kitForm struct {
	IsNew       bool
	ID          int64
	Code, Name  string
	SchemeID    string
	Components  []kitComponentForm
	Schemes     []contracts.Scheme
	Products    []inventory.Product
	FixedScheme string
}

type kitComponentForm struct {
	N                   int // 1-based row
	ProductID, Quantity string
	Bad                 bool // named in the errors
}

// markKitRows marks the form rows that err names; sent[i] is the row of component i.
func markKitRows(f *kitForm, err error, sent []int) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return
	}
	for _, fe := range ae.Fields {
		if name, i, _, _, ok := fieldIndex(fe.Field); ok && name == "components" && i < len(sent) && sent[i]-1 < len(f.Components) {
			f.Components[sent[i]-1].Bad = true
		}
	}
}

func (h *Handlers) kitRender(c *fiber.Ctx, f kitForm, formErr error) error {
	ctx := c.UserContext()
	ss, by, err := h.schemes(ctx)
	if err != nil {
		return err
	}
	ps, err := h.Inventory.ListProducts(ctx)
	if err != nil {
		return err
	}
	f.Schemes, f.Products = ss, ps
	if id, _ := strconv.ParseInt(f.SchemeID, 10, 64); !f.IsNew {
		f.FixedScheme = by[id].Name
	}
	for len(f.Components) < kitRows {
		f.Components = append(f.Components, kitComponentForm{})
	}
	for i := range f.Components {
		f.Components[i].N = i + 1
	}
	title := "inv.kits.edit"
	if f.IsNew {
		title = "inv.kits.new"
	}
	return h.UI.RenderError(c, "inv_kit_form", title, f, formErr)
}

func (h *Handlers) kitNewPage(c *fiber.Ctx) error {
	return h.kitRender(c, kitForm{IsNew: true}, nil)
}

func (h *Handlers) kitEditPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	k, err := h.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := kitForm{ID: k.ID, Code: k.Code, Name: k.Name, SchemeID: strconv.FormatInt(k.SchemeID, 10)}
	for _, kc := range k.Components {
		f.Components = append(f.Components, kitComponentForm{ProductID: strconv.FormatInt(kc.ProductID, 10), Quantity: strconv.FormatInt(kc.Quantity, 10)})
	}
	return h.kitRender(c, f, nil)
}

// readKit reads the kit form: the rows with a product become components, and
// sent[i] is the form row of component i.
func readKit(c *fiber.Ctx, f *kitForm) (inventory.NewKit, []int, apperr.Fields) {
	f.Code, f.Name, f.SchemeID = strings.TrimSpace(c.FormValue("code")), strings.TrimSpace(c.FormValue("name")), c.FormValue("scheme_id")
	in := inventory.NewKit{Code: f.Code, Name: f.Name}
	in.SchemeID, _ = strconv.ParseInt(f.SchemeID, 10, 64)
	var sent []int
	var fe apperr.Fields
	for i := 0; i < kitRows; i++ {
		row := kitComponentForm{ProductID: c.FormValue(fmt.Sprintf("product_%d", i)), Quantity: strings.TrimSpace(c.FormValue(fmt.Sprintf("quantity_%d", i)))}
		f.Components = append(f.Components, row)
		if row.ProductID == "" {
			continue
		}
		pid, _ := strconv.ParseInt(row.ProductID, 10, 64)
		q := int64(1)
		if row.Quantity != "" {
			var err error
			if q, err = strconv.ParseInt(row.Quantity, 10, 64); err != nil {
				fe.Add(fmt.Sprintf("components[%d].quantity", len(sent)), apperr.NotPositive, "must be a positive whole number")
			}
		}
		in.Components = append(in.Components, inventory.NewKitComponent{ProductID: pid, Quantity: q})
		sent = append(sent, i+1)
	}
	return in, sent, fe
}

func kitLabels(l i18n.Lang, sent []int) func(string) string {
	return labelsFor(l, map[string]string{"code": "inv.kits.code", "name": "inv.kits.name", "scheme_id": "inv.kits.scheme",
		"components": "inv.kits.components"}, func(field string) (string, bool) {
		if name, i, sub, _, ok := fieldIndex(field); ok && name == "components" && i < len(sent) {
			if sub == "" {
				return l.T("inv.kits.row", sent[i]), true
			}
			return l.T("inv.kits.row_field", sent[i], l.T("inv.kits.col."+sub)), true
		}
		return "", false
	})
}

func (h *Handlers) kitCreateSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := kitForm{IsNew: true}
	in, sent, fe := readKit(c, &f)
	if err := fe.Err(); err != nil {
		markKitRows(&f, err, sent)
		return h.kitRender(c, f, localize(l, "inv_kit_form", err, kitLabels(l, sent)))
	}
	if _, err := h.Inventory.CreateKit(c.UserContext(), in); err != nil {
		markKitRows(&f, err, sent)
		return h.kitRender(c, f, localize(l, "inv_kit_form", err, kitLabels(l, sent)))
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/kits", fiber.StatusSeeOther)
}

func (h *Handlers) kitEditSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	k, err := h.Inventory.GetKit(c.UserContext(), id)
	if err != nil {
		return err
	}
	f := kitForm{ID: id}
	in, sent, fe := readKit(c, &f)
	// The code and the scheme of a kit stay; the form shows them read-only.
	f.Code, f.SchemeID = k.Code, strconv.FormatInt(k.SchemeID, 10)
	in.Code, in.SchemeID = k.Code, k.SchemeID
	if err := fe.Err(); err != nil {
		markKitRows(&f, err, sent)
		return h.kitRender(c, f, localize(l, "inv_kit_form", err, kitLabels(l, sent)))
	}
	if _, err := h.Inventory.UpdateKit(c.UserContext(), id, in); err != nil {
		markKitRows(&f, err, sent)
		return h.kitRender(c, f, localize(l, "inv_kit_form", err, kitLabels(l, sent)))
	}
	ui.Flash(c, "common.saved")
	return c.Redirect("/kits", fiber.StatusSeeOther)
}
