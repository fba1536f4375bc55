package orders

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountPickup registers the form that requests a pickup.
func (h *Handlers) mountPickup(r ui.Router) {
	r.Get("/returns/new", memberOnly, h.returnNewPage)
	r.Post("/returns/new", memberOnly, h.returnNewSubmit)
}

type deviceChoice struct {
	ID                int64
	Serial, SKU, Name string
	Checked           bool
}

type citizenDevices struct {
	CitizenRef string
	Devices    []deviceChoice
}

// returnForm is the pickup form as typed.
type returnForm struct {
	Key                                 string
	Citizen                             string // shows only this citizen's devices
	Groups                              []citizenDevices
	Reason                              string
	Name, Street, Postcode, City, Phone string
	Errs                                ui.FormErrors
}

var returnFields = []ui.Field{
	{Path: "device_ids", ID: "devices"}, {Path: "reason", ID: "reason"},
	{Path: "pickup.name", ID: "pickup_name"}, {Path: "pickup.street", ID: "pickup_street"}, {Path: "pickup.postcode", ID: "pickup_postcode"},
	{Path: "pickup.city", ID: "pickup_city"}, {Path: "pickup.phone", ID: "pickup_phone"},
}

var returnReasons = []string{"not_needed", "moved", "deceased", "defect"}

// deployedDevices returns the devices deployed at the member's citizens, by citizen.
func (h *Handlers) deployedDevices(ctx context.Context, citizen string, checked map[int64]bool) ([]citizenDevices, []inventory.Device, error) {
	all, err := httpx.All(func(after int64) ([]inventory.Device, int64, error) {
		return h.Inventory.ListDevices(ctx, inventory.DeviceFilter{State: inventory.Deployed, After: after, Limit: 500})
	})
	if err != nil {
		return nil, nil, err
	}
	names := h.lookups(ctx)
	var groups []citizenDevices
	var shown []inventory.Device
	sort.SliceStable(all, func(i, j int) bool { return ui.Deref(all[i].CitizenRef) < ui.Deref(all[j].CitizenRef) })
	for _, d := range all {
		cr := ui.Deref(d.CitizenRef)
		if citizen != "" && cr != citizen {
			continue
		}
		if n := len(groups); n == 0 || groups[n-1].CitizenRef != cr {
			groups = append(groups, citizenDevices{CitizenRef: cr})
		}
		g := &groups[len(groups)-1]
		g.Devices = append(g.Devices, deviceChoice{ID: d.ID, Serial: d.Serial, SKU: d.SKU, Name: names.product(d.ProductID).Name, Checked: checked[d.ID]})
		shown = append(shown, d)
	}
	return groups, shown, nil
}

func (h *Handlers) renderReturnForm(c *fiber.Ctx, status int, f returnForm, checked map[int64]bool) error {
	groups, _, err := h.deployedDevices(c.UserContext(), f.Citizen, checked)
	if err != nil {
		return err
	}
	f.Groups = groups
	return h.UI.RenderStatus(c, status, "ord_return_new", "ord.rnew.title", f)
}

func (h *Handlers) returnNewPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := returnForm{Key: newFormKey(), Citizen: strings.TrimSpace(c.Query("citizen"))}
	checked := map[int64]bool{}
	if f.Citizen != "" {
		// One citizen's devices: all of them ticked, the address of their delivery filled in.
		_, shown, err := h.deployedDevices(ctx, f.Citizen, nil)
		if err != nil {
			return err
		}
		for _, d := range shown {
			checked[d.ID] = true
		}
		for _, d := range shown {
			if d.OrderID == nil {
				continue
			}
			if o, err := h.Orders.Get(ctx, *d.OrderID); err == nil {
				f.Name, f.Street, f.Postcode, f.City, f.Phone = o.Delivery.Name, o.Delivery.Street, o.Delivery.Postcode, o.Delivery.City, o.Delivery.Phone
				break
			}
		}
	}
	return h.renderReturnForm(c, fiber.StatusOK, f, checked)
}

func (h *Handlers) returnNewSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	p, _ := auth.From(ctx)
	f := returnForm{Key: c.FormValue("key"), Citizen: strings.TrimSpace(c.FormValue("citizen")), Reason: c.FormValue("reason"),
		Name: strings.TrimSpace(c.FormValue("pickup_name")), Street: strings.TrimSpace(c.FormValue("pickup_street")),
		Postcode: strings.TrimSpace(c.FormValue("pickup_postcode")), City: strings.TrimSpace(c.FormValue("pickup_city")),
		Phone: strings.TrimSpace(c.FormValue("pickup_phone"))}
	if f.Key == "" {
		f.Key = newFormKey()
	}
	checked := map[int64]bool{}
	in := orders.NewReturn{Reason: f.Reason, DeviceIDs: []int64{},
		Pickup: &orders.Address{Name: f.Name, Street: f.Street, Postcode: f.Postcode, City: f.City, Phone: f.Phone}}
	for _, v := range c.Request().PostArgs().PeekMulti("device_ids") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil && !checked[id] {
			checked[id] = true
			in.DeviceIDs = append(in.DeviceIDs, id)
		}
	}
	if p.MemberID != nil {
		in.MemberID = *p.MemberID
	}
	r, err := h.Orders.RequestReturn(ctx, in, f.Key)
	if err != nil {
		errs, ok := formErrorsOf(l, err, returnFields)
		if !ok {
			return err
		}
		for _, x := range err.(*apperr.Error).Fields {
			if x.Field == "Idempotency-Key" {
				f.Key = newFormKey()
			}
		}
		f.Errs = errs
		return h.renderReturnForm(c, fiber.StatusUnprocessableEntity, f, checked)
	}
	ui.Flash(c, "ord.flash.pickup")
	return c.Redirect(fmt.Sprintf("/returns/%d", r.ID), fiber.StatusSeeOther)
}
