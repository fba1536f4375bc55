package orders

import (
	"fmt"
	"github.com/fsc/backoffice/internal/auth"
	"slices"

	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountShipments registers the shipments with their alerts, and their download.
func (h *Handlers) mountShipments(r ui.Router) {
	r.Get("/shipments", warehouseRoles, h.shipmentsPage)
	r.Get("/shipments.xlsx", warehouseRoles, h.shipmentsExport)
	r.Get("/shipments/:id", memberAndStaff, h.shipmentPage)
}

// shipmentPage is one shipment, as device histories and orders link to it; a member
// user sees only its own (404 otherwise, from the service).
func (h *Handlers) shipmentPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	sh, err := h.Orders.GetShipment(ctx, id)
	if err != nil {
		return err
	}
	p, _ := auth.From(ctx)
	v := struct {
		Shipment   *orders.Shipment
		Staff      bool
		MemberName string
	}{Shipment: sh, Staff: p.IsStaff()}
	if v.Staff {
		v.MemberName = h.lookups(ctx).member(sh.MemberID)
	}
	return h.UI.Render(c, "ord_shipment", "ord.ship.page_title", v)
}

type shipmentRow struct {
	orders.Shipment
	OrderNumber, MemberName string
}

// alertRow is an open alert with its kind said in the user's language, the order it
// concerns, and what went wrong (the shipment's last error: the carrier's own words).
type alertRow struct {
	orders.Alert
	Label, OrderNumber, Detail string
}

type shipmentsView struct {
	Rows        []shipmentRow
	Alerts      []alertRow
	Status, Dir string
	Pager       ui.Pager
	Failed      int64
	Export      string
	Statuses    []string
}

var shipmentStatuses = orders.ShipmentStatuses

func shipmentFilters(c *fiber.Ctx) (status, dir string) {
	status, dir = c.Query("status"), c.Query("direction")
	if !slices.Contains(shipmentStatuses, status) {
		status = ""
	}
	if dir != orders.Outbound && dir != orders.Inbound {
		dir = ""
	}
	return status, dir
}

func (h *Handlers) shipmentsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	status, dir := shipmentFilters(c)
	shs, next, err := h.Orders.ListShipments(ctx, orders.ShipmentFilter{Status: status, Direction: dir, After: pg.After, Limit: pg.Limit})
	if err != nil {
		return err
	}
	names := h.lookups(ctx)
	v := shipmentsView{Status: status, Dir: dir, Statuses: shipmentStatuses, Export: fmt.Sprintf("/shipments.xlsx?status=%s&direction=%s", status, dir)}
	for _, sh := range shs {
		v.Rows = append(v.Rows, shipmentRow{Shipment: sh, OrderNumber: sh.OrderNumber, MemberName: names.member(sh.MemberID)})
	}
	alerts, err := h.Orders.OpenAlerts(ctx, 200)
	if err != nil {
		return err
	}
	v.Alerts = alertRows(ui.Lang(c), alerts)
	if v.Failed, err = h.Orders.CountShipments(ctx, orders.ShipmentFilter{Status: orders.ShipmentFailed}); err != nil {
		return err
	}
	v.Pager = ui.PagerFor(c, pg, next)
	return h.UI.Render(c, "ord_shipments", "ord.ship.title", v)
}

func alertRows(l i18n.Lang, alerts []orders.Alert) []alertRow {
	out := make([]alertRow, len(alerts))
	for i, a := range alerts {
		r := alertRow{Alert: a, Label: a.Kind, Detail: a.Message, OrderNumber: a.OrderNumber}
		if l.Has("ord.alert." + a.Kind) {
			r.Label = l.T("ord.alert." + a.Kind)
		}
		if a.LastError != "" {
			r.Detail = a.LastError
		}
		out[i] = r
	}
	return out
}

func (h *Handlers) shipmentsExport(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	status, dir := shipmentFilters(c)
	names := h.lookups(ctx)
	shs, err := httpx.All(func(after int64) ([]orders.Shipment, int64, error) {
		return h.Orders.ListShipments(ctx, orders.ShipmentFilter{Status: status, Direction: dir, After: after, Limit: 500})
	})
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(shs))
	for _, sh := range shs {
		ref := ""
		if sh.OrderID != nil {
			ref = sh.OrderNumber
		} else if sh.ReturnID != nil {
			ref = fmt.Sprintf("R-%d", *sh.ReturnID)
		}
		rows = append(rows, []any{sh.ID, l.T("ord.dir." + sh.Direction), ref, names.member(sh.MemberID),
			l.T("ord.sstatus." + sh.Status), ui.Deref(sh.TrackingNumber), sh.Attempts, sh.LastError, sh.CreatedAt, sh.BookedAt, sh.DeliveredAt})
	}
	header := []string{l.T("ord.ship.no"), l.T("ord.ship.direction"), l.T("ord.ship.ref"), l.T("ord.member"), l.T("ord.status"),
		l.T("ord.tracking"), l.T("ord.ship.attempts"), l.T("ord.ship.last_error"), l.T("ord.created"), l.T("ord.ship.booked"), l.T("ord.ship.delivered")}
	return httpx.SendXLSX(c, "shipments.xlsx", l.T("ord.ship.title"), header, rows)
}
