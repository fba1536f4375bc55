package inventory

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountReceipts registers the receiving form.
func (h *Handlers) mountReceipts(r ui.Router) {
	r.Get("/receipts/new", httpx.Logistics, h.receiptNewPage)
	r.Post("/receipts/new", httpx.Logistics, h.receiptSubmit)
}

type receiptForm struct {
	LocationID, Reference, ProductID, Serials, Quantity, UnitCost string
	ContractID                                                    string
	Contracts                                                     []contracts.Contract // the active ones, to buy under
	Lookups                                                       *lookups
	Rows                                                          int    // height of the serials box
	Focus                                                         string // the field that gets the focus
}

func (h *Handlers) receiptRender(c *fiber.Ctx, f receiptForm, formErr error) error {
	lk, err := h.load(c.UserContext())
	if err != nil {
		return err
	}
	f.Lookups = lk
	if f.Contracts, _, err = h.Contracts.ListContracts(c.UserContext(), contracts.ContractFilter{Status: contracts.StatusActive, Limit: 500}); err != nil {
		return err
	}
	if f.LocationID == "" && len(lk.Locations) == 1 {
		f.LocationID = strconv.FormatInt(lk.Locations[0].ID, 10)
	}
	f.Rows = min(max(8, strings.Count(f.Serials, "\n")+2), 30)
	// The cursor goes where the worker continues: the first empty choice, else the box
	// for the scanner (also after a refusal, to correct the rows).
	switch {
	case formErr != nil || (f.LocationID != "" && f.ProductID != ""):
		f.Focus = "serials"
	case f.LocationID == "":
		f.Focus = "location_id"
	default:
		f.Focus = "product_id"
	}
	return h.UI.RenderError(c, "inv_receipt_form", "inv.receipt.title", f, formErr)
}

func (h *Handlers) receiptNewPage(c *fiber.Ctx) error {
	return h.receiptRender(c, receiptForm{LocationID: c.Query("location_id"), ProductID: c.Query("product_id")}, nil)
}

type receiptView struct {
	Receipt  *inventory.Receipt
	Location string
	Lines    []receiptLine
	Another  string // the form again, at the same location for the same product
}

type receiptLine struct {
	inventory.ReceiptLine
	SKU, Name string
	Devices   []receiptDevice
}

type receiptDevice struct {
	ID     int64
	Serial string
}

func (h *Handlers) receiptSubmit(c *fiber.Ctx) error {
	l := ui.Lang(c)
	f := receiptForm{LocationID: c.FormValue("location_id"), Reference: strings.TrimSpace(c.FormValue("reference")), ContractID: c.FormValue("contract_id"),
		ProductID: c.FormValue("product_id"), Serials: c.FormValue("serials"), Quantity: strings.TrimSpace(c.FormValue("quantity")),
		UnitCost: strings.TrimSpace(c.FormValue("unit_cost"))}
	serials, rows := textLines(f.Serials)
	labels := labelsFor(l, map[string]string{"location_id": "inv.receipt.location", "reference": "inv.receipt.reference", "contract_id": "inv.receipt.contract",
		"lines": "inv.receipt.serials", "serials": "inv.receipt.serials", "lines[0].product_id": "inv.receipt.product",
		"lines[0].serials": "inv.receipt.serials", "lines[0].quantity": "inv.receipt.quantity", "lines[0].unit_cost_ore": "inv.receipt.unit_cost"},
		func(field string) (string, bool) {
			if name, _, sub, j, ok := fieldIndex(field); ok && name == "lines" && sub == "serials" && j >= 0 && j < len(rows) {
				return l.T("inv.receipt.row", rows[j]), true
			}
			return "", false
		})

	var fe apperr.Fields
	in := inventory.NewReceipt{Reference: f.Reference}
	in.LocationID, _ = strconv.ParseInt(f.LocationID, 10, 64)
	if f.ContractID != "" {
		id, err := strconv.ParseInt(f.ContractID, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("contract_id", apperr.Unknown, "no contract with id %s", f.ContractID)
		}
		in.ContractID = &id
	}
	line := inventory.NewReceiptLine{Serials: serials}
	line.ProductID, _ = strconv.ParseInt(f.ProductID, 10, 64)
	if f.UnitCost != "" {
		ore, ok := ui.ParseKroner(f.UnitCost)
		if !ok {
			// Said here already, in the user's language: no code to translate again.
			fe = append(fe, apperr.FieldError{Field: "lines[0].unit_cost_ore", Message: l.T("inv.msg.kroner")})
		}
		line.UnitCostOre = ore
	}
	if f.Quantity != "" {
		q, err := strconv.ParseInt(strings.ReplaceAll(f.Quantity, ".", ""), 10, 64)
		if err != nil {
			fe.Add("lines[0].quantity", apperr.NotPositive, "must be a positive whole number")
		}
		line.Quantity = &q
	}
	if err := fe.Err(); err != nil {
		return h.receiptRender(c, f, localize(l, "inv_receipt_form", err, labels))
	}
	in.Lines = []inventory.NewReceiptLine{line}
	r, err := h.Inventory.CreateReceipt(c.UserContext(), in)
	if err != nil {
		return h.receiptRender(c, f, localize(l, "inv_receipt_form", err, labels))
	}
	lk, err := h.load(c.UserContext())
	if err != nil {
		return err
	}
	v := receiptView{Receipt: r, Location: lk.locationLabel(&r.LocationID),
		Another: fmt.Sprintf("/receipts/new?location_id=%d&product_id=%d", r.LocationID, line.ProductID)}
	for _, rl := range r.Lines {
		x := receiptLine{ReceiptLine: rl, SKU: lk.product[rl.ProductID].SKU, Name: lk.productName(rl.ProductID)}
		for i, id := range rl.DeviceIDs {
			x.Devices = append(x.Devices, receiptDevice{ID: id, Serial: rl.Serials[i]})
		}
		v.Lines = append(v.Lines, x)
	}
	return h.UI.RenderStatus(c, fiber.StatusCreated, "inv_receipt", "inv.receipt.done_title", v)
}
