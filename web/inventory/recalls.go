package inventory

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountRecalls registers the recalls, one recall and its device list.
func (h *Handlers) mountRecalls(r ui.Router) {
	r.Get("/recalls", httpx.Staff, h.recallsPage)
	r.Post("/recalls", adminsLogistics, h.recallCreateSubmit)
	r.Get("/recalls/:id", httpx.Staff, h.recallPage)
	r.Get("/recalls/:id/devices.xlsx", httpx.Staff, h.recallExport)
}

type recallsView struct {
	Items    []inventory.Recall
	Products []inventory.Product
	Form     recallForm
	CanEdit  bool
	Rows     int
}

type recallForm struct {
	ProductID, VendorRef, Reason, Serials, From, To string
}

func (h *Handlers) recallsRender(c *fiber.Ctx, f recallForm, formErr error) error {
	ctx := c.UserContext()
	pr, _ := auth.From(ctx)
	rs, err := h.Inventory.ListRecalls(ctx)
	if err != nil {
		return err
	}
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v := recallsView{Items: rs, Products: lk.serialProducts(), Form: f, CanEdit: pr.Role == auth.RoleAdmin || pr.Role == auth.RoleLogistics,
		Rows: min(max(5, strings.Count(f.Serials, "\n")+2), 20)}
	return h.UI.RenderError(c, "inv_recalls", "inv.recalls.title", v, formErr)
}

func (h *Handlers) recallsPage(c *fiber.Ctx) error {
	return h.recallsRender(c, recallForm{}, nil)
}

func (h *Handlers) recallCreateSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := recallForm{ProductID: c.FormValue("product_id"), VendorRef: strings.TrimSpace(c.FormValue("vendor_ref")),
		Reason: strings.TrimSpace(c.FormValue("reason")), Serials: c.FormValue("serials"),
		From: strings.TrimSpace(c.FormValue("serial_from")), To: strings.TrimSpace(c.FormValue("serial_to"))}
	serials, rows := textLines(f.Serials)
	in := inventory.NewRecall{VendorRef: f.VendorRef, Reason: f.Reason, Serials: serials, SerialFrom: f.From, SerialTo: f.To}
	in.ProductID, _ = strconv.ParseInt(f.ProductID, 10, 64)
	labels := labelsFor(l, map[string]string{"product_id": "inv.recalls.product", "vendor_ref": "inv.recalls.vendor_ref",
		"reason": "inv.recalls.reason", "serials": "inv.recalls.serials", "serial_from": "inv.recalls.from", "serial_to": "inv.recalls.to"},
		func(field string) (string, bool) {
			if name, i, _, _, ok := fieldIndex(field); ok && name == "serials" && i < len(rows) {
				return l.T("inv.receipt.row", rows[i]), true
			}
			return "", false
		})
	r, err := h.Inventory.CreateRecall(c.UserContext(), in)
	if err != nil {
		return h.recallsRender(c, f, localize(l, "inv_recalls", err, labels))
	}
	ui.Flash(c, "inv.recalls.created_flash")
	return c.Redirect(fmt.Sprintf("/recalls/%d", r.ID), fiber.StatusSeeOther)
}

type recallView struct {
	Recall      *inventory.Recall
	ProductName string
	AtCitizens  int
	InStock     int
}

func (h *Handlers) recallPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := h.Inventory.GetRecall(ctx, id)
	if err != nil {
		return err
	}
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v := recallView{Recall: r, ProductName: lk.productName(r.ProductID)}
	for _, d := range r.Devices {
		if d.MemberID != nil {
			v.AtCitizens++
		} else if !d.State.Terminal() {
			v.InStock++
		}
	}
	return h.UI.Render(c, "inv_recall", "inv.recall.title", v)
}

func (h *Handlers) recallExport(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	r, err := h.Inventory.GetRecall(c.UserContext(), id)
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(r.Devices))
	for _, d := range r.Devices {
		rows = append(rows, []any{d.Serial, l.T("inv.state." + string(d.State)), ui.Deref(d.LocationCode), ui.Deref(d.LocationName),
			ui.Deref(d.MemberCode), ui.Deref(d.MemberName), ui.Deref(d.CitizenRef)})
	}
	header := []string{l.T("inv.device.serial"), l.T("inv.device.state"), l.T("inv.recall.location_code"), l.T("inv.device.location"),
		l.T("inv.recall.member_code"), l.T("inv.device.member"), l.T("inv.device.citizen")}
	return httpx.SendXLSX(c, fmt.Sprintf("recall-%d.xlsx", id), l.T("inv.recall.title"), header, rows)
}
