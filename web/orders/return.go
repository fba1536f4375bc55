package orders

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountReturn registers one return and receiving it.
func (h *Handlers) mountReturn(r ui.Router) {
	r.Get("/returns/:id", memberAndStaff, h.returnPage)
	r.Get("/returns/:id/receive", warehouseRoles, h.returnPage)
	r.Post("/returns/:id/receive", httpx.Logistics, h.returnReceiveSubmit)
}

type returnDeviceRow struct {
	Serial, SKU, Name string
	ReceivedAt        *time.Time
}

type returnView struct {
	R          *orders.Return
	MemberName string
	Shipment   *orders.Shipment
	Devices    []returnDeviceRow
	CanReceive bool
	Locations  []inventory.Location
	LocationID string
	Serials    string
	Result     *orders.ReturnReceipt
	Errs       ui.FormErrors
	Staff      bool
}

func (h *Handlers) renderReturn(c *fiber.Ctx, status int, id int64, v returnView) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	r, err := h.Orders.GetReturn(ctx, id)
	if err != nil {
		return err
	}
	names := h.lookups(ctx)
	v.R, v.MemberName, v.Staff, v.Shipment = r, names.member(r.MemberID), p.IsStaff(), r.Shipment
	// Its devices as they were when it was requested, with what has arrived.
	rds, err := h.Orders.ReturnDevices(ctx, id)
	if err != nil {
		return err
	}
	for _, rd := range rds {
		v.Devices = append(v.Devices, returnDeviceRow{Serial: rd.Serial, SKU: rd.SKU, Name: names.product(rd.ProductID).Name, ReceivedAt: rd.ReceivedAt})
	}
	sort.SliceStable(v.Devices, func(i, j int) bool {
		if v.Devices[i].SKU != v.Devices[j].SKU {
			return v.Devices[i].SKU < v.Devices[j].SKU
		}
		return v.Devices[i].Serial < v.Devices[j].Serial
	})
	v.CanReceive = p.Role == auth.RoleLogistics && r.Status != orders.ReturnReceived
	if p.Role == auth.RoleLogistics {
		if v.Locations, err = h.Inventory.ListLocations(ctx); err != nil {
			return err
		}
		if v.LocationID == "" && len(v.Locations) > 0 {
			v.LocationID = strconv.FormatInt(v.Locations[0].ID, 10)
		}
	}
	return h.UI.RenderStatus(c, status, "ord_return", "ord.return.title", v)
}

func (h *Handlers) returnPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.renderReturn(c, fiber.StatusOK, id, returnView{})
}

// splitSerials reads scanned serials: one a line, or separated by spaces, commas or
// semicolons.
func splitSerials(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ' ' || r == '\t' || r == ',' || r == ';'
	})
}

func (h *Handlers) returnReceiveSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v := returnView{LocationID: c.FormValue("location_id"), Serials: c.FormValue("serials")}
	loc, _ := strconv.ParseInt(v.LocationID, 10, 64)
	serials := splitSerials(v.Serials)
	if len(serials) == 0 {
		v.Errs, _ = formErrorsOf(l, apperr.Invalid(apperr.FieldError{Field: "serials", Message: l.T("ord.req.serials")}),
			[]ui.Field{{Path: "serials", ID: "serials"}})
		return h.renderReturn(c, fiber.StatusUnprocessableEntity, id, v)
	}
	res, err := h.Orders.ReceiveReturn(ctx, id, orders.ReceiveRequest{LocationID: loc, Serials: serials})
	if err != nil {
		errs, ok := formErrorsOf(l, err, []ui.Field{{Path: "location_id", ID: "location_id"}, {Path: "serials", ID: "serials"}})
		if !ok {
			return err
		}
		v.Errs = errs
		return h.renderReturn(c, fiber.StatusUnprocessableEntity, id, v)
	}
	v.Result, v.Serials = res, ""
	return h.renderReturn(c, fiber.StatusOK, id, v)
}
