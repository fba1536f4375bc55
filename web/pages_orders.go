package web

// Order pages. The member portal: order a kit for a citizen, follow the order, request a
// pickup. The centre's pages: the orders board, pick lists, shipments with their alerts,
// returns to receive, and transfers of deployed devices between members.
//
// Every change and every list goes through the orders and inventory services, which
// check role and member scope.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
)

var (
	memberOnly     = []auth.Role{auth.RoleMember}
	warehouseRoles = []auth.Role{auth.RoleLogistics, auth.RoleAdmin}
)

func (s *Server) mountOrdersPages(r ui.Router) {
	r.Get("/orders", memberAndStaff, s.ordersPage)
	r.Get("/orders.xlsx", memberAndStaff, s.ordersExport)
	r.Get("/orders/new", memberOnly, s.orderNewPage)
	r.Post("/orders/new", memberOnly, s.orderNewSubmit)
	r.Get("/orders/:id", memberAndStaff, s.orderPage)
	r.Get("/orders/:id/picklist", warehouseRoles, s.orderPickListPage)
	r.Post("/orders/:id/cancel", memberOrLogistics, s.orderCancelSubmit)
	r.Post("/orders/:id/ship", httpx.Logistics, s.orderShipSubmit)
	r.Post("/orders/:id/deliver", httpx.Logistics, s.orderDeliverSubmit)
	r.Get("/picklists", warehouseRoles, s.pickListsPage)
	r.Get("/shipments", warehouseRoles, s.shipmentsPage)
	r.Get("/shipments.xlsx", warehouseRoles, s.shipmentsExport)
	r.Get("/returns", warehouseRoles, s.returnsPage)
	r.Get("/returns/new", memberOnly, s.returnNewPage)
	r.Post("/returns/new", memberOnly, s.returnNewSubmit)
	r.Get("/returns/:id", memberAndStaff, s.returnPage)
	r.Get("/returns/:id/receive", warehouseRoles, s.returnPage)
	r.Post("/returns/:id/receive", httpx.Logistics, s.returnReceiveSubmit)
	r.Post("/transfers", httpx.Logistics, s.transferSubmit)
}

// ---- form errors in the user's language ----

// formErrorsOf turns the Invalid error err into messages for the inputs of fields; it
// returns false for any other error, which the caller passes on.
func formErrorsOf(l i18n.Lang, err error, fields []ui.Field) (ui.FormErrors, bool) {
	var fe ui.FormErrors
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		return fe, false
	}
	placed := make([]bool, len(ae.Fields))
	for _, f := range fields {
		for i, x := range ae.Fields {
			if !placed[i] && (x.Field == f.Path || strings.HasPrefix(x.Field, f.Path+"[") || strings.HasPrefix(x.Field, f.Path+".")) {
				placed[i] = true
				fe.Add(ui.FormError{Field: x.Field, ID: f.ID, Label: l.T("ord.f." + f.ID), Message: sayFieldError(l, f.ID, x)})
			}
		}
	}
	for i, x := range ae.Fields {
		if !placed[i] {
			fe.Add(ui.FormError{Field: x.Field, Message: sayFieldError(l, "", x)})
		}
	}
	return fe, true
}

// serviceRules recognise the services' English field messages so that a page can say
// them in Danish; a message not recognised is shown as the service wrote it.
var serviceRules = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`looks like a CPR number`), "ord.rule.cpr"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "ord.rule.max"},
	{regexp.MustCompile(`Danish postcode`), "ord.rule.postcode"},
	{regexp.MustCompile(`^no kit with id`), "ord.rule.kit_unknown"},
	{regexp.MustCompile(`has not joined the kit's scheme on (\S+)`), "ord.rule.kit_scheme"},
	{regexp.MustCompile(`has no components`), "ord.rule.kit_empty"},
	{regexp.MustCompile(`^send either kit_id or lines`), "ord.req.kit_id"},
	{regexp.MustCompile(`used before with a different request body`), "ord.rule.resubmitted"},
	{regexp.MustCompile(`at least one device is required`), "ord.req.devices"},
	{regexp.MustCompile(`is listed twice`), "ord.rule.device_twice"},
	{regexp.MustCompile(`is not at a citizen of member`), "ord.rule.device_not_member"},
	{regexp.MustCompile(`^device (\S+) is (\S+), not deployed`), "ord.rule.device_not_deployed"},
	{regexp.MustCompile(`^no location with id`), "ord.rule.location_unknown"},
	{regexp.MustCompile(`^no member with id`), "ord.rule.member_unknown"},
	{regexp.MustCompile(`^must be one of`), "ord.rule.choose"},
}

// sayFieldError says x in l: a required field by what to fill in ("ord.req.<id>"),
// a known rule by its translation, else the service's own words.
func sayFieldError(l i18n.Lang, id string, x apperr.FieldError) string {
	if x.Code == apperr.Required || x.Message == "is required" || (strings.HasPrefix(x.Message, "must be one of") && id != "") {
		if l.Has("ord.req."+id) && id != "" {
			return l.T("ord.req." + id)
		}
		return l.T("ord.rule.required")
	}
	switch x.Code {
	case apperr.InPast:
		return l.T("ord.rule.date_past")
	case apperr.TooLong:
		return l.T("ord.rule.max", x.Args[0])
	case apperr.Postcode:
		return l.T("ord.rule.postcode")
	case apperr.CPR:
		return l.T("ord.rule.cpr")
	}
	for _, r := range serviceRules {
		m := r.re.FindStringSubmatch(x.Message)
		if m == nil {
			continue
		}
		switch r.key {
		case "ord.rule.device_not_deployed":
			return l.T(r.key, m[1], l.T("ord.state."+m[2]))
		case "ord.req.kit_id":
			return l.T(r.key)
		}
		args := make([]any, 0, len(m)-1)
		for _, a := range m[1:] {
			args = append(args, a)
		}
		return l.T(r.key, args...)
	}
	return x.Message
}

// conflictText is the alert for a refused action: the page's own words, not the
// service's English.
func conflictText(l i18n.Lang, key string) error {
	return &apperr.Error{Kind: apperr.KindConflict, Msg: l.T(key)}
}

// newFormKey returns a fresh idempotency key for a form: the same form submitted twice
// carries the same key and so creates one order or return.
func newFormKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "form-" + hex.EncodeToString(b)
}

// ---- names beside ids ----

// lookups finds the names a page shows beside ids, each list loaded once per request.
// A name the user may not see, or that is gone, shows as its id.
type lookups struct {
	s         *Server
	ctx       context.Context
	members   map[int64]string
	products  map[int64]inventory.Product
	kits      map[int64]string
	locations map[int64]inventory.Location
}

func (s *Server) lookups(ctx context.Context) *lookups { return &lookups{s: s, ctx: ctx} }

func (n *lookups) member(id int64) string {
	if n.members == nil {
		n.members = map[int64]string{}
	}
	if name, ok := n.members[id]; ok {
		return name
	}
	name := fmt.Sprintf("#%d", id)
	if m, err := n.s.Contracts.GetMember(n.ctx, id); err == nil {
		name = m.Name
	}
	n.members[id] = name
	return name
}

func (n *lookups) product(id int64) inventory.Product {
	if n.products == nil {
		n.products = map[int64]inventory.Product{}
		ps, _ := n.s.Inventory.ListProducts(n.ctx)
		for _, p := range ps {
			n.products[p.ID] = p
		}
	}
	if p, ok := n.products[id]; ok {
		return p
	}
	return inventory.Product{ID: id, SKU: fmt.Sprintf("#%d", id), Name: fmt.Sprintf("#%d", id)}
}

func (n *lookups) kit(id *int64) string {
	if id == nil {
		return ""
	}
	if n.kits == nil {
		n.kits = map[int64]string{}
		ks, _ := n.s.Inventory.ListKits(n.ctx)
		for _, k := range ks {
			n.kits[k.ID] = k.Name
		}
	}
	if name, ok := n.kits[*id]; ok {
		return name
	}
	return fmt.Sprintf("#%d", *id)
}

// location returns the location's code and name; staff only, "" for others.
func (n *lookups) location(id *int64) inventory.Location {
	if id == nil {
		return inventory.Location{}
	}
	if n.locations == nil {
		n.locations = map[int64]inventory.Location{}
		ls, _ := n.s.Inventory.ListLocations(n.ctx)
		for _, l := range ls {
			n.locations[l.ID] = l
		}
	}
	return n.locations[*id]
}

// ---- order a kit ----

// orderForm is the order form as typed.
type orderForm struct {
	Key                                 string
	KitID, CitizenRef                   string
	Name, Street, Postcode, City, Phone string
	RequestedOn, Note                   string
	Today                               string
	Kits                                []inventory.Kit
	Errs                                ui.FormErrors
}

var orderFields = []ui.Field{
	{Path: "kit_id", ID: "kit_id"}, {Path: "citizen_ref", ID: "citizen_ref"},
	{Path: "delivery.name", ID: "delivery_name"}, {Path: "delivery.street", ID: "delivery_street"}, {Path: "delivery.postcode", ID: "delivery_postcode"},
	{Path: "delivery.city", ID: "delivery_city"}, {Path: "delivery.phone", ID: "delivery_phone"},
	{Path: "requested_on", ID: "requested_on"}, {Path: "note", ID: "note"},
}

func (s *Server) renderOrderForm(c *fiber.Ctx, status int, f orderForm) error {
	ks, err := s.Inventory.ListKits(c.UserContext())
	if err != nil {
		return err
	}
	f.Kits, f.Today = ks, civil.Today().String()
	if len(ks) == 1 && f.KitID == "" {
		f.KitID = strconv.FormatInt(ks[0].ID, 10)
	}
	return s.ui.RenderStatus(c, status, "ord_new", "ord.new.title", f)
}

func (s *Server) orderNewPage(c *fiber.Ctx) error {
	return s.renderOrderForm(c, fiber.StatusOK, orderForm{Key: newFormKey()})
}

func (s *Server) orderNewSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	p, _ := auth.From(ctx)
	f := orderForm{Key: c.FormValue("key"), KitID: c.FormValue("kit_id"), CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref")),
		Name: strings.TrimSpace(c.FormValue("delivery_name")), Street: strings.TrimSpace(c.FormValue("delivery_street")),
		Postcode: strings.TrimSpace(c.FormValue("delivery_postcode")), City: strings.TrimSpace(c.FormValue("delivery_city")),
		Phone: strings.TrimSpace(c.FormValue("delivery_phone")), RequestedOn: strings.TrimSpace(c.FormValue("requested_on")),
		Note: strings.TrimSpace(c.FormValue("note"))}
	if f.Key == "" {
		f.Key = newFormKey()
	}
	in := orders.NewOrder{CitizenRef: f.CitizenRef, Note: f.Note,
		Delivery: &orders.Address{Name: f.Name, Street: f.Street, Postcode: f.Postcode, City: f.City, Phone: f.Phone}}
	if p.MemberID != nil {
		in.MemberID = *p.MemberID
	}
	// What the service cannot see in its input: a kit not chosen, a date it cannot read.
	// The rest (a date in the past too) is the service's to judge, all fields at once.
	var pre apperr.Fields
	if f.KitID != "" { // none chosen: the service says so, with every other problem
		id, err := strconv.ParseInt(f.KitID, 10, 64)
		if err != nil {
			pre.Add("kit_id", apperr.Required, "is required")
		} else {
			in.KitID = &id
		}
	}
	if f.RequestedOn != "" {
		d, err := civil.Parse(f.RequestedOn)
		if err != nil {
			pre = append(pre, apperr.FieldError{Field: "requested_on", Message: l.T("ord.rule.date")})
		} else {
			in.RequestedOn = d
		}
	}
	var o *orders.Order
	err := pre.Err() // the service has no dry run: a bad date is said first, alone
	if err == nil {
		o, err = s.Orders.Place(ctx, in, f.Key)
	}
	if err != nil {
		errs, ok := formErrorsOf(l, err, orderFields)
		if !ok {
			return err
		}
		for _, x := range err.(*apperr.Error).Fields {
			if x.Field == "Idempotency-Key" {
				f.Key = newFormKey() // the earlier order stands; a deliberate resend is a new one
			}
		}
		f.Errs = errs
		return s.renderOrderForm(c, fiber.StatusUnprocessableEntity, f)
	}
	if o.Status == orders.Backordered {
		ui.Flash(c, "ord.flash.placed_backordered")
	} else {
		ui.Flash(c, "ord.flash.placed")
	}
	return c.Redirect(fmt.Sprintf("/orders/%d", o.ID), fiber.StatusSeeOther)
}

// ---- orders board and list ----

type statusTab struct {
	Status, Href string
	Count        int64
	Active       bool
}

type orderRow struct {
	orders.Order
	MemberName, KitName string
	CreatedOn           civil.Date
	Late                bool
}

type ordersView struct {
	Staff, Member bool
	Status        string
	Tabs          []statusTab
	Total, Late   int64
	Rows          []orderRow
	Pager         ui.Pager
	Export        string
}

func (s *Server) ordersPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains(orders.Statuses, orders.Status(status)) {
		status = ""
	}
	list, next, err := s.Orders.List(ctx, orders.Filter{Status: orders.Status(status), After: pg.After, Limit: pg.Limit})
	if err != nil {
		return err
	}
	n, err := s.Orders.CountOrders(ctx, 0)
	if err != nil {
		return err
	}
	counts := n.ByStatus
	v := ordersView{Staff: p.IsStaff(), Member: p.Role == auth.RoleMember, Status: status, Late: n.Late, Total: n.Total,
		Export: "/orders.xlsx?status=" + status}
	v.Tabs = append(v.Tabs, statusTab{Href: "/orders", Count: v.Total, Active: status == ""})
	for _, st := range orders.Statuses {
		v.Tabs = append(v.Tabs, statusTab{Status: string(st), Href: "/orders?status=" + string(st), Count: counts[st], Active: status == string(st)})
	}
	names, today := s.lookups(ctx), civil.Today()
	for i := range list {
		o := &list[i]
		r := orderRow{Order: *o, KitName: names.kit(o.KitID), CreatedOn: civil.Of(o.CreatedAt), Late: o.IsLate(today)}
		if v.Staff {
			r.MemberName = names.member(o.MemberID)
		}
		v.Rows = append(v.Rows, r)
	}
	v.Pager = ui.PagerFor(c, pg, next)
	title := "ord.mine.title"
	if v.Staff {
		title = "ord.list.title"
	}
	return s.ui.Render(c, "ord_list", title, v)
}

func (s *Server) ordersExport(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	p, _ := auth.From(ctx)
	status := c.Query("status")
	if status != "" && !slices.Contains(orders.Statuses, orders.Status(status)) {
		status = ""
	}
	names, today := s.lookups(ctx), civil.Today()
	f := orders.Filter{Status: orders.Status(status), Limit: 500}
	var rows [][]any
	for {
		list, next, err := s.Orders.List(ctx, f)
		if err != nil {
			return err
		}
		for i := range list {
			o := &list[i]
			late := l.T("common.no")
			if o.IsLate(today) {
				late = l.T("common.yes")
			}
			row := []any{o.Number, o.CreatedAt.In(civil.Copenhagen).Format("2006-01-02 15:04")}
			if p.IsStaff() {
				row = append(row, names.member(o.MemberID))
			}
			row = append(row, o.CitizenRef, names.kit(o.KitID), l.T("ord.statuses."+string(o.Status)), o.RequestedOn.String(), late,
				o.Delivery.Name, o.Delivery.Street, o.Delivery.Postcode, o.Delivery.City)
			rows = append(rows, row)
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	header := []string{l.T("ord.number"), l.T("ord.created")}
	if p.IsStaff() {
		header = append(header, l.T("ord.member"))
	}
	header = append(header, l.T("ord.f.citizen_ref"), l.T("ord.kit"), l.T("ord.status"), l.T("ord.f.requested_on"), l.T("ord.late"),
		l.T("ord.f.delivery_name"), l.T("ord.f.delivery_street"), l.T("ord.f.delivery_postcode"), l.T("ord.f.delivery_city"))
	return httpx.SendXLSX(c, "orders.xlsx", l.T("ord.list.title"), header, rows)
}

// ---- one order ----

type timelineStep struct {
	Key, State string // State: done, current or todo
	Current    bool   // the order is here (a delivered order's last step is done and current)
	When       string
}

type deviceLine struct {
	Serial   string
	Location inventory.Location
}

type orderLineView struct {
	Product  inventory.Product
	Quantity int64
	Reserved int64
	Devices  []deviceLine
}

type orderView struct {
	O                                    *orders.Order
	MemberName, KitName                  string
	Staff                                bool
	Steps                                []timelineStep
	Lines                                []orderLineView
	Shipment                             *orders.Shipment
	Late                                 bool
	Reserving                            bool // stock is still being held for it: show what is reserved
	CanCancel, CanShip, CanDeliver, Pick bool
}

var timeline = []orders.Status{orders.Backordered, orders.Reserved, orders.Dispatching, orders.Shipped, orders.Delivered}

func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(civil.Copenhagen).Format("2006-01-02 15:04")
}

func (s *Server) orderView(ctx context.Context, id int64) (*orderView, error) {
	o, err := s.Orders.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _ := auth.From(ctx)
	names := s.lookups(ctx)
	v := &orderView{O: o, MemberName: names.member(o.MemberID), KitName: names.kit(o.KitID), Staff: p.IsStaff(),
		Late: o.IsLate(civil.Today())}
	if o.ShipmentID != nil {
		if sh, err := s.Orders.GetShipment(ctx, *o.ShipmentID); err == nil {
			v.Shipment = sh
		}
	}
	cur := slices.Index(timeline, o.Status)
	for i, st := range timeline {
		step := timelineStep{Key: string(st), State: "todo"}
		switch {
		case i < cur || (i == cur && st == orders.Delivered):
			step.State = "done"
		case i == cur:
			step.State = "current"
		}
		step.Current = i == cur
		switch {
		case i == 0:
			if cur > 0 || o.Status == orders.Cancelled {
				step.Key = "placed" // it may never have waited for stock
			}
			step.When = stamp(&o.CreatedAt)
		case st == orders.Shipped && v.Shipment != nil && cur >= i:
			step.When = stamp(v.Shipment.BookedAt)
		case st == orders.Delivered && v.Shipment != nil && cur >= i:
			step.When = stamp(v.Shipment.DeliveredAt)
		}
		v.Steps = append(v.Steps, step)
	}
	// Where a device sits matters to the warehouse only until it has left.
	onShelf := o.Status == orders.Backordered || o.Status == orders.Reserved || o.Status == orders.Dispatching
	v.Reserving = o.Status == orders.Backordered || o.Status == orders.Reserved
	for _, l := range o.Lines {
		lv := orderLineView{Product: names.product(l.ProductID), Quantity: l.Quantity, Reserved: l.ReservedQuantity}
		for _, did := range l.DeviceIDs {
			d, err := s.Inventory.GetDevice(ctx, did)
			if err != nil {
				continue
			}
			dl := deviceLine{Serial: d.Serial}
			if p.IsStaff() && onShelf {
				dl.Location = names.location(d.LocationID)
			}
			lv.Devices = append(lv.Devices, dl)
		}
		v.Lines = append(v.Lines, lv)
	}
	may := o.ActionsFor(p)
	v.CanCancel, v.CanShip, v.CanDeliver = may.Cancel, may.Ship, may.Deliver
	v.Pick = (o.Status == orders.Reserved || o.Status == orders.Dispatching) && (p.Role == auth.RoleLogistics || p.Role == auth.RoleAdmin)
	return v, nil
}

func (s *Server) renderOrder(c *fiber.Ctx, id int64, formErr error) error {
	v, err := s.orderView(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.ui.RenderError(c, "ord_order", "ord.order.title", v, formErr)
}

func (s *Server) orderPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderOrder(c, id, nil)
}

// orderAction runs an action on the order of the :id parameter; on success it shows the
// order with flashKey, when the order's state refuses it the order with refusedKey.
func (s *Server) orderAction(c *fiber.Ctx, act func(context.Context, int64) (*orders.Order, error), flashKey, refusedKey string) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := act(c.UserContext(), id); err != nil {
		if apperr.Is(err, apperr.KindConflict) {
			return s.renderOrder(c, id, conflictText(ui.Lang(c), refusedKey))
		}
		return err
	}
	ui.Flash(c, flashKey)
	return c.Redirect(fmt.Sprintf("/orders/%d", id), fiber.StatusSeeOther)
}

func (s *Server) orderCancelSubmit(c *fiber.Ctx) error {
	return s.orderAction(c, s.Orders.Cancel, "ord.flash.cancelled", "ord.refused.cancel")
}

func (s *Server) orderShipSubmit(c *fiber.Ctx) error {
	return s.orderAction(c, s.Orders.Ship, "ord.flash.shipped", "ord.refused.ship")
}

func (s *Server) orderDeliverSubmit(c *fiber.Ctx) error {
	return s.orderAction(c, s.Orders.Deliver, "ord.flash.delivered", "ord.refused.deliver")
}

// ---- pick lists ----

// pickRow is one thing to take from a shelf: a device by serial, or a quantity.
type pickRow struct {
	OrderID     int64
	OrderNumber string
	Product     inventory.Product
	Location    inventory.Location
	Serial      string
	Quantity    int64
}

type pickGroup struct {
	Location inventory.Location
	Rows     []pickRow
}

type pickOrder struct {
	*orders.Order
	MemberName string
	Items      int64
}

type pickListView struct {
	Orders []pickOrder
	Groups []pickGroup
	Rows   int
	Single bool
	Today  string
}

// pickList groups what the orders hold by location, then product and serial.
func (s *Server) pickList(ctx context.Context, os []*orders.Order, devices []inventory.Device) (*pickListView, error) {
	names := s.lookups(ctx)
	v := &pickListView{Today: civil.Today().String(), Orders: make([]pickOrder, len(os))}
	byID := map[int64]*pickOrder{}
	ids := make([]int64, len(os))
	for i, o := range os {
		v.Orders[i] = pickOrder{Order: o, MemberName: names.member(o.MemberID)}
		byID[o.ID], ids[i] = &v.Orders[i], o.ID
	}
	var rows []pickRow
	for _, d := range devices {
		if d.OrderID == nil || byID[*d.OrderID] == nil {
			continue
		}
		po := byID[*d.OrderID]
		rows = append(rows, pickRow{OrderID: po.ID, OrderNumber: po.Number, Product: names.product(d.ProductID),
			Location: names.location(d.LocationID), Serial: d.Serial, Quantity: 1})
		po.Items++
	}
	cons, err := s.Orders.ConsumablePicks(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range cons {
		po := byID[r.OrderID]
		rows = append(rows, pickRow{OrderID: po.ID, OrderNumber: po.Number, Product: names.product(r.ProductID),
			Location: names.location(r.LocationID), Quantity: r.Quantity})
		po.Items += r.Quantity
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Location.Code != b.Location.Code {
			return a.Location.Code < b.Location.Code
		}
		if a.Product.SKU != b.Product.SKU {
			return a.Product.SKU < b.Product.SKU
		}
		if a.Serial != b.Serial {
			return a.Serial < b.Serial
		}
		return a.OrderNumber < b.OrderNumber
	})
	for _, r := range rows {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Location.ID != r.Location.ID {
			v.Groups = append(v.Groups, pickGroup{Location: r.Location})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Rows = append(g.Rows, r)
	}
	v.Rows = len(rows)
	return v, nil
}

func (s *Server) orderPickListPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Orders.Get(ctx, id)
	if err != nil {
		return err
	}
	var ds []inventory.Device
	for _, l := range o.Lines {
		for _, did := range l.DeviceIDs {
			d, err := s.Inventory.GetDevice(ctx, did)
			if err != nil {
				return err
			}
			ds = append(ds, *d)
		}
	}
	v, err := s.pickList(ctx, []*orders.Order{o}, ds)
	if err != nil {
		return err
	}
	v.Single = true
	return s.ui.Render(c, "ord_picklist", "ord.pick.title", v)
}

func (s *Server) pickListsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var os []*orders.Order
	f := orders.Filter{Status: orders.Reserved, Limit: 500}
	for {
		list, next, err := s.Orders.List(ctx, f)
		if err != nil {
			return err
		}
		for i := range list {
			os = append(os, &list[i])
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	// Soonest due first (an order "as soon as possible" is due the day it was placed):
	// that is the order to pack them in.
	sort.SliceStable(os, func(i, j int) bool {
		if di, dj := os[i].DueOn(), os[j].DueOn(); di != dj {
			return di.Before(dj)
		}
		return os[i].ID < os[j].ID
	})
	var ds []inventory.Device
	df := inventory.DeviceFilter{State: inventory.Reserved, Limit: 500}
	for {
		list, next, err := s.Inventory.ListDevices(ctx, df)
		if err != nil {
			return err
		}
		ds = append(ds, list...)
		if next == 0 {
			break
		}
		df.After = next
	}
	v, err := s.pickList(ctx, os, ds)
	if err != nil {
		return err
	}
	return s.ui.Render(c, "ord_picklist", "ord.picks.title", v)
}

// ---- shipments ----

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

func (s *Server) shipmentsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pg, err := httpx.PageParams(c)
	if err != nil {
		return err
	}
	status, dir := shipmentFilters(c)
	shs, next, err := s.Orders.ListShipments(ctx, orders.ShipmentFilter{Status: status, Direction: dir, After: pg.After, Limit: pg.Limit})
	if err != nil {
		return err
	}
	names := s.lookups(ctx)
	v := shipmentsView{Status: status, Dir: dir, Statuses: shipmentStatuses, Export: fmt.Sprintf("/shipments.xlsx?status=%s&direction=%s", status, dir)}
	for _, sh := range shs {
		v.Rows = append(v.Rows, shipmentRow{Shipment: sh, OrderNumber: sh.OrderNumber, MemberName: names.member(sh.MemberID)})
	}
	alerts, err := s.Orders.OpenAlerts(ctx, 200)
	if err != nil {
		return err
	}
	v.Alerts = alertRows(ui.Lang(c), alerts)
	if v.Failed, err = s.Orders.CountShipments(ctx, orders.ShipmentFilter{Status: orders.ShipmentFailed}); err != nil {
		return err
	}
	v.Pager = ui.PagerFor(c, pg, next)
	return s.ui.Render(c, "ord_shipments", "ord.ship.title", v)
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

func (s *Server) shipmentsExport(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	status, dir := shipmentFilters(c)
	names := s.lookups(ctx)
	var rows [][]any
	f := orders.ShipmentFilter{Status: status, Direction: dir, Limit: 500}
	for {
		shs, next, err := s.Orders.ListShipments(ctx, f)
		if err != nil {
			return err
		}
		for _, sh := range shs {
			ref := ""
			if sh.OrderID != nil {
				ref = sh.OrderNumber
			} else if sh.ReturnID != nil {
				ref = fmt.Sprintf("R-%d", *sh.ReturnID)
			}
			tracking := ""
			if sh.TrackingNumber != nil {
				tracking = *sh.TrackingNumber
			}
			rows = append(rows, []any{sh.ID, l.T("ord.dir." + sh.Direction), ref, names.member(sh.MemberID),
				l.T("ord.sstatus." + sh.Status), tracking, sh.Attempts, sh.LastError, stamp(&sh.CreatedAt), stamp(sh.BookedAt), stamp(sh.DeliveredAt)})
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	header := []string{l.T("ord.ship.no"), l.T("ord.ship.direction"), l.T("ord.ship.ref"), l.T("ord.member"), l.T("ord.status"),
		l.T("ord.tracking"), l.T("ord.ship.attempts"), l.T("ord.ship.last_error"), l.T("ord.created"), l.T("ord.ship.booked"), l.T("ord.ship.delivered")}
	return httpx.SendXLSX(c, "shipments.xlsx", l.T("ord.ship.title"), header, rows)
}

// ---- returns: the staff list and transfers ----

type returnRow struct {
	orders.Return
	MemberName        string
	Devices, Received int64
	Tracking          string
}

// transferForm is the transfer form as typed.
type transferForm struct {
	Serial, MemberID, CitizenRef string
	Errs                         ui.FormErrors
}

type returnsView struct {
	Rows       []returnRow
	Show       string // open, received or all
	CanReceive bool
	Members    []contracts.Member
	Transfer   transferForm
	Pager      ui.Pager
}

// listReturns reads a page of returns for the staff list: show is open, received or all.
func (s *Server) listReturns(ctx context.Context, show string, after int64, limit int) ([]returnRow, int64, error) {
	f := orders.ReturnFilter{Open: show == "open", After: after, Limit: limit}
	if show == "received" {
		f.Status = orders.ReturnReceived
	}
	rs, next, err := s.Orders.ListReturns(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]returnRow, len(rs))
	for i, r := range rs {
		out[i] = returnRow{Return: r, Devices: int64(len(r.DeviceIDs)), Received: int64(r.ReceivedCount)}
		if r.Shipment != nil && r.Shipment.TrackingNumber != nil {
			out[i].Tracking = *r.Shipment.TrackingNumber
		}
	}
	return out, next, nil
}

func (s *Server) renderReturns(c *fiber.Ctx, status int, tf transferForm, formErr error) error {
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
	rows, next, err := s.listReturns(ctx, show, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	names := s.lookups(ctx)
	for i := range rows {
		rows[i].MemberName = names.member(rows[i].MemberID)
	}
	v := returnsView{Rows: rows, Show: show, CanReceive: p.Role == auth.RoleLogistics, Transfer: tf}
	if v.CanReceive {
		if v.Members, err = s.allMembers(ctx); err != nil {
			return err
		}
	}
	v.Pager = ui.PagerFor(c, pg, next)
	if formErr != nil {
		return s.ui.RenderError(c, "ord_returns", "ord.returns.title", v, formErr)
	}
	return s.ui.RenderStatus(c, status, "ord_returns", "ord.returns.title", v)
}

// allMembers returns every member the caller may see.
func (s *Server) allMembers(ctx context.Context) ([]contracts.Member, error) {
	f := contracts.MemberFilter{Limit: 500}
	var out []contracts.Member
	for {
		ms, next, err := s.Contracts.ListMembers(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if next == 0 {
			return out, nil
		}
		f.After = next
	}
}

func (s *Server) returnsPage(c *fiber.Ctx) error {
	return s.renderReturns(c, fiber.StatusOK, transferForm{}, nil)
}

var transferFields = []ui.Field{{Path: "serial", ID: "transfer_serial"}, {Path: "member_id", ID: "transfer_member"}, {Path: "citizen_ref", ID: "transfer_citizen_ref"}}

// transferSubmit hands a deployed device, found by its serial, to another member's
// citizen.
func (s *Server) transferSubmit(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), ui.Lang(c)
	tf := transferForm{Serial: strings.TrimSpace(c.FormValue("serial")), MemberID: c.FormValue("member_id"),
		CitizenRef: strings.TrimSpace(c.FormValue("citizen_ref"))}
	fail := func(status int, fe apperr.Fields) error {
		tf.Errs, _ = formErrorsOf(l, fe.Err(), transferFields)
		return s.renderReturns(c, status, tf, nil)
	}
	var pre apperr.Fields
	memberID, _ := strconv.ParseInt(tf.MemberID, 10, 64)
	var device *inventory.Device
	if tf.Serial == "" {
		pre.Add("serial", apperr.Required, "is required")
	} else {
		ds, err := s.Inventory.FindBySerial(ctx, tf.Serial)
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
	_, err := s.Inventory.Transfer(ctx, device.ID, inventory.TransferRequest{MemberID: memberID, CitizenRef: tf.CitizenRef})
	switch {
	case err == nil:
	case apperr.Is(err, apperr.KindInvalid):
		tf.Errs, _ = formErrorsOf(l, err, transferFields)
		return s.renderReturns(c, fiber.StatusUnprocessableEntity, tf, nil)
	case apperr.Is(err, apperr.KindConflict):
		return fail(fiber.StatusConflict, apperr.Fields{{Field: "serial", Message: l.T("ord.transfer.same")}})
	default:
		return err
	}
	ui.Flash(c, "ord.flash.transferred")
	return c.Redirect("/returns", fiber.StatusSeeOther)
}

// ---- one return, and receiving it ----

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

func (s *Server) renderReturn(c *fiber.Ctx, status int, id int64, v returnView) error {
	ctx := c.UserContext()
	p, _ := auth.From(ctx)
	r, err := s.Orders.GetReturn(ctx, id)
	if err != nil {
		return err
	}
	names := s.lookups(ctx)
	v.R, v.MemberName, v.Staff, v.Shipment = r, names.member(r.MemberID), p.IsStaff(), r.Shipment
	// Its devices as they were when it was requested, with what has arrived.
	rds, err := s.Orders.ReturnDevices(ctx, id)
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
		if v.Locations, err = s.Inventory.ListLocations(ctx); err != nil {
			return err
		}
		if v.LocationID == "" && len(v.Locations) > 0 {
			v.LocationID = strconv.FormatInt(v.Locations[0].ID, 10)
		}
	}
	return s.ui.RenderStatus(c, status, "ord_return", "ord.return.title", v)
}

func (s *Server) returnPage(c *fiber.Ctx) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderReturn(c, fiber.StatusOK, id, returnView{})
}

// splitSerials reads scanned serials: one a line, or separated by spaces, commas or
// semicolons.
func splitSerials(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ' ' || r == '\t' || r == ',' || r == ';'
	})
}

func (s *Server) returnReceiveSubmit(c *fiber.Ctx) error {
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
		return s.renderReturn(c, fiber.StatusUnprocessableEntity, id, v)
	}
	res, err := s.Orders.ReceiveReturn(ctx, id, orders.ReceiveRequest{LocationID: loc, Serials: serials})
	if err != nil {
		errs, ok := formErrorsOf(l, err, []ui.Field{{Path: "location_id", ID: "location_id"}, {Path: "serials", ID: "serials"}})
		if !ok {
			return err
		}
		v.Errs = errs
		return s.renderReturn(c, fiber.StatusUnprocessableEntity, id, v)
	}
	v.Result, v.Serials = res, ""
	return s.renderReturn(c, fiber.StatusOK, id, v)
}

// ---- request a pickup ----

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
func (s *Server) deployedDevices(ctx context.Context, citizen string, checked map[int64]bool) ([]citizenDevices, []inventory.Device, error) {
	var all []inventory.Device
	f := inventory.DeviceFilter{State: inventory.Deployed, Limit: 500}
	for {
		ds, next, err := s.Inventory.ListDevices(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, ds...)
		if next == 0 {
			break
		}
		f.After = next
	}
	names := s.lookups(ctx)
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

func (s *Server) renderReturnForm(c *fiber.Ctx, status int, f returnForm, checked map[int64]bool) error {
	groups, _, err := s.deployedDevices(c.UserContext(), f.Citizen, checked)
	if err != nil {
		return err
	}
	f.Groups = groups
	return s.ui.RenderStatus(c, status, "ord_return_new", "ord.rnew.title", f)
}

func (s *Server) returnNewPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := returnForm{Key: newFormKey(), Citizen: strings.TrimSpace(c.Query("citizen"))}
	checked := map[int64]bool{}
	if f.Citizen != "" {
		// One citizen's devices: all of them ticked, the address of their delivery filled in.
		_, shown, err := s.deployedDevices(ctx, f.Citizen, nil)
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
			if o, err := s.Orders.Get(ctx, *d.OrderID); err == nil {
				f.Name, f.Street, f.Postcode, f.City, f.Phone = o.Delivery.Name, o.Delivery.Street, o.Delivery.Postcode, o.Delivery.City, o.Delivery.Phone
				break
			}
		}
	}
	return s.renderReturnForm(c, fiber.StatusOK, f, checked)
}

func (s *Server) returnNewSubmit(c *fiber.Ctx) error {
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
	r, err := s.Orders.RequestReturn(ctx, in, f.Key)
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
		return s.renderReturnForm(c, fiber.StatusUnprocessableEntity, f, checked)
	}
	ui.Flash(c, "ord.flash.pickup")
	return c.Redirect(fmt.Sprintf("/returns/%d", r.ID), fiber.StatusSeeOther)
}
