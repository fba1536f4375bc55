package inventory

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountDevices registers the device list (a scanner's search too), its download, one
// device with its history and the manual moves.
func (h *Handlers) mountDevices(r ui.Router) {
	r.Get("/devices", httpx.AnyUser, h.devicesPage)
	r.Get("/devices.xlsx", httpx.AnyUser, h.devicesExport)
	r.Get("/devices/:id", httpx.AnyUser, h.devicePage)
	r.Post("/devices/:id/transition", httpx.Logistics, h.transitionSubmit)
	r.Post("/devices/:id/transfer", httpx.Logistics, h.transferSubmit)
}

type deviceRow struct {
	inventory.Device
	ProductName, LocationCode, MemberName string
}

type devicesView struct {
	Items                []deviceRow
	Serial               string
	State                []option
	ProductID, Location  string
	MemberID             string
	Lookups              *lookups
	IsStaff, IsLogistics bool
	Pager                ui.Pager
	Searched             bool // a serial was searched for
	Filtered             bool
}

func (lk *lookups) rows(ds []inventory.Device) []deviceRow {
	out := make([]deviceRow, len(ds))
	for i, d := range ds {
		out[i] = deviceRow{Device: d, ProductName: lk.productName(d.ProductID), LocationCode: lk.locationCode(d.LocationID), MemberName: lk.memberName(d.MemberID)}
	}
	return out
}

func (h *Handlers) devicesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := ui.Lang(c)
	pr, _ := auth.From(ctx)
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	v := devicesView{Lookups: lk, IsStaff: pr.IsStaff(), IsLogistics: pr.Role == auth.RoleLogistics,
		Serial: strings.TrimSpace(c.Query("serial")), ProductID: c.Query("product_id"), Location: c.Query("location_id"),
		MemberID: c.Query("member_id"), State: stateOptions(l, c.Query("state"))}
	title := "inv.devices.title"
	if !pr.IsStaff() {
		title = "inv.devices.mine"
	}
	if v.Serial != "" {
		// A scanner's input: one device goes straight to its page.
		var ds []inventory.Device
		if pr.IsStaff() {
			ds, err = h.Inventory.FindBySerial(ctx, v.Serial)
		}
		if err == nil && len(ds) == 0 {
			// Not a whole serial: the devices whose serial starts so (the member's own only).
			ds, _, err = h.Inventory.ListDevices(ctx, inventory.DeviceFilter{Serial: v.Serial, Limit: 50})
		}
		if err != nil {
			return err
		}
		if len(ds) == 1 {
			return c.Redirect(fmt.Sprintf("/devices/%d", ds[0].ID), fiber.StatusSeeOther)
		}
		v.Searched, v.Items = true, lk.rows(ds)
		return h.UI.Render(c, "inv_devices", title, v)
	}
	f, err := deviceFilter(c)
	if err != nil {
		return h.UI.RenderError(c, "inv_devices", title, v, localize(l, "inv_devices", err, deviceFilterLabels(l)))
	}
	ds, next, err := h.Inventory.ListDevices(ctx, f)
	if err != nil {
		return h.UI.RenderError(c, "inv_devices", title, v, localize(l, "inv_devices", err, deviceFilterLabels(l)))
	}
	v.Items = lk.rows(ds)
	v.Filtered = f.State != "" || f.ProductID != 0 || f.LocationID != 0 || f.MemberID != 0
	v.Pager = ui.PagerFor(c, httpx.Page{After: f.After}, next)
	v.Pager.Export = "/devices.xlsx?" + httpx.Query(c, "", "", "cursor", "limit", "serial")
	return h.UI.Render(c, "inv_devices", title, v)
}

func deviceFilterLabels(l i18n.Lang) func(string) string {
	return labelsFor(l, map[string]string{"state": "inv.device.state", "product_id": "inv.device.product",
		"location_id": "inv.device.location", "member_id": "inv.device.member"}, nil)
}

func (h *Handlers) devicesExport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	l := ui.Lang(c)
	f, err := deviceFilter(c)
	if err != nil {
		return err
	}
	f.After, f.Limit = 0, 500
	lk, err := h.load(ctx)
	if err != nil {
		return err
	}
	ds, err := httpx.All(func(after int64) ([]inventory.Device, int64, error) {
		f.After = after
		return h.Inventory.ListDevices(ctx, f)
	})
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []any{d.Serial, d.SKU, lk.productName(d.ProductID), l.T("inv.state." + string(d.State)),
			lk.locationCode(d.LocationID), lk.memberName(d.MemberID), ui.Deref(d.CitizenRef), d.Recalled,
			civil.Of(d.ReceivedAt)})
	}
	header := []string{l.T("inv.device.serial"), l.T("inv.device.sku"), l.T("inv.device.product"), l.T("inv.device.state"),
		l.T("inv.device.location"), l.T("inv.device.member"), l.T("inv.device.citizen"), l.T("inv.device.recalled"), l.T("inv.device.received")}
	return httpx.SendXLSX(c, "devices.xlsx", l.T("inv.devices.title"), header, rows)
}

type eventRow struct {
	inventory.Event
	Reason      string // in the user's language when the system wrote it
	MemberName  string
	HideCitizen bool
}

type deviceView struct {
	Device                     *inventory.Device
	ProductName                string
	Location, MemberName       string
	Events                     []eventRow
	Moves                      []option
	Members                    []contracts.Member
	CanTransition, CanTransfer bool
	IsStaff                    bool
	Move                       moveForm
	Transfer                   transferForm
}

type moveForm struct{ To, Reason string }

type transferForm struct{ MemberID, CitizenRef string }

// EventReason says why a device moved, in l: a reason the system wrote from its code
// and arguments (members named through memberName, a return's reason in words), one a
// person wrote as it was written.
func EventReason(l i18n.Lang, e inventory.Event, memberName func(*int64) string) string {
	if e.ReasonCode == "" { // written before reasons had codes, and none was found
		return e.Reason
	}
	return SayWhy(l, e.Why(), memberName)
}

// SayWhy says w in l.
func SayWhy(l i18n.Lang, w inventory.Why, memberName func(*int64) string) string {
	args := make([]any, len(w.Args))
	for i, a := range w.Args {
		args[i] = a
	}
	switch w.Code {
	case inventory.WhyTransferTo, inventory.WhyTransferFrom:
		for i, a := range w.Args {
			if id, err := strconv.ParseInt(a, 10, 64); err == nil {
				args[i] = memberName(&id)
			}
		}
	case inventory.WhyPickup:
		if len(args) == 1 {
			args[0] = l.T("ord.reason." + w.Args[0])
		}
	}
	return l.T("inv.reason."+w.Code, args...)
}

// deviceView reads device id with its history; the forms keep mv and tr.
func (h *Handlers) deviceView(c *fiber.Ctx, id int64, mv moveForm, tr transferForm) (deviceView, error) {
	ctx := c.UserContext()
	l := ui.Lang(c)
	pr, _ := auth.From(ctx)
	d, err := h.Inventory.GetDevice(ctx, id)
	if err != nil {
		return deviceView{}, err
	}
	evs, err := h.Inventory.Events(ctx, id)
	if err != nil {
		return deviceView{}, err
	}
	lk, err := h.load(ctx)
	if err != nil {
		return deviceView{}, err
	}
	v := deviceView{Device: d, ProductName: lk.productName(d.ProductID), Location: lk.locationLabel(d.LocationID),
		MemberName: lk.memberName(d.MemberID), IsStaff: pr.IsStaff(), Move: mv, Transfer: tr}
	// Newest first: what happened last is what the reader wants to see.
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		row := eventRow{Event: e, Reason: EventReason(l, e, lk.memberName), MemberName: lk.memberName(e.MemberID)}
		// A member user sees citizens of its own member only, not those of an earlier
		// holder of the same device.
		if !pr.IsStaff() && (e.MemberID == nil || pr.MemberID == nil || *e.MemberID != *pr.MemberID) {
			row.HideCitizen, row.MemberName = true, ""
		}
		v.Events = append(v.Events, row)
	}
	if pr.Role == auth.RoleLogistics {
		for _, m := range inventory.Moves() {
			if m.Manual && m.From == d.State {
				v.Moves = append(v.Moves, option{Value: string(m.To), Label: l.T("inv.state." + string(m.To)), Selected: string(m.To) == mv.To})
			}
		}
		v.CanTransition = len(v.Moves) > 0
		if d.State == inventory.Deployed {
			v.CanTransfer, v.Members = true, lk.Members
		}
	}
	return v, nil
}

func (h *Handlers) devicePage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.deviceView(c, id, moveForm{}, transferForm{})
	if err != nil {
		return err
	}
	return h.UI.Render(c, "inv_device", "inv.device.title", v)
}

func (h *Handlers) transitionSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	mv := moveForm{To: c.FormValue("to"), Reason: strings.TrimSpace(c.FormValue("reason"))}
	before, err := h.Inventory.GetDevice(c.UserContext(), id)
	if err != nil {
		return err
	}
	_, err = h.Inventory.Transition(c.UserContext(), id, inventory.TransitionRequest{To: inventory.State(mv.To), Reason: mv.Reason})
	if err != nil {
		if apperr.Is(err, apperr.KindConflict) && inventory.CheckMove(before.State, inventory.State(mv.To), true) != nil {
			err = apperr.Conflict("%s", l.T("inv.transition.illegal", l.T("inv.state."+string(before.State)), l.T("inv.state."+mv.To)))
		}
		v, verr := h.deviceView(c, id, mv, transferForm{})
		if verr != nil {
			return verr
		}
		return h.UI.RenderError(c, "inv_device", "inv.device.title", v,
			localize(l, "inv_device", err, labelsFor(l, map[string]string{"to": "inv.transition.to", "reason": "inv.transition.reason"}, nil)))
	}
	ui.Flash(c, "inv.transition.done")
	return c.Redirect(fmt.Sprintf("/devices/%d", id), fiber.StatusSeeOther)
}

func (h *Handlers) transferSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	l := ui.Lang(c)
	tr := transferForm{MemberID: c.FormValue("member_id"), CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref"))}
	mid, _ := strconv.ParseInt(tr.MemberID, 10, 64)
	_, err = h.Inventory.Transfer(c.UserContext(), id, inventory.TransferRequest{MemberID: mid, CitizenRef: tr.CitizenRef})
	if err != nil {
		v, verr := h.deviceView(c, id, moveForm{}, tr)
		if verr != nil {
			return verr
		}
		return h.UI.RenderError(c, "inv_device", "inv.device.title", v,
			localize(l, "inv_device", err, labelsFor(l, map[string]string{"member_id": "inv.transfer.member", "citizen_ref": "inv.transfer.citizen"}, nil)))
	}
	ui.Flash(c, "inv.transfer.done")
	return c.Redirect(fmt.Sprintf("/devices/%d", id), fiber.StatusSeeOther)
}
