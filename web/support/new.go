package support

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/support"
	webinventory "github.com/fsc/backoffice/web/inventory"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountNew registers the new-ticket form: a phone call for agents (with the device and
// citizen lookup beside it), "report a problem" for member users. It comes before
// /tickets/:id.
func (h *Handlers) mountNew(r ui.Router) {
	r.Get("/tickets/new", creators, h.newPage)
	r.Post("/tickets/new", creators, h.newSubmit)
}

// newForm is the new-ticket form as typed.
type newForm struct {
	MemberID, Channel, Category, Priority, Subject, Description string
	DeviceID, CitizenRef, Name, Phone, Email, ReceivedAt        string
	// Key is the form's Idempotency-Key: a second press of the button (or a reload
	// of the POST) answers the ticket the first opened.
	Key string
}

// lookup is what the phone form found for a serial or a citizen: the device, its
// history and the open tickets beside it.
type lookup struct {
	Serial, CitizenRef string
	Searched           bool
	Devices            []inventory.Device
	Device             *inventory.Device
	History            []historyRow
	Open               []Row
}

// historyRow is a step of the device's history as the agent reads it.
type historyRow struct {
	At               time.Time
	From, To, Reason string
}

type newView struct {
	Form     newForm
	Lookup   lookup
	Members  []contracts.Member
	Devices  []inventory.Device // a member user's deployed devices
	IsStaff  bool
	Channels []support.Channel
	Cats     []support.Category
	Prios    []support.Priority
}

// localLayout is how a datetime-local input writes an instant (Copenhagen time).
const localLayout = "2006-01-02T15:04"

func (h *Handlers) newPage(c *fiber.Ctx) error {
	f := newForm{Channel: string(support.Phone), Priority: string(support.Normal), Category: string(support.DeviceFault),
		MemberID: c.Query("member_id"), DeviceID: c.Query("device_id"), CitizenRef: c.Query("citizen_ref"), Key: newKey()}
	p, _ := auth.From(c.UserContext())
	if p.Role == auth.RoleMember {
		f.Channel = string(support.Portal)
	}
	return h.renderNew(c, f, nil)
}

func (h *Handlers) renderNew(c *fiber.Ctx, f newForm, formErr error) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	v := newView{Form: f, IsStaff: p.IsStaff(), Channels: []support.Channel{support.Phone, support.Email, support.Portal},
		Cats: categories, Prios: support.Priorities}
	n, ms, _, err := h.lookups(ctx)
	if err != nil {
		return err
	}
	if p.IsStaff() {
		v.Members = ms
		if err := h.lookUp(c, &v, n); err != nil {
			return err
		}
	} else if p.MemberID != nil {
		ds, _, err := h.Inventory.ListDevices(ctx, inventory.DeviceFilter{MemberID: *p.MemberID, State: inventory.Deployed, Limit: 500})
		if err != nil {
			return err
		}
		v.Devices = ds
	}
	title := "sup.new.title"
	if !p.IsStaff() {
		title = "sup.new.report"
	}
	return h.UI.RenderError(c, "sup_new", title, v, formErr)
}

// lookUp fills the phone form's side: the device of ?serial= (its history and open
// tickets) and the open tickets of the citizen (?citizen_ref= with ?member_id=).
func (h *Handlers) lookUp(c *fiber.Ctx, v *newView, n names) error {
	ctx := c.UserContext()
	l := &v.Lookup
	l.Serial, l.CitizenRef = strings.TrimSpace(c.Query("serial")), strings.TrimSpace(v.Form.CitizenRef)
	if len(l.Serial) > 64 || len(l.CitizenRef) > 64 {
		return apperr.Invalid(apperr.Field("serial", apperr.TooLong, "must be at most %d characters", 64))
	}
	l.Serial, l.CitizenRef = strings.Clone(l.Serial), strings.Clone(l.CitizenRef)
	if l.Serial != "" {
		l.Searched = true
		ds, err := h.Inventory.FindBySerial(ctx, l.Serial)
		if err == nil && len(ds) == 0 && strings.ToUpper(l.Serial) != l.Serial {
			ds, err = h.Inventory.FindBySerial(ctx, strings.ToUpper(l.Serial)) // typed in lower case
		}
		if err != nil {
			return err
		}
		l.Devices = ds
		for i := range ds {
			if ds[i].State == inventory.Deployed || len(ds) == 1 {
				l.Device = &ds[i]
			}
		}
	}
	if l.Device != nil {
		d := l.Device
		hist, err := h.Inventory.Events(ctx, d.ID)
		if err != nil {
			return err
		}
		lang := ui.Lang(c)
		for _, e := range hist {
			r := historyRow{At: e.At, To: lang.T("inv.state." + e.To), Reason: webinventory.EventReason(lang, e, n.memberOf)}
			if e.From != "" {
				r.From = lang.T("inv.state." + e.From)
			}
			l.History = append(l.History, r)
		}
		if d.MemberID != nil {
			v.Form.MemberID = fmt.Sprint(*d.MemberID)
		}
		v.Form.DeviceID = fmt.Sprint(d.ID)
		if d.CitizenRef != nil && l.CitizenRef == "" {
			v.Form.CitizenRef, l.CitizenRef = *d.CitizenRef, *d.CitizenRef
		}
		if err := h.openTickets(c, l, support.Filter{DeviceID: d.ID, Active: true, Limit: 20}, n); err != nil {
			return err
		}
	}
	var fe apperr.Fields
	if l.CitizenRef != "" {
		if m := formID(&fe, "member_id", v.Form.MemberID, false); m != 0 {
			l.Searched = true
			return h.openTickets(c, l, support.Filter{MemberID: m, CitizenRef: l.CitizenRef, Active: true, Limit: 20}, n)
		}
	}
	return nil
}

// openTickets adds the open tickets of f to l, once each.
func (h *Handlers) openTickets(c *fiber.Ctx, l *lookup, f support.Filter, n names) error {
	ts, _, err := h.Support.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, r := range l.Open {
		seen[r.ID] = true
	}
	for _, t := range ts {
		if !seen[t.ID] {
			l.Open = append(l.Open, Row{Ticket: t, MemberName: n.member(t.MemberID), State: slaState(t), NextDue: nextDue(t)})
		}
	}
	return nil
}

func (h *Handlers) newSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	val := func(k string) string { return strings.Clone(c.FormValue(k)) }
	f := newForm{MemberID: val("member_id"), Channel: val("channel"), Category: val("category"), Priority: val("priority"),
		Subject: val("subject"), Description: val("description"), DeviceID: val("device_id"), CitizenRef: val("citizen_ref"),
		Name: val("contact_name"), Phone: val("contact_phone"), Email: val("contact_email"), ReceivedAt: val("received_at"), Key: val("idempotency_key")}
	var fe apperr.Fields
	in := support.NewTicket{Channel: support.Channel(f.Channel), Category: support.Category(f.Category),
		Priority: support.Priority(f.Priority), Subject: f.Subject, Description: f.Description, CitizenRef: f.CitizenRef}
	if p.Role == auth.RoleMember && p.MemberID != nil {
		in.MemberID, in.Channel = *p.MemberID, support.Portal
		f.Channel = string(support.Portal)
	} else {
		in.MemberID = formID(&fe, "member_id", f.MemberID, true)
	}
	if id := formID(&fe, "device_id", f.DeviceID, false); id != 0 {
		in.DeviceID = &id
	}
	if f.Name != "" || f.Phone != "" || f.Email != "" {
		in.Contact = &support.Contact{Name: f.Name, Phone: f.Phone, Email: f.Email}
	}
	if s := strings.TrimSpace(f.ReceivedAt); s != "" {
		at, err := time.ParseInLocation(localLayout, s, civil.Copenhagen)
		if err != nil {
			fe.Add("received_at", apperr.BadFormat, "must be a date and time")
		} else {
			in.ReceivedAt = &at
		}
	}
	if err := fe.Err(); err != nil {
		return h.renderNew(c, f, err)
	}
	t, err := h.Support.Create(ctx, in, f.Key)
	if err != nil {
		if apperr.Is(err, apperr.KindInternal) {
			return err
		}
		return h.renderNew(c, f, err)
	}
	ui.Flash(c, "sup.new.created")
	return c.Redirect(fmt.Sprintf("/tickets/%d", t.ID), fiber.StatusSeeOther)
}

// newKey is a fresh idempotency key for one new-ticket form.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}
