package support

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/support"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

// ticketList is the answer of GET /tickets: the queue's keyset cursor is a due time and
// an id, not the plain id cursor of other lists.
type ticketList = httpx.List[support.Ticket]

// mountAPI registers the endpoints of API.md "Support (pinned)" and e-mail in.
func (h *Handlers) mountAPI(api httpx.Router) {
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets", Summary: "Open a ticket (member users: own member, channel portal); honours Idempotency-Key",
		Roles: creators, Body: support.NewTicket{}, Resp: support.Ticket{}, Status: 201, Handler: h.apiCreate})
	api.Handle(httpx.Route{Method: "GET", Path: "/tickets", Summary: "The queue: tickets by nearest due time; members see their own, vendors those escalated to them",
		Query: listQuery, Roles: readers, Resp: ticketList{}, Handler: h.apiList})
	api.Handle(httpx.Route{Method: "GET", Path: "/tickets/:id", Summary: "One ticket with comments, alarms, attachments, events and swaps",
		Roles: readers, Resp: support.Detail{}, Handler: h.apiGet})
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets/:id/comments", Summary: "Comment on a ticket (internal: centre staff only)",
		Roles: writers, Body: support.CommentInput{}, Resp: support.Comment{}, Status: 201, Handler: h.apiComment})
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets/:id/attachments", Summary: "Attach a file (multipart file, internal?) of at most 10 MiB",
		Roles: writers, Raw: true, Form: []string{"file", "internal"}, Resp: support.Attachment{}, Status: 201, Handler: h.apiAttach})
	api.Handle(httpx.Route{Method: "GET", Path: "/tickets/:id/attachments/:aid", Summary: "Download an attachment",
		Roles: readers, Handler: h.apiAttachment})
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets/:id/status", Summary: "Move a ticket (vendor users: resolve tickets escalated to them)",
		Roles: statusers, Body: support.StatusInput{}, Resp: support.Ticket{}, Handler: h.apiStatus})
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets/:id/escalate", Summary: "Escalate to a vendor; ola_due from its active contract's SLA terms",
		Roles: agents, Body: support.EscalateInput{}, Resp: support.Ticket{}, Handler: h.apiEscalate})
	api.Handle(httpx.Route{Method: "POST", Path: "/tickets/:id/swap", Summary: "Swap a device: a replacement order and a return of the old device",
		Roles: swappers, Body: support.SwapInput{}, Resp: support.Swap{}, Status: 201, Handler: h.apiSwap})
	api.Handle(httpx.Route{Method: "POST", Path: "/alarms", Summary: "An alarm from a device platform: opens a ticket, or joins the open one of its device and kind",
		Roles: agents, Body: support.AlarmInput{}, Resp: support.AlarmResult{}, Status: 201, Handler: h.apiAlarm})
	api.Handle(httpx.Route{Method: "POST", Path: "/email/inbound", Summary: "A raw RFC 5322 message (body message/rfc822): a new ticket or a reply threaded into one",
		Roles: agents, Raw: true, Resp: support.EmailResult{}, Status: 201, Handler: h.apiEmail})
	api.Handle(httpx.Route{Method: "GET", Path: "/email-routes", Summary: "Which senders' mail goes to which member",
		Roles: agents, Resp: httpx.List[support.EmailRoute]{}, Handler: h.apiEmailRoutes})
	api.Handle(httpx.Route{Method: "POST", Path: "/email-routes", Summary: "Route mail from an address, a domain or * to a member",
		Roles: httpx.Admins, Body: support.NewEmailRoute{}, Resp: support.EmailRoute{}, Status: 201, Handler: h.apiAddEmailRoute})
	api.Handle(httpx.Route{Method: "DELETE", Path: "/email-routes/:id", Summary: "Remove a mail route",
		Roles: httpx.Admins, Status: 204, Handler: h.apiDeleteEmailRoute})
	api.Handle(httpx.Route{Method: "GET", Path: "/sla-policies", Summary: "The SLA policy of each priority",
		Roles: agents, Resp: httpx.List[support.Policy]{}, Handler: h.apiPolicies})
	api.Handle(httpx.Route{Method: "PUT", Path: "/sla-policies/:priority", Summary: "Replace a priority's SLA policy (tickets received later use it)",
		Roles: httpx.Admins, Body: support.PolicyInput{}, Resp: support.Policy{}, Handler: h.apiUpdatePolicy})
}

var listQuery = []string{"status", "priority", "category", "member_id", "device_id", "vendor_id", "breached", "active",
	"q", "citizen_ref", "limit", "cursor"}

// maxQueryParam bounds a text filter as read from the URL; the service bounds it again.
const maxQueryParam = 200

// filterOf reads the queue's filters from the query string; a bad value is a 422
// naming the parameter, every bad one at once.
func filterOf(c *fiber.Ctx) (support.Filter, error) {
	var fe apperr.Fields
	f := support.Filter{
		Status: support.Status(c.Query("status")), Priority: support.Priority(c.Query("priority")),
		Category: support.Category(c.Query("category")), Query: c.Query("q"), CitizenRef: c.Query("citizen_ref"),
		MemberID: httpx.Int64Query(c, "member_id", &fe), DeviceID: httpx.Int64Query(c, "device_id", &fe),
		VendorID: httpx.Int64Query(c, "vendor_id", &fe),
	}
	for _, name := range []string{"status", "priority", "category", "q", "citizen_ref"} {
		if len(c.Query(name)) > maxQueryParam {
			fe.Add(name, apperr.TooLong, "must be at most %d characters", maxQueryParam)
		}
	}
	if f.Status != "" && !slices.Contains(support.Statuses, f.Status) {
		fe.Add("status", apperr.OneOf, "must be one of %s", "new, open, pending, escalated, resolved, closed")
	}
	if f.Priority != "" && !slices.Contains(support.Priorities, f.Priority) {
		fe.Add("priority", apperr.OneOf, "must be one of %s", "low, normal, high, critical")
	}
	if f.Category != "" && !slices.Contains(categories, f.Category) {
		fe.Add("category", apperr.OneOf, "must be one of %s", "device_fault, delivery, pickup, usage, other")
	}
	f.Breached = httpx.BoolQuery(c, "breached", &fe)
	f.Active = httpx.BoolQuery(c, "active", &fe)
	f.Limit = 50
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fe.Add("limit", apperr.OutOfRange, "must be a whole number from %d to %d", 1, 500)
		}
		f.Limit = min(max(n, 1), 500)
	}
	if s := c.Query("cursor"); s != "" {
		cur, err := support.ParseCursor(s)
		if err != nil {
			fe.Add("cursor", apperr.BadFormat, "is not a cursor this server gave out")
		}
		f.After = cur
	}
	if err := fe.Err(); err != nil {
		return f, err
	}
	// The strings outlive nothing here, but the filter is handed to the service: copy
	// them off fiber's buffers all the same.
	f.Query, f.CitizenRef = strings.Clone(f.Query), strings.Clone(f.CitizenRef)
	f.Status, f.Priority, f.Category = support.Status(strings.Clone(string(f.Status))),
		support.Priority(strings.Clone(string(f.Priority))), support.Category(strings.Clone(string(f.Category)))
	return f, nil
}

func (h *Handlers) apiCreate(c *fiber.Ctx) error {
	var in support.NewTicket
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	t, err := h.Support.Create(c.UserContext(), in, strings.Clone(c.Get("Idempotency-Key")))
	if err != nil {
		return err
	}
	return httpx.Created(c, t)
}

func (h *Handlers) apiList(c *fiber.Ctx) error {
	f, err := filterOf(c)
	if err != nil {
		return err
	}
	ts, next, err := h.Support.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := ticketList{Items: ts}
	if out.Items == nil {
		out.Items = []support.Ticket{}
	}
	if next != nil {
		out.NextCursor = next.String()
	}
	return c.JSON(out)
}

func (h *Handlers) apiGet(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.Support.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *Handlers) apiComment(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	var in support.CommentInput
	if err := httpx.Decode(c, &in); err != nil {
		return err
	}
	cm, err := h.Support.AddComment(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(c, cm)
}

// maxUpload is what a multipart attachment request may carry: the file's limit and
// room for the form around it. Larger files are refused naming file.
const maxUpload = support.MaxAttachmentSize + 1<<20

// readUpload returns the multipart file of the form field name, at most limit bytes.
func readUpload(c *fiber.Ctx, name string, limit int64) (string, []byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return "", nil, apperr.Invalid(apperr.Field(name, apperr.Required, "is required"))
	}
	if fh.Size > limit {
		return "", nil, apperr.Invalid(apperr.Field(name, apperr.TooLarge, "must be at most %d bytes", support.MaxAttachmentSize))
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, apperr.Invalid(apperr.Field(name, apperr.BadFormat, "could not be read"))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", nil, apperr.Invalid(apperr.Field(name, apperr.BadFormat, "could not be read"))
	}
	return strings.Clone(fh.Filename), b, nil
}

func (h *Handlers) apiAttach(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if len(c.Body()) > maxUpload {
		return apperr.Invalid(apperr.Field("file", apperr.TooLarge, "must be at most %d bytes", support.MaxAttachmentSize))
	}
	name, data, err := readUpload(c, "file", support.MaxAttachmentSize)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	internal := false
	switch c.FormValue("internal") {
	case "", "false", "0":
	case "true", "1", "on":
		internal = true
	default:
		fe.Add("internal", apperr.BadFormat, "must be true or false")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	a, err := h.Support.AddAttachment(c.UserContext(), id, support.AttachmentInput{Filename: name, Data: data, Internal: internal})
	if err != nil {
		return renameField(err, "data", "file")
	}
	return httpx.Created(c, a)
}

// renameField names field from as to in an Invalid error: the service says data, the
// form's field is file.
func renameField(err error, from, to string) error {
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		return err
	}
	for i := range ae.Fields {
		if ae.Fields[i].Field == from {
			ae.Fields[i].Field = to
		}
	}
	return ae
}

func (h *Handlers) apiAttachment(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	aid, err := httpx.PathID(c, "aid")
	if err != nil {
		return err
	}
	a, err := h.Support.GetAttachment(c.UserContext(), id, aid)
	if err != nil {
		return err
	}
	return sendAttachment(c, a)
}

// sendAttachment answers a file as a download: its sniffed type, never rendered inline
// (a member's HTML file must not run on this origin).
func sendAttachment(c *fiber.Ctx, a *support.Attachment) error {
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+strings.NewReplacer(`"`, "", `\`, "").Replace(a.Filename)+`"`)
	return c.Send(a.Data)
}
