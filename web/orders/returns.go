package orders

import (
	"context"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountReturns registers the returns to receive and the transfer of a deployed device.
func (h *Handlers) mountReturns(r ui.Router) {
	r.Get("/returns", returnsReaders, h.returnsPage)
	r.Post("/transfers", httpx.Logistics, h.transferSubmit)
}

type returnRow struct {
	orders.Return
	MemberName        string
	Devices, Received int64
	Tracking          string
	ShipmentStatus    string // the pickup's own status at the carrier, once booked
}

// transferForm is the transfer form as typed.
type transferForm struct {
	Serial, MemberID, CitizenRef string
	Errs                         ui.FormErrors
}

type returnsView struct {
	Rows       []returnRow
	Show       string // open, received or all
	Mine       bool   // a member's own pickups: no member column, no warehouse tools
	CanReceive bool
	Members    []contracts.Member
	Transfer   transferForm
	Pager      ui.Pager
}

// pickupRow is return r as a row of a list.
func pickupRow(r orders.Return) returnRow {
	row := returnRow{Return: r, Devices: int64(len(r.DeviceIDs)), Received: int64(r.ReceivedCount)}
	if r.Shipment != nil {
		row.ShipmentStatus = string(r.Shipment.Status)
		if r.Shipment.TrackingNumber != nil {
			row.Tracking = *r.Shipment.TrackingNumber
		}
	}
	return row
}

// listReturns reads a page of returns for the staff list: show is open, received or all.
func (h *Handlers) listReturns(ctx context.Context, show string, after int64, limit int) ([]returnRow, int64, error) {
	f := orders.ReturnFilter{Open: show == "open", After: after, Limit: limit}
	if show == "received" {
		f.Status = orders.ReturnReceived
	}
	rs, next, err := h.Orders.ListReturns(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]returnRow, len(rs))
	for i, r := range rs {
		out[i] = pickupRow(r)
	}
	return out, next, nil
}

func (h *Handlers) renderReturns(c *fiber.Ctx, status int, tf transferForm, formErr error) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	show := c.Query("show", "open")
	if show != "open" && show != "received" && show != "all" {
		show = "open"
	}
	rows, next, err := h.listReturns(ctx, show, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	names := h.lookups(ctx)
	for i := range rows {
		rows[i].MemberName = names.member(rows[i].MemberID)
	}
	v := returnsView{Rows: rows, Show: show, Mine: p.Role == auth.RoleMember, CanReceive: p.Role == auth.RoleLogistics, Transfer: tf}
	if v.CanReceive {
		if v.Members, err = h.allMembers(ctx); err != nil {
			return err
		}
	}
	v.Pager = ui.PagerFor(c, pg, next)
	if formErr != nil {
		return h.UI.RenderError(c, "ord_returns", "ord.returns.title", v, formErr)
	}
	title := "ord.returns.title"
	if v.Mine {
		title = "ord.returns.mine_title"
	}
	return h.UI.RenderStatus(c, status, "ord_returns", title, v)
}

// allMembers returns every member the caller may see.
func (h *Handlers) allMembers(ctx context.Context) ([]contracts.Member, error) {
	return httpx.All(func(after int64) ([]contracts.Member, int64, error) {
		return h.Contracts.ListMembers(ctx, contracts.MemberFilter{After: after, Limit: 500})
	})
}

func (h *Handlers) returnsPage(c *fiber.Ctx) error {
	return h.renderReturns(c, fiber.StatusOK, transferForm{}, nil)
}

var transferFields = []ui.Field{{Path: "serial", ID: "transfer_serial"}, {Path: "member_id", ID: "transfer_member"}, {Path: "citizen_ref", ID: "transfer_citizen_ref"}}

// transferSubmit hands a deployed device, found by its serial, to another member's
// citizen.
func (h *Handlers) transferSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	tf := transferForm{Serial: strings.TrimSpace(c.FormValue("serial")), MemberID: c.FormValue("member_id"),
		CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref"))}
	fail := func(status int, fe apperr.Fields) error {
		tf.Errs, _ = formErrorsOf(l, fe.Err(), transferFields)
		return h.renderReturns(c, status, tf, nil)
	}
	var pre apperr.Fields
	memberID, _ := strconv.ParseInt(tf.MemberID, 10, 64)
	var device *inventory.Device
	if tf.Serial == "" {
		pre.Add("serial", apperr.Required, "is required")
	} else {
		ds, err := h.Inventory.FindBySerial(ctx, tf.Serial)
		if err != nil {
			return err
		}
		var deployed []inventory.Device
		for _, d := range ds {
			if d.State == inventory.Deployed {
				deployed = append(deployed, d)
			}
		}
		switch {
		case len(ds) == 0:
			pre = append(pre, apperr.FieldError{Field: "serial", Message: l.T("ord.transfer.unknown", tf.Serial)})
		case len(deployed) == 0:
			pre = append(pre, apperr.FieldError{Field: "serial", Message: l.T("ord.transfer.not_deployed", tf.Serial, l.T("ord.state."+string(ds[0].State)))})
		case len(deployed) > 1:
			pre = append(pre, apperr.FieldError{Field: "serial", Message: l.T("ord.transfer.ambiguous", tf.Serial)})
		default:
			device = &deployed[0]
		}
	}
	if device == nil {
		// Say everything at once: the member and citizen too.
		if memberID <= 0 {
			pre.Add("member_id", apperr.Required, "is required")
		}
		if tf.CitizenRef == "" {
			pre.Add("citizen_ref", apperr.Required, "is required")
		}
		return fail(fiber.StatusUnprocessableEntity, pre)
	}
	_, err := h.Inventory.Transfer(ctx, device.ID, inventory.TransferRequest{MemberID: memberID, CitizenRef: tf.CitizenRef})
	switch {
	case err == nil:
	case apperr.Is(err, apperr.KindInvalid):
		tf.Errs, _ = formErrorsOf(l, err, transferFields)
		return h.renderReturns(c, fiber.StatusUnprocessableEntity, tf, nil)
	case apperr.Is(err, apperr.KindConflict):
		return fail(fiber.StatusConflict, apperr.Fields{{Field: "serial", Message: l.T("ord.transfer.same")}})
	default:
		return err
	}
	ui.Flash(c, "ord.flash.transferred")
	return c.Redirect("/returns", fiber.StatusSeeOther)
}
