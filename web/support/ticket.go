package support

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

// mountTicket registers the ticket page and its forms. It comes after /tickets/new.
func (h *Handlers) mountTicket(r ui.Router) {
	r.Get("/tickets/:id", readers, h.ticketPage)
	r.Post("/tickets/:id/comments", writers, h.commentSubmit)
	r.Post("/tickets/:id/attachments", writers, h.attachSubmit)
	r.Get("/tickets/:id/attachments/:aid", readers, h.attachmentDownload)
	r.Post("/tickets/:id/status", statusers, h.statusSubmit)
	r.Post("/tickets/:id/escalate", agents, h.escalateSubmit)
	r.Post("/tickets/:id/swap", swappers, h.swapSubmit)
}

// Entry is one line of a ticket's timeline: an event, a comment, an alarm or a swap.
type Entry struct {
	At       time.Time
	Kind     string // event, comment, alarm, swap
	Who      string
	Text     string
	Internal bool
	Event    *support.Event
	Alarm    *support.Alarm
	Swap     *support.Swap
}

// Clock is one SLA due time as the ticket page shows it.
type Clock struct {
	Label string // message key
	Due   time.Time
	Met   *time.Time
	State string // met, breached, at_risk, ok, paused, stopped
}

// ticketForms are the ticket page's forms as typed.
type ticketForms struct {
	Body, Note, VendorID, VendorRef, DeviceID, ProductID string
	Internal                                             bool
}

type ticketView struct {
	T          *support.Detail
	MemberName string
	VendorName string
	State      string
	Clocks     []Clock
	Timeline   []Entry
	Moves      []support.Status
	Vendors    []contracts.Vendor
	Products   []inventory.Product
	Forms      ticketForms
	IsStaff    bool
	IsVendor   bool
	CanComment bool
	CanEscal   bool
	CanSwap    bool
}

func (h *Handlers) ticketPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return h.renderTicket(c, id, ticketForms{}, nil)
}

// renderTicket writes ticket id's page, after formErr refused a form (nil: none).
func (h *Handlers) renderTicket(c *fiber.Ctx, id int64, forms ticketForms, formErr error) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	d, err := h.Support.Get(ctx, id)
	if err != nil {
		return err
	}
	n, _, vs, err := h.lookups(ctx)
	if err != nil {
		return err
	}
	v := ticketView{T: d, MemberName: n.member(d.MemberID), VendorName: n.vendor(d.VendorID), State: slaState(d.Ticket),
		Forms: forms, IsStaff: p.IsStaff(), IsVendor: p.Role == auth.RoleVendor, Timeline: timeline(d)}
	v.Clocks = clocks(d.Ticket)
	active := d.Status != support.Closed
	v.CanComment = active && slices.Contains(writers, p.Role)
	v.CanEscal = slices.Contains(agents, p.Role) && d.Status.Active()
	v.CanSwap = slices.Contains(swappers, p.Role) && active
	for _, m := range support.Moves() {
		if m.From != d.Status || m.Via != support.ViaStatus {
			continue
		}
		if slices.Contains(agents, p.Role) || (p.Role == auth.RoleVendor && m.Vendor) {
			v.Moves = append(v.Moves, m.To)
		}
	}
	if v.CanEscal {
		v.Vendors = vs
	}
	if v.CanSwap {
		ps, err := h.Inventory.ListProducts(ctx)
		if err != nil {
			return err
		}
		for _, pr := range ps {
			if pr.Tracking == "serial" {
				v.Products = append(v.Products, pr)
			}
		}
		if v.Forms.DeviceID == "" && d.DeviceID != nil {
			v.Forms.DeviceID = strconv.FormatInt(*d.DeviceID, 10)
		}
	}
	return h.UI.RenderError(c, "sup_ticket", "sup.ticket.title", v, formErr)
}

// clocks are the ticket's two SLA due times and, when escalated, the vendor's OLA.
func clocks(t support.Ticket) []Clock {
	state := func(due time.Time, met *time.Time, warnAtRisk bool) string {
		switch {
		case met != nil && !met.After(due):
			return "met"
		case met != nil:
			return "breached"
		case t.SLA.Paused:
			return "paused"
		case time.Now().After(due):
			return "breached"
		case !t.Status.Active():
			return "stopped"
		case warnAtRisk:
			return "at_risk"
		}
		return "ok"
	}
	first := t.SLA.FirstResponseAt
	if first == nil && t.SLA.ResolvedAt != nil {
		first = t.SLA.ResolvedAt // resolution stops both clocks
	}
	out := []Clock{
		{Label: "sup.first_response", Due: t.SLA.FirstResponseDue, Met: t.SLA.FirstResponseAt,
			State: state(t.SLA.FirstResponseDue, first, t.SLA.AtRisk && t.SLA.FirstResponseAt == nil)},
		{Label: "sup.resolution", Due: t.SLA.ResolutionDue, Met: t.SLA.ResolvedAt,
			State: state(t.SLA.ResolutionDue, t.SLA.ResolvedAt, t.SLA.AtRisk && t.SLA.FirstResponseAt != nil)},
	}
	if t.OLADue != nil {
		out = append(out, Clock{Label: "sup.ola", Due: *t.OLADue, Met: t.SLA.ResolvedAt,
			State: state(*t.OLADue, t.SLA.ResolvedAt, false)})
	}
	return out
}

// timeline merges the ticket's events, comments, alarms and swaps, oldest first.
func timeline(d *support.Detail) []Entry {
	var out []Entry
	for i := range d.Events {
		e := &d.Events[i]
		out = append(out, Entry{At: e.At, Kind: "event", Who: e.Actor, Text: e.Note, Event: e})
	}
	for _, cm := range d.Comments {
		out = append(out, Entry{At: cm.At, Kind: "comment", Who: cm.Author, Text: cm.Body, Internal: cm.Internal})
	}
	for i := range d.Alarms {
		a := &d.Alarms[i]
		out = append(out, Entry{At: a.OccurredAt, Kind: "alarm", Who: a.CreatedBy, Text: a.Message, Alarm: a})
	}
	for i := range d.Swaps {
		s := &d.Swaps[i]
		out = append(out, Entry{At: s.CreatedAt, Kind: "swap", Who: s.CreatedBy, Swap: s})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// back sends the browser to the ticket page after a form did its work.
func back(c *fiber.Ctx, id int64, flash string) error {
	ui.Flash(c, flash)
	return c.Redirect(fmt.Sprintf("/tickets/%d", id), fiber.StatusSeeOther)
}

// refused renders the page again with err for its form, or passes err on when it is
// not one a form can show (a ticket not found, say).
func (h *Handlers) refused(c *fiber.Ctx, id int64, f ticketForms, err error) error {
	if apperr.Is(err, apperr.KindNotFound) || apperr.Is(err, apperr.KindForbidden) {
		return err
	}
	return h.renderTicket(c, id, f, err)
}

func (h *Handlers) commentSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := ticketForms{Body: strings.Clone(c.FormValue("body")), Internal: c.FormValue("internal") != ""}
	if _, err := h.Support.AddComment(c.UserContext(), id, support.CommentInput{Body: f.Body, Internal: f.Internal}); err != nil {
		return h.refused(c, id, f, err)
	}
	return back(c, id, "sup.ticket.commented")
}

func (h *Handlers) attachSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := ticketForms{Internal: c.FormValue("internal") != ""}
	name, data, err := readUpload(c, "file", support.MaxAttachmentSize)
	if err == nil {
		_, err = h.Support.AddAttachment(c.UserContext(), id, support.AttachmentInput{Filename: name, Data: data, Internal: f.Internal})
		err = renameField(err, "data", "file")
	}
	if err != nil {
		return h.refused(c, id, f, err)
	}
	return back(c, id, "sup.ticket.attached")
}

func (h *Handlers) attachmentDownload(c *fiber.Ctx) error {
	return h.apiAttachment(c)
}

func (h *Handlers) statusSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := ticketForms{Note: strings.Clone(c.FormValue("note"))}
	in := support.StatusInput{Status: support.Status(strings.Clone(c.FormValue("status"))), Note: f.Note}
	if _, err := h.Support.SetStatus(c.UserContext(), id, in); err != nil {
		return h.refused(c, id, f, err)
	}
	return back(c, id, "sup.ticket.moved")
}

func (h *Handlers) escalateSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := ticketForms{VendorID: strings.Clone(c.FormValue("vendor_id")), VendorRef: strings.Clone(c.FormValue("vendor_ref"))}
	var fe apperr.Fields
	in := support.EscalateInput{VendorRef: f.VendorRef, VendorID: formID(&fe, "vendor_id", f.VendorID, true)}
	if err := fe.Err(); err != nil {
		return h.renderTicket(c, id, f, err)
	}
	if _, err := h.Support.Escalate(c.UserContext(), id, in); err != nil {
		return h.refused(c, id, f, err)
	}
	return back(c, id, "sup.ticket.escalated")
}

func (h *Handlers) swapSubmit(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	f := ticketForms{DeviceID: strings.Clone(c.FormValue("device_id")), ProductID: strings.Clone(c.FormValue("product_id"))}
	var fe apperr.Fields
	in := support.SwapInput{DeviceID: formID(&fe, "device_id", f.DeviceID, true)}
	if pid := formID(&fe, "product_id", f.ProductID, false); pid != 0 {
		in.ProductID = &pid
	}
	if err := fe.Err(); err != nil {
		return h.renderTicket(c, id, f, err)
	}
	if _, err := h.Support.SwapDevice(c.UserContext(), id, in); err != nil {
		return h.refused(c, id, f, err)
	}
	return back(c, id, "sup.ticket.swapped")
}

// formID reads a chosen id of a form; a missing one (when required) or a bad one is
// added to fe.
func formID(fe *apperr.Fields, field, v string, required bool) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			fe.Add(field, apperr.Required, "is required")
		}
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		fe.Add(field, apperr.NotPositive, "must be a positive whole number")
		return 0
	}
	return n
}
